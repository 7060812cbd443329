"""Week 8's checks, each fed the stub, the reference, another valid form and typical mistakes; and the
checks' private references against scipy and closed forms."""

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.stats import entropy as scipy_entropy

import checkcases
from checkcases import Cases, Mistake
from coursekit import info
from coursekit.checks import info as checks


# ---- the notebook's solutions ------------------------------------------------------------------------

def conditional_entropy(pxy):
    def H(p):
        p = np.asarray(p, dtype=float).ravel()
        p = p[p > 0]
        return -(p * np.log2(p)).sum()
    return float(H(pxy) - H(np.sum(pxy, axis=1)))


def kalman_step(x, P, z, F, H, Q, R):
    x_pred = F @ x
    P_pred = F @ P @ F.T + Q
    K = P_pred @ H.T @ np.linalg.inv(H @ P_pred @ H.T + R)
    return x_pred + K @ (z - H @ x_pred), (np.eye(len(x)) - K @ H) @ P_pred


def capacity(W, tol):
    W = np.asarray(W, dtype=float)
    px = np.full(W.shape[0], 1 / W.shape[0])
    while True:
        q = px @ W
        with np.errstate(divide="ignore", invalid="ignore"):
            D = np.where(W > 0, W * np.log(W / q), 0.0).sum(axis=1)
        lower, upper = np.log(px @ np.exp(D)), D.max()
        if upper - lower < tol:
            return lower / np.log(2), px
        px = px * np.exp(D)
        px = px / px.sum()


# ---- other valid forms -------------------------------------------------------------------------------

def conditional_entropy_by_rows(pxy):
    """Σ_x p(x) H(Y | X = x), with scipy's entropy of each row."""
    px = pxy.sum(axis=1)
    return sum(p * scipy_entropy(row / p, base=2) for p, row in zip(px, pxy) if p > 0)


def kalman_step_joseph(x, P, z, F, H, Q, R):
    """The Joseph form of the covariance update and a solve instead of an inverse: the same numbers."""
    x_pred, P_pred = F @ x, F @ P @ F.T + Q
    K = np.linalg.solve(H @ P_pred @ H.T + R, H @ P_pred).T
    A = np.eye(len(x)) - K @ H
    return list(x_pred + K @ (z - H @ x_pred)), A @ P_pred @ A.T + K @ R @ K.T


def capacity_in_bits_throughout(W, tol, max_iter=100_000):
    """Another valid form: the iteration in base 2 (p ∝ p 2^D), stopping on the bounds, px as a list."""
    W = np.asarray(W, dtype=float)
    px = np.ones(len(W)) / len(W)
    for _ in range(max_iter):
        q = px @ W
        D = np.array([sum(w * np.log2(w / qq) for w, qq in zip(row, q) if w > 0) for row in W])
        lower = np.log2(px @ 2.0 ** D)
        if D.max() - lower < tol / np.log(2):
            break
        px = px * 2.0 ** D / (px @ 2.0 ** D)
    return float(lower), px.tolist()


def capacity_by_optimizer(W, tol):
    """Another valid form: maximise I over the simplex with scipy (softmax parameters)."""
    W = np.asarray(W, dtype=float)
    f = lambda a: -info.channel_mutual_information(np.exp(a - a.max()) / np.exp(a - a.max()).sum(), W)
    best = min((minimize(f, a0, method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 20000})
                for a0 in (np.zeros(len(W)), np.random.default_rng(0).normal(size=len(W)))), key=lambda r: r.fun)
    # polish with Blahut–Arimoto steps from the optimiser's point (Nelder–Mead alone stops near 1e-9)
    px = np.exp(best.x - best.x.max())
    px /= px.sum()
    return capacity_from(W, px, tol)


def capacity_from(W, px, tol):
    while True:
        q = px @ W
        with np.errstate(divide="ignore", invalid="ignore"):
            D = np.where(W > 0, W * np.log(W / q), 0.0).sum(axis=1)
        if D.max() - np.log(px @ np.exp(D)) < tol:
            return np.log(px @ np.exp(D)) / np.log(2), px
        px = px * np.exp(D) / (px @ np.exp(D))


# ---- typical mistakes ----------------------------------------------------------------------------------

def conditional_entropy_without_skipping_zeros(pxy):
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-(pxy * np.log2(pxy)).sum() + (pxy.sum(1) * np.log2(pxy.sum(1))).sum())


def capacity_fixed_steps(W, tol):
    """An unconverged loop: ten iterations whatever the tolerance."""
    W = np.asarray(W, dtype=float)
    px = np.full(len(W), 1 / len(W))
    for _ in range(10):
        q = px @ W
        with np.errstate(divide="ignore", invalid="ignore"):
            D = np.where(W > 0, W * np.log(W / q), 0.0).sum(axis=1)
        px = px * np.exp(D) / (px @ np.exp(D))
    return info.channel_mutual_information(px, W), px


def capacity_in_nats(W, tol):
    C, px = capacity(W, tol)
    return C * np.log(2), px


def capacity_of_uniform_input(W, tol):
    px = np.full(len(W), 1 / len(W))
    return info.channel_mutual_information(px, W), px


def capacity_with_uniform_px(W, tol):
    return capacity(W, tol)[0], np.full(len(W), 1 / len(W))


CASES = {
    "info.conditional_entropy": Cases(
        reference=conditional_entropy,
        valid=[conditional_entropy_by_rows, lambda pxy: np.float32(conditional_entropy(pxy))],
        mistakes=[Mistake(lambda pxy: conditional_entropy(pxy.T), says="that is h(x | y)"),
                  Mistake(lambda pxy: checks._H(pxy), says="joint entropy"),
                  Mistake(lambda pxy: conditional_entropy(pxy) * np.log(2), says="nats"),
                  Mistake(lambda pxy: checks._H(pxy.sum(axis=0)), says="that is h(y)"),
                  Mistake(conditional_entropy_without_skipping_zeros, says="nan")],
    ),
    "info.kalman_step": Cases(
        reference=kalman_step,
        valid=[kalman_step_joseph],
        mistakes=[Mistake(lambda *a: checks._kalman_variant(*a, add_Q=False), says="process noise q is missing"),
                  Mistake(lambda *a: checks._kalman_variant(*a, gain_from="posterior"), says="from the old p"),
                  Mistake(lambda *a: checks._kalman_variant(*a, update=False), says="prediction alone"),
                  Mistake(lambda *a: checks._kalman_variant(*a, predict=False), says="prediction step is missing"),
                  Mistake(checks._update_then_predict, says="wrong order"),
                  Mistake(lambda *a: checks._kalman_variant(*a, joseph_sign=+1), says="shrinks the uncertainty"),
                  Mistake(lambda *a: kalman_step(*a)[0], says="pair (x_new, p_new)")],
    ),
    "info.capacity": Cases(
        reference=capacity,
        valid=[capacity_in_bits_throughout, capacity_by_optimizer],
        mistakes=[Mistake(capacity_in_nats, says="nats"),
                  Mistake(capacity_of_uniform_input, says="uniform input"),
                  Mistake(capacity_fixed_steps, says="stopped before converging"),
                  Mistake(capacity_with_uniform_px, says="does not achieve the capacity"),
                  Mistake(lambda W, tol: capacity(W, tol)[0], says="the pair (c, px)"),
                  Mistake(lambda W, tol: (capacity(W, tol)[0], capacity(W, tol)[1][:-1]), says="one probability per input")],
        seeds=3,
    ),
    "info.true_statements": Cases(
        reference=["a", "c", "f"],
        valid=["acf", ("F", "a", "c")],
        mistakes=[Mistake(["a", "c", "d", "f"], says="1 of your choices is false"),
                  Mistake(["a", "f"], says="left out 1 true statement"),
                  Mistake(["q"], says="no statement 'q'"),
                  Mistake(0.5, says="as a list")],
        seeds=1,
    ),
}

test_case = checkcases.tests(CASES)


# ---- the private references against scipy and closed forms ------------------------------------------

def test_conditional_entropy_reference_is_the_chain_rule(rng):
    pxy = rng.dirichlet(np.ones(12)).reshape(3, 4)
    hx = scipy_entropy(pxy.sum(axis=1), base=2)
    assert info._conditional_entropy(pxy) == pytest.approx(scipy_entropy(pxy.ravel(), base=2) - hx, rel=1e-12)


@pytest.mark.parametrize("p", [0.0, 0.11, 0.3, 0.5])
def test_capacity_reference_against_closed_forms(p):
    assert info._blahut_arimoto(info.bsc(p), tol=1e-13).C == pytest.approx(float(info.bsc_capacity(p)), abs=1e-10)
    # the Z channel: C = log2(1 + (1 − p) p^(p/(1−p))) (e.g. Cover & Thomas, problem 7.8)
    if 0 < p < 1:
        z = info._blahut_arimoto([[1.0, 0.0], [p, 1 - p]], tol=1e-13).C
        assert z == pytest.approx(np.log2(1 + (1 - p) * p ** (p / (1 - p))), abs=1e-10)


def test_useless_input_gets_no_probability(rng):
    """The check's last channel has a row that mixes the other two: the best input never uses it, so a
    px that spreads probability evenly cannot pass."""
    W = checks._channel_problem(rng)["channels"][-1]
    cap = info._blahut_arimoto(W, tol=1e-13)
    assert sorted(cap.px)[0] < 1e-6 and sum(cap.px) == pytest.approx(1)
    assert info.channel_mutual_information(np.full(3, 1 / 3), W) < cap.C - 1e-3


def test_kalman_step_reference_is_coursekit_filter(rng):
    F, H, Q, R = info.constant_velocity_model(q=0.3, r=2.0)
    z = rng.normal(size=(4, 1))
    x, P = np.zeros(2), np.eye(2)
    res = info.kalman_filter(z, F, H, Q, R, x, P)
    for t in range(4):
        x, P = info._kalman_step(x, P, z[t], F, H, Q, R)
    np.testing.assert_allclose(x, res.x[-1], atol=1e-12)
    np.testing.assert_allclose(P, res.P[-1], atol=1e-12)
