"""coursekit.deep against Glorot & Bengio's variance formulas, He's ReLU factor, random-matrix theory
and the framework's own backpropagation."""

import numpy as np
import pytest

from coursekit import backprop, deep, nn

QUARTER_CIRCLE_MEAN = 8 / (3 * np.pi)     # mean singular value of an n × n matrix of i.i.d. entries of variance 1/n


@pytest.mark.parametrize("scheme, var", [("standard", 1 / (3 * 300)), ("normalised", 2 / (300 + 200)),
                                         ("he", 2 / 300)])
def test_weights_have_the_papers_variance(rng, scheme, var):
    assert deep.weight_variance(300, 200, scheme) == pytest.approx(var)
    W = deep._initial_weights(300, 200, scheme, rng=rng)
    assert W.shape == (300, 200)
    # the sample variance of 60,000 draws has a relative standard error √(2/N) (normal) or √(0.8/N)
    # (uniform); 6 standard errors
    assert W.var() == pytest.approx(var, rel=6 * np.sqrt(2 / W.size))
    if scheme != "he":
        assert np.abs(W).max() <= np.sqrt(3 * var)              # uniform on [−r, r], r² = 3 Var


def test_standard_initialisation_has_n_var_one_third():
    """Glorot & Bengio (2010), eq. 15: n Var[W] = 1/3 for W ~ U[−1/√n, 1/√n]."""
    assert 500 * deep.weight_variance(500, 500, "standard") == pytest.approx(1 / 3)
    assert 500 * deep.weight_variance(500, 500, "normalised") == pytest.approx(1.0)


def test_predicted_variances_follow_eqs_5_and_6():
    pred = deep.predicted_variances([10, 20, 20, 5], "standard", var_x=2.0)
    np.testing.assert_allclose(pred.activation, 2.0 * np.cumprod([1 / 3, 1 / 3, 1 / 3]))
    # ∂C/∂s of the top layer: 1; one layer down: × n_top_in... eq. 6 with n_{i+1} Var[W^i]
    g2 = 5 * deep.weight_variance(20, 5, "standard")
    g1 = 20 * deep.weight_variance(20, 20, "standard")
    np.testing.assert_allclose(pred.gradient, [g1 * g2, g2, 1.0])


def _linear_regime_signal(scheme, rng, width=400, depth=4, scale=1e-3):
    """tanh with inputs so small that f'(s) = 1 to 1e-6: the linear regime of the paper's analysis."""
    net = deep.deep_net([width] * (depth + 1) + [10], activation="tanh", scheme=scheme, rng=rng)
    X = scale * rng.normal(size=(200, width))
    return deep.signal_propagation(net, X, rng.integers(0, 10, size=200), n_jacobian=2)


@pytest.mark.parametrize("scheme", ["standard", "normalised"])
def test_activation_variance_shrinks_by_n_var_w_per_layer(rng, scheme):
    sig = _linear_regime_signal(scheme, rng)
    ratios = sig.activation_variance[1:] / sig.activation_variance[:-1]
    expected = 400 * deep.weight_variance(400, 400, scheme)          # 1/3 or 1
    # each ratio is an average over 200 × 400 products of random weights: a few per cent of noise
    np.testing.assert_allclose(ratios, expected, rtol=0.08)


@pytest.mark.parametrize("scheme", ["standard", "normalised"])
def test_backpropagated_gradient_variance_follows_eq_6(rng, scheme):
    sig = _linear_regime_signal(scheme, rng)
    down = sig.gradient_variance[:-1] / sig.gradient_variance[1:]       # one layer further from the output
    np.testing.assert_allclose(down, 400 * deep.weight_variance(400, 400, scheme), rtol=0.08)


@pytest.mark.parametrize("scheme, expected", [("standard", QUARTER_CIRCLE_MEAN / np.sqrt(3)),
                                              ("normalised", QUARTER_CIRCLE_MEAN)])
def test_jacobian_singular_values_are_glorots_half_and_point_eight(rng, scheme, expected):
    """The paper's 'around 0.8' (normalised) and '0.5' (standard) are, in the linear regime, the mean
    √(n Var W) · 8/(3π) of the quarter-circle law of a square random matrix."""
    sig = _linear_regime_signal(scheme, rng)
    # finite n = 400: the mean singular value is within ~0.5 % of its limit
    np.testing.assert_allclose(sig.mean_singular_value, expected, rtol=0.02)


def test_jacobian_is_the_derivative_of_one_layer(rng):
    net = deep.deep_net([3, 5, 4, 2], activation="tanh", scheme="normalised", rng=rng)
    X = rng.normal(size=(1, 3))
    sig = deep.signal_propagation(net, X, [1], n_jacobian=1)
    W, b = net[2].params["W"], net[2].params["b"]
    z1 = sig.activations[0][0]
    h = 1e-6
    J = np.array([(np.tanh((z1 + h * e) @ W + b) - np.tanh((z1 - h * e) @ W + b)) / (2 * h) for e in np.eye(5)]).T
    np.testing.assert_allclose(np.sort(sig.singular_values[0][0]), np.sort(np.linalg.svd(J, compute_uv=False)),
                               atol=1e-8)


def test_backpropagated_gradients_are_the_bias_gradients(rng):
    net = deep.deep_net([6, 8, 8, 3], activation="sigmoid", scheme="standard", rng=rng)
    X, y = rng.normal(size=(7, 6)), rng.integers(0, 3, size=7)
    sig = deep.signal_propagation(net, X, y)
    backprop.backprop_gradient(net, nn.SoftmaxCrossEntropy(), X, y)
    for g, layer in zip(sig.gradients, [net[0], net[2]]):
        np.testing.assert_allclose(g.mean(axis=0), layer.grads["b"], atol=1e-12)
    assert backprop.model_gradient_check(net, nn.SoftmaxCrossEntropy(), X, y) < 1e-7


def test_he_factor_one_half_for_relu(rng):
    """He et al. (2015): E[relu(s)²] = ½ Var[s] for symmetric s, so ½ n Var[W] is the gain per layer of
    the second moment: 1 for He's 2/n, ½ for the normalised 1/n."""
    n = 256
    for scheme, gain in [("he", 1.0), ("normalised", 0.5)]:
        ratios = []
        for _ in range(10):     # one network's gains fluctuate by ~√(2/n) each (its weights are shared by
            net = deep.deep_net([n] * 5 + [10], activation="relu", scheme=scheme, rng=rng)   # all examples)
            sig = deep.signal_propagation(net, rng.normal(size=(100, n)), rng.integers(0, 10, size=100),
                                          n_jacobian=0)
            second = np.array([np.mean(a ** 2) for a in sig.activations])
            ratios.extend(second[1:] / second[:-1])
        # 30 ratios, each with ~8 % scatter, correlated within a network: their mean within 8 %
        assert np.mean(ratios) == pytest.approx(gain, rel=0.08)


def test_side_by_side_networks_learn_exactly_as_alone(rng):
    sizes = [5, 7, 6, 3]
    nets = [deep.deep_net(sizes, activation="tanh", scheme="normalised", rng=rng) for _ in range(3)]
    sets = [deep.weights_of(n) for n in nets]
    X, y = rng.normal(size=(12, 5)), rng.integers(0, 3, size=12)
    model = deep.side_by_side(sets, "tanh")
    for W_got, W_set in zip(deep.unstack(model, 3), sets):            # unstack undoes side_by_side
        for (a, b), (c, d) in zip(W_got, W_set):
            np.testing.assert_array_equal(a, c)
            np.testing.assert_array_equal(b, d)
    nn.train(model, deep.GroupedCrossEntropy(3), nn.SGD(model.parameters(), eta=0.3), X, y, epochs=5,
             batch_size=12, rng=rng, progress=False)
    for net, got in zip(nets, deep.unstack(model, 3)):
        nn.train(net, nn.SoftmaxCrossEntropy(), nn.SGD(net.parameters(), eta=0.3), X, y, epochs=5,
                 batch_size=12, rng=rng, progress=False)
        for (W, b), (W2, b2) in zip(deep.weights_of(net), got):
            np.testing.assert_allclose(W, W2, atol=1e-12)
            np.testing.assert_allclose(b, b2, atol=1e-12)
        np.testing.assert_allclose(deep.forward(got, X, "tanh"), net.forward(X), atol=1e-12)


def test_grouped_cross_entropy_separates(rng):
    K, B, C = 3, 5, 4
    logits, y = rng.normal(size=(B, K * C)), rng.integers(0, C, size=(B, K))
    loss = deep.GroupedCrossEntropy(K)
    value, grad = loss(logits, y)
    parts = [nn.SoftmaxCrossEntropy()(logits[:, k * C:(k + 1) * C], y[:, k]) for k in range(K)]
    np.testing.assert_allclose(loss.per_group(logits, y), [p[0] for p in parts])
    assert value == pytest.approx(sum(p[0] for p in parts))
    np.testing.assert_allclose(grad, np.hstack([p[1] for p in parts]), atol=1e-15)


def test_separate_inputs_per_network(rng):
    sets = [deep.weights_of(deep.deep_net([4, 6, 2], activation="relu", scheme="he", rng=rng)) for _ in range(2)]
    model = deep.side_by_side(sets, "relu", shared_input=False)
    X = rng.normal(size=(9, 2, 4))
    out = model.forward(X.reshape(9, 8)).reshape(9, 2, 2)
    for k in range(2):
        np.testing.assert_allclose(out[:, k], deep.forward(sets[k], X[:, k], "relu"), atol=1e-12)


def test_watch_records_each_hidden_layer(rng):
    net = deep.deep_net([8, 6, 6, 3], activation="sigmoid", scheme="standard", rng=rng)
    X, y = rng.random((30, 8)), rng.integers(0, 3, size=30)
    first = [a.mean() for a in deep.signal_propagation(net, X[:10], y[:10], n_jacobian=0).activations]
    w = deep.watch_training(net, X, y, X[:10], eta=0.1, epochs=3, rng=rng)
    assert w.mean.shape == w.std.shape == (4, 2)
    np.testing.assert_allclose(w.mean[0], first)
    assert np.isnan(w.loss[0]) and np.all(np.isfinite(w.loss[1:]))


def test_heldout_vs_depth_measures_each_network_on_its_own_split(rng):
    from coursekit.datasets import digits
    X, y = digits()
    runs = deep.heldout_vs_depth(X, y, [1, 2], n_train=50, seeds=2, epochs=3, rng=rng)
    assert runs.train_accuracy.shape == runs.heldout_accuracy.shape == (2, 2)
    assert np.all((runs.heldout_accuracy > 0) & (runs.heldout_accuracy <= 1))


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="scheme"):
        deep.weight_variance(3, 3, "xavier")
    with pytest.raises(ValueError, match="activation"):
        deep.deep_net([3, 2], activation="softsign", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="sizes"):
        deep.predicted_variances([3], "standard")
    with pytest.raises(TypeError, match="rng"):
        deep.deep_net([3, 2], rng="seven")
