"""Input validation shared by every coursekit module.

Each helper checks one argument up front and raises a ``ValueError`` or ``TypeError`` whose message
names the argument and says what was expected, so that a student sees *what* is wrong before any
work is done:

    >>> as_array([1.0, float("nan")], name="x")
    Traceback (most recent call last):
    ...
    ValueError: x must be finite; found nan at [1]
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "as_array",
    "as_matrix",
    "as_vector",
    "as_spins",
    "as_rng",
    "positive",
    "nonnegative",
    "in_range",
    "positive_int",
    "check_callable",
    "same_length",
]


def _where(mask: np.ndarray) -> str:
    idx = np.argwhere(mask)[0]
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def as_array(x: Any, *, name: str, ndim: int | tuple[int, ...] | None = None,
             finite: bool = True, dtype=float, allow_empty: bool = False) -> np.ndarray:
    """Convert ``x`` to a NumPy array and check its dimensions, emptiness and finiteness."""
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be array-like of numbers; got {type(x).__name__}") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}; got shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    if finite and arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        bad = ~np.isfinite(arr)
        where = f" at {_where(bad)}" if arr.ndim else ""
        raise ValueError(f"{name} must be finite; found {arr[bad].flat[0]}{where}")
    return arr


def as_vector(x: Any, *, name: str, size: int | None = None, **kw) -> np.ndarray:
    """A 1-D finite float array, optionally of a given length."""
    v = as_array(x, name=name, ndim=1, **kw)
    if size is not None and v.shape[0] != size:
        raise ValueError(f"{name} must have length {size}; got {v.shape[0]}")
    return v


def as_matrix(x: Any, *, name: str, shape: tuple[int | None, int | None] | None = None,
              square: bool = False, **kw) -> np.ndarray:
    """A 2-D finite float array, optionally of a given shape (``None`` = any size on that axis)."""
    m = as_array(x, name=name, ndim=2, **kw)
    if square and m.shape[0] != m.shape[1]:
        raise ValueError(f"{name} must be square; got shape {m.shape}")
    if shape is not None:
        for axis, want in enumerate(shape):
            if want is not None and m.shape[axis] != want:
                raise ValueError(f"{name} must have shape {tuple('any' if s is None else s for s in shape)}; "
                                 f"got {m.shape}")
    return m


def as_spins(x: Any, *, name: str, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """An array of ±1 values (Ising spins, Hopfield states, perceptron labels)."""
    arr = as_array(x, name=name, ndim=ndim)
    bad = (arr != 1) & (arr != -1)
    if bad.any():
        raise ValueError(f"{name} must contain only -1 and +1; found {arr[bad].flat[0]:g} at {_where(bad)}")
    return arr


def as_rng(rng: Any, *, name: str = "rng") -> np.random.Generator:
    """Require an explicit ``numpy.random.Generator``: randomness is never global state here."""
    if isinstance(rng, np.random.Generator):
        return rng
    raise TypeError(f"{name} must be a numpy.random.Generator, e.g. np.random.default_rng(0); "
                    f"got {type(rng).__name__}")


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}")
    return value


def positive(value: Any, *, name: str) -> float:
    """A finite number > 0 (a step size, a temperature, a diffusion coefficient)."""
    v = _number(value, name)
    if v <= 0:
        raise ValueError(f"{name} must be > 0; got {v:g}")
    return v


def nonnegative(value: Any, *, name: str) -> float:
    """A finite number ≥ 0."""
    v = _number(value, name)
    if v < 0:
        raise ValueError(f"{name} must be >= 0; got {v:g}")
    return v


def in_range(value: Any, lo: float, hi: float, *, name: str, closed: str = "both") -> float:
    """A finite number in [lo, hi] (``closed`` is 'both', 'left', 'right' or 'neither')."""
    v = _number(value, name)
    ok_lo = v >= lo if closed in ("both", "left") else v > lo
    ok_hi = v <= hi if closed in ("both", "right") else v < hi
    if not (ok_lo and ok_hi):
        left = "[" if closed in ("both", "left") else "("
        right = "]" if closed in ("both", "right") else ")"
        raise ValueError(f"{name} must be in {left}{lo:g}, {hi:g}{right}; got {v:g}")
    return v


def positive_int(value: Any, *, name: str, minimum: int = 1) -> int:
    """An integer ≥ ``minimum`` (a number of steps, units, epochs)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return int(value)


def check_callable(f: Any, *, name: str) -> Any:
    if not callable(f):
        raise TypeError(f"{name} must be callable; got {type(f).__name__}")
    return f


def same_length(a: np.ndarray, b: np.ndarray, *, names: tuple[str, str]) -> None:
    """Two arrays that pair up sample by sample (``X`` and ``y``)."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"{names[0]} and {names[1]} must have the same number of rows; "
                         f"got {a.shape[0]} and {b.shape[0]}")
