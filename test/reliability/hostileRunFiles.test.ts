// Run folders travel (committed, shared, downloaded): a hostile one points its files at /dev/zero,
// a FIFO, a huge sparse file or a secret outside the dataset, and edits run.json to make a resume
// scan another folder. Each must be refused with one line naming the file, before it is read.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  ftruncateSync,
  appendFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { readRunBinary, readRunText } from '../../src/common/runFileRead.js';
import { LabelsStore } from '../../src/extension/workspace/labelsStore.js';
import { RunStore } from '../../src/extension/workspace/runStore.js';
import { defaultConfig } from '../../src/trainer/run/config.js';
import { makeFixtureRun, writeFixtureLayout } from '../webview/fixtureRun.js';
import { makeHarness, startCli } from '../trainer/harness.js';
import { makeHost, recordingUi } from '../webview/harness.js';

const root = mkdtempSync(join(tmpdir(), 'clusterlab-hostile-run-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A run folder with a run.json the trainer would accept, on `data`. */
function runFolder(
  dir: string,
  data: string,
  patch: (run: Record<string, any>) => void = () => undefined,
): string {
  mkdirSync(dir, { recursive: true });
  const config = {
    ...defaultConfig('cc', data),
    backend: 'cpu',
    epochs: 2,
    clusters: 3,
    imageSize: 16,
    batchSize: 8,
  };
  const run: Record<string, any> = {
    format: 'clusterlab-run',
    version: 1,
    id: 'hostile',
    method: 'cc',
    config,
    dataset: { root: data, images: 30, classes: ['a', 'b', 'c'], superClasses: [] },
    backend: { name: 'cpu', threads: 1, skipped: [] },
    status: 'done',
    startedAt: new Date().toISOString(),
    epoch: 2,
  };
  patch(run);
  writeFileSync(join(dir, 'run.json'), JSON.stringify(run));
  return dir;
}

/** A sparse file of `bytes`: costs no disk, reads as that many zeros. */
function sparse(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
}

function oneErrorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('clusterlab: '));
  assert.equal(lines.length, 1, `one error line in ${JSON.stringify(stderr)}`);
  assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
  return lines[0]!;
}

describe('the safe run-file reader', () => {
  it('refuses devices, FIFOs, folders, links out of the folder and files over their cap, reads the rest', async () => {
    const dir = join(root, 'reader');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'run.json'), '{"ok":1}');
    symlinkSync('/dev/zero', join(dir, 'summary.json'));
    symlinkSync('run.json', join(dir, 'name.json'));
    symlinkSync(join(root, 'elsewhere.json'), join(dir, 'metrics.jsonl'));
    writeFileSync(join(root, 'elsewhere.json'), '{}');
    execFileSync('mkfifo', [join(dir, 'labels.json')]);
    sparse(join(dir, 'trainer.lock'), 1024 * 1024);
    sparse(join(dir, 'features.f16'), 3 * 1024 ** 3);
    assert.equal(await readRunText(dir, 'run.json'), '{"ok":1}');
    assert.equal(await readRunText(dir, 'name.json'), '{"ok":1}', 'a link inside the folder is followed');
    assert.equal(await readRunText(dir, 'absent.json'), undefined);
    await assert.rejects(
      readRunText(dir, 'summary.json'),
      /summary\.json is a symlink to \/dev\/zero, outside .*: refused$/,
    );
    await assert.rejects(
      readRunText(dir, 'metrics.jsonl'),
      /metrics\.jsonl is a symlink to .*elsewhere\.json, outside .*: refused$/,
    );
    await assert.rejects(
      readRunText(dir, 'labels.json'),
      /labels\.json is a FIFO, not a regular file: refused$/,
    );
    await assert.rejects(readRunText(dir, 'sub'), /sub is a folder, not a regular file: refused$/);
    await assert.rejects(
      readRunText(dir, 'trainer.lock'),
      /trainer\.lock is 1\.0 MB, more than a run's trainer\.lock can be \(65536 bytes\): refused$/,
    );
    // The size is compared before a byte is read: 3 GB of zeros would take seconds and gigabytes.
    await assert.rejects(
      readRunBinary(dir, 'features.f16', 800, 'features.json'),
      /features\.f16 has 3221225472 bytes, features\.json says 800$/,
    );
  });
});

describe('finding 3: features.f16 pointing at /dev/zero', () => {
  it('clusterlab map refuses it in one line, without reading it', async () => {
    const { data } = makeHarness(1);
    const dir = runFolder(join(root, 'map-run'), data);
    writeFileSync(
      join(dir, 'features.json'),
      JSON.stringify({ format: 'clusterlab-features', version: 1, rows: 30, dims: 8, clusters: 3, epoch: 2 }),
    );
    symlinkSync('/dev/zero', join(dir, 'features.f16'));
    writeFileSync(join(dir, 'probs.f32'), Buffer.alloc(30 * 3 * 4));
    const p = startCli(['map', dir, '--backend', 'cpu']);
    // Before the fix this grew by gigabytes; a minute is far beyond a refusal's time.
    const timer = setTimeout(() => p.child.kill('SIGKILL'), 60_000);
    const r = await p.done;
    clearTimeout(timer);
    assert.equal(r.code, 1, `exit code (signal ${r.signal}): ${r.stderr}`);
    assert.match(
      oneErrorLine(r.stderr),
      new RegExp(
        `^clusterlab: ${esc(join(dir, 'features.f16'))} is a symlink to /dev/zero, outside ${esc(dir)}: refused$`,
      ),
    );
  });

  it('the map page shows why a layout.f32 pointing at /dev/zero is not read', async () => {
    const ws = join(root, 'map-page');
    const fx = makeFixtureRun(ws);
    await writeFixtureLayout(fx);
    rmSync(join(fx.runDir, 'layout.f32'));
    symlinkSync('/dev/zero', join(fx.runDir, 'layout.f32'));
    const { ui } = recordingUi(ws);
    const host = makeHost(fx.runsDir, join(root, 'thumbs-map'), ui);
    const posted: unknown[] = [];
    const page = host.map({ post: (m) => void posted.push(m), asUri: (p) => p });
    await page.handle({ type: 'ready' });
    await page.handle({ type: 'selectRun', dir: fx.runDir });
    // The layout is read after the page asks for the run: its state follows once the read settles.
    const errors = () => posted.map((m) => (m as { error?: string }).error).filter(Boolean);
    const refused = () =>
      errors().some((e) => /layout\.f32 is a symlink to \/dev\/zero, outside .*: refused/.test(e!));
    for (let i = 0; i < 600 && !refused(); i++) await sleep(50);
    assert.ok(refused(), JSON.stringify(errors()));
    await page.dispose();
    await host.sessions.dispose();
  });
});

describe('finding 7: the host reads run files capped and symlink-checked', () => {
  // The bound turns a hang (a FIFO read without a writer, before the fix) into a failure.
  it(
    'lists a run whose run.json is /dev/zero, a FIFO or 100 MB as broken, with the reason, at once',
    { timeout: 60_000 },
    async () => {
      const runs = join(root, 'host-runs');
      const { data } = makeHarness(1);
      const good = runFolder(join(runs, 'good'), data);
      mkdirSync(join(runs, 'zero'));
      symlinkSync('/dev/zero', join(runs, 'zero', 'run.json'));
      mkdirSync(join(runs, 'fifo'));
      execFileSync('mkfifo', [join(runs, 'fifo', 'run.json')]);
      mkdirSync(join(runs, 'huge'));
      sparse(join(runs, 'huge', 'run.json'), 100 * 1024 * 1024);
      symlinkSync('/dev/zero', join(good, 'summary.json'));
      symlinkSync('/dev/zero', join(good, 'labels.json'));
      const store = new RunStore([runs], 10);
      try {
        const all = await store.listAll();
        const errorOf = (name: string) =>
          (all.find((r) => r.dir === join(runs, name)) as { error?: string } | undefined)?.error;
        assert.match(errorOf('zero') ?? '', /run\.json is a symlink to \/dev\/zero, outside .*: refused$/);
        assert.match(errorOf('fifo') ?? '', /run\.json is a FIFO, not a regular file: refused$/);
        assert.match(
          errorOf('huge') ?? '',
          /run\.json is 100 MB, more than a run's run\.json can be \(64 MB\): refused$/,
        );
        assert.equal(errorOf('good'), undefined, 'the good run is listed');
        await assert.rejects(store.readSummary(good), /summary\.json is a symlink to \/dev\/zero/);
        await assert.rejects(store.readLabels(good), /labels\.json is a symlink to \/dev\/zero/);
        await assert.rejects(LabelsStore.open(good), /labels\.json is a symlink to \/dev\/zero/);
      } finally {
        store.dispose();
      }
    },
  );
});

describe('finding 14: a link inside the dataset that leads out of it', () => {
  it('is neither opened nor thumbnailed', async () => {
    const ws = join(root, 'link-ws');
    const fx = makeFixtureRun(ws);
    const secret = join(root, 'secret.png');
    writeFileSync(secret, readFileSync(join(fx.dataRoot, fx.paths[0]!)));
    const link = `${fx.paths[0]!.split('/').slice(0, 2).join('/')}/innocent.png`;
    symlinkSync(secret, join(fx.dataRoot, link));
    appendFileSync(join(fx.runDir, 'assignments.csv'), `${link},0,0.9,\n`);
    const { ui, record } = recordingUi(ws);
    const host = makeHost(fx.runsDir, join(root, 'thumbs-link'), ui);
    const posted: { type: string; thumbs?: { path: string; uri: string }[] }[] = [];
    const page = host.gallery({
      post: (m) => void posted.push(m as (typeof posted)[number]),
      asUri: (p) => `thumb:${p}`,
    });
    await page.handle({ type: 'ready' });
    await page.handle({ type: 'open', path: link });
    await page.handle({ type: 'reveal', path: link });
    await page.handle({ type: 'thumbs', paths: [link, fx.paths[0]] });
    assert.deepEqual(
      [...record.opened, ...record.revealed],
      [],
      'nothing outside the dataset was opened or revealed',
    );
    assert.ok(
      record.errors.some((e) => e.includes(`${link} is a link to ${secret}, outside the dataset folder`)),
      JSON.stringify(record.errors),
    );
    const thumbs = posted.flatMap((m) => m.thumbs ?? []);
    assert.equal(thumbs.find((t) => t.path === link)?.uri, '', 'no thumbnail of the linked file');
    assert.ok(
      thumbs.find((t) => t.path === fx.paths[0])?.uri,
      'the dataset image beside it has its thumbnail',
    );
    await page.dispose();
    await host.sessions.dispose();
  });
});

describe('finding 15: a resume whose run.json names another image folder', () => {
  it('is refused in one line before anything is scanned', async () => {
    const { data } = makeHarness(1);
    const dir = runFolder(join(root, 'resume-etc'), data, (run) => (run.config.data = '/etc'));
    const r = await startCli(['train', '--resume', dir, '--cache', join(root, 'cache')]).done;
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      oneErrorLine(r.stderr),
      new RegExp(
        `^clusterlab: ${esc(join(dir, 'run.json'))}: its image folder \\(config\\.data: /etc\\) is not the folder the run was trained on \\(dataset\\.root: ${esc(data)}\\); refused before reading it\\. If the images moved, set both to their new folder$`,
      ),
    );
    assert.doesNotMatch(r.stderr, /^dataset |backend/m, 'no scan, no backend');
  });
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
