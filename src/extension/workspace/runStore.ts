/**
 * The runs of the workspace, read from their folders: every view (the Runs tree, the gallery,
 * confusion and chart panels) lists and reads runs through this store and hears about changes
 * from it. Plain Node (no `vscode`), so it is tested on temp folders.
 *
 * A run is a folder directly inside a runs folder that holds run.json. Files are read as
 * untrusted input: a broken one is reported with its path and what is wrong, never half used.
 */
import { watch, type FSWatcher } from 'chokidar';
import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { readRunText } from '../../common/runFileRead.js';
import { readExistingRunJson, readRunJson, RUN_JSON } from '../../common/runJson.js';
import { parseAssignments, parseMetrics, parseSummary } from '../../common/runFiles.js';
import { emptyLabels, LABELS_FILE, parseLabels, type LabelsJson } from '../../protocol/labels.js';
import type { Assignment, MetricsRow, RunJson, SummaryJson } from '../../protocol/run.js';

export interface RunEntry {
  dir: string;
  run: RunJson;
  /** The user's name for the run (name.json), when they gave one. */
  name?: string;
}

/** A folder with a run.json that cannot be used, and why. */
export interface BrokenRun {
  dir: string;
  error: string;
}

export interface Disposable {
  dispose(): void;
}

function existingAncestor(path: string): string {
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** A run file's text, read safely (runFileRead.ts): a run folder from a cloned repository is untrusted. */
function readText(path: string): Promise<string | undefined> {
  return readRunText(dirname(path), basename(path));
}

export class RunStore implements Disposable {
  private roots: string[] = [];
  private watcher: FSWatcher | undefined;
  private awaiting: FSWatcher | undefined;
  private readonly listeners = new Set<(dir: string | undefined) => void>();
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    roots: string[],
    private readonly debounceMs = 200,
  ) {
    this.setRoots(roots);
  }

  /** The runs folders to list and watch (settings or workspace folders changed). */
  setRoots(roots: string[]): void {
    this.roots = roots.map((r) => resolve(r));
    void this.watcher?.close();
    void this.awaiting?.close();
    const present = this.roots.filter((r) => existsSync(r));
    // depth 1: a run folder and its own files; checkpoints below are not interesting.
    this.watcher = watch(present, { ignoreInitial: true, depth: 1 });
    const poke = (path: string) => this.changed(this.runDirOf(path));
    this.watcher
      .on('add', poke)
      .on('change', poke)
      .on('unlink', poke)
      .on('addDir', poke)
      .on('unlinkDir', poke);
    // A runs folder that does not exist yet (no run so far) cannot be watched: its nearest existing
    // parent is, one level deep, until the path towards it appears.
    const missing = this.roots.filter((r) => !present.includes(r));
    this.awaiting =
      missing.length > 0
        ? watch([...new Set(missing.map(existingAncestor))], { ignoreInitial: true, depth: 0 })
        : undefined;
    this.awaiting?.on(
      'addDir',
      (dir) => missing.some((r) => r.startsWith(dir + sep)) && this.setRoots(this.roots),
    );
    this.changed(undefined);
  }

  /** Readable runs, newest first (the gallery's RunSource). */
  async listRuns(): Promise<RunEntry[]> {
    return (await this.listAll()).filter((r): r is RunEntry => 'run' in r);
  }

  /** Every run folder of every root, newest first, broken ones last with their reason. */
  async listAll(): Promise<(RunEntry | BrokenRun)[]> {
    const found: (RunEntry | BrokenRun)[] = [];
    for (const root of this.roots) {
      let names: string[];
      try {
        names = (await readdir(root, { withFileTypes: true }))
          .filter((d) => d.isDirectory())
          .map((d) => d.name);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      for (const name of names) {
        const dir = join(root, name);
        try {
          const run = await readRunJson(dir);
          if (run) {
            const name = await readRunName(dir);
            found.push({ dir, run, ...(name ? { name } : {}) });
          }
        } catch (e) {
          found.push({ dir, error: (e as Error).message });
        }
      }
    }
    const time = (r: RunEntry | BrokenRun) => ('run' in r ? r.run.startedAt : '');
    return found.sort((a, b) => (time(a) < time(b) ? 1 : time(a) > time(b) ? -1 : 0));
  }

  /** The run in `dir`, with the status to show (src/common/runJson.ts). */
  readRun(dir: string): Promise<RunJson> {
    return readExistingRunJson(dir);
  }

  /** summary.json, once the run has finished. */
  async readSummary(dir: string): Promise<SummaryJson | undefined> {
    const file = join(dir, 'summary.json');
    const text = await readText(file);
    return text === undefined ? undefined : parseSummary(text, file);
  }

  /** assignments.csv, once the run has finished. */
  async readAssignments(dir: string): Promise<Assignment[] | undefined> {
    const text = await readText(join(dir, 'assignments.csv'));
    return text === undefined ? undefined : parseAssignments(text);
  }

  async readMetrics(dir: string): Promise<MetricsRow[]> {
    return parseMetrics((await readText(join(dir, 'metrics.jsonl'))) ?? '');
  }

  /** The user's edits; none yet when labels.json is absent. */
  async readLabels(dir: string): Promise<LabelsJson> {
    const file = join(dir, LABELS_FILE);
    const text = await readText(file);
    if (text === undefined) return emptyLabels();
    try {
      return parseLabels(JSON.parse(text));
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Hears the run folder that changed (undefined: the list as a whole). Debounced. */
  onDidChange(listener: (dir: string | undefined) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * The trainer died under the run in `dir`: nothing on disk changed, but the run now reads as
   * interrupted (src/common/runLock.ts), so listeners hear of it as of a change of its files.
   */
  trainerGone(dir: string): void {
    this.changed(dir);
  }

  /** Deletes a run folder; refuses anything that is not a run directly inside a runs folder. */
  async deleteRun(dir: string): Promise<void> {
    const abs = resolve(dir);
    if (!this.roots.includes(dirname(abs)))
      throw new Error(`${abs} is not inside a runs folder (${this.roots.join(', ')})`);
    if (!(await stat(join(abs, RUN_JSON)).catch(() => undefined)))
      throw new Error(`${abs} holds no run.json: not a run folder`);
    await rm(abs, { recursive: true, force: true });
    this.changed(abs);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.listeners.clear();
    void this.watcher?.close();
    void this.awaiting?.close();
  }

  /** The run folder a watched path belongs to, undefined for a root itself. */
  private runDirOf(path: string): string | undefined {
    for (const root of this.roots) {
      const rel = relative(root, path);
      if (rel && !rel.startsWith('..')) return join(root, rel.split(sep)[0]!);
    }
    return undefined;
  }

  private changed(dir: string | undefined): void {
    this.pending.add(dir ?? '');
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const dirs = [...this.pending];
      this.pending.clear();
      for (const l of this.listeners) for (const d of dirs) l(d || undefined);
    }, this.debounceMs);
  }
}

/** The user's name for a run; a missing or unreadable name.json leaves the default name. */
async function readRunName(dir: string): Promise<string | undefined> {
  const text = await readText(join(dir, 'name.json')).catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const name = (JSON.parse(text) as { name?: unknown }).name;
    return typeof name === 'string' && name.trim() ? name.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}
