"""Checks for week 7's exercises (``notebooks/07-reinforcement-learning.ipynb``)."""

import numpy as np

from .. import rl
from ..grading import Problem, close, register


def _mdp(rng):
    """A random finite MDP: P (S, A, S) with rows summing to 1, R (S, A), a stochastic policy, γ."""
    S, A = int(rng.integers(3, 7)), int(rng.integers(2, 5))
    return {"P": rng.dirichlet(np.ones(S), size=(S, A)), "R": rng.normal(size=(S, A)),
            "pi": rng.dirichlet(np.ones(A), size=S), "gamma": float(rng.uniform(0.5, 0.95))}


def _judge_bellman(got, x):
    expected = rl.solve_bellman(x["P"], x["R"], x["pi"], x["gamma"])
    one_sweep = rl.bellman_backup(x["P"], x["R"], x["pi"], np.zeros(len(expected)), x["gamma"])
    if np.shape(got) == expected.shape and np.allclose(got, one_sweep, atol=1e-8):
        return Problem("Your values are r_π, a single Bellman backup from v = 0, not the fixed point.",
                       "Solve (I − γP_π) v = r_π, or iterate the backup until it stops changing.")
    return close(got, expected, what="v_π", rtol=1e-6, atol=1e-8,
                 hint="v_π solves v = r_π + γ P_π v with r_π(s) = Σ_a π(a|s) R[s, a] and "
                      "P_π[s, s'] = Σ_a π(a|s) P[s, a, s'].")


register(
    "rl.bellman",
    inputs=_mdp,
    ask=lambda f, x: f(x["P"], x["R"], x["pi"], x["gamma"]),
    judge=_judge_bellman,
    doc="v_π of a random MDP from the Bellman expectation equation.",
)


def _transition(rng):
    S, A = int(rng.integers(4, 8)), int(rng.integers(2, 5))
    Q = rng.normal(size=(S, A))
    s, s_next = int(rng.integers(S)), int(rng.integers(S))
    return {"Q": Q, "s": s, "a": int(rng.integers(A)), "r": float(rng.normal()), "s_next": s_next,
            "a_next": int(np.argmin(Q[s_next])),          # an exploratory action: SARSA ≠ Q-learning
            "alpha": float(rng.uniform(0.1, 0.9)), "gamma": float(rng.uniform(0.5, 1.0))}


def _args(x):
    return x["Q"], x["s"], x["a"], x["r"], x["s_next"]


def _judge_sarsa(got, x):
    if np.shape(got) == x["Q"].shape and np.allclose(got, rl.q_learning_update(*_args(x), x["alpha"], x["gamma"])):
        return Problem("This is the Q-learning update: SARSA's target uses Q(s', a') for the action a' "
                       "actually taken next, not the maximum over actions.")
    return close(got, rl.sarsa_update(*_args(x), x["a_next"], x["alpha"], x["gamma"]), what="Q after the update",
                 rtol=1e-6, atol=1e-9, hint="Only Q[s, a] changes: Q[s, a] += α (r + γ Q[s', a'] − Q[s, a]).")


def _judge_q(got, x):
    if np.shape(got) == x["Q"].shape and np.allclose(got, rl.sarsa_update(*_args(x), x["a_next"], x["alpha"],
                                                                         x["gamma"])):
        return Problem("This looks like SARSA's target; Q-learning uses max_a Q(s', a).")
    return close(got, rl.q_learning_update(*_args(x), x["alpha"], x["gamma"]), what="Q after the update",
                 rtol=1e-6, atol=1e-9, hint="Only Q[s, a] changes: Q[s, a] += α (r + γ max_a Q[s', a] − Q[s, a]).")


register(
    "rl.sarsa_update",
    inputs=_transition,
    ask=lambda f, x: f(x["Q"].copy(), *_args(x)[1:], x["a_next"], x["alpha"], x["gamma"]),
    judge=_judge_sarsa,
    doc="One SARSA update of a Q table (returns the updated table).",
)

register(
    "rl.q_learning_update",
    inputs=_transition,
    ask=lambda f, x: f(x["Q"].copy(), *_args(x)[1:], x["alpha"], x["gamma"]),
    judge=_judge_q,
    doc="One Q-learning update of a Q table (returns the updated table).",
)
