/**
 * Where a run folder may be: directly inside a runs folder, named from names that are checked
 * here (the experiment's `name`, each run's name). Every place that picks a run folder from
 * something written down (an experiment file, a queue file, a trainer request) asks this module,
 * so a run named `a/../../elsewhere` or a queue file edited to point outside cannot write there.
 */
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { shown } from './shown.js';

/** A name (experiment or run) is at most this long: `<experiment>-<run>` stays under 255 bytes. */
export const NAME_MAX = 120;

/** A folder name's limit on common file systems. */
const FOLDER_NAME_MAX = 255;

/** Why `name` cannot name a run folder, or undefined when it can. `what` says which name (for messages). */
export function nameProblem(name: string, what: string, max = NAME_MAX): string | undefined {
  if (name.length > max)
    return `${what} is ${name.length} characters long; at most ${max} (it names run folders; got ${shown(name)})`;
  if (!/^[\w.-]+$/.test(name))
    return `${what} may hold only letters, digits, '.', '_' and '-' (it names run folders; got ${shown(name)})`;
  if (/^\.+$/.test(name)) return `${what} cannot be only dots (it names run folders; got ${shown(name)})`;
  return undefined;
}

/** The folder of run `entry` of experiment `experiment`: always `<runsDir>/<experiment>-<entry>`; throws on a bad name. */
export function experimentRunDir(runsDir: string, experiment: string, entry: string): string {
  const bad = nameProblem(experiment, 'the experiment name') ?? nameProblem(entry, 'the run name');
  if (bad) throw new Error(bad);
  return join(resolve(runsDir), `${experiment}-${entry}`);
}

/** `runDir` resolved, when it is a folder directly inside `runsDir`; throws naming both otherwise. */
export function runDirInside(runsDir: string, runDir: string): string {
  const dir = resolve(runsDir, runDir);
  const rel = relative(resolve(runsDir), dir);
  if (
    rel === '' ||
    isAbsolute(rel) ||
    rel.includes(sep) ||
    nameProblem(rel, 'the run folder', FOLDER_NAME_MAX)
  ) {
    throw new Error(
      `run folder ${shown(runDir)} is not a folder directly inside the runs folder ${resolve(runsDir)}`,
    );
  }
  return dir;
}
