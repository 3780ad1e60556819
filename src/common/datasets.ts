/**
 * Finding image folders to offer for training. A dataset is a folder whose images sit in it or
 * at most two folder levels down (root/img, root/class/img, root/super/class/img, as the trainer
 * reads labels); of nested candidates the outermost is offered. A Materialize output (marked by
 * EXPORT_MARKER) is not a dataset. The walk is bounded in depth and folders, so a huge workspace
 * costs a moment, not minutes.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { classifyName } from './imageFormats.js';

export interface DatasetInfo {
  dir: string;
  images: number;
  /** Distinct names of the folders holding images (the trainer's classes); 0 when all sit at the root. */
  classes: number;
}

interface Folder {
  dir: string;
  name: string;
  images: number;
  children: Folder[];
}

const SKIP = new Set(['node_modules', '__pycache__']);
/** Written by Materialize into the folder it fills: a run's export, not a dataset, and never offered as one. */
export const EXPORT_MARKER = '.clusterlab-export.json';
/** Levels below the dataset root the trainer takes labels from. */
const LABEL_DEPTH = 2;

export interface FindOptions {
  /** Folder levels below the workspace folder that are searched. */
  maxDepth?: number;
  /** Folders read at most. */
  maxFolders?: number;
}

/** Image folders in or below `root`, outermost first by path. */
export async function findDatasets(root: string, o: FindOptions = {}): Promise<DatasetInfo[]> {
  const budget = { folders: o.maxFolders ?? 5000 };
  const tree = await read(root, (o.maxDepth ?? 4) + LABEL_DEPTH, budget);
  const out: DatasetInfo[] = [];
  const visit = (f: Folder): void => {
    const depth = imageDepth(f);
    if (depth !== undefined && depth <= LABEL_DEPTH) out.push(summarize(f));
    else f.children.forEach(visit);
  };
  visit(tree);
  return out.sort((a, b) => (a.dir < b.dir ? -1 : 1));
}

/** Images and classes of one folder, as the trainer would label them (up to the same bounds). */
export async function describeFolder(dir: string, maxFolders = 5000): Promise<DatasetInfo> {
  return summarize(await read(dir, Infinity, { folders: maxFolders }));
}

async function read(dir: string, depthLeft: number, budget: { folders: number }): Promise<Folder> {
  const folder: Folder = { dir, name: basename(dir), images: 0, children: [] };
  if (budget.folders-- <= 0) return folder;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    // An unreadable folder offers nothing; the trainer reports it if it is chosen anyway.
    return folder;
  }
  if (entries.some((e) => e.name === EXPORT_MARKER && e.isFile())) return folder;
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (e.isFile() && classifyName(e.name).kind === 'image') folder.images++;
    else if (e.isDirectory() && !SKIP.has(e.name) && depthLeft > 0)
      folder.children.push(await read(join(dir, e.name), depthLeft - 1, budget));
  }
  return folder;
}

/** Deepest level (0 = the folder itself) that holds images, undefined when none does. */
function imageDepth(f: Folder): number | undefined {
  let deepest = f.images > 0 ? 0 : undefined;
  for (const c of f.children) {
    const d = imageDepth(c);
    if (d !== undefined) deepest = Math.max(deepest ?? 0, d + 1);
  }
  return deepest;
}

function summarize(root: Folder): DatasetInfo {
  let images = 0;
  const classes = new Set<string>();
  const walk = (f: Folder): void => {
    images += f.images;
    if (f.images > 0 && f !== root) classes.add(f.name);
    f.children.forEach(walk);
  };
  walk(root);
  return { dir: root.dir, images, classes: classes.size };
}
