// tfjs-core's Node build registers no gradients: they ship only as ESM sources that Node cannot
// load one by one. The union package's Node bundle registers all of them when imported, so this
// side-effect import is what makes tf.grad and optimizer.minimize work. Our own faster gradients
// for the wasm backend are registered after it and replace the stock ones they cover.
import '@tensorflow/tfjs';
