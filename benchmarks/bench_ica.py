"""Week 4: FastICA (symmetric, log cosh) against scikit-learn's FastICA on the same speech-like mixtures.

Two rows: scikit-learn's default tolerance 1e-4, where each method stops at a slightly different point
near the fixed point (the Amari indices differ in the 4th decimal either way, depending on the start),
and a tight tolerance 1e-8, where both reach the same fixed point and must score the same.
"""

import numpy as np
from sklearn.decomposition import FastICA

from coursekit import ica
from harness import Case

_rng = np.random.default_rng(0)
S, _ = ica.speakers(6, duration=4.0, fs=8000, rng=_rng)            # 32 000 samples × 6 speakers
A = ica.random_mixing(6, rng=_rng, max_condition=20)
X = S @ A.T


def _ours(tol):
    return lambda: ica.fastica(X, algorithm="symmetric", fun="logcosh", tol=tol, max_iter=500,
                               rng=np.random.default_rng(1))


def _reference(tol):
    return lambda: FastICA(whiten="unit-variance", algorithm="parallel", fun="logcosh", tol=tol, max_iter=500,
                           random_state=1).fit(X)


def _compare(ours, ref):
    return (f"Amari index {ica.amari_index(ours.unmixing, A):.5f} (ours, {ours.n_iter[0]} iterations) "
            f"vs {ica.amari_index(ref.components_, A):.5f} (sklearn, {ref.n_iter_} iterations)")


def cases():
    return [Case(
        name=f"FastICA symmetric logcosh tol={tol:g} (6 speakers, 32000 samples)",
        reference_name="sklearn FastICA(parallel)",
        ours=_ours(tol),
        reference=_reference(tol),
        compare=_compare,
        target=1.0,
        repeats=15,
    ) for tol in (1e-4, 1e-8)]
