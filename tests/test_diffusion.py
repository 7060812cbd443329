"""Tests for coursekit.diffusion (week 9) against analytic results.

Statistical tolerances are a few standard errors of the estimate at the sample size used; with the
fixed seed of the ``rng`` fixture each test is deterministic, and a correct implementation would fail
one of them with probability well below 1e-3.
"""

import numpy as np
import pytest
from scipy import constants, stats

from coursekit import diffusion as d
from coursekit.constants import T_20C, WATER_ETA


# --------------------------------------------------------------------------------------------
# Stokes–Einstein, Einstein's number, Perrin's Avogadro number
# --------------------------------------------------------------------------------------------

def test_stokes_einstein_one_micron_bead():
    D = d.stokes_einstein_D(0.5e-6, 293.15, 1.0016e-3)          # 1 µm DIAMETER → radius 0.5 µm
    assert D == pytest.approx(constants.k * 293.15 / (6 * np.pi * 1.0016e-3 * 0.5e-6), rel=1e-12)
    assert D * 1e12 == pytest.approx(0.43, abs=0.005)             # µm²/s, the number
    # the radius, not the diameter: doubling a halves D
    assert d.stokes_einstein_D(1e-6, 293.15, 1.0016e-3) == pytest.approx(D / 2, rel=1e-12)
    # water at 20 °C is the default medium, with one value for the whole package
    assert (T_20C, WATER_ETA) == (293.15, 1.0016e-3)
    assert d.stokes_einstein_D(0.5e-6) == D


def test_stokes_einstein_rejects_bad_input():
    with pytest.raises(ValueError, match="radius must be > 0; got -1e-06"):
        d.stokes_einstein_D(-1e-6, 293.15, WATER_ETA)
    with pytest.raises(TypeError, match="T must be a real number; got str"):
        d.stokes_einstein_D(1e-6, "warm", WATER_ETA)


def test_einsteins_one_second_estimate():
    # Einstein (1905): water at 17 °C with his viscosity 1.35e-2 poise, diameter 0.001 mm, N = 6e23
    # → λ_x ≈ 8e-5 cm = 0.8 µm in one second (and ≈ 6 µm in a minute).
    D = constants.R * 290.15 / (6e23 * 6 * np.pi * 1.35e-3 * 0.5e-6)
    assert d.rms_displacement(D, 1.0) * 1e6 == pytest.approx(0.8, abs=0.02)
    assert d.rms_displacement(D, 60.0) * 1e6 == pytest.approx(6.0, abs=0.2)
    assert d.rms_displacement(1.0, 2.0, dim=3) == pytest.approx(np.sqrt(12.0))


def test_avogadro_inverts_stokes_einstein():
    D = d.stokes_einstein_D(0.53e-6, 293.15, WATER_ETA)
    assert d.avogadro_from_D(0.53e-6, D, 293.15, WATER_ETA) == pytest.approx(constants.N_A, rel=1e-12)


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


def test_msd_standard_error_is_the_spread_over_walkers(rng):
    """msd_stderr is s/√W of the squared displacements: for Brownian tracks in d dimensions
    |x(t)|²/(2Dt) is χ²_d, so the standard error is 2Dt √(2d)/√W ... up to sampling noise."""
    W, D, dt = 4000, 0.5, 1.0
    x = d.brownian(W, 50, D=D, dt=dt, rng=rng, dim=3)
    se = d.msd_stderr(x)
    r2 = d.squared_displacement(x)
    np.testing.assert_allclose(se, r2.std(axis=0, ddof=1) / np.sqrt(W), rtol=1e-12)
    t = np.arange(51) * dt
    np.testing.assert_allclose(se[1:], 2 * D * t[1:] * np.sqrt(2 * 3) / np.sqrt(W), rtol=0.1)
    with pytest.raises(ValueError, match="at least 2 walkers"):
        d.msd_stderr(x[:1])


def test_noisy_estimator_is_unbiased_where_the_naive_one_is_not(rng):
    """Positions recorded with independent errors of variance σ²: ⟨Δy²⟩ = 2DΔt + 2σ² and
    ⟨Δy_k Δy_{k+1}⟩ = −σ², so the covariance-based estimator is unbiased (Vestergaard et al. 2014)."""
    D, dt, sigma2, W, n = 0.5, 0.1, 0.08, 400, 400             # σ² = 1.6 D Δt: the naive D̂ is 160 % too high
    x = d.brownian(W, n, D=D, dt=dt, rng=rng) + rng.normal(0, np.sqrt(sigma2), size=(W, n + 1))
    per_walker = np.array([d._estimate_D_noisy(tr[None], dt) for tr in x])
    se = per_walker.std(ddof=1) / np.sqrt(W)
    assert abs(d._estimate_D_noisy(x, dt) - D) < 4 * se
    assert d.estimate_D(x, dt).D == pytest.approx(D + sigma2 / dt, rel=0.02)
    clean = d.brownian(W, n, D=D, dt=dt, rng=rng)                 # without noise both agree with D
    assert abs(d._estimate_D_noisy(clean, dt) - D) < 0.02 and abs(d.estimate_D(clean, dt).D - D) < 0.01


def test_langevins_own_derivation(rng):
    """Langevin (1908): multiply by x, average with ⟨xX⟩ = 0 and equipartition, and
    z = d⟨x²⟩/dt = 2⟨xv⟩ obeys (m/2) dz/dt + (γ/2) z = kT: from x = 0 and thermal v, ⟨xv⟩ = D(1 − e^{−t/τ})."""
    D, tau, dt, n, W = 0.7, 0.5, 0.05, 200, 20000
    x, v = d.langevin(W, n, D=D, tau=tau, dt=dt, rng=rng)
    t = np.arange(n + 1) * dt
    xv = x * v
    se = xv.std(axis=0, ddof=1) / np.sqrt(W)
    assert np.all(np.abs(xv.mean(axis=0) - D * (1 - np.exp(-t / tau)))[1:] < 5 * se[1:])
    # and 2⟨xv⟩ is the slope of the MSD (Langevin's z), here by central differences of the exact MSD
    tf = np.linspace(0, 10 * tau, 10001)
    msd = d.langevin_msd(tf, D=D, tau=tau)
    np.testing.assert_allclose(np.gradient(msd, tf)[1:-1], 2 * D * (1 - np.exp(-tf / tau))[1:-1], rtol=1e-5, atol=1e-6)
