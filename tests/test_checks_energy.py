"""Week 2's checks, each fed the stub, the reference, another valid form and typical mistakes."""

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp
from scipy.stats import norm

import checkcases
from checkcases import Cases, Mistake
from coursekit import boltzmann


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ---- exercise 1 ----

def flip_costs(W, s):
    """The solution of exercise 1."""
    return 2 * s * (W @ s)


def flip_costs_brute(W, s):
    """Another valid form: flip each unit and subtract the energies."""
    E = lambda state: -0.5 * state @ W @ state
    out = []
    for i in range(len(s)):
        t = s.copy()
        t[i] = -t[i]
        out.append(E(t) - E(s))
    return out


# ---- exercise 2 ----

def async_update(W, s, i):
    """The solution of exercise 2."""
    s = s.copy()
    h = W[i] @ s
    if h != 0:
        s[i] = np.sign(h)
    return s


def async_update_where(W, s, i):
    h = W[i] @ s
    new = np.where(h > 0, 1.0, np.where(h < 0, -1.0, s[i]))
    return np.r_[s[:i], new, s[i + 1:]]


def async_in_place(W, s, i):
    h = W[i] @ s
    if h != 0:
        s[i] = np.sign(h)


# ---- exercise 3 ----

def load_for_error(eps):
    """The solution of exercise 3."""
    return 1 / norm.ppf(eps) ** 2


# ---- build it: recall ----

def recall(W, s, rng, max_sweeps):
    """The solution of the Hopfield build-it problem."""
    s = s.copy()
    for sweep in range(1, max_sweeps + 1):
        changed = False
        for i in rng.permutation(len(s)):
            h = W[i] @ s
            if h != 0 and np.sign(h) != s[i]:
                s[i] = np.sign(h)
                changed = True
        if not changed:
            return s, sweep
    return s, max_sweeps


def recall_in_order(W, s, rng, max_sweeps):
    """Another valid form: units visited in index order (also asynchronous), states as a list."""
    s = list(s)
    sweeps = 0
    while sweeps < max_sweeps:
        sweeps += 1
        flips = 0
        for i in range(len(s)):
            h = sum(W[i, j] * s[j] for j in range(len(s)))
            new = 1.0 if h > 0 else (-1.0 if h < 0 else s[i])
            flips += new != s[i]
            s[i] = new
        if flips == 0:
            break
    return s, sweeps


def recall_sign(W, s, rng, max_sweeps):
    s = s.copy()
    for sweep in range(1, max_sweeps + 1):
        old = s.copy()
        for i in rng.permutation(len(s)):
            s[i] = np.sign(W[i] @ s)
        if np.array_equal(old, s):
            return s, sweep
    return s, max_sweeps


def recall_synchronous(W, s, rng, max_sweeps):
    s = s.copy()
    for sweep in range(1, max_sweeps + 1):
        h = W @ s
        new = np.where(h > 0, 1.0, np.where(h < 0, -1.0, s))
        if np.array_equal(new, s):
            return s, sweep
        s = new
    return s, max_sweeps


def recall_not_counting_last(W, s, rng, max_sweeps):
    s, sweeps = recall(W, s, rng, max_sweeps)
    return s, sweeps - 1


def recall_one_sweep(W, s, rng, max_sweeps):
    s = s.copy()
    for i in rng.permutation(len(s)):
        h = W[i] @ s
        if h != 0:
            s[i] = np.sign(h)
    return s, 1


# ---- RBM exercises ----

def rbm_free_energy(W, b, c, v):
    return -(v @ b) - np.logaddexp(0, v @ W + c).sum(axis=1)


def rbm_free_energy_brute(W, b, c, v):
    """Another valid form: sum over every hidden vector explicitly."""
    H = boltzmann.all_states(W.shape[1])
    return -logsumexp((v @ b)[:, None] + (H @ c)[None, :] + v @ W @ H.T, axis=1)


def cd_weight_gradient(W, b, c, v0, v1):
    return (v0.T @ sigmoid(v0 @ W + c) - v1.T @ sigmoid(v1 @ W + c)) / v0.shape[0]


def cd_weight_gradient_loop(W, b, c, v0, v1):
    g = np.zeros_like(W)
    for a, r in zip(v0, v1):
        g += np.outer(a, sigmoid(a @ W + c)) - np.outer(r, sigmoid(r @ W + c))
    return g / len(v0)


# ---- build it: maximum likelihood ----

def _model_moments(W, b):
    states, p = boltzmann.boltzmann_probabilities(W, b)
    return p @ states, (states * p[:, None]).T @ states


def fit_boltzmann(data, eta=0.5, tol=1e-5, max_steps=100_000):
    """The solution of the Boltzmann build-it problem: gradient ascent on the exact log-likelihood."""
    n = data.shape[1]
    W, b = np.zeros((n, n)), np.zeros(n)
    m_data, c_data = data.mean(axis=0), data.T @ data / len(data)
    for _ in range(max_steps):
        m, c = _model_moments(W, b)
        dW, db = c_data - c, m_data - m
        np.fill_diagonal(dW, 0.0)
        if max(np.abs(dW).max(), np.abs(db).max()) < tol:
            break
        W += eta * dW
        b += eta * db
    return W, b


def fit_boltzmann_lbfgs(data):
    """Another valid form: the exact negative log-likelihood minimised by L-BFGS, returned as lists."""
    n = data.shape[1]
    iu = np.triu_indices(n, 1)
    states = boltzmann.all_states(n)

    def unpack(theta):
        W = np.zeros((n, n))
        W[iu] = theta[: len(iu[0])]
        return W + W.T, theta[len(iu[0]):]

    def nll(theta):
        W, b = unpack(theta)
        neg_E = lambda S: 0.5 * np.einsum("si,ij,sj->s", S, W, S) + S @ b
        return -(neg_E(data).mean() - logsumexp(neg_E(states)))

    res = minimize(nll, np.zeros(len(iu[0]) + n), method="L-BFGS-B", options={"gtol": 1e-10, "ftol": 1e-14,
                                                                             "maxiter": 5000})
    W, b = unpack(res.x)
    return W.tolist(), list(b)


def fit_too_short(data):
    return fit_boltzmann(data, eta=0.1, max_steps=20)


def fit_without_biases(data):
    n = data.shape[1]
    W, b = np.zeros((n, n)), np.zeros(n)
    c_data = data.T @ data / len(data)
    for _ in range(3000):
        m, c = _model_moments(W, b)
        dW = c_data - c
        np.fill_diagonal(dW, 0.0)
        W += dW
    return W, b


def fit_wrong_sign(data):
    n = data.shape[1]
    W, b = np.zeros((n, n)), np.zeros(n)
    m_data, c_data = data.mean(axis=0), data.T @ data / len(data)
    for _ in range(30):
        m, c = _model_moments(W, b)
        dW = c - c_data
        np.fill_diagonal(dW, 0.0)
        W, b = W + 0.5 * dW, b + 0.5 * (m - m_data)
    return W, b


def fit_upper_triangle(data):
    W, b = fit_boltzmann(data)
    return np.triu(W), b


def fit_with_diagonal(data):
    W, b = fit_boltzmann(data)
    return W + np.diag(np.full(len(b), 0.3)), b


CASES = {
    "energy.flip_costs": Cases(
        reference=flip_costs,
        valid=[flip_costs_brute],
        mistakes=[Mistake(lambda W, s: s * (W @ s), says="factor 2"),
                  Mistake(lambda W, s: 2 * (W @ s), says="own state"),
                  Mistake(lambda W, s: -2 * s * (W @ s), says="opposite sign"),
                  Mistake(lambda W, s: 0.5 * s * (W @ s), says="cancelled")],
    ),
    "energy.async_update": Cases(
        reference=async_update,
        valid=[async_update_where],
        mistakes=[Mistake(lambda W, s, i: np.where(np.arange(len(s)) == i, np.sign(W[i] @ s), s), says="np.sign(0)"),
                  Mistake(lambda W, s, i: np.where(np.arange(len(s)) == i, 1.0 if W[i] @ s >= 0 else -1.0, s),
                          says="set it to +1"),
                  Mistake(lambda W, s, i: np.where(np.arange(len(s)) == i, 1.0 if W[i] @ s > 0 else -1.0, s),
                          says="set it to −1"),
                  Mistake(lambda W, s, i: np.where(W @ s > 0, 1.0, np.where(W @ s < 0, -1.0, s)),
                          says="synchronously"),
                  Mistake(async_in_place, says="returned None")],
    ),
    "energy.load_for_error": Cases(
        reference=load_for_error,
        valid=[lambda eps: [1 / norm.isf(e) ** 2 for e in eps]],
        mistakes=[Mistake(lambda eps: -1 / norm.ppf(eps), says="square it"),
                  Mistake(lambda eps: norm.ppf(eps) ** 2, says="That is 1/α"),
                  Mistake(lambda eps: norm.cdf(-1 / np.sqrt(eps)), says="the inverse")],
    ),
    "energy.recall": Cases(
        reference=recall,
        valid=[recall_in_order],
        mistakes=[Mistake(recall_sign, says="np.sign(0)"),
                  Mistake(recall_synchronous, says="not a fixed point"),
                  Mistake(recall_not_counting_last, says="count it too"),
                  Mistake(recall_one_sweep, says="at least two sweeps"),
                  Mistake(lambda W, s, rng, m: recall(W, s, rng, m)[0], says="pair (s, n_sweeps)")],
    ),
    "energy.rbm_free_energy": Cases(
        reference=rbm_free_energy,
        valid=[rbm_free_energy_brute],
        mistakes=[Mistake(lambda W, b, c, v: -np.logaddexp(0, v @ W + c).sum(axis=1), says="visible-bias term"),
                  Mistake(lambda W, b, c, v: -(v @ b) - np.logaddexp(0, v @ W).sum(axis=1), says="hidden biases c"),
                  Mistake(lambda W, b, c, v: -(v @ b) - sigmoid(v @ W + c).sum(axis=1), says="probabilities"),
                  Mistake(lambda W, b, c, v: (v @ b) + np.logaddexp(0, v @ W + c).sum(axis=1), says="opposite sign"),
                  Mistake(lambda W, b, c, v: float(-(v @ b).sum() - np.logaddexp(0, v @ W + c).sum()), says="wrong shape")],
    ),
    "energy.cd_gradient": Cases(
        reference=cd_weight_gradient,
        valid=[cd_weight_gradient_loop],
        mistakes=[Mistake(lambda W, b, c, v0, v1: cd_weight_gradient(W, b, c, v0, v1) * len(v0), says="divide by"),
                  Mistake(lambda W, b, c, v0, v1: cd_weight_gradient(W, b, c, v0, v1).T, says="transposed"),
                  Mistake(lambda W, b, c, v0, v1: -cd_weight_gradient(W, b, c, v0, v1), says="opposite sign"),
                  Mistake(lambda W, b, c, v0, v1: (v0.T @ sigmoid(v0 @ W) - v1.T @ sigmoid(v1 @ W)) / len(v0),
                          says="hidden biases c"),
                  Mistake(lambda W, b, c, v0, v1: v0.T @ sigmoid(v0 @ W + c) / len(v0), says="sleep")],
    ),
    "energy.fit_boltzmann": Cases(
        reference=fit_boltzmann,
        valid=[fit_boltzmann_lbfgs],
        mistakes=[Mistake(fit_too_short, says="do not match"),
                  Mistake(fit_without_biases, says="learn the biases"),
                  Mistake(fit_wrong_sign, says="data minus model"),
                  Mistake(fit_upper_triangle, says="symmetric"),
                  Mistake(fit_with_diagonal, says="diagonal"),
                  Mistake(lambda data: fit_boltzmann(data)[0], says="pair (W, b)")],
    ),
}

test_case = checkcases.tests(CASES)


def test_boltzmann_data_always_come_back_with_every_state():
    """The build-it's data sets hold every state (a finite maximum-likelihood fit) and are drawn in bounded
    time, even from a machine with a nearly impossible state: redrawing until every state appeared once
    spun a live kernel for minutes (seed 15979 has a state of probability 6e-6)."""
    from coursekit.checks import energy as checks
    for seed in (15979, 12680, 0, 1, 2):
        S = checks._boltzmann_data(np.random.default_rng(seed))
        assert len(np.unique(S, axis=0)) == 2 ** S.shape[1] and 200 <= len(S) < 400 + 2 ** S.shape[1]
