"""Week 11 — life at low Reynolds number.

Dimensionless numbers (the Reynolds number and Purcell's stirring number S, a Péclet number), Stokes
drag and how far a bacterium coasts (Purcell 1977); a resistive-force-theory (RFT) simulator of planar
chains of slender links — the scallop (one hinge) and Purcell's three-link swimmer (Purcell 1977;
Becker, Koehler & Stone 2003) — and the rotating helix of *E. coli*; run-and-tumble random walks and
the biased walk up a gradient after Berg & Brown (1972); the receptor result of Berg & Purcell (1977).

Notation (chapter 11): ``rho`` the fluid's density (kg/m³), ``eta`` its dynamic viscosity (Pa·s;
water's values are in :mod:`coursekit.constants`),
``L`` or ``radius`` a size (m), ``v`` a speed, ``D`` a diffusion coefficient; ``xi_par`` and
``xi_perp`` the RFT drag coefficients per unit length, ξ_∥ and ξ_⊥; a swimmer's links have lengths
``L_i`` and angles φ_i, its joint angles are α_j = φ_{j+1} − φ_j (the *shape*), its *pose* is the
centre (x, y) and angle θ of a reference link. For run-and-tumble: ``v`` the run speed, ``tau_run`` and
``tau_tumble`` the mean run and tumble durations, ``mean_cos`` = ⟨cos θ⟩ over turn angles θ, ``beta``
the chemotactic bias. Run-and-tumble functions work in the units of their arguments (µm and s in the
chapter); the Reynolds and drag functions in SI units. Arguments come in the order geometry (sizes),
kinematics (speeds, rates), medium (viscosity, density); the ensemble MSD of run-and-tumble tracks
is :func:`coursekit.diffusion.msd_ensemble`, and :func:`coursekit.plotting.animate_swimmer` and
:func:`coursekit.plotting.draw_swimmer` draw the swimmers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ._numerics import scalar_or_array
from ._validate import (OneOf, Real, Rng, as_array, check_callable, in_range, nonnegative, positive, positive_int,
                        validate)
from .constants import WATER_ETA, WATER_RHO

__all__ = [
    "BERG_BROWN",
    "reynolds_number", "stokes_drag", "Coasting", "coasting", "peclet_number",
    "LinkSwimmer", "link_swimmer", "scallop", "purcell_swimmer", "link_angles", "link_points",
    "SwimResult", "swim", "cycle_displacement",
    "purcell_stroke", "scallop_stroke", "fourier_stroke", "reciprocal_stroke", "reversed_stroke",
    "DragCoefficients", "gray_hancock", "helix_propulsion", "HelixSwim", "helix_swimmer",
    "turn_cosines", "mean_turn_angle", "turn", "RunTumble", "run_and_tumble",
    "effective_diffusion", "persistent_msd", "chemotactic_drift",
    "receptor_capture", "half_max_receptors", "receptor_coverage", "sensing_precision",
]

# Berg & Brown (1972), wild-type E. coli in an isotropic solution: mean speed (µm/s), mean run and
# tumble durations (s), mean turn angle between successive runs (degrees).
BERG_BROWN = {"v": 14.2, "tau_run": 0.86, "tau_tumble": 0.14, "turn_deg": 68.0}


def _positive_array(x, name: str) -> np.ndarray:
    arr = as_array(x, name=name)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0; got {arr[arr <= 0].flat[0]:g}")
    return arr


def _nonnegative_array(x, name: str) -> np.ndarray:
    arr = as_array(x, name=name)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0; got {arr[arr < 0].flat[0]:g}")
    return arr


# --------------------------------------------------------------------------------------------
# Dimensionless numbers and Stokes drag
# --------------------------------------------------------------------------------------------

def reynolds_number(L, v, rho=WATER_RHO, eta=WATER_ETA):
    """Re = ρ v L / η = v L / ν: inertial over viscous forces (Purcell 1977, Fig. 1).

    L: size (m), v: speed (m/s), rho: fluid density (kg/m³), eta: dynamic viscosity (Pa·s); water by
    default. Arrays broadcast. In water ν ≈ 10⁻⁶ m²/s, so a 1 µm bacterium at 30 µm/s has Re = 3·10⁻⁵.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    L, v = _positive_array(L, "L"), _positive_array(v, "v")
    rho, eta = _positive_array(rho, "rho"), _positive_array(eta, "eta")
    return scalar_or_array(rho * v * L / eta)


def stokes_drag(radius, v, eta=WATER_ETA):
    """Stokes' drag on a sphere, F = 6π η a v (N), valid for Re ≪ 1.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    a, v = _positive_array(radius, "radius"), as_array(v, name="v")
    eta = _positive_array(eta, "eta")
    return scalar_or_array(6 * np.pi * eta * a * v)


@dataclass
class Coasting:
    """How long (``tau``, s) and how far (``distance``, m) a sphere coasts after its motor stops.

    Used in: week 11, notebooks/11-low-reynolds.ipynb, through :func:`coasting`.
    """
    tau: float | np.ndarray
    distance: float | np.ndarray


def coasting(radius, v, rho_body=WATER_RHO, eta=WATER_ETA) -> Coasting:
    """How far and how long a sphere coasts after its motor stops.

    m dv/dt = −6πηa v with m = (4/3)πa³ρ_body gives v(t) = v₀ e^{−t/τ}, τ = m/(6πηa) = 2ρa²/(9η),
    and a total coasting distance d = v₀ τ. Purcell (1977): for a bacterium "less than an atom".
    radius (m), v (m/s), rho_body (kg/m³), eta (Pa·s); arrays broadcast.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    a, v = _positive_array(radius, "radius"), _positive_array(v, "v")
    rho_body, eta = _positive_array(rho_body, "rho_body"), _positive_array(eta, "eta")
    tau = 2 * rho_body * a**2 / (9 * eta)
    return Coasting(scalar_or_array(tau), scalar_or_array(v * tau))


def peclet_number(L, v, D):
    """Pe = v L / D: transport by motion over transport by diffusion across a length L.

    Purcell (1977) calls it S, the stirring number: a bacterium (L ≈ 1 µm, v ≈ 30 µm/s) in a nutrient
    with D ≈ 10⁻⁹ m²/s has S ≈ 0.03 — swimming or stirring cannot beat diffusion at that scale. It is
    the (mass-transfer) Péclet number; the Sherwood number that Purcell's footnote names is another
    quantity, the dimensionless mass-transfer rate Sh = kL/D, which depends on Pe (Sh → 2 for a sphere,
    with L its diameter, as Pe → 0).
    L (m), v (m/s), D (m²/s); arrays broadcast.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    L, v, D = _positive_array(L, "L"), _positive_array(v, "v"), _positive_array(D, "D")
    return scalar_or_array(v * L / D)


# --------------------------------------------------------------------------------------------
# Resistive-force theory for planar chains of slender links
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LinkSwimmer:
    """A planar chain of N straight slender links joined by N − 1 hinges, in RFT.

    The pose is (x, y, θ): the centre and angle of link ``ref``; the shape is α (N − 1 joint angles).
    Internally each link carries Gauss–Legendre nodes: ``c[p, k]`` says how node p's position depends
    on the unit vector of link k, r_p = X + Σ_k c[p, k] t̂(φ_k); ``link[p]`` is its link and ``w[p]``
    its quadrature weight; φ = θ + S α.

    Used in: week 11, notebooks/11-low-reynolds.ipynb, through :func:`cycle_displacement`,
    :func:`purcell_swimmer` and 2 other functions and classes of the module.
    """
    lengths: np.ndarray
    xi_par: float
    xi_perp: float
    ref: int
    c: np.ndarray = field(repr=False)
    link: np.ndarray = field(repr=False)
    w: np.ndarray = field(repr=False)
    S: np.ndarray = field(repr=False)

    @property
    def n_links(self) -> int:
        return self.lengths.size

    @property
    def n_joints(self) -> int:
        return self.lengths.size - 1


def link_swimmer(lengths, xi_par: float = 1.0, xi_perp: float = 2.0, ref: int | None = None) -> LinkSwimmer:
    """A chain of slender links with lengths ``lengths`` and local drag ξ_∥, ξ_⊥ per unit length.

    RFT: a piece ds of a link moving with velocity u feels f ds = −[ξ_∥ t̂t̂ᵀ + ξ_⊥ (I − t̂t̂ᵀ)] u ds;
    for a thin filament ξ_⊥ ≈ 2ξ_∥ (Gray & Hancock 1955). ``ref`` (default: the middle link) is the link
    whose centre and angle define the pose.

    Used in: week 11, notebooks/11-low-reynolds.ipynb, through :func:`purcell_swimmer` and :func:`scallop`.
    """
    L = as_array(lengths, name="lengths", ndim=1)
    if L.size < 2:
        raise ValueError(f"lengths must name at least 2 links (one hinge); got {L.size}")
    if np.any(L <= 0):
        raise ValueError(f"lengths must be > 0; got {L[L <= 0][0]:g}")
    xi_par, xi_perp = positive(xi_par, name="xi_par"), positive(xi_perp, name="xi_perp")
    N = L.size
    ref = N // 2 if ref is None else ref
    if isinstance(ref, bool) or not isinstance(ref, (int, np.integer)) or not 0 <= ref < N:
        raise ValueError(f"ref must be a link index in [0, {N - 1}]; got {ref!r}")
    # two Gauss–Legendre nodes per link integrate the quadratic-in-s drag integrands exactly
    x, wg = np.polynomial.legendre.leggauss(2)
    c, link, w = [], [], []
    for i in range(N):
        base = np.zeros(N)
        base[ref] -= L[ref] / 2                    # from the centre of link ref back to its start ...
        base[:ref] -= L[:ref]                      # ... back to the start of link 0 ...
        base[:i] += L[:i]                          # ... forward to the start of link i
        for xg, wgi in zip(x, wg):
            s = L[i] * (1 + xg) / 2
            ci = base.copy()
            ci[i] += s
            c.append(ci)
            link.append(i)
            w.append(wgi * L[i] / 2)
    S = np.zeros((N, N - 1))                       # φ_k = θ + Σ_j S_kj α_j, α_j = φ_{j+1} − φ_j
    for k in range(N):
        S[k, ref:k] = 1.0
        S[k, k:ref] = -1.0
    return LinkSwimmer(L, xi_par, xi_perp, int(ref), np.array(c), np.array(link), np.array(w), S)


def scallop(arm: float = 1.0, xi_par: float = 1.0, xi_perp: float = 2.0) -> LinkSwimmer:
    """Purcell's scallop: two equal links and one hinge; the pose is that of link 1. The shape α is the
    angle between the two shells' directions: α = 0 is opened out flat, |α| → π is shut.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    return link_swimmer([arm, arm], xi_par, xi_perp, ref=1)


def purcell_swimmer(arm: float = 1.0, body: float = 1.0, xi_par: float = 1.0,
                    xi_perp: float = 2.0) -> LinkSwimmer:
    """Purcell's three-link swimmer: two arms of length ``arm`` hinged to a middle link of length
    ``body``; the pose is the centre and angle of the middle link (Purcell 1977; Becker et al. 2003).

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    return link_swimmer([arm, body, arm], xi_par, xi_perp, ref=1)


def link_angles(swimmer: LinkSwimmer, theta, alpha) -> np.ndarray:
    """φ = θ + S α for a batch: theta (B,), alpha (B, N − 1) → (B, N).

    Used in: week 11, notebooks/11-low-reynolds.ipynb, through :func:`coursekit.plotting.animate_swimmer` and
    :func:`coursekit.plotting.draw_swimmer`.
    """
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    alpha = np.atleast_2d(np.asarray(alpha, dtype=float))
    return theta[:, None] + alpha @ swimmer.S.T


def link_points(swimmer: LinkSwimmer, x, y, theta, alpha) -> np.ndarray:
    """Coordinates of the N + 1 link ends (joints and tips), shape (B, N + 1, 2), for drawing.

    Used in: week 11, notebooks/11-low-reynolds.ipynb, through :func:`coursekit.plotting.animate_swimmer` and
    :func:`coursekit.plotting.draw_swimmer`.
    """
    phi = link_angles(swimmer, theta, alpha)
    t = np.stack([np.cos(phi), np.sin(phi)], axis=-1)                    # (B, N, 2)
    steps = swimmer.lengths[None, :, None] * t
    start = np.cumsum(np.concatenate([np.zeros_like(steps[:, :1]), steps], axis=1), axis=1)
    centre_ref = start[:, swimmer.ref] + steps[:, swimmer.ref] / 2
    X = np.stack([np.atleast_1d(x), np.atleast_1d(y)], axis=-1).astype(float)
    return start - centre_ref[:, None, :] + X[:, None, :]


def _resistance_matrix(swimmer: LinkSwimmer, theta, alpha) -> np.ndarray:
    """The RFT resistance matrix R(θ, α), shape (B, 3 + M, 3 + M), for q = (x, y, θ, α₁ … α_M).

    The generalised forces the fluid exerts are Q = −R q̇, R = Σ_links ∫ Jᵀ K J ds with J = ∂r/∂q and
    K = ξ_∥ t̂t̂ᵀ + ξ_⊥ (I − t̂t̂ᵀ); R is symmetric positive definite and q̇ᵀR q̇ is the power dissipated.
    Its first three rows are the total force (x, y) and the torque about the pose point.

    Private: building this balance is week 11's exercise (``swimmer_velocity``); :func:`swim` uses it.
    """
    phi = link_angles(swimmer, theta, alpha)                              # (B, N)
    t = np.stack([np.cos(phi), np.sin(phi)], axis=-1)                    # (B, N, 2)
    n = np.stack([-np.sin(phi), np.cos(phi)], axis=-1)
    B, P = phi.shape[0], swimmer.c.shape[0]
    J_phi = np.einsum("pk,bkd->bpdk", swimmer.c, n)                      # ∂r_p/∂φ_k = c_pk n̂_k
    J = np.empty((B, P, 2, 3 + swimmer.n_joints))
    J[..., :2] = np.eye(2)
    J[..., 2] = J_phi.sum(axis=-1)                                        # ∂φ_k/∂θ = 1
    J[..., 3:] = J_phi @ swimmer.S                                        # ∂φ_k/∂α_j = S_kj
    tp = t[:, swimmer.link]                                               # (B, P, 2)
    K = swimmer.xi_perp * np.eye(2) + (swimmer.xi_par - swimmer.xi_perp) * tp[..., :, None] * tp[..., None, :]
    KJ = K @ J
    return np.einsum("p,bpdi,bpdj->bij", swimmer.w, J, KJ)


def _body_velocity(swimmer: LinkSwimmer, theta, alpha, alpha_dot) -> np.ndarray:
    """(ẋ, ẏ, θ̇) of a free swimmer, shape (B, 3), given its shape α and shape velocity α̇.

    No inertia, so the total force and torque vanish at every instant:
    R_bb (ẋ, ẏ, θ̇) + R_bs α̇ = 0 ⇒ (ẋ, ẏ, θ̇) = −R_bb⁻¹ R_bs α̇ (Purcell 1977; Becker et al. 2003).

    Private: it is the answer of week 11's build-it exercise ``swimmer_velocity``; :func:`swim` uses it.
    """
    R = _resistance_matrix(swimmer, theta, alpha)
    rhs = R[:, :3, 3:] @ np.atleast_2d(np.asarray(alpha_dot, dtype=float))[..., None]
    return -np.linalg.solve(R[:, :3, :3], rhs)[..., 0]


def _velocity_function(swimmer: LinkSwimmer) -> Callable:
    """velocity(θ, α, α̇) → (ẋ, ẏ, θ̇) of a free ``swimmer``: one configuration (θ a number, α and α̇
    of shape (M,)) gives shape (3,); a batch (θ (B,), α and α̇ (B, M)) gives (B, 3).

    Handed to students' integrators by week 11's check ``stokes.net_motion``; it lives here, in the
    model, so that an error from a bad call is reported as the caller's.
    """
    M = swimmer.n_joints

    def velocity(theta, alpha, alpha_dot):
        th = np.asarray(theta, dtype=float)
        a, ad = np.asarray(alpha, dtype=float), np.asarray(alpha_dot, dtype=float)
        single = th.ndim == 0
        if a.shape[-1:] != (M,) or ad.shape != a.shape or (single and a.ndim != 1):
            raise ValueError(f"velocity(theta, alpha, alpha_dot) takes alpha and alpha_dot of shape ({M},) "
                             f"(or ({M},) per row of a batch); got shapes {a.shape} and {ad.shape}")
        V = _body_velocity(swimmer, np.atleast_1d(th), np.atleast_2d(a), np.atleast_2d(ad))
        return V[0] if single else V

    return velocity


@dataclass
class SwimResult:
    """A simulated swim: times ``t`` (T,), poses ``x``, ``y``, ``theta`` (B, T), shapes ``alpha``
    (B, T, M); B strokes integrated side by side.

    Used in: week 11, notebooks/11-low-reynolds.ipynb, through :func:`swim`.
    """
    t: np.ndarray
    x: np.ndarray
    y: np.ndarray
    theta: np.ndarray
    alpha: np.ndarray = field(repr=False)


def _stroke_eval(stroke, t, M):
    a, ad = stroke(t)
    a = np.atleast_2d(np.asarray(a, dtype=float))
    ad = np.atleast_2d(np.asarray(ad, dtype=float))
    if a.shape[-1] != M or ad.shape != a.shape:
        raise ValueError(f"stroke(t) must return (alpha, alpha_dot), each of shape (M,) or (B, M) with "
                         f"M = {M} joint angles; got shapes {a.shape} and {ad.shape}")
    return a, ad


def swim(swimmer: LinkSwimmer, stroke: Callable, t_end: float, n_steps: int = 400,
         pose0=(0.0, 0.0, 0.0)) -> SwimResult:
    """Integrate the pose of a free swimmer whose shape follows ``stroke`` (classical RK4, fixed step).

    stroke(t) → (α, α̇), each of shape (M,) or (B, M): B strokes are integrated at once, vectorised.
    The pose obeys d(x, y, θ)/dt = V(θ, α(t), α̇(t)) from the zero-force, zero-torque balance; RK4's error is
    O(h⁴): a few hundred steps per smooth stroke period give net displacements good to ~1e-10 of a length.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    check_callable(stroke, name="stroke")
    t_end = positive(t_end, name="t_end")
    n_steps = positive_int(n_steps, name="n_steps")
    M = swimmer.n_joints
    a0, _ = _stroke_eval(stroke, 0.0, M)
    B = a0.shape[0]
    q = np.broadcast_to(as_array(pose0, name="pose0"), (B, 3)).astype(float).copy()
    h = t_end / n_steps
    ts = np.linspace(0.0, t_end, n_steps + 1)

    def f(t, q):
        a, ad = _stroke_eval(stroke, t, M)
        return _body_velocity(swimmer, q[:, 2], np.broadcast_to(a, (B, M)), np.broadcast_to(ad, (B, M)))

    poses = np.empty((n_steps + 1, B, 3))
    alphas = np.empty((n_steps + 1, B, M))
    poses[0], alphas[0] = q, np.broadcast_to(a0, (B, M))
    for k in range(n_steps):
        t = ts[k]
        k1 = f(t, q)
        k2 = f(t + h / 2, q + h / 2 * k1)
        k3 = f(t + h / 2, q + h / 2 * k2)
        k4 = f(t + h, q + h * k3)
        q = q + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        poses[k + 1] = q
        alphas[k + 1] = np.broadcast_to(_stroke_eval(stroke, ts[k + 1], M)[0], (B, M))
    return SwimResult(ts, poses[..., 0].T, poses[..., 1].T, poses[..., 2].T, alphas.transpose(1, 0, 2))


def cycle_displacement(swimmer: LinkSwimmer, stroke: Callable, period: float = 1.0,
                       n_steps: int = 400, cycles: int = 1) -> np.ndarray:
    """Net (Δx, Δy, Δθ) of the pose after ``cycles`` stroke periods, from pose (0, 0, 0); shape (B, 3).

    Scallop theorem (Purcell 1977): for a reciprocal stroke — one whose shape path retraces itself —
    this is exactly zero; the simulator gets it to round-off.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    cycles = positive_int(cycles, name="cycles")
    res = swim(swimmer, stroke, cycles * positive(period, name="period"), n_steps * cycles)
    return np.stack([res.x[:, -1], res.y[:, -1], res.theta[:, -1]], axis=-1)


# Strokes: callables t → (α, α̇). Amplitudes may be arrays of shape (B,) to integrate B strokes at once.

@validate(kind=OneOf("square", "ellipse"))
def purcell_stroke(amplitude, period: float = 1.0, kind: str = "square") -> Callable:
    """Purcell's non-reciprocal cycle in the shape plane (α₁, α₂) of the three-link swimmer.

    ``"square"``: Purcell's four moves — one arm sweeps while the other is held — round the square
    (A, A) → (−A, A) → (−A, −A) → (A, −A) → (A, A), one move per quarter period. Each move follows the
    smooth ramp s(u) = u − sin(2πu)/2π, so α̇ is continuous (zero at the corners) and RK4 keeps its
    order; the net motion depends only on the path in shape space, not on the pace along it.
    ``"ellipse"``: the smooth version α₁ = A cos ωt, α₂ = A sin ωt (the same sense of rotation).

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    A = as_array(amplitude, name="amplitude")
    if np.any(np.abs(A) >= np.pi / 2):
        raise ValueError(f"amplitude must be below π/2 in magnitude (the arms would cross the body); "
                         f"got {A[np.abs(A) >= np.pi / 2].flat[0]:g}")
    T = positive(period, name="period")
    corners = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1], [1, 1]], dtype=float)
    A_col = A[..., None]

    def stroke(t):
        if kind == "ellipse":
            w = 2 * np.pi / T
            a = np.array([np.cos(w * t), np.sin(w * t)])
            ad = w * np.array([-np.sin(w * t), np.cos(w * t)])
            return A_col * a, A_col * ad
        q = 4 * ((t / T) % 1.0)
        k = min(int(q), 3)
        u = q - k
        s = u - np.sin(2 * np.pi * u) / (2 * np.pi)
        sd = (1 - np.cos(2 * np.pi * u)) * 4 / T
        edge = corners[k + 1] - corners[k]
        return A_col * (corners[k] + s * edge), A_col * (sd * edge)

    return stroke


def scallop_stroke(alpha_mean: float = 0.0, amplitude: float = 1.0, asymmetry: float = 0.0,
                   period: float = 1.0) -> Callable:
    """A reciprocal stroke of the scallop: α(t) = α̅ − A cos 2πs(t), with the time warp
    s(t) = t/T + (ε/2π)(1 − cos 2πt/T), |ε| < 1, so that ṡ = (1 + ε sin 2πt/T)/T > 0.

    ε = 0 opens and shuts at the same pace; ε > 0 opens fast and shuts slowly, ε < 0 opens slowly and
    snaps shut — and still, by the scallop theorem, the net displacement per period is zero.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    a0 = as_array(alpha_mean, name="alpha_mean")
    A = as_array(amplitude, name="amplitude")
    eps = in_range(asymmetry, -1, 1, name="asymmetry", closed="neither")
    T = positive(period, name="period")

    def stroke(t):
        w = 2 * np.pi / T
        s = t / T + eps / (2 * np.pi) * (1 - np.cos(w * t))
        sd = (1 + eps * np.sin(w * t)) / T
        a = a0 - A * np.cos(2 * np.pi * s)
        ad = A * 2 * np.pi * np.sin(2 * np.pi * s) * sd
        return np.asarray(a)[..., None], np.asarray(ad)[..., None]

    return stroke


def fourier_stroke(alpha0, cos_coeffs, sin_coeffs, period: float = 1.0) -> Callable:
    """α(t) = α₀ + Σ_k [a_k cos(2πkt/T) + b_k sin(2πkt/T)], k = 1 … K: any smooth closed stroke.

    alpha0: (M,); cos_coeffs, sin_coeffs: (K, M), one row of joint-angle amplitudes per harmonic.
    With a leading batch axis — alpha0 (B, M), coefficients (B, K, M) — it describes B strokes at once.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    a0 = as_array(alpha0, name="alpha0", ndim=(1, 2))
    C = as_array(cos_coeffs, name="cos_coeffs", ndim=(2, 3))
    Sn = as_array(sin_coeffs, name="sin_coeffs", ndim=(2, 3))
    if C.shape != Sn.shape or C.shape[-1] != a0.shape[-1] or (C.ndim == 3) != (a0.ndim == 2):
        raise ValueError(f"cos_coeffs and sin_coeffs must both have shape (K, M) for alpha0 of shape (M,), "
                         f"or (B, K, M) for (B, M); got {C.shape} and {Sn.shape} for {a0.shape}")
    T = positive(period, name="period")
    k = np.arange(1, C.shape[-2] + 1)[:, None]

    def stroke(t):
        ph = 2 * np.pi * k * t / T
        a = a0 + np.sum(C * np.cos(ph) + Sn * np.sin(ph), axis=-2)
        ad = np.sum((2 * np.pi * k / T) * (-C * np.sin(ph) + Sn * np.cos(ph)), axis=-2)
        return a, ad

    return stroke


def reciprocal_stroke(alpha0, direction, cos_coeffs, sin_coeffs, period: float = 1.0) -> Callable:
    """α(t) = α₀ + f(t) d with a periodic scalar f(t) = Σ_k a_k cos(2πkt/T) + b_k sin(2πkt/T).

    The shape moves back and forth along one line through shape space, so whatever f does — fast one
    way, slow the other, with wiggles — the path retraces itself: a reciprocal stroke. Shapes: alpha0
    and direction (M,), coefficients (K,); or with a batch axis, (B, M) and (B, K) for B strokes.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    d = as_array(direction, name="direction", ndim=(1, 2))
    ca = as_array(cos_coeffs, name="cos_coeffs", ndim=(1, 2))
    sb = as_array(sin_coeffs, name="sin_coeffs", ndim=(1, 2))
    if ca.shape != sb.shape or ca.ndim != d.ndim:
        raise ValueError(f"cos_coeffs and sin_coeffs must have the same shape, (K,) for a direction of shape "
                         f"(M,) or (B, K) for (B, M); got {ca.shape}, {sb.shape} and {d.shape}")
    return fourier_stroke(alpha0, ca[..., :, None] * d[..., None, :], sb[..., :, None] * d[..., None, :], period)


def reversed_stroke(stroke: Callable, period: float = 1.0) -> Callable:
    """The same shape cycle run backwards in time: α_rev(t) = α(T − t), α̇_rev(t) = −α̇(T − t).

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    check_callable(stroke, name="stroke")
    T = positive(period, name="period")

    def rev(t):
        tr = (T - t) % T
        a, ad = stroke(tr)
        return a, -np.asarray(ad)

    return rev


# --------------------------------------------------------------------------------------------
# The rotating helix: E. coli's solution
# --------------------------------------------------------------------------------------------

@dataclass
class DragCoefficients:
    """Resistive-force drag per unit length of a slender filament (N·s/m²): along it, ``xi_par``
    (ξ_∥), and across it, ``xi_perp`` (ξ_⊥).

    Used in: week 11, notebooks/11-low-reynolds.ipynb, through :func:`gray_hancock`.
    """
    xi_par: float
    xi_perp: float


@validate(wavelength=Real(0, None, closed="neither"), filament_radius=Real(0, None, closed="neither"),
          eta=Real(0, None, closed="neither"))
def gray_hancock(wavelength: float, filament_radius: float, eta: float = WATER_ETA) -> DragCoefficients:
    """Gray & Hancock's (1955) RFT coefficients for a thin filament of radius b, wavelength λ:
    ξ_∥ = 2πη / (ln(2λ/b) − ½), ξ_⊥ = 4πη / (ln(2λ/b) + ½) — their ratio is close to 2.
    wavelength and filament_radius in m, eta in Pa·s (water by default).

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    log = np.log(2 * wavelength / filament_radius)
    if log <= 0.5:
        raise ValueError(f"filament_radius must be much smaller than wavelength for RFT to apply; got "
                         f"filament_radius = {filament_radius:g} and wavelength = {wavelength:g}")
    return DragCoefficients(float(2 * np.pi * eta / (log - 0.5)), float(4 * np.pi * eta / (log + 0.5)))


def helix_propulsion(helix_radius: float, pitch: float, axial_length: float,
                     xi_par: float, xi_perp: float) -> np.ndarray:
    """Purcell's propulsion matrix of a rigid helix, [F, N] = −[[A, B], [B, D]] [U, Ω], by RFT.

    For a helix of radius R, pitch λ (pitch angle ψ, tan ψ = 2πR/λ) and axial length ℓ (contour length
    Λ = ℓ / cos ψ) translating at U along and rotating at Ω about its axis:
    A = Λ(ξ_∥cos²ψ + ξ_⊥sin²ψ), B = ΛR sinψ cosψ (ξ_∥ − ξ_⊥), D = ΛR²(ξ_∥sin²ψ + ξ_⊥cos²ψ).
    B ≠ 0 only because ξ_⊥ ≠ ξ_∥: rotation pushes (Purcell 1977). Flip the handedness and B flips.

    Used in: week 11, notebooks/11-low-reynolds.ipynb, through :func:`helix_swimmer`.
    """
    R = positive(helix_radius, name="helix_radius")
    lam = positive(pitch, name="pitch")
    ell = positive(axial_length, name="axial_length")
    xp, xn = positive(xi_par, name="xi_par"), positive(xi_perp, name="xi_perp")
    psi = np.arctan(2 * np.pi * R / lam)
    c, s = np.cos(psi), np.sin(psi)
    Lam = ell / c
    A = Lam * (xp * c**2 + xn * s**2)
    Bc = Lam * R * s * c * (xp - xn)
    D = Lam * R**2 * (xp * s**2 + xn * c**2)
    return np.array([[A, Bc], [Bc, D]])


@dataclass
class HelixSwim:
    """A free swimmer made of a spherical head and a rotating helix (SI units).

    Used in: week 11, notebooks/11-low-reynolds.ipynb, through :func:`helix_swimmer`.
    """
    U: float               # swimming speed (m/s), along the axis
    omega_helix: float     # helix angular velocity in the lab (rad/s)
    omega_head: float      # head angular velocity in the lab (rad/s): counter-rotation
    torque: float          # motor torque (N·m)
    efficiency: float      # Purcell's: 6πηa U² / (motor torque × motor rate)


def helix_swimmer(*, head_radius: float = 1.0e-6, helix_radius: float = 0.2e-6, pitch: float = 2.5e-6,
                  axial_length: float = 7.0e-6, filament_radius: float = 10e-9, motor_rate: float,
                  eta: float = WATER_ETA, xi: tuple[float, float] | None = None) -> HelixSwim:
    """Swimming speed of a sphere pushed by a rotating helix, with zero total force and torque.

    The motor turns the helix relative to the head at ``motor_rate`` (rad/s): Ω_f − Ω_h = ω_m. Force:
    6πηa U + A U + B Ω_f = 0; torque: 8πηa³ Ω_h + B U + D Ω_f = 0 (Purcell 1977, appendix). The RFT
    coefficients are Gray & Hancock's for the helix's pitch unless ``xi = (ξ_∥, ξ_⊥)`` is given (N·s/m²).
    Defaults: roughly E. coli's flagellar bundle (sizes in m) in water at 20 °C.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    wm = as_array(motor_rate, name="motor_rate", ndim=0)
    a = positive(head_radius, name="head_radius")
    eta = positive(eta, name="eta")
    if xi is None:
        drag = gray_hancock(pitch, filament_radius, eta)
        xp, xn = drag.xi_par, drag.xi_perp
    else:
        if len(xi) != 2:
            raise ValueError(f"xi must be a pair (xi_par, xi_perp); got {xi!r}")
        xp, xn = positive(xi[0], name="xi[0]"), positive(xi[1], name="xi[1]")
    (A, Bc), (_, D) = helix_propulsion(helix_radius, pitch, axial_length, xp, xn)
    ft, fr = 6 * np.pi * eta * a, 8 * np.pi * eta * a**3
    M = np.array([[ft + A, Bc, 0.0], [Bc, D, fr], [0.0, 1.0, -1.0]])
    U, Wf, Wh = np.linalg.solve(M, np.array([0.0, 0.0, float(wm)]))
    torque = Bc * U + D * Wf
    power = torque * float(wm)
    eff = ft * U**2 / power if power != 0 else 0.0
    return HelixSwim(float(U), float(Wf), float(Wh), float(torque), float(eff))


# --------------------------------------------------------------------------------------------
# Run and tumble (Berg & Brown 1972)
# --------------------------------------------------------------------------------------------

@validate(rng=Rng())
def turn_cosines(n: int, mean_cos: float = 1 / 3, *, rng) -> np.ndarray:
    """n cosines of turn angles with density p(cos θ) = (1 + b cos θ)/2 on [−1, 1], b = 3⟨cos θ⟩.

    With ⟨cos θ⟩ = 1/3 the mean turn angle is 3π/8 = 67.5° (Berg & Brown: 68°) and the turns are
    forward-biased. Sampled by inverting the CDF: b c² + 2c + 2 − b − 4u = 0.

    Used in: week 11, notebooks/11-low-reynolds.ipynb, through :func:`run_and_tumble`.
    """
    n = positive_int(n, name="n")
    b = 3 * in_range(mean_cos, -1 / 3, 1 / 3, name="mean_cos")
    k = 2 - b - 4 * rng.random(n)
    return -k / (1 + np.sqrt(np.maximum(1 - b * k, 0.0)))     # the root in [−1, 1], stable at b = 0


def mean_turn_angle(mean_cos: float = 1 / 3) -> float:
    """⟨θ⟩ = π/2 − (3⟨cos θ⟩) π/8 (radians) for the turn-angle density of :func:`turn_cosines`.

    Used in: no notebook yet (week 11's module; tested in tests/test_stokes.py).
    """
    return float(np.pi / 2 - 3 * in_range(mean_cos, -1 / 3, 1 / 3, name="mean_cos") * np.pi / 8)


@validate(rng=Rng())
def turn(e: np.ndarray, cos_theta: np.ndarray, *, rng) -> np.ndarray:
    """Rotate unit vectors e (n, 3) by angles θ (given as cos θ, shape (n,)) about random axes ⊥ e.

    Used in: week 11, notebooks/11-low-reynolds.ipynb, through :func:`run_and_tumble`.
    """
    helper = np.where(np.abs(e[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
    u1 = helper - np.sum(helper * e, axis=1, keepdims=True) * e
    u1 /= np.linalg.norm(u1, axis=1, keepdims=True)
    u2 = np.cross(e, u1)
    psi = rng.uniform(0, 2 * np.pi, size=e.shape[0])
    c = cos_theta[:, None]
    s = np.sqrt(np.maximum(1 - cos_theta**2, 0.0))[:, None]
    new = c * e + s * (np.cos(psi)[:, None] * u1 + np.sin(psi)[:, None] * u2)
    return new / np.linalg.norm(new, axis=1, keepdims=True)


@dataclass
class RunTumble:
    """Run-and-tumble tracks sampled at times ``t`` (T,): ``positions`` (n, T, 3). ``run_durations``,
    ``run_cos_gradient`` (cos of each completed run's direction with +z) and ``turn_cos`` (cos of each
    turn angle) are pooled over all bacteria, for checking the statistics against the inputs.

    Used in: week 11, notebooks/11-low-reynolds.ipynb, through :func:`run_and_tumble`.
    """
    t: np.ndarray
    positions: np.ndarray = field(repr=False)
    run_durations: np.ndarray = field(repr=False)
    run_cos_gradient: np.ndarray = field(repr=False)
    turn_cos: np.ndarray = field(repr=False)


@validate(rng=Rng())
def run_and_tumble(n_bacteria: int, t_max: float, *, rng, v: float = BERG_BROWN["v"],
                   tau_run: float = BERG_BROWN["tau_run"], tau_tumble: float = BERG_BROWN["tau_tumble"],
                   mean_cos: float = 1 / 3, beta: float = 0.0, n_samples: int = 101) -> RunTumble:
    """Exact (event-driven) run-and-tumble in 3-D, vectorised across bacteria (Berg & Brown 1972).

    Each bacterium runs in a straight line at speed v for an exponential time of mean
    τ(e) = tau_run · (1 + β max(e_z, 0)) — runs up a gradient along +z last longer, runs down it are
    unchanged, as Berg & Brown saw — then tumbles in place for an exponential time of mean tau_tumble
    and sets off at a turn angle θ from its old direction (⟨cos θ⟩ = mean_cos, :func:`turn_cosines`).
    All start running at t = 0 from the origin with random directions. Positions are sampled at
    ``n_samples`` times in [0, t_max] by interpolating between events.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    n = positive_int(n_bacteria, name="n_bacteria")
    t_max = positive(t_max, name="t_max")
    v, tau_run = positive(v, name="v"), positive(tau_run, name="tau_run")
    tau_tumble = nonnegative(tau_tumble, name="tau_tumble")
    in_range(mean_cos, -1 / 3, 1 / 3, name="mean_cos")
    beta = nonnegative(beta, name="beta")
    n_samples = positive_int(n_samples, name="n_samples", minimum=2)

    e = rng.normal(size=(n, 3))
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    times, points = [np.zeros(n)], [np.zeros((n, 3))]
    durations, cos_grad, turns = [], [], []
    t_now, p_now = np.zeros(n), np.zeros((n, 3))
    while t_now.min() <= t_max:                       # one run + tumble per pass, for all bacteria
        active = t_now <= t_max                       # bookkeeping only for runs that start in the window
        T_run = rng.exponential(tau_run * (1 + beta * np.maximum(e[:, 2], 0.0)))
        t_now = t_now + T_run
        p_now = p_now + v * T_run[:, None] * e
        times.append(t_now)
        points.append(p_now)
        durations.append(T_run[active])
        cos_grad.append(e[active, 2])
        if tau_tumble > 0:
            t_now = t_now + rng.exponential(tau_tumble, size=n)
            times.append(t_now)
            points.append(p_now)
        c = turn_cosines(n, mean_cos, rng=rng)
        turns.append(c[active])
        e = turn(e, c, rng=rng)
    E = np.stack(times, axis=1)                        # (n, Q) event times, increasing along rows
    Pts = np.stack(points, axis=1)                     # (n, Q, 3)
    t = np.linspace(0.0, t_max, n_samples)
    # searchsorted for every bacterium at once: shift row i by i·(span), then search the flat array
    span = E[:, -1].max() + 1.0
    offs = span * np.arange(n)[:, None]
    idx = np.searchsorted((E + offs).ravel(), (t[None, :] + offs).ravel(), side="right")
    idx = idx.reshape(n, n_samples) - np.arange(n)[:, None] * E.shape[1]
    rows = np.arange(n)[:, None]
    t0, t1 = E[rows, idx - 1], E[rows, idx]
    frac = ((t[None, :] - t0) / (t1 - t0))[..., None]
    pos = Pts[rows, idx - 1] + frac * (Pts[rows, idx] - Pts[rows, idx - 1])
    return RunTumble(t, pos, np.concatenate(durations), np.concatenate(cos_grad), np.concatenate(turns))


def effective_diffusion(v, tau_run, mean_cos, tau_tumble=0.0):
    """D = v² τ² / (3 (1 − ⟨cos θ⟩)(τ + τ_t)) for a 3-D run-and-tumble walk with exponential runs.

    Each run of mean τ carries a step of mean square 2v²τ², successive directions are correlated by
    ⟨cos θ⟩, and a run-tumble cycle lasts τ + τ_t on average. With instantaneous tumbles (τ_t = 0) this
    is the familiar D = v²τ / (3(1 − ⟨cos θ⟩)) (Lovely & Dahlquist 1975; Berg, *Random Walks in Biology*).

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    v, tau = _positive_array(v, "v"), _positive_array(tau_run, "tau_run")
    a = as_array(mean_cos, name="mean_cos")
    if np.any(a >= 1) or np.any(a < -1):
        raise ValueError(f"mean_cos must be in [-1, 1); got {a[(a >= 1) | (a < -1)].flat[0]:g}")
    tt = _nonnegative_array(tau_tumble, "tau_tumble")
    return scalar_or_array(v**2 * tau**2 / (3 * (1 - a) * (tau + tt)))


def persistent_msd(t, v, tau_run, mean_cos):
    """Exact 3-D MSD with instantaneous tumbles: 2v²τ_c [t − τ_c(1 − e^{−t/τ_c})], τ_c = τ/(1 − ⟨cos θ⟩).

    Ballistic, v²t², for t ≪ τ_c; diffusive, 6Dt − 6Dτ_c, for t ≫ τ_c, with D from :func:`effective_diffusion`.

    Used in: no notebook yet (week 11's module; tested in tests/test_stokes.py).
    """
    t = as_array(t, name="t")
    v, tau = positive(v, name="v"), positive(tau_run, name="tau_run")
    tc = tau / (1 - in_range(mean_cos, -1, 1, name="mean_cos", closed="left"))
    return 2 * v**2 * tc * (t - tc * (1 - np.exp(-t / tc)))


def chemotactic_drift(v, tau_run, beta, tau_tumble=0.0):
    """Long-time drift up the gradient of :func:`run_and_tumble`'s biased walk:
    v_d = v τ β / (6 [τ(1 + β/4) + τ_t]).

    Run directions stay uniformly distributed (turns are rotation-invariant), so by renewal–reward the
    drift is the mean z-step per run, vτβ⟨cos²θ; cos θ > 0⟩ = vτβ/6, over the mean cycle time.
    It does not depend on ⟨cos θ⟩ — only the spread around the drift does.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    v, tau = _positive_array(v, "v"), _positive_array(tau_run, "tau_run")
    beta = _nonnegative_array(beta, "beta")
    tt = _nonnegative_array(tau_tumble, "tau_tumble")
    return scalar_or_array(v * tau * beta / (6 * (tau * (1 + beta / 4) + tt)))


# --------------------------------------------------------------------------------------------
# Berg & Purcell (1977): receptors on a cell
# --------------------------------------------------------------------------------------------

def receptor_capture(N, s, a):
    """J/J_max = N s / (N s + π a): the current of N absorbing disks of radius s on a sphere of radius
    a, as a fraction of the current 4πDac₀ to a perfectly absorbing sphere (Berg & Purcell 1977).

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    N = _nonnegative_array(N, "N")
    s, a = _positive_array(s, "s"), _positive_array(a, "a")
    return scalar_or_array(N * s / (N * s + np.pi * a))


def half_max_receptors(s, a):
    """N½ = π a / s receptors capture half as much as a fully absorbing cell (Berg & Purcell 1977).

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    return scalar_or_array(np.pi * _positive_array(a, "a") / _positive_array(s, "s"))


def receptor_coverage(N, s, a):
    """Fraction of the cell surface the receptors cover, N π s² / (4π a²).

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    N = _nonnegative_array(N, "N")
    s, a = _positive_array(s, "s"), _positive_array(a, "a")
    return scalar_or_array(N * s**2 / (4 * a**2))


def sensing_precision(D, a, c, T):
    """Berg & Purcell's limit on measuring a concentration: δc/c ≈ 1/√(D a c T).

    A cell of radius a holds about N ≈ c a³ molecules at a time, counted with Poisson noise 1/√N; the
    molecules inside are replaced by diffusion every a²/D, so in a time T the cell makes T D/a²
    independent counts, and δc/c ≈ 1/√(c a³ · T D/a²) = 1/√(D a c T) — up to a factor of order one that
    depends on how the cell counts (a perfect absorber that counts every arrival, 4πDacT of them, does
    better by √(4π)). Berg & Purcell (1977), abstract: "approximately (TcaD)^(-1/2)".
    D (m²/s), a (m), c (molecules per m³), T (s); arrays broadcast.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    D, a = _positive_array(D, "D"), _positive_array(a, "a")
    c, T = _positive_array(c, "c"), _positive_array(T, "T")
    return scalar_or_array(1 / np.sqrt(D * a * c * T))
