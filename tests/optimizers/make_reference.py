#!/usr/bin/python3
"""Reference trajectories for tests/optimizers/test_optimizers.cpp.

Writes tests/data/optimizers_reference.json. Run with Debian's python3 (python3-torch 1.13,
python3-numpy):  /usr/bin/python3 tests/optimizers/make_reference.py

The problem: a tiny least-squares fit plus a scalar quadratic, in float64,
    loss(w, b, c) = mean((X @ w + b - Y)^2) + 0.5 * (c - 2)^2
with w 3x2, b of 2, c a scalar, and fixed X (6x3), Y (6x2). Each case runs `steps` updates and
records (w, b, c) flattened after every step.

Two kinds of reference:
  * "torch": PyTorch's optimizer where it has the same algorithm and hyper-parameters as Keras
    (SGD with momentum / nesterov, SGD weight decay, Adadelta, and Adam / AdamW / RMSprop / Adagrad / Adamax with epsilon = 0, where the epsilon placements of
    the two libraries coincide);
  * "keras-formula": Keras 3's documented update rule written out below in NumPy (Keras's epsilon
    placements, Nadam, Ftrl, Lion, clipping, schedules). Where PyTorch also applies, the script checks the
    two agree before writing anything.
Learning rates are exact in float32 (Keras keeps the learning rate in a float32 variable).
"""
import json
import math
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

STEPS = 8
rng = np.random.default_rng(2024)
X = rng.normal(size=(6, 3))
Y = rng.normal(size=(6, 2))
W0 = rng.normal(size=(3, 2))
B0 = rng.normal(size=(2,))
C0 = np.array(-0.75)


def gradients(params):
    w, b, c = params
    r = X @ w + b - Y
    n = r.size
    return [2.0 / n * X.T @ r, 2.0 / n * r.sum(axis=0), c - 2.0]


def flat(params):
    return np.concatenate([np.ravel(p) for p in params]).tolist()


# ----------------------------------------------------------------------------- schedules (Keras)

def schedule_value(serialized, step):
    name, c = serialized["class_name"], serialized["config"]
    step = float(step)
    if name == "ExponentialDecay":
        p = step / c["decay_steps"]
        if c.get("staircase", False):
            p = math.floor(p)
        return c["initial_learning_rate"] * c["decay_rate"] ** p
    if name == "PiecewiseConstantDecay":
        b, v = c["boundaries"], c["values"]
        result = 0.0
        result += float(step <= b[0]) * v[0]
        result += float(step > b[-1]) * v[-1]
        for low, high, value in zip(b[:-1], b[1:], v[1:-1]):
            result += float(low < step <= high) * value
        return result
    if name == "PolynomialDecay":
        decay_steps = float(c["decay_steps"])
        end = c.get("end_learning_rate", 0.0001)
        power = c.get("power", 1.0)
        if c.get("cycle", False):
            multiplier = 1.0 if step == 0 else math.ceil(step / c["decay_steps"])
            decay_steps = decay_steps * multiplier
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        return (c["initial_learning_rate"] - end) * (1 - p) ** power + end
    if name == "InverseTimeDecay":
        p = step / c["decay_steps"]
        if c.get("staircase", False):
            p = math.floor(p)
        return c["initial_learning_rate"] / (1 + c["decay_rate"] * p)
    if name == "CosineDecay":
        alpha = c.get("alpha", 0.0)
        decay_steps = float(c["decay_steps"])

        def decay(s, from_lr):
            cosine = 0.5 * (1.0 + math.cos(math.pi * (s / decay_steps)))
            return from_lr * ((1 - alpha) * cosine + alpha)

        target = c.get("warmup_target")
        if target is None:
            return decay(min(step, decay_steps), c["initial_learning_rate"])
        warmup_steps = float(c.get("warmup_steps", 0))
        step = min(step, decay_steps + warmup_steps)
        if step < warmup_steps:
            return (target - c["initial_learning_rate"]) * (step / warmup_steps) + c["initial_learning_rate"]
        return decay(step - warmup_steps, target)
    if name == "CosineDecayRestarts":
        t_mul = c.get("t_mul", 2.0)
        m_mul = c.get("m_mul", 1.0)
        alpha = c.get("alpha", 0.0)
        fraction = step / c["first_decay_steps"]
        if t_mul == 1.0:
            i_restart = math.floor(fraction)
            fraction -= i_restart
        else:
            i_restart = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            sum_r = (1.0 - t_mul ** i_restart) / (1.0 - t_mul)
            fraction = (fraction - sum_r) / t_mul ** i_restart
        cosine = 0.5 * m_mul ** i_restart * (1.0 + math.cos(math.pi * fraction))
        return c["initial_learning_rate"] * ((1 - alpha) * cosine + alpha)
    raise ValueError(name)


# ---------------------------------------------------------------- optimizers (Keras 3 formulas)

DEFAULTS = {
    "SGD": dict(learning_rate=0.01, momentum=0.0, nesterov=False),
    "Adam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False),
    "AdamW": dict(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False),
    "RMSprop": dict(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False),
    "Adagrad": dict(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7),
    "Adadelta": dict(learning_rate=0.001, rho=0.95, epsilon=1e-7),
    "Adamax": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    "Nadam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    "Ftrl": dict(learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0),
    "Lion": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.99),
}


def run_keras(class_name, config, steps=STEPS):
    h = dict(DEFAULTS[class_name])
    h.update(config)
    params = [W0.copy(), B0.copy(), C0.copy()]
    state = [dict() for _ in params]
    u_product = 1.0
    trajectory = []
    for iteration in range(steps):
        lr = h["learning_rate"]
        if isinstance(lr, dict):
            lr = schedule_value(lr, iteration)
        grads = gradients(params)
        # clipping (only one of the three may be set)
        if h.get("clipnorm"):
            cn = h["clipnorm"]
            grads = [g * cn / max(math.sqrt(float(np.sum(np.square(g)))), cn) for g in grads]
        elif h.get("global_clipnorm"):
            cn = h["global_clipnorm"]
            norm = math.sqrt(sum(float(np.sum(np.square(g))) for g in grads))
            scale = cn * min(1.0 / norm, 1.0 / cn)
            grads = [g * scale for g in grads]
        elif h.get("clipvalue"):
            cv = h["clipvalue"]
            grads = [np.clip(g, -cv, cv) for g in grads]
        # decoupled weight decay
        if h.get("weight_decay") is not None:
            wd = h["weight_decay"]
            params = [p - p * wd * lr for p in params]
        t = iteration + 1
        if class_name == "Nadam":
            u_product = u_product * h["beta_1"] * (1.0 - 0.5 * 0.96 ** t)
        new_params = []
        for p, g, s in zip(params, grads, state):
            new_params.append(keras_update(class_name, h, p, g, s, t, lr, u_product))
        params = new_params
        trajectory.append(flat(params))
    return trajectory


def keras_update(name, h, w, g, s, t, lr, u_product):
    zeros = np.zeros_like(w)
    if name == "SGD":
        mu = h["momentum"]
        if mu == 0:
            return w - g * lr
        m = s.get("m", zeros)
        m = m * mu - g * lr
        s["m"] = m
        if h["nesterov"]:
            return w + (m * mu - g * lr)
        return w + m
    if name in ("Adam", "AdamW"):
        b1, b2, eps = h["beta_1"], h["beta_2"], h["epsilon"]
        m, v = s.get("m", zeros), s.get("v", zeros)
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m = m + (g - m) * (1 - b1)
        v = v + (np.square(g) - v) * (1 - b2)
        s["m"], s["v"] = m, v
        if h["amsgrad"]:
            vh = np.maximum(s.get("vh", zeros), v)
            s["vh"] = vh
            v = vh
        return w - (m * alpha) / (np.sqrt(v) + eps)
    if name == "RMSprop":
        rho, eps = h["rho"], h["epsilon"]
        vel = rho * s.get("vel", zeros) + (1 - rho) * np.square(g)
        s["vel"] = vel
        if h["centered"]:
            ag = rho * s.get("ag", zeros) + (1 - rho) * g
            s["ag"] = ag
            denominator = vel - np.square(ag) + eps
        else:
            denominator = vel + eps
        increment = lr * g / np.sqrt(denominator)
        if h["momentum"] > 0:
            mom = h["momentum"] * s.get("mom", zeros) + increment
            s["mom"] = mom
            return w - mom
        return w - increment
    if name == "Adagrad":
        acc = s.get("acc", zeros + h["initial_accumulator_value"]) + np.square(g)
        s["acc"] = acc
        return w - lr * g / np.sqrt(acc + h["epsilon"])
    if name == "Adadelta":
        rho, eps = h["rho"], h["epsilon"]
        ag = rho * s.get("ag", zeros) + (1 - rho) * np.square(g)
        adv = s.get("adv", zeros)
        delta_var = -(np.sqrt(adv + eps) * g / np.sqrt(ag + eps))
        s["ag"] = ag
        s["adv"] = rho * adv + (1 - rho) * np.square(delta_var)
        return w + lr * delta_var
    if name == "Adamax":
        b1, b2, eps = h["beta_1"], h["beta_2"], h["epsilon"]
        m = s.get("m", zeros)
        m = m + (g - m) * (1 - b1)
        u = np.maximum(b2 * s.get("u", zeros), np.abs(g))
        s["m"], s["u"] = m, u
        return w - (lr * m) / ((1 - b1 ** t) * (u + eps))
    if name == "Nadam":
        b1, b2, eps = h["beta_1"], h["beta_2"], h["epsilon"]
        u_t = b1 * (1.0 - 0.5 * 0.96 ** t)
        u_t_1 = b1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        u_product_t_1 = u_product * u_t_1
        m, v = s.get("m", zeros), s.get("v", zeros)
        m = m + (g - m) * (1 - b1)
        v = v + (np.square(g) - v) * (1 - b2)
        s["m"], s["v"] = m, v
        m_hat = u_t_1 * m / (1 - u_product_t_1) + (1 - u_t) * g / (1 - u_product)
        v_hat = v / (1 - b2 ** t)
        return w - (m_hat * lr) / (np.sqrt(v_hat) + eps)
    if name == "Ftrl":
        lr_power = h["learning_rate_power"]
        l2_reg = h["l2_regularization_strength"] + h["beta"] / (2.0 * lr)
        accum = s.get("accum", zeros + h["initial_accumulator_value"])
        linear = s.get("linear", zeros)
        grad_to_use = g + 2 * h["l2_shrinkage_regularization_strength"] * w
        new_accum = accum + np.square(g)
        linear = linear + (grad_to_use - (new_accum ** -lr_power - accum ** -lr_power) / lr * w)
        quadratic = new_accum ** -lr_power / lr + 2 * l2_reg
        l1 = h["l1_regularization_strength"]
        s["accum"], s["linear"] = new_accum, linear
        return (np.clip(linear, -l1, l1) - linear) / quadratic
    if name == "Lion":
        b1, b2 = h["beta_1"], h["beta_2"]
        m = s.get("m", zeros)
        w = w - lr * np.sign(m * b1 + g * (1.0 - b1))
        s["m"] = m * b2 + g * (1.0 - b2)
        return w
    raise ValueError(name)


# ------------------------------------------------------------------------------- PyTorch runs

def run_torch(make, steps=STEPS):
    params = [torch.tensor(W0, requires_grad=True), torch.tensor(B0, requires_grad=True),
              torch.tensor(C0, requires_grad=True)]
    opt = make(params)
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        w, b, c = params
        loss = torch.mean(torch.square(Xt @ w + b - Yt)) + 0.5 * torch.square(c - 2.0)
        loss.backward()
        opt.step()
        trajectory.append(flat([p.detach().numpy() for p in params]))
    return trajectory


cases = []


def case(name, class_name, config, source, trajectory, check_keras=True):
    if check_keras:  # the Keras formula must agree wherever PyTorch is the reference
        keras = np.array(run_keras(class_name, config, len(trajectory)))
        np.testing.assert_allclose(keras, np.array(trajectory), rtol=1e-9, atol=1e-12, err_msg=name)
    cases.append({"name": name, "source": source,
                  "optimizer": {"class_name": class_name, "config": config}, "trajectory": trajectory})


def keras_case(name, class_name, config, steps=STEPS):
    cases.append({"name": name, "source": "keras-formula",
                  "optimizer": {"class_name": class_name, "config": config},
                  "trajectory": run_keras(class_name, config, steps)})


T = torch.optim
# SGD: PyTorch's momentum buffer is Keras's velocity / -lr, so the two agree for a constant lr.
case("sgd", "SGD", {"learning_rate": 0.125}, "torch", run_torch(lambda p: T.SGD(p, lr=0.125)))
case("sgd_momentum", "SGD", {"learning_rate": 0.0625, "momentum": 0.9}, "torch",
     run_torch(lambda p: T.SGD(p, lr=0.0625, momentum=0.9)))
case("sgd_nesterov", "SGD", {"learning_rate": 0.0625, "momentum": 0.9, "nesterov": True}, "torch",
     run_torch(lambda p: T.SGD(p, lr=0.0625, momentum=0.9, nesterov=True)))
# Without momentum, PyTorch's coupled weight decay equals Keras's decoupled one.
case("sgd_weight_decay", "SGD", {"learning_rate": 0.125, "weight_decay": 0.25}, "torch",
     run_torch(lambda p: T.SGD(p, lr=0.125, weight_decay=0.25)))
# Epsilon placements differ between the libraries; with epsilon = 0 they coincide.
case("adam_eps0", "Adam", {"learning_rate": 0.125, "epsilon": 0.0}, "torch",
     run_torch(lambda p: T.Adam(p, lr=0.125, eps=0.0)))
case("adam_amsgrad_eps0", "Adam", {"learning_rate": 0.125, "epsilon": 0.0, "amsgrad": True}, "torch",
     run_torch(lambda p: T.Adam(p, lr=0.125, eps=0.0, amsgrad=True)))
case("adamw_eps0", "AdamW", {"learning_rate": 0.125, "weight_decay": 0.25, "epsilon": 0.0}, "torch",
     run_torch(lambda p: T.AdamW(p, lr=0.125, eps=0.0, weight_decay=0.25)))
case("rmsprop_eps0", "RMSprop", {"learning_rate": 0.0625, "epsilon": 0.0}, "torch",
     run_torch(lambda p: T.RMSprop(p, lr=0.0625, alpha=0.9, eps=0.0)))
case("rmsprop_centered_momentum_eps0", "RMSprop",
     {"learning_rate": 0.0625, "epsilon": 0.0, "momentum": 0.5, "centered": True}, "torch",
     run_torch(lambda p: T.RMSprop(p, lr=0.0625, alpha=0.9, eps=0.0, momentum=0.5, centered=True)))
case("adagrad_eps0", "Adagrad", {"learning_rate": 0.25, "epsilon": 0.0}, "torch",
     run_torch(lambda p: T.Adagrad(p, lr=0.25, initial_accumulator_value=0.1, eps=0.0)))
case("adadelta", "Adadelta", {"learning_rate": 0.5, "rho": 0.95, "epsilon": 1e-6}, "torch",
     run_torch(lambda p: T.Adadelta(p, lr=0.5, rho=0.95, eps=1e-6)))
case("adamax_eps0", "Adamax", {"learning_rate": 0.125, "epsilon": 0.0}, "torch",
     run_torch(lambda p: T.Adamax(p, lr=0.125, eps=0.0)))
# Nadam: PyTorch 1.13's NAdam multiplies mu twice into mu_product_next (fixed in later releases),
# so it is not Keras's rule even with momentum_decay=1; Keras's formula is the reference below.

# Keras's own formulas (Keras's epsilon placements, defaults, and what PyTorch lacks).
keras_case("adam", "Adam", {"learning_rate": 0.125})
keras_case("adam_amsgrad", "Adam", {"learning_rate": 0.125, "amsgrad": True, "epsilon": 0.01})
keras_case("adamw", "AdamW", {"learning_rate": 0.125, "weight_decay": 0.25, "epsilon": 0.01})
keras_case("rmsprop", "RMSprop", {"learning_rate": 0.0625, "epsilon": 0.01})
keras_case("rmsprop_centered_momentum", "RMSprop",
           {"learning_rate": 0.0625, "momentum": 0.5, "centered": True, "epsilon": 0.01})
keras_case("adagrad", "Adagrad", {"learning_rate": 0.25, "epsilon": 0.01})
keras_case("adadelta_keras_defaults", "Adadelta", {"learning_rate": 1.0})
keras_case("adamax", "Adamax", {"learning_rate": 0.125, "epsilon": 0.01})
keras_case("nadam", "Nadam", {"learning_rate": 0.125})
keras_case("nadam_eps", "Nadam", {"learning_rate": 0.125, "epsilon": 0.01})
keras_case("ftrl", "Ftrl", {"learning_rate": 0.25})
keras_case("ftrl_regularized", "Ftrl",
           {"learning_rate": 0.25, "learning_rate_power": -0.625, "initial_accumulator_value": 0.25,
            "l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
            "l2_shrinkage_regularization_strength": 0.03, "beta": 0.125})
keras_case("lion", "Lion", {"learning_rate": 0.03125})
keras_case("lion_betas", "Lion", {"learning_rate": 0.0625, "beta_1": 0.5, "beta_2": 0.75})
# Clipping, weight decay with an adaptive rule, schedules.
keras_case("sgd_momentum_clipnorm", "SGD", {"learning_rate": 0.0625, "momentum": 0.9, "clipnorm": 0.5})
keras_case("adam_global_clipnorm", "Adam", {"learning_rate": 0.125, "global_clipnorm": 0.5})
keras_case("rmsprop_clipvalue", "RMSprop", {"learning_rate": 0.0625, "clipvalue": 0.25})
keras_case("lion_weight_decay", "Lion", {"learning_rate": 0.0625, "weight_decay": 0.5})
keras_case("sgd_exponential_decay", "SGD", {"learning_rate": {
    "module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
    "config": {"initial_learning_rate": 0.25, "decay_steps": 3, "decay_rate": 0.5, "staircase": False,
               "name": "ExponentialDecay"}, "registered_name": None}})
keras_case("adam_cosine_warmup", "Adam", {"learning_rate": {
    "module": "keras.optimizers.schedules", "class_name": "CosineDecay",
    "config": {"initial_learning_rate": 0.0, "decay_steps": 5, "alpha": 0.1, "name": "CosineDecay",
               "warmup_target": 0.25, "warmup_steps": 3}, "registered_name": None}})


def schedule(class_name, config, steps=14):
    serialized = {"class_name": class_name, "config": config}
    return {"schedule": serialized, "values": [schedule_value(serialized, s) for s in range(steps)]}


schedules = [
    schedule("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5}),
    schedule("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5,
                                  "staircase": True}),
    schedule("PiecewiseConstantDecay", {"boundaries": [2, 5], "values": [1.0, 0.5, 0.1]}),
    schedule("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 5, "end_learning_rate": 0.01,
                                 "power": 2.0}),
    schedule("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 4, "end_learning_rate": 0.01,
                                 "power": 0.5, "cycle": True}),
    schedule("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5}),
    schedule("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5,
                                  "staircase": True}),
    schedule("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 8, "alpha": 0.1}),
    schedule("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 6, "warmup_target": 0.2,
                             "warmup_steps": 4}),
    schedule("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 3, "t_mul": 2.0,
                                     "m_mul": 0.5, "alpha": 0.1}, steps=24),
    schedule("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 3, "t_mul": 1.0,
                                     "m_mul": 0.75}),
]

out = {
    "generator": "tests/optimizers/make_reference.py (torch %s, numpy %s)" % (torch.__version__, np.__version__),
    "problem": {"X": X.tolist(), "Y": Y.tolist(), "w0": W0.tolist(), "b0": B0.tolist(), "c0": float(C0)},
    "steps": STEPS,
    "cases": cases,
    "schedules": schedules,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "optimizers_reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote %s: %d optimizer cases, %d schedules" % (os.path.normpath(path), len(cases), len(schedules)))
