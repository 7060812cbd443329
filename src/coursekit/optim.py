"""Week 0 — the matrix calculus you need.

Finite differences and the gradient check; bisection and Newton–Raphson for roots; gradient descent
and Newton's method for minima; logistic regression fitted both ways (Newton = IRLS).

Notation (chapter 0): ``x`` a point, ``f`` a scalar function, ``∇f`` its gradient, ``J`` a Jacobian,
``H`` a Hessian, ``eta`` a step size; for logistic regression ``X`` (n × d), ``y ∈ {0, 1}ⁿ``, weights
``w``, intercept ``b``, ``p = σ(b + Xw)`` and the L2 strength ``lam = 1/C``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ._numerics import central_differences, relative_error, sigmoid, softplus
from ._validate import as_matrix, as_vector, check_callable, positive, positive_int, same_length

__all__ = [
    "numerical_gradient", "numerical_jacobian", "numerical_hessian", "gradient_check",
    "RootResult", "bisection", "newton_raphson",
    "DescentPath", "gradient_descent", "newton_method",
    "sigmoid", "logistic_loss",
    "LogisticFit", "fit_logistic_newton", "fit_logistic_gd", "lipschitz_constant",
    "rosenbrock", "rosenbrock_grad", "rosenbrock_hess",
]


# --------------------------------------------------------------------------------------------
# Finite differences
# --------------------------------------------------------------------------------------------

def numerical_gradient(f: Callable, x, h: float = 1e-6) -> np.ndarray:
    """Central differences ∂f/∂x_i ≈ [f(x + h e_i) − f(x − h e_i)] / 2h, error O(h²).

    f: scalar function of a 1-D array; x: the point (1-D).

    Used in: week 0, notebooks/00-matrix-calculus.ipynb, through :func:`gradient_check` and
    :func:`numerical_hessian`.
    """
    check_callable(f, name="f")
    x = as_vector(x, name="x").copy()
    h = positive(h, name="h")
    return central_differences(lambda: f(x.copy()), x, h)


def numerical_jacobian(F: Callable, x, h: float = 1e-6) -> np.ndarray:
    """Central-difference Jacobian J_ij = ∂F_i/∂x_j of a vector function F: ℝⁿ → ℝᵐ, shape (m, n).

    Used in: week 0, notebooks/00-matrix-calculus.ipynb.
    """
    check_callable(F, name="F")
    x = as_vector(x, name="x").copy()
    h = positive(h, name="h")
    return central_differences(lambda: F(x.copy()), x, h).reshape(x.size, -1).T


def numerical_hessian(f: Callable, x, h: float = 1e-4) -> np.ndarray:
    """Hessian H_ij = ∂²f/∂x_i∂x_j by central differences of the numerical gradient, symmetrised.

    Used in: week 0, notebooks/00-matrix-calculus.ipynb.
    """
    check_callable(f, name="f")
    x = as_vector(x, name="x")
    H = numerical_jacobian(lambda z: numerical_gradient(f, z, h), x, h)
    return (H + H.T) / 2


def gradient_check(f: Callable, grad: Callable, x, h: float = 1e-6) -> float:
    """Largest relative error between an analytic gradient and central differences.

    err = max_i |g_i − ĝ_i| / max(1, |g_i| + |ĝ_i|). Values near 1e-8 mean the gradient is right;
    values above ~1e-4 mean a bug (with h = 1e-6 and double precision). (For the parameters of a
    network, see :func:`coursekit.backprop.model_gradient_check`.)

    Used in: week 0, notebooks/00-matrix-calculus.ipynb.
    """
    check_callable(grad, name="grad")
    g = np.asarray(grad(as_vector(x, name="x")), dtype=float).ravel()
    g_num = numerical_gradient(f, x, h).ravel()
    if g.shape != g_num.shape:
        raise ValueError(f"grad must return {g_num.size} numbers (one per entry of x); got {g.size}")
    return relative_error(g, g_num)


# --------------------------------------------------------------------------------------------
# Root finding
# --------------------------------------------------------------------------------------------

@dataclass
class RootResult:
    """``root`` after ``iterations`` steps; ``iterates`` holds every iterate (the midpoints for bisection).

    Used in: week 0, notebooks/00-matrix-calculus.ipynb, through :func:`bisection` and :func:`newton_raphson`.
    """
    root: float
    iterations: int
    converged: bool
    iterates: np.ndarray = field(repr=False)


def bisection(f: Callable, a: float, b: float, tol: float = 1e-12, max_iter: int = 200) -> RootResult:
    """Halve the bracket [a, b] keeping the half where f changes sign.

    After k halvings the root lies in a bracket of width (b − a)/2^k; stopping when the width is at
    most ``tol`` takes ⌈log₂((b − a)/tol)⌉ halvings: 40 for [1, 2] and 1e-12. Convergence is linear
    (one bit per step). Returns the midpoint of the last bracket.

    Used in: week 0, notebooks/00-matrix-calculus.ipynb.
    """
    check_callable(f, name="f")
    a, b = float(a), float(b)
    if not (np.isfinite(a) and np.isfinite(b)) or a >= b:
        raise ValueError(f"the bracket must be finite with a < b; got a={a}, b={b}")
    tol = positive(tol, name="tol")
    max_iter = positive_int(max_iter, name="max_iter")
    fa, fb = f(a), f(b)
    if fa == 0:
        return RootResult(a, 0, True, np.array([a]))
    if fb == 0:
        return RootResult(b, 0, True, np.array([b]))
    if np.sign(fa) == np.sign(fb):
        raise ValueError(f"the bracket [a, b] = [{a:g}, {b:g}] has no sign change: "
                         f"f(a) = {fa:g} and f(b) = {fb:g}; choose a and b with f(a)·f(b) < 0")
    iterates = []
    for k in range(1, max_iter + 1):
        m = (a + b) / 2
        iterates.append(m)
        fm = f(m)
        if np.sign(fm) == np.sign(fa):
            a, fa = m, fm
        else:
            b = m
        if fm == 0 or b - a <= tol:
            return RootResult((a + b) / 2, k, True, np.array(iterates))
    return RootResult((a + b) / 2, max_iter, False, np.array(iterates))


def newton_raphson(f: Callable, fprime: Callable, x0: float, tol: float = 1e-15,
                   max_iter: int = 50) -> RootResult:
    """x_{k+1} = x_k − f(x_k)/f'(x_k) (Newton 1669, Raphson 1690).

    Near a simple root the error squares each step, ``e_{k+1} ≈ (f''/2f') e_k²``: the number of correct
    digits roughly doubles. Stops when |x_{k+1} − x_k| ≤ tol·max(1, |x_k|).

    Used in: week 0, notebooks/00-matrix-calculus.ipynb.
    """
    check_callable(f, name="f")
    check_callable(fprime, name="fprime")
    x = float(x0)
    if not np.isfinite(x):
        raise ValueError(f"x0 must be finite; got {x0}")
    tol = positive(tol, name="tol")
    max_iter = positive_int(max_iter, name="max_iter")
    iterates = [x]
    for k in range(1, max_iter + 1):
        d = fprime(x)
        if d == 0:
            raise ZeroDivisionError(f"f'(x) = 0 at x = {x:g} (iteration {k}); Newton's step is undefined there")
        x_new = x - f(x) / d
        iterates.append(x_new)
        if abs(x_new - x) <= tol * max(1.0, abs(x)):
            return RootResult(x_new, k, True, np.array(iterates))
        x = x_new
    return RootResult(x, max_iter, False, np.array(iterates))


# --------------------------------------------------------------------------------------------
# Minimisation in several dimensions
# --------------------------------------------------------------------------------------------

@dataclass
class DescentPath:
    """Iterates ``xs`` (n_steps + 1, d) of a descent method and the function values ``fs``.

    Used in: week 0, notebooks/00-matrix-calculus.ipynb, through :func:`gradient_descent` and
    :func:`newton_method`.
    """
    xs: np.ndarray
    fs: np.ndarray


def gradient_descent(f: Callable, grad: Callable, x0, eta: float, n_steps: int = 100) -> DescentPath:
    """x_{k+1} = x_k − η ∇f(x_k). Converges on an L-smooth convex f for η < 2/L.

    Used in: week 0, notebooks/00-matrix-calculus.ipynb.
    """
    check_callable(grad, name="grad")
    return _descend(f, lambda x: np.asarray(grad(x), dtype=float), x0, eta, n_steps)


def newton_method(f: Callable, grad: Callable, hess: Callable, x0, eta: float = 1.0,
                  n_steps: int = 20) -> DescentPath:
    """x_{k+1} = x_k − η H(x_k)⁻¹ ∇f(x_k): the minimum of the local quadratic model (η = 1).

    Used in: week 0, notebooks/00-matrix-calculus.ipynb.
    """
    check_callable(grad, name="grad")
    check_callable(hess, name="hess")
    return _descend(f, lambda x: np.linalg.solve(hess(x), grad(x)), x0, eta, n_steps)


def _descend(f: Callable, direction: Callable, x0, eta, n_steps) -> DescentPath:
    """x_{k+1} = x_k − η d(x_k) for ``n_steps`` steps, stopping early (and showing the path so far)
    if an iterate is not finite: the method diverged."""
    check_callable(f, name="f")
    x = as_vector(x0, name="x0")
    eta = positive(eta, name="eta")
    n_steps = positive_int(n_steps, name="n_steps")
    xs = [x]
    for _ in range(n_steps):
        x = x - eta * direction(x)
        if not np.all(np.isfinite(x)):
            break
        xs.append(x)
    xs = np.array(xs)
    return DescentPath(xs, np.array([f(z) for z in xs]))


# --------------------------------------------------------------------------------------------
# Logistic regression
# --------------------------------------------------------------------------------------------

def _design(X):
    """[1, X]: the intercept b is the first entry of θ = (b, w)."""
    return np.hstack([np.ones((X.shape[0], 1)), X])


def _check_xy(X, y):
    X = as_matrix(X, name="X")
    y = as_vector(y, name="y")
    same_length(X, y, names=("X", "y"))
    bad = (y != 0) & (y != 1)
    if bad.any():
        raise ValueError(f"y must contain only 0 and 1; found {y[bad][0]:g} at [{np.flatnonzero(bad)[0]}]")
    return X, y


def logistic_loss(theta, X, y, lam: float = 1.0) -> float:
    """L(θ) = −Σ_i [y_i log p_i + (1 − y_i) log(1 − p_i)] + (λ/2)‖w‖², p = σ(b + Xw), θ = (b, w).

    With λ = 1/C this is the objective of scikit-learn's ``LogisticRegression(C=C)`` divided by C.

    Used in: week 0, notebooks/00-matrix-calculus.ipynb.
    """
    z = _design(X) @ theta
    # −log σ(z) = log(1 + e^{−z}); −log(1 − σ(z)) = log(1 + e^{z})
    nll = np.sum(softplus(z) - y * z)
    return float(nll + 0.5 * lam * theta[1:] @ theta[1:])


def _logistic_gradient(theta, X, y, lam: float = 1.0) -> np.ndarray:
    """∇L = X̃ᵀ(p − y) + λ (0, w), with X̃ = [1, X] (chain rule: ∂ℓᵢ/∂zᵢ = pᵢ − yᵢ, ∂z/∂θ = X̃).

    Private: it is the answer to week 0's exercise 2 (the check's reference); the chapter derives it.
    """
    Xt = _design(X)
    g = Xt.T @ (sigmoid(Xt @ theta) - y)
    g[1:] += lam * theta[1:]
    return g


def _logistic_hessian(theta, X, y, lam: float = 1.0) -> np.ndarray:
    """H = X̃ᵀ S X̃ + λ diag(0, 1, …, 1), S = diag(p_i (1 − p_i)): positive semi-definite, so L is convex;
    positive definite for λ > 0 when X̃'s intercept column is not annihilated by S.

    Private: it is the answer to week 0's exercise 3 (the check's reference).
    """
    Xt = _design(X)
    p = sigmoid(Xt @ theta)
    H = (Xt * (p * (1 - p))[:, None]).T @ Xt
    H[np.arange(1, H.shape[0]), np.arange(1, H.shape[0])] += lam
    return H


def _newton_step(theta, X, y, lam: float = 1.0) -> np.ndarray:
    """One Newton step θ ← θ − H⁻¹∇L; for logistic regression this is one IRLS step.

    Private: it is the answer to week 0's exercise 4 (the check's reference).
    """
    return theta - np.linalg.solve(_logistic_hessian(theta, X, y, lam), _logistic_gradient(theta, X, y, lam))


def lipschitz_constant(X, lam: float = 1.0) -> float:
    """L = λ_max(X̃ᵀX̃)/4 + λ bounds the Hessian (σ' ≤ 1/4), so η = 1/L is a safe gradient step.

    Used in: week 0, notebooks/00-matrix-calculus.ipynb, through :func:`fit_logistic_gd`.
    """
    Xt = _design(as_matrix(X, name="X"))
    return float(np.linalg.eigvalsh(Xt.T @ Xt)[-1] / 4 + lam)


@dataclass
class LogisticFit:
    """Fitted intercept ``b`` and weights ``w``; ``grad_norms[k]`` is ‖∇L‖ after k iterations.

    Used in: week 0, notebooks/00-matrix-calculus.ipynb, through :func:`fit_logistic_gd` and
    :func:`fit_logistic_newton`.
    """
    b: float
    w: np.ndarray
    n_iter: int
    converged: bool
    grad_norms: np.ndarray = field(repr=False)

    def predict_proba(self, X) -> np.ndarray:
        return sigmoid(self.b + as_matrix(X, name="X") @ self.w)

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(int)


def _start(theta0, X) -> np.ndarray:
    """θ₀ = (b, w): zeros by default, else a copy of the given vector of length d + 1."""
    if theta0 is None:
        return np.zeros(X.shape[1] + 1)
    return as_vector(theta0, name="theta0", size=X.shape[1] + 1).copy()


def _fit(update, X, y, lam, tol, max_iter, theta) -> LogisticFit:
    """Iterate θ ← update(θ, p, ∇L(θ)) from θ₀ until ‖∇L‖ < tol; one gradient per iteration."""
    Xt = _design(X)                              # built once; p = σ(X̃θ) is shared by ∇L and H
    penalty = lam * np.r_[0.0, np.ones(X.shape[1])]
    norms = []
    for k in range(max_iter + 1):
        p = sigmoid(Xt @ theta)
        g = Xt.T @ (p - y) + penalty * theta
        norms.append(np.linalg.norm(g))
        if norms[-1] < tol or k == max_iter:
            break
        theta = update(theta, Xt, p, g, penalty)
    return LogisticFit(float(theta[0]), theta[1:], k, bool(norms[-1] < tol), np.array(norms))


def _newton_update(theta, Xt, p, g, penalty):
    H = Xt.T @ (Xt * (p * (1 - p))[:, None])
    H[np.diag_indices_from(H)] += penalty
    try:
        return theta - np.linalg.solve(H, g)
    except np.linalg.LinAlgError:
        saturated = int(np.sum(p * (1 - p) == 0))
        raise np.linalg.LinAlgError(
            f"Newton's Hessian is singular: {saturated} of {p.size} probabilities pᵢ are exactly 0 or 1 in floating "
            "point, so their weights pᵢ(1 − pᵢ) vanish and nothing constrains the unpenalised intercept. This happens "
            "on (nearly) linearly separable data with a weak penalty λ = 1/C: the optimum's ‖w‖ is huge and a full "
            "Newton step overshoots to where every pᵢ saturates; use a smaller C, or a damped step") from None


def fit_logistic_newton(X, y, C: float = 1.0, tol: float = 1e-6, max_iter: int = 50, theta0=None) -> LogisticFit:
    """L2-penalised logistic regression by Newton's method / IRLS from θ₀ = (b, w) (zeros by default),
    stopping when ‖∇L‖ < tol.

    C is scikit-learn's inverse regularisation strength (λ = 1/C; the intercept is not penalised).
    Quadratic convergence: a handful of steps, each costing a d × d solve. Full steps: from a poor θ₀, or on
    nearly separable data with a large C, a step can overshoot (a clear ``LinAlgError`` says so).

    Used in: week 0, notebooks/00-matrix-calculus.ipynb.
    """
    X, y = _check_xy(X, y)
    lam = 1 / positive(C, name="C")
    positive(tol, name="tol")
    positive_int(max_iter, name="max_iter")
    return _fit(_newton_update, X, y, lam, tol, max_iter, _start(theta0, X))


def fit_logistic_gd(X, y, C: float = 1.0, eta: float | None = None, tol: float = 1e-6,
                    max_iter: int = 100_000, theta0=None) -> LogisticFit:
    """The same objective by gradient descent θ ← θ − η∇L from θ₀ (zeros by default), with η = 1/L by
    default.

    Linear convergence at a rate set by the condition number of H: thousands of steps here.

    Used in: week 0, notebooks/00-matrix-calculus.ipynb.
    """
    X, y = _check_xy(X, y)
    lam = 1 / positive(C, name="C")
    eta = 1 / lipschitz_constant(X, lam) if eta is None else positive(eta, name="eta")
    positive(tol, name="tol")
    positive_int(max_iter, name="max_iter")
    return _fit(lambda theta, Xt, p, g, penalty: theta - eta * g, X, y, lam, tol, max_iter, _start(theta0, X))


# --------------------------------------------------------------------------------------------
# A test function for the explorer
# --------------------------------------------------------------------------------------------

def rosenbrock(x, a: float = 1.0, b: float = 100.0) -> float:
    """Rosenbrock's valley f(x, y) = (a − x)² + b (y − x²)², minimum 0 at (a, a²) (Rosenbrock 1960).

    Used in: week 0, notebooks/00-matrix-calculus.ipynb.
    """
    return float((a - x[0]) ** 2 + b * (x[1] - x[0] ** 2) ** 2)


def rosenbrock_grad(x, a: float = 1.0, b: float = 100.0) -> np.ndarray:
    """∇f = (−2(a − x) − 4b x (y − x²), 2b (y − x²)).

    Used in: week 0, notebooks/00-matrix-calculus.ipynb.
    """
    return np.array([-2 * (a - x[0]) - 4 * b * x[0] * (x[1] - x[0] ** 2), 2 * b * (x[1] - x[0] ** 2)])


def rosenbrock_hess(x, a: float = 1.0, b: float = 100.0) -> np.ndarray:
    """H = [[2 − 4b(y − 3x²), −4bx], [−4bx, 2b]].

    Used in: week 0, notebooks/00-matrix-calculus.ipynb.
    """
    return np.array([[2 - 4 * b * (x[1] - 3 * x[0] ** 2), -4 * b * x[0]], [-4 * b * x[0], 2 * b]])
