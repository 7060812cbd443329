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
    return theta - np.linalg.inv(optim.logistic_hessian(theta, X, y, lam)) @ optim.logistic_gradient(theta, X, y, lam)


def fit_newton(X, y, lam, tol):
    """The solution of the build-it problem."""
    theta, n_iter = np.zeros(X.shape[1] + 1), 0
    while np.linalg.norm(optim.logistic_gradient(theta, X, y, lam)) >= tol:
        theta = optim.newton_step(theta, X, y, lam)
        n_iter += 1
    return theta, n_iter


def fit_newton_own_algebra(X, y, lam, tol, max_iter=100):
    """Another valid form: a for-loop with the algebra written out and a tuple of lists returned."""
    Xt = _design(X)
    theta = np.zeros(Xt.shape[1])
    P = np.diag(np.r_[0.0, np.ones(X.shape[1])])
    for k in range(max_iter):
        p = expit(Xt @ theta)
        g = Xt.T @ (p - y) + lam * P @ theta
        if np.linalg.norm(g) < tol:
            return list(theta), k
        H = Xt.T @ (Xt * (p * (1 - p))[:, None]) + lam * P
        theta = theta - np.linalg.solve(H, g)
    return list(theta), max_iter


def fit_fixed_steps(X, y, lam, tol):
    theta = np.zeros(X.shape[1] + 1)
    for _ in range(3):
        theta = optim.newton_step(theta, X, y, lam)
    return theta, 3


def fit_gradient_descent(X, y, lam, tol):
    theta = np.zeros(X.shape[1] + 1)
    for k in range(200):
        theta = theta - 0.01 * optim.logistic_gradient(theta, X, y, lam)
    return theta, 200


def fit_counting_from_one(X, y, lam, tol):
    theta, n_iter = fit_newton(X, y, lam, tol)
    return theta, n_iter + 1


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
        reference=optim.logistic_gradient,
        valid=[gradient_loop],
        mistakes=[Mistake(lambda t, X, y, lam: optim.logistic_gradient(t, X, y, lam) + lam * np.r_[t[0], 0 * t[1:]],
                          says="intercept b is penalised"),
                  Mistake(lambda t, X, y, lam: optim.logistic_gradient(t, X, y, 0.0), says="penalty term"),
                  Mistake(lambda t, X, y, lam: -optim.logistic_gradient(t, X, y, lam), says="opposite sign"),
                  Mistake(lambda t, X, y, lam: _design(X) @ t, says="wrong shape")],
    ),
    "optim.logistic_hessian": Cases(
        reference=optim.logistic_hessian,
        valid=[hessian_sum],
        mistakes=[Mistake(lambda t, X, y, lam: optim.logistic_hessian(t, X, y, 0.0), says="penalty"),
                  Mistake(lambda t, X, y, lam: _design(X).T @ _design(X) + lam * np.diag(np.r_[0, np.ones(len(t) - 1)]),
                          says="weights S"),
                  Mistake(lambda t, X, y, lam: optim.logistic_hessian(t, X, y, lam) + lam * np.diag(np.r_[1, 0 * t[1:]]),
                          says="intercept b is penalised")],
    ),
    "optim.newton_step": Cases(
        reference=optim.newton_step,
        valid=[newton_with_inverse],
        mistakes=[Mistake(lambda t, X, y, lam: 2 * t - optim.newton_step(t, X, y, lam), says="uphill"),
                  Mistake(lambda t, X, y, lam: t - optim.logistic_gradient(t, X, y, lam), says="gradient-descent step"),
                  Mistake(lambda t, X, y, lam: optim.newton_step(t, X, y, lam) - t, says="return the new θ")],
    ),
    "optim.newton_iterations": Cases(
        reference=9,
        valid=[9.0, np.int64(9)],
        mistakes=[Mistake(10, says="after the first entry"), Mistake(8, says="different number of iterations"),
                  Mistake("9", says="single number")],
    ),
    "optim.fit_newton": Cases(
        reference=fit_newton,
        valid=[fit_newton_own_algebra],
        mistakes=[Mistake(fit_fixed_steps, says="stopped before the gradient was small"),
                  Mistake(fit_gradient_descent, says="stopped before the gradient was small"),
                  Mistake(fit_counting_from_one, says="more steps"),
                  Mistake(lambda X, y, lam, tol: fit_newton(X, y, lam, tol)[0], says="pair (theta, n_iter)")],
    ),
}

test_case = checkcases.tests(CASES)
