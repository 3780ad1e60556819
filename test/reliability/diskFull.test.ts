import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeHarness } from '../trainer/harness.js';
import { CC_RUN, resumeArgs, trainArgs } from './killedRuns.js';

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
