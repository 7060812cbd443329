"""Checks for week 6's exercises (``notebooks/06-rnn.ipynb``).

The references are private: no public coursekit function is an exercise's answer.
"""

import numpy as np

from .._numerics import sigmoid
from ..grading import Problem, choice_check, close, function_check, number, register


def _sizes(rng):
    """Batch, inputs and units, each ≥ 2 and n_in ≠ n, so a transposed W_x cannot pass by its shape."""
    B, n = int(rng.integers(2, 5)), int(rng.integers(3, 6))
    n_in = int(rng.choice([k for k in range(2, 5) if k != n]))
    return B, n_in, n


# ---- exercise 1: one step of Elman's layer ---------------------------------------------------------

def _rnn_step(x, h, W_x, W_h, b):
    return np.tanh(x @ W_x + h @ W_h + b)


def _step_calls(rng):
    B, n_in, n = _sizes(rng)
    return [(rng.normal(size=(B, n_in)), rng.uniform(-1, 1, size=(B, n)), rng.normal(scale=0.7, size=(n_in, n)),
             rng.normal(scale=0.7, size=(n, n)), rng.normal(scale=0.3, size=n))]


function_check(
    "rnn.rnn_step",
    reference=_rnn_step,
    calls=_step_calls,
    what="h_t", rtol=1e-6, atol=1e-9,
    hint="h_t = tanh(x_t W_x + h_(t−1) W_h + b), with rows as batch examples.",
    diagnoses=[
        (lambda x, h, W_x, W_h, b: np.tanh(x @ W_x + h @ W_h.T + b),
         "W_h is transposed: with examples in rows the state enters as h_(t−1) W_h, not h_(t−1) W_hᵀ."),
        (lambda x, h, W_x, W_h, b: np.tanh(x @ W_x + h @ W_h),
         "The bias b is missing from the pre-activation x_t W_x + h_(t−1) W_h + b."),
        (lambda x, h, W_x, W_h, b: x @ W_x + h @ W_h + b,
         "The nonlinearity is missing: h_t = tanh(pre-activation)."),
        (lambda x, h, W_x, W_h, b: sigmoid(x @ W_x + h @ W_h + b),
         "That is the logistic sigmoid; this layer uses tanh."),
        (lambda x, h, W_x, W_h, b: np.tanh(x @ W_x + b),
         "The previous state h_(t−1) is missing: without h_(t−1) W_h the layer has no memory."),
    ],
    doc="One step of Elman's recurrent layer, h_t = tanh(x_t W_x + h_(t−1) W_h + b).",
)


# ---- exercise 2: one LSTM step ---------------------------------------------------------------------

def _lstm_parts(x, h, W_x, W_h, b):
    n = h.shape[1]
    a = x @ W_x + h @ W_h + b
    return n, a


def _lstm_step(x, h, c, W_x, W_h, b, order="ifgo", cell_tanh=True, input_gate=True):
    """One step of coursekit's LSTM layer (gates i, f, g, o); the flags make the typical mistakes."""
    n, a = _lstm_parts(x, h, W_x, W_h, b)
    blocks = dict(zip(order, (a[:, k * n:(k + 1) * n] for k in range(4))))
    i, f, o = sigmoid(blocks["i"]), sigmoid(blocks["f"]), sigmoid(blocks["o"])
    g = np.tanh(blocks["g"])
    c_new = f * c + (i * g if input_gate else g)
    return o * (np.tanh(c_new) if cell_tanh else c_new), c_new


def _lstm_calls(rng):
    B, n_in, n = _sizes(rng)
    return [(rng.normal(size=(B, n_in)), rng.uniform(-1, 1, size=(B, n)), rng.normal(size=(B, n)),
             rng.normal(scale=0.7, size=(n_in, 4 * n)), rng.normal(scale=0.7, size=(n, 4 * n)),
             rng.normal(scale=0.7, size=4 * n))]


def _compare_pair(got, expected, args):
    if not isinstance(got, (list, tuple)) or len(got) != 2:
        return Problem("lstm_step should return the pair (h_new, c_new).")
    return (close(got[1], expected[1], what="the new cell state c_t", rtol=1e-6, atol=1e-9,
                  hint="c_t = f ⊙ c_(t−1) + i ⊙ g, with the blocks of a = x W_x + h W_h + b in the order i, f, g, o.")
            or close(got[0], expected[0], what="the new state h_t", rtol=1e-6, atol=1e-9,
                     hint="h_t = o ⊙ tanh(c_t)."))


function_check(
    "rnn.lstm_step",
    reference=_lstm_step,
    calls=_lstm_calls,
    compare=_compare_pair,
    diagnoses=[
        (lambda *a: _lstm_step(*a)[::-1], "The pair is the wrong way round: return (h_new, c_new)."),
        (lambda *a: _lstm_step(*a, order="ifog"),
         "The gate blocks are in the wrong order: the columns of a hold i, f, g, o — the candidate g third."),
        (lambda *a: _lstm_step(*a, order="fiog"),
         "The gate blocks are in the wrong order: the columns of a hold i, f, g, o."),
        (lambda *a: _lstm_step(*a, cell_tanh=False), "h_t = o ⊙ tanh(c_t): the tanh of the cell is missing."),
        (lambda *a: _lstm_step(*a, input_gate=False), "The input gate is missing: c_t = f ⊙ c_(t−1) + i ⊙ g."),
    ],
    doc="One step of the LSTM cell (gates in the order i, f, g, o); returns (h_new, c_new).",
)


# ---- exercise 3: ∂L/∂W_h by backpropagation through time -------------------------------------------

def _bptt_grad_Wh(x, W_x, W_h, b, carry=True, dtanh=True, transpose_carry=True, lag=1):
    """∂L/∂W_h of L = ½ Σ_batch ‖h_T‖²; the flags make the typical mistakes."""
    B, T, _ = x.shape
    H = [np.zeros((B, W_h.shape[0]))]
    for t in range(T):
        H.append(np.tanh(x[:, t] @ W_x + H[-1] @ W_h + b))
    grad = np.zeros_like(W_h)
    dh = H[-1]
    for t in range(T, 0, -1):
        delta = dh * (1 - H[t] ** 2) if dtanh else dh
        grad += H[t - lag].T @ delta
        if not carry:
            break
        dh = delta @ (W_h.T if transpose_carry else W_h)
    return grad


def _bptt_calls(rng):
    B, n_in, n = _sizes(rng)
    T = int(rng.integers(3, 7))
    return [(rng.normal(size=(B, T, n_in)), rng.normal(scale=0.6, size=(n_in, n)),
             rng.normal(scale=0.6, size=(n, n)), rng.normal(scale=0.2, size=n))]


function_check(
    "rnn.bptt_grad_Wh",
    reference=_bptt_grad_Wh,
    calls=_bptt_calls,
    what="∂L/∂W_h", rtol=1e-6, atol=1e-9,
    hint="Go backwards: δ_t = (∂L/∂h_t + δ_(t+1) W_hᵀ) ⊙ (1 − h_t²), and sum h_(t−1)ᵀ δ_t over t, with h_0 = 0.",
    diagnoses=[
        (lambda *a: _bptt_grad_Wh(*a, carry=False),
         "Only the last step is counted: the error must flow back through time, δ_t gets δ_(t+1) W_hᵀ."),
        (lambda *a: _bptt_grad_Wh(*a, dtanh=False), "The factor tanh′(a_t) = 1 − h_t² is missing from δ_t."),
        (lambda *a: _bptt_grad_Wh(*a, transpose_carry=False),
         "The error is carried back through W_h instead of W_hᵀ: δ_(t+1) W_hᵀ."),
        (lambda *a: _bptt_grad_Wh(*a).T, "The gradient is transposed: ∂L/∂W_h = Σ_t h_(t−1)ᵀ δ_t."),
        (lambda *a: _bptt_grad_Wh(*a, lag=0), "Each δ_t pairs with the previous state: Σ_t h_(t−1)ᵀ δ_t, not h_tᵀ δ_t."),
    ],
    doc="∂L/∂W_h of L = ½ Σ‖h_T‖² by backpropagation through time.",
)


# ---- exercise 4: how many steps until the bound has vanished ---------------------------------------

_SLOPE = {"tanh": 1.0, "sigmoid": 0.25}            # max φ′: the bound is (gain · max φ′)^t


def _t_vanish(gain, tol, activation):
    rate = gain * _SLOPE[activation]
    return int(np.floor(np.log(tol) / np.log(rate))) + 1


def _vanish_calls(rng):
    calls = []       # a logistic gain below 1 comes first, so ignoring σ′ ≤ ¼ is always diagnosed
    for activation, hi in (("tanh", 0.98), ("sigmoid", 0.98), ("tanh", 0.98), ("sigmoid", 3.9)):
        gain = float(rng.uniform(0.5, hi))
        calls.append((gain, float(10.0 ** rng.uniform(-8, -2)), activation))
    return calls


def _compare_steps(got, expected, args):
    t = number(got, what="The number of steps")
    if isinstance(t, Problem):
        return t
    if t != expected:
        gain, tol, activation = args
        return Problem(f"That is not the smallest integer t with the bound below tol (gain {gain:.4g}, "
                       f"tol {tol:.3g}, {activation}).", f"Got {t:g}.")
    return None


function_check(
    "rnn.steps_to_vanish",
    reference=_t_vanish,
    calls=_vanish_calls,
    compare=_compare_steps,
    diagnoses=[
        (lambda g, tol, act: _t_vanish(g, tol, act) - 1,
         "Off by one: at that t the bound is still at or above tol; the answer is the first t where it is below."),
        (lambda g, tol, act: _t_vanish(g, tol, "tanh"),
         "For logistic units the bound is (gain · ¼)ᵗ, because σ′ ≤ ¼; for tanh units it is gainᵗ."),
        (lambda g, tol, act: np.log(tol) / np.log(g * _SLOPE[act]),
         "The number of steps is an integer: the smallest t with the bound below tol (round up)."),
    ],
    doc="Smallest t with (gain · max φ′)^t < tol, for tanh (max φ′ = 1) and logistic (¼) units.",
)


# ---- exercise 5: the constant predictor on the adding problem --------------------------------------

def _constant_mse(a, k):
    """MSE of always answering 0.5 when the target is 0.5 + (X_1 + … + X_k)/(2k), X_i ~ U[−a, a]."""
    return a * a / (12 * k)


def _constant_calls(rng):
    return [(float(rng.uniform(0.3, 3.0)), int(k)) for k in rng.choice(np.arange(2, 8), size=3, replace=False)]


def _compare_constant(got, expected, args):
    value = number(got, what="The MSE")
    if isinstance(value, Problem):
        return value
    a, k = args
    if abs(value - expected) <= 1e-6 * expected:
        return None
    if abs(value - expected) <= 0.1 * expected:
        return Problem("Close, but not exact: this looks like a simulation estimate. Derive the exact value "
                       "from the variance of the uniform distribution.", f"(a = {a:.4g}, k = {k}) Got {value:.6g}.")
    return Problem(f"That is not the MSE of always answering 0.5 (a = {a:.4g}, k = {k}).",
                   f"Got {value:.6g}. The error is (X_1 + … + X_k)/(2k); the X_i are independent.")


function_check(
    "rnn.constant_mse",
    reference=_constant_mse,
    calls=_constant_calls,
    compare=_compare_constant,
    diagnoses=[
        (lambda a, k: a * a / (48 * k),
         "The variance of U[−a, a] is (2a)²/12 = a²/3: the interval is 2a wide, not a."),
        (lambda a, k: a * a / 12,
         "Variances of independent values add: Var(X_1 + … + X_k) = k Var(X), not k² Var(X)."),
        (lambda a, k: a * a / 6,
         "The scale 1/(2k) enters the variance squared: Var(S/(2k)) = Var(S)/(4k²)."),
        (lambda a, k: np.sqrt(a * a / (12 * k)), "That is the root of the MSE; the MSE is not square-rooted."),
    ],
    doc="MSE of the constant answer 0.5 on the generalised adding problem, exactly: a²/(12k).",
)


# ---- build it: a BPTT training loop with gradient clipping -----------------------------------------

KEYS = ("W_x", "W_h", "b", "V", "c")
# The chapter's (our) tolerance: held-out MSE after training below 0.05, a fifth of the target's variance
# (≈ 0.25; a network that has learned nothing stays near it). The reference loop reached at most 0.018,
# median 0.003, on 300 fresh tasks.
TOLERANCE = 0.05
STEPS, ETA, CLIP = 500, 0.5, 1.0


def _forward(p, X):
    """States H (B, T + 1, n) from h_0 = 0 and outputs Ŷ = h_t V + c (B, T, n_out)."""
    B, T, _ = X.shape
    H = np.zeros((B, T + 1, p["W_h"].shape[0]))
    for t in range(T):
        H[:, t + 1] = np.tanh(X[:, t] @ p["W_x"] + H[:, t] @ p["W_h"] + p["b"])
    return H, H[:, 1:] @ p["V"] + p["c"]


def _gradients(p, X, Y, carry=True, dtanh=True, scale=1.0):
    """∇L of L = ½ mean((Ŷ − Y)²) by BPTT; ``scale`` multiplies it (a summed loss, a missing ½)."""
    B, T, _ = X.shape
    H, Yh = _forward(p, X)
    dY = scale * (Yh - Y) / Yh.size
    g = {"V": np.einsum("btn,btm->nm", H[:, 1:], dY), "c": dY.sum(axis=(0, 1)),
         "W_x": np.zeros_like(p["W_x"]), "W_h": np.zeros_like(p["W_h"]), "b": np.zeros_like(p["b"])}
    carried = np.zeros((B, p["W_h"].shape[0]))
    for t in range(T - 1, -1, -1):
        dh = dY[:, t] @ p["V"].T + carried
        da = dh * (1 - H[:, t + 1] ** 2) if dtanh else dh
        g["W_x"] += X[:, t].T @ da
        g["W_h"] += H[:, t].T @ da
        g["b"] += da.sum(axis=0)
        carried = da @ p["W_h"].T if carry else 0.0 * carried
    return g


def _norm(g):
    return float(np.sqrt(sum(float((v * v).sum()) for v in g.values())))


def _clipped(g, clip, rule="global"):
    if rule == "none":
        return g
    if rule == "always":
        s = clip / _norm(g)
        return {k: s * v for k, v in g.items()}
    if rule == "each":
        return {k: v * min(1.0, clip / max(np.linalg.norm(v), 1e-300)) for k, v in g.items()}
    if rule == "elementwise":
        return {k: np.clip(v, -clip, clip) for k, v in g.items()}
    s = min(1.0, clip / _norm(g))
    return {k: s * v for k, v in g.items()}


def _train(X, Y, params, eta, clip, n_steps, rule="global", **variant):
    """Full-batch gradient descent θ ← θ − η clip(∇L) for n_steps steps (the reference and its mistakes)."""
    p = {k: np.array(params[k], dtype=float) for k in KEYS}
    for _ in range(int(n_steps)):
        g = _clipped(_gradients(p, X, Y, **variant), clip, rule)
        p = {k: p[k] - eta * g[k] for k in KEYS}
    return p


def _delay_task(rng, delay, B, T):
    """x_t ~ U[−1, 1]; the target is the input ``delay`` steps back, y_t = x_(t−delay) (0 before)."""
    X = rng.uniform(-1, 1, size=(B, T, 1))
    Y = np.zeros_like(X)
    Y[:, delay:] = X[:, :-delay]
    return X, Y


def _initial(rng, n):
    Q, R = np.linalg.qr(rng.normal(size=(n, n)))
    r = np.sqrt(6 / (1 + n))
    return {"W_x": rng.uniform(-r, r, size=(1, n)), "W_h": Q * np.sign(np.diag(R)), "b": np.zeros(n),
            "V": rng.normal(scale=1 / np.sqrt(n), size=(n, 1)), "c": np.zeros(1)}


def _train_problem(rng):
    """A delay task and a starting network, redrawn while one step of gradient descent already brings the
    held-out MSE below twice the tolerance (a draw in twenty: a loop that takes one step, or restarts from
    the first parameters at every step, passed on some of them)."""
    while True:
        n, T, delay = int(rng.integers(8, 13)), int(rng.integers(8, 13)), int(rng.integers(2, 4))
        X, Y = _delay_task(rng, delay, 64, T)
        X_test, Y_test = _delay_task(rng, delay, 256, T)
        params = _initial(rng, n)
        one_step = _train(X, Y, params, ETA, CLIP, 1)
        if np.mean((_forward(one_step, X_test)[1] - Y_test) ** 2) > 2 * TOLERANCE:
            break
    g0 = _norm(_gradients(params, X, Y))
    return {"X": X, "Y": Y, "X_test": X_test, "Y_test": Y_test, "params": params, "delay": delay,
            # two single steps probe the gradient (a clip far above any gradient's norm, even a summed
            # loss's) and the clipping rule (a clip below the norm); then a full run must learn the task
            "runs": [(0.5, 10.0 * Y.size * g0, 1), (0.5, 0.3 * g0, 1), (ETA, CLIP, STEPS)]}


def _ask_train(fn, x):
    return [fn(x["X"].copy(), x["Y"].copy(), {k: v.copy() for k, v in x["params"].items()}, eta, clip, n_steps)
            for eta, clip, n_steps in x["runs"]]


def _gradient_mistakes(Y):
    B, T, m = Y.shape
    return [
        (dict(scale=float(B * T * m)), "The gradient is B·T times too large: L is the mean of ½(ŷ − y)² over "
                                       "examples and time steps, not the sum."),
        (dict(scale=2.0), "The gradient is twice too large: L = ½ · mean((ŷ − y)²), whose gradient has no factor 2."),
        (dict(carry=False), "The gradient stops at one step: BPTT carries the error back through time, "
                            "∂L/∂h_t gets δ_(t+1) W_hᵀ."),
        (dict(dtanh=False), "The factor tanh′(a_t) = 1 − h_t² is missing from δ_t."),
    ]


def _read_params(result, like):
    if not isinstance(result, dict) or any(k not in result for k in KEYS):
        return Problem("train_rnn should return the parameters as a dict with the keys "
                       f"{', '.join(KEYS)} (like the params it was given).")
    for k in KEYS:
        if np.shape(result[k]) != np.shape(like[k]):
            return Problem(f"The returned {k} has the wrong shape.",
                           f"Expected {np.shape(like[k])}, got {np.shape(result[k])}.")
    return None


def _matches(result, expected):
    return all(close(result[k], expected[k], what="", rtol=1e-6, atol=1e-10) is None for k in KEYS)


def _judge_step(result, x, eta, clip, rule_mistakes):
    p0 = x["params"]
    expected = _train(x["X"], x["Y"], p0, eta, clip, 1)
    if _matches(result, expected):
        return None
    if _matches(result, p0):
        return Problem("One step of training left the parameters unchanged: update them by θ ← θ − η clip(∇L).")
    for variant, sentence in _gradient_mistakes(x["Y"]):
        if _matches(result, _train(x["X"], x["Y"], p0, eta, clip, 1, **variant)):
            return Problem(sentence)
    if _matches(result, _train(x["X"], x["Y"], p0, -eta, clip, 1)):
        return Problem("The step goes uphill: θ ← θ − η clip(∇L).")
    for rule, sentence in rule_mistakes:
        if _matches(result, _train(x["X"], x["Y"], p0, eta, clip, 1, rule=rule)):
            return Problem(sentence)
    worst = max(KEYS, key=lambda k: float(np.max(np.abs(np.asarray(result[k], float) - expected[k]))))
    return close(result[worst], expected[worst], what=f"After one step, {worst}", rtol=1e-6, atol=1e-10,
                 hint="Check the gradient of L = ½ mean((ŷ − y)²) by BPTT and the clipping rule.")


def _judge_train(got, x):
    p0 = x["params"]
    for result in got:
        problem = _read_params(result, p0)
        if problem:
            return problem
    (eta1, clip1, _), (eta2, clip2, _), (eta, clip, n_steps) = x["runs"]
    problem = _judge_step(got[0], x, eta1, clip1, [
        ("always", "The gradient was rescaled although its norm was below clip: clip only when ‖∇L‖ > clip.")])
    if problem:
        return Problem(f"A single step with clip above ‖∇L‖ (plain gradient descent) is wrong. {problem.reason}",
                       problem.detail)
    problem = _judge_step(got[1], x, eta2, clip2, [
        ("none", "The gradient was not clipped: when ‖∇L‖ > clip, use clip · ∇L/‖∇L‖."),
        ("each", "Each parameter array was clipped on its own: clip the norm of all the gradients together "
                 "(the global norm), so the step keeps the gradient's direction."),
        ("elementwise", "The entries were clipped one by one: clip the gradient's norm, keeping its direction."),
    ])
    if problem:
        return Problem(f"A single step with ‖∇L‖ above clip is wrong. {problem.reason}", problem.detail)
    with np.errstate(all="ignore"):
        mse = float(np.mean((_forward({k: np.asarray(got[2][k], float) for k in KEYS}, x["X_test"])[1]
                             - x["Y_test"]) ** 2))
        start = float(np.mean((_forward(p0, x["X_test"])[1] - x["Y_test"]) ** 2))
    if not np.isfinite(mse) or mse > TOLERANCE:
        return Problem(f"After {n_steps} steps (η = {eta:g}, clip = {clip:g}) the network has not learned the task "
                       f"to the chapter's tolerance: held-out MSE should be below {TOLERANCE:g}. Does the loop take "
                       "every step from the parameters of the step before?",
                       f"Held-out MSE {mse:.4g} (it was {start:.4g} before training); the task: recall the input "
                       f"{x['delay']} steps back.")
    return None


register(
    "rnn.train_bptt",
    inputs=_train_problem,
    ask=_ask_train,
    judge=_judge_train,
    doc="Build it: full-batch gradient descent with BPTT and gradient-norm clipping for a tanh RNN with a "
        "linear read-out; judged by two single steps and by learning a fresh delayed-recall task.",
)


# ---- journal club: which statements are true ------------------------------------------------------

choice_check(
    "rnn.true_statements",
    true="ace",
    doc="Journal club: which of six statements about vanishing gradients, clipping and the LSTM are true.",
)
