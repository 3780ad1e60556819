/**
 * Super-class confusion: the effective clusters against the dataset's classes (columns grouped by
 * super-class, Hungarian matches framed) and against its super-classes, with ACC/NMI/ARI for
 * both. Clicking a cell opens the gallery on those images.
 */
import {
  hostToConfusion,
  type ConfusionState,
  type ConfusionToHost,
} from '../../src/protocol/confusionMessages.js';
import '../shared/elements.js';
import { h, pct } from '../shared/dom.js';
import { pageFrame } from '../shared/page.js';
import { heatmap } from './heatmap.js';

let state: ConfusionState | undefined;
const { send, picker, notice, content } = pageFrame<ConfusionToHost, ConfusionState>(
  hostToConfusion,
  'content',
  (m) => {
    state = m;
    draw();
  },
);

function scoreLine(title: string, sc: { acc: number; nmi: number; ari: number }, accNote = ''): HTMLElement {
  return h(
    'div',
    { class: 'scores' },
    h('strong', {}, title),
    ` ACC ${pct(sc.acc)}${accNote} · NMI ${sc.nmi.toFixed(3)} · ARI ${sc.ari.toFixed(3)}`,
  );
}

function draw(): void {
  if (!state) return;
  picker.update(state.runs, state.run?.dir);
  notice.set(state.error);
  const parts: Node[] = [];
  const width = content.clientWidth || window.innerWidth;
  const rowLabels = state.rows.map((r) => `${r.name} (${r.size})`);
  if (state.rows.length > 0) {
    if (state.scores) parts.push(scoreLine('Clusters × classes:', state.scores));
    if (state.superScores)
      parts.push(
        scoreLine(
          'Clusters × super-classes:',
          state.superScores,
          state.superScores.accKind === 'purity' ? ' (purity: cluster count ≠ super-class count)' : '',
        ),
      );
    parts.push(
      h('h2', {}, 'Clusters × classes'),
      h(
        'p',
        { class: 'muted' },
        'Shade: share of the cluster. Framed: the cluster’s class under the Hungarian matching. Click a cell to see those images.',
      ),
      section(
        'classes',
        heatmap({
          rowLabels,
          colLabels: state.classes,
          colOrder: state.classOrder,
          counts: state.counts,
          match: state.match,
          groups: state.groups,
          width,
          ariaLabel: 'Clusters by classes',
        }),
      ),
      matchTable(state),
    );
    if (state.superCounts.length > 0) {
      const order = state.superClasses.map((_, i) => i);
      parts.push(
        h('h2', {}, 'Clusters × super-classes'),
        section(
          'supers',
          heatmap({
            rowLabels,
            colLabels: state.superClasses,
            colOrder: order,
            counts: state.superCounts,
            match: state.superMatch,
            groups: [],
            width,
            ariaLabel: 'Clusters by super-classes',
          }),
        ),
      );
    }
  }
  content.replaceChildren(...parts);
}

function section(kind: 'classes' | 'supers', svg: SVGSVGElement): HTMLElement {
  const el = h('div', { class: 'heatmap-box', 'data-kind': kind }, svg);
  // One delegated listener: no handler per cell, none inline.
  el.addEventListener('click', (e) => {
    const cell = (e.target as Element).closest('rect.cell');
    if (!cell || !state) return;
    const row = state.rows[Number(cell.getAttribute('data-row'))];
    const col = Number(cell.getAttribute('data-col'));
    if (!row) return;
    send(
      kind === 'classes'
        ? { type: 'showCell', cluster: row.cluster, classIndex: col }
        : { type: 'showCell', cluster: row.cluster, superIndex: col },
    );
  });
  return el;
}

function matchTable(st: ConfusionState): HTMLElement {
  const rows = st.rows.map((r, i) => {
    const cls = st.match[i]!;
    const n = cls >= 0 ? st.counts[i]![cls]! : 0;
    const labelled = st.counts[i]!.reduce((a, b) => a + b, 0);
    return h(
      'tr',
      {},
      h('td', {}, r.name),
      h('td', {}, cls >= 0 ? st.classes[cls]! : '—'),
      h('td', { class: 'num' }, cls >= 0 ? `${n} / ${labelled}` : ''),
      h('td', { class: 'num' }, cls >= 0 && labelled ? pct(n / labelled) : ''),
    );
  });
  return h(
    'details',
    { class: 'matching' },
    h('summary', {}, 'Hungarian matching (cluster → class)'),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'Cluster'),
          h('th', {}, 'Matched class'),
          h('th', {}, 'Images'),
          h('th', {}, 'Share'),
        ),
      ),
      h('tbody', {}, ...rows),
    ),
  );
}

send({ type: 'ready' });
