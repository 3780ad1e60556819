// Finding 8 of issue 26: two windows editing one run's labels.json each hold a LabelsStore. Edits
// of both must land (merged), an edit both made differently must be refused with what conflicts,
// and nothing either window wrote may be lost silently.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { mergeClusters, moveImages, renameCluster } from '../../src/common/labels.js';
import { LabelsStore } from '../../src/extension/workspace/labelsStore.js';
import { parseLabels } from '../../src/protocol/labels.js';

const dir = mkdtempSync(join(tmpdir(), 'clusterlab-labels-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const onDisk = () => parseLabels(JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')));
/** Every image was trained into cluster 0. */
const trainedOf = () => 0;

test('two windows editing one labels.json: both edits kept, a conflict refused with a message, undo takes back only its own', async () => {
  const a = await LabelsStore.open(dir);
  const b = await LabelsStore.open(dir);

  await a.apply((l) => renameCluster(l, 1, 'cats'));
  await b.apply((l) => renameCluster(l, 2, 'dogs'));
  await a.apply((l) => moveImages(l, ['x.png'], 3, trainedOf));
  await b.apply((l) => moveImages(l, ['y.png'], 4, trainedOf));
  await a.apply((l) => mergeClusters(l, 5, 6));
  await b.apply((l) => mergeClusters(l, 7, 8));
  const both = onDisk();
  assert.deepEqual(both.names, { '1': 'cats', '2': 'dogs' }, 'both renames kept');
  assert.deepEqual(both.moves, { 'x.png': 3, 'y.png': 4 }, 'both moves kept');
  assert.deepEqual(
    both.merges,
    [
      { from: 5, into: 6 },
      { from: 7, into: 8 },
    ],
    'both merges kept, in the order written',
  );
  assert.deepEqual(b.labels, both, 'the window that merged shows the result');

  // The same cluster renamed differently in each: the second is refused, the first stays.
  await a.apply((l) => renameCluster(l, 9, 'boots'));
  let heard = 0;
  b.onDidChangeOnDisk(() => heard++);
  await assert.rejects(
    b.apply((l) => renameCluster(l, 9, 'shoes')),
    /^Error: edit refused: .*labels\.json was changed in another window since this one read it, and both changed the name of cluster 9 \("boots" there, "shoes" here\); the other window's edits are shown now, make yours again on top of them$/,
  );
  assert.equal(onDisk().names['9'], 'boots', 'the refused edit wrote nothing');
  assert.equal(b.labels.names['9'], 'boots', 'the refusing window now shows the other edit');
  assert.equal(heard, 1, 'its views were told to redraw');

  // Undo in one window takes back its own edit only, even after the other wrote.
  await b.apply((l) => renameCluster(l, 10, 'bags'));
  assert.equal(await a.undo(), true);
  const undone = onDisk();
  assert.equal(undone.names['9'], undefined, "a's rename of 9 is undone");
  assert.equal(undone.names['10'], 'bags', "b's later rename survives a's undo");
  assert.deepEqual(undone.moves, { 'x.png': 3, 'y.png': 4 });

  // A window that only watches picks the other's writes up.
  assert.equal(await b.refresh(), true);
  assert.deepEqual(b.labels, undone);
  assert.equal(await b.refresh(), false, 'nothing new on a second look');
});
