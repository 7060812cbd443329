"""coursekit.pretraining: the greedy stack is week 2's RBMs trained layer on layer, and the unrolled
network computes exactly the stack's upward probabilities."""

import numpy as np
import pytest

from coursekit import deep, nn, pretraining, rbm


def _data(rng, n=60, d=12):
    return (rng.random((n, d)) < 0.3).astype(float)


def test_each_rbm_is_trained_on_the_hidden_probabilities_below(rng):
    X = _data(rng)
    stack = pretraining._greedy_stack(X, [8, 5], epochs=3, rng=np.random.default_rng(1))
    assert [(r.n_visible, r.n_hidden) for r in stack] == [(12, 8), (8, 5)]
    again = np.random.default_rng(1)                    # the same loop written out with week 2's trainer
    training = rbm.RBMTraining(epochs=3, batch_size=10, eta=0.05, momentum=0.5)
    first = rbm.train_rbm(X, 8, training, rng=again).rbm
    second = rbm.train_rbm(rbm.hidden_probs(first, X), 5, training, rng=again).rbm
    for got, want in zip(stack, [first, second]):
        np.testing.assert_array_equal(got.W, want.W)
        np.testing.assert_array_equal(got.c, want.c)


def test_unrolled_network_computes_the_upward_pass(rng):
    X = _data(rng)
    stack = pretraining._greedy_stack(X, [8, 5], epochs=2, rng=rng)
    weights = pretraining.unroll(stack, 3, rng=rng)
    assert [W.shape for W, _ in weights] == [(12, 8), (8, 5), (5, 3)]
    net = deep.side_by_side([weights], "sigmoid")
    net.forward(X, train=False)
    hidden = [layer._a for layer in net.layers if isinstance(layer, nn.Sigmoid)]
    for h, p in zip(hidden, pretraining._upward(stack, X)):
        np.testing.assert_allclose(h, p, atol=1e-12)
    # the output layer is random "standard": bounded by 1/√n_in, zero biases
    assert np.abs(weights[-1][0]).max() <= 1 / np.sqrt(5) and not weights[-1][1].any()


def test_unroll_rejects_a_stack_that_does_not_fit(rng):
    a = rbm.RBM.init(6, 4, rng=rng)
    b = rbm.RBM.init(5, 3, rng=rng)
    with pytest.raises(ValueError, match="RBM 1 has 5 visible units"):
        pretraining.unroll([a, b], 2, rng=rng)


def test_experiment_records_every_condition_and_seed(rng):
    from coursekit.datasets import digits
    X, y = digits()
    X, y = X[:200], y[:200]
    runs = pretraining.pretraining_experiment(X[:150], y[:150], X[150:], y[150:], hidden=(10, 10), seeds=2,
                                              rbm_epochs=1, epochs=2, rng=np.random.default_rng(3))
    assert runs.conditions == ("standard", "normalised", "pretrained")
    assert runs.test_error.shape == runs.train_loss.shape == (3, 3, 2)
    again = pretraining.pretraining_experiment(X[:150], y[:150], X[150:], y[150:], hidden=(10, 10), seeds=2,
                                               rbm_epochs=1, epochs=2, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(runs.test_error, again.test_error)     # same seed, same numbers
    means = runs.summary()
    assert set(means) == set(runs.conditions) and all(0 <= m <= 1 for m, _ in means.values())


def test_pixels_must_be_probabilities(rng):
    with pytest.raises(ValueError, match="X_train"):
        pretraining.pretraining_experiment(rng.normal(size=(10, 4)), np.arange(10) % 2, rng.random((4, 4)),
                                           np.arange(4) % 2, rng=rng)
