#!/usr/bin/python3
"""Writes layers_reference.json: outputs of layers without a Keras golden, computed with PyTorch.

Run with Debian's python3-torch:  /usr/bin/python3 tests/data/make_layer_reference.py
Deterministic (fixed seeds). Every tensor is channels_last as Keras (transposed from torch's
channels_first where needed); float64 throughout. tests/layers/test_layer_reference.cpp replays
every case: builds the Strata layer, sets the weights listed in Keras's order and compares.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20240601)
cases = []


def enc(t):
    t = t.detach().to(torch.float64).contiguous()
    return {"shape": list(t.shape), "data": t.flatten().tolist()}


def rand(*shape):
    return torch.rand(*shape, dtype=torch.float64) * 2 - 1


# UpSampling2D(interpolation="bilinear"): tf.image.resize with half-pixel centres ==
# torch interpolate(mode="bilinear", align_corners=False).
for shape, size in [((2, 3, 4, 2), (2, 3)), ((1, 5, 2, 3), (3, 2)), ((2, 1, 3, 1), (2, 2))]:
    x = rand(*shape)
    y = F.interpolate(x.permute(0, 3, 1, 2), size=(shape[1] * size[0], shape[2] * size[1]), mode="bilinear",
                      align_corners=False).permute(0, 2, 3, 1)
    cases.append({"layer": "UpSampling2D", "config": {"size": list(size), "interpolation": "bilinear"},
                  "input": enc(x), "weights": [], "expected": enc(y)})

# GroupNormalization(groups, epsilon) on channels_last inputs: torch group_norm on channels_first.
# Keras's weights: gamma (channels,), beta (channels,).
for shape, groups, eps in [((2, 5, 6), 3, 1e-3), ((2, 3, 4, 8), 4, 1e-5), ((3, 4, 6), 6, 1e-3), ((2, 7, 4), 1, 1e-3)]:
    x = rand(*shape) * 3 + 0.5
    c = shape[-1]
    gamma, beta = rand(c) + 1.0, rand(c)
    perm = [0, len(shape) - 1] + list(range(1, len(shape) - 1))
    inv = [0] + list(range(2, len(shape))) + [1]
    y = F.group_norm(x.permute(*perm), groups, gamma, beta, eps).permute(*inv)
    cases.append({"layer": "GroupNormalization", "config": {"groups": groups, "epsilon": eps},
                  "input": enc(x), "weights": [enc(gamma), enc(beta)], "expected": enc(y)})

# Attention / AdditiveAttention: Keras's formulas (scores, softmax of scores - 1e9 * (not mask),
# weights @ value, times the query mask) evaluated with torch. Inputs [query, value, key].
def attention_case(layer, config, weights, score_fn, causal=False, with_masks=False):
    q, v, k = rand(2, 3, 4), rand(2, 5, 4), rand(2, 5, 4)
    scores = score_fn(q, k)
    mask = torch.ones(2, 3, 5, dtype=torch.bool)
    case = {"layer": layer, "config": config, "causal": causal}
    if with_masks:
        value_mask = torch.tensor([[1, 1, 0, 1, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
        query_mask = torch.tensor([[1, 1, 1], [1, 0, 1]], dtype=torch.bool)
        mask = mask & value_mask[:, None, :]
        case["value_mask"] = enc(value_mask.double())
        case["query_mask"] = enc(query_mask.double())
    if causal:
        mask = mask & torch.tril(torch.ones(3, 5, dtype=torch.bool))[None]
    probs = torch.softmax(scores - 1e9 * (~mask).double(), dim=-1)
    out = probs @ v
    if with_masks:
        out = out * query_mask[..., None].double()
    case.update({"inputs": [enc(q), enc(v), enc(k)], "weights": [enc(w) for w in weights],
                 "expected": enc(out), "expected_scores": enc(probs)})
    cases.append(case)


attention_case("Attention", {"use_scale": False, "score_mode": "dot"}, [], lambda q, k: q @ k.transpose(1, 2))
attention_case("Attention", {"use_scale": False, "score_mode": "dot"}, [], lambda q, k: q @ k.transpose(1, 2),
               causal=True, with_masks=True)
scale = torch.tensor(0.7, dtype=torch.float64)
attention_case("Attention", {"use_scale": True, "score_mode": "dot"}, [scale],
               lambda q, k: scale * (q @ k.transpose(1, 2)), with_masks=True)
csw = torch.tensor(1.3, dtype=torch.float64)
attention_case("Attention", {"use_scale": True, "score_mode": "concat"}, [scale, csw],
               lambda q, k: csw * torch.tanh(scale * (q[:, :, None, :] + k[:, None, :, :])).sum(-1))
add_scale = rand(4)
attention_case("AdditiveAttention", {"use_scale": True}, [add_scale],
               lambda q, k: (add_scale * torch.tanh(q[:, :, None, :] + k[:, None, :, :])).sum(-1), causal=True)

# MultiHeadAttention against torch.nn.MultiheadAttention (batch_first), its weights transposed to
# Keras's layout: query/key/value kernels (dim, heads, head_dim), biases (heads, head_dim), output
# kernel (heads, head_dim, out), bias (out). torch's bool attn_mask marks the masked positions.
for heads, head_dim, dims, causal, with_mask in [(2, 3, (6, 5, 4), False, False), (3, 2, (6, 6, 6), True, True),
                                                 (1, 4, (4, 3, 5), False, True)]:
    e = heads * head_dim
    dq, dv, dk = dims
    mha = torch.nn.MultiheadAttention(e, heads, bias=True, kdim=dk, vdim=dv, batch_first=True, dtype=torch.float64)
    # torch's q projection maps embed_dim inputs: project the query to e first when dq != e is not
    # allowed, so the query dim must equal e.
    assert dq == e
    with torch.no_grad():
        for p in mha.parameters():
            p.copy_(rand(*p.shape) * 0.5)
    q, v, k = rand(2, 4, dq), rand(2, 5, dv), rand(2, 5, dk)
    allowed = torch.ones(2, 4, 5, dtype=torch.bool)
    if with_mask:
        allowed = torch.rand(2, 4, 5) > 0.3
        allowed[:, :, 0] = True  # no fully masked row
    if causal:
        allowed = allowed & torch.tril(torch.ones(4, 5, dtype=torch.bool))[None]
    attn_mask = (~allowed).repeat_interleave(heads, dim=0)
    out, probs = mha(q, k, v, attn_mask=attn_mask, need_weights=True, average_attn_weights=False)
    if mha._qkv_same_embed_dim:
        wq, wk, wv = mha.in_proj_weight.split(e)
    else:
        wq, wk, wv = mha.q_proj_weight, mha.k_proj_weight, mha.v_proj_weight
    bq, bk, bv = mha.in_proj_bias.split(e)
    weights = [wq.T.reshape(dq, heads, head_dim), bq.reshape(heads, head_dim),
               wk.T.reshape(dk, heads, head_dim), bk.reshape(heads, head_dim),
               wv.T.reshape(dv, heads, head_dim), bv.reshape(heads, head_dim),
               mha.out_proj.weight.T.reshape(heads, head_dim, e), mha.out_proj.bias]
    case = {"layer": "MultiHeadAttention", "config": {"num_heads": heads, "key_dim": head_dim}, "causal": causal,
            "inputs": [enc(q), enc(v), enc(k)], "weights": [enc(w) for w in weights], "expected": enc(out),
            "expected_scores": enc(probs)}
    if with_mask:
        case["attention_mask"] = enc(allowed.double())  # the causal part is also passed as use_causal_mask
    cases.append(case)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "layers_reference.json")
with open(out, "w") as f:
    json.dump({"generator": "tests/data/make_layer_reference.py", "torch": torch.__version__, "cases": cases}, f)
print("wrote", len(cases), "cases to", out)
