"""Week 12 — greedy layer-wise pretraining: a stack of RBMs unrolled into a deep sigmoid network.

Hinton, Osindero & Teh (2006) and Hinton & Salakhutdinov (2006): train an RBM on the data; then train
a second RBM on the first one's hidden probabilities p(h = 1 | v) = σ(c + vW); and so on, one layer
at a time, each by contrastive divergence (week 2's :func:`coursekit.rbm.train_rbm`). The stack's
weights W_l and hidden biases c_l then initialise the hidden layers of a sigmoid network, whose
upward pass z^{l+1} = σ(z^l W_l + c_l) is exactly the stack's chain of p(h | v); a randomly
initialised softmax layer goes on top and backpropagation fine-tunes everything.

Chapter: ``notebooks/12-deep-networks.ipynb`` (section 4). The networks of the comparison train side
by side with :func:`coursekit.deep.side_by_side`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import deep, nn
from .rbm import RBMTraining, hidden_probs, train_rbm
from ._validate import as_matrix, as_rng, positive, positive_int

__all__ = ["unroll", "CONDITIONS", "PretrainingRuns", "pretraining_experiment"]

CONDITIONS = ("standard", "normalised", "pretrained")


def _fit_rbm(data, n_hidden: int, *, epochs: int, rng, eta: float, batch_size: int, momentum: float):
    """One RBM trained by CD-1 on ``data`` (rows in [0, 1]): the one place that calls week 2's trainer."""
    return train_rbm(data, n_hidden, RBMTraining(epochs=epochs, batch_size=batch_size, eta=eta, k=1,
                                                 momentum=momentum), rng=rng).rbm


def _greedy_stack(X, sizes, *, epochs: int, rng, eta: float = 0.05, batch_size: int = 10,
                  momentum: float = 0.5) -> list:
    """The greedy layer-wise loop: RBM l has ``sizes[l]`` hidden units and is trained on the hidden
    probabilities of RBM l − 1 (RBM 0 on X). Returns the list of RBMs, bottom first."""
    data = as_matrix(X, name="X")
    rng = as_rng(rng)
    rbms = []
    for n_hidden in sizes:
        rbm = _fit_rbm(data, positive_int(n_hidden, name="sizes[i]"), epochs=epochs, rng=rng, eta=eta,
                       batch_size=batch_size, momentum=momentum)
        rbms.append(rbm)
        data = hidden_probs(rbm, data)
    return rbms


def _upward(rbms, X) -> list[np.ndarray]:
    """The hidden probabilities of every RBM of a stack on the data X: [p(h¹ | x), p(h² | h¹), …]."""
    out, data = [], as_matrix(X, name="X")
    for rbm in rbms:
        data = hidden_probs(rbm, data)
        out.append(data)
    return out


def unroll(rbms, n_out: int, *, rng, scheme: str = "standard") -> list[tuple[np.ndarray, np.ndarray]]:
    """The (W, b) of a sigmoid network initialised from a stack of RBMs: hidden layer l gets RBM l's
    W and hidden biases c; the output layer (``n_out`` units) is drawn by ``scheme`` with zero biases.

    Used in: week 12, notebooks/12-deep-networks.ipynb, through pretraining_experiment.
    """
    rng = as_rng(rng)
    if not rbms:
        raise ValueError("rbms must hold at least one RBM")
    for l in range(1, len(rbms)):
        if rbms[l].n_visible != rbms[l - 1].n_hidden:
            raise ValueError(f"RBM {l} has {rbms[l].n_visible} visible units; RBM {l - 1} has "
                             f"{rbms[l - 1].n_hidden} hidden units: they must match")
    top = deep.weights_of(deep.deep_net([rbms[-1].n_hidden, n_out], scheme=scheme, rng=rng))
    return [(r.W.copy(), r.c.copy()) for r in rbms] + top


@dataclass
class PretrainingRuns:
    """The comparison of :func:`pretraining_experiment`: for each condition in ``conditions`` and each
    seed, ``train_loss`` and ``test_error`` after every epoch of fine-tuning, shape
    (n_conditions, epochs + 1, seeds), epoch 0 before fine-tuning.

    Used in: week 12, notebooks/12-deep-networks.ipynb, through pretraining_experiment.
    """
    conditions: tuple
    hidden: tuple
    train_loss: np.ndarray
    test_error: np.ndarray

    def final_error(self) -> np.ndarray:
        """Test error after the last epoch, (n_conditions, seeds)."""
        return self.test_error[:, -1]

    def summary(self) -> dict:
        """condition → (mean final test error, its standard error over seeds)."""
        e = self.final_error()
        return {c: (float(e[i].mean()), float(e[i].std(ddof=1) / np.sqrt(e.shape[1])))
                for i, c in enumerate(self.conditions)}


def pretraining_experiment(X_train, y_train, X_test, y_test, *, hidden=(100, 100, 100), seeds: int = 5,
                           rbm_epochs: int = 5, epochs: int = 20, eta: float = 0.5, batch_size: int = 10,
                           rng) -> PretrainingRuns:
    """A deep sigmoid network (``hidden`` layer widths, softmax output) fine-tuned by SGD from three
    starts, ``seeds`` times each: random weights by the "standard" U[−1/√n_in, 1/√n_in] and by the
    "normalised" U[±√6/√(n_in + n_out)] initialisation (Glorot & Bengio 2010, eqs. 1 and 16), and
    "pretrained" by a greedy stack of RBMs (``rbm_epochs`` of CD-1 per layer) with a standard
    random output layer. All 3 × ``seeds`` networks train side by side on the same mini-batches.

    Used in: week 12, notebooks/12-deep-networks.ipynb.
    """
    X_train = as_matrix(X_train, name="X_train")
    if np.any((X_train < 0) | (X_train > 1)):
        raise ValueError("X_train must lie in [0, 1]: the RBMs read pixels as probabilities")
    S = positive_int(seeds, name="seeds")
    epochs = positive_int(epochs, name="epochs")
    positive(eta, name="eta")
    rng = as_rng(rng)
    hidden = tuple(positive_int(h, name="hidden[i]") for h in hidden)
    n_out = int(np.max(y_train)) + 1
    sizes = [X_train.shape[1], *hidden, n_out]
    weight_sets = {c: [] for c in CONDITIONS}
    for _ in range(S):
        seed_rng = np.random.default_rng(rng.integers(2**63))
        for scheme in ("standard", "normalised"):
            weight_sets[scheme].append(deep.weights_of(deep.deep_net(sizes, activation="sigmoid",
                                                                     scheme=scheme, rng=seed_rng)))
        stack = _greedy_stack(X_train, hidden, epochs=rbm_epochs, rng=seed_rng)
        weight_sets["pretrained"].append(unroll(stack, n_out, rng=seed_rng))
    K = len(CONDITIONS) * S
    model = deep.side_by_side([w for c in CONDITIONS for w in weight_sets[c]], "sigmoid")
    runs = deep.train_side_by_side(model, K, X_train, y_train, X_test, y_test,
                                   optimizer=nn.SGD(model.parameters(), eta=eta), epochs=epochs,
                                   batch_size=batch_size, rng=rng)
    shape = (epochs + 1, len(CONDITIONS), S)
    return PretrainingRuns(CONDITIONS, hidden, runs.train_loss.reshape(shape).transpose(1, 0, 2),
                           runs.test_error.reshape(shape).transpose(1, 0, 2))
