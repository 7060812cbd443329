"""Week 2 — the restricted Boltzmann machine: contrastive divergence, exact likelihoods for small
models, and stacking RBMs into a deep belief net.

Hinton (2002), "Training products of experts by minimizing contrastive divergence"; Hinton (2010),
"A practical guide to training restricted Boltzmann machines"; Tieleman (2008) for persistent CD;
Hinton & Salakhutdinov (2006) for stacking.

Notation (chapter 2): visible ``v ∈ {0, 1}^{n_v}``, hidden ``h ∈ {0, 1}^{n_h}``, ``W`` (n_v × n_h),
visible biases ``b``, hidden biases ``c``, ``E(v, h) = −bᵀv − cᵀh − vᵀWh``, free energy
``F(v) = −bᵀv − Σⱼ log(1 + exp(cⱼ + (vᵀW)ⱼ))`` and ``p(v) = exp(−F(v))/Z``. A batch of states is a
2-D array, one state per row. The Hopfield network is in :mod:`coursekit.hopfield`, the Boltzmann
machine in :mod:`coursekit.boltzmann`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ._history import History
from ._numerics import binary_vectors, scalar_or_array, sigmoid, softplus
from ._validate import Integer, Real, Rng, as_array, as_matrix, check_fields, validate

__all__ = [
    "RBM", "hidden_probs", "visible_probs", "cd_gradients", "RBMTraining", "RBMFit",
    "train_rbm", "log_partition", "log_likelihood", "pseudo_likelihood", "gibbs_chain",
    "stack_rbm", "dbn_bound", "dbn_sample", "exact_gradients", "ExactFit", "fit_exact",
]


@dataclass
class RBM:
    """Weights ``W`` (n_visible × n_hidden), visible biases ``b``, hidden biases ``c``.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb, by the check of an exercise.
    """
    W: np.ndarray
    b: np.ndarray
    c: np.ndarray

    @property
    def n_visible(self) -> int:
        return self.W.shape[0]

    @property
    def n_hidden(self) -> int:
        return self.W.shape[1]

    @classmethod
    @validate(n_visible=Integer(1), n_hidden=Integer(1), rng=Rng(), scale=Real(0, None))
    def init(cls, n_visible: int, n_hidden: int, *, rng, scale: float = 0.01, data=None) -> "RBM":
        """Small random weights N(0, scale²), zero hidden biases, and visible biases log(pᵢ/(1 − pᵢ))
        from the data's pixel means pᵢ when ``data`` is given (zero otherwise) — Hinton (2010), §8."""
        b = np.zeros(n_visible)
        if data is not None:
            p = np.clip(_check_visible(data, n_visible).mean(axis=0), 1e-3, 1 - 1e-3)
            b = np.log(p / (1 - p))
        return cls(rng.normal(0.0, scale, size=(n_visible, n_hidden)), b, np.zeros(n_hidden))

    def copy(self) -> "RBM":
        return RBM(self.W.copy(), self.b.copy(), self.c.copy())


def _check_visible(v, n_visible: int) -> np.ndarray:
    v = as_array(v, name="v", ndim=(1, 2))
    if v.shape[-1] != n_visible:
        raise ValueError(f"v must have {n_visible} visible units on its last axis; got shape {v.shape}")
    _check_unit_interval(v, "v")
    return v


def _check_unit_interval(x: np.ndarray, name: str) -> None:
    bad = (x < 0) | (x > 1)
    if bad.any():
        where = np.argwhere(bad)[0]
        raise ValueError(f"{name} must hold binary values (or probabilities) in [0, 1]; found {x[bad].flat[0]:g} "
                         f"at {list(map(int, where))}")


def hidden_probs(rbm: RBM, v) -> np.ndarray:
    """p(hⱼ = 1 | v) = σ(cⱼ + Σᵢ vᵢ Wᵢⱼ): given v the hidden units are independent.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb, through :func:`dbn_bound` and :func:`stack_rbm`.
    """
    return sigmoid(_check_visible(v, rbm.n_visible) @ rbm.W + rbm.c)


def visible_probs(rbm: RBM, h) -> np.ndarray:
    """p(vᵢ = 1 | h) = σ(bᵢ + Σⱼ Wᵢⱼ hⱼ).

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb, through :func:`dbn_sample`.
    """
    h = as_array(h, name="h", ndim=(1, 2))
    return sigmoid(h @ rbm.W.T + rbm.b)


def _free_energy(rbm: RBM, v) -> np.ndarray:
    """F(v) = −bᵀv − Σⱼ log(1 + e^{cⱼ + (vᵀW)ⱼ}), so that p(v) = e^{−F(v)}/Z (hidden units summed out).

    Private: it is the answer to an exercise of week 2 (the check's reference); :func:`log_likelihood`
    and :func:`dbn_bound` use it.
    """
    v = _check_visible(v, rbm.n_visible)
    return scalar_or_array(-(v @ rbm.b) - softplus(v @ rbm.W + rbm.c).sum(axis=-1))


def _gibbs_negative(W, b, c, ph, k: int, uniforms, h=None):
    """The negative phase of CD-k: k steps of alternating Gibbs sampling.

    From the data (``h=None``, Hinton 2002): each step samples h from the hidden probabilities ``ph``,
    a reconstruction v from p(v | h), and ``ph`` = p(h | v). From persistent chains (``h`` given,
    Tieleman 2008): each step samples v from p(v | h), computes ``ph`` and samples the chains' next h.
    ``uniforms(step)`` returns the step's uniform numbers (for h, for v); a unit turns on when its
    uniform is below its probability. Returns (v_k, ph_k, h): the reconstructions, their hidden
    probabilities and the last hidden states.
    """
    persistent = h is not None
    for step in range(k):
        Uh, Uv = uniforms(step)
        if not persistent:
            h = (Uh < ph).astype(float)
        vk = (Uv < sigmoid(h @ W.T + b)).astype(float)
        ph = sigmoid(vk @ W + c)
        if persistent:
            h = (Uh < ph).astype(float)
    return vk, ph, h


@validate(k=Integer(1), rng=Rng())
def cd_gradients(rbm: RBM, v, *, k: int = 1, rng):
    """Contrastive divergence CD-k (Hinton 2002): the log-likelihood gradient ⟨vᵢhⱼ⟩_data − ⟨vᵢhⱼ⟩_model
    with the model term replaced by the statistics after k steps of Gibbs sampling started at the data.

    v: a batch (B, n_v). Hidden states are sampled, reconstructions v⁽ᵏ⁾ sampled, and the hidden
    *probabilities* used in the statistics (Hinton 2010, §3). Returns ``(dW, db, dc)``, the batch
    means, one gradient per parameter of the RBM — the direction to move them (ascent).
    :func:`train_rbm` steps along the same statistics, batch after batch.

    Used in: no notebook yet (week 2's module; tested in tests/test_rbm.py).
    """
    v0 = np.atleast_2d(_check_visible(v, rbm.n_visible))
    ph0 = sigmoid(v0 @ rbm.W + rbm.c)
    vk, ph, _ = _gibbs_negative(rbm.W, rbm.b, rbm.c, ph0, k,
                                lambda step: (rng.random(ph0.shape), rng.random(v0.shape)))
    B = v0.shape[0]
    return (v0.T @ ph0 - vk.T @ ph) / B, (v0 - vk).mean(axis=0), (ph0 - ph).mean(axis=0)


@dataclass(frozen=True)
class RBMTraining:
    """The knobs of :func:`train_rbm` (Hinton 2010 explains each).

    epochs: passes over the data; batch_size; eta: the learning rate η; k: Gibbs steps of CD-k;
    momentum and weight_decay (L2 on W); persistent: persistent CD (Tieleman 2008) instead of
    restarting the chains at the data; shuffle: a fresh random order of the data each epoch;
    init_scale: the s.d. of the initial weights; visible_bias_from_data: start the visible biases at
    log(pᵢ/(1 − pᵢ)) of the pixel means; track_log_likelihood: record the exact mean log-likelihood
    before training and after every epoch (needs min(n_v, n_h) ≤ 20).

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    epochs: int
    batch_size: int = 10
    eta: float = 0.1
    k: int = 1
    momentum: float = 0.0
    weight_decay: float = 0.0
    persistent: bool = False
    shuffle: bool = True
    init_scale: float = 0.01
    visible_bias_from_data: bool = True
    track_log_likelihood: bool = False

    def __post_init__(self):
        check_fields(self, epochs=Integer(0), batch_size=Integer(1), eta=Real(0, None, closed="neither"),
                     k=Integer(1), momentum=Real(0, 1, closed="left"), weight_decay=Real(0, None),
                     init_scale=Real(0, None))


@dataclass
class RBMFit:
    """Result of :func:`train_rbm`: the trained ``rbm`` and its ``history``, recording per epoch the
    ``reconstruction_error`` (squared error of the CD reconstructions, per example) and, when
    tracked, the exact ``log_likelihood`` (one more entry: the first is before training).

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb, through :func:`train_rbm`.
    """
    rbm: RBM
    history: History


@validate(n_hidden=Integer(1), rng=Rng())
def train_rbm(X, n_hidden: int, training: RBMTraining, *, rng, rbm: RBM | None = None) -> RBMFit:
    """Train an RBM on binary data X (n × n_v) by CD-k with mini-batches (Hinton 2002, 2010).

    Each epoch visits the data in a fresh random order (in the given order if not
    ``training.shuffle``) in batches and steps θ ← θ + η·(the CD-k statistics of :func:`cd_gradients`)
    (with optional momentum and L2 weight decay on W). With ``training.persistent`` the negative phase
    continues one Gibbs chain per batch row from update to update instead of restarting at the data
    (persistent CD, Tieleman 2008 — what scikit-learn's ``BernoulliRBM`` does, its chains starting
    from h = 0). The uniform numbers of an epoch are drawn at once. Pass ``rbm`` to continue training
    an existing model (it is copied).

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    if not isinstance(training, RBMTraining):
        raise TypeError(f"training must be a coursekit.rbm.RBMTraining; got {type(training).__name__}")
    X = as_matrix(X, name="X")
    _check_unit_interval(X, "X")
    t = training
    if rbm is None:
        rbm = RBM.init(X.shape[1], n_hidden, rng=rng, scale=t.init_scale,
                       data=X if t.visible_bias_from_data else None)
    else:
        if rbm.W.shape != (X.shape[1], n_hidden):
            raise ValueError(f"rbm must have shape ({X.shape[1]}, {n_hidden}); got {rbm.W.shape}")
        rbm = rbm.copy()
    W, b, c = rbm.W, rbm.b, rbm.c                  # updated in place
    n, n_v = X.shape
    k, batch_size, eta, momentum, weight_decay = t.k, t.batch_size, t.eta, t.momentum, t.weight_decay
    vW, vb, vc = np.zeros_like(W), np.zeros_like(b), np.zeros_like(c)
    history = History("reconstruction_error", "log_likelihood")
    if t.track_log_likelihood:
        history.record(log_likelihood=log_likelihood(rbm, X))
    h_chain = np.zeros((batch_size, n_hidden))      # the persistent chains' hidden states
    for _ in range(t.epochs):
        Xp = X[rng.permutation(n)] if t.shuffle else X
        Uh = rng.random((k, n, n_hidden))          # all the random numbers of the epoch at once
        Uv = rng.random((k, n, n_v))
        err = 0.0
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            m = stop - start
            v0 = Xp[start:stop]
            ph0 = sigmoid(v0 @ W + c)              # positive phase: p(h | data)
            vk, ph, h = _gibbs_negative(W, b, c, ph0, k, lambda step: (Uh[step, start:stop], Uv[step, start:stop]),
                                        h=h_chain[:m] if t.persistent else None)
            if t.persistent:
                h_chain[:m] = h
            rate = eta / m
            dv = v0 - vk
            err += np.vdot(dv, dv)
            gW = v0.T @ ph0 - vk.T @ ph
            gb = dv.sum(axis=0)
            gc = (ph0 - ph).sum(axis=0)
            if weight_decay:
                gW -= weight_decay * m * W
            if momentum:
                vW *= momentum; vW += rate * gW
                vb *= momentum; vb += rate * gb
                vc *= momentum; vc += rate * gc
                W += vW; b += vb; c += vc
            else:
                gW *= rate; gb *= rate; gc *= rate
                W += gW; b += gb; c += gc
        history.record(reconstruction_error=err / n)      # squared error of the CD reconstructions
        if t.track_log_likelihood:
            history.record(log_likelihood=log_likelihood(rbm, X))
    return RBMFit(rbm, history)


def log_partition(rbm: RBM) -> float:
    """log Z exactly, by summing the smaller layer out explicitly and the larger one analytically.

    With n_h ≤ n_v: Z = Σ_h exp(cᵀh) Πᵢ (1 + e^{bᵢ + (Wh)ᵢ}), a sum over 2^{n_h} hidden vectors
    (65,536 for 16 hidden units), vectorised in chunks; otherwise the same over visible vectors.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb, through :func:`dbn_bound` and
    :func:`log_likelihood`.
    """
    small = min(rbm.n_visible, rbm.n_hidden)
    if small > 20:
        raise ValueError(f"exact log Z needs min(n_visible, n_hidden) ≤ 20; got {small}")
    if rbm.n_hidden <= rbm.n_visible:
        A, own, other = rbm.W, rbm.c, rbm.b          # sum over h: own bias c, softplus over visible
    else:
        A, own, other = rbm.W.T, rbm.b, rbm.c
    states = binary_vectors(small)
    terms = []
    for start in range(0, states.shape[0], 16384):
        s = states[start:start + 16384]
        terms.append(s @ own + softplus(s @ A.T + other).sum(axis=1))
    from scipy.special import logsumexp
    return float(logsumexp(np.concatenate(terms)))


def log_likelihood(rbm: RBM, X) -> float:
    """Mean exact log-likelihood (1/n) Σ log p(v) = −mean F(v) − log Z, in nats per example.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    return float(-np.mean(_free_energy(rbm, np.atleast_2d(X))) - log_partition(rbm))


def pseudo_likelihood(rbm: RBM, X) -> float:
    """Mean log pseudo-likelihood (1/n) Σ_v Σᵢ log p(vᵢ | v₋ᵢ), every unit i (no sampling).

    log p(vᵢ | v₋ᵢ) = −log(1 + e^{F(v) − F(v⁽ⁱ⁾)}), v⁽ⁱ⁾ = v with unit i flipped. scikit-learn's
    ``BernoulliRBM.score_samples`` is an unbiased one-random-unit estimate of the same number.

    Used in: no notebook yet (week 2's module; tested in tests/test_rbm.py).
    """
    V = np.atleast_2d(_check_visible(X, rbm.n_visible))
    pre = V @ rbm.W + rbm.c                                     # (n, n_h)
    sign = 1.0 - 2.0 * V                                        # +1 where a 0 flips to 1
    F = -(V @ rbm.b) - softplus(pre).sum(axis=1)
    pre_flip = pre[:, None, :] + sign[:, :, None] * rbm.W[None]  # (n, n_v, n_h)
    F_flip = -((V @ rbm.b)[:, None] + sign * rbm.b) - softplus(pre_flip).sum(axis=2)
    return float(np.mean(-softplus(F[:, None] - F_flip).sum(axis=1)))


@validate(n_steps=Integer(1), rng=Rng())
def gibbs_chain(rbm: RBM, v0, n_steps: int, *, rng) -> np.ndarray:
    """Run alternating Gibbs sampling v → h → v for ``n_steps`` from v0 (B, n_v); returns the
    visible *probabilities* of the last step (smoother to look at than the binary sample).

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    v = np.atleast_2d(_check_visible(v0, rbm.n_visible)).astype(float)
    for _ in range(n_steps):
        h = (rng.random((v.shape[0], rbm.n_hidden)) < sigmoid(v @ rbm.W + rbm.c)).astype(float)
        pv = sigmoid(h @ rbm.W.T + rbm.b)
        v = (rng.random(pv.shape) < pv).astype(float)
    return pv


# --------------------------------------------------------------------------------------------
# Stacking RBMs: the deep belief net
# --------------------------------------------------------------------------------------------

@validate(rng=Rng(), n_hidden=Integer(1, optional=True))
def stack_rbm(rbm1: RBM, X, training: RBMTraining, *, rng, n_hidden: int | None = None) -> RBM:
    """Train a second RBM on the hidden activity of ``rbm1`` (Hinton & Salakhutdinov 2006).

    Its training data are binary samples h ~ p₁(h | v), one per example of X, drawn afresh for every
    epoch (so it learns the aggregated posterior, not one draw of it); each of ``training.epochs``
    epochs is one epoch of :func:`train_rbm` with the other settings of ``training``. With
    ``n_hidden=None`` the new RBM starts as rbm1 turned upside down (W₂ = W₁ᵀ, b₂ = c₁, c₂ = b₁): its
    marginal over its visible units is then exactly rbm1's p(h), so the variational bound of
    :func:`dbn_bound` starts at rbm1's log-likelihood.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    if not isinstance(training, RBMTraining):
        raise TypeError(f"training must be a coursekit.rbm.RBMTraining; got {type(training).__name__}")
    X = as_matrix(X, name="X")
    q = hidden_probs(rbm1, X)
    if n_hidden is None:
        top = RBM(rbm1.W.T.copy(), rbm1.c.copy(), rbm1.b.copy())
    else:
        top = RBM.init(rbm1.n_hidden, n_hidden, rng=rng, scale=training.init_scale, data=q)
    one_epoch = dataclasses.replace(training, epochs=1)
    for _ in range(training.epochs):
        H = (rng.random(q.shape) < q).astype(float)
        top = train_rbm(H, top.n_hidden, one_epoch, rng=rng, rbm=top).rbm
    return top


def _bernoulli_logpmf(x, a):
    """log Πᵢ p(xᵢ) for independent units that are on with probability σ(aᵢ): log σ(a) = −softplus(−a) and
    log(1 − σ(a)) = −softplus(a), accurate however improbable the state."""
    return -np.sum(x * softplus(-a) + (1 - x) * softplus(a), axis=-1)


@validate(n_samples=Integer(1), rng=Rng())
def dbn_bound(rbm1: RBM, rbm2: RBM, X, *, n_samples: int = 10, rng) -> float:
    """Mean variational lower bound on log p(v) for the two-layer DBN (rbm2 on top of rbm1):

        log p(v) ≥ E_{q(h|v)}[log p₁(v | h) + log p₂(h) − log q(h | v)],  q(h|v) = p₁(h | v),

    with log p₂(h) = −F₂(h) − log Z₂ exact; the expectation is estimated from ``n_samples`` draws of h
    per example. (If rbm2 is rbm1 upside down every draw gives exactly log p₁(v).)

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    X = np.atleast_2d(_check_visible(X, rbm1.n_visible))
    if rbm2.n_visible != rbm1.n_hidden:
        raise ValueError(f"rbm2 must have {rbm1.n_hidden} visible units (rbm1's hidden); got {rbm2.n_visible}")
    a_h = X @ rbm1.W + rbm1.c                                            # q(h | v) = σ(a_h), (n, n_h)
    q = sigmoid(a_h)
    H = (rng.random((n_samples,) + q.shape) < q).astype(float)           # (S, n, n_h)
    log_q = _bernoulli_logpmf(H, a_h)
    log_p_v_given_h = _bernoulli_logpmf(X, H @ rbm1.W.T + rbm1.b)
    log_p_h = -_free_energy(rbm2, H.reshape(-1, rbm1.n_hidden)).reshape(H.shape[:2]) - log_partition(rbm2)
    return float(np.mean(log_p_v_given_h + log_p_h - log_q))


@validate(n=Integer(1), n_gibbs=Integer(1), rng=Rng())
def dbn_sample(rbm1: RBM, rbm2: RBM, n: int, *, n_gibbs: int = 200, rng) -> np.ndarray:
    """Generate from the DBN: Gibbs sampling in the top RBM (rbm2) for ``n_gibbs`` steps, then one
    top-down pass through rbm1, p(v | h). Returns visible probabilities (n, n_v).

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    h0 = (rng.random((n, rbm2.n_visible)) < 0.5).astype(float)
    h_top = gibbs_chain(rbm2, h0, n_gibbs, rng=rng)
    h = (rng.random(h_top.shape) < h_top).astype(float)
    return visible_probs(rbm1, h)


# --------------------------------------------------------------------------------------------
# Exact maximum likelihood for tiny RBMs
# --------------------------------------------------------------------------------------------

def exact_gradients(rbm: RBM, X):
    """The exact gradient of the mean log-likelihood (1/n) Σ log p(v) of binary data X (n × n_v):

        ∂/∂W = ⟨v p(h=1|v)ᵀ⟩_data − ⟨v p(h=1|v)ᵀ⟩_model,  ∂/∂b = ⟨v⟩_data − ⟨v⟩_model,
        ∂/∂c = ⟨p(h=1|v)⟩_data − ⟨p(h=1|v)⟩_model,

    the model averages computed by summing over all 2^{n_v} visible states (n_v ≤ 16) — the "wake"
    and "sleep" statistics of Ackley, Hinton & Sejnowski (1985) without sampling. Returns (dW, db, dc).

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb, through :func:`fit_exact`.
    """
    X = np.atleast_2d(_check_visible(X, rbm.n_visible))
    if rbm.n_visible > 16:
        raise ValueError(f"exact gradients need n_visible ≤ 16 (2^n_visible states); got {rbm.n_visible}")
    grads = _exact_gradients(rbm.W[None], rbm.b[None], rbm.c[None], X, binary_vectors(rbm.n_visible))
    return tuple(g[0] for g in grads[:3])


def _exact_gradients(W, b, c, X, V):
    """Exact gradients for K RBMs at once: W (K, n_v, n_h), b (K, n_v), c (K, n_h); V all visible states.
    Returns (dW, db, dc, mean log-likelihood), each with a leading axis K."""
    from scipy.special import logsumexp
    pre_all = np.einsum("sv,kvh->ksh", V, W) + c[:, None, :]              # (K, S, n_h)
    neg_F = V @ b.T + softplus(pre_all).sum(axis=2).T                       # (S, K): −F(v)
    log_Z = logsumexp(neg_F, axis=0)                                        # (K,)
    p = np.exp(neg_F - log_Z).T                                             # (K, S): p(v)
    ph_all = sigmoid(pre_all)
    pre_data = np.einsum("nv,kvh->knh", X, W) + c[:, None, :]
    ph_data = sigmoid(pre_data)                                             # (K, n, n_h)
    n = X.shape[0]
    dW = np.einsum("nv,knh->kvh", X, ph_data) / n - np.einsum("ks,sv,ksh->kvh", p, V, ph_all)
    db = X.mean(axis=0)[None, :] - p @ V
    dc = ph_data.mean(axis=1) - np.einsum("ks,ksh->kh", p, ph_all)
    ll = (X @ b.T).mean(axis=0) + softplus(pre_data).sum(axis=2).mean(axis=1) - log_Z
    return dW, db, dc, ll


@dataclass
class ExactFit:
    """Result of :func:`fit_exact`: one trained ``RBM`` per start (``rbms``), the exact mean
    ``log_likelihood`` of the data under each (nats per example), and ``trajectory``, (n_steps + 1, K),
    the log-likelihood before each step and at the end.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb, through :func:`fit_exact`.
    """
    rbms: list
    log_likelihood: np.ndarray
    trajectory: np.ndarray


@validate(n_hidden=Integer(1), n_steps=Integer(1), eta=Real(0, None, closed="neither"), n_starts=Integer(1),
          init_scale=Real(0, None), rng=Rng())
def fit_exact(X, n_hidden: int, *, rng, n_steps: int = 2000, eta: float = 0.5, n_starts: int = 1,
              init_scale: float = 1.0) -> ExactFit:
    """Maximum likelihood for a tiny RBM by gradient ascent on the exact gradient (:func:`exact_gradients`),
    from ``n_starts`` random initialisations at once (weights N(0, init_scale²), zero biases).

    Small enough models only (n_v ≤ 16): it shows what an RBM *can* represent when learning is not the
    obstacle, e.g. that hidden units let it model parity, which no Boltzmann machine without them can.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    X = as_matrix(X, name="X")
    _check_unit_interval(X, "X")
    n_v = X.shape[1]
    if n_v > 16:
        raise ValueError(f"fit_exact needs at most 16 visible units (2^n_v states); got {n_v}")
    V = binary_vectors(n_v)
    W = rng.normal(0.0, init_scale, size=(n_starts, n_v, n_hidden))
    b = np.zeros((n_starts, n_v))
    c = np.zeros((n_starts, n_hidden))
    trajectory = []
    for _ in range(n_steps):
        dW, db, dc, ll = _exact_gradients(W, b, c, X, V)
        trajectory.append(ll)
        W += eta * dW
        b += eta * db
        c += eta * dc
    ll = _exact_gradients(W, b, c, X, V)[3]
    trajectory.append(ll)
    rbms = [RBM(W[k].copy(), b[k].copy(), c[k].copy()) for k in range(n_starts)]
    return ExactFit(rbms, ll, np.array(trajectory))
