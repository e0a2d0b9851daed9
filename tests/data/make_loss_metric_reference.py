#!/usr/bin/python3
"""Writes losses_metrics_reference.json: reference values for tests/losses and tests/metrics.

Run with Debian's python3-torch, python3-numpy and python3-sklearn:
    /usr/bin/python3 tests/data/make_loss_metric_reference.py
Deterministic (fixed seeds). Losses come from torch.nn.functional where PyTorch has the same
formula as Keras 3 (MSE, MAE, Huber, BCE, BCE with logits, cross-entropy with and without label
smoothing, NLL, KL, Poisson NLL, cosine similarity); where Keras differs (its 1e-7 clipping, MAPE,
MSLE, log-cosh, hinge family, binary focal) Keras's formula is computed here with NumPy.
Metrics come from scikit-learn (precision, recall, F1, R2, confusion counts, accuracies, exact
ROC AUC) and, for AUC, from Keras's 200-threshold interpolation computed here with NumPy.
"""
import json
import os

import numpy as np
import sklearn
import sklearn.metrics as skm
import torch
import torch.nn.functional as F

EPS = 1e-7
rng = np.random.default_rng(20240611)
T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))


def arr(a):
    a = np.asarray(a)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


loss_cases = []


def add_loss(name, cls, config, y_true, y_pred, per_sample, sample_weight=None):
    y_true, y_pred, per_sample = np.asarray(y_true), np.asarray(y_pred), np.asarray(per_sample, dtype=np.float64)
    case = {"name": name, "class_name": cls, "config": config, "y_true": arr(y_true), "y_pred": arr(y_pred),
            "per_sample": arr(per_sample), "sum": float(per_sample.sum()),
            "sum_over_batch_size": float(per_sample.sum() / max(per_sample.size, 1))}
    if sample_weight is not None:
        sw = np.asarray(sample_weight, dtype=np.float64)
        weighted = per_sample * sw
        case["sample_weight"] = arr(sw)
        case["weighted_sum"] = float(weighted.sum())
        case["weighted_sum_over_batch_size"] = float(weighted.sum() / per_sample.size)
        case["weighted_mean_with_sample_weight"] = float(weighted.sum() / sw.sum())
    loss_cases.append(case)


B, C = 6, 4
sw = np.round(rng.uniform(0.1, 2.0, size=B), 3)
yt = np.round(rng.normal(size=(B, C)), 4)
yp = np.round(rng.normal(size=(B, C)), 4)
pos_t = np.round(rng.uniform(0.1, 3.0, size=(B, C)), 4)
pos_p = np.round(rng.uniform(0.1, 3.0, size=(B, C)), 4)

# --- regression (torch where it matches) ---
add_loss("mse", "MeanSquaredError", {}, yt, yp, F.mse_loss(T(yp), T(yt), reduction="none").mean(-1).numpy(), sw)
add_loss("mae", "MeanAbsoluteError", {}, yt, yp, F.l1_loss(T(yp), T(yt), reduction="none").mean(-1).numpy(), sw)
add_loss("mape", "MeanAbsolutePercentageError", {}, yt, yp,
         100 * np.mean(np.abs((yt - yp) / np.maximum(np.abs(yt), EPS)), -1), sw)
msle_p = np.concatenate([pos_p[:, :3], -pos_p[:, 3:]], 1)  # a negative prediction is clipped to eps
add_loss("msle", "MeanSquaredLogarithmicError", {}, pos_t, msle_p,
         np.mean((np.log(np.maximum(msle_p, EPS) + 1) - np.log(np.maximum(pos_t, EPS) + 1)) ** 2, -1), sw)
for delta in (1.0, 0.5):
    add_loss(f"huber delta={delta}", "Huber", {"delta": delta}, yt, yp * 2,
             F.huber_loss(T(yp * 2), T(yt), reduction="none", delta=delta).mean(-1).numpy(), sw)
add_loss("log_cosh", "LogCosh", {}, yt, yp * 3, np.mean(np.log(np.cosh(yp * 3 - yt)), -1), sw)
add_loss("cosine_similarity", "CosineSimilarity", {}, yt, yp,
         -F.cosine_similarity(T(yt), T(yp), dim=-1).numpy(), sw)

# --- probabilistic ---
bin_t = rng.integers(0, 2, size=(B, C)).astype(np.float64)
probs = np.round(rng.uniform(0.02, 0.98, size=(B, C)), 4)
probs[0, 0], probs[0, 1] = 0.0, 1.0  # clipped to [1e-7, 1 - 1e-7]
logits = np.round(rng.normal(scale=3.0, size=(B, C)), 4)
bce_ref = lambda t, p: F.binary_cross_entropy(T(np.clip(p, EPS, 1 - EPS)), T(t), reduction="none").mean(-1).numpy()
add_loss("bce", "BinaryCrossentropy", {}, bin_t, probs, bce_ref(bin_t, probs), sw)
add_loss("bce smoothing", "BinaryCrossentropy", {"label_smoothing": 0.2}, bin_t, probs,
         bce_ref(bin_t * 0.8 + 0.1, probs), sw)
add_loss("bce logits", "BinaryCrossentropy", {"from_logits": True}, bin_t, logits,
         F.binary_cross_entropy_with_logits(T(logits), T(bin_t), reduction="none").mean(-1).numpy(), sw)
add_loss("bce logits smoothing", "BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, bin_t, logits,
         F.binary_cross_entropy_with_logits(T(logits), T(bin_t * 0.9 + 0.05), reduction="none").mean(-1).numpy(), sw)
big = np.array([[1000.0, -1000.0, 50.0, -50.0], [-1000.0, 1000.0, 0.5, 0.0]])
big_t = np.array([[1.0, 0.0, 0.0, 1.0], [1.0, 0.0, 1.0, 0.0]])
add_loss("bce large logits", "BinaryCrossentropy", {"from_logits": True}, big_t, big,
         F.binary_cross_entropy_with_logits(T(big), T(big_t), reduction="none").mean(-1).numpy())


def focal(t, p, gamma=2.0, alpha=0.25, balance=False, ls=0.0, from_logits=False):
    t = t * (1 - ls) + 0.5 * ls
    if from_logits:
        x = p
        p = 1 / (1 + np.exp(-x))
        bce = np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))
    else:
        pc = np.clip(p, EPS, 1 - EPS)
        bce = -(t * np.log(pc) + (1 - t) * np.log(1 - pc))
    p_t = t * p + (1 - t) * (1 - p)
    out = (1 - p_t) ** gamma * bce
    if balance:
        out = (t * alpha + (1 - t) * (1 - alpha)) * out
    return out.mean(-1)


add_loss("focal", "BinaryFocalCrossentropy", {}, bin_t, probs, focal(bin_t, probs), sw)
add_loss("focal balanced gamma3 smoothing", "BinaryFocalCrossentropy",
         {"apply_class_balancing": True, "alpha": 0.4, "gamma": 3.0, "label_smoothing": 0.1}, bin_t, probs,
         focal(bin_t, probs, gamma=3.0, alpha=0.4, balance=True, ls=0.1), sw)
add_loss("focal logits", "BinaryFocalCrossentropy", {"from_logits": True}, bin_t, logits,
         focal(bin_t, logits, from_logits=True), sw)

labels = rng.integers(0, C, size=B)
onehot = np.eye(C)[labels]
cat_probs = rng.uniform(0.05, 1.0, size=(B, C))
cat_probs = np.round(cat_probs / cat_probs.sum(-1, keepdims=True), 5)  # rows sum to ~1; Keras renormalizes
cce_probs = lambda t, p: -(T(t) * torch.log(torch.clamp(T(p) / T(p).sum(-1, keepdim=True), EPS, 1 - EPS))).sum(-1).numpy()
add_loss("cce", "CategoricalCrossentropy", {}, onehot, cat_probs, cce_probs(onehot, cat_probs), sw)
add_loss("cce smoothing", "CategoricalCrossentropy", {"label_smoothing": 0.1}, onehot, cat_probs,
         cce_probs(onehot * 0.9 + 0.1 / C, cat_probs), sw)
add_loss("cce logits", "CategoricalCrossentropy", {"from_logits": True}, onehot, logits,
         F.cross_entropy(T(logits), T(onehot), reduction="none").numpy(), sw)
add_loss("cce logits smoothing", "CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, onehot,
         logits, F.cross_entropy(T(logits), T(onehot), reduction="none", label_smoothing=0.2).numpy(), sw)
add_loss("cce large logits", "CategoricalCrossentropy", {"from_logits": True}, np.eye(C)[[1, 0]], big,
         F.cross_entropy(T(big), torch.tensor([1, 0]), reduction="none").numpy())
add_loss("scce", "SparseCategoricalCrossentropy", {}, labels, cat_probs,
         F.nll_loss(torch.log(torch.clamp(T(cat_probs) / T(cat_probs).sum(-1, keepdim=True), EPS, 1 - EPS)),
                    torch.tensor(labels), reduction="none").numpy(), sw)
add_loss("scce logits", "SparseCategoricalCrossentropy", {"from_logits": True}, labels, logits,
         F.cross_entropy(T(logits), torch.tensor(labels), reduction="none").numpy(), sw)
add_loss("scce large logits", "SparseCategoricalCrossentropy", {"from_logits": True}, np.array([1, 0]), big,
         F.cross_entropy(T(big), torch.tensor([1, 0]), reduction="none").numpy())
ign = labels.copy()
ign[[1, 4]] = -1
ce_ign = F.cross_entropy(T(logits), torch.tensor(ign), reduction="none", ignore_index=-1).numpy()
case_ign = {"y_true": ign, "per_sample": ce_ign,
            # Keras: masked samples get weight 0 and sum_over_batch_size divides by the valid count
            "masked_mean": float(F.cross_entropy(T(logits), torch.tensor(ign), ignore_index=-1))}
add_loss("scce ignore_class", "SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": -1}, ign, logits,
         ce_ign)
loss_cases[-1]["masked_sum_over_batch_size"] = case_ign["masked_mean"]

dist_t = rng.uniform(0.0, 1.0, size=(B, C))
dist_t /= dist_t.sum(-1, keepdims=True)
dist_t[0, 2] = 0.0
add_loss("kld", "KLDivergence", {}, dist_t, cat_probs,
         F.kl_div(torch.log(torch.clamp(T(cat_probs), EPS, 1)), torch.clamp(T(dist_t), EPS, 1),
                  reduction="none").sum(-1).numpy(), sw)
counts = rng.integers(0, 5, size=(B, C)).astype(np.float64)
add_loss("poisson", "Poisson", {}, counts, pos_p,
         F.poisson_nll_loss(T(pos_p), T(counts), log_input=False, full=False, eps=EPS, reduction="none").mean(-1).numpy(), sw)

# --- hinge (Keras's formulas) ---
pm = bin_t * 2 - 1
add_loss("hinge", "Hinge", {}, pm, yp, torch.clamp(1 - T(pm) * T(yp), min=0).mean(-1).numpy(), sw)
add_loss("hinge binary labels", "Hinge", {}, bin_t, yp, np.maximum(1 - pm * yp, 0).mean(-1), sw)
add_loss("squared_hinge", "SquaredHinge", {}, bin_t, yp, (np.maximum(1 - pm * yp, 0) ** 2).mean(-1), sw)
add_loss("categorical_hinge", "CategoricalHinge", {}, onehot, yp,
         np.maximum(np.max((1 - onehot) * yp, -1) - np.sum(onehot * yp, -1) + 1, 0), sw)

# ---------------------------------------------------------------- metrics
N = 40
m = {}
y_bin = rng.integers(0, 2, size=N)
y_score = np.round(rng.uniform(0, 1, size=N), 4)
y_score[:8] = np.round(np.clip(y_bin[:8] * 0.6 + rng.uniform(0, 0.4, size=8), 0, 1), 4)
w = np.round(rng.uniform(0.2, 2.0, size=N), 3)
y_hat = (y_score > 0.5).astype(int)
tn, fp, fn, tp = skm.confusion_matrix(y_bin, y_hat).ravel()
tnw, fpw, fnw, tpw = skm.confusion_matrix(y_bin, y_hat, sample_weight=w).ravel()
m["binary"] = {"y_true": arr(y_bin), "y_score": arr(y_score), "sample_weight": arr(w),
               "tp": float(tp), "fp": float(fp), "tn": float(tn), "fn": float(fn),
               "tp_weighted": float(tpw), "fp_weighted": float(fpw), "tn_weighted": float(tnw), "fn_weighted": float(fnw),
               "precision": skm.precision_score(y_bin, y_hat), "recall": skm.recall_score(y_bin, y_hat),
               "precision_weighted": skm.precision_score(y_bin, y_hat, sample_weight=w),
               "recall_weighted": skm.recall_score(y_bin, y_hat, sample_weight=w),
               "precision_at_0.3": skm.precision_score(y_bin, (y_score > 0.3).astype(int)),
               "recall_at_0.7": skm.recall_score(y_bin, (y_score > 0.7).astype(int)),
               "binary_accuracy": skm.accuracy_score(y_bin, y_hat),
               "binary_accuracy_weighted": skm.accuracy_score(y_bin, y_hat, sample_weight=w),
               "roc_auc_exact": skm.roc_auc_score(y_bin, y_score),
               "roc_auc_exact_weighted": skm.roc_auc_score(y_bin, y_score, sample_weight=w),
               "average_precision_exact": skm.average_precision_score(y_bin, y_score)}


def keras_auc(y, s, weights=None, curve="ROC", summation="interpolation", num_thresholds=200):
    weights = np.ones_like(s) if weights is None else weights
    thr = np.array([0.0 - EPS] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1.0 + EPS])
    s = np.clip(s, 0, 1)
    pos = s[None, :] > thr[:, None]
    tp = (pos * (y * weights)[None, :]).sum(1)
    fp = (pos * ((1 - y) * weights)[None, :]).sum(1)
    fn = (y * weights).sum() - tp
    tn = ((1 - y) * weights).sum() - fp
    dnn = lambda a, b: np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))
    if curve == "PR" and summation == "interpolation":
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = dnn(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:-1] > 0) & (p[1:] > 0), dnn(p[:-1], np.maximum(p[1:], 0)), 1.0)
        return float(np.sum(dnn(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))))
    recall = dnn(tp, tp + fn)
    if curve == "ROC":
        x, yv = dnn(fp, fp + tn), recall
    else:
        x, yv = recall, dnn(tp, tp + fp)
    h = {"interpolation": (yv[:-1] + yv[1:]) / 2, "minoring": np.minimum(yv[:-1], yv[1:]),
         "majoring": np.maximum(yv[:-1], yv[1:])}[summation]
    return float(np.sum((x[:-1] - x[1:]) * h))


m["binary"]["keras_auc_roc"] = keras_auc(y_bin, y_score)
m["binary"]["keras_auc_roc_weighted"] = keras_auc(y_bin, y_score, w)
m["binary"]["keras_auc_pr"] = keras_auc(y_bin, y_score, curve="PR")
m["binary"]["keras_auc_roc_minoring"] = keras_auc(y_bin, y_score, summation="minoring")
m["binary"]["keras_auc_roc_majoring"] = keras_auc(y_bin, y_score, summation="majoring")
m["binary"]["keras_auc_pr_majoring"] = keras_auc(y_bin, y_score, curve="PR", summation="majoring")
m["binary"]["keras_auc_roc_10_thresholds"] = keras_auc(y_bin, y_score, num_thresholds=10)

K = 5
cls = rng.integers(0, K, size=N)
scores = rng.uniform(0, 1, size=(N, K))
scores = np.round(scores / scores.sum(-1, keepdims=True), 5)
pred = scores.argmax(-1)
oh_true, oh_pred = np.eye(K)[cls], np.eye(K)[pred]
m["multiclass"] = {"labels": arr(cls), "scores": arr(scores), "sample_weight": arr(w),
                   "accuracy": skm.accuracy_score(cls, pred),
                   "accuracy_weighted": skm.accuracy_score(cls, pred, sample_weight=w),
                   "top2": skm.top_k_accuracy_score(cls, scores, k=2, labels=list(range(K))),
                   "top3_weighted": skm.top_k_accuracy_score(cls, scores, k=3, labels=list(range(K)), sample_weight=w),
                   "f1_none": [float(v) for v in skm.f1_score(oh_true, oh_pred, average=None, zero_division=0)],
                   "f1_micro": skm.f1_score(oh_true, oh_pred, average="micro"),
                   "f1_macro": skm.f1_score(oh_true, oh_pred, average="macro", zero_division=0),
                   "f1_weighted": skm.f1_score(oh_true, oh_pred, average="weighted", zero_division=0),
                   "f1_macro_weighted": skm.f1_score(oh_true, oh_pred, average="macro", sample_weight=w,
                                                     zero_division=0),
                   "f1_micro_threshold_0.3": skm.f1_score(oh_true, (scores > 0.3).astype(int), average="micro"),
                   "fbeta2_macro": skm.fbeta_score(oh_true, oh_pred, beta=2.0, average="macro", zero_division=0),
                   "precision_class_2": skm.precision_score(oh_true[:, 2], (scores[:, 2] > 0.5).astype(int),
                                                            zero_division=0),
                   "recall_class_2_at_0.2": skm.recall_score(oh_true[:, 2], (scores[:, 2] > 0.2).astype(int))}

R = 3
rt = np.round(rng.normal(size=(N, R)) * np.array([1.0, 3.0, 0.5]) + np.array([0.0, 2.0, -1.0]), 4)
rp = np.round(rt + rng.normal(scale=0.6, size=(N, R)), 4)
m["regression"] = {"y_true": arr(rt), "y_pred": arr(rp), "sample_weight": arr(w),
                   "r2_uniform": skm.r2_score(rt, rp),
                   "r2_variance_weighted": skm.r2_score(rt, rp, multioutput="variance_weighted"),
                   "r2_raw": [float(v) for v in skm.r2_score(rt, rp, multioutput="raw_values")],
                   "r2_uniform_weighted": skm.r2_score(rt, rp, sample_weight=w),
                   "r2_1d": skm.r2_score(rt[:, 1], rp[:, 1]),
                   "mse": skm.mean_squared_error(rt, rp),
                   "rmse": float(np.sqrt(skm.mean_squared_error(rt, rp))),
                   "mse_weighted": skm.mean_squared_error(rt, rp, sample_weight=w),
                   "mae": skm.mean_absolute_error(rt, rp),
                   "mape": 100 * skm.mean_absolute_percentage_error(rt, rp),
                   "cosine": float(F.cosine_similarity(T(rt), T(rp), dim=-1).mean())}

out = {"generator": "tests/data/make_loss_metric_reference.py",
       "versions": {"torch": torch.__version__, "numpy": np.__version__, "sklearn": sklearn.__version__},
       "losses": loss_cases, "metrics": m}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "losses_metrics_reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print(f"wrote {path}: {len(loss_cases)} loss cases")
