/**
 * The one reader of run.json, for the trainer, the command line, the sweep queue and the extension
 * host alike: read as untrusted input (runFileRead.ts: a regular file, capped, symlinks kept
 * inside the folder), checked against the protocol's schema (src/protocol/runJson.ts), and given
 * the status to show (runLock.ts: "running" with no live trainer is interrupted). The trainer's
 * RunFolder is the only writer, and checks what it writes against the same schema.
 */
import { join } from 'node:path';
import type { RunJson } from '../protocol/run.js';
import { runJsonSchema } from '../protocol/runJson.js';
import { check, MissingField, SchemaError } from '../protocol/schema.js';
import { readRunText } from './runFileRead.js';
import { runStatus } from './runLock.js';

export const RUN_JSON = 'run.json';

/** A run.json that cannot be used: `problem` says why without the file, for callers that word it themselves. */
export class RunJsonError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** run.json's text as recorded (no status derived); throws a RunJsonError naming the file and the field. */
export function parseRunJson(text: string, file: string): RunJson {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw unreadable(file, e as Error);
  }
  return checkRunJson(v, file);
}

/** `v` as a RunJson, or a RunJsonError: the reader's check, and the writer's before it writes. */
export function checkRunJson(v: unknown, file: string): RunJson {
  try {
    return check(runJsonSchema, v);
  } catch (e) {
    if (!(e instanceof SchemaError)) throw e;
    // A field that is not there: the file is damaged; one that is wrong says what was expected.
    const message = e instanceof MissingField ? `${file} is damaged: ${e.message}` : `${file}: ${e.message}`;
    throw new RunJsonError(file, e.message, message, { cause: e });
  }
}

/** The run in `dir` with the status to show, or undefined when it has no run.json (yet). */
export async function readRunJson(dir: string): Promise<RunJson | undefined> {
  const file = join(dir, RUN_JSON);
  let text: string | undefined;
  try {
    text = await readRunText(dir, RUN_JSON);
  } catch (e) {
    throw unreadable(file, e as Error);
  }
  if (text === undefined) return undefined;
  const run = parseRunJson(text, file);
  return { ...run, status: await runStatus(dir, run.status) };
}

/** Like readRunJson, for a folder that must hold a run. */
export async function readExistingRunJson(dir: string): Promise<RunJson> {
  const run = await readRunJson(dir);
  if (run) return run;
  const file = join(dir, RUN_JSON);
  throw Object.assign(
    new RunJsonError(file, 'it does not exist', `${dir} is not a run folder: it has no run.json`),
    {
      code: 'ENOENT',
    },
  );
}

function unreadable(file: string, e: Error): RunJsonError {
  return new RunJsonError(file, e.message, `cannot read ${file}: ${e.message}`, { cause: e });
}
