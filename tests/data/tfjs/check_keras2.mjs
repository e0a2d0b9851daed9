// TensorFlow.js on the Keras-2-form files Strata writes (strata_keras2/*.h5, made by
// make_strata_keras2.sh): reads each file with h5wasm (the model_config attribute and the
// model_weights datasets), builds the model with tf.models.modelFromJSON, sets the weights by their
// names through TF.js's own loadWeights (strict: every weight of the file must find its variable and
// every variable a weight, so the names Strata writes are checked too), predicts on <case>.input.npy
// and writes <case>.tfjs.npy. tests/models/test_tfjs_keras2.cpp compares Strata's predictions.
//
// TF.js deviates from Keras on some layers; the cases leave them out (see the C++ file):
// GRU(reset_after=true) is refused ("GRUCell does not support reset_after parameter set to true"),
// and TF.js has no Subtract layer ("Unknown layer: Subtract").
//
// Usage: node check_keras2.mjs   (npm install first; make_strata_keras2.sh does both)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import h5wasm from 'h5wasm/node';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, 'strata_keras2');

function readNpy(file) {
  const buf = fs.readFileSync(file);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order`);
  const body = buf.subarray(start + headerLen);
  const copy = new Uint8Array(body).buffer;
  if (descr === '<f4') return tf.tensor(new Float32Array(copy), shape, 'float32');
  if (descr === '<f8') return tf.tensor(Float32Array.from(new Float64Array(copy)), shape, 'float32');
  throw new Error(`${file}: dtype ${descr} not handled`);
}

function writeNpy(file, tensor) {
  const shape = tensor.shape;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const data = Buffer.from(new Float32Array(tensor.dataSync()).buffer);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), data]));
}

const asList = (v) => (Array.isArray(v) ? v : ArrayBuffer.isView(v) ? Array.from(v) : [v]);

await h5wasm.ready;
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.h5')).sort();
if (files.length === 0) throw new Error(`no .h5 files in ${dir}`);
for (const name of files) {
  const file = new h5wasm.File(path.join(dir, name), 'r');
  const topology = JSON.parse(file.attrs['model_config'].value);
  const model = await tf.models.modelFromJSON({ modelTopology: topology });
  const group = file.get('model_weights');
  const weights = {};
  for (const layer of asList(group.attrs['layer_names'].value)) {
    const g = group.get(layer);
    // A layer without weights has an empty list (stored as float64, as h5py stores Keras's []).
    const names = g.attrs['weight_names'] ? asList(g.attrs['weight_names'].value) : [];
    for (const weightName of names) {
      if (typeof weightName !== 'string') throw new Error(`${name} ${layer}: weight name ${weightName} (${typeof weightName})`);
      const d = g.get(weightName);
      // TF.js names have no ":0" (its converter strips it the same way).
      weights[weightName.replace(/:0$/, '')] = tf.tensor(Float32Array.from(d.value), d.shape, 'float32');
    }
  }
  model.loadWeights(weights, true);
  file.close();
  const stem = name.slice(0, -'.h5'.length);
  const x = readNpy(path.join(dir, `${stem}.input.npy`));
  const y = model.predict(x);
  writeNpy(path.join(dir, `${stem}.tfjs.npy`), y);
  console.log(`${name}: ${Object.keys(weights).length} weights set by name, output ${JSON.stringify(y.shape)}`);
}
