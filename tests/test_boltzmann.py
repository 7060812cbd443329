"""Tests of coursekit.boltzmann: Gibbs sampling against the exact Boltzmann distribution, clamping,
the encoder's connectivity, and Boltzmann-machine learning on the 4-2-4 encoder (Ackley et al. 1985)."""

import numpy as np
import pytest

from coursekit import boltzmann


def test_gibbs_sampling_reaches_the_boltzmann_distribution(rng):
    n = 4
    A = rng.normal(scale=1.0, size=(n, n))
    W = (A + A.T) / 2
    np.fill_diagonal(W, 0)
    b = rng.normal(size=n)
    states, p = boltzmann.boltzmann_probabilities(W, b, T=1.5)
    chains = 20_000
    S = boltzmann.gibbs_sweeps(W, b, np.zeros((chains, n)), T=1.5, n_sweeps=30, rng=rng)
    index = (S @ (2 ** np.arange(n - 1, -1, -1))).astype(int)
    freq = np.bincount(index, minlength=2**n) / chains
    se = np.sqrt(p * (1 - p) / chains)
    assert np.all(np.abs(freq - p) < 5 * se + 1e-4)


def test_gibbs_keeps_clamped_units(rng):
    W = np.ones((3, 3)) - np.eye(3)
    s = np.array([[1.0, 0.0, 0.0]] * 50)
    out = boltzmann.gibbs_sweeps(W, np.zeros(3), s, T=1.0, n_sweeps=3, rng=rng, free=[1, 2])
    assert np.all(out[:, 0] == 1.0)


def test_encoder_mask_has_no_direct_v1_v2_path():
    mask = boltzmann.encoder_mask(4, 2)
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
    assert boltzmann.encoder_success(W, b)
    assert boltzmann.encoder_success(W, b, T=0.5)
    assert not boltzmann.encoder_success(np.zeros((10, 10)), np.zeros(10))
    assert boltzmann.encoder_success(np.stack([W, np.zeros((10, 10))]), np.stack([b, np.zeros(10)])).tolist() == [True, False]


def test_boltzmann_learning_solves_most_encoders(rng):
    """The notebook measures ≈ 2/3 of 30 networks solved after 400 cycles. With 16 networks and a true
    rate of 0.6, fewer than 4 successes has probability ~10⁻³: failing means learning is brokboltzmann."""
    run = boltzmann.train_encoder(n_nets=16, rng=rng, training=boltzmann.EncoderTraining(n_cycles=400, check_every=200))
    assert run.success.shape == (16, 2)
    assert run.success[:, -1].sum() >= 4
    np.testing.assert_allclose(run.W, np.transpose(run.W, (0, 2, 1)))
    assert np.all(run.W[:, :4, 4:8] == 0)




def test_encoder_training_is_validated():
    with pytest.raises(ValueError, match="rule must be one of 'sign' or 'gradient'; got 'sgn'"):
        boltzmann.EncoderTraining(rule="sgn")
    with pytest.raises(ValueError, match="clamp_noise must be in \\[0, 0.5\\]; got 0.7"):
        boltzmann.EncoderTraining(clamp_noise=(0.7, 0.0))
    with pytest.raises(TypeError, match="training must be a coursekit.boltzmann.EncoderTraining"):
        boltzmann.train_encoder(rng=0, training={"n_cycles": 3})


def test_log_likelihood_gradient_is_data_minus_model_statistics(rng):
    """∂/∂Wᵢⱼ of the mean log-likelihood of a Boltzmann machine without hidden units is
    ⟨sᵢsⱼ⟩_data − ⟨sᵢsⱼ⟩_model (and ⟨sᵢ⟩_data − ⟨sᵢ⟩_model for bᵢ): the learning rule of week 2, section 4."""
    n = 4
    A = rng.normal(size=(n, n))
    W = (A + A.T) / 2
    np.fill_diagonal(W, 0.0)
    b = rng.normal(size=n)
    data = (rng.random((30, n)) < 0.5).astype(float)

    def mean_log_likelihood(W, b):
        states, p = boltzmann.boltzmann_probabilities(W, b)
        index = (data @ (2 ** np.arange(n)[::-1])).astype(int)
        return float(np.mean(np.log(p[index])))

    states, p = boltzmann.boltzmann_probabilities(W, b)
    model_pairs = (states * p[:, None]).T @ states
    data_pairs = data.T @ data / len(data)
    h = 1e-6
    for i, j in [(0, 1), (1, 3), (2, 3)]:
        E = np.zeros((n, n))
        E[i, j] = E[j, i] = 1.0
        numeric = (mean_log_likelihood(W + h * E, b) - mean_log_likelihood(W - h * E, b)) / (2 * h)
        assert numeric == pytest.approx(data_pairs[i, j] - model_pairs[i, j], abs=1e-7)
    e0 = np.eye(n)[0]
    numeric = (mean_log_likelihood(W, b + h * e0) - mean_log_likelihood(W, b - h * e0)) / (2 * h)
    assert numeric == pytest.approx(data[:, 0].mean() - p @ states[:, 0], abs=1e-7)
