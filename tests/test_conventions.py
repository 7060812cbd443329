"""The conventions of the package docstring (``coursekit/__init__.py``), checked over the whole public
API by introspection, so that a new function that breaks one fails here:

* every public function or class that takes ``rng`` takes it keyword-only, and an int seed gives the
  same numbers as ``np.random.default_rng`` of that seed (so the function converts it once);
* ``rng=None`` is a default only where it means "no randomness";
* no public function returns a bare tuple or a dict literal, apart from the listed exceptions;
* every ``history`` of a result is a ``History``;
* every public function and class names the chapter that uses it, and the claim is true.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import re
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest

from coursekit import (anomalous, backprop, boltzmann, conv, datasets, deep, deeplinear, diffusion, hopfield, ica, info,
                       nn, perceptron, pretraining, rbm, rl, rnn, stokes)
from coursekit._history import History

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["optim", "perceptron", "hopfield", "boltzmann", "rbm", "nn", "backprop", "ica", "conv", "rnn", "rl", "info",
           "diffusion", "anomalous", "stokes", "deep", "deeplinear", "pretraining", "sawtooth", "datasets", "plotting",
           "widgets"]


def _public(module_name):
    """(qualified name, object) for each function and class defined in the module and in its __all__."""
    mod = importlib.import_module(f"coursekit.{module_name}")
    for name in mod.__all__:
        obj = getattr(mod, name)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == mod.__name__:
            yield f"{module_name}.{name}", obj


def _callables_with_rng():
    """Every public function, class constructor or public method that has a parameter named rng."""
    for module_name in MODULES:
        for qual, obj in _public(module_name):
            members = [(qual, obj)] if inspect.isfunction(obj) else [
                (f"{qual}.{name}", getattr(member, "__func__", member)) for name, member in vars(obj).items()
                if inspect.isfunction(getattr(member, "__func__", member)) and (name == "__init__" or not name.startswith("_"))]
            for name, f in members:
                if "rng" in inspect.signature(f).parameters:
                    yield name, f


# One small call of each, given rng (a seed or a Generator). Adding a function with an rng means adding it here.
X_SMALL = np.random.default_rng(1).normal(size=(60, 3)) @ np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.2, 0.0, 1.0]])
BINARY = (np.random.default_rng(2).random((30, 6)) < 0.4).astype(float)
SMALL_RBM = rbm.RBM(np.random.default_rng(3).normal(scale=0.1, size=(6, 3)), np.zeros(6), np.zeros(3))
TOP_RBM = rbm.RBM(np.random.default_rng(4).normal(scale=0.1, size=(3, 2)), np.zeros(3), np.zeros(2))
SYMMETRIC_W = np.array([[0.0, 1.0, -0.5], [1.0, 0.0, 0.2], [-0.5, 0.2, 0.0]])
HEBB_W = hopfield.hebbian_weights(np.array([[1.0, -1.0, 1.0, -1.0, 1.0, 1.0]]))
TRACKS = np.cumsum(np.random.default_rng(5).normal(size=(4, 40)), axis=1)
XOR_X, XOR_Y = datasets.xor_data()
MODEL_LOSS = (nn.MSE(), np.ones((2, 3)))

EXAMPLES = {
    "perceptron.train": lambda rng: perceptron.train(*perceptron.separable_data(20, 2, rng=1)[:2], rng=rng),
    "perceptron.separable_data": lambda rng: perceptron.separable_data(5, 2, rng=rng),
    "perceptron.separable_fraction": lambda rng: perceptron.separable_fraction([4, 8], 2, n_trials=3, rng=rng),
    "hopfield.random_patterns": lambda rng: hopfield.random_patterns(2, 8, rng=rng),
    "hopfield.recall": lambda rng: hopfield.recall(HEBB_W, np.array([1.0, 1, 1, -1, 1, 1]), mode="async", rng=rng),
    "hopfield.corrupt": lambda rng: hopfield.corrupt(np.ones(10), 0.3, rng=rng),
    "hopfield.one_step_error": lambda rng: hopfield.one_step_error([0.2], 30, rng=rng),
    "hopfield.retrieval_overlap": lambda rng: hopfield.retrieval_overlap([0.1], 30, rng=rng, n_test=2),
    "boltzmann.gibbs_sweeps": lambda rng: boltzmann.gibbs_sweeps(SYMMETRIC_W, np.zeros(3), np.zeros((4, 3)), T=1.0,
                                                                 n_sweeps=2, rng=rng),
    "boltzmann.train_encoder": lambda rng: boltzmann.train_encoder(
        rng=rng, training=boltzmann.EncoderTraining(n_cycles=2, n_collect=2, check_every=1)),
    "rbm.RBM.init": lambda rng: rbm.RBM.init(4, 2, rng=rng),
    "rbm.cd_gradients": lambda rng: rbm.cd_gradients(SMALL_RBM, BINARY, rng=rng),
    "rbm.train_rbm": lambda rng: rbm.train_rbm(BINARY, 3, rbm.RBMTraining(epochs=2), rng=rng),
    "rbm.gibbs_chain": lambda rng: rbm.gibbs_chain(SMALL_RBM, BINARY[:3], 2, rng=rng),
    "rbm.stack_rbm": lambda rng: rbm.stack_rbm(SMALL_RBM, BINARY, rbm.RBMTraining(epochs=1), rng=rng, n_hidden=2),
    "rbm.dbn_bound": lambda rng: rbm.dbn_bound(SMALL_RBM, TOP_RBM, BINARY, n_samples=2, rng=rng),
    "rbm.dbn_sample": lambda rng: rbm.dbn_sample(SMALL_RBM, TOP_RBM, 3, n_gibbs=2, rng=rng),
    "rbm.fit_exact": lambda rng: rbm.fit_exact(BINARY, 2, rng=rng, n_steps=3, n_starts=2),
    "nn.Dense.__init__": lambda rng: nn.Dense(3, 2, rng=rng, init="uniform"),
    "nn.train": lambda rng: nn.train(nn.mlp([2, 3, 2], rng=0), nn.SoftmaxCrossEntropy(),
                                     nn.SGD(nn.mlp([2, 3, 2], rng=0).parameters()), XOR_X, XOR_Y, epochs=2,
                                     batch_size=2, rng=rng, progress=False).loss,
    "nn.mlp": lambda rng: nn.mlp([3, 4, 2], rng=rng),
    "backprop.layer_gradient_check": lambda rng: backprop.layer_gradient_check(nn.Tanh(), np.ones((2, 3)), rng=rng),
    "backprop.GroupedDense.__init__": lambda rng: backprop.GroupedDense(2, 3, 1, rng=rng),
    "backprop.sweeps_to_learn": lambda rng: backprop.sweeps_to_learn(XOR_X, XOR_Y, 2, 2, rng=rng, max_sweeps=5),
    "backprop.symmetry_sweeps": lambda rng: backprop.symmetry_sweeps(2, rng=rng, max_sweeps=3),
    "ica.fastica": lambda rng: ica.fastica(X_SMALL, rng=rng, max_iter=3),
    "ica.infomax": lambda rng: ica.infomax(X_SMALL, rng=rng, n_epochs=2, batch_size=20),
    "ica.speakers": lambda rng: ica.speakers(2, duration=0.05, rng=rng),
    "ica.random_mixing": lambda rng: ica.random_mixing(3, rng=rng),
    "ica.image_patches": lambda rng: ica.image_patches(4, 5, rng=rng),
    "conv.Conv2D.__init__": lambda rng: conv.Conv2D(1, 2, 3, rng=rng),
    "conv.small_cnn": lambda rng: conv.small_cnn(rng=rng, channels=(2, 2)),
    "rnn.RNN.__init__": lambda rng: rnn.RNN(2, 3, rng=rng),
    "rnn.LSTM.__init__": lambda rng: rnn.LSTM(2, 3, rng=rng),
    "rnn.temporal_xor": lambda rng: rnn.temporal_xor(5, rng=rng),
    "rnn.adding_problem": lambda rng: rnn.adding_problem(3, 12, rng=rng),
    "rl.TabularEnv.reset": lambda rng: rl.SmallGridWorld().reset(rng=rng),
    "rl.epsilon_greedy": lambda rng: rl.epsilon_greedy(np.zeros((5, 4)), 0.5, rng=rng),
    "rl.td0": lambda rng: rl.td0(rl.SmallGridWorld(), rl.random_policy(rl.SmallGridWorld()), 2, 0.1, rng=rng),
    "rl.sarsa": lambda rng: rl.sarsa(rl.CliffWalking(), 2, rng=rng),
    "rl.q_learning": lambda rng: rl.q_learning(rl.CliffWalking(), 2, rng=rng),
    "rl.replay_q_learning": lambda rng: rl.replay_q_learning(rl.CliffWalking(), 2, rng=rng, memory=50, batch=4),
    "info.simulate_linear_gaussian": lambda rng: info.simulate_linear_gaussian(*info.random_walk_model(), [0.0], 5,
                                                                               rng=rng),
    "diffusion.random_walk": lambda rng: diffusion.random_walk(3, 10, rng=rng),
    "diffusion.brownian": lambda rng: diffusion.brownian(3, 10, D=1.0, dt=1.0, rng=rng),
    "diffusion.langevin": lambda rng: diffusion.langevin(3, 10, D=1.0, tau=1.0, dt=0.1, rng=rng),
    "anomalous.estimate_alpha": lambda rng: anomalous.estimate_alpha(TRACKS, np.arange(40.0), rng=rng, n_boot=5),
    "anomalous.pareto_waits": lambda rng: anomalous.pareto_waits(5, 0.5, rng=rng),
    "anomalous.ctrw": lambda rng: anomalous.ctrw(3, np.arange(10.0), 0.5, rng=rng),
    "anomalous.levy_walk": lambda rng: anomalous.levy_walk(3, np.arange(10.0), 1.5, rng=rng),
    "anomalous.stable_jumps": lambda rng: anomalous.stable_jumps(5, 1.5, rng=rng),
    "anomalous.levy_flight": lambda rng: anomalous.levy_flight(3, 10, 1.5, rng=rng),
    "anomalous.fbm": lambda rng: anomalous.fbm(3, 16, 0.7, rng=rng),
    "stokes.turn_cosines": lambda rng: stokes.turn_cosines(5, rng=rng),
    "stokes.turn": lambda rng: stokes.turn(np.eye(3), np.zeros(3), rng=rng),
    "stokes.run_and_tumble": lambda rng: stokes.run_and_tumble(3, 2.0, rng=rng, n_samples=5),
    "datasets.stratified_split": lambda rng: datasets.stratified_split(np.arange(20.0)[:, None], np.arange(20) % 2,
                                                                       rng=rng),
    "deep.deep_net": lambda rng: deep.deep_net([3, 4, 2], rng=rng),
    "deep.watch_training": lambda rng: deep.watch_training(deep.deep_net([2, 3, 2], rng=0), XOR_X, XOR_Y, XOR_X,
                                                           eta=0.1, epochs=2, batch_size=2, rng=rng),
    "deep.train_side_by_side": lambda rng: deep.train_side_by_side(
        SIDE := deep.side_by_side([deep.weights_of(deep.deep_net([2, 3, 2], rng=0))], "tanh"), 1, XOR_X, XOR_Y,
        XOR_X, XOR_Y, optimizer=nn.SGD(SIDE.parameters()), epochs=2, batch_size=2, rng=rng),
    "deep.heldout_vs_depth": lambda rng: deep.heldout_vs_depth(np.tile(np.eye(4), (5, 1)), np.tile(np.arange(4), 5),
                                                               [1], n_train=8, seeds=2, width=3, epochs=2, rng=rng),
    "pretraining.unroll": lambda rng: pretraining.unroll([SMALL_RBM, TOP_RBM], 2, rng=rng),
    "pretraining.pretraining_experiment": lambda rng: pretraining.pretraining_experiment(
        BINARY, np.arange(30) % 2, BINARY[:6], np.arange(6) % 2, hidden=(3,), seeds=2, rbm_epochs=1, epochs=1, rng=rng),
    "deeplinear.linear_task": lambda rng: deeplinear.linear_task([2.0, 1.0], rng=rng),
    "deeplinear.decoupled_weights": lambda rng: deeplinear.decoupled_weights(
        deeplinear.linear_task([2.0, 1.0], rng=0), 0.1, n_hidden=3, rng=rng),
    "deeplinear.random_weights": lambda rng: deeplinear.random_weights(2, 3, "orthogonal", rng=rng),
    "deeplinear.depth_sweep": lambda rng: deeplinear.depth_sweep(deeplinear.linear_task([2.0, 1.0], rng=0), [1, 2],
                                                                 seeds=1, max_steps=5, rng=rng),
}

# rng=None as a default means "no randomness" here, and only here
OPTIONAL_RNG = {
    "perceptron.train": "patterns in their given order",
    "hopfield.recall": "synchronous dynamics is deterministic",
    "ica.fastica": "w_init given: no random start",
    "rl.TabularEnv.reset": "a world with a fixed start state",
}


def _same(a, b) -> bool:
    """Equal to the last bit: arrays, numbers, containers, dataclasses, layers and histories."""
    if isinstance(a, np.random.Generator):
        return True
    if isinstance(a, nn.Layer):
        return type(a) is type(b) and _same(dict(a.params), dict(b.params)) and (
            not isinstance(a, nn.Sequential) or _same(a.layers, b.layers))
    if isinstance(a, History):
        return a.names == b.names and all(_same(getattr(a, n), getattr(b, n)) for n in a.names)
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (np.ndarray, np.generic, float, int)):
        return np.array_equal(a, b, equal_nan=True)
    if a is None or isinstance(a, (str, bool)):
        return a == b
    if hasattr(a, "__dict__"):
        return type(a) is type(b) and _same(vars(a), vars(b))
    raise TypeError(f"cannot compare {type(a).__name__}")


def test_every_function_with_an_rng_has_an_example():
    found = {name for name, _ in _callables_with_rng()}
    assert found == set(EXAMPLES), (f"add an example for {sorted(found - set(EXAMPLES))}; "
                                    f"remove {sorted(set(EXAMPLES) - found)}")


@pytest.mark.parametrize("name, f", list(_callables_with_rng()), ids=lambda v: v if isinstance(v, str) else "")
def test_rng_is_keyword_only_and_never_silently_global(name, f):
    p = inspect.signature(f).parameters["rng"]
    assert p.kind is inspect.Parameter.KEYWORD_ONLY, f"{name}: rng must be keyword-only"
    if p.default is not inspect.Parameter.empty:
        assert p.default is None and name in OPTIONAL_RNG, f"{name}: rng={p.default!r} as a default"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_a_seed_gives_the_numbers_of_its_generator(name):
    """rng=7 and rng=np.random.default_rng(7) give the same result; anything else is refused."""
    example = EXAMPLES[name]
    assert _same(example(7), example(np.random.default_rng(7))), name
    with pytest.raises(TypeError, match="rng must be a seed"):
        example("seven")


# ---------------------------------------------------------------- results

# Public functions allowed to return a tuple (or a dict), and why: everything else that computes
# several things returns a dataclass. Seen by the return statements' syntax: a tuple or dict
# literal (or comprehension); a tuple passed through from another call (train_test_split's) is not.
TUPLES = {
    "datasets.breast_cancer": "data (X, y, names), as scikit-learn's return_X_y",
    "datasets.digits": "data (X, y)",
    "datasets.standardize": "the data and the scale to reuse, (Z, mean, std)",
    "datasets.xor_data": "data (X, y)",
    "backprop.symmetry_data": "data (X, y)",
    "perceptron.separable_data": "data (X, y, w_star)",
    "rnn.next_step_windows": "data (X, Y)",
    "rnn.adding_problem": "data (X, y)",
    "ica.speakers": "data (S, t)",
    "diffusion.langevin": "simulated tracks (x, v)",
    "info.simulate_linear_gaussian": "simulated data (x, z)",
    "info.simulate_lqr": "simulated trajectory (x, u)",
    "info.letter_frequencies": "a distribution (symbols, p)",
    "info.random_walk_model": "model matrices (F, H, Q, R), unpacked into the filter's arguments",
    "info.constant_velocity_model": "model matrices (F, H, Q, R), unpacked into the filter's arguments",
    "boltzmann.boltzmann_probabilities": "a distribution (states, p)",
    "rbm.cd_gradients": "the gradients of the RBM's parameters (dW, db, dc)",
    "backprop.layer_gradient_check": "a dict keyed by the layer's parameter names, like layer.params",
    "rl.TabularEnv.reset": "Gymnasium's (state, info)",
    "rl.TabularEnv.step": "Gymnasium's (state, reward, terminated, truncated, info)",
    "rl.ModelFree.step": "Gymnasium's (state, reward, terminated, truncated, info)",
    "plotting.image_grid": "matplotlib's (fig, axes), as plt.subplots",
}


def _returns_tuple_or_dict(f) -> bool:
    source = textwrap.dedent(inspect.getsource(inspect.unwrap(f)))
    func = ast.parse(source).body[0]
    nested = {id(n) for sub in ast.walk(func) if isinstance(sub, (ast.FunctionDef, ast.Lambda)) and sub is not func
              for n in ast.walk(sub)}
    return any(isinstance(n, ast.Return) and isinstance(n.value, (ast.Tuple, ast.Dict, ast.DictComp))
               and id(n) not in nested
               for n in ast.walk(func))


def _functions_and_methods():
    for module_name in MODULES:
        for qual, obj in _public(module_name):
            if inspect.isfunction(obj):
                yield qual, obj
            elif not dataclasses.is_dataclass(obj):
                for name, member in vars(obj).items():
                    member = getattr(member, "__func__", member)
                    if inspect.isfunction(member) and not name.startswith("_"):
                        yield f"{qual}.{name}", member


def test_results_are_dataclasses_not_bare_tuples():
    offenders = [q for q, f in _functions_and_methods() if _returns_tuple_or_dict(f) and q not in TUPLES]
    assert not offenders, f"return a result dataclass (or list the function in TUPLES with a reason): {offenders}"
    listed = dict(_functions_and_methods())
    stale = [q for q in TUPLES if q not in listed or not _returns_tuple_or_dict(listed[q])]
    assert not stale, f"no longer return a tuple: remove {stale} from TUPLES"


def test_histories_are_one_type():
    """A field named history is a History, and History behaves as its docstring says."""
    for module_name in MODULES:
        for qual, obj in _public(module_name):
            if dataclasses.is_dataclass(obj):
                for f in dataclasses.fields(obj):
                    if f.name == "history":
                        assert f.type in ("History", History), f"{qual}.history is {f.type}"
    h = History("loss", "val_loss")
    h.record(loss=1.0)
    h.record(loss=0.5)
    assert h.loss == [1.0, 0.5] and h.val_loss == [] and h.epochs == 2 and h.names == ("loss", "val_loss")
    with pytest.raises(AttributeError, match="records loss, val_loss; not 'accuracy'"):
        h.accuracy
    with pytest.raises(KeyError, match="not 'accuracy'"):
        h.record(accuracy=1.0)
    with pytest.raises(AttributeError, match="use record"):
        h.loss = []
    assert nn.History is History


# ---------------------------------------------------------------- docstrings name their chapter

def _notebook_code():
    code = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code[f"notebooks/{path.name}"] = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return code


def test_every_public_function_names_the_chapter_that_uses_it():
    """"Used in: week N, notebooks/NN-….ipynb" is in the docstring, the notebook exists, and when the
    line claims the notebook calls the function itself (no "through", no check), its code names it."""
    code = _notebook_code()
    weeks = {int(Path(p).name[:2]): p for p in code}
    problems = []
    for module_name in MODULES:
        for qual, obj in _public(module_name):
            doc = inspect.getdoc(obj) or ""
            match = re.search(r"Used in: (.*?)(?:\n\n|$)", doc, flags=re.S)
            if not match:
                problems.append(f"{qual}: no 'Used in:' line")
                continue
            text = " ".join(match.group(1).split())
            if text.startswith("no notebook yet"):
                continue
            cited = re.findall(r"notebooks/\d\d-[\w-]+\.ipynb", text)
            if text.startswith("every chapter"):
                cited = list(code)
            for week, path in re.findall(r"week (\d+), (notebooks/\S+?\.ipynb)", text):
                if weeks.get(int(week)) != path:
                    problems.append(f"{qual}: week {week} is not {path}")
            if not cited:
                problems.append(f"{qual}: names no notebook: {text}")
            for path in cited:
                if path not in code:
                    problems.append(f"{qual}: {path} does not exist")
                elif "through" not in text and "check" not in text and not re.search(
                        rf"\b{re.escape(qual.split('.')[-1])}\b", code[path]):
                    problems.append(f"{qual}: {path} does not call it")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- what imports what

def _imported_by(statement: str) -> set[str]:
    import json
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-c", f"{statement}; import sys, json; print(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_models_do_not_draw_and_widgets_do_not_grade():
    """The model modules compute (no matplotlib, no grader); widgets draw but need no grader."""
    models = [m for m in MODULES if m not in ("plotting", "widgets")]
    loaded = _imported_by("; ".join(f"import coursekit.{m}" for m in models))
    assert not {m for m in loaded if m.startswith(("matplotlib", "coursekit.grading", "coursekit.plotting"))}
    loaded = _imported_by("import coursekit.widgets")
    assert "coursekit.widgets" in loaded and not {m for m in loaded if m.startswith("coursekit.grading")}


def test_the_command_line_does_not_hide_a_broken_grader(monkeypatch):
    """`coursekit grade` is part of the package: if its module cannot be imported, say so."""
    import sys

    from coursekit import cli
    assert "grade" in cli.build_parser()._subparsers._group_actions[0].choices
    import coursekit.grading
    monkeypatch.delattr(coursekit.grading, "grader_cli", raising=False)
    monkeypatch.setitem(sys.modules, "coursekit.grading.grader_cli", None)
    with pytest.raises(ImportError):
        cli.build_parser()
