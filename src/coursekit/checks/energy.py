"""Checks for week 2's exercises (``notebooks/02-hopfield-boltzmann.ipynb``): the Hopfield network
(:mod:`coursekit.hopfield`) and the RBM (:mod:`coursekit.rbm`). The exercises keep their names
``energy.*``, after the chapter's subject, energy-based networks."""

import numpy as np

from .. import hopfield, rbm
from .._numerics import sigmoid
from ..grading import close, register


def _patterns(rng):
    P, N = int(rng.integers(2, 6)), int(rng.integers(10, 30))
    return {"patterns": rng.choice([-1.0, 1.0], size=(P, N))}


register(
    "energy.hebbian_weights",
    inputs=_patterns,
    ask=lambda hebbian, x: hebbian(x["patterns"].copy()),
    judge=lambda got, x: close(got, hopfield.hebbian_weights(x["patterns"]), what="the weight matrix W",
                               rtol=1e-9, atol=1e-12,
                               hint="W = (1/N) Σ_μ ξ^μ ξ^μᵀ, divided by the number of units N, "
                                    "with the diagonal set to 0."),
    doc="Hopfield's Hebbian weights W = (1/N) Σ ξξᵀ with zero diagonal.",
)


def _energy_inputs(rng):
    x = _patterns(rng)
    W = hopfield.hebbian_weights(x["patterns"])
    states = np.vstack([x["patterns"], rng.choice([-1.0, 1.0], size=(4, W.shape[0]))])
    return {"W": W, "states": states}


register(
    "energy.hopfield_energy",
    inputs=_energy_inputs,
    ask=lambda E, x: [float(E(x["W"], s.copy())) for s in x["states"]],
    judge=lambda got, x: close(got, [hopfield.hopfield_energy(x["W"], s) for s in x["states"]],
                               what="the energy E(s)", rtol=1e-9, atol=1e-10,
                               hint="E(s) = −½ sᵀ W s: mind the factor ½ and the minus sign "
                                    "(stored patterns should have low, negative energy)."),
    doc="The Hopfield energy E(s) = −½ sᵀWs of one state.",
)


def _symmetric_problem(rng):
    N = int(rng.integers(8, 20))
    A = rng.normal(size=(N, N))
    W = (A + A.T) / 2
    np.fill_diagonal(W, 0.0)
    s = rng.choice([-1.0, 1.0], size=N)
    return {"W": W, "s": s, "units": rng.integers(0, N, size=6), "order": rng.integers(0, N, size=3 * N)}


def _reference_async(W, s, i):
    h = W[i] @ s
    out = s.copy()
    out[i] = 1.0 if h > 0 else (-1.0 if h < 0 else s[i])
    return out


register(
    "energy.async_update",
    inputs=_symmetric_problem,
    ask=lambda upd, x: [np.asarray(upd(x["W"], x["s"].copy(), int(i)), dtype=float) for i in x["units"]],
    judge=lambda got, x: close(np.asarray(got), [_reference_async(x["W"], x["s"], int(i)) for i in x["units"]],
                               what="the state after updating unit i", rtol=0, atol=1e-12,
                               hint="Only unit i changes: sᵢ ← sign(Σⱼ Wᵢⱼ sⱼ); every other unit keeps its value."),
    doc="One asynchronous update of unit i.",
)


register(
    "energy.energy_trace",
    inputs=_symmetric_problem,
    ask=lambda trace, x: np.asarray(trace(x["W"], x["s"].copy(), x["order"].copy()), dtype=float),
    judge=lambda got, x: close(got, hopfield.update_async(x["W"], x["s"], x["order"]).energies,
                               what="the energy trace", rtol=1e-9, atol=1e-9,
                               hint="Return len(order) + 1 energies: the starting energy, then E after each "
                                    "single-unit update, updating the units one at a time in the given order."),
    doc="Energies along a sequence of asynchronous updates.",
)


register(
    "energy.one_step_error",
    inputs=lambda rng: {"alphas": np.r_[0.138, rng.uniform(0.02, 0.5, size=6)]},
    ask=lambda p, x: np.asarray(p(x["alphas"].copy()), dtype=float),
    judge=lambda got, x: close(got, hopfield.one_step_error_theory(x["alphas"]), what="P_error(α)",
                               rtol=1e-6, atol=1e-12,
                               hint="The cross-talk is Gaussian with variance α and the signal is 1, so "
                                    "P_error = Φ(−1/√α) (scipy.stats.norm.cdf); at α = 0.138 it is about 0.0036."),
    doc="The one-step bit-error probability Φ(−1/√α) of a Hopfield net at load α.",
)


def _rbm_inputs(rng):
    n_v, n_h, B = int(rng.integers(4, 10)), int(rng.integers(2, 6)), 6
    return {"W": rng.normal(scale=0.8, size=(n_v, n_h)), "b": rng.normal(size=n_v), "c": rng.normal(size=n_h),
            "v0": (rng.random((B, n_v)) < 0.5).astype(float), "v1": (rng.random((B, n_v)) < 0.5).astype(float)}


def _ref_rbm(x):
    return rbm.RBM(x["W"], x["b"], x["c"])


register(
    "energy.rbm_free_energy",
    inputs=_rbm_inputs,
    ask=lambda F, x: np.asarray(F(x["W"], x["b"], x["c"], x["v0"].copy()), dtype=float),
    judge=lambda got, x: close(got, rbm.free_energy(_ref_rbm(x), x["v0"]), what="F(v)", rtol=1e-8, atol=1e-10,
                               hint="F(v) = −bᵀv − Σⱼ log(1 + exp(cⱼ + (vW)ⱼ)), one number per row of v; "
                                    "np.logaddexp(0, z) computes log(1 + eᶻ) safely."),
    doc="The RBM free energy of each row of v.",
)


def _ref_cd(x):
    sig = sigmoid
    v0, v1 = x["v0"], x["v1"]
    return (v0.T @ sig(v0 @ x["W"] + x["c"]) - v1.T @ sig(v1 @ x["W"] + x["c"])) / v0.shape[0]


register(
    "energy.cd_gradient",
    inputs=_rbm_inputs,
    ask=lambda g, x: np.asarray(g(x["W"], x["b"], x["c"], x["v0"].copy(), x["v1"].copy()), dtype=float),
    judge=lambda got, x: close(got, _ref_cd(x), what="the CD weight gradient", rtol=1e-8, atol=1e-10,
                               hint="⟨v hᵀ⟩ with the data (v0) minus ⟨v hᵀ⟩ with the reconstruction (v1), "
                                    "using the hidden probabilities σ(vW + c) and averaging over the batch."),
    doc="The CD weight update ⟨vhᵀ⟩_data − ⟨vhᵀ⟩_reconstruction for given data and reconstructions.",
)
