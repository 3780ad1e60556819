// Writes ONNX model files (protobuf) for tests and the features bench, so they need neither Python's
// onnx package nor a download: a small encoder of the few ModelProto fields a float32 inference graph
// uses (field numbers from onnx/onnx.proto3), and builders for the graphs we test and measure.
import { Rng } from '../../src/trainer/util/rng.js';

type Attr = number | number[] | string;

/** Protobuf wire format: varints, and length-delimited fields (type 2) for strings, bytes and messages. */
class Pb {
  private parts: number[] = [];
  private chunks: Uint8Array[] = [];

  private varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.parts.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.parts.push(Number(x));
  }
  private flush(): void {
    if (this.parts.length) this.chunks.push(Uint8Array.from(this.parts));
    this.parts = [];
  }
  int(field: number, v: number): this {
    this.varint((field << 3) | 0);
    this.varint(v);
    return this;
  }
  bytes(field: number, b: Uint8Array): this {
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.flush();
    this.chunks.push(b);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  msg(field: number, m: Pb): this {
    return this.bytes(field, m.done());
  }
  float(field: number, v: number): this {
    this.varint((field << 3) | 5);
    this.flush();
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.chunks.push(b);
    return this;
  }
  done(): Uint8Array {
    this.flush();
    return Buffer.concat(this.chunks);
  }
}

const FLOAT = 1;

function valueInfo(name: string, shape: (number | string)[]): Pb {
  const dims = new Pb();
  for (const d of shape) dims.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().str(2, d));
  const tensorType = new Pb().int(1, FLOAT).msg(2, dims);
  return new Pb().str(1, name).msg(2, new Pb().msg(1, tensorType));
}

function attribute(name: string, v: Attr): Pb {
  const a = new Pb().str(1, name);
  if (typeof v === 'string') return a.str(4, v).int(20, 3);
  if (Array.isArray(v)) {
    for (const x of v) a.int(8, x);
    return a.int(20, 7);
  }
  return Number.isInteger(v) ? a.int(3, v).int(20, 2) : a.float(2, v).int(20, 1);
}

/** A float32 inference graph, built node by node. */
export class OnnxGraph {
  private nodes: Pb[] = [];
  private inits: Pb[] = [];
  private inputs: Pb[] = [];
  private outputs: Pb[] = [];
  private count = 0;
  readonly rng: Rng;

  constructor(seed = 1) {
    this.rng = new Rng(seed);
  }

  input(name: string, shape: (number | string)[]): string {
    this.inputs.push(valueInfo(name, shape));
    return name;
  }
  output(name: string, shape: (number | string)[]): void {
    this.outputs.push(valueInfo(name, shape));
  }
  /** A constant tensor; random normal times `scale` when no data is given. */
  weight(dims: number[], scale: number, data?: Float32Array): string {
    const name = `w${this.count++}`;
    const n = dims.reduce((a, b) => a * b, 1);
    const values = data ?? Float32Array.from({ length: n }, () => this.rng.normal() * scale);
    const t = new Pb();
    for (const d of dims) t.int(1, d);
    t.int(2, FLOAT)
      .str(8, name)
      .bytes(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice());
    this.inits.push(t);
    return name;
  }
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, out?: string): string {
    const output = out ?? `t${this.count++}`;
    const n = new Pb();
    for (const i of inputs) n.str(1, i);
    n.str(2, output).str(3, `n${this.count++}`).str(4, op);
    for (const [k, v] of Object.entries(attrs)) n.msg(5, attribute(k, v));
    this.nodes.push(n);
    return output;
  }
  /** Conv with bias, He-initialised so activations stay in range through many layers. */
  conv(x: string, cin: number, cout: number, k: number, stride = 1): string {
    const w = this.weight([cout, cin, k, k], Math.sqrt(2 / (cin * k * k)));
    const b = this.weight([cout], 0.01);
    const p = (k - 1) >> 1;
    return this.node('Conv', [x, w, b], {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: [p, p, p, p],
    });
  }
  encode(): Uint8Array {
    const g = new Pb();
    for (const n of this.nodes) g.msg(1, n);
    g.str(2, 'g');
    for (const t of this.inits) g.msg(5, t);
    for (const i of this.inputs) g.msg(11, i);
    for (const o of this.outputs) g.msg(12, o);
    return new Pb()
      .int(1, 8) // ir_version 8
      .str(2, 'clusterlab-test')
      .msg(7, g)
      .msg(8, new Pb().str(1, '').int(2, 13)) // opset 13
      .done();
  }
}

/** A small NCHW feature model: two 3x3 convs with ReLU, global average pool, flatten: [N, width]. */
export function tinyConvModel(opts: {
  size: number;
  width?: number;
  seed?: number;
  batch?: number | string;
}): Uint8Array {
  const g = new OnnxGraph(opts.seed ?? 1);
  const w = opts.width ?? 8;
  let x = g.input('pixels', [opts.batch ?? 'N', 3, opts.size, opts.size]);
  x = g.node('Relu', [g.conv(x, 3, w, 3)]);
  x = g.node('Relu', [g.conv(x, w, w, 3, 2)]);
  x = g.node('GlobalAveragePool', [x]);
  g.node('Flatten', [x], { axis: 1 }, 'embedding');
  g.output('embedding', [opts.batch ?? 'N', w]);
  return g.encode();
}

/**
 * ResNet-18's shape (torchvision's: 7x7/2 stem, max pool, four stages of two basic blocks at 64-512
 * channels, global average pool) with batch norm folded into the convolutions, as exported for
 * inference: output [N, 512].
 */
export function resnet18Model(opts: { size: number; seed?: number }): Uint8Array {
  const g = new OnnxGraph(opts.seed ?? 1);
  let x = g.input('pixels', ['N', 3, opts.size, opts.size]);
  x = g.node('Relu', [g.conv(x, 3, 64, 7, 2)]);
  x = g.node('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  let cin = 64;
  for (const [i, cout] of [64, 128, 256, 512].entries()) {
    for (let b = 0; b < 2; b++) {
      const stride = i > 0 && b === 0 ? 2 : 1;
      const h = g.node('Relu', [g.conv(x, cin, cout, 3, stride)]);
      const y = g.conv(h, cout, cout, 3);
      const skip = stride !== 1 || cin !== cout ? g.conv(x, cin, cout, 1, stride) : x;
      x = g.node('Relu', [g.node('Add', [y, skip])]);
      cin = cout;
    }
  }
  g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: 1 }, 'embedding');
  g.output('embedding', ['N', 512]);
  return g.encode();
}

/** A small CNN (four 3x3 stride-2 convs, 32 to 256 channels, ReLU, global average pool): output [N, 256]. */
export function smallModel(opts: { size: number; seed?: number }): Uint8Array {
  const g = new OnnxGraph(opts.seed ?? 1);
  let x = g.input('pixels', ['N', 3, opts.size, opts.size]);
  let cin = 3;
  for (const cout of [32, 64, 128, 256]) {
    x = g.node('Relu', [g.conv(x, cin, cout, 3, 2)]);
    cin = cout;
  }
  g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: 1 }, 'embedding');
  g.output('embedding', ['N', 256]);
  return g.encode();
}
