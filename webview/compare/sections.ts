/** The K-sweep and merge-suggestion sections of the compare page. */
import type { CompareState } from '../../src/protocol/compareMessages.js';
import { lineChart } from '../charts/lineChart.js';
import { h } from '../shared/dom.js';

const SCORE_LABELS: Record<string, string> = {
  stability: 'seed stability',
  silhouette: 'silhouette',
  knnConsistency: 'kNN consistency',
  balance: 'balance',
  confidence: 'confidence',
  acc: 'ACC (labels)',
};

export function kSweepSection(k: NonNullable<CompareState['kSweep']>, width: number): HTMLElement {
  const keys = Object.keys(SCORE_LABELS).filter((key) => k.points.some((p) => p.scores[key] !== undefined));
  const table = h(
    'table',
    { class: 'k-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'K'),
        h('th', { class: 'num' }, 'runs'),
        ...keys.map((key) => h('th', { class: 'num' }, SCORE_LABELS[key]!)),
      ),
    ),
    h(
      'tbody',
      {},
      ...k.points.map((p) =>
        h(
          'tr',
          { class: p.k === k.suggested ? 'suggested' : undefined, 'data-k': p.k },
          h('td', {}, p.k === k.suggested ? `${p.k} ◀ suggested` : String(p.k)),
          h('td', { class: 'num' }, String(p.runs)),
          ...keys.map((key) =>
            h('td', { class: 'num' }, p.scores[key] === undefined ? '' : p.scores[key]!.toFixed(3)),
          ),
        ),
      ),
    ),
  );
  const chart = lineChart({
    title: 'Label-free scores against K',
    series: keys.map((key) => ({
      key,
      label: SCORE_LABELS[key]!,
      group: 'k',
      values: k.points.map((p) => p.scores[key] ?? null),
    })),
    epochs: k.points.map((p) => p.k),
    phases: k.points.map(() => ''),
    width: Math.min(620, width),
    xLabel: 'clusters (K)',
  });
  const caveat = kCaveat(k);
  return h(
    'section',
    { class: 'k-sweep' },
    h('h2', {}, 'How many clusters'),
    h('p', { class: 'rule' }, k.rule),
    ...(caveat ? [h('p', { class: 'note k-caveat' }, caveat)] : []),
    table,
    chart,
  );
}

/**
 * Scores that may disagree with the suggestion: higher is better and comparable across K. Balance
 * only says how even the sizes are; silhouette and kNN consistency are each measured in their own
 * run's features, so they do not compare across runs.
 */
const VOTERS = ['stability', 'confidence'];

/**
 * How sure the suggestion is, from what the table shows: how many runs each K rests on (one
 * seed pair gives one agreement value) and which scores favour another K.
 */
export function kCaveat(k: NonNullable<CompareState['kSweep']>): string | undefined {
  if (k.suggested === undefined) return undefined;
  const fewest = Math.min(...k.points.map((p) => p.runs));
  const others = VOTERS.flatMap((key) => {
    const scored = k.points.filter((p) => p.scores[key] !== undefined);
    if (scored.length < 2) return [];
    const best = scored.reduce((a, b) => (b.scores[key]! > a.scores[key]! ? b : a));
    return best.k === k.suggested ? [] : [`${SCORE_LABELS[key]} favours K=${best.k}`];
  });
  const thin =
    fewest < 3
      ? `some K rest${fewest === 1 ? ' on a single run' : ` on only ${fewest} runs (one seed pair)`}, so its scores are rough`
      : '';
  if (!thin && others.length === 0) return undefined;
  return `How sure: tentative — ${[thin, others.join(', ')].filter(Boolean).join('; ')}. More seeds per K firm it up.`;
}

export function mergeSection(
  m: NonNullable<CompareState['merges']>,
  runName: string,
  thumbs: ReadonlyMap<string, string>,
  send: (msg: { type: 'merge'; from: number; into: number } | { type: 'undo' }) => void,
): HTMLElement {
  const strip = (paths: string[]) =>
    h(
      'div',
      { class: 'strip' },
      ...paths.map((p) =>
        h('img', {
          'data-path': p,
          alt: p,
          title: p,
          width: 56,
          height: 56,
          ...(thumbs.get(p) ? { src: thumbs.get(p) } : {}),
        }),
      ),
    );
  const pairs = m.pairs.map((p) => {
    const button = h('vscode-button', { 'data-merge': `${p.b}:${p.a}` }, `Merge ${p.nameB} into ${p.nameA}`);
    button.addEventListener('click', () => send({ type: 'merge', from: p.b, into: p.a }));
    return h(
      'div',
      { class: 'merge-pair', 'data-a': p.a, 'data-b': p.b },
      h(
        'div',
        { class: 'merge-head' },
        h('strong', {}, `${p.nameA} + ${p.nameB}`),
        // The score said as what it is (README: merge candidates): count / (k (n_a + n_b)).
        h(
          'span',
          {
            class: 'muted',
            title: `score ${p.score.toFixed(3)}: of all the nearest-neighbour links from the two clusters' images, the share that crosses from one cluster to the other`,
          },
          ` ${(100 * p.score).toFixed(1)}% of their nearest-neighbour links cross between them (${p.count.toLocaleString('en')} links)`,
        ),
      ),
      h('div', { class: 'merge-strips' }, strip(p.samplesA), strip(p.samplesB)),
      button,
    );
  });
  const undo = h('vscode-button', { secondary: true, disabled: !m.canUndo, class: 'undo' }, 'Undo');
  undo.addEventListener('click', () => send({ type: 'undo' }));
  return h(
    'section',
    { class: 'merges' },
    h('h2', {}, `Clusters to merge in ${runName}`),
    h(
      'p',
      { class: 'muted' },
      'Pairs whose images are often each other’s nearest neighbours (saved features), best first: ranked by the share of the pair’s neighbour links that cross between the two clusters, so big clusters do not win by size alone. A merge is written to labels.json, as the gallery’s; Undo takes it back.',
    ),
    ...(m.note ? [h('p', { class: 'note' }, m.note)] : []),
    ...pairs,
    undo,
  );
}
