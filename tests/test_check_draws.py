"""Draws that once let a typical mistake through, named the wrong one, or failed a correct answer.

The grader draws every check's inputs from a fresh seed, while ``tests/test_checks_<prefix>.py`` judges
each case on four fixed seeds. ``python benchmarks/seeds.py`` judges every case on many fresh seeds; each
seed below is one on which it found a mistake judged as something it is not (before the check was
fixed, named in the comment). The mistakes are the cases' own.
"""

from __future__ import annotations

import importlib

import pytest

from checkcases import verdict

DRAWS = [
    # check, mistake index in its cases, seed: what happened before
    ("energy.recall", 0, 1926414282837578529),           # np.sign(0) passed: no field happened to be 0
    ("stokes.net_motion", 0, 3239820470335840070),       # Euler with 200 steps passed
    ("stokes.net_motion", 1, 3565801754243118536),       # half a period was called an integrator's error
    ("diffusion.ctrw_walk", 3, 722059699660869926),      # jumps of variance 2 passed (500 walkers)
    ("ica.fastica_deflation", 2, 1150334094961223263),   # W returned transposed passed
    ("ica.fastica_deflation", 2, 542574798162207193),
    ("ica.fastica_deflation", 2, 1695246619296782393),
    ("diffusion.lattice_walk", 4, 1724542611025536779),  # correlated steps were called a drift
    ("stokes.run_and_tumble_2d", 3, 2010054202283571811),  # runs of mean 1/τ named as random new headings
    ("stokes.run_and_tumble_2d", 3, 3109345064095522383),  # ... and as an unknown rate
    ("conv.receptive_field", 2, 505538049059429799),      # overlapping windows named as the own-stride mistake
    ("rnn.train_bptt", 7, 871505918715606756),           # one step of training passed
    ("rnn.train_bptt", 8, 871505918715606756),           # restarting from the first parameters passed
    ("info.capacity", 2, 3281321005242466174),           # ten iterations named as the uniform input
    ("stokes.swimmer_velocity", 4, 1679812889885422539),  # a 3-point midpoint rule passed (three chains)
]


def _cases(name: str):
    """The cases of check ``name``, from tests/test_checks_<prefix>.py."""
    return importlib.import_module(f"test_checks_{name.split('.')[0]}").CASES[name]


@pytest.mark.parametrize("name, index, seed", DRAWS, ids=[f"{n}-mistake{i}-{s}" for n, i, s in DRAWS])
def test_the_draw_judges_the_mistake_as_what_it_is(name, index, seed):
    mistake = _cases(name).mistakes[index]
    v = verdict(name, mistake.answer, seed)
    assert v.status == mistake.status, v.render()
    assert mistake.says.lower() in v.message.lower(), v.message


VALID_DRAWS = [
    # check, index of the valid form in its cases, seed: what happened before
    ("nn.train_mlp", 0, 2079390970543059021),            # a correct two-hidden-layer loop failed the 95% target
]


@pytest.mark.parametrize("name, index, seed", VALID_DRAWS, ids=[f"{n}-valid{i}-{s}" for n, i, s in VALID_DRAWS])
def test_the_draw_passes_a_valid_answer(name, index, seed):
    v = verdict(name, _cases(name).valid[index], seed)
    assert v.status == "passed", v.render()
