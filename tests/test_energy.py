"""Tests of coursekit.energy: Hopfield nets against the theory, Boltzmann sampling and RBM quantities
against exact enumeration, and the RBM free energy against scikit-learn."""

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import norm
from sklearn.neural_network import BernoulliRBM

from coursekit import energy as en
from coursekit.datasets import digits


# --------------------------------------------------------------------------------------------
# Hopfield network
# --------------------------------------------------------------------------------------------

def test_hebbian_weights_formula(rng):
    xi = en.random_patterns(4, 30, rng=rng)
    W = en.hebbian_weights(xi)
    expected = sum(np.outer(p, p) for p in xi) / 30
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(W, expected, atol=1e-15)


def test_stored_patterns_are_fixed_points_at_low_load(rng):
    xi = en.random_patterns(5, 400, rng=rng)        # α = 0.0125: one-step error Φ(−1/√α) ≈ 1e-19
    W = en.hebbian_weights(xi)
    np.testing.assert_array_equal(en.update_sync(W, xi), xi)
    result = en.recall(W, xi, rng=rng)
    assert result.steps == 0 and result.converged.all()


def test_single_pattern_energy():
    xi = np.ones(50)
    W = en.hebbian_weights(xi[None])
    assert en.hopfield_energy(W, xi) == pytest.approx(-(50 - 1) / 2)
    assert en.hopfield_energy(W, -xi) == pytest.approx(-(50 - 1) / 2)   # the mirror image too


def test_energy_never_increases_under_asynchronous_updates(rng):
    """Hopfield (1982): with W symmetric and zero diagonal, ΔE = −Δsᵢ hᵢ ≤ 0 for every single update."""
    A = rng.normal(size=(40, 40))
    W = (A + A.T) / 2
    np.fill_diagonal(W, 0)
    s = rng.choice([-1.0, 1.0], size=(5, 40))
    final, E = en.update_async(W, s, rng.integers(0, 40, size=400))
    assert E.shape == (401, 5)
    assert np.all(np.diff(E, axis=0) <= 1e-12)
    np.testing.assert_allclose(E[-1], en.hopfield_energy(W, final), rtol=1e-12, atol=1e-9)


def test_asynchronous_recall_reaches_a_fixed_point_downhill(rng):
    xi = en.random_patterns(30, 200, rng=rng)
    W = en.hebbian_weights(xi)
    start = en.corrupt(xi[:6], 0.3, rng=rng)
    result = en.recall(W, start, rng=rng)
    assert result.converged.all()
    h = result.states @ W
    assert np.all(result.states * h >= -1e-9)                            # every unit agrees with its field
    assert np.all(np.diff(result.energies, axis=0) <= 1e-12)
    np.testing.assert_allclose(result.energies[-1], en.hopfield_energy(W, result.states), atol=1e-9)


def test_synchronous_dynamics_can_cycle():
    W = np.array([[0.0, -1.0], [-1.0, 0.0]])
    result = en.recall(W, np.array([1.0, 1.0]), mode="sync")
    assert not result.converged
    result = en.recall(W, np.array([1.0, 1.0]), mode="async", rng=np.random.default_rng(0))
    assert result.converged and result.states[0] == -result.states[1]


def test_corrupt_and_overlap(rng):
    xi = en.random_patterns(3, 100, rng=rng)
    noisy = en.corrupt(xi, 0.2, rng=rng)
    assert np.all(np.sum(noisy != xi, axis=1) == 20)
    np.testing.assert_allclose(np.diag(en.overlap(noisy, xi)), 1 - 2 * 0.2)
    assert en.overlap(xi[0], xi[0]) == 1.0


def test_one_step_error_matches_gaussian_crosstalk(rng):
    """The cross-talk is a sum of (N−1)(P−1) ±1/N terms: Gaussian with variance ≈ α. With N = 1000,
    two networks and ≥ 4·10⁵ bits, ≈ 5,000 errors are expected at α = 0.2: a sampling error of ~1.5%
    and a finite-N bias of ~1%; allow 8%."""
    alphas = np.array([0.2, 0.3])
    measured = en.one_step_error(alphas, 1000, rng=rng, n_trials=2)
    np.testing.assert_allclose(measured, norm.cdf(-1 / np.sqrt(alphas)), rtol=0.08)
    assert en.one_step_error_theory(0.138) == pytest.approx(0.0036, abs=5e-5)


def test_ags_overlap():
    """Amit, Gutfreund & Sompolinsky (1985): m → 1 at low load, m ≈ 0.967 just below α_c ≈ 0.138."""
    assert en.ags_overlap(0.01) == pytest.approx(1.0, abs=1e-9)
    m = en.ags_overlap(np.array([0.05, 0.1, 0.1378, 0.1385, 0.2]))
    assert np.all(np.diff(m[:3]) < 0)
    assert m[2] == pytest.approx(0.967, abs=0.01)
    assert m[3] == 0 and m[4] == 0


def test_retrieval_survives_below_capacity_and_fails_above(rng):
    m = en.retrieval_overlap(np.array([0.05, 0.3]), 400, rng=rng, n_trials=1, n_test=8)
    assert m[0] > 0.99
    assert m[1] < 0.8


def test_hopfield_validation():
    with pytest.raises(ValueError, match="patterns must contain only -1 and \\+1"):
        en.hebbian_weights(np.array([[1.0, 0.0, 1.0]]))
    with pytest.raises(ValueError, match="W must be symmetric"):
        en.hopfield_energy(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match="mode must be"):
        en.recall(np.zeros((2, 2)), np.array([1.0, 1.0]), mode="parallel")


# --------------------------------------------------------------------------------------------
# Boltzmann machine
# --------------------------------------------------------------------------------------------

def test_gibbs_sampling_reaches_the_boltzmann_distribution(rng):
    n = 4
    A = rng.normal(scale=1.0, size=(n, n))
    W = (A + A.T) / 2
    np.fill_diagonal(W, 0)
    b = rng.normal(size=n)
    states, p = en.boltzmann_probabilities(W, b, T=1.5)
    chains = 20_000
    S = en.gibbs_sweeps(W, b, np.zeros((chains, n)), T=1.5, n_sweeps=30, rng=rng)
    index = (S @ (2 ** np.arange(n - 1, -1, -1))).astype(int)
    freq = np.bincount(index, minlength=2**n) / chains
    se = np.sqrt(p * (1 - p) / chains)
    assert np.all(np.abs(freq - p) < 5 * se + 1e-4)


def test_gibbs_keeps_clamped_units(rng):
    W = np.ones((3, 3)) - np.eye(3)
    s = np.array([[1.0, 0.0, 0.0]] * 50)
    out = en.gibbs_sweeps(W, np.zeros(3), s, T=1.0, n_sweeps=3, rng=rng, free=[1, 2])
    assert np.all(out[:, 0] == 1.0)


def test_encoder_mask_has_no_direct_v1_v2_path():
    mask = en.encoder_mask(4, 2)
    assert mask.shape == (10, 10)
    np.testing.assert_array_equal(mask, mask.T)
    assert np.all(np.diag(mask) == 0)
    assert np.all(mask[:4, 4:8] == 0)
    assert np.all(mask[:8, 8:] == 1)


def _hand_built_encoder(w=6.0):
    """Pattern p gets the hidden code (bit 1 of p, bit 0 of p); V1 drives it, V2 reads it back."""
    n, size = 4, 10
    W = np.zeros((size, size))
    b = np.zeros(size)
    codes = np.array([[(p >> 1) & 1, p & 1] for p in range(n)], dtype=float)
    for p in range(n):
        for j in range(2):
            sign = 1.0 if codes[p, j] else -1.0
            W[p, 8 + j] = W[8 + j, p] = sign * w          # V1 → H
            W[4 + p, 8 + j] = W[8 + j, 4 + p] = sign * w  # H → V2
        b[4 + p] = -w * codes[p].sum() + w / 2             # V2_p on only when exactly its code is active
    b[8:] = 0.0
    for g in (range(0, 4), range(4, 8)):                   # one-hot within each visible group
        for i in g:
            for k in g:
                if i != k:
                    W[i, k] = -2 * w
    return W, b


def test_encoder_success_on_a_hand_built_solution_and_on_zero_weights():
    W, b = _hand_built_encoder()
    assert en.encoder_success(W, b)
    assert en.encoder_success(W, b, T=0.5)
    assert not en.encoder_success(np.zeros((10, 10)), np.zeros(10))
    assert en.encoder_success(np.stack([W, np.zeros((10, 10))]), np.stack([b, np.zeros(10)])).tolist() == [True, False]


def test_boltzmann_learning_solves_most_encoders(rng):
    """The notebook measures ≈ 2/3 of 30 networks solved after 400 cycles. With 16 networks and a true
    rate of 0.6, fewer than 4 successes has probability ~10⁻³: failing means learning is broken."""
    run = en.train_encoder(n_nets=16, n_cycles=400, rng=rng, check_every=200)
    assert run.success.shape == (16, 2)
    assert run.success[:, -1].sum() >= 4
    np.testing.assert_allclose(run.W, np.transpose(run.W, (0, 2, 1)))
    assert np.all(run.W[:, :4, 4:8] == 0)


# --------------------------------------------------------------------------------------------
# Restricted Boltzmann machine
# --------------------------------------------------------------------------------------------

def _small_rbm(rng, n_v=5, n_h=3):
    return en.RBM(rng.normal(size=(n_v, n_h)), rng.normal(size=n_v), rng.normal(size=n_h))


def _brute_force(rbm):
    V, H = en.all_states(rbm.n_visible), en.all_states(rbm.n_hidden)
    negE = (V @ rbm.b)[:, None] + (H @ rbm.c)[None, :] + V @ rbm.W @ H.T
    return V, negE


def test_free_energy_sums_out_the_hidden_units(rng):
    rbm = _small_rbm(rng)
    V, negE = _brute_force(rbm)
    np.testing.assert_allclose(en.free_energy(rbm, V), -logsumexp(negE, axis=1), rtol=1e-12)


@pytest.mark.parametrize("n_v, n_h", [(6, 3), (3, 6)])
def test_log_partition_is_exact(rng, n_v, n_h):
    rbm = _small_rbm(rng, n_v, n_h)
    V, negE = _brute_force(rbm)
    assert en.log_partition(rbm) == pytest.approx(logsumexp(negE), rel=1e-12)
    assert np.exp(logsumexp(-en.free_energy(rbm, V) - en.log_partition(rbm))) == pytest.approx(1.0, rel=1e-12)


def test_pseudo_likelihood_by_brute_force(rng):
    rbm = _small_rbm(rng, 5, 3)
    V, negE = _brute_force(rbm)
    logp = logsumexp(negE, axis=1)                           # unnormalised log p(v)
    index = {tuple(v): k for k, v in enumerate(V)}
    data = V[rng.integers(0, 32, size=12)]
    total = 0.0
    for v in data:
        for i in range(5):
            w = v.copy()
            w[i] = 1 - w[i]
            a, c = logp[index[tuple(v)]], logp[index[tuple(w)]]
            total += a - np.logaddexp(a, c)
    assert en.pseudo_likelihood(rbm, data) == pytest.approx(total / 12, rel=1e-10)


def test_free_energy_and_pseudo_likelihood_agree_with_sklearn(rng):
    X, _ = digits(binarize=True)
    X = X[:300]
    sk = BernoulliRBM(n_components=8, n_iter=2, random_state=0).fit(X)
    rbm = en.RBM(sk.components_.T.copy(), sk.intercept_visible_.copy(), sk.intercept_hidden_.copy())
    np.testing.assert_allclose(en.free_energy(rbm, X), sk._free_energy(X), rtol=1e-10)
    # sklearn flips one random unit per example and multiplies by n_features: an unbiased estimate
    # of our exact pseudo-likelihood; its mean over 60 × 300 draws is within ~1% (s.e. ≈ 0.3%).
    sk.random_state = np.random.RandomState(0)
    estimate = np.mean([sk.score_samples(X).mean() for _ in range(60)])
    assert estimate == pytest.approx(en.pseudo_likelihood(rbm, X), rel=0.02)


def test_cd_k_with_long_chains_approaches_the_exact_gradient(rng):
    """CD-k's model term becomes exact as k → ∞; with 4,000 chains the Monte Carlo s.e. is ≤ 0.008."""
    rbm = _small_rbm(rng, 4, 3)
    rbm.W *= 0.5
    V, negE = _brute_force(rbm)
    H = en.all_states(3)
    data = V[rng.integers(0, 16, size=8)]
    p = np.exp(negE - logsumexp(negE))
    model = np.einsum("vh,vi,hj->ij", p, V, H)
    positive = data.T @ en.hidden_probs(rbm, data) / len(data)
    dW, db, dc = en.cd_gradients(rbm, np.repeat(data, 500, axis=0), k=40, rng=rng)
    np.testing.assert_allclose(dW, positive - model, atol=0.04)
    np.testing.assert_allclose(db, data.mean(axis=0) - p.sum(axis=1) @ V, atol=0.04)


def test_training_raises_the_exact_log_likelihood(rng):
    X, _ = digits(binarize=True)
    fit = en.train_rbm(X, 8, epochs=4, batch_size=10, eta=0.1, rng=rng, track_log_likelihood=True)
    ll = np.array(fit.history["log_likelihood"])
    assert ll.shape == (5,)
    assert ll[-1] > ll[0] + 1.0                      # nats per image (exact, no sampling noise)
    assert len(fit.history["reconstruction_error"]) == 4


def test_persistent_training_runs_and_keeps_shapes(rng):
    X, _ = digits(binarize=True)
    fit = en.train_rbm(X[:200], 6, epochs=2, rng=rng, persistent=True, shuffle=False, momentum=0.5,
                       weight_decay=1e-4)
    assert fit.rbm.W.shape == (64, 6) and np.all(np.isfinite(fit.rbm.W))


def test_upside_down_top_rbm_makes_the_bound_exact(rng):
    """With W₂ = W₁ᵀ the top RBM's marginal is p₁(h), so every sample of the bound equals log p₁(v)."""
    X, _ = digits(binarize=True)
    X = X[:200]
    rbm1 = en.train_rbm(X, 10, epochs=2, rng=rng).rbm
    rbm2 = en.stack_rbm(rbm1, X, epochs=0, rng=rng)
    assert rbm2.W.shape == (10, 64)
    assert en.dbn_bound(rbm1, rbm2, X, n_samples=3, rng=rng) == pytest.approx(en.log_likelihood(rbm1, X), rel=1e-9)
    samples = en.dbn_sample(rbm1, rbm2, 5, n_gibbs=10, rng=rng)
    assert samples.shape == (5, 64) and np.all((samples >= 0) & (samples <= 1))


def test_rbm_validation(rng):
    rbm = _small_rbm(rng)
    with pytest.raises(ValueError, match="v must have 5 visible units"):
        en.free_energy(rbm, np.zeros(4))
    with pytest.raises(ValueError, match="X must hold binary data"):
        en.train_rbm(np.full((3, 5), 2.0), 2, epochs=1, rng=rng)
    with pytest.raises(ValueError, match="exact log Z needs"):
        en.log_partition(en.RBM(np.zeros((30, 30)), np.zeros(30), np.zeros(30)))
