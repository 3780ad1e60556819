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
