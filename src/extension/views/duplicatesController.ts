/**
 * The Duplicates page's host side: asks the trainer for a run's duplicate groups at the page's
 * threshold (one request at a time; each answer kept until the threshold or run changes), and
 * turns "keep one, exclude the rest" into one undoable edit of the dataset's exclusion list.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_BITS,
  DEFAULT_COSINE,
  duplicatesToHost,
  thresholdsOf,
  type DuplicatesBy,
  type DuplicatesResult,
  type DuplicatesState,
  type DuplicatesToHost,
  type HostToDuplicates,
} from '../../protocol/duplicatesMessages.js';
import type { GalleryFilter } from '../../protocol/galleryMessages.js';
import type { RunChoice } from '../../protocol/pageMessages.js';
import { count } from '../../common/plural.js';
import type { ThumbnailCache } from '../workspace/thumbnails.js';
import { duplicatesState } from './duplicatesModel.js';
import { ImagePage, type OwnMessage } from './imagePage.js';
import { runInfoOf } from './runModel.js';
import type { RunSession, RunSessions } from './runSessions.js';
import type { HostUi, WebviewPort } from './webviewPage.js';

/** The trainer's duplicates request for a run folder, reporting its work-done progress. */
export type DuplicatesFn = (
  runDir: string,
  by: DuplicatesBy,
  threshold: number,
  onProgress: (p: { percentage?: number; message?: string }) => void,
) => Promise<DuplicatesResult>;

const NO_TRAINER = 'Finding duplicates needs the trainer, which does not start in an untrusted workspace.';

export class DuplicatesController extends ImagePage<DuplicatesToHost, DuplicatesState> {
  protected readonly incoming = duplicatesToHost;
  private by: DuplicatesBy = 'hash';
  private threshold = DEFAULT_BITS;
  /** Answers by `${dir}|${by}|${threshold}`: moving the slider back shows a threshold at once. */
  private readonly results = new Map<string, DuplicatesResult>();
  private readonly failures = new Map<string, string>();
  private computing: { key: string; message: string } | undefined;

  constructor(
    sessions: RunSessions,
    port: WebviewPort<HostToDuplicates>,
    ui: HostUi,
    thumbs: ThumbnailCache,
    /** Absent where no trainer may start (an untrusted workspace). */
    private readonly find?: DuplicatesFn,
  ) {
    super(sessions, port, ui, thumbs);
  }

  protected showInGallery(filter: GalleryFilter): Promise<void> {
    return this.ui.showGallery(this.requireSession().dir, filter);
  }

  protected render(session: RunSession | undefined, runs: RunChoice[], error?: string): DuplicatesState {
    const base = {
      runs,
      byChoices: ['hash'] as DuplicatesBy[],
      by: this.by,
      threshold: this.threshold,
      excluded: new Set<string>(),
      canUndo: false,
      canRedo: false,
    };
    if (!session || error)
      return duplicatesState({
        ...base,
        error:
          error ?? (runs.length === 0 ? 'No runs yet: train one and its duplicates show here.' : undefined),
      });
    const key = `${session.dir}|${this.by}|${this.threshold}`;
    if (!this.results.has(key) && !this.failures.has(key) && this.computing === undefined)
      void this.compute(session.dir, this.by, this.threshold, key);
    const m = session.model();
    return duplicatesState({
      ...base,
      run: runInfoOf(session.dir, session.run),
      byChoices: this.byChoices(session.dir),
      result: this.withAllCounts(session.dir, this.results.get(key)),
      excluded: m.excluded,
      computing: this.computing?.message,
      canUndo: session.canUndo,
      canRedo: session.canRedo,
      error: session.error ?? session.exclusionError ?? this.failures.get(key),
    });
  }

  /**
   * The counts of every threshold computed so far for this run (a strict threshold's answer counts
   * only up to itself), so the slider's counts stay whole as the user moves it.
   */
  private withAllCounts(dir: string, result: DuplicatesResult | undefined): DuplicatesResult | undefined {
    if (!result) return undefined;
    const counts = new Map(result.counts.map((c) => [c.threshold, c]));
    for (const [key, r] of this.results)
      if (key.startsWith(`${dir}|${this.by}|`))
        for (const c of r.counts) if (!counts.has(c.threshold)) counts.set(c.threshold, c);
    const order = thresholdsOf(this.by);
    return {
      ...result,
      counts: [...counts.values()].sort((a, b) => order.indexOf(a.threshold) - order.indexOf(b.threshold)),
    };
  }

  /** By cosine where the run saved features or recorded a feature model. */
  private byChoices(dir: string): DuplicatesBy[] {
    const cosine = ['features.json', 'feature-model.json'].some((f) => existsSync(join(dir, f)));
    return cosine ? ['hash', 'cosine'] : ['hash'];
  }

  private async compute(dir: string, by: DuplicatesBy, threshold: number, key: string): Promise<void> {
    if (!this.find) {
      this.failures.set(key, NO_TRAINER);
      return;
    }
    this.computing = { key, message: 'Finding duplicates…' };
    try {
      const result = await this.find(dir, by, threshold, (p) => {
        if (!this.computing) return;
        this.computing.message = `Finding duplicates: ${p.message ?? ''}${p.percentage !== undefined ? ` (${p.percentage}%)` : ''}`;
        this.refresh();
      });
      this.results.set(key, result);
    } catch (e) {
      this.failures.set(key, (e as Error).message);
    } finally {
      this.computing = undefined;
      // The page may have moved on meanwhile: its threshold is computed next.
      this.refresh();
    }
  }

  protected async dispatch(msg: OwnMessage<DuplicatesToHost>): Promise<void> {
    const s = this.requireSession();
    switch (msg.type) {
      case 'group': {
        if (!this.byChoices(s.dir).includes(msg.by) || !thresholdsOf(msg.by).includes(msg.threshold))
          throw new Error(`no threshold ${msg.threshold} by ${msg.by} for this run`);
        if (msg.by !== this.by && msg.threshold === this.threshold)
          msg = { ...msg, threshold: msg.by === 'hash' ? DEFAULT_BITS : DEFAULT_COSINE };
        this.by = msg.by;
        this.threshold = msg.threshold;
        // A failed answer is asked again when the user comes back to it.
        this.failures.delete(`${s.dir}|${this.by}|${this.threshold}`);
        this.refresh();
        return;
      }
      case 'keepOne': {
        const exclude = msg.groups.flatMap((g) => g.exclude);
        if (msg.groups.some((g) => g.exclude.includes(g.keep)))
          throw new Error('an image to keep was also to be excluded');
        if (exclude.length === 0) return;
        await this.exclude(exclude, true);
        this.ui.info(
          `Excluded ${count(exclude.length, 'image')} from the dataset, keeping one of each of ${count(msg.groups.length, 'group')} (Undo takes them back)`,
        );
        return;
      }
    }
  }
}
