"""Checks for week 0's exercises (``notebooks/00-matrix-calculus.ipynb``)."""

import numpy as np

from .. import optim
from ..datasets import breast_cancer
from ..grading import Problem, close, function_check, number, register, value_check


def _design(X):
    return np.hstack([np.ones((X.shape[0], 1)), X])


def _gradient_penalising_b(theta, X, y, lam):
    return optim.logistic_gradient(theta, X, y, lam) + lam * np.r_[theta[0], np.zeros(theta.size - 1)]


def _hessian_penalising_b(theta, X, y, lam):
    return optim.logistic_hessian(theta, X, y, lam) + lam * np.diag(np.r_[1.0, np.zeros(theta.size - 1)])


def _hessian_without_weights(theta, X, y, lam):
    Xt = _design(X)
    return Xt.T @ Xt + lam * np.diag(np.r_[0.0, np.ones(theta.size - 1)])


def _logistic_problem(rng):
    """A small random logistic-regression problem: (θ = (b, w), X (n × d), y ∈ {0,1}, λ)."""
    n, d = int(rng.integers(20, 40)), int(rng.integers(2, 5))
    X = rng.normal(size=(n, d))
    y = (rng.random(n) < 0.5).astype(float)
    theta = rng.normal(scale=0.5, size=d + 1)
    return theta, X, y, float(rng.uniform(0.5, 2.0))


function_check(
    "optim.sigmoid",
    reference=optim.sigmoid,
    calls=lambda rng: [(np.r_[rng.normal(0, 3, size=12), 0.0, 40.0, -40.0],)],
    what="sigmoid(z)", rtol=1e-6, atol=1e-12,
    hint="σ(z) = 1/(1 + e^(−z)); σ(0) should be 0.5.",
    doc="σ(z) = 1/(1 + e^{−z}), elementwise on an array.",
)

function_check(
    "optim.logistic_gradient",
    reference=optim.logistic_gradient,
    calls=lambda rng: [_logistic_problem(rng)],
    what="the gradient ∇L(θ)", rtol=1e-6, atol=1e-8,
    hint="∇L = X̃ᵀ(p − y) + λ(0, w).",
    diagnoses=[
        (_gradient_penalising_b, "The intercept b is penalised too: the penalty term is λ(0, w), not λθ."),
        (lambda t, X, y, lam: optim.logistic_gradient(t, X, y, 0.0), "The penalty term λ(0, w) is missing."),
        (lambda t, X, y, lam: _design(X).T @ (y - optim.sigmoid(_design(X) @ t)) + lam * np.r_[0, t[1:]],
         "The data term has the wrong sign: it is X̃ᵀ(p − y), the gradient of the negative log-likelihood."),
    ],
    doc="Gradient of the penalised negative log-likelihood.",
)

function_check(
    "optim.logistic_hessian",
    reference=optim.logistic_hessian,
    calls=lambda rng: [_logistic_problem(rng)],
    what="the Hessian H(θ)", rtol=1e-6, atol=1e-8,
    hint="H = X̃ᵀ diag(p(1 − p)) X̃ + λ diag(0, 1, …, 1).",
    diagnoses=[
        (_hessian_penalising_b, "The intercept b is penalised too: the penalty is λ diag(0, 1, …, 1)."),
        (lambda t, X, y, lam: optim.logistic_hessian(t, X, y, 0.0), "The penalty λ diag(0, 1, …, 1) is missing."),
        (_hessian_without_weights, "The weights S = diag(pᵢ(1 − pᵢ)) are missing: H = X̃ᵀ S X̃ + λ diag(0, 1, …, 1)."),
    ],
    doc="Hessian of the penalised negative log-likelihood.",
)

function_check(
    "optim.newton_step",
    reference=optim.newton_step,
    calls=lambda rng: [_logistic_problem(rng)],
    what="θ after one Newton step", rtol=1e-6, atol=1e-8,
    hint="θ_new = θ − H⁻¹∇L; solve the linear system rather than inverting H.",
    diagnoses=[
        (lambda t, X, y, lam: t + np.linalg.solve(optim.logistic_hessian(t, X, y, lam),
                                                  optim.logistic_gradient(t, X, y, lam)),
         "The step goes uphill: subtract H⁻¹∇L from θ, do not add it."),
        (lambda t, X, y, lam: t - optim.logistic_gradient(t, X, y, lam),
         "That is a gradient-descent step θ − ∇L: Newton's step divides by the curvature, θ − H⁻¹∇L."),
        (lambda t, X, y, lam: -np.linalg.solve(optim.logistic_hessian(t, X, y, lam), optim.logistic_gradient(t, X, y, lam)),
         "That is the step −H⁻¹∇L alone: return the new θ, θ − H⁻¹∇L."),
    ],
    doc="One Newton (IRLS) step.",
)


def _newton_iterations():
    X, y, _ = breast_cancer()
    return optim.fit_logistic_newton(X, y, C=1.0, tol=1e-6).n_iter


def _judge_count(got, accepted):
    n = number(got, what="The number of iterations")
    if isinstance(n, Problem):
        return n
    if n == accepted:
        return None
    return Problem("Newton's method needs a different number of iterations to reach ‖∇L‖ < 1e-6.",
                   f"You said {n:g}: count the steps in fit.grad_norms after the first entry.")


value_check(
    "optim.newton_iterations",
    accepted=_newton_iterations,
    compare=_judge_count,
    doc="The number of Newton iterations to ‖∇L‖ < 1e-6 on the breast-cancer data.",
)


# ---- build it: Newton's method with a stopping rule ------------------------------------------------

def _fit_problem(rng):
    """A fresh logistic problem that is not separable (a finite optimum), and a tolerance."""
    n, d = int(rng.integers(60, 120)), int(rng.integers(2, 6))
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d)
    y = (rng.random(n) < optim.sigmoid(X @ w)).astype(float)
    return {"X": X, "y": y, "lam": float(rng.uniform(0.1, 1.0)), "tol": float(10.0 ** rng.integers(-10, -6))}


def _reference_newton(X, y, lam, tol, max_iter=50):
    theta = np.zeros(X.shape[1] + 1)
    for k in range(max_iter + 1):
        if np.linalg.norm(optim.logistic_gradient(theta, X, y, lam)) < tol:
            return theta, k
        theta = optim.newton_step(theta, X, y, lam)
    return theta, max_iter


def _judge_fit(got, x):
    if not isinstance(got, list) or len(got) != 2:
        return Problem("fit_newton should return the pair (theta, n_iter).")
    theta, n_iter = got[0], number(got[1], what="n_iter")
    if isinstance(n_iter, Problem):
        return n_iter
    d = x["X"].shape[1]
    if np.shape(theta) != (d + 1,):
        return Problem("theta = (b, w) should have one entry more than X has columns.",
                       f"Expected shape {(d + 1,)}, got {np.shape(theta)}.")
    grad = np.linalg.norm(optim.logistic_gradient(np.asarray(theta, dtype=float), x["X"], x["y"], x["lam"]))
    ref_theta, ref_iter = _reference_newton(x["X"], x["y"], x["lam"], x["tol"])
    if not np.isfinite(grad) or grad >= x["tol"]:
        return Problem("The loop stopped before the gradient was small: it should run until ‖∇L(θ)‖ < tol.",
                       f"At your θ, ‖∇L‖ = {grad:.2e} with tol = {x['tol']:.0e}.")
    if n_iter > ref_iter:
        return Problem("The loop took more steps than Newton's method needs: stop as soon as ‖∇L(θ)‖ < tol, "
                       "and take full Newton steps θ ← θ − H⁻¹∇L from θ = 0.",
                       f"n_iter = {n_iter:g}; Newton from θ = 0 needs {ref_iter}.")
    if n_iter < ref_iter:
        return Problem("n_iter is smaller than the number of Newton steps your loop must have taken: count "
                       "every update of θ, starting from 0.", f"n_iter = {n_iter:g}; Newton needs {ref_iter}.")
    return close(theta, ref_theta, what="θ", rtol=1e-5, atol=1e-6, hint="the fit should be the penalised optimum.")


register(
    "optim.fit_newton",
    inputs=_fit_problem,
    ask=lambda fit, x: fit(x["X"].copy(), x["y"].copy(), x["lam"], x["tol"]),
    judge=_judge_fit,
    doc="Build it: Newton's method for logistic regression from θ = 0, stopping when ‖∇L‖ < tol; "
        "returns (theta, n_iter).",
)
