/**
 * The map's colour modes: by cluster (the user's names), by class or super-class (labelled
 * datasets), by confidence, by "doesn't belong" (the host's scores, src/common/belong.ts), or "new"
 * (images assigned live after training). Each gives a colour per point and a legend whose entries
 * select their points.
 */
import type { MapState } from '../../src/protocol/mapMessages.js';

export type ColorMode = 'cluster' | 'class' | 'super' | 'confidence' | 'belong' | 'new';

/** How many of the worst the "doesn't belong" legend selects: a strip's worth to review. */
export const WORST_N = 50;

type Rgb = [number, number, number];

/** A hex colour ("1f77b4") as channels. */
const rgb = (hex: string): Rgb => [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;

/** Tableau 20: distinguishable categories, in the order that keeps neighbours apart. */
const PALETTE = (
  '1f77b4 ff7f0e 2ca02c d62728 9467bd 8c564b e377c2 7f7f7f bcbd22 17becf ' +
  'aec7e8 ffbb78 98df8a ff9896 c5b0d5 c49c94 f7b6d2 c7c7c7 dbdb8d 9edae5'
)
  .split(' ')
  .map(rgb);
const GREY: Rgb = [128, 128, 128];
const NEW: Rgb = [255, 127, 14];
/** Viridis at five stops: ordered, readable on light and dark themes. */
const VIRIDIS = '440154 3b528b 21918c 5ec962 fde725'.split(' ').map(rgb);

export const categoryColor = (i: number): Rgb => (i < 0 ? GREY : PALETTE[i % PALETTE.length]!);

export function confidenceColor(c: number): Rgb {
  const t = Math.min(1, Math.max(0, c)) * (VIRIDIS.length - 1);
  const a = Math.min(VIRIDIS.length - 2, Math.floor(t));
  const f = t - a;
  return [0, 1, 2].map((j) => Math.round(VIRIDIS[a]![j]! * (1 - f) + VIRIDIS[a + 1]![j]! * f)) as Rgb;
}

export const css = ([r, g, b]: Rgb) => `rgb(${r}, ${g}, ${b})`;

export interface LegendEntry {
  label: string;
  color: Rgb;
  /** The points this entry stands for. */
  ids: number[];
}

/** The modes this run offers: class colours need labels. */
export function modesOf(state: MapState): [ColorMode, string][] {
  const modes: [ColorMode, string][] = [['cluster', 'Cluster']];
  if (state.classes.length > 0) modes.push(['class', 'Class']);
  if (state.superClasses.length > 0) modes.push(['super', 'Super-class']);
  modes.push(['confidence', 'Confidence'], ['belong', 'Doesn’t belong'], ['new', 'New images']);
  return modes;
}

/** Each point's category in a categorical mode (-1: none), and the categories' names. */
function categories(
  state: MapState,
  mode: ColorMode,
): { of: (i: number) => number; names: Map<number, string> } {
  const { items } = state;
  if (mode === 'cluster')
    return { of: (i) => items.cluster[i]!, names: new Map(state.clusters.map((c) => [c.id, c.name])) };
  if (mode === 'class')
    return { of: (i) => items.label[i]!, names: new Map(state.classes.map((c, i) => [i, c])) };
  if (mode === 'super')
    return {
      of: (i) => (items.label[i]! >= 0 ? state.superOfClass[items.label[i]!]! : -1),
      names: new Map(state.superClasses.map((c, i) => [i, c])),
    };
  const isNew = new Set(state.newItems);
  return {
    of: (i) => (isNew.has(i) ? 1 : 0),
    names: new Map([
      [0, 'Trained'],
      [1, 'New since training'],
    ]),
  };
}

/**
 * Each point's colour and the legend. `belong`: the "doesn't belong" scores (NaN: none), for that
 * mode; until they come its points are grey.
 */
export function colorize(
  state: MapState,
  mode: ColorMode,
  belong?: Float64Array,
): { rgba: Uint8Array; legend: LegendEntry[] } {
  const n = state.items.cluster.length;
  const rgba = new Uint8Array(4 * n);
  const put = (i: number, c: Rgb, alpha = 220) => {
    rgba.set(c, 4 * i);
    rgba[4 * i + 3] = alpha;
  };
  if (mode === 'confidence') {
    for (let i = 0; i < n; i++) put(i, confidenceColor(state.items.confidence[i]!));
    return {
      rgba,
      legend: [0, 0.25, 0.5, 0.75, 1].map((c) => ({
        label: c.toFixed(2),
        color: confidenceColor(c),
        ids: [],
      })),
    };
  }
  if (mode === 'belong') {
    // Worst bright and opaque, the well-placed faint: the eye goes to the misfits first.
    const scored: number[] = [];
    for (let i = 0; i < n; i++) {
      const b = belong?.[i];
      if (b === undefined || Number.isNaN(b)) put(i, GREY, 60);
      else {
        put(i, confidenceColor(b), Math.round(90 + 165 * b));
        scored.push(i);
      }
    }
    scored.sort((a, b) => belong![b]! - belong![a]! || a - b);
    const worst = scored.slice(0, WORST_N);
    return {
      rgba,
      legend: [
        ...(worst.length > 0 ? [{ label: 'Worst first', color: confidenceColor(1), ids: worst }] : []),
        ...[0, 0.25, 0.5, 0.75, 1].map((c) => ({ label: c.toFixed(2), color: confidenceColor(c), ids: [] })),
      ],
    };
  }
  const { of, names } = categories(state, mode);
  // Cluster ids index the palette by their order, so a new cluster gets a colour no other has.
  const order = new Map([...names.keys()].sort((a, b) => a - b).map((k, j) => [k, j]));
  const color = (cat: number): Rgb =>
    mode === 'new' ? (cat === 1 ? NEW : GREY) : categoryColor(order.get(cat) ?? -1);
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const cat = of(i);
    put(i, color(cat), mode === 'new' && cat === 0 ? 90 : 220);
    let list = members.get(cat);
    if (!list) members.set(cat, (list = []));
    list.push(i);
  }
  const legend = [...members.keys()]
    .sort((a, b) => a - b)
    .map((cat) => ({
      label: names.get(cat) ?? (cat < 0 ? 'Unlabelled' : `#${cat}`),
      color: color(cat),
      ids: members.get(cat)!,
    }));
  return { rgba, legend };
}
