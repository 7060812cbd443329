"""Checks for week 8's exercises (``notebooks/08-information-control.ipynb``).

The references are private: no public coursekit function is an exercise's answer.
"""

import numpy as np

from .. import info
from ..grading import Problem, choice_check, close, function_check, number, register


# ---- exercise 1: conditional entropy from a joint table --------------------------------------------

def _H(p):
    p = np.asarray(p, dtype=float).ravel()
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def _joint_calls(rng):
    """Joint tables p(x, y) with some zero entries (0 log 0 = 0), rows x and columns y of different sizes."""
    calls = []
    for nx, ny in ((2, 3), (4, 2), (3, 5)):
        pxy = rng.dirichlet(np.ones(nx * ny)).reshape(nx, ny)
        pxy[rng.integers(nx), rng.integers(ny)] = 0.0
        calls.append((pxy / pxy.sum(),))
    return calls


function_check(
    "info.conditional_entropy",
    reference=info._conditional_entropy,
    calls=_joint_calls,
    what="H(Y | X)", rtol=1e-6, atol=1e-9,
    hint="H(Y | X) = H(X, Y) − H(X), with p(x) the sums of the rows; skip the zero entries (0 log 0 = 0).",
    diagnoses=[
        (lambda pxy: _H(pxy) - _H(pxy.sum(axis=0)),
         "That is H(X | Y): X is the row, so subtract H(X), the entropy of the row sums p(x) = Σ_y p(x, y)."),
        (lambda pxy: _H(pxy), "That is the joint entropy H(X, Y): subtract H(X), what knowing X removes."),
        (lambda pxy: _H(pxy.sum(axis=0)), "That is H(Y): conditioning on X should remove what X tells about Y."),
        (lambda pxy: info._conditional_entropy(pxy) * np.log(2), "These are nats: use log base 2 for bits."),
        (lambda pxy: -info._conditional_entropy(pxy), "The sign is wrong: entropies are −Σ p log p ≥ 0."),
    ],
    doc="H(Y | X) in bits from a joint table p(x, y) with zero entries.",
)


# ---- build it: the capacity of a channel by Blahut–Arimoto -------------------------------------------

TOL = 1e-10            # the tolerance the check asks for
C_TOL = 1e-6           # how close (bits) the returned capacity must be to the reference's


def _channel_problem(rng):
    """Fresh channels W[x, y] = p(y | x): random ones, a Z channel and one with a useless input (a row
    that is a mixture of the others, which the optimal input never uses). None has a uniform optimum: a
    random channel is redrawn while the uniform input comes within 10⁻³ bits of its capacity (a draw in
    forty had one so close that a loop stopped after ten steps was named as the uniform input)."""
    def far_from_uniform(draw):
        while True:
            W = draw()
            if info._blahut_arimoto(W, tol=1e-10).C - _mi(np.full(W.shape[0], 1 / W.shape[0]), W) > 1e-3:
                return W

    channels = [far_from_uniform(lambda: rng.dirichlet(np.full(ny, 0.7), size=nx))
                for nx, ny in ((2, 2), (3, 4), (4, 3))]
    eps = float(rng.uniform(0.1, 0.6))
    channels.append(np.array([[1.0, 0.0], [eps, 1 - eps]]))                       # the Z channel

    def useless_row():
        W = rng.dirichlet(np.full(3, 0.5), size=2)
        lam = float(rng.uniform(0.3, 0.7))
        return np.vstack([W, lam * W[0] + (1 - lam) * W[1]])[rng.permutation(3)]

    channels.append(far_from_uniform(useless_row))
    return {"channels": channels}


def _ask_capacity(fn, x):
    return [fn(W.copy(), TOL) for W in x["channels"]]


def _mi(px, W):
    return info.channel_mutual_information(px, W)


def _judge_capacity(got, x):
    for W, result in zip(x["channels"], got):
        if not isinstance(result, (list, tuple)) or len(result) != 2:
            return Problem("capacity should return the pair (C, px): the capacity in bits and the input "
                           "distribution that achieves it.")
        C = number(result[0], what="The capacity C")
        if isinstance(C, Problem):
            return C
        px = np.asarray(result[1], dtype=float) if np.shape(result[1]) == (W.shape[0],) else None
        if px is None:
            return Problem("px should hold one probability per input x (per row of W).",
                           f"Expected shape {(W.shape[0],)}, got {np.shape(result[1])}.")
        ref = info._blahut_arimoto(W, tol=1e-13)
        shown = f"for W = {np.array2string(W, precision=3, separator=', ')}"
        if abs(C - ref.C) > C_TOL:
            uniform = _mi(np.full(W.shape[0], 1 / W.shape[0]), W)
            upper = float(np.max(np.sum(np.where(W > 0, W * np.log2(W / (np.full(W.shape[0], 1 / W.shape[0]) @ W)),
                                                 0.0), axis=1)))
            if abs(C - ref.C * np.log(2)) < 1e-4:
                reason = "These are nats: the capacity is in bits (divide by ln 2)."
            elif abs(C - uniform) < 1e-6:
                reason = ("That is I(X; Y) for the uniform input: the capacity is its maximum over p(x), which "
                          "the iteration p(x) ∝ p(x) exp D(W[x] ‖ q) climbs to.")
            elif abs(C - upper) < 1e-6:
                reason = ("That is the upper bound max_x D(W[x] ‖ q) at the uniform input: iterate until it "
                          "meets the lower bound.")
            elif ref.C - C > C_TOL and C > 0:
                reason = ("The capacity is too low: the loop stopped before converging. Stop when the upper bound "
                          "max_x D(W[x] ‖ q) and the lower bound log Σ_x p(x) exp D(W[x] ‖ q) differ by less than tol.")
            else:
                reason = "That is not the capacity of the channel."
            return Problem(reason, f"Got C = {C:.8f}, expected {ref.C:.8f} bits {shown}.")
        if np.any(px < -1e-12) or abs(px.sum() - 1) > 1e-8:
            return Problem("px should be a probability distribution: non-negative, summing to 1.", f"Got {px} {shown}.")
        achieved = _mi(np.clip(px, 0, None), W)
        if achieved < ref.C - C_TOL:
            return Problem("Your px does not achieve the capacity: I(X; Y) with that input is below C. Return the "
                           "input distribution of the last iteration.",
                           f"I(X; Y) = {achieved:.8f} with your px, C = {ref.C:.8f} bits {shown}.")
    return None


register(
    "info.capacity",
    inputs=_channel_problem,
    ask=_ask_capacity,
    judge=_judge_capacity,
    doc="Build it: the Blahut-Arimoto algorithm; judged on fresh channels against the reference capacity, "
        "and by the mutual information its input distribution achieves.",
)


# ---- exercise 3: one Kalman step ---------------------------------------------------------------------

def _kalman_calls(rng):
    calls = []
    for n, m in ((2, 1), (3, 2), (2, 2)):
        L, M = rng.normal(size=(n, n)), rng.normal(size=(m, m))
        calls.append((rng.normal(size=n), L @ L.T + 0.1 * np.eye(n), rng.normal(size=m),
                      np.eye(n) + 0.3 * rng.normal(size=(n, n)), rng.normal(size=(m, n)),
                      np.diag(rng.uniform(0.2, 1.0, size=n)), M @ M.T + 0.2 * np.eye(m)))
    return calls


def _kalman_variant(x, P, z, F, H, Q, R, *, predict=True, add_Q=True, gain_from="prior", joseph_sign=-1,
                    update=True):
    x_pred = F @ x if predict else x
    P_pred = (F @ P @ F.T + (Q if add_Q else 0)) if predict else P
    base = P_pred if gain_from == "prior" else P
    K = base @ H.T @ np.linalg.inv(H @ base @ H.T + R)
    if not update:
        return x_pred, P_pred
    return x_pred + K @ (z - H @ x_pred), (np.eye(len(x)) + joseph_sign * K @ H) @ P_pred


def _update_then_predict(x, P, z, F, H, Q, R):
    K = P @ H.T @ np.linalg.inv(H @ P @ H.T + R)
    x_u, P_u = x + K @ (z - H @ x), (np.eye(len(x)) - K @ H) @ P
    return F @ x_u, F @ P_u @ F.T + Q


_KALMAN_MISTAKES = [
    (lambda *a: _kalman_variant(*a, add_Q=False), "The process noise Q is missing from the prediction: "
                                                 "P⁻ = F P Fᵀ + Q."),
    (lambda *a: _kalman_variant(*a, gain_from="posterior"),
     "The gain is computed from the old P: use the predicted covariance, K = P⁻ Hᵀ (H P⁻ Hᵀ + R)⁻¹."),
    (lambda *a: _kalman_variant(*a, update=False),
     "That is the prediction alone (x⁻, P⁻): correct it with the measurement z."),
    (lambda *a: _kalman_variant(*a, predict=False),
     "The prediction step is missing: first x⁻ = F x and P⁻ = F P Fᵀ + Q, then the update."),
    (_update_then_predict, "The steps are in the wrong order: predict with F and Q first, then update "
                           "with the measurement z of the new time step."),
    (lambda *a: _kalman_variant(*a, joseph_sign=+1), "P⁺ = (I − K H) P⁻: the measurement shrinks the "
                                                     "uncertainty, it does not add to it."),
]


def _pair_matches(got, pair):
    return all(close(g, e, what="", rtol=1e-7, atol=1e-10) is None for g, e in zip(got, pair))


def _compare_kalman(got, expected, args):
    """The pair (x⁺, P⁺) against the reference; a mismatch that matches a known mistake names it (the two
    parts have different shapes, so they are compared one by one)."""
    if not isinstance(got, (list, tuple)) or len(got) != 2:
        return Problem("kalman_step should return the pair (x_new, P_new).")
    problem = (close(got[0], expected[0], what="the updated mean x⁺", rtol=1e-6, atol=1e-9,
                     hint="Predict first (x⁻ = F x), then correct with the gain: x⁺ = x⁻ + K (z − H x⁻).")
               or close(got[1], expected[1], what="the updated covariance P⁺", rtol=1e-6, atol=1e-9,
                        hint="P⁻ = F P Fᵀ + Q, K = P⁻ Hᵀ (H P⁻ Hᵀ + R)⁻¹, P⁺ = (I − K H) P⁻."))
    if problem and np.shape(got[0]) == np.shape(expected[0]) and np.shape(got[1]) == np.shape(expected[1]):
        for wrong, sentence in _KALMAN_MISTAKES:
            if _pair_matches(got, wrong(*args)):
                return Problem(sentence, problem.message())
    return problem


function_check(
    "info.kalman_step",
    reference=info._kalman_step,
    calls=_kalman_calls,
    compare=_compare_kalman,
    doc="One Kalman predict/update step on a random linear-Gaussian model; returns (x_new, P_new).",
)


# ---- journal club: which statements are true ------------------------------------------------------

choice_check(
    "info.true_statements",
    true="acf",
    doc="Journal club: which of six statements about entropy, channels and the Kalman filter are true.",
)
