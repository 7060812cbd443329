"""Week 1's checks, each fed the stub, the reference, another valid form and typical mistakes."""

import itertools

import numpy as np

import checkcases
from checkcases import Cases, Mistake
from coursekit import perceptron


# ---- exercise 1 ----

def update(w, b, x, y, eta):
    """The solution of exercise 1."""
    if y * (w @ x + b) <= 0:
        return w + eta * y * x, b + eta * y
    return w, b


def update_augmented(w, b, x, y, eta):
    """Another valid form: the augmented vectors, returned as lists."""
    wt, xt = np.r_[w, b], np.r_[x, 1.0]
    if np.sign(wt @ xt) != y:                       # sign(0) = 0 ≠ y: a point on the boundary is a mistake
        wt = wt + eta * y * xt
    return list(wt[:-1]), float(wt[-1])


# ---- exercise 2 ----

def margin(w, b, X, y):
    """The solution of exercise 2."""
    return np.min(y * (X @ w + b)) / np.linalg.norm(w)


def margin_loop(w, b, X, y):
    return min(yi * (xi @ w + b) for xi, yi in zip(X, y)) / np.sqrt(np.sum(np.square(w)))


# ---- exercise 3 ----

def count_separable(X):
    """The solution of exercise 3."""
    return sum(perceptron.is_separable(X, np.array(labels), bias=True)
               for labels in itertools.product([-1.0, 1.0], repeat=len(X)))


def count_separable_batched(X):
    """Another valid form: all labelings in one call of the batched linear program, returned as a NumPy int."""
    Y = np.array(list(itertools.product([-1.0, 1.0], repeat=len(X))))
    return np.sum(perceptron.separable_many(np.repeat(X[None], len(Y), axis=0), Y, bias=True))


# ---- build it ----

def train_perceptron(X, y, max_epochs):
    """The solution of the build-it problem."""
    Xt = np.c_[X, np.ones(len(X))]
    w = np.zeros(Xt.shape[1])
    n_updates, seen = 0, set()
    for _ in range(max_epochs):
        if tuple(w) in seen:
            return w[:-1], w[-1], n_updates, False
        seen.add(tuple(w))
        mistakes = 0
        for xi, yi in zip(Xt, y):
            if yi * (w @ xi) <= 0:
                w = w + yi * xi
                n_updates += 1
                mistakes += 1
        if mistakes == 0:
            return w[:-1], w[-1], n_updates, True
    return w[:-1], w[-1], n_updates, False


def train_separate_bias(X, y, max_epochs):
    """Another valid form: w and b kept apart, a list of past states, plain Python types returned."""
    w, b = np.zeros(X.shape[1]), 0.0
    history, n_updates = [], 0
    for _ in range(max_epochs):
        state = np.r_[w, b]
        if any(np.array_equal(state, old) for old in history):
            return list(w), b, n_updates, False
        history.append(state)
        clean = True
        for xi, yi in zip(X, y):
            if yi * (xi @ w + b) <= 0:
                w, b = w + yi * xi, b + yi
                n_updates += 1
                clean = False
        if clean:
            return list(w), b, n_updates, True
    return list(w), b, n_updates, False


def train_without_cycle_detection(X, y, max_epochs):
    Xt = np.c_[X, np.ones(len(X))]
    w, n_updates = np.zeros(Xt.shape[1]), 0
    for _ in range(max_epochs):
        mistakes = 0
        for xi, yi in zip(Xt, y):
            if yi * (w @ xi) <= 0:
                w = w + yi * xi
                n_updates += 1
                mistakes += 1
        if mistakes == 0:
            return w[:-1], w[-1], n_updates, True
    return w[:-1], w[-1], n_updates, False


def train_strict(X, y, max_epochs):
    """Updates only when y w̃·x̃ < 0: from w̃ = 0 nothing is ever a mistake."""
    Xt = np.c_[X, np.ones(len(X))]
    w, n_updates = np.zeros(Xt.shape[1]), 0
    for _ in range(max_epochs):
        mistakes = 0
        for xi, yi in zip(Xt, y):
            if yi * (w @ xi) < 0:
                w = w + yi * xi
                n_updates += 1
                mistakes += 1
        if mistakes == 0:
            return w[:-1], w[-1], n_updates, True
    return w[:-1], w[-1], n_updates, False


def train_one_pass(X, y, max_epochs):
    """No loop over epochs: one pass, converged when that pass made no mistake."""
    Xt = np.c_[X, np.ones(len(X))]
    w, n_updates = np.zeros(Xt.shape[1]), 0
    for xi, yi in zip(Xt, y):
        if yi * (w @ xi) <= 0:
            w = w + yi * xi
            n_updates += 1
    return w[:-1], w[-1], n_updates, n_updates == 0


def train_counting_epochs(X, y, max_epochs):
    w, b, n, converged = train_perceptron(X, y, max_epochs)
    Xt = np.c_[X, np.ones(len(X))]
    epochs = 0
    wt, seen = np.zeros(Xt.shape[1]), set()
    while True:                                    # count the epochs of the same run
        if tuple(wt) in seen:
            break
        seen.add(tuple(wt))
        epochs += 1
        wrong = False
        for xi, yi in zip(Xt, y):
            if yi * (wt @ xi) <= 0:
                wt, wrong = wt + yi * xi, True
        if not wrong:
            break
    return w, b, epochs, converged


def train_no_bias(X, y, max_epochs):
    w = np.zeros(X.shape[1])
    n_updates, seen = 0, set()
    for _ in range(max_epochs):
        if tuple(w) in seen:
            return w, 0.0, n_updates, False
        seen.add(tuple(w))
        mistakes = 0
        for xi, yi in zip(X, y):
            if yi * (w @ xi) <= 0:
                w = w + yi * xi
                n_updates += 1
                mistakes += 1
        if mistakes == 0:
            return w, 0.0, n_updates, True
    return w, 0.0, n_updates, False


CASES = {
    "perceptron.update": Cases(
        reference=update,
        valid=[update_augmented],
        mistakes=[Mistake(lambda w, b, x, y, eta: update(w, b, x, y, eta) if y * (w @ x + b) != 0 else (w, b),
                          says="counts as a mistake"),
                  Mistake(lambda w, b, x, y, eta: (w + eta * y * x, b + eta * y), says="update only on a mistake"),
                  Mistake(lambda w, b, x, y, eta: (update(w, b, x, y, eta)[0], b), says="bias must be updated"),
                  Mistake(lambda w, b, x, y, eta: (w - eta * y * x, b - eta * y) if y * (w @ x + b) <= 0 else (w, b),
                          says="wrong sign"),
                  Mistake(lambda w, b, x, y, eta: update(w, b, x, y, 1.0), says="learning rate η is missing"),
                  Mistake(lambda w, b, x, y, eta: update(w, b, x, y, eta)[0], says="pair (w, b)")],
    ),
    "perceptron.margin": Cases(
        reference=margin,
        valid=[margin_loop],
        mistakes=[Mistake(lambda w, b, X, y: np.min(np.abs(X @ w + b)) / np.linalg.norm(w), says="unsigned distance"),
                  Mistake(lambda w, b, X, y: np.min(y * (X @ w + b)) / np.linalg.norm(np.r_[w, b]),
                          says="not by the norm of (w, b)"),
                  Mistake(lambda w, b, X, y: np.min(y * (X @ w + b)), says="functional margin"),
                  Mistake(lambda w, b, X, y: np.max(y * (X @ w + b)) / np.linalg.norm(w), says="not the maximum"),
                  Mistake(lambda w, b, X, y: np.mean(y * (X @ w + b)) / np.linalg.norm(w), says="not the mean")],
    ),
    "perceptron.count_separable": Cases(
        reference=count_separable,
        valid=[count_separable_batched, lambda X: float(count_separable(X))],
        mistakes=[Mistake(lambda X: round(perceptron.cover_fraction(len(X), 3) * 2 ** len(X)), says="general position"),
                  Mistake(lambda X: sum(perceptron.is_separable(X, np.array(lab), bias=False)
                                        for lab in itertools.product([-1.0, 1.0], repeat=len(X))),
                          says="bias=True"),
                  Mistake(lambda X: 2 ** len(X) - count_separable(X), says="not* separable"),
                  Mistake(lambda X: count_separable(X) // 2, says="negation separately")],
        seeds=3,
    ),
    "perceptron.train": Cases(
        reference=train_perceptron,
        valid=[train_separate_bias],
        mistakes=[Mistake(train_without_cycle_detection, says="detect the cycle"),
                  Mistake(train_strict, says="update whenever"),
                  Mistake(train_one_pass, says="epoch after epoch"),
                  Mistake(train_counting_epochs, says="n_updates"),
                  Mistake(train_no_bias, says="learn the bias"),
                  Mistake(lambda X, y, m: train_perceptron(X, y, m)[:3], says="four values")],
    ),
}

RIGHT = {"AND", "OR", "NAND", "NOR", "x1 AND NOT x2"}
CASES["perceptron.boolean_functions"] = Cases(
    reference=RIGHT,
    valid=[sorted(RIGHT), frozenset(RIGHT), tuple(sorted(RIGHT, reverse=True))],
    mistakes=[Mistake(RIGHT | {"XOR"}, says="XOR is not linearly separable"),
              Mistake(RIGHT | {"XNOR"}, says="XNOR is not linearly separable"),
              Mistake(RIGHT - {"NOR"}, says="NOR can be computed"),
              Mistake({"AND", "OR", "nand", "NOR", "x1 AND NOT x2"}, says="not one of the seven names"),
              Mistake("AND, OR", says="set of names")],
)

test_case = checkcases.tests(CASES)
