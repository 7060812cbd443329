"""Checks for week 12's exercises (``notebooks/12-deep-networks.ipynb``)."""

import numpy as np

from .. import deep, rbm
from ..deeplinear import _half_time
from ..grading import Problem, function_check, register
from ..pretraining import _greedy_stack

# ---- Exercise 1: the initialisations, judged on their statistics ------------------------------------

SCHEME_NAMES = {"standard": "the standard U[−1/√n_in, 1/√n_in] (eq. 1)",
                "normalised": "the normalised U[±√6/√(n_in + n_out)] (eq. 16)",
                "he": "He's N(0, 2/n_in)"}


def _init_inputs(rng):
    """Three widths far enough apart that every typical mistake gives a clearly different variance."""
    return {"sizes": [int(rng.integers(100, 131)), int(rng.integers(40, 61)), int(rng.integers(15, 26))],
            "seeds": [int(s) for s in rng.integers(2**31, size=3)]}


def _ask_init(init_weights, x):
    return [init_weights(list(x["sizes"]), scheme, np.random.default_rng(seed))
            for scheme, seed in zip(deep.SCHEMES, x["seeds"])]


def _what_it_is(var, n_in, n_out, tol):
    """Name the initialisation whose variance ``var`` matches, if it is a known mistake."""
    candidates = {
        "the standard U[−1/√n_in, 1/√n_in] (eq. 1)": 1 / (3 * n_in),
        "the normalised U[±√6/√(n_in + n_out)] (eq. 16)": 2 / (n_in + n_out),
        "He's 2/n_in": 2 / n_in,
        "1/√n_out as the bound instead of 1/√n_in (n is the size of the layer *below*)": 1 / (3 * n_out),
        "√(2/(n_in + n_out)) as the bound: that is the standard deviation the paper wants, and a uniform "
        "U[−r, r] has variance r²/3, not r²": 2 / (3 * (n_in + n_out)),
        "2/(n_in + n_out) as the bound instead of its square root": (2 / (n_in + n_out)) ** 2 / 3,
    }
    for name, v in candidates.items():
        if abs(var / v - 1) < tol:
            return name
    return None


def _judge_one(W, scheme, n_in, n_out, layer):
    where = f"For scheme {scheme!r}, layer {layer + 1} ({n_in} → {n_out})"
    try:
        W = np.asarray(W, dtype=float)
    except (TypeError, ValueError):
        return Problem(f"{where}: each weight matrix should be an array of numbers.")
    if W.shape == (n_out, n_in) and n_in != n_out:
        return Problem(f"{where}: W is transposed. With z^{{i+1}} = f(z^i W^i) and z^i a row of n_in numbers, "
                       f"W^i has shape (n_in, n_out) = {(n_in, n_out)}.", f"Got {W.shape}.")
    if W.shape != (n_in, n_out):
        return Problem(f"{where}: W should have shape (n_in, n_out) = {(n_in, n_out)}.", f"Got {W.shape}.")
    if not np.all(np.isfinite(W)):
        return Problem(f"{where}: W contains nan or inf.")
    N = W.size
    want = deep.weight_variance(n_in, n_out, scheme)
    var = float(W.var())
    if abs(W.mean()) > 5 * np.sqrt(var / N):         # 5 standard errors of the mean of N draws
        return Problem(f"{where}: the weights should have mean 0 (a distribution symmetric about 0).",
                       f"Their mean is {W.mean():.3g}.")
    # the variance of N draws has a relative standard error √(2/N) for a normal, √(0.8/N) for a uniform:
    # 5 of the larger, so that a right variance drawn the wrong way is still named for its shape below
    tol = 5 * np.sqrt(2.0 / N)
    if abs(var / want - 1) > tol:
        name = _what_it_is(var, n_in, n_out, tol)
        said = f" That variance is the one of {name}." if name else ""
        return Problem(f"{where}: the weights have the wrong variance; {SCHEME_NAMES[scheme]} has "
                       f"Var[W] = {want:.3g}.{said}", f"Yours have {var:.3g}.")
    r = np.sqrt(3 * want)
    beyond = np.mean(np.abs(W) > r * (1 + 1e-9))
    if scheme != "he" and beyond > 0:
        return Problem(f"{where}: the variance is right but {beyond:.1%} of the weights lie beyond ±{r:.3g}: "
                       "draw them from a uniform distribution on [−r, r], not a normal one.")
    if scheme == "he" and beyond < 0.04:       # a normal puts 8.3 % beyond √3 σ; a uniform puts none
        return Problem(f"{where}: the variance is right but the weights look uniform: He et al. draw them "
                       "from a zero-mean normal (Gaussian) distribution.")
    return None


def _judge_init(got, x):
    sizes = x["sizes"]
    if not isinstance(got, list) or len(got) != len(deep.SCHEMES):
        return Problem("The answer did not come back as one result per scheme.")
    for scheme, mats in zip(deep.SCHEMES, got):
        if mats is None:
            return Problem(f"For scheme {scheme!r} your function returned None: does every scheme end in `return`?")
        if not isinstance(mats, list) or len(mats) != len(sizes) - 1:
            return Problem(f"For scheme {scheme!r}: return a list with one weight matrix per pair of "
                           f"consecutive widths ({len(sizes) - 1} for sizes = {sizes}).",
                           f"Got {type(mats).__name__} of length {len(mats) if isinstance(mats, list) else '?'}.")
        for layer, (W, n_in, n_out) in enumerate(zip(mats, sizes[:-1], sizes[1:])):
            problem = _judge_one(W, scheme, n_in, n_out, layer)
            if problem:
                return problem
    return None


register(
    "deep.init_weights",
    inputs=_init_inputs,
    ask=_ask_init,
    judge=_judge_init,
    doc="init_weights(sizes, scheme, rng): one weight matrix per layer, drawn by the standard, normalised "
        "or He initialisation; judged on the shape, mean, variance and shape of the distribution.",
)


# ---- Exercise 2: the layer-wise statistics ---------------------------------------------------------

def _layer_variances(weights, X, delta):
    """(Var[z^1] … Var[z^L], Var[∂C/∂s^0] … Var[∂C/∂s^{L−1}]) of z^{i+1} = tanh(z^i W^i), z^0 = X,
    given ∂C/∂z^L = delta; variances over examples and units together."""
    zs, ss = [np.asarray(X, dtype=float)], []
    for W in weights:
        ss.append(zs[-1] @ W)
        zs.append(np.tanh(ss[-1]))
    g, grads = np.asarray(delta, dtype=float), []
    for W, s in zip(weights[::-1], ss[::-1]):
        g = g * (1 - np.tanh(s) ** 2)              # ∂C/∂s^i
        grads.append(g)
        g = g @ W.T                                # ∂C/∂z^i
    return np.array([z.var() for z in zs[1:]]), np.array([g.var() for g in grads[::-1]])


def _variances_with(weights, X, delta, *, fprime=True, of="z", order=1, stat=np.var, at="s"):
    zs, ss = [np.asarray(X, dtype=float)], []
    for W in weights:
        ss.append(zs[-1] @ W)
        zs.append(np.tanh(ss[-1]))
    g, grads = np.asarray(delta, dtype=float), []
    for W, s, z in zip(weights[::-1], ss[::-1], zs[:0:-1]):
        if fprime:
            g = g * (1 - (np.tanh(s) if at == "s" else np.tanh(z)) ** 2)
        grads.append(g)
        g = g @ W.T
    act = [stat(z) for z in (zs[1:] if of == "z" else ss)]
    return np.array(act), np.array([stat(g) for g in grads[::-order]])


def _network(rng):
    L = int(rng.integers(3, 5))
    widths = [int(rng.integers(12, 30)) for _ in range(L + 1)]
    weights = [rng.uniform(-1, 1, size=(a, b)) * np.sqrt(6 / (a + b)) * rng.uniform(0.8, 1.6)
               for a, b in zip(widths[:-1], widths[1:])]
    B = int(rng.integers(10, 20))
    return [(weights, rng.normal(size=(B, widths[0])), rng.normal(size=(B, widths[-1])))]


function_check(
    "deep.layer_variances",
    reference=_layer_variances,
    calls=_network,
    what="The pair (activation variances, back-propagated gradient variances)", rtol=1e-6, atol=1e-12,
    hint="forward: s^i = z^i W^i, z^{i+1} = tanh(s^i); backward: ∂C/∂s^i = (∂C/∂z^{i+1}) ⊙ (1 − tanh²(s^i)), "
         "∂C/∂z^i = (∂C/∂s^i) W^iᵀ.",
    diagnoses=[
        (lambda W, X, d: _variances_with(W, X, d, fprime=False),
         "The backward pass leaves out f'(s): ∂C/∂s^i = (∂C/∂z^{i+1}) ⊙ (1 − tanh²(s^i)) at every layer."),
        (lambda W, X, d: _variances_with(W, X, d, of="s"),
         "The activation variances are those of s^i = z^i W^i, before the nonlinearity; the paper's "
         "activations are z^{i+1} = tanh(s^i)."),
        (lambda W, X, d: _variances_with(W, X, d, order=-1),
         "The gradient variances come out top first: list them from the first layer (∂C/∂s^0) up."),
        (lambda W, X, d: _variances_with(W, X, d, at="z"),
         "f' is evaluated at z = tanh(s): the derivative of tanh at s is 1 − tanh²(s), not 1 − tanh²(tanh(s))."),
        (lambda W, X, d: _variances_with(W, X, d, stat=np.std),
         "Those are standard deviations: the paper tracks variances (the square)."),
    ],
    doc="layer_variances(weights, X, delta): one forward and one backward pass through a tanh network "
        "without biases, returning the variances of the activations and of the back-propagated gradients.",
)


# ---- Exercise 3: Saxe et al.'s half-learning time ---------------------------------------------------

def _half_calls(rng):
    calls = []
    for _ in range(5):
        s = float(rng.uniform(0.5, 4.0))
        calls.append((s, float(s * rng.uniform(0.02, 0.3)), float(rng.uniform(0.5, 3.0))))
    return calls


function_check(
    "deep.half_time",
    reference=_half_time,
    calls=_half_calls,
    what="The time t at which u(t) = s/2", rtol=1e-6, atol=1e-12,
    hint="integrate τ du/dt = 2u(s − u) from u₀ to s/2 (eq. 11 with u_f = s/2).",
    diagnoses=[
        (lambda s, u0, tau: tau / s * np.log(s / u0),
         "That is the rough time scale (τ/s) ln(s/u₀) of the ε → 0 limit, not the exact time to reach s/2."),
        (lambda s, u0, tau: tau / s * np.log((s - u0) / u0),
         "That is twice the time: the rate in eq. 10 is 2u(s − u), so t = (τ/2s) ln(…)."),
        (lambda s, u0, tau: tau / (2 * s) * np.log(s / u0),
         "ln(s/u₀) is eq. 11 only when u₀ ≪ s: with u_f = s/2 the argument is (s − u₀)/u₀."),
        (lambda s, u0, tau: tau / (2 * s) * np.log(((s - u0) / u0) ** 2),
         "That is the time to reach s − u₀, not s/2."),
        (lambda s, u0, tau: 1 / (2 * s * tau) * np.log((s - u0) / u0),
         "τ multiplies the time (τ = 1/λ: a smaller learning rate means slower learning)."),
    ],
    doc="half_time(s, u0, tau): Saxe et al.'s eq. 11, the time for a mode of strength s to go from u0 to s/2.",
)


# ---- Exercise 4: how wide must a shallow network be? -----------------------------------------------

function_check(
    "deep.shallow_width",
    reference=lambda k: 2 ** k - 1,
    # k = 4 is left out: there 2k = 2^(k−1) = 8 and the two typical mistakes could not be told apart
    calls=lambda rng: [(int(k),) for k in rng.choice([3, *range(5, 16)], size=4, replace=False)],
    what="The number of hidden units", rtol=0, atol=1e-9,
    hint="each hidden ReLU adds at most one kink, and n kinks make at most n + 1 pieces.",
    diagnoses=[
        (lambda k: 2 ** k, "That is the number of pieces; a network with n units has at most n + 1 of them."),
        (lambda k: 2 * k, "That is what the deep network uses: 2 units in each of k layers."),
        (lambda k: 2 ** (k - 1), "That is the number of teeth; count the linear pieces, two per tooth."),
        (lambda k: 2 ** k + 1, "n units give at most n + 1 pieces, so 2^k pieces need n ≥ 2^k − 1, not more."),
    ],
    doc="shallow_width(k): the fewest hidden units a one-hidden-layer ReLU network needs for the 2^k pieces of m^k.",
)


# ---- Build it: greedy layer-wise pretraining --------------------------------------------------------

def _pretrain_inputs(rng):
    """Noisy copies of a few binary prototypes: structure an RBM can find in a few epochs."""
    n_v = int(rng.integers(14, 21))
    protos = (rng.random((int(rng.integers(3, 6)), n_v)) < 0.5).astype(float)
    X = protos[rng.integers(0, len(protos), size=240)]
    X = np.abs(X - (rng.random(X.shape) < 0.05))
    return {"X": X, "sizes": [int(rng.integers(8, 13)), int(rng.integers(4, 7))], "epochs": 40,
            "seed": int(rng.integers(2**31))}


def _ask_pretrain(greedy_pretrain, x):
    return greedy_pretrain(x["X"].copy(), list(x["sizes"]), x["epochs"], np.random.default_rng(x["seed"]))


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def _reconstruction_error(W, b, c, V):
    """Mean squared error of one mean-field up–down pass, v → p(h | v) → p(v | h)."""
    return float(np.mean((_sigmoid(_sigmoid(V @ W + c) @ W.T + b) - V) ** 2))


def _untrained_error(V, n_hidden):
    """The same error for an untrained RBM (weights ≈ 0, visible biases from the pixel means, Hinton's
    start): it can only reconstruct the mean."""
    start = rbm.RBM.init(V.shape[1], n_hidden, rng=np.random.default_rng(0), data=np.clip(V, 0, 1))
    return _reconstruction_error(start.W, start.b, start.c, V)


def _judge_pretrain(got, x):
    X, sizes = x["X"], x["sizes"]
    if not isinstance(got, list) or len(got) != len(sizes):
        return Problem(f"greedy_pretrain should return a list with one (W, b, c) per layer: {len(sizes)} for "
                       f"sizes = {sizes}.", f"Got {type(got).__name__}"
                       + (f" of length {len(got)}." if isinstance(got, list) else "."))
    data, n_v = X, X.shape[1]
    for l, (item, n_h) in enumerate(zip(got, sizes)):
        if not isinstance(item, list) or len(item) != 3:
            return Problem(f"Layer {l + 1}: give each RBM as a triple (W, b, c) — weights, visible biases, "
                           "hidden biases.")
        try:
            W, b, c = (np.asarray(a, dtype=float) for a in item)
        except (TypeError, ValueError):
            return Problem(f"Layer {l + 1}: W, b and c should be arrays of numbers.")
        below = "the data's pixels" if l == 0 else f"the hidden units of RBM {l}"
        if W.shape != (n_v, n_h):
            return Problem(f"RBM {l + 1} should have {n_v} visible units ({below}) and {n_h} hidden units, "
                           f"so W of shape {(n_v, n_h)}: each RBM is trained on the hidden activities of the "
                           "one below, not on the data.", f"Got W of shape {W.shape}.")
        if b.shape != (n_v,) or c.shape != (n_h,):
            return Problem(f"RBM {l + 1}: b needs one entry per visible unit ({n_v}) and c one per hidden unit "
                           f"({n_h}).", f"Got b {b.shape} and c {c.shape}.")
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b)) and np.all(np.isfinite(c))):
            return Problem(f"RBM {l + 1} has nan or inf parameters: is the learning rate too large?")
        err, base = _reconstruction_error(W, b, c, data), _untrained_error(data, n_h)
        if err > 0.75 * base:         # trained 40 epochs, the chapter's loop gives ≤ 0.5 of it (1,000 draws)
            return Problem(f"RBM {l + 1} reconstructs its input hardly better than an untrained RBM: train each "
                           f"RBM (CD-1 for `epochs` epochs, at a learning rate that makes progress) on {below} "
                           "before stacking the next one.",
                           f"Its mean squared reconstruction error is {err:.3g}; untrained, {base:.3g}.")
        data, n_v = _sigmoid(data @ W + c), n_h
    return None


register(
    "deep.greedy_pretrain",
    inputs=_pretrain_inputs,
    ask=_ask_pretrain,
    judge=_judge_pretrain,
    doc="Build it: greedy_pretrain(X, sizes, epochs, rng) trains a stack of RBMs one layer at a time, each on "
        "the hidden probabilities of the one below, and returns [(W, b, c), ...]; judged on fresh data by "
        "every RBM's reconstruction of its own input.",
)

