"""Week 6's checks, each fed the stub, the reference, another valid form and typical mistakes; and the
checks' private references against coursekit's gradient-checked layers."""

import math

import numpy as np
import pytest

import checkcases
from checkcases import Cases, Mistake
from coursekit import nn, rnn
from coursekit._numerics import central_differences
from coursekit.checks import rnn as checks


# ---- the notebook's solutions ------------------------------------------------------------------------

def rnn_step(x, h, W_x, W_h, b):
    return np.tanh(x @ W_x + h @ W_h + b)


def lstm_step(x, h, c, W_x, W_h, b):
    n = h.shape[1]
    a = x @ W_x + h @ W_h + b
    sig = lambda z: 1 / (1 + np.exp(-z))
    i, f, g, o = sig(a[:, :n]), sig(a[:, n:2 * n]), np.tanh(a[:, 2 * n:3 * n]), sig(a[:, 3 * n:])
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new


def bptt_grad_Wh(x, W_x, W_h, b):
    B, T, _ = x.shape
    H = [np.zeros((B, W_h.shape[0]))]
    for t in range(T):
        H.append(np.tanh(x[:, t] @ W_x + H[-1] @ W_h + b))
    grad = np.zeros_like(W_h)
    dh = H[-1]
    for t in range(T, 0, -1):
        delta = dh * (1 - H[t] ** 2)
        grad += H[t - 1].T @ delta
        dh = delta @ W_h.T
    return grad


def steps_to_vanish(gain, tol, activation):
    rate = gain if activation == "tanh" else gain / 4
    return math.floor(math.log(tol) / math.log(rate)) + 1


def constant_mse(a, k):
    return a ** 2 / 3 * k / (2 * k) ** 2


def train_rnn(X, Y, params, eta, clip, n_steps):
    p = {k: v.copy() for k, v in params.items()}
    B, T, _ = X.shape
    for step in range(n_steps):
        H = np.zeros((B, T + 1, p["W_h"].shape[0]))
        for t in range(T):
            H[:, t + 1] = np.tanh(X[:, t] @ p["W_x"] + H[:, t] @ p["W_h"] + p["b"])
        dY = (H[:, 1:] @ p["V"] + p["c"] - Y) / Y.size
        g = {k: np.zeros_like(v) for k, v in p.items()}
        g["V"] = H[:, 1:].reshape(B * T, -1).T @ dY.reshape(B * T, -1)
        g["c"] = dY.sum(axis=(0, 1))
        carried = 0
        for t in range(T - 1, -1, -1):
            da = (dY[:, t] @ p["V"].T + carried) * (1 - H[:, t + 1] ** 2)
            g["W_x"] += X[:, t].T @ da
            g["W_h"] += H[:, t].T @ da
            g["b"] += da.sum(axis=0)
            carried = da @ p["W_h"].T
        norm = np.sqrt(sum((v ** 2).sum() for v in g.values()))
        scale = min(1.0, clip / norm)
        p = {k: p[k] - eta * scale * g[k] for k in p}
    return p


# ---- other valid forms -------------------------------------------------------------------------------

def rnn_step_transposed_algebra(x, h, W_x, W_h, b):
    """Columns as examples, transposed back: the same numbers."""
    return np.tanh(W_x.T @ x.T + W_h.T @ h.T + b[:, None]).T


def lstm_step_as_list(x, h, c, W_x, W_h, b):
    n = h.shape[1]
    i, f, g, o = np.split(x @ W_x + h @ W_h + b, 4, axis=1)
    sig = lambda z: 0.5 * (1 + np.tanh(z / 2))
    c_new = sig(f) * c + sig(i) * np.tanh(g)
    return [sig(o) * np.tanh(c_new), c_new]


def bptt_with_coursekit_layer(x, W_x, W_h, b):
    layer = rnn.RNN(x.shape[2], W_h.shape[0], rng=np.random.default_rng(0), return_sequences=False)
    layer.params.update(W_x=W_x.copy(), W_h=W_h.copy(), b=b.copy())
    layer.backward(layer.forward(x))                    # ∂L/∂h_T = h_T
    return layer.grads["W_h"]


def steps_by_loop(gain, tol, activation):
    rate, t = gain * (1.0 if activation == "tanh" else 0.25), 0
    while rate ** t >= tol:
        t += 1
    return t


def train_with_coursekit_layers(X, Y, params, eta, clip, n_steps):
    """Another valid form: coursekit's RNN and Dense layers for forward and BPTT, the loop and clipping here."""
    r = np.random.default_rng(0)
    n = params["W_h"].shape[0]
    layer, readout = rnn.RNN(1, n, rng=r), rnn.TimeDistributed(nn.Dense(n, 1, rng=r))
    layer.params.update(W_x=params["W_x"].copy(), W_h=params["W_h"].copy(), b=params["b"].copy())
    readout.params.update(W=params["V"].copy(), b=params["c"].copy())
    for _ in range(n_steps):
        Yh = readout.forward(layer.forward(X))
        layer.backward(readout.backward((Yh - Y) / Y.size))
        grads = [layer.grads[k] for k in ("W_x", "W_h", "b")] + [readout.grads["W"], readout.grads["b"]]
        norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
        if norm > clip:
            grads = [g * clip / norm for g in grads]
        for prm, g in zip([layer.params[k] for k in ("W_x", "W_h", "b")] + [readout.params["W"], readout.params["b"]],
                          grads):
            prm -= eta * g
    return {"W_x": layer.params["W_x"], "W_h": layer.params["W_h"], "b": layer.params["b"],
            "V": readout.params["W"], "c": readout.params["b"]}


# ---- typical mistakes of the build-it problem ----------------------------------------------------------

def trainer(rule="global", **variant):
    return lambda X, Y, params, eta, clip, n_steps: checks._train(X, Y, params, eta, clip, n_steps, rule=rule,
                                                                   **variant)


def train_one_step_only(X, Y, params, eta, clip, n_steps):
    return train_rnn(X, Y, params, eta, clip, min(n_steps, 1))


def train_from_the_start_every_step(X, Y, params, eta, clip, n_steps):
    for _ in range(n_steps):
        p = train_rnn(X, Y, params, eta, clip, 1)
    return p


def train_returning_arrays(X, Y, params, eta, clip, n_steps):
    return list(train_rnn(X, Y, params, eta, clip, n_steps).values())


CASES = {
    "rnn.rnn_step": Cases(
        reference=rnn_step,
        valid=[rnn_step_transposed_algebra],
        mistakes=[Mistake(lambda x, h, W_x, W_h, b: np.tanh(x @ W_x + h @ W_h.T + b), says="W_h is transposed"),
                  Mistake(lambda x, h, W_x, W_h, b: np.tanh(x @ W_x + h @ W_h), says="bias b is missing"),
                  Mistake(lambda x, h, W_x, W_h, b: 1 / (1 + np.exp(-(x @ W_x + h @ W_h + b))), says="sigmoid"),
                  Mistake(lambda x, h, W_x, W_h, b: np.tanh(x @ W_x + b), says="no memory"),
                  Mistake(lambda x, h, W_x, W_h, b: np.tanh(x @ W_x.T + h @ W_h + b), says="mismatch", status="error")],
    ),
    "rnn.lstm_step": Cases(
        reference=lstm_step,
        valid=[lstm_step_as_list],
        mistakes=[Mistake(lambda *a: lstm_step(*a)[::-1], says="wrong way round"),
                  Mistake(lambda *a: checks._lstm_step(*a, order="ifog"), says="wrong order"),
                  Mistake(lambda *a: checks._lstm_step(*a, cell_tanh=False), says="tanh of the cell"),
                  Mistake(lambda *a: checks._lstm_step(*a, input_gate=False), says="input gate is missing"),
                  Mistake(lambda *a: lstm_step(*a)[0], says="pair (h_new, c_new)")],
    ),
    "rnn.bptt_grad_Wh": Cases(
        reference=bptt_grad_Wh,
        valid=[bptt_with_coursekit_layer],
        mistakes=[Mistake(lambda *a: checks._bptt_grad_Wh(*a, carry=False), says="flow back through time"),
                  Mistake(lambda *a: checks._bptt_grad_Wh(*a, dtanh=False), says="1 − h_t²"),
                  Mistake(lambda *a: checks._bptt_grad_Wh(*a, transpose_carry=False), says="instead of W_hᵀ"),
                  Mistake(lambda *a: bptt_grad_Wh(*a).T, says="transposed"),
                  Mistake(lambda *a: checks._bptt_grad_Wh(*a, lag=0), says="previous state")],
    ),
    "rnn.steps_to_vanish": Cases(
        reference=steps_to_vanish,
        valid=[steps_by_loop, lambda g, tol, act: np.ceil(np.log(tol) / np.log(g * (1 if act == "tanh" else 0.25)))],
        mistakes=[Mistake(lambda g, tol, act: steps_to_vanish(g, tol, act) - 1, says="off by one"),
                  Mistake(lambda g, tol, act: steps_to_vanish(g, tol, "tanh"), says="σ′ ≤ ¼"),
                  Mistake(lambda g, tol, act: math.log(tol) / math.log(g if act == "tanh" else g / 4), says="integer"),
                  Mistake(lambda g, tol, act: str(steps_to_vanish(g, tol, act)), says="single number")],
    ),
    "rnn.constant_mse": Cases(
        reference=constant_mse,
        valid=[lambda a, k: (2 * a) ** 2 / 12 / (4 * k), lambda a, k: np.float32(a * a / (12 * k))],
        mistakes=[Mistake(lambda a, k: a * a / (48 * k), says="2a wide"),
                  Mistake(lambda a, k: a * a / 12, says="variances of independent values add"),
                  Mistake(lambda a, k: a * a / 6, says="squared"),
                  Mistake(lambda a, k: float(np.mean((np.random.default_rng(0).uniform(-a, a, (200_000, k)).sum(1)
                                                      / (2 * k)) ** 2)), says="simulation estimate")],
    ),
    "rnn.train_bptt": Cases(
        reference=train_rnn,
        valid=[train_with_coursekit_layers],
        mistakes=[Mistake(trainer(rule="none"), says="not clipped"),
                  Mistake(trainer(rule="always"), says="clip only when"),
                  Mistake(trainer(rule="each"), says="global norm"),
                  Mistake(trainer(carry=False), says="back through time"),
                  Mistake(trainer(dtanh=False), says="1 − h_t²"),
                  Mistake(lambda X, Y, *a: checks._train(X, Y, *a, scale=float(Y.size)), says="not the sum"),
                  Mistake(lambda X, Y, *a: checks._train(X, Y, *a, scale=2.0), says="twice too large"),
                  Mistake(train_one_step_only, says="has not learned"),
                  Mistake(train_from_the_start_every_step, says="has not learned"),
                  Mistake(lambda X, Y, params, *a: params, says="unchanged"),
                  Mistake(train_returning_arrays, says="as a dict")],
        seeds=3,
    ),
    "rnn.true_statements": Cases(
        reference=["a", "c", "e"],
        valid=["ace", ("E", "a", "c"), "a, c, e"],
        mistakes=[Mistake(["a", "b", "c", "e"], says="1 of your choices is false"),
                  Mistake(["a", "c"], says="left out 1 true statement"),
                  Mistake(["b", "d", "f"], says="3 of your choices are false and you left out 3"),
                  Mistake(["a", "c", "e", "g"], says="no statement 'g'"),
                  Mistake(3, says="as a list")],
        seeds=1,
    ),
}

test_case = checkcases.tests(CASES)


# ---- the private references against coursekit's gradient-checked layers ---------------------------

def test_lstm_reference_is_coursekit_lstm(rng):
    B, n_in, n = 3, 2, 4
    x, h0 = rng.normal(size=(B, n_in)), np.zeros((B, n))
    layer = rnn.LSTM(n_in, n, rng=rng)
    h, c = checks._lstm_step(x, h0, np.zeros((B, n)), layer.params["W_x"], layer.params["W_h"], layer.params["b"])
    np.testing.assert_allclose(layer.forward(x[:, None])[:, 0], h, rtol=1e-12)
    np.testing.assert_allclose(layer.cells[:, 0], c, rtol=1e-12)


def test_bptt_reference_is_coursekit_bptt(rng):
    x = rng.normal(size=(3, 5, 2))
    W_x, W_h, b = rng.normal(size=(2, 4)), rng.normal(scale=0.6, size=(4, 4)), rng.normal(size=4)
    np.testing.assert_allclose(checks._bptt_grad_Wh(x, W_x, W_h, b), bptt_with_coursekit_layer(x, W_x, W_h, b),
                               rtol=1e-10, atol=1e-12)


def test_training_gradient_matches_finite_differences(rng):
    X, Y = checks._delay_task(rng, 2, 5, 6)
    p = checks._initial(rng, 4)
    g = checks._gradients(p, X, Y)
    for k in checks.KEYS:
        q = {key: v.copy() for key, v in p.items()}
        numeric = central_differences(lambda: 0.5 * np.mean((checks._forward(q, X)[1] - Y) ** 2), q[k], 1e-6)
        np.testing.assert_allclose(numeric, g[k], rtol=1e-6, atol=1e-10)


def test_constant_mse_reference_is_the_chapters_adding_problem():
    assert checks._constant_mse(1.0, 2) == pytest.approx(rnn.ADDING_CONSTANT_MSE, rel=1e-15)
    X, y = rnn.adding_problem(200_000, 20, rng=np.random.default_rng(1))
    # Monte Carlo with 200 000 sequences: standard error of the MSE ≈ 1/24 · √(var ratio/N) ≈ 1e-4
    assert np.mean((y - 0.5) ** 2) == pytest.approx(1 / 24, abs=5e-4)


@pytest.mark.parametrize("seed", range(16))
def test_reference_loop_meets_the_tolerance_on_fresh_tasks(seed):
    """The reference meets half the build-it's tolerance on each of 16 fresh tasks (and on 300 in the measurement that set it)."""
    x = checks._train_problem(np.random.default_rng(10_000 + seed))
    eta, clip, n_steps = x["runs"][2]
    p = checks._train(x["X"], x["Y"], x["params"], eta, clip, n_steps)
    mse = np.mean((checks._forward(p, x["X_test"])[1] - x["Y_test"]) ** 2)
    assert mse < checks.TOLERANCE / 2
