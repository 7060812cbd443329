"""The shared numerical primitives (coursekit._numerics) against references and their definitions."""

import numpy as np
import pytest
from scipy.special import expit

from coursekit._numerics import (binary_vectors, central_differences, one_blas_thread, relative_error,
                                 scalar_or_array, sigmoid, softplus)


def test_sigmoid_agrees_with_scipy_and_never_overflows():
    z = np.concatenate([np.linspace(-40, 40, 2001), [-800.0, 800.0, 0.0]])
    with np.errstate(all="raise"):
        s = sigmoid(z)
    np.testing.assert_allclose(s, expit(z), rtol=0, atol=2.3e-16)       # the documented absolute error
    assert sigmoid(0.0) == 0.5 and s[-3] == 0.0 and s[-2] == 1.0
    np.testing.assert_allclose(sigmoid(z) + sigmoid(-z), 1.0, atol=2.3e-16)


def test_softplus_is_log_one_plus_exp_without_overflow():
    x = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(softplus(x), np.logaddexp(0.0, x), rtol=1e-14)
    with np.errstate(over="raise"):
        big = softplus(np.array([750.0, -750.0, 0.0]))
    np.testing.assert_allclose(big, [750.0, 0.0, np.log(2.0)], rtol=1e-15, atol=1e-300)
    # the derivative of softplus is the sigmoid
    h = 1e-6
    np.testing.assert_allclose((softplus(x + h) - softplus(x - h)) / (2 * h), sigmoid(x), atol=1e-9)


def test_central_differences_of_a_known_function_restore_the_point():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    before = x.copy()
    grad = central_differences(lambda: np.sum(np.sin(x) * x), x, 1e-6)
    np.testing.assert_allclose(grad, np.cos(before) * before + np.sin(before), rtol=1e-8)
    np.testing.assert_array_equal(x, before)
    jac = central_differences(lambda: np.array([x[0, 0] * x[1, 1], x[0, 1] ** 2]), x, 1e-6)
    assert jac.shape == (2, 2, 2)
    np.testing.assert_allclose(jac[0, 0], [0.5, 0.0], atol=1e-8)      # ∂/∂x00 of (x00·x11, x01²)
    np.testing.assert_allclose(jac[0, 1], [0.0, -2.4], atol=1e-8)
    with pytest.raises(ValueError, match="contiguous"):
        central_differences(lambda: 0.0, np.zeros((3, 4)).T, 1e-6)


def test_relative_error_is_relative_for_large_and_absolute_for_small_entries():
    assert relative_error([1e6], [1e6 + 1]) == pytest.approx(1 / (2e6 + 1))
    assert relative_error([1e-9], [2e-9]) == pytest.approx(1e-9)
    assert relative_error([], []) == 0.0


def test_scalar_or_array_and_binary_vectors():
    assert scalar_or_array(np.float64(2.5)) == 2.5 and type(scalar_or_array(np.array(2.5))) is float
    a = np.arange(3.0)
    assert scalar_or_array(a) is a
    X = binary_vectors(3)
    np.testing.assert_array_equal(X @ [4, 2, 1], np.arange(8))           # counting order, first bit highest


def test_one_blas_thread_sets_one_thread_and_restores_the_setting():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    controller = threadpoolctl.ThreadpoolController()
    before = [lib.num_threads for lib in controller.select(user_api="blas").lib_controllers]
    with one_blas_thread():
        inside = [lib.num_threads for lib in threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers]
        assert all(n == 1 for n in inside)
    after = [lib.num_threads for lib in threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers]
    assert after == before
