import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

/**
 * Reader for the IDX format of (Fashion-)MNIST: a 4-byte magic 0x00 0x00 <type> <ndims>, then
 * ndims big-endian uint32 sizes, then the data in row-major order, big-endian.
 * Gzipped files (as shipped by Debian and the original sites) are detected by their magic bytes.
 */

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray<T extends IdxData = IdxData> {
  dims: number[];
  data: T;
}

const TYPES: Record<number, { bytes: number; name: string }> = {
  0x08: { bytes: 1, name: 'uint8' },
  0x09: { bytes: 1, name: 'int8' },
  0x0b: { bytes: 2, name: 'int16' },
  0x0c: { bytes: 4, name: 'int32' },
  0x0d: { bytes: 4, name: 'float32' },
  0x0e: { bytes: 8, name: 'float64' },
};

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Parses an IDX buffer (gzipped or not); `what` names the source in error messages. */
export function parseIdx(input: Uint8Array, what = 'IDX data'): IdxArray {
  const buf = isGzip(input) ? new Uint8Array(gunzipSync(input)) : input;
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) throw new Error(`${what}: not an IDX file (bad magic)`);
  const type = TYPES[buf[2]!];
  if (!type) throw new Error(`${what}: unknown IDX data type 0x${buf[2]!.toString(16)}`);
  const ndims = buf[3]!;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const header = 4 + 4 * ndims;
  if (buf.length < header) throw new Error(`${what}: truncated IDX header`);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = header + count * type.bytes;
  if (buf.length < expected)
    throw new Error(`${what}: truncated IDX data (${buf.length} bytes, expected ${expected})`);
  return { dims, data: decodeBody(view, header, count, buf[2]!) };
}

function decodeBody(view: DataView, off: number, n: number, type: number): IdxData {
  switch (type) {
    case 0x08:
      // Copy so the result does not pin the (possibly much larger) decompressed buffer.
      return new Uint8Array(view.buffer.slice(view.byteOffset + off, view.byteOffset + off + n));
    case 0x09:
      return new Int8Array(view.buffer.slice(view.byteOffset + off, view.byteOffset + off + n));
    case 0x0b:
      return Int16Array.from({ length: n }, (_, i) => view.getInt16(off + 2 * i, false));
    case 0x0c:
      return Int32Array.from({ length: n }, (_, i) => view.getInt32(off + 4 * i, false));
    case 0x0d:
      return Float32Array.from({ length: n }, (_, i) => view.getFloat32(off + 4 * i, false));
    default:
      return Float64Array.from({ length: n }, (_, i) => view.getFloat64(off + 8 * i, false));
  }
}

export async function readIdx(path: string): Promise<IdxArray> {
  return parseIdx(await readFile(path), path);
}

export function readIdxSync(path: string): IdxArray {
  return parseIdx(readFileSync(path), path);
}

/** The uint8 payload of an IDX file, checked, with its dims. */
export async function readIdxUint8(path: string): Promise<IdxArray<Uint8Array>> {
  const a = await readIdx(path);
  if (!(a.data instanceof Uint8Array)) throw new Error(`${path}: expected uint8 IDX data`);
  return a as IdxArray<Uint8Array>;
}
