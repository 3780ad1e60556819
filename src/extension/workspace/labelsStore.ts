/**
 * One run's labels.json: every edit written atomically before it counts, with undo/redo over the
 * edits of this session. Snapshots are whole LabelsJson values (edits return new objects), so undo
 * is exact whatever the edit was.
 *
 * Another window (or a person with an editor) may write the same file: before each write the file
 * is read again, and when it is no longer what this store last read or wrote, the edit is merged
 * into it three-way (src/common/labels.ts) — both sides' changes kept — or, where both changed the
 * same name, move or merges, refused with what conflicts, the other side's file adopted.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../common/atomicFile.js';
import { mergeLabels } from '../../common/labels.js';
import { readRunText } from '../../common/runFileRead.js';
import { LABELS_FILE, emptyLabels, parseLabels, type LabelsJson } from '../../protocol/labels.js';

export class LabelsStore {
  private readonly past: LabelsJson[] = [];
  private readonly future: LabelsJson[] = [];
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    private value: LabelsJson,
    /** The file's text as this store last read or wrote it (undefined: absent): anything else was written by someone else. */
    private known: string | undefined,
  ) {}

  /** A missing file is no edits yet; an unreadable or invalid one is an error (never silently replaced). */
  static async open(runDir: string): Promise<LabelsStore> {
    const file = join(runDir, LABELS_FILE);
    const text = await readLabelsText(file);
    return new LabelsStore(file, parseLabelsText(file, text), text);
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
      const w = await this.write(edit(this.value));
      // After a merge, undo goes back to the other window's file, not past it.
      if (w.theirs) this.past.length = 0;
      this.past.push(w.theirs ?? this.value);
      this.future.length = 0;
      this.value = w.labels;
    });
  }

  /**
   * Reads the file again when it changed on disk (another window's edit); true when the store now
   * holds that. Edits of this store are never lost by it: each was written before it counted.
   */
  refresh(): Promise<boolean> {
    return this.serial(async () => {
      const text = await readLabelsText(this.file);
      if (text === this.known) return false;
      this.adopt(parseLabelsText(this.file, text), text);
      return true;
    });
  }

  /** Hears the store adopting another writer's file (on refresh, or when an edit had to merge or was refused). */
  onDidChangeOnDisk(listener: () => void): { dispose(): void } {
    this.diskListeners.add(listener);
    return { dispose: () => this.diskListeners.delete(listener) };
  }

  private readonly diskListeners = new Set<() => void>();

  /**
   * Writes `next` (this store's current value changed by one edit, undo or redo) and returns what
   * was written: `next` itself, or, when another writer changed the file since, `next` merged into
   * that file (`theirs`). A conflicting edit is refused and the other writer's file becomes current.
   */
  private async write(next: LabelsJson): Promise<{ labels: LabelsJson; theirs?: LabelsJson }> {
    try {
      parseLabels(next);
    } catch (e) {
      throw new Error(`edit refused, it would make ${this.file} invalid: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const text = await readLabelsText(this.file);
    let out = next;
    let theirs: LabelsJson | undefined;
    // A run folder deleted meanwhile is no other window's edit: the write below fails and says so.
    if (text !== this.known && (text !== undefined || existsSync(dirname(this.file)))) {
      theirs = parseLabelsText(this.file, text);
      const merged = mergeLabels(this.value, next, theirs);
      const refuse = (why: string): never => {
        this.adopt(theirs!, text);
        throw new Error(
          `edit refused: ${this.file} was changed in another window since this one read it, and ${why}; the other window's edits are shown now, make yours again on top of them`,
        );
      };
      if ('conflicts' in merged)
        refuse(
          `both changed ${merged.conflicts.slice(0, 3).join(', ')}${merged.conflicts.length > 3 ? ` and ${merged.conflicts.length - 3} more` : ''}`,
        );
      else {
        try {
          out = parseLabels(merged.labels);
        } catch (e) {
          refuse(`the two together are not valid (${(e as Error).message})`);
        }
      }
    }
    const written = JSON.stringify(out, null, 2) + '\n';
    await writeFileAtomic(this.file, written);
    this.known = written;
    return theirs ? { labels: out, theirs } : { labels: out };
  }

  /**
   * Makes another writer's file current. This session's undo history is dropped with it: its
   * snapshots predate that writer's edits, and undoing to one would take those edits back.
   */
  private adopt(labels: LabelsJson, text: string | undefined): void {
    this.value = labels;
    this.known = text;
    this.past.length = 0;
    this.future.length = 0;
    for (const l of this.diskListeners) l();
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
      const w = await this.write(next);
      from.pop();
      to.push(this.value);
      this.value = w.labels;
      // Merged with another window's edits: the snapshots on both sides predate them.
      if (w.theirs) from.length = to.length = 0;
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

async function readLabelsText(file: string): Promise<string | undefined> {
  return readRunText(dirname(file), LABELS_FILE);
}

function parseLabelsText(file: string, text: string | undefined): LabelsJson {
  if (text === undefined) return emptyLabels();
  try {
    return parseLabels(JSON.parse(text));
  } catch (e) {
    throw new Error(
      `${file} is not a valid labels file (${(e as Error).message}); fix or remove it to edit this run's clusters`,
      { cause: e },
    );
  }
}
