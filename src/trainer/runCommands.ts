// `clusterlab map` and `clusterlab assign`: commands on a finished run folder, with progress on
// stderr and one-line errors (exit 2 for bad arguments, thrown to cli.ts's oneLineErrors; 1 for a failure).
import { resolve } from 'node:path';
import { checkRunField, problemText, runField } from '../common/runFields.js';
import type { TrainConfig } from '../protocol/run.js';
import { commandArgs, folderCommandArgs } from './commandArgs.js';
import { ProgressReporter } from './progress.js';
import { cacheDirOf, ConfigError } from './run/config.js';

/** --backend of map and assign (default auto); a ConfigError when it names none. */
function backendOption(value: string | undefined): TrainConfig['backend'] {
  const backend = value ?? runField('backend').default;
  const problem = checkRunField('backend', backend);
  if (problem) throw new ConfigError(problemText(problem, 'cli'));
  return backend as TrainConfig['backend'];
}

/** `clusterlab map RUN_DIR`: the run's 2-D layout, computed (or found cached) with progress on stderr. */
export async function mapCommand(args: string[], usage: string): Promise<number> {
  const parsed = folderCommandArgs(
    args,
    { backend: { type: 'string' } },
    usage,
    process.stdout,
    'map takes one run folder',
  );
  if (!parsed) return 0;
  const { values, folder } = parsed;
  const backend = backendOption(values.backend);
  const progress = new ProgressReporter(process.stderr);
  try {
    const { initBackend } = await import('./backend/index.js');
    const { layoutRun } = await import('./layout/runLayout.js');
    await initBackend(backend, (line) => progress.log(line));
    const dir = resolve(folder);
    const { meta, cached } = await layoutRun(dir, {
      onProgress: (d, t) => progress.layout(d, t),
      log: (line) => progress.log(line),
    });
    progress.done();
    process.stdout.write(
      `map of ${meta.rows} images (epoch ${meta.epoch}): ${dir}/layout.json${cached ? ' (already up to date)' : ''}\n`,
    );
    process.stdout.write(
      `kNN preservation ${meta.knnPreservation.toFixed(3)}, ${meta.seconds.toFixed(1)} s, ${meta.method}\n`,
    );
    return 0;
  } catch (e) {
    progress.done();
    process.stderr.write(`clusterlab: ${(e as Error).message}\n`);
    return 1;
  }
}

/** `clusterlab assign RUN_DIR --data DIR`: a finished run's clusters for new images, written beside the run. */
export async function assignCommand(args: string[], usage: string): Promise<number> {
  const options = {
    data: { type: 'string' },
    out: { type: 'string' },
    overwrite: { type: 'boolean' },
    backend: { type: 'string' },
    cache: { type: 'string' },
  } as const;
  const parsed = commandArgs(args, options, usage, process.stdout, true);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || !values.data)
    throw new ConfigError(
      `assign takes one run folder and --data DIR (got ${positionals.length} folder${positionals.length === 1 ? '' : 's'}${values.data ? '' : ', no --data'})`,
    );
  const backend = backendOption(values.backend);
  const progress = new ProgressReporter(process.stderr);
  try {
    const [{ Assigner }, { assignFolder }, { initBackend }] = await Promise.all([
      import('./run/assign.js'),
      import('./run/assignFolder.js'),
      import('./backend/index.js'),
    ]);
    // The backend the run trained on, else the best available (the server's rule); --backend picks one.
    const assigner = new Assigner(
      async (trainedOn) =>
        void (await initBackend(values.backend ? backend : trainedOn).catch(() => initBackend('auto'))),
      cacheDirOf(values.cache),
    );
    const r = await assignFolder(assigner, resolve(positionals[0]!), resolve(values.data), {
      ...(values.out ? { out: resolve(values.out) } : {}),
      overwrite: values.overwrite ?? false,
      onProgress: (done, total) => progress.log(`assigned ${done}/${total}`),
    });
    assigner.release();
    progress.done();
    const h = r.header;
    process.stdout.write(
      `assigned ${h.assigned} of ${h.images} images of ${h.data} to ${h.clusterSizes.filter((n) => n > 0).length} clusters (sizes ${h.clusterSizes.join(', ')}), ${h.skipped.length} skipped: ${r.csv}\n`,
    );
    return 0;
  } catch (e) {
    progress.done();
    process.stderr.write(`clusterlab: ${(e as Error).message}\n`);
    return 1;
  }
}
