#!/usr/bin/python3
"""Writes ops_reference.json: forward values of Strata's ops computed with NumPy.

Run with Debian's python3-numpy:  /usr/bin/python3 tests/data/make_reference.py
The output is deterministic (fixed seeds). Each case names an op, its parameters, its input tensors
and the expected output tensors; tests/framework/test_ops_forward.cpp replays every case.
Non-finite values are written as the strings "nan", "inf" and "-inf" (JSON has no literal for them).
erf and the exact gelu use math.erf, as NumPy has no erf.
"""
import json
import math
import os

import numpy as np

rng = np.random.default_rng(20240601)
cases = []

NP_DTYPES = {"float32": np.float32, "float64": np.float64, "int32": np.int32, "int64": np.int64,
             "uint8": np.uint8, "bool": np.bool_}


def encode_value(v):
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return float(v)
    if isinstance(v, (bool, np.bool_)):
        return 1 if v else 0
    return int(v)


def encode(array):
    array = np.asarray(array)
    name = {np.dtype(t): n for n, t in NP_DTYPES.items()}[array.dtype]
    return {"dtype": name, "shape": list(array.shape), "data": [encode_value(v) for v in array.reshape(-1).tolist()]}


def add_case(name, op, inputs, outputs, **params):
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    cases.append({"name": name, "op": op, "params": params, "inputs": [encode(a) for a in inputs],
                  "outputs": [encode(o) for o in outputs]})


def values(shape, low=-2.0, high=2.0, dtype="float64"):
    return np.round(rng.uniform(low, high, size=shape), 3).astype(NP_DTYPES[dtype])


def ints(shape, low, high, dtype="int32"):
    return rng.integers(low, high, size=shape).astype(NP_DTYPES[dtype])


erf = np.vectorize(math.erf, otypes=[np.float64])


def in_dtype(f, dtype):
    """Compute f in float64 and round to dtype (for functions NumPy lacks)."""
    def g(*args):
        return np.asarray(f(*[np.asarray(a, dtype=np.float64) for a in args])).astype(NP_DTYPES[dtype])
    return g


def sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))


def softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def gelu_exact(x):
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(x):
    return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))


def logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = np.squeeze(out, axis=axis) if axis is not None else out.reshape(())
    return out


def softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    s = x - np.max(x, axis=axis, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))


# ------------------------------------------------------------------ elementwise unary
UNARY = {
    # op: (function, low, high)
    "negative": (np.negative, -2, 2),
    "exp": (np.exp, -3, 3),
    "expm1": (np.expm1, -1, 1),
    "log": (np.log, 0.05, 5),
    "log1p": (np.log1p, -0.9, 3),
    "sqrt": (np.sqrt, 0, 5),
    "rsqrt": (lambda x: 1 / np.sqrt(x), 0.1, 5),
    "square": (np.square, -3, 3),
    "reciprocal": (np.reciprocal, 0.2, 3),
    "abs": (np.abs, -3, 3),
    "sign": (np.sign, -3, 3),
    "sin": (np.sin, -4, 4),
    "cos": (np.cos, -4, 4),
    "erf": (None, -3, 3),
    "floor": (np.floor, -3, 3),
    "ceil": (np.ceil, -3, 3),
    "round": (np.round, -3, 3),
    "relu": (lambda x: np.maximum(x, 0), -3, 3),
    "relu6": (lambda x: np.clip(x, 0, 6), -3, 9),
    "selu": (None, -3, 3),
    "sigmoid": (None, -6, 6),
    "hard_sigmoid": (lambda x: np.clip(x + 3, 0, 6) / 6, -5, 5),
    "tanh": (np.tanh, -3, 3),
    "softplus": (None, -5, 5),
    "softsign": (lambda x: x / (1 + np.abs(x)), -4, 4),
    "swish": (None, -5, 5),
    "silu": (None, -5, 5),
}
FLOAT64_ONLY = {"erf": erf, "selu": selu, "sigmoid": sigmoid, "softplus": softplus,
                "swish": lambda x: x * sigmoid(x), "silu": lambda x: x * sigmoid(x)}

for op, (fn, low, high) in UNARY.items():
    for dtype in ("float64", "float32"):
        for shape in ((3, 4), (), (2, 1, 3)):
            x = values(shape, low, high, dtype)
            if op in ("sign", "relu", "abs") and shape == (3, 4):
                x.reshape(-1)[0] = 0  # the value at 0 itself
            if op == "round" and shape == (3, 4):
                x.reshape(-1)[:6] = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5]  # half to even
            f = in_dtype(FLOAT64_ONLY[op], dtype) if fn is None else fn
            add_case(f"{op}: {dtype} {shape}", op, [x], np.asarray(f(x)).astype(NP_DTYPES[dtype]))

for dtype in ("float64", "float32"):
    x = values((3, 4), -3, 3, dtype)
    add_case(f"leaky_relu: default slope {dtype}", "leaky_relu", [x],
             in_dtype(lambda v: np.where(v >= 0, v, 0.2 * v), dtype)(x))
    add_case(f"leaky_relu: slope 0.01 {dtype}", "leaky_relu", [x],
             in_dtype(lambda v: np.where(v >= 0, v, 0.01 * v), dtype)(x), negative_slope=0.01)
    add_case(f"elu: default alpha {dtype}", "elu", [x], in_dtype(lambda v: np.where(v > 0, v, np.expm1(v)), dtype)(x))
    add_case(f"elu: alpha 0.5 {dtype}", "elu", [x], in_dtype(lambda v: np.where(v > 0, v, 0.5 * np.expm1(v)), dtype)(x),
             alpha=0.5)
    add_case(f"gelu: exact {dtype}", "gelu", [x], in_dtype(gelu_exact, dtype)(x), approximate=False)
    add_case(f"gelu: approximate {dtype}", "gelu", [x], in_dtype(gelu_tanh, dtype)(x), approximate=True)
    add_case(f"clip: [-1, 1.5] {dtype}", "clip", [x], np.clip(x, -1, 1.5), min_value=-1.0, max_value=1.5)

# Special values.
with np.errstate(divide="ignore"):
    add_case("log: of 0 is -inf", "log", [np.array([0.0, 1.0])], np.log(np.array([0.0, 1.0])))
add_case("reciprocal: of 0 is inf", "reciprocal", [np.array([0.0, -0.0, 4.0])], np.array([np.inf, -np.inf, 0.25]))
with np.errstate(invalid="ignore"):
    add_case("sqrt: of -1 is nan", "sqrt", [np.array([-1.0, 4.0])], np.sqrt(np.array([-1.0, 4.0])))
with np.errstate(over="ignore"):
    add_case("exp: overflow to inf", "exp", [np.array([1000.0, -1000.0])], np.exp(np.array([1000.0, -1000.0])))
add_case("expm1: tiny inputs keep their precision", "expm1", [np.array([1e-10, -1e-12])],
         np.expm1(np.array([1e-10, -1e-12])))
add_case("log1p: tiny inputs keep their precision", "log1p", [np.array([1e-10, -1e-12])],
         np.log1p(np.array([1e-10, -1e-12])))

# ------------------------------------------------------------------ elementwise binary
BINARY = {
    "add": (np.add, (-2, 2), (-2, 2)),
    "subtract": (np.subtract, (-2, 2), (-2, 2)),
    "multiply": (np.multiply, (-2, 2), (-2, 2)),
    "divide": (np.divide, (-2, 2), (0.5, 2)),
    "pow": (np.power, (0.2, 3), (-2, 2)),
    "maximum": (np.maximum, (-2, 2), (-2, 2)),
    "minimum": (np.minimum, (-2, 2), (-2, 2)),
    "equal": (np.equal, (-1, 1), (-1, 1)),
    "not_equal": (np.not_equal, (-1, 1), (-1, 1)),
    "less": (np.less, (-1, 1), (-1, 1)),
    "less_equal": (np.less_equal, (-1, 1), (-1, 1)),
    "greater": (np.greater, (-1, 1), (-1, 1)),
    "greater_equal": (np.greater_equal, (-1, 1), (-1, 1)),
}
SHAPE_PAIRS = [((2, 3), (2, 3)), ((), (2, 3)), ((2, 3), ()), ((3, 4), (4,)), ((3, 1), (1, 4)),
               ((2, 3, 4), (4,)), ((2, 1, 4), (3, 1))]
for op, (fn, (alow, ahigh), (blow, bhigh)) in BINARY.items():
    for dtype in ("float64", "float32"):
        for sa, sb in SHAPE_PAIRS:
            a = values(sa, alow, ahigh, dtype)
            b = values(sb, blow, bhigh, dtype)
            if fn in (np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal) or fn in (
                    np.maximum, np.minimum):
                # make some elements equal, so ties and equality are exercised
                a = np.round(a, 0)
                b = np.round(b, 0)
            add_case(f"{op}: {dtype} {sa} with {sb}", op, [a, b], fn(a, b))
    if op in ("add", "subtract", "multiply", "maximum", "minimum", "equal", "less", "greater_equal"):
        a = ints((3, 4), -5, 6)
        b = ints((4,), -5, 6)
        add_case(f"{op}: int32 (3, 4) with (4,)", op, [a, b], fn(a, b))
        a64 = ints((2, 3), -5, 6, "int64")
        b64 = ints((2, 3), -5, 6, "int64")
        add_case(f"{op}: int64 (2, 3)", op, [a64, b64], fn(a64, b64))
add_case("pow: negative base with integral exponents", "pow", [np.array([-2.0, -1.5, 3.0]), np.array([2.0, 3.0, -1.0])],
         np.power(np.array([-2.0, -1.5, 3.0]), np.array([2.0, 3.0, -1.0])))

for op, fn in (("logical_and", np.logical_and), ("logical_or", np.logical_or), ("logical_xor", np.logical_xor)):
    a = np.array([[True, False, True, False], [True, True, False, False]])
    b = np.array([True, False, False, True])
    add_case(f"{op}: bool (2, 4) with (4,)", op, [a, b], fn(a, b))
add_case("logical_not: bool", "logical_not", [np.array([True, False, True])], np.logical_not([True, False, True]))

cond = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
for dtype in ("float64", "float32"):
    a = values((3, 4), dtype=dtype)
    b = values((3, 4), dtype=dtype)
    add_case(f"where: {dtype} same shapes", "where", [cond, a, b], np.where(cond, a, b))
    row = values((4,), dtype=dtype)
    s = values((), dtype=dtype)
    add_case(f"where: {dtype} a row, b a scalar", "where", [cond, row, s], np.where(cond, row, s))
    col = np.array([[True], [False], [True]])
    add_case(f"where: {dtype} condition a column", "where", [col, a, b], np.where(col, a, b))
ai, bi = ints((3, 4), -9, 9), ints((3, 4), -9, 9)
add_case("where: int32", "where", [cond, ai, bi], np.where(cond, ai, bi))

# ------------------------------------------------------------------ cast
x = np.array([-2.7, -1.5, -0.2, 0.0, 0.4, 1.5, 2.9, 100.25])
for target in ("float32", "int32", "int64", "bool"):
    add_case(f"cast: float64 to {target}", "cast", [x], x.astype(NP_DTYPES[target]), dtype=target)
x32 = x.astype(np.float32)
add_case("cast: float32 to float64", "cast", [x32], x32.astype(np.float64), dtype="float64")
xi = np.array([-3, 0, 7, 250], dtype=np.int32)
for target in ("float32", "float64", "int64", "bool", "uint8"):
    add_case(f"cast: int32 to {target}", "cast", [xi], xi.astype(NP_DTYPES[target]), dtype=target)
xb = np.array([True, False, True])
for target in ("float32", "int32"):
    add_case(f"cast: bool to {target}", "cast", [xb], xb.astype(NP_DTYPES[target]), dtype=target)
xu = np.array([0, 7, 255], dtype=np.uint8)
add_case("cast: uint8 to float32", "cast", [xu], xu.astype(np.float32), dtype="float32")

# ------------------------------------------------------------------ matmul
MATMUL = [((2, 3), (3, 4), False, False), ((1, 5), (5, 1), False, False), ((2, 2, 3), (2, 3, 4), False, False),
          ((2, 2, 3), (3, 4), False, False), ((2, 3), (3, 3, 4), False, False), ((4, 1, 2, 3), (3, 3, 2), False, False),
          ((3,), (3, 4), False, False), ((2, 3), (3,), False, False), ((3,), (3,), False, False),
          ((3,), (2, 3, 4), False, False), ((3, 2), (3, 4), True, False), ((2, 3), (4, 3), False, True),
          ((3, 2), (4, 3), True, True), ((2, 3, 2), (2, 4, 3), True, True), ((16, 33), (33, 17), False, False)]
for sa, sb, ta, tb in MATMUL:
    for dtype in ("float64", "float32"):
        a = values(sa, dtype=dtype)
        b = values(sb, dtype=dtype)
        ea = np.swapaxes(a, -1, -2) if ta else a
        eb = np.swapaxes(b, -1, -2) if tb else b
        expected = np.matmul(ea.astype(np.float64), eb.astype(np.float64)).astype(NP_DTYPES[dtype])
        add_case(f"matmul: {dtype} {sa} @ {sb} transpose_a={ta} transpose_b={tb}", "matmul", [a, b], expected,
                 transpose_a=ta, transpose_b=tb)

# ------------------------------------------------------------------ array ops
x = values((2, 3, 4))
add_case("transpose: rank 2", "transpose", [x[0]], x[0].T)
add_case("transpose: rank 3 reverses the axes", "transpose", [x], np.transpose(x))
add_case("transpose: perm (1, 2, 0)", "transpose", [x], np.transpose(x, (1, 2, 0)), perm=[1, 2, 0])
xi = ints((2, 3, 4), 0, 9)
add_case("transpose: perm (0, 2, 1) int32", "transpose", [xi], np.transpose(xi, (0, 2, 1)), perm=[0, 2, 1])
add_case("reshape: (2, 3, 4) to (6, 4)", "reshape", [x], x.reshape(6, 4), shape=[6, 4])
add_case("reshape: inferred -1", "reshape", [x], x.reshape(4, -1), shape=[4, -1])
add_case("reshape: to a scalar", "reshape", [np.array([3.5])], np.array(3.5), shape=[])
add_case("flatten: (2, 3, 4)", "flatten", [x], x.reshape(2, -1))
for axis in (0, 1, -1, 3):
    add_case(f"expand_dims: axis {axis}", "expand_dims", [x], np.expand_dims(x, axis), axis=axis)
y = values((1, 3, 1, 2))
add_case("squeeze: every size-1 axis", "squeeze", [y], np.squeeze(y), axes=[])
add_case("squeeze: axis 2", "squeeze", [y], np.squeeze(y, 2), axes=[2])
add_case("squeeze: axes (0, -2)", "squeeze", [y], np.squeeze(y, (0, -2)), axes=[0, -2])
col = values((3, 1))
add_case("broadcast_to: (3, 1) to (2, 3, 4)", "broadcast_to", [col], np.broadcast_to(col, (2, 3, 4)), shape=[2, 3, 4])
add_case("broadcast_to: scalar to (2, 2)", "broadcast_to", [np.array(1.25)], np.broadcast_to(1.25, (2, 2)),
         shape=[2, 2])
a, b, c = values((2, 3)), values((2, 1)), values((2, 2))
add_case("concat: axis 1 of three", "concat", [a, b, c], np.concatenate([a, b, c], 1), axis=1)
add_case("concat: axis -1 of three", "concat", [a, b, c], np.concatenate([a, b, c], -1), axis=-1)
d = values((1, 3))
add_case("concat: axis 0", "concat", [a, d], np.concatenate([a, d], 0), axis=0)
add_case("concat: a single tensor", "concat", [a], a, axis=0)
ia, ib = ints((2, 2), 0, 9), ints((1, 2), 0, 9)
add_case("concat: int32 axis 0", "concat", [ia, ib], np.concatenate([ia, ib], 0), axis=0)
p, q, r = values((2, 3)), values((2, 3)), values((2, 3))
for axis in (0, 1, 2, -1):
    add_case(f"stack: axis {axis}", "stack", [p, q, r], np.stack([p, q, r], axis), axis=axis)
add_case("stack: scalars", "stack", [np.array(1.0), np.array(2.0)], np.array([1.0, 2.0]), axis=0)
z = values((4, 6))
add_case("split: 3 equal parts along axis 1", "split", [z], np.split(z, 3, 1), num=3, axis=1)
add_case("split: 2 equal parts along axis 0", "split", [z], np.split(z, 2, 0), num=2, axis=0)
add_case("split: sizes (1, 3, 2) along axis -1", "split", [z], np.split(z, [1, 4], -1), sizes=[1, 3, 2], axis=-1)
add_case("split: sizes (4) is the whole axis", "split", [z], [z], sizes=[4], axis=0)
w = values((5, 6))
for axis, start, stop, step in ((0, 1, 3, 1), (1, 0, 6, 2), (1, -4, -1, 2), (0, -2, 100, 1), (1, 5, 2, 1),
                                (0, 0, 5, 3), (1, -100, 2, 1), (-1, 1, 6, 4)):
    index = [slice(None)] * 2
    index[axis] = slice(start, stop, step)
    add_case(f"slice: axis {axis} [{start}:{stop}:{step}]", "slice", [w], w[tuple(index)], axis=axis, start=start,
             stop=stop, step=step)
g = values((4, 3))
for indices, axis in ((np.array([2, 0, 2, 2]), 0), (np.array([[3, 3], [0, 1]]), 0), (np.array([1, 0]), 1),
                      (np.array([[2], [0]]), -1), (np.array(1), 0)):
    for index_dtype in ("int32", "int64"):
        idx = indices.astype(NP_DTYPES[index_dtype])
        add_case(f"gather: axis {axis} indices {indices.shape} {index_dtype}", "gather", [g, idx],
                 np.take(g, idx, axis=axis), axis=axis)
g3 = values((2, 3, 4))
add_case("gather: rank 3 along axis 1", "gather", [g3, np.array([2, 2, 0], dtype=np.int32)],
         np.take(g3, [2, 2, 0], axis=1), axis=1)


def one_hot(indices, depth, on=1.0, off=0.0, dtype=np.float32):
    indices = np.asarray(indices)
    out = np.full(indices.shape + (depth,), off, dtype=dtype)
    for pos, k in np.ndenumerate(indices):
        if 0 <= k < depth:
            out[pos + (k,)] = on
    return out


add_case("one_hot: depth 4", "one_hot", [np.array([0, 3, 1], dtype=np.int32)], one_hot([0, 3, 1], 4), depth=4)
add_case("one_hot: out-of-range indices give all-off rows", "one_hot", [np.array([-1, 2, 5], dtype=np.int64)],
         one_hot([-1, 2, 5], 3), depth=3)
add_case("one_hot: 2-D indices, float64, on 5 off -1", "one_hot", [np.array([[0, 1], [2, 0]], dtype=np.int32)],
         one_hot([[0, 1], [2, 0]], 3, 5.0, -1.0, np.float64), depth=3, dtype="float64", on_value=5.0, off_value=-1.0)
add_case("one_hot: int32 output", "one_hot", [np.array([1, 0], dtype=np.int32)],
         one_hot([1, 0], 2, dtype=np.int32), depth=2, dtype="int32")
pa = values((2, 3))
add_case("pad: ((1, 0), (2, 1))", "pad", [pa], np.pad(pa, ((1, 0), (2, 1))), paddings=[[1, 0], [2, 1]])
pb = values((2, 2, 2))
add_case("pad: constant 0.5", "pad", [pb], np.pad(pb, ((0, 0), (1, 1), (0, 2)), constant_values=0.5),
         paddings=[[0, 0], [1, 1], [0, 2]], constant_value=0.5)
add_case("pad: int32", "pad", [xi[0]], np.pad(xi[0], ((1, 1), (0, 1))), paddings=[[1, 1], [0, 1]])

# ------------------------------------------------------------------ reductions
REDUCTIONS = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod, "logsumexp": logsumexp}
AXES = [None, 0, 1, -1, [0, 2], [2, 0], [0, 1, 2], []]
for op, fn in REDUCTIONS.items():
    for dtype in ("float64", "float32"):
        x = values((2, 3, 4), 0.5, 1.5, dtype) if op == "prod" else values((2, 3, 4), dtype=dtype)
        for axes in AXES:
            for keepdims in (False, True):
                np_axes = tuple(axes) if isinstance(axes, list) else axes
                if isinstance(axes, list) and len(axes) == 0:
                    continue  # an empty list means "no axes" in NumPy but is not a Strata spelling
                expected = np.asarray(fn(x.astype(np.float64), axis=np_axes, keepdims=keepdims)).astype(
                    NP_DTYPES[dtype])
                add_case(f"{op}: {dtype} axes {axes} keepdims {keepdims}", op, [x], expected, axes=axes,
                         keepdims=keepdims)
    add_case(f"{op}: of a scalar", op, [np.array(1.5)], np.asarray(fn(np.array(1.5))), axes=None, keepdims=False)
add_case("logsumexp: large values stay finite", "logsumexp", [np.array([[1000.0, 1000.0], [-1000.0, -1001.0]])],
         logsumexp(np.array([[1000.0, 1000.0], [-1000.0, -1001.0]]), axis=1), axes=1, keepdims=False)
for op, fn in (("argmax", np.argmax), ("argmin", np.argmin)):
    x = values((3, 4))
    x[1, :] = [0.5, 0.5, -0.5, 0.5]  # ties: the first index wins
    for axis in (0, 1, -1):
        add_case(f"{op}: axis {axis}", op, [x], fn(x, axis=axis).astype(np.int64), axis=axis, keepdims=False)
    add_case(f"{op}: axis 1 keepdims", op, [x], np.expand_dims(fn(x, axis=1), 1).astype(np.int64), axis=1,
             keepdims=True)
    xi = ints((3, 4), -9, 9)
    add_case(f"{op}: int32 axis 0", op, [xi], fn(xi, axis=0).astype(np.int64), axis=0, keepdims=False)

# ------------------------------------------------------------------ softmax
for op, fn in (("softmax", softmax), ("log_softmax", log_softmax)):
    for dtype in ("float64", "float32"):
        x = values((2, 3, 4), -3, 3, dtype)
        for axis in (-1, 0, 1, 2):
            add_case(f"{op}: {dtype} axis {axis}", op, [x],
                     fn(x.astype(np.float64), axis).astype(NP_DTYPES[dtype]), axis=axis)
        big = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -2000.0]]).astype(NP_DTYPES[dtype])
        add_case(f"{op}: {dtype} large inputs stay finite", op, [big],
                 fn(big.astype(np.float64), -1).astype(NP_DTYPES[dtype]), axis=-1)

# ------------------------------------------------------------------ creation
for dtype in ("float32", "float64", "int32"):
    add_case(f"zeros: {dtype}", "zeros", [], np.zeros((2, 3), NP_DTYPES[dtype]), shape=[2, 3], dtype=dtype)
    add_case(f"ones: {dtype}", "ones", [], np.ones((3,), NP_DTYPES[dtype]), shape=[3], dtype=dtype)
    add_case(f"full: {dtype}", "full", [], np.full((2, 2), 7, NP_DTYPES[dtype]), shape=[2, 2], value=7.0, dtype=dtype)
add_case("full: bool", "full", [], np.full((2,), True), shape=[2], value=1.0, dtype="bool")
for start, stop, step, dtype in ((0, 5, 1, "float32"), (1, 2, 0.25, "float64"), (5, 0, -1.5, "float32"),
                                 (0, 10, 3, "int32"), (-3, 3, 1, "int64"), (0, 1, 0.1, "float64")):
    add_case(f"arange: [{start}, {stop}) step {step} {dtype}", "arange", [],
             np.arange(start, stop, step, dtype=NP_DTYPES[dtype]), start=start, stop=stop, step=step, dtype=dtype)
add_case("arange: stop only gives int64", "arange", [], np.arange(5, dtype=np.int64), stop=5)
for start, stop, num, dtype in ((0, 1, 5, "float32"), (-1, 1, 3, "float64"), (2, 3, 1, "float64"),
                                (0, 1, 0, "float32"), (1, 0, 4, "float64")):
    add_case(f"linspace: {start} to {stop}, {num} values {dtype}", "linspace", [],
             np.linspace(start, stop, num, dtype=NP_DTYPES[dtype]), start=start, stop=stop, num=num, dtype=dtype)
add_case("eye: 3", "eye", [], np.eye(3, dtype=np.float32), n=3)
add_case("eye: 2 x 4 float64", "eye", [], np.eye(2, 4), n=2, m=4, dtype="float64")
add_case("eye: 3 x 2 int32", "eye", [], np.eye(3, 2, dtype=np.int32), n=3, m=2, dtype="int32")

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ops_reference.json")
with open(path, "w") as f:
    # One case per line, so a regenerated file diffs readably.
    f.write('{"generator":"tests/data/make_reference.py","numpy_version":%s,"cases":[\n' % json.dumps(np.__version__))
    f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
    f.write("\n]}\n")
print(f"wrote {len(cases)} cases to {path}")
