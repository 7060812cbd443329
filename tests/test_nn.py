"""Tests for coursekit.nn: every layer and loss against central differences, the optimisers and the
MLP against scikit-learn, and the interface contract later chapters build on.

Tolerances: central differences with h = 1e-6 have truncation error O(h²) ≈ 1e-12 and round-off
≈ ε·|f|/h ≈ 1e-10 relative, so a correct backward gives relative errors ≲ 1e-7; a bug gives O(1).
"""

import numpy as np
import pytest
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from coursekit import nn
from coursekit.datasets import digits, stratified_split

GRAD_TOL = 1e-7


# ---------------------------------------------------------------- layers, one at a time

@pytest.mark.parametrize("init", ["he", "xavier", "uniform"])
def test_dense_backward_matches_finite_differences(rng, init):
    layer = nn.Dense(5, 3, rng=rng, init=init)
    layer.params["b"] = rng.normal(size=3)            # non-zero bias, so b enters the check
    errors = nn.layer_gradient_check(layer, rng.normal(size=(4, 5)), rng=rng)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < GRAD_TOL, errors


@pytest.mark.parametrize("layer", [nn.Tanh(), nn.Sigmoid(), nn.ReLU()], ids=repr)
def test_activation_backward_matches_finite_differences(rng, layer):
    x = rng.normal(size=(6, 4))
    x[np.abs(x) < 1e-3] = 0.5                          # keep ReLU's kink further than h away
    errors = nn.layer_gradient_check(layer, x, rng=rng)
    assert errors["x"] < GRAD_TOL, errors


def test_flatten_round_trips_shape_and_gradient(rng):
    layer = nn.Flatten()
    x = rng.normal(size=(3, 2, 4, 5))
    assert layer.forward(x).shape == (3, 40)
    assert layer.backward(np.ones((3, 40))).shape == x.shape
    assert nn.layer_gradient_check(layer, x, rng=rng)["x"] < GRAD_TOL


def test_activations_have_their_textbook_derivatives(rng):
    z = rng.normal(size=(5, 3)) * 3
    one = np.ones_like(z)
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(nn.Sigmoid().forward(z), s, rtol=1e-12)
    sig = nn.Sigmoid(); sig.forward(z)
    np.testing.assert_allclose(sig.backward(one), s * (1 - s), rtol=1e-12)      # σ' = σ(1 − σ)
    th = nn.Tanh(); th.forward(z)
    np.testing.assert_allclose(th.backward(one), 1 - np.tanh(z) ** 2, rtol=1e-12)
    # no overflow warnings far out in the tails
    with np.errstate(all="raise"):
        np.testing.assert_allclose(nn.Sigmoid().forward(np.array([[-800.0, 800.0]])), [[0.0, 1.0]])


# ---------------------------------------------------------------- losses

@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_gradient_and_value(rng, reduction):
    yp, yt = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    value, grad = nn.MSE(reduction)(yp, yt)
    expected = 0.5 * np.sum((yp - yt) ** 2) / (7 if reduction == "mean" else 1)
    assert value == pytest.approx(expected, rel=1e-12)
    num = np.zeros_like(yp)
    h = 1e-6
    for idx in np.ndindex(yp.shape):
        e = np.zeros_like(yp); e[idx] = h
        num[idx] = (nn.MSE(reduction)(yp + e, yt)[0] - nn.MSE(reduction)(yp - e, yt)[0]) / (2 * h)
    np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-9)


def test_softmax_cross_entropy_matches_sklearn_and_finite_differences(rng):
    z = rng.normal(size=(8, 4)) * 2
    labels = rng.integers(0, 4, size=8)
    value, grad = nn.SoftmaxCrossEntropy()(z, labels)
    assert value == pytest.approx(log_loss(labels, nn.softmax(z), labels=range(4)), rel=1e-10)
    h = 1e-6
    num = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        e = np.zeros_like(z); e[idx] = h
        num[idx] = (nn.SoftmaxCrossEntropy()(z + e, labels)[0] - nn.SoftmaxCrossEntropy()(z - e, labels)[0]) / (2 * h)
    np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(grad.sum(axis=1), 0, atol=1e-15)     # softmax − onehot sums to zero


def test_softmax_is_shift_invariant_and_stable():
    z = np.array([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]])
    p = nn.softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], nn.softmax(z[0] - 1000.0))
    assert nn.SoftmaxCrossEntropy()(z, np.array([2, 2]))[0] < 1.0


def test_losses_reject_bad_labels():
    with pytest.raises(ValueError, match="labels must lie in"):
        nn.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(TypeError, match="integer class indices"):
        nn.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="y_true must have the shape"):
        nn.MSE()(np.zeros((4, 2)), np.zeros(3))


# ---------------------------------------------------------------- whole networks

@pytest.mark.parametrize("loss", ["ce", "mse"])
def test_mlp_gradient_check(rng, loss):
    model = nn.Sequential([nn.Dense(5, 6, rng=rng), nn.Tanh(), nn.Dense(6, 4, rng=rng, init="xavier"),
                           nn.Sigmoid(), nn.Dense(4, 3, rng=rng, init="uniform")])
    X = rng.normal(size=(9, 5))
    y = rng.integers(0, 3, size=9) if loss == "ce" else rng.normal(size=(9, 3))
    L = nn.SoftmaxCrossEntropy() if loss == "ce" else nn.MSE()
    assert nn.gradient_check(model, L, X, y) < GRAD_TOL


def test_finite_differences_need_two_forward_passes_per_parameter(rng):
    """The O(P²) of finite differences: 2P forward passes (each O(P)) against backprop's one."""
    model = nn.mlp([4, 5, 2], rng=rng, activation="tanh")
    calls = []

    def counting_loss(yp, yt):
        calls.append(1)
        return nn.MSE()(yp, yt)

    X, y = rng.normal(size=(3, 4)), rng.normal(size=(3, 2))
    nn.numerical_gradient(model, counting_loss, X, y)
    assert len(calls) == 2 * nn.count_parameters(model) == 2 * (4 * 5 + 5 + 5 * 2 + 2)
    calls.clear()
    nn.backprop_gradient(model, counting_loss, X, y)
    assert len(calls) == 1


def test_numerical_gradient_restores_parameters(rng):
    model = nn.mlp([3, 4, 2], rng=rng)
    before = nn.get_flat_params(model)
    nn.numerical_gradient(model, nn.MSE(), rng.normal(size=(2, 3)), rng.normal(size=(2, 2)))
    np.testing.assert_array_equal(nn.get_flat_params(model), before)
    nn.set_flat_params(model, before * 2)
    np.testing.assert_array_equal(nn.get_flat_params(model), before * 2)


def test_forward_equals_sklearn_mlp_with_the_same_weights(rng):
    """Load a fitted MLPClassifier's weights into our layers: identical probabilities and loss."""
    X, y = digits()
    X, y = X[:300], y[:300]
    ref = MLPClassifier(hidden_layer_sizes=(16,), activation="tanh", max_iter=30, alpha=0.0,
                        random_state=0, tol=0, n_iter_no_change=1000)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(X, y)
    model = nn.mlp([64, 16, 10], rng=rng, activation="tanh")
    for dense, W, b in zip(model.layers[::2], ref.coefs_, ref.intercepts_):
        dense.params["W"], dense.params["b"] = W, b
    np.testing.assert_allclose(nn.softmax(model.forward(X)), ref.predict_proba(X), rtol=1e-10, atol=1e-14)
    loss = nn.SoftmaxCrossEntropy()(model.forward(X), y)[0]
    assert loss == pytest.approx(log_loss(y, ref.predict_proba(X)), rel=1e-10)
    assert nn.accuracy(model, X, y) == pytest.approx(ref.score(X, y))


def test_mlp_learns_digits(rng):
    X, y = digits()
    X_tr, X_te, y_tr, y_te = stratified_split(X, y, rng=rng)
    model = nn.mlp([64, 64, 10], rng=rng)
    hist = nn.train(model, nn.SoftmaxCrossEntropy(), nn.Adam(model.parameters(), eta=3e-3), X_tr, y_tr,
                    epochs=15, batch_size=32, rng=rng, X_val=X_te, y_val=y_te, progress=False)
    assert hist.loss[-1] < hist.loss[0] / 5
    assert len(hist.val_loss) == len(hist.val_accuracy) == hist.epochs == 15
    assert hist.val_accuracy[-1] == pytest.approx(nn.accuracy(model, X_te, y_te))
    assert nn.accuracy(model, X_te, y_te) > 0.95   # scikit-learn's MLP reaches ≈ 0.97–0.98 here


def test_xor_is_learned_with_hidden_units(rng):
    X, y = nn.xor_data()
    model = nn.Sequential([nn.Dense(2, 8, rng=rng, init="xavier"), nn.Tanh(), nn.Dense(8, 1, rng=rng,
                                                                                       init="xavier"), nn.Sigmoid()])
    nn.train(model, nn.MSE(), nn.SGD(model.parameters(), eta=0.5, momentum=0.9), X, y, epochs=2000,
             batch_size=4, rng=rng, progress=False)
    assert nn.accuracy(model, X, y) == 1.0


# ---------------------------------------------------------------- optimisers

def test_sgd_momentum_matches_sklearn(rng):
    model = nn.mlp([3, 4, 2], rng=rng)
    params = [p.copy() for p, _ in model.parameters()]
    opt = nn.SGD(model.parameters(), eta=0.05, momentum=0.9)
    ref = SGDOptimizer(params, learning_rate_init=0.05, momentum=0.9, nesterov=False)
    for _ in range(5):
        grads = [rng.normal(size=p.shape) for p in params]
        for (_, g), new in zip(model.parameters(), grads):
            g[...] = new
        opt.step()
        ref.update_params(params, grads)
    for (p, _), q in zip(model.parameters(), params):
        np.testing.assert_allclose(p, q, rtol=1e-12)


def test_adam_matches_sklearn(rng):
    """scikit-learn adds ε to √v without the bias correction (Kingma & Ba's "efficient" form), we
    follow their Algorithm 1 exactly; with ε → 0 the two coincide."""
    model = nn.mlp([3, 4, 2], rng=rng)
    params = [p.copy() for p, _ in model.parameters()]
    opt = nn.Adam(model.parameters(), eta=0.01, eps=1e-30)
    ref = AdamOptimizer(params, learning_rate_init=0.01, epsilon=1e-30)
    for _ in range(5):
        grads = [rng.normal(size=p.shape) for p in params]
        for (_, g), new in zip(model.parameters(), grads):
            g[...] = new
        opt.step()
        ref.update_params(params, grads)
    for (p, _), q in zip(model.parameters(), params):
        np.testing.assert_allclose(p, q, rtol=1e-10, atol=1e-14)


def test_adam_first_step_has_size_eta(rng):
    """m̂₁ = g, v̂₁ = g², so the first step is η·sign(g) whatever the gradient's scale (up to ε)."""
    layer = nn.Dense(3, 2, rng=rng)
    w0 = layer.params["W"].copy()
    layer.grads["W"] = 1e3 * rng.normal(size=(3, 2))
    g = layer.grads["W"].copy()
    nn.Adam(layer.parameters(), eta=0.01).step()
    np.testing.assert_allclose(w0 - layer.params["W"], 0.01 * np.sign(g), rtol=1e-9)


def test_optimisers_validate_arguments(rng):
    model = nn.mlp([2, 2], rng=rng)
    with pytest.raises(ValueError, match="eta must be > 0"):
        nn.SGD(model.parameters(), eta=0.0)
    with pytest.raises(ValueError, match="momentum must be in"):
        nn.SGD(model.parameters(), momentum=1.0)
    with pytest.raises(TypeError, match="parameters must be"):
        nn.Adam([np.zeros(3)])


# ---------------------------------------------------------------- the contract later chapters use

class Scale(nn.Layer):
    """A layer as a later chapter might write it: y = a ⊙ x, assigning grads by reassignment."""

    def __init__(self, n):
        self.params = {"a": np.ones(n)}

    def forward(self, x, train=True):
        self._x = x
        return x * self.params["a"]

    def backward(self, dy):
        self.grads["a"] = np.sum(dy * self._x, axis=0)     # reassignment: must land in the same array
        return dy * self.params["a"]


def test_subclassed_layer_works_with_sequential_optimiser_and_train(rng):
    model = nn.Sequential([Scale(3), nn.Dense(3, 1, rng=rng)])
    assert nn.layer_gradient_check(Scale(3), rng.normal(size=(4, 3)), rng=rng)["a"] < GRAD_TOL
    X = rng.normal(size=(50, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    opt = nn.SGD(model.parameters(), eta=0.1, momentum=0.5)
    a = model[0].params["a"]
    hist = nn.train(model, nn.MSE(), opt, X, y, epochs=200, batch_size=10, rng=rng, progress=False)
    assert model[0].params["a"] is a                 # updated in place, never replaced
    assert not np.allclose(a, 1.0)
    assert hist.loss[-1] < 1e-6 * hist.loss[0]


def test_grads_and_params_assignment_keeps_optimiser_references(rng):
    layer = nn.Dense(2, 2, rng=rng)
    (W, gW), (b, gb) = layer.parameters()
    layer.grads["W"] = np.ones((2, 2))
    layer.params["b"] = np.array([3.0, 4.0])
    layer.grads = {"b": np.array([1.0, 1.0])}
    assert layer.grads["W"] is gW and layer.params["b"] is b and layer.grads["b"] is gb
    np.testing.assert_array_equal(gW, 1.0)
    nn.SGD(layer.parameters(), eta=1.0).step()
    np.testing.assert_array_equal(b, [2.0, 3.0])
    layer.zero_grad()
    assert not gW.any() and not gb.any()


def test_backward_overwrites_gradients(rng):
    model = nn.mlp([3, 4, 2], rng=rng)
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 2, size=5)
    g1 = nn.backprop_gradient(model, nn.SoftmaxCrossEntropy(), X, y)
    g2 = nn.backprop_gradient(model, nn.SoftmaxCrossEntropy(), X, y)
    np.testing.assert_array_equal(g1, g2)            # not accumulated


def test_train_is_reproducible_and_stops_early(rng):
    X, y = nn.xor_data()

    def run(seed, **kw):
        r = np.random.default_rng(seed)
        model = nn.mlp([2, 4, 2], rng=r, activation="tanh")
        h = nn.train(model, nn.SoftmaxCrossEntropy(), nn.Adam(model.parameters(), eta=0.05), X, y,
                     epochs=50, batch_size=2, rng=r, progress=False, **kw)
        return h, nn.get_flat_params(model)

    (h1, p1), (h2, p2) = run(3), run(3)
    assert h1.loss == h2.loss and np.array_equal(p1, p2)
    h3, _ = run(3, stop_when=lambda h: h.epochs == 7)
    assert h3.epochs == 7 and h3.loss == h1.loss[:7]
    assert h1.val_loss == [] and h1.val_accuracy == []


def test_train_progress_bar_runs(rng, capsys):
    X, y = nn.xor_data()
    model = nn.mlp([2, 3, 2], rng=rng)
    nn.train(model, nn.SoftmaxCrossEntropy(), nn.SGD(model.parameters()), X, y, epochs=3, batch_size=4,
             rng=rng, progress=True)


def test_train_and_layers_validate_inputs(rng):
    model = nn.mlp([2, 2], rng=rng)
    X, y = nn.xor_data()
    opt = nn.SGD(model.parameters())
    L = nn.SoftmaxCrossEntropy()
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        nn.train(model, L, opt, X, y, epochs=1, batch_size=2, rng=0)
    with pytest.raises(ValueError, match="same number of rows"):
        nn.train(model, L, opt, X, y[:3], epochs=1, batch_size=2, rng=rng)
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        nn.train(model, L, opt, X, y, epochs=0, batch_size=2, rng=rng)
    with pytest.raises(ValueError, match="give both X_val and y_val"):
        nn.train(model, L, opt, X, y, epochs=1, batch_size=2, rng=rng, X_val=X)
    with pytest.raises(ValueError, match=r"expects x of shape \(batch, 2\)"):
        model.forward(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="init must be"):
        nn.Dense(2, 2, rng=rng, init="glorot")
    with pytest.raises(TypeError, match=r"layers\[1\] must be a coursekit.nn.Layer"):
        nn.Sequential([nn.ReLU(), "relu"])


# ---------------------------------------------------------------- the symmetry task of Rumelhart et al.

def test_symmetry_data():
    X, y = nn.symmetry_data()
    assert X.shape == (64, 6) and len(np.unique(X, axis=0)) == 64
    assert y.sum() == 8                                  # a palindrome is fixed by its first half: 2³
    np.testing.assert_array_equal(y[[0, 63, 0b100001, 0b110011]], 1)
    assert y[0b100000] == 0


def test_paper_solution_solves_symmetry_and_has_ratios_1_2_4():
    """The structure of Rumelhart et al.'s Fig. 1: antisymmetric 1:2:4 input weights make the net
    input exactly 0 for every symmetric vector and at least 1 (in units of the smallest weight) for
    every other, so two opposite hidden units and an output that fires when both are off solve it."""
    X, y = nn.symmetry_data()
    w = 3.6 * np.array([4.0, -1.0, 2.0, -2.0, 1.0, -4.0])          # the paper's pattern, in some order
    net = nn.Sequential([nn.Dense(6, 2, rng=np.random.default_rng(0)), nn.Sigmoid(),
                         nn.Dense(2, 1, rng=np.random.default_rng(0)), nn.Sigmoid()])
    net[0].params["W"] = np.stack([w, -w], axis=1)
    net[0].params["b"] = [-1.8, -1.8]
    net[2].params["W"] = [[-20.0], [-20.0]]
    net[2].params["b"] = [10.0]
    assert nn.symmetry_converged(net, X, y, tol=0.1)
    s = nn.symmetry_ratios(net[0].params["W"])
    np.testing.assert_allclose(s["antisymmetry"], 0.0)
    np.testing.assert_allclose(s["ratios"], [[1, 2, 4], [1, 2, 4]])
    # and the net input is zero on symmetric patterns, nonzero on all others
    h = X @ (w / 3.6)                                               # integer weights: exact sums
    assert np.all(h[y == 1] == 0) and np.all(np.abs(h[y == 0]) >= 1)


# ---------------------------------------------------------------- many small networks side by side

def test_grouped_dense_equals_separate_dense_layers(rng):
    layer = nn.GroupedDense(3, 4, 2, rng=rng, init="uniform")
    x = rng.normal(size=(5, 12))
    y = layer.forward(x)
    for g in range(3):
        np.testing.assert_allclose(y[:, 2 * g:2 * g + 2],
                                   x[:, 4 * g:4 * g + 4] @ layer.params["W"][g] + layer.params["b"][g], rtol=1e-12)
    errors = nn.layer_gradient_check(layer, x, rng=rng)
    assert max(errors.values()) < GRAD_TOL, errors


def test_parallel_networks_get_exactly_their_own_gradients(rng):
    """The construction inside sweeps_to_learn: K nets as one model, with the summed loss."""
    K, H = 3, 2
    X, y = nn.xor_data()
    Y = np.repeat(y[:, None].astype(float), K, axis=1)
    big = nn.Sequential([nn.Dense(2, K * H, rng=rng, init="uniform"), nn.Sigmoid(),
                         nn.GroupedDense(K, H, 1, rng=rng, init="uniform"), nn.Sigmoid()])
    g_big = nn.backprop_gradient(big, nn.MSE("sum"), X, Y)
    W1, b1 = big[0].params["W"].reshape(2, K, H), big[0].params["b"].reshape(K, H)
    for k in range(K):
        r = np.random.default_rng(0)
        net = nn.Sequential([nn.Dense(2, H, rng=r), nn.Sigmoid(), nn.Dense(H, 1, rng=r), nn.Sigmoid()])
        net[0].params["W"], net[0].params["b"] = W1[:, k], b1[k]
        net[2].params["W"], net[2].params["b"] = big[2].params["W"][k], big[2].params["b"][k]
        nn.backprop_gradient(net, nn.MSE("sum"), X, y)
        np.testing.assert_allclose(net[0].grads["W"], big[0].grads["W"].reshape(2, K, H)[:, k], rtol=1e-12)
        np.testing.assert_allclose(net[0].grads["b"], big[0].grads["b"].reshape(K, H)[k], rtol=1e-12)
        np.testing.assert_allclose(net[2].grads["W"], big[2].grads["W"][k], rtol=1e-12)
        np.testing.assert_allclose(net[2].grads["b"], big[2].grads["b"][k], rtol=1e-12)
    assert g_big.size == K * (2 * H + H + H + 1)


def test_sweeps_to_learn_xor(rng):
    X, y = nn.xor_data()
    runs = nn.sweeps_to_learn(X, y, n_nets=8, n_hidden=2, rng=rng, eta=0.5, momentum=0.9, max_sweeps=3000)
    assert runs.converged.sum() >= 4                 # XOR 2-2-1 has local minima, but most starts learn
    for k in np.flatnonzero(runs.converged):
        assert 1 <= runs.sweeps[k] <= runs.loss.shape[1]
        out = runs.network(k).forward(X).ravel()
        assert np.all(np.abs(out - y) < runs.tol)    # still learned at the end
    assert runs.median_sweeps() == np.median(np.where(runs.converged, runs.sweeps, np.inf))


def test_median_sweeps_is_nan_when_most_runs_fail():
    runs = nn.ParallelRuns(np.array([-1, -1, 5]), *[np.zeros(1)] * 5, tol=0.1, max_sweeps=10)
    assert np.isnan(runs.median_sweeps())


# ---------------------------------------------------------------- the exercise checks

def _verdict(name, answer, seed=11):
    from coursekit.grading import ask, judge
    return judge(name, ask(name, answer, seed), seed)


def test_checks_accept_correct_answers_and_explain_wrong_ones():
    def backprop(weights, biases, X, Y):
        model = nn.Sequential([layer for W, b in zip(weights, biases) for layer in
                               (nn.Dense(*W.shape, rng=np.random.default_rng(0)), nn.Sigmoid())])
        for dense, W, b in zip(model.layers[::2], weights, biases):
            dense.params["W"], dense.params["b"] = W, b
        nn.backprop_gradient(model, nn.MSE(), X, Y)
        return [d.grads["W"] for d in model.layers[::2]], [d.grads["b"] for d in model.layers[::2]]

    def backprop_no_sigma_prime(weights, biases, X, Y):      # forgets σ' in BP1
        dW, db = backprop(weights, biases, X, Y)
        return [2 * g for g in dW], [2 * g for g in db]

    assert _verdict("nn.backprop", backprop).passed
    bad = _verdict("nn.backprop", backprop_no_sigma_prime)
    assert bad.status == "wrong" and "BP" in bad.message
    assert _verdict("nn.backprop", lambda *a: None).status == "not attempted"

    assert _verdict("nn.output_error", lambda z, y: nn.SoftmaxCrossEntropy()(z, y)[1]).passed
    assert _verdict("nn.output_error", lambda z, y: nn.softmax(z) / len(y)).status == "wrong"

    assert _verdict("nn.momentum_step", lambda w, d, g, eta, a: (w - eta * g + a * d, -eta * g + a * d)).passed
    sign = _verdict("nn.momentum_step", lambda w, d, g, eta, a: (w + eta * g + a * d, eta * g + a * d))
    assert sign.status == "wrong" and "minus sign" in sign.message

    P = nn.count_parameters(nn.mlp([64, 32, 10], rng=np.random.default_rng(0)))
    assert _verdict("nn.fd_passes", 2 * P).passed
    assert "twice per parameter" in _verdict("nn.fd_passes", P).message
