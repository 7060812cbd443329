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
    assert optim.gradient_check(f, lambda t: optim._logistic_gradient(t, X, y, 0.7), theta) < 1e-7
    H_num = optim.numerical_jacobian(lambda t: optim._logistic_gradient(t, X, y, 0.7), theta)
    np.testing.assert_allclose(optim._logistic_hessian(theta, X, y, 0.7), H_num, rtol=1e-5, atol=1e-6)


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



def test_logistic_loss_is_convex_everywhere(rng, cancer):
    """H = X̃ᵀSX̃ + λ diag(0, 1, …, 1) ⪰ 0 (week 0, section 2): the finite-difference Hessian of the loss at
    random points has no negative eigenvalue (beyond its O(h²) error)."""
    X, y = cancer
    X = X[:, :5]
    for _ in range(3):
        theta = rng.normal(scale=2.0, size=6)
        H = optim.numerical_hessian(lambda t: optim.logistic_loss(t, X, y, 1.0), theta)
        assert np.linalg.eigvalsh(H)[0] > -1e-5


def test_gradient_descent_reaches_the_one_optimum_from_any_start(rng, cancer):
    X, y = cancer
    X = X[:, :2]
    target = optim.fit_logistic_newton(X, y, C=1.0, tol=1e-10)
    for _ in range(4):
        fit = optim.fit_logistic_gd(X, y, C=1.0, tol=1e-8, theta0=rng.normal(scale=5.0, size=3))
        assert fit.converged
        np.testing.assert_allclose(np.r_[fit.b, fit.w], np.r_[target.b, target.w], atol=1e-7)


def test_theta0_is_where_the_fit_starts(cancer):
    X, y = cancer
    opt = optim.fit_logistic_newton(X, y, C=1.0, tol=1e-10)
    again = optim.fit_logistic_newton(X, y, C=1.0, tol=1e-6, theta0=np.r_[opt.b, opt.w])
    assert again.n_iter == 0
    with pytest.raises(ValueError, match="theta0"):
        optim.fit_logistic_gd(X, y, theta0=np.zeros(3))


def test_newton_explains_a_singular_hessian_on_nearly_separable_data(cancer):
    X, y = cancer
    with pytest.raises(np.linalg.LinAlgError, match="probabilities pᵢ are exactly 0 or 1"):
        optim.fit_logistic_newton(X, y, C=1e6, max_iter=100)


def test_newton_is_drawn_to_a_saddle_that_gradient_descent_leaves():
    """f = x⁴/4 − x²/2 + y²/2 (week 0, section 4): minima (±1, 0), a saddle at the origin. Newton's iteration
    for x is Newton–Raphson on x³ − x, whose root 0 attracts exactly the starts with |x₀| < 1/√5."""
    f = lambda v: v[0] ** 4 / 4 - v[0] ** 2 / 2 + v[1] ** 2 / 2
    grad = lambda v: np.array([v[0] ** 3 - v[0], v[1]])
    hess = lambda v: np.array([[3 * v[0] ** 2 - 1, 0.0], [0.0, 1.0]])
    start = np.array([0.3, 1.2])
    np.testing.assert_allclose(optim.newton_method(f, grad, hess, start, n_steps=30).xs[-1], [0, 0], atol=1e-12)
    np.testing.assert_allclose(optim.gradient_descent(f, grad, start, eta=0.2, n_steps=60).xs[-1], [1, 0], atol=1e-3)
    edge = 1 / np.sqrt(5)
    for x0, end in [(edge - 1e-3, 0.0), (-edge + 1e-3, 0.0), (0.0, 0.0)]:
        assert optim.newton_method(f, grad, hess, np.array([x0, 0.5]), n_steps=60).xs[-1][0] == pytest.approx(end, abs=1e-12)
    beyond = optim.newton_method(f, grad, hess, np.array([0.9, 0.5]), n_steps=60).xs[-1][0]
    assert beyond == pytest.approx(1.0, abs=1e-12)
