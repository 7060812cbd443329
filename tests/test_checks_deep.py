"""Week 12's checks, each fed the stub, the reference, another valid form and typical mistakes."""

import numpy as np

import checkcases
from checkcases import Cases, Mistake
from coursekit import rbm
from coursekit.checks.deep import _layer_variances, _variances_with
from coursekit.deeplinear import _half_time


# ---- init_weights -----------------------------------------------------------------------------------

def init_weights(sizes, scheme, rng):
    """The notebook's solution."""
    out = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if scheme == "standard":
            r = 1 / np.sqrt(n_in)
            out.append(rng.uniform(-r, r, size=(n_in, n_out)))
        elif scheme == "normalised":
            r = np.sqrt(6) / np.sqrt(n_in + n_out)
            out.append(rng.uniform(-r, r, size=(n_in, n_out)))
        else:
            out.append(rng.normal(0, np.sqrt(2 / n_in), size=(n_in, n_out)))
    return out


def init_weights_by_hand(sizes, scheme, rng):
    """Another valid form: the bound through the variance, U[−r, r] = r·(2U[0, 1] − 1), tuples of lists."""
    mats = []
    for a, b in zip(sizes, sizes[1:]):
        var = {"standard": 1 / (3 * a), "normalised": 2 / (a + b), "he": 2 / a}[scheme]
        if scheme == "he":
            mats.append(np.sqrt(var) * rng.standard_normal((a, b)))
        else:
            mats.append((np.sqrt(3 * var) * (2 * rng.random((a, b)) - 1)).tolist())
    return mats


def _variant(bound=None, normal_for=(), transpose=False, mean_shift=0.0):
    def init(sizes, scheme, rng):
        out = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            r = {"standard": 1 / np.sqrt(a), "normalised": np.sqrt(6 / (a + b)), "he": np.sqrt(6 / a)}[scheme]
            if bound is not None and scheme in bound:
                r = bound[scheme](a, b)
            if scheme == "he" or scheme in normal_for:
                W = rng.normal(0, r / np.sqrt(3), size=(a, b))
                if scheme == "he" and "he" in normal_for:          # He drawn uniform instead
                    W = rng.uniform(-r, r, size=(a, b))
            else:
                W = rng.uniform(-r, r, size=(a, b)) + mean_shift
            out.append(W.T if transpose else W)
        return out
    return init


def swapped(sizes, scheme, rng):
    other = {"standard": "normalised", "normalised": "standard", "he": "he"}[scheme]
    return init_weights(sizes, other, rng)


# ---- greedy_pretrain --------------------------------------------------------------------------------

def greedy_pretrain(X, sizes, epochs, rng):
    """The notebook's solution: week 2's train_rbm, one layer at a time."""
    stack, data = [], X
    for n_hidden in sizes:
        machine = rbm.train_rbm(data, n_hidden, rbm.RBMTraining(epochs=epochs), rng=rng).rbm
        stack.append((machine.W, machine.b, machine.c))
        data = rbm.hidden_probs(machine, data)
    return stack


def greedy_own_cd(X, sizes, epochs, rng):
    """Another valid form: CD-1 written out, full-batch-free mini-batches, sampled hidden states passed up."""
    sig = lambda z: 1 / (1 + np.exp(-z))
    stack, data = [], np.asarray(X, dtype=float)
    for n_h in sizes:
        n_v = data.shape[1]
        W = rng.normal(0, 0.01, size=(n_v, n_h))
        b, c = np.zeros(n_v), np.zeros(n_h)
        for _ in range(epochs):
            for idx in np.array_split(rng.permutation(len(data)), len(data) // 10):
                v0 = data[idx]
                ph0 = sig(v0 @ W + c)
                h0 = (rng.random(ph0.shape) < ph0).astype(float)
                v1 = sig(h0 @ W.T + b)
                ph1 = sig(v1 @ W + c)
                W += 0.1 * (v0.T @ ph0 - v1.T @ ph1) / len(idx)
                b += 0.1 * (v0 - v1).mean(axis=0)
                c += 0.1 * (ph0 - ph1).mean(axis=0)
        stack.append([W, b, c])
        data = (rng.random((len(data), n_h)) < sig(data @ W + c)).astype(float)
    return stack


def untrained(X, sizes, epochs, rng):
    stack, data = [], X
    for n_hidden in sizes:
        machine = rbm.RBM.init(data.shape[1], n_hidden, rng=rng, data=data)
        stack.append((machine.W, machine.b, machine.c))
        data = rbm.hidden_probs(machine, data)
    return stack


def each_on_the_data(X, sizes, epochs, rng):
    return [tuple(vars(rbm.train_rbm(X, n, rbm.RBMTraining(epochs=epochs), rng=rng).rbm).values()) for n in sizes]


def passes_up_linear(X, sizes, epochs, rng):
    stack, data = [], X
    for n_hidden in sizes:
        machine = rbm.train_rbm(data, n_hidden, rbm.RBMTraining(epochs=epochs), rng=rng).rbm
        stack.append((machine.W, machine.b, machine.c))
        data = data @ machine.W + machine.c               # forgot the sigmoid: not probabilities
    return stack


def only_the_top(X, sizes, epochs, rng):
    return greedy_pretrain(X, sizes, epochs, rng)[-1]


CASES = {
    "deep.init_weights": Cases(
        reference=init_weights,
        valid=[init_weights_by_hand],
        mistakes=[
            Mistake(swapped, says="standard U[−1/√n_in, 1/√n_in] (eq. 1)"),
            Mistake(_variant(bound={"normalised": lambda a, b: np.sqrt(2 / (a + b))}), says="variance r²/3"),
            Mistake(_variant(normal_for=("normalised",)), says="uniform distribution"),
            Mistake(_variant(transpose=True), says="transposed"),
            Mistake(_variant(bound={"standard": lambda a, b: 1 / np.sqrt(b)}), says="layer *below*"),
            Mistake(_variant(bound={"he": lambda a, b: np.sqrt(6 / a)}, normal_for=("he",)), says="normal (Gaussian)"),
            Mistake(_variant(mean_shift=0.05), says="mean 0"),
            Mistake(lambda sizes, scheme, rng: init_weights(sizes, scheme, rng)[0], says="one weight matrix per pair"),
        ],
    ),
    "deep.layer_variances": Cases(
        reference=_layer_variances,
        valid=[lambda W, X, d: tuple(list(v) for v in _layer_variances(W, X, d)),
               lambda W, X, d: _variances_with(W, X, d)],
        mistakes=[
            Mistake(lambda W, X, d: _variances_with(W, X, d, fprime=False), says="leaves out f'(s)"),
            Mistake(lambda W, X, d: _variances_with(W, X, d, of="s"), says="before the nonlinearity"),
            Mistake(lambda W, X, d: _variances_with(W, X, d, order=-1), says="top first"),
            Mistake(lambda W, X, d: _variances_with(W, X, d, at="z"), says="evaluated at z"),
            Mistake(lambda W, X, d: _variances_with(W, X, d, stat=np.std), says="standard deviations"),
            Mistake(lambda W, X, d: _layer_variances(W, X, d)[0], says="wrong shape"),
        ],
    ),
    "deep.half_time": Cases(
        reference=_half_time,
        valid=[lambda s, u0, tau: tau * (np.log(s - u0) - np.log(u0)) / (2 * s),
               lambda s, u0, tau: float(__import__("scipy.optimize", fromlist=["brentq"]).brentq(
                   lambda t: s / (1 + (s / u0 - 1) * np.exp(-2 * s * t / tau)) - s / 2, 0, 1e3, xtol=1e-14))],
        mistakes=[
            Mistake(lambda s, u0, tau: tau / s * np.log(s / u0), says="rough time scale"),
            Mistake(lambda s, u0, tau: tau / s * np.log((s - u0) / u0), says="twice the time"),
            Mistake(lambda s, u0, tau: tau / (2 * s) * np.log(s / u0), says="u₀ ≪ s"),
            Mistake(lambda s, u0, tau: 1 / (2 * s * tau) * np.log((s - u0) / u0), says="τ multiplies"),
        ],
    ),
    "deep.shallow_width": Cases(
        reference=lambda k: 2 ** k - 1,
        valid=[lambda k: float(2 ** k - 1), lambda k: int(np.sum(2 ** np.arange(k)))],
        mistakes=[Mistake(lambda k: 2 ** k, says="number of pieces"),
                  Mistake(lambda k: 2 * k, says="deep network"),
                  Mistake(lambda k: 2 ** (k - 1), says="teeth")],
    ),
    "deep.greedy_pretrain": Cases(
        reference=greedy_pretrain,
        valid=[greedy_own_cd],
        mistakes=[
            Mistake(untrained, says="hardly better than an untrained RBM"),
            Mistake(each_on_the_data, says="not on the data"),
            Mistake(passes_up_linear, says="[0, 1]", status="error"),
            Mistake(only_the_top, says="one (W, b, c) per layer"),
        ],
    ),
}

test_case = checkcases.tests(CASES)
