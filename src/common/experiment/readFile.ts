/**
 * An experiment file read from disk (the CLI, and the host for a file not open in an editor),
 * through the one reader of untrusted files (src/common/runFileRead.ts): only a regular file, only
 * up to the size cap, both checked on the opened handle before a byte is read. A FIFO would block
 * the read forever; /dev/zero or a 50 MB file would fill memory.
 */
import { readChecked, type RefusalWords } from '../runFileRead.js';
import { EXPERIMENT_MAX_CHARS, tooLong } from './format.js';

const WORDS: RefusalWords = {
  notRegular: (path, kind) => `cannot read ${path}: it is ${kind}, not a regular file`,
  tooBig: (path, size) => `${path} is ${tooLong(size, 'bytes')}`,
};

export async function readExperimentFile(file: string): Promise<string> {
  const buf = await readChecked(file, { cap: EXPERIMENT_MAX_CHARS }, WORDS).catch(
    (e: NodeJS.ErrnoException) => {
      // The system's refusals (no such file, no permission) say which file; ours already do.
      throw e.code ? new Error(`cannot read ${file}: ${e.message}`, { cause: e }) : e;
    },
  );
  return buf.toString('utf8');
}
