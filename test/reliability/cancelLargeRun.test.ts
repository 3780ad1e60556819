// Finding 9 of issue 26: a large run started from a non-terminal (an IDE task, CI, nohup). SIGINT
// must be heard while images are decoded and between training steps, and a log must show progress
// within an epoch, not only at its end. The dataset is a few thousand generated images: enough for
// an ingest and an epoch that take seconds, small enough to make quickly. Counts of lines decide;
// the only times asserted are generous bounds.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { startCli, type CliProcess } from '../trainer/harness.js';
import { noise } from '../unit/dataFixtures.js';

const IMAGES = 3000;
const tmp = mkdtempSync(join(tmpdir(), 'clusterlab-large-'));
const data = join(tmp, 'data');
after(() => rmSync(tmp, { recursive: true, force: true }));

before(async () => {
  for (let c = 0; c < 4; c++) mkdirSync(join(data, `class${c}`), { recursive: true });
  for (let i = 0; i < IMAGES; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, IMAGES - i) }, (_, j) =>
        sharp(Buffer.from(noise(16 * 16 * 3, i + j + 1)), { raw: { width: 16, height: 16, channels: 3 } })
          .png()
          .toFile(join(data, `class${(i + j) % 4}`, `${i + j}.png`)),
      ),
    );
  }
});

/** `clusterlab train` from a pipe, with a progress line at least every second off the terminal. */
function trainFromPipe(out: string, cache: string): { p: CliProcess; lines: { t: number; line: string }[] } {
  const p = startCli(
    [
      'train',
      '--method',
      'cc',
      '--data',
      data,
      '--clusters',
      '4',
      '--image-size',
      '16',
      '--batch',
      '32',
      '--epochs',
      '2',
      '--backend',
      'wasm',
      '--cache',
      cache,
      '--out',
      out,
    ],
    {
      env: { CLUSTERLAB_PROGRESS_EVERY: '1' },
    },
  );
  const lines: { t: number; line: string }[] = [];
  let rest = '';
  p.child.stderr!.on('data', (d) => {
    const parts = (rest + String(d)).split('\n');
    rest = parts.pop()!;
    for (const line of parts) lines.push({ t: performance.now(), line });
  });
  return { p, lines };
}

test('SIGINT while the images are decoded stops the ingest: nothing trained, nothing written', async () => {
  const out = join(tmp, 'cancelled-in-ingest');
  const cache = join(tmp, 'cache-ingest');
  const { p } = trainFromPipe(out, cache);
  await p.waitForStderr(/^decoding images: \d+\/3000/m);
  p.child.kill('SIGINT');
  const r = await p.done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /^cancelling/m);
  assert.match(r.stderr, /^cancelled before training started: no run folder was made$/m);
  assert.doesNotMatch(r.stderr, /^dataset |^epoch /m, `decoding stopped, training never began: ${r.stderr}`);
  assert.equal(existsSync(out), false, 'no run folder');
  assert.deepEqual(
    existsSync(cache) ? readdirSync(cache).filter((f) => !f.startsWith('.')) : [],
    [],
    'no pixel cache of half-decoded images',
  );
});

test('off a terminal, progress is printed within the epoch, and SIGINT is honoured at the next step', async () => {
  const out = join(tmp, 'cancelled-in-epoch');
  const { p, lines } = trainFromPipe(out, join(tmp, 'cache-epoch'));
  const inEpoch = () => lines.filter((l) => /^epoch 1\/2 step \d+\/93 loss [\d.]+ \d+ img\/s/.test(l.line));
  // Three progress lines before epoch 1 ends: the log shows the run moving within an epoch.
  let ended = false;
  void p.done.then(() => (ended = true));
  while (inEpoch().length < 3) {
    if (ended || lines.some((l) => l.line.startsWith('epoch 1/2 loss')))
      assert.fail(
        `epoch 1 ended with ${inEpoch().length} progress lines within it:\n${lines.map((l) => l.line).join('\n')}`,
      );
    await sleep(20);
  }
  const start = lines.findIndex((l) => l.line.startsWith('dataset '));
  const gaps = lines.slice(start + 1).map((l, i) => l.t - lines[start + i]!.t);
  assert.ok(
    Math.max(...gaps) < 15_000,
    `progress lines at most 15 s apart (interval 1 s plus a step): ${gaps.map((g) => Math.round(g)).join(', ')} ms`,
  );

  const sentAt = performance.now();
  const stepsBefore = inEpoch().length;
  p.child.kill('SIGINT');
  const r = await p.done;
  const cancelling = lines.find((l) => l.line.startsWith('cancelling'));
  assert.ok(cancelling, r.stderr);
  assert.ok(
    inEpoch().length - stepsBefore <= 1,
    `at most one progress line between SIGINT and the cancel: ${r.stderr}`,
  );
  assert.ok(
    cancelling.t - sentAt < 10_000,
    `"cancelling" ${Math.round(cancelling.t - sentAt)} ms after SIGINT`,
  );
  assert.equal(r.code, 130, r.stderr);
  assert.doesNotMatch(r.stderr, /^epoch 1\/2 loss/m, 'the epoch was not finished first');
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { status: string; epoch: number };
  assert.deepEqual([run.status, run.epoch], ['cancelled', 0]);
});
