"""Numerical primitives shared by every coursekit module, each written once.

* :func:`sigmoid` and :func:`softplus`, the logistic function and its integral, without overflow;
* :func:`one_blas_thread`, a context that runs many small matrix products on one BLAS thread;
* :func:`central_differences`, the derivative of anything by perturbing an array in place;
* :func:`relative_error`, the measure every gradient check reports;
* :func:`scalar_or_array`, a float for a 0-d result and the array otherwise;
* :func:`binary_vectors`, all 2ⁿ binary vectors of length n in counting order.

Private: the chapters' modules import these; notebooks call the chapters' modules.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Callable

import numpy as np

__all__ = ["sigmoid", "softplus", "one_blas_thread", "central_differences", "relative_error",
           "scalar_or_array", "binary_vectors"]


def sigmoid(z):
    """σ(z) = 1/(1 + e^{−z}), computed as ½(1 + tanh(z/2)): no overflow for any z, an absolute error
    of at most one unit in the last place of 1 (2.2e-16) — so not a small relative error far in the
    negative tail, where it returns 0 below z ≈ −37 — and faster than ``scipy.special.expit``
    (NumPy's tanh is vectorised: 1.2–2.7× on arrays of 64×16 to 1797×16, on a shared machine). For log-probabilities use :func:`softplus`:
    log σ(z) = −softplus(−z)."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def softplus(x):
    """log(1 + eˣ): the fast two-pass form while eˣ cannot overflow, ``logaddexp`` otherwise."""
    x = np.asarray(x, dtype=float)
    if x.size and x.max() < 700:
        return np.log1p(np.exp(x))
    return np.logaddexp(0.0, x)


@functools.lru_cache(maxsize=1)
def _blas_libraries() -> tuple:
    """The BLAS libraries NumPy loaded, as threadpoolctl controllers (() if threadpoolctl is missing)."""
    try:
        from threadpoolctl import ThreadpoolController
        return tuple(ThreadpoolController().select(user_api="blas").lib_controllers)
    except Exception:                      # pragma: no cover - an unusual BLAS or threadpoolctl
        return ()


@contextlib.contextmanager
def one_blas_thread():
    """Run the enclosed matrix products on one BLAS thread; the previous setting is restored on exit.

    The course's matrix products are small (a few MFLOP for the digits CNN, a 64-sample infomax
    batch): a second BLAS thread saves little, and on a busy machine each product can wait
    milliseconds for it — on a shared 2-core box this made training the digits CNN 15 times slower.
    Switching costs about 5 µs.
    """
    libs = _blas_libraries()
    saved = [lib.num_threads for lib in libs]
    for lib in libs:
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, n in zip(libs, saved):
            lib.set_num_threads(n)


def central_differences(f: Callable[[], object], x: np.ndarray, h: float) -> np.ndarray:
    """∂f/∂x_k ≈ [f(x + h e_k) − f(x − h e_k)] / 2h for every entry k of the array ``x``, error O(h²).

    ``x`` is perturbed **in place**, one entry at a time, and restored; ``f()`` takes no arguments and
    reads ``x`` (the parameters of a model, or a copy of a point). ``f`` may return a number or an
    array; the result has shape ``x.shape + shape of f()``. Costs 2·x.size calls of ``f``.
    """
    flat = x.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be an array that reshape(-1) can view (a contiguous array)")
    columns = []
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + h
        plus = np.array(f(), dtype=float)
        flat[k] = old - h
        minus = np.array(f(), dtype=float)
        flat[k] = old
        columns.append((plus - minus) / (2 * h))
    tail = columns[0].shape if columns else ()
    return np.array(columns).reshape(x.shape + tail)


def relative_error(a, b) -> float:
    """max_k |a_k − b_k| / max(1, |a_k| + |b_k|): relative for large entries, absolute for small ones.

    A gradient check passes near 1e-8 (h = 1e-6, double precision); above ~1e-5 it means a bug.
    """
    a, b = np.ravel(a), np.ravel(b)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(a) + np.abs(b))))


def scalar_or_array(x):
    """A Python float for a 0-d result (one state, one load α), the array itself otherwise."""
    return float(x) if np.ndim(x) == 0 else x


def binary_vectors(n: int) -> np.ndarray:
    """All 2ⁿ binary vectors of length n as rows of 0.0/1.0, in counting order (first entry = most
    significant bit)."""
    return ((np.arange(2**n)[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(float)
