/** The training charts' host side: the selected run's metrics.jsonl as series, redrawn as rows arrive. */
import { chartsToHost, type ChartsState } from '../../protocol/chartsMessages.js';
import { type RunChoice } from '../../protocol/pageMessages.js';
import { chartsState } from './chartsModel.js';
import type { RunSession } from './runSessions.js';
import { RunPage } from './webviewPage.js';

export class ChartsController extends RunPage<ChartsState> {
  protected render(session: RunSession | undefined, runs: RunChoice[], error?: string): ChartsState {
    if (session && !error) return chartsState(session.dir, session.run, session.metrics, runs);
    return {
      type: 'charts',
      runs,
      epochs: [],
      phases: [],
      series: [],
      error: error ?? (runs.length === 0 ? 'No runs yet.' : undefined),
    };
  }

  async handle(raw: unknown): Promise<void> {
    const msg = this.accept(chartsToHost, raw);
    if (!msg) return;
    await (msg.type === 'selectRun' ? this.showRun(msg.dir) : this.ready());
  }
}
