// `clusterlab map` and `clusterlab assign`: commands on a finished run folder, with progress on
// stderr and one-line errors (exit 2 for bad arguments, 1 for a failure).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkRunField, problemText, runField } from '../common/runFields.js';
import type { TrainConfig } from '../protocol/run.js';
import { parseCommand } from './commandArgs.js';
import { ProgressReporter } from './progress.js';
import { cacheDirOf } from './run/config.js';

/** --backend of map and assign (default auto); undefined, with the one-line refusal written, when it names none. */
function backendOption(value: string | undefined): TrainConfig['backend'] | undefined {
  const backend = value ?? runField('backend').default;
  const problem = checkRunField('backend', backend);
  if (!problem) return backend as TrainConfig['backend'];
  process.stderr.write(`clusterlab: ${problemText(problem, 'cli')}\n`);
  return undefined;
}

/** `clusterlab map RUN_DIR`: the run's 2-D layout, computed (or found cached) with progress on stderr. */
export async function mapCommand(args: string[], usage: string): Promise<number> {
  const parsed = parseCommand(usage, () =>
    parseArgs({
      args,
      options: { backend: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    process.stderr.write(`clusterlab: map takes one run folder (got ${positionals.length})\n`);
    return 2;
  }
  const backend = backendOption(values.backend);
  if (!backend) return 2;
  const progress = new ProgressReporter(process.stderr);
  try {
    const { initBackend } = await import('./backend/index.js');
    const { layoutRun } = await import('./layout/runLayout.js');
    await initBackend(backend, (line) => progress.log(line));
    const dir = resolve(positionals[0]!);
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
    help: { type: 'boolean', short: 'h' },
  } as const;
  const parsed = parseCommand(usage, () =>
    parseArgs({ args, options, allowPositionals: true, strict: true }),
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || !values.data) {
    process.stderr.write(
      `clusterlab: assign takes one run folder and --data DIR (got ${positionals.length} folder${positionals.length === 1 ? '' : 's'}${values.data ? '' : ', no --data'})\n`,
    );
    return 2;
  }
  const backend = backendOption(values.backend);
  if (!backend) return 2;
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
