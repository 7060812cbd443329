"""Checks for week 2's exercises (``notebooks/02-hopfield-boltzmann.ipynb``): the Hopfield network
(:mod:`coursekit.hopfield`), the Boltzmann machine (:mod:`coursekit.boltzmann`) and the RBM
(:mod:`coursekit.rbm`). The exercises keep their names ``energy.*``, after the chapter's subject,
energy-based networks."""

import numpy as np
from scipy.stats import norm

from .. import boltzmann, hopfield, rbm
from .._numerics import sigmoid, softplus
from ..grading import Problem, close, function_check, number, register
from ..rbm import _free_energy


def _symmetric(rng, N, scale=1.0):
    A = rng.normal(scale=scale, size=(N, N))
    W = (A + A.T) / 2
    np.fill_diagonal(W, 0.0)
    return W


# ---- exercise 1: what a flip costs ----------------------------------------------------------------

def _flip_costs(W, s):
    """ΔEᵢ = E(s with sᵢ flipped) − E(s) = 2 sᵢ hᵢ, hᵢ = Σⱼ Wᵢⱼ sⱼ (zero diagonal)."""
    return 2 * s * (W @ s)


def _flip_problems(rng):
    calls = []
    for _ in range(2):
        N = int(rng.integers(6, 16))
        calls.append((_symmetric(rng, N), rng.choice([-1.0, 1.0], size=N)))
    return calls


function_check(
    "energy.flip_costs",
    reference=_flip_costs,
    calls=_flip_problems,
    what="ΔE", rtol=1e-9, atol=1e-12,
    hint="Flipping sᵢ changes it by −2sᵢ, and E = −½ sᵀWs changes by 2sᵢhᵢ (W symmetric, zero diagonal).",
    diagnoses=[
        (lambda W, s: s * (W @ s), "Missing the factor 2: a flip changes sᵢ by −2sᵢ, not by −sᵢ, so ΔEᵢ = 2sᵢhᵢ."),
        (lambda W, s: 2 * (W @ s), "ΔEᵢ depends on the unit's own state: it is 2sᵢhᵢ, not 2hᵢ."),
        (lambda W, s: 0.5 * s * (W @ s), "ΔEᵢ = 2sᵢhᵢ: the ½ of E = −½ sᵀWs is cancelled because sᵢ appears in two "
                                         "terms, sᵢWᵢⱼsⱼ and sⱼWⱼᵢsᵢ, and the flip changes sᵢ by −2sᵢ."),
    ],
    doc="The energy change ΔEᵢ = 2sᵢhᵢ of flipping each unit of a Hopfield state.",
)


# ---- exercise 2: one asynchronous update, with the tie rule ------------------------------------------

def _async(W, s, i):
    h = W[i] @ s
    out = np.array(s, dtype=float)
    out[i] = 1.0 if h > 0 else (-1.0 if h < 0 else s[i])
    return out


def _integer_network(rng, N):
    """A symmetric W with entries in {−1, 0, +1}, zero diagonal, every row with an even number of nonzero
    entries (so that a field hᵢ = Σⱼ Wᵢⱼsⱼ can be exactly 0)."""
    while True:
        A = np.triu(rng.choice([-1.0, 0.0, 1.0], p=[0.3, 0.4, 0.3], size=(N, N)), 1)
        W = A + A.T
        odd = np.flatnonzero(np.count_nonzero(W, axis=1) % 2 == 1)
        for a, b in zip(odd[::2], odd[1::2]):            # odd rows come in pairs: toggle their shared entry
            W[a, b] = W[b, a] = 0.0 if W[a, b] else 1.0
        if np.all(np.count_nonzero(W, axis=1) % 2 == 0) and np.all(np.count_nonzero(W, axis=1) >= 2):
            return W


def _tie_state(rng, W, i, s_i):
    """A state with sᵢ = s_i and hᵢ = 0 exactly (flip the neighbours of i until their sum cancels)."""
    s = rng.choice([-1.0, 1.0], size=W.shape[0])
    s[i] = s_i
    for j in rng.permutation(np.flatnonzero(W[i])):
        h = W[i] @ s
        if h == 0:
            break
        if np.sign(W[i, j] * s[j]) == np.sign(h):
            s[j] = -s[j]
    assert W[i] @ s == 0
    return s


def _async_calls(rng):
    """Eight updates on integer networks (exact arithmetic): four with hᵢ = 0 (two with sᵢ = +1, two with
    sᵢ = −1, so that neither np.sign nor a fixed ±1 at a tie passes) and four with hᵢ ≠ 0 (units aligned and
    misaligned with their field), in shuffled order."""
    calls = []
    N = int(rng.integers(8, 15))
    W = _integer_network(rng, N)
    for s_i in (1.0, -1.0, 1.0, -1.0):
        i = int(rng.integers(N))
        calls.append((W, _tie_state(rng, W, i, s_i), i))
    while len(calls) < 8:
        s, i = rng.choice([-1.0, 1.0], size=N), int(rng.integers(N))
        if W[i] @ s != 0:
            calls.append((W, s, i))
    return [calls[k] for k in rng.permutation(len(calls))]


function_check(
    "energy.async_update",
    reference=_async,
    calls=_async_calls,
    what="the state after updating unit i", rtol=0, atol=1e-12,
    hint="Only unit i changes: sᵢ ← sign(Σⱼ Wᵢⱼ sⱼ), and sᵢ keeps its value when that field is exactly 0.",
    diagnoses=[
        (lambda W, s, i: np.where(np.arange(len(s)) == i, np.sign(W[i] @ s), s),
         "np.sign(0) = 0 is not a state: when the field hᵢ is exactly 0, unit i keeps its value."),
        (lambda W, s, i: np.where(np.arange(len(s)) == i, 1.0 if W[i] @ s >= 0 else -1.0, s),
         "A field of exactly 0 does not decide: unit i keeps its value then (here you set it to +1)."),
        (lambda W, s, i: np.where(np.arange(len(s)) == i, 1.0 if W[i] @ s > 0 else -1.0, s),
         "A field of exactly 0 does not decide: unit i keeps its value then (here you set it to −1)."),
        (lambda W, s, i: np.where(W @ s > 0, 1.0, np.where(W @ s < 0, -1.0, s)),
         "Only unit i changes in an asynchronous update; you updated every unit at once (synchronously)."),
    ],
    doc="One asynchronous update of unit i, keeping sᵢ when its field is 0.",
)


# ---- exercise 3: the load for a given error ----------------------------------------------------------

def _load_for_error(eps):
    """α = 1/Φ⁻¹(ε)², the load at which the one-step bit-error probability Φ(−1/√α) equals ε (ε < ½)."""
    return 1.0 / norm.ppf(np.asarray(eps, dtype=float)) ** 2


function_check(
    "energy.load_for_error",
    reference=_load_for_error,
    calls=lambda rng: [(np.r_[10.0 ** rng.uniform(-6, -1, size=5), rng.uniform(0.1, 0.4, size=2)],)],
    what="α(ε)", rtol=1e-7, atol=1e-12,
    hint="Solve ε = Φ(−1/√α) for α: −1/√α = Φ⁻¹(ε), so α = 1/Φ⁻¹(ε)² (scipy.stats.norm.ppf is Φ⁻¹).",
    diagnoses=[
        (lambda e: -1.0 / norm.ppf(e), "That is 1/√α: square it, α = 1/Φ⁻¹(ε)²."),
        (lambda e: norm.ppf(e) ** 2, "That is 1/α: α = 1/Φ⁻¹(ε)²."),
        (lambda e: norm.cdf(-1 / np.sqrt(e)), "That is the error at load ε, Φ(−1/√ε): the question asks the inverse, "
                                              "the load α at which the error equals ε."),
    ],
    doc="The load α at which the one-step error Φ(−1/√α) of a Hopfield network equals ε.",
)


# ---- build it: Hopfield recall ------------------------------------------------------------------------

_MAX_SWEEPS = 200


def _recall_inputs(rng):
    """Three networks: Hebbian storage of a few random patterns with a corrupted cue (recall must return the
    pattern), an integer network where fields are often exactly 0 (the tie rule), and pairs of units coupled
    so that synchronous updates oscillate forever (asynchronous ones settle) beside one unit coupled to none,
    whose field is exactly 0 on every draw (so np.sign(0) = 0 cannot slip through on a lucky draw)."""
    N, P = int(rng.integers(100, 160)), int(rng.integers(3, 6))
    patterns = hopfield.random_patterns(P, N, rng=rng)
    cue = hopfield.corrupt(patterns[0], 0.15, rng=rng)
    W_int = _integer_network(rng, int(rng.integers(10, 17)))
    k = int(rng.integers(2, 5))
    W_pairs = np.zeros((2 * k + 1, 2 * k + 1))                    # the last unit is coupled to none
    W_pairs[:-1, :-1] = np.kron(np.eye(k), np.array([[0.0, 1.0], [1.0, 0.0]]))
    s_pairs = np.tile([1.0, -1.0], k) * rng.choice([-1.0, 1.0], size=(k, 1)).repeat(2, axis=1).ravel()
    s_pairs = np.append(s_pairs, rng.choice([-1.0, 1.0]))
    return {"nets": [
        {"W": hopfield.hebbian_weights(patterns), "s": cue, "target": patterns[0], "seed": int(rng.integers(2**31))},
        {"W": W_int, "s": rng.choice([-1.0, 1.0], size=W_int.shape[0]), "target": None,
         "seed": int(rng.integers(2**31))},
        {"W": W_pairs, "s": s_pairs, "target": None, "seed": int(rng.integers(2**31))},
    ]}


def _ask_recall(recall, x):
    return [recall(n["W"].copy(), n["s"].copy(), np.random.default_rng(n["seed"]), _MAX_SWEEPS) for n in x["nets"]]


def _judge_recall(got, x):
    if not isinstance(got, list) or len(got) != len(x["nets"]):
        return Problem("The answer did not come back as one result per network.")
    for result, net in zip(got, x["nets"]):
        problem = _judge_one_recall(result, net)
        if problem:
            return problem
    return None


def _judge_one_recall(result, net):
    W, s0 = net["W"], net["s"]
    if not isinstance(result, list) or len(result) != 2:
        return Problem("recall should return the pair (s, n_sweeps).")
    s, n_sweeps = result
    if np.shape(s) != s0.shape:
        return Problem("The final state should have one entry per unit.", f"Expected shape {s0.shape}, got {np.shape(s)}.")
    n_sweeps = number(n_sweeps, what="n_sweeps")
    if isinstance(n_sweeps, Problem):
        return n_sweeps
    s = np.asarray(s, dtype=float)
    if not np.all(np.isin(s, (-1.0, 1.0))):
        return Problem("The state must stay ±1. np.sign(0) = 0 is not a state: when a unit's field is exactly 0, "
                       "it keeps its value.")
    h = W @ s
    unstable = np.flatnonzero(s * h < 0)
    if unstable.size:
        return Problem("The returned state is not a fixed point: some unit disagrees with its field. Keep sweeping "
                       "until a whole sweep changes nothing, and update one unit at a time — updating all units at "
                       "once (synchronously) can oscillate forever.",
                       f"{unstable.size} unstable unit(s), e.g. unit {unstable[0]}.")
    if hopfield.hopfield_energy(W, s) > hopfield.hopfield_energy(W, s0) + 1e-9:
        return Problem("The energy went up: asynchronous updates never raise it. Set each unit to the sign of its "
                       "field, one unit at a time.")
    if net["target"] is not None and not np.array_equal(s, net["target"]):
        return Problem("From a pattern with 15% of its units flipped, at a load far below capacity, recall should "
                       "return the stored pattern itself.",
                       f"Overlap with the pattern: {np.mean(s * net['target']):.2f}.")
    if n_sweeps != int(n_sweeps) or not 1 <= n_sweeps <= _MAX_SWEEPS:
        return Problem("n_sweeps should count the sweeps made, at least 1 (the sweep that finds nothing to change).",
                       f"n_sweeps = {n_sweeps:g}.")
    if not np.array_equal(s, s0) and n_sweeps < 2:
        return Problem("The state changed, so the loop needed at least two sweeps: the last one, which changes "
                       "nothing, is what shows that the state is a fixed point. Count it too.", f"n_sweeps = {n_sweeps:g}.")
    if np.array_equal(s, s0) and n_sweeps != 1:
        return Problem("The start was already a fixed point: one sweep that changes nothing is enough.",
                       f"n_sweeps = {n_sweeps:g}.")
    return None


register(
    "energy.recall",
    inputs=_recall_inputs,
    ask=_ask_recall,
    judge=_judge_recall,
    doc="Build it: asynchronous Hopfield recall — sweeps in random order, each unit set to the sign of its field "
        "(kept at a tie), until a sweep changes nothing; returns (s, n_sweeps).",
)


# ---- exercise: the RBM's free energy ---------------------------------------------------------------

def _rbm_problem(rng):
    n_v = int(rng.integers(4, 10))
    n_h = int(rng.integers(2, n_v))                     # n_h ≠ n_v: a transposed answer has the wrong shape
    B = 6
    return {"W": rng.normal(scale=0.8, size=(n_v, n_h)), "b": rng.normal(size=n_v), "c": rng.normal(size=n_h),
            "v0": (rng.random((B, n_v)) < 0.5).astype(float), "v1": (rng.random((B, n_v)) < 0.5).astype(float)}


def _pick(problem, *keys):
    return tuple(problem[k] for k in keys)


def _free(W, b, c, v):
    return _free_energy(rbm.RBM(W, b, c), v)


function_check(
    "energy.rbm_free_energy",
    reference=_free,
    calls=lambda rng: [_pick(_rbm_problem(rng), "W", "b", "c", "v0") for _ in range(2)],
    what="F(v)", rtol=1e-8, atol=1e-10,
    hint="F(v) = −bᵀv − Σⱼ log(1 + exp(cⱼ + (vW)ⱼ)), one number per row of v; np.logaddexp(0, z) is log(1 + eᶻ).",
    diagnoses=[
        (lambda W, b, c, v: -softplus(v @ W + c).sum(axis=1), "The visible-bias term −bᵀv is missing."),
        (lambda W, b, c, v: -(v @ b) - softplus(v @ W).sum(axis=1), "The hidden biases c are missing inside the log."),
        (lambda W, b, c, v: -(v @ b) - sigmoid(v @ W + c).sum(axis=1),
         "That sums the probabilities σ(cⱼ + (vW)ⱼ): summing out a hidden unit gives log(1 + e^{cⱼ + (vW)ⱼ})."),
        (lambda W, b, c, v: -(v @ b) - (v @ W + c).sum(axis=1),
         "log(1 + eᶻ) is not z: summing out hⱼ ∈ {0, 1} gives log(e⁰ + eᶻ) = log(1 + eᶻ)."),
    ],
    doc="The RBM free energy of each row of v.",
)


# ---- exercise: the contrastive-divergence weight update -----------------------------------------------

def _cd(W, b, c, v0, v1):
    return (v0.T @ sigmoid(v0 @ W + c) - v1.T @ sigmoid(v1 @ W + c)) / v0.shape[0]


function_check(
    "energy.cd_gradient",
    reference=_cd,
    calls=lambda rng: [_pick(_rbm_problem(rng), "W", "b", "c", "v0", "v1")],
    what="the CD weight gradient", rtol=1e-8, atol=1e-10,
    hint="⟨v hᵀ⟩ with the data (v0) minus ⟨v hᵀ⟩ with the reconstructions (v1), using the hidden probabilities "
         "σ(vW + c) and averaging over the batch.",
    diagnoses=[
        (lambda W, b, c, v0, v1: _cd(W, b, c, v0, v1) * v0.shape[0],
         "That is the sum over the batch: divide by the batch size B to average."),
        (lambda W, b, c, v0, v1: _cd(W, b, c, v0, v1).T,
         "The update is transposed: ΔW has W's shape (n_v × n_h), vᵀσ(vW + c)."),
        (lambda W, b, c, v0, v1: (v0.T @ sigmoid(v0 @ W) - v1.T @ sigmoid(v1 @ W)) / v0.shape[0],
         "The hidden biases c are missing: p(hⱼ = 1 | v) = σ(cⱼ + (vW)ⱼ)."),
        (lambda W, b, c, v0, v1: (v0.T @ sigmoid(v0 @ W + c)) / v0.shape[0],
         "The negative (\"sleep\") term is missing: subtract ⟨v hᵀ⟩ over the reconstructions v1."),
    ],
    doc="The CD weight update ⟨vhᵀ⟩_data − ⟨vhᵀ⟩_reconstruction for given data and reconstructions.",
)


# ---- build it: a Boltzmann machine fitted by maximum likelihood ----------------------------------------

_MOMENT_TOL = 1e-3


def _moments(S, weights=None):
    """Means ⟨sᵢ⟩ and co-activations ⟨sᵢsⱼ⟩ of 0/1 states S (rows), optionally weighted by probabilities."""
    w = np.full(len(S), 1.0 / len(S)) if weights is None else weights
    return w @ S, (S * w[:, None]).T @ S


def _boltzmann_data(rng):
    """Samples from a random Boltzmann machine of 3–4 units, with each state that the sample missed added
    once (so every state appears and the maximum-likelihood fit is finite). Redrawing until every state
    appeared could run for hours when one state is improbable: a live kernel once spun 5 minutes on it."""
    n = int(rng.integers(3, 5))
    W = _symmetric(rng, n, scale=1.5)
    b = rng.normal(scale=0.7, size=n)
    states, p = boltzmann.boltzmann_probabilities(W, b)
    drawn = rng.choice(len(states), size=int(rng.integers(200, 400)), p=p)
    missed = np.setdiff1d(np.arange(len(states)), drawn)
    S = states[np.concatenate([drawn, missed])]
    return S[rng.permutation(len(S))]


def _judge_one_fit(result, data):
    n = data.shape[1]
    if not isinstance(result, list) or len(result) != 2:
        return Problem("fit_boltzmann should return the pair (W, b).")
    W, b = result
    if np.shape(W) != (n, n) or np.shape(b) != (n,):
        return Problem("W should be n × n and b should have n entries, for n units.",
                       f"Got shapes {np.shape(W)} and {np.shape(b)} for n = {n}.")
    W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
        return Problem("W or b contains nan or inf: the gradient ascent diverged. Climb the log-likelihood (data "
                       "minus model statistics) with a moderate step.")
    if not np.allclose(W, W.T, atol=1e-9):
        return Problem("W must be symmetric: one weight Wᵢⱼ = Wⱼᵢ per pair of units, updated with ⟨sᵢsⱼ⟩.")
    if np.any(np.abs(np.diag(W)) > 1e-9):
        return Problem("The diagonal of W must stay 0: a unit has no connection to itself (its bias plays that role).")
    states, p = boltzmann.boltzmann_probabilities(W, b)
    m_data, c_data = _moments(data)
    m_model, c_model = _moments(states, p)
    off = ~np.eye(n, dtype=bool)
    mean_gap = float(np.max(np.abs(m_model - m_data)))
    pair_gap = float(np.max(np.abs(c_model - c_data)[off]))
    if max(mean_gap, pair_gap) <= _MOMENT_TOL:
        return None
    detail = f"Largest gaps: {mean_gap:.1e} in ⟨sᵢ⟩, {pair_gap:.1e} in ⟨sᵢsⱼ⟩ (tolerance {_MOMENT_TOL:g})."
    if pair_gap <= _MOMENT_TOL:
        return Problem("The pairwise statistics match but the means ⟨sᵢ⟩ do not: learn the biases too, "
                       "Δbᵢ ∝ ⟨sᵢ⟩_data − ⟨sᵢ⟩_model.", detail)
    return Problem("The model's statistics do not match the data's: at the maximum of the likelihood "
                   "⟨sᵢsⱼ⟩_model = ⟨sᵢsⱼ⟩_data and ⟨sᵢ⟩_model = ⟨sᵢ⟩_data. Climb the gradient (data minus model, "
                   "not the reverse) until they agree to 1e-4.", detail)


def _judge_fits(got, x):
    if not isinstance(got, list) or len(got) != len(x["data"]):
        return Problem("The answer did not come back as one result per data set.")
    for result, data in zip(got, x["data"]):
        problem = _judge_one_fit(result, data)
        if problem:
            return problem
    return None


register(
    "energy.fit_boltzmann",
    inputs=lambda rng: {"data": [_boltzmann_data(rng) for _ in range(2)]},
    ask=lambda fit, x: [fit(d.copy()) for d in x["data"]],
    judge=_judge_fits,
    doc="Build it: a Boltzmann machine without hidden units fitted by maximum likelihood (exact statistics over "
        "all states); judged by the moment-matching condition ⟨sᵢsⱼ⟩_model = ⟨sᵢsⱼ⟩_data, ⟨sᵢ⟩_model = ⟨sᵢ⟩_data.",
)
