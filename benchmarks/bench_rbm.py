"""Week 2: the restricted Boltzmann machine against scikit-learn's BernoulliRBM on binarised digits.

Same hidden units (16), epochs (10), batch size (10), learning rate (0.1) and initialisation
(N(0, 0.01²) weights, zero biases); three seeds each, so the accuracy column compares means rather
than single noisy runs. Accuracy is the exact mean log pseudo-likelihood Σᵢ log p(vᵢ | v₋ᵢ) of the
training data, computed for both models by ``rbm.pseudo_likelihood`` (scikit-learn's own
``score_samples`` is a one-random-unit estimate of the same number). scikit-learn trains with
persistent CD and visits the data in a fixed order; the second case runs coursekit the same way.
"""

import numpy as np
from sklearn.neural_network import BernoulliRBM

from coursekit import rbm
from coursekit.datasets import digits
from harness import Case

X, _ = digits(binarize=True)
SEEDS = (0, 1, 2)
SETTINGS = dict(epochs=10, batch_size=10, eta=0.1, visible_bias_from_data=False)


def _ours(**kw):
    training = rbm.RBMTraining(**SETTINGS, **kw)
    return [rbm.train_rbm(X, 16, training, rng=np.random.default_rng(s)).rbm for s in SEEDS]


def _reference():
    models = [BernoulliRBM(n_components=16, learning_rate=0.1, batch_size=10, n_iter=10, random_state=s).fit(X)
              for s in SEEDS]
    return [rbm.RBM(m.components_.T.copy(), m.intercept_visible_.copy(), m.intercept_hidden_.copy())
            for m in models]


def _compare(ours, ref):
    pl_ours = np.mean([rbm.pseudo_likelihood(m, X) for m in ours])
    pl_ref = np.mean([rbm.pseudo_likelihood(m, X) for m in ref])
    rel = (pl_ours - pl_ref) / abs(pl_ref)
    verdict = "within 2%" if abs(rel) <= 0.02 else "NOT within 2%"
    return (f"pseudo-LL {pl_ours:.2f} vs {pl_ref:.2f} nats ({rel:+.1%}; + means coursekit higher; {verdict}); "
            f"exact LL {np.mean([rbm.log_likelihood(m, X) for m in ours]):.2f} vs "
            f"{np.mean([rbm.log_likelihood(m, X) for m in ref]):.2f}")


def cases():
    return [
        Case(name="RBM CD-1, digits 1797×64, 16 hidden, 10 epochs, 3 seeds",
             reference_name="sklearn BernoulliRBM (PCD-1)",
             ours=_ours, reference=_reference, compare=_compare, target=1.0, repeats=3),
        Case(name="RBM PCD-1 unshuffled (sklearn's algorithm), same settings",
             reference_name="sklearn BernoulliRBM (PCD-1)",
             ours=lambda: _ours(persistent=True, shuffle=False), reference=_reference, compare=_compare,
             target=1.0, repeats=3),
    ]
