// npm run bench -- gallery [--n 70000] [--repeat 3]
// First paint and scrolling of the gallery page with N images, in Debian's headless Chromium,
// end to end: the real host controller reads a run folder of N assignments (the first 2,000 the
// sample's real images, the rest paths without files), posts the state, the page draws it.
// Writes bench/results/gallery.json.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { benchPage } from './_pageBench.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('n', 70_000);
const REPEAT = arg('repeat', 3);

if (!existsSync('dist/webview/gallery.js'))
  spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });

const { runs, best } = await benchPage(
  'gallery',
  N,
  REPEAT,
  async () => undefined,
  async (h, k, { firstPaintMs, stateToPaintMs }) => {
    const tiles = await h.page.locator('.tile').count();
    // Frame times while scrolling: a wheel's pace (120 px a frame), and dragging the scroll bar
    // through the whole gallery in 240 frames (every frame a new screenful of rows).
    // A string: the TypeScript loader would add helpers (__name) the page does not have.
    const scroll = (await h.page.evaluate(`(async () => {
    const el = document.querySelector('.scroller');
    const time = async (stepPx, frames) => {
      const times = [];
      let last = performance.now();
      for (let i = 1; i <= frames; i++) {
        el.scrollTop += stepPx;
        await new Promise(requestAnimationFrame);
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      times.sort((a, b) => a - b);
      return { meanMs: times.reduce((a, b) => a + b, 0) / times.length, p95Ms: times[Math.floor(times.length * 0.95)], over50ms: times.filter((f) => f > 50).length };
    };
    const wheel = await time(120, 240);
    el.scrollTop = 0;
    const drag = await time((el.scrollHeight - el.clientHeight) / 240, 240);
    return { wheel, drag };
  })()`)) as Record<'wheel' | 'drag', { meanMs: number; p95Ms: number; over50ms: number }>;
    const figures = {
      tilesOnFirstScreen: tiles,
      wheelMeanMs: scroll.wheel.meanMs,
      wheelP95Ms: scroll.wheel.p95Ms,
      wheelOver50ms: scroll.wheel.over50ms,
      dragMeanMs: scroll.drag.meanMs,
      dragP95Ms: scroll.drag.p95Ms,
      dragOver50ms: scroll.drag.over50ms,
    };
    const f = (x: { meanMs: number; p95Ms: number; over50ms: number }) =>
      `mean ${x.meanMs.toFixed(1)} ms, p95 ${x.p95Ms.toFixed(1)} ms, ${x.over50ms} over 50 ms`;
    console.log(
      `round ${k + 1}: first paint ${firstPaintMs.toFixed(0)} ms (page's share ${stateToPaintMs.toFixed(0)} ms, ${tiles} tiles in the DOM); frames scrolling at wheel pace: ${f(scroll.wheel)}; dragging through all: ${f(scroll.drag)}`,
    );
    return figures;
  },
);
const out = {
  images: N,
  loadAverage: (await import('node:os')).loadavg()[0],
  what: 'navigation start to the first frame showing the gallery (host reads the run, builds and posts the state, page validates, groups and draws)',
  best,
  runs,
  date: new Date().toISOString(),
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/gallery.json', JSON.stringify(out, null, 2) + '\n');
console.log(
  `${N.toLocaleString()} images: first paint ${best.firstPaintMs.toFixed(0)} ms (best of ${REPEAT}); wrote bench/results/gallery.json`,
);
