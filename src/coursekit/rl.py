"""Week 7 — reinforcement learning: tabular worlds, dynamic programming, TD learning, dopamine.

Small tabular environments with ``reset``/``step`` in the style of Gymnasium (no dependency on it):
the 5 × 5 gridworld of Example 3.5, the 4 × 4 gridworld of Example 4.1 and cliff walking
(Example 6.6) of Sutton & Barto (2018). Dynamic programming (policy evaluation, value iteration),
TD(0) prediction, SARSA and Q-learning with ε-greedy exploration, all vectorised across independent
runs (one array axis per run); and the temporal-difference model of Pavlovian conditioning of
Schultz, Dayan & Montague (1997).

Notation (chapter 7): states ``s`` (integers, ``s = row · n_cols + col``), actions ``a`` (0 up,
1 right, 2 down, 3 left), reward ``r``, discount ``gamma`` (γ), step size ``alpha`` (α), exploration
rate ``epsilon`` (ε), a policy ``pi`` as an (S, A) array of probabilities π(a|s), the model
``P[s, a, s'] = p(s'|s, a)`` and expected reward ``R[s, a]``, state values ``v`` and action values ``Q``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validate import Integer, Real, as_array, as_rng, check_distributions, in_range, positive_int, validate

__all__ = [
    "ACTIONS", "MOVES", "TabularEnv", "ModelFree", "GridWorld", "SmallGridWorld", "CliffWalking",
    "random_policy", "greedy_policy", "epsilon_greedy",
    "bellman_backup", "solve_bellman", "DPResult", "policy_evaluation", "q_from_v", "value_iteration",
    "TDResult", "td0", "ControlResult", "sarsa", "q_learning",
    "greedy_path", "ReplayResult", "replay_q_learning", "PavlovianResult", "conditioning_rewards", "pavlovian_td",
]

ACTIONS = ("up", "right", "down", "left")
MOVES = np.array([[-1, 0], [0, 1], [1, 0], [0, -1]])      # (Δrow, Δcol) of each action


# --------------------------------------------------------------------------------------------
# Environments
# --------------------------------------------------------------------------------------------

class TabularEnv:
    """A deterministic tabular world on a grid, with the model needed by dynamic programming.

    ``next_state[s, a]`` and ``reward[s, a]`` give the (deterministic) transition; ``terminal[s]``
    marks absorbing states (value 0, episode ends on entering them). ``start`` is the start state, or
    ``None`` for a start drawn uniformly from the non-terminal states (then ``reset`` needs ``rng``).

    Use it like a Gymnasium environment::

        state, info = env.reset()
        state, reward, terminated, truncated, info = env.step(action)

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb, through :class:`CliffWalking`,
    :class:`GridWorld` and 8 other functions and classes of the module.
    """

    def __init__(self, shape, next_state, reward, terminal, start=None, name="tabular world"):
        self.shape = (int(shape[0]), int(shape[1]))
        self.next_state = np.asarray(next_state, dtype=int)
        self.reward = np.asarray(reward, dtype=float)
        self.terminal = np.asarray(terminal, dtype=bool)
        self.n_states, self.n_actions = self.next_state.shape
        if self.n_states != self.shape[0] * self.shape[1]:
            raise ValueError(f"shape {self.shape} does not match {self.n_states} states")
        self.start = None if start is None else int(start)
        self.name = name
        self.state: int | None = None

    # --- the model, for dynamic programming --------------------------------------------------
    @property
    def P(self) -> np.ndarray:
        """p(s'|s, a) as an (S, A, S) array; terminal states loop on themselves."""
        P = np.zeros((self.n_states, self.n_actions, self.n_states))
        s, a = np.indices(self.next_state.shape)
        P[s, a, self.next_state] = 1.0
        t = np.flatnonzero(self.terminal)
        P[t] = 0.0
        P[t, :, t] = 1.0
        return P

    @property
    def R(self) -> np.ndarray:
        """Expected reward r(s, a) as an (S, A) array; zero in terminal states."""
        return np.where(self.terminal[:, None], 0.0, self.reward)

    # --- the Gymnasium-style interface -------------------------------------------------------
    def reset(self, *, rng: np.random.Generator | int | None = None):
        """Start an episode; returns ``(state, info)`` (Gymnasium's interface). A world without a fixed
        start state draws one with ``rng`` (a seed or a Generator), which it then needs."""
        if self.start is None:
            rng = as_rng(rng)
            self.state = int(rng.choice(np.flatnonzero(~self.terminal)))
        else:
            self.state = self.start
        return self.state, {}

    def step(self, action):
        """Take ``action``; returns ``(state, reward, terminated, truncated, info)``."""
        if self.state is None:
            raise RuntimeError("call reset() before step()")
        if isinstance(action, bool) or not isinstance(action, (int, np.integer)) \
                or not 0 <= action < self.n_actions:
            raise ValueError(f"action must be an integer in 0..{self.n_actions - 1} "
                             f"({', '.join(ACTIONS)}); got {action!r}")
        s = self.state
        self.state = int(self.next_state[s, action])
        return self.state, float(self.reward[s, action]), bool(self.terminal[self.state]), False, {}

    def coords(self, s):
        """(row, col) of state ``s`` (ints), or of an array of states (two arrays)."""
        if np.ndim(s) == 0:
            return tuple(int(v) for v in divmod(int(s), self.shape[1]))
        return np.divmod(np.asarray(s), self.shape[1])

    def __repr__(self):
        return f"<{self.name}: {self.shape[0]}×{self.shape[1]}, {self.n_states} states>"


class ModelFree:
    """A tabular world as a model-free agent meets it: ``reset``, ``step`` and the numbers of states and
    actions, without the model (``P``, ``R``, ``next_state``) that dynamic programming needs. The world
    must have a fixed start state.

    After ``max_steps`` steps in all (a budget far above what a learning agent needs), every step ends
    its episode: ``terminated`` and ``truncated`` both True. That guards against an agent that never
    reaches a terminal state, whichever of the two flags it watches.

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb, by the check of the build-it exercise.
    """

    def __init__(self, env: TabularEnv, max_steps: int = 200_000):
        if not isinstance(env, TabularEnv):
            raise TypeError(f"env must be a coursekit.rl.TabularEnv; got {type(env).__name__}")
        if env.start is None:
            raise ValueError(f"{env.name} has no fixed start state; ModelFree needs one")
        self._env = env
        self._budget = positive_int(max_steps, name="max_steps")
        self.n_states, self.n_actions = env.n_states, env.n_actions

    def reset(self):
        """Start an episode; returns ``(state, info)``."""
        return self._env.reset()

    def step(self, action):
        """Take ``action``; returns ``(state, reward, terminated, truncated, info)``."""
        state, reward, terminated, truncated, info = self._env.step(action)
        self._budget -= 1
        if self._budget <= 0 and not terminated:
            return state, reward, True, True, info
        return state, reward, terminated, truncated, info

    def __repr__(self):
        return f"<{self._env.name}, model-free: {self.n_states} states, {self.n_actions} actions>"


def _grid_moves(shape):
    """Next state of every (s, a) on an open grid where a move off the grid stays put, and the bump mask."""
    rows, cols = shape
    r, c = np.divmod(np.arange(rows * cols), cols)
    nr = r[:, None] + MOVES[:, 0]
    nc = c[:, None] + MOVES[:, 1]
    off = (nr < 0) | (nr >= rows) | (nc < 0) | (nc >= cols)
    nxt = np.where(off, np.arange(rows * cols)[:, None], nr.clip(0, rows - 1) * cols + nc.clip(0, cols - 1))
    return nxt, off


class GridWorld(TabularEnv):
    """The 5 × 5 gridworld of Sutton & Barto (2018), Example 3.5 (a continuing task).

    Moving off the grid leaves the agent in place with reward −1; every action from A = (0, 1)
    gives +10 and jumps to A' = (4, 1); from B = (0, 3) every action gives +5 and jumps to
    B' = (2, 3); all other moves give 0. With γ = 0.9 the random policy's values are Figure 3.2
    and the optimal values Figure 3.5.

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """

    A, A_PRIME, B, B_PRIME = (0, 1), (4, 1), (0, 3), (2, 3)

    def __init__(self):
        nxt, off = _grid_moves((5, 5))
        reward = np.where(off, -1.0, 0.0)
        for (src, dst, r) in ((self.A, self.A_PRIME, 10.0), (self.B, self.B_PRIME, 5.0)):
            s = src[0] * 5 + src[1]
            nxt[s] = dst[0] * 5 + dst[1]
            reward[s] = r
        super().__init__((5, 5), nxt, reward, np.zeros(25, bool), start=0,
                         name="GridWorld (Sutton & Barto Example 3.5)")


class SmallGridWorld(TabularEnv):
    """The 4 × 4 gridworld of Sutton & Barto (2018), Example 4.1 (episodic, undiscounted).

    The corners 0 and 15 are terminal (the book's single terminal state drawn twice); every move
    gives −1, and a move off the grid leaves the state unchanged. Episodes start in a random
    non-terminal state. With γ = 1 the random policy's values are Figure 4.1 (k = ∞): −14 … −22.

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """

    def __init__(self):
        nxt, _ = _grid_moves((4, 4))
        terminal = np.zeros(16, bool)
        terminal[[0, 15]] = True
        super().__init__((4, 4), nxt, -np.ones((16, 4)), terminal, start=None,
                         name="SmallGridWorld (Sutton & Barto Example 4.1)")


class CliffWalking(TabularEnv):
    """Cliff walking, Sutton & Barto (2018), Example 6.6 (episodic, undiscounted).

    A 4 × 12 grid; start S in the bottom-left corner, goal G in the bottom-right. Every move gives −1,
    except stepping into the cliff (the bottom row between S and G): −100 and back to S. The cliff
    cells themselves are never occupied (``env.cliff`` marks them). The optimal path runs along the
    cliff edge: 13 steps, return −13.

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """

    def __init__(self, rows: int = 4, cols: int = 12):
        rows = positive_int(rows, name="rows", minimum=2)
        cols = positive_int(cols, name="cols", minimum=3)
        nxt, _ = _grid_moves((rows, cols))
        start, goal = (rows - 1) * cols, rows * cols - 1
        cliff = np.zeros(rows * cols, bool)
        cliff[start + 1:goal] = True
        reward = np.where(cliff[nxt], -100.0, -1.0)
        nxt = np.where(cliff[nxt], start, nxt)
        terminal = np.zeros(rows * cols, bool)
        terminal[goal] = True
        super().__init__((rows, cols), nxt, reward, terminal, start=start,
                         name="CliffWalking (Sutton & Barto Example 6.6)")
        self.cliff = cliff
        self.goal = goal


# --------------------------------------------------------------------------------------------
# Policies
# --------------------------------------------------------------------------------------------

def random_policy(env: TabularEnv) -> np.ndarray:
    """The equiprobable random policy π(a|s) = 1/|A|, an (S, A) array.

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """
    return np.full((env.n_states, env.n_actions), 1.0 / env.n_actions)


def greedy_policy(Q, tol: float = 1e-9) -> np.ndarray:
    """π(a|s) spread evenly over the actions within ``tol`` of max_a Q(s, a), an (S, A) array.

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb, through :func:`value_iteration`.
    """
    Q = as_array(Q, name="Q", ndim=2)
    best = Q >= Q.max(axis=1, keepdims=True) - tol
    return best / best.sum(axis=1, keepdims=True)


def epsilon_greedy(Q_s, epsilon: float, *, rng: np.random.Generator) -> np.ndarray:
    """Choose actions ε-greedily from action values ``Q_s`` of shape (..., A).

    With probability ε a uniformly random action, otherwise an action maximising Q_s, ties broken
    at random (so that an all-zero initial Q does not always pick action 0). Returns integer actions
    of shape ``Q_s.shape[:-1]``.

    Used in: no notebook yet (week 7's module; tested in tests/test_rl.py).
    """
    Q_s = as_array(Q_s, name="Q_s", ndim=None)
    epsilon = in_range(epsilon, 0.0, 1.0, name="epsilon")
    return _egreedy(Q_s, epsilon, as_rng(rng))


def _egreedy(Q_s, epsilon, rng):
    best = Q_s == Q_s.max(axis=-1, keepdims=True)
    greedy = np.argmax(best * (rng.random(Q_s.shape) + 1e-12), axis=-1)
    if epsilon == 0:
        return greedy
    explore = rng.random(greedy.shape) < epsilon
    return np.where(explore, rng.integers(Q_s.shape[-1], size=greedy.shape), greedy)


# --------------------------------------------------------------------------------------------
# Dynamic programming (Sutton & Barto chapters 3 and 4)
# --------------------------------------------------------------------------------------------

def _model(P, R, pi=None):
    P = as_array(P, name="P", ndim=3)
    S, A, S2 = P.shape
    if S2 != S:
        raise ValueError(f"P must have shape (S, A, S); got {P.shape}")
    check_distributions(P, name="P", what="next states")
    R = as_array(R, name="R", ndim=2)
    if R.shape != (S, A):
        raise ValueError(f"R must have shape (S, A) = {(S, A)}; got {R.shape}")
    if pi is None:
        return P, R
    pi = as_array(pi, name="pi", ndim=2)
    if pi.shape != (S, A):
        raise ValueError(f"pi must have shape (S, A) = {(S, A)}; got {pi.shape}")
    check_distributions(pi, name="pi", what="actions")
    return P, R, pi


def _gamma(gamma):
    return in_range(gamma, 0.0, 1.0, name="gamma")


def bellman_backup(P, R, pi, v, gamma: float) -> np.ndarray:
    """One synchronous sweep of the Bellman expectation equation (Sutton & Barto eq. 4.5):

        v_{k+1}(s) = Σ_a π(a|s) [ r(s, a) + γ Σ_s' p(s'|s, a) v_k(s') ].

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """
    P, R, pi = _model(P, R, pi)
    v = as_array(v, name="v", ndim=1)
    return np.einsum("sa,sa->s", pi, R + _gamma(gamma) * P @ v)


def solve_bellman(P, R, pi, gamma: float, terminal=None) -> np.ndarray:
    """v_π exactly, from the linear Bellman equation v = r_π + γ P_π v  ⇒  v = (I − γ P_π)⁻¹ r_π.

    r_π(s) = Σ_a π(a|s) r(s, a) and P_π(s, s') = Σ_a π(a|s) p(s'|s, a) (Sutton & Barto eq. 3.14).
    ``terminal`` (optional bool mask) pins v = 0 there, which makes the system solvable for γ = 1 when
    every state reaches a terminal state under π.

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """
    P, R, pi = _model(P, R, pi)
    gamma = _gamma(gamma)
    r_pi = np.einsum("sa,sa->s", pi, R)
    P_pi = np.einsum("sa,sat->st", pi, P)
    if terminal is not None:
        terminal = np.asarray(terminal, dtype=bool)
        r_pi = np.where(terminal, 0.0, r_pi)
        P_pi = np.where(terminal[:, None], 0.0, P_pi)
    M = np.eye(P.shape[0]) - gamma * P_pi
    try:
        return np.linalg.solve(M, r_pi)
    except np.linalg.LinAlgError:
        raise ValueError("I − γP_π is singular: with γ = 1 every state must reach a terminal state "
                         "(pass terminal=...)") from None


@dataclass
class DPResult:
    """Result of dynamic programming: state values ``v`` (S,), the ``sweeps`` it took, and the policy
    ``pi`` (S, A) — the one evaluated (:func:`policy_evaluation`) or the greedy one found
    (:func:`value_iteration`).

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb, through :func:`policy_evaluation` and
    :func:`value_iteration`.
    """
    v: np.ndarray
    sweeps: int
    pi: np.ndarray = field(repr=False)


@validate(theta=Real(0, None, closed="neither"), max_sweeps=Integer(1))
def policy_evaluation(env: TabularEnv, pi, gamma: float, theta: float = 1e-10,
                      max_sweeps: int = 100_000) -> DPResult:
    """Iterative policy evaluation (Sutton & Barto §4.1): sweep ``bellman_backup`` from v = 0 until
    max_s |v_{k+1}(s) − v_k(s)| < θ (or ``max_sweeps``).

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """
    P, R, pi = _model(env.P, env.R, pi)
    gamma = _gamma(gamma)
    v = np.zeros(env.n_states)
    for k in range(1, max_sweeps + 1):
        v_new = np.einsum("sa,sa->s", pi, R + gamma * P @ v)
        if np.max(np.abs(v_new - v)) < theta:
            return DPResult(v_new, k, pi)
        v = v_new
    return DPResult(v, max_sweeps, pi)


def q_from_v(env: TabularEnv, v, gamma: float) -> np.ndarray:
    """q(s, a) = r(s, a) + γ Σ_s' p(s'|s, a) v(s'), an (S, A) array.

    Used in: no notebook yet (week 7's module; tested in tests/test_rl.py).
    """
    return env.R + _gamma(gamma) * env.P @ as_array(v, name="v", ndim=1)


@validate(theta=Real(0, None, closed="neither"), max_sweeps=Integer(1))
def value_iteration(env: TabularEnv, gamma: float, theta: float = 1e-10, max_sweeps: int = 100_000) -> DPResult:
    """Value iteration (Sutton & Barto §4.4): v_{k+1}(s) = max_a [r(s, a) + γ Σ_s' p(s'|s, a) v_k(s')].

    Returns v*, the sweeps, and π* greedy with respect to v* (ties shared evenly).

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """
    gamma = _gamma(gamma)
    P, R = env.P, env.R
    v = np.zeros(env.n_states)
    for k in range(1, max_sweeps + 1):
        v_new = (R + gamma * P @ v).max(axis=1)
        if np.max(np.abs(v_new - v)) < theta:
            v = v_new
            break
        v = v_new
    return DPResult(v, k, greedy_policy(R + gamma * P @ v, tol=1e-6))


# --------------------------------------------------------------------------------------------
# Temporal-difference learning, vectorised across independent runs
# --------------------------------------------------------------------------------------------

def _episode_args(env, n_episodes, n_runs, alpha, gamma, rng, max_steps):
    if not isinstance(env, TabularEnv):
        raise TypeError(f"env must be a coursekit.rl.TabularEnv; got {type(env).__name__}")
    if not env.terminal.any():
        raise ValueError(f"{env.name} is a continuing task; TD learning here needs episodes "
                         "(an environment with terminal states)")
    return (positive_int(n_episodes, name="n_episodes"), positive_int(n_runs, name="n_runs"),
            in_range(alpha, 0.0, 1.0, name="alpha", closed="right"), _gamma(gamma), as_rng(rng),
            positive_int(max_steps, name="max_steps"))


def _starts(env, n, rng):
    if env.start is not None:
        return np.full(n, env.start)
    return rng.choice(np.flatnonzero(~env.terminal), size=n)


@dataclass
class TDResult:
    """TD(0) estimates ``V`` (n_runs, S) and their history ``V_history`` (n_runs, n_episodes + 1, S).

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb, through :func:`td0`.
    """
    V: np.ndarray
    V_history: np.ndarray = field(repr=False)


def td0(env: TabularEnv, pi, n_episodes: int, alpha: float, gamma: float = 1.0, *,
        rng: np.random.Generator, n_runs: int = 1, max_steps: int = 1_000_000) -> TDResult:
    """Tabular TD(0) prediction of v_π (Sutton & Barto §6.1, eq. 6.2):

        V(S_t) ← V(S_t) + α [R_{t+1} + γ V(S_{t+1}) − V(S_t)],

    ``n_runs`` independent runs advance together as one array; each run starts its next episode as
    soon as its current one ends, and stops learning after ``n_episodes`` episodes.

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """
    n_episodes, n_runs, alpha, gamma, rng, max_steps = _episode_args(env, n_episodes, n_runs, alpha,
                                                                     gamma, rng, max_steps)
    _, _, pi = _model(env.P, env.R, pi)
    cum = np.cumsum(pi, axis=1)
    S, A = env.n_states, env.n_actions
    runs = np.arange(n_runs)
    base = runs * S
    V = np.zeros((n_runs, S))
    Vflat = V.ravel()                                   # V of run k, state s at k·S + s
    next_state, reward = env.next_state.ravel(), env.reward.ravel()
    hist = np.zeros((n_runs, n_episodes + 1, S))
    done_eps = np.zeros(n_runs, int)
    step_size = np.full(n_runs, alpha)
    s = _starts(env, n_runs, rng)
    block, i = 256, 256
    for _ in range(max_steps):
        if i == block:
            u, i = rng.random((block, n_runs, 1)), 0
        a = np.minimum((u[i] > cum[s]).sum(axis=1), A - 1)     # a ~ π(·|s)
        i += 1
        sa = s * A + a
        s2, r = next_state[sa], reward[sa]
        end = env.terminal[s2]
        idx = base + s
        v = Vflat[idx]
        Vflat[idx] = v + step_size * (r + gamma * np.where(end, 0.0, Vflat[base + s2]) - v)
        if end.any():
            k = np.flatnonzero(end & (step_size > 0))
            done_eps[k] += 1
            hist[k, done_eps[k]] = V[k]
            step_size[done_eps >= n_episodes] = 0.0
            if not step_size.any():
                break
            k = np.flatnonzero(end)
            s2[k] = _starts(env, k.size, rng)
        s = s2
    else:
        raise RuntimeError(f"td0 did not finish {n_episodes} episodes within max_steps={max_steps}")
    return TDResult(V, hist)


@dataclass
class ControlResult:
    """Learned ``Q`` (n_runs, S, A); ``returns`` and ``lengths`` (n_runs, n_episodes): the sum of
    rewards and the number of steps of every episode while learning (ε-greedy, online).

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb, through :func:`q_learning` and :func:`sarsa`.
    """
    Q: np.ndarray
    returns: np.ndarray
    lengths: np.ndarray


class _Randoms:
    """Random numbers for ε-greedy choices drawn in blocks of steps (fewer, larger calls to ``rng``)."""

    def __init__(self, rng, n_runs, n_actions, epsilon, block=256):
        self.rng, self.shape, self.epsilon, self.block = rng, (n_runs, n_actions), epsilon, block
        self.i = block

    def next(self):
        if self.i == self.block:
            R, A = self.shape
            self.tie = self.rng.random((self.block, R, A)) + 1e-12
            self.explore = self.rng.random((self.block, R)) < self.epsilon
            self.random_action = self.rng.integers(A, size=(self.block, R))
            self.i = 0
        i, self.i = self.i, self.i + 1
        return self.tie[i], self.explore[i], self.random_action[i]


def _choose(Q_s, m, tie, explore, random_action):
    """ε-greedy actions from rows Q_s with maxima m, ties broken by the random keys ``tie``."""
    greedy = np.argmax((Q_s == m[:, None]) * tie, axis=1)
    return np.where(explore, random_action, greedy)


def _control(env, method, n_episodes, alpha, epsilon, gamma, rng, n_runs, max_steps):
    n_episodes, n_runs, alpha, gamma, rng, max_steps = _episode_args(env, n_episodes, n_runs, alpha,
                                                                     gamma, rng, max_steps)
    epsilon = in_range(epsilon, 0.0, 1.0, name="epsilon")
    S, A = env.n_states, env.n_actions
    runs = np.arange(n_runs)
    base = runs * S                                  # Q of run k, state s is row k·S + s of Qf
    Qf = np.zeros((n_runs * S, A))
    returns = np.zeros((n_runs, n_episodes))
    lengths = np.zeros((n_runs, n_episodes), int)
    ep = np.zeros(n_runs, int)
    G = np.zeros(n_runs)
    steps = np.zeros(n_runs, int)
    draws = _Randoms(rng, n_runs, A, epsilon)
    next_state, reward = env.next_state.ravel(), env.reward.ravel()     # indexed by s·A + a
    Qflat = Qf.ravel()                                                  # indexed by (k·S + s)·A + a
    s = _starts(env, n_runs, rng)
    Q_s = Qf[base + s]
    a = _choose(Q_s, Q_s.max(axis=1), *draws.next())
    step_size = np.full(n_runs, alpha)
    for _ in range(max_steps):
        sa = s * A + a
        s2, r = next_state[sa], reward[sa]
        end = env.terminal[s2]
        rows2 = base + s2
        Q_s2 = Qf[rows2]
        m = Q_s2.max(axis=1)
        a2 = _choose(Q_s2, m, *draws.next())
        # SARSA (on-policy) bootstraps from the action actually taken next; Q-learning from the greedy one
        nxt = Q_s2[runs, a2] if method == "sarsa" else m
        idx = (base + s) * A + a
        q = Qflat[idx]
        Qflat[idx] = q + step_size * (r + gamma * np.where(end, 0.0, nxt) - q)
        G += r
        steps += 1
        if end.any():
            k = np.flatnonzero(end & (step_size > 0))
            returns[k, ep[k]] = G[k]
            lengths[k, ep[k]] = steps[k]
            ep[k] += 1
            step_size[ep >= n_episodes] = 0.0        # a run that has finished stops learning
            if not step_size.any():
                break
            G[end], steps[end] = 0.0, 0
            k = np.flatnonzero(end)
            s2[k] = _starts(env, k.size, rng)
            Q_new = Qf[base[k] + s2[k]]
            tie, explore, random_action = draws.next()
            a2[k] = _choose(Q_new, Q_new.max(axis=1), tie[k], explore[k], random_action[k])
        s, a = s2, a2
    else:
        raise RuntimeError(f"{method} did not finish {n_episodes} episodes within max_steps={max_steps}")
    return ControlResult(Qf.reshape(n_runs, S, A), returns, lengths)


def sarsa(env: TabularEnv, n_episodes: int, alpha: float = 0.5, epsilon: float = 0.1,
          gamma: float = 1.0, *, rng: np.random.Generator, n_runs: int = 1,
          max_steps: int = 10_000_000) -> ControlResult:
    """SARSA, on-policy TD control (Sutton & Barto §6.4, eq. 6.7), with ε-greedy actions:

        Q(S, A) ← Q(S, A) + α [R + γ Q(S', A') − Q(S, A)],   A' the ε-greedy action taken next.

    Q starts at 0. ``n_runs`` independent runs advance together as one array (see :func:`td0`);
    ``max_steps`` bounds the number of such joint steps, a guard against a run that never ends.

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """
    return _control(env, "sarsa", n_episodes, alpha, epsilon, gamma, rng, n_runs, max_steps)


def q_learning(env: TabularEnv, n_episodes: int, alpha: float = 0.5, epsilon: float = 0.1,
               gamma: float = 1.0, *, rng: np.random.Generator, n_runs: int = 1,
               max_steps: int = 10_000_000) -> ControlResult:
    """Q-learning, off-policy TD control (Watkins 1989; Sutton & Barto §6.5, eq. 6.8):

        Q(S, A) ← Q(S, A) + α [R + γ max_a Q(S', a) − Q(S, A)],

    behaving ε-greedily but learning the greedy policy's values. Q starts at 0; runs as in :func:`sarsa`.

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """
    return _control(env, "q", n_episodes, alpha, epsilon, gamma, rng, n_runs, max_steps)


def greedy_path(env: TabularEnv, Q, max_steps: int = 100) -> np.ndarray:
    """States visited by the greedy policy argmax_a Q(s, a) from the start state (ties: first action),
    until a terminal state or ``max_steps`` steps.

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """
    Q = as_array(Q, name="Q", ndim=2)
    s = env.start if env.start is not None else int(np.flatnonzero(~env.terminal)[0])
    path = [s]
    for _ in range(positive_int(max_steps, name="max_steps")):
        s = int(env.next_state[s, int(np.argmax(Q[s]))])
        path.append(s)
        if env.terminal[s]:
            break
    return np.array(path)


# --------------------------------------------------------------------------------------------
# Towards DQN: Q-learning with a linear approximator, experience replay and a target network
# --------------------------------------------------------------------------------------------

@dataclass
class ReplayResult:
    """Weights ``W`` (d, A) of the action values Q(s, ·) = φ(s) W; ``returns`` (n_episodes,), the sum of
    rewards of every episode while learning; ``updates``, the number of minibatch updates made.

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb, through :func:`replay_q_learning`.
    """
    W: np.ndarray
    returns: np.ndarray
    updates: int


@validate(memory=Integer(1), batch=Integer(1), target_every=Integer(1))
def replay_q_learning(env: TabularEnv, n_episodes: int, *, rng: np.random.Generator, alpha: float = 0.5,
                      epsilon: float = 0.1, gamma: float = 1.0, features=None, memory: int = 1, batch: int = 1,
                      target_every: int = 1, max_steps: int = 1_000_000) -> ReplayResult:
    """Q-learning with the three changes that make DQN (Mnih et al. 2015), on a linear approximator.

    Action values are Q(s, a; W) = φ(s) · W[:, a] for the rows φ(s) of ``features`` (S, d), by default
    one-hot, φ(s) = e_s, which makes W a Q table. After every step the transition (s, a, r, s') joins a
    replay memory of the last ``memory`` transitions; ``batch`` transitions drawn uniformly from it give
    the semi-gradient update

        W[:, a] += (α / batch) Σ [r + γ max_a' Q(s', a'; W⁻) − Q(s, a; W)] φ(s),

    whose bootstrap uses W⁻, a copy of W refreshed every ``target_every`` updates (the target network).
    With one-hot features and memory = batch = target_every = 1 this is tabular Q-learning
    (:func:`q_learning`). Actions are ε-greedy, ties broken at random; one run, a loop over steps.

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """
    n_episodes, _, alpha, gamma, rng, max_steps = _episode_args(env, n_episodes, 1, alpha, gamma, rng, max_steps)
    epsilon = in_range(epsilon, 0.0, 1.0, name="epsilon")
    S, A = env.n_states, env.n_actions
    phi = np.eye(S) if features is None else as_array(features, name="features", ndim=2)
    if phi.shape[0] != S:
        raise ValueError(f"features must have one row per state ({S}); got shape {phi.shape}")
    W = np.zeros((phi.shape[1], A))
    W_target = W.copy()
    buf = {k: np.zeros(memory, dtype=t) for k, t in (("s", int), ("a", int), ("r", float), ("s2", int), ("end", bool))}
    stored, updates, steps = 0, 0, 0
    returns = np.zeros(n_episodes)
    for episode in range(n_episodes):
        s = env.start if env.start is not None else int(_starts(env, 1, rng)[0])
        end = False
        while not end:
            a = int(_egreedy(phi[s] @ W, epsilon, rng))
            s2, r = int(env.next_state[s, a]), float(env.reward[s, a])
            end = bool(env.terminal[s2])
            returns[episode] += r
            k = stored % memory
            buf["s"][k], buf["a"][k], buf["r"][k], buf["s2"][k], buf["end"][k] = s, a, r, s2, end
            stored += 1
            idx = rng.integers(min(stored, memory), size=batch) if memory > 1 else np.zeros(batch, int)
            bs, ba = buf["s"][idx], buf["a"][idx]
            target = buf["r"][idx] + gamma * np.where(buf["end"][idx], 0.0, (phi[buf["s2"][idx]] @ W_target).max(axis=1))
            delta = target - np.einsum("bd,db->b", phi[bs], W[:, ba])
            np.add.at(W.T, ba, (alpha / batch) * delta[:, None] * phi[bs])
            updates += 1
            if updates % target_every == 0:
                W_target = W.copy()
            s = s2
            steps += 1
            if steps >= max_steps:
                raise RuntimeError(f"replay_q_learning did not finish {n_episodes} episodes within max_steps={max_steps}")
    return ReplayResult(W, returns, updates)


# --------------------------------------------------------------------------------------------
# TD learning as a model of dopamine (Schultz, Dayan & Montague 1997)
# --------------------------------------------------------------------------------------------

@dataclass
class PavlovianResult:
    """``delta[n, t]``: TD error at time t of trial n (the model's dopamine signal); ``V[n, t]``: the
    prediction at time t at the start of trial n; ``w``: the final weights (one per time since the
    stimulus, the complete serial-compound representation).

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb, through :func:`pavlovian_td`.
    """
    delta: np.ndarray
    V: np.ndarray
    w: np.ndarray


def conditioning_rewards(n_trials: int, n_steps: int, t_reward: int, reward: float = 1.0,
                         omit=()) -> np.ndarray:
    """An (n_trials, n_steps) reward schedule: ``reward`` at ``t_reward`` on every trial except those
    listed in ``omit`` (probe trials where the expected reward does not come).

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """
    n_trials = positive_int(n_trials, name="n_trials")
    n_steps = positive_int(n_steps, name="n_steps", minimum=2)
    if not 0 <= t_reward < n_steps:
        raise ValueError(f"t_reward must be in 0..{n_steps - 1}; got {t_reward}")
    r = np.zeros((n_trials, n_steps))
    r[:, t_reward] = reward
    r[list(omit), t_reward] = 0.0
    return r


def pavlovian_td(rewards, t_stimulus: int, alpha: float = 0.2, gamma: float = 1.0) -> PavlovianResult:
    """TD learning of a Pavlovian trial: stimulus at ``t_stimulus``, rewards ``rewards[n, t]``.

    The stimulus is represented by a tapped delay line (one feature x_i(t) = 1 when t − t_stimulus = i),
    so the prediction is V(t) = w_{t − t_stimulus} after the stimulus and 0 before it. The TD error

        δ(t) = r(t) + γ V(t) − V(t − 1)

    is the model's dopamine signal (Schultz, Dayan & Montague 1997; Montague, Dayan &
    Sejnowski 1996), and the weight of the feature active at t − 1 learns w ← w + α δ(t). Because each
    feature is active at one time step only, a whole trial's errors follow from the weights at its
    start, so each trial is one vectorised step (a loop over trials only).

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """
    rewards = as_array(rewards, name="rewards", ndim=2)
    n_trials, T = rewards.shape
    if not (isinstance(t_stimulus, (int, np.integer)) and 0 <= t_stimulus < T - 1):
        raise ValueError(f"t_stimulus must be an integer in 0..{T - 2}; got {t_stimulus!r}")
    alpha = in_range(alpha, 0.0, 1.0, name="alpha", closed="right")
    gamma = _gamma(gamma)
    w = np.zeros(T - t_stimulus)
    deltas, values = np.zeros((n_trials, T)), np.zeros((n_trials, T))
    for n in range(n_trials):
        V = np.concatenate([np.zeros(t_stimulus), w])              # V(0 .. T−1)
        V_prev = np.concatenate([[0.0], V[:-1]])                   # V(t − 1), with V(−1) = 0
        delta = rewards[n] + gamma * V - V_prev                    # w[-1] is never updated: V(T − 1) = 0
        w[:-1] += alpha * delta[t_stimulus + 1:]                   # feature active at t − 1
        deltas[n], values[n] = delta, V
    return PavlovianResult(deltas, values, w)
