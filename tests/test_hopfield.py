"""Tests of coursekit.hopfield against the theory: Hebb's rule, energy descent, fixed points, the
Gaussian cross-talk of Hopfield (1982) and the capacity of Amit, Gutfreund & Sompolinsky (1985)."""

import numpy as np
import pytest
from scipy.stats import norm

from coursekit import hopfield


def test_hebbian_weights_formula(rng):
    xi = hopfield.random_patterns(4, 30, rng=rng)
    W = hopfield.hebbian_weights(xi)
    expected = sum(np.outer(p, p) for p in xi) / 30
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(W, expected, atol=1e-15)


def test_stored_patterns_are_fixed_points_at_low_load(rng):
    xi = hopfield.random_patterns(5, 400, rng=rng)        # α = 0.0125: one-step error Φ(−1/√α) ≈ 1e-19
    W = hopfield.hebbian_weights(xi)
    np.testing.assert_array_equal(hopfield.update_sync(W, xi), xi)
    result = hopfield.recall(W, xi, mode="async", rng=rng)
    assert result.steps == 0 and result.converged.all()


def test_single_pattern_energy():
    xi = np.ones(50)
    W = hopfield.hebbian_weights(xi[None])
    assert hopfield.hopfield_energy(W, xi) == pytest.approx(-(50 - 1) / 2)
    assert hopfield.hopfield_energy(W, -xi) == pytest.approx(-(50 - 1) / 2)   # the mirror image too


def test_energy_never_increases_under_asynchronous_updates(rng):
    """Hopfield (1982): with W symmetric and zero diagonal, ΔE = −Δsᵢ hᵢ ≤ 0 for every single update."""
    A = rng.normal(size=(40, 40))
    W = (A + A.T) / 2
    np.fill_diagonal(W, 0)
    s = rng.choice([-1.0, 1.0], size=(5, 40))
    run = hopfield.update_async(W, s, rng.integers(0, 40, size=400))
    final, E = run.states, run.energies
    assert E.shape == (401, 5)
    assert np.all(np.diff(E, axis=0) <= 1e-12)
    np.testing.assert_allclose(E[-1], hopfield.hopfield_energy(W, final), rtol=1e-12, atol=1e-9)


def test_asynchronous_recall_reaches_a_fixed_point_downhill(rng):
    xi = hopfield.random_patterns(30, 200, rng=rng)
    W = hopfield.hebbian_weights(xi)
    start = hopfield.corrupt(xi[:6], 0.3, rng=rng)
    result = hopfield.recall(W, start, mode="async", rng=rng)
    assert result.converged.all()
    h = result.states @ W
    assert np.all(result.states * h >= -1e-9)                            # every unit agrees with its field
    assert np.all(np.diff(result.energies, axis=0) <= 1e-12)
    np.testing.assert_allclose(result.energies[-1], hopfield.hopfield_energy(W, result.states), atol=1e-9)


def test_synchronous_dynamics_can_cycle():
    W = np.array([[0.0, -1.0], [-1.0, 0.0]])
    result = hopfield.recall(W, np.array([1.0, 1.0]), mode="sync")
    assert not result.converged
    result = hopfield.recall(W, np.array([1.0, 1.0]), mode="async", rng=np.random.default_rng(0))
    assert result.converged and result.states[0] == -result.states[1]


def test_corrupt_and_overlap(rng):
    xi = hopfield.random_patterns(3, 100, rng=rng)
    noisy = hopfield.corrupt(xi, 0.2, rng=rng)
    assert np.all(np.sum(noisy != xi, axis=1) == 20)
    np.testing.assert_allclose(np.diag(hopfield.overlap(noisy, xi)), 1 - 2 * 0.2)
    assert hopfield.overlap(xi[0], xi[0]) == 1.0


def test_one_step_error_matches_gaussian_crosstalk(rng):
    """The cross-talk is a sum of (N−1)(P−1) ±1/N terms: Gaussian with variance ≈ α. With N = 1000,
    two networks and ≥ 4·10⁵ bits, ≈ 5,000 errors are expected at α = 0.2: a sampling error of ~1.5%
    and a finite-N bias of ~1%; allow 8%."""
    alphas = np.array([0.2, 0.3])
    measured = hopfield.one_step_error(alphas, 1000, rng=rng, n_trials=2)
    np.testing.assert_allclose(measured, norm.cdf(-1 / np.sqrt(alphas)), rtol=0.08)
    assert hopfield.one_step_error_theory(0.138) == pytest.approx(0.0036, abs=5e-5)


def test_ags_overlap():
    """Amit, Gutfreund & Sompolinsky (1985): m → 1 at low load, m ≈ 0.967 just below α_c ≈ 0.138."""
    assert hopfield.ags_overlap(0.01) == pytest.approx(1.0, abs=1e-9)
    m = hopfield.ags_overlap(np.array([0.05, 0.1, 0.1378, 0.1385, 0.2]))
    assert np.all(np.diff(m[:3]) < 0)
    assert m[2] == pytest.approx(0.967, abs=0.01)
    assert m[3] == 0 and m[4] == 0


def test_retrieval_survives_below_capacity_and_fails_above(rng):
    m = hopfield.retrieval_overlap(np.array([0.05, 0.3]), 400, rng=rng, n_trials=1, n_test=8)
    assert m[0] > 0.99
    assert m[1] < 0.8


def test_hopfield_validation():
    with pytest.raises(ValueError, match="patterns must contain only -1 and \\+1"):
        hopfield.hebbian_weights(np.array([[1.0, 0.0, 1.0]]))
    with pytest.raises(ValueError, match="W must be symmetric"):
        hopfield.hopfield_energy(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match="W must be symmetric .*; found W\\[0, 1\\] = 1 but W\\[1, 0\\] = 0"):
        hopfield.hopfield_energy(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match="mode must be one of 'async' or 'sync'; got 'parallel'"):
        hopfield.recall(np.zeros((2, 2)), np.array([1.0, 1.0]), mode="parallel")
    with pytest.raises(TypeError, match="rng is required for mode='async'"):
        hopfield.recall(np.zeros((2, 2)), np.array([1.0, 1.0]), mode="async")
    with pytest.raises(ValueError, match="alpha must be > 0; got -0.1"):
        hopfield.one_step_error_theory([0.1, -0.1])
    with pytest.raises(ValueError, match="order must hold unit indices in \\[0, 2\\); found 5"):
        hopfield.update_async(np.zeros((2, 2)), np.array([1.0, 1.0]), [0, 5])
