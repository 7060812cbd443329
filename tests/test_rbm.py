"""Tests of coursekit.rbm: the RBM's free energy, partition function and pseudo-likelihood against
exact enumeration and scikit-learn, CD-k against the exact gradient, training (CD and persistent CD)
and stacking into a deep belief net."""

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.neural_network import BernoulliRBM

from coursekit import rbm
from coursekit.boltzmann import all_states
from coursekit.datasets import digits


def _small_rbm(rng, n_v=5, n_h=3):
    return rbm.RBM(rng.normal(size=(n_v, n_h)), rng.normal(size=n_v), rng.normal(size=n_h))


def _brute_force(machine):
    V, H = all_states(machine.n_visible), all_states(machine.n_hidden)
    negE = (V @ machine.b)[:, None] + (H @ machine.c)[None, :] + V @ machine.W @ H.T
    return V, negE


def test_free_energy_sums_out_the_hidden_units(rng):
    machine = _small_rbm(rng)
    V, negE = _brute_force(machine)
    np.testing.assert_allclose(rbm._free_energy(machine, V), -logsumexp(negE, axis=1), rtol=1e-12)


@pytest.mark.parametrize("n_v, n_h", [(6, 3), (3, 6)])
def test_log_partition_is_exact(rng, n_v, n_h):
    machine = _small_rbm(rng, n_v, n_h)
    V, negE = _brute_force(machine)
    assert rbm.log_partition(machine) == pytest.approx(logsumexp(negE), rel=1e-12)
    total = logsumexp(-rbm._free_energy(machine, V) - rbm.log_partition(machine))
    assert np.exp(total) == pytest.approx(1.0, rel=1e-12)


def test_pseudo_likelihood_by_brute_force(rng):
    machine = _small_rbm(rng, 5, 3)
    V, negE = _brute_force(machine)
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
    assert rbm.pseudo_likelihood(machine, data) == pytest.approx(total / 12, rel=1e-10)


def test_free_energy_and_pseudo_likelihood_agree_with_sklearn(rng):
    X, _ = digits(binarize=True)
    X = X[:300]
    sk = BernoulliRBM(n_components=8, n_iter=2, random_state=0).fit(X)
    machine = rbm.RBM(sk.components_.T.copy(), sk.intercept_visible_.copy(), sk.intercept_hidden_.copy())
    np.testing.assert_allclose(rbm._free_energy(machine, X), sk._free_energy(X), rtol=1e-10)
    # sklearn flips one random unit per example and multiplies by n_features: an unbiased estimate
    # of our exact pseudo-likelihood; its mean over 60 × 300 draws is within ~1% (s.e. ≈ 0.3%).
    sk.random_state = np.random.RandomState(0)
    estimate = np.mean([sk.score_samples(X).mean() for _ in range(60)])
    assert estimate == pytest.approx(rbm.pseudo_likelihood(machine, X), rel=0.02)


def test_cd_k_with_long_chains_approaches_the_exact_gradient(rng):
    """CD-k's model term becomes exact as k → ∞; with 4,000 chains the Monte Carlo s.e. is ≤ 0.008."""
    machine = _small_rbm(rng, 4, 3)
    machine.W *= 0.5
    V, negE = _brute_force(machine)
    H = all_states(3)
    data = V[rng.integers(0, 16, size=8)]
    p = np.exp(negE - logsumexp(negE))
    model = np.einsum("vh,vi,hj->ij", p, V, H)
    positive = data.T @ rbm.hidden_probs(machine, data) / len(data)
    dW, db, dc = rbm.cd_gradients(machine, np.repeat(data, 500, axis=0), k=40, rng=rng)
    np.testing.assert_allclose(dW, positive - model, atol=0.04)
    np.testing.assert_allclose(db, data.mean(axis=0) - p.sum(axis=1) @ V, atol=0.04)


@pytest.mark.parametrize("k", [1, 3])
def test_train_rbm_steps_along_cd_gradients(rng, k):
    """One epoch of one batch (in order, no momentum) is exactly θ + η·(cd_gradients with the same
    random numbers): training and the gradient share one CD-k."""
    X, _ = digits(binarize=True)
    X = X[:40]
    start = rbm.RBM(0.1 * rng.normal(size=(64, 5)), 0.1 * rng.normal(size=64), 0.1 * rng.normal(size=5))
    if k == 1:          # with k = 1 both draw the same uniform numbers in the same order
        training = rbm.RBMTraining(epochs=1, batch_size=40, eta=0.3, k=1, shuffle=False)
        trained = rbm.train_rbm(X, 5, training, rng=7, rbm=start).rbm
        dW, db, dc = rbm.cd_gradients(start, X, k=1, rng=7)
        np.testing.assert_allclose(trained.W, start.W + 0.3 * dW, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(trained.b, start.b + 0.3 * db, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(trained.c, start.c + 0.3 * dc, rtol=1e-12, atol=1e-15)
    else:               # with k > 1 the draws are ordered differently, so compare in expectation
        grads = [rbm.cd_gradients(start, X, k=k, rng=s)[0] for s in range(400)]
        steps = [(rbm.train_rbm(X, 5, rbm.RBMTraining(epochs=1, batch_size=40, eta=1.0, k=k, shuffle=False),
                                rng=1000 + s, rbm=start).rbm.W - start.W) for s in range(400)]
        se = np.std(grads, axis=0) / np.sqrt(400)
        assert np.all(np.abs(np.mean(grads, axis=0) - np.mean(steps, axis=0)) < 6 * np.sqrt(2) * se + 1e-12)


def test_training_raises_the_exact_log_likelihood(rng):
    X, _ = digits(binarize=True)
    fit = rbm.train_rbm(X, 8, rbm.RBMTraining(epochs=4, batch_size=10, eta=0.1, track_log_likelihood=True), rng=rng)
    ll = np.array(fit.history.log_likelihood)
    assert ll.shape == (5,)
    assert ll[-1] > ll[0] + 1.0                      # nats per image (exact, no sampling noise)
    assert len(fit.history.reconstruction_error) == fit.history.epochs == 4
    untracked = rbm.train_rbm(X[:50], 8, rbm.RBMTraining(epochs=2), rng=rng).history
    assert untracked.log_likelihood == [] and len(untracked.reconstruction_error) == 2


def test_persistent_chains_do_not_restart_at_the_data(rng):
    """Persistent CD (Tieleman 2008): the negative phase continues the chains (from h = 0 at the
    start), whatever the batch. So from the same parameters and random numbers, one update on two data
    sets differs only by the positive phase, (η/n)(X₁ᵀ p(h|X₁) − X₂ᵀ p(h|X₂)) for W and (η/n)Σ(X₁ − X₂)
    for b. Ordinary CD restarts its chains at the data, so its updates differ by more."""
    n, n_v, n_h, eta = 20, 12, 4, 0.5
    X1 = (rng.random((n, n_v)) < 0.3).astype(float)
    X2 = (rng.random((n, n_v)) < 0.7).astype(float)
    start = rbm.RBM(rng.normal(size=(n_v, n_h)), rng.normal(size=n_v), rng.normal(size=n_h))
    steps = {}
    for persistent in (True, False):
        training = rbm.RBMTraining(epochs=1, batch_size=n, eta=eta, persistent=persistent, shuffle=False)
        steps[persistent] = [rbm.train_rbm(X, n_h, training, rng=3, rbm=start).rbm for X in (X1, X2)]
    positive_W = eta / n * (X1.T @ rbm.hidden_probs(start, X1) - X2.T @ rbm.hidden_probs(start, X2))
    positive_c = eta / n * (rbm.hidden_probs(start, X1) - rbm.hidden_probs(start, X2)).sum(axis=0)
    a, b = steps[True]
    np.testing.assert_allclose(a.W - b.W, positive_W, atol=1e-12)
    np.testing.assert_allclose(a.b - b.b, eta / n * (X1 - X2).sum(axis=0), atol=1e-12)
    np.testing.assert_allclose(a.c - b.c, positive_c, atol=1e-12)
    a, b = steps[False]
    assert np.abs((a.W - b.W) - positive_W).max() > 1e-2


def _two_prototypes(rng, n=300):
    """Binary data no independent-pixel model fits: 111000 or 000111, each pixel flipped with p = 0.1."""
    proto = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=float)
    X = proto[rng.integers(0, 2, size=n)]
    return np.abs(X - (rng.random(X.shape) < 0.1))


@pytest.mark.parametrize("persistent", [False, True], ids=["CD-1", "PCD-1"])
def test_training_a_small_model_raises_its_exact_likelihood(rng, persistent):
    """CD-1 and PCD both climb the likelihood (Hinton 2002; Tieleman 2008). On two noisy prototypes a
    6-3 RBM starts (visible biases from the data) as the independent-pixel model, ≈ −4.15 nats, about
    1.5 nats below the data's entropy (log 2 + 6 h(0.1) ≈ 2.64 nats). Require a rise of 0.8 nats: over
    20 seeds with these settings the smallest rise measured was 1.16 (PCD) and 1.34 (CD-1)."""
    X = _two_prototypes(rng)
    fit = rbm.train_rbm(X, 3, rbm.RBMTraining(epochs=60, batch_size=10, eta=0.03, persistent=persistent,
                                               track_log_likelihood=True), rng=rng)
    ll = fit.history.log_likelihood
    assert ll[-1] > ll[0] + 0.8


def test_upside_down_top_rbm_makes_the_bound_exact(rng):
    """With W₂ = W₁ᵀ the top RBM's marginal is p₁(h), so every sample of the bound equals log p₁(v)."""
    X, _ = digits(binarize=True)
    X = X[:200]
    rbm1 = rbm.train_rbm(X, 10, rbm.RBMTraining(epochs=2), rng=rng).rbm
    rbm2 = rbm.stack_rbm(rbm1, X, rbm.RBMTraining(epochs=0), rng=rng)
    assert rbm2.W.shape == (10, 64)
    assert rbm.dbn_bound(rbm1, rbm2, X, n_samples=3, rng=rng) == pytest.approx(rbm.log_likelihood(rbm1, X), rel=1e-9)
    samples = rbm.dbn_sample(rbm1, rbm2, 5, n_gibbs=10, rng=rng)
    assert samples.shape == (5, 64) and np.all((samples >= 0) & (samples <= 1))


def test_rbm_validation(rng):
    machine = _small_rbm(rng)
    with pytest.raises(ValueError, match="v must have 5 visible units"):
        rbm._free_energy(machine, np.zeros(4))
    with pytest.raises(ValueError, match=r"X must hold binary values \(or probabilities\) in \[0, 1\]; found 2 at \[0, 0\]"):
        rbm.train_rbm(np.full((3, 5), 2.0), 2, rbm.RBMTraining(epochs=1), rng=rng)
    with pytest.raises(ValueError, match="exact log Z needs"):
        rbm.log_partition(rbm.RBM(np.zeros((30, 30)), np.zeros(30), np.zeros(30)))
    with pytest.raises(ValueError, match="momentum must be in \\[0, 1\\); got 1"):
        rbm.RBMTraining(epochs=1, momentum=1.0)
    with pytest.raises(TypeError, match="training must be a coursekit.rbm.RBMTraining"):
        rbm.train_rbm(np.zeros((3, 5)), 2, {"epochs": 1}, rng=rng)


def test_exact_gradients_match_finite_differences_of_the_log_likelihood(rng):
    machine = _small_rbm(rng, 4, 3)
    X = (rng.random((7, 4)) < 0.5).astype(float)
    dW, db, dc = rbm.exact_gradients(machine, X)
    h = 1e-6
    for name, grad in (("W", dW), ("b", db), ("c", dc)):
        param = getattr(machine, name)
        numeric = np.zeros_like(param)
        for idx in np.ndindex(param.shape):
            old = param[idx]
            param[idx] = old + h
            up = rbm.log_likelihood(machine, X)
            param[idx] = old - h
            down = rbm.log_likelihood(machine, X)
            param[idx] = old
            numeric[idx] = (up - down) / (2 * h)
        np.testing.assert_allclose(grad, numeric, atol=1e-7)


def test_fit_exact_climbs_and_learns_parity_with_hidden_units(rng):
    """Three-bit parity has the first and second moments of the uniform distribution, so no Boltzmann machine
    without hidden units beats KL = log 2; with 3 hidden units exact ML gets far below it (week 2, section 5)."""
    V = all_states(3)
    parity = V[V.sum(axis=1) % 2 == 1]
    fit = rbm.fit_exact(parity, 3, rng=rng, n_steps=1500, n_starts=4)
    assert np.all(np.diff(fit.trajectory, axis=0) > -1e-9)                 # gradient ascent with a small step
    kl = -np.log(4) - fit.log_likelihood
    assert kl.min() < 0.1 < np.log(2)
    for k, machine in enumerate(fit.rbms):
        assert rbm.log_likelihood(machine, parity) == pytest.approx(fit.log_likelihood[k], rel=1e-10)
