// npm run bench -- belong RUN_DIR [RUN_DIR ...] [--worst 50] [--name NAME] [--split TEXT]
//
// How well "doesn't belong" (src/common/belong.ts: the gallery's and the map's worst-first sort)
// finds what a labelled run got wrong. A misfit is an image whose class is not the most common
// class of its cluster. Per run, the ROC AUC of the score and of each of its three terms (the
// chance that a random misfit scores above a random fit: .5 is chance, 1 perfect), and the share
// of misfits among the `worst` highest scores beside their share overall (what a user reviewing
// the strip's worst 50 finds). Mean ± sd over the runs given. The runs' dataset is their split:
// say it with --split, and name it wherever a figure is quoted.
// Writes bench/results/<--name, default belong>.json and .md.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { doesNotBelong, type BelongTerms } from '../src/common/belong.js';
import { readRunFeatures } from '../src/common/features.js';
import { readRunText } from '../src/common/runFileRead.js';
import { parseAssignments } from '../src/common/runFiles.js';
import { ms } from './_stats.js';

const { values: args, positionals: runs } = parseArgs({
  allowPositionals: true,
  options: {
    worst: { type: 'string', default: '50' },
    name: { type: 'string', default: 'belong' },
    split: { type: 'string', default: 'unnamed: say which with --split' },
    results: { type: 'string', default: 'bench/results' },
  },
});
if (runs.length === 0) throw new Error('usage: npm run bench -- belong RUN_DIR [RUN_DIR ...]');
const worst = Number(args.worst);
const TERMS = ['score', 'doubt', 'offCentre', 'neighbours'] as const;

/** P(a random positive scores above a random negative), ties counting half (Mann-Whitney). */
function auc(scores: ArrayLike<number>, positive: boolean[]): number {
  const order = Array.from(positive.keys()).sort((a, b) => scores[a]! - scores[b]!);
  let rankSum = 0;
  let pos = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if (!positive[order[t]!]) continue;
      rankSum += midRank;
      pos++;
    }
    i = j + 1;
  }
  const neg = order.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

interface RunResult {
  run: string;
  images: number;
  misfitShare: number;
  auc: Record<(typeof TERMS)[number], number>;
  worstShare: number;
}

async function measure(dir: string): Promise<RunResult> {
  const rows = parseAssignments((await readRunText(dir, 'assignments.csv')) ?? '');
  const f = await readRunFeatures(dir);
  if (!f || f.meta.rows !== rows.length) throw new Error(`${dir}: no features for its ${rows.length} images`);
  if (rows.some((r) => r.label === undefined)) throw new Error(`${dir}: an image without a class label`);
  const byCluster = new Map<number, Map<string, number>>();
  for (const r of rows) {
    const counts = byCluster.get(r.cluster) ?? new Map<string, number>();
    counts.set(r.label!, (counts.get(r.label!) ?? 0) + 1);
    byCluster.set(r.cluster, counts);
  }
  const major = new Map(
    [...byCluster].map(([c, counts]) => [c, [...counts].sort((a, b) => b[1] - a[1])[0]![0]]),
  );
  const misfit = rows.map((r) => r.label !== major.get(r.cluster));
  const t: BelongTerms = await doesNotBelong({
    features: f.features,
    dims: f.meta.dims,
    cluster: rows.map((r) => r.cluster),
    confidence: rows.map((r) => r.confidence),
  });
  const top = Array.from(t.score.keys())
    .sort((a, b) => t.score[b]! - t.score[a]!)
    .slice(0, worst);
  return {
    run: dir,
    images: rows.length,
    misfitShare: misfit.filter(Boolean).length / rows.length,
    auc: Object.fromEntries(TERMS.map((k) => [k, auc(t[k], misfit)])) as RunResult['auc'],
    worstShare: top.filter((i) => misfit[i]).length / top.length,
  };
}

const results: RunResult[] = [];
for (const dir of runs) {
  const r = await measure(dir);
  results.push(r);
  console.log(
    `${dir}: ${r.images} images, ${(r.misfitShare * 100).toFixed(1)} % misfits; AUC ${TERMS.map((k) => `${k} ${r.auc[k].toFixed(3)}`).join(', ')}; worst ${worst}: ${(r.worstShare * 100).toFixed(0)} % misfits`,
  );
}
const md = [
  new Date().toISOString(),
  '',
  `"Doesn't belong" against the labels, on ${results.length} runs (${args.split}): a misfit is an image whose class is not its cluster's most common class. AUC: the chance a random misfit scores above a random fit (.5 chance). Mean ± sd over the runs.`,
  '',
  '| images | misfits | AUC: score | doubt | off-centre | neighbours | misfits among the worst ' +
    worst +
    ' |',
  '|---|---|---|---|---|---|---|',
  `| ${ms(results.map((r) => r.images))} | ${ms(results.map((r) => r.misfitShare))} | ${TERMS.map((k) => ms(results.map((r) => r.auc[k]))).join(' | ')} | ${ms(results.map((r) => r.worstShare))} |`,
  '',
  ...results.map((r) => `- ${r.run}: ${r.images} images, AUC ${r.auc.score.toFixed(3)}`),
];
await mkdir(args.results!, { recursive: true });
await writeFile(join(args.results!, `${args.name}.md`), md.join('\n') + '\n');
await writeFile(
  join(args.results!, `${args.name}.json`),
  JSON.stringify({ split: args.split, worst, results }, null, 1) + '\n',
);
