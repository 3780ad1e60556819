// ClusterLab's own UI as a user meets it in the workbench: the Train Clustering quick picks, the
// Runs tree, and the gallery and confusion pages (read from inside their webview iframes).
import type { Frame, Locator } from 'playwright-core';
import type { Workbench } from './workbench.js';

export interface TrainChoice {
  /** Label of the method's quick-pick item, as the extension shows it ("CC", "SCAN", "DeepCluster"). */
  method: string;
  clusters: number;
  epochs: number;
  imageSize: number;
  batchSize: number;
  /** A screenshot name prefix, e.g. "cc". */
  shots: string;
}

/** Answers Train Clustering's quick picks for the workspace's `fashion` folder and starts the run. */
export async function trainThroughQuickPicks(wb: Workbench, c: TrainChoice): Promise<void> {
  await wb.command('ClusterLab: Train Clustering');
  await wb.quickInput().getByText('Train Clustering (1/4): dataset').waitFor();
  await wb.shot(`${c.shots}-pick-dataset`);
  await wb.pickUntil('fashion', wb.quickInput().getByText('Train Clustering (2/4): method'));
  await wb.pickUntil(c.method, wb.quickInput().getByText('Train Clustering (3/4): number of clusters'));
  await wb.shot(`${c.shots}-pick-clusters`);
  await wb.answer('class folders', String(c.clusters));
  // The last step lists the settings; each pick edits one and comes back to the list, which then
  // shows the new value.
  const shown = (label: string) => wb.quickPickItem(label).waitFor();
  await shown('Start training');
  const edit = async (item: RegExp, prompt: string, value: number, after: string) => {
    await wb.pickUntil(item, wb.prompt(prompt));
    await wb.answer(prompt, String(value));
    await shown(after);
  };
  await edit(/^\s*Epochs: \d+\s*$/, 'Epochs', c.epochs, `Epochs: ${c.epochs}`);
  await edit(
    /^\s*Image size: \d+ px\s*$/,
    'Image size in pixels',
    c.imageSize,
    `Image size: ${c.imageSize} px`,
  );
  await edit(/^\s*Batch size: \d+\s*$/, 'Batch size', c.batchSize, `Batch size: ${c.batchSize}`);
  // Fashion-MNIST has no colour: the wizard saw that in its sample of the folder.
  await shown('Color: grayscale (detected)');
  await wb.shot(`${c.shots}-review`);
  await wb.pick('Start training');
}

/** The gallery editor tab's page once it shows a run's tiles. */
export async function galleryFrame(wb: Workbench, timeout = 30_000): Promise<Frame> {
  return wb.webview('.scroller .tile', timeout, 'editor');
}

/**
 * Waits until every thumbnail in sight has its pixels (a decoded image, natural width > 0): they
 * load lazily, as tiles scroll into view. Fails on timeout, or when no tile is in sight.
 */
export async function thumbnailsDrawn(gallery: Frame): Promise<void> {
  await gallery.waitForFunction(
    () => {
      const inSight = [...document.querySelectorAll<HTMLImageElement>('.tile img')].filter((img) => {
        const r = img.getBoundingClientRect();
        return r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth;
      });
      return inSight.length > 0 && inSight.every((img) => img.complete && img.naturalWidth > 0);
    },
    undefined,
    { timeout: 30_000 },
  );
}

/** The gallery's status line, e.g. "300 images · 10 clusters". */
export function galleryStatus(gallery: Frame): Locator {
  return gallery.locator('.toolbar .status');
}

/** Switches the gallery's View dropdown to `option` (e.g. "Top-confidence per cluster"). */
export async function chooseGalleryView(gallery: Frame, option: string): Promise<void> {
  await gallery.locator('vscode-single-select[aria-label="View"]').click();
  await gallery.getByText(option, { exact: true }).last().click();
}

/** Renames a cluster in the gallery: click its name, type, Enter. */
export async function renameInGallery(gallery: Frame, header: Locator, name: string): Promise<void> {
  await header.locator('.name').click();
  const field = gallery.locator('vscode-textfield.rename input');
  await field.waitFor();
  await field.fill(name);
  await field.press('Enter');
}

/** The heatmap cells of the confusion page's "classes" or "supers" section. */
export function heatmapCells(confusion: Frame, kind: 'classes' | 'supers'): Locator {
  return confusion.locator(`.heatmap-box[data-kind="${kind}"] rect.cell`);
}
