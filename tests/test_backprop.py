"""Tests for coursekit.backprop: backpropagation against central differences (counts, restoring the
parameters), the gradient checks themselves, and the experiments of Rumelhart, Hinton & Williams (1986).

Tolerances as in test_nn.py: a correct backward gives relative errors ≲ 1e-7; a bug gives O(1).
"""

import numpy as np
import pytest

from coursekit import backprop, nn
from coursekit.datasets import xor_data

GRAD_TOL = 1e-7


# ---------------------------------------------------------------- gradients by both methods

def test_finite_differences_need_two_forward_passes_per_parameter(rng):
    """The O(P²) of finite differences: 2P forward passes (each O(P)) against backprop's one."""
    model = nn.mlp([4, 5, 2], rng=rng, activation="tanh")
    calls = []

    def counting_loss(yp, yt):
        calls.append(1)
        return nn.MSE()(yp, yt)

    X, y = rng.normal(size=(3, 4)), rng.normal(size=(3, 2))
    backprop.finite_difference_gradient(model, counting_loss, X, y)
    assert len(calls) == 2 * nn.count_parameters(model) == 2 * (4 * 5 + 5 + 5 * 2 + 2)
    calls.clear()
    backprop.backprop_gradient(model, counting_loss, X, y)
    assert len(calls) == 1


def test_finite_difference_gradient_restores_parameters(rng):
    model = nn.mlp([3, 4, 2], rng=rng)
    before = nn.get_flat_params(model)
    backprop.finite_difference_gradient(model, nn.MSE(), rng.normal(size=(2, 3)), rng.normal(size=(2, 2)))
    np.testing.assert_array_equal(nn.get_flat_params(model), before)
    nn.set_flat_params(model, before * 2)
    np.testing.assert_array_equal(nn.get_flat_params(model), before * 2)


def test_model_gradient_check_finds_a_wrong_backward(rng):
    """A layer whose backward forgets a factor 2 is caught (relative error O(1)); the right one passes."""
    class Double(nn.Layer):
        def __init__(self, factor):
            self.factor = factor

        def forward(self, x, train=True):
            return 2 * x

        def backward(self, dy):
            return self.factor * dy

    X, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    for factor, ok in ((2.0, True), (1.0, False)):
        model = nn.Sequential([nn.Dense(3, 2, rng=rng), Double(factor), nn.Dense(2, 2, rng=rng)])
        assert (backprop.model_gradient_check(model, nn.MSE(), X, y) < GRAD_TOL) == ok
        assert (backprop.layer_gradient_check(Double(factor), X, rng=rng)["x"] < GRAD_TOL) == ok


def test_timing_returns_positive_seconds_and_validates(rng):
    model = nn.mlp([3, 4, 2], rng=rng)
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 2, size=5)
    timing = backprop.gradient_timing(model, nn.SoftmaxCrossEntropy(), X, y, repeats=1)
    assert timing.backprop > 0 and timing.finite_differences > 0
    assert backprop.time_forward(model, nn.SoftmaxCrossEntropy(), X, y, number=2, repeats=1) > 0
    with pytest.raises(ValueError, match="method must be one of 'backprop' or 'finite differences'; got 'fd'"):
        backprop.time_gradient(model, nn.SoftmaxCrossEntropy(), X, y, method="fd")


# ---------------------------------------------------------------- the symmetry task of Rumelhart et al.

def test_symmetry_data():
    X, y = backprop.symmetry_data()
    assert X.shape == (64, 6) and len(np.unique(X, axis=0)) == 64
    assert y.sum() == 8                                  # a palindrome is fixed by its first half: 2³
    np.testing.assert_array_equal(y[[0, 63, 0b100001, 0b110011]], 1)
    assert y[0b100000] == 0


def test_paper_solution_solves_symmetry_and_has_ratios_1_2_4():
    """The structure of Rumelhart et al.'s Fig. 1: antisymmetric 1:2:4 input weights make the net
    input exactly 0 for every symmetric vector and at least 1 (in units of the smallest weight) for
    every other, so two opposite hidden units and an output that fires when both are off solve it."""
    X, y = backprop.symmetry_data()
    w = 3.6 * np.array([4.0, -1.0, 2.0, -2.0, 1.0, -4.0])          # the paper's pattern, in some order
    net = nn.Sequential([nn.Dense(6, 2, rng=np.random.default_rng(0)), nn.Sigmoid(),
                         nn.Dense(2, 1, rng=np.random.default_rng(0)), nn.Sigmoid()])
    net[0].params["W"] = np.stack([w, -w], axis=1)
    net[0].params["b"] = [-1.8, -1.8]
    net[2].params["W"] = [[-20.0], [-20.0]]
    net[2].params["b"] = [10.0]
    assert backprop.symmetry_converged(net, X, y, tol=0.1)
    s = backprop.symmetry_ratios(net[0].params["W"])
    np.testing.assert_allclose(s.antisymmetry, 0.0)
    np.testing.assert_allclose(s.ratios, [[1, 2, 4], [1, 2, 4]])
    # and the net input is zero on symmetric patterns, nonzero on all others
    h = X @ (w / 3.6)                                               # integer weights: exact sums
    assert np.all(h[y == 1] == 0) and np.all(np.abs(h[y == 0]) >= 1)


# ---------------------------------------------------------------- many small networks side by side

def test_grouped_dense_equals_separate_dense_layers(rng):
    layer = backprop.GroupedDense(3, 4, 2, rng=rng, init="uniform")
    x = rng.normal(size=(5, 12))
    y = layer.forward(x)
    for g in range(3):
        np.testing.assert_allclose(y[:, 2 * g:2 * g + 2],
                                   x[:, 4 * g:4 * g + 4] @ layer.params["W"][g] + layer.params["b"][g], rtol=1e-12)
    errors = backprop.layer_gradient_check(layer, x, rng=rng)
    assert max(errors.values()) < GRAD_TOL, errors


def test_parallel_networks_get_exactly_their_own_gradients(rng):
    """The construction inside sweeps_to_learn: K nets as one model, with the summed loss."""
    K, H = 3, 2
    X, y = xor_data()
    Y = np.repeat(y[:, None].astype(float), K, axis=1)
    big = nn.Sequential([nn.Dense(2, K * H, rng=rng, init="uniform"), nn.Sigmoid(),
                         backprop.GroupedDense(K, H, 1, rng=rng, init="uniform"), nn.Sigmoid()])
    g_big = backprop.backprop_gradient(big, nn.MSE("sum"), X, Y)
    W1, b1 = big[0].params["W"].reshape(2, K, H), big[0].params["b"].reshape(K, H)
    for k in range(K):
        r = np.random.default_rng(0)
        net = nn.Sequential([nn.Dense(2, H, rng=r), nn.Sigmoid(), nn.Dense(H, 1, rng=r), nn.Sigmoid()])
        net[0].params["W"], net[0].params["b"] = W1[:, k], b1[k]
        net[2].params["W"], net[2].params["b"] = big[2].params["W"][k], big[2].params["b"][k]
        backprop.backprop_gradient(net, nn.MSE("sum"), X, y)
        np.testing.assert_allclose(net[0].grads["W"], big[0].grads["W"].reshape(2, K, H)[:, k], rtol=1e-12)
        np.testing.assert_allclose(net[0].grads["b"], big[0].grads["b"].reshape(K, H)[k], rtol=1e-12)
        np.testing.assert_allclose(net[2].grads["W"], big[2].grads["W"][k], rtol=1e-12)
        np.testing.assert_allclose(net[2].grads["b"], big[2].grads["b"][k], rtol=1e-12)
    assert g_big.size == K * (2 * H + H + H + 1)


def test_sweeps_to_learn_xor(rng):
    X, y = xor_data()
    runs = backprop.sweeps_to_learn(X, y, n_nets=8, n_hidden=2, rng=rng, eta=0.5, momentum=0.9, max_sweeps=3000)
    assert runs.converged.sum() >= 4                 # XOR 2-2-1 has local minima, but most starts learn
    for k in np.flatnonzero(runs.converged):
        assert 1 <= runs.sweeps[k] <= runs.loss.shape[1]
        out = runs.network(k).forward(X).ravel()
        assert np.all(np.abs(out - y) < runs.tol)    # still learned at the end
    assert runs.median_sweeps() == np.median(np.where(runs.converged, runs.sweeps, np.inf))


def test_median_sweeps_is_nan_when_most_runs_fail():
    runs = backprop.ParallelRuns(np.array([-1, -1, 5]), *[np.zeros(1)] * 5, tol=0.1, max_sweeps=10)
    assert np.isnan(runs.median_sweeps())
