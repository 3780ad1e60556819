// npm run bench -- map [--n 70000] [--repeat 3] [--no-layout]
// The embedding map page with N images in Debian's headless Chromium (software WebGL), end to end
// from a run folder whose layout exists: first paint (the host reads the run and layout.f32, posts
// the state, the page draws it), frame times while zooming and panning, and a lasso around 10,000
// points (pointer up to the frame that shows the selection); then, unless --no-layout, the
// trainer's layout figures from bench/_mapLayout.ts (10k and 70k layout seconds, kNN preservation).
// Writes bench/results/map.json.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { writeLayout } from '../src/common/layout.js';
import { bounds, toScreen, type View } from '../webview/map/camera.js';
import { measureLayout } from './_mapLayout.js';
import { benchPage } from './_pageBench.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('n', 70_000);
const REPEAT = arg('repeat', 3);
/** The lasso's target: one blob of the synthetic layout holds this many points. */
const LASSO = 10_000;
const BLOBS = Math.max(1, Math.round(N / LASSO));

if (!existsSync('dist/webview/map.js'))
  spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });

/** Round blobs on a circle, each point of blob i % BLOBS, Gaussian around its centre (seeded). */
function syntheticLayout(): Float32Array {
  let s = 42;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const xy = new Float32Array(2 * N);
  for (let i = 0; i < N; i++) {
    const a = (2 * Math.PI * (i % BLOBS)) / BLOBS;
    const r = Math.sqrt(-2 * Math.log(rand()));
    const t = 2 * Math.PI * rand();
    xy[2 * i] = 10 * Math.cos(a) + r * Math.cos(t);
    xy[2 * i + 1] = 10 * Math.sin(a) + r * Math.sin(t);
  }
  return xy;
}

const xy = syntheticLayout();
// The page's unit square, as the host scales the layout into it.
const [minX, minY, maxX, maxY] = bounds(xy);
const span = Math.max(maxX - minX, maxY - minY);
const unit = (x: number, y: number): [number, number] => [(x - minX) / span, (y - minY) / span];

const writeBenchLayout = (runDir: string) =>
  writeLayout(runDir, { rows: N, method: 'synthetic blobs', epoch: 1, knnPreservation: 0, seconds: 0 }, xy);
const { runs, best } = await benchPage(
  'map',
  N,
  REPEAT,
  writeBenchLayout,
  async (h, k, { firstPaintMs, stateToPaintMs }) => {
    const page = h.page;
    await h.idle();

    // Frame times: a zoom step every frame (wheel events on the canvas), in and back out; then a
    // pan dragged with the real mouse while the page records its frames.
    // A string: the TypeScript loader would add helpers (__name) the page does not have.
    /** Frames that drew every point, and frames that drew a slice of them. */
    const layerDraws = async () =>
      ((await page.locator('canvas.points').getAttribute('data-layer-draws')) ?? '0 0 1')
        .split(' ')
        .map(Number) as [number, number, number];
    const draws0 = await layerDraws();
    // Two passes of the same wheel steps, in and back out: the frame rate from requestAnimationFrame
    // intervals alone; then each frame's drawing, with gl.finish() after it, which holds the next frame
    // until the rasteriser is done and so would itself lower the rate.
    const wheel = (finish: boolean) => `(async () => {
    const c = document.querySelector('canvas.points');
    const r = c.getBoundingClientRect();
    const gl = c.getContext('webgl2');
    const times = [];
    const work = [];
    let last = performance.now();
    for (let i = 0; i < 240; i++) {
      c.dispatchEvent(new WheelEvent('wheel', { deltaY: i < 120 ? -40 : 40, clientX: r.left + r.width * 0.3, clientY: r.top + r.height * 0.4, bubbles: true, cancelable: true }));
      // The page draws in this frame's first callback.
      const frameStart = await new Promise(requestAnimationFrame);
      if (${finish}) gl.finish();
      const now = performance.now();
      work.push(now - frameStart);
      times.push(now - last);
      last = now;
    }
    return { times, work };
  })()`;
    const zoom = {
      times: ((await page.evaluate(wheel(false))) as { times: number[] }).times,
      work: [] as number[],
    };
    const zoomDraws = (await layerDraws()).map((d, j) => (j < 2 ? d - draws0[j]! : d));
    await page.waitForTimeout(300);
    zoom.work = ((await page.evaluate(wheel(true))) as { work: number[] }).work;
    const box = (await page.locator('canvas.points').boundingBox())!;
    // The zoom's last picture is drawn anew once the wheel rests; the pan starts after that.
    await page.waitForTimeout(300);
    const draws1 = await layerDraws();
    await page.evaluate(`(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = () => { const now = performance.now(); window.__frames.push(now - last); last = now; if (!window.__stop) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })()`);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 300, box.y + box.height / 2 + 150, { steps: 120 });
    await page.mouse.up();
    const panFrames = (await page.evaluate(
      '(() => { window.__stop = true; return window.__frames.slice(1); })()',
    )) as number[];
    const panDraws = (await layerDraws()).map((d, j) => d - draws1[j]!);
    // Back to the whole map for the lasso.
    await page.locator('vscode-toolbar-button[data-action="screen-normal"]').click();
    await page.evaluate(() => new Promise(requestAnimationFrame));

    // The lasso: a circle of four standard deviations around blob 0 (its LASSO points), Shift-dragged.
    const view = JSON.parse((await page.locator('canvas.points').getAttribute('data-view'))!) as View;
    const poly = Array.from({ length: 48 }, (_, j) => {
      const t = (2 * Math.PI * j) / 48;
      const [ux, uy] = unit(10 + 4 * Math.cos(t), 4 * Math.sin(t));
      const [sx, sy] = toScreen(view, ux, uy);
      return [box.x + sx, box.y + sy] as const;
    });
    await page.keyboard.down('Shift');
    await page.mouse.move(...poly[0]!);
    await page.mouse.down();
    for (const p of [...poly.slice(1), poly[0]!]) await page.mouse.move(...p);
    await h.act('selection', () => page.mouse.up());
    await page.keyboard.up('Shift');
    await page.waitForFunction(() => performance.getEntriesByName('map-lasso').length > 0);
    const lassoMs = await page.evaluate(() => performance.getEntriesByName('map-lasso')[0]!.duration);
    const lassoed = Number(
      /^[\d,]+/.exec((await page.locator('.strip .count').textContent()) ?? '')![0].replace(/,/g, ''),
    );

    const stats = (t: number[]) => {
      const s = [...t].sort((a, b) => a - b);
      const mean = s.reduce((a, b) => a + b, 0) / s.length;
      return { meanMs: mean, p95Ms: s[Math.floor(s.length * 0.95)]!, fps: 1000 / mean };
    };
    const z = stats(zoom.times);
    const w = stats(zoom.work);
    const p = stats(panFrames);
    const figures = {
      zoomFrameMeanMs: z.meanMs,
      zoomFrameP95Ms: z.p95Ms,
      zoomFps: z.fps,
      drawWorkMeanMs: w.meanMs,
      drawWorkP95Ms: w.p95Ms,
      panFrameMeanMs: p.meanMs,
      panFrameP95Ms: p.p95Ms,
      panFps: p.fps,
      zoomFrames: zoom.times.length,
      zoomLayerDraws: zoomDraws[0]!,
      zoomSliceDraws: zoomDraws[1]!,
      zoomMaxScaled: zoomDraws[2]!,
      panFrames: panFrames.length,
      panLayerDraws: panDraws[0]!,
      panSliceDraws: panDraws[1]!,
      lassoMs,
      lassoPoints: lassoed,
    };
    console.log(
      `round ${k + 1}: first paint ${firstPaintMs.toFixed(0)} ms (page's share ${stateToPaintMs.toFixed(0)} ms); zoom ${z.fps.toFixed(0)} fps (frame mean ${z.meanMs.toFixed(1)}, p95 ${z.p95Ms.toFixed(1)} ms; ` +
        `a frame's drawing, rasterised: mean ${w.meanMs.toFixed(1)}, p95 ${w.p95Ms.toFixed(1)} ms); ` +
        `pan ${p.fps.toFixed(0)} fps (mean ${p.meanMs.toFixed(1)}, p95 ${p.p95Ms.toFixed(1)} ms); every point drawn at once in ${zoomDraws[0]} of ${zoom.times.length} zoom frames and ${panDraws[0]} of ${panFrames.length} pan frames, a slice of them in ${zoomDraws[1]} and ${panDraws[1]} (the rest move the last picture; the picture shown was scaled ${zoomDraws[2]!.toFixed(1)}x at most); lasso of ${lassoed.toLocaleString('en')} points ${lassoMs.toFixed(0)} ms`,
    );
    return figures;
  },
);

const median = (key: string) =>
  [...runs.map((r) => r[key]!)].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
let layout: Record<string, number> | undefined;
if (!process.argv.includes('--no-layout')) {
  layout = await measureLayout();
  console.log(`layout: ${JSON.stringify(layout)}`);
}
const out = {
  images: N,
  loadAverage: loadavg()[0],
  what: 'first paint: navigation start to the first frame of the map (host reads run and layout, posts the state, page validates, indexes, colours, draws); frames: requestAnimationFrame intervals while zooming (a wheel step a frame) and panning (real mouse drag); drawing: frame start to the rasteriser done (gl.finish), the page’s own cost of a frame, in a second pass of the same wheel steps; layer draws: frames that drew every point, or a slice of them into the next picture (the others moved and scaled the last picture, see webview/map/scatter.ts); max scaled: the most a shown picture was scaled to stand in for the view while zooming; lasso: pointer up to the frame showing the selection',
  best,
  medians: {
    zoomFps: median('zoomFps'),
    panFps: median('panFps'),
    drawWorkMeanMs: median('drawWorkMeanMs'),
    lassoMs: median('lassoMs'),
  },
  runs,
  ...(layout ? { layout } : {}),
  date: new Date().toISOString(),
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/map.json', JSON.stringify(out, null, 2) + '\n');
console.log(
  `${N.toLocaleString('en')} points: first paint ${best.firstPaintMs.toFixed(0)} ms (best of ${REPEAT}); zoom ${out.medians.zoomFps.toFixed(0)} fps, pan ${out.medians.panFps.toFixed(0)} fps (a frame's drawing ${out.medians.drawWorkMeanMs.toFixed(1)} ms), lasso ${out.medians.lassoMs.toFixed(0)} ms (medians); wrote bench/results/map.json`,
);
