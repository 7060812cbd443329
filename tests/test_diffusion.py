"""Tests for coursekit.diffusion (weeks 9 and 10) against analytic results.

Statistical tolerances are a few standard errors of the estimate at the sample size used; with the
fixed seed of the ``rng`` fixture each test is deterministic, and a correct implementation would fail
one of them with probability well below 1e-3.
"""

import numpy as np
import pytest
from scipy import constants, stats

from coursekit import diffusion as d

WATER_20C = 1.0016e-3      # Pa·s


# --------------------------------------------------------------------------------------------
# Stokes–Einstein, Einstein's number, Perrin's Avogadro number
# --------------------------------------------------------------------------------------------

def test_stokes_einstein_one_micron_bead():
    D = d.stokes_einstein_D(293.15, WATER_20C, 0.5e-6)          # 1 µm DIAMETER → radius 0.5 µm
    assert D == pytest.approx(constants.k * 293.15 / (6 * np.pi * WATER_20C * 0.5e-6), rel=1e-12)
    assert D * 1e12 == pytest.approx(0.43, abs=0.005)             # µm²/s, the number
    # the radius, not the diameter: doubling a halves D
    assert d.stokes_einstein_D(293.15, WATER_20C, 1e-6) == pytest.approx(D / 2, rel=1e-12)


def test_stokes_einstein_rejects_bad_input():
    with pytest.raises(ValueError, match="radius_m"):
        d.stokes_einstein_D(293.15, WATER_20C, -1e-6)
    with pytest.raises(TypeError, match="T_kelvin"):
        d.stokes_einstein_D("warm", WATER_20C, 1e-6)


def test_einsteins_one_second_estimate():
    # Einstein (1905): water at 17 °C with his viscosity 1.35e-2 poise, diameter 0.001 mm, N = 6e23
    # → λ_x ≈ 8e-5 cm = 0.8 µm in one second (and ≈ 6 µm in a minute).
    D = constants.R * 290.15 / (6e23 * 6 * np.pi * 1.35e-3 * 0.5e-6)
    assert d.rms_displacement(D, 1.0) * 1e6 == pytest.approx(0.8, abs=0.02)
    assert d.rms_displacement(D, 60.0) * 1e6 == pytest.approx(6.0, abs=0.2)
    assert d.rms_displacement(1.0, 2.0, dim=3) == pytest.approx(np.sqrt(12.0))


def test_avogadro_inverts_stokes_einstein():
    D = d.stokes_einstein_D(293.15, WATER_20C, 0.53e-6)
    assert d.avogadro_from_D(D, 293.15, WATER_20C, 0.53e-6) == pytest.approx(constants.N_A, rel=1e-12)


# --------------------------------------------------------------------------------------------
# Fick's laws and the finite-difference solver
# --------------------------------------------------------------------------------------------

def test_fick_flux_of_a_linear_profile():
    x = np.linspace(0, 1, 11)
    np.testing.assert_allclose(d.fick_flux(3 - 2 * x, dx=0.1, D=0.5), np.full(11, 1.0))


def test_finite_differences_follow_the_gaussian_solution():
    D, dx, t0, t1 = 1.0, 0.05, 0.5, 2.0
    x = np.arange(-15, 15 + dx / 2, dx)
    dt = 0.4 * dx**2 / D
    n = int(round((t1 - t0) / dt))
    c = d.diffuse_fd(d.gaussian_solution(x, t0, D), D=D, dx=dx, dt=dt, n_steps=n)
    exact = d.gaussian_solution(x, t0 + n * dt, D)
    # FTCS error is O(dt) + O(dx²) ≈ 1e-3 of the peak here
    assert np.max(np.abs(c - exact)) < 2e-3 * exact.max()
    assert np.sum(c) * dx == pytest.approx(1.0, abs=1e-6)                       # reflecting: mass kept


def test_finite_differences_boundaries_and_stability():
    c0 = np.zeros(50)
    c0[25] = 1.0
    assert np.sum(d.diffuse_fd(c0, D=1, dx=1, dt=0.5, n_steps=2000, boundary="reflecting")) == pytest.approx(1.0)
    assert np.sum(d.diffuse_fd(c0, D=1, dx=1, dt=0.5, n_steps=2000, boundary="absorbing")) < 0.5
    # r = 0.4 < ½: at r = ½ exactly the checkerboard mode has amplification 1 − 4r = −1 and never decays
    per = d.diffuse_fd(c0, D=1, dx=1, dt=0.4, n_steps=5000, boundary="periodic")
    np.testing.assert_allclose(per, 1 / 50, atol=1e-6)                          # uniform in the end
    with pytest.raises(ValueError, match="unstable"):
        d.diffuse_fd(c0, D=1, dx=1, dt=0.6, n_steps=1)


# --------------------------------------------------------------------------------------------
# Brownian motion three ways: MSD = 2 d D t
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("jumps", ["lattice", "uniform", "gaussian"])
def test_random_walks_have_msd_2Dt(rng, jumps):
    W, n, step = 4000, 200, 0.5
    x = d.random_walk(W, n, rng=rng, step=step, jumps=jumps)
    assert x.shape == (W, n + 1) and np.all(x[:, 0] == 0)
    msd = d.msd_ensemble(x)
    expected = np.arange(n + 1) * step**2                       # 2 D t with D = step²/2, dt = 1
    se = np.sqrt(2 / W) * expected                             # Var x² = 2 (E x²)² for Gaussian x
    assert np.all(np.abs(msd - expected)[1:] < 5 * se[1:] + 1e-12)


def test_lattice_walk_is_binomial(rng):
    n = 20
    x = d.random_walk(20000, n, rng=rng, step=1.0)[:, -1]
    assert np.all((x + n) % 2 == 0)                            # parity of the lattice
    k = ((x + n) / 2).astype(int)                              # number of +1 steps ~ Binomial(n, ½)
    counts = np.bincount(k, minlength=n + 1)
    expected = stats.binom.pmf(np.arange(n + 1), n, 0.5) * x.size
    keep = expected > 5
    chi2 = np.sum((counts[keep] - expected[keep]) ** 2 / expected[keep])
    assert stats.chi2.sf(chi2, keep.sum() - 1) > 1e-3


def test_brownian_in_two_dimensions(rng):
    W, n, D, dt = 3000, 100, 0.3, 0.1
    x = d.brownian(W, n, D=D, dt=dt, rng=rng, dim=2)
    assert x.shape == (W, n + 1, 2)
    t = np.arange(n + 1) * dt
    msd = d.msd_ensemble(x)
    se = np.sqrt(1 / W) * 4 * D * t                          # r² = sum of 2 χ²₁: Var = (E r²)²
    assert np.all(np.abs(msd - 4 * D * t) <= 5 * se)


def test_estimate_D_within_3_percent_and_calibrated(rng):
    D, dt = 0.43, 0.05
    x = d.brownian(200, 500, D=D, dt=dt, rng=rng)              # 1e5 increments: SE = D √(2/n) = 0.45 %
    est = d.estimate_D(x, dt)
    assert est.n == 100_000
    assert abs(est.D - D) < min(0.03 * D, 5 * est.stderr)
    reps = np.array([d.estimate_D(d.brownian(20, 50, D=D, dt=dt, rng=rng), dt).D for _ in range(200)])
    predicted = D * np.sqrt(2 / 1000)
    # the spread of 200 replicates estimates the SE to ±5 %: allow ±20 %
    assert np.std(reps, ddof=1) == pytest.approx(predicted, rel=0.2)


def test_langevin_ballistic_and_diffusive_regimes(rng):
    D, tau, dt, n, W = 1.0, 1.0, 0.02, 1000, 4000
    x, v = d.langevin(W, n, D=D, tau=tau, dt=dt, rng=rng)
    t = np.arange(n + 1) * dt
    theory = d.langevin_msd(t, D=D, tau=tau)
    msd = d.msd_ensemble(x)
    for i in [5, 50, 200, 1000]:                               # t = 0.1τ … 20τ
        assert abs(msd[i] - theory[i]) < 5 * np.sqrt(2 / W) * theory[i]
    # ballistic at t ≪ τ: ⟨x²⟩ ≈ (kT/m) t² = (D/τ) t²; diffusive at t ≫ τ: ≈ 2D(t − τ)
    assert theory[5] == pytest.approx(D / tau * t[5] ** 2, rel=0.05)
    assert theory[1000] == pytest.approx(2 * D * (t[1000] - tau), rel=1e-6)
    # equipartition ⟨v²⟩ = kT/m = D/τ, and ⟨v(0)v(t)⟩ = (D/τ) e^{−t/τ}
    assert np.mean(v**2) == pytest.approx(D / tau, rel=0.02)
    assert np.mean(v[:, 0] * v[:, 50]) == pytest.approx(D / tau * np.exp(-1), abs=5 * np.sqrt(1 / W))


def test_langevin_is_exact_for_large_steps(rng):
    D, tau, dt, W = 0.5, 1.0, 3.0, 20000                        # dt = 3τ: an Euler scheme would be useless
    x, v = d.langevin(W, 4, D=D, tau=tau, dt=dt, rng=rng)
    theory = d.langevin_msd(np.arange(5) * dt, D=D, tau=tau)
    np.testing.assert_allclose(d.msd_ensemble(x)[1:], theory[1:], rtol=5 * np.sqrt(2 / W))
    assert np.var(v[:, -1]) == pytest.approx(D / tau, rel=5 * np.sqrt(2 / W))


# --------------------------------------------------------------------------------------------
# MSD: the FFT time average equals the direct sum
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(257,), (3, 200), (4, 301, 2), (2, 64, 3)])
def test_fft_msd_equals_direct_sum(rng, shape):
    x = np.cumsum(rng.normal(size=shape), axis=0 if len(shape) == 1 else 1) + 100.0   # offset: round-off
    fast, slow = d.msd_time_averaged(x), d.msd_time_averaged_direct(x)
    assert fast.shape == slow.shape
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(d.msd_time_averaged(x, max_lag=10), slow[..., :11], rtol=1e-9, atol=1e-9)


def test_fft_msd_in_memory_bounded_batches(rng):
    x = np.cumsum(rng.normal(size=(70, 40_000)), axis=1)      # 70 rows × nfft 80 000: several FFT batches
    batch = d.msd_time_averaged(x, max_lag=100)
    for i in (0, 51, 52, 69):                                  # rows on both sides of a batch boundary
        np.testing.assert_allclose(batch[i], d.msd_time_averaged_direct(x[i], max_lag=100), rtol=1e-9)


def test_fft_msd_of_a_ballistic_track():
    x = 2.0 * np.arange(100)                                   # x = v t: δ²(m) = v² m² exactly
    np.testing.assert_allclose(d.msd_time_averaged(x), 4.0 * np.arange(100) ** 2, rtol=1e-9)


def test_time_averaged_msd_of_brownian_motion_is_2Dt(rng):
    D, W, n = 0.7, 200, 1000
    tam = d.msd_time_averaged(d.brownian(W, n, D=D, dt=1.0, rng=rng), max_lag=50)
    np.testing.assert_allclose(tam.mean(axis=0)[1:], 2 * D * np.arange(1, 51), rtol=0.05)


# --------------------------------------------------------------------------------------------
# Fractional Brownian motion and the α estimator
# --------------------------------------------------------------------------------------------

def test_fgn_autocovariance_values():
    np.testing.assert_allclose(d.fgn_autocovariance([0, 1, 2], 0.5), [1, 0, 0], atol=1e-15)
    np.testing.assert_allclose(d.fgn_autocovariance([0, 5], 1.0), [1, 1])
    assert d.fgn_autocovariance(1, 0.75) == pytest.approx(0.5 * (2**1.5 - 2))


@pytest.mark.parametrize("H", [0.3, 0.5, 0.8])
def test_fbm_has_the_exact_covariance(rng, H):
    W, n = 4000, 64
    x = d.fbm(W, n, H, rng=rng, K=0.5)
    inc = np.diff(x, axis=1)
    for k in range(4):                                        # fGn autocovariance at lags 0..3
        c = np.mean(inc[:, :n - k] * inc[:, k:], axis=1)      # per walker, then across walkers
        assert abs(c.mean() - d.fgn_autocovariance(k, H)) < 5 * c.std(ddof=1) / np.sqrt(W)
    t = np.arange(n + 1)
    msd = d.msd_ensemble(x)
    assert np.all(np.abs(msd[1:] - t[1:] ** (2 * H)) < 5 * np.sqrt(2 / W) * t[1:] ** (2 * H))


@pytest.mark.parametrize("H", [0.25, 0.5, 0.75])
def test_estimate_alpha_recovers_2H(rng, H):
    t = np.arange(513.0)
    x = d.fbm(400, 512, H, rng=rng)
    for average in ("ensemble", "time"):
        est = d.estimate_alpha(x, t, rng=rng, average=average)
        assert 0 < est.stderr < 0.05
        assert abs(est.alpha - 2 * H) < max(4 * est.stderr, 0.02)
        assert abs(est.alpha - 2 * H) < 0.05                    # the issue's ±0.05


def test_estimate_alpha_error_bar_is_calibrated(rng):
    t = np.arange(129.0)
    fits = [d.estimate_alpha(d.fbm(50, 128, 0.35, rng=rng), t, rng=rng, n_boot=100) for _ in range(60)]
    alphas = np.array([f.alpha for f in fits])
    mean_se = np.mean([f.stderr for f in fits])
    # the bootstrap SE should match the actual scatter of α̂ (ratio known to ~±10 % from 60 replicates)
    assert 0.7 < np.std(alphas, ddof=1) / mean_se < 1.4
    assert abs(alphas.mean() - 0.7) < 4 * np.std(alphas, ddof=1) / np.sqrt(60) + 0.02


def test_fbm_rejects_bad_hurst(rng):
    with pytest.raises(ValueError, match="H"):
        d.fbm(2, 10, 1.5, rng=rng)
    with pytest.raises(TypeError, match="rng"):
        d.fbm(2, 10, 0.5, rng=0)


# --------------------------------------------------------------------------------------------
# CTRW, weak ergodicity breaking, Lévy walks and flights
# --------------------------------------------------------------------------------------------

def test_ctrw_subdiffusive_exponent(rng):
    t = np.r_[0, np.geomspace(1, 1e5, 41)]
    x = d.ctrw(2000, t, 0.5, rng=rng)
    est = d.estimate_alpha(x, t, rng=rng, window=(1e3, 1e5))
    # measured bias at this window ≈ +0.01 (finite-time corrections ∝ t^{-α}); SE ≈ 0.013
    assert abs(est.alpha - 0.5) < 0.05
    msd = d.msd_ensemble(x)
    assert msd[-1] == pytest.approx(d.ctrw_msd_theory(t[-1], 0.5), rel=0.15)   # ≈ 4 SE


def test_ctrw_with_finite_mean_wait_is_normal(rng):
    t = np.r_[0, np.geomspace(1, 1e4, 31)]
    x = d.ctrw(1000, t, 2.5, rng=rng)
    est = d.estimate_alpha(x, t, rng=rng, window=(1e2, 1e4))
    assert abs(est.alpha - 1.0) < 0.05
    assert d.msd_ensemble(x)[-1] == pytest.approx(d.ctrw_msd_theory(t[-1], 2.5), rel=0.1)


def test_ctrw_positions_are_piecewise_constant(rng):
    t = np.arange(0, 200.0)
    x = d.ctrw(5, t, 0.5, rng=rng, tau0=1.0)
    assert np.all(x[:, :2] == 0)                               # no jump before the first wait ≥ τ0
    changes = np.count_nonzero(np.diff(x, axis=1), axis=1)
    assert np.all(changes < 200)


def test_weak_ergodicity_breaking(rng):
    alpha, T, W = 0.5, 4096, 300
    x = d.ctrw(W, np.arange(T + 1.0), alpha, rng=rng)
    lags = np.array([2, 4, 8, 16, 32, 64])
    tam = d.msd_time_averaged(x, max_lag=64)[:, lags]
    # the time average is linear in the lag, whereas the ensemble MSD grows as t^α
    slope = d.fit_power_law(lags, tam.mean(axis=0))[0]
    assert abs(slope - 1.0) < 0.05
    # and it scatters: EB → 2Γ²(1+α)/Γ(1+2α) − 1 = π/2 − 1 for α = ½ (He et al. 2008)
    eb = d.ergodicity_breaking(tam[:, 0])
    boot = [d.ergodicity_breaking(tam[rng.integers(0, W, W), 0]) for _ in range(200)]
    assert abs(eb - d.eb_ctrw_theory(alpha)) < 4 * np.std(boot) + 0.05
    # Brownian motion is ergodic: EB ≈ 4Δ/3T ≈ 0
    bm = d.msd_time_averaged(d.brownian(W, T, D=1, dt=1, rng=rng), max_lag=2)[:, 2]
    assert d.ergodicity_breaking(bm) < 0.01


def test_eb_theory_values():
    assert d.eb_ctrw_theory(0.5) == pytest.approx(np.pi / 2 - 1)
    assert d.eb_ctrw_theory(1.0) == pytest.approx(0.0, abs=1e-12)


def test_levy_walk_exponents(rng):
    t = np.r_[0, np.geomspace(1, 1e4, 31)]
    sup = d.estimate_alpha(d.levy_walk(2000, t, 1.5, rng=rng), t, rng=rng, window=(1e2, 1e4))
    assert abs(sup.alpha - 1.5) < 0.1                          # 3 − γ; corrections ~ t^{γ−2} are slow
    bal = d.estimate_alpha(d.levy_walk(1000, t, 0.5, rng=rng), t, rng=rng, window=(1e2, 1e4))
    assert abs(bal.alpha - 2.0) < 0.05
    x = d.levy_walk(10, np.linspace(0, 50, 501), 1.5, rng=rng, speed=2.0)
    assert np.all(np.abs(np.diff(x, axis=1)) <= 2.0 * 0.1 + 1e-9)   # never faster than the speed


def test_stable_jumps_special_cases(rng):
    n = 20000
    cauchy = d.stable_jumps(n, 1.0, rng=rng)
    assert stats.kstest(cauchy, stats.cauchy.cdf).pvalue > 1e-3
    gauss = d.stable_jumps(n, 2.0, rng=rng)
    assert stats.kstest(gauss, stats.norm(scale=np.sqrt(2)).cdf).pvalue > 1e-3
    s15 = d.stable_jumps(4000, 1.5, rng=rng)
    assert stats.kstest(s15, stats.levy_stable(1.5, 0.0).cdf).pvalue > 1e-3


def test_levy_flight_quantiles_scale_as_n_to_1_over_alpha(rng):
    alpha, n = 1.2, 256
    x = d.levy_flight(4000, n, alpha, rng=rng)
    steps = np.arange(1, n + 1)
    w = d.quantile_width(x)[1:]
    assert abs(d.fit_power_law(steps, w)[0] - 1 / alpha) < 0.05
    # the sample variance does not settle: it is dominated by the largest jump
    assert np.var(x[:, -1]) > 100 * w[-1] ** 2
