"""Week 0: Newton/IRLS logistic regression against scikit-learn's LogisticRegression() (lbfgs)."""

import numpy as np
from sklearn.linear_model import LogisticRegression

from coursekit import optim
from coursekit.datasets import breast_cancer
from harness import Case

X, y, _ = breast_cancer()
TIGHT = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(X, y)


def _compare(ours, ref):
    return (f"max Δw = {np.max(np.abs(ours.w - ref.coef_[0])):.1e} vs sklearn at its default tol=1e-4; "
            f"{np.max(np.abs(ours.w - TIGHT.coef_[0])):.1e} vs sklearn at tol=1e-10")


def cases():
    return [Case(
        name="logistic regression, Newton/IRLS (C=1, breast cancer 569×30)",
        reference_name="sklearn LogisticRegression() lbfgs",
        ours=lambda: optim.fit_logistic_newton(X, y, C=1.0, tol=1e-6),
        reference=lambda: LogisticRegression(C=1.0).fit(X, y),
        compare=_compare,
        target=1.0,
        repeats=15,
    )]
