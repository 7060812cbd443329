"""Checks for week 8's exercises (``notebooks/08-information-control.ipynb``)."""

import numpy as np

from .. import info
from ..grading import Problem, close, register


def _distributions(rng):
    ps = [rng.dirichlet(np.ones(int(k))) for k in rng.integers(2, 12, size=4)]
    sparse = rng.dirichlet(np.ones(6))
    sparse[[1, 4]] = 0.0                                  # zero probabilities: 0 log 0 = 0
    return {"ps": ps + [sparse / sparse.sum(), np.array([1.0, 0.0]), np.full(8, 1 / 8)]}


def _judge_entropy(got, x):
    expected = [info.entropy(p) for p in x["ps"]]
    if np.shape(got) == (len(expected),) and np.all(np.isfinite(got)) \
            and np.allclose(got, np.array(expected) * np.log(2), rtol=1e-6):
        return Problem("These are entropies in nats: use log base 2 for bits.")
    return close(got, expected, what="the entropies", rtol=1e-6, atol=1e-9,
                 hint="H = −Σ p log₂ p, skipping the zero probabilities (0 log 0 = 0); "
                      "the uniform distribution on 8 symbols has 3 bits.")


register(
    "info.entropy",
    inputs=_distributions,
    ask=lambda f, x: [f(p) for p in x["ps"]],
    judge=_judge_entropy,
    doc="Entropy in bits of several distributions, some with zero entries.",
)


def _channel(rng):
    nx, ny = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    return {"px": rng.dirichlet(np.ones(nx)), "W": rng.dirichlet(np.ones(ny), size=nx)}


def _judge_channel(got, x):
    expected = info.channel_mutual_information(x["px"], x["W"])
    h_y = info.entropy(x["px"] @ x["W"])
    if np.ndim(got) == 0 and np.isfinite(got) and abs(float(got) - h_y) < 1e-6 < abs(h_y - expected):
        return Problem("That is H(Y), the output entropy; subtract the noise entropy H(Y|X) = Σ_x p(x) H(W[x]).")
    return close(got, expected, what="I(X; Y)", rtol=1e-6, atol=1e-9,
                 hint="I(X; Y) = H(Y) − H(Y|X) with p(y) = Σ_x p(x) W[x, y]; in bits.")


register(
    "info.channel_mi",
    inputs=_channel,
    ask=lambda f, x: f(x["px"], x["W"]),
    judge=_judge_channel,
    doc="Mutual information between the input and the output of a discrete channel.",
)


def _kalman_inputs(rng):
    n, m = int(rng.integers(1, 4)), int(rng.integers(1, 3))
    L = rng.normal(size=(n, n))
    M = rng.normal(size=(m, m))
    return {"x": rng.normal(size=n), "P": L @ L.T + 0.1 * np.eye(n), "z": rng.normal(size=m),
            "F": np.eye(n) + 0.3 * rng.normal(size=(n, n)), "H": rng.normal(size=(m, n)),
            "Q": 0.5 * np.eye(n), "R": M @ M.T + 0.2 * np.eye(m)}


def _ask_kalman(f, x):
    out = f(*(x[k].copy() for k in ("x", "P", "z", "F", "H", "Q", "R")))
    if out is None or out is Ellipsis:
        return out
    x_new, P_new = out
    return [np.asarray(x_new, dtype=float), np.asarray(P_new, dtype=float)]


def _judge_kalman(got, x):
    x_ref, P_ref = info.kalman_step(x["x"], x["P"], x["z"], x["F"], x["H"], x["Q"], x["R"])
    if not (isinstance(got, list) and len(got) == 2):
        return Problem("Return the pair (x_new, P_new).")
    return (close(got[0], x_ref, what="the updated mean x⁺", rtol=1e-6, atol=1e-9,
                  hint="Predict first (x⁻ = F x), then correct with the gain: x⁺ = x⁻ + K (z − H x⁻).")
            or close(got[1], P_ref, what="the updated covariance P⁺", rtol=1e-6, atol=1e-9,
                     hint="P⁻ = F P Fᵀ + Q, K = P⁻ Hᵀ (H P⁻ Hᵀ + R)⁻¹, P⁺ = (I − K H) P⁻."))


register(
    "info.kalman_step",
    inputs=_kalman_inputs,
    ask=_ask_kalman,
    judge=_judge_kalman,
    doc="One Kalman predict/update step on a random linear-Gaussian model.",
)
