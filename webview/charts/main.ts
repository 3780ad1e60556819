/**
 * Training charts of the selected run, redrawn as metrics.jsonl grows: the loss with its terms,
 * the scores, and one chart for every other numeric column the rows carry (DeepCluster's NMI to
 * the previous epoch, SCAN's confident fraction, speed, ...).
 */
import {
  hostToCharts,
  type ChartSeries,
  type ChartsState,
  type ChartsToHost,
} from '../../src/protocol/chartsMessages.js';
import '../shared/elements.js';
import { pageFrame } from '../shared/page.js';
import { lineChart } from './lineChart.js';

const TITLES: Record<string, string> = {
  loss: 'Loss and its terms',
  scores: 'Scores against the labels',
  'super-class scores': 'Super-class scores',
};
const UNIT_RANGE = new Set(['scores', 'super-class scores']);
/** Loss and scores first, the method's own columns next, speed and time last. */
const rank = (group: string) =>
  ['loss', 'scores', 'super-class scores', 'pick'].indexOf(group) + 1 ||
  (group === 'imgPerSec' || group === 'seconds' ? 99 : 50);

let state: ChartsState | undefined;
const { send, picker, notice, content } = pageFrame<ChartsToHost, ChartsState>(
  hostToCharts,
  'content charts',
  (m) => {
    state = m;
    draw();
  },
);

function draw(): void {
  if (!state) return;
  picker.update(state.runs, state.run?.dir);
  const empty =
    state.run && state.epochs.length === 0
      ? 'No epoch has finished yet: the charts fill in as the run trains.'
      : undefined;
  notice.set(state.error ?? empty);
  const groups = new Map<string, ChartSeries[]>();
  for (const ser of state.series) groups.set(ser.group, [...(groups.get(ser.group) ?? []), ser]);
  const room = (content.clientWidth || window.innerWidth) - 24;
  const width = Math.max(280, Math.min(620, room >= 880 ? (room - 12) / 2 : room));
  const charts = [...groups]
    .sort((a, b) => rank(a[0]) - rank(b[0]))
    .map(([group, series]) => {
      // A method's own column is a group of one, named for its series.
      const unit = UNIT_RANGE.has(group) || series.every((x) => x.kind === 'fraction');
      const index = series.every((x) => x.kind === 'index');
      // The column DeepCluster's pick rule reads: its swing is how much the reported epoch mattered.
      const title =
        group === 'pick'
          ? `${series[0]!.label}: the run reports the epoch where it is best (second half)`
          : (TITLES[group] ?? series[0]!.label);
      return lineChart({
        title,
        series,
        epochs: state!.epochs,
        phases: state!.phases,
        width,
        ...(unit ? { yRange: [0, 1] as [number, number] } : {}),
        ...(index ? { steps: true } : {}),
      });
    });
  content.replaceChildren(...charts);
}

send({ type: 'ready' });
