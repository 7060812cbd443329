"""Checks for week 0's exercises (``notebooks/00-matrix-calculus.ipynb``)."""

import numpy as np

from .. import optim
from ..datasets import breast_cancer
from ..grading import close, register


def _logistic_problem(rng):
    """A small random logistic-regression problem: X (n × d), y ∈ {0,1}, θ = (b, w), λ."""
    n, d = int(rng.integers(20, 40)), int(rng.integers(2, 5))
    X = rng.normal(size=(n, d))
    y = (rng.random(n) < 0.5).astype(float)
    theta = rng.normal(scale=0.5, size=d + 1)
    return {"X": X, "y": y, "theta": theta, "lam": float(rng.uniform(0.5, 2.0))}


register(
    "optim.sigmoid",
    inputs=lambda rng: {"z": np.r_[rng.normal(0, 3, size=12), 0.0, 40.0, -40.0]},
    ask=lambda sigmoid, x: sigmoid(x["z"]),
    judge=lambda got, x: close(got, optim.sigmoid(x["z"]), what="sigmoid(z)", rtol=1e-6, atol=1e-12,
                               hint="σ(z) = 1/(1 + e^(−z)); σ(0) should be 0.5."),
    doc="σ(z) = 1/(1 + e^{−z}), elementwise on an array.",
)

register(
    "optim.logistic_gradient",
    inputs=_logistic_problem,
    ask=lambda grad, x: grad(x["theta"], x["X"], x["y"], x["lam"]),
    judge=lambda got, x: close(got, optim.logistic_gradient(x["theta"], x["X"], x["y"], x["lam"]),
                               what="the gradient ∇L(θ)", rtol=1e-6, atol=1e-8,
                               hint="∇L = X̃ᵀ(p − y) + λ(0, w): the intercept is not penalised."),
    doc="Gradient of the penalised negative log-likelihood.",
)

register(
    "optim.logistic_hessian",
    inputs=_logistic_problem,
    ask=lambda hess, x: hess(x["theta"], x["X"], x["y"], x["lam"]),
    judge=lambda got, x: close(got, optim.logistic_hessian(x["theta"], x["X"], x["y"], x["lam"]),
                               what="the Hessian H(θ)", rtol=1e-6, atol=1e-8,
                               hint="H = X̃ᵀ diag(p(1 − p)) X̃ + λ diag(0, 1, …, 1)."),
    doc="Hessian of the penalised negative log-likelihood.",
)

register(
    "optim.newton_step",
    inputs=_logistic_problem,
    ask=lambda step, x: step(x["theta"], x["X"], x["y"], x["lam"]),
    judge=lambda got, x: close(got, optim.newton_step(x["theta"], x["X"], x["y"], x["lam"]),
                               what="θ after one Newton step", rtol=1e-6, atol=1e-8,
                               hint="θ_new = θ − H⁻¹∇L; solve the linear system rather than inverting H."),
    doc="One Newton (IRLS) step.",
)


def _newton_iterations():
    X, y, _ = breast_cancer()
    return optim.fit_logistic_newton(X, y, C=1.0, tol=1e-6).n_iter


register(
    "optim.newton_iterations",
    ask=lambda n, x: n,
    judge=lambda got, x: None if got == _newton_iterations() else
    f"Newton's method needs a different number of iterations to reach ‖∇L‖ < 1e-6 (you said {got}); "
    "count the steps in fit.grad_norms after the first entry.",
    doc="The number of Newton iterations to ‖∇L‖ < 1e-6 on the breast-cancer data.",
)
