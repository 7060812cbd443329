"""Week 3's checks, each fed the stub, the reference, another valid form and typical mistakes."""

import numpy as np
import pytest
from scipy.special import expit

import checkcases
from checkcases import Cases, Mistake
from coursekit import backprop as bp
from coursekit import nn
from coursekit.checks import nn as nn_checks
from coursekit.datasets import digits, stratified_split


def sigma(z):
    return 1 / (1 + np.exp(-z))


# ---- Exercise 1 --------------------------------------------------------------------------------------

def backprop(weights, biases, X, Y):
    """The notebook's solution."""
    activations = [X]
    for W, b in zip(weights, biases):
        activations.append(sigma(activations[-1] @ W + b))
    a = activations[-1]
    delta = (a - Y) / X.shape[0] * a * (1 - a)
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in reversed(range(len(weights))):
        dW[l] = activations[l].T @ delta
        db[l] = delta.sum(axis=0)
        a = activations[l]
        delta = (delta @ weights[l].T) * a * (1 - a)
    return dW, db


def backprop_with_coursekit_layers(weights, biases, X, Y):
    """Another valid form: coursekit's layers, returned as tuples."""
    layers = []
    for W, b in zip(weights, biases):
        dense = nn.Dense(*W.shape, rng=np.random.default_rng(0))
        dense.params["W"], dense.params["b"] = W, b
        layers += [dense, nn.Sigmoid()]
    bp.backprop_gradient(nn.Sequential(layers), nn.MSE(), X, Y)
    return tuple(d.grads["W"].copy() for d in layers[::2]), tuple(d.grads["b"].copy() for d in layers[::2])


def backprop_per_example(weights, biases, X, Y):
    """Another valid form: one example at a time (Nielsen's loop), gradients summed then divided by B."""
    dW = [np.zeros_like(W) for W in weights]
    db = [np.zeros_like(b) for b in biases]
    for x, y in zip(X, Y):
        acts = [x]
        for W, b in zip(weights, biases):
            acts.append(expit(acts[-1] @ W + b))
        delta = (acts[-1] - y) * acts[-1] * (1 - acts[-1])
        for l in reversed(range(len(weights))):
            dW[l] += np.outer(acts[l], delta) / len(X)
            db[l] += delta / len(X)
            delta = (weights[l] @ delta) * acts[l] * (1 - acts[l])
    return dW, db


def _variant(**options):
    return lambda weights, biases, X, Y: nn_checks._backprop(weights, biases, X, Y, **options)


def backprop_transposed(weights, biases, X, Y):
    dW, db = backprop(weights, biases, X, Y)
    return [g.T for g in dW], db


def backprop_dW_only(weights, biases, X, Y):
    return backprop(weights, biases, X, Y)[0]


# ---- Exercise 2, 3, 4 --------------------------------------------------------------------------------

def output_error(z, Y):
    return (sigma(z) - Y) / len(z)


def output_error_from_the_cost(z, Y):
    """Another valid form: the derivative written out before simplifying, a·(1 − a) cancelling."""
    a = expit(z)
    dC_da = -(Y / a - (1 - Y) / (1 - a)) / z.shape[0]
    return dC_da * a * (1 - a)


def momentum_step(w, dw_prev, grad, eta, alpha):
    dw = -eta * grad + alpha * dw_prev
    return w + dw, dw


def momentum_step_as_list(w, dw_prev, grad, eta, alpha):
    dw = alpha * dw_prev - eta * grad
    return [w.copy() + dw, dw]


def fd_passes(sizes):
    return 2 * sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


def fd_passes_by_building_the_network(sizes):
    return 2 * nn.count_parameters(nn.mlp(list(sizes), rng=np.random.default_rng(0)))


# ---- Build it ----------------------------------------------------------------------------------------

def train_mlp(X, y, rng):
    """The notebook's solution: Nielsen's network and settings, with exercise 1's backprop."""
    sizes, eta, epochs, batch = [64, 30, 10], 3.0, 30, 10
    weights = [rng.normal(size=(a, b)) / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(size=b) for b in sizes[1:]]
    Y = np.eye(10)[y]
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch):
            idx = order[start:start + batch]
            dW, db = backprop(weights, biases, X[idx], Y[idx])
            for l in range(len(weights)):
                weights[l] -= eta * dW[l]
                biases[l] -= eta * db[l]
    return weights, biases


def _sgd(X, y, rng, sizes, eta, epochs, batch, gradient, sign=-1.0):
    weights = [rng.normal(size=(a, b)) / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [np.zeros(b) for b in sizes[1:]]
    Y = np.eye(10)[y]
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for idx in np.array_split(order, int(np.ceil(len(X) / batch))):
            dW, db = gradient(weights, biases, X[idx], Y[idx])
            for l in range(len(weights)):
                weights[l] += sign * eta * dW[l]
                biases[l] += sign * eta * db[l]
    return weights, biases


def train_cross_entropy_two_hidden(X, y, rng):
    """Another valid form: two hidden layers, the cross-entropy cost (BP1 without σ'), tuples returned."""
    w, b = _sgd(X, y, rng, [64, 40, 20, 10], 0.5, 30, 16, _variant(bp1_sigma=False))
    return tuple(w), tuple(b)


def train_uphill(X, y, rng):
    return _sgd(X, y, rng, [64, 30, 10], 3.0, 3, 10, backprop, sign=+1.0)


def train_one_epoch_small_eta(X, y, rng):
    return _sgd(X, y, rng, [64, 30, 10], 0.5, 1, 10, backprop)


def train_transposed(X, y, rng):
    w, b = train_mlp(X, y, rng)
    return [W.T for W in w], b


def train_weights_only(X, y, rng):
    return train_mlp(X, y, rng)[0]


CASES = {
    "nn.backprop": Cases(
        reference=backprop,
        valid=[backprop_with_coursekit_layers, backprop_per_example],
        mistakes=[Mistake(_variant(batch_mean=False), says="B times too large"),
                  Mistake(_variant(bp1_sigma=False), says="BP1 is missing"),
                  Mistake(_variant(bp2_sigma=False), says="BP2 is missing"),
                  Mistake(_variant(bias_mean=True), says="sum δ over the batch"),
                  Mistake(backprop_transposed, says="transposed"),
                  Mistake(backprop_dW_only, says="two lists (dW, db)")],
    ),
    "nn.output_error": Cases(
        reference=output_error,
        valid=[output_error_from_the_cost],
        mistakes=[Mistake(lambda z, Y: output_error(z, Y) * sigma(z) * (1 - sigma(z)), says="σ'(z) cancels"),
                  Mistake(lambda z, Y: sigma(z) - Y, says="batch size B"),
                  Mistake(lambda z, Y: output_error(z, Y) / z.shape[1], says="not by the number of outputs"),
                  Mistake(lambda z, Y: -output_error(z, Y), says="opposite sign")],
    ),
    "nn.momentum_step": Cases(
        reference=momentum_step,
        valid=[momentum_step_as_list],
        mistakes=[Mistake(lambda w, d, g, eta, a: momentum_step(w, d, -g, eta, a), says="minus sign"),
                  Mistake(lambda w, d, g, eta, a: momentum_step(w, d, g, eta, 0.0), says="momentum term"),
                  Mistake(lambda w, d, g, eta, a: momentum_step(w, d, g, eta, a)[::-1], says="order (w_new, dw)"),
                  Mistake(lambda w, d, g, eta, a: (w - eta * (g + a * d), -eta * (g + a * d)),
                          says="not times −η")],
    ),
    "nn.fd_passes": Cases(
        reference=fd_passes,
        valid=[fd_passes_by_building_the_network, lambda sizes: float(fd_passes(sizes))],
        mistakes=[Mistake(lambda s: fd_passes(s) // 2, says="twice per parameter"),
                  Mistake(lambda s: fd_passes(s) // 2 + 1, says="forward differences"),
                  Mistake(lambda s: 2 * sum(a * b for a, b in zip(s[:-1], s[1:])), says="biases are parameters"),
                  Mistake(lambda s: fd_passes(s) + 1, says="never need the cost at θ")],
    ),
    "nn.train_mlp": Cases(
        reference=train_mlp,
        valid=[train_cross_entropy_two_hidden],
        mistakes=[Mistake(train_uphill, says="has not learned"),
                  Mistake(train_one_epoch_small_eta, says="not finished learning"),
                  Mistake(train_transposed, says="transposed"),
                  Mistake(train_weights_only, says="pair (weights, biases)")],
    ),
}

test_case = checkcases.tests(CASES)


@pytest.mark.slow
def test_the_build_it_target_is_met_by_the_reference_on_fresh_splits():
    """The 93% target (ours) against what Nielsen's settings reach: over 30 fresh splits the reference's
    accuracy has a mean ≈ 97.3% and a standard deviation ≈ 0.8%, so 93% is 5 s.d. below the mean (95% was
    3, and another correct loop, less accurate on average, failed it on a split in twenty)."""
    X, y = digits()
    acc = []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        X_tr, X_te, y_tr, y_te = stratified_split(X, y, test_size=0.25, rng=rng)
        w, b = train_mlp(X_tr, y_tr, rng)
        acc.append(nn_checks._network_accuracy(w, b, X_te, y_te))
    acc = np.array(acc)
    assert acc.min() >= nn_checks.TARGET_ACCURACY
    assert acc.mean() - 2.5 * acc.std(ddof=1) > nn_checks.TARGET_ACCURACY
