/**
 * "Train Clustering" as a short series of quick picks: the dataset folder (detected in the
 * workspace, or browsed), the method, the number of clusters, then a summary of the remaining
 * settings (the method's own among them) that starts the run or lets one be changed. Escape at any
 * step abandons the flow.
 */
import { basename, relative } from 'node:path';
import * as vscode from 'vscode';
import type { BackboneName, BackendChoice, MethodName, TrainConfig } from '../../protocol/run.js';
import type { BackendStatus, RunPlan } from '../../protocol/server.js';
import { aboutDuration, type Estimate, type NoEstimate } from '../runEstimate.js';
import { METHOD_NAMES, METHOD_SPECS } from '../../common/methods/index.js';
import { BACKBONE_NAMES, RUN_FIELDS, runField, type RunFieldName } from '../../common/runFields.js';
import { backendItem } from './checkBackends.js';
import type { Settings } from '../settings.js';
import type { DatasetInfo } from '../../common/datasets.js';
import { unusableReason, type FolderProbe } from '../workspace/folderProbe.js';
import { count } from '../../common/plural.js';
import { editMethodSettings } from './methodSettings.js';

export interface TrainFlowDeps {
  /** Absolute paths of the workspace folders. */
  workspaceFolders: string[];
  findDatasets(root: string): Promise<DatasetInfo[]>;
  describeFolder(dir: string): Promise<DatasetInfo>;
  /** Decodes a sample of the folder's images (`sample` of them at most): can it be trained, is it grey. */
  probeFolder(dir: string, sample?: number): Promise<FolderProbe>;
  /** The trainer's defaults for a method on a folder. */
  defaults(method: MethodName, data: string): Promise<TrainConfig>;
  /** Which compute backends the trainer's machine has. */
  backends(): Promise<BackendStatus[]>;
  /** How the trainer would split the epochs among the method's stages. */
  plan?(config: TrainConfig): Promise<RunPlan>;
  /** Roughly how long the run takes here, from earlier runs. */
  estimate?(config: TrainConfig, images: number): Promise<Estimate | NoEstimate | undefined>;
  settings: Settings;
  /** Adds a model to clusterlab.featureModels (the workspace's), so the next run offers it. */
  addFeatureModel?(file: string): Promise<void>;
}

/** Files decoded per candidate folder when step 1 lists the workspace's image folders. */
const LIST_SAMPLE = 4;

type Item<T> = vscode.QuickPickItem & { value: T };
type Dataset = DatasetInfo & { probe: FolderProbe };

/** The config to train, or undefined when the user backed out. `folder` comes from the explorer's context menu. */
export async function trainFlow(deps: TrainFlowDeps, folder?: string): Promise<TrainConfig | undefined> {
  const dataset = folder ? await checkedFolder(deps, folder) : await pickDataset(deps);
  if (!dataset) return undefined;
  const method = await pickMethod(deps.settings.defaultMethod);
  if (!method) return undefined;
  const features = METHOD_SPECS[method].input === 'embeddings' ? await pickFeatureModel(deps) : null;
  if (features === undefined) return undefined;
  const clusters = await askClusters(dataset);
  if (clusters === undefined) return undefined;
  const d = await deps.defaults(method, dataset.dir);
  const channels = dataset.probe.grayscale ? 1 : d.channels;
  const config: TrainConfig = {
    ...d,
    clusters,
    channels,
    imageSize: deps.settings.imageSize,
    batchSize: deps.settings.batchSize || d.batchSize,
    backend: deps.settings.backend,
    ...(features ? { features } : {}),
  };
  return review(
    config,
    deps,
    dataset.probe.grayscale,
    dataset.probe.exact ? dataset.probe.decodable : dataset.images,
  );
}

/** The folder with its probe, or undefined (after saying why) when the trainer could not cluster it. */
async function checkedFolder(deps: TrainFlowDeps, dir: string): Promise<Dataset | undefined> {
  const [info, probe] = await Promise.all([deps.describeFolder(dir), deps.probeFolder(dir)]);
  const why = unusableReason(probe);
  if (!why) return { ...info, probe };
  // The reason first: a notification shows one line, and a long path would push it out of sight.
  void vscode.window.showErrorMessage(`ClusterLab: “${basename(dir)}” cannot be clustered: ${why}. (${dir})`);
  return undefined;
}

function describe(d: DatasetInfo): string {
  return `${count(d.images, 'image')}${d.classes > 1 ? ` · ${d.classes} classes` : ''}`;
}

/** Step 1, offered again after a folder that cannot be trained. */
async function pickDataset(deps: TrainFlowDeps): Promise<Dataset | undefined> {
  for (;;) {
    const dir = await pickDatasetDir(deps);
    if (!dir) return undefined;
    const checked = await checkedFolder(deps, dir);
    if (checked) return checked;
  }
}

async function pickDatasetDir(deps: TrainFlowDeps): Promise<string | undefined> {
  const candidates: DatasetInfo[] = [];
  for (const root of deps.workspaceFolders) candidates.push(...(await deps.findDatasets(root)));
  // Folders step 1 would refuse (one image, files named .jpg that are not images) are not offered:
  // a few of each candidate's files are decoded, a moment per folder; the full probe follows the pick.
  const usable = await Promise.all(
    candidates.map(async (d) => d.images >= 2 && !unusableReason(await deps.probeFolder(d.dir, LIST_SAMPLE))),
  );
  const found = candidates.filter((_, i) => usable[i]);
  const root = (dir: string) => deps.workspaceFolders.find((f) => !relative(f, dir).startsWith('..'));
  const items: Item<DatasetInfo | 'browse'>[] = found.map((d) => ({
    label: `$(file-media) ${relative(root(d.dir) ?? '', d.dir) || basename(d.dir)}`,
    description: describe(d),
    detail: d.dir,
    value: d,
  }));
  items.push({ label: '$(folder-opened) Browse…', description: 'any folder of images', value: 'browse' });
  const placeHolder =
    found.length > 0 ? 'Image folder to cluster' : 'No image folders found in the workspace: browse for one';
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Train Clustering (1/4): dataset',
    placeHolder,
    matchOnDetail: true,
    ignoreFocusOut: true,
  });
  if (!pick) return undefined;
  if (pick.value !== 'browse') return pick.value.dir;
  const uris = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Cluster this folder',
  });
  return uris?.[0]?.fsPath;
}

async function pickMethod(preferred: MethodName): Promise<MethodName | undefined> {
  const order = [preferred, ...METHOD_NAMES.filter((m) => m !== preferred)];
  const items: Item<MethodName>[] = order.map((m) => ({
    label: METHOD_SPECS[m].label,
    description: METHOD_SPECS[m].description,
    value: m,
  }));
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Train Clustering (2/4): method',
    placeHolder: 'Clustering method',
    ignoreFocusOut: true,
  });
  return pick?.value;
}

/**
 * An embedding method's input: a feature model from clusterlab.featureModels, one added now (and
 * kept in the setting), or the pixels themselves. null: pixels; undefined: backed out.
 */
async function pickFeatureModel(deps: TrainFlowDeps): Promise<string | null | undefined> {
  const models = deps.settings.featureModels ?? [];
  const items: Item<string | null | 'add'>[] = [
    ...models.map((m) => ({ label: `$(symbol-misc) ${basename(m)}`, description: m, value: m })),
    {
      label: '$(add) Add Feature Model…',
      description: '.onnx, or a TF.js model.json (with model.clusterlab.json beside it for preprocessing)',
      value: 'add',
    },
    { label: 'Pixels', description: "no feature model: cluster the images' pixel values", value: null },
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Train Clustering: feature model',
    placeHolder: 'The pretrained network whose embeddings are clustered',
    ignoreFocusOut: true,
  });
  if (!pick || pick.value !== 'add') return pick?.value;
  const uris = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Use Feature Model',
    filters: { 'Feature models': ['onnx', 'json'] },
  });
  const file = uris?.[0]?.fsPath;
  if (!file) return undefined;
  await deps.addFeatureModel?.(file);
  return file;
}

async function askClusters(d: Dataset): Promise<number | undefined> {
  // A small folder was decoded whole: its decodable images bound the count.
  const images = d.probe.exact ? d.probe.decodable : d.images;
  const { min, max } = RUN_FIELDS.clusters;
  const value = await vscode.window.showInputBox({
    title: 'Train Clustering (3/4): number of clusters',
    prompt: d.classes > 1 ? `The folder has ${d.classes} class folders` : 'The folder has no class folders',
    value: String(d.classes > 1 ? d.classes : RUN_FIELDS.clusters.default),
    ignoreFocusOut: true,
    validateInput: (v) =>
      wholeNumberError(
        v,
        min,
        Math.min(images, max),
        images <= max ? `the folder's ${count(images, 'image')}` : String(max),
      ),
  });
  return value === undefined ? undefined : Number(value);
}

function wholeNumberError(v: string, lo: number, hi: number, hiWhat = String(hi)): string | undefined {
  const n = Number(v);
  return /^\s*\d+\s*$/.test(v) && n >= lo && n <= hi ? undefined : `A whole number from ${lo} to ${hiWhat}`;
}

type Edit =
  'start' | 'epochs' | 'imageSize' | 'channels' | 'backbone' | 'batchSize' | 'backend' | 'methodSettings';

/** The last step: every other setting at its default, each one pickable to change; "Start" ends the flow. */
async function review(
  config: TrainConfig,
  deps: TrainFlowDeps,
  greyData: boolean,
  images: number,
): Promise<TrainConfig | undefined> {
  for (;;) {
    const c = config;
    const spec = METHOD_SPECS[c.method];
    const given = Object.keys(c.params).length;
    // What the run will do and cost: SCAN's stages, and a duration from earlier runs here.
    const [plan, estimate] = await Promise.all([
      deps.plan?.(c).catch(() => undefined),
      deps.estimate?.(c, images).catch(() => undefined),
    ]);
    const stages =
      plan && plan.stages.length > 1
        ? plan.stages.map((s) => `${s.name} ${s.epochs}`).join(' · ')
        : undefined;
    // The time on the first line, what it rests on (or why there is none) on the second.
    const timed = estimate && 'seconds' in estimate ? estimate : undefined;
    const cost = timed
      ? ` · ${aboutDuration(timed.seconds)}${timed.approximate ? ' (approximate)' : ''}`
      : '';
    const basis = timed
      ? `Estimated ${timed.basis}`
      : estimate && 'why' in estimate
        ? estimate.why
        : undefined;
    const items: Item<Edit>[] = [
      {
        label: '$(play) Start training',
        description: `${spec.label}, ${c.clusters} clusters${cost}`,
        ...(basis ? { detail: basis } : {}),
        value: 'start',
      },
      { label: `Epochs: ${c.epochs}`, ...(stages ? { description: stages } : {}), value: 'epochs' },
      { label: `Image size: ${c.imageSize} px`, value: 'imageSize' },
      {
        label: `Color: ${c.channels === 1 ? 'grayscale' : 'RGB'}${greyData && c.channels === 1 ? ' (detected)' : ''}`,
        value: 'channels',
      },
      { label: `Backbone: ${c.backbone}`, value: 'backbone' },
      { label: `Batch size: ${c.batchSize}`, value: 'batchSize' },
      { label: `Backend: ${c.backend}`, value: 'backend' },
      {
        label: 'Method settings…',
        description: given ? `${given} changed` : `${spec.label}'s defaults`,
        value: 'methodSettings',
      },
    ];
    const pick = await vscode.window.showQuickPick(items, {
      title: 'Train Clustering (4/4): start, or change a setting',
      ignoreFocusOut: true,
    });
    if (!pick) return undefined;
    if (pick.value === 'start') return config;
    const changed = await edit(config, pick.value, deps);
    if (changed) config = changed;
  }
}

async function edit(
  c: TrainConfig,
  what: Exclude<Edit, 'start'>,
  deps: TrainFlowDeps,
): Promise<TrainConfig | undefined> {
  switch (what) {
    case 'epochs':
      return withNumber(c, 'epochs', 'Epochs');
    case 'imageSize':
      return withNumber(c, 'imageSize', 'Image size in pixels (images are resized to a square)');
    case 'batchSize':
      return withNumber(c, 'batch', 'Batch size');
    case 'channels':
      return { ...c, channels: c.channels === 1 ? 3 : 1 };
    case 'methodSettings':
      return { ...c, params: await editMethodSettings(c) };
    case 'backbone': {
      const pick = await vscode.window.showQuickPick(
        BACKBONE_NAMES.map((b): Item<BackboneName> => ({ label: b, value: b })),
        { title: 'Backbone' },
      );
      return pick && { ...c, backbone: pick.value };
    }
    case 'backend': {
      const all = await deps.backends();
      const ladder = all.filter((b) => b.available);
      const items: (Item<BackendChoice> & { status?: BackendStatus })[] = [
        {
          label: 'auto',
          description: `the fastest that starts: ${ladder.map((b) => b.name).join(', ')}`,
          value: 'auto',
        },
        ...all.map((b) => ({ ...backendItem(b), value: b.name })),
      ];
      for (;;) {
        const pick = await vscode.window.showQuickPick(items, { title: 'Compute backend' });
        if (!pick) return undefined;
        if (!pick.status || pick.status.available) return { ...c, backend: pick.value };
        // An unavailable one says why and how to fix it (ClusterLab: Check Compute Backends copies the fix), then the list again.
        await vscode.window.showWarningMessage(`${pick.status.name} is unavailable: ${pick.status.reason}`, {
          modal: true,
          detail: pick.status.fix,
        });
      }
    }
  }
}

/** A whole-number run field, asked for within its spec's range. */
async function withNumber(
  c: TrainConfig,
  field: Extract<RunFieldName, 'epochs' | 'imageSize' | 'batch'>,
  prompt: string,
): Promise<TrainConfig | undefined> {
  const { config, min, max } = runField(field) as {
    config: 'epochs' | 'imageSize' | 'batchSize';
    min: number;
    max: number;
  };
  const v = await vscode.window.showInputBox({
    prompt,
    value: String(c[config]),
    validateInput: (s) => wholeNumberError(s, min, max),
  });
  return v === undefined ? undefined : { ...c, [config]: Number(v) };
}
