"""Week 3 — the layer framework: layers with forward/backward, losses, SGD with momentum, Adam, one
training loop.

Rumelhart, Hinton & Williams (1986), "Learning representations by back-propagating errors";
Nielsen (2015), *Neural Networks and Deep Learning*, ch. 2. Later chapters (``conv``, ``rnn``)
subclass :class:`Layer` and reuse :class:`Sequential`, the optimisers and :func:`train` unchanged.
Checking and timing gradients, and the experiments of Rumelhart et al., are in :mod:`coursekit.backprop`.

Notation (chapter 3, Nielsen's): a batch of B examples is a row-stacked matrix; layer l computes
``z^l = a^{l-1} W^l + b^l`` and ``a^l = σ(z^l)``; the error of layer l is ``δ^l = ∂C/∂z^l``. The
four equations of backpropagation are

    (BP1) δ^L = ∇_a C ⊙ σ'(z^L)                   the output error
    (BP2) δ^l = (δ^{l+1} W^{l+1}ᵀ) ⊙ σ'(z^l)       the error one layer down
    (BP3) ∂C/∂b^l = Σ_batch δ^l                    the bias gradient
    (BP4) ∂C/∂W^l = a^{l-1}ᵀ δ^l                   the weight gradient

In code each layer's ``backward(dy)`` receives ∂C/∂(its output) and returns ∂C/∂(its input):
:class:`Dense` does BP3, BP4 and the ``δ W ᵀ`` half of BP2; an activation does the ``⊙ σ'`` half.

The contract every layer keeps (so the optimisers can hold references to the arrays):

* ``params`` maps names to trainable arrays; optimisers update them **in place**.
* ``grads`` has the same keys and shapes; ``backward`` **overwrites** them. Both are
  :class:`ArrayDict`\\ s: assigning ``layer.grads["W"] = new`` (or ``layer.params["W"] = new``) to an
  existing key of the same shape copies *into* the existing array, so references stay valid.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from ._history import History
from ._numerics import sigmoid
from ._validate import (OneOf, Real, Integer, Rng, as_array, as_rng, check_callable, in_range, positive,
                        positive_int, same_length, validate)

__all__ = [
    "ArrayDict", "Layer", "Sequential", "Dense", "Tanh", "Sigmoid", "ReLU", "Flatten",
    "MSE", "SoftmaxCrossEntropy", "softmax",
    "Optimizer", "SGD", "Adam",
    "History", "train", "accuracy", "predict", "count_parameters", "mlp",
    "get_flat_params", "set_flat_params", "flat_grads",
]


# --------------------------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------------------------

class ArrayDict(dict):
    """A dict of arrays whose item assignment writes *into* an existing array of the same shape.

    ``d["W"] = value`` copies ``value`` into ``d["W"]`` when that key exists with the same shape (so an
    optimiser holding ``d["W"]`` sees the change); otherwise it stores a new float array.

    Used in: week 3, notebooks/03-backprop.ipynb; week 5, notebooks/05-cnn.ipynb; week 6,
    notebooks/06-rnn.ipynb, through :func:`coursekit.backprop.gradient_timing`,
    :func:`coursekit.backprop.layer_gradient_check` and 19 other functions and classes of the module.
    """

    def __init__(self, items=()):
        super().__init__()
        for k, v in dict(items).items():
            self[k] = v

    def __setitem__(self, key, value):
        old = self.get(key)
        value = np.asarray(value, dtype=float)
        if isinstance(old, np.ndarray) and old.shape == value.shape:
            old[...] = value
        else:
            super().__setitem__(key, np.array(value, dtype=float))


class Layer:
    """Base class. A layer caches what ``backward`` needs during ``forward``.

    Subclasses set ``self.params = {...}`` (and may leave ``grads`` alone: zero arrays of the same
    shapes are made on first use), implement ``forward(x, train=True)`` and ``backward(dy)``, which
    returns ∂L/∂x and fills ``self.grads``.

    Used in: week 3, notebooks/03-backprop.ipynb; week 5, notebooks/05-cnn.ipynb; week 6,
    notebooks/06-rnn.ipynb, through :func:`coursekit.backprop.gradient_timing`,
    :func:`coursekit.backprop.layer_gradient_check` and 19 other functions and classes of the module.
    """

    # --- params / grads as ArrayDicts, whatever a subclass assigns --------------------------
    @property
    def params(self) -> ArrayDict:
        if "_params" not in self.__dict__:
            self.__dict__["_params"] = ArrayDict()
        return self.__dict__["_params"]

    @params.setter
    def params(self, value):
        self.__dict__["_params"] = ArrayDict(value)
        self.__dict__.pop("_grads", None)     # re-created to match on next access

    @property
    def grads(self) -> ArrayDict:
        g = self.__dict__.get("_grads")
        p = self.params
        if g is None or g.keys() != p.keys():
            old = g or {}
            g = ArrayDict({k: old[k] if k in old and old[k].shape == v.shape else np.zeros_like(v)
                           for k, v in p.items()})
            self.__dict__["_grads"] = g
        return g

    @grads.setter
    def grads(self, value):
        g = self.grads                         # existing arrays, matched to params
        for k, v in dict(value).items():
            g[k] = v                           # copies in place when the shape matches

    # --- the interface ----------------------------------------------------------------------
    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dy: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """[(param, grad), ...]: the arrays themselves (not copies), in a fixed order."""
        g = self.grads
        return [(p, g[k]) for k, p in self.params.items()]

    def zero_grad(self) -> None:
        for _, g in self.parameters():
            g[...] = 0.0

    def __call__(self, x, train: bool = True):
        return self.forward(x, train=train)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _check_batch(x, name: str = "x") -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim < 1:
        raise ValueError(f"{name} must have a batch dimension; got a scalar")
    return x


class Sequential(Layer):
    """Layers applied in order; ``backward`` runs them in reverse (the chain rule).

    Used in: week 3, notebooks/03-backprop.ipynb; week 5, notebooks/05-cnn.ipynb; week 6,
    notebooks/06-rnn.ipynb.
    """

    def __init__(self, layers):
        layers = list(layers)
        if not layers:
            raise ValueError("layers must be a non-empty list of Layer objects; got an empty list")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] must be a coursekit.nn.Layer; got {type(layer).__name__}")
        self.layers = layers

    def forward(self, x, train: bool = True):
        for layer in self.layers:
            x = layer.forward(x, train=train)
        return x

    def backward(self, dy):
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy

    def parameters(self):
        return [pair for layer in self.layers for pair in layer.parameters()]

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __repr__(self):
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential([\n  {inner}\n])"


def _initial_weights(rng, init: str, W_shape, b_shape, *, fan_in: int, fan_out: int, scale: float):
    """Initial (W, b) of an affine layer with the given fan-in and fan-out (Dense, Conv2D, ...).

    "he": W ~ N(0, 2/fan_in), for ReLU (He et al. 2015); "xavier": W ~ U(±√(6/(fan_in + fan_out)))
    (Glorot & Bengio 2010, scikit-learn's choice); both with b = 0. "uniform": W and b ~ U(−scale,
    scale), as in Rumelhart et al. (1986), where a bias is a weight from an always-on unit.
    """
    if init == "he":
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=W_shape), np.zeros(b_shape)
    if init == "xavier":
        r = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-r, r, size=W_shape), np.zeros(b_shape)
    if init == "uniform":
        return rng.uniform(-scale, scale, size=W_shape), rng.uniform(-scale, scale, size=b_shape)
    raise ValueError(f"init must be one of 'he', 'xavier' or 'uniform'; got {init!r}")


class Dense(Layer):
    """Affine layer y = x W + b, x of shape (batch, n_in), W (n_in, n_out), b (n_out,).

    backward: ∂L/∂W = xᵀ δ (BP4), ∂L/∂b = Σ_batch δ (BP3), ∂L/∂x = δ Wᵀ (first half of BP2).

    init: "he" — W ~ N(0, 2/n_in), for ReLU (He et al. 2015); "xavier" — W ~ U(±√(6/(n_in+n_out)))
    (Glorot & Bengio 2010, scikit-learn's choice); "uniform" — W and b ~ U(−scale, scale), as in
    Rumelhart et al. (1986), where a bias is a weight from an always-on unit. Otherwise b = 0.

    Used in: week 3, notebooks/03-backprop.ipynb; week 5, notebooks/05-cnn.ipynb; week 6,
    notebooks/06-rnn.ipynb.
    """

    @validate(n_in=Integer(1), n_out=Integer(1), rng=Rng(), init=OneOf("he", "xavier", "uniform"),
              scale=Real(0, None, closed="neither"))
    def __init__(self, n_in: int, n_out: int, *, rng, init: str = "he", scale: float = 0.3):
        W, b = _initial_weights(rng, init, (n_in, n_out), (n_out,), fan_in=n_in, fan_out=n_out, scale=scale)
        self.n_in, self.n_out = n_in, n_out
        self.params = {"W": W, "b": b}
        self._x = None

    def forward(self, x, train: bool = True):
        x = _check_batch(x)
        if x.ndim != 2 or x.shape[1] != self.n_in:
            raise ValueError(f"Dense({self.n_in}, {self.n_out}) expects x of shape (batch, {self.n_in}); "
                             f"got {x.shape}")
        self._x = x
        p = self.params
        return x @ p["W"] + p["b"]

    def backward(self, dy):
        if self._x is None:
            raise RuntimeError("call forward before backward")
        p, g = self.params, self.grads
        np.matmul(self._x.T, dy, out=g["W"])
        np.add.reduce(dy, axis=0, out=g["b"])
        return dy @ p["W"].T

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out})"


class Tanh(Layer):
    """a = tanh(z), σ'(z) = 1 − a².

    Used in: week 3, notebooks/03-backprop.ipynb.
    """

    def forward(self, x, train: bool = True):
        self._a = np.tanh(_check_batch(x))
        return self._a

    def backward(self, dy):
        return dy * (1.0 - self._a * self._a)


class Sigmoid(Layer):
    """a = σ(z) = 1/(1 + e^{−z}) (computed as ½(1 + tanh(z/2)), which never overflows),
    σ'(z) = a(1 − a) — the logistic unit of Rumelhart et al. (1986).

    Used in: week 3, notebooks/03-backprop.ipynb; week 6, notebooks/06-rnn.ipynb.
    """

    def forward(self, x, train: bool = True):
        self._a = sigmoid(_check_batch(x))
        return self._a

    def backward(self, dy):
        return dy * self._a * (1.0 - self._a)


class ReLU(Layer):
    """a = max(0, z), σ'(z) = 1 for z > 0 else 0.

    Used in: week 3, notebooks/03-backprop.ipynb.
    """

    def forward(self, x, train: bool = True):
        x = _check_batch(x)
        self._mask = x > 0
        return x * self._mask

    def backward(self, dy):
        return dy * self._mask


class Flatten(Layer):
    """(batch, d1, d2, ...) → (batch, d1·d2·...); backward restores the shape.

    Used in: week 3, notebooks/03-backprop.ipynb.
    """

    def forward(self, x, train: bool = True):
        x = _check_batch(x)
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy):
        return dy.reshape(self._shape)


@validate(rng=Rng(), activation=OneOf("relu", "tanh", "sigmoid"), init=OneOf(None, "he", "xavier", "uniform"))
def mlp(sizes, *, rng, activation: str = "relu", init: str | None = None) -> Sequential:
    """A multilayer perceptron: ``mlp([64, 32, 10], rng=rng)`` = Dense(64,32), ReLU, Dense(32,10).

    activation: "relu", "tanh" or "sigmoid" between the Dense layers (none after the last: the loss
    supplies the output nonlinearity). init defaults to "he" for ReLU and "xavier" otherwise.

    Used in: week 3, notebooks/03-backprop.ipynb; week 5, notebooks/05-cnn.ipynb.
    """
    sizes = [positive_int(s, name="sizes[i]") for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output size; got {sizes}")
    acts = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}
    init = init or ("he" if activation == "relu" else "xavier")
    layers: list[Layer] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(a, b, rng=rng, init=init))
        if i < len(sizes) - 2:
            layers.append(acts[activation]())
    return Sequential(layers)


def count_parameters(model: Layer) -> int:
    """P, the number of trainable numbers in the model.

    Used in: week 3, notebooks/03-backprop.ipynb; week 5, notebooks/05-cnn.ipynb.
    """
    return int(sum(p.size for p, _ in model.parameters()))


# --------------------------------------------------------------------------------------------
# Losses: callables returning (mean loss over the batch, ∂L/∂y_pred with the 1/B included)
# --------------------------------------------------------------------------------------------

class MSE:
    """C = (1/B) Σ_i ½‖ŷ_i − y_i‖² (Nielsen eq. 6), ∂C/∂ŷ = (ŷ − y)/B.

    reduction="sum" gives Rumelhart et al.'s E = ½ Σ_cases Σ_units (y − d)² and ∂E/∂ŷ = ŷ − y instead.
    y_true may be (B,) when y_pred is (B, 1).

    Used in: week 3, notebooks/03-backprop.ipynb; week 6, notebooks/06-rnn.ipynb.
    """

    @validate(reduction=OneOf("mean", "sum"))
    def __init__(self, reduction: str = "mean"):
        self.reduction = reduction

    def __call__(self, y_pred, y_true):
        y_pred = np.asarray(y_pred, dtype=float)
        y_true = np.asarray(y_true, dtype=float)
        if y_true.shape != y_pred.shape:
            if y_true.size != y_pred.size or y_true.shape[:1] != y_pred.shape[:1]:
                raise ValueError(f"y_true must have the shape of y_pred {y_pred.shape}; got {y_true.shape}")
            y_true = y_true.reshape(y_pred.shape)
        diff = y_pred - y_true
        scale = 1.0 if self.reduction == "sum" else 1.0 / y_pred.shape[0]
        return 0.5 * scale * float(np.sum(diff * diff)), scale * diff

    def __repr__(self):
        return f"MSE(reduction={self.reduction!r})"


def softmax(z) -> np.ndarray:
    """softmax(z)_k = e^{z_k} / Σ_j e^{z_j} along the last axis, shifted by max z for stability.

    Used in: week 5, notebooks/05-cnn.ipynb.
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class SoftmaxCrossEntropy:
    """C = −(1/B) Σ_i log softmax(z_i)_{y_i} for integer labels y_i; ∂C/∂z = (softmax(z) − onehot(y))/B.

    With the softmax folded into the loss, the output error δ^L is simply (p − y)/B: BP1 without a
    σ' factor to vanish (Nielsen ch. 3).

    Used in: week 3, notebooks/03-backprop.ipynb; week 5, notebooks/05-cnn.ipynb.
    """

    def __call__(self, logits, labels):
        z = np.asarray(logits, dtype=float)
        if z.ndim != 2:
            raise ValueError(f"logits must be 2-D (batch, classes); got shape {z.shape}")
        y = np.asarray(labels)
        if y.shape != (z.shape[0],):
            raise ValueError(f"labels must be 1-D integer class indices of length {z.shape[0]}; got shape {y.shape}")
        if y.dtype.kind not in "iu":
            if y.dtype.kind == "f" and np.all(y == np.round(y)):
                y = y.astype(int)
            else:
                raise TypeError(f"labels must be integer class indices; got dtype {y.dtype}")
        if y.size and (y.min() < 0 or y.max() >= z.shape[1]):
            raise ValueError(f"labels must lie in [0, {z.shape[1] - 1}]; got values in [{y.min()}, {y.max()}]")
        B = z.shape[0]
        shifted = z - z.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(shifted).sum(axis=1))
        rows = np.arange(B)
        loss = float(np.mean(log_norm - shifted[rows, y]))
        grad = np.exp(shifted - log_norm[:, None])
        grad[rows, y] -= 1.0
        return loss, grad / B

    def __repr__(self):
        return "SoftmaxCrossEntropy()"


# --------------------------------------------------------------------------------------------
# Optimisers: step() updates every (param, grad) pair in place
# --------------------------------------------------------------------------------------------

class Optimizer:
    """Base class of the optimisers: holds ``model.parameters()``, the (param, grad) array pairs, and
    updates every param in place from its grad on ``step()``.

    Used in: week 3, notebooks/03-backprop.ipynb; week 5, notebooks/05-cnn.ipynb; week 6,
    notebooks/06-rnn.ipynb, through :class:`Adam` and :func:`train`.
    """

    def __init__(self, parameters):
        pairs = list(parameters)
        for i, pair in enumerate(pairs):
            if (not isinstance(pair, tuple) or len(pair) != 2
                    or not all(isinstance(a, np.ndarray) for a in pair) or pair[0].shape != pair[1].shape):
                raise TypeError(f"parameters must be model.parameters(), a list of (param, grad) array pairs "
                                f"of equal shapes; item {i} is not")
        self.pairs = pairs

    def step(self) -> None:
        raise NotImplementedError

    def zero_grad(self) -> None:
        for _, g in self.pairs:
            g[...] = 0.0


class SGD(Optimizer):
    """Gradient descent with momentum (Rumelhart et al. 1986, eq. 9):

        Δw(t) = −η ∂E/∂w(t) + α Δw(t−1),   w ← w + Δw(t)       (α = ``momentum``)

    Used in: week 3, notebooks/03-backprop.ipynb, through :func:`coursekit.backprop.sweeps_to_learn`.
    """

    def __init__(self, parameters, eta: float = 0.1, momentum: float = 0.0):
        super().__init__(parameters)
        self.eta = positive(eta, name="eta")
        self.momentum = in_range(momentum, 0.0, 1.0, name="momentum", closed="left")
        self.velocity = [np.zeros_like(p) for p, _ in self.pairs]

    def step(self):
        eta, mu = self.eta, self.momentum
        for (p, g), v in zip(self.pairs, self.velocity):
            if mu:
                v *= mu
                v -= eta * g
                p += v
            else:
                p -= eta * g


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², w ← w − η m̂/(√v̂ + ε) with
    the bias corrections m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ) (folded into the step size here).

    Used in: week 3, notebooks/03-backprop.ipynb; week 5, notebooks/05-cnn.ipynb; week 6,
    notebooks/06-rnn.ipynb.
    """

    def __init__(self, parameters, eta: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        super().__init__(parameters)
        self.eta = positive(eta, name="eta")
        self.beta1 = in_range(beta1, 0.0, 1.0, name="beta1", closed="left")
        self.beta2 = in_range(beta2, 0.0, 1.0, name="beta2", closed="left")
        self.eps = positive(eps, name="eps")
        self.t = 0
        self.m = [np.zeros_like(p) for p, _ in self.pairs]
        self.v = [np.zeros_like(p) for p, _ in self.pairs]

    def step(self):
        self.t += 1
        b1, b2, t = self.beta1, self.beta2, self.t
        lr = self.eta * np.sqrt(1 - b2**t) / (1 - b1**t)
        # ε is scaled the same way, so this equals η m̂ / (√v̂ + ε) exactly
        eps = self.eps * np.sqrt(1 - b2**t)
        for (p, g), m, v in zip(self.pairs, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            p -= lr * m / (np.sqrt(v) + eps)


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------

def predict(model: Layer, X) -> np.ndarray:
    """Class predictions: argmax of the outputs, or output > 0.5 for a single output unit.

    Used in: week 3, notebooks/03-backprop.ipynb.
    """
    return _predict_from(model.forward(np.asarray(X, dtype=float), train=False))


def accuracy(model: Layer, X, y) -> float:
    """Fraction of examples whose predicted class (argmax of forward(X, train=False); for a single
    output unit, output > 0.5) equals the integer label y.

    Used in: week 3, notebooks/03-backprop.ipynb; week 5, notebooks/05-cnn.ipynb.
    """
    y = np.asarray(y).ravel()
    X = np.asarray(X, dtype=float)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y must have the same number of rows; got {X.shape[0]} and {y.shape[0]}")
    return float(np.mean(predict(model, X) == y))


def _as_data(X, name: str) -> np.ndarray:
    """Numbers, finite, kept in their own dtype (integer token ids stay integers)."""
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of numbers; got dtype {X.dtype}")
    if X.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {X.shape}")
    if X.dtype.kind == "f" and not np.all(np.isfinite(X)):
        raise ValueError(f"{name} must be finite")
    return X


def train(model: Layer, loss, optimizer: Optimizer, X, y, *, epochs: int, batch_size: int, rng,
          X_val=None, y_val=None, progress: bool = True,
          stop_when: Callable[[History], bool] | None = None) -> History:
    """Mini-batch training: each epoch shuffles (X, y) with ``rng``, and for each batch runs
    forward → loss → backward → ``optimizer.step()``.

    progress: a tqdm bar over epochs (``tqdm.auto``, removed when done). stop_when(history), if given,
    is called after each epoch and ends training when it returns True. Returns a :class:`History`
    recording per epoch the mean training ``loss`` and, when validation data are given, ``val_loss``
    and ``val_accuracy`` (empty lists otherwise); ``seconds`` is the wall time of the whole run.
    With batch_size ≥ len(X) every epoch is one full-batch "sweep" and no shuffling is done.

    Used in: week 3, notebooks/03-backprop.ipynb; week 5, notebooks/05-cnn.ipynb; week 6,
    notebooks/06-rnn.ipynb.
    """
    if not isinstance(model, Layer):
        raise TypeError(f"model must be a coursekit.nn.Layer; got {type(model).__name__}")
    check_callable(loss, name="loss")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be a coursekit.nn optimizer (SGD, Adam); got {type(optimizer).__name__}")
    X = _as_data(X, "X")
    y = np.asarray(y)
    if X.ndim < 2:
        raise ValueError(f"X must have shape (n_examples, ...); got {X.shape}")
    same_length(X, y, names=("X", "y"))
    epochs = positive_int(epochs, name="epochs")
    batch_size = positive_int(batch_size, name="batch_size")
    rng = as_rng(rng)
    if (X_val is None) != (y_val is None):
        raise ValueError(f"give both X_val and y_val, or neither; got X_val={'None' if X_val is None else 'an array'} "
                         f"and y_val={'None' if y_val is None else 'an array'}")
    if X_val is not None:
        X_val = _as_data(X_val, "X_val")
        y_val = np.asarray(y_val)
        same_length(X_val, y_val, names=("X_val", "y_val"))
        classify = y_val.ndim == 1 and y_val.dtype.kind in "iu"
    if stop_when is not None:
        check_callable(stop_when, name="stop_when")

    from tqdm.auto import tqdm

    n = X.shape[0]
    history = History("loss", "val_loss", "val_accuracy")
    t0 = time.perf_counter()
    bar = tqdm(range(epochs), disable=not progress, leave=False, desc="epochs")
    for _ in bar:
        if batch_size >= n:
            batches = [(X, y)]
        else:
            order = rng.permutation(n)
            batches = ((X[idx], y[idx]) for idx in np.array_split(order, np.ceil(n / batch_size)))
        total = 0.0
        for xb, yb in batches:
            value, dy = loss(model.forward(xb, train=True), yb)
            model.backward(dy)
            optimizer.step()
            total += value * xb.shape[0]
        history.record(loss=total / n)
        if X_val is not None:
            out = model.forward(X_val, train=False)
            history.record(val_loss=loss(out, y_val)[0],
                           val_accuracy=float(np.mean(_predict_from(out) == y_val)) if classify else float("nan"))
        if progress:
            post = {"loss": f"{history.loss[-1]:.4g}"}
            if history.val_accuracy:
                post["val_acc"] = f"{history.val_accuracy[-1]:.3f}"
            bar.set_postfix(post, refresh=False)
        if stop_when is not None and stop_when(history):
            break
    bar.close()
    history.seconds = time.perf_counter() - t0
    return history


def _predict_from(out: np.ndarray) -> np.ndarray:
    """The rule of :func:`predict` applied to outputs already computed."""
    out = out.reshape(out.shape[0], -1)
    return (out[:, 0] > 0.5).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)


# --------------------------------------------------------------------------------------------
# All the parameters as one vector
# --------------------------------------------------------------------------------------------

def get_flat_params(model: Layer) -> np.ndarray:
    """All parameters as one vector θ of length P (a copy).

    Used in: no notebook yet (week 3's module; tested in tests/test_nn.py).
    """
    pairs = model.parameters()
    return np.concatenate([p.ravel() for p, _ in pairs]) if pairs else np.zeros(0)


def set_flat_params(model: Layer, theta) -> None:
    """Write the vector θ back into the model's parameter arrays, in place.

    Used in: no notebook yet (week 3's module; tested in tests/test_nn.py).
    """
    theta = as_array(theta, name="theta", ndim=1, allow_empty=True)
    P = count_parameters(model)
    if theta.size != P:
        raise ValueError(f"theta must have length {P} (the model's parameter count); got {theta.size}")
    i = 0
    for p, _ in model.parameters():
        p[...] = theta[i:i + p.size].reshape(p.shape)
        i += p.size


def flat_grads(model: Layer) -> np.ndarray:
    """The gradients last written by ``backward``, as one vector of length P.

    Used in: week 3, notebooks/03-backprop.ipynb; week 6, notebooks/06-rnn.ipynb, through
    :func:`coursekit.backprop.model_gradient_check` and :func:`coursekit.backprop.time_gradient`.
    """
    pairs = model.parameters()
    return np.concatenate([g.ravel() for _, g in pairs]) if pairs else np.zeros(0)
