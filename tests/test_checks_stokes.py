"""Week 11's checks, each fed the stub, the reference, another valid form and typical mistakes.

The build-it problems are fed whole programs: the notebook's solution, a differently written correct
one (another quadrature, another integrator, a time-stepped simulator), and the mistakes students make
(isotropic drag, no torque balance, Euler's method, headings that forget, always turning one way, the
rate of an exponential given for its mean, Gaussian steps).
"""

import numpy as np
from scipy.integrate import solve_ivp

import checkcases
from checkcases import Cases, Mistake
from coursekit import stokes
from coursekit.constants import N_A

# ---- exercise 1 ----------------------------------------------------------------------------------------

def viscosity_for_reynolds(Re, L, v, rho):
    return np.asarray(rho) * np.asarray(v) * np.asarray(L) / np.asarray(Re)


# ---- exercise 2 ----------------------------------------------------------------------------------------

def coast(radius, v0, rho_body, eta, t):
    tau = (4 / 3 * np.pi * radius**3 * rho_body) / (6 * np.pi * eta * radius)
    return v0 * np.exp(-t / tau), v0 * tau * (1 - np.exp(-t / tau))


def coast_stacked(radius, v0, rho_body, eta, t):
    """Another valid form: τ = 2ρa²/9η written out, one (2, T) array, x(t) as v₀τ − v(t)τ."""
    tau = 2 * rho_body * radius**2 / (9 * eta)
    v = v0 * np.exp(-np.asarray(t) / tau)
    return np.stack([v, (v0 - v) * tau])


def coast_with_diameter(radius, v0, rho_body, eta, t):
    tau = (4 / 3 * np.pi * radius**3 * rho_body) / (3 * np.pi * eta * (2 * radius) * 2)
    return v0 * np.exp(-t / tau), v0 * tau * (1 - np.exp(-t / tau))


# ---- exercise 3 (build it): the swimmer's force and torque balance ----------------------------------------

def swimmer_velocity(swimmer, theta, alpha, alpha_dot, nodes=None):
    """The notebook's solution: link-end velocities by finite differences of link_points, the drag on each
    link integrated exactly (Simpson's rule: the integrands are quadratic along a link), the force and
    torque linear in the body velocity, three columns, one solve."""
    alpha = np.asarray(alpha, dtype=float)
    q = np.r_[0.0, 0.0, theta, alpha]

    def ends(q):
        return stokes.link_points(swimmer, q[0], q[1], q[2], q[3:])[0]

    P = ends(q)
    if nodes is None:
        s, w = np.array([0.0, 0.5, 1.0]), np.array([1.0, 4.0, 1.0]) / 6
    else:                                           # the midpoint rule with `nodes` points per link
        s, w = (np.arange(nodes) + 0.5) / nodes, np.full(nodes, 1 / nodes)

    def force_and_torque(q_dot, h=1e-6):
        V = (ends(q + h * q_dot) - ends(q - h * q_dot)) / (2 * h)
        total = np.zeros(3)
        for i, L in enumerate(swimmer.lengths):
            t = (P[i + 1] - P[i]) / L
            r = P[i] + s[:, None] * (P[i + 1] - P[i])
            u = V[i] + s[:, None] * (V[i + 1] - V[i])
            f = -(swimmer.xi_perp * u + (swimmer.xi_par - swimmer.xi_perp) * (u @ t)[:, None] * t) * (w * L)[:, None]
            total[:2] += f.sum(axis=0)
            total[2] += np.sum(r[:, 0] * f[:, 1] - r[:, 1] * f[:, 0])
        return total

    M = np.column_stack([force_and_torque(np.r_[e, np.zeros_like(alpha)]) for e in np.eye(3)])
    return np.linalg.solve(M, -force_and_torque(np.r_[0.0, 0.0, 0.0, alpha_dot]))


def swimmer_velocity_analytic(swimmer, theta, alpha, alpha_dot):
    """Another valid form: the link velocities written out from the angles (no finite differences), a
    30-point midpoint rule per link, and a list returned."""
    L, N, ref = swimmer.lengths, swimmer.lengths.size, swimmer.ref
    phi = np.empty(N)
    phi[ref] = theta
    for k in range(ref + 1, N):
        phi[k] = phi[k - 1] + alpha[k - 1]
    for k in range(ref - 1, -1, -1):
        phi[k] = phi[k + 1] - alpha[k]

    def rates(theta_dot, ad):
        ph = np.empty(N)
        ph[ref] = theta_dot
        for k in range(ref + 1, N):
            ph[k] = ph[k - 1] + ad[k - 1]
        for k in range(ref - 1, -1, -1):
            ph[k] = ph[k + 1] - ad[k]
        return ph

    t = np.stack([np.cos(phi), np.sin(phi)], axis=1)
    n = np.stack([-np.sin(phi), np.cos(phi)], axis=1)
    start = np.zeros((N + 1, 2))
    start[1:] = np.cumsum(L[:, None] * t, axis=0)
    start -= start[ref] + L[ref] / 2 * t[ref]                      # the pose point at the origin
    m = 30
    s = (np.arange(m) + 0.5) / m

    def force(Ux, Uy, theta_dot, ad):
        ph = rates(theta_dot, ad)
        v_start = np.zeros((N + 1, 2))
        v_start[1:] = np.cumsum((L * ph)[:, None] * n, axis=0)
        v_start -= v_start[ref] + L[ref] / 2 * ph[ref] * n[ref]
        F = np.zeros(3)
        for i in range(N):
            r = start[i] + np.outer(s * L[i], t[i])
            u = v_start[i] + np.outer(s * L[i] * ph[i], n[i]) + np.array([Ux, Uy])
            f = -(swimmer.xi_par * np.outer(u @ t[i], t[i]) + swimmer.xi_perp * np.outer(u @ n[i], n[i])) * L[i] / m
            F += [f[:, 0].sum(), f[:, 1].sum(), np.sum(r[:, 0] * f[:, 1] - r[:, 1] * f[:, 0])]
        return F

    M = np.column_stack([force(*e, np.zeros(N - 1)) for e in np.eye(3)])
    return list(np.linalg.solve(M, -force(0.0, 0.0, 0.0, alpha_dot)))


def swimmer_velocity_isotropic(swimmer, theta, alpha, alpha_dot):
    iso = stokes.link_swimmer(swimmer.lengths, swimmer.xi_par, swimmer.xi_par, ref=swimmer.ref)
    return swimmer_velocity(iso, theta, alpha, alpha_dot)


def swimmer_velocity_force_only(swimmer, theta, alpha, alpha_dot):
    """The force balance alone: (ẋ, ẏ) from two equations, θ̇ = 0."""
    alpha = np.asarray(alpha, dtype=float)
    q = np.r_[0.0, 0.0, theta, alpha]
    h = 1e-6

    def ends(q):
        return stokes.link_points(swimmer, q[0], q[1], q[2], q[3:])[0]

    def force(q_dot):
        P = ends(q)
        V = (ends(q + h * q_dot) - ends(q - h * q_dot)) / (2 * h)
        F = np.zeros(2)
        for i, L in enumerate(swimmer.lengths):
            t = (P[i + 1] - P[i]) / L
            u = (V[i] + V[i + 1]) / 2
            F += -(swimmer.xi_perp * u + (swimmer.xi_par - swimmer.xi_perp) * (u @ t) * t) * L
        return F

    M = np.column_stack([force(np.r_[e, 0.0, np.zeros_like(alpha)]) for e in np.eye(2)])
    return np.r_[np.linalg.solve(M, -force(np.r_[0.0, 0.0, 0.0, alpha_dot])), 0.0]


# ---- exercise 4 (build it): integrating the pose --------------------------------------------------------

def net_motion(velocity, stroke, period, n_steps=100):
    """The notebook's solution: classical RK4 on d(x, y, θ)/dt = velocity(θ, α(t), α̇(t))."""
    h, q = period / n_steps, np.zeros(3)

    def f(t, q):
        alpha, alpha_dot = stroke(t)
        return np.asarray(velocity(q[2], alpha, alpha_dot))

    for k in range(n_steps):
        t = k * h
        k1 = f(t, q)
        k2 = f(t + h / 2, q + h / 2 * k1)
        k3 = f(t + h / 2, q + h / 2 * k2)
        k4 = f(t + h, q + h * k3)
        q = q + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return q


def net_motion_scipy(velocity, stroke, period):
    """Another valid form: SciPy's adaptive Runge–Kutta, a tuple returned."""
    sol = solve_ivp(lambda t, q: velocity(q[2], *stroke(t)), (0.0, period), np.zeros(3), rtol=1e-9, atol=1e-12)
    return tuple(sol.y[:, -1])


def net_motion_euler(velocity, stroke, period, n_steps=200):
    h, q = period / n_steps, np.zeros(3)
    for k in range(n_steps):
        q = q + h * np.asarray(velocity(q[2], *stroke(k * h)))
    return q


# ---- exercise 5 ----------------------------------------------------------------------------------------

def effective_diffusion(v, tau, mean_cos, tau_tumble, d):
    v, tau, mean_cos, tau_tumble = map(np.asarray, (v, tau, mean_cos, tau_tumble))
    return v**2 * tau**2 / (d * (1 - mean_cos) * (tau + tau_tumble))


# ---- exercise 6 (build it): run and tumble in two dimensions ----------------------------------------------

def run_and_tumble_2d(n_walkers, t, v, tau_run, turn_angle, *, rng):
    """The notebook's solution: event by event, all walkers at once, positions cut at the sample times."""
    t = np.asarray(t, dtype=float)
    heading = rng.uniform(0, 2 * np.pi, n_walkers)
    clock, pos = np.zeros(n_walkers), np.zeros((n_walkers, 2))
    out = np.empty((n_walkers, t.size, 2))
    while clock.min() <= t[-1]:
        run = rng.exponential(tau_run, n_walkers)
        e = np.stack([np.cos(heading), np.sin(heading)], axis=1)
        for j, tj in enumerate(t):                       # sample times that fall inside this run
            inside = (clock <= tj) & (tj < clock + run)
            out[inside, j] = pos[inside] + v * (tj - clock[inside])[:, None] * e[inside]
        pos += v * run[:, None] * e
        clock += run
        heading += rng.choice([-1.0, 1.0], n_walkers) * turn_angle
    return out


def run_and_tumble_2d_stepped(n_walkers, t, v, tau_run, turn_angle, *, rng):
    """Another valid form: fixed time steps dt ≤ τ/200 that land on every sample time, a tumble with
    probability 1 − e^(−dt/τ) per step, one walker's heading as a unit vector rotated by a matrix."""
    t = np.asarray(t, dtype=float)
    out = np.empty((n_walkers, t.size, 2))
    phi = rng.uniform(0, 2 * np.pi, n_walkers)
    e = np.stack([np.cos(phi), np.sin(phi)], axis=1)
    x, now = np.zeros((n_walkers, 2)), 0.0
    c, s = np.cos(turn_angle), np.sin(turn_angle)
    for j, tj in enumerate(t):
        n = max(1, int(np.ceil((tj - now) / (tau_run / 200))))
        dt = (tj - now) / n
        for _ in range(n):
            x = x + v * dt * e
            tumble = rng.random(n_walkers) < -np.expm1(-dt / tau_run)
            sign = rng.choice([-1.0, 1.0], n_walkers)
            rot = np.stack([c * e[:, 0] - sign * s * e[:, 1], sign * s * e[:, 0] + c * e[:, 1]], axis=1)
            e = np.where(tumble[:, None], rot, e)
        out[:, j] = x
        now = tj
    return out


def run_and_tumble_2d_forgetful(n_walkers, t, v, tau_run, turn_angle, *, rng):
    """A new heading uniformly at random at every tumble."""
    return _variant(n_walkers, t, v, tau_run, rng=rng, new_heading=lambda h, n: rng.uniform(0, 2 * np.pi, n))


def run_and_tumble_2d_one_way(n_walkers, t, v, tau_run, turn_angle, *, rng):
    return _variant(n_walkers, t, v, tau_run, rng=rng, new_heading=lambda h, n: h + turn_angle)


def run_and_tumble_2d_degrees(n_walkers, t, v, tau_run, turn_angle, *, rng):
    return run_and_tumble_2d(n_walkers, t, v, tau_run, np.radians(turn_angle), rng=rng)


def run_and_tumble_2d_rate(n_walkers, t, v, tau_run, turn_angle, *, rng):
    return run_and_tumble_2d(n_walkers, t, v, 1 / tau_run, turn_angle, rng=rng)


def run_and_tumble_2d_overshoot(n_walkers, t, v, tau_run, turn_angle, *, rng):
    """Positions taken at the end of the run that crosses each sample time."""
    t = np.asarray(t, dtype=float)
    heading = rng.uniform(0, 2 * np.pi, n_walkers)
    clock, pos = np.zeros(n_walkers), np.zeros((n_walkers, 2))
    out = np.empty((n_walkers, t.size, 2))
    while clock.min() <= t[-1]:
        run = rng.exponential(tau_run, n_walkers)
        pos = pos + v * run[:, None] * np.stack([np.cos(heading), np.sin(heading)], axis=1)
        for j, tj in enumerate(t):
            inside = (clock <= tj) & (tj < clock + run)
            out[inside, j] = pos[inside]
        clock = clock + run
        heading = heading + rng.choice([-1.0, 1.0], n_walkers) * turn_angle
    return out


def brownian_2d(n_walkers, t, v, tau_run, turn_angle, *, rng):
    """Gaussian steps with the right long-time D: not a run-and-tumble walk."""
    D = v**2 * tau_run / (2 * (1 - np.cos(turn_angle)))
    dt = np.diff(np.r_[0.0, t])
    return np.cumsum(rng.normal(size=(n_walkers, len(t), 2)) * np.sqrt(2 * D * dt)[None, :, None], axis=1)


def _variant(n_walkers, t, v, tau_run, *, rng, new_heading):
    t = np.asarray(t, dtype=float)
    heading = rng.uniform(0, 2 * np.pi, n_walkers)
    clock, pos = np.zeros(n_walkers), np.zeros((n_walkers, 2))
    out = np.empty((n_walkers, t.size, 2))
    while clock.min() <= t[-1]:
        run = rng.exponential(tau_run, n_walkers)
        e = np.stack([np.cos(heading), np.sin(heading)], axis=1)
        for j, tj in enumerate(t):
            inside = (clock <= tj) & (tj < clock + run)
            out[inside, j] = pos[inside] + v * (tj - clock[inside])[:, None] * e[inside]
        pos += v * run[:, None] * e
        clock += run
        heading = new_heading(heading, n_walkers)
    return out


def run_and_tumble_2d_fixed_start(n_walkers, t, v, tau_run, turn_angle, *, rng):
    """Every walker starts heading along +x."""
    t = np.asarray(t, dtype=float)
    heading = np.zeros(n_walkers)
    clock, pos = np.zeros(n_walkers), np.zeros((n_walkers, 2))
    out = np.empty((n_walkers, t.size, 2))
    while clock.min() <= t[-1]:
        run = rng.exponential(tau_run, n_walkers)
        e = np.stack([np.cos(heading), np.sin(heading)], axis=1)
        for j, tj in enumerate(t):
            inside = (clock <= tj) & (tj < clock + run)
            out[inside, j] = pos[inside] + v * (tj - clock[inside])[:, None] * e[inside]
        pos += v * run[:, None] * e
        clock += run
        heading += rng.choice([-1.0, 1.0], n_walkers) * turn_angle
    return out


# ---- exercises 7 and 8 ---------------------------------------------------------------------------------

def receptors(a, s, capture):
    N = capture / (1 - capture) * np.pi * a / s
    return N, N * np.pi * s**2 / (4 * np.pi * a**2)


def averaging_time(precision, D, a, c_molar):
    c = np.asarray(c_molar) * 1e3 * N_A
    return 1 / (D * a * c * np.asarray(precision) ** 2)


CASES = {
    "stokes.viscosity_for_reynolds": Cases(
        reference=viscosity_for_reynolds,
        valid=[lambda Re, L, v, rho: [r * vv * ll / re for re, ll, vv, r in zip(Re, L, v, rho)]],
        mistakes=[Mistake(lambda Re, L, v, rho: v * L / Re, says="kinematic viscosity"),
                  Mistake(lambda Re, L, v, rho: Re / (rho * v * L), says="upside down"),
                  Mistake(lambda Re, L, v, rho: rho * v * L / Re[0], says="η is not right"),
                  Mistake(lambda Re, L, v, rho: {"eta": rho * v * L / Re}, says="should be numbers")],
    ),
    "stokes.coast": Cases(
        reference=coast,
        valid=[coast_stacked],
        mistakes=[Mistake(lambda a, v, r, e, t: coast(a, v, 0.75 * r, e, t), says="4/3 is missing"),
                  Mistake(coast_with_diameter, says="radius"),
                  Mistake(lambda a, v, r, e, t: (coast(a, v, r, e, t)[0], v * t), says="ignores the drag"),
                  Mistake(lambda a, v, r, e, t: coast(a, v, r, e, t)[::-1], says="order (v(t), x(t))"),
                  Mistake(lambda a, v, r, e, t: {"v": coast(a, v, r, e, t)[0]}, says="should be numbers")],
    ),
    "stokes.swimmer_velocity": Cases(
        reference=swimmer_velocity,
        valid=[swimmer_velocity_analytic, lambda sw, th, a, ad: swimmer_velocity(sw, th, a, ad, nodes=25)],
        mistakes=[Mistake(swimmer_velocity_isotropic, says="isotropic"),
                  Mistake(lambda sw, th, a, ad: swimmer_velocity(
                      stokes.link_swimmer(sw.lengths, sw.xi_perp, sw.xi_par, ref=sw.ref), th, a, ad), says="swapped"),
                  Mistake(swimmer_velocity_force_only, says="torque must vanish"),
                  Mistake(lambda sw, th, a, ad: -swimmer_velocity(sw, th, a, ad), says="wrong way"),
                  Mistake(lambda sw, th, a, ad: swimmer_velocity(sw, th, a, ad, nodes=3), says="(ẋ, ẏ, θ̇) is not right"),
                  Mistake(lambda sw, th, a, ad: swimmer_velocity(sw, th, a, ad)[:2], says="wrong shape")],
    ),
    "stokes.net_motion": Cases(
        reference=net_motion,
        valid=[lambda vel, st, T: net_motion(vel, st, T, n_steps=24), net_motion_scipy],
        mistakes=[Mistake(net_motion_euler, says="integrator's error"),
                  Mistake(lambda vel, st, T: net_motion(vel, st, T / 2), says="not right"),
                  Mistake(lambda vel, st, T: net_motion(vel, st, T)[:2], says="wrong shape"),
                  Mistake(lambda vel, st, T: net_motion(vel, st, 1.0), says="not right"),
                  Mistake(lambda vel, st, T: vel(0.0, *st(0.0)), says="not right"),
                  Mistake(lambda vel, st, T: vel(0.0, st(0.0)), says="missing 1 required positional", status="error"),
                  Mistake(lambda vel, st, T: vel(0.0, np.zeros(3), np.zeros(3)), says="takes alpha and alpha_dot",
                          status="error")],
    ),
    "stokes.effective_diffusion": Cases(
        reference=effective_diffusion,
        valid=[lambda v, tau, a, tt, d: stokes.effective_diffusion(v, tau, a, tt) * 3 / d],
        mistakes=[Mistake(lambda v, tau, a, tt, d: effective_diffusion(v, tau, a, 0 * tt, d), says="tumbles' time"),
                  Mistake(lambda v, tau, a, tt, d: effective_diffusion(v, tau, a, tt, 3), says="dimension d"),
                  Mistake(lambda v, tau, a, tt, d: effective_diffusion(v, tau, -a, tt, d), says="1 − ⟨cos θ⟩"),
                  Mistake(lambda v, tau, a, tt, d: effective_diffusion(v, tau, a, tt, 2 * d), says="twice too small"),
                  Mistake(lambda v, tau, a, tt, d: v**2 * tau / (d * (1 - a)), says="tumbles' time")],
    ),
    "stokes.run_and_tumble_2d": Cases(
        reference=run_and_tumble_2d,
        valid=[run_and_tumble_2d_stepped],
        mistakes=[Mistake(run_and_tumble_2d_forgetful, says="ignores the old one"),
                  Mistake(run_and_tumble_2d_one_way, says="same way"),
                  Mistake(run_and_tumble_2d_degrees, says="radians"),
                  Mistake(run_and_tumble_2d_rate, says="mean 1/τ"),
                  Mistake(run_and_tumble_2d_overshoot, says="constant speed v"),
                  Mistake(brownian_2d, says="constant speed v"),
                  Mistake(run_and_tumble_2d_fixed_start, says="uniformly random heading"),
                  Mistake(lambda n, t, v, tau, th, *, rng: run_and_tumble_2d(n, t, v, tau, th, rng=rng).transpose(1, 0, 2),
                          says="swapped"),
                  Mistake(lambda n, t, v, tau, th, *, rng: run_and_tumble_2d(n, t, v, tau, th, rng=rng)[:, -1],
                          says="shape (n_walkers, len(t), 2)")],
        seeds=3,
    ),
    "stokes.receptors": Cases(
        reference=receptors,
        valid=[lambda a, s, f: np.array([f * np.pi * a / ((1 - f) * s), f * np.pi**2 * a / ((1 - f) * 4 * np.pi * a**2) * s])],
        mistakes=[Mistake(lambda a, s, f: receptors(a, s, 0.5), says="half-maximal"),
                  Mistake(lambda a, s, f: (receptors(a, s, f)[0], 4 * receptors(a, s, f)[1]), says="4πa²"),
                  Mistake(lambda a, s, f: (2 * f * np.pi * a / s, 2 * f * np.pi * s / (4 * a)), says="not proportional"),
                  Mistake(lambda a, s, f: {"N": receptors(a, s, f)[0], "fraction": receptors(a, s, f)[1]},
                          says="should be numbers")],
    ),
    "stokes.averaging_time": Cases(
        reference=averaging_time,
        valid=[lambda p, D, a, c: (1 / p) ** 2 / (D * a * c * 6.02214076e26)],
        mistakes=[Mistake(lambda p, D, a, c: averaging_time(p, D, a, c / 1e3), says="10³ mol/m³"),
                  Mistake(lambda p, D, a, c: averaging_time(np.sqrt(p), D, a, c), says="square the precision"),
                  Mistake(lambda p, D, a, c: averaging_time(p, D, a, c / N_A), says="avogadro")],
    ),
    "stokes.which_swim": Cases(
        reference="bce",
        valid=[{"b", "c", "e"}, ["e", "b", "c"], "B, C, E"],
        mistakes=[Mistake("abce", says="1 of the seven"), Mistake("bc", says="shear-thinning"),
                  Mistake("bcef", says="handedness"), Mistake("bcg", says="2 of the seven"),
                  Mistake("xyz", says="only the letters"), Mistake(3, says="letters of the statements")],
    ),
}

test_case = checkcases.tests(CASES)


def test_a_correct_rk4_with_few_steps_passes():
    """Issue 15: net_motion rejected a correct RK4 with 24–50 steps (residue 1e-6)."""
    for n in (24, 30, 50):
        for seed in range(6):
            v = checkcases.verdict("stokes.net_motion", lambda vel, st, T: net_motion(vel, st, T, n_steps=n), seed)
            assert v.status == "passed", (n, seed, v.render())


def test_the_run_and_tumble_check_has_few_false_alarms():
    """Ten more seeds of the reference: at 5 standard errors a correct simulator is never failed here."""
    for seed in range(2000, 2010):
        assert checkcases.verdict("stokes.run_and_tumble_2d", run_and_tumble_2d, seed).status == "passed"
