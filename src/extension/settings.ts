import { isAbsolute, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { BackendChoice, MethodName } from '../protocol/run.js';

/** The `clusterlab.*` settings (package.json declares them, with their defaults). */
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
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('clusterlab');
  return {
    runsFolder: c.get<string>('runsFolder') || '.clusterlab/runs',
    defaultMethod: c.get<MethodName>('defaultMethod') ?? 'cc',
    backend: c.get<BackendChoice>('backend') ?? 'auto',
    imageSize: c.get<number>('imageSize') ?? 32,
    batchSize: c.get<number>('batchSize') ?? 0,
    memoryCapMB: c.get<number>('memoryCapMB') ?? 0,
    nativeBackendPath: c.get<string>('nativeBackendPath') ?? '',
  };
}

/** The runs folder of a workspace folder (an absolute setting is one folder for all). */
export function runsDirOf(workspaceFolder: string, settings: Settings): string {
  return isAbsolute(settings.runsFolder) ? settings.runsFolder : resolve(workspaceFolder, settings.runsFolder);
}

/** Every runs folder of the open workspace, without repeats. */
export function allRunsDirs(settings: Settings = readSettings()): string[] {
  const folders = vscode.workspace.workspaceFolders ?? [];
  return [...new Set(folders.map((f) => runsDirOf(f.uri.fsPath, settings)))];
}
