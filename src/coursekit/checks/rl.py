"""Checks for week 7's exercises (``notebooks/07-reinforcement-learning.ipynb``).

The references are private: no public coursekit function is an exercise's answer. The build-it agent
meets cliff walking only through ``reset`` and ``step`` (``rl.ModelFree``) — mirrored or not and with
its action labels shuffled, afresh for every check — so coursekit's own vectorised ``rl.sarsa`` cannot
stand in for it.
"""

import numpy as np

from .. import rl
from ..grading import Problem, choice_check, close, function_check, register


# ---- exercise 1: the Bellman equation for action values --------------------------------------------

def _mdp_calls(rng):
    """A random finite MDP: P (S, A, S) with rows summing to 1, R (S, A), a stochastic policy, γ < 1."""
    S, A = int(rng.integers(3, 7)), int(rng.integers(2, 5))
    return [(rng.dirichlet(np.ones(S), size=(S, A)), rng.normal(size=(S, A)),
             rng.dirichlet(np.ones(A), size=S), float(rng.uniform(0.5, 0.95)))]


def _q_pi(P, R, pi, gamma, transpose=False):
    """q_π(s, a) = r(s, a) + γ Σ_s' p(s'|s, a) v_π(s'), with v_π from the linear Bellman equation."""
    r_pi, P_pi = np.einsum("sa,sa->s", pi, R), np.einsum("sa,sat->st", pi, P)
    v = np.linalg.solve(np.eye(len(r_pi)) - gamma * (P_pi.T if transpose else P_pi), r_pi)
    return R + gamma * P @ v


def _q_star(P, R, pi, gamma):
    v = np.zeros(R.shape[0])
    for _ in range(2000):
        v = (R + gamma * P @ v).max(axis=1)
    return R + gamma * P @ v


def _compare_q(got, expected, args):
    P, R, pi, gamma = args
    if np.shape(got) == (R.shape[0],):
        return Problem("That is a state value for each state; q_π has one value per state and action: "
                       "q_π(s, a) = r(s, a) + γ Σ_s' p(s'|s, a) v_π(s').")
    return close(got, expected, what="q_π", rtol=1e-6, atol=1e-8,
                 hint="q_π solves q(s, a) = r(s, a) + γ Σ_s' p(s'|s, a) Σ_a' π(a'|s') q(s', a').")


function_check(
    "rl.q_pi",
    reference=_q_pi,
    calls=_mdp_calls,
    compare=_compare_q,
    diagnoses=[
        (lambda P, R, pi, gamma: R, "That is r(s, a), one backup from q = 0: q_π is the fixed point of the "
                                    "Bellman equation, not its first step."),
        (lambda P, R, pi, gamma: R + gamma * P @ np.einsum("sa,sa->s", pi, R),
         "That is two backups from q = 0, not the fixed point: solve the linear system, or iterate until "
         "nothing changes."),
        (_q_star, "That is q*, the optimal action values: q_π averages the next action over the policy, "
                  "Σ_a' π(a'|s') q(s', a'), instead of taking the best."),
        (lambda *a: _q_pi(*a, transpose=True),
         "P_π is transposed: P_π[s, s'] = Σ_a π(a|s) p(s'|s, a), rows are the states you leave."),
    ],
    doc="q_π of a random MDP from the Bellman expectation equation for action values.",
)


# ---- exercises 2 and 3: one SARSA and one Q-learning update ----------------------------------------

def _sarsa_update(Q, s, a, r, s_next, a_next, alpha, gamma):
    """Q after one SARSA update for (s, a, r, s', a'): Q[s, a] += α (r + γ Q[s', a'] − Q[s, a])."""
    Q = np.array(Q, dtype=float)
    Q[s, a] += alpha * (r + gamma * Q[s_next, a_next] - Q[s, a])
    return Q


def _q_learning_update(Q, s, a, r, s_next, alpha, gamma, target=np.max):
    """Q after one Q-learning update for (s, a, r, s'): Q[s, a] += α (r + γ max_a' Q[s', a'] − Q[s, a])."""
    Q = np.array(Q, dtype=float)
    Q[s, a] += alpha * (r + gamma * target(Q[s_next]) - Q[s, a])
    return Q


def _transition(rng):
    """A transition whose next action a' is exploratory (the worst one), so SARSA's and Q-learning's
    targets differ; s' ≠ s so that the two Q entries are distinct."""
    S, A = int(rng.integers(4, 8)), int(rng.integers(3, 5))
    Q = rng.normal(size=(S, A))
    s, s_next = (int(v) for v in rng.choice(S, size=2, replace=False))
    return Q, s, int(rng.integers(A)), float(rng.normal()), s_next, int(np.argmin(Q[s_next])), \
        float(rng.uniform(0.1, 0.9)), float(rng.uniform(0.5, 0.99))


def _without_next_action(t):
    return t[:5] + t[6:]


def _replaced(Q, s, a, value):
    Q = np.array(Q, dtype=float)
    Q[s, a] = value
    return Q


function_check(
    "rl.sarsa_update",
    reference=_sarsa_update,
    calls=lambda rng: [_transition(rng) for _ in range(3)],
    what="Q after the update", rtol=1e-6, atol=1e-9,
    hint="Only Q[s, a] changes: Q[s, a] += α (r + γ Q[s', a'] − Q[s, a]).",
    diagnoses=[
        (lambda Q, s, a, r, s2, a2, al, g: _q_learning_update(Q, s, a, r, s2, al, g),
         "This is the Q-learning update: SARSA's target uses Q(s', a') for the action a' actually taken next, "
         "not the maximum over actions."),
        (lambda Q, s, a, r, s2, a2, al, g: _replaced(Q, s, a, r + g * Q[s2, a2]),
         "Q[s, a] was replaced by the target: move it only a step α of the way, Q[s, a] += α (target − Q[s, a])."),
        (lambda Q, s, a, r, s2, a2, al, g: _sarsa_update(Q, s, a, r, s2, a2, -al, g),
         "The update has the wrong sign: move Q[s, a] towards the target, Q[s, a] += α (target − Q[s, a])."),
        (lambda Q, s, a, r, s2, a2, al, g: _sarsa_update(Q, s, a, r, s2, a2, al, 1.0),
         "The discount γ is missing from the target r + γ Q(s', a')."),
        (lambda Q, s, a, r, s2, a2, al, g: _sarsa_update(Q, s2, a2, r, s, a, al, g),
         "The wrong entry was updated: the transition starts from (s, a), so Q[s, a] changes."),
    ],
    doc="One SARSA update of a Q table (returns the updated table).",
)

function_check(
    "rl.q_learning_update",
    reference=_q_learning_update,
    calls=lambda rng: [_without_next_action(_transition(rng)) for _ in range(3)],
    what="Q after the update", rtol=1e-6, atol=1e-9,
    hint="Only Q[s, a] changes: Q[s, a] += α (r + γ max_a' Q[s', a'] − Q[s, a]).",
    diagnoses=[
        (lambda *a: _q_learning_update(*a, target=np.mean),
         "The target averages Q(s', ·) over the actions: Q-learning bootstraps from the best, max_a' Q(s', a')."),
        (lambda *a: _q_learning_update(*a, target=np.min),
         "The target uses the smallest Q(s', a'): Q-learning bootstraps from the largest, max_a' Q(s', a')."),
        (lambda Q, s, a, r, s2, al, g: _replaced(Q, s, a, r + g * Q[s2].max()),
         "Q[s, a] was replaced by the target: move it only a step α of the way, Q[s, a] += α (target − Q[s, a])."),
        (lambda Q, s, a, r, s2, al, g: _q_learning_update(Q, s, a, r, s2, -al, g),
         "The update has the wrong sign: move Q[s, a] towards the target, Q[s, a] += α (target − Q[s, a])."),
        (lambda Q, s, a, r, s2, al, g: _q_learning_update(Q, s, a, r, s2, al, 1.0),
         "The discount γ is missing from the target r + γ max_a' Q(s', a')."),
    ],
    doc="One Q-learning update of a Q table (returns the updated table).",
)


# ---- build it: SARSA and Q-learning agents on the cliff --------------------------------------------

N_EPISODES, ALPHA, EPSILON, RUNS = 500, 0.5, 0.1, 5
# The chapter's bands (ours) for the online return: the mean reward per episode over episodes 101-500,
# averaged over RUNS runs. Sutton & Barto's Figure 6.4 shows about -25 for SARSA and -50 for Q-learning.
# Measured with the notebook's agents on the disguised cliff (400 runs each; one run: SARSA -27.9 ± 3.9,
# Q-learning -49.9 ± 3.6), a mean of 5 resampled runs stayed within [-39.6, -22.9] for SARSA and
# [-57.3, -42.8] for Q-learning in 10^6 draws; coursekit's vectorised agents (2 000 runs) agree.
BANDS = {"sarsa": (-41.0, -18.0), "q-learning": (-65.0, -41.0)}
def _cliff(mirror: bool, perm) -> rl.TabularEnv:
    """Cliff walking, mirrored left-right if ``mirror``, with action a of the new world doing action
    perm[a] of the book's (up, right, down, left)."""
    base = rl.CliffWalking()
    rows, cols = base.shape
    flip = np.arange(base.n_states)
    if mirror:
        r, c = np.divmod(flip, cols)
        flip = r * cols + (cols - 1 - c)                     # its own inverse
    mirrored_action = np.array([0, 3, 2, 1]) if mirror else np.arange(4)
    old_actions = mirrored_action[np.asarray(perm)]          # new action → the book's action in the old world
    nxt = flip[base.next_state[flip][:, old_actions]]
    reward = base.reward[flip][:, old_actions]
    env = rl.TabularEnv(base.shape, nxt, reward, base.terminal[flip], start=int(flip[base.start]),
                        name="cliff walking (disguised)")
    env.edge_path = flip[np.r_[base.start, base.start - cols + np.arange(cols), base.goal]]
    return env


def _agent_problem(rng):
    mirror, perm = bool(rng.integers(2)), rng.permutation(4)
    return {"mirror": mirror, "perm": perm, "seeds": rng.integers(2**32, size=(2, RUNS))}


def _ask_agent(fn, x):
    out = []
    for method, seeds in zip(("sarsa", "q-learning"), x["seeds"]):
        for seed in seeds:
            env = rl.ModelFree(_cliff(x["mirror"], x["perm"]))
            out.append(fn(env, method, N_EPISODES, ALPHA, EPSILON, np.random.default_rng(int(seed))))
    return out


def _greedy_path(env, Q):
    s, path = env.start, [env.start]
    for _ in range(100):
        s = int(env.next_state[s, int(np.argmax(Q[s]))])
        path.append(s)
        if env.terminal[s]:
            break
    return np.array(path)


def _read_run(result, env):
    if not isinstance(result, (list, tuple)) or len(result) != 2:
        return Problem("run_agent should return the pair (Q, returns).")
    Q, returns = result
    if np.shape(Q) != (env.n_states, env.n_actions):
        return Problem("Q should have one row per state and one column per action.",
                       f"Expected shape {(env.n_states, env.n_actions)}, got {np.shape(Q)}.")
    if np.shape(returns) != (N_EPISODES,):
        return Problem("returns should hold one number per episode: the sum of its rewards.",
                       f"Expected shape {(N_EPISODES,)}, got {np.shape(returns)}.")
    if not (np.all(np.isfinite(np.asarray(Q, float))) and np.all(np.isfinite(np.asarray(returns, float)))):
        return Problem("Q or the returns contain nan or inf.")
    return None


def _judge_agent(got, x):
    env = _cliff(x["mirror"], x["perm"])
    for result in got:
        problem = _read_run(result, env)
        if problem:
            return problem
    names = {"sarsa": "SARSA", "q-learning": "Q-learning"}
    for k, method in enumerate(("sarsa", "q-learning")):
        runs = got[k * RUNS:(k + 1) * RUNS]
        online = float(np.mean([np.mean(np.asarray(ret, float)[100:]) for _, ret in runs]))
        on_edge = [np.array_equal(_greedy_path(env, np.asarray(Q, float)), env.edge_path) for Q, _ in runs]
        lo, hi = BANDS[method]
        other = "q-learning" if method == "sarsa" else "sarsa"
        detail = (f"Mean reward per episode over episodes 101-{N_EPISODES}, averaged over {RUNS} runs: "
                  f"{online:.1f}; the chapter's band for {names[method]} is [{lo:g}, {hi:g}].")
        if lo <= online <= hi and (all(on_edge) if method == "q-learning" else not any(on_edge)):
            continue
        if BANDS[other][0] <= online <= BANDS[other][1] and not lo <= online <= hi:
            target = "Q(s', a') of the next action it will take" if method == "sarsa" else "max_a Q(s', a)"
            return Problem(f"Your {names[method]} agent earns what {names[other]} earns online: its target "
                           f"should use {target}.", detail)
        if online > hi:
            return Problem(f"Your {names[method]} agent earns more online than an ε-greedy agent can: does it "
                           f"explore, taking a random action with probability ε = {EPSILON}?", detail)
        if online < lo:
            return Problem(f"Your {names[method]} agent has not learned to reach the goal reliably: check the "
                           "update, that each episode's return sums all its rewards, and that the next "
                           "action is chosen ε-greedily from the updated Q.", detail)
        if method == "q-learning":
            return Problem("The greedy path of your Q-learning agent's Q is not the optimal path along the cliff "
                           "edge (13 steps) in every run.", detail)
        return Problem("The greedy path of your SARSA agent's Q runs along the cliff edge: SARSA, learning the "
                       "values of its own ε-greedy behaviour, should keep away from the edge.", detail)
    return None


register(
    "rl.cliff_agent",
    inputs=_agent_problem,
    ask=_ask_agent,
    judge=_judge_agent,
    doc="Build it: SARSA and Q-learning agents that meet cliff walking only through reset/step; judged by "
        "their online return against the chapter's bands (about -25 and -50) and the greedy paths they learn.",
)


# ---- journal club: which statements are true ------------------------------------------------------

choice_check(
    "rl.true_statements",
    true="bde",
    doc="Journal club: which of six statements about TD learning, SARSA, Q-learning and dopamine are true.",
)
