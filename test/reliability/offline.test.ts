import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { METHOD_NAMES } from '../../src/common/methods/index.js';
import { makeHarness } from '../trainer/harness.js';
import { SMALL_RUNS, trainArgs } from './killedRuns.js';

test('a whole run, every method, needs nothing from the network', async () => {
  const { tmp, data, cache, run } = makeHarness(5);
  const offline = ['--import', join(process.cwd(), 'test', 'reliability', 'hooks', 'offline.mjs')];
  for (const method of METHOD_NAMES) {
    const r = await run([...trainArgs(SMALL_RUNS[method], data, cache, join(tmp, method)), '--clusters', '5'], { nodeArgs: offline });
    // The hook turns any attempt into a failure and a line on stderr.
    assert.doesNotMatch(r.stderr, /NETWORK ACCESS ATTEMPTED/);
    assert.equal(r.code, 0, r.stderr);
  }
});
