import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/*
 * Row selection for the wasm backend, whose own kernels are slow at it: Slice reads the whole
 * input out of the heap first (~30 ms per call for 60,000 x 128 whatever the slice), and GatherV2
 * takes ~13 us per row of 128 floats (260 ms for 20,000 rows). Here the rows are copied from a view
 * of the heap in JS (~5 ms for 20,000 rows) and uploaded. Other backends use tf.gather.
 */

/** Rows `rows` of x [n, d], as a new tensor [rows.length, d]. */
export function gatherRows(x: tf.Tensor2D, rows: ArrayLike<number>): tf.Tensor2D {
  const view = heapView(x);
  if (!view) return tf.tidy(() => tf.gather(x, tf.tensor1d(Int32Array.from(rows), 'int32')) as tf.Tensor2D);
  const d = x.shape[1];
  const out = new Float32Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) out.set(view.subarray(rows[r]! * d, rows[r]! * d + d), r * d);
  return tf.tensor2d(out, [rows.length, d]);
}

/** Rows start .. start + count - 1 of x, as a new tensor. */
export function rowBlock(x: tf.Tensor2D, start: number, count: number): tf.Tensor2D {
  const view = heapView(x);
  if (!view) return tf.slice(x, [start, 0], [count, x.shape[1]]);
  const d = x.shape[1];
  return tf.tensor2d(view.slice(start * d, (start + count) * d), [count, d]);
}

/**
 * x's values on the host for a scan in JS: a view of the wasm heap when x lives there (valid until
 * the next allocation on the heap: read it at once, no await in between), else a download.
 */
export function hostValues(x: tf.Tensor2D): Float32Array {
  return heapView(x) ?? (x.dataSync() as Float32Array);
}

/** x's values on the wasm heap, when the backend is wasm and x is a float32 tensor there. */
function heapView(x: tf.Tensor2D): Float32Array | undefined {
  if (tf.getBackend() !== 'wasm' || x.dtype !== 'float32') return undefined;
  const backend = tf.backend() as BackendWasm;
  if (!backend.dataIdMap.has(x.dataId)) return undefined;
  return backend.typedArrayFromHeap(x) as Float32Array;
}
