"""Judging helpers: compare returned data with a reference and explain a mismatch in one sentence.

Each returns ``None`` when the answer is right and a :class:`~coursekit.grading.registry.Problem`
otherwise. The ``reason`` names what is wrong without revealing the expected values (safe for hidden
checks); the ``detail`` gives the numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .registry import Problem

__all__ = ["close", "number"]


def _fmt(x: Any) -> str:
    arr = np.asarray(x)
    if arr.ndim == 0:
        return f"{arr.item():.6g}" if arr.dtype.kind in "fc" else str(arr.item())
    return np.array2string(arr, precision=4, threshold=6, edgeitems=2, separator=", ")


def number(got: Any, *, what: str) -> "float | Problem":
    """Read a single real number out of ``got`` or explain why it is not one."""
    arr = np.asarray(got)
    if arr.dtype.kind not in "biuf" or arr.size != 1:
        return Problem(f"{what} should be a single number.", f"Got {_fmt(got)}.")
    return float(arr.reshape(()))


def close(got: Any, expected: Any, *, what: str, rtol: float = 1e-6, atol: float = 1e-9,
          hint: str = "", inputs_label: str = "") -> Problem | None:
    """``got`` equals ``expected`` to ``|got - expected| <= atol + rtol |expected|``, elementwise.

    what: a short name of the quantity ("sigmoid(z)", "the gradient").
    hint: a sentence added when the values differ ("check the sign of the second term").
    """
    exp = np.asarray(expected, dtype=float)
    try:
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return Problem(f"{what} should be numbers.", f"Got {type(got).__name__}: {str(got)[:80]}.")
    if g.shape != exp.shape:
        if g.size == exp.size and g.size > 1:
            return Problem(f"{what} has the right number of entries but the wrong shape.",
                           f"Expected shape {exp.shape}, got {g.shape}.")
        return Problem(f"{what} has the wrong shape.", f"Expected shape {exp.shape}, got {g.shape}.")
    if not np.all(np.isfinite(g)) and np.all(np.isfinite(exp)):
        return Problem(f"{what} contains nan or inf.", f"Got {_fmt(g)}. {hint}".strip())
    err = np.abs(g - exp)
    bad = err > atol + rtol * np.abs(exp)
    if not bad.any():
        return None
    sign_flip = np.allclose(g, -exp, rtol=rtol, atol=atol) and np.any(exp != 0)
    reason = f"{what} is not right" + (": it has the opposite sign." if sign_flip else ".")
    if hint:
        reason = f"{reason} {hint}"
    if exp.ndim == 0:
        detail = f"Expected {_fmt(exp)}, got {_fmt(g)}."
    else:
        i = tuple(int(k) for k in np.argwhere(bad)[0])
        detail = (f"{int(bad.sum())} of {bad.size} entries differ; e.g. at index {list(i)} "
                  f"expected {_fmt(exp[i])}, got {_fmt(g[i])}.")
    if inputs_label:
        detail = f"{detail} (Inputs: {inputs_label}.)"
    return Problem(reason, detail)
