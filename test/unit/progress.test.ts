import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricsRow } from '../../src/protocol/run.js';
import { bar, formatDuration, ProgressReporter } from '../../src/trainer/progress.js';
import type { StepProgress } from '../../src/trainer/run/train.js';

const CLR = '\r\x1b[K';

function fake(isTTY: boolean, columns?: number) {
  const chunks: string[] = [];
  let t = 0;
  const stream = { isTTY, columns, write: (s: string) => chunks.push(s) };
  return { chunks, stream, clock: { now: () => t, set: (ms: number) => (t = ms) } };
}

const step = (epoch: number, s: number, over: Partial<StepProgress> = {}): StepProgress => ({
  epoch,
  epochs: 15,
  step: s,
  steps: 40,
  loss: 4.2134,
  imgPerSec: 850.2,
  ...over,
});

const row = (epoch: number, over: Partial<MetricsRow> = {}): MetricsRow => ({
  epoch,
  phase: 'train',
  loss: 1.5,
  terms: { instance: 1, cluster: 0.5 },
  imgPerSec: 100,
  seconds: 2,
  ...over,
});

test('TTY: one redrawn line with bar, step, loss, rate and ETA', () => {
  const { chunks, stream, clock } = fake(true);
  const p = new ProgressReporter(stream, { now: clock.now });
  p.step(step(3, 11));
  // No rate yet from a single observation, so no ETA.
  assert.equal(chunks.at(-1), `${CLR}epoch 3/15 [###-------] step 11/40 loss 4.213 850 img/s`);
  clock.set(1000);
  p.step(step(3, 12));
  // One step (1/40 of 1/15 of the run) per second; left: 1 - 2.3/15 of the run = 508 steps = 8m28s.
  assert.equal(chunks.at(-1), `${CLR}epoch 3/15 [###-------] step 12/40 loss 4.213 850 img/s ETA 8m28s`);
  assert.ok(
    chunks.every((c) => !c.includes('\n')),
    'live updates never start a new line',
  );
});

test('TTY: redraws are throttled, except the last step of an epoch', () => {
  const { chunks, stream, clock } = fake(true);
  const p = new ProgressReporter(stream, { now: clock.now, minRedrawMs: 100 });
  p.step(step(1, 1, { steps: 3 }));
  clock.set(50);
  p.step(step(1, 2, { steps: 3 }));
  assert.equal(chunks.length, 1);
  clock.set(60);
  p.step(step(1, 3, { steps: 3 }));
  assert.equal(chunks.length, 2);
  assert.match(chunks[1]!, /step 3\/3/);
});

test('TTY: log and epoch lines print above the live line, which is then restored; done clears it', () => {
  const { chunks, stream, clock } = fake(true);
  const p = new ProgressReporter(stream, { now: clock.now, minRedrawMs: 0 });
  p.step(step(1, 5, { epochs: 2 }));
  const live = chunks.at(-1)!.slice(CLR.length);
  p.log('backend: cpu');
  assert.deepEqual(chunks.slice(-2), [`${CLR}backend: cpu\n`, `${CLR}${live}`]);
  p.epoch(row(1));
  assert.match(
    chunks.at(-2)!,
    /^\r\x1b\[Kepoch 1\/2 loss 1\.500 \(instance 1\.000, cluster 0\.500\) 100 img\/s 2\.0s\n$/,
  );
  p.done();
  assert.equal(chunks.at(-1), CLR);
  // Nothing live any more: a later log line has nothing to clear or restore.
  p.log('bye');
  assert.equal(chunks.at(-1), 'bye\n');
});

test('TTY: the live line is cut to the terminal width so it never wraps', () => {
  const { chunks, stream, clock } = fake(true, 20);
  const p = new ProgressReporter(stream, { now: clock.now });
  p.step(step(3, 12));
  assert.equal(chunks.at(-1), `${CLR}epoch 3/15 [###----`);
});

test('TTY: decoding shows a bar and clears when done', () => {
  const { chunks, stream, clock } = fake(true);
  const p = new ProgressReporter(stream, { now: clock.now, minRedrawMs: 0 });
  p.ingest(0, 1000);
  clock.set(2000);
  p.ingest(500, 1000);
  assert.equal(chunks.at(-1), `${CLR}decoding [#####-----] 500/1000 images 250 img/s ETA 2s`);
  p.ingest(1000, 1000);
  assert.equal(chunks.at(-1), CLR);
});

test('not a TTY: plain lines, one per epoch, no carriage returns or escape codes', () => {
  const { chunks, stream, clock } = fake(false);
  const p = new ProgressReporter(stream, { now: clock.now });
  p.ingest(0, 100);
  p.ingest(30, 100);
  p.ingest(60, 100);
  p.ingest(100, 100);
  p.log('dataset: 100 images');
  p.step(step(1, 1, { epochs: 2, steps: 4 }));
  clock.set(3000);
  p.step(step(1, 4, { epochs: 2, steps: 4 }));
  // From 1/8 of the run to 1/2 in 3 s: the other half takes 4 s.
  p.epoch(row(1, { acc: 0.5, nmi: 0.25, ari: 0.125 }));
  clock.set(7000);
  p.step(step(2, 4, { epochs: 2, steps: 4 }));
  p.epoch(
    row(2, {
      phase: 'selflabel',
      terms: { ce: 1.5 },
      acc: 0.75,
      superAcc: 0.9,
      superNmi: 0.8,
      superAri: 0.7,
    }),
  );
  p.done();
  assert.deepEqual(chunks, [
    'decoding images: 30/100 (30%)\n',
    'decoding images: 60/100 (60%)\n',
    'decoding images: 100/100 (100%)\n',
    'dataset: 100 images\n',
    'epoch 1/2 loss 1.500 (instance 1.000, cluster 0.500) 100 img/s 2.0s acc 0.500 nmi 0.250 ari 0.125 ETA 4s\n',
    'epoch 2/2 (selflabel) loss 1.500 100 img/s 2.0s acc 0.750 super acc 0.900 nmi 0.800 ari 0.700\n',
  ]);
  assert.ok(chunks.every((c) => !/[\r\x1b]/.test(c)));
});

test('not a TTY: a fully cached dataset prints no decoding lines', () => {
  const { chunks, stream } = fake(false);
  const p = new ProgressReporter(stream);
  p.ingest(100, 100);
  p.ingest(100, 100);
  assert.deepEqual(chunks, []);
});

test('bar and duration formatting', () => {
  assert.equal(bar(0, 4), '[----]');
  assert.equal(bar(0.5, 4), '[##--]');
  assert.equal(bar(1.7, 4), '[####]');
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(59.4), '59s');
  assert.equal(formatDuration(80), '1m20s');
  assert.equal(formatDuration(65), '1m05s');
  assert.equal(formatDuration(3725), '1h02m');
});

test('language-server progress names the SCAN stage and, once known, the time left', async () => {
  const { stepMessage } = await import('../../src/trainer/run/activeRuns.js');
  const { resolveScanConfig } = await import('../../src/trainer/methods/scan/stages.js');
  const { stageNameOf } = await import('../../src/trainer/methods/index.js');
  const { defaultConfig } = await import('../../src/trainer/run/config.js');
  const scan = resolveScanConfig({
    ...defaultConfig('scan', '/d'),
    epochs: 9,
    params: { pretextEpochs: 3, scanEpochs: 5, selflabelEpochs: 1 },
  });
  assert.deepEqual(
    [1, 4, 9].map((e) => stageNameOf(scan, e)),
    ['pretext', 'SCAN', 'self-labeling'],
  );
  assert.equal(stageNameOf(defaultConfig('cc', '/d'), 1), undefined);
  const p = { epoch: 9, epochs: 9, step: 1, steps: 2, loss: 1.234, imgPerSec: 850.4, stage: 'self-labeling' };
  assert.equal(stepMessage(p, 125), 'epoch 9/9 · self-labeling · loss 1.23 · 850 img/s · 2m05s left');
  assert.equal(stepMessage({ ...p, stage: undefined }), 'epoch 9/9 · loss 1.23 · 850 img/s');
});

test('language-server progress while a feature model embeds: the count, then its rate and the time left once measured', async () => {
  const { embedMessage } = await import('../../src/trainer/run/activeRuns.js');
  // 100 of 10,000 were cached when embedding began; 4 s later 240 more are done.
  const base = { at: 1000, done: 100 };
  assert.equal(embedMessage(100, 10_000, base, 1000), 'embedding images 100/10000');
  assert.equal(embedMessage(116, 10_000, base, 2000), 'embedding images 116/10000', 'too soon for a rate');
  assert.equal(embedMessage(340, 10_000, base, 5000), 'embedding images 340/10000 · 60.0 img/s · 2m41s left');
  assert.equal(embedMessage(10_000, 10_000, base, 9000), 'embedding images 10000/10000');
});

test('off a terminal: a plain progress line within an epoch every plainEveryMs, none at the epoch end (its row says it)', () => {
  const { chunks, stream, clock } = fake(false);
  const p = new ProgressReporter(stream, { now: clock.now, plainEveryMs: 5000 });
  for (let s = 1; s <= 40; s++) {
    clock.set(s * 1000);
    p.step(step(2, s));
  }
  assert.deepEqual(
    chunks.map((c) => c.replace(/ ETA \S+/, '').trimEnd()),
    [5, 10, 15, 20, 25, 30, 35].map((s) => `epoch 2/15 step ${s}/40 loss 4.213 850 img/s`),
  );
  assert.ok(chunks.every((c) => c.endsWith('\n') && !c.includes('\r')));
});
