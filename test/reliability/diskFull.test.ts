import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeHarness } from '../trainer/harness.js';
import { CC_RUN, resumeArgs, trainArgs } from './killedRuns.js';
import { makeFixtureRun } from '../webview/fixtureRun.js';

const BIN = join(process.cwd(), 'bin', 'clusterlab.mjs');

/** A private mount namespace can hold a real, tiny tmpfs: needs root (or CAP_SYS_ADMIN), as CI here has. */
function tmpfsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs in a private mount namespace';
  const probe = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt']);
  return probe.status === 0 ? undefined : `unshare/mount unavailable: ${probe.stderr}`;
}

test(
  'disk full while writing a checkpoint: a clear error naming the file, the previous checkpoint kept and resumable',
  { skip: tmpfsUnavailable() },
  async () => {
    const { tmp, data, cache, run } = makeHarness(10);
    const reference = join(tmp, 'reference');
    assert.equal((await run(trainArgs(CC_RUN, data, cache, reference))).code, 0);
    const weights = statSync(join(reference, 'checkpoint', 'weights-2.bin')).size;

    // checkpoint/ on a tmpfs with room for one weights file but not two: epoch 1's checkpoint fits,
    // epoch 2's cannot be written beside it. What the tmpfs holds at the end is copied out to `kept`.
    const out = join(tmp, 'full');
    const checkpoint = join(out, 'checkpoint');
    const kept = join(tmp, 'kept');
    mkdirSync(checkpoint, { recursive: true });
    mkdirSync(kept);
    const size = Math.floor((weights * 1.5) / 1024);
    const script =
      'mount -t tmpfs -o size="$1"k tmpfs "$2" || exit 90; ck=$2; kept=$3; shift 3; "$@"; code=$?; cp -a "$ck/." "$kept/"; exit $code';
    const cli = [process.execPath, BIN, ...trainArgs(CC_RUN, data, cache, out)];
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn('unshare', ['-m', 'sh', '-c', script, 'sh', String(size), checkpoint, kept, ...cli]);
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => resolve({ code, stderr }));
    });

    assert.equal(r.code, 1, r.stderr);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('clusterlab: '));
    assert.deepEqual(errors, [
      `clusterlab: cannot write ${join(checkpoint, 'weights-2.bin')}: ENOSPC: no space left on device, write; the checkpoint of epoch 1 is kept`,
    ]);
    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    assert.equal(runJson.status, 'failed');
    assert.match(runJson.error, /ENOSPC/);
    // Epoch 1's checkpoint, whole; no trace of epoch 2's half-written one.
    assert.deepEqual(readdirSync(kept).sort(), ['manifest.json', 'weights-1.bin']);
    assert.equal(statSync(join(kept, 'weights-1.bin')).size, weights);

    // With space again (the kept files back on the ordinary disk), resume ends where an uninterrupted run ends.
    rmdirSync(checkpoint);
    renameSync(kept, checkpoint);
    const resumed = await run(resumeArgs(cache, out));
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /resuming from the checkpoint of epoch 1\b/);
    assert.equal(
      readFileSync(join(out, 'assignments.csv'), 'utf8'),
      readFileSync(join(reference, 'assignments.csv'), 'utf8'),
    );
  },
);

/** `clusterlab export` with --out on a tmpfs of `kb` KiB; returns the result and what the tmpfs held after. */
function exportOnTmpfs(
  tmp: string,
  kb: number,
  args: string[],
): Promise<{ code: number | null; stderr: string; left: string[] }> {
  const mnt = join(tmp, `mnt-${kb}`);
  const listing = join(tmp, `left-${kb}.txt`);
  mkdirSync(mnt, { recursive: true });
  // The listing is written outside the tmpfs, which goes away with the mount namespace.
  const script =
    'mount -t tmpfs -o size="$1"k tmpfs "$2" || exit 90; mnt=$2; list=$3; shift 3; "$@"; code=$?; (cd "$mnt" && find . -mindepth 1) > "$list"; exit $code';
  const cli = [process.execPath, BIN, 'export', ...args, '--out', join(mnt, 'out')];
  return new Promise((resolve) => {
    const p = spawn('unshare', ['-m', 'sh', '-c', script, 'sh', String(kb), mnt, listing, ...cli]);
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) =>
      resolve({
        code,
        stderr,
        left: readFileSync(listing, 'utf8').split('\n').filter(Boolean),
      }),
    );
  });
}

test(
  'disk full during an export: one line saying so, and nothing of the export left (no half-filled cluster folders, no marker, no table)',
  { skip: tmpfsUnavailable() },
  async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'clusterlab-export-full-'));
    try {
      const fx = makeFixtureRun(tmp);
      // 40 images of ~0.5 KiB: a tmpfs counts whole 4 KiB pages, so 6 pages hold a few of them, not all.
      const tree = await exportOnTmpfs(tmp, 24, [fx.runDir, '--format', 'imagefolder']);
      assert.equal(tree.code, 3, tree.stderr);
      const lines = tree.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, tree.stderr);
      assert.match(
        lines[0]!,
        /^clusterlab: the disk is full: cannot write .*\/out\/\d{3} [^/]+\/[^/]+\.png \(ENOSPC\); the export was undone, the \d+ files written before were removed and nothing of it is left in .*\/out$/,
      );
      assert.ok(
        Number(/the (\d+) files written/.exec(lines[0]!)![1]) > 0,
        'some files fitted before it filled',
      );
      assert.deepEqual(tree.left, []);
      // A table: written (one page), then the marker does not fit; both are taken back.
      const table = await exportOnTmpfs(tmp, 4, [fx.runDir, '--format', 'csv']);
      assert.equal(table.code, 3, table.stderr);
      assert.match(
        table.stderr,
        /^clusterlab: cannot write .*ENOSPC.*; the export was undone, nothing of it is left in .*\/out\n$/,
      );
      assert.deepEqual(table.left, []);
      // The originals are untouched.
      for (const p of fx.paths) assert.ok(statSync(join(fx.dataRoot, p)).isFile());
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
);
