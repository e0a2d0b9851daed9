#!/usr/bin/python3
"""Reference outputs for Strata's recurrent layers where no Keras golden exists, from PyTorch.

Run with Debian's python3-torch:  /usr/bin/python3 make_reference.py  (writes reference.json)

Each case holds the input (batch, timesteps, features), the weights in Keras's layout and order
(kernel (in, gates*u), recurrent_kernel (u, gates*u), bias), an optional mask (batch, timesteps;
1 = use the step), the Keras layer options, and the expected outputs computed here with torch:
torch.nn.LSTM / GRU / RNN where their formulation equals Keras's (weights transposed and gates
reordered to Keras's i,f,c,o / z,r,h), and explicit torch loops where torch has no such layer
(GRU reset_after=False, Keras's masking: states carried over masked steps, output = previous output).
"""
import json

import torch

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)


def t(x):
    return {"shape": list(x.shape), "data": [float(v) for v in x.detach().reshape(-1)]}


def rand(*shape, scale=0.5):
    return (torch.rand(*shape) * 2 - 1) * scale


cases = {}


def lstm_weights(torch_lstm, suffix=""):
    w_ih = getattr(torch_lstm, "weight_ih_l0" + suffix)
    w_hh = getattr(torch_lstm, "weight_hh_l0" + suffix)
    b = getattr(torch_lstm, "bias_ih_l0" + suffix) + getattr(torch_lstm, "bias_hh_l0" + suffix)
    return [w_ih.T, w_hh.T, b]  # torch's gates i, f, g, o are Keras's i, f, c, o


def gru_weights(torch_gru, suffix=""):
    def zrh(m):  # torch r, z, n -> Keras z, r, h (along the first axis)
        r, z, n = m.chunk(3, 0)
        return torch.cat([z, r, n], 0)
    w_ih = zrh(getattr(torch_gru, "weight_ih_l0" + suffix))
    w_hh = zrh(getattr(torch_gru, "weight_hh_l0" + suffix))
    b = torch.stack([zrh(getattr(torch_gru, "bias_ih_l0" + suffix)), zrh(getattr(torch_gru, "bias_hh_l0" + suffix))])
    return [w_ih.T, w_hh.T, b]


def keras_order(outputs, go_backwards):
    return outputs  # outputs are already in processing order


# --- full-sequence layers against torch.nn ---------------------------------------------------
for name, cls, units, feats, steps in [("lstm", torch.nn.LSTM, 5, 3, 6), ("gru_reset_after", torch.nn.GRU, 4, 3, 7),
                                       ("simple_rnn", torch.nn.RNN, 4, 2, 5)]:
    for go_backwards in (False, True):
        net = cls(feats, units, batch_first=True)
        with torch.no_grad():
            for p in net.parameters():
                p.copy_(rand(*p.shape))
        x = rand(2, steps, feats, scale=1.0)
        seq = torch.flip(x, [1]) if go_backwards else x
        out, state = net(seq)
        weights = lstm_weights(net) if cls is torch.nn.LSTM else gru_weights(net) if cls is torch.nn.GRU else \
            [net.weight_ih_l0.T, net.weight_hh_l0.T, net.bias_ih_l0 + net.bias_hh_l0]
        states = [state[0][0], state[1][0]] if cls is torch.nn.LSTM else [state[0]]
        cases[f"{name}{'_backwards' if go_backwards else ''}"] = {
            "layer": {"LSTM": "LSTM", "GRU": "GRU", "RNN": "SimpleRNN"}[cls.__name__], "units": units,
            "options": {"go_backwards": go_backwards, "return_sequences": True, "return_state": True,
                        "reset_after": True},
            "input": t(x), "weights": [t(w) for w in weights],
            "expected": [t(out)] + [t(s) for s in states],
        }


# --- GRU reset_after=False (Keras 2.0's formulation), an explicit loop ------------------------
def gru_v1_step(x, h, kernel, rec, bias, u):
    xz, xr, xh = (x @ kernel + bias).split(u, -1)
    z = torch.sigmoid(xz + h @ rec[:, :u])
    r = torch.sigmoid(xr + h @ rec[:, u:2 * u])
    hh = torch.tanh(xh + (r * h) @ rec[:, 2 * u:])
    return z * h + (1 - z) * hh


def run_loop(step, x, states, mask=None, go_backwards=False, zero_output=False):
    """Keras's loop: masked steps keep the states and repeat the previous output (or give zeros)."""
    b, n, _ = x.shape
    order = range(n - 1, -1, -1) if go_backwards else range(n)
    prev_out = torch.zeros_like(states[0])
    outs = []
    for i in order:
        out, new = step(x[:, i], states)
        if mask is not None:
            m = mask[:, i:i + 1].bool()
            out = torch.where(m, out, torch.zeros_like(out) if zero_output else prev_out)
            new = [torch.where(m, a, s) for a, s in zip(new, states)]
        states = new
        prev_out = out
        outs.append(out)
    return torch.stack(outs, 1), states


u, feats = 4, 3
kernel, rec, bias = rand(feats, 3 * u), rand(u, 3 * u), rand(3 * u)
x = rand(2, 6, feats, scale=1.0)
for go_backwards in (False, True):
    out, states = run_loop(lambda xt, s: (lambda h: (h, [h]))(gru_v1_step(xt, s[0], kernel, rec, bias, u)),
                           x, [torch.zeros(2, u)], go_backwards=go_backwards)
    cases[f"gru_reset_before{'_backwards' if go_backwards else ''}"] = {
        "layer": "GRU", "units": u,
        "options": {"go_backwards": go_backwards, "return_sequences": True, "return_state": True, "reset_after": False},
        "input": t(x), "weights": [t(kernel), t(rec), t(bias)], "expected": [t(out), t(states[0])]}

# --- masks: LSTM and GRU with torch cells in Keras's masked loop ------------------------------
mask = torch.tensor([[1, 1, 0, 1, 0, 0], [0, 1, 1, 1, 1, 0]], dtype=torch.float64)
lstm_cell = torch.nn.LSTMCell(feats, 5)
gru_cell = torch.nn.GRUCell(feats, 4)
with torch.no_grad():
    for p in list(lstm_cell.parameters()) + list(gru_cell.parameters()):
        p.copy_(rand(*p.shape))
x = rand(2, 6, feats, scale=1.0)
h0, c0 = rand(2, 5), rand(2, 5)


def lstm_step(xt, s):
    h, c = lstm_cell(xt, (s[0], s[1]))
    return h, [h, c]


def gru_step(xt, s):
    h = gru_cell(xt, s[0])
    return h, [h]


class Wrap:  # to reuse the weight converters on the cells
    def __init__(self, cell):
        for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            setattr(self, k + "_l0", getattr(cell, k))


for go_backwards in (False, True):
    out, states = run_loop(lstm_step, x, [h0, c0], mask, go_backwards)
    cases[f"lstm_masked{'_backwards' if go_backwards else ''}"] = {
        "layer": "LSTM", "units": 5,
        "options": {"go_backwards": go_backwards, "return_sequences": True, "return_state": True},
        "input": t(x), "mask": t(mask), "initial_state": [t(h0), t(c0)],
        "weights": [t(w) for w in lstm_weights(Wrap(lstm_cell))], "expected": [t(out)] + [t(s) for s in states]}
out, states = run_loop(gru_step, x, [torch.zeros(2, 4)], mask)
cases["gru_masked"] = {
    "layer": "GRU", "units": 4, "options": {"return_sequences": True, "return_state": True, "reset_after": True},
    "input": t(x), "mask": t(mask), "weights": [t(w) for w in gru_weights(Wrap(gru_cell))],
    "expected": [t(out)] + [t(s) for s in states]}

# --- Embedding(mask_zero) -> LSTM: the final state of padded sequences equals torch's packed run --
vocab, dim, units = 7, 3, 4
table = rand(vocab, dim, scale=1.0)
tokens = torch.tensor([[3, 1, 4, 0, 0], [2, 6, 5, 1, 3], [5, 0, 0, 0, 0]])
lengths = (tokens != 0).sum(1)
net = torch.nn.LSTM(dim, units, batch_first=True)
with torch.no_grad():
    for p in net.parameters():
        p.copy_(rand(*p.shape))
packed = torch.nn.utils.rnn.pack_padded_sequence(table[tokens], lengths, batch_first=True, enforce_sorted=False)
_, (h_n, c_n) = net(packed)
cases["embedding_mask_zero_lstm"] = {
    "layer": "Embedding+LSTM", "units": units, "options": {},
    "input": t(tokens.double()), "weights": [t(table)] + [t(w) for w in lstm_weights(net)],
    "expected": [t(h_n[0])]}

# --- Bidirectional(LSTM) on a Masking layer: torch's bidirectional packed run ---------------------
feats, units = 3, 3
net = torch.nn.LSTM(feats, units, batch_first=True, bidirectional=True)
with torch.no_grad():
    for p in net.parameters():
        p.copy_(rand(*p.shape))
x = rand(2, 5, feats, scale=1.0)
x[0, 3:] = 0.0  # padding steps, masked by Masking(0.0)
packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor([3, 5]), batch_first=True, enforce_sorted=False)
out, _ = net(packed)
out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=5)  # zeros at padding
cases["bidirectional_lstm_masking"] = {
    "layer": "Masking+Bidirectional(LSTM)", "units": units, "options": {"return_sequences": True},
    "input": t(x), "weights": [t(w) for w in lstm_weights(net) + lstm_weights(net, "_reverse")],
    "expected": [t(out)]}

with open("reference.json", "w") as f:
    json.dump(cases, f, indent=None, separators=(",", ":"))
print(len(cases), "cases")
