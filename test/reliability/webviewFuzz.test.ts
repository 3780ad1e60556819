// A webview is untrusted content. Thousands of random and hostile messages go to the real host
// controllers of the gallery, confusion, charts and map pages, over a real run and a crafted one whose
// assignments.csv points outside its dataset. Nothing may throw out of a handler or hang it, no
// file outside the run's dataset may be opened, revealed, copied or thumbnailed, labels.json
// must stay a valid labels file, nothing outside the workspace may change, and every message the
// host posts back must pass the page's own schema.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseLabels } from '../../src/protocol/labels.js';
import { check, type Schema } from '../../src/protocol/schema.js';
import { hostToCharts } from '../../src/protocol/chartsMessages.js';
import { hostToConfusion } from '../../src/protocol/confusionMessages.js';
import { hostToGallery } from '../../src/protocol/galleryMessages.js';
import { hostToMap } from '../../src/protocol/mapMessages.js';
import type { WebviewPort } from '../../src/extension/views/webviewPage.js';
import { makeFixtureRun, writeFixtureLayout, type FixtureRun } from '../webview/fixtureRun.js';
import { makeHost, recordingUi } from '../webview/harness.js';

const MESSAGES = 2500;
/** Longer than this and a handler counts as hung. */
const HANDLER_MS = 20_000;

/** mulberry32: a seeded stream, so a failure replays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const TYPES = [
  'ready',
  'selectRun',
  'thumbs',
  'open',
  'reveal',
  'copyPath',
  'rename',
  'move',
  'moveToNew',
  'merge',
  'undo',
  'redo',
  'export',
  'materialize',
  'openPanel',
  'showCell',
  'filter',
  'gallery',
  'selection',
  'exportSelection',
  'showInGallery',
  'computeLayout',
  'map',
  '',
  'constructor',
  '__proto__',
  'toString',
];
const FIELDS = [
  'type',
  'dir',
  'path',
  'paths',
  'cluster',
  'name',
  'to',
  'from',
  'into',
  'format',
  'classIndex',
  'superIndex',
  'images',
  'title',
  '__proto__',
  'constructor',
];

/** Every file listing under dir, with sizes and mtimes, for a before/after comparison. */
function snapshot(dir: string, skip: (rel: string) => boolean): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (skip(rel)) continue;
      if (e.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        out.set(rel, `${s.size}:${s.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out;
}

describe('webview messages fuzzed against the host controllers', () => {
  let root: string;
  let ws: string;
  let fx: FixtureRun;
  let craftedDir: string;
  let outsideFile: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'clusterlab-fuzz-'));
    ws = join(root, 'workspace');
    fx = makeFixtureRun(ws);
    await writeFixtureLayout(fx);
    // Outside the workspace: what a traversal would reach.
    outsideFile = join(root, 'outside', 'secret.png');
    mkdirSync(join(root, 'outside'));
    writeFileSync(outsideFile, readFileSync(join(fx.dataRoot, fx.paths[0]!)));
    // A run whose assignments.csv was edited to point out of its dataset and out of the workspace.
    craftedDir = join(fx.runsDir, 'cc-crafted');
    mkdirSync(craftedDir);
    const run = JSON.parse(readFileSync(join(fx.runDir, 'run.json'), 'utf8'));
    writeFileSync(join(craftedDir, 'run.json'), JSON.stringify({ ...run, id: 'cc-crafted' }));
    writeFileSync(
      join(craftedDir, 'assignments.csv'),
      [
        'path,cluster,confidence,label',
        `${fx.paths[0]},0,0.9,`,
        '../../../outside/secret.png,1,0.9,',
        `${outsideFile},2,0.9,`,
        '../run.json,3,0.9,',
      ].join('\n') + '\n',
    );
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it(`${MESSAGES} random and hostile messages per page: refused or served within bounds`, async () => {
    const random = rng(20261202);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const hostilePaths = [
      '../../../outside/secret.png',
      outsideFile,
      '/etc/passwd',
      '..',
      '.',
      '',
      'C:\\Windows\\win.ini',
      'a\0b.png',
      '%2e%2e/%2e%2e/etc/passwd',
      `${fx.paths[0]}/../../../../outside/secret.png`,
      'x'.repeat(5000),
      `./${fx.paths[0]}`,
      '../run.json',
    ];
    const runDirs = [
      fx.runDir,
      craftedDir,
      fx.runsDir,
      join(fx.runDir, '..', 'cc-fixture'),
      '/etc',
      root,
      ws,
      join(fx.runDir, '/'),
    ];
    const anyPath = () => (random() < 0.5 ? pick(fx.paths) : pick(hostilePaths));
    const deep = (depth: number): unknown => (depth === 0 ? 1 : { a: deep(depth - 1) });
    const value = (): unknown =>
      pick<() => unknown>([
        () => anyPath(),
        () => pick(runDirs),
        () => Math.floor(random() * 14),
        () => pick([-1, -0, 0.5, 1e300, -1e300, 2 ** 53, NaN, Infinity, 999_999_999, 1_000_000_000]),
        () => pick([null, undefined, true, false, '', '0', '1', [], {}]),
        () => Array.from({ length: Math.floor(random() * 5) }, anyPath),
        () => Array.from({ length: 2001 }, () => fx.paths[0]),
        () => deep(200),
        () => JSON.parse('{"__proto__": {"polluted": true}, "type": "rename"}'),
        () => pick(['csv', 'json', 'xml']),
        () => 'y'.repeat(100_000),
      ])();
    const cluster = () => (random() < 0.8 ? Math.floor(random() * 14) : value());
    /** Messages of the protocol's shapes, their fields drawn mostly from plausible values, some hostile. */
    const shaped: (() => Record<string, unknown>)[] = [
      () => ({ type: 'selectRun', dir: pick(runDirs) }),
      () => ({ type: pick(['open', 'reveal', 'copyPath']), path: anyPath() }),
      () => ({ type: 'thumbs', paths: Array.from({ length: 1 + Math.floor(random() * 6) }, anyPath) }),
      () => ({
        type: 'rename',
        cluster: cluster(),
        name: pick(['cats', '', '<img src=x onerror=alert(1)>', 'z'.repeat(200), '\u202e']),
      }),
      () => ({
        type: 'move',
        paths: Array.from({ length: 1 + Math.floor(random() * 3) }, anyPath),
        to: cluster(),
      }),
      () => ({ type: 'moveToNew', paths: [anyPath()] }),
      () => ({ type: 'merge', from: cluster(), into: cluster() }),
      () => ({ type: pick(['undo', 'redo', 'openPanel', 'ready']) }),
      () => ({ type: 'export', format: pick(['csv', 'json']) }),
      () => ({ type: 'materialize' }),
      () => ({
        type: pick(['selection', 'showInGallery']),
        paths: Array.from({ length: Math.floor(random() * 4) }, anyPath),
      }),
      () => ({ type: 'exportSelection', paths: [anyPath()], format: pick(['csv', 'json']) }),
      () => ({ type: 'moveToNew', paths: [anyPath()], name: pick(['new', '', '<b>x</b>']) }),
      () => ({ type: 'computeLayout' }),
      () => ({
        type: 'showCell',
        cluster: cluster(),
        ...(random() < 0.5 ? { classIndex: cluster() } : {}),
        ...(random() < 0.3 ? { superIndex: cluster() } : {}),
      }),
    ];
    const message = (): unknown => {
      const r = random();
      if (r < 0.05) return value(); // not even an object
      if (r < 0.55) return pick(shaped)();
      const m: Record<string, unknown> = r < 0.95 ? { type: pick(TYPES) } : {};
      for (const f of FIELDS) if (random() < 0.35) m[f] = value();
      return m;
    };

    const { ui, record } = recordingUi(ws);
    const layoutsAsked: string[] = [];
    const host = makeHost(
      fx.runsDir,
      join(root, 'thumbs'),
      ui,
      undefined,
      async (dir) => void layoutsAsked.push(dir),
    );
    const posted: { schema: Schema<unknown>; message: unknown }[] = [];
    const port = (schema: Schema<unknown>): WebviewPort<unknown> => ({
      post: (message) => void posted.push({ schema, message }),
      asUri: (p) => `thumb:${p}`,
    });
    const pages = [
      host.gallery(port(hostToGallery)),
      host.confusion(port(hostToConfusion)),
      host.charts(port(hostToCharts)),
      host.map(port(hostToMap)),
    ];
    const before = snapshot(root, (rel) => rel.startsWith('thumbs') || rel.endsWith('labels.json'));

    const failures: string[] = [];
    const thumbs: { path: string; uri: string }[] = [];
    for (const page of pages) {
      await page.handle({ type: 'ready' });
      for (let i = 0; i < MESSAGES; i++) {
        const m = message();
        let timer: NodeJS.Timeout | undefined;
        const hung = new Promise<string>((r) => (timer = setTimeout(() => r('hung'), HANDLER_MS)));
        const outcome = await Promise.race([
          page.handle(m).then(
            () => 'ok',
            (e: Error) => `threw ${e.message}`,
          ),
          hung,
        ]);
        clearTimeout(timer);
        if (outcome !== 'ok')
          failures.push(
            `${page.constructor.name} message ${i} ${outcome}: ${JSON.stringify(m)?.slice(0, 300)}`,
          );
        // What the host answered must pass the page's schema: checked per message, to name the cause.
        for (const p of posted.splice(0)) {
          try {
            check(p.schema, p.message);
          } catch (e) {
            failures.push(
              `${page.constructor.name} message ${i} ${JSON.stringify(m)?.slice(0, 300)} made the host post an invalid message: ${(e as Error).message}`,
            );
          }
          if ((p.message as { type: string }).type === 'thumbs')
            thumbs.push(...(p.message as { thumbs: { path: string; uri: string }[] }).thumbs);
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');

    // Only files in the run's dataset folder (inside the workspace) are served: a listed path that
    // leads out of it is refused, an absolute one names a (missing) file under it.
    const inDataset = (f: string) => f.startsWith(fx.dataRoot + sep) && resolve(f) === f;
    for (const f of [...record.opened, ...record.revealed, ...record.copied])
      assert.ok(inDataset(f), `served ${f}`);
    assert.ok(
      record.opened.length > 0,
      'valid opens among the random ones were served (the fuzz reached the handlers)',
    );
    assert.ok(
      record.errors.some((e) => /outside the dataset folder|not an image of this run/.test(e)),
      'hostile paths were refused with a reason',
    );
    for (const g of record.galleries)
      assert.ok([fx.runDir, craftedDir].includes(g.dir), `gallery opened for ${g.dir}`);
    // The map opens the gallery only on images its run lists, and asks layouts only for listed runs.
    const listed = new Set([...fx.paths, '../../../outside/secret.png', outsideFile, '../run.json']);
    for (const g of record.galleries)
      for (const p of g.filter?.images ?? []) assert.ok(listed.has(p), `gallery filtered to ${p}`);
    assert.ok(
      record.galleries.some((g) => g.filter?.images),
      'the map opened the gallery on a selection',
    );
    for (const d of layoutsAsked) assert.ok([fx.runDir, craftedDir].includes(d), `layout asked for ${d}`);
    assert.ok(
      record.log.filter((l) => /refused a malformed message/.test(l)).length > MESSAGES,
      'the random half was refused by the schemas',
    );

    // A thumbnail is made only of a dataset file, into the thumbnail cache.
    for (const t of thumbs) {
      if (!t.uri) continue;
      assert.ok(inDataset(join(fx.dataRoot, t.path)), `thumbnail of ${t.path}`);
      assert.ok(t.uri.startsWith(`thumb:${join(root, 'thumbs')}${sep}`), t.uri);
    }
    assert.ok(
      thumbs.some((t) => t.uri),
      'thumbnails were made for the valid requests',
    );

    // Edits are the only writes, and every labels.json left is one the store would open again.
    for (const dir of [fx.runDir, craftedDir]) {
      try {
        parseLabels(JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    assert.deepEqual(
      snapshot(root, (rel) => rel.startsWith('thumbs') || rel.endsWith('labels.json')),
      before,
      'no file was made, changed or removed besides labels.json and thumbnails',
    );
    for (const page of pages) await page.dispose();
    await host.sessions.dispose();
  });
});
