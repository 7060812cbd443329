"""Tests for coursekit.nn: every layer and loss against central differences, the optimisers against
the update rules of their papers, the MLP against scikit-learn, and the interface contract later
chapters build on.

Tolerances: central differences with h = 1e-6 have truncation error O(h²) ≈ 1e-12 and round-off
≈ ε·|f|/h ≈ 1e-10 relative, so a correct backward gives relative errors ≲ 1e-7; a bug gives O(1).
"""

import numpy as np
import pytest
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier

from coursekit import nn
from coursekit.backprop import backprop_gradient, layer_gradient_check, model_gradient_check
from coursekit.datasets import digits, stratified_split, xor_data

GRAD_TOL = 1e-7


# ---------------------------------------------------------------- layers, one at a time

@pytest.mark.parametrize("init", ["he", "xavier", "uniform"])
def test_dense_backward_matches_finite_differences(rng, init):
    layer = nn.Dense(5, 3, rng=rng, init=init)
    layer.params["b"] = rng.normal(size=3)            # non-zero bias, so b enters the check
    errors = layer_gradient_check(layer, rng.normal(size=(4, 5)), rng=rng)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < GRAD_TOL, errors


@pytest.mark.parametrize("layer", [nn.Tanh(), nn.Sigmoid(), nn.ReLU()], ids=repr)
def test_activation_backward_matches_finite_differences(rng, layer):
    x = rng.normal(size=(6, 4))
    x[np.abs(x) < 1e-3] = 0.5                          # keep ReLU's kink further than h away
    errors = layer_gradient_check(layer, x, rng=rng)
    assert errors["x"] < GRAD_TOL, errors


def test_flatten_round_trips_shape_and_gradient(rng):
    layer = nn.Flatten()
    x = rng.normal(size=(3, 2, 4, 5))
    assert layer.forward(x).shape == (3, 40)
    assert layer.backward(np.ones((3, 40))).shape == x.shape
    assert layer_gradient_check(layer, x, rng=rng)["x"] < GRAD_TOL


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
    assert model_gradient_check(model, L, X, y) < GRAD_TOL


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
    X, y = xor_data()
    model = nn.Sequential([nn.Dense(2, 8, rng=rng, init="xavier"), nn.Tanh(), nn.Dense(8, 1, rng=rng,
                                                                                       init="xavier"), nn.Sigmoid()])
    nn.train(model, nn.MSE(), nn.SGD(model.parameters(), eta=0.5, momentum=0.9), X, y, epochs=2000,
             batch_size=4, rng=rng, progress=False)
    assert nn.accuracy(model, X, y) == 1.0


# ---------------------------------------------------------------- optimisers

def _random_gradients(model, rng):
    """Fill every gradient with fresh random numbers; return copies of them."""
    grads = []
    for _, g in model.parameters():
        g[...] = rng.normal(size=g.shape)
        grads.append(g.copy())
    return grads


def test_sgd_momentum_follows_rumelhart_eq_9(rng):
    """Δw(t) = −η ∂E/∂w(t) + α Δw(t−1), w ← w + Δw(t), written out entry by entry."""
    model = nn.mlp([3, 4, 2], rng=rng)
    w = [p.copy() for p, _ in model.parameters()]
    dw = [np.zeros_like(p) for p in w]
    opt = nn.SGD(model.parameters(), eta=0.05, momentum=0.9)
    for _ in range(5):
        grads = _random_gradients(model, rng)
        opt.step()
        for p, d, g in zip(w, dw, grads):
            for i in np.ndindex(p.shape):
                d[i] = -0.05 * g[i] + 0.9 * d[i]
                p[i] = p[i] + d[i]
    for (p, _), q in zip(model.parameters(), w):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-15)


def test_adam_follows_kingma_and_ba_algorithm_1(rng):
    """Algorithm 1 of Kingma & Ba (2015) written out entry by entry: m ← β₁m + (1−β₁)g,
    v ← β₂v + (1−β₂)g², m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), w ← w − η m̂/(√v̂ + ε). Ours folds the bias
    corrections into the step size and ε; the two agree to rounding."""
    model = nn.mlp([3, 4, 2], rng=rng)
    eta, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    w = [p.copy() for p, _ in model.parameters()]
    m = [np.zeros_like(p) for p in w]
    v = [np.zeros_like(p) for p in w]
    opt = nn.Adam(model.parameters(), eta=eta, beta1=b1, beta2=b2, eps=eps)
    for t in range(1, 6):
        grads = _random_gradients(model, rng)
        opt.step()
        for p, mm, vv, g in zip(w, m, v, grads):
            for i in np.ndindex(p.shape):
                mm[i] = b1 * mm[i] + (1 - b1) * g[i]
                vv[i] = b2 * vv[i] + (1 - b2) * g[i] ** 2
                m_hat, v_hat = mm[i] / (1 - b1**t), vv[i] / (1 - b2**t)
                p[i] = p[i] - eta * m_hat / (np.sqrt(v_hat) + eps)
    for (p, _), q in zip(model.parameters(), w):
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
    assert layer_gradient_check(Scale(3), rng.normal(size=(4, 3)), rng=rng)["a"] < GRAD_TOL
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
    g1 = backprop_gradient(model, nn.SoftmaxCrossEntropy(), X, y)
    g2 = backprop_gradient(model, nn.SoftmaxCrossEntropy(), X, y)
    np.testing.assert_array_equal(g1, g2)            # not accumulated


def test_train_is_reproducible_and_stops_early(rng):
    X, y = xor_data()

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


def test_train_progress_bar_shows_the_epochs_and_the_loss(rng, capsys, monkeypatch):
    """progress=True draws a tqdm bar over the epochs that shows the latest loss and is removed at the
    end; progress=False draws nothing."""
    X, y = xor_data()
    model = nn.mlp([2, 3, 2], rng=rng)
    hist = nn.train(model, nn.SoftmaxCrossEntropy(), nn.SGD(model.parameters()), X, y, epochs=3, batch_size=4,
                    rng=rng, progress=True)
    err = capsys.readouterr().err
    assert hist.epochs == 3 and "epochs:" in err and "0/3" in err
    assert err.endswith("\r")                              # leave=False: the bar is cleared when done

    import tqdm.auto
    bars = []

    class Recording(tqdm.auto.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.postfixes = []
            bars.append(self)

        def set_postfix(self, ordered_dict=None, refresh=True, **kwargs):
            self.postfixes.append(dict(ordered_dict))
            super().set_postfix(ordered_dict, refresh=refresh, **kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", Recording)
    hist = nn.train(model, nn.SoftmaxCrossEntropy(), nn.SGD(model.parameters()), X, y, epochs=3, batch_size=4,
                    rng=rng, progress=True)
    assert [p["loss"] for p in bars[0].postfixes] == [f"{v:.4g}" for v in hist.loss]
    capsys.readouterr()
    nn.train(model, nn.SoftmaxCrossEntropy(), nn.SGD(model.parameters()), X, y, epochs=3, batch_size=4,
             rng=rng, progress=False)
    assert capsys.readouterr().err == "" and len(bars) == 2 and bars[1].disable


def test_train_and_layers_validate_inputs(rng):
    model = nn.mlp([2, 2], rng=rng)
    X, y = xor_data()
    opt = nn.SGD(model.parameters())
    L = nn.SoftmaxCrossEntropy()
    with pytest.raises(TypeError, match=r"rng must be a seed \(an int >= 0\) or a numpy.random.Generator"):
        nn.train(model, L, opt, X, y, epochs=1, batch_size=2, rng="seven")
    with pytest.raises(ValueError, match="same number of rows"):
        nn.train(model, L, opt, X, y[:3], epochs=1, batch_size=2, rng=rng)
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        nn.train(model, L, opt, X, y, epochs=0, batch_size=2, rng=rng)
    with pytest.raises(ValueError, match="give both X_val and y_val, or neither; got X_val=an array and y_val=None"):
        nn.train(model, L, opt, X, y, epochs=1, batch_size=2, rng=rng, X_val=X)
    with pytest.raises(ValueError, match=r"expects x of shape \(batch, 2\)"):
        model.forward(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="init must be one of 'he', 'xavier' or 'uniform'; got 'glorot'"):
        nn.Dense(2, 2, rng=rng, init="glorot")
    with pytest.raises(TypeError, match="optimizer must be a coursekit.nn optimizer"):
        nn.train(model, L, "adam", X, y, epochs=1, batch_size=2, rng=rng)
    with pytest.raises(TypeError, match=r"layers\[1\] must be a coursekit.nn.Layer"):
        nn.Sequential([nn.ReLU(), "relu"])
