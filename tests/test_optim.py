"""Week 0: finite differences, root finding and logistic regression against analytic results and scikit-learn."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from coursekit import optim
from coursekit.datasets import breast_cancer


@pytest.fixture(scope="module")
def cancer():
    X, y, _ = breast_cancer()
    return X, y


def test_hessian_of_x_over_y_matches_the_analytic_entries():
    x, y = 3.0, 2.0
    H = optim.numerical_hessian(lambda v: v[0] / v[1], np.array([x, y]))
    expected = np.array([[0, -1 / y**2], [-1 / y**2, 2 * x / y**3]])
    # central differences of central differences: error O(h^2) with h = 1e-4, plus roundoff ~1e-8
    np.testing.assert_allclose(H, expected, atol=1e-6)


def test_gradient_check_accepts_a_right_gradient_and_flags_a_wrong_one(rng):
    f = lambda v: np.sum(np.sin(v) * v**2)
    grad = lambda v: np.cos(v) * v**2 + 2 * v * np.sin(v)
    x = rng.normal(size=5)
    assert optim.gradient_check(f, grad, x) < 1e-7
    assert optim.gradient_check(f, lambda v: grad(v) * 1.01, x) > 1e-3


def test_jacobian_of_polar_map_has_determinant_r():
    F = lambda v: np.array([v[0] * np.cos(v[1]), v[0] * np.sin(v[1])])
    J = optim.numerical_jacobian(F, np.array([2.0, 0.7]))
    assert np.linalg.det(J) == pytest.approx(2.0, abs=1e-8)


def test_bisection_needs_40_halvings_for_1e_12_on_sqrt2():
    res = optim.bisection(lambda x: x**2 - 2, 1.0, 2.0, tol=1e-12)
    assert res.iterations == 40                       # ceil(log2(1 / 1e-12)) = 40
    assert abs(res.root - np.sqrt(2)) <= 1e-12


def test_newton_raphson_doubles_digits_on_sqrt2():
    res = optim.newton_raphson(lambda x: x**2 - 2, lambda x: 2 * x, x0=1.0)
    assert res.converged and res.root == pytest.approx(np.sqrt(2), abs=4e-16)
    assert res.iterations <= 6
    e = np.abs(res.iterates - np.sqrt(2))[:4]          # 1, 1.5, 1.4167, 1.41422: before roundoff
    # quadratic convergence: e_{k+1} = e_k^2 / (2 x_k) exactly for x^2 - 2
    np.testing.assert_allclose(e[1:], e[:-1] ** 2 / (2 * res.iterates[:3]), rtol=1e-9)


def test_newton_minimises_a_quadratic_in_one_step():
    res = optim.newton_raphson(lambda x: 2 * x + 2, lambda x: 2.0, x0=5.0)
    assert res.iterates[1] == -1.0


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="no sign change"):
        optim.bisection(lambda x: x**2 + 1, -1.0, 1.0)
    with pytest.raises(ValueError, match="a < b"):
        optim.bisection(lambda x: x, 1.0, -1.0)
    with pytest.raises(ValueError, match="eta must be > 0"):
        optim.gradient_descent(optim.rosenbrock, optim.rosenbrock_grad, [0.0, 0.0], eta=-0.1)
    with pytest.raises(ValueError, match="X must not be empty"):
        optim.fit_logistic_newton(np.empty((0, 3)), np.empty(0))
    with pytest.raises(ValueError, match="y must contain only 0 and 1"):
        optim.fit_logistic_newton(np.ones((3, 2)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"X must be finite; found nan at \[1, 0\]"):
        optim.fit_logistic_newton(np.array([[0.0], [np.nan]]), np.array([0, 1]))
    with pytest.raises(ValueError, match="same number of rows"):
        optim.fit_logistic_newton(np.ones((3, 2)), np.array([0, 1]))
    with pytest.raises(TypeError, match="f must be callable"):
        optim.numerical_gradient(3.0, [1.0])


def test_sigmoid_is_stable_and_symmetric():
    z = np.array([-800.0, -3.0, 0.0, 3.0, 800.0])
    s = optim.sigmoid(z)
    assert np.all(np.isfinite(s)) and s[2] == 0.5
    np.testing.assert_allclose(s + optim.sigmoid(-z), 1.0, rtol=1e-15)


def test_logistic_gradient_and_hessian_pass_the_finite_difference_check(rng):
    X = rng.normal(size=(30, 4))
    y = (rng.random(30) < 0.5).astype(float)
    theta = rng.normal(size=5)
    f = lambda t: optim.logistic_loss(t, X, y, lam=0.7)
    assert optim.gradient_check(f, lambda t: optim.logistic_gradient(t, X, y, 0.7), theta) < 1e-7
    H_num = optim.numerical_jacobian(lambda t: optim.logistic_gradient(t, X, y, 0.7), theta)
    np.testing.assert_allclose(optim.logistic_hessian(theta, X, y, 0.7), H_num, rtol=1e-5, atol=1e-6)


def test_newton_and_gradient_descent_agree_with_scikit_learn(cancer):
    X, y = cancer
    newton = optim.fit_logistic_newton(X, y, C=1.0, tol=1e-6)
    ref = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(X, y)
    assert newton.converged and newton.n_iter <= 10           # "about 8"
    np.testing.assert_allclose(newton.w, ref.coef_[0], atol=1e-4)
    assert newton.b == pytest.approx(ref.intercept_[0], abs=1e-4)
    gd = optim.fit_logistic_gd(X, y, C=1.0, tol=1e-6)
    assert gd.converged and gd.n_iter > 1000                  # "thousands"
    np.testing.assert_allclose(gd.w, newton.w, atol=1e-4)


def test_newton_gradient_norm_falls_quadratically_at_the_end(cancer):
    X, y = cancer
    g = optim.fit_logistic_newton(X, y, C=1.0, tol=1e-9).grad_norms
    # in the quadratic phase g_{k+1} <= c g_k^2: the last ratios g_{k+1}/g_k^2 stay bounded
    # while g_{k+1}/g_k itself collapses
    assert g[-1] / g[-2] < 1e-3 and g[-2] / g[-3] < 1e-2

