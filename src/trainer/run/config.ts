import { homedir } from 'node:os';
import { statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { METHOD_NAMES, METHOD_SPECS, methodSpec, parseSettings } from '../../common/methods/index.js';
import {
  checkRunField,
  colourOf,
  problemText,
  RUN_FIELD_NAMES,
  runDefaults,
  runField,
  type FieldProblem,
  type RunFieldName,
} from '../../common/runFields.js';
import type { MethodName, Skipped, TrainConfig } from '../../protocol/run.js';

/** A run's defaults: every run field's (the method's epochs, batch and learning rate are its spec's, sized for a CPU run). */
export function defaultConfig(method: MethodName, data: string): TrainConfig {
  return { method, data, ...runDefaults(METHOD_SPECS[method]), params: {} } as TrainConfig;
}

/** The pixel cache: --cache, else $CLUSTERLAB_CACHE, else ~/.cache/clusterlab. */
export function cacheDirOf(given?: string): string {
  return resolve(given ?? process.env.CLUSTERLAB_CACHE ?? join(homedir(), '.cache', 'clusterlab'));
}

/** Options that are not run fields but are named in refusals: the command line's flag, the extension's words. */
const OPTIONS = {
  method: ['--method', 'method'],
  data: ['--data', 'dataset folder'],
  features: ['--features', 'feature model'],
} as const;

/** A refusal about an option other than a run field: `${name} ${what}` in each side's name for it. */
export interface OptionProblem {
  option: keyof typeof OPTIONS;
  what: string;
}

export type ConfigProblem = FieldProblem | OptionProblem;

/** A problem in a side's words: the command line's flags, or the extension's names. */
export function configProblemText(p: ConfigProblem, words: 'cli' | 'extension'): string {
  if ('field' in p) return problemText(p, words);
  return `${OPTIONS[p.option][words === 'cli' ? 0 : 1]} ${p.what}`;
}

/**
 * A user-facing configuration mistake: reported as one clear line, never a stack trace. The message
 * speaks the command line's flags; a structured `problem` lets the extension's side word it in its
 * names (extensionWords), and `extensionMessage` does for a sentence about the data.
 */
export class ConfigError extends Error {
  readonly problem?: ConfigProblem;
  constructor(
    problem: string | ConfigProblem,
    readonly extensionMessage?: string,
  ) {
    super(typeof problem === 'string' ? problem : configProblemText(problem, 'cli'));
    this.name = 'ConfigError';
    if (typeof problem !== 'string') this.problem = problem;
  }
}

/** An error's message for the extension (the language server's answers and run ends): its names, not CLI flags. */
export function extensionWords(e: unknown): string {
  if (e instanceof ConfigError && e.problem) return configProblemText(e.problem, 'extension');
  if (e instanceof ConfigError && e.extensionMessage) return e.extensionMessage;
  return e instanceof Error ? e.message : String(e);
}

/** `--method`'s value as a method name, or the one-line refusal. */
export function checkMethod(name: string | undefined): MethodName {
  if (!name) throw new ConfigError({ option: 'method', what: `is required (${METHOD_NAMES.join(', ')})` });
  if (!methodSpec(name))
    throw new ConfigError({
      option: 'method',
      what: `must be one of ${METHOD_NAMES.join(', ')} (got ${name})`,
    });
  return name as MethodName;
}

/**
 * Checks what can be checked before any work (method settings against the method's spec); the
 * image count is checked once the folder is read.
 */
export function validateConfig(c: TrainConfig): void {
  const spec = METHOD_SPECS[checkMethod(c.method)];
  if (!c.data) throw new ConfigError({ option: 'data', what: 'is required: the image folder to cluster' });
  for (const name of RUN_FIELD_NAMES) {
    const problem = checkRunField(name, fieldValue(c, name));
    if (problem) throw new ConfigError(problem);
  }
  const bad = parseSettings(spec, c.params).errors[0];
  if (bad) throw new ConfigError(bad.error);
  if (c.features !== undefined) checkFeatures(spec.name, spec.input, c.features);
}

/** A run field's value in a config, as the spec types it (channels as a colour; 2 channels is no colour). */
export function fieldValue(c: TrainConfig, name: RunFieldName): unknown {
  const v = (c as unknown as Record<string, unknown>)[runField(name).config];
  return name === 'colour' && (v === 1 || v === 3) ? colourOf(v) : v;
}

/** --features: only for methods that cluster embeddings, and a model file that exists (its content is checked when opened). */
function checkFeatures(method: string, input: 'images' | 'embeddings' | undefined, file: string): void {
  const embedding = Object.values(METHOD_SPECS)
    .filter((s) => s.input === 'embeddings')
    .map((s) => s.name);
  if (input !== 'embeddings') {
    throw new ConfigError(
      `--features: ${method} trains its own network on the images, so it takes no feature model; ${embedding.length ? `methods that cluster a feature model's embeddings: ${embedding.join(', ')}` : 'no method here clusters embeddings yet'}`,
      `a feature model is only for methods that cluster embeddings; ${method} trains its own network on the images`,
    );
  }
  if (!isAbsolute(file))
    throw new ConfigError({ option: 'features', what: `must be an absolute path (got ${file})` });
  let st;
  try {
    st = statSync(file);
  } catch {
    throw new ConfigError({ option: 'features', what: `${file}: no such file` });
  }
  if (!st.isFile()) throw new ConfigError({ option: 'features', what: `${file}: not a file` });
}

export function validateAgainstData(
  c: TrainConfig,
  images: number,
  root: string,
  skipped: readonly Skipped[] = [],
): void {
  if (images === 0 && skipped.length === 0) {
    throw new ConfigError(
      `no decodable images in ${root}: no file in it or its subfolders has an image extension (.png, .jpg, .webp, ...)`,
    );
  }
  if (images === 0) {
    const first = skipped
      .slice(0, 3)
      .map((s) => `${s.path}: ${s.reason}`)
      .join('; ');
    throw new ConfigError(
      `no decodable images in ${root}: all ${skipped.length} image files were skipped (${first}${skipped.length > 3 ? '; ...' : ''})`,
    );
  }
  if (images < c.clusters) {
    const has = `${root} has ${images} decodable image${images === 1 ? '' : 's'}`;
    throw new ConfigError(
      `${has}, fewer than --clusters ${c.clusters}`,
      `${has}, fewer than the ${c.clusters} clusters asked for`,
    );
  }
}
