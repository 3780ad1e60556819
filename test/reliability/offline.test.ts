import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeHarness } from '../trainer/harness.js';
import { trainArgs } from './killedRuns.js';

test('a whole run, every method, needs nothing from the network', async () => {
  const { tmp, data, cache, run } = makeHarness(5);
  const offline = ['--import', join(process.cwd(), 'test', 'reliability', 'hooks', 'offline.mjs')];
  for (const method of ['cc', 'scan', 'deepcluster'] as const) {
    const r = await run([...trainArgs({ method, epochs: method === 'scan' ? 3 : 1 }, data, cache, join(tmp, method)), '--clusters', '5'], { nodeArgs: offline });
    // The hook turns any attempt into a failure and a line on stderr.
    assert.doesNotMatch(r.stderr, /NETWORK ACCESS ATTEMPTED/);
    assert.equal(r.code, 0, r.stderr);
  }
});
