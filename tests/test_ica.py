"""Week 4: whitening, FastICA, infomax and the Amari index, against theory and scikit-learn."""

import numpy as np
import pytest
from scipy import integrate, stats
from sklearn.decomposition import PCA, FastICA

from coursekit import ica, optim


def _laplace_mixture(rng, n=5000, k=3):
    S = rng.laplace(size=(n, k))
    A = ica.random_mixing(k, rng=rng)
    return S, A, S @ A.T + rng.normal(0, 2, size=k)


def _match(U, V):
    """|correlation| between the columns of U and V, rows/cols reordered to the best match."""
    C = np.abs(np.corrcoef(U.T, V.T)[: U.shape[1], U.shape[1]:])
    return C[:, C.argmax(axis=1)]


# ---------------------------------------------------------------- whitening

def test_whitening_gives_identity_covariance_and_matches_sklearn_pca(rng):
    _, _, X = _laplace_mixture(rng)
    wh = ica.whiten(X)
    n = X.shape[0]
    np.testing.assert_allclose(wh.Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(wh.Z.T @ wh.Z / n, np.eye(3), atol=1e-10)
    # sklearn's PCA(whiten=True) is the same projection scaled with a 1/(n − 1) covariance: equal up to
    # the sign of each component and the factor sqrt(n/(n − 1))
    Z_sk = PCA(whiten=True).fit_transform(X) * np.sqrt(n / (n - 1))
    signs = np.sign(np.sum(wh.Z * Z_sk, axis=0))
    np.testing.assert_allclose(wh.Z, Z_sk * signs, atol=1e-8)
    np.testing.assert_allclose(wh.variances, PCA().fit(X).explained_variance_ * (n - 1) / n, rtol=1e-10)


def test_pca_whitening_reduces_dimension_onto_leading_components(rng):
    X = rng.normal(size=(2000, 5)) * np.array([5, 4, 3, 0.1, 0.1])
    wh = ica.whiten(X, n_components=3)
    assert wh.Z.shape == (2000, 3)
    np.testing.assert_allclose(wh.Z.T @ wh.Z / 2000, np.eye(3), atol=1e-10)
    assert np.all(np.abs(wh.K[:, 3:]) < 0.05)          # the two small directions are dropped


def test_zca_is_the_symmetric_inverse_square_root_of_the_covariance(rng):
    _, _, X = _laplace_mixture(rng)
    wh = ica.whiten(X, method="zca")
    C = np.cov(X.T, bias=True)
    np.testing.assert_allclose(wh.K, wh.K.T, atol=1e-12)
    np.testing.assert_allclose(wh.K @ C @ wh.K, np.eye(3), atol=1e-10)
    np.testing.assert_allclose(np.linalg.inv(wh.K @ wh.K), C, rtol=1e-10)


def test_any_rotation_of_white_data_is_white(rng):
    _, _, X = _laplace_mixture(rng)
    Z = ica.whiten(X).Z
    R = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    np.testing.assert_allclose((Z @ R.T).T @ (Z @ R.T) / len(Z), np.eye(3), atol=1e-10)


def test_transform_reuses_the_training_whitening(rng):
    _, _, X = _laplace_mixture(rng)
    wh = ica.whiten(X)
    np.testing.assert_allclose(wh.transform(X), wh.Z, atol=1e-12)


# ---------------------------------------------------------------- contrasts

def test_kurtosis_of_known_distributions(rng):
    n = 400_000          # the s.d. of the sample excess kurtosis is sqrt(24/n) ≈ 0.008 for a Gaussian
    k = ica.kurtosis(np.c_[rng.normal(size=n), rng.uniform(-1, 1, n), rng.laplace(size=n)])
    np.testing.assert_allclose(k, [0.0, -1.2, 3.0], atol=0.1)


def test_negentropy_constant_is_E_logcosh_of_a_standard_gaussian():
    value, _ = integrate.quad(lambda x: np.log(np.cosh(x)) * stats.norm.pdf(x), -40, 40)
    assert abs(value - ica._G_GAUSS) < 1e-8


def test_negentropy_is_zero_for_gaussian_and_positive_otherwise(rng):
    n = 200_000
    J = ica.negentropy(np.c_[rng.normal(size=n), rng.uniform(-1, 1, n), rng.laplace(size=n)])
    assert J[0] < 1e-5                   # sampling error of E[log cosh] is ~0.001, squared
    assert J[1] > 100 * J[0] and J[2] > 100 * J[0]


def test_projection_kurtosis_is_flat_for_gaussian_sources_and_peaks_for_uniform(rng):
    n = 20_000
    angles = np.linspace(0, np.pi, 60, endpoint=False)
    A = ica.random_mixing(2, rng=rng)
    flat = ica.projection_kurtosis(ica.whiten(rng.normal(size=(n, 2)) @ A.T).Z, angles)
    peaked = ica.projection_kurtosis(ica.whiten(rng.uniform(-1, 1, (n, 2)) @ A.T).Z, angles)
    assert np.ptp(flat) < 0.25           # 7 s.d. of sqrt(24/n) = 0.035: no direction is special
    # a uniform source alone has −1.2; the 45° blend of two has −0.6
    assert peaked.min() < -1.1 and peaked.max() > -0.7


# ---------------------------------------------------------------- Amari index

def test_amari_index_is_zero_for_a_scaled_permutation_and_one_for_equal_entries(rng):
    A = rng.normal(size=(4, 4))
    P = np.eye(4)[[2, 0, 3, 1]] * np.array([3.0, -0.5, 1.0, 2.0])[:, None]
    assert ica.amari_index(P @ np.linalg.inv(A), A) == pytest.approx(0.0, abs=1e-12)
    assert ica.amari_index(np.ones((4, 4)), np.eye(4)) == pytest.approx(1.0)


def test_amari_index_of_random_unmixing_is_large(rng):
    A = rng.normal(size=(4, 4))
    values = [ica.amari_index(rng.normal(size=(4, 4)), A) for _ in range(200)]
    assert 0 <= min(values) and max(values) <= 1
    assert np.mean(values) > 0.25


# ---------------------------------------------------------------- FastICA

@pytest.mark.parametrize("algorithm", ["symmetric", "deflation"])
@pytest.mark.parametrize("fun", ["logcosh", "cube", "exp"])
def test_fastica_separates_laplace_sources(rng, algorithm, fun):
    S, A, X = _laplace_mixture(rng)
    res = ica.fastica(X, algorithm=algorithm, fun=fun, rng=rng, tol=1e-8)
    assert res.converged
    # finite-sample error of the unmixing is O(1/sqrt(n)) ≈ 0.014 per entry
    assert ica.amari_index(res.unmixing, A) < 0.05
    np.testing.assert_allclose(res.W @ res.W.T, np.eye(3), atol=1e-10)
    assert np.all(_match(res.sources, S).diagonal() > 0.995)


def test_fastica_agrees_with_sklearn(rng):
    S, A, X = _laplace_mixture(rng, n=8000)
    ours = ica.fastica(X, rng=rng, tol=1e-10, max_iter=500)
    ref = FastICA(whiten="unit-variance", tol=1e-10, max_iter=500, random_state=0).fit(X)
    # both reach the same fixed point of the symmetric logcosh iteration, up to order and sign
    C = _match(ours.sources, ref.transform(X))
    np.testing.assert_allclose(C.diagonal(), 1.0, atol=1e-6)
    assert ica.amari_index(ours.unmixing, A) == pytest.approx(ica.amari_index(ref.components_, A), abs=1e-4)


def test_fastica_fixed_point_is_fixed_by_the_update(rng):
    _, _, X = _laplace_mixture(rng)
    res = ica.fastica(X, algorithm="deflation", rng=rng, tol=1e-12, max_iter=500)
    w = res.W[0]                        # the first unit is not constrained by Gram–Schmidt
    assert abs(ica._fastica_update(w, res.whitening.Z) @ w) == pytest.approx(1.0, abs=1e-10)


def test_kurtosis_fastica_converges_superlinearly_on_iid_sources(rng):
    n = 200_000
    S = np.c_[rng.laplace(size=n), rng.uniform(-1, 1, n)]
    X = S @ ica.random_mixing(2, rng=rng).T
    res = ica.fastica(X, algorithm="deflation", fun="cube", rng=rng, tol=1e-12, max_iter=50)
    d = res.distance[0]
    assert res.n_iter[0] <= 8
    # Hyvärinen & Oja (1997): the angle error is cubed each step, θ_{k+1} ≈ c θ_k³, and d = 1 − cos θ ≈ θ²/2
    # too. Between the start (d ~ 0.1) and the sampling floor (~1e-6 for n = 2e5) every step must at least
    # square d (order ≥ 2); a linear method would only multiply it by a constant.
    steps = [(a, b) for a, b in zip(d[:-1], d[1:]) if 1e-4 < a < 0.1]
    assert steps and all(b < a**2 for a, b in steps)


def test_gaussian_sources_are_not_separated(rng):
    values = []
    for _ in range(20):
        A = ica.random_mixing(2, rng=rng)
        res = ica.fastica(rng.normal(size=(2000, 2)) @ A.T, rng=rng, max_iter=50)
        values.append(ica.amari_index(res.unmixing, A))
    # for 2 × 2 a random rotation scores tan φ with φ uniform on [0, 45°]: mean 0.44
    assert np.mean(values) > 0.2


def test_fastica_update_is_the_fixed_point_formula(rng):
    Z = ica.whiten(rng.laplace(size=(500, 3))).Z
    w = rng.normal(size=3)
    w /= np.linalg.norm(w)
    u = Z @ w
    expected = (Z * np.tanh(u)[:, None]).mean(axis=0) - np.mean(1 - np.tanh(u) ** 2) * w
    np.testing.assert_allclose(ica._fastica_update(w, Z), expected / np.linalg.norm(expected), rtol=1e-12)


# ---------------------------------------------------------------- infomax

def _infomax_loglik(W_flat, Z):
    """Per-sample log-likelihood log|det W| + ⟨Σ log σ'(u_i)⟩ of the infomax model (Bell & Sejnowski)."""
    W = W_flat.reshape(Z.shape[1], Z.shape[1])
    U = Z @ W.T
    return np.linalg.slogdet(W)[1] + np.mean(np.sum(-np.logaddexp(0, U) - np.logaddexp(0, -U), axis=1))


def test_infomax_gradient_is_the_entropy_gradient_and_natural_step_multiplies_by_WtW(rng):
    Z = rng.laplace(size=(50, 3))
    W = np.eye(3) + rng.normal(scale=0.3, size=(3, 3))
    Y = 0.5 * (1 + np.tanh(0.5 * Z @ W.T))
    grad = np.linalg.inv(W).T + (1 - 2 * Y).T @ Z / len(Z)          # Bell & Sejnowski (1995), eq. 14
    assert optim.gradient_check(lambda v: _infomax_loglik(v, Z), lambda v: grad.ravel(), W.ravel()) < 1e-7
    eta = 0.01
    np.testing.assert_allclose(ica._natural_gradient_step(W, Z, eta), W + eta * grad @ W.T @ W, rtol=1e-12)


def test_infomax_separates_super_gaussian_sources(rng):
    S, A, X = _laplace_mixture(rng, n=8000)
    res = ica.infomax(X, rng=rng, eta=0.05, n_epochs=20)
    assert ica.amari_index(res.unmixing, A) < 0.05
    assert res.history.epochs == 20 and len(res.history.unmixing) == 20


# ---------------------------------------------------------------- data

def test_speakers_are_unit_variance_and_super_gaussian(rng):
    S, t = ica.speakers(3, duration=1.0, fs=4000, rng=rng)
    assert S.shape == (4000, 3) and t[1] - t[0] == pytest.approx(1 / 4000)
    np.testing.assert_allclose(S.std(axis=0), 1.0)
    assert np.all(ica.kurtosis(S) > 1.0)          # sparse, like speech (a Gaussian has 0)


def test_image_patches_shape_and_range(rng):
    P = ica.image_patches(6, 500, rng=rng)
    assert P.shape == (500, 36)
    assert P.min() >= 0 and P.max() <= 1


# ---------------------------------------------------------------- validation

def test_bad_input_is_named():
    with pytest.raises(ValueError, match="n_components"):
        ica.whiten(np.random.default_rng(0).normal(size=(10, 3)), n_components=4)
    with pytest.raises(ValueError, match="method"):
        ica.whiten(np.ones((10, 2)), method="svd")
    with pytest.raises(ValueError, match="singular"):
        ica.whiten(np.ones((10, 2)))
    with pytest.raises(ValueError, match="W .* A"):
        ica.amari_index(np.eye(3), np.eye(2))
    with pytest.raises(ValueError, match="algorithm"):
        ica.fastica(np.random.default_rng(0).normal(size=(10, 2)), algorithm="parallel", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="fun"):
        ica._fastica_update(np.ones(2) / np.sqrt(2), np.eye(2), fun="tanh")
    with pytest.raises(TypeError, match="rng is required"):
        ica.fastica(np.random.default_rng(0).normal(size=(10, 2)))
