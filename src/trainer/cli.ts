import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  checkSetting,
  METHOD_NAMES,
  METHOD_SPECS,
  settingKind,
  type MethodSpec,
} from '../common/methods/index.js';
import type { SummaryJson, TrainConfig } from '../protocol/run.js';
import {
  BACKEND_CHOICES,
  channelsOf,
  defaultText,
  fieldRange,
  RUN_FIELD_NAMES,
  runField,
  type RunFieldSpec,
} from '../common/runFields.js';
import { cacheDirOf, checkMethod, ConfigError, defaultConfig, validateConfig } from './run/config.js';
import type { TrainHooks, TrainResult } from './run/train.js';
import { commandArgs, folderCommandArgs, oneLineErrors } from './commandArgs.js';
import { ProgressReporter } from './progress.js';
import { assignCommand, mapCommand } from './runCommands.js';
import { CancelledError } from './util/cancel.js';

const USAGE = `usage:
  clusterlab train --method ${METHOD_NAMES.join('|')} --data DIR
${fieldFlags()}
                   [--param NAME=VALUE ...]
                   [--features MODEL.onnx|model.json]   (embedding methods: cluster a feature
                   model's embeddings; preprocessing from MODEL.clusterlab.json beside it)
                   [--stages pretext[,scan[,selflabel]]]   (SCAN: stop after a stage)
                   [--out RUN_DIR] [--cache DIR]
  clusterlab train --resume RUN_DIR [--epochs N] [--stages ...] [--cache DIR]
  clusterlab retrain RUN_DIR [--epochs N] [--out RUN_DIR] [--cache DIR]
                   (a new run continuing a finished cc, scan or deepcluster run for N more
                   epochs, default a sixth of its epochs (at least 2), with your corrections
                   (labels.json moves) as anchors; the dataset's exclusion list is honoured;
                   --out defaults to RUN_DIR-retrain-<time> beside it)
  clusterlab run FILE.clusterlab.yaml [--runs DIR] [--backend NAME] [--cache DIR] [--check]
                   (trains an experiment's runs one after another into DIR, default
                   .clusterlab/runs, skipping finished ones; --check only checks the file)
  clusterlab doctor [--json]   which compute backends start here, and why the others do not
  clusterlab map RUN_DIR [--backend ${BACKEND_CHOICES.join('|')}]
  clusterlab assign RUN_DIR --data DIR [--out FILE.csv] [--overwrite] [--backend NAME] [--cache DIR]
                   (clusters the images of DIR with a finished run, without training: writes
                   RUN_DIR/assigned/<DIR's name>/assignments.csv and assigned.json; a run on a
                   feature model embeds them through it, cached under --cache)
  clusterlab duplicates DIR|RUN_DIR [--threshold T] [--json] [--cache DIR]
                   exact and near-duplicate images; exit 1 when there are any (a CI check)
  clusterlab export RUN_DIR --format imagefolder|csv|json --out DIR [--selection FILE]
                   [--mode copy|hardlink|symlink]   the clusters after your edits, never overwriting

Trains a clustering model on an image folder and writes the run folder (run.json, metrics.jsonl,
assignments.csv, summary.json, features, checkpoint/). Progress goes to stderr, the final metrics to stdout.
map lays out a finished run's saved features in 2-D (UMAP) for the map page: layout.json/.f32 in the run folder.

Run settings, with their defaults:
${RUN_FIELD_NAMES.map((n) => fieldHelp(runField(n))).join('\n')}

Method settings (--param NAME=VALUE), with their defaults:
${METHOD_NAMES.map((m) => methodHelp(METHOD_SPECS[m])).join('\n')}`;

/** The run fields' flags (`[--clusters K] [--grayscale] [--backbone NAME|...] ...`), wrapped under `clusterlab train`. */
function fieldFlags(): string {
  const flags = RUN_FIELD_NAMES.map((n) => runField(n)).map(
    (f) => `[--${f.flag}${f.switchFor ? '' : ` ${f.metavar ?? f.choices?.join('|')}`}]`,
  );
  const lines: string[] = [];
  for (const flag of flags) {
    if (lines.length > 0 && lines.at(-1)!.length + flag.length < 100) lines[lines.length - 1] += ` ${flag}`;
    else lines.push(`                   ${flag}`);
  }
  return lines.join('\n');
}

/** A run field's line of the usage text: flag, doc, range and default. */
function fieldHelp(f: RunFieldSpec): string {
  const flag = f.switchFor ? `--${f.flag}` : `--${f.flag} ${f.metavar ?? 'NAME'}`;
  const what = f.switchFor
    ? `${f.doc}: ${f.switchFor} (default ${defaultText(f)})`
    : `${f.doc} — ${fieldRange(f)}; default ${defaultText(f)}`;
  return `  ${flag.padEnd(20)} ${what}`;
}

/** A method's lines of the usage text: its defaults, then a line per setting. */
function methodHelp(spec: MethodSpec): string {
  const d = spec.defaults;
  const lines = [
    `  ${spec.name} (${spec.label}): ${spec.description}; ${d.epochs} epochs, batch ${d.batchSize}, --lr ${d.learningRate}`,
  ];
  for (const [key, s] of Object.entries(spec.settings)) {
    const value = s.derived ? `${key}=N` : `${key}=${s.default}`;
    const extra = [s.derived && `default: ${s.derived}`, s.paper && `paper: ${s.paper.value}, ${s.paper.why}`]
      .filter(Boolean)
      .join('; ');
    lines.push(
      `    ${value.padEnd(30)} ${s.doc} — ${settingKind(s)}${s.unit ? ` (${s.unit})` : ''}${extra ? ` [${extra}]` : ''}`,
    );
  }
  return lines.join('\n');
}

export function usage(): string {
  return USAGE;
}

/** The run fields' flags: `--grayscale` a switch, the others take a value. */
const FIELD_OPTIONS = Object.fromEntries(
  RUN_FIELD_NAMES.map((n) => runField(n)).map((f) => [
    f.flag,
    f.switchFor ? { type: 'boolean' as const } : { type: 'string' as const },
  ]),
);

const OPTIONS = {
  ...FIELD_OPTIONS,
  method: { type: 'string' },
  data: { type: 'string' },
  // A run field's flag, named here too as --resume's (values.epochs is typed then).
  epochs: { type: 'string' },
  param: { type: 'string', multiple: true },
  stages: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'string' },
  cache: { type: 'string' },
  features: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Options that take a number: after them `-3` is a (bad) value, not an unknown option. */
const NUMERIC_OPTIONS = new Set(
  RUN_FIELD_NAMES.map((n) => runField(n))
    .filter((f) => f.type !== 'choice')
    .map((f) => f.flag),
);
/** What --resume may change; everything else comes from the run's own run.json. */
const RESUME_OPTIONS = new Set(['resume', 'epochs', 'stages', 'cache', 'help']);

/** `--batch -3` as `--batch=-3`, so the range check can name the value instead of the parser balking. */
function attachNegativeNumbers(args: string[], numeric: ReadonlySet<string> = NUMERIC_OPTIONS): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (
      args[i]!.startsWith('--') &&
      numeric.has(args[i]!.slice(2)) &&
      next !== undefined &&
      /^-[\d.]/.test(next)
    ) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]!);
  }
  return out;
}

function num(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new ConfigError(`--${name} must be a number (got '${value}')`);
  return n;
}

/** --param NAME=VALUE (and --stages): each read and checked by the method's spec, a typo refused with the name meant. */
function methodParams(spec: MethodSpec, pairs: string[] = [], stages?: string): TrainConfig['params'] {
  const out: TrainConfig['params'] = {};
  const entries = pairs.map((pair): [string, string] => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--param takes NAME=VALUE (got '${pair}')`);
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  });
  if (stages !== undefined) entries.push(['stages', stages]);
  for (const [key, raw] of entries) {
    const r = checkSetting(spec, key, raw);
    if (!r.ok) throw new ConfigError(r.error);
    out[key] = r.value;
  }
  return out;
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: false }>>['values'];

function configFrom(v: Values): TrainConfig {
  const method = checkMethod(v.method);
  if (!v.data) throw new ConfigError({ option: 'data', what: 'is required: the image folder to cluster' });
  const d = defaultConfig(method, v.data);
  const given = v as Record<string, string | boolean | undefined>;
  const fields: Record<string, unknown> = {};
  for (const f of RUN_FIELD_NAMES.map((n) => runField(n))) {
    const raw = given[f.flag];
    if (raw === undefined || raw === false) continue;
    // Numbers are read here (a bad one named as typed) and ranged by validateConfig; choices too.
    fields[f.config] = f.switchFor
      ? channelsOf('grayscale')
      : f.type === 'choice'
        ? raw
        : num(f.flag, String(raw), 0);
  }
  return {
    ...d,
    ...fields,
    params: methodParams(METHOD_SPECS[method], v.param, v.stages),
    ...(v.features !== undefined ? { features: resolve(v.features) } : {}),
  };
}

function fmt(x: number | undefined): string {
  return x === undefined ? '-' : x.toFixed(3);
}

function printResult(r: TrainResult, out: NodeJS.WriteStream): void {
  const s: SummaryJson | undefined = r.summary;
  if (!s) {
    out.write(`run ${r.run.status} after epoch ${r.run.epoch}: ${r.dir}\n`);
    return;
  }
  out.write(`run folder: ${r.dir}\n`);
  out.write(
    `${s.n} images, ${s.k} clusters, ${s.epochs} epochs, ${s.seconds.toFixed(1)} s on ${s.backend}\n`,
  );
  if (s.acc !== undefined) {
    // Over-clustering leaves clusters without a class under one-to-one matching; purity is the fair number then.
    const pur =
      s.k !== r.run.dataset.classes.length && s.purity !== undefined ? `  purity ${fmt(s.purity)}` : '';
    out.write(`ACC ${fmt(s.acc)}  NMI ${fmt(s.nmi)}  ARI ${fmt(s.ari)}${pur}\n`);
    const b = s.pixelKmeans;
    if (b)
      out.write(
        `k-means on the raw pixels of the same images: ACC ${fmt(b.acc)}  NMI ${fmt(b.nmi)}  ARI ${fmt(b.ari)}\n`,
      );
    else
      out.write(
        `(no pixel k-means baseline: ${s.n} images of this size are too many pixel values to cluster beside the run)\n`,
      );
  }
  if (s.kept)
    out.write(`reported epoch ${s.kept.epoch} of ${s.epochs} (pick=${s.kept.rule}): ${s.kept.why}\n`);
  if (s.super)
    out.write(`super-class ACC ${fmt(s.super.acc)}  NMI ${fmt(s.super.nmi)}  ARI ${fmt(s.super.ari)}\n`);
  if (s.skipped.length > 0)
    out.write(`skipped ${s.skipped.length} files that could not be decoded (listed in summary.json)\n`);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  if (command === 'map') return oneLineErrors(() => mapCommand(rest, USAGE));
  if (command === 'assign') return oneLineErrors(() => assignCommand(rest, USAGE));
  if (command === 'run')
    return oneLineErrors(async () => (await import('./experimentCli.js')).runExperimentCli(rest));
  // duplicates exits 1 when it finds any (a CI check), so its other failures exit 3.
  if (command === 'duplicates')
    return oneLineErrors(
      () =>
        import('./curate/duplicates.js').then((m) =>
          m.duplicatesCli(
            attachNegativeNumbers(rest, new Set(['threshold'])),
            process.stdout,
            process.stderr,
          ),
        ),
      3,
    );
  if (command === 'export')
    return oneLineErrors(
      () => import('./curate/export.js').then((m) => m.exportCli(rest, process.stdout, process.stderr)),
      3,
    );
  if (command === 'doctor') return (await import('./doctor.js')).doctor(rest, process.stdout);
  if (command === 'retrain') return oneLineErrors(() => retrainCommand(rest));
  if (command !== 'train') {
    process.stderr.write(`clusterlab: unknown command '${command}'\n${USAGE}\n`);
    return 2;
  }
  return oneLineErrors(() => trainCommand(rest));
}

/** `clusterlab train ...` (or --resume RUN_DIR): trains, with progress on stderr and the scores on stdout. */
async function trainCommand(rest: string[]): Promise<number> {
  const parsed = commandArgs(attachNegativeNumbers(rest), OPTIONS, USAGE, process.stdout, false);
  if (!parsed) return 0;
  const values: Values = parsed.values;
  const stray = values.resume === undefined ? [] : Object.keys(values).filter((k) => !RESUME_OPTIONS.has(k));
  if (stray.length > 0) {
    process.stderr.write(
      `clusterlab: --resume continues a run with the settings in its run.json; only --epochs, --stages and --cache go with it (got --${stray.join(', --')})\n`,
    );
    return 2;
  }

  return runTraining(
    async (hooks, cacheDir) => {
      const config = values.resume === undefined ? configFrom(values) : undefined;
      if (config) validateConfig(config);
      // Loaded only once the arguments are known good: tfjs takes half a second to load, a typo none.
      const { defaultRunDir, resume, train } = await import('./run/train.js');
      return config
        ? await train(config, resolve(values.out ?? defaultRunDir(config.method)), cacheDir, hooks)
        : await resume(
            resolve(values.resume!),
            cacheDir,
            hooks,
            values.epochs === undefined ? undefined : num('epochs', values.epochs, 0),
            values.stages ? { stages: values.stages } : undefined,
          );
    },
    values.resume === undefined ? 'train' : 'resume',
    values.cache,
    values.resume,
  );
}

/** What a training command runs, given its hooks and the pixel cache. */
type Training = (hooks: TrainHooks, cacheDir: string) => Promise<TrainResult>;

/**
 * A training command's life: Ctrl-C cancels after the step, progress on stderr, the result on
 * stdout, one-line errors (exit 2 for bad input, 1 for a failure, 130 when cancelled).
 */
async function runTraining(
  start: Training,
  kind: 'train' | 'resume' | 'retrain',
  cache?: string,
  resumed?: string,
): Promise<number> {
  const abort = new AbortController();
  const onSigint = () => {
    process.stderr.write('\ncancelling after this step (Ctrl-C again to quit at once)\n');
    process.off('SIGINT', onSigint);
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  const progress = new ProgressReporter(process.stderr);
  const hooks = progress.hooks(abort.signal);
  const cacheDir = cacheDirOf(cache);
  try {
    const result = await start(hooks, cacheDir);
    progress.done();
    printResult(result, process.stdout);
    return result.run.status === 'cancelled' ? 130 : 0;
  } catch (e) {
    progress.done();
    if (e instanceof CancelledError) {
      // Cancelled while the images were read: no training had started, so nothing was written.
      process.stderr.write(
        kind === 'resume'
          ? `cancelled before training resumed: ${resumed} is as it was\n`
          : kind === 'retrain'
            ? 'cancelled before training started: the retrain folder, once made, continues with clusterlab train --resume DIR\n'
            : 'cancelled before training started: no run folder was made\n',
      );
      return 130;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** `clusterlab retrain RUN_DIR`: the run continued, with the user's corrections, into a new folder. */
async function retrainCommand(rest: string[]): Promise<number> {
  const parsed = folderCommandArgs(
    attachNegativeNumbers(rest, new Set(['epochs'])),
    { epochs: { type: 'string' }, out: { type: 'string' }, cache: { type: 'string' } },
    USAGE,
    process.stdout,
    'retrain takes one run folder',
  );
  if (!parsed) return 0;
  const { values, folder } = parsed;
  const source = resolve(folder);
  return runTraining(
    async (hooks, cacheDir) => {
      const epochs = values.epochs === undefined ? undefined : num('epochs', values.epochs, 0);
      const { retrain, retrainDirFor } = await import('./run/retrain.js');
      const out = values.out === undefined ? retrainDirFor(source) : resolve(values.out);
      return retrain(source, out, cacheDir, hooks, epochs === undefined ? {} : { epochs });
    },
    'retrain',
    values.cache,
  );
}
