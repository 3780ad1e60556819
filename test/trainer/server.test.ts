import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readLayout } from '../../src/common/layout.js';
import { parseAssignments } from '../../src/common/runFiles.js';
import type { TrainConfig } from '../../src/protocol/run.js';
import {
  Notifications,
  Requests,
  type EpochNotice,
  type RunEndedNotice,
  type RunStarted,
  type WorkDoneValue,
} from '../../src/protocol/server.js';
import { makeHarness, readMetricsRows } from './harness.js';
import { tinyConvModel } from './onnxWriter.js';
import { forkServer, initialize, shutdown, type ServerChild } from './serverClient.js';
const { tmp, data, cache } = makeHarness(12);
const runsDir = join(tmp, 'runs');

let server: ServerChild;
let conn: ServerChild['conn'];
const progress = new Map<string, WorkDoneValue[]>();
const epochs: EpochNotice[] = [];
const ended: RunEndedNotice[] = [];
const logs: string[] = [];
const waiters: (() => void)[] = [];

function heard(): void {
  for (const w of waiters.splice(0)) w();
}

/** Resolves once `ready()` holds after some message arrived (or already does). */
async function until<T>(ready: () => T | undefined, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = ready();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; log:\n${[...logs, ...server.stderr].join('\n')}`);
    await new Promise<void>((r) => {
      waiters.push(r);
      setTimeout(r, 1000).unref();
    });
  }
}

const endOf = (runId: string) => until(() => ended.find((e) => e.runId === runId), `the end of ${runId}`);

async function config(over: Partial<TrainConfig>): Promise<TrainConfig> {
  const d = await conn.sendRequest<TrainConfig>(Requests.defaults.method, { method: 'cc', data });
  return {
    ...d,
    clusters: 10,
    epochs: 2,
    imageSize: 16,
    channels: 1,
    batchSize: 16,
    backend: 'wasm',
    ...over,
  };
}

let tokens = 0;
function start(params: object): Promise<RunStarted> & { token: string } {
  const token = `t${++tokens}`;
  progress.set(token, []);
  return Object.assign(
    conn.sendRequest<RunStarted>(Requests.train.method, {
      ...params,
      runsDir,
      cacheDir: cache,
      workDoneToken: token,
    }),
    { token },
  );
}

before(async () => {
  server = forkServer();
  conn = server.conn;
  conn.onNotification('$/progress', (p: { token: string; value: WorkDoneValue }) => {
    progress.get(p.token)?.push(p.value);
    heard();
  });
  conn.onNotification(Notifications.epoch.method, (n: EpochNotice) => {
    epochs.push(n);
    heard();
  });
  conn.onNotification(Notifications.runEnded.method, (n: RunEndedNotice) => {
    ended.push(n);
    heard();
  });
  conn.onNotification('window/logMessage', (m: { message: string }) => void logs.push(m.message));
  await initialize(conn);
});

after(() => shutdown(server));

test('lists the backends without starting one, and gives the method defaults', async () => {
  const backends = await conn.sendRequest<{ name: string; installed: boolean }[]>(
    Requests.listBackends.method,
    {},
  );
  assert.deepEqual(
    backends.map((b) => b.name),
    ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'],
  );
  assert.ok(backends.find((b) => b.name === 'wasm')!.installed);
  const d = await conn.sendRequest<TrainConfig>(Requests.defaults.method, { method: 'scan', data });
  assert.equal(d.method, 'scan');
  assert.equal(d.epochs, 18);
  // The wizard's review shows how SCAN shares the epochs among its stages.
  const plan = await conn.sendRequest<{ epochs: number; stages: { name: string; epochs: number }[] }>(
    Requests.plan.method,
    { config: { ...d, epochs: 9 } },
  );
  assert.equal(plan.epochs, 9);
  assert.deepEqual(
    plan.stages.map((s) => s.name),
    ['pretext', 'SCAN', 'self-labeling'],
  );
  assert.equal(
    plan.stages.reduce((a, s) => a + s.epochs, 0),
    9,
  );
});

test('bad requests fail at once with a message naming the problem', async () => {
  // In the extension's words, not the command line's flags.
  await assert.rejects(
    start({ config: await config({ clusters: 1 }) }),
    (e: Error) => /^clusters must be a whole number from 2/.test(e.message) && !e.message.includes('--'),
  );
  await assert.rejects(
    conn.sendRequest(Requests.train.method, { config: { method: 'spectral' }, runsDir }),
    /clusterlab\/train: config\.method: expected one of cc, scan, deepcluster, kmeans, scanhead, temi/,
  );
  // Method settings are checked against the spec before the run answers started: no run folder is made.
  const before = existsSync(runsDir) ? readdirSync(runsDir).length : 0;
  await assert.rejects(
    start({ config: await config({ params: { clusterTemprature: 0.5 } }) }),
    /unknown setting 'clusterTemprature' for cc; did you mean 'clusterTemperature'\?/,
  );
  await assert.rejects(
    start({ config: await config({ method: 'scan', params: { threshold: 2 } }) }),
    /scan setting threshold must be a number from 0 to 1 \(got 2\)/,
  );
  await assert.rejects(
    start({ config: await config({ method: 'scan', params: { stages: 'pretext', pretextEpochs: 0 } }) }),
    /the SCAN stages chosen have no epochs to train/,
  );
  assert.equal(existsSync(runsDir) ? readdirSync(runsDir).length : 0, before);
  assert.deepEqual(ended, [], 'no run started, so none ended');
  await assert.rejects(
    conn.sendRequest(Requests.resume.method, { runDir: join(tmp, 'nothing') }),
    /nothing is not a run folder: it has no run\.json/,
  );
  await assert.rejects(
    conn.sendRequest(Requests.assign.method, { runDir: join(tmp, 'nothing'), files: [] }),
    /nothing is not a run folder: it has no run\.json/,
  );
});

let finished: RunStarted;

test('a tiny run reports work-done progress and every epoch, then ends done', async () => {
  const req = start({ config: await config({}) });
  finished = await req;
  assert.match(finished.runId, /^cc-\d{8}-\d{6}/);
  const end = await endOf(finished.runId);
  assert.equal(end.status, 'done', end.error);
  assert.equal(end.epoch, 2);
  // The notice carries the run's final ACC, as summary.json records it.
  assert.equal(end.acc, JSON.parse(readFileSync(join(end.runDir, 'summary.json'), 'utf8')).acc);

  const values = progress.get(req.token)!;
  assert.equal(values[0]!.kind, 'begin');
  assert.equal(values.at(-1)!.kind, 'end');
  const reports = values.filter((v) => v.kind === 'report');
  assert.ok(
    reports.some((v) =>
      /^epoch 2\/2 · loss \d+\.\d\d · \d+ img\/s( · \d+[hms\d]* left)?$/.test(v.message ?? ''),
    ),
    JSON.stringify(reports),
  );
  assert.ok(reports.some((v) => /^reading images \d+\/121$/.test(v.message ?? '')));
  const percents = reports.map((v) => v.percentage!);
  assert.deepEqual(
    [...percents].sort((a, b) => a - b),
    percents,
    'percentages never go back',
  );
  assert.equal(percents.at(-1), 100);

  assert.deepEqual(
    epochs.filter((e) => e.runId === finished.runId).map((e) => e.row.epoch),
    [1, 2],
  );
  assert.equal(JSON.parse(readFileSync(join(finished.runDir, 'run.json'), 'utf8')).status, 'done');
  assert.ok(existsSync(join(finished.runDir, 'assignments.csv')));

  // A run.json whose settings were edited to one the spec refuses: the resume is refused before it starts.
  const runJson = join(finished.runDir, 'run.json');
  const original = readFileSync(runJson, 'utf8');
  const edited = JSON.parse(original);
  edited.config.params.blur = 3;
  writeFileSync(runJson, JSON.stringify(edited));
  const endedBefore = ended.length;
  await assert.rejects(
    conn.sendRequest(Requests.resume.method, { runDir: finished.runDir, epochs: 3 }),
    /cc setting blur must be a number from 0 to 1 \(got 3\)/,
  );
  writeFileSync(runJson, original);
  assert.equal(ended.length, endedBefore, 'nothing started, so nothing ended');
});

test("a feature model's run says in its notification how many images are embedded", async () => {
  const model = join(tmp, 'tiny.onnx');
  writeFileSync(model, tinyConvModel({ size: 32 }));
  const d = await conn.sendRequest<TrainConfig>(Requests.defaults.method, { method: 'kmeans', data });
  const req = start({
    config: { ...d, clusters: 10, imageSize: 16, channels: 1, backend: 'wasm', features: model },
  });
  const end = await endOf((await req).runId);
  assert.equal(end.status, 'done', end.error);
  const embedding = progress
    .get(req.token)!
    .filter((v) => v.kind === 'report' && v.message?.startsWith('embedding images'))
    .map((v) => v.message!);
  // None cached at first; then after each batch of 16, up to the 120 images that decode.
  assert.equal(embedding[0], 'embedding images 0/120', JSON.stringify(embedding));
  assert.match(embedding.at(-1)!, /^embedding images 120\/120$/);
  assert.ok(embedding.length >= 120 / 16, JSON.stringify(embedding));
});

test('cancel stops a run mid-way, a second run is refused meanwhile, and resume finishes it', async () => {
  const req = start({ config: await config({ epochs: 4 }) });
  const { runId, runDir } = await req;
  await until(
    () => progress.get(req.token)!.find((v) => v.kind === 'report' && v.message?.startsWith('epoch')),
    'a training step',
  );
  await assert.rejects(start({ config: await config({}) }), new RegExp(`run ${runId} is training`));
  assert.deepEqual(await conn.sendRequest(Requests.cancel.method, { runId }), { cancelled: true });
  const cancelled = await endOf(runId);
  assert.equal(cancelled.status, 'cancelled');
  assert.ok(cancelled.epoch < 4, `cancelled after epoch ${cancelled.epoch}`);
  assert.equal(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).status, 'cancelled');
  assert.deepEqual(await conn.sendRequest(Requests.cancel.method, { runId }), { cancelled: false });

  // Another live trainer holds the run (an old window's, still writing its end): refused untouched, and said so.
  const holder = spawn('sleep', ['60']);
  try {
    const lock = { pid: holder.pid, host: hostname(), since: new Date().toISOString() };
    writeFileSync(join(runDir, 'trainer.lock'), JSON.stringify(lock));
    const runJson = readFileSync(join(runDir, 'run.json'), 'utf8');
    ended.length = 0;
    await conn.sendRequest<RunStarted>(Requests.resume.method, { runDir, cacheDir: cache });
    const refused = await endOf(runId);
    assert.equal(refused.status, 'failed');
    assert.equal(refused.locked, true);
    assert.match(refused.error!, new RegExp(`is being trained by process ${holder.pid} on this machine`));
    assert.equal(readFileSync(join(runDir, 'run.json'), 'utf8'), runJson);
  } finally {
    holder.kill('SIGKILL');
  }

  ended.length = 0;
  const resumed = await conn.sendRequest<RunStarted>(Requests.resume.method, { runDir, cacheDir: cache });
  assert.equal(resumed.runId, runId);
  const end = await endOf(runId);
  assert.equal(end.status, 'done', end.error);
  assert.deepEqual(
    readMetricsRows(runDir).map((r) => r.epoch),
    [1, 2, 3, 4],
  );
});

test('a run above the memory cap ends failed, saying why', async () => {
  const { runId } = await start({ config: await config({}), memoryCapMB: 0.01 });
  const end = await endOf(runId);
  assert.equal(end.status, 'failed');
  assert.match(end.error!, /above the memory cap of 0\.01 MB: lower the batch size or image size/);
});

test("a folder with too few decodable images fails as a listed run: reason in the extension's words, skipped files, and both in the log", async () => {
  const few = join(tmp, 'few');
  mkdirSync(few);
  cpSync(
    join(
      data,
      'bags',
      'bag',
      readdirSync(join(data, 'bags', 'bag')).find((f) => f !== 'broken.png')!,
    ),
    join(few, 'real.png'),
  );
  for (const n of ['f1.png', 'f2.png', 'f3.png']) writeFileSync(join(few, n), 'text, not an image');
  const { runId, runDir } = await start({ config: await config({ data: few, clusters: 2 }) });
  const end = await endOf(runId);
  assert.equal(end.status, 'failed');
  assert.match(end.error!, /has 1 decodable image, fewer than the 2 clusters asked for/);
  assert.ok(!end.error!.includes('--'), end.error);
  const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  assert.equal(run.status, 'failed');
  assert.equal(run.error, end.error);
  assert.deepEqual(
    run.skipped.map((s: { path: string }) => s.path),
    ['f1.png', 'f2.png', 'f3.png'],
  );
  await until(() => (logs.some((l) => l.includes(end.error!)) ? true : undefined), 'the error in the log');
  assert.ok(
    logs.some((l) => /skipped f1\.png: /.test(l)),
    logs.join('\n'),
  );
});

test('assign puts training images where training did, and new files by the model', async () => {
  const rows = parseAssignments(readFileSync(join(finished.runDir, 'assignments.csv'), 'utf8')).slice(0, 20);
  const sampleClass = join(process.cwd(), 'sample', 'fashion', 'tops', 'coat');
  const unseen = readdirSync(sampleClass)
    .sort()
    .slice(12, 15)
    .map((f) => join(sampleClass, f));
  const broken = join(tmp, 'broken.png');
  writeFileSync(broken, 'not an image');
  const files = [...rows.map((r) => join(data, r.path)), ...unseen, broken];
  const r = await conn.sendRequest<{
    assignments: { path: string; cluster: number; confidence: number }[];
    skipped: { path: string; reason: string }[];
  }>(Requests.assign.method, { runDir: finished.runDir, files });
  assert.equal(r.assignments.length, rows.length + unseen.length);
  rows.forEach((row, i) => {
    assert.equal(r.assignments[i]!.path, files[i]);
    assert.equal(r.assignments[i]!.cluster, row.cluster, row.path);
    assert.ok(Math.abs(r.assignments[i]!.confidence - row.confidence) < 1e-5, row.path);
  });
  for (const a of r.assignments.slice(rows.length))
    assert.ok(a.cluster >= 0 && a.cluster < 10 && a.confidence > 0 && a.confidence <= 1);
  assert.deepEqual(
    r.skipped.map((s) => s.path),
    [broken],
  );
});

test("layout lays out a finished run's features with work-done progress, then answers from the cache", async () => {
  const token = 'layout-1';
  progress.set(token, []);
  const r = await conn.sendRequest<{ rows: number }>(Requests.layout.method, {
    runDir: finished.runDir,
    workDoneToken: token,
  });
  assert.equal(r.rows, 120);
  const values = progress.get(token)!;
  assert.equal(values[0]!.kind, 'begin');
  assert.equal(values.at(-1)!.kind, 'end');
  const reports = values.filter((v) => v.kind === 'report');
  assert.ok(
    reports.some((v) => /^umap \d+\/\d+$/.test(v.message ?? '')),
    JSON.stringify(reports),
  );
  assert.equal(reports.at(-1)!.percentage, 100);
  const layout = await readLayout(finished.runDir);
  assert.equal(layout!.meta.rows, 120);
  assert.ok(layout!.xy.every(Number.isFinite));
  assert.ok(layout!.meta.knnPreservation > 0 && layout!.meta.knnPreservation <= 1);
  const mtime = statSync(join(finished.runDir, 'layout.f32')).mtimeMs;
  assert.deepEqual(await conn.sendRequest(Requests.layout.method, { runDir: finished.runDir }), {
    rows: 120,
  });
  assert.equal(statSync(join(finished.runDir, 'layout.f32')).mtimeMs, mtime, 'cached: not written again');
  await assert.rejects(conn.sendRequest(Requests.layout.method, { runDir: tmp }), /run\.json/);
});
