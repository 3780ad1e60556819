import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAssignments } from '../../src/common/runFiles.js';
import { makeHostileFolder } from './hostileFolder.js';

const HOOKS = join(process.cwd(), 'test', 'reliability', 'hooks');

test('a folder full of bad files: the run completes on the good images and lists every bad one with its reason', async () => {
  const f = await makeHostileFolder(10);
  const out = join(f.tmp, 'run');
  const r = await f.run(
    [
      'train',
      '--method',
      'cc',
      '--data',
      f.data,
      '--clusters',
      '10',
      '--image-size',
      '16',
      '--batch',
      '32',
      '--epochs',
      '1',
      '--backend',
      'wasm',
      '--cache',
      f.cache,
      '--out',
      out,
    ],
    {
      ...f.cliOptions,
      nodeArgs: ['--import', join(HOOKS, 'vanish.mjs'), '--import', join(HOOKS, 'peakRss.mjs')],
      env: { CLUSTERLAB_TEST_VANISH: f.vanishing },
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(`^skipped ${f.bad.size} files that could not be decoded \\(listed in summary\\.json\\)$`, 'm'),
  );
  assert.ok(!existsSync(f.vanishing), 'the hook deleted the image after the scan');

  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
    n: number;
    skipped: { path: string; reason: string }[];
  };
  assert.deepEqual(summary.skipped.map((s) => s.path).sort(), [...f.bad.keys()].sort());
  for (const s of summary.skipped) assert.match(s.reason, f.bad.get(s.path)!, s.path);

  // Every good image is clustered, the odd formats and odd names among them; nothing else is.
  const rows = parseAssignments(readFileSync(join(out, 'assignments.csv'), 'utf8'));
  assert.deepEqual(rows.map((a) => a.path).sort(), [...f.good].sort());
  assert.equal(summary.n, f.good.length);
  for (const p of f.odd) assert.equal(rows.find((a) => a.path === p)?.label, 'sneaker', p);
  assert.equal(rows.find((a) => a.path === "dresses/dress/robe d'été n°1.png")?.label, 'dress');
  assert.equal(rows.filter((a) => a.label === 'pantalón, "largo"').length, 10);
  for (const p of f.ignored)
    assert.ok(
      !rows.some((a) => a.path === p) && !summary.skipped.some((s) => s.path === p),
      `${p} is not an image: ignored`,
    );
  assert.equal(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).status, 'done');

  // 30,000 x 30,000 RGB would take 2.7 GB: refused from its header, it never got near memory.
  const peak = Number(/^peak RSS (\d+) kB$/m.exec(r.stderr)?.[1]);
  assert.ok(peak > 0 && peak < 1_000_000, `peak RSS ${peak} kB`);
});
