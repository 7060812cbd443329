"""coursekit.deeplinear against Saxe, McClelland & Ganguli's exact solutions (2014, eqs. 10–17)."""

import numpy as np
import pytest

from coursekit import deeplinear as dl


def test_mode_strength_solves_eq_10():
    s, u0, tau = 2.0, 1e-3, 3.0
    t = np.linspace(0, 20, 2001)
    u = dl.mode_strength(t, s, u0, tau)
    assert u[0] == pytest.approx(u0) and u[-1] == pytest.approx(s, rel=1e-6)
    du = np.gradient(u, t, edge_order=2)
    np.testing.assert_allclose(tau * du, 2 * u * (s - u), atol=2e-4 * s ** 2)
    assert np.all(np.diff(u) > 0)                                    # a monotone, sigmoidal rise


def test_half_time_is_eq_11_and_scales_as_one_over_s():
    for s in [0.5, 1.0, 4.0]:
        t_half = dl._half_time(s, 1e-3, tau=2.0)
        assert dl.mode_strength(t_half, s, 1e-3, 2.0) == pytest.approx(s / 2)
    # t_half · s = (τ/2) ln((s − u₀)/u₀): only logarithmic in s
    assert 4.0 * dl._half_time(4.0, 1e-6) == pytest.approx(0.5 * np.log((4 - 1e-6) / 1e-6))


def test_eq_15_with_one_hidden_layer_is_eq_12():
    t = np.linspace(0, 8, 50)
    np.testing.assert_allclose(dl.deep_mode_strength(t, 1.5, 1e-2, n_layers=3), dl.mode_strength(t, 1.5, 1e-2),
                               rtol=1e-6)


def test_very_deep_limit_is_eq_17():
    """τ du/dt = N_l u² (s − u) integrates to eq. 17; eq. 15 approaches it as N_l grows."""
    s, u0, N = 1.0, 0.05, 4000
    uf = np.array([0.1, 0.3, 0.6, 0.9])
    t17 = (1 / N) * (np.log(uf * (u0 - s) / (u0 * (uf - s))) / s**2 + 1 / (s * u0) - 1 / (s * uf))
    u = dl.deep_mode_strength(t17, s, u0, n_layers=N + 1)
    np.testing.assert_allclose(u, uf, rtol=0.01)        # u^{2−2/N} vs u²: time off by ≤ 2 ln(1/u₀)/N = 0.15 %


def _gd(task, W, eta, steps):
    return dl.gradient_descent(W, task, eta=eta, n_steps=steps, every=max(1, steps // 50))


def test_gradient_descent_from_decoupled_start_follows_eq_12(rng):
    task = dl.linear_task([3.0, 1.0, 0.5], rng=rng)
    eta, u0 = 1e-3, 1e-2
    tr = _gd(task, dl.decoupled_weights(task, u0, rng=rng), eta, 12000)
    for a, s in enumerate(task.s):
        exact = dl.mode_strength(tr.steps * eta, s, u0)
        # discrete steps of size η approximate the flow with an O(η s) relative lag
        np.testing.assert_allclose(tr.modes[:, a], exact, atol=0.01 * s)


def test_deeper_decoupled_network_follows_eq_15(rng):
    task = dl.linear_task([2.0, 1.0], rng=rng)
    eta, u0 = 1e-3, 0.05
    tr = _gd(task, dl.decoupled_weights(task, u0, n_weights=3, rng=rng), eta, 8000)
    for a, s in enumerate(task.s):
        exact = dl.deep_mode_strength(tr.steps * eta, s, u0, n_layers=4)
        np.testing.assert_allclose(tr.modes[:, a], exact, atol=0.01 * s)


def test_step_is_gradient_descent_on_the_loss(rng):
    task = dl.linear_task([1.5, 0.7, 0.2], rng=rng)
    Ws = dl.random_weights(3, 3, "gaussian", rng=rng)
    loss = lambda Ws: 0.5 * np.sum((task.sigma31 - Ws[2] @ Ws[1] @ Ws[0]) ** 2)
    eta = 1e-7
    new = [W.copy() for W in Ws]
    dl._step(new, task.sigma31, eta)
    h = 1e-6
    for l in range(3):
        num = np.zeros((3, 3))
        for i in range(3):
            for j in range(3):
                plus = [W.copy() for W in Ws]
                plus[l][i, j] += h
                minus = [W.copy() for W in Ws]
                minus[l][i, j] -= h
                num[i, j] = (loss(plus) - loss(minus)) / (2 * h)
        np.testing.assert_allclose((new[l] - Ws[l]) / eta, -num, rtol=1e-5, atol=1e-7)


def test_balance_is_conserved(rng):
    """The loss is unchanged by W¹ → AW¹, W² → W²A⁻¹; for the gradient flow this symmetry conserves
    W²ᵀW² − W¹W¹ᵀ (Saxe et al.'s a² − b² in matrix form). Steps of size η change it by O(η²) each."""
    task = dl.linear_task([1.0, 0.5], rng=rng)
    Ws = dl.random_weights(2, 2, "gaussian", rng=rng)
    before = Ws[1].T @ Ws[1] - Ws[0] @ Ws[0].T
    for _ in range(2000):
        dl._step(Ws, task.sigma31, 1e-4)
    np.testing.assert_allclose(Ws[1].T @ Ws[1] - Ws[0] @ Ws[0].T, before, atol=1e-4)


def test_one_matrix_learns_in_closed_form(rng):
    """Depth 1: W_t = Σ³¹ − (1 − η)^t (Σ³¹ − W₀), so from W₀ = 0 the loss is (1 − η)^{2t} L₀."""
    task = dl.linear_task([2.0, 1.0, 0.5], rng=rng)
    eta = np.array([0.1, 0.3])
    t = dl.learning_times([np.zeros((2, 3, 3))], task, eta, max_steps=200, threshold=1e-3)
    np.testing.assert_array_equal(t, np.ceil(np.log(1e-3) / (2 * np.log(1 - eta))))


def test_random_weights_are_what_they_say(rng):
    Q = dl.random_weights(4, 6, "orthogonal", rng=rng, size=(5,))
    for W in Q:
        np.testing.assert_allclose(np.swapaxes(W, 1, 2) @ W, np.broadcast_to(np.eye(6), (5, 6, 6)), atol=1e-12)
        assert np.all(np.linalg.det(W) > 0)
    G = dl.random_weights(2, 200, "gaussian", rng=rng)
    assert G[0].var() == pytest.approx(1 / 200, rel=0.05) and np.linalg.det(G[1]) > 0
    task = dl.linear_task([3.0, 2.0, 1.0], rng=rng)
    np.testing.assert_allclose(np.linalg.svd(task.sigma31, compute_uv=False), [3, 2, 1])
    assert np.linalg.det(task.sigma31) > 0
    np.testing.assert_allclose(task.modes(task.sigma31), task.s)


def test_depth_sweep_shapes_and_best_rate(rng):
    task = dl.linear_task([1.5, 1.0], rng=rng)
    sw = dl.depth_sweep(task, [1, 2], seeds=2, max_steps=300, rng=rng)
    assert sw.times.shape == (2, 2, 4, 2)
    best, etas = sw.best()
    assert best.shape == (2, 2, 2) and etas.shape == (2, 2)
    np.testing.assert_allclose(etas[:, 0], 0.8)                    # depth 1: the largest stable rate wins
    with pytest.raises(ValueError, match="init"):
        dl.random_weights(2, 3, "uniform", rng=rng)


def test_wide_hidden_layers_and_the_decoupled_start(rng):
    """Hidden layers wider than the task: the decoupled start still gives W^tot = u₀ U Vᵀ, and the
    flow still follows eq. 12 mode by mode."""
    task = dl.linear_task([2.0, 0.8], rng=rng)
    W = dl.decoupled_weights(task, 0.02, n_hidden=6, rng=rng)
    assert [w.shape for w in W] == [(6, 2), (2, 6)]
    np.testing.assert_allclose(W[1] @ W[0], 0.02 * task.U @ task.V.T, atol=1e-14)
    tr = _gd(task, W, 1e-3, 6000)
    for a, s in enumerate(task.s):
        np.testing.assert_allclose(tr.modes[:, a], dl.mode_strength(tr.steps * 1e-3, s, 0.02), atol=0.01 * s)
