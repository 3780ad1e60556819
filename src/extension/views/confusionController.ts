/**
 * The confusion page's host side: draws the run's effective clusters against its classes, and
 * turns a cell click into the gallery narrowed to those images.
 */
import { confusionToHost, type ConfusionState } from '../../protocol/confusionMessages.js';
import { type RunChoice } from '../../protocol/pageMessages.js';
import { confusionState } from './confusionModel.js';
import type { RunSession } from './runSessions.js';
import { RunPage } from './webviewPage.js';

export class ConfusionController extends RunPage<ConfusionState> {
  protected render(session: RunSession | undefined, runs: RunChoice[], error?: string): ConfusionState {
    if (session && !error && !session.error) return confusionState(session.model(), runs);
    return {
      type: 'confusion',
      runs,
      rows: [],
      classes: [],
      classOrder: [],
      groups: [],
      counts: [],
      match: [],
      superClasses: [],
      superCounts: [],
      superMatch: [],
      error: error ?? session?.error ?? (runs.length === 0 ? 'No runs yet.' : undefined),
    };
  }

  async handle(raw: unknown): Promise<void> {
    const msg = this.accept(confusionToHost, raw);
    if (!msg) return;
    try {
      if (msg.type === 'ready') return await this.ready();
      if (msg.type === 'selectRun') return await this.showRun(msg.dir);
      if (!this.session) return;
      const { cluster, classIndex, superIndex } = msg;
      await this.ui.showGallery(this.session.dir, {
        type: 'filter',
        cluster,
        ...(classIndex !== undefined ? { classIndex } : {}),
        ...(superIndex !== undefined ? { superIndex } : {}),
      });
    } catch (e) {
      this.ui.error(`ClusterLab: ${(e as Error).message}`);
    }
  }
}
