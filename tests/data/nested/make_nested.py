#!/usr/bin/python3
"""Writes Keras files of a model with nested models, laid out by hand as each Keras version writes
them, and reference.json with the outputs computed by NumPy.

Run with Debian's python3 + h5py + numpy:  /usr/bin/python3 tests/data/nested/make_nested.py
Deterministic (fixed seed). tests/models/test_saving_nested.cpp loads every file and checks it.

The model (names as in the files):
    x1, x2: Input((3,))
    seq_base = Sequential([Input((3,)), Dense(4, name="sd1"), BatchNormalization(name="sbn"),
                           Activation("relu", name="sact")])
    a = seq_base(x1); b = seq_base(x2)            # a nested model called twice
    s = Add(name="add")([a, b])
    fun_base = Model(fin, fd2(fbn(fd1(fin))))     # Input((4,)) -> Dense(4) -> BN -> Dense(2)
    f = fun_base(s)
    outputs: [Dense(1, name="head")(f), f, b]      # two outputs name nested models directly

The layout rules followed (from Keras's source):
- Keras 2 configs ([name, node, tensor, kwargs] nodes): a nested model's calls are numbered from
  1, its node 0 being the model's own internal node (multi-backend keras/engine/network.py
  get_config: kept_nodes = 1 for every Network; tf.keras functional.py _should_skip_first_node:
  a Functional or Sequential whose first layer is an InputLayer), in inbound_nodes and in
  input_layers / output_layers alike.
- Keras 3 configs ({"args", "kwargs"} nodes): inbound_nodes name a nested model's calls from 0
  (serialize_node: the keras_history node index); output_layers number a nested Functional's calls
  from 1 (get_config: kept_nodes = 1 for Functional subclasses; Sequential is not one) and
  functional_from_config's get_tensor subtracts that 1 again.
- Legacy .h5 weights: one group per top-level layer; a nested model's group holds
  layer.trainable_weights + layer.non_trainable_weights (tf.keras hdf5_format._legacy_weights,
  multi-backend saving.py save_weights_to_hdf5_group with Network.weights): every trainable
  weight of every inner layer first, then the non-trainable ones (BatchNormalization's moving
  statistics last). A frozen nested model (trainable=False) differs: multi-backend Keras 2 (up to
  2.3) still lists the inner layers' trainable weights first (Network.non_trainable_weights), while
  tf.keras gathers each inner layer's variables in turn (Layer.non_trainable_weights with
  _gather_children_attribute("variables")).
- Keras 3 .weights.h5 (saving_lib._save_state / _save_container_state): layers/<key>/vars/<i>,
  a nested model's layers under layers/<key>/layers/<key>/vars, key = snake_case class name made
  unique per container ("sequential", "functional", "dense", "dense_1"); Functional.layers lists
  its InputLayers, Sequential.layers does not.
"""
import json
import os
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261208)
EPS = 1e-3


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


W = {
    "sd1": [rand(3, 4), rand(4)],
    "sbn": [rand(4) * 0.5 + 1, rand(4), rand(4), np.abs(rand(4)) + 0.5],  # gamma, beta, mean, var
    "fd1": [rand(4, 4), rand(4)],
    "fbn": [rand(4) * 0.5 + 1, rand(4), rand(4), np.abs(rand(4)) + 0.5],
    "fd2": [rand(4, 2), rand(2)],
    "head": [rand(2, 1), rand(1)],
}
X1 = rand(5, 3)
X2 = rand(5, 3)


def bn(x, w):
    gamma, beta, mean, var = w
    return gamma * (x - mean) / np.sqrt(var + EPS) + beta


def seq_base(x):
    return np.maximum(bn(x @ W["sd1"][0] + W["sd1"][1], W["sbn"]), 0)


def fun_base(x):
    h = bn(x @ W["fd1"][0] + W["fd1"][1], W["fbn"])
    return h @ W["fd2"][0] + W["fd2"][1]


b = seq_base(X2)
fout = fun_base(seq_base(X1) + b)
head = fout @ W["head"][0] + W["head"][1]

# ------------------------------------------------------------------ Keras 2 / tf.keras configs


def dense2(name, units, tf_keras):
    c = {"name": name, "trainable": True, "dtype": "float32", "units": units, "activation": "linear",
         "use_bias": True,
         "kernel_initializer": {"class_name": "GlorotUniform" if tf_keras else "VarianceScaling",
                                "config": {"seed": None} if tf_keras else
                                {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}},
         "bias_initializer": {"class_name": "Zeros", "config": {}},
         "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
         "kernel_constraint": None, "bias_constraint": None}
    return {"class_name": "Dense", "config": c}


def bn2(name, tf_keras):
    c = {"name": name, "trainable": True, "dtype": "float32", "axis": [1] if tf_keras else -1,
         "momentum": 0.99, "epsilon": EPS, "center": True, "scale": True,
         "beta_initializer": {"class_name": "Zeros", "config": {}},
         "gamma_initializer": {"class_name": "Ones", "config": {}},
         "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
         "moving_variance_initializer": {"class_name": "Ones", "config": {}},
         "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None}
    return {"class_name": "BatchNormalization", "config": c}


def input2(name, dim, tf_keras):
    c = {"batch_input_shape": [None, dim], "dtype": "float32", "sparse": False, "name": name}
    if tf_keras:
        c["ragged"] = False
    return {"class_name": "InputLayer", "config": c}


def node2(*refs):
    return [[name, node, tensor, {}] for name, node, tensor in refs]


def keras2_config(tf_keras, frozen):
    """tf_keras: tf.keras 2.x spelling (class 'Functional', the Sequential lists its InputLayer);
    otherwise multi-backend Keras 2.2.4 ('Model', the first Sequential layer has the shape)."""
    seq_layers = [dense2("sd1", 4, tf_keras), bn2("sbn", tf_keras),
                  {"class_name": "Activation", "config": {"name": "sact", "trainable": True, "dtype": "float32",
                                                          "activation": "relu"}}]
    if tf_keras:
        seq_layers.insert(0, input2("seq_in", 3, True))
    else:
        seq_layers[0]["config"]["batch_input_shape"] = [None, 3]
    seq = {"class_name": "Sequential", "config": {"name": "seq_base", "layers": seq_layers}}

    def inner(entry, name, nodes):
        return dict(entry, name=name, inbound_nodes=nodes)

    fun_layers = [inner(input2("fin", 4, tf_keras), "fin", []),
                  inner(dense2("fd1", 4, tf_keras), "fd1", [node2(("fin", 0, 0))]),
                  inner(bn2("fbn", tf_keras), "fbn", [node2(("fd1", 0, 0))]),
                  inner(dense2("fd2", 2, tf_keras), "fd2", [node2(("fbn", 0, 0))])]
    fun = {"class_name": "Functional" if tf_keras else "Model",
           "config": {"name": "fun_base", "layers": fun_layers, "input_layers": [["fin", 0, 0]],
                      "output_layers": [["fd2", 0, 0]]}}
    if frozen:
        fun["config"]["trainable"] = False
        if tf_keras:  # tf.keras's trainable setter freezes every inner layer too
            for l in fun_layers:
                l["config"]["trainable"] = False
    layers = [inner(input2("x1", 3, tf_keras), "x1", []),
              inner(input2("x2", 3, tf_keras), "x2", []),
              inner(seq, "seq_base", [node2(("x1", 0, 0)), node2(("x2", 0, 0))]),
              inner({"class_name": "Add", "config": {"name": "add", "trainable": True, "dtype": "float32"}}, "add",
                    [node2(("seq_base", 1, 0), ("seq_base", 2, 0))]),
              inner(fun, "fun_base", [node2(("add", 0, 0))]),
              inner(dense2("head", 1, tf_keras), "head", [node2(("fun_base", 1, 0))])]
    config = {"name": "outer", "layers": layers, "input_layers": [["x1", 0, 0], ["x2", 0, 0]],
              "output_layers": [["head", 0, 0], ["fun_base", 1, 0], ["seq_base", 2, 0]]}
    return {"class_name": "Functional" if tf_keras else "Model", "config": config}


def names(layer, *weights):
    return [f"{layer}/{w}:0" for w in weights]


BN_T = ("gamma", "beta")
BN_N = ("moving_mean", "moving_variance")


def legacy_groups(tf_keras, frozen):
    """(group name, [(weight name, value)]) per top-level layer, in model.layers order."""
    seq = list(zip(names("sd1", "kernel", "bias") + names("sbn", *BN_T), W["sd1"] + W["sbn"][:2])) + \
        list(zip(names("sbn", *BN_N), W["sbn"][2:]))
    fd1 = list(zip(names("fd1", "kernel", "bias"), W["fd1"]))
    fbn_t = list(zip(names("fbn", *BN_T), W["fbn"][:2]))
    fbn_n = list(zip(names("fbn", *BN_N), W["fbn"][2:]))
    fd2 = list(zip(names("fd2", "kernel", "bias"), W["fd2"]))
    if frozen and tf_keras:  # each inner layer's variables in turn
        fun = fd1 + fbn_t + fbn_n + fd2
    else:  # all trainable first, then all non-trainable
        fun = fd1 + fbn_t + fd2 + fbn_n
    return [("x1", []), ("x2", []), ("seq_base", seq), ("add", []), ("fun_base", fun),
            ("head", list(zip(names("head", "kernel", "bias"), W["head"])))]


def write_legacy_weights(g, tf_keras, frozen, version):
    groups = legacy_groups(tf_keras, frozen)
    g.attrs["layer_names"] = np.array([n.encode() for n, _ in groups])
    g.attrs["backend"] = b"tensorflow"
    g.attrs["keras_version"] = version.encode()
    for name, weights in groups:
        sub = g.create_group(name)
        sub.attrs["weight_names"] = np.array([n.encode() for n, _ in weights], dtype="S")
        for n, v in weights:
            sub.create_dataset(n, data=v)


def write_legacy_model(path, tf_keras, frozen):
    version = "2.13.1" if tf_keras else "2.2.4"
    with h5py.File(os.path.join(HERE, path), "w") as f:
        f.attrs["keras_version"] = version.encode()
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(keras2_config(tf_keras, frozen)).encode()
        write_legacy_weights(f.create_group("model_weights"), tf_keras, frozen, version)


write_legacy_model("k2_nested.h5", False, False)
write_legacy_model("tfk_nested.h5", True, False)
write_legacy_model("k2_nested_frozen.h5", False, True)
write_legacy_model("tfk_nested_frozen.h5", True, True)
# to_json() + save_weights("...h5") (tf.keras)
with open(os.path.join(HERE, "tfk_nested.json"), "w") as out:
    doc = keras2_config(True, False)
    doc.update({"keras_version": "2.13.1", "backend": "tensorflow"})
    json.dump(doc, out)
with h5py.File(os.path.join(HERE, "tfk_nested_weights.h5"), "w") as f:
    write_legacy_weights(f, True, False, "2.13.1")

# ------------------------------------------------------------------ Keras 3


def kt(name, node, dim):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": [None, dim], "dtype": "float32", "keras_history": [name, node, 0]}}


def layer3(cls, config, module="keras.layers"):
    return {"module": module, "class_name": cls, "config": config, "registered_name": None}


def dense3(name, units, in_dim):
    return dict(layer3("Dense", {"name": name, "trainable": True, "dtype": "float32", "units": units,
                                 "activation": "linear", "use_bias": True,
                                 "kernel_initializer": layer3("GlorotUniform", {"seed": None}, "keras.initializers"),
                                 "bias_initializer": layer3("Zeros", {}, "keras.initializers"),
                                 "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None,
                                 "bias_constraint": None}),
                build_config={"input_shape": [None, in_dim]})


def bn3(name):
    return dict(layer3("BatchNormalization", {"name": name, "trainable": True, "dtype": "float32", "axis": -1,
                                              "momentum": 0.99, "epsilon": EPS, "center": True, "scale": True}),
                build_config={"input_shape": [None, 4]})


def input3(name, dim):
    return layer3("InputLayer", {"batch_shape": [None, dim], "dtype": "float32", "sparse": False, "name": name})


def node3(*args):
    return {"args": list(args), "kwargs": {}}


def keras3_config():
    seq = dict(layer3("Sequential", {"name": "seq_base", "trainable": True, "dtype": "float32",
                                     "layers": [input3("seq_in", 3), dense3("sd1", 4, 3), bn3("sbn"),
                                                layer3("Activation", {"name": "sact", "trainable": True,
                                                                      "dtype": "float32", "activation": "relu"})],
                                     "build_input_shape": [None, 3]}, "keras"),
               build_config={"input_shape": [None, 3]})

    def inner(entry, name, nodes):
        return dict(entry, name=name, inbound_nodes=nodes)

    fun = dict(layer3("Functional", {"name": "fun_base", "trainable": True, "layers": [
        inner(input3("fin", 4), "fin", []),
        inner(dense3("fd1", 4, 4), "fd1", [node3(kt("fin", 0, 4))]),
        inner(bn3("fbn"), "fbn", [node3(kt("fd1", 0, 4))]),
        inner(dense3("fd2", 2, 4), "fd2", [node3(kt("fbn", 0, 4))])],
        "input_layers": ["fin", 0, 0], "output_layers": ["fd2", 0, 0]}, "keras.src.models.functional"),
        registered_name="Functional", build_config={"input_shape": [None, 4]})
    layers = [inner(input3("x1", 3), "x1", []), inner(input3("x2", 3), "x2", []),
              inner(seq, "seq_base", [node3(kt("x1", 0, 3)), node3(kt("x2", 0, 3))]),
              inner(layer3("Add", {"name": "add", "trainable": True, "dtype": "float32"}), "add",
                    [node3([kt("seq_base", 0, 4), kt("seq_base", 1, 4)])]),
              inner(fun, "fun_base", [node3(kt("add", 0, 4))]),
              inner(dense3("head", 1, 2), "head", [node3(kt("fun_base", 0, 2))])]
    config = {"name": "outer", "trainable": True, "layers": layers,
              "input_layers": [["x1", 0, 0], ["x2", 0, 0]],
              "output_layers": [["head", 0, 0], ["fun_base", 1, 0], ["seq_base", 1, 0]]}
    return dict(layer3("Functional", config, "keras.src.models.functional"), registered_name="Functional",
                build_config={"input_shape": [[None, 3], [None, 3]]}, compile_config=None)


def write_keras3_weights(f):
    def vars_(path, values):
        g = f.create_group(path + "/vars") if path else f.create_group("vars")
        for i, v in enumerate(values):
            g.create_dataset(str(i), data=v)
    vars_("", [])
    for key in ("input_layer", "input_layer_1", "add"):
        vars_("layers/" + key, [])
    vars_("layers/sequential", [])
    vars_("layers/sequential/layers/dense", W["sd1"])
    vars_("layers/sequential/layers/batch_normalization", W["sbn"])
    vars_("layers/sequential/layers/activation", [])
    vars_("layers/functional", [])
    vars_("layers/functional/layers/input_layer", [])
    vars_("layers/functional/layers/dense", W["fd1"])
    vars_("layers/functional/layers/batch_normalization", W["fbn"])
    vars_("layers/functional/layers/dense_1", W["fd2"])
    vars_("layers/dense", W["head"])


with h5py.File(os.path.join(HERE, "k3_nested.weights.h5"), "w") as f:
    write_keras3_weights(f)
with open(os.path.join(HERE, "k3_nested.json"), "w") as out:
    json.dump(keras3_config(), out)


def tolist(a):
    return [[float(v) for v in row] for row in a]


with open(os.path.join(HERE, "reference.json"), "w") as out:
    json.dump({"x1": tolist(X1), "x2": tolist(X2), "head": tolist(head), "fun_base": tolist(fout),
               "seq_base": tolist(b)}, out, indent=1)

# The .keras archive: metadata.json, config.json, model.weights.h5, stored (as Keras 3.3 writes it).
with open(os.path.join(HERE, "k3_nested.weights.h5"), "rb") as w:
    weights_bytes = w.read()
with zipfile.ZipFile(os.path.join(HERE, "k3_nested.keras"), "w", zipfile.ZIP_STORED) as z:
    for member, data in (("metadata.json", json.dumps({"keras_version": "3.3.3", "date_saved": "2026-12-08@00:00:00"})),
                         ("config.json", json.dumps(keras3_config())), ("model.weights.h5", weights_bytes)):
        z.writestr(zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0)), data)
