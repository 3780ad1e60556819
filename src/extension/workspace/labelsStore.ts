/**
 * One run's labels.json: read and validated once, every edit written atomically before it counts,
 * with undo/redo over the edits of this session. Snapshots are whole LabelsJson values (edits
 * return new objects), so undo is exact whatever the edit was.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../common/atomicFile.js';
import { LABELS_FILE, emptyLabels, parseLabels, type LabelsJson } from '../../protocol/labels.js';

export class LabelsStore {
  private readonly past: LabelsJson[] = [];
  private readonly future: LabelsJson[] = [];
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    private value: LabelsJson,
  ) {}

  /** A missing file is no edits yet; an unreadable or invalid one is an error (never silently replaced). */
  static async open(runDir: string): Promise<LabelsStore> {
    const file = join(runDir, LABELS_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new LabelsStore(file, emptyLabels());
      throw e;
    }
    try {
      return new LabelsStore(file, parseLabels(JSON.parse(text)));
    } catch (e) {
      throw new Error(`${file} is not a valid labels file (${(e as Error).message}); fix or remove it to edit this run's clusters`, { cause: e });
    }
  }

  get labels(): LabelsJson {
    return this.value;
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }

  get canRedo(): boolean {
    return this.future.length > 0;
  }

  /**
   * Applies `edit`, writes the result, and only then makes it current (a failed write changes
   * nothing). The result is validated first: the store never writes a file open() would refuse.
   */
  apply(edit: (l: LabelsJson) => LabelsJson): Promise<void> {
    return this.serial(async () => {
      const next = edit(this.value);
      try {
        parseLabels(next);
      } catch (e) {
        throw new Error(`edit refused, it would make ${this.file} invalid: ${(e as Error).message}`, { cause: e });
      }
      await writeJsonAtomic(this.file, next);
      this.past.push(this.value);
      this.future.length = 0;
      this.value = next;
    });
  }

  undo(): Promise<boolean> {
    return this.step(this.past, this.future);
  }

  redo(): Promise<boolean> {
    return this.step(this.future, this.past);
  }

  /** Moves one snapshot from `from` to current, the current one onto `to`; false when `from` is empty. */
  private step(from: LabelsJson[], to: LabelsJson[]): Promise<boolean> {
    return this.serial(async () => {
      const next = from.at(-1);
      if (!next) return false;
      await writeJsonAtomic(this.file, next);
      from.pop();
      to.push(this.value);
      this.value = next;
      return true;
    });
  }

  /** One operation at a time: each edit starts from the state the previous one left, and the file ends as the last edit made it. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const result = this.queue.then(op);
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
