/**
 * Duplicates of the selected run's dataset, or of an image folder with no run (by hash only):
 * groups side by side (the representative first), a threshold slider with the counts at every
 * threshold, and "keep one, exclude the rest" per group and for all (the dataset's exclusion list;
 * Undo takes it back).
 */
import {
  hostToDuplicates,
  type DuplicatesState,
  type DuplicatesToHost,
  type HostToDuplicates,
  type DuplicateGroupMessage,
} from '../../src/protocol/duplicatesMessages.js';
import { count } from '../../src/common/plural.js';
import { h } from '../shared/dom.js';
import '../shared/elements.js';
import { pageFrame } from '../shared/page.js';

/** Groups drawn at first; "Show more" adds as many again (a threshold may give thousands). */
const PAGE = 60;

let state: DuplicatesState | undefined;
let shown = PAGE;
/** Per group (by its first member's path), the member the user chose to keep. */
const keep = new Map<string, string>();
const thumbs = new Map<string, string>();

const { send, picker, notice, content } = pageFrame<DuplicatesToHost, HostToDuplicates>(
  hostToDuplicates,
  'content duplicates',
  (m) => {
    if (m.type === 'thumbs') {
      for (const t of m.thumbs) {
        thumbs.set(t.path, t.uri);
        for (const img of content.querySelectorAll<HTMLImageElement>('img[data-path]'))
          if (img.dataset.path === t.path && t.uri) img.src = t.uri;
      }
      return;
    }
    // The run's shared selection (gallery, map) has no use here.
    if (m.type !== 'duplicates') return;
    const shownDir = (s: DuplicatesState | undefined) => s?.run?.dir ?? s?.folder?.dir;
    if (shownDir(state) !== shownDir(m) || state?.threshold !== m.threshold || state?.by !== m.by)
      shown = PAGE;
    state = m;
    draw();
  },
);

const unit = (by: DuplicatesState['by'], t: number) =>
  by === 'hash' ? `${t} bits` : `cosine ≥ ${t.toFixed(2)}`;
const distanceText = (by: DuplicatesState['by'], d: number) =>
  by === 'hash' ? `${d} bits` : `cosine ${(1 - d).toFixed(3)}`;
const fileName = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const keptOf = (g: DuplicateGroupMessage) => {
  const k = keep.get(g.members[0]!.path);
  return k && g.members.some((m) => m.path === k) ? k : g.members[0]!.path;
};
const resolution = (g: DuplicateGroupMessage) => {
  const kept = keptOf(g);
  return { keep: kept, exclude: g.members.filter((m) => m.path !== kept).map((m) => m.path) };
};

function toolbar(s: DuplicatesState): HTMLElement {
  const groups = s.result?.groups ?? [];
  const bySelect = h('select', { class: 'by', 'aria-label': 'Compare by', title: 'Compare by' });
  for (const by of s.byChoices)
    bySelect.append(
      h('option', { value: by, selected: by === s.by }, by === 'hash' ? 'Image hash' : 'Embeddings'),
    );
  bySelect.addEventListener('change', () =>
    send({ type: 'group', by: bySelect.value as DuplicatesState['by'], threshold: s.threshold }),
  );
  const index = s.thresholds.indexOf(s.threshold);
  const slider = h('input', {
    type: 'range',
    class: 'threshold',
    min: 0,
    max: s.thresholds.length - 1,
    step: 1,
    value: index,
    'aria-label': 'Threshold',
  });
  const label = h('span', { class: 'threshold-label' }, unit(s.by, s.threshold));
  slider.addEventListener(
    'input',
    () => (label.textContent = unit(s.by, s.thresholds[Number(slider.value)]!)),
  );
  slider.addEventListener('change', () =>
    send({ type: 'group', by: s.by, threshold: s.thresholds[Number(slider.value)]! }),
  );
  const all = h(
    'vscode-button',
    { class: 'keep-all', disabled: groups.length === 0 },
    `Keep one, exclude the rest in all ${count(groups.length, 'group')}`,
  );
  all.addEventListener('click', () => {
    if (groups.length > 0) send({ type: 'keepOne', groups: groups.map(resolution) });
  });
  const undo = h('vscode-button', { secondary: true, class: 'undo', disabled: !s.canUndo }, 'Undo');
  undo.addEventListener('click', () => s.canUndo && send({ type: 'undo' }));
  const redo = h('vscode-button', { secondary: true, class: 'redo', disabled: !s.canRedo }, 'Redo');
  redo.addEventListener('click', () => s.canRedo && send({ type: 'redo' }));
  const folder = h(
    'vscode-button',
    {
      secondary: true,
      class: 'pick-folder',
      title: 'Find the duplicates of an image folder that has no run yet',
    },
    'Choose Folder…',
  );
  folder.addEventListener('click', () => send({ type: 'pickFolder' }));
  return h(
    'div',
    { class: 'dup-toolbar' },
    s.byChoices.length > 1 ? bySelect : null,
    h('label', { class: 'slider' }, 'Threshold ', slider, label),
    all,
    undo,
    redo,
    folder,
  );
}

/** Groups and images at each threshold computed, the current one marked; a click picks it. */
function countsRow(s: DuplicatesState): HTMLElement | null {
  const counts = s.result?.counts;
  if (!counts || counts.length === 0) return null;
  const row = h('div', { class: 'counts', role: 'list', 'aria-label': 'Groups at each threshold' });
  for (const c of counts) {
    const b = h(
      'button',
      {
        class: `count${c.threshold === s.threshold ? ' current' : ''}`,
        role: 'listitem',
        title: `${unit(s.by, c.threshold)}: ${count(c.groups, 'group')} holding ${count(c.images, 'image')}`,
        'data-threshold': c.threshold,
      },
      h('span', { class: 'count-t' }, s.by === 'hash' ? String(c.threshold) : c.threshold.toFixed(2)),
      h('span', { class: 'count-n' }, c.groups.toLocaleString('en-US')),
    );
    b.addEventListener('click', () => send({ type: 'group', by: s.by, threshold: c.threshold }));
    row.append(b);
  }
  return row;
}

function groupBox(s: DuplicatesState, g: DuplicateGroupMessage, i: number): HTMLElement {
  const kept = keptOf(g);
  const tiles = g.members.map((m, k) => {
    const img = h('img', { 'data-path': m.path, alt: fileName(m.path), loading: 'lazy' });
    const uri = thumbs.get(m.path);
    if (uri) img.src = uri;
    const open = h('a', { href: '#', class: 'open', title: `Open ${m.path}` }, img);
    open.addEventListener('click', (e) => {
      e.preventDefault();
      send({ type: 'open', path: m.path });
    });
    const radio = h('input', {
      type: 'radio',
      name: `keep-${i}`,
      checked: m.path === kept,
      'aria-label': `Keep ${m.path}`,
    });
    radio.addEventListener('change', () => {
      keep.set(g.members[0]!.path, m.path);
      draw();
    });
    return h(
      'figure',
      { class: `tile${m.path === kept ? ' kept' : ' dropped'}`, 'data-path': m.path },
      open,
      h(
        'figcaption',
        {},
        h('label', { class: 'keep' }, radio, m.path === kept ? 'keep' : 'exclude'),
        h('span', { class: 'name', title: m.path }, fileName(m.path)),
        h('span', { class: 'distance' }, k === 0 ? 'first' : distanceText(s.by, m.distance)),
      ),
    );
  });
  const resolve = h(
    'vscode-button',
    { secondary: true, class: 'keep-one' },
    `Keep one, exclude ${count(g.members.length - 1, 'image')}`,
  );
  resolve.addEventListener('click', () => send({ type: 'keepOne', groups: [resolution(g)] }));
  return h(
    'section',
    { class: 'group', 'data-group': i },
    h(
      'header',
      {},
      h('span', { class: 'group-title' }, `Group ${i + 1} · ${g.kind} · ${count(g.members.length, 'image')}`),
      resolve,
    ),
    h('div', { class: 'tiles' }, ...tiles),
  );
}

function draw(): void {
  if (!state) return;
  const s = state;
  // A folder with no run joins the picker's runs while it is shown.
  picker.update(
    s.folder
      ? [...s.runs, { dir: s.folder.dir, label: `${s.folder.name} (folder, no run)`, status: 'done' }]
      : s.runs,
    s.run?.dir ?? s.folder?.dir,
  );
  const groups = s.result?.groups ?? [];
  const summary = s.result
    ? `${count(groups.length, 'group')} holding ${count(
        groups.reduce((n, g) => n + g.members.length, 0),
        'image',
      )} at ${unit(s.by, s.threshold)}, of ${count(s.result.images, 'image')}${
        s.result.excluded > 0 ? ` (${count(s.result.excluded, 'image')} on the exclusion list left out)` : ''
      }${s.result.source ? `; ${s.result.source}` : ''}. Each group is its first image and those within the threshold of it.${
        s.folder
          ? ` A folder with no run is compared by image hash; comparing by embeddings needs a trained run's features.`
          : ''
      }`
    : '';
  notice.set(s.error ?? s.computing);
  const list = h('div', { class: 'groups' }, ...groups.slice(0, shown).map((g, i) => groupBox(s, g, i)));
  if (groups.length > shown) {
    const more = h(
      'vscode-button',
      { secondary: true, class: 'more' },
      `Show ${Math.min(PAGE, groups.length - shown)} more`,
    );
    more.addEventListener('click', () => {
      shown += PAGE;
      draw();
    });
    list.append(more);
  }
  if (s.result && groups.length === 0)
    list.append(h('p', { class: 'empty' }, 'No duplicates at this threshold.'));
  content.replaceChildren(toolbar(s), countsRow(s) ?? '', h('p', { class: 'summary' }, summary), list);
  const missing = groups
    .slice(0, shown)
    .flatMap((g) => g.members.map((m) => m.path))
    .filter((p) => !thumbs.has(p))
    .slice(0, 2000);
  if (missing.length > 0) send({ type: 'thumbs', paths: missing });
}

window.addEventListener('keydown', (e) => {
  if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== 'z' || !state) return;
  e.preventDefault();
  if (e.shiftKey ? state.canRedo : state.canUndo) send({ type: e.shiftKey ? 'redo' : 'undo' });
});

send({ type: 'ready' });
