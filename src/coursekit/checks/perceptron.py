"""Checks for week 1's exercises (``notebooks/01-perceptrons.ipynb``)."""

import math

import numpy as np

from .. import perceptron
from ..grading import Problem, close, number, register


def _update_cases(rng):
    """Eight single-pattern updates, half of them mistakes (y(w·x + b) ≤ 0), one exactly on the boundary."""
    d = int(rng.integers(2, 6))
    cases = []
    for k in range(8):
        w = rng.normal(size=d)
        x = rng.normal(size=d)
        b = float(rng.normal())
        y = float(np.sign(w @ x + b)) * (-1.0 if k % 2 else 1.0)          # odd k: a mistake
        cases.append({"w": w, "b": b, "x": x, "y": y, "eta": float(rng.uniform(0.1, 2.0))})
    w0 = rng.normal(size=d)
    cases.append({"w": w0, "b": 0.0, "x": np.zeros(d), "y": 1.0, "eta": 1.0})   # on the boundary: update
    return {"cases": cases}


def _reference_update(c):
    if c["y"] * (c["w"] @ c["x"] + c["b"]) <= 0:
        return c["w"] + c["eta"] * c["y"] * c["x"], c["b"] + c["eta"] * c["y"]
    return c["w"], c["b"]


def _ask_update(update, inputs):
    out = []
    for c in inputs["cases"]:
        w, b = update(c["w"].copy(), c["b"], c["x"].copy(), c["y"], c["eta"])
        out.append([np.asarray(w, dtype=float), float(b)])
    return out


def _judge_update(got, inputs):
    if not isinstance(got, list) or len(got) != len(inputs["cases"]):
        return "perceptron_update should return the pair (w, b)."
    for c, (w, b) in zip(inputs["cases"], got):
        w_ref, b_ref = _reference_update(c)
        mistake = c["y"] * (c["w"] @ c["x"] + c["b"]) <= 0
        hint = ("This pattern was misclassified (y(w·x + b) ≤ 0): add η·y·x to w and η·y to b."
                if mistake else "This pattern was classified correctly: w and b must not change.")
        problem = close(w, w_ref, what="the new w", rtol=1e-9, atol=1e-12, hint=hint) or \
            close(b, b_ref, what="the new b", rtol=1e-9, atol=1e-12, hint=hint)
        if problem:
            return problem
    return None


register(
    "perceptron.update",
    inputs=_update_cases,
    ask=_ask_update,
    judge=_judge_update,
    doc="One step of Rosenblatt's rule on a single pattern; returns (w, b).",
)


def _margin_inputs(rng):
    n, d = int(rng.integers(10, 30)), int(rng.integers(2, 5))
    X, y, w_star = perceptron.separable_data(n, d, rng=rng, margin=0.2)
    return {"w": w_star * rng.uniform(0.5, 3.0), "b": float(rng.normal(scale=0.1)), "X": X, "y": y}


def _margin_reference(x):
    return float(np.min(x["y"] * (x["X"] @ x["w"] + x["b"])) / np.linalg.norm(x["w"]))


register(
    "perceptron.margin",
    inputs=_margin_inputs,
    ask=lambda margin, x: margin(x["w"], x["b"], x["X"], x["y"]),
    judge=lambda got, x: close(got, _margin_reference(x), what="the geometric margin", rtol=1e-8, atol=1e-10,
                               hint="γ = minᵢ yᵢ(w·xᵢ + b)/‖w‖: divide by the norm of w (not of (w, b)), "
                                    "and take the smallest value over the patterns."),
    doc="The geometric margin minᵢ yᵢ(w·xᵢ + b)/‖w‖ of a classifier on a data set.",
)


def _cover_inputs(rng):
    N = int(rng.integers(2, 12))
    return {"pairs": [(int(p), N) for p in sorted({1, N, 2 * N, 3 * N, *rng.integers(1, 5 * N, size=5)})]}


def _cover_exact(P, N):
    return 2 * sum(math.comb(P - 1, k) for k in range(N)) / 2**P


def _judge_cover(got, x):
    expected = [_cover_exact(P, N) for P, N in x["pairs"]]
    return close(np.asarray(got, dtype=float), expected, what="Cover's fraction", rtol=1e-9, atol=1e-12,
                 hint="C(P, N)/2^P = 2·Σ_{k=0}^{N−1} binom(P−1, k) / 2^P; it is 1 for P ≤ N and ½ at P = 2N.")


register(
    "perceptron.cover_fraction",
    inputs=_cover_inputs,
    ask=lambda f, x: [float(f(P, N)) for P, N in x["pairs"]],
    judge=_judge_cover,
    doc="Cover's counting formula for the fraction of separable labelings.",
)


def _judge_xor_count(got, x):
    n = number(got, what="The number of separable labelings")
    if isinstance(n, Problem):
        return n
    if n == 14:
        return None
    return Problem("That is not the number of labelings of the square's corners that a line separates.",
                   f"You said {n:g}. Loop over all 16 labelings y ∈ {{−1, +1}}⁴ and test each with "
                   "perceptron.is_separable(X, y, bias=True).")


register(
    "perceptron.xor_labelings",
    ask=lambda n, x: n,
    judge=_judge_xor_count,
    doc="How many of the 16 labelings of the unit square's corners are linearly separable (with a bias).",
)
