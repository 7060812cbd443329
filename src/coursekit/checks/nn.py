"""Checks for week 3's exercises (``notebooks/03-backprop.ipynb``)."""

import numpy as np

from .. import backprop, nn
from ..grading import Problem, close, number, register


def _network_problem(rng):
    """A small sigmoid network (Nielsen's): layer sizes, weights (n_in, n_out), biases, a batch X, Y."""
    sizes = [int(rng.integers(3, 6)), int(rng.integers(3, 6)), int(rng.integers(2, 5)), int(rng.integers(1, 4))]
    B = int(rng.integers(4, 9))
    weights = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(size=b) for b in sizes[1:]]
    return {"weights": weights, "biases": biases, "X": rng.normal(size=(B, sizes[0])),
            "Y": rng.random(size=(B, sizes[-1]))}


def _reference_backprop(x):
    layers = []
    for W, b in zip(x["weights"], x["biases"]):
        dense = nn.Dense(*W.shape, rng=np.random.default_rng(0))
        dense.params["W"], dense.params["b"] = W, b
        layers += [dense, nn.Sigmoid()]
    model = nn.Sequential(layers)
    backprop.backprop_gradient(model, nn.MSE(), x["X"], x["Y"])
    return [d.grads["W"].copy() for d in layers[::2]], [d.grads["b"].copy() for d in layers[::2]]


def _ask_backprop(backprop, x):
    out = backprop([W.copy() for W in x["weights"]], [b.copy() for b in x["biases"]], x["X"].copy(),
                   x["Y"].copy())
    if out is None or out is Ellipsis:
        return out
    dW, db = out
    return {"dW": [np.asarray(g, dtype=float) for g in dW], "db": [np.asarray(g, dtype=float) for g in db]}


def _judge_backprop(got, x):
    dW_ref, db_ref = _reference_backprop(x)
    if not isinstance(got, dict) or len(got.get("dW", [])) != len(dW_ref) or len(got.get("db", [])) != len(db_ref):
        return Problem(f"backprop should return two lists (dW, db) with one array per layer ({len(dW_ref)} layers).")
    # check from the output layer down, so the first mismatch points at the equation to fix
    for l in reversed(range(len(dW_ref))):
        layer = f"layer {l + 1} of {len(dW_ref)}"
        p = close(got["db"][l], db_ref[l], what=f"∂C/∂b for {layer}", rtol=1e-6, atol=1e-9,
                  hint="∂C/∂b = δ summed over the batch (BP3); δ of the output layer is (a − y)/B ⊙ σ'(z) (BP1)"
                  if l == len(dW_ref) - 1 else
                  "δ one layer down is (δ Wᵀ) ⊙ σ'(z) with the layer above's W (BP2).")
        if p:
            return p
        p = close(got["dW"][l], dW_ref[l], what=f"∂C/∂W for {layer}", rtol=1e-6, atol=1e-9,
                  hint="∂C/∂W = (activations of the layer below)ᵀ δ (BP4); for the first layer that is Xᵀ δ.")
        if p:
            return p
    return None


register(
    "nn.backprop",
    inputs=_network_problem,
    ask=_ask_backprop,
    judge=_judge_backprop,
    doc="The four equations of backpropagation for a sigmoid network with the quadratic cost.",
)


def _ce_problem(rng):
    B, K = int(rng.integers(3, 8)), int(rng.integers(2, 6))
    return {"logits": rng.normal(scale=2.0, size=(B, K)), "labels": rng.integers(0, K, size=B)}


register(
    "nn.output_error",
    inputs=_ce_problem,
    ask=lambda f, x: f(x["logits"].copy(), x["labels"].copy()),
    judge=lambda got, x: close(got, nn.SoftmaxCrossEntropy()(x["logits"], x["labels"])[1],
                               what="δ at the output", rtol=1e-6, atol=1e-10,
                               hint="δ = (softmax(z) − onehot(y))/B: subtract 1 at each example's true class "
                                    "and divide by the batch size."),
    doc="The output error of softmax + cross-entropy.",
)


def _momentum_problem(rng):
    shape = (int(rng.integers(2, 5)), int(rng.integers(1, 4)))
    return {"w": rng.normal(size=shape), "dw_prev": rng.normal(scale=0.1, size=shape),
            "grad": rng.normal(size=shape), "eta": float(rng.uniform(0.05, 0.5)),
            "alpha": float(rng.uniform(0.5, 0.95))}


def _ask_momentum(f, x):
    out = f(x["w"].copy(), x["dw_prev"].copy(), x["grad"].copy(), x["eta"], x["alpha"])
    if out is None or out is Ellipsis:
        return out
    w_new, dw = out
    return {"w": np.asarray(w_new, dtype=float), "dw": np.asarray(dw, dtype=float)}


def _judge_momentum(got, x):
    if not isinstance(got, dict):
        return Problem("momentum_step should return the pair (w_new, dw).")
    dw = -x["eta"] * x["grad"] + x["alpha"] * x["dw_prev"]
    return (close(got["dw"], dw, what="the weight change Δw(t)", rtol=1e-9, atol=1e-12,
                  hint="Δw(t) = −η ∂E/∂w + α Δw(t−1): the gradient term has a minus sign, the old change a plus.")
            or close(got["w"], x["w"] + dw, what="the new weights", rtol=1e-9, atol=1e-12,
                     hint="w_new = w + Δw(t)."))


register(
    "nn.momentum_step",
    inputs=_momentum_problem,
    ask=_ask_momentum,
    judge=_judge_momentum,
    doc="One step of gradient descent with momentum (Rumelhart et al. 1986, eq. 9).",
)


def _judge_passes(got, x):
    n = number(got, what="the number of forward passes")
    if isinstance(n, Problem):
        return n
    P = 64 * 32 + 32 + 32 * 10 + 10
    if n == 2 * P:
        return None
    if n == P:
        return "Central differences evaluate the cost twice per parameter, at θ + h e_k and at θ − h e_k."
    return ("Not right: count the parameters P of a 64-32-10 network (weights and biases of both layers); "
            "central differences need two forward passes per parameter.")


register(
    "nn.fd_passes",
    ask=lambda n, x: n,
    judge=_judge_passes,
    doc="Forward passes that central differences need for the gradient of a 64-32-10 MLP.",
)
