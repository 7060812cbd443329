"""Week 7's checks, each fed the stub, the reference, another valid form and typical mistakes; the
checks' private references against coursekit's models and the book's numbers."""

import numpy as np
import pytest

import checkcases
from checkcases import Cases, Mistake
from coursekit import rl
from coursekit.checks import rl as checks


# ---- the notebook's solutions ------------------------------------------------------------------------

def q_pi(P, R, pi, gamma):
    S, A = R.shape
    # q(s, a) = R(s, a) + γ Σ_s' P(s, a, s') Σ_a' π(a'|s') q(s', a'): a linear system in S·A unknowns
    M = np.einsum("sat,tb->satb", P, pi).reshape(S * A, S * A)
    return np.linalg.solve(np.eye(S * A) - gamma * M, R.ravel()).reshape(S, A)


def sarsa_update(Q, s, a, r, s_next, a_next, alpha, gamma):
    Q = Q.copy()
    Q[s, a] += alpha * (r + gamma * Q[s_next, a_next] - Q[s, a])
    return Q


def q_learning_update(Q, s, a, r, s_next, alpha, gamma):
    Q = Q.copy()
    Q[s, a] += alpha * (r + gamma * Q[s_next].max() - Q[s, a])
    return Q


def run_agent(env, method, n_episodes, alpha, epsilon, rng):
    Q = np.zeros((env.n_states, env.n_actions))
    returns = np.zeros(n_episodes)

    def choose(s):
        if rng.random() < epsilon:
            return int(rng.integers(env.n_actions))
        return int(np.argmax(Q[s]))

    for episode in range(n_episodes):
        s, _ = env.reset()
        a = choose(s)
        done = False
        while not done:
            s_next, r, done, _, _ = env.step(a)
            returns[episode] += r
            a_next = choose(s_next)
            if done:
                target = r
            elif method == "sarsa":
                target = r + Q[s_next, a_next]
            else:
                target = r + Q[s_next].max()
            Q[s, a] += alpha * (target - Q[s, a])
            s, a = s_next, a_next
    return Q, returns


def sarsa_in_place(Q, s, a, r, s_next, a_next, alpha, gamma):
    """A typical mistake: the update made in place, nothing returned."""
    Q[s, a] += alpha * (r + gamma * Q[s_next, a_next] - Q[s, a])


# ---- other valid forms -------------------------------------------------------------------------------

def q_pi_by_iteration(P, R, pi, gamma):
    q = np.zeros_like(R)
    for _ in range(3000):
        q = R + gamma * P @ np.einsum("tb,tb->t", pi, q)
    return q


def run_agent_random_ties(env, method, n_episodes, alpha, epsilon, rng):
    """Another valid form: ties broken at random, the Q-learning target from the updated table's max,
    returns as a list."""
    Q = np.zeros((env.n_states, env.n_actions))
    returns = []

    def choose(s):
        if rng.random() < epsilon:
            return int(rng.integers(env.n_actions))
        return int(np.argmax(Q[s] + 1e-9 * rng.random(env.n_actions)))        # ties broken at random

    for _ in range(n_episodes):
        s, _ = env.reset()
        a, G, terminated = choose(s), 0.0, False
        while not terminated:
            s2, r, terminated, truncated, _ = env.step(a)
            G += r
            a2 = choose(s2)
            bootstrap = 0.0 if terminated else (Q[s2, a2] if method == "sarsa" else np.max(Q[s2]))
            Q[s, a] += alpha * (r + bootstrap - Q[s, a])
            s, a = s2, a2
        returns.append(G)
    return Q, returns


# ---- typical mistakes of the build-it problem ----------------------------------------------------------

def agent_ignoring_method(target_method):
    return lambda env, method, *a: run_agent(env, target_method, *a)


def agent_without_exploration(env, method, n_episodes, alpha, epsilon, rng):
    return run_agent(env, method, n_episodes, alpha, 0.0, rng)


def agent_not_resetting_the_return(*args):
    Q, returns = run_agent(*args)
    return Q, np.cumsum(returns)                       # G carried over from episode to episode


def agent_dropping_an_action(*args):
    Q, returns = run_agent(*args)
    return Q[:, :2], returns


CASES = {
    "rl.q_pi": Cases(
        reference=q_pi,
        valid=[q_pi_by_iteration, lambda P, R, pi, g: checks._q_pi(P, R, pi, g).tolist()],
        mistakes=[Mistake(lambda P, R, pi, g: R, says="one backup from q = 0"),
                  Mistake(checks._q_star, says="that is q*"),
                  Mistake(lambda *a: checks._q_pi(*a, transpose=True), says="P_π is transposed"),
                  Mistake(lambda P, R, pi, g: rl.solve_bellman(P, R, pi, g), says="state value for each state"),
                  Mistake(lambda P, R, pi, g: q_pi(P, R, pi, g) / (1 - g), says="q_π is not right")],
    ),
    "rl.sarsa_update": Cases(
        reference=sarsa_update,
        valid=[lambda Q, s, a, r, s2, a2, al, g: checks._sarsa_update(Q, s, a, r, s2, a2, al, g).tolist(),
               lambda Q, s, a, r, s2, a2, al, g: (1 - al) * Q + al * checks._replaced(Q, s, a, r + g * Q[s2, a2])
               + al * (Q - checks._replaced(Q, s, a, Q[s, a]))],
        mistakes=[Mistake(lambda Q, s, a, r, s2, a2, al, g: q_learning_update(Q, s, a, r, s2, al, g),
                          says="this is the q-learning update"),
                  Mistake(lambda Q, s, a, r, s2, a2, al, g: checks._replaced(Q, s, a, r + g * Q[s2, a2]),
                          says="replaced by the target"),
                  Mistake(lambda Q, s, a, r, s2, a2, al, g: sarsa_update(Q, s, a, r, s2, a2, -al, g), says="wrong sign"),
                  Mistake(lambda Q, s, a, r, s2, a2, al, g: sarsa_update(Q, s, a, r, s2, a2, al, 1.0), says="discount"),
                  Mistake(lambda Q, s, a, r, s2, a2, al, g: sarsa_update(Q, s2, a2, r, s, a, al, g),
                          says="wrong entry"),
                  Mistake(sarsa_in_place, says="returned none")],
    ),
    "rl.q_learning_update": Cases(
        reference=q_learning_update,
        valid=[lambda Q, s, a, r, s2, al, g: np.where(np.arange(Q.size).reshape(Q.shape) == s * Q.shape[1] + a,
                                                      Q + al * (r + g * Q[s2].max() - Q), Q)],
        mistakes=[Mistake(lambda Q, s, a, r, s2, al, g: checks._q_learning_update(Q, s, a, r, s2, al, g, np.mean),
                          says="averages"),
                  Mistake(lambda Q, s, a, r, s2, al, g: checks._q_learning_update(Q, s, a, r, s2, al, g, np.min),
                          says="smallest"),
                  Mistake(lambda Q, s, a, r, s2, al, g: checks._replaced(Q, s, a, r + g * Q[s2].max()),
                          says="replaced by the target"),
                  Mistake(lambda Q, s, a, r, s2, al, g: q_learning_update(Q, s, a, r, s2, -al, g), says="wrong sign"),
                  Mistake(lambda Q, s, a, r, s2, al, g: q_learning_update(Q, s, a, r, s2, al, 1.0), says="discount")],
    ),
    "rl.cliff_agent": Cases(
        reference=run_agent,
        valid=[run_agent_random_ties],
        mistakes=[Mistake(agent_ignoring_method("q-learning"), says="earns what q-learning earns"),
                  Mistake(agent_ignoring_method("sarsa"), says="earns what sarsa earns"),
                  Mistake(agent_without_exploration, says="does it explore"),
                  Mistake(agent_not_resetting_the_return, says="each episode's return sums all its rewards"),
                  Mistake(lambda *a: run_agent(*a)[0], says="the pair (q, returns)"),
                  Mistake(agent_dropping_an_action, says="one column per action")],
        seeds=2,
    ),
    "rl.true_statements": Cases(
        reference=["b", "d", "e"],
        valid=["bde", ("E", "b", "d")],
        mistakes=[Mistake(["a", "b", "d", "e"], says="1 of your choices is false"),
                  Mistake(["b", "d"], says="left out 1 true statement"),
                  Mistake(["z"], says="no statement 'z'"),
                  Mistake({"b": 1}, says="as a list")],
        seeds=1,
    ),
}

test_case = checkcases.tests(CASES)


# ---- the private references against coursekit's models and the book ----------------------------------

def test_q_pi_reference_agrees_with_coursekit_and_the_book():
    env = rl.GridWorld()
    pi = rl.random_policy(env)
    q = checks._q_pi(env.P, env.R, pi, 0.9)
    np.testing.assert_allclose(q, rl.q_from_v(env, rl.solve_bellman(env.P, env.R, pi, 0.9), 0.9), atol=1e-10)
    np.testing.assert_allclose(np.einsum("sa,sa->s", pi, q), rl.solve_bellman(env.P, env.R, pi, 0.9), atol=1e-10)
    assert q[1] == pytest.approx(np.full(4, 10 + 0.9 * -1.3), abs=0.06)       # A → A′ (Figure 3.2: v(A′) = −1.3)


def test_single_updates_against_worked_values():
    Q = np.array([[0.0, 1.0], [2.0, -1.0]])
    np.testing.assert_allclose(checks._sarsa_update(Q, 0, 0, 1.0, 1, 1, 0.5, 0.9), [[0.5 * (1 - 0.9), 1], [2, -1]])
    np.testing.assert_allclose(checks._q_learning_update(Q, 0, 0, 1.0, 1, 0.5, 0.9), [[0.5 * (1 + 1.8), 1], [2, -1]])


@pytest.mark.parametrize("mirror", [False, True])
def test_the_disguised_cliff_is_the_book_cliff(mirror, rng):
    """Mirrored and with shuffled action labels, the world has the same optimal value, its edge path is
    13 steps of reward -1, and coursekit's Q-learning finds that path."""
    env = checks._cliff(mirror, rng.permutation(4))
    assert rl.value_iteration(env, 1.0).v[env.start] == pytest.approx(-13)
    path = env.edge_path
    assert len(path) == 14 and env.terminal[path[-1]]
    steps = [int(np.flatnonzero(env.next_state[s] == t)[0]) for s, t in zip(path[:-1], path[1:])]
    assert [env.reward[s, a] for s, a in zip(path[:-1], steps)] == [-1.0] * 13
    res = rl.q_learning(env, 300, alpha=0.5, epsilon=0.1, rng=rng, n_runs=5)
    for Q in res.Q:
        np.testing.assert_array_equal(checks._greedy_path(env, Q), path)


def test_the_agent_cannot_read_the_model():
    box = rl.ModelFree(checks._cliff(True, np.arange(4)))
    assert not hasattr(box, "P") and not hasattr(box, "next_state")
    with pytest.raises(TypeError, match="TabularEnv"):
        rl.sarsa(box, 10, rng=np.random.default_rng(0))


def agent_that_never_stops(env, method, n_episodes, alpha, epsilon, rng):
    for _ in range(n_episodes):
        env.reset()
        done = False
        while not done:                                  # always "up": never reaches the goal
            _, _, done, _, _ = env.step(0)
    return np.zeros((env.n_states, env.n_actions)), np.zeros(n_episodes)


def test_an_agent_that_never_reaches_the_goal_is_stopped_and_judged():
    v = checkcases.verdict("rl.cliff_agent", agent_that_never_stops, 3)
    assert v.status == "wrong", v.render()


def test_a_bad_action_is_the_students_error():
    v = checkcases.verdict("rl.cliff_agent", lambda env, *a: (env.reset(), env.step(1.5)), 3)
    assert v.status == "error" and "action must be an integer" in v.message, v.render()
