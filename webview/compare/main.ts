/**
 * Compare Runs: the chosen runs side by side. A one-line verdict on runs A and B, a table
 * (differing settings, label-free and labelled scores, speed; seeds folded), the agreement between every pair of clusterings, a metric over
 * epochs for all runs, runs A and B's contingency (a cell opens the gallery on its images), the
 * K-sweep with its suggested K, and run A's merge suggestions.
 */
import {
  hostToCompare,
  type CompareState,
  type CompareToHost,
  type HostToCompare,
} from '../../src/protocol/compareMessages.js';
import '../shared/elements.js';
import { lineChart } from '../charts/lineChart.js';
import { heatmap } from '../confusion/heatmap.js';
import { h, pct } from '../shared/dom.js';
import { connect, savedState, saveState } from '../shared/host.js';
import { banner } from '../shared/runPicker.js';
import { agreementGrid } from './agreementGrid.js';
import { kSweepSection, mergeSection } from './sections.js';
import { runsTable, type Sort } from './table.js';
import { verdict } from './verdict.js';

const view = savedState<{ sort?: Sort; fold: boolean; measure: 'nmi' | 'ari'; metric?: string }>({
  fold: true,
  measure: 'nmi',
});
let state: CompareState | undefined;
const thumbs = new Map<string, string>();

const { send } = connect<CompareToHost, HostToCompare>(hostToCompare, (m) => {
  if (m.type === 'thumbs') {
    for (const t of m.thumbs) if (t.uri) thumbs.set(t.path, t.uri);
    for (const img of document.querySelectorAll<HTMLImageElement>('.merges img[data-path]:not([src])')) {
      const uri = thumbs.get(img.dataset.path!);
      if (uri) img.src = uri;
    }
    return;
  }
  state = m;
  draw();
});

const chooser = h('details', { class: 'run-chooser' });
const notice = banner();
const content = h('div', { class: 'content compare' });
document.getElementById('app')!.replaceChildren(h('div', { class: 'top-bar' }, chooser), notice.el, content);
let lastWidth = 0;
new ResizeObserver(() => {
  if (Math.abs(content.clientWidth - lastWidth) < 8) return;
  lastWidth = content.clientWidth;
  draw();
}).observe(content);

function setView(patch: Partial<typeof view>): void {
  Object.assign(view, patch);
  saveState(view);
  draw();
}

function draw(): void {
  if (!state) return;
  drawChooser(state);
  notice.set(state.error);
  const width = Math.max(320, (content.clientWidth || window.innerWidth) - 24);
  const parts: Node[] = [];
  const said = verdict(state);
  if (said)
    parts.push(
      h(
        'div',
        { class: 'verdict' },
        h('p', { class: 'verdict-line' }, said.text),
        h('p', { class: 'muted verdict-notes' }, said.caveats.join(' ')),
      ),
    );
  if (state.chosen.length > 0) parts.push(tableSection(state));
  if (state.chosen.length >= 2) parts.push(agreementSection(state));
  if (state.overlay.metrics.length > 0) parts.push(overlaySection(state, width));
  if (state.pair) parts.push(pairSection(state, width));
  if (state.kSweep) parts.push(kSweepSection(state.kSweep, width));
  if (state.merges) parts.push(mergeSection(state.merges, nameOf(state, state.merges.dir), thumbs, send));
  content.replaceChildren(...parts);
}

const nameOf = (st: CompareState, dir: string) => st.names[st.chosen.indexOf(dir)] ?? dir;

function drawChooser(st: CompareState): void {
  const open = chooser.open;
  const boxes = st.runs.map((r) => {
    const box = h('input', { type: 'checkbox', value: r.dir, checked: st.chosen.includes(r.dir) });
    box.addEventListener('change', () => {
      const dirs = [...chooser.querySelectorAll<HTMLInputElement>('input:checked')].map((b) => b.value);
      send({ type: 'setRuns', dirs });
    });
    return h(
      'label',
      { class: 'run-choice' },
      box,
      ` ${r.label}${r.status === 'done' ? '' : ` [${r.status}]`}`,
    );
  });
  chooser.replaceChildren(
    h('summary', {}, `Runs compared: ${st.chosen.length} of ${st.runs.length}`),
    h('div', { class: 'run-list' }, ...boxes),
  );
  chooser.open = open;
}

function tableSection(st: CompareState): HTMLElement {
  const fold = view.fold && st.foldedRows !== undefined;
  const rows = fold ? st.foldedRows! : st.rows;
  const toggle = h(
    'label',
    { class: 'fold', hidden: st.foldedRows === undefined },
    h('input', { type: 'checkbox', checked: fold }),
    ' Fold runs that differ only by seed (mean ± sd)',
  );
  toggle
    .querySelector('input')!
    .addEventListener('change', (e) => setView({ fold: (e.target as HTMLInputElement).checked }));
  const onSort = (key: string) =>
    setView({
      sort: {
        key,
        desc:
          view.sort?.key === key ? !view.sort.desc : st.columns.find((c) => c.key === key)?.better !== 'low',
      },
    });
  return h(
    'section',
    { class: 'table-section' },
    h('h2', {}, 'Runs'),
    toggle,
    runsTable(st.columns, rows, view.sort, onSort, (text) => send({ type: 'copy', text })),
  );
}

function agreementSection(st: CompareState): HTMLElement {
  const select = h(
    'vscode-single-select',
    { class: 'measure', 'aria-label': 'Agreement measure' },
    h('vscode-option', { value: 'nmi', selected: view.measure === 'nmi' }, 'NMI'),
    h('vscode-option', { value: 'ari', selected: view.measure === 'ari' }, 'ARI'),
  );
  select.addEventListener('change', () => setView({ measure: select.value === 'ari' ? 'ari' : 'nmi' }));
  return h(
    'section',
    { class: 'agreement-section' },
    h('h2', {}, 'Agreement between runs'),
    h(
      'p',
      { class: 'muted' },
      'How alike two runs’ clusterings are, on the images both clustered (matched by path); needs no labels. 1: the same partition.',
    ),
    select,
    h(
      'div',
      { class: 'heatmap-box', 'data-kind': 'agreement' },
      agreementGrid(st.names, st.agreement[view.measure], view.measure.toUpperCase()),
    ),
  );
}

function overlaySection(st: CompareState, width: number): HTMLElement {
  const keys = st.overlay.metrics.map((m) => m.key);
  const metric = keys.includes(view.metric ?? '')
    ? view.metric!
    : (['acc', 'silhouette', 'loss'].find((k) => keys.includes(k)) ?? keys[0]!);
  const select = h(
    'vscode-single-select',
    { class: 'metric', 'aria-label': 'Metric' },
    ...st.overlay.metrics.map((m) =>
      h('vscode-option', { value: m.key, selected: m.key === metric }, m.label),
    ),
  );
  select.addEventListener('change', () => setView({ metric: select.value }));
  const shown = st.overlay.metrics.find((m) => m.key === metric)!;
  const chart = lineChart({
    title: shown.label,
    series: st.names.map((name, i) => ({
      key: name,
      label: name,
      group: metric,
      values: shown.values[i] ?? [],
    })),
    epochs: st.overlay.epochs,
    phases: st.overlay.epochs.map(() => ''),
    width: Math.min(900, width),
    ...(shown.kind === 'fraction' ? { yRange: [0, 1] as [number, number] } : {}),
  });
  return h('section', { class: 'overlay' }, h('h2', {}, 'Over epochs'), select, chart);
}

function pairSection(st: CompareState, width: number): HTMLElement {
  const p = st.pair!;
  const pick = (cls: string, current: string) =>
    h(
      'vscode-single-select',
      { class: cls, 'aria-label': cls },
      ...st.chosen.map((d, i) => h('vscode-option', { value: d, selected: d === current }, st.names[i]!)),
    );
  const a = pick('run-a', p.a);
  const b = pick('run-b', p.b);
  const onPick = () =>
    a.value && b.value && a.value !== b.value && send({ type: 'selectPair', a: a.value, b: b.value });
  a.addEventListener('change', onPick);
  b.addEventListener('change', onPick);
  const svg = heatmap({
    rowLabels: p.rows.map((r) => `${r.name} (${r.size})`),
    colLabels: p.cols.map((c) => `${c.name} (${c.size})`),
    colOrder: p.cols.map((_, i) => i),
    counts: p.counts,
    match: p.match,
    groups: [],
    width,
    ariaLabel: `${nameOf(st, p.a)} clusters by ${nameOf(st, p.b)} clusters`,
  });
  const box = h('div', { class: 'heatmap-box', 'data-kind': 'pair' }, svg);
  const open = (e: Event) => {
    const cell = (e.target as Element).closest('rect.cell');
    if (!cell) return;
    const row = p.rows[Number(cell.getAttribute('data-row'))];
    const col = p.cols[Number(cell.getAttribute('data-col'))];
    if (row && col) send({ type: 'showCell', a: row.cluster, b: col.cluster });
  };
  box.addEventListener('click', open);
  // Cells with images take the focus (Tab): Enter opens them as a click does.
  box.addEventListener('keydown', (e) => e.key === 'Enter' && open(e));
  return h(
    'section',
    { class: 'pair' },
    h('h2', {}, 'Two runs side by side'),
    h('div', { class: 'pair-pickers' }, 'Run A ', a, ' rows × run B ', b, ' columns'),
    h(
      'p',
      { class: 'muted' },
      `Framed: the Hungarian matching of A’s clusters to B’s. They agree on ${pct(p.matchedShare)} of ${p.shared} shared images; click a cell to open run A’s gallery on exactly those images (off the frame: where A and B disagree).`,
    ),
    box,
  );
}

send({ type: 'ready' });
