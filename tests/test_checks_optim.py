"""Week 0's checks, each fed the stub, the reference, another valid form and typical mistakes."""

import math

import numpy as np
from scipy.special import expit

import checkcases
from checkcases import Cases, Mistake
from coursekit import optim


def _design(X):
    return np.column_stack([np.ones(len(X)), X])


def gradient_loop(theta, X, y, lam):
    """Another valid form: a loop over the data points."""
    g = np.zeros_like(theta)
    for xi, yi in zip(_design(X), y):
        g += (1 / (1 + math.exp(-xi @ theta)) - yi) * xi
    return g + lam * np.r_[0.0, theta[1:]]


def hessian_sum(theta, X, y, lam):
    Xt = _design(X)
    p = expit(Xt @ theta)
    H = sum(pi * (1 - pi) * np.outer(xi, xi) for xi, pi in zip(Xt, p))
    return H + lam * np.diag(np.r_[0.0, np.ones(len(theta) - 1)])


def newton_with_inverse(theta, X, y, lam):
    return theta - np.linalg.inv(optim._logistic_hessian(theta, X, y, lam)) @ optim._logistic_gradient(theta, X, y, lam)


def grad_W(W, X, T):
    """The solution of exercise 2."""
    return (X @ W.T - T).T @ X


def grad_W_loop(W, X, T):
    """Another valid form: the chain rule one example at a time, Σ_b δ_b x_bᵀ."""
    return sum(np.outer(W @ x - t, x) for x, t in zip(X, T))


def newton_descends(H, g):
    """The solution of the journal-club question."""
    return g @ np.linalg.solve(H, g) > 0


def newton_descends_eig(H, g):
    """Another valid form: in H's eigenbasis, gᵀH⁻¹g = Σ (qᵢ·g)²/λᵢ."""
    lam, Q = np.linalg.eigh(H)
    return float(np.sum((Q.T @ g) ** 2 / lam)) > 0


def fit_newton(grad, hess, theta0, tol):
    """The solution of the build-it problem."""
    theta, n_iter = theta0, 0
    while np.linalg.norm(grad(theta)) >= tol:
        theta = theta - np.linalg.solve(hess(theta), grad(theta))
        n_iter += 1
    return theta, n_iter


def fit_newton_for_loop(grad, hess, theta0, tol, max_iter=100):
    """Another valid form: a for-loop with a cap, an inverse, and a tuple of lists returned."""
    theta = np.array(theta0, dtype=float)
    for k in range(max_iter):
        g = grad(theta)
        if np.linalg.norm(g) < tol:
            return list(theta), k
        theta = theta - np.linalg.inv(hess(theta)) @ g
    return list(theta), max_iter


def fit_fixed_steps(grad, hess, theta0, tol):
    theta = theta0
    for _ in range(2):
        theta = theta - np.linalg.solve(hess(theta), grad(theta))
    return theta, 2


def fit_gradient_descent(grad, hess, theta0, tol):
    theta = theta0
    for _ in range(50):
        theta = theta - 0.001 * grad(theta)
    return theta, 50


def fit_counting_from_one(grad, hess, theta0, tol):
    theta, n_iter = fit_newton(grad, hess, theta0, tol)
    return theta, n_iter + 1


def fit_step_first(grad, hess, theta0, tol):
    """Steps before it tests (a do-while loop): one step too many, and a step even from the optimum."""
    theta, n_iter = theta0, 0
    while True:
        theta = theta - np.linalg.solve(hess(theta), grad(theta))
        n_iter += 1
        if np.linalg.norm(grad(theta)) < tol:
            return theta, n_iter


def fit_ignoring_theta0(grad, hess, theta0, tol):
    return fit_newton(grad, hess, np.zeros_like(theta0), tol)


def fit_stopping_on_step_size(grad, hess, theta0, tol):
    theta, n_iter = theta0, 0
    while True:
        step = np.linalg.solve(hess(theta), grad(theta))
        theta = theta - step
        n_iter += 1
        if np.linalg.norm(step) < tol:
            return theta, n_iter


CASES = {
    "optim.sigmoid": Cases(
        reference=lambda z: 1 / (1 + np.exp(-np.asarray(z, dtype=float))),
        valid=[lambda z: 0.5 * (1 + np.tanh(np.asarray(z) / 2)), expit,
               lambda z: [1 / (1 + math.exp(-v)) for v in z]],
        mistakes=[Mistake(lambda z: 1 / (1 - np.exp(-z)), says="σ(0) should be 0.5"),
                  Mistake(lambda z: np.tanh(z), says="sigmoid(z) is not right"),
                  Mistake(lambda z: 1 / (1 + np.exp(-z[0])), says="wrong shape")],
    ),
    "optim.logistic_gradient": Cases(
        reference=optim._logistic_gradient,
        valid=[gradient_loop],
        mistakes=[Mistake(lambda t, X, y, lam: optim._logistic_gradient(t, X, y, lam) + lam * np.r_[t[0], 0 * t[1:]],
                          says="intercept b is penalised"),
                  Mistake(lambda t, X, y, lam: optim._logistic_gradient(t, X, y, 0.0), says="penalty term"),
                  Mistake(lambda t, X, y, lam: -optim._logistic_gradient(t, X, y, lam), says="opposite sign"),
                  Mistake(lambda t, X, y, lam: _design(X) @ t, says="wrong shape")],
    ),
    "optim.logistic_hessian": Cases(
        reference=optim._logistic_hessian,
        valid=[hessian_sum],
        mistakes=[Mistake(lambda t, X, y, lam: optim._logistic_hessian(t, X, y, 0.0), says="penalty"),
                  Mistake(lambda t, X, y, lam: _design(X).T @ _design(X) + lam * np.diag(np.r_[0, np.ones(len(t) - 1)]),
                          says="weights S"),
                  Mistake(lambda t, X, y, lam: optim._logistic_hessian(t, X, y, lam) + lam * np.diag(np.r_[1, 0 * t[1:]]),
                          says="intercept b is penalised")],
    ),
    "optim.newton_step": Cases(
        reference=optim._newton_step,
        valid=[newton_with_inverse],
        mistakes=[Mistake(lambda t, X, y, lam: 2 * t - optim._newton_step(t, X, y, lam), says="uphill"),
                  Mistake(lambda t, X, y, lam: t - optim._logistic_gradient(t, X, y, lam), says="gradient-descent step"),
                  Mistake(lambda t, X, y, lam: optim._newton_step(t, X, y, lam) - t, says="return the new θ")],
    ),
    "optim.newton_iterations": Cases(
        reference=9,
        valid=[9.0, np.int64(9)],
        mistakes=[Mistake(10, says="after the first entry"), Mistake(8, says="different number of iterations"),
                  Mistake("9", says="single number")],
    ),
    "optim.grad_W": Cases(
        reference=grad_W,
        valid=[grad_W_loop],
        mistakes=[Mistake(lambda W, X, T: X.T @ (X @ W.T - T), says="transposed"),
                  Mistake(lambda W, X, T: grad_W(W, X, T) / len(X), says="mean over the examples"),
                  Mistake(lambda W, X, T: (T - X @ W.T).T @ X, says="opposite sign"),
                  Mistake(lambda W, X, T: (X @ W.T - T) @ W, says="with respect to the inputs")],
    ),
    "optim.newton_descends": Cases(
        reference=newton_descends,
        valid=[newton_descends_eig, lambda H, g: int(g @ np.linalg.solve(H, g) > 0)],
        mistakes=[Mistake(lambda H, g: bool(np.all(np.linalg.eigvalsh(H) > 0)), says="enough but not necessary"),
                  Mistake(lambda H, g: g @ np.linalg.solve(H, g) < 0, says="opposite of the right ones"),
                  Mistake(lambda H, g: True, says="not every newton step"),
                  Mistake(lambda H, g: np.linalg.solve(H, g), says="True or False")],
    ),
    "optim.fit_newton": Cases(
        reference=fit_newton,
        valid=[fit_newton_for_loop],
        mistakes=[Mistake(fit_fixed_steps, says="stopped before the gradient was small"),
                  Mistake(fit_gradient_descent, says="stopped before the gradient was small"),
                  Mistake(fit_counting_from_one, says="more steps"),
                  Mistake(fit_step_first, says="test ‖∇f(θ)‖ < tol before each step"),
                  Mistake(fit_ignoring_theta0, says="start from the θ₀ you are given"),
                  Mistake(fit_stopping_on_step_size, says="more steps"),
                  Mistake(lambda grad, hess, theta0, tol: fit_newton(grad, hess, theta0, tol)[0],
                          says="pair (theta, n_iter)")],
    ),
}

test_case = checkcases.tests(CASES)
