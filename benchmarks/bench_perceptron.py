"""Week 1: Rosenblatt's perceptron against scikit-learn's Perceptron on the same separable data."""

import warnings

import numpy as np
from sklearn.linear_model import Perceptron

from coursekit import perceptron
from harness import Case

# 4,000 points in 20 dimensions labelled by a teacher through the origin with margin 0.2; train on half.
_X, _y, _ = perceptron.separable_data(4000, 20, rng=np.random.default_rng(1), margin=0.2)
X_train, y_train, X_test, y_test = _X[:2000], _y[:2000], _X[2000:], _y[2000:]


def _ours():
    return perceptron.train(X_train, y_train, eta=1.0, bias=True)


def _reference():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Perceptron(random_state=0).fit(X_train, y_train)


def _compare(ours, ref):
    acc = lambda pred, y: np.mean(pred == y)
    return (f"train acc {acc(ours.predict(X_train), y_train):.3f} vs {ref.score(X_train, y_train):.3f}; "
            f"test acc {acc(ours.predict(X_test), y_test):.3f} vs {ref.score(X_test, y_test):.3f}; "
            f"{ours.mistakes} updates in {ours.epochs} epochs vs {ref.n_iter_} epochs")


def cases():
    return [Case(
        name="perceptron, separable 2000×20 (margin 0.2)",
        reference_name="sklearn Perceptron() defaults",
        ours=_ours,
        reference=_reference,
        compare=_compare,
        target=1.0,
        repeats=15,
    )]
