/**
 * An experiment file read from disk (the CLI, and the host for a file not open in an editor):
 * only a regular file, only up to the size cap, both checked on the opened handle before a byte
 * is read. A FIFO would block the read forever; /dev/zero or a 50 MB file would fill memory.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { EXPERIMENT_MAX_CHARS, tooLong } from './format.js';

export async function readExperimentFile(file: string): Promise<string> {
  // Non-blocking, so opening a FIFO with no writer returns at once (and is refused below).
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK).catch((e: Error) => {
    throw new Error(`cannot read ${file}: ${e.message}`, { cause: e });
  });
  try {
    const s = await handle.stat();
    if (!s.isFile()) {
      const kind = s.isDirectory()
        ? 'a folder'
        : s.isFIFO()
          ? 'a FIFO'
          : s.isSocket()
            ? 'a socket'
            : 'a device';
      throw new Error(`cannot read ${file}: it is ${kind}, not a regular file`);
    }
    const refuse = (size: number) => new Error(`${file} is ${tooLong(size, 'bytes')}`);
    if (s.size > EXPERIMENT_MAX_CHARS) throw refuse(s.size);
    // At most the cap plus one byte, however the file grows after the stat.
    const buf = Buffer.alloc(EXPERIMENT_MAX_CHARS + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buf.length; length += n)
      n = (await handle.read(buf, length, buf.length - length, length)).bytesRead;
    if (length > EXPERIMENT_MAX_CHARS) throw refuse(length);
    return buf.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}
