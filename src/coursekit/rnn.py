"""Week 6 — recurrent networks: Elman's simple recurrent network and the LSTM, trained by
backpropagation through time (BPTT); vanishing gradients; the temporal XOR and the adding problem.

Elman (1990), "Finding structure in time"; Bengio, Simard & Frasconi (1994), "Learning long-term
dependencies with gradient descent is difficult"; Hochreiter & Schmidhuber (1997), "Long short-term
memory".

Notation (chapter 6). A batch of B sequences of length T with n_in inputs is an array ``x`` of shape
(B, T, n_in); ``x_t`` is its slice at time t, a row-stacked (B, n_in) matrix as in chapter 3. A layer
of n hidden units carries a state ``h_t`` (B, n) from ``h_0 = 0``. The layers subclass
:class:`coursekit.nn.Layer`, so :class:`~coursekit.nn.Sequential`, the optimisers and
:func:`~coursekit.nn.train` work with them unchanged; :class:`TimeDistributed` applies an ordinary
layer (a read-out ``nn.Dense``) at every time step.
"""

from __future__ import annotations

import numpy as np

from . import nn
from ._numerics import sigmoid
from ._validate import OneOf, as_array, as_rng, positive, positive_int, validate

__all__ = ["RNN", "LSTM", "TimeDistributed", "state_jacobian_norms",
           "temporal_xor", "next_step_windows", "adding_problem", "ADDING_THRESHOLD", "ADDING_CONSTANT_MSE"]


def _sequences(x, n_in: int, name: str = "x") -> np.ndarray:
    x = as_array(x, name=name, ndim=3)
    if x.shape[2] != n_in:
        raise ValueError(f"{name} must have shape (batch, time, {n_in}); got {x.shape}")
    return x


def _orthogonal(n: int, rng) -> np.ndarray:
    """A random orthogonal n × n matrix (QR of a Gaussian matrix, signs fixed: Haar distributed)."""
    Q, R = np.linalg.qr(rng.normal(size=(n, n)))
    return Q * np.sign(np.diag(R))


def _state_gradient(dy, B, T, n, return_sequences):
    """∂L/∂h_t for every t (B, T, n): dy itself, or zeros with dy at the last step."""
    dy = np.asarray(dy, dtype=float)
    if return_sequences:
        if dy.shape != (B, T, n):
            raise ValueError(f"dy must have shape {(B, T, n)} (the states); got {dy.shape}")
        return dy
    if dy.shape != (B, n):
        raise ValueError(f"dy must have shape {(B, n)} (the last state); got {dy.shape}")
    dH = np.zeros((B, T, n))
    dH[:, -1] = dy
    return dH


# --------------------------------------------------------------------------------------------
# Elman's simple recurrent network
# --------------------------------------------------------------------------------------------

class RNN(nn.Layer):
    """Elman's (1990) recurrent layer: ``h_t = φ(x_t W_x + h_{t−1} W_h + b)`` from ``h_0 = 0``.

    The "context units" of Elman's network are the copy ``h_{t−1}``. φ is ``tanh`` (default) or the
    logistic ``sigmoid`` Elman used. x (B, T, n_in) → all states (B, T, n) with ``return_sequences``,
    else the last state h_T (B, n). Initialisation: W_x ~ U(±√(6/(n_in + n))) (Xavier), W_h = ``gain``
    × a random orthogonal matrix (so ‖W_h‖₂ = gain), b = 0.

    ``backward`` is backpropagation through time: with δ_t = ∂L/∂a_t (a_t the pre-activation),
    ``δ_t = (∂L/∂h_t + δ_{t+1} W_hᵀ) ⊙ φ'(a_t)``, then ``∂L/∂W_x = Σ_t x_tᵀ δ_t``,
    ``∂L/∂W_h = Σ_t h_{t−1}ᵀ δ_t``, ``∂L/∂b = Σ_t Σ_batch δ_t`` and ``∂L/∂x_t = δ_t W_xᵀ``.

    Used in: week 6, notebooks/06-rnn.ipynb.
    """

    @validate(activation=OneOf("tanh", "sigmoid"))
    def __init__(self, n_in: int, n_hidden: int, *, rng, activation: str = "tanh",
                 return_sequences: bool = True, gain: float = 1.0):
        self.n_in = positive_int(n_in, name="n_in")
        self.n_hidden = n = positive_int(n_hidden, name="n_hidden")
        rng = as_rng(rng)
        gain = positive(gain, name="gain")
        self.activation = activation
        self.return_sequences = bool(return_sequences)
        r = np.sqrt(6.0 / (self.n_in + n))
        self.params = {"W_x": rng.uniform(-r, r, size=(self.n_in, n)), "W_h": gain * _orthogonal(n, rng),
                       "b": np.zeros(n)}
        self._cache = None

    def _phi(self, a):
        return np.tanh(a) if self.activation == "tanh" else sigmoid(a)

    def _dphi(self, h):
        """φ'(a) from h = φ(a)."""
        return 1.0 - h * h if self.activation == "tanh" else h * (1.0 - h)

    def forward(self, x, train: bool = True):
        x = _sequences(x, self.n_in)
        B, T, _ = x.shape
        p = self.params
        XW = x @ p["W_x"] + p["b"]                          # input drive of every step at once
        H = np.zeros((B, T + 1, self.n_hidden))             # H[:, 0] = h_0 = 0
        W_h = p["W_h"]
        for t in range(T):
            H[:, t + 1] = self._phi(XW[:, t] + H[:, t] @ W_h)
        self._cache = (x, H)
        return H[:, 1:] if self.return_sequences else H[:, -1]

    def backward(self, dy):
        if self._cache is None:
            raise RuntimeError("call forward before backward")
        x, H = self._cache
        B, T, _ = x.shape
        dH = _state_gradient(dy, B, T, self.n_hidden, self.return_sequences)
        p, g = self.params, self.grads
        W_hT = p["W_h"].T
        D = self._dphi(H[:, 1:])                            # φ'(a_t), (B, T, n)
        delta = np.empty_like(D)
        g_Wh = np.zeros_like(p["W_h"])
        carry = np.zeros((B, self.n_hidden))                # δ_{t+1} W_hᵀ
        for t in range(T - 1, -1, -1):
            d = delta[:, t] = (dH[:, t] + carry) * D[:, t]
            g_Wh += H[:, t].T @ d                           # per step: small products, batch-sized
            carry = d @ W_hT
        flat = delta.reshape(B * T, self.n_hidden)
        np.matmul(x.reshape(B * T, self.n_in).T, flat, out=g["W_x"])
        g["W_h"] = g_Wh
        np.add.reduce(flat, axis=0, out=g["b"])
        return delta @ p["W_x"].T

    @property
    def states(self) -> np.ndarray:
        """The states h_1 … h_T (B, T, n) of the last forward pass."""
        if self._cache is None:
            raise RuntimeError("call forward first")
        return self._cache[1][:, 1:]

    def __repr__(self):
        return f"RNN({self.n_in}, {self.n_hidden}, activation={self.activation!r})"


def state_jacobian_norms(layer: RNN, x) -> np.ndarray:
    """log ‖∂h_t/∂h_0‖₂ for t = 1 … T, per sequence, for the input sequences x (B, T, n_in).

    ∂h_t/∂h_0 = J_t J_{t−1} ⋯ J_1 with J_t = diag(φ'(a_t)) W_hᵀ. Since |tanh'| ≤ 1,
    ‖∂h_t/∂h_0‖ ≤ ‖W_h‖₂ᵗ: for a recurrent gain ‖W_h‖₂ < 1 the log-norm falls at least linearly in t
    and the gradient reaching back t steps vanishes exponentially (Bengio, Simard & Frasconi 1994).
    Returns an array (B, T). The states are from ``layer.forward(x)``.

    Used in: week 6, notebooks/06-rnn.ipynb.
    """
    if not isinstance(layer, RNN):
        raise TypeError(f"layer must be a coursekit.rnn.RNN; got {type(layer).__name__}")
    x = _sequences(x, layer.n_in)
    keep = layer.return_sequences
    layer.return_sequences = True
    try:
        H = layer.forward(x, train=False)
    finally:
        layer.return_sequences = keep
    B, T, n = H.shape
    W_hT = layer.params["W_h"].T
    J = np.broadcast_to(np.eye(n), (B, n, n))
    out = np.empty((B, T))
    log_scale = np.zeros(B)                        # renormalise so that long products do not underflow
    for t in range(T):
        J = layer._dphi(H[:, t])[:, :, None] * (W_hT @ J)
        s = np.linalg.norm(J, ord=2, axis=(1, 2))
        s = np.where(s > 0, s, 1e-300)
        log_scale += np.log(s)
        J = J / s[:, None, None]
        out[:, t] = log_scale
    return out


# --------------------------------------------------------------------------------------------
# Long short-term memory
# --------------------------------------------------------------------------------------------

class LSTM(nn.Layer):
    """LSTM layer (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000).

    With ``a_t = x_t W_x + h_{t−1} W_h + b`` split into four blocks of n columns,

        i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)      input, forget, candidate, output
        c_t = f ⊙ c_{t−1} + i ⊙ g                              the memory cell (constant error carousel)
        h_t = o ⊙ tanh(c_t)

    from h_0 = c_0 = 0. While f ≈ 1 and i ≈ 0 the cell keeps its content and ∂c_t/∂c_{t−1} = f ≈ 1:
    the error flows back through the cell undiminished, which a simple RNN cannot do. The forget-gate
    biases start at ``forget_bias`` (1 by default) so the cells remember from the start.
    x (B, T, n_in) → states (B, T, n) with ``return_sequences``, else h_T (B, n). Xavier-uniform W_x,
    orthogonal blocks of W_h.

    Used in: week 6, notebooks/06-rnn.ipynb.
    """

    def __init__(self, n_in: int, n_hidden: int, *, rng, return_sequences: bool = True,
                 forget_bias: float = 1.0):
        self.n_in = positive_int(n_in, name="n_in")
        self.n_hidden = n = positive_int(n_hidden, name="n_hidden")
        rng = as_rng(rng)
        self.return_sequences = bool(return_sequences)
        r = np.sqrt(6.0 / (self.n_in + n))
        b = np.zeros(4 * n)
        b[n:2 * n] = float(forget_bias)
        self.params = {"W_x": rng.uniform(-r, r, size=(self.n_in, 4 * n)),
                       "W_h": np.hstack([_orthogonal(n, rng) for _ in range(4)]), "b": b}
        self._cache = None

    def forward(self, x, train: bool = True):
        x = _sequences(x, self.n_in)
        B, T, _ = x.shape
        n = self.n_hidden
        p = self.params
        XW = x @ p["W_x"] + p["b"]                                   # (B, T, 4n)
        W_h = p["W_h"]
        H = np.zeros((B, T + 1, n))
        C = np.zeros((B, T + 1, n))
        G = np.empty((B, T, 4 * n))                                  # gate activations i, f, g, o
        tanhC = np.empty((B, T, n))
        for t in range(T):
            a = XW[:, t] + H[:, t] @ W_h
            gates = G[:, t]
            gates[:, :2 * n] = sigmoid(a[:, :2 * n])
            gates[:, 2 * n:3 * n] = np.tanh(a[:, 2 * n:3 * n])
            gates[:, 3 * n:] = sigmoid(a[:, 3 * n:])
            C[:, t + 1] = gates[:, n:2 * n] * C[:, t] + gates[:, :n] * gates[:, 2 * n:3 * n]
            tanhC[:, t] = np.tanh(C[:, t + 1])
            H[:, t + 1] = gates[:, 3 * n:] * tanhC[:, t]
        self._cache = (x, H, C, G, tanhC)
        return H[:, 1:] if self.return_sequences else H[:, -1]

    def backward(self, dy):
        if self._cache is None:
            raise RuntimeError("call forward before backward")
        x, H, C, G, tanhC = self._cache
        B, T, _ = x.shape
        n = self.n_hidden
        dH = _state_gradient(dy, B, T, n, self.return_sequences)
        p, grads = self.params, self.grads
        W_hT = p["W_h"].T
        i, f, g, o = G[..., :n], G[..., n:2 * n], G[..., 2 * n:3 * n], G[..., 3 * n:]
        dA = np.empty((B, T, 4 * n))
        g_Wh = np.zeros_like(p["W_h"])
        dh_next = np.zeros((B, n))
        dc_next = np.zeros((B, n))
        for t in range(T - 1, -1, -1):
            dh = dH[:, t] + dh_next
            tc = tanhC[:, t]
            dc = dh * o[:, t] * (1.0 - tc * tc) + dc_next
            da = dA[:, t]
            da[:, :n] = dc * g[:, t] * i[:, t] * (1.0 - i[:, t])               # input gate
            da[:, n:2 * n] = dc * C[:, t] * f[:, t] * (1.0 - f[:, t])          # forget gate
            da[:, 2 * n:3 * n] = dc * i[:, t] * (1.0 - g[:, t] * g[:, t])      # candidate
            da[:, 3 * n:] = dh * tc * o[:, t] * (1.0 - o[:, t])                # output gate
            dc_next = dc * f[:, t]
            g_Wh += H[:, t].T @ da                                              # h_{t−1}ᵀ δ_t
            dh_next = da @ W_hT
        flat = dA.reshape(B * T, 4 * n)
        np.matmul(x.reshape(B * T, self.n_in).T, flat, out=grads["W_x"])
        grads["W_h"] = g_Wh
        np.add.reduce(flat, axis=0, out=grads["b"])
        return dA @ p["W_x"].T

    @property
    def cells(self) -> np.ndarray:
        """The cell states c_1 … c_T (B, T, n) of the last forward pass."""
        if self._cache is None:
            raise RuntimeError("call forward first")
        return self._cache[2][:, 1:]

    def __repr__(self):
        return f"LSTM({self.n_in}, {self.n_hidden})"


class TimeDistributed(nn.Layer):
    """Apply an ordinary layer (e.g. ``nn.Dense``, ``nn.Sigmoid``) at every time step:
    (B, T, …) is folded to (B·T, …), passed through ``layer`` and unfolded. Its parameters are the
    wrapped layer's (shared across time), so their gradients sum over the steps.

    Used in: week 6, notebooks/06-rnn.ipynb.
    """

    def __init__(self, layer: nn.Layer):
        if not isinstance(layer, nn.Layer):
            raise TypeError(f"layer must be a coursekit.nn.Layer; got {type(layer).__name__}")
        self.layer = layer

    @property
    def params(self):
        return self.layer.params

    @property
    def grads(self):
        return self.layer.grads

    def parameters(self):
        return self.layer.parameters()

    def forward(self, x, train: bool = True):
        x = as_array(x, name="x")
        if x.ndim < 3:
            raise ValueError(f"x must have shape (batch, time, ...); got {x.shape}")
        self._bt = x.shape[:2]
        y = self.layer.forward(x.reshape(-1, *x.shape[2:]), train=train)
        return y.reshape(*self._bt, *y.shape[1:])

    def backward(self, dy):
        dy = np.asarray(dy, dtype=float)
        dx = self.layer.backward(dy.reshape(-1, *dy.shape[2:]))
        return dx.reshape(*self._bt, *dx.shape[1:])

    def __repr__(self):
        return f"TimeDistributed({self.layer!r})"


# --------------------------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------------------------

def temporal_xor(n_triples: int, *, rng) -> np.ndarray:
    """Elman's (1990) temporal XOR: a stream of bits in triples (a, b, a XOR b), a and b random.

    Predicting the next bit is possible only for every third bit; the other two are coin flips.
    Returns a float array of 3 · n_triples bits.

    Used in: week 6, notebooks/06-rnn.ipynb.
    """
    n_triples = positive_int(n_triples, name="n_triples")
    rng = as_rng(rng)
    ab = rng.integers(0, 2, size=(n_triples, 2))
    return np.column_stack([ab, ab[:, 0] ^ ab[:, 1]]).ravel().astype(float)


def next_step_windows(stream, T: int):
    """All windows of length T of a 1-D stream, inputs and next-step targets: X[k, t] = s[k + t],
    Y[k, t] = s[k + t + 1]. Returns X, Y of shape (len(s) − T, T, 1).

    Used in: week 6, notebooks/06-rnn.ipynb.
    """
    s = as_array(stream, name="stream", ndim=1)
    T = positive_int(T, name="T")
    if s.size <= T:
        raise ValueError(f"stream must be longer than T = {T}; got {s.size} values")
    idx = np.arange(s.size - T)[:, None] + np.arange(T)
    return s[idx][..., None], s[idx + 1][..., None]


ADDING_THRESHOLD = 0.04        # Hochreiter & Schmidhuber (1997): a sequence is right if |error| < 0.04
ADDING_CONSTANT_MSE = 1 / 24   # the MSE of always answering 0.5: var(X1 + X2)/16 = (2/3)/16


def adding_problem(n: int, T: int, *, rng):
    """The adding problem of Hochreiter & Schmidhuber (1997), experiment 4, with fixed length T.

    Each of the T steps carries two inputs: a value uniform in [−1, 1] and a marker. Exactly two steps
    are marked (marker 1, else 0): one of the first 10, and another of the first T/2. The target
    at the end is ``0.5 + (X1 + X2)/4`` ∈ [0, 1], so the information must be held for at least T/2
    steps. Always answering 0.5 gives MSE = var(X1 + X2)/16 = 1/24. (The paper also varies the
    length between T and 1.1 T and marks the first and last steps with −1.)
    Returns X (n, T, 2) and y (n, 1).

    Used in: week 6, notebooks/06-rnn.ipynb.
    """
    n = positive_int(n, name="n")
    T = positive_int(T, name="T", minimum=12)
    rng = as_rng(rng)
    X = np.zeros((n, T, 2))
    X[:, :, 0] = rng.uniform(-1, 1, size=(n, T))
    first = rng.integers(0, 10, size=n)
    second = rng.integers(0, T // 2 - 1, size=n)
    second = np.where(second >= first, second + 1, second)     # one of the first T/2, not `first`
    rows = np.arange(n)
    X[rows, first, 1] = 1.0
    X[rows, second, 1] = 1.0
    y = 0.5 + (X[rows, first, 0] + X[rows, second, 0]) / 4
    return X, y[:, None]
