/**
 * `clusterlab run FILE`: an experiment file checked as the editor checks it, expanded, and its
 * runs trained one after another in this process, through the same queue file VS Code uses (a
 * finished run is skipped, an interrupted one resumed). Problems are listed `file:line:col:
 * message` and nothing is trained.
 */
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LineCounter } from 'yaml';
import { allProblems } from '../common/experiment/dataset.js';
import { inspectFeatureModel } from './features/inspect.js';
import type { ExperimentProblem } from '../common/experiment/format.js';
import { parseExperiment } from '../common/experiment/parse.js';
import {
  newQueue,
  queuePath,
  runSweep,
  type DriverEnd,
  type QueuedRunStatus,
} from '../common/experiment/queue.js';
import { readExperimentFile } from '../common/experiment/readFile.js';
import { describeFolder } from '../common/datasets.js';
import type { TrainConfig } from '../protocol/run.js';
import { ProgressReporter } from './progress.js';
import { cacheDirOf, ConfigError, validateConfig } from './run/config.js';
import { RunLockedError } from './run/runLock.js';
import type { TrainResult } from './run/train.js';

/** `file:3:5: message` lines, 1-based as editors and compilers print them. */
export function formatProblems(file: string, text: string, problems: readonly ExperimentProblem[]): string[] {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  return problems.map((p) => {
    const { line, col } = lines.linePos(p.span.start);
    return `${file}:${line}:${col}: ${p.message}`;
  });
}

export async function runExperimentCli(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      runs: { type: 'string' },
      backend: { type: 'string' },
      cache: { type: 'string' },
      check: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new ConfigError('run takes one experiment file (FILE.clusterlab.yaml)');
  const file = resolve(positionals[0]!);
  const text = await readExperimentFile(file).catch((e: Error) => {
    throw new ConfigError(e.message);
  });
  const exp = parseExperiment(text, file);
  const problems = await allProblems(
    exp,
    async (dir) => (await describeFolder(dir)).images,
    inspectFeatureModel,
  );
  const shown = relative(process.cwd(), file) || file;
  if (problems.length > 0) {
    for (const line of formatProblems(shown, text, problems)) process.stderr.write(`${line}\n`);
    return 2;
  }
  const configs = exp.runs.map((r) => ({
    ...r,
    config: { ...r.config, backend: (values.backend ?? exp.backend ?? 'auto') as TrainConfig['backend'] },
  }));
  for (const r of configs) validateConfig(r.config);
  if (values.check) {
    process.stdout.write(
      `${shown}: ${configs.length} run${configs.length === 1 ? '' : 's'}: ${configs.map((r) => r.name).join(', ')}\n`,
    );
    return 0;
  }
  const runsDir = resolve(values.runs ?? '.clusterlab/runs');
  const path = queuePath(runsDir, exp.name);
  const queue = newQueue(file, exp.name, runsDir, configs);
  const { resume, train } = await import('./run/train.js');
  const cacheDir = cacheDirOf(values.cache);
  const abort = new AbortController();
  const onSigint = () => {
    process.stderr.write('\ncancelling the sweep after this step\n');
    abort.abort();
  };
  process.once('SIGINT', onSigint);
  const progress = new ProgressReporter(process.stderr);
  const hooks = progress.hooks(abort.signal);
  const index = new Map(configs.map((r, i) => [r.name, i + 1]));
  const announce = (entry: string, status: QueuedRunStatus) => {
    if (status !== 'running') progress.done();
    process.stderr.write(`[${index.get(entry)}/${configs.length}] ${entry}: ${status}\n`);
  };
  try {
    const result = await runSweep(path, queue, configs, {
      train: (run, dir) => endOf(train(run.config, dir, cacheDir, hooks, { file, entry: run.name })),
      resume: (dir) => endOf(resume(dir, cacheDir, hooks)),
      cancelled: () => abort.signal.aborted,
      changed: announce,
      log: (line) => progress.log(line),
    });
    const counts = Object.values(result.statuses).reduce<Record<string, number>>(
      (a, s) => ({ ...a, [s]: (a[s] ?? 0) + 1 }),
      {},
    );
    process.stdout.write(
      `${exp.name}: ${Object.entries(counts)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ')} (queue ${path})\n`,
    );
    if (result.state === 'cancelled') return 130;
    return counts.failed ? 1 : 0;
  } finally {
    progress.done();
    process.off('SIGINT', onSigint);
  }
}

/** How a run the sweep started here ended; held when another trainer's lock refused it untouched. */
async function endOf(training: Promise<TrainResult>): Promise<DriverEnd> {
  try {
    return (await training).run.status;
  } catch (e) {
    if (e instanceof RunLockedError) return 'held';
    throw e;
  }
}
