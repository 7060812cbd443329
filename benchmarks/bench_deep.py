"""Week 12: a deep coursekit network against scikit-learn's MLPClassifier with the same layers.

Same architecture (64-100-100-100-10, tanh hidden layers, softmax output), the same initialisation
(Glorot & Bengio's normalised U[±√6/√(n_in + n_out)] — scikit-learn's choice for tanh; it also draws
the biases from it, coursekit starts them at 0), the same optimizer (plain SGD, η = 0.05, no momentum,
mini-batches of 32, reshuffled each epoch), 30 epochs, no weight decay and no early stopping, on the same
stratified 75/25 split of the 8×8 digits. Every call trains from a new seed; the accuracy column
compares the mean test accuracy over all the calls (warm-up and timed).
"""


import numpy as np
from sklearn.neural_network import MLPClassifier

from coursekit import deep, nn
from coursekit.datasets import digits, stratified_split
from harness import Case, accuracy_gap, fit_quietly

HIDDEN, ETA, BATCH, EPOCHS = (100, 100, 100), 0.05, 32, 30
X, y = digits()
X_tr, X_te, y_tr, y_te = stratified_split(X, y, test_size=0.25, rng=np.random.default_rng(0))
ACC = {"ours": [], "sklearn": []}


def ours():
    rng = np.random.default_rng(len(ACC["ours"]))
    model = deep.deep_net([64, *HIDDEN, 10], activation="tanh", scheme="normalised", rng=rng)
    nn.train(model, nn.SoftmaxCrossEntropy(), nn.SGD(model.parameters(), eta=ETA), X_tr, y_tr,
             epochs=EPOCHS, batch_size=BATCH, rng=rng, progress=False)
    ACC["ours"].append(nn.accuracy(model, X_te, y_te))


def reference():
    clf = MLPClassifier(hidden_layer_sizes=HIDDEN, activation="tanh", solver="sgd", learning_rate="constant",
                        learning_rate_init=ETA, momentum=0.0, nesterovs_momentum=False, batch_size=BATCH,
                        max_iter=EPOCHS, alpha=0.0, tol=0.0, n_iter_no_change=EPOCHS + 1, shuffle=True,
                        random_state=len(ACC["sklearn"]))
    fit_quietly(clf, X_tr, y_tr)
    ACC["sklearn"].append(clf.score(X_te, y_te))


def _compare(_ours, _ref):
    return accuracy_gap(ACC, within=1.0)


def cases():
    return [Case(
        name="deep MLP 64-100-100-100-10 (tanh) on digits, SGD, 30 epochs",
        reference_name="sklearn MLPClassifier (sgd)",
        ours=ours,
        reference=reference,
        compare=_compare,
        target=1.0,
        repeats=5,
    )]
