"""Week 12 — training deep networks: initialisation, signal propagation, and many networks side by side.

Notation (chapter 12, Glorot & Bengio's): hidden layer i receives ``z^i`` (``z^0 = x``), computes
``s^i = z^i W^i + b^i`` and ``z^{i+1} = f(s^i)``; ``n_i`` is the width of ``z^i``. In the linear regime
(f'(s) ≈ 1) and with independent weights of variance ``Var[W^i]``,

    Var[z^i]       = Var[x] Π_{i'<i} n_{i'} Var[W^{i'}]                     (Glorot & Bengio 2010, eq. 5)
    Var[∂C/∂s^i]   = Var[∂C/∂s^d] Π_{i'≥i} n_{i'+1} Var[W^{i'}]              (eq. 6)

so activations keep their size when n_i Var[W^i] = 1 (eq. 10) and back-propagated gradients when
n_{i+1} Var[W^i] = 1 (eq. 11). The "standard" initialisation W ~ U[−1/√n_in, 1/√n_in] (eq. 1) has
n_in Var[W] = 1/3 (eq. 15): every layer shrinks both by about 3. The "normalised" initialisation
W ~ U[±√6/√(n_in + n_out)] (eq. 16) has Var[W] = 2/(n_in + n_out) (eq. 12), a compromise between the
two conditions. A ReLU zeroes half of a symmetric input, so E[relu(s)²] = ½ Var[s] and the forward
condition becomes ½ n_in Var[W] = 1, W ~ N(0, 2/n_in) (He et al. 2015, eq. 10).

Many networks of the same shape train here as one model (:func:`side_by_side`): the first layer is
one :class:`~coursekit.nn.Dense` (or a :class:`~coursekit.backprop.GroupedDense` when each network has
its own data), the others :class:`~coursekit.backprop.GroupedDense`; the summed loss separates, so each network
gets exactly its own gradient, as in week 3's ``sweeps_to_learn``.

Chapter: ``notebooks/12-deep-networks.ipynb``. Greedy RBM pretraining is in :mod:`coursekit.pretraining`,
deep linear networks in :mod:`coursekit.deeplinear`, the sawtooth in :mod:`coursekit.sawtooth`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import nn
from .backprop import GroupedDense
from ._validate import as_matrix, as_rng, positive, positive_int

__all__ = ["SCHEMES", "ACTIVATIONS", "weight_variance", "Prediction", "predicted_variances", "deep_net", "weights_of",
           "Signal", "signal_propagation", "Watch", "watch_training",
           "side_by_side", "unstack", "forward", "GroupedCrossEntropy", "group_predictions", "SideBySide",
           "train_side_by_side", "DepthRuns", "heldout_vs_depth"]

SCHEMES = ("standard", "normalised", "he")
ACTIVATIONS = {"tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "relu": nn.ReLU}


def _check_scheme(scheme: str) -> str:
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}; got {scheme!r}")
    return scheme


def weight_variance(n_in: int, n_out: int, scheme: str) -> float:
    """Var[W] of one weight under ``scheme``: "standard" 1/(3 n_in) (Glorot & Bengio 2010, eqs. 1, 15),
    "normalised" 2/(n_in + n_out) (eqs. 12, 16), "he" 2/n_in (He et al. 2015, eq. 10).

    Used in: week 12, notebooks/12-deep-networks.ipynb, by the check of an exercise.
    """
    n_in = positive_int(n_in, name="n_in")
    n_out = positive_int(n_out, name="n_out")
    return {"standard": 1.0 / (3 * n_in), "normalised": 2.0 / (n_in + n_out),
            "he": 2.0 / n_in}[_check_scheme(scheme)]


def _initial_weights(n_in: int, n_out: int, scheme: str, *, rng) -> np.ndarray:
    """One (n_in, n_out) weight matrix: U[−1/√n_in, 1/√n_in] ("standard"), U[±√6/√(n_in + n_out)]
    ("normalised") or N(0, 2/n_in) ("he")."""
    var = weight_variance(n_in, n_out, scheme)
    if scheme == "he":
        return rng.normal(0.0, np.sqrt(var), size=(n_in, n_out))
    r = np.sqrt(3.0 * var)                       # U[−r, r] has variance r²/3
    return rng.uniform(-r, r, size=(n_in, n_out))


@dataclass
class Prediction:
    """The linear-regime predictions of :func:`predicted_variances`: ``activation[i]`` = Var[z^{i+1}]
    and ``gradient[i]`` = Var[∂C/∂s^i] / Var[∂C/∂s^{d−1}], each of length d.

    Used in: week 12, notebooks/12-deep-networks.ipynb, through predicted_variances.
    """
    activation: np.ndarray
    gradient: np.ndarray


def predicted_variances(sizes, scheme: str, var_x: float = 1.0) -> Prediction:
    """The linear-regime predictions for a network of layer widths ``sizes`` = (n_0, …, n_d):
    Var[z^i] for i = 1…d (eq. 5) and Var[∂C/∂s^i] / Var[∂C/∂s^{d−1}] for the d layers' pre-activations
    i = 0…d−1 (eq. 6, relative to the top layer's).

    Used in: week 12, notebooks/12-deep-networks.ipynb.
    """
    sizes = [positive_int(s, name="sizes[i]") for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output width; got {sizes}")
    var_x = positive(var_x, name="var_x")
    gains_fwd = np.array([a * weight_variance(a, b, scheme) for a, b in zip(sizes[:-1], sizes[1:])])
    gains_bwd = np.array([b * weight_variance(a, b, scheme) for a, b in zip(sizes[:-1], sizes[1:])])
    # ∂C/∂s^i reaches s^{i−1} through W^i: one factor n_i Var[W^i] per layer passed, none at the top
    return Prediction(var_x * np.cumprod(gains_fwd), np.r_[np.cumprod(gains_bwd[:0:-1])[::-1], 1.0])


def deep_net(sizes, *, activation: str = "tanh", scheme: str = "normalised", rng) -> nn.Sequential:
    """Dense layers of widths ``sizes`` with ``activation`` between them (none after the last: the loss
    supplies the output nonlinearity), weights drawn by ``scheme`` and zero biases (Glorot & Bengio 2010).

    Used in: week 12, notebooks/12-deep-networks.ipynb.
    """
    sizes = [positive_int(s, name="sizes[i]") for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output width; got {sizes}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}; got {activation!r}")
    _check_scheme(scheme)
    rng = as_rng(rng)
    layers: list[nn.Layer] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        dense = nn.Dense(a, b, rng=rng)
        dense.params["W"] = _initial_weights(a, b, scheme, rng=rng)
        dense.params["b"] = np.zeros(b)
        layers.append(dense)
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(layers)


def weights_of(net: nn.Sequential) -> list[tuple[np.ndarray, np.ndarray]]:
    """Copies of the (W, b) of every Dense layer of ``net``, bottom to top.

    Used in: week 12, notebooks/12-deep-networks.ipynb, through pretraining_experiment and heldout_vs_depth.
    """
    return [(l.params["W"].copy(), l.params["b"].copy()) for l in net.layers if isinstance(l, nn.Dense)]


# --------------------------------------------------------------------------------------------
# Signal propagation at initialisation (Glorot & Bengio 2010, section 4.2)
# --------------------------------------------------------------------------------------------

@dataclass
class Signal:
    """What one forward and one backward pass of a batch show, hidden layer by hidden layer.

    ``activations[i]`` is z^{i+1} (batch, n_{i+1}), the output of hidden layer i+1; ``gradients[i]``
    is ∂C/∂s^i for each example (batch, n_{i+1}) — the back-propagated gradient, "equivalently the
    gradient of the cost on the biases" (Glorot & Bengio 2010, section 4.2.1), per example (not divided
    by the batch size); ``singular_values[i]`` the singular values of the Jacobian
    J = ∂z^{i+2}/∂z^{i+1} = diag f'(s) Wᵀ (eq. 17) between consecutive hidden layers, for the first
    few examples (shape (n_examples, n)).

    Used in: week 12, notebooks/12-deep-networks.ipynb, through signal_propagation.
    """
    activations: list
    gradients: list
    singular_values: list = field(default_factory=list)

    @property
    def activation_variance(self) -> np.ndarray:
        return np.array([a.var() for a in self.activations])

    @property
    def gradient_variance(self) -> np.ndarray:
        return np.array([g.var() for g in self.gradients])

    @property
    def mean_singular_value(self) -> np.ndarray:
        """The average singular value of each Jacobian (one number per pair of hidden layers)."""
        return np.array([s.mean() for s in self.singular_values])


def _dense_and_activations(net: nn.Sequential):
    dense = [l for l in net.layers if isinstance(l, nn.Dense)]
    acts = [l for l in net.layers if not isinstance(l, nn.Dense)]
    if len(dense) < 2 or len(acts) != len(dense) - 1 or not all(
            isinstance(net.layers[2 * i], nn.Dense) for i in range(len(dense))):
        raise ValueError("net must alternate Dense and activation layers, Dense first and last "
                         "(as deep_net builds it)")
    return dense, acts


def _derivative(act: nn.Layer) -> np.ndarray:
    """f'(s) of an activation layer, from what its last forward pass cached."""
    if isinstance(act, nn.Tanh):
        return 1.0 - act._a ** 2
    if isinstance(act, nn.Sigmoid):
        return act._a * (1.0 - act._a)
    if isinstance(act, nn.ReLU):
        return act._mask.astype(float)
    raise TypeError(f"no derivative known for {type(act).__name__}")


def signal_propagation(net: nn.Sequential, X, y, *, n_jacobian: int = 1) -> Signal:
    """Run the batch (X, y) once forward and once backward through ``net`` (softmax cross-entropy on
    integer labels y) and record each hidden layer's activations, back-propagated gradients and the
    Jacobian singular values for the first ``n_jacobian`` examples (0 for none).

    Used in: week 12, notebooks/12-deep-networks.ipynb.
    """
    dense, acts = _dense_and_activations(net)
    X = as_matrix(X, name="X")
    n_jacobian = positive_int(n_jacobian, name="n_jacobian", minimum=0)
    z, activations = X, []
    for layer in net.layers:
        z = layer.forward(z, train=True)
        if not isinstance(layer, nn.Dense):
            activations.append(z)
    _, dy = nn.SoftmaxCrossEntropy()(z, y)
    gradients = []
    for layer in reversed(net.layers):
        dy = layer.backward(dy)
        if not isinstance(layer, nn.Dense):
            gradients.append(dy * X.shape[0])           # ∂C/∂s of the Dense layer below, per example
    gradients.reverse()
    singular = []
    for i in range(len(acts) - 1):
        W = dense[i + 1].params["W"]                    # z^{i+2} = f(z^{i+1} W + b)
        J = [W * f for f in _derivative(acts[i + 1])[:n_jacobian]]       # Jᵀ = W diag f'(s)
        gram = [j @ j.T if j.shape[0] <= j.shape[1] else j.T @ j for j in J]   # the smaller Gram matrix
        singular.append(np.sqrt(np.clip(np.linalg.eigvalsh(np.array(gram)), 0, None)) if J
                        else np.zeros((0, min(W.shape))))
    return Signal(activations, gradients, singular)


# --------------------------------------------------------------------------------------------
# Watching the hidden layers during training (Glorot & Bengio 2010, Fig. 2)
# --------------------------------------------------------------------------------------------

@dataclass
class Watch:
    """Mean and standard deviation (over units and the watched examples) of every hidden layer's
    activations, ``mean`` and ``std`` of shape (epochs + 1, n_hidden_layers), row 0 before training;
    ``loss`` the mean training cross-entropy of each epoch (nan for row 0).

    Used in: week 12, notebooks/12-deep-networks.ipynb, through watch_training.
    """
    mean: np.ndarray
    std: np.ndarray
    loss: np.ndarray

    @property
    def epochs(self) -> np.ndarray:
        return np.arange(self.mean.shape[0])


def _hidden_outputs(net: nn.Sequential, X) -> list[np.ndarray]:
    z, out = X, []
    for layer in net.layers:
        z = layer.forward(z, train=False)
        if not isinstance(layer, nn.Dense):
            out.append(z)
    return out


def watch_training(net: nn.Sequential, X, y, X_watch, *, eta: float, epochs: int, batch_size: int = 10,
                   rng) -> Watch:
    """Train ``net`` by plain SGD (softmax cross-entropy, mini-batches of ``batch_size``, as Glorot &
    Bengio did with 10) and record the hidden activations on the fixed examples ``X_watch`` after
    every epoch (they used 300 test examples).

    Used in: week 12, notebooks/12-deep-networks.ipynb.
    """
    _dense_and_activations(net)
    X_watch = as_matrix(X_watch, name="X_watch")
    rng = as_rng(rng)
    means, stds = [], []

    def record(_history=None):
        hidden = _hidden_outputs(net, X_watch)
        means.append([h.mean() for h in hidden])
        stds.append([h.std() for h in hidden])
        return False

    record()
    history = nn.train(net, nn.SoftmaxCrossEntropy(), nn.SGD(net.parameters(), eta=positive(eta, name="eta")),
                       X, y, epochs=epochs, batch_size=batch_size, rng=rng, progress=False, stop_when=record)
    return Watch(np.array(means), np.array(stds), np.r_[np.nan, history.loss])


# --------------------------------------------------------------------------------------------
# Many networks of one shape, trained side by side as one model
# --------------------------------------------------------------------------------------------

def side_by_side(weight_sets, activation: str, *, shared_input: bool = True) -> nn.Sequential:
    """One model holding K networks of the same shape: ``weight_sets[k]`` is network k's list of
    (W, b) per layer, bottom to top. With ``shared_input`` all K see the same input (batch, n_0);
    otherwise the input is (batch, K·n_0), network k reading columns k·n_0 … (k+1)·n_0 − 1. The output
    is (batch, K·n_out), network k's in columns k·n_out … (k+1)·n_out − 1.

    Used in: week 12, notebooks/12-deep-networks.ipynb, through pretraining_experiment and heldout_vs_depth.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}; got {activation!r}")
    sets = [list(ws) for ws in weight_sets]
    if not sets or not sets[0]:
        raise ValueError("weight_sets must hold at least one network with at least one layer")
    shapes = [[np.shape(W) for W, _ in ws] for ws in sets]
    if any(s != shapes[0] for s in shapes):
        raise ValueError("every network in weight_sets must have the same layer shapes")
    K, dummy = len(sets), np.random.default_rng(0)
    layers: list[nn.Layer] = []
    for l, (n_in, n_out) in enumerate(shapes[0]):
        W = np.stack([ws[l][0] for ws in sets])                       # (K, n_in, n_out)
        b = np.stack([ws[l][1] for ws in sets])                       # (K, n_out)
        if l == 0 and shared_input:
            layer = nn.Dense(n_in, K * n_out, rng=dummy)
            layer.params["W"] = W.transpose(1, 0, 2).reshape(n_in, K * n_out)
            layer.params["b"] = b.reshape(-1)
        else:
            layer = GroupedDense(K, n_in, n_out, rng=dummy)
            layer.params["W"], layer.params["b"] = W, b
        layers.append(layer)
        if l < len(shapes[0]) - 1:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(layers)


class GroupedCrossEntropy:
    """The sum over K side-by-side networks of each one's mean softmax cross-entropy.

    logits (B, K·C); labels (B,) shared by all networks or (B, K), one column per network. The sum
    separates, so network k's parameters get exactly the gradient of its own loss.

    Used in: week 12, notebooks/12-deep-networks.ipynb, through pretraining_experiment and heldout_vs_depth.
    """

    def __init__(self, n_groups: int):
        self.K = positive_int(n_groups, name="n_groups")

    def _split(self, logits, labels):
        z = np.asarray(logits, dtype=float)
        B = z.shape[0]
        if z.ndim != 2 or z.shape[1] % self.K:
            raise ValueError(f"logits must be (batch, {self.K}·classes); got shape {z.shape}")
        y = np.asarray(labels)
        y = np.broadcast_to(y[:, None], (B, self.K)) if y.ndim == 1 else y
        if y.shape != (B, self.K):
            raise ValueError(f"labels must be (batch,) or (batch, {self.K}); got shape {np.shape(labels)}")
        return z.reshape(B, self.K, -1), y.astype(int)

    def per_group(self, logits, labels) -> np.ndarray:
        """Each network's mean cross-entropy, shape (K,)."""
        z, y = self._split(logits, labels)
        z = z - z.max(axis=2, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=2, keepdims=True))
        return -np.take_along_axis(log_p, y[:, :, None], axis=2)[:, :, 0].mean(axis=0)

    def __call__(self, logits, labels):
        z, y = self._split(logits, labels)
        B = z.shape[0]
        p = np.exp(z - z.max(axis=2, keepdims=True))
        p /= p.sum(axis=2, keepdims=True)
        loss = -np.log(np.take_along_axis(p, y[:, :, None], axis=2)).sum() / B
        np.put_along_axis(p, y[:, :, None], np.take_along_axis(p, y[:, :, None], axis=2) - 1.0, axis=2)
        return float(loss), p.reshape(B, -1) / B


def group_predictions(model: nn.Layer, X, n_groups: int) -> np.ndarray:
    """Class predictions (batch, K) of K side-by-side networks.

    Used in: week 12, notebooks/12-deep-networks.ipynb, through pretraining_experiment and heldout_vs_depth.
    """
    out = model.forward(np.asarray(X, dtype=float), train=False)
    return out.reshape(out.shape[0], n_groups, -1).argmax(axis=2)


def unstack(model: nn.Sequential, n_groups: int) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """The K weight sets of a :func:`side_by_side` model: the inverse of building it.

    Used in: week 12, notebooks/12-deep-networks.ipynb, through heldout_vs_depth.
    """
    K = positive_int(n_groups, name="n_groups")
    dense = [l for l in model.layers if isinstance(l, (nn.Dense, GroupedDense))]
    sets = [[] for _ in range(K)]
    for layer in dense:
        W, b = layer.params["W"], layer.params["b"]
        if isinstance(layer, nn.Dense):                               # shared input: columns per network
            W = W.reshape(W.shape[0], K, -1).transpose(1, 0, 2)
            b = b.reshape(K, -1)
        for k in range(K):
            sets[k].append((W[k].copy(), b[k].copy()))
    return sets


def forward(weights, X, activation: str) -> np.ndarray:
    """The output of one network given as a list of (W, b): ``activation`` between layers, none after.

    Used in: week 12, notebooks/12-deep-networks.ipynb.
    """
    f = ACTIVATIONS[activation]()
    z = np.asarray(X, dtype=float)
    for l, (W, b) in enumerate(weights):
        z = z @ W + b
        if l < len(weights) - 1:
            z = f.forward(z)
    return z


@dataclass
class SideBySide:
    """Per-epoch records of K networks trained side by side: ``train_loss`` (on a fixed sample of the
    training set) and ``test_error`` (fraction misclassified), each (epochs + 1, K), row 0 before
    training.

    Used in: week 12, notebooks/12-deep-networks.ipynb, through pretraining_experiment.
    """
    train_loss: np.ndarray
    test_error: np.ndarray


def train_side_by_side(model: nn.Sequential, n_groups: int, X, y, X_test, y_test, *, optimizer,
                       epochs: int, batch_size: int, rng, n_loss: int = 300) -> SideBySide:
    """Train the K networks of ``model`` (built by :func:`side_by_side`) together with
    :func:`coursekit.nn.train` and :class:`GroupedCrossEntropy`; the mini-batches are shared. After
    every epoch the training loss is measured on the first ``n_loss`` training examples and the error
    on all of (X_test, y_test).

    Used in: week 12, notebooks/12-deep-networks.ipynb, through pretraining_experiment.
    """
    loss = GroupedCrossEntropy(n_groups)
    losses, errors = [], []
    n_loss = positive_int(n_loss, name="n_loss")

    def record(_history=None):
        losses.append(loss.per_group(model.forward(X[:n_loss], train=False), np.asarray(y)[:n_loss]))
        errors.append(np.mean(group_predictions(model, X_test, n_groups) != np.asarray(y_test).reshape(
            len(X_test), -1), axis=0))
        return False

    record()
    nn.train(model, loss, optimizer, X, y, epochs=epochs, batch_size=batch_size, rng=rng, progress=False,
             stop_when=record)
    return SideBySide(np.array(losses), np.array(errors))


# --------------------------------------------------------------------------------------------
# When depth hurts: deeper networks on few examples, measured on held-out data
# --------------------------------------------------------------------------------------------

@dataclass
class DepthRuns:
    """``train_accuracy`` and ``heldout_accuracy``, each (n_depths, n_seeds), for the hidden-layer
    counts ``depths``; seed k used its own stratified split of ``n_train`` training examples.

    Used in: week 12, notebooks/12-deep-networks.ipynb, through heldout_vs_depth.
    """
    depths: np.ndarray
    n_train: int
    train_accuracy: np.ndarray
    heldout_accuracy: np.ndarray


def heldout_vs_depth(X, y, depths, *, n_train: int, seeds: int, width: int = 64, epochs: int = 200,
                     eta: float = 1e-3, rng) -> DepthRuns:
    """For each number of hidden layers in ``depths``, train ``seeds`` ReLU networks (He
    initialisation, Adam, full batch, softmax cross-entropy) each on its own random stratified set
    of ``n_train`` examples, and measure accuracy on its training set and on all the other examples.

    Used in: week 12, notebooks/12-deep-networks.ipynb.
    """
    from .datasets import stratified_split
    X = as_matrix(X, name="X")
    y = np.asarray(y)
    depths = np.array([positive_int(d, name="depths[i]") for d in depths])
    S = positive_int(seeds, name="seeds")
    rng = as_rng(rng)
    splits = [stratified_split(X, y, test_size=1 - n_train / len(X), rng=rng) for _ in range(S)]
    Xtr = np.stack([s[0] for s in splits]).transpose(1, 0, 2).reshape(n_train, -1)     # (n, S·n_0)
    ytr = np.stack([s[2] for s in splits], axis=1)                                    # (n, S)
    n_classes = int(y.max()) + 1
    train_acc, held_acc = [], []
    for d in depths:
        sizes = [X.shape[1]] + [width] * d + [n_classes]
        nets = [weights_of(deep_net(sizes, activation="relu", scheme="he", rng=rng)) for _ in range(S)]
        model = side_by_side(nets, "relu", shared_input=False)
        nn.train(model, GroupedCrossEntropy(S), nn.Adam(model.parameters(), eta=eta), Xtr, ytr,
                 epochs=epochs, batch_size=n_train, rng=rng, progress=False)
        train_acc.append(np.mean(group_predictions(model, Xtr, S) == ytr, axis=0))
        nets = unstack(model, S)
        held = [np.mean(forward(nets[k], split[1], "relu").argmax(axis=1) == split[3])
                for k, split in enumerate(splits)]
        held_acc.append(held)
    return DepthRuns(depths, n_train, np.array(train_acc), np.array(held_acc))
