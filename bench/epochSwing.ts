// npm run bench -- epochSwing [--runs DIR,DIR...] [--dc-pick FILE,...] [--window N] [--out DIR]
//
// How much a method's ACC swings from epoch to epoch near the end of a run: DeepCluster's clustering
// is remade every epoch and swings (issue 31); CC's cosine-decayed learning rate is said to settle
// it. For every run folder in each DIR (the quality bench's runs) and every run in each dcPick.json
// (which keeps DeepCluster's per-epoch metrics rows: its run folders were scratch), over the last N
// evaluated epochs of the final phase: the sd of ACC, the mean |ACC change| between consecutive
// epochs, and the last epoch's ACC minus the best's. Labels describe here; nothing is picked.
// Writes <out>/epochSwing.json and .md.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseMetrics } from '../src/common/runFiles.js';
import { readRunJson } from '../src/common/runJson.js';
import type { MetricsRow } from '../src/protocol/run.js';
import { mean, sd, ms } from './_stats.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '' },
    'dc-pick': { type: 'string', default: '' },
    window: { type: 'string', default: '5' },
    out: { type: 'string', default: 'bench/results/epoch-swing-dev' },
  },
});
const window = Number(args.window);
if (!Number.isInteger(window) || window < 2)
  throw new Error(`--window must be a whole number of at least 2 (got ${args.window})`);

interface Series {
  method: string;
  seed: number;
  source: string;
  params?: Record<string, unknown>;
  /** The final phase's evaluated epochs, in order. */
  rows: { epoch: number; acc: number }[];
}

/** The rows of the run's last phase that carry an ACC (a multi-stage method is judged on what it reports). */
function finalPhase(rows: MetricsRow[]): { epoch: number; acc: number }[] {
  const scored = rows.filter((r) => typeof r.acc === 'number');
  const phase = scored.at(-1)?.phase;
  return scored.filter((r) => r.phase === phase).map((r) => ({ epoch: r.epoch, acc: r.acc as number }));
}

const series: Series[] = [];
for (const dir of args.runs!.split(',').filter(Boolean)) {
  for (const name of readdirSync(dir).sort()) {
    const metrics = join(dir, name, 'metrics.jsonl');
    const run = await readRunJson(join(dir, name));
    if (run?.status !== 'done' || !existsSync(metrics)) continue;
    series.push({
      method: run.config.method,
      params: run.config.params ?? {},
      seed: run.config.seed,
      source: join(dir, name),
      rows: finalPhase(parseMetrics(readFileSync(metrics, 'utf8'))),
    });
  }
}
for (const file of args['dc-pick']!.split(',').filter(Boolean)) {
  const kept = JSON.parse(readFileSync(file, 'utf8')) as { epochs: { seed: number; rows: MetricsRow[] }[] };
  for (const e of kept.epochs)
    series.push({ method: 'deepcluster', seed: e.seed, source: file, rows: finalPhase(e.rows) });
}
if (series.length === 0)
  throw new Error('no finished run found: name run folders with --runs or a dcPick.json');
// Runs of one method whose settings differ (e.g. schedule=cosine and constant) are rows of their own.
const labels = series.map((s) => {
  const same = series.filter((o) => o.method === s.method && o.params);
  const differing = Object.entries(s.params ?? {}).filter(([k, v]) => same.some((o) => o.params![k] !== v));
  return [s.method, ...differing.map(([k, v]) => `${k}=${String(v)}`)].join(' ');
});
labels.forEach((label, i) => (series[i]!.method = label));

const perRun = series.map((s) => {
  const tail = s.rows.slice(-window).map((r) => r.acc);
  const steps = tail.slice(1).map((a, i) => Math.abs(a - tail[i]!));
  const all = s.rows.map((r) => r.acc);
  return {
    method: s.method,
    seed: s.seed,
    source: s.source,
    epochs: s.rows.length,
    tailSd: sd(tail),
    tailMeanStep: mean(steps),
    lastMinusBest: all.at(-1)! - Math.max(...all),
    acc: all,
  };
});
const methods = [...new Set(perRun.map((r) => r.method))];
const table = [
  `| method | runs (seeds) | epochs | sd of ACC, last ${window} | mean abs ACC step, last ${window} | last - best ACC |`,
  '|---|---|---|---|---|---|',
  ...methods.map((m) => {
    const rs = perRun.filter((r) => r.method === m);
    return `| ${m} | ${rs.length} (${rs.map((r) => r.seed).join(', ')}) | ${[...new Set(rs.map((r) => r.epochs))].join(', ')} | ${ms(rs.map((r) => r.tailSd))} | ${ms(rs.map((r) => r.tailMeanStep))} | ${ms(rs.map((r) => r.lastMinusBest))} |`;
  }),
].join('\n');
const perEpoch = perRun
  .map((r) => `- ${r.method} seed ${r.seed}: ${r.acc.map((a) => a.toFixed(3).slice(1)).join(', ')}`)
  .join('\n');
const md = `Per-epoch ACC swing near the end of each run (mean ± sd over runs). Sources: ${[...new Set(series.map((s) => s.source.replace(/\/[^/]+$/, '')))].join(', ')}.\n\n${table}\n\nPer-epoch ACC of the final phase:\n\n${perEpoch}\n`;
console.log(md);
if (!existsSync(args.out!)) mkdirSync(args.out!, { recursive: true });
const when = new Date().toISOString();
writeFileSync(
  join(args.out!, 'epochSwing.json'),
  JSON.stringify({ when, window, runs: perRun }, null, 2) + '\n',
);
writeFileSync(join(args.out!, 'epochSwing.md'), `${when}\n\n${md}`);
