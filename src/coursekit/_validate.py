"""Input validation shared by every coursekit module.

Each helper checks one argument up front and raises a ``ValueError`` or ``TypeError`` whose message
names the argument, says what was expected and shows the bad value, so that a student sees *what*
is wrong before any work is done:

    >>> as_array([1.0, float("nan")], name="x")
    Traceback (most recent call last):
    ...
    ValueError: x must be finite; found nan at [1]

Options and scalar settings are declared next to the signature instead of checked by hand: the
decorator :func:`validate` takes one rule per argument (:class:`OneOf`, :class:`Real`,
:class:`Integer`, :class:`Rng`), checks the arguments of every call against them and passes the
checked (converted) values on; :func:`check_fields` applies the same rules to a configuration
dataclass. A rule is any callable ``rule(value, name) -> value`` that raises on a bad value.

    >>> @validate(init=OneOf("he", "xavier"), scale=Real(0, None, closed="neither"))
    ... def layer(n, *, init="he", scale=1.0): ...
    >>> layer(3, init="glorot")
    Traceback (most recent call last):
    ...
    ValueError: init must be one of 'he' or 'xavier'; got 'glorot'
"""

from __future__ import annotations

import functools
import inspect
import numbers
from typing import Any, Callable

import numpy as np

__all__ = [
    "validate", "check_fields", "OneOf", "Real", "Integer", "Rng",
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
    "as_tracks",
    "walk_shape",
    "check_distributions",
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
    """An explicit source of randomness: a ``numpy.random.Generator`` (used as is, so the caller's
    stream advances) or an integer seed ≥ 0 (a fresh ``np.random.default_rng(seed)``). Never
    global state, never ``None``: same seed, same numbers."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"{name} must be a seed >= 0 or a numpy.random.Generator; got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(f"{name} must be a seed (an int >= 0) or a numpy.random.Generator, e.g. "
                    f"np.random.default_rng(0); got {type(rng).__name__}")


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


def check_distributions(p: np.ndarray, *, name: str, what: str, atol: float = 1e-8) -> None:
    """Every slice ``p[..., :]`` along the last axis must be a probability distribution (entries ≥ 0,
    summing to 1); ``what`` says what it is a distribution over, for the message."""
    negative = p < 0
    if negative.any():
        raise ValueError(f"{name} must hold probabilities (>= 0); found {p[negative].flat[0]:g} at {_where(negative)}")
    sums = p.sum(axis=-1)
    off = np.abs(sums - 1.0) > atol
    if off.any():
        index = _where(off)[:-1] + ", :]"
        raise ValueError(f"each {name}{index} must be a probability distribution over {what} (summing to 1); "
                         f"found one summing to {sums[off].flat[0]:.6g}")


def as_tracks(x: Any, *, name: str = "x", min_len: int = 2) -> tuple[np.ndarray, bool]:
    """Tracks — one track (T,), tracks (walkers, T) or (walkers, T, dim) — as a (walkers, T, dim)
    float array, and whether a single track was given."""
    x = as_array(x, name=name, ndim=(1, 2, 3))
    single = x.ndim == 1
    if single:
        x = x[None, :, None]
    elif x.ndim == 2:
        x = x[:, :, None]
    if x.shape[1] < min_len:
        raise ValueError(f"{name} must have at least {min_len} time points; got {x.shape[1]}")
    return x, single


def walk_shape(n_walkers: Any, n_steps: Any, dim: Any) -> tuple[int, int, int, tuple[int, ...]]:
    """Checked counts of a simulation of walkers, and the shape of its tracks: (walkers, steps + 1)
    in one dimension, (walkers, steps + 1, dim) otherwise."""
    n_walkers = positive_int(n_walkers, name="n_walkers")
    n_steps = positive_int(n_steps, name="n_steps")
    dim = positive_int(dim, name="dim")
    return n_walkers, n_steps, dim, ((n_walkers, n_steps + 1) if dim == 1 else (n_walkers, n_steps + 1, dim))


# --------------------------------------------------------------------------------------------
# Declarative rules
# --------------------------------------------------------------------------------------------

def _show(options) -> str:
    shown = [repr(o) for o in options]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


class OneOf:
    """The value must be one of a few options (strings, numbers or ``None``), compared by equality
    and type, so that ``1`` does not pass for ``True`` nor an array for a string."""

    def __init__(self, *options):
        if not options:
            raise ValueError("OneOf needs at least one option")
        self.options = options

    def __call__(self, value: Any, name: str) -> Any:
        for option in self.options:
            if (value is None and option is None) or (
                    option is not None and type(value) is type(option) and value == option):
                return value
        return self._fail(value, name)

    def _fail(self, value, name):
        shown = repr(value) if isinstance(value, (str, numbers.Number, type(None))) else type(value).__name__
        raise ValueError(f"{name} must be one of {_show(self.options)}; got {shown}")

    def __repr__(self):
        return f"OneOf({', '.join(map(repr, self.options))})"


class Real:
    """A finite real number in an interval (``None`` for an open end), returned as a float.

    ``closed`` is 'both', 'left', 'right' or 'neither', as for :func:`in_range`; the messages are
    those of :func:`positive`, :func:`nonnegative` and :func:`in_range`.
    """

    def __init__(self, lo: float | None = None, hi: float | None = None, *, closed: str = "both",
                 optional: bool = False):
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed must be 'both', 'left', 'right' or 'neither'; got {closed!r}")
        self.lo, self.hi, self.closed, self.optional = lo, hi, closed, optional

    def __call__(self, value: Any, name: str) -> float | None:
        if value is None and self.optional:
            return None
        lo, hi, closed = self.lo, self.hi, self.closed
        if hi is None:
            if lo is None:
                return _number(value, name)
            if lo == 0:
                return positive(value, name=name) if closed in ("right", "neither") else nonnegative(value, name=name)
            v = _number(value, name)
            if v < lo or (v == lo and closed in ("right", "neither")):
                raise ValueError(f"{name} must be {'>=' if closed in ('both', 'left') else '>'} {lo:g}; got {v:g}")
            return v
        return in_range(value, -np.inf if lo is None else lo, hi, name=name, closed=closed)

    def __repr__(self):
        return f"Real({self.lo}, {self.hi}, closed={self.closed!r})"


class Integer:
    """An integer ≥ ``minimum`` (bools refused), returned as an int."""

    def __init__(self, minimum: int = 1, *, optional: bool = False):
        self.minimum, self.optional = minimum, optional

    def __call__(self, value: Any, name: str) -> int | None:
        if value is None and self.optional:
            return None
        return positive_int(value, name=name, minimum=self.minimum)

    def __repr__(self):
        return f"Integer(minimum={self.minimum})"


class Rng:
    """A seed or a ``numpy.random.Generator`` (see :func:`as_rng`), returned as a Generator; with
    ``optional=True``, ``None`` passes too (for functions where no generator means no randomness)."""

    def __init__(self, *, optional: bool = False):
        self.optional = optional

    def __call__(self, value: Any, name: str) -> np.random.Generator | None:
        if value is None and self.optional:
            return None
        return as_rng(value, name=name)

    def __repr__(self):
        return f"Rng(optional={self.optional})"


def validate(**rules: Callable[[Any, str], Any]):
    """Decorator: check the named arguments of every call against their rules, before the body runs.

    Each rule is called as ``rule(value, name)`` on the value the caller passed (defaults are trusted
    and not checked) and returns the value to use — converted (a float, an int, a Generator) or as
    is. The wrapped function keeps its name, docstring and signature (``inspect.signature`` sees the
    original); the rules are kept in its ``__validate__`` attribute.
    """
    def decorate(func):
        sig = inspect.signature(func)
        unknown = sorted(set(rules) - set(sig.parameters))
        if unknown:
            raise TypeError(f"validate: {func.__qualname__} has no parameter {unknown[0]!r}")

        @functools.wraps(func)
        def checked(*args, **kwargs):
            bound = sig.bind(*args, **kwargs)
            arguments = bound.arguments
            for name, rule in rules.items():
                if name in arguments:
                    arguments[name] = rule(arguments[name], name)
            return func(*bound.args, **bound.kwargs)

        checked.__validate__ = dict(rules)
        return checked

    return decorate


def check_fields(obj: Any, **rules: Callable[[Any, str], Any]) -> None:
    """Apply rules to the attributes of ``obj`` (a configuration dataclass, from its
    ``__post_init__``), storing the converted values; works on frozen dataclasses too."""
    for name, rule in rules.items():
        object.__setattr__(obj, name, rule(getattr(obj, name), name))
