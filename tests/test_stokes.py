"""Week 11: Stokes drag, resistive-force swimmers, the rotating helix, run-and-tumble, receptors.

Each test states a property from the theory: the scallop theorem, the time-reversal symmetry of
Stokes flow, RFT's closed forms, renewal–reward for the random walks. Sampling tolerances are four
standard errors computed from the same samples.
"""

import numpy as np
import pytest
from scipy import constants, integrate, stats

from coursekit import stokes
from coursekit.diffusion import msd_ensemble, msd_stderr, stokes_einstein_D


# --------------------------------------------------------------------------------------------
# Numbers and Stokes drag
# --------------------------------------------------------------------------------------------

def test_reynolds_number_of_purcells_bacterium():
    # a = 1 µm, v = 30 µm/s in water (Purcell's ν = 1e-2 cm²/s): Re = 3e-5, inside his 1e-4 … 1e-5
    assert stokes.reynolds_number(1e-6, 30e-6, 1e3, 1e-3) == pytest.approx(3e-5, rel=1e-12)
    # by default, water at 20 °C from coursekit.constants: η = 1.0016 mPa·s
    assert stokes.reynolds_number(1e-6, 30e-6) == pytest.approx(3e-5 / 1.0016, rel=1e-12)
    np.testing.assert_allclose(stokes.reynolds_number([1.0, 2.0], [1.0, 1.0], 1e3, 1e-3), [1e6, 2e6])


def test_coasting_matches_newtons_law_integrated_numerically():
    a, v0, rho, eta = 1e-6, 30e-6, 1000.0, 1e-3
    m = 4 / 3 * np.pi * a**3 * rho
    coast = stokes.coasting(a, v0, rho, eta)
    tau, d = coast.tau, coast.distance
    sol = integrate.solve_ivp(lambda t, y: [y[1], -stokes.stokes_drag(a, y[1], eta) / m],
                              (0, 40 * tau), [0.0, v0], rtol=1e-11, atol=[1e-25, 1e-20])
    assert sol.y[0, -1] == pytest.approx(d, rel=1e-8)            # e^-40 of the distance is left
    assert tau == pytest.approx(2 * rho * a**2 / (9 * eta), rel=1e-12)
    assert d < 1e-10                                               # less than an atom (1 Å)
    assert 1e-7 < tau < 1e-6                                       # a fraction of a microsecond


def test_stokes_drag_and_stokes_einstein_give_kT():
    # the Einstein relation D · (6πηa) = k_B T ties this week's drag to week 9's diffusion
    a, eta, T = 0.5e-6, 1.0e-3, 293.15
    assert stokes.stokes_drag(a, 1.0, eta) * stokes_einstein_D(a, T, eta) == pytest.approx(constants.k * T)


def test_peclet_number_and_bad_input():
    assert stokes.peclet_number(1e-6, 30e-6, 1e-9) == pytest.approx(0.03)
    with pytest.raises(ValueError, match="D must be > 0"):
        stokes.peclet_number(1.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="L must be > 0"):
        stokes.reynolds_number(-1.0, 1.0)


# --------------------------------------------------------------------------------------------
# Resistive-force theory
# --------------------------------------------------------------------------------------------

def test_resistance_of_a_straight_rod_is_the_textbook_one():
    # two collinear links of length 1 = one rod of length 2, pose at the centre of link 0 (x = 0.5)
    sw = stokes.link_swimmer([1.0, 1.0], xi_par=1.3, xi_perp=2.9, ref=0)
    R = stokes._resistance_matrix(sw, [0.0], [[0.0]])[0]
    assert R[0, 0] == pytest.approx(1.3 * 2)                       # ξ_∥ L
    assert R[1, 1] == pytest.approx(2.9 * 2)                       # ξ_⊥ L
    # ξ_⊥ ∫ x² dx over [−0.5, 1.5]
    assert R[2, 2] == pytest.approx(2.9 * (1.5**3 + 0.5**3) / 3)


def test_resistance_matrix_is_symmetric_positive_definite(rng):
    sw = stokes.purcell_swimmer(arm=0.7)
    R = stokes._resistance_matrix(sw, rng.uniform(-3, 3, 5), rng.uniform(-1.4, 1.4, (5, 2)))
    np.testing.assert_allclose(R, R.transpose(0, 2, 1), atol=1e-13)
    assert np.all(np.linalg.eigvalsh(R) > 0)


def test_rigid_body_does_not_move_without_a_stroke():
    V = stokes._body_velocity(stokes.purcell_swimmer(), [0.3], [[0.5, -0.2]], [[0.0, 0.0]])
    np.testing.assert_array_equal(V, 0.0)


def test_scallop_theorem_any_stroke_of_the_scallop_gives_zero(rng):
    # one hinge: every periodic stroke is reciprocal, however fast it opens and slow it shuts
    sc = stokes.scallop(arm=1.0)
    for _ in range(3):
        K = 3
        stroke = stokes.fourier_stroke([np.pi / 2], rng.normal(0, 0.3, (K, 1)), rng.normal(0, 0.3, (K, 1)))
        res = stokes.swim(sc, stroke, 1.0, 400)
        assert np.ptp(res.x) > 1e-2                                # it does move during the stroke ...
        np.testing.assert_allclose([res.x[0, -1], res.y[0, -1], res.theta[0, -1]], 0, atol=1e-9)  # ... but not net
    d = stokes.cycle_displacement(sc, stokes.scallop_stroke(np.pi / 2, 1.0, asymmetry=-0.7), n_steps=600)
    np.testing.assert_allclose(d, 0, atol=1e-9)


def test_reciprocal_strokes_of_the_three_link_swimmer_give_zero(rng):
    sw = stokes.purcell_swimmer(arm=1.2)
    for _ in range(3):
        stroke = stokes.reciprocal_stroke(rng.uniform(-0.3, 0.3, 2), rng.normal(size=2),
                                          rng.normal(0, 0.3, 3), rng.normal(0, 0.3, 3))
        np.testing.assert_allclose(stokes.cycle_displacement(sw, stroke, n_steps=400), 0, atol=1e-9)


def test_purcell_swimmer_moves_and_reversing_the_stroke_reverses_the_motion():
    sw = stokes.purcell_swimmer()
    for kind in ("square", "ellipse"):
        stroke = stokes.purcell_stroke(np.array([0.5, 1.0]), kind=kind)
        fwd = stokes.cycle_displacement(sw, stroke, n_steps=400)
        rev = stokes.cycle_displacement(sw, stokes.reversed_stroke(stroke), n_steps=400)
        assert np.all(np.hypot(fwd[:, 0], fwd[:, 1]) > 0.03)
        np.testing.assert_allclose(rev, -fwd, atol=1e-9)           # net rotation is zero, so g⁻¹ = −g
        np.testing.assert_allclose(fwd[:, 2], 0, atol=1e-12)


def test_square_stroke_swims_along_the_body_by_symmetry():
    d = stokes.cycle_displacement(stokes.purcell_swimmer(), stokes.purcell_stroke(0.8), n_steps=400)[0]
    assert abs(d[0]) > 0.05
    assert abs(d[1]) < 1e-12 and abs(d[2]) < 1e-12


def test_net_motion_is_geometric_not_timed():
    # Stokes flow has no time scale: doing the stroke three times slower changes nothing per cycle
    sw = stokes.purcell_swimmer()
    fast = stokes.cycle_displacement(sw, stokes.purcell_stroke(0.7, period=1.0), period=1.0)
    slow = stokes.cycle_displacement(sw, stokes.purcell_stroke(0.7, period=3.0), period=3.0)
    np.testing.assert_allclose(slow, fast, atol=1e-10)


def test_small_strokes_move_as_the_enclosed_area():
    # displacement ∝ area of the loop in shape space ∝ A² for small amplitude A
    d = stokes.cycle_displacement(stokes.purcell_swimmer(), stokes.purcell_stroke(np.array([0.04, 0.02])),
                                  n_steps=200)
    assert d[0, 0] / d[1, 0] == pytest.approx(4.0, rel=2e-3)


def test_isotropic_drag_cannot_swim():
    # ξ_⊥ = ξ_∥: zero total force means ∫u ds = 0, so the centroid of the links never moves
    sw = stokes.purcell_swimmer(arm=0.8, xi_par=1.0, xi_perp=1.0)
    res = stokes.swim(sw, stokes.purcell_stroke(1.0), 1.0, 400)
    pts = stokes.link_points(sw, res.x[0], res.y[0], res.theta[0], res.alpha[0])
    mid = (pts[:, 1:] + pts[:, :-1]) / 2
    centroid = np.einsum("tkd,k->td", mid, sw.lengths) / sw.lengths.sum()
    np.testing.assert_allclose(centroid - centroid[0], 0, atol=1e-9)


def test_link_points_put_the_pose_at_the_middle_link_centre():
    sw = stokes.purcell_swimmer(arm=0.5, body=2.0)
    pts = stokes.link_points(sw, [1.0], [2.0], [0.0], [[np.pi / 2, np.pi / 2]])[0]     # a "U"
    np.testing.assert_allclose(pts, [[0.0, 2.5], [0.0, 2.0], [2.0, 2.0], [2.0, 2.5]], atol=1e-12)


def test_stroke_validation():
    with pytest.raises(ValueError, match="amplitude"):
        stokes.purcell_stroke(2.0)
    with pytest.raises(ValueError, match="kind"):
        stokes.purcell_stroke(0.5, kind="circle")
    with pytest.raises(ValueError, match="M = 2"):
        stokes.swim(stokes.purcell_swimmer(), stokes.scallop_stroke(), 1.0, 10)
    with pytest.raises(ValueError, match="lengths"):
        stokes.link_swimmer([1.0])


# --------------------------------------------------------------------------------------------
# The rotating helix
# --------------------------------------------------------------------------------------------

def test_helix_propulsion_matrix_matches_direct_rft_quadrature():
    R, lam, ell, xp, xn = 0.2, 2.5, 7.0, 1.0, 1.9
    K = stokes.helix_propulsion(R, lam, ell, xp, xn)
    k = 2 * np.pi / lam
    z = np.linspace(0, ell, 20001)
    r = np.stack([z, R * np.cos(k * z), R * np.sin(k * z)], axis=1)        # a helix along x
    dr = np.gradient(r, z, axis=0)
    ds = np.linalg.norm(dr, axis=1)
    t = dr / ds[:, None]

    def force_torque(U, W):
        u = np.array([U, 0, 0]) + np.cross([W, 0, 0], r)
        f = -(xp * np.sum(u * t, 1)[:, None] * t + xn * (u - np.sum(u * t, 1)[:, None] * t))
        w = ds * np.gradient(z)                                          # arc-length weights
        return np.sum(f[:, 0] * w), np.sum(np.cross(r, f)[:, 0] * w)

    F1, N1 = force_torque(1.0, 0.0)
    F2, N2 = force_torque(0.0, 1.0)
    np.testing.assert_allclose(-np.array([[F1, F2], [N1, N2]]), K, rtol=2e-4)


def test_helix_needs_drag_anisotropy_and_reverses_with_the_motor():
    iso = stokes.helix_propulsion(0.2, 2.5, 7.0, 1.0, 1.0)
    assert iso[0, 1] == 0.0
    assert stokes.helix_swimmer(motor_rate=600.0, xi=(1e-3, 1e-3)).U == pytest.approx(0.0, abs=1e-18)
    f, b = stokes.helix_swimmer(motor_rate=600.0), stokes.helix_swimmer(motor_rate=-600.0)
    assert abs(f.U) > 1e-6
    assert b.U == pytest.approx(-f.U) and b.omega_head == pytest.approx(-f.omega_head)
    assert f.omega_helix - f.omega_head == pytest.approx(600.0)
    assert 0 < f.efficiency < 0.05
    assert np.sign(f.omega_head) == -np.sign(f.omega_helix)                # the body counter-rotates


# --------------------------------------------------------------------------------------------
# Run and tumble
# --------------------------------------------------------------------------------------------

def test_turn_angles_follow_their_density(rng):
    c = stokes.turn_cosines(20000, mean_cos=1 / 3, rng=rng)
    # p(c) = (1 + c)/2 → CDF (1 + c)²/4
    assert stats.kstest(c, lambda x: (1 + x) ** 2 / 4).pvalue > 1e-3
    theta = np.arccos(c)
    se = theta.std() / np.sqrt(c.size)
    assert abs(theta.mean() - stokes.mean_turn_angle(1 / 3)) < 4 * se
    assert np.degrees(stokes.mean_turn_angle(1 / 3)) == pytest.approx(67.5)
    c0 = stokes.turn_cosines(20000, mean_cos=0.0, rng=rng)
    assert stats.kstest(c0, "uniform", args=(-1, 2)).pvalue > 1e-3


def test_turn_rotates_by_the_requested_angle(rng):
    e = rng.normal(size=(5000, 3))
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    c = rng.uniform(-1, 1, 5000)
    new = stokes.turn(e, c, rng=rng)
    np.testing.assert_allclose(np.linalg.norm(new, axis=1), 1, atol=1e-12)
    np.testing.assert_allclose(np.sum(new * e, axis=1), c, atol=1e-12)
    # the azimuth is uniform, so the component perpendicular to e averages to zero
    perp = new - np.sum(new * e, axis=1)[:, None] * e
    assert np.all(np.abs(perp.mean(axis=0)) < 4 * perp.std(axis=0) / np.sqrt(5000))


def test_msd_with_instant_tumbles_is_the_persistent_walk(rng):
    v, tau, a = 14.2, 0.86, 1 / 3
    r = stokes.run_and_tumble(3000, 20.0, rng=rng, v=v, tau_run=tau, tau_tumble=0.0, mean_cos=a, n_samples=21)
    msd, se = msd_ensemble(r.positions), msd_stderr(r.positions)
    theory = stokes.persistent_msd(r.t, v, tau, a)
    assert np.all(np.abs(msd[1:] - theory[1:]) < 4 * se[1:])
    # the ballistic start: ⟨r²⟩ = v²t² before the first tumble
    assert stokes.persistent_msd(1e-4, v, tau, a) == pytest.approx((v * 1e-4) ** 2, rel=1e-3)


def test_effective_diffusion_with_tumbles_matches_simulation(rng):
    v, tau, tt, a = 14.2, 0.86, 0.14, 1 / 3
    r = stokes.run_and_tumble(3000, 40.0, rng=rng, v=v, tau_run=tau, tau_tumble=tt, mean_cos=a, n_samples=3)
    sq = np.sum(r.positions**2, axis=-1)
    slopes = (sq[:, 2] - sq[:, 1]) / (6 * (r.t[2] - r.t[1]))   # from t = 20 s ≫ τ/(1 − α) to 40 s
    D = stokes.effective_diffusion(v, tau, a, tt)
    assert abs(slopes.mean() - D) < 4 * slopes.std() / np.sqrt(slopes.size)
    assert D == pytest.approx(v**2 * tau**2 / (3 * (1 - a) * (tau + tt)))
    assert stokes.effective_diffusion(v, tau, a) == pytest.approx(v**2 * tau / (3 * (1 - a)))


def test_run_statistics_are_berg_and_browns(rng):
    r = stokes.run_and_tumble(2000, 20.0, rng=rng, beta=1.0)
    up = r.run_cos_gradient > 0
    # runs up the gradient last τ(1 + β e_z): on average τ(1 + β/2); runs down last τ
    for sel, mean in ((up, 0.86 * 1.5), (~up, 0.86)):
        d = r.run_durations[sel]
        assert abs(d.mean() - mean) < 4 * d.std() / np.sqrt(d.size)
    c = r.turn_cos
    assert abs(c.mean() - 1 / 3) < 4 * c.std() / np.sqrt(c.size)


def test_chemotactic_drift_matches_renewal_reward(rng):
    v, tau, tt, beta = 14.2, 0.86, 0.14, 1.0
    r = stokes.run_and_tumble(3000, 30.0, rng=rng, v=v, tau_run=tau, tau_tumble=tt, beta=beta, n_samples=4)
    z = r.positions[:, :, 2]
    rate = (z[:, 3] - z[:, 1]) / (r.t[3] - r.t[1])                 # from t = 10 s to 30 s
    assert abs(rate.mean() - stokes.chemotactic_drift(v, tau, beta, tt)) < 4 * rate.std() / np.sqrt(rate.size)
    r0 = stokes.run_and_tumble(3000, 30.0, rng=rng, v=v, tau_run=tau, tau_tumble=tt, beta=0.0, n_samples=4)
    z0 = r0.positions[:, -1, 2]
    assert abs(z0.mean()) < 4 * z0.std() / np.sqrt(z0.size)         # no gradient, no drift


def test_run_and_tumble_is_reproducible_and_validated():
    a = stokes.run_and_tumble(50, 5.0, rng=np.random.default_rng(3)).positions
    b = stokes.run_and_tumble(50, 5.0, rng=3).positions
    np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="rng must be a seed"):
        stokes.run_and_tumble(10, 1.0, rng=None)
    with pytest.raises(TypeError, match="positional"):
        stokes.run_and_tumble(10, 1.0, 3)
    with pytest.raises(ValueError, match="mean_cos"):
        stokes.run_and_tumble(10, 1.0, rng=0, mean_cos=0.5)


# --------------------------------------------------------------------------------------------
# Berg & Purcell's receptors
# --------------------------------------------------------------------------------------------

def test_half_maximal_capture_at_pi_a_over_s():
    a, s = 1e-6, 1e-9
    N = stokes.half_max_receptors(s, a)
    assert N == pytest.approx(np.pi * 1e3)
    assert stokes.receptor_capture(N, s, a) == pytest.approx(0.5)
    assert stokes.receptor_coverage(N, s, a) == pytest.approx(np.pi * s / (4 * a))   # ≈ 0.08 %
    assert stokes.receptor_capture(1e9, s, a) == pytest.approx(1.0, abs=1e-5)
    assert stokes.receptor_capture(0, s, a) == 0.0


def test_rft_forces_match_brute_force_quadrature_of_the_drawn_links(rng):
    # independent of the Jacobians inside _resistance_matrix: move the drawn links (link_points) along q̇
    # by finite differences, sum the local drag −K u along each link on a fine grid, and compare the
    # total force and the torque about the pose point with the first three rows of −R q̇
    xp, xn = 1.0, 2.0
    sw = stokes.link_swimmer([0.7, 1.0, 1.3, 0.5], xi_par=xp, xi_perp=xn)
    q = np.r_[0.3, -0.2, rng.uniform(-3, 3), rng.uniform(-1.2, 1.2, 3)]
    qd = rng.normal(size=6)

    def joints(q):
        return stokes.link_points(sw, [q[0]], [q[1]], [q[2]], [q[3:]])[0]

    h = 1e-6
    P, V = joints(q), (joints(q + h * qd) - joints(q - h * qd)) / (2 * h)
    u = np.linspace(0, 1, 2001)
    F, torque = np.zeros(2), 0.0
    for i in range(sw.n_links):
        r = P[i] + u[:, None] * (P[i + 1] - P[i])
        vel = V[i] + u[:, None] * (V[i + 1] - V[i])
        t = (P[i + 1] - P[i]) / sw.lengths[i]
        f = -(xn * vel + (xp - xn) * (vel @ t)[:, None] * t)
        ds = np.full(u.size, sw.lengths[i] * (u[1] - u[0]))   # trapezoid weights along the link
        ds[[0, -1]] /= 2
        F += np.sum(f * ds[:, None], axis=0)
        arm = r - q[:2]
        torque += np.sum((arm[:, 0] * f[:, 1] - arm[:, 1] * f[:, 0]) * ds)
    Q = -(stokes._resistance_matrix(sw, [q[2]], [q[3:]])[0] @ qd)[:3]
    np.testing.assert_allclose([*F, torque], Q, rtol=2e-6, atol=1e-8)   # trapezoid error O(du²) ≈ 1e-7


def test_isotropic_drag_can_turn_but_never_translate(rng):
    # the theorem of the chapter: ξ⊥ = ξ∥ makes ∫u ds = 0, so the centroid is fixed for any stroke; a net
    # rotation is still allowed (the torque balance is not a conservation law of the angle)
    sw = stokes.link_swimmer([0.7, 1.0, 1.3], xi_par=2.0, xi_perp=2.0)
    B = 4
    stroke = stokes.fourier_stroke(rng.uniform(-0.3, 0.3, (B, 2)), rng.normal(0, 0.5, (B, 3, 2)),
                                   rng.normal(0, 0.5, (B, 3, 2)))
    res = stokes.swim(sw, stroke, 1.0, 400)
    ends = stokes.link_points(sw, res.x.ravel(), res.y.ravel(), res.theta.ravel(), res.alpha.reshape(-1, 2))
    centroid = (((ends[:, 1:] + ends[:, :-1]) / 2 * sw.lengths[:, None]).sum(axis=1) / sw.lengths.sum()).reshape(B, -1, 2)
    np.testing.assert_allclose(centroid - centroid[:, :1], 0, atol=1e-7)      # RK4 error; links move O(1)
    assert np.abs(res.theta[:, -1]).max() > 1e-3                  # ... and yet it turns


def test_sensing_precision_is_poisson_counting(rng):
    # a perfect absorber counts Poisson(4πDacT) molecules in T; its estimate ĉ = count/(4πDaT) has relative
    # spread 1/√(4πDacT) = sensing_precision/√(4π): Berg & Purcell's law with its factor for this counter
    D, a, c, T = 1e-9, 1e-6, 1e-6 * 1e3 * constants.N_A, 1.0          # 1 µM, E. coli's size, a one-second run
    counts = rng.poisson(4 * np.pi * D * a * c * T, size=200_000)
    estimate = counts / (4 * np.pi * D * a * T)
    spread = estimate.std() / c
    se = spread / np.sqrt(2 * counts.size)                               # s.e. of a standard deviation
    assert abs(spread - stokes.sensing_precision(D, a, c, T) / np.sqrt(4 * np.pi)) < 4 * se
    assert stokes.sensing_precision(D, a, c, T) == pytest.approx(1.29e-3, rel=0.01)   # E. coli at 1 µM, 1 s
    np.testing.assert_allclose(stokes.sensing_precision(D, a, c, [1.0, 4.0, 100.0]),
                               stokes.sensing_precision(D, a, c, 1.0) / np.array([1, 2, 10]))
    with pytest.raises(ValueError, match="T must be > 0"):
        stokes.sensing_precision(D, a, c, 0.0)
