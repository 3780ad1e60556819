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
 * A subcommand's options (and -h/--help) and its one folder argument. Undefined when it printed
 * its usage for --help; a wrong count of arguments is a ConfigError naming what it takes.
 */
export function folderCommandArgs<O extends Options>(
  args: string[],
  options: O,
  usage: string,
  out: NodeJS.WritableStream,
  takes: string,
) {
  const { values, positionals } = parseArgs({
    args,
    options: { ...options, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if ((values as { help?: boolean }).help) {
    out.write(usage + '\n');
    return undefined;
  }
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

/** A command's parsed arguments, or the exit code when they do not parse (2) or ask for --help (0). */
export function parseCommand<R extends { values: { help?: boolean } }>(
  usage: string,
  parse: () => R,
): R | number {
  let parsed: R;
  try {
    parsed = parse();
  } catch (e) {
    process.stderr.write(`clusterlab: ${parseErrorLine(e as Error)} (clusterlab help shows the options)\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  return parsed;
}
