/**
 * The exclusion list of a dataset folder that has no run yet, as the Duplicates page edits it
 * (deduplicating before training): the list as last read or written, and the page's undo stack.
 * Each entry is the change itself, so its inverse applies on top of other pages' edits of the
 * same list, as a run session's exclusion edits do.
 */
import { editExclusions, readExclusions, type ExclusionChange } from '../../common/exclusions.js';

export class FolderExclusions {
  excluded: ReadonlySet<string> = new Set();
  /** Why the list could not be read (a damaged file): edits refuse until it is fixed. */
  error: string | undefined;
  private readonly past: ExclusionChange[] = [];
  private readonly future: ExclusionChange[] = [];

  constructor(readonly root: string) {}

  get canUndo(): boolean {
    return this.past.length > 0;
  }

  get canRedo(): boolean {
    return this.future.length > 0;
  }

  /** Reads the list again (on opening, and after another page edited it). */
  async reload(): Promise<void> {
    try {
      this.excluded = await readExclusions(this.root);
      this.error = undefined;
    } catch (e) {
      this.excluded = new Set();
      this.error = (e as Error).message;
    }
  }

  /** Excludes `add` and includes `remove` again (never deleting a file); undoable. */
  async edit(add: readonly string[], remove: readonly string[]): Promise<void> {
    const change = await this.change(add, remove);
    if (change.added.length === 0 && change.removed.length === 0) return;
    this.past.push(change);
    this.future.length = 0;
  }

  async undo(): Promise<void> {
    const e = this.past.at(-1);
    if (!e) return;
    await this.change(e.removed, e.added);
    this.future.push(this.past.pop()!);
  }

  async redo(): Promise<void> {
    const e = this.future.at(-1);
    if (!e) return;
    await this.change(e.added, e.removed);
    this.past.push(this.future.pop()!);
  }

  private async change(add: readonly string[], remove: readonly string[]): Promise<ExclusionChange> {
    if (this.error) throw new Error(this.error);
    const r = await editExclusions(this.root, add, remove);
    this.excluded = r.paths;
    return r.change;
  }
}
