import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  clusterName,
  effectiveClusters,
  mergeClusters,
  moveImages,
  nextClusterId,
  renameCluster,
} from '../../src/common/labels.js';
import { parseAssignments, parseCsv, parseMetrics } from '../../src/common/runFiles.js';
import { emptyLabels, parseLabels } from '../../src/protocol/labels.js';
import { SchemaError } from '../../src/protocol/schema.js';

const paths = ['a/1.png', 'a/2.png', 'b/3.png', 'b/4.png'];
const trained = [0, 0, 1, 2];
const trainedOf = (p: string) => trained[paths.indexOf(p)];

describe('labels: edits on the trained clusters', () => {
  it('moves, merges and renames give the effective clusters', () => {
    let l = emptyLabels();
    l = moveImages(l, ['a/2.png'], 1, trainedOf);
    assert.deepEqual([...effectiveClusters(paths, trained, l)], [0, 1, 1, 2]);
    l = mergeClusters(l, 1, 2);
    assert.deepEqual([...effectiveClusters(paths, trained, l)], [0, 2, 2, 2]);
    l = renameCluster(l, 2, '  shoes ');
    assert.equal(clusterName(l, 2), 'shoes');
    assert.equal(clusterName(l, 0), 'Cluster 0');
    assert.equal(clusterName(renameCluster(l, 2, ' '), 2), 'Cluster 2');
  });

  it('a move back to the trained cluster drops the entry; merges chain', () => {
    let l = moveImages(emptyLabels(), ['a/1.png'], 2, trainedOf);
    l = moveImages(l, ['a/1.png'], 0, trainedOf);
    assert.deepEqual(l.moves, {});
    l = mergeClusters(mergeClusters(l, 0, 1), 1, 2);
    assert.deepEqual([...effectiveClusters(paths, trained, l)], [2, 2, 2, 2]);
    assert.throws(() => mergeClusters(l, 0, 2), /merged away/);
    assert.throws(() => moveImages(l, ['b/4.png'], 1, trainedOf), /merged away/);
    assert.equal(nextClusterId(l, trained), 3);
  });

  it('edits return new objects and leave the old ones alone (undo keeps snapshots)', () => {
    const before = emptyLabels();
    const after = renameCluster(moveImages(before, ['a/1.png'], 2, trainedOf), 0, 'x');
    assert.deepEqual(before, emptyLabels());
    assert.notDeepEqual(after, before);
  });
});

describe('labels.json validation', () => {
  it('accepts what the edits write and refuses malformed files with the field named', () => {
    const ok = mergeClusters(
      renameCluster(moveImages(emptyLabels(), ['a/1.png'], 2, trainedOf), 0, 'x'),
      0,
      1,
    );
    assert.deepEqual(parseLabels(JSON.parse(JSON.stringify(ok))), ok);
    assert.throws(
      () => parseLabels({ ...ok, version: 2 }),
      (e: Error) => e instanceof SchemaError && /version/.test(e.message),
    );
    assert.throws(() => parseLabels({ ...ok, names: { '-1': 'x' } }), /cluster id/);
    assert.throws(() => parseLabels({ ...ok, moves: { 'a.png': 1.5 } }), /moves\.a\.png/);
    assert.throws(() => parseLabels({ ...ok, extra: 1 }), /unexpected field "extra"/);
    assert.throws(
      () =>
        parseLabels({
          ...ok,
          merges: [
            { from: 1, into: 2 },
            { from: 2, into: 1 },
          ],
        }),
      /already merged away/,
    );
    assert.throws(() => parseLabels(null), /expected an object/);
  });
});

describe('run files', () => {
  it('parses quoted CSV fields and the assignments header', () => {
    assert.deepEqual(parseCsv('a,"b,c","d""e"\r\n"x\ny",2\n'), [
      ['a', 'b,c', 'd"e'],
      ['x\ny', '2'],
    ]);
    const rows = parseAssignments('path,cluster,confidence,label\n"a,1.png",3,0.5,cat\nb.png,0,0.25,\n');
    assert.deepEqual(rows, [
      { path: 'a,1.png', cluster: 3, confidence: 0.5, label: 'cat' },
      { path: 'b.png', cluster: 0, confidence: 0.25 },
    ]);
    assert.throws(() => parseAssignments('x,y\n'), /header/);
    assert.throws(() => parseAssignments('path,cluster,confidence\nb.png,-1,0.2\n'), /row 1/);
  });

  it('skips a torn last metrics line', () => {
    assert.deepEqual(parseMetrics('{"epoch":1}\n{"epoch":2}\n{"epo'), [{ epoch: 1 }, { epoch: 2 }]);
  });
});
