import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAssignments } from '../../src/common/runFiles.js';
import { decodeImage, type DecodeFn } from '../../src/trainer/data/decode.js';
import { loadDataset } from '../../src/trainer/data/dataset.js';
import { makeHarness, startCli } from '../trainer/harness.js';
import { CC_RUN, inspectRunFolder, trainArgs } from './killedRuns.js';

test('two runs at once on one dataset and one empty cache: both complete, folders intact, the cache valid', async () => {
  const { tmp, data, cache } = makeHarness(10);
  const outs = [join(tmp, 'first'), join(tmp, 'second')];
  // Both start on an empty cache, so both decode everything and both replace the cache file.
  const results = await Promise.all(outs.map((out) => startCli(trainArgs(CC_RUN, data, cache, out)).done));
  for (const [i, r] of results.entries()) {
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await inspectRunFolder(outs[i]!)).problems, []);
    assert.equal(JSON.parse(readFileSync(join(outs[i]!, 'run.json'), 'utf8')).status, 'done');
    assert.equal(parseAssignments(readFileSync(join(outs[i]!, 'assignments.csv'), 'utf8')).length, 100);
  }
  // Same seed, data and backend: neither run disturbed the other.
  assert.equal(
    readFileSync(join(outs[0]!, 'assignments.csv'), 'utf8'),
    readFileSync(join(outs[1]!, 'assignments.csv'), 'utf8'),
  );

  // The cache either left behind is whole: a third load reads every image from it, decoding none.
  let decoded = 0;
  const counting: DecodeFn = (abs, o) => (decoded++, decodeImage(abs, o));
  const ds = await loadDataset(data, { imageSize: 16, channels: 3, cacheDir: cache, decode: counting });
  assert.equal(decoded, 0);
  assert.equal(ds.n, 100);
  assert.equal(ds.ingest?.cached, 100);
  assert.deepEqual(
    readdirSync(cache).filter((f) => f.endsWith('.tmp')),
    [],
  );
});
