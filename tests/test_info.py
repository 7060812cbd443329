"""coursekit.info against exact results (channel capacity, golden-ratio gain) and SciPy."""

import numpy as np
import pytest
from scipy.linalg import solve_discrete_are
from scipy.optimize import minimize_scalar
from scipy.stats import entropy as scipy_entropy

from coursekit import info

PHI = (1 + np.sqrt(5)) / 2


def test_entropy_matches_scipy(rng):
    for k in (2, 5, 27):
        p = rng.dirichlet(np.ones(k))
        assert info.entropy(p) == pytest.approx(scipy_entropy(p, base=2), rel=1e-12)
        assert info.entropy(p, base=np.e) == pytest.approx(scipy_entropy(p), rel=1e-12)
    counts = np.array([3, 0, 5, 2])                        # unnormalised counts, a zero entry
    assert info.entropy(counts) == pytest.approx(scipy_entropy(counts, base=2), rel=1e-12)
    assert info.entropy(np.full(8, 1 / 8)) == pytest.approx(3.0)
    P = rng.dirichlet(np.ones(4), size=6)
    np.testing.assert_allclose(info.entropy(P), scipy_entropy(P, base=2, axis=1), rtol=1e-12)


def test_kl_divergence_matches_scipy(rng):
    p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
    assert info.kl_divergence(p, q) == pytest.approx(scipy_entropy(p, q, base=2), rel=1e-12)
    assert info.kl_divergence(p, p) == pytest.approx(0.0, abs=1e-15)
    assert info.kl_divergence([0.5, 0.5], [1.0, 0.0]) == np.inf
    assert info.kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(1.0)


def test_information_identities(rng):
    pxy = rng.dirichlet(np.ones(12)).reshape(3, 4)
    hx, hy = info.entropy(pxy.sum(1)), info.entropy(pxy.sum(0))
    hxy = info.joint_entropy(pxy)
    assert info._conditional_entropy(pxy) == pytest.approx(hxy - hx)                    # chain rule
    assert info.mutual_information(pxy) == pytest.approx(hy - info._conditional_entropy(pxy))
    assert info.mutual_information(pxy) == pytest.approx(info.mutual_information(pxy.T))
    # I(X;Y) = D(p(x,y) ‖ p(x)p(y))
    assert info.mutual_information(pxy) == pytest.approx(
        info.kl_divergence(pxy.ravel(), np.outer(pxy.sum(1), pxy.sum(0)).ravel()))
    px = rng.dirichlet(np.ones(5))
    assert info.mutual_information(np.outer(px, rng.dirichlet(np.ones(3)))) == pytest.approx(0, abs=1e-12)
    assert info.mutual_information(np.diag(px)) == pytest.approx(info.entropy(px))      # Y = X


def test_binary_symmetric_channel_capacity():
    assert info.bsc_capacity(0.11) == pytest.approx(0.500, abs=5e-4)
    assert info.bsc_capacity(0.5) == pytest.approx(0.0) and info.bsc_capacity(0.0) == pytest.approx(1.0)
    for p in (0.01, 0.11, 0.3):
        cap = info._blahut_arimoto(info.bsc(p))
        C, px = cap.C, cap.px
        assert C == pytest.approx(1 - info.binary_entropy(p), abs=1e-10)
        np.testing.assert_allclose(px, 0.5, atol=1e-6)
        best = minimize_scalar(lambda q: -info.channel_mutual_information([q, 1 - q], info.bsc(p)),
                               bounds=(0, 1), method="bounded", options={"xatol": 1e-10})
        assert -best.fun == pytest.approx(C, abs=1e-9) and best.x == pytest.approx(0.5, abs=1e-4)


def test_blahut_arimoto_z_channel():
    # Z channel: 0 → 0 always, 1 → 0 with probability p. C = log2(1 + (1 − p) p^(p/(1−p))).
    p = 0.3
    cap = info._blahut_arimoto([[1.0, 0.0], [p, 1 - p]])
    C, px = cap.C, cap.px
    assert C == pytest.approx(np.log2(1 + (1 - p) * p ** (p / (1 - p))), abs=1e-10)
    assert C == pytest.approx(info.channel_mutual_information(px, [[1.0, 0.0], [p, 1 - p]]), abs=1e-10)


def test_counts_and_plugin_bias(rng):
    x = rng.integers(0, 5, size=(3, 40))
    np.testing.assert_array_equal(info.counts(x, 5), [np.bincount(r, minlength=5) for r in x])
    # plug-in entropy of a uniform source over K symbols from N samples: E[Ĥ] ≈ log2 K − (K − 1)/(2N ln 2)
    K, N, reps = 8, 100, 4000
    h = info.plugin_entropy(rng.integers(0, K, size=(reps, N)), K)
    bias = (K - 1) / (2 * N * np.log(2))
    se = h.std() / np.sqrt(reps)
    assert h.mean() == pytest.approx(3 - bias, abs=5 * se + 0.005)        # + O(1/N²) terms
    hmm = info.plugin_entropy(rng.integers(0, K, size=(reps, N)), K, correction="miller-madow")
    assert abs(hmm.mean() - 3) < abs(h.mean() - 3) / 3
    # plug-in MI of independent variables is biased up by ≈ (nx − 1)(ny − 1)/(2N ln 2)
    mi = info.plugin_mutual_information(rng.integers(0, 3, size=(reps, N)), rng.integers(0, 4, size=(reps, N)), 3, 4)
    assert np.all(mi >= -1e-12)
    # (s.e. of the mean ≈ 1 %; the first-order formula leaves O(1/N²) terms of a few per cent at N = 100)
    assert mi.mean() == pytest.approx(6 / (2 * N * np.log(2)), rel=0.1)
    with pytest.raises(ValueError, match="symbols"):
        info.plugin_entropy([0, 1, 5], 3)


def test_letter_table_and_shannons_ladder():
    symbols, p = info.letter_frequencies()
    assert symbols[:3] == ["a", "b", "c"] and symbols[-1] == " " and len(symbols) == 27
    assert p.sum() == pytest.approx(1.0) and symbols[int(np.argmax(p))] == " "
    assert max(zip(p[:26], symbols[:26]))[1] == "e"
    with_space, letters = info.entropy_ladder(True), info.entropy_ladder(False)
    assert with_space.F0 == pytest.approx(np.log2(27)) and letters.F0 == pytest.approx(np.log2(26))
    # Shannon (1951) Table I: F1 = 4.03 (27 symbols), 4.14 (26 letters); other tables agree to ~0.1 bit
    assert with_space.F1 == pytest.approx(4.03, abs=0.1) and letters.F1 == pytest.approx(4.14, abs=0.1)
    assert with_space.F1 < with_space.F0 and letters.F1 < letters.F0


def test_histogram_equalisation_maximises_output_entropy(rng):
    c = rng.laplace(scale=0.3, size=20_000)                 # a peaked, contrast-like distribution
    cdf = info.empirical_cdf(c, c)
    assert np.all(np.diff(info.empirical_cdf(c, np.linspace(-3, 3, 50))) >= 0)
    for K in (4, 16):
        assert info.output_entropy(cdf, K) == pytest.approx(np.log2(K), abs=1e-3)   # every level equally used
        linear = (c - c.min()) / (c.max() - c.min())
        assert info.output_entropy(linear, K) < np.log2(K) - 0.5


def test_local_contrast_of_uniform_image_is_zero(rng):
    img = np.full((20, 30), 7.0)
    np.testing.assert_allclose(info.local_contrast(img, 5), 0, atol=1e-12)
    img[10, 15] = 14.0
    assert info.local_contrast(img, 5)[10, 15] > 0.9


def test_golden_ratio_gain():
    F, H, Q, R = info.random_walk_model(1.0, 1.0)
    ss = info.kalman_steady_state(F, H, Q, R)
    K, P_pred, P = ss.K, ss.P_pred, ss.P
    assert K[0, 0] == pytest.approx(1 / PHI, rel=1e-12)     # 0.618…
    assert P_pred[0, 0] == pytest.approx(PHI, rel=1e-12)    # P⁻ solves P² − P − 1 = 0
    assert P[0, 0] == pytest.approx(1 / PHI, rel=1e-12)


def test_filter_gains_converge_and_error_matches_predicted_variance(rng):
    F, H, Q, R = info.random_walk_model(1.0, 1.0)
    x, z = info.simulate_linear_gaussian(F, H, Q, R, [0.0], 60, rng=rng, n_seq=4000)
    res = info.kalman_filter(z, F, H, Q, R, x0=[0.0], P0=[[0.0]])
    assert res.K[-1, 0, 0] == pytest.approx(1 / PHI, rel=1e-10)
    err2 = (res.x[20:, :, 0] - x[20:, :, 0]) ** 2           # steady state, 40 × 4000 squared errors
    # the errors are Gaussian with variance P, so a squared error has relative s.d. sqrt(2); over 4000
    # independent sequences the mean's relative s.e. is at most sqrt(2/4000) ≈ 2.2 % (the bound is reached
    # if the 40 errors of a sequence were perfectly correlated): allow 5 s.e.
    assert err2.mean() == pytest.approx(res.P[-1, 0, 0], rel=0.11)


def test_kalman_filter_agrees_with_kalman_step_and_batches(rng):
    F, H, Q, R = info.constant_velocity_model(dt=0.5, q=0.2, r=2.0)
    x, z = info.simulate_linear_gaussian(F, H, Q, R, [0.0, 1.0], 30, rng=rng, n_seq=3)
    x0, P0 = np.zeros(2), np.eye(2)
    batch = info.kalman_filter(z, F, H, Q, R, x0, P0)
    single = info.kalman_filter(z[:, 1], F, H, Q, R, x0, P0)
    np.testing.assert_allclose(single.x, batch.x[:, 1], atol=1e-12)
    xt, Pt = x0, P0
    for t in range(30):
        xt, Pt = info._kalman_step(xt, Pt, z[t, 1], F, H, Q, R)
    np.testing.assert_allclose(xt, batch.x[-1, 1], atol=1e-10)
    np.testing.assert_allclose(Pt, batch.P[-1], atol=1e-10)
    ss = info.kalman_steady_state(F, H, Q, R)
    K_ss, P_pred_ss = ss.K, ss.P_pred
    long = info.kalman_filter(np.zeros((300, 1)), F, H, Q, R, x0, P0)
    np.testing.assert_allclose(long.K[-1], K_ss, atol=1e-9)
    np.testing.assert_allclose(long.P_pred[-1], P_pred_ss, atol=1e-9)


def test_riccati_and_lqr_against_scipy(rng):
    A = np.array([[1.0, 0.1], [0.0, 1.0]])                  # a double integrator
    B = np.array([[0.005], [0.1]])
    Qc, Rc = np.diag([1.0, 0.1]), np.array([[0.01]])
    P = info.riccati_iteration(A, B, Qc, Rc).P
    P_ref = solve_discrete_are(A, B, Qc, Rc)
    np.testing.assert_allclose(P, P_ref, rtol=1e-8)
    control = info.lqr(A, B, Qc, Rc)
    K, P2 = control.K, control.P
    np.testing.assert_allclose(K, np.linalg.solve(Rc + B.T @ P_ref @ B, B.T @ P_ref @ A), rtol=1e-8)
    assert np.max(np.abs(np.linalg.eigvals(A - B @ K))) < 1     # the closed loop is stable
    # the optimal cost from x0 is x0ᵀ P x0
    x0 = rng.normal(size=2)
    xs, us = info.simulate_lqr(A, B, K, x0, 2000)
    cost = np.einsum("ti,ij,tj->", xs[:-1], Qc, xs[:-1]) + np.einsum("ti,ij,tj->", us, Rc, us)
    assert cost == pytest.approx(x0 @ P2 @ x0, rel=1e-8)


def test_duality_of_kalman_filter_and_lqr():
    F, H, Q, R = info.constant_velocity_model(dt=1.0, q=0.1, r=1.0)
    ss = info.kalman_steady_state(F, H, Q, R)
    K_kf, P_pred = ss.K, ss.P_pred
    dual = info.lqr(F.T, H.T, Q, R)
    K_lqr, P_lqr = dual.K, dual.P
    np.testing.assert_allclose(P_lqr, P_pred, rtol=1e-8)
    np.testing.assert_allclose(K_lqr, (F @ K_kf).T, rtol=1e-8)


def test_validation_messages():
    with pytest.raises(ValueError, match="non-negative"):
        info.entropy([0.5, -0.1])
    with pytest.raises(ValueError, match="W"):
        info.channel_mutual_information([0.5, 0.5], [[0.5, 0.6], [0.5, 0.5]])
    with pytest.raises(ValueError, match="H"):
        info._kalman_step([0.0], [[1.0]], [0.0], np.eye(1), np.eye(2), np.eye(1), np.eye(1))
    with pytest.raises(ValueError, match="z"):
        info.kalman_filter(np.zeros((5, 2)), *info.random_walk_model(), [0.0], [[1.0]])


def test_linear_luminance_undoes_the_srgb_gamma():
    img = np.zeros((1, 4, 3))
    img[0, 1] = 255.0
    img[0, 2] = 128.0                                       # sRGB mid-grey: about 21.6 % of white's light
    img[0, 3] = [255.0, 0.0, 0.0]
    Y = info.linear_luminance(img)[0]
    np.testing.assert_allclose(Y, [0.0, 1.0, 0.2158605, 0.2126], rtol=1e-5)
    with pytest.raises(ValueError, match="h, w, 3"):
        info.linear_luminance(np.zeros((2, 2, 4)))


def test_local_contrast_of_black_pixels_is_finite():
    img = np.ones((9, 9))
    img[4, 4] = 0.0
    c = info.local_contrast(img, 3)
    assert np.all(np.isfinite(c)) and c[4, 4] == pytest.approx((1e-3 - (8 + 1e-3) / 9) / ((8 + 1e-3) / 9))
