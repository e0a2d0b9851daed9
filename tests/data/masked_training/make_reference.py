#!/usr/bin/python3
"""Reference numbers for Keras 3's handling of an output mask by losses and metrics, from PyTorch.

Run with Debian's python3-torch:  /usr/bin/python3 make_reference.py  (writes reference.json)

Keras's rules, written here directly (keras/src/losses/loss.py reduce_weighted_values / apply_mask,
keras/src/metrics/reduction_metrics.py MeanMetricWrapper.update_state, the trainer's batch-size
weighted loss tracker):
  * loss, reduction sum_over_batch_size: sum(values * sample_weight * mask) / sum(mask)
    (apply_mask gives valid entries the weight total/valid); "sum": sum(values * sw * mask);
    "mean_with_sample_weight": sum(values * sw * mask) / sum(sw * mask). A loss's own mask
    (ignore_class) is and-ed with the output mask.
  * mean-wrapper metric: sample weight sw * mask; per sample mean over the steps of (value * w)
    and of w; result sum / sum, accumulated over batches.
  * evaluate's "loss": the mean of the batch losses weighted by batch size.

The model: Embedding(6, 3, mask_zero) -> SimpleRNN(4, return_sequences) -> Dense(3) (logits),
SparseCategoricalCrossentropy(from_logits=True), in float64. Keras's masked RNN loop: a masked step
keeps the state and repeats the previous output (zeros before the first unmasked step).
"""
import json

import torch

torch.manual_seed(2024)
torch.set_default_dtype(torch.float64)


def t(x):
    return {"shape": list(x.shape), "data": [float(v) for v in x.detach().reshape(-1)]}


def rand(*shape, scale=0.8):
    return (torch.rand(*shape) * 2 - 1) * scale


VOCAB, EMB, UNITS, CLASSES = 6, 3, 4, 3
x = torch.tensor([[1, 2, 3, 0, 0], [4, 5, 1, 2, 3], [0, 2, 5, 4, 0]])
mask = (x != 0).double()
y = torch.tensor([[0, 2, 1, 1, 2], [1, 0, 2, 2, 1], [2, 1, 0, 0, 1]])
# The same labels but different ones at every padded position.
y_padded_changed = torch.where(x == 0, (y + 1) % CLASSES, y)
sw_per_sample = torch.tensor([[0.5], [2.0], [1.25]])  # (batch, 1)
sw_per_step = torch.rand(3, 5) + 0.25                 # (batch, timesteps)

embeddings = rand(VOCAB, EMB)
kernel, recurrent_kernel, bias = rand(EMB, UNITS), rand(UNITS, UNITS), rand(UNITS)
dense_kernel, dense_bias = rand(UNITS, CLASSES), rand(CLASSES)
weights = [embeddings, kernel, recurrent_kernel, bias, dense_kernel, dense_bias]


def forward(w, rows):
    emb, k, rk, b, dk, db = w
    xs = x[rows]
    m = mask[rows]
    e = emb[xs]
    h = torch.zeros(len(rows), UNITS)
    prev_out = torch.zeros(len(rows), UNITS)
    outs = []
    for i in range(xs.shape[1]):
        new_h = torch.tanh(e[:, i] @ k + h @ rk + b)
        mi = m[:, i:i + 1].bool()
        h = torch.where(mi, new_h, h)
        prev_out = torch.where(mi, new_h, prev_out)
        outs.append(prev_out)
    seq = torch.stack(outs, 1)
    return seq @ dk + db  # logits (batch, timesteps, classes)


def ce(logits, labels):
    return -torch.log_softmax(logits, -1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)


def masked_loss(values, m, sw=None, reduction="sum_over_batch_size"):
    w = m if sw is None else sw * m
    if reduction == "sum":
        return (values * w).sum()
    if reduction == "mean_with_sample_weight":
        return (values * w).sum() / w.sum()
    return (values * w).sum() / m.sum()


class MeanWrapper:
    """Keras's Mean over per-step values with weights (batch, timesteps)."""

    def __init__(self):
        self.total = 0.0
        self.count = 0.0

    def update(self, values, w):
        self.total += float((values * w).mean(1).sum())
        self.count += float(w.mean(1).sum())

    def result(self):
        return self.total / self.count


def evaluate(w, labels, batch_size, sw=None):
    loss_sum, n = 0.0, 0
    acc = MeanWrapper()
    for start in range(0, x.shape[0], batch_size):
        rows = list(range(start, min(start + batch_size, x.shape[0])))
        logits = forward(w, rows)
        m = mask[rows]
        s = None if sw is None else sw[rows]
        loss_sum += float(masked_loss(ce(logits, labels[rows]), m, s)) * len(rows)
        n += len(rows)
        correct = (logits.argmax(-1) == labels[rows]).double()
        acc.update(correct, m if s is None else s * m)
    return {"loss": loss_sum / n, "accuracy": acc.result()}


all_rows = [0, 1, 2]
logits = forward(weights, all_rows)
values = ce(logits, y)
correct = (logits.argmax(-1) == y).double()

ref = {
    "x": t(x), "y": t(y), "y_padded_changed": t(y_padded_changed), "mask": t(mask),
    "sample_weight_per_sample": t(sw_per_sample), "sample_weight_per_step": t(sw_per_step),
    "weights": [t(v) for v in weights],
    "logits": t(logits),
    "unmasked": {"loss": float(values.mean()), "accuracy": float(correct.mean())},
    "evaluate_batch_3": evaluate(weights, y, 3),
    "evaluate_batch_2": evaluate(weights, y, 2),
    "evaluate_per_sample_weight": evaluate(weights, y, 3, sw_per_sample),
    "evaluate_per_step_weight_batch_2": evaluate(weights, y, 2, sw_per_step),
}

# One SGD step (learning rate 0.5) on the masked loss of the whole batch.
LR = 0.5
params = [v.clone().requires_grad_(True) for v in weights]
loss = masked_loss(ce(forward(params, all_rows), y), mask)
grads = torch.autograd.grad(loss, params)
ref["sgd_step"] = {"learning_rate": LR, "loss": float(loss),
                   "weights_after": [t(p.detach() - LR * g) for p, g in zip(params, grads)]}

# Losses and metrics called directly on fixed logits, with a mask, per reduction.
lg = rand(2, 4, 3, scale=2.0)
lab = torch.tensor([[0, 2, 1, 2], [1, 1, 2, 0]])
lmask = torch.tensor([[1, 1, 1, 0], [1, 0, 1, 1]]).double()
lsw = torch.tensor([[2.0], [0.5]])
v = ce(lg, lab)
direct = {"logits": t(lg), "labels": t(lab), "mask": t(lmask), "sample_weight": t(lsw)}
for red in ("sum_over_batch_size", "sum", "mean_with_sample_weight"):
    direct[red] = float(masked_loss(v, lmask, None, red))
    direct[red + "_weighted"] = float(masked_loss(v, lmask, lsw, red))
# ignore_class=2 together with the mask: only steps that are unmasked and not class 2 count.
valid = lmask * (lab != 2).double()
direct["ignore_class_2"] = float((v * valid).sum() / valid.sum())
acc = MeanWrapper()
acc.update((lg.argmax(-1) == lab).double(), lsw * lmask)
direct["sparse_categorical_accuracy_weighted"] = acc.result()
mae_pred, mae_true = rand(2, 4, 3), rand(2, 4, 3)
mae = MeanWrapper()
mae.update((mae_pred - mae_true).abs().mean(-1), lmask)
direct.update({"mae_pred": t(mae_pred), "mae_true": t(mae_true), "mae": mae.result()})
ref["direct"] = direct

with open("reference.json", "w") as f:
    json.dump(ref, f, indent=1)
    f.write("\n")
print(json.dumps({k: ref[k] for k in ("unmasked", "evaluate_batch_3", "evaluate_batch_2",
                                      "evaluate_per_sample_weight", "evaluate_per_step_weight_batch_2")}, indent=1))
