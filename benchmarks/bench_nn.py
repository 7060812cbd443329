"""Week 3: a coursekit MLP against scikit-learn's MLPClassifier on the 8×8 digits.

Same architecture (64-128-10, ReLU, softmax output, Glorot-uniform initialisation), same optimiser
(Adam, η = 2e-3, β = (0.9, 0.999), mini-batches of 32, reshuffled each epoch), same 30 epochs, no
weight decay and no early stopping, on the same stratified 75/25 split. Every call trains from a new
seed; the accuracy column compares the mean test accuracy over all the calls (warm-up and timed).
"""


import numpy as np
from sklearn.neural_network import MLPClassifier

from coursekit import nn
from coursekit.datasets import digits, stratified_split
from harness import Case, accuracy_gap, fit_quietly

HIDDEN, ETA, BATCH, EPOCHS = 128, 2e-3, 32, 30
X, y = digits()
X_tr, X_te, y_tr, y_te = stratified_split(X, y, test_size=0.25, rng=np.random.default_rng(0))
ACC = {"ours": [], "sklearn": []}


def ours():
    rng = np.random.default_rng(len(ACC["ours"]))
    model = nn.mlp([64, HIDDEN, 10], rng=rng, init="xavier")
    nn.train(model, nn.SoftmaxCrossEntropy(), nn.Adam(model.parameters(), eta=ETA), X_tr, y_tr,
             epochs=EPOCHS, batch_size=BATCH, rng=rng, progress=False)
    ACC["ours"].append(nn.accuracy(model, X_te, y_te))


def reference():
    clf = MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="relu", solver="adam",
                        learning_rate_init=ETA, batch_size=BATCH, max_iter=EPOCHS, alpha=0.0, tol=0.0,
                        n_iter_no_change=EPOCHS + 1, shuffle=True, random_state=len(ACC["sklearn"]))
    fit_quietly(clf, X_tr, y_tr)
    ACC["sklearn"].append(clf.score(X_te, y_te))


def _compare(_ours, _ref):
    return accuracy_gap(ACC, within=0.5)


def cases():
    return [Case(
        name="MLP 64-128-10 on digits, Adam, 30 epochs",
        reference_name="sklearn MLPClassifier (adam)",
        ours=ours,
        reference=reference,
        compare=_compare,
        target=1.0,
        repeats=5,
    )]
