// What the page benches (gallery, map) share: a finished run of N images (sample/fashion's plus
// synthetic rows, as the trainer would write it), and rounds of opening the page in Chromium on a
// fresh host, each measured by the bench.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunJson } from '../src/protocol/run.js';
import { defaultConfig } from '../src/trainer/run/config.js';
import type { PageName } from '../src/extension/views/pages.js';
import {
  launchChromium,
  makeHost,
  openPage,
  recordingUi,
  startServer,
  type PageHarness,
} from '../test/webview/harness.js';

/** Writes <ws>/runs/bench and returns the runs folder. */
export function makeSyntheticRun(ws: string, N: number): string {
  const root = resolve('sample/fashion');
  const real: { path: string; cls: string }[] = [];
  for (const sup of readdirSync(root)
    .filter((f) => !f.includes('.'))
    .sort()) {
    for (const cls of readdirSync(join(root, sup)).sort())
      for (const f of readdirSync(join(root, sup, cls))) real.push({ path: `${sup}/${cls}/${f}`, cls });
  }
  const classes = [...new Set(real.map((r) => r.cls))].sort();
  const lines = ['path,cluster,confidence,label'];
  for (let i = 0; i < N; i++) {
    const r = real[i];
    const cls = r ? r.cls : classes[i % classes.length]!;
    // Real images rank first in their cluster (higher confidence), so the first screen has pictures.
    const confidence = r ? 0.9 + (i % 97) / 1000 : 0.2 + ((i * 7919) % 700) / 1000;
    lines.push(
      `${r ? r.path : `synthetic/${cls}/${i}.png`},${classes.indexOf(cls)},${confidence.toFixed(6)},${cls}`,
    );
  }
  const dir = join(ws, 'runs', 'bench');
  mkdirSync(dir, { recursive: true });
  const run: RunJson = {
    format: 'clusterlab-run',
    version: 1,
    id: 'bench',
    method: 'cc',
    config: {
      ...defaultConfig('cc', root),
      clusters: classes.length,
      epochs: 1,
      imageSize: 28,
      channels: 1,
      batchSize: 256,
      backend: 'cpu',
      learningRate: 3e-4,
    },
    dataset: { root, images: N, classes, superClasses: [] },
    backend: { name: 'cpu', threads: 1, skipped: [] },
    status: 'done',
    startedAt: new Date().toISOString(),
    epoch: 1,
  };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(run));
  writeFileSync(join(dir, 'assignments.csv'), lines.join('\n') + '\n');
  return join(ws, 'runs');
}

/** When the page first showed its run (navigation start to the frame), and the page's own share of it. */
export interface FirstPaint {
  firstPaintMs: number;
  /** From the state message's arrival to the frame that shows it. */
  stateToPaintMs: number;
}

/**
 * Writes the run (and whatever `prepare` adds to its folder), then `repeat` rounds: a fresh host
 * (the run folder read and the state built every time) and page, its first paint read from the
 * page's `<page>-state` and `<page>-first-paint` marks, then measured further by `round`. Returns
 * every round's figures and the one with the quickest first paint.
 */
export async function benchPage(
  page: PageName,
  N: number,
  repeat: number,
  prepare: (runDir: string) => Promise<void>,
  round: (h: PageHarness, k: number, paint: FirstPaint) => Promise<Record<string, number>>,
): Promise<{ runs: (FirstPaint & Record<string, number>)[]; best: FirstPaint & Record<string, number> }> {
  const ws = mkdtempSync(join(tmpdir(), `clusterlab-bench-${page}-`));
  const runsDir = makeSyntheticRun(ws, N);
  await prepare(join(runsDir, 'bench'));
  const { server, origin } = await startServer(join(ws, 'thumbs'));
  const browser = await launchChromium();
  const { ui } = recordingUi('/');
  const runs: (FirstPaint & Record<string, number>)[] = [];
  try {
    for (let k = 0; k < repeat; k++) {
      const host = makeHost(runsDir, join(ws, 'thumbs'), ui);
      const h = await openPage(browser, origin, page, host[page]);
      const marks = [`${page}-first-paint`, `${page}-state`];
      await h.page.waitForFunction((names) => performance.getEntriesByName(names[0]!).length > 0, marks, {
        timeout: 60_000,
      });
      const [firstPaintMs, stateMs] = await h.page.evaluate(
        (names) => names.map((n) => performance.getEntriesByName(n)[0]!.startTime),
        marks,
      );
      const paint = { firstPaintMs: firstPaintMs!, stateToPaintMs: firstPaintMs! - stateMs! };
      runs.push({ ...paint, ...(await round(h, k, paint)) });
      await h.page.close();
      await host.sessions.dispose();
    }
  } finally {
    await browser.close();
    server.close();
    if (!process.env.KEEP) rmSync(ws, { recursive: true, force: true });
  }
  return { runs, best: runs.reduce((a, b) => (b.firstPaintMs < a.firstPaintMs ? b : a)) };
}
