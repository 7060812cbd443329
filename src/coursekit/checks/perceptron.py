"""Checks for week 1's exercises (``notebooks/01-perceptrons.ipynb``)."""

import itertools

import numpy as np

from .. import perceptron
from ..grading import Problem, close, function_check, number, register


# ---- exercise 1: one step of the rule --------------------------------------------------------------

def _update(w, b, x, y, eta):
    """Rosenblatt's error-correction rule for one pattern: on a mistake, y(w·x + b) ≤ 0, add ηy(x, 1)."""
    if y * (w @ x + b) <= 0:
        return w + eta * y * x, b + eta * y
    return w, b


def _update_calls(rng):
    """Eight updates with both labels, half of them mistakes, and two patterns exactly on the boundary
    (y(w·x + b) = 0, which the rule counts as a mistake), in shuffled order."""
    d = int(rng.integers(2, 6))
    calls = []
    for k in range(8):
        w, x, b = rng.normal(size=d), rng.normal(size=d), float(rng.normal())
        y = float(np.sign(w @ x + b)) * (-1.0 if k % 2 else 1.0)          # odd k: a mistake
        calls.append((w, b, x, y, float(rng.uniform(0.1, 2.0))))
    for y in (1.0, -1.0):               # on the boundary: integers, so w·x + b = 0 exactly in any summation order
        w, x = rng.integers(-3, 4, size=d).astype(float), rng.integers(-3, 4, size=d).astype(float)
        x[0] = x[0] or 1.0
        calls.append((w, -float(w @ x), x, y, float(rng.uniform(0.1, 2.0))))
    return [calls[i] for i in rng.permutation(len(calls))]


def _same_pair(got, pair):
    return close(got[0], pair[0], what="", rtol=1e-9, atol=1e-12) is None and \
        close(got[1], pair[1], what="", rtol=1e-9, atol=1e-12) is None


def _compare_pair(name_w, name_b, hint, diagnoses):
    """Compare a returned pair (w, b) with the reference's; on a mismatch, name the first known mistake
    whose pair the answer equals."""
    def compare(got, expected, args):
        if not isinstance(got, list) or len(got) != 2:
            return Problem(f"The function should return the pair ({name_w}, {name_b}).")
        problem = close(got[0], expected[0], what=f"the new {name_w}", rtol=1e-9, atol=1e-12, hint=hint(args)) or \
            close(got[1], expected[1], what=f"the new {name_b}", rtol=1e-9, atol=1e-12, hint=hint(args))
        if problem:
            for wrong, sentence in diagnoses:
                if _same_pair(got, wrong(*args)):
                    return Problem(sentence, problem.message())
        return problem
    return compare


def _update_hint(args):
    w, b, x, y, eta = args
    if y * (w @ x + b) <= 0:
        return "This pattern is a mistake (y(w·x + b) ≤ 0): add η·y·x to w and η·y to b."
    return "This pattern is classified correctly: w and b must not change."


_UPDATE_MISTAKES = [
    (lambda w, b, x, y, eta: _update(w, b, x, y, eta) if y * (w @ x + b) != 0 else (w, b),
     "A pattern exactly on the boundary, y(w·x + b) = 0, counts as a mistake: update when y(w·x + b) ≤ 0, "
     "not only when it is < 0 (from w = 0, every pattern is on the boundary)."),
    (lambda w, b, x, y, eta: (w + eta * y * x, b + eta * y),
     "Update only on a mistake: a pattern the perceptron already classifies correctly leaves w and b unchanged."),
    (lambda w, b, x, y, eta: (_update(w, b, x, y, eta)[0], b),
     "The bias must be updated too: b ← b + η·y (it is the weight of a constant input 1)."),
    (lambda w, b, x, y, eta: (w - eta * y * x, b - eta * y) if y * (w @ x + b) <= 0 else (w, b),
     "The update has the wrong sign: add η·y·x, which moves w·x + b towards the sign of y."),
    (lambda w, b, x, y, eta: _update(w, b, x, y, 1.0),
     "The learning rate η is missing: the step is η·y·x."),
]

function_check(
    "perceptron.update",
    reference=_update,
    calls=_update_calls,
    compare=_compare_pair("w", "b", _update_hint, _UPDATE_MISTAKES),
    doc="One step of Rosenblatt's error-correction rule on a single pattern; returns (w, b).",
)


# ---- exercise 2: the geometric margin ----------------------------------------------------------------

def _margin(w, b, X, y):
    """γ = minᵢ yᵢ(w·xᵢ + b)/‖w‖: signed, negative when some pattern is misclassified."""
    return float(np.min(y * (X @ w + b)) / np.linalg.norm(w))


def _margin_calls(rng):
    """Three classifiers on data labelled by a teacher with a bias: the teacher itself, rescaled (a positive
    margin), a tilted teacher that misclassifies a few points, and a random classifier (negative margins,
    where the unsigned distance differs)."""
    d, n = int(rng.integers(2, 5)), int(rng.integers(15, 30))
    teacher, b0 = rng.normal(size=d), float(rng.uniform(0.5, 1.5)) * rng.choice([-1.0, 1.0])
    X = rng.normal(size=(4 * n, d))
    score = X @ teacher + b0
    X = X[np.abs(score) > 0.3 * np.linalg.norm(teacher)][:n]
    y = np.sign(X @ teacher + b0)
    s = float(rng.uniform(0.5, 3.0))
    return [(s * teacher, s * b0, X, y),
            (teacher + rng.normal(scale=0.6, size=d), b0, X, y),
            (rng.normal(size=d), float(rng.normal()), X, y)]


function_check(
    "perceptron.margin",
    reference=_margin,
    calls=_margin_calls,
    what="the geometric margin", rtol=1e-8, atol=1e-10,
    hint="γ = minᵢ yᵢ(w·xᵢ + b)/‖w‖ is signed: negative when a pattern is on the wrong side.",
    diagnoses=[
        (lambda w, b, X, y: float(np.min(np.abs(X @ w + b)) / np.linalg.norm(w)),
         "That is the unsigned distance min|w·x + b|/‖w‖: the margin is signed, yᵢ(w·xᵢ + b)/‖w‖, so a classifier "
         "that misclassifies a pattern has a negative margin."),
        (lambda w, b, X, y: float(np.min(y * (X @ w + b)) / np.linalg.norm(np.r_[w, b])),
         "Divide by ‖w‖, not by the norm of (w, b): the distance to the hyperplane w·x + b = 0 is (w·x + b)/‖w‖."),
        (lambda w, b, X, y: float(np.min(y * (X @ w + b))),
         "That is the functional margin min yᵢ(w·xᵢ + b): divide by ‖w‖ to get a distance."),
        (lambda w, b, X, y: float(np.max(y * (X @ w + b)) / np.linalg.norm(w)),
         "The margin is the distance of the *closest* pattern: take the minimum over the patterns, not the maximum."),
        (lambda w, b, X, y: float(np.mean(y * (X @ w + b)) / np.linalg.norm(w)),
         "The margin is the distance of the closest pattern: take the minimum over the patterns, not the mean."),
    ],
    doc="The signed geometric margin minᵢ yᵢ(w·xᵢ + b)/‖w‖ of a classifier on a data set.",
)


# ---- exercise 3: count the separable labelings --------------------------------------------------------

def _labelings(n):
    return np.array(list(itertools.product([-1.0, 1.0], repeat=n)))


def _count(X, bias=True):
    """How many of the 2ⁿ labelings of the points X (n × 2) a line separates (exact LPs, all at once)."""
    Y = _labelings(X.shape[0])
    return int(perceptron.separable_many(np.broadcast_to(X, (len(Y),) + X.shape), Y, bias=bias).sum())


def _cover_count(X):
    """Cover's count for n points in general position in the plane, with a bias: C(n, 3)."""
    n = X.shape[0]
    return int(round(perceptron.cover_fraction(n, 3) * 2**n))


def _point_sets(rng):
    """Three sets of 4–6 distinct points in the plane: one in general position (Cover's count holds), and two
    taken from a small integer grid with at least three points on a line (fewer labelings are separable)."""
    sets = [rng.normal(size=(int(rng.integers(4, 7)), 2))]
    grid = np.array([(i, j) for i in range(3) for j in range(3)], dtype=float)
    while len(sets) < 3:
        X = grid[rng.permutation(9)[: int(rng.integers(4, 7))]]
        if _count(X) != _cover_count(X):                         # a collinear triple: Cover's count fails
            sets.append(X * float(rng.uniform(0.5, 2.0)) + rng.normal(size=2))
    return [(X,) for X in sets]


_COUNT_MISTAKES = [
    (_cover_count,
     "That is Cover's count 2·Σ_{k<3} binom(n−1, k) for points in general position; some of these point sets "
     "have three points on a line, for which fewer labelings are separable: test every labeling."),
    (lambda X: 2 ** X.shape[0] - _count(X), "That is the number of labelings that are *not* separable."),
    (lambda X: _count(X, bias=False), "That counts lines through the origin only: pass bias=True, so the line may "
                                      "sit anywhere."),
    (lambda X: _count(X) // 2, "Count a labeling and its negation separately (both are separable, by the same line)."),
]


def _judge_count(got, x):
    calls = x["calls"]
    if not isinstance(got, list) or len(got) != len(calls):
        return Problem("The answer did not come back as one result per point set.")
    counts = []
    for g in got:
        n = number(g, what="The number of separable labelings")
        if isinstance(n, Problem):
            return n
        counts.append(n)
    expected = [_count(*c) for c in calls]
    if all(abs(c - e) < 0.5 for c, e in zip(counts, expected)):
        return None
    for wrong, sentence in _COUNT_MISTAKES:            # a known mistake that explains every count
        if all(abs(c - wrong(*call)) < 0.5 for c, call in zip(counts, calls)):
            return Problem(sentence)
    i = next(k for k in range(len(calls)) if abs(counts[k] - expected[k]) >= 0.5)
    return Problem("That is not the number of labelings a line separates. Loop over all 2ⁿ labelings y ∈ {−1, +1}ⁿ "
                   "(itertools.product) and count those for which perceptron.is_separable(X, y, bias=True) is True.",
                   f"For {len(calls[i][0])} points you said {counts[i]:g}; the right count is {expected[i]}.")


register(
    "perceptron.count_separable",
    inputs=lambda rng: {"calls": _point_sets(rng)},
    ask=lambda f, x: [f(X.copy()) for (X,) in x["calls"]],
    judge=_judge_count,
    doc="The number of labelings of a small point set in the plane that a line (with a bias) separates.",
)


# ---- build it: the perceptron's training loop, with a stopping rule for both outcomes ----------------

def _separable_set(rng):
    """Points in 2–5 dimensions labelled by a teacher with a bias, a gap around its hyperplane, that no
    hyperplane through the origin separates (so the bias matters), in an order in which Rosenblatt's rule
    from w̃ = 0 needs at least two epochs (so a single pass is not enough)."""
    while True:
        d, n = int(rng.integers(2, 6)), int(rng.integers(20, 50))
        teacher, b0 = rng.normal(size=d), float(rng.uniform(-1.0, 1.0))
        X = rng.normal(size=(6 * n, d)) + rng.normal(scale=1.5, size=d)
        score = (X @ teacher + b0) / np.linalg.norm(teacher)
        X = X[np.abs(score) > float(rng.uniform(0.05, 0.2))][:n]
        y = np.sign(X @ teacher + b0)
        if len(X) == n and len(np.unique(y)) == 2 and not perceptron.is_separable(X, y, bias=False):
            w, b, updates, converged = _reference_loop(X, y, 1000)
            if converged and perceptron.train(X, y, max_epochs=1).mistakes_per_epoch[0] < updates:
                return {"X": X, "y": y, "separable": True}


def _cycling_set(rng):
    """A set that is not linearly separable, with integer coordinates (so the weights repeat exactly): XOR on
    the corners of a square, or parity on the corners of a cube, scaled, shifted and shuffled."""
    if rng.random() < 0.5:
        corners = np.array([(a, b) for a in (0, 1) for b in (0, 1)], dtype=float)
    else:
        corners = np.array([(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)], dtype=float)
    y = np.where(corners.sum(axis=1) % 2 == 1, 1.0, -1.0) * rng.choice([-1.0, 1.0])
    X = corners * float(rng.integers(1, 4)) + rng.integers(-2, 3, size=corners.shape[1])
    order = rng.permutation(len(X))
    return {"X": X[order], "y": y[order], "separable": False}


def _reference_loop(X, y, max_epochs):
    """Rosenblatt's rule from w̃ = 0, patterns in order, η = 1; stops after an epoch without a mistake
    (converged) or when the weights at the start of an epoch repeat an earlier epoch's (a cycle)."""
    Z = np.c_[X, np.ones(len(X))] * y[:, None]
    w, updates, seen = np.zeros(Z.shape[1]), 0, set()
    for _ in range(max_epochs):
        key = tuple(w)
        if key in seen:
            return w[:-1], w[-1], updates, False
        seen.add(key)
        mistakes = 0
        for z in Z:
            if w @ z <= 0:
                w = w + z
                updates += 1
                mistakes += 1
        if mistakes == 0:
            return w[:-1], w[-1], updates, True
    return w[:-1], w[-1], updates, False


_MAX_EPOCHS = 1000


def _train_inputs(rng):
    return {"sets": [_separable_set(rng), _separable_set(rng), _cycling_set(rng), _cycling_set(rng)]}


def _judge_train(got, x):
    if not isinstance(got, list) or len(got) != len(x["sets"]):
        return Problem("The answer did not come back as one result per data set.")
    for result, s in zip(got, x["sets"]):
        problem = _judge_one_training(result, s)
        if problem:
            return problem
    return None


def _judge_one_training(result, s):
    X, y = s["X"], s["y"]
    if not isinstance(result, list) or len(result) != 4:
        return Problem("train_perceptron should return the four values (w, b, n_updates, converged).")
    w, b, n_updates, converged = result
    if np.shape(w) != (X.shape[1],):
        return Problem("w should have one entry per input dimension.",
                       f"Expected shape {(X.shape[1],)}, got {np.shape(w)}.")
    b = number(b, what="b")
    n_updates = number(n_updates, what="n_updates")
    for value in (b, n_updates):
        if isinstance(value, Problem):
            return value
    if not isinstance(converged, (bool, int, float)) or converged not in (0, 1):
        return Problem("converged should be True or False.", f"Got {str(converged)[:40]}.")
    w = np.asarray(w, dtype=float)
    w_tilde = np.r_[w, b]
    if not s["separable"]:
        if converged:
            return Problem("On data that are not linearly separable (XOR, parity) the loop reported converged = True: "
                           "no line separates them, so the perceptron can never finish an epoch without a mistake.")
        ref_updates = _reference_loop(X, y, _MAX_EPOCHS)[2]
        if n_updates > 20 * max(ref_updates, len(X)):
            return Problem("On data that are not separable the loop ran on until max_epochs: detect the cycle — the "
                           "weights at the start of an epoch equal those at the start of an earlier epoch — and stop "
                           "there with converged = False.",
                           f"{n_updates:g} updates on {len(X)} patterns; the cycle shows after {ref_updates}.")
        return None
    margins = y * (X @ w + b)
    if not converged:
        return Problem("On separable data the loop reported converged = False: keep going, epoch after epoch, until "
                       "an epoch makes no mistake (Novikoff: it must happen within (R/γ)² updates), and learn the "
                       "bias b too — these data are separable only by a line that misses the origin.")
    if np.any(margins <= 0):
        return Problem("The loop says it converged but some training patterns are still misclassified (or on the "
                       "boundary): run whole epochs until one makes no mistake, and update whenever "
                       "y(w·x + b) ≤ 0 — from w̃ = 0, every pattern is on the boundary.",
                       f"{int(np.sum(margins <= 0))} of {len(X)} patterns have y(w·x + b) ≤ 0.")
    Xt = np.c_[X, np.ones(len(X))]
    best = perceptron.max_margin(X, y, bias=True)
    R = float(np.max(np.linalg.norm(Xt, axis=1)))
    bound = (R / best.gamma) ** 2
    if n_updates < 1 or n_updates > bound:
        return Problem("n_updates is outside what the perceptron can do: at least one update, and at most Novikoff's "
                       "(R/γ)². Count each change of w̃ (one per mistake), with η = 1.",
                       f"n_updates = {n_updates:g}; (R/γ)² = {bound:.0f}.")
    ref_w, ref_b, ref_updates, _ = _reference_loop(X, y, _MAX_EPOCHS)
    if n_updates != ref_updates:
        return Problem("n_updates is not the number of updates Rosenblatt's rule makes on these data: visit the "
                       "patterns in the given order, epoch after epoch, from w̃ = 0 with η = 1, and count one update "
                       "per mistake (not epochs, not pattern visits).",
                       f"n_updates = {n_updates:g}; the rule makes {ref_updates}.")
    return close(w_tilde, np.r_[ref_w, ref_b], what="(w, b)", rtol=1e-9, atol=1e-9,
                 hint="With the same order and η = 1 your weights should be the rule's.")


register(
    "perceptron.train",
    inputs=_train_inputs,
    ask=lambda train, x: [train(s["X"].copy(), s["y"].copy(), _MAX_EPOCHS) for s in x["sets"]],
    judge=_judge_train,
    doc="Build it: Rosenblatt's training loop from w̃ = 0 (η = 1) that stops after an epoch without a mistake "
        "(converged) or when it detects a cycle; returns (w, b, n_updates, converged). Judged on fresh separable "
        "data (zero training errors within Novikoff's bound) and on XOR and parity (a cycle detected).",
)


# ---- journal club: which Boolean functions of two inputs can one threshold unit compute? -------------

_BOOLEAN = {
    "AND": lambda a, b: a & b, "OR": lambda a, b: a | b, "NAND": lambda a, b: 1 - (a & b),
    "NOR": lambda a, b: 1 - (a | b), "XOR": lambda a, b: a ^ b, "XNOR": lambda a, b: 1 - (a ^ b),
    "x1 AND NOT x2": lambda a, b: a & (1 - b),
}


def _computable():
    """The names of the functions whose truth table a line (with a bias) separates, by the exact LP."""
    X = np.array([(a, b) for a in (0, 1) for b in (0, 1)], dtype=float)
    return {name: perceptron.is_separable(X, np.array([2.0 * f(int(a), int(b)) - 1 for a, b in X]), bias=True)
            for name, f in _BOOLEAN.items()}


def _judge_boolean(got, x):
    if not isinstance(got, (list, tuple)) or not all(isinstance(g, str) for g in got):
        return Problem("computable should be a set of names such as {\"AND\", \"OR\"}.",
                       f"Got {str(got)[:80]}.")
    names = set(got)
    unknown = sorted(names - set(_BOOLEAN))
    if unknown:
        return Problem(f"{unknown[0]!r} is not one of the seven names in the question (spell them as written).")
    truth = _computable()
    wrongly_in = sorted(n for n in names if not truth[n])
    missing = sorted(n for n in truth if truth[n] and n not in names)
    if not wrongly_in and not missing:
        return None
    if wrongly_in:
        return Problem(f"{wrongly_in[0]} is not linearly separable: its two +1 corners and its two −1 corners lie "
                       "on crossing diagonals of the square, so no line splits them.")
    return Problem(f"{missing[0]} can be computed by a single threshold unit: draw its truth table on the square "
                   "and look for a line (or test it with perceptron.is_separable).")


def _ask_boolean(answer, x):
    if isinstance(answer, (set, frozenset, list, tuple)):
        return sorted(answer, key=str) if all(isinstance(a, str) for a in answer) else list(answer)
    return answer


register(
    "perceptron.boolean_functions",
    ask=_ask_boolean,
    judge=_judge_boolean,
    doc="Journal club: which of seven two-input Boolean functions a single perceptron computes (a set of names).",
)
