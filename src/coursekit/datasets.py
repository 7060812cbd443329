"""Small data every chapter can load offline: scikit-learn's bundled sets and synthetic generators.

Nothing here downloads: scikit-learn ships the breast-cancer and digits data inside the package.
"""

from __future__ import annotations

import numpy as np

from ._validate import OneOf, Rng, validate

__all__ = ["breast_cancer", "digits", "standardize", "stratified_split", "xor_data"]


def standardize(X: np.ndarray, mean=None, std=None):
    """(X − mean)/std column by column; returns ``(Z, mean, std)`` so a test set reuses the training scale.

    Used in: week 0, notebooks/00-matrix-calculus.ipynb, through :func:`breast_cancer`.
    """
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0) if mean is None else mean
    std = X.std(axis=0) if std is None else std
    std = np.where(std > 0, std, 1.0)
    return (X - mean) / std, mean, std


def breast_cancer(standardized: bool = True):
    """Wisconsin diagnostic breast cancer (569 × 30, y = 1 benign), bundled with scikit-learn.

    Returns ``(X, y, feature_names)``; with ``standardized`` each feature has mean 0 and s.d. 1.

    Used in: week 0, notebooks/00-matrix-calculus.ipynb.
    """
    from sklearn.datasets import load_breast_cancer
    data = load_breast_cancer()
    X = data.data.astype(float)
    if standardized:
        X = standardize(X)[0]
    return X, data.target.astype(float), list(data.feature_names)


def digits(binarize: bool = False, threshold: float = 8.0):
    """scikit-learn's 8×8 handwritten digits (1797 images, pixel values 0–16).

    Returns ``(X, y)`` with X of shape (1797, 64) scaled to [0, 1], or 0/1 pixels when ``binarize``
    (pixel > ``threshold``).

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb; week 3, notebooks/03-backprop.ipynb; week 5,
    notebooks/05-cnn.ipynb.
    """
    from sklearn.datasets import load_digits
    data = load_digits()
    X = data.data.astype(float)
    X = (X > threshold).astype(float) if binarize else X / 16.0
    return X, data.target.astype(int)


@validate(rng=Rng())
def stratified_split(X, y, test_size: float = 0.25, *, rng):
    """A stratified train/test split (same class proportions in both); returns X_tr, X_te, y_tr, y_te,
    as scikit-learn's ``train_test_split`` does.

    Used in: week 3, notebooks/03-backprop.ipynb; week 5, notebooks/05-cnn.ipynb.
    """
    from sklearn.model_selection import train_test_split
    seed = int(rng.integers(2**31 - 1))
    return train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)


@validate(labels=OneOf("binary", "signed"))
def xor_data(labels: str = "binary"):
    """The four XOR cases: X (4, 2), the corners (0, 0), (0, 1), (1, 0), (1, 1) of the unit square, and
    y = x₁ XOR x₂ — as integer classes 0/1 (``labels="binary"``, the targets of week 3's networks) or
    as ±1 floats (``labels="signed"``, week 1's perceptron labels). Returns ``(X, y)``.

    Used in: week 1, notebooks/01-perceptrons.ipynb; week 3, notebooks/03-backprop.ipynb.
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = (X[:, 0] != X[:, 1]).astype(int)
    return X, (2.0 * y - 1.0 if labels == "signed" else y)
