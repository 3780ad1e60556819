// The Compare Runs controller without a browser: what it posts, and what it refuses from a page
// (a webview is untrusted): forged cluster ids, runs it does not compare, unknown folders.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CompareState } from '../../src/protocol/compareMessages.js';
import { makeCompareRuns, type CompareRuns } from '../webview/fixtureCompare.js';
import { makeFixtureRun, type FixtureRun } from '../webview/fixtureRun.js';
import { makeHost, recordingUi } from '../webview/harness.js';

describe('compare controller', () => {
  let ws = '';
  let fx: FixtureRun;
  let more: CompareRuns;
  before(() => {
    ws = mkdtempSync(join(tmpdir(), 'clusterlab-compare-host-'));
    fx = makeFixtureRun(ws);
    more = makeCompareRuns(fx);
  });
  after(() => rmSync(ws, { recursive: true, force: true }));

  it('posts the chosen runs once the page is ready, and refuses forged or malformed messages', async () => {
    const { ui, record } = recordingUi(ws);
    const host = makeHost(fx.runsDir, join(ws, 'thumbs'), ui);
    const posted: unknown[] = [];
    const c = host.compare({ post: (m) => void posted.push(m), asUri: (p) => `uri:${p}` });
    await c.setRuns([fx.runDir, more.k12, fx.runDir]);
    assert.equal(posted.length, 0, 'nothing is posted before the page says ready');
    await c.handle({ type: 'ready' });
    const last = () =>
      posted.filter((m): m is CompareState => (m as { type: string }).type === 'compare').at(-1)!;
    assert.deepEqual(last().chosen, [fx.runDir, more.k12], 'a folder named twice is compared once');
    assert.equal(last().error, undefined);

    // Run A is the fixture (no merge candidates): merging clusters it does not have is refused, nothing written.
    await c.handle({ type: 'merge', from: 99, into: 0 });
    assert.match(record.errors.at(-1)!, /cannot merge cluster 99 into 0/);
    await c.handle({ type: 'merge', from: 3, into: 3 });
    assert.match(record.errors.at(-1)!, /cannot merge cluster 3 into 3/);
    assert.equal(existsSync(join(fx.runDir, 'labels.json')), false);
    await c.handle({ type: 'showCell', a: -1, b: 0 });
    assert.match(record.log.at(-1)!, /CompareController: refused a malformed message/);
    await c.handle({ type: 'selectPair', a: fx.runDir, b: more.seed7 });
    assert.match(record.errors.at(-1)!, /among the compared runs/);
    // A cell with no image (B has no cluster 999) opens nothing.
    await c.handle({ type: 'showCell', a: 0, b: 999 });
    assert.deepEqual(record.galleries, []);

    // A folder that is no run of the store is refused; the runs shown stay shown, with the reason.
    await c.setRuns([fx.runDir, join(ws, 'elsewhere')]);
    assert.match(last().error ?? '', /not a known run/);
    assert.deepEqual(last().chosen, [fx.runDir, more.k12]);

    // A real merge in run A = k12 lands in its labels.json.
    await c.handle({ type: 'selectPair', a: more.k12, b: fx.runDir });
    assert.deepEqual(
      last().merges?.pairs.map((p) => [p.a, p.b]),
      [
        [0, 10],
        [1, 11],
      ],
    );
    await c.handle({ type: 'merge', from: 11, into: 1 });
    assert.deepEqual(JSON.parse(readFileSync(join(more.k12, 'labels.json'), 'utf8')).merges, [
      { from: 11, into: 1 },
    ]);
    assert.deepEqual(
      last().merges?.pairs.map((p) => [p.a, p.b]),
      [[0, 10]],
    );
    assert.equal(last().merges?.canUndo, true);
    await c.dispose();
    await host.sessions.dispose();
  });
});
