// What the run's binary files (features, probabilities, layout) share: a JSON header written last
// as the commit point, and little-endian arrays whose size the header fixes.
import { join } from 'node:path';
import { check, type Schema } from '../protocol/schema.js';
import { readRunBinary, readRunText } from './runFileRead.js';

/** The header, or undefined when the file is absent (an older run, or not computed yet). Errors name the file. */
export async function readHeader<T>(runDir: string, file: string, schema: Schema<T>): Promise<T | undefined> {
  const text = await readRunText(runDir, file);
  if (text === undefined) return undefined;
  try {
    return check(schema, JSON.parse(text));
  } catch (e) {
    throw new Error(`${join(runDir, file)}: ${(e as Error).message}`, { cause: e });
  }
}

/** A binary file of exactly the size its header says, as a DataView; its size is checked before it is read. */
export async function readSized(
  runDir: string,
  file: string,
  bytes: number,
  header: string,
): Promise<DataView> {
  const b = await readRunBinary(runDir, file, bytes, header);
  if (!b) throw new Error(`${join(runDir, file)} is missing, though ${header} names it`);
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function float32FromLE(v: DataView): Float32Array {
  const out = new Float32Array(v.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = v.getFloat32(4 * i, true);
  return out;
}

export function toLittleEndian(a: Uint16Array | Float32Array): Uint8Array {
  const out = new Uint8Array(a.byteLength);
  const v = new DataView(out.buffer);
  if (a instanceof Uint16Array) for (let i = 0; i < a.length; i++) v.setUint16(2 * i, a[i]!, true);
  else for (let i = 0; i < a.length; i++) v.setFloat32(4 * i, a[i]!, true);
  return out;
}
