import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from './run/config.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A subcommand of `clusterlab`: its arguments and output streams in, its exit code out. */
export type Subcommand = (
  args: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
) => Promise<number>;

/**
 * The one convention of every subcommand's arguments: bad ones throw a ConfigError of one line, which
 * the dispatcher (cli.ts's `oneLineErrors`) writes and turns into exit code 2; --help prints the
 * usage and gives undefined (exit 0).
 */
export function commandArgs<O extends Options, P extends boolean>(
  args: string[],
  options: O,
  usage: string,
  out: NodeJS.WritableStream,
  allowPositionals: P,
) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
  } catch (e) {
    throw new ConfigError(`${parseErrorLine(e as Error)} (clusterlab help shows the options)`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    out.write(usage + '\n');
    return undefined;
  }
  return parsed;
}

/** A subcommand's options and its one folder argument; a wrong count of arguments names what it takes. */
export function folderCommandArgs<O extends Options>(
  args: string[],
  options: O,
  usage: string,
  out: NodeJS.WritableStream,
  takes: string,
) {
  const parsed = commandArgs(args, options, usage, out, true);
  if (!parsed) return undefined;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new ConfigError(`${takes} (got ${positionals.length})`);
  return { values, folder: positionals[0]! };
}

/** node:util's parse errors run to several lines; ours is one, naming the argument. */
export function parseErrorLine(e: Error & { code?: string }): string {
  const quoted = /'([^']*)'/.exec(e.message)?.[1] ?? '';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${quoted}`;
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    return `unexpected argument '${quoted}' (a path with spaces needs quotes)`;
  return e.message.split('\n')[0]!;
}

/**
 * Runs a command, its failures as one line on stderr: bad input (a ConfigError, arguments that do
 * not parse) exits 2, anything else `failure` (1; 3 for commands whose 1 means a finding).
 */
export async function oneLineErrors(body: () => Promise<number>, failure = 1): Promise<number> {
  try {
    return await body();
  } catch (e) {
    const err = e as Error & { code?: string };
    const unparsed = err.code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`clusterlab: ${unparsed ? parseErrorLine(err) : err.message}\n`);
    if (process.env.CLUSTERLAB_DEBUG) process.stderr.write(`${err.stack ?? ''}\n`);
    return err instanceof ConfigError || unparsed ? 2 : failure;
  }
}
