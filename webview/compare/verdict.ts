/**
 * The line at the top of Compare Runs: how run B stands against run A (the pair of "Two runs side
 * by side") in plain words. Only scores that mean the same in both runs are weighed: confidence
 * and balance (each run's own cluster probabilities and sizes) and, with labels, ACC. kNN
 * consistency and silhouette are measured in each run's own features, so they are said not to be
 * compared. Pure: DOM-free, from the page's state.
 */
import type { CompareState } from '../../src/protocol/compareMessages.js';

/** A difference smaller than this (or than the seeds' spread, when known) is "about the same". */
const SAME = 0.01;

const WORDS: Record<string, [better: string, worse: string, same: string]> = {
  confidence: ['more confident', 'less confident', 'as confident'],
  balance: ['more balanced', 'less balanced', 'as balanced'],
};

export interface Verdict {
  /** The one line. */
  text: string;
  /** What the line rests on and what it leaves out. */
  caveats: string[];
}

export function verdict(st: CompareState): Verdict | undefined {
  if (!st.pair) return undefined;
  const { a, b } = st.pair;
  const rowA = st.rows.find((r) => r.dirs.length === 1 && r.dirs[0] === a);
  const rowB = st.rows.find((r) => r.dirs.length === 1 && r.dirs[0] === b);
  if (!rowA || !rowB) return undefined;
  const col = (key: string) => st.columns.findIndex((c) => c.key === key);
  const nameA = `A “${st.names[st.chosen.indexOf(a)] ?? a}”`;
  const nameB = `B “${st.names[st.chosen.indexOf(b)] ?? b}”`;
  // The seeds' spread of a score, from the folded row holding the run, when it has seeds.
  const spread = (dir: string, i: number) =>
    st.foldedRows?.find((r) => r.dirs.length > 1 && r.dirs.includes(dir))?.cells[i]?.sd ?? 0;
  const compare = (key: string): { sign: -1 | 0 | 1; va: number; vb: number } | undefined => {
    const i = col(key);
    const va = rowA.cells[i]?.value;
    const vb = rowB.cells[i]?.value;
    if (i < 0 || va === undefined || vb === undefined) return undefined;
    const tie = Math.max(SAME, spread(a, i), spread(b, i));
    return { sign: Math.abs(vb - va) < tie ? 0 : vb > va ? 1 : -1, va, vb };
  };

  const said = Object.keys(WORDS).flatMap((key) => {
    const c = compare(key);
    return c ? [{ key, sign: c.sign }] : [];
  });
  const acc = compare('acc');
  if (said.length === 0 && !acc) return undefined;

  const parts: string[] = [];
  const up = said.filter((s) => s.sign > 0).map((s) => WORDS[s.key]![0]);
  const down = said.filter((s) => s.sign < 0).map((s) => WORDS[s.key]![1]);
  const level = said.filter((s) => s.sign === 0).map((s) => WORDS[s.key]![2]);
  const and = (xs: string[]) => xs.join(' and ');
  if (said.length > 0) {
    if (up.length + down.length === 0) parts.push(`${nameB} is about ${and(level)} as ${nameA}`);
    else {
      const moves = up.length > 0 && down.length > 0 ? `${and(up)} but ${and(down)}` : and([...up, ...down]);
      parts.push(
        `${nameB} is ${moves} than ${nameA}${level.length > 0 ? ` and about ${and(level)}` : ''}${up.length > 0 && down.length > 0 ? ': these scores disagree' : ''}`,
      );
    }
  }
  const labelFreeSays = up.length > 0 && down.length === 0 ? 1 : down.length > 0 && up.length === 0 ? -1 : 0;
  if (acc) {
    const figures = `ACC ${acc.vb.toFixed(3)} vs ${acc.va.toFixed(3)}`;
    const word = acc.sign > 0 ? 'better' : acc.sign < 0 ? 'worse' : 'about the same';
    const against =
      labelFreeSays !== 0 && acc.sign !== 0 && acc.sign !== labelFreeSays
        ? ', the opposite of what the label-free scores say'
        : '';
    parts.push(
      said.length > 0
        ? `against the labels B is ${word} (${figures})${against}`
        : `Against the labels ${nameB} is ${word} than ${nameA} (${figures})`,
    );
  }

  const caveats: string[] = [];
  const setting = (label: string) => {
    const i = st.columns.findIndex((c) => c.key.startsWith('setting.') && c.label === label);
    return i < 0 ? undefined : ([rowA.cells[i]!.text, rowB.cells[i]!.text] as const);
  };
  const data = setting('data');
  caveats.push(
    data && data[0] !== data[1]
      ? 'Different folders: not the same images.'
      : `Same images (${st.pair.shared} both clustered).`,
  );
  const k = setting('clusters');
  if (k && k[0] !== k[1])
    caveats.push(`K differs (${k[0]} vs ${k[1]}): confidence and balance shift with K.`);
  if (said.length > 0 || acc)
    caveats.push(`Under ${SAME} apart (or within the seeds’ spread) counts as the same.`);
  if (col('knnConsistency') >= 0 || col('silhouette') >= 0)
    caveats.push(
      'kNN consistency and silhouette are not compared: each run measures them in its own features.',
    );
  if (st.chosen.length > 2)
    caveats.push(`A and B are 2 of the ${st.chosen.length} runs: pick them under “Two runs side by side”.`);
  return { text: `${parts.join('; ')}.`, caveats };
}
