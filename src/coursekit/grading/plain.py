"""Answers travel between processes as plain data.

The *ask* half of a check runs where the student's answer lives (their kernel); the *judge* half runs
in the grader's own process. What crosses between them is JSON: numbers, strings, lists, dicts and
NumPy arrays encoded as ``{"__ndarray__": [...], "dtype": "...", "shape": [...]}``. Nothing else
(no pickles, no objects with methods) so a submission cannot smuggle code into the grader.
"""

from __future__ import annotations

import json
import numbers
from typing import Any

import numpy as np

MAX_ELEMENTS = 1_000_000   # an answer bigger than this is not a plausible exercise answer


class NotPlainData(TypeError):
    """An answer returned something that cannot be checked (an object, a generator, ...)."""


def _count(x: Any) -> int:
    return x.size if isinstance(x, np.ndarray) else 1


def to_plain(x: Any, _budget: list[int] | None = None) -> Any:
    """Encode ``x`` as JSON-ready plain data, or raise :class:`NotPlainData`."""
    budget = [MAX_ELEMENTS] if _budget is None else _budget
    budget[0] -= _count(x)
    if budget[0] < 0:
        raise NotPlainData(f"the answer has more than {MAX_ELEMENTS:,} numbers in it")
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, numbers.Integral):
        return int(x)
    if isinstance(x, numbers.Real):
        return float(x)
    if isinstance(x, numbers.Complex):
        return {"__complex__": [float(x.real), float(x.imag)]}
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biufc":
            raise NotPlainData(f"an array of dtype {x.dtype} cannot be checked; use numbers")
        if x.dtype.kind == "c":
            return {"__ndarray__": [x.real.tolist(), x.imag.tolist()], "dtype": str(x.dtype),
                    "shape": list(x.shape)}
        return {"__ndarray__": x.tolist(), "dtype": str(x.dtype), "shape": list(x.shape)}
    if isinstance(x, (list, tuple)):
        return [to_plain(v, budget) for v in x]
    if isinstance(x, dict):
        if not all(isinstance(k, str) for k in x):
            raise NotPlainData("a dict in the answer has keys that are not strings")
        return {k: to_plain(v, budget) for k, v in x.items()}
    if x is Ellipsis:
        return {"__ellipsis__": True}
    raise NotPlainData(f"the answer contains a {type(x).__name__}, which cannot be checked; "
                       "return numbers, arrays, strings, lists or dicts")


def _numeric_dtype(name: Any) -> np.dtype:
    """Only plain numeric dtypes come back from a kernel (never, say, a 2 GB void type)."""
    try:
        dtype = np.dtype(str(name))
    except TypeError:
        raise NotPlainData(f"unknown dtype {str(name)[:40]!r}") from None
    if dtype.kind not in "biufc" or dtype.itemsize > 16:
        raise NotPlainData(f"dtype {dtype} is not a plain numeric type")
    return dtype


def from_plain(x: Any) -> Any:
    """Decode what :func:`to_plain` produced."""
    if isinstance(x, list):
        return [from_plain(v) for v in x]
    if isinstance(x, dict):
        if "__ndarray__" in x:
            dtype = _numeric_dtype(x["dtype"])
            if dtype.kind == "c":
                re, im = x["__ndarray__"]
                return (np.asarray(re) + 1j * np.asarray(im)).astype(dtype).reshape(x["shape"])
            return np.asarray(x["__ndarray__"], dtype=dtype).reshape(x["shape"])
        if "__complex__" in x:
            return complex(*x["__complex__"])
        if "__ellipsis__" in x:
            return Ellipsis
        return {k: from_plain(v) for k, v in x.items()}
    return x


def dumps(x: Any) -> str:
    return json.dumps(to_plain(x))


def loads(s: str) -> Any:
    return from_plain(json.loads(s))
