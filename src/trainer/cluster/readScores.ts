import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * A float32 tensor's values for a scan in JS. On wasm, a view of the backend's heap instead of a
 * copy (copying the similarity blocks out took a sixth of the kNN search); the view is only valid
 * until something else allocates on the heap (growing it detaches the view), so the caller reads
 * it at once, with no await in between. Elsewhere, a download.
 */
export async function readScores(t: tf.Tensor, use: (values: Float32Array) => void): Promise<void> {
  if (tf.getBackend() === 'wasm') use((tf.backend() as BackendWasm).typedArrayFromHeap(t) as Float32Array);
  else use((await t.data()) as Float32Array);
}
