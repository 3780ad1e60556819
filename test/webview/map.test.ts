import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { writeLayout } from '../../src/common/layout.js';
import { writeRunFeatures } from '../../src/common/features.js';
import type { MapState } from '../../src/protocol/mapMessages.js';
import { toScreen, type View } from '../../webview/map/camera.js';
import { categoryColor } from '../../webview/map/colors.js';
import {
  browserSuite,
  makeHost,
  openPage,
  pageErrors,
  recordingUi,
  screenshot,
  type PageHarness,
  type Suite,
  type UiRecord,
} from './harness.js';
import { writeFixtureLayout } from './fixtureRun.js';

let t: Suite;

const labelsJson = () => JSON.parse(readFileSync(join(t.fx.runDir, 'labels.json'), 'utf8'));

interface MapPage {
  h: PageHarness;
  record: UiRecord;
  host: ReturnType<typeof makeHost>;
  /** Each image's point on screen (page coordinates), from the state the page was sent. */
  at(i: number): Promise<[number, number]>;
  close(): Promise<void>;
}

/** The state messages the page receives, kept where the test can read them. */
async function lastState(page: Page): Promise<MapState> {
  return page.evaluate(() => (window as unknown as { __map: MapState }).__map);
}

async function openMap(
  options: { host?: ReturnType<typeof makeHost>; record?: UiRecord } = {},
): Promise<MapPage> {
  const made = recordingUi(t.ws);
  const record = options.record ?? made.record;
  const host = options.host ?? makeHost(t.fx.runsDir, t.thumbDir, made.ui);
  let refresh!: () => void;
  const h = await openPage(t.browser, t.origin, 'map', (port) => {
    const c = host.map(port);
    refresh = () => c.refresh();
    return c;
  });
  await h.page.evaluate(() =>
    window.addEventListener(
      'message',
      (e) => e.data?.type === 'map' && ((window as unknown as { __map: unknown }).__map = e.data),
    ),
  );
  refresh();
  await h.page.waitForFunction(
    () =>
      performance.getEntriesByName('map-first-paint').length > 0 &&
      (window as unknown as { __map?: unknown }).__map,
  );
  await h.idle();
  const at = async (i: number): Promise<[number, number]> => {
    const xy = (await lastState(h.page)).layout!.xy;
    const box = (await h.page.locator('canvas.points').boundingBox())!;
    const view = JSON.parse((await h.page.locator('canvas.points').getAttribute('data-view'))!) as View;
    const [x, y] = toScreen(view, xy[2 * i]!, xy[2 * i + 1]!);
    return [box.x + x, box.y + y];
  };
  return { h, record, host, at, close: async () => void (await h.page.close()) };
}

/** The colour drawn at a page position, read back from the WebGL canvas. */
function pixel(page: Page, [x, y]: [number, number]): Promise<number[]> {
  // A string: the TypeScript loader would add helpers (__name) the page does not have.
  return page.evaluate(`(() => {
    const c = document.querySelector('canvas.points');
    const r = c.getBoundingClientRect();
    const copy = document.createElement('canvas');
    copy.width = c.width;
    copy.height = c.height;
    const g = copy.getContext('2d');
    g.drawImage(c, 0, 0);
    const s = c.width / r.width;
    return Array.from(g.getImageData(Math.round((${x} - r.left) * s), Math.round((${y} - r.top) * s), 1, 1).data.slice(0, 3));
  })()`);
}

const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 40);

/** Shift-drags a lasso around the images `ids`, a box a few pixels outside their points. */
async function lasso(m: MapPage, ids: number[]): Promise<void> {
  const pts = await Promise.all(ids.map((i) => m.at(i)));
  const [x0, y0] = [Math.min(...pts.map((p) => p[0])) - 6, Math.min(...pts.map((p) => p[1])) - 6];
  const [x1, y1] = [Math.max(...pts.map((p) => p[0])) + 6, Math.max(...pts.map((p) => p[1])) + 6];
  const { mouse, keyboard } = m.h.page;
  await keyboard.down('Shift');
  await mouse.move(x0, y0);
  await mouse.down();
  for (const [x, y] of [
    [x1, y0],
    [x1, y1],
    [x0, y1],
    [x0, y0 + 1],
  ] as const)
    await mouse.move(x, y, { steps: 4 });
  await m.h.act('selection', () => mouse.up());
  await keyboard.up('Shift');
}

const classOf = (i: number) => t.fx.paths[i]!.split('/')[1]!;
const idsOfClass = (cls: string) => t.fx.paths.flatMap((_, i) => (classOf(i) === cls ? [i] : []));

describe('map page in Chromium', () => {
  t = browserSuite('map');
  before(async () => void (await writeFixtureLayout(t.fx)));

  it('draws every image coloured by cluster, switches colour modes, no CSP errors', async () => {
    const m = await openMap();
    const { page } = m.h;
    assert.equal(await page.locator('.legend .entry').count(), 10);
    assert.match(
      (await page.locator('.status').textContent()) ?? '',
      /40 images · 10 clusters · kNN kept 80%/,
    );
    // An image of cluster 0 is drawn in the first palette colour, one of cluster 3 in the fourth.
    const state = await lastState(page);
    const of = (c: number) => state.items.cluster.indexOf(c);
    assert.ok(near(await pixel(page, await m.at(of(0))), categoryColor(0)), 'cluster 0 colour');
    assert.ok(near(await pixel(page, await m.at(of(3))), categoryColor(3)), 'cluster 3 colour');
    await screenshot(page, 'map');

    const setMode = (v: string) =>
      page
        .locator('vscode-single-select[aria-label="Colour by"]')
        .evaluate((el: HTMLElement & { value: string }, value) => {
          el.value = value;
          el.dispatchEvent(new Event('change'));
        }, v);
    await setMode('super');
    assert.equal(
      await page.locator('.legend .entry').count(),
      new Set(t.fx.paths.map((p) => p.split('/')[0])).size,
    );
    await setMode('class');
    assert.deepEqual((await page.locator('.legend .entry').allTextContents()).slice(0, 2), [
      `${t.fx.classes[0]} (4)`,
      `${t.fx.classes[1]} (4)`,
    ]);
    await setMode('confidence');
    assert.equal(await page.locator('.legend .entry').count(), 5);
    await screenshot(page, 'map-confidence');
    await setMode('new');
    assert.match((await page.locator('.legend').textContent()) ?? '', /Trained \(40\)/);
    await setMode('cluster');
    assert.deepEqual(pageErrors(page), []);
    await m.close();
  });

  it('hover shows the thumbnail, file name, cluster and confidence; a click opens the image', async () => {
    const m = await openMap();
    const { page } = m.h;
    const [x, y] = await m.at(5);
    await page.mouse.move(x + 1, y);
    await page.locator('.tooltip:not([hidden]) img').waitFor();
    const text = (await page.locator('.tooltip').textContent()) ?? '';
    const name = t.fx.paths[5]!.split('/').pop()!;
    assert.match(text, new RegExp(`${name}Cluster \\d+confidence 0\\.\\d\\d · ${classOf(5)}`));
    assert.ok(
      await page
        .locator('.tooltip img')
        .evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0),
      'thumbnail decoded',
    );
    await screenshot(page, 'map-hover');
    await m.h.act('open', () => page.mouse.click(x, y));
    assert.deepEqual(m.record.opened, [join(t.fx.dataRoot, t.fx.paths[5]!)]);
    await m.close();
  });

  it('zooming and panning move the last picture, each point where the new view puts it, and draw the points anew for the view the motion stops at', async () => {
    const m = await openMap();
    const { page } = m.h;
    const state = await lastState(page);
    const id = state.items.cluster.indexOf(2);
    const [px, py] = await m.at(id);
    // One wheel step on the point, then a pan, each as events in the page and read back in the frame
    // that shows it: well inside the pause after which the page draws every point again.
    // A string: the TypeScript loader would add helpers (__name) the page does not have.
    const step = (kind: 'wheel' | 'pan') =>
      page.evaluate(`(async () => {
      const c = document.querySelector('canvas.points');
      const r = c.getBoundingClientRect();
      const before = c.dataset.layerDraws.split(' ').map(Number);
      const opts = { clientX: ${px}, clientY: ${py}, bubbles: true, cancelable: true };
      if ('${kind}' === 'wheel') c.dispatchEvent(new WheelEvent('wheel', { ...opts, deltaY: -150 }));
      else {
        c.dispatchEvent(new PointerEvent('pointerdown', { ...opts, pointerId: 1, button: 0, buttons: 1 }));
        c.dispatchEvent(new PointerEvent('pointermove', { ...opts, clientX: ${px} + 40, clientY: ${py} + 25, pointerId: 1, buttons: 1 }));
      }
      await new Promise(requestAnimationFrame);
      await new Promise(requestAnimationFrame);
      const view = JSON.parse(c.dataset.view);
      const [x, y] = [${px} - r.left, ${py} - r.top];
      // The data point under the pointer before the step, on screen now.
      const xy = window.__map.layout.xy;
      const sx = view.ox + xy[${2 * id}] * view.k, sy = view.oy - xy[${2 * id + 1}] * view.k;
      const copy = document.createElement('canvas');
      [copy.width, copy.height] = [c.width, c.height];
      const g = copy.getContext('2d');
      g.drawImage(c, 0, 0);
      const s = c.width / r.width;
      const color = Array.from(g.getImageData(Math.round(sx * s), Math.round(sy * s), 1, 1).data.slice(0, 3));
      if ('${kind}' === 'pan') c.dispatchEvent(new PointerEvent('pointerup', { ...opts, clientX: ${px} + 40, clientY: ${py} + 25, pointerId: 1 }));
      return { color, moved: [sx - x, sy - y], before, after: c.dataset.layerDraws.split(' ').map(Number) };
    })()`) as Promise<{ color: number[]; moved: [number, number]; before: number[]; after: number[] }>;

    const zoom = await step('wheel');
    assert.ok(Math.hypot(...zoom.moved) < 2, `the point under the wheel stays put: ${zoom.moved}`);
    assert.ok(near(zoom.color, categoryColor(2)), `zoomed: ${zoom.color} against ${categoryColor(2)}`);
    assert.equal(zoom.after[0], zoom.before[0], 'no frame drew every point while the wheel turned');
    // Scaled past 1.15x, the next picture is drawn a slice per frame; 40 points are one slice.
    assert.equal(zoom.after[1], zoom.before[1] + 1, 'the next picture drawn in a slice');
    await page.waitForTimeout(300);

    const pan = await step('pan');
    assert.ok(
      Math.abs(pan.moved[0] - 40) < 2 && Math.abs(pan.moved[1] - 25) < 2,
      `panned by (40, 25): ${pan.moved}`,
    );
    assert.ok(near(pan.color, categoryColor(2)), `panned: ${pan.color} against ${categoryColor(2)}`);
    assert.equal(pan.after[0], pan.before[0], 'no frame drew every point during the pan');
    await page.waitForFunction(
      (n) =>
        Number(document.querySelector('canvas.points')!.getAttribute('data-layer-draws')!.split(' ')[0]) > n,
      pan.after[0]!,
    );
    // Drawn anew: the point is where the view says, in its colour.
    assert.ok(near(await pixel(page, await m.at(id)), categoryColor(2)), 'settled picture');
    assert.deepEqual(pageErrors(page), []);
    await m.close();
  });

  it('lasso selects a region; the selection moves to a cluster and to a new named one, with undo', async () => {
    const m = await openMap();
    const { page } = m.h;
    const ids = idsOfClass(t.fx.classes[4]!);
    await lasso(m, ids);
    assert.match((await page.locator('.strip .count').textContent()) ?? '', /^4 selected/);
    await page.locator('.strip .thumb img').first().waitFor();
    await screenshot(page, 'map-lasso');

    await page.locator('.strip vscode-button[data-action="Move to…"]').click();
    await m.h.act('move', () =>
      page.locator('vscode-context-menu-item', { hasText: 'Cluster 7 (4)' }).click(),
    );
    for (const i of ids) assert.equal(labelsJson().moves[t.fx.paths[i]!] ?? 7, 7);
    await page.locator('.legend .entry', { hasText: 'Cluster 7 (8)' }).waitFor();
    await page.evaluate(() => new Promise(requestAnimationFrame));
    const seen = await pixel(page, await m.at(ids[0]!));
    assert.ok(near(seen, categoryColor(7)), `recoloured at once: ${seen} against ${categoryColor(7)}`);

    await page.locator('.strip vscode-button[data-action="New Cluster…"]').click();
    await page.locator('.strip .new-name input').fill('lassoed');
    await m.h.act('moveToNew', () => page.keyboard.press('Enter'));
    await page.locator('.legend .entry', { hasText: 'lassoed (4)' }).waitFor();
    const labels = labelsJson();
    assert.equal(labels.names['10'], 'lassoed');
    for (const i of ids) assert.equal(labels.moves[t.fx.paths[i]!], 10);
    await screenshot(page, 'map-new-cluster');

    await page.locator('.stage').hover({ position: { x: 5, y: 5 } });
    await m.h.act('undo', () => page.keyboard.press('Control+z'));
    assert.equal(labelsJson().names['10'], undefined);
    await m.h.act('undo', () => page.keyboard.press('Control+z'));
    assert.deepEqual(labelsJson().moves, {});
    await m.close();
  });

  it('Escape on the Export menu closes only the menu; the next Escape clears the selection', async () => {
    const m = await openMap();
    const { page } = m.h;
    await lasso(m, idsOfClass(t.fx.classes[2]!));
    await page.locator('.strip vscode-button[data-action="Export…"]').click();
    const item = page.locator('vscode-context-menu-item', { hasText: 'Export Selection as CSV…' });
    await item.waitFor();
    await page.keyboard.press('Escape');
    await item.waitFor({ state: 'hidden' });
    await m.h.idle();
    assert.match((await page.locator('.strip .count').textContent()) ?? '', /^4 selected/);
    assert.equal(await page.locator('.strip').isVisible(), true);
    await page.locator('.stage').hover({ position: { x: 5, y: 5 } });
    await m.h.act('selection', () => page.keyboard.press('Escape'));
    assert.equal(await page.locator('.strip').isVisible(), false);
    await m.close();
  });

  it('the selection strip shows whole thumbnails with one scrollbar; the legend folds away from the points under it', async () => {
    const m = await openMap();
    const { page } = m.h;
    await page.setViewportSize({ width: 700, height: 700 });
    await m.h.idle();
    await lasso(
      m,
      t.fx.paths.map((_, i) => i),
    );
    await page.locator('.strip .thumb img').first().waitFor();
    const box = await page.locator('.strip .thumbs').evaluate((el) => {
      const r = el.getBoundingClientRect();
      const thumbs = [...el.querySelectorAll('.thumb')].map((b) => b.getBoundingClientRect());
      return {
        vertical: el.scrollHeight > el.clientHeight,
        sideways: el.scrollWidth > el.clientWidth,
        cut: thumbs.filter((b) => b.bottom > r.top + el.clientHeight + 0.5).length,
      };
    });
    assert.deepEqual(
      box,
      { vertical: false, sideways: true, cut: 0 },
      'a sideways scrollbar only, and no thumbnail cut off',
    );
    await screenshot(page, 'map-strip');
    const entries = page.locator('.legend .entry');
    assert.ok(await entries.first().isVisible());
    const wide = (await page.locator('.legend').boundingBox())!;
    await page.locator('.legend .legend-fold').click();
    assert.equal(await entries.first().isVisible(), false);
    const folded = (await page.locator('.legend').boundingBox())!;
    assert.ok(folded.height < wide.height / 3, `folded ${folded.height}px against ${wide.height}px`);
    await screenshot(page, 'map-legend-folded');
    await page.locator('.legend .legend-fold').click();
    assert.ok(await entries.first().isVisible());
    await m.close();
  });

  it('links its selection with the gallery both ways, and opens the gallery on exactly the selection', async () => {
    const { ui, record } = recordingUi(t.ws);
    const host = makeHost(t.fx.runsDir, t.thumbDir, ui);
    const m = await openMap({ host, record });
    let gallery!: ReturnType<typeof host.gallery>;
    const g = await openPage(t.browser, t.origin, 'gallery', (port) => (gallery = host.gallery(port)));
    await g.page.locator('.row.header').first().waitFor();
    await g.idle();

    const ids = idsOfClass(t.fx.classes[2]!);
    await lasso(m, ids);
    await g.idle();
    await g.page.waitForFunction(() => document.querySelectorAll('.tile.selected').length === 4);
    const selectedInGallery = await g.page
      .locator('.tile.selected')
      .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.i)));
    assert.deepEqual(
      selectedInGallery.sort((a, b) => a - b),
      ids,
    );
    await screenshot(g.page, 'gallery-linked-from-map');

    // Ctrl-click in the gallery: the map's strip follows.
    await g.act('selection', () =>
      g.page
        .locator('.tile:not(.selected)')
        .first()
        .click({ modifiers: ['Control'] }),
    );
    await m.h.idle();
    assert.match((await m.h.page.locator('.strip .count').textContent()) ?? '', /^5 selected/);
    await screenshot(m.h.page, 'map-linked-from-gallery');

    await m.h.act('showInGallery', () =>
      m.h.page.locator('.strip vscode-button[data-action="Show in Gallery"]').click(),
    );
    const shown = record.galleries.at(-1)!;
    assert.equal(shown.filter?.images?.length, 5);
    assert.equal(shown.filter?.title, '5 images from the map');
    await gallery.applyFilter(shown.dir, shown.filter!);
    await g.idle();
    assert.equal(await g.page.locator('.tile').count(), 5);
    assert.match((await g.page.locator('.chip').textContent()) ?? '', /5 images from the map/);
    await screenshot(g.page, 'gallery-images-filter');
    await g.page.locator('.chip vscode-icon[name="close"]').click();
    assert.equal(await g.page.locator('.tile').count(), 40);
    await g.page.close();
    await m.close();
  });

  it('asks the trainer for a missing layout, showing its progress; says so when a run has no features', async () => {
    // A copy of the run without layout files: first without features (an older run), then with.
    const dir = join(t.fx.runsDir, 'cc-nolayout');
    mkdirSync(dir);
    for (const f of ['run.json', 'assignments.csv', 'metrics.jsonl', 'summary.json'])
      writeFileSync(join(dir, f), readFileSync(join(t.fx.runDir, f)));
    const { ui, record } = recordingUi(t.ws);
    const asked: string[] = [];
    const layout = await writeFixtureLayout(t.fx);
    const host = makeHost(t.fx.runsDir, t.thumbDir, ui, undefined, async (runDir, onProgress) => {
      asked.push(runDir);
      onProgress({ percentage: 50, message: 'umap epoch 100/200' });
      await new Promise((r) => setTimeout(r, 300));
      await writeLayout(
        runDir,
        { rows: t.fx.paths.length, method: 'umap', epoch: 5, knnPreservation: 0.5, seconds: 1 },
        layout,
      );
    });
    const h = await openPage(t.browser, t.origin, 'map', host.map);
    await h.idle();
    await h.act('selectRun', () =>
      h.page.evaluate(
        (d) =>
          (window as unknown as { acquireVsCodeApi(): { postMessage(m: unknown): void } })
            .acquireVsCodeApi()
            .postMessage({ type: 'selectRun', dir: d }),
        dir,
      ),
    );
    await h.page.locator('.banner', { hasText: 'saved no per-image features' }).waitFor();
    assert.deepEqual(asked, []);
    await screenshot(h.page, 'map-no-features');

    await writeRunFeatures(
      dir,
      { rows: t.fx.paths.length, dims: 2, clusters: 10, epoch: 5 },
      new Float32Array(t.fx.paths.length * 2).fill(0.5),
      new Float32Array(t.fx.paths.length * 10).fill(0.1),
    );
    await h.act('selectRun', () =>
      h.page.evaluate(
        (d) =>
          (window as unknown as { acquireVsCodeApi(): { postMessage(m: unknown): void } })
            .acquireVsCodeApi()
            .postMessage({ type: 'selectRun', dir: d }),
        t.fx.runDir,
      ),
    );
    await h.act('selectRun', () =>
      h.page.evaluate(
        (d) =>
          (window as unknown as { acquireVsCodeApi(): { postMessage(m: unknown): void } })
            .acquireVsCodeApi()
            .postMessage({ type: 'selectRun', dir: d }),
        dir,
      ),
    );
    await h.page.locator('.banner', { hasText: 'umap epoch 100/200 (50%)' }).waitFor();
    await h.page.locator('.legend .entry').first().waitFor({ timeout: 10_000 });
    await h.page.waitForFunction(() => document.querySelector('.banner')?.hasAttribute('hidden'));
    assert.deepEqual(asked, [dir]);
    assert.deepEqual(record.errors, []);
    await h.page.close();
  });
});
