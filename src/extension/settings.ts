import { isAbsolute, resolve } from 'node:path';
import * as vscode from 'vscode';
import { isMethodName, METHOD_NAMES } from '../common/methods/index.js';
import { RUN_FIELDS } from '../common/runFields.js';
import type { BackendChoice, MethodName } from '../protocol/run.js';

/** The `clusterlab.*` settings (package.json declares them; the run fields' from src/common/runFields.ts by npm run method-docs). */
export interface Settings {
  runsFolder: string;
  defaultMethod: MethodName;
  backend: BackendChoice;
  imageSize: number;
  /** 0: the method's own default. */
  batchSize: number;
  /** 0: no cap. */
  memoryCapMB: number;
  /** A folder where the user ran `npm install @tensorflow/tfjs-node(-gpu)`; '' for none. */
  nativeBackendPath: string;
  /** Feature model files (absolute, or relative to the first workspace folder) the wizard offers. */
  featureModels?: string[];
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('clusterlab');
  // A hand-edited settings.json may name no method; the picker then offers the first.
  const method = c.get<string>('defaultMethod');
  return {
    runsFolder: c.get<string>('runsFolder') || '.clusterlab/runs',
    defaultMethod: isMethodName(method) ? method : METHOD_NAMES[0],
    backend: c.get<BackendChoice>('backend') ?? RUN_FIELDS.backend.default,
    imageSize: c.get<number>('imageSize') ?? RUN_FIELDS.imageSize.default,
    batchSize: c.get<number>('batchSize') ?? 0,
    memoryCapMB: c.get<number>('memoryCapMB') ?? 0,
    nativeBackendPath: c.get<string>('nativeBackendPath') ?? '',
    featureModels: featureModels(c.get<unknown>('featureModels')),
  };
}

function featureModels(v: unknown): string[] {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const list = Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '') : [];
  return list.map((p) => (isAbsolute(p) || !root ? p : resolve(root, p)));
}

/** Adds `file` to the workspace's clusterlab.featureModels, unless it is there. */
export async function addFeatureModel(file: string): Promise<void> {
  const c = vscode.workspace.getConfiguration('clusterlab');
  const now = c.get<string[]>('featureModels') ?? [];
  if (!now.includes(file))
    await c.update('featureModels', [...now, file], vscode.ConfigurationTarget.Workspace);
}

/** The runs folder of a workspace folder (an absolute setting is one folder for all). */
export function runsDirOf(workspaceFolder: string, settings: Settings): string {
  return isAbsolute(settings.runsFolder)
    ? settings.runsFolder
    : resolve(workspaceFolder, settings.runsFolder);
}

/** Every runs folder of the open workspace, without repeats. */
export function allRunsDirs(settings: Settings = readSettings()): string[] {
  const folders = vscode.workspace.workspaceFolders ?? [];
  return [...new Set(folders.map((f) => runsDirOf(f.uri.fsPath, settings)))];
}
