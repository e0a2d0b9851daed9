// Builds small models in TensorFlow.js (pure JavaScript 'cpu' backend), gives them seeded random
// weights, and writes each as a Keras 2 legacy .h5 with TF.js's inputs and outputs as .npy files,
// plus training cases (initial model, data, TF.js's final weights and per-epoch losses), all into
// cases/ with cases/manifest.json listing them. tests/models/test_tfjs_differential.cpp checks
// Strata against these files. Run ./regenerate.sh (npm ci && node generate.mjs).
//
// What is left out, because TensorFlow.js itself differs from Keras there (checked against Keras's
// sources, keras-team/keras and keras-team/tf-keras):
// - UpSampling2D(interpolation='bilinear'): TF.js calls tf.image.resizeBilinear without
//   half-pixel centres (TensorFlow 1's resize_bilinear); tf.keras 2.4+ and Keras 3 use
//   tf.image.resize / ops.image.resize, which use half-pixel centres. The file's keras_version
//   ("tfjs-layers ...") names no Keras release, so neither semantics is the file's.
// - Activation 'hard_sigmoid': TF.js computes Keras 2's clip(0.2x + 0.5, 0, 1), Keras 3
//   relu6(x + 3) / 6; which one a file means depends on its Keras version, and a TF.js file names
//   none (see above). 'gelu_new' is no Keras name at all.
// - GRU with reset_after=true: TF.js refuses it ("GRUCell does not support reset_after"), so every
//   TF.js GRU is Keras 2.2's reset_after=false form (which is covered).
// - Adam's epsilon: TF.js adds it to sqrt(v_hat) (bias-corrected), Keras (2 and 3) to sqrt(v)
//   (uncorrected, "epsilon hat" of the paper). The Adam case uses epsilon = 1e-10 so that the
//   placement changes no float32 digit that matters; the formulas are otherwise equal.
// - Nadam, Ftrl, AdamW, Lion: TF.js has none of them.
// - Adadelta: TF.js divides by sqrt(accumulated_grad + eps) with the accumulator from before this
//   step's gradient (so its first step is g itself); Keras (2 and 3) updates the accumulator first.
//   Left out; training parity covers SGD (momentum, Nesterov), Adam, RMSprop, Adagrad, Adamax.
// - Losses: TF.js's hinge and squared_hinge take the labels as they are; Keras maps 0/1 labels to
//   -1/1 first, so those cases use -1/1 labels. TF.js's kl_divergence multiplies by the unclipped
//   y_true, Keras by the clipped one (a difference only where y_true < 1e-7): its case uses soft
//   targets. TF.js has no Huber loss.
// - Conv1D(padding='causal'): TF.js throws NotImplementedError, so no case has it.
// - ELU(alpha != 1): TF.js throws NotImplementedError; the ELU layer case uses alpha 1.
// - Softmax(axis) other than the last: TF.js throws ("Softmax along a non-last dimension is not
//   yet supported"); the Softmax layer case uses the last axis. TF.js's Softmax layer also
//   defaults to axis 1 (Keras: -1), so the case names axis -1.
// - SeparableConv2D(depth_multiplier > 1): TF.js's config leaves depth_multiplier out, so the file
//   says 1 while its depthwise kernel has 2 (Keras itself could not load it); the cases use 1.
// - Reshape with a -1 in target_shape: TF.js's config writes null where Keras writes -1.
// - BatchNormalization on an axis other than the last, in inference: TF.js broadcasts the moving
//   statistics against the last axis (a constant input comes out varying along the last axis);
//   Keras normalizes along `axis`. Only last-axis cases are built.
// - RMSprop(centered=True): TF.js divides by sqrt(ms - mg^2 - epsilon), Keras by
//   sqrt(ms - mg^2 + epsilon); the centered case uses epsilon 0, where both are one formula.
// - The gradient of GlobalMaxPooling (a reduce-max) where several elements tie for the maximum:
//   TF.js gives each tied element the whole gradient; TensorFlow's and JAX's reduce-max gradients
//   (so Keras's) share it equally among them. A token sequence with a repeated bigram under
//   Conv1D + GlobalMaxPooling1D ties, so that training case pools by average; the training cases
//   that max-pool see float inputs, where no window ties.
// - BatchNormalization(trainable=False) in fit: TF.js still normalizes with the batch's statistics
//   and updates the moving ones; Keras (tf.keras 2 and 3) runs a frozen BatchNormalization in
//   inference mode. No training case freezes a BatchNormalization.
// - Training through a dilated convolution: TF.js has no gradient for it ("dilation rates
//   greater than 1 are not yet supported in gradients"); dilation is covered by prediction only.
// - Training through UpSampling2D: TF.js's gradient of resizeNearestNeighbor is wrong once the
//   batch or the channels exceed 1 (checked against the sum over each input pixel's copies: off by
//   units on a (2, 3, 3, 2) input); UpSampling2D is covered by prediction only.
// - Bidirectional(return_sequences=True) over a masked sequence: TF.js repeats the last valid
//   output at masked steps, as multi-backend Keras <= 2.3; tf.keras 2.4+ and Keras 3 write zeros
//   there. Version-dependent, and a TF.js file names no Keras version: left out (Bidirectional on
//   a masked sequence without return_sequences is covered).
// - Concatenate of a masked and an unmasked sequence: TF.js's output mask is the AND over the
//   inputs' masks (an unmasked input counting as all-true), as tf-keras 2 (backend.all); Keras 3
//   takes ops.any, so there the unmasked input unmasks every step. Version-dependent: left out.
// - Layers of TF.js that Strata does not have (ConvLSTM2D, Conv3DTranspose, Rescaling, Resizing,
//   CenterCrop, CategoryEncoding, RandomWidth) are not built.
import * as tf from '@tensorflow/tfjs';
import h5wasm from 'h5wasm/node';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// HDF5 stamps every object with the time (h5wasm's libhdf5 reads it through Date.now); a fixed clock
// makes a regeneration byte-identical, so only a changed case shows in a diff.
Date.now = () => Date.UTC(2024, 0, 1);

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(here, 'cases');

// ---------------------------------------------------------------------------------------------
// Seeded random numbers (mulberry32): the same files on every run.
let seedState = 1234567;
function rand() {
  seedState = (seedState + 0x6d2b79f5) | 0;
  let t = seedState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const uniform = (lo, hi) => lo + (hi - lo) * rand();
function randomArray(size, lo, hi) {
  const a = new Float32Array(size);
  for (let i = 0; i < size; ++i) a[i] = uniform(lo, hi);
  return a;
}
const sizeOf = (shape) => shape.reduce((a, b) => a * b, 1);
const randomTensor = (shape, lo = -1, hi = 1) => tf.tensor(randomArray(sizeOf(shape), lo, hi), shape, 'float32');
function randomInts(shape, n) {
  const a = new Int32Array(sizeOf(shape));
  for (let i = 0; i < a.length; ++i) a[i] = Math.floor(rand() * n);
  return a;
}

// Every weight random; positive where Keras needs it (variances), near 1 for scales.
function randomizeWeights(model) {
  const visit = (layer) => {
    if (layer.layers) { layer.layers.forEach(visit); return; }
    const values = layer.weights.map((w) => {
      const name = w.originalName;
      let lo = -0.5, hi = 0.5;
      if (/moving_variance$/.test(name)) { lo = 0.5; hi = 1.5; }
      else if (/gamma$/.test(name)) { lo = 0.5; hi = 1.5; }
      return tf.tensor(randomArray(sizeOf(w.shape), lo, hi), w.shape, 'float32');
    });
    if (values.length) layer.setWeights(values);
  };
  model.layers.forEach(visit);
}

// ---------------------------------------------------------------------------------------------
// .npy (version 1.0, C order, little endian)
function writeNpy(file, data, shape) {
  const descr = data instanceof Int32Array ? '<i4' : '<f4';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1; head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}
const writeTensorNpy = (file, t) => writeNpy(file, t.dtype === 'int32' ? new Int32Array(t.dataSync()) : new Float32Array(t.dataSync()), t.shape);

// ---------------------------------------------------------------------------------------------
// Keras 2's legacy .h5 (tf-keras keras/saving/legacy/hdf5_format.py): root attributes
// keras_version, backend, model_config (UTF-8 bytes: fixed-length strings as h5py writes bytes);
// group model_weights with layer_names, backend, keras_version; one group per top-level layer
// (every layer, weights or not) holding weight_names and one dataset per weight at the weight's
// name. A layer's weights are layer.trainable_weights + layer.non_trainable_weights, so a nested
// model stores all its trainable weights first, then all its non-trainable ones. As tf-keras, the
// layer groups are created in sorted name order (layer_names keeps the model's order).
function fixedStrings(group, name, values) {
  const enc = new TextEncoder();
  const width = Math.max(1, ...values.map((v) => enc.encode(v).length));
  group.create_attribute(name, values, [values.length], `S${width}`);
}
function fixedString(group, name, value) {
  const width = Math.max(1, new TextEncoder().encode(value).length);
  group.create_attribute(name, value, [], `S${width}`);
}
function ensureGroups(root, p) {
  let cur = '';
  for (const part of p.split('/').filter(Boolean)) {
    cur = cur ? `${cur}/${part}` : part;
    if (!root.get(cur)) root.create_group(cur);
  }
}
function writeKerasH5(file, model) {
  if (fs.existsSync(file)) fs.unlinkSync(file);
  const json = model.toJSON(null, false);
  const f = new h5wasm.File(file, 'w');
  fixedString(f, 'keras_version', json.keras_version);
  fixedString(f, 'backend', json.backend);
  fixedString(f, 'model_config', JSON.stringify({ class_name: json.class_name, config: json.config }));
  const mw = f.create_group('model_weights');
  // Keras's Sequential.layers leaves out its InputLayer; a Functional model's keeps them.
  const layers = model instanceof tf.Sequential ? model.layers.filter((l) => l.getClassName() !== 'InputLayer') : model.layers;
  fixedStrings(mw, 'layer_names', layers.map((l) => l.name));
  fixedString(mw, 'backend', json.backend);
  fixedString(mw, 'keras_version', json.keras_version);
  for (const layer of [...layers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const g = mw.create_group(layer.name);
    const weights = layer.trainableWeights.concat(layer.nonTrainableWeights);
    const names = weights.map((w) => `${w.name}:0`);
    if (names.length) fixedStrings(g, 'weight_names', names);
    else g.create_attribute('weight_names', new Float64Array(0), [0], '<d');  // np.asarray([])
    weights.forEach((w, i) => {
      const dir = path.posix.dirname(names[i]);
      if (dir !== '.') ensureGroups(f, `model_weights/${layer.name}/${dir}`);
      const value = w.read();
      f.get(`model_weights/${layer.name}`).create_dataset({
        name: names[i], data: new Float32Array(value.dataSync()), shape: value.shape, dtype: '<f'});
    });
  }
  // tf-keras 2.5+ also writes the model's own weights (none here) in top_level_model_weights.
  mw.create_group('top_level_model_weights').create_attribute('weight_names', new Float64Array(0), [0], '<d');
  f.close();
}

// ---------------------------------------------------------------------------------------------
const manifest = { generator: 'generate.mjs', tfjs_version: tf.version.tfjs, predict: [], train: [] };

// A prediction case: `build()` returns the model; `inputs` shapes (batch first) or tensors.
function predictCase(name, group, build, inputs, options = {}) {
  const model = build();
  randomizeWeights(model);
  const xs = inputs.map((spec) => (spec instanceof tf.Tensor ? spec : randomTensor(spec, options.lo ?? -1, options.hi ?? 1)));
  const y = model.predict(xs.length === 1 ? xs[0] : xs);
  const ys = Array.isArray(y) ? y : [y];
  writeKerasH5(path.join(outDir, `${name}.h5`), model);
  const inFiles = xs.map((x, i) => { const f = `${name}.x${i}.npy`; writeTensorNpy(path.join(outDir, f), x); return f; });
  const outFiles = ys.map((t, i) => { const f = `${name}.y${i}.npy`; writeTensorNpy(path.join(outDir, f), t); return f; });
  manifest.predict.push({ name, group, model: `${name}.h5`, inputs: inFiles, outputs: outFiles,
                          layers: model.layers.map((l) => l.getClassName()) });
}

const L = tf.layers;
// One layer (or a stack) in a Sequential model on an input of `shape` (without the batch).
const seq = (shape, ...make) => () => {
  const model = tf.sequential();
  model.add(L.inputLayer({ inputShape: shape }));
  make.forEach((m) => model.add(m()));
  return model;
};
function defineMoreLayerCases() {
  // channels_first wherever TF.js has it
  predictCase('max_pool2d_channels_first', 'pool', seq([2, 6, 5], () => L.maxPooling2d({ poolSize: 2, dataFormat: 'channelsFirst' })), [[2, 2, 6, 5]]);
  predictCase('avg_pool2d_channels_first', 'pool', seq([2, 5, 5], () => L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same', dataFormat: 'channelsFirst' })), [[2, 2, 5, 5]]);
  predictCase('global_avg_pool2d_channels_first', 'pool', seq([3, 4, 5], () => L.globalAveragePooling2d({ dataFormat: 'channelsFirst' })), [[2, 3, 4, 5]]);
  predictCase('global_max_pool2d_channels_first', 'pool', seq([3, 4, 5], () => L.globalMaxPooling2d({ dataFormat: 'channelsFirst' })), [[2, 3, 4, 5]]);
  predictCase('cropping2d_channels_first', 'reshape', seq([2, 6, 5], () => L.cropping2D({ cropping: [1, 2], dataFormat: 'channelsFirst' })), [[2, 2, 6, 5]]);
  predictCase('zero_padding2d_channels_first', 'reshape', seq([2, 3, 3], () => L.zeroPadding2d({ padding: 1, dataFormat: 'channelsFirst' })), [[2, 2, 3, 3]]);
  predictCase('up_sampling2d_channels_first', 'reshape', seq([2, 2, 3], () => L.upSampling2d({ size: [2, 2], dataFormat: 'channelsFirst' })), [[2, 2, 2, 3]]);
  predictCase('flatten_channels_first', 'reshape', seq([2, 3, 2], () => L.flatten({ dataFormat: 'channelsFirst' }), () => L.dense({ units: 2 })), [[2, 2, 3, 2]]);
  predictCase('conv2d_transpose_channels_first', 'conv', seq([2, 3, 3], () => L.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2, dataFormat: 'channelsFirst' })), [[2, 2, 3, 3]]);
  predictCase('separable_conv2d_s2', 'conv', seq([7, 7, 2], () => L.separableConv2d({ filters: 3, kernelSize: 3, strides: 2, useBias: false })), [[2, 7, 7, 2]]);
  predictCase('conv1d_nobias_elu', 'conv', seq([6, 2], () => L.conv1d({ filters: 3, kernelSize: 2, useBias: false, activation: 'elu' })), [[2, 6, 2]]);
  predictCase('conv2d_transpose_s2_valid', 'conv', seq([3, 3, 2], () => L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, activation: 'relu' })), [[2, 3, 3, 2]]);
  predictCase('layer_norm_two_axes', 'norm', seq([3, 4], () => L.layerNormalization({ axis: [-2, -1] })), [[2, 3, 4]]);
  predictCase('layer_norm_no_center_scale', 'norm', seq([5], () => L.layerNormalization({ center: false, scale: false })), [[3, 5]]);
  for (const act of ['linear', 'relu6', 'gelu', 'logSoftmax'])
    predictCase(`activation_${act}`, 'core', seq([6], () => L.activation({ activation: act })), [[3, 6]], { lo: -3, hi: 3 });
  predictCase('activation_softmax_rank3', 'core', seq([3, 4], () => L.activation({ activation: 'softmax' })), [[2, 3, 4]], { lo: -3, hi: 3 });
  predictCase('embedding_flatten_dense', 'embed', seq([4], () => L.embedding({ inputDim: 6, outputDim: 2 }), () => L.flatten({}), () => L.dense({ units: 3 })),
              [tf.tensor(randomInts([3, 4], 6), [3, 4], 'float32')]);
  predictCase('embedding_mask_bidirectional', 'embed', seq([5], () => L.embedding({ inputDim: 7, outputDim: 3, maskZero: true }), () => L.bidirectional({ layer: L.gru({ units: 2 }) })),
              [tf.tensor([[2, 5, 0, 0, 0], [1, 2, 3, 4, 6], [3, 3, 1, 0, 0]], [3, 5], 'float32')]);
  predictCase('embedding_mask_time_distributed', 'embed', seq([4], () => L.embedding({ inputDim: 5, outputDim: 3, maskZero: true }), () => L.simpleRNN({ units: 3, returnSequences: true }), () => L.timeDistributed({ layer: L.dense({ units: 2 }) })),
              [tf.tensor([[2, 4, 0, 0], [1, 2, 3, 4]], [2, 4], 'float32')]);
  // Masks carried through layers that pass them on, merged, and consumed.
  const tokens = () => tf.tensor([[2, 5, 0, 0, 0], [1, 2, 3, 4, 6], [3, 3, 1, 0, 0]], [3, 5], 'float32');
  predictCase('mask_gap1d', 'embed', seq([5], () => L.embedding({ inputDim: 7, outputDim: 3, maskZero: true }), () => L.globalAveragePooling1d({})), [tokens()]);
  predictCase('mask_dense_lstm', 'embed', seq([5], () => L.embedding({ inputDim: 7, outputDim: 3, maskZero: true }), () => L.dense({ units: 3, activation: 'tanh' }), () => L.lstm({ units: 2 })), [tokens()]);
  predictCase('mask_lstm_sequences', 'embed', seq([5], () => L.embedding({ inputDim: 7, outputDim: 3, maskZero: true }), () => L.lstm({ units: 2, returnSequences: true })), [tokens()]);
  predictCase('lstm_dropout_inference', 'rnn', seq([4, 3], () => L.lstm({ units: 3, dropout: 0.3, recurrentDropout: 0.2 })), [[2, 4, 3]]);
  predictCase('simple_rnn_relu', 'rnn', seq([5, 2], () => L.simpleRNN({ units: 3, activation: 'relu', returnSequences: true })), [[2, 5, 2]]);
  predictCase('time_distributed_flatten_dense', 'wrappers', seq([3, 2, 2], () => L.timeDistributed({ layer: L.flatten({}) }), () => L.lstm({ units: 2 })), [[2, 3, 2, 2]]);
  predictCase('pipeline_cnn', 'functional', seq([8, 8, 3],
    () => L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }), () => L.batchNormalization({}), () => L.reLU({}),
    () => L.maxPooling2d({ poolSize: 2 }), () => L.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
    () => L.depthwiseConv2d({ kernelSize: 2 }), () => L.globalAveragePooling2d({}), () => L.dropout({ rate: 0.5 }),
    () => L.dense({ units: 3, activation: 'softmax' })), [[2, 8, 8, 3]]);
}

function defineLayerCases() {
  // Dense, its activation argument (every Keras activation TF.js names alike)
  for (const act of ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'softsign',
                     'relu6', 'swish', 'mish', 'gelu', 'logSoftmax'])
    predictCase(`dense_${act}`, 'core', seq([5], () => L.dense({ units: 4, activation: act })), [[3, 5]], { lo: -3, hi: 3 });
  // More samples than predict's default batch of 32: three batches, the last one short.
  predictCase('dense_many_samples', 'core', seq([3], () => L.dense({ units: 2, activation: 'tanh' }), () => L.batchNormalization({})), [[70, 3]]);
  predictCase('dense_nobias', 'core', seq([5], () => L.dense({ units: 3, useBias: false })), [[3, 5]]);
  predictCase('dense_rank3', 'core', seq([2, 5], () => L.dense({ units: 3, activation: 'tanh' })), [[2, 2, 5]]);
  for (const act of ['relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'softsign', 'swish'])
    predictCase(`activation_${act}`, 'core', seq([6], () => L.activation({ activation: act })), [[3, 6]], { lo: -3, hi: 3 });

  // Convolutions
  predictCase('conv1d_valid', 'conv', seq([7, 3], () => L.conv1d({ filters: 4, kernelSize: 3, activation: 'relu' })), [[2, 7, 3]]);
  predictCase('conv1d_same_s2', 'conv', seq([8, 3], () => L.conv1d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' })), [[2, 8, 3]]);
  predictCase('conv1d_dilated', 'conv', seq([8, 2], () => L.conv1d({ filters: 3, kernelSize: 2, dilationRate: 2 })), [[2, 8, 2]]);
  predictCase('conv2d_valid', 'conv', seq([6, 5, 2], () => L.conv2d({ filters: 3, kernelSize: 3 })), [[2, 6, 5, 2]]);
  predictCase('conv2d_same_s2', 'conv', seq([7, 6, 2], () => L.conv2d({ filters: 3, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'tanh' })), [[2, 7, 6, 2]]);
  predictCase('conv2d_dilated', 'conv', seq([7, 7, 2], () => L.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2 })), [[1, 7, 7, 2]]);
  predictCase('conv2d_channels_first', 'conv', seq([2, 6, 5], () => L.conv2d({ filters: 3, kernelSize: 3, dataFormat: 'channelsFirst', padding: 'same' })), [[2, 2, 6, 5]]);
  predictCase('conv3d', 'conv', seq([4, 4, 4, 2], () => L.conv3d({ filters: 2, kernelSize: 2, activation: 'relu' })), [[1, 4, 4, 4, 2]]);
  predictCase('conv2d_transpose_valid', 'conv', seq([4, 3, 2], () => L.conv2dTranspose({ filters: 3, kernelSize: 3 })), [[2, 4, 3, 2]]);
  predictCase('conv2d_transpose_same_s2', 'conv', seq([4, 3, 2], () => L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' })), [[2, 4, 3, 2]]);
  predictCase('separable_conv2d', 'conv', seq([6, 6, 2], () => L.separableConv2d({ filters: 3, kernelSize: 3 })), [[2, 6, 6, 2]]);
  predictCase('separable_conv2d_same', 'conv', seq([5, 5, 3], () => L.separableConv2d({ filters: 2, kernelSize: 2, padding: 'same', activation: 'relu' })), [[2, 5, 5, 3]]);
  predictCase('depthwise_conv2d', 'conv', seq([6, 5, 3], () => L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 })), [[2, 6, 5, 3]]);
  predictCase('depthwise_conv2d_same_s2', 'conv', seq([6, 6, 2], () => L.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same' })), [[2, 6, 6, 2]]);

  // Pooling
  predictCase('max_pool1d', 'pool', seq([7, 3], () => L.maxPooling1d({ poolSize: 2 })), [[2, 7, 3]]);
  predictCase('avg_pool1d_same', 'pool', seq([7, 3], () => L.averagePooling1d({ poolSize: 3, strides: 2, padding: 'same' })), [[2, 7, 3]]);
  predictCase('max_pool2d_same', 'pool', seq([5, 5, 2], () => L.maxPooling2d({ poolSize: 2, padding: 'same' })), [[2, 5, 5, 2]]);
  predictCase('avg_pool2d', 'pool', seq([6, 4, 2], () => L.averagePooling2d({ poolSize: [3, 2], strides: [2, 1] })), [[2, 6, 4, 2]]);
  predictCase('avg_pool2d_same', 'pool', seq([5, 5, 2], () => L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })), [[2, 5, 5, 2]]);
  predictCase('max_pool3d', 'pool', seq([4, 4, 4, 2], () => L.maxPooling3d({ poolSize: 2 })), [[1, 4, 4, 4, 2]]);
  predictCase('avg_pool3d', 'pool', seq([4, 4, 4, 2], () => L.averagePooling3d({ poolSize: 2 })), [[1, 4, 4, 4, 2]]);
  predictCase('global_max_pool1d', 'pool', seq([6, 3], () => L.globalMaxPooling1d({})), [[2, 6, 3]]);
  predictCase('global_avg_pool1d', 'pool', seq([6, 3], () => L.globalAveragePooling1d({})), [[2, 6, 3]]);
  predictCase('global_max_pool2d', 'pool', seq([4, 5, 3], () => L.globalMaxPooling2d({})), [[2, 4, 5, 3]]);
  predictCase('global_avg_pool2d', 'pool', seq([4, 5, 3], () => L.globalAveragePooling2d({})), [[2, 4, 5, 3]]);

  // Normalization (random moving statistics)
  predictCase('batch_norm', 'norm', seq([5], () => L.batchNormalization({})), [[4, 5]]);
  predictCase('batch_norm_conv', 'norm', seq([4, 4, 3], () => L.conv2d({ filters: 3, kernelSize: 2 }), () => L.batchNormalization({ epsilon: 0.01 })), [[2, 4, 4, 3]]);
  predictCase('batch_norm_nocenter', 'norm', seq([3, 4], () => L.batchNormalization({ center: false })), [[2, 3, 4]]);
  predictCase('batch_norm_noscale', 'norm', seq([4], () => L.batchNormalization({ scale: false, momentum: 0.9 })), [[3, 4]]);
  predictCase('layer_norm', 'norm', seq([6], () => L.layerNormalization({})), [[3, 6]], { lo: -3, hi: 3 });
  predictCase('layer_norm_rank3', 'norm', seq([3, 4], () => L.layerNormalization({ epsilon: 1e-5 })), [[2, 3, 4]]);

  // Embedding, masking
  predictCase('embedding', 'embed', seq([5], () => L.embedding({ inputDim: 10, outputDim: 3 })), [tf.tensor(randomInts([2, 5], 10), [2, 5], 'float32')]);
  predictCase('embedding_mask_lstm', 'embed', seq([6], () => L.embedding({ inputDim: 8, outputDim: 3, maskZero: true }), () => L.lstm({ units: 4 })),
              [tf.tensor([[3, 1, 4, 0, 0, 0], [5, 2, 6, 7, 1, 2], [1, 0, 0, 0, 0, 0]], [3, 6], 'float32')]);
  {
    const x = randomArray(3 * 5 * 2, -1, 1);
    for (const [b, t] of [[0, 3], [0, 4], [2, 1], [2, 2], [2, 3], [2, 4]]) { x[(b * 5 + t) * 2] = 0; x[(b * 5 + t) * 2 + 1] = 0; }
    predictCase('masking_gru', 'embed', seq([5, 2], () => L.masking({ maskValue: 0 }), () => L.gru({ units: 3, returnSequences: true })), [tf.tensor(x, [3, 5, 2])]);
    predictCase('masking_simple_rnn', 'embed', seq([5, 2], () => L.masking({ maskValue: 0 }), () => L.simpleRNN({ units: 3 })), [tf.tensor(x, [3, 5, 2])]);
  }

  // Recurrent
  for (const [cls, make] of [['simple_rnn', L.simpleRNN], ['lstm', L.lstm], ['gru', L.gru]]) {
    predictCase(`${cls}`, 'rnn', seq([5, 3], () => make({ units: 4 })), [[2, 5, 3]]);
    predictCase(`${cls}_seq`, 'rnn', seq([5, 3], () => make({ units: 3, returnSequences: true })), [[2, 5, 3]]);
    predictCase(`${cls}_backwards`, 'rnn', seq([5, 3], () => make({ units: 3, goBackwards: true, returnSequences: true })), [[2, 5, 3]]);
  }
  predictCase('lstm_activations', 'rnn', seq([4, 2], () => L.lstm({ units: 3, activation: 'relu', recurrentActivation: 'sigmoid', unitForgetBias: true })), [[2, 4, 2]]);
  predictCase('gru_tanh_nobias', 'rnn', seq([4, 2], () => L.gru({ units: 3, useBias: false, recurrentActivation: 'sigmoid' })), [[2, 4, 2]]);
  predictCase('stacked_lstm', 'rnn', seq([5, 2], () => L.lstm({ units: 3, returnSequences: true }), () => L.lstm({ units: 2 })), [[2, 5, 2]]);
  for (const mode of ['concat', 'sum', 'mul', 'ave'])
    predictCase(`bidirectional_lstm_${mode}`, 'wrappers', seq([4, 3], () => L.bidirectional({ layer: L.lstm({ units: 2, returnSequences: true }), mergeMode: mode })), [[2, 4, 3]]);
  predictCase('bidirectional_gru', 'wrappers', seq([4, 3], () => L.bidirectional({ layer: L.gru({ units: 3 }) })), [[2, 4, 3]]);
  predictCase('bidirectional_simple_rnn', 'wrappers', seq([4, 3], () => L.bidirectional({ layer: L.simpleRNN({ units: 2, returnSequences: true }) })), [[2, 4, 3]]);
  predictCase('time_distributed_dense', 'wrappers', seq([4, 3], () => L.timeDistributed({ layer: L.dense({ units: 2, activation: 'relu' }) })), [[2, 4, 3]]);
  predictCase('time_distributed_conv2d', 'wrappers', seq([3, 4, 4, 2], () => L.timeDistributed({ layer: L.conv2d({ filters: 2, kernelSize: 3 }) })), [[2, 3, 4, 4, 2]]);

  // Reshaping
  predictCase('flatten', 'reshape', seq([3, 2, 2], () => L.flatten({}), () => L.dense({ units: 2 })), [[2, 3, 2, 2]]);
  predictCase('reshape', 'reshape', seq([12], () => L.reshape({ targetShape: [3, 4] }), () => L.dense({ units: 2 })), [[2, 12]]);
  predictCase('permute', 'reshape', seq([2, 3, 4], () => L.permute({ dims: [3, 1, 2] })), [[2, 2, 3, 4]]);
  predictCase('repeat_vector', 'reshape', seq([3], () => L.repeatVector({ n: 4 }), () => L.simpleRNN({ units: 2 })), [[2, 3]]);
  predictCase('cropping2d', 'reshape', seq([6, 5, 2], () => L.cropping2D({ cropping: [[1, 2], [0, 1]] })), [[2, 6, 5, 2]]);
  predictCase('zero_padding2d', 'reshape', seq([3, 3, 2], () => L.zeroPadding2d({ padding: [[1, 0], [2, 1]] }), () => L.conv2d({ filters: 1, kernelSize: 2 })), [[2, 3, 3, 2]]);
  predictCase('up_sampling2d_nearest', 'reshape', seq([2, 3, 2], () => L.upSampling2d({ size: [2, 3] })), [[2, 2, 3, 2]]);

  // Regularization layers at inference: identity
  predictCase('dropouts', 'regularization', seq([6, 4],
    () => L.dropout({ rate: 0.5 }), () => L.gaussianNoise({ stddev: 0.3 }), () => L.gaussianDropout({ rate: 0.3 }),
    () => L.alphaDropout({ rate: 0.2 }), () => L.spatialDropout1d({ rate: 0.4 }), () => L.dense({ units: 2 })), [[2, 6, 4]]);

  // Advanced activations
  predictCase('elu_layer', 'activations', seq([6], () => L.elu({})), [[3, 6]], { lo: -3, hi: 3 });
  predictCase('leaky_relu', 'activations', seq([6], () => L.leakyReLU({ alpha: 0.2 })), [[3, 6]], { lo: -3, hi: 3 });
  predictCase('prelu', 'activations', seq([3, 4], () => L.prelu({})), [[2, 3, 4]], { lo: -3, hi: 3 });
  predictCase('prelu_shared', 'activations', seq([3, 3, 2], () => L.prelu({ sharedAxes: [1, 2] })), [[2, 3, 3, 2]], { lo: -3, hi: 3 });
  predictCase('relu_max_value', 'activations', seq([6], () => L.reLU({ maxValue: 1.5 })), [[3, 6]], { lo: -3, hi: 3 });
  predictCase('softmax_layer', 'activations', seq([3, 4], () => L.softmax({ axis: -1 })), [[2, 3, 4]], { lo: -3, hi: 3 });
  predictCase('leaky_relu_default', 'activations', seq([6], () => L.leakyReLU({})), [[3, 6]], { lo: -3, hi: 3 });
  predictCase('relu_layer', 'activations', seq([2, 3], () => L.reLU({})), [[3, 2, 3]], { lo: -3, hi: 3 });
  predictCase('thresholded_relu', 'activations', seq([6], () => L.thresholdedReLU({ theta: 0.5 })), [[3, 6]], { lo: -3, hi: 3 });
}

// Functional models: several inputs, merges, shared layers.
function functional(build) {
  return () => {
    const { inputs, outputs, name } = build();
    return tf.model({ inputs, outputs, name });
  };
}
function defineFunctionalCases() {
  const merges = [["add", L.add], ["multiply", L.multiply], ["average", L.average], ["maximum", L.maximum],
                  ['minimum', L.minimum], ['concatenate', L.concatenate]];
  for (const [name, make] of merges) {
    predictCase(`merge_${name}`, 'merge', functional(() => {
      const a = tf.input({ shape: [4] }), b = tf.input({ shape: [4] });
      const h = make({}).apply([L.dense({ units: 3 }).apply(a), L.dense({ units: 3, activation: 'tanh' }).apply(b)]);
      return { inputs: [a, b], outputs: L.dense({ units: 2 }).apply(h) };
    }), [[3, 4], [3, 4]]);
  }
  predictCase('merge_concatenate_axis1', 'merge', functional(() => {
    const a = tf.input({ shape: [2, 3] }), b = tf.input({ shape: [4, 3] });
    return { inputs: [a, b], outputs: L.concatenate({ axis: 1 }).apply([a, b]) };
  }), [[2, 2, 3], [2, 4, 3]]);
  predictCase('merge_dot', 'merge', functional(() => {
    const a = tf.input({ shape: [5] }), b = tf.input({ shape: [5] });
    return { inputs: [a, b], outputs: L.dot({ axes: 1 }).apply([a, b]) };
  }), [[3, 5], [3, 5]]);
  predictCase('merge_dot_normalize', 'merge', functional(() => {
    const a = tf.input({ shape: [5] }), b = tf.input({ shape: [5] });
    return { inputs: [a, b], outputs: L.dot({ axes: -1, normalize: true }).apply([L.dense({ units: 3 }).apply(a), L.dense({ units: 3 }).apply(b)]) };
  }), [[3, 5], [3, 5]]);
  predictCase('merge_dot_rank3', 'merge', functional(() => {
    const a = tf.input({ shape: [3, 4] }), b = tf.input({ shape: [2, 4] });
    return { inputs: [a, b], outputs: L.dot({ axes: [2, 2] }).apply([a, b]) };
  }), [[2, 3, 4], [2, 2, 4]]);
  predictCase('shared_dense_two_outputs', 'functional', functional(() => {
    const a = tf.input({ shape: [4], name: 'left' }), b = tf.input({ shape: [4], name: 'right' });
    const shared = L.dense({ units: 3, activation: 'relu', name: 'shared' });
    const ha = shared.apply(a), hb = shared.apply(b);
    return { inputs: [a, b], outputs: [L.dense({ units: 2, name: 'out_a' }).apply(ha), L.add({}).apply([ha, hb])] };
  }), [[3, 4], [3, 4]]);
  predictCase('residual_conv_bn', 'functional', functional(() => {
    const x = tf.input({ shape: [6, 6, 3] });
    let h = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(x);
    h = L.batchNormalization({}).apply(h);
    h = L.activation({ activation: 'relu' }).apply(h);
    h = L.add({}).apply([h, x]);
    h = L.maxPooling2d({ poolSize: 2 }).apply(h);
    h = L.globalAveragePooling2d({}).apply(h);
    return { inputs: x, outputs: L.dense({ units: 2, activation: 'softmax' }).apply(h) };
  }), [[2, 6, 6, 3]]);
  predictCase('merge_add_three', 'merge', functional(() => {
    const a = tf.input({ shape: [3] }), b = tf.input({ shape: [3] }), c = tf.input({ shape: [3] });
    return { inputs: [a, b, c], outputs: [L.add({}).apply([a, b, c]), L.maximum({}).apply([a, b, c]), L.concatenate({ axis: -1 }).apply([a, b, c])] };
  }), [[2, 3], [2, 3], [2, 3]]);
  predictCase('lstm_return_state', 'functional', functional(() => {
    const x = tf.input({ shape: [4, 2] });
    const [out, h, c] = L.lstm({ units: 3, returnState: true }).apply(x);
    return { inputs: x, outputs: [out, h, c] };
  }), [[2, 4, 2]]);
  predictCase('gru_initial_state', 'functional', functional(() => {
    const x = tf.input({ shape: [4, 2] }), s = tf.input({ shape: [3] });
    return { inputs: [x, s], outputs: L.gru({ units: 3 }).apply(x, { initialState: s }) };
  }), [[2, 4, 2], [2, 3]]);
  predictCase('rnn_branches', 'functional', functional(() => {
    const x = tf.input({ shape: [5, 3] });
    const a = L.lstm({ units: 3 }).apply(x), b = L.gru({ units: 3, goBackwards: true }).apply(x);
    const c = L.globalAveragePooling1d({}).apply(L.conv1d({ filters: 3, kernelSize: 2 }).apply(x));
    return { inputs: x, outputs: L.concatenate({}).apply([a, b, c]) };
  }), [[2, 5, 3]]);
}

// Nested models: a Sequential and a Functional model used as layers of a Functional model.
function defineNestedCases() {
  predictCase('nested_sequential', 'nested', functional(() => {
    const base = tf.sequential({ name: 'base_seq', layers: [L.dense({ units: 4, inputShape: [5], activation: 'relu' }), L.batchNormalization({}), L.dense({ units: 3 })] });
    const x = tf.input({ shape: [5] });
    return { inputs: x, outputs: L.dense({ units: 2 }).apply(base.apply(x)) };
  }), [[3, 5]]);
  predictCase('nested_functional', 'nested', functional(() => {
    const i = tf.input({ shape: [4, 4, 2] });
    let h = L.conv2d({ filters: 3, kernelSize: 2 }).apply(i);
    h = L.batchNormalization({}).apply(h);
    h = L.globalMaxPooling2d({}).apply(h);
    const base = tf.model({ inputs: i, outputs: h, name: 'base_fn' });
    const x = tf.input({ shape: [4, 4, 2] });
    return { inputs: x, outputs: L.dense({ units: 2, activation: 'sigmoid' }).apply(base.apply(x)) };
  }), [[2, 4, 4, 2]]);
  predictCase('nested_both', 'nested', functional(() => {
    const s = tf.sequential({ name: 'branch_seq', layers: [L.dense({ units: 3, inputShape: [4] }), L.batchNormalization({ center: false })] });
    const fi = tf.input({ shape: [4] });
    const f = tf.model({ inputs: fi, outputs: L.dense({ units: 3, activation: 'tanh' }).apply(L.batchNormalization({}).apply(fi)), name: 'branch_fn' });
    const x = tf.input({ shape: [4] });
    return { inputs: x, outputs: L.add({}).apply([s.apply(x), f.apply(x)]) };
  }), [[3, 4]]);
  predictCase('nested_sequential_in_sequential', 'nested', () => {
    const inner = tf.sequential({ name: 'inner', layers: [L.dense({ units: 3, inputShape: [4], activation: 'relu' }), L.batchNormalization({})] });
    const outer = tf.sequential({ name: 'outer' });
    outer.add(inner);
    outer.add(L.dense({ units: 2 }));
    return outer;
  }, [[3, 4]]);
}

// ---------------------------------------------------------------------------------------------
// Training parity: the same initial weights, the same batches in order, two epochs.
// `yMake` may return one target or a list (a model with several outputs, `loss` and `kerasLoss`
// then lists too: TF.js and Keras both sum the outputs' losses).
async function trainCase(name, build, xShape, yMake, optimizer, kerasOptimizer, loss, kerasLoss, batchSize = 4, xMake = null, classWeight = null) {
  const model = build();
  randomizeWeights(model);
  const x = xMake ? xMake(xShape[0]) : randomTensor(xShape);
  const y = yMake(xShape[0]);
  const ys = Array.isArray(y) ? y : [y];
  writeKerasH5(path.join(outDir, `${name}.initial.h5`), model);
  writeTensorNpy(path.join(outDir, `${name}.x.npy`), x);
  const yFiles = ys.map((t, i) => { const f = `${name}.y${i}.npy`; writeTensorNpy(path.join(outDir, f), t); return f; });
  model.compile({ optimizer, loss });
  const history = await model.fit(x, y, { epochs: 2, batchSize, shuffle: false, verbose: 0, classWeight: classWeight ?? undefined });
  writeKerasH5(path.join(outDir, `${name}.final.h5`), model);
  const entry = { name, initial: `${name}.initial.h5`, final: `${name}.final.h5`, x: `${name}.x.npy`, y: yFiles,
                  batch_size: batchSize, epochs: 2, optimizer: kerasOptimizer, loss: kerasLoss,
                  loss_history: history.history.loss.map(Number) };
  if (classWeight) entry.class_weight = classWeight;
  manifest.train.push(entry);
}

const oneHot = (classes) => (n) => tf.oneHot(tf.tensor1d(randomInts([n], classes), 'int32'), classes).toFloat();
const sparse = (classes) => (n) => tf.tensor(randomInts([n, 1], classes), [n, 1], 'float32');
const regression = (units) => (n) => randomTensor([n, units]);
const binary = (units) => (n) => tf.tensor(randomInts([n, units], 2), [n, units], 'float32');

async function defineTrainingCases() {
  const mlp = (out, act) => () => tf.sequential({ layers: [L.dense({ units: 5, inputShape: [4], activation: 'tanh' }), L.dense({ units: out, activation: act })] });
  const lr = 0.05;
  const opts = [
    ['sgd', () => tf.train.sgd(lr), { class_name: 'SGD', config: { learning_rate: lr } }],
    ['sgd_momentum', () => tf.train.momentum(lr, 0.9), { class_name: 'SGD', config: { learning_rate: lr, momentum: 0.9 } }],
    ['sgd_nesterov', () => tf.train.momentum(lr, 0.9, true), { class_name: 'SGD', config: { learning_rate: lr, momentum: 0.9, nesterov: true } }],
    ['adam', () => tf.train.adam(0.01, 0.9, 0.999, 1e-10), { class_name: 'Adam', config: { learning_rate: 0.01, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-10 } }],
    // TF.js RMSprop: ms = rho ms + (1-rho) g^2; var -= lr g / sqrt(ms + eps): Keras 3's formula.
    ['rmsprop', () => tf.train.rmsprop(0.01, 0.9, 0, 1e-7), { class_name: 'RMSprop', config: { learning_rate: 0.01, rho: 0.9, epsilon: 1e-7 } }],
    ['rmsprop_momentum', () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7), { class_name: 'RMSprop', config: { learning_rate: 0.01, rho: 0.9, momentum: 0.5, epsilon: 1e-7 } }],
    ['rmsprop_centered', () => tf.train.rmsprop(0.01, 0.9, 0, 0, true), { class_name: 'RMSprop', config: { learning_rate: 0.01, rho: 0.9, epsilon: 0, centered: true } }],
    // TF.js Adagrad: the accumulator starts at 0.1, var -= lr g / sqrt(acc + 1e-7) (backend epsilon): Keras's defaults.
    ['adagrad', () => tf.train.adagrad(0.1, 0.1), { class_name: 'Adagrad', config: { learning_rate: 0.1, initial_accumulator_value: 0.1, epsilon: 1e-7 } }],
    ['adamax', () => tf.train.adamax(0.02, 0.9, 0.999, 1e-7), { class_name: 'Adamax', config: { learning_rate: 0.02, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 } }],
  ];
  for (const [oname, make, kopt] of opts)
    await trainCase(`train_${oname}_mse`, mlp(3), [16, 4], regression(3), make(), kopt, 'meanSquaredError', 'mean_squared_error');
  await trainCase('train_sgd_categorical', mlp(3, 'softmax'), [12, 4], oneHot(3), opts[1][1](), opts[1][2], 'categoricalCrossentropy', 'categorical_crossentropy');
  await trainCase('train_adam_sparse_categorical', mlp(4, 'softmax'), [12, 4], sparse(4), opts[3][1](), opts[3][2], 'sparseCategoricalCrossentropy', 'sparse_categorical_crossentropy');
  await trainCase('train_rmsprop_binary', mlp(2, 'sigmoid'), [12, 4], binary(2), opts[4][1](), opts[4][2], 'binaryCrossentropy', 'binary_crossentropy');
  await trainCase('train_adagrad_mae', mlp(2), [12, 4], regression(2), opts[7][1](), opts[7][2], 'meanAbsoluteError', 'mean_absolute_error');
  await trainCase('train_adamax_hinge', mlp(2, 'tanh'), [12, 4], (n) => binary(2)(n).mul(2).sub(1), opts[8][1](), opts[8][2], 'hinge', 'hinge');
  await trainCase('train_sgd_conv_functional', functional(() => {
    const x = tf.input({ shape: [5, 5, 2] });
    let h = L.conv2d({ filters: 2, kernelSize: 3, activation: 'relu' }).apply(x);
    h = L.flatten({}).apply(h);
    return { inputs: x, outputs: L.dense({ units: 3, activation: 'softmax' }).apply(h) };
  }), [8, 5, 5, 2], oneHot(3), opts[0][1](), opts[0][2], 'categoricalCrossentropy', 'categorical_crossentropy');
  // Adam's first steps are about lr * sign(g): a gradient element near zero flips with the last
  // float32 bit of either implementation. Through an LSTM at lr 0.01 a 3e-7 change of the input
  // moves TF.js's own final weights by 5e-6 (relative); at lr 0.002 by 2e-7, so this case uses 0.002.
  await trainCase('train_adam_lstm_mse', () => tf.sequential({ layers: [L.lstm({ units: 3, inputShape: [4, 2] }), L.dense({ units: 2 })] }),
                  [8, 4, 2], regression(2), tf.train.adam(0.002, 0.9, 0.999, 1e-10),
                  { class_name: 'Adam', config: { learning_rate: 0.002, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-10 } }, 'meanSquaredError', 'mean_squared_error');
  await trainCase('train_sgd_gru_mse', () => tf.sequential({ layers: [L.gru({ units: 3, inputShape: [4, 2] }), L.dense({ units: 2 })] }),
                  [8, 4, 2], regression(2), opts[1][1](), opts[1][2], 'meanSquaredError', 'mean_squared_error');
  await trainCase('train_rmsprop_conv1d_embedding', () => tf.sequential({ layers: [L.embedding({ inputDim: 6, outputDim: 3, inputLength: 5, inputShape: [5] }),
                  L.conv1d({ filters: 4, kernelSize: 2, activation: 'relu' }), L.globalAveragePooling1d({}), L.dense({ units: 3, activation: 'softmax' })] }),
                  [8, 5], sparse(3), opts[4][1](), opts[4][2], 'sparseCategoricalCrossentropy', 'sparse_categorical_crossentropy',
                  4, (n) => tf.tensor(randomInts([n, 5], 6), [n, 5], 'float32'));
  // BatchNormalization in training: batch statistics forward, moving statistics updated.
  await trainCase('train_sgd_batch_norm', () => tf.sequential({ layers: [L.dense({ units: 4, inputShape: [4] }), L.batchNormalization({ momentum: 0.8 }), L.dense({ units: 2 })] }),
                  [16, 4], regression(2), opts[1][1](), opts[1][2], 'meanSquaredError', 'mean_squared_error');
  // Weight regularizers add their penalty to the loss (and its gradient).
  await trainCase('train_sgd_l2_regularized', () => tf.sequential({ layers: [
                    L.dense({ units: 5, inputShape: [4], activation: 'relu', kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) }),
                    L.dense({ units: 2, kernelRegularizer: tf.regularizers.l1l2({ l1: 0.01, l2: 0.02 }), biasRegularizer: tf.regularizers.l1({ l1: 0.005 }) })] }),
                  [12, 4], regression(2), opts[0][1](), opts[0][2], 'meanSquaredError', 'mean_squared_error');
  // A frozen layer keeps its weights; the layer after it trains.
  await trainCase('train_sgd_frozen_layer', () => tf.sequential({ layers: [L.dense({ units: 5, inputShape: [4], activation: 'tanh', trainable: false }), L.dense({ units: 2 })] }),
                  [12, 4], regression(2), opts[1][1](), opts[1][2], 'meanSquaredError', 'mean_squared_error');
  // class_weight: each sample's loss times its class's weight, averaged over the batch.
  await trainCase('train_sgd_class_weight', mlp(3, 'softmax'), [12, 4], oneHot(3), opts[1][1](), opts[1][2], 'categoricalCrossentropy', 'categorical_crossentropy',
                  4, null, { 0: 1.0, 1: 2.5, 2: 0.5 });
  // Two outputs, one loss each; the logged loss is their sum. (With Adam at lr 0.01 one kernel
  // element of this model ends 8e-5 (relative) apart: a gradient that is mostly cancellation, whose
  // last bits Adam's normalized step amplifies; RMSprop's epsilon damps it.)
  await trainCase('train_rmsprop_two_outputs', functional(() => {
    const x = tf.input({ shape: [4] });
    const h = L.dense({ units: 5, activation: 'relu' }).apply(x);
    return { inputs: x, outputs: [L.dense({ units: 2, name: 'reg' }).apply(h), L.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(h)] };
  }), [12, 4], (n) => [regression(2)(n), oneHot(3)(n)], opts[4][1](), opts[4][2], ['meanSquaredError', 'categoricalCrossentropy'],
                  ['mean_squared_error', 'categorical_crossentropy']);
  // The gradients of many layers (SGD with momentum: no normalized steps to amplify rounding).
  const sgdm = () => [opts[1][1](), opts[1][2]];
  await trainCase('train_sgd_conv_stack', () => tf.sequential({ layers: [
                    L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', inputShape: [6, 6, 2] }),
                    L.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, activation: 'tanh' }),
                    L.separableConv2d({ filters: 3, kernelSize: 2 }), L.maxPooling2d({ poolSize: 2 }),
                    L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }), L.averagePooling2d({ poolSize: 2 }),
                    L.globalAveragePooling2d({}), L.dense({ units: 2 })] }),
                  [8, 6, 6, 2], regression(2), ...sgdm(), 'meanSquaredError', 'mean_squared_error');
  await trainCase('train_sgd_conv1d_pool', () => tf.sequential({ layers: [
                    L.conv1d({ filters: 3, kernelSize: 2, inputShape: [9, 2] }), L.averagePooling1d({ poolSize: 2 }),
                    L.conv1d({ filters: 2, kernelSize: 2, padding: 'same', activation: 'sigmoid' }), L.maxPooling1d({ poolSize: 2 }),
                    L.flatten({}), L.dense({ units: 2 })] }),
                  [8, 9, 2], regression(2), ...sgdm(), 'meanSquaredError', 'mean_squared_error');
  await trainCase('train_sgd_conv3d', () => tf.sequential({ layers: [
                    L.conv3d({ filters: 2, kernelSize: 2, inputShape: [3, 3, 3, 1] }), L.maxPooling3d({ poolSize: 2 }), L.flatten({}), L.dense({ units: 2 })] }),
                  [8, 3, 3, 3, 1], regression(2), ...sgdm(), 'meanSquaredError', 'mean_squared_error');
  await trainCase('train_sgd_rnn_wrappers', () => tf.sequential({ layers: [
                    L.bidirectional({ layer: L.lstm({ units: 2, returnSequences: true }), inputShape: [4, 3] }),
                    L.timeDistributed({ layer: L.dense({ units: 3, activation: 'tanh' }) }),
                    L.simpleRNN({ units: 3, goBackwards: true }), L.dense({ units: 2 })] }),
                  [8, 4, 3], regression(2), ...sgdm(), 'meanSquaredError', 'mean_squared_error');
  await trainCase('train_sgd_masked_lstm', () => tf.sequential({ layers: [
                    L.embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputShape: [5] }), L.lstm({ units: 3 }),
                    L.dense({ units: 3, activation: 'softmax' })] }),
                  [8, 5], sparse(3), ...sgdm(), 'sparseCategoricalCrossentropy', 'sparse_categorical_crossentropy', 4,
                  (n) => tf.tensor(Array.from({ length: n * 5 }, (_, i) => (i % 5 < 2 + (Math.floor(i / 5) % 3) ? 1 + Math.floor(rand() * 5) : 0)), [n, 5], 'float32'));
  await trainCase('train_sgd_norm_activations', () => tf.sequential({ layers: [
                    L.dense({ units: 6, inputShape: [4] }), L.layerNormalization({}), L.prelu({}), L.dense({ units: 5 }),
                    L.leakyReLU({ alpha: 0.2 }), L.dense({ units: 4 }), L.elu({}), L.dense({ units: 2 })] }),
                  [12, 4], regression(2), ...sgdm(), 'meanSquaredError', 'mean_squared_error');
  await trainCase('train_sgd_merge_graph', functional(() => {
    const x = tf.input({ shape: [4] });
    const a = L.dense({ units: 3, activation: 'tanh' }).apply(x), b = L.dense({ units: 3 }).apply(x);
    const c = L.dense({ units: 3, activation: 'sigmoid' }).apply(x);
    const m = L.concatenate({}).apply([L.multiply({}).apply([a, b]), L.add({}).apply([b, c]), L.dot({ axes: 1 }).apply([a, c]),
                                      L.maximum({}).apply([a, c]), L.average({}).apply([a, b, c])]);
    return { inputs: x, outputs: L.dense({ units: 2 }).apply(m) };
  }), [12, 4], regression(2), ...sgdm(), 'meanSquaredError', 'mean_squared_error');
  await trainCase('train_sgd_reshapes', () => tf.sequential({ layers: [
                    L.reshape({ targetShape: [2, 3, 2], inputShape: [12] }), L.permute({ dims: [2, 1, 3] }),
                    L.zeroPadding2d({ padding: 1 }), L.conv2d({ filters: 2, kernelSize: 2 }), L.cropping2D({ cropping: [[1, 0], [0, 1]] }),
                    L.flatten({}), L.repeatVector({ n: 2 }), L.gru({ units: 2 })] }),
                  [8, 12], regression(2), ...sgdm(), 'meanSquaredError', 'mean_squared_error');
  // More losses, each on targets in its domain.
  const positive = (units) => (n) => tf.tensor(randomArray(n * units, 0.1, 2), [n, units]);
  const soft = (units) => (n) => tf.softmax(randomTensor([n, units], -2, 2));
  await trainCase('train_sgd_squared_hinge', mlp(2, 'tanh'), [12, 4], (n) => binary(2)(n).mul(2).sub(1), opts[1][1](), opts[1][2], 'squaredHinge', 'squared_hinge');
  await trainCase('train_sgd_categorical_hinge', mlp(3), [12, 4], oneHot(3), opts[1][1](), opts[1][2], 'categoricalHinge', 'categorical_hinge');
  await trainCase('train_sgd_log_cosh', mlp(2), [12, 4], regression(2), opts[1][1](), opts[1][2], 'logcosh', 'log_cosh');
  await trainCase('train_adagrad_kl_divergence', mlp(3, 'softmax'), [12, 4], soft(3), opts[7][1](), opts[7][2], 'kullbackLeiblerDivergence', 'kl_divergence');
  await trainCase('train_sgd_poisson', mlp(2, 'softplus'), [12, 4], positive(2), opts[0][1](), opts[0][2], 'poisson', 'poisson');
  await trainCase('train_sgd_mape', mlp(2), [12, 4], positive(2), tf.train.sgd(0.001), { class_name: 'SGD', config: { learning_rate: 0.001 } },
                  'meanAbsolutePercentageError', 'mean_absolute_percentage_error');
  await trainCase('train_sgd_msle', mlp(2, 'softplus'), [12, 4], positive(2), opts[1][1](), opts[1][2], 'meanSquaredLogarithmicError', 'mean_squared_logarithmic_error');
  await trainCase('train_sgd_cosine', mlp(3), [12, 4], regression(3), opts[1][1](), opts[1][2], 'cosineProximity', 'cosine_similarity');
  // A last batch smaller than the others (10 samples, batches of 4): the epoch's loss is the
  // batch-size-weighted mean in both.
  await trainCase('train_sgd_uneven_batches', mlp(2), [10, 4], regression(2), opts[1][1](), opts[1][2], 'meanSquaredError', 'mean_squared_error');
}

// ---------------------------------------------------------------------------------------------
await tf.setBackend('cpu');
await h5wasm.ready;
fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(outDir, { recursive: true });
defineLayerCases();
defineMoreLayerCases();
defineFunctionalCases();
defineNestedCases();
await defineTrainingCases();
fs.writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
console.log(`${manifest.predict.length} prediction cases, ${manifest.train.length} training cases in ${outDir}`);
