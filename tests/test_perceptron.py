"""Tests of coursekit.perceptron against theory (Novikoff, Cover) and against scikit-learn and SciPy."""

import math
import warnings

import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn.linear_model import Perceptron

from coursekit import perceptron as pc
from coursekit.datasets import xor_data


def test_train_matches_sklearn_perceptron_exactly(rng):
    """Same rule (update when y(w·x + b) ≤ 0, η = 1, start at 0, patterns in order): same weights."""
    X, y, _ = pc.separable_data(300, 5, rng=rng, margin=0.1)
    X = X + np.array([0.7, -0.3, 0.0, 0.2, 0.5])           # the best boundary no longer passes through 0
    y = np.where(X @ np.array([1.0, -1.0, 0.5, 0.0, 0.3]) + 0.4 > 0, 1.0, -1.0)
    keep = np.abs(X @ np.array([1.0, -1.0, 0.5, 0.0, 0.3]) + 0.4) > 0.05
    X, y = X[keep], y[keep]
    fit = pc.train(X, y, bias=True, max_epochs=5000)
    assert fit.converged
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = Perceptron(shuffle=False, tol=None, max_iter=fit.epochs + 1, eta0=1.0).fit(X, y)
    np.testing.assert_allclose(fit.w, ref.coef_[0], rtol=1e-9, atol=1e-9)
    assert fit.b == pytest.approx(ref.intercept_[0], abs=1e-9)
    assert np.all(fit.predict(X) == y)


def test_train_many_equals_train_one_by_one(rng):
    X, y, _ = pc.separable_data(40, 6, rng=rng, margin=0.1, n_sets=30)
    many = pc.train_many(X, y)
    for d in range(30):
        one = pc.train(X[d], y[d], bias=False)
        assert one.mistakes == many.mistakes[d]
        assert one.epochs == many.epochs[d]
        np.testing.assert_allclose(one.w, many.W[d], atol=1e-12)


def test_mistakes_never_exceed_novikoffs_bound(rng):
    """Novikoff (1962): at most (R/γ)² updates, for every data set with margin γ."""
    X, y, _ = pc.separable_data(60, 8, rng=rng, margin=0.05, n_sets=200)
    fits = pc.train_many(X, y, max_epochs=10_000)
    assert fits.converged.all()
    bounds = np.array([pc.mistake_bound(X[d], y[d]) for d in range(200)])
    assert np.all(fits.mistakes <= bounds)
    assert np.all(fits.mistakes >= 1)


def test_path_records_every_update(rng):
    X, y, _ = pc.separable_data(50, 2, rng=rng, margin=0.2)
    fit = pc.train(X, y, record_path=True)
    assert fit.path.shape == (fit.mistakes + 1, 3)
    np.testing.assert_allclose(fit.path[-1], np.r_[fit.w, fit.b])
    # each step adds ±x̃ for some pattern: the norm of the change is ‖x̃ᵢ‖ for some i
    steps = np.linalg.norm(np.diff(fit.path, axis=0), axis=1)
    norms = np.linalg.norm(pc.augment(X), axis=1)
    assert np.all(np.min(np.abs(steps[:, None] - norms[None, :]), axis=1) < 1e-12)


def test_xor_never_converges_and_is_not_separable():
    X, y = xor_data(labels="signed")
    fit = pc.train(X, y, bias=True, max_epochs=500)
    assert not fit.converged
    assert np.all(fit.mistakes_per_epoch >= 1)
    assert not pc.is_separable(X, y, bias=True)
    # the perceptron cycling theorem: the weights stay bounded
    fit_path = pc.train(X, y, bias=True, max_epochs=200, record_path=True)
    assert np.abs(fit_path.path).max() <= 10


def test_and_is_separable_and_learned():
    X, _ = xor_data(labels="signed")
    y = np.array([-1.0, -1.0, -1.0, 1.0])
    assert pc.is_separable(X, y, bias=True)
    fit = pc.train(X, y, bias=True)
    assert fit.converged and np.all(fit.predict(X) == y)


def test_max_margin_matches_quadratic_program(rng):
    """γ* = 1/‖w‖ for the smallest w with yᵢ w·xᵢ ≥ 1 (hard-margin SVM through the origin)."""
    X, y, _ = pc.separable_data(30, 3, rng=rng, margin=0.1)
    best = pc.max_margin(X, y)
    gamma, u = best.gamma, best.u
    Z = X * y[:, None]
    res = minimize(lambda w: 0.5 * w @ w, x0=np.ones(3) * 0, jac=lambda w: w, method="SLSQP",
                   constraints=[{"type": "ineq", "fun": lambda w: Z @ w - 1, "jac": lambda w: Z}],
                   options={"ftol": 1e-14, "maxiter": 500})
    assert res.success
    assert gamma == pytest.approx(1 / np.linalg.norm(res.x), rel=1e-5)
    assert np.linalg.norm(u) == pytest.approx(1.0)
    assert gamma >= 0.1 - 1e-9                     # the teacher has margin ≥ 0.1, the optimum no less


def test_max_margin_of_non_separable_data_is_not_positive():
    X, y = xor_data(labels="signed")
    gamma = pc.max_margin(X, y, bias=True).gamma
    assert gamma <= 1e-9
    assert pc.mistake_bound(X, y, bias=True) == float("inf")


def test_cover_fraction_formula():
    for N in range(1, 8):
        for P in range(1, 30):
            exact = 2 * sum(math.comb(P - 1, k) for k in range(N)) / 2**P
            assert pc.cover_fraction(P, N) == pytest.approx(exact, rel=1e-12)
        assert pc.cover_fraction(2 * N, N) == pytest.approx(0.5, abs=1e-15)
        assert pc.cover_fraction(N, N) == 1.0
    np.testing.assert_allclose(pc.cover_fraction(np.array([2, 4, 6]), 2), [1.0, 0.5, 6 / 32])


def test_separable_fraction_follows_cover(rng):
    """Measured with the exact LP on random Gaussian points; within 4.5 binomial standard errors."""
    N, n_trials = 4, 300
    Ps = np.array([4, 6, 8, 10, 12])
    measured = pc.separable_fraction(Ps, N, n_trials=n_trials, rng=rng)
    theory = pc.cover_fraction(Ps, N)
    se = np.sqrt(np.maximum(theory * (1 - theory), 1e-4) / n_trials)
    assert np.all(np.abs(measured - theory) <= 4.5 * se + 1e-12)


def test_separable_many_on_separable_and_contradictory_sets(rng):
    X, y, _ = pc.separable_data(20, 3, rng=rng, margin=0.05, n_sets=20)
    assert pc.separable_many(X, y).all()
    y_flip = y.copy()
    # a pattern and its negation with the same label can never be separated through the origin
    X2 = np.concatenate([X, -X[:, :1]], axis=1)
    y2 = np.concatenate([y_flip, y_flip[:, :1]], axis=1)
    assert not pc.separable_many(X2, y2).any()


def test_validation_messages(rng):
    X, y, _ = pc.separable_data(10, 2, rng=rng)
    with pytest.raises(ValueError, match="y must contain only -1 and \\+1"):
        pc.train(X, (y > 0).astype(float))
    with pytest.raises(ValueError, match="same number of patterns"):
        pc.train(X, y[:-1])
    with pytest.raises(ValueError, match="eta must be > 0"):
        pc.train(X, y, eta=0.0)
    with pytest.raises(TypeError, match="rng must be a seed"):
        pc.separable_data(10, 2, rng="one")
    with pytest.raises(ValueError, match="N must be >= 1; got 0"):
        pc.cover_fraction(4, 0)
    with pytest.raises(ValueError, match="X must be 3-D"):
        pc.train_many(X, y)


def test_predict_counts_the_boundary_as_negative():
    assert pc.predict(np.array([1.0, 0.0]), 0.0, np.array([[0.0, 5.0]]))[0] == -1.0
