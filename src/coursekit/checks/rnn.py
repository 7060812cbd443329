"""Checks for week 6's exercises (``notebooks/06-rnn.ipynb``)."""

import numpy as np

from .. import rnn
from ..grading import Problem, close, number, register


def _sigmoid(a):
    return 0.5 * (1 + np.tanh(0.5 * a))


def _step_problem(rng):
    B, n_in, n = int(rng.integers(2, 5)), int(rng.integers(1, 4)), int(rng.integers(2, 6))
    return {"x": rng.normal(size=(B, n_in)), "h": rng.uniform(-1, 1, size=(B, n)),
            "W_x": rng.normal(scale=0.7, size=(n_in, n)), "W_h": rng.normal(scale=0.7, size=(n, n)),
            "b": rng.normal(scale=0.3, size=n)}


register(
    "rnn.rnn_step",
    inputs=_step_problem,
    ask=lambda step, x: step(x["x"], x["h"], x["W_x"], x["W_h"], x["b"]),
    judge=lambda got, x: close(got, np.tanh(x["x"] @ x["W_x"] + x["h"] @ x["W_h"] + x["b"]),
                               what="h_t", rtol=1e-6, atol=1e-9,
                               hint="h_t = tanh(x_t W_x + h_(t−1) W_h + b), with rows as batch examples."),
    doc="One step of Elman's recurrent layer.",
)


def _lstm_problem(rng):
    B, n_in, n = int(rng.integers(2, 5)), int(rng.integers(1, 4)), int(rng.integers(2, 5))
    return {"x": rng.normal(size=(B, n_in)), "h": rng.uniform(-1, 1, size=(B, n)), "c": rng.normal(size=(B, n)),
            "W_x": rng.normal(scale=0.5, size=(n_in, 4 * n)), "W_h": rng.normal(scale=0.5, size=(n, 4 * n)),
            "b": rng.normal(scale=0.5, size=4 * n)}


def _lstm_reference(x):
    """One step of coursekit's LSTM layer with these weights (a sequence of length 1 from (h, c))."""
    n = x["h"].shape[1]
    a = x["x"] @ x["W_x"] + x["h"] @ x["W_h"] + x["b"]
    i, f, g, o = _sigmoid(a[:, :n]), _sigmoid(a[:, n:2 * n]), np.tanh(a[:, 2 * n:3 * n]), _sigmoid(a[:, 3 * n:])
    c = f * x["c"] + i * g
    return [o * np.tanh(c), c]


def _judge_lstm(got, x):
    if not isinstance(got, (list, tuple)) or len(got) != 2:
        return "lstm_step should return two arrays, (h_new, c_new)."
    h_ref, c_ref = _lstm_reference(x)
    problem = close(got[1], c_ref, what="the new cell state c_t", rtol=1e-6, atol=1e-9,
                    hint="c_t = f ⊙ c_(t−1) + i ⊙ g with the blocks of a = x W_x + h W_h + b in the order i, f, g, o.")
    return problem or close(got[0], h_ref, what="the new state h_t", rtol=1e-6, atol=1e-9,
                            hint="h_t = o ⊙ tanh(c_t).")


register(
    "rnn.lstm_step",
    inputs=_lstm_problem,
    ask=lambda step, x: list(step(x["x"], x["h"], x["c"], x["W_x"], x["W_h"], x["b"])),
    judge=_judge_lstm,
    doc="One step of the LSTM cell (gates in the order i, f, g, o).",
)


def _bptt_problem(rng):
    B, T, n_in, n = int(rng.integers(2, 4)), int(rng.integers(3, 7)), 2, int(rng.integers(2, 5))
    return {"x": rng.normal(size=(B, T, n_in)), "W_x": rng.normal(scale=0.6, size=(n_in, n)),
            "W_h": rng.normal(scale=0.6, size=(n, n)), "b": rng.normal(scale=0.2, size=n)}


def _bptt_reference(x):
    n_in, n = x["W_x"].shape
    layer = rnn.RNN(n_in, n, rng=np.random.default_rng(0), return_sequences=False)
    layer.params["W_x"], layer.params["W_h"], layer.params["b"] = x["W_x"], x["W_h"], x["b"]
    h_T = layer.forward(x["x"])
    layer.backward(h_T)                                # L = ½ Σ ‖h_T‖², so ∂L/∂h_T = h_T
    return layer.grads["W_h"].copy()


register(
    "rnn.bptt_grad_Wh",
    inputs=_bptt_problem,
    ask=lambda grad, x: grad(x["x"], x["W_x"], x["W_h"], x["b"]),
    judge=lambda got, x: close(got, _bptt_reference(x), what="∂L/∂W_h", rtol=1e-6, atol=1e-9,
                               hint="Go backwards: δ_t = (∂L/∂h_t + δ_(t+1) W_hᵀ) ⊙ (1 − h_t²), and sum "
                                    "h_(t−1)ᵀ δ_t over t, with h_0 = 0."),
    doc="∂L/∂W_h of L = ½ Σ‖h_T‖² by backpropagation through time.",
)


def _judge_steps(got, x):
    value = number(got, what="the number of steps")
    if isinstance(value, Problem):
        return value
    expected = int(np.ceil(np.log(1e-3) / np.log(0.9)))
    if value != expected:
        return Problem("That is not the smallest t with 0.9ᵗ < 10⁻³.",
                       f"Got {value:g}; solve t log 0.9 < log 10⁻³ and round up.")
    return None


register(
    "rnn.steps_to_vanish",
    ask=lambda t, x: t,
    judge=_judge_steps,
    doc="Smallest t with 0.9^t < 1e-3.",
)


def _judge_constant_mse(got, x):
    value = number(got, what="the MSE")
    if isinstance(value, Problem):
        return value
    return close(value, rnn.ADDING_CONSTANT_MSE, what="the MSE of always answering 0.5", rtol=1e-6, atol=0,
                 hint="The error is (X1 + X2)/4 with X1, X2 independent and uniform on [−1, 1], each of variance 1/3.")


register(
    "rnn.constant_mse",
    ask=lambda v, x: v,
    judge=_judge_constant_mse,
    doc="MSE of the constant predictor 0.5 on the adding problem (exact).",
)
