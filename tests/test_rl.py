"""coursekit.rl against the exact tables of Sutton & Barto (2018) and properties of TD learning."""

import numpy as np
import pytest

from coursekit import rl

# Sutton & Barto (2018), printed to one decimal: a match means |ours − printed| ≤ 0.05.
FIG_3_2 = [[3.3, 8.8, 4.4, 5.3, 1.5], [1.5, 3.0, 2.3, 1.9, 0.5], [0.1, 0.7, 0.7, 0.4, -0.4],
           [-1.0, -0.4, -0.4, -0.6, -1.2], [-1.9, -1.3, -1.2, -1.4, -2.0]]
FIG_3_5 = [[22.0, 24.4, 22.0, 19.4, 17.5], [19.8, 22.0, 19.8, 17.8, 16.0], [17.8, 19.8, 17.8, 16.0, 14.4],
           [16.0, 17.8, 16.0, 14.4, 13.0], [14.4, 16.0, 14.4, 13.0, 11.7]]
FIG_4_1 = {
    1: [[0, -1, -1, -1], [-1, -1, -1, -1], [-1, -1, -1, -1], [-1, -1, -1, 0]],
    3: [[0, -2.4, -2.9, -3.0], [-2.4, -2.9, -3.0, -2.9], [-2.9, -3.0, -2.9, -2.4], [-3.0, -2.9, -2.4, 0]],
    10: [[0, -6.1, -8.4, -9.0], [-6.1, -7.7, -8.4, -8.4], [-8.4, -8.4, -7.7, -6.1], [-9.0, -8.4, -6.1, 0]],
    "inf": [[0, -14, -20, -22], [-14, -18, -20, -20], [-20, -20, -18, -14], [-22, -20, -14, 0]],
}


def test_models_are_stochastic_matrices():
    for env in (rl.GridWorld(), rl.SmallGridWorld(), rl.CliffWalking()):
        np.testing.assert_allclose(env.P.sum(axis=2), 1.0)
        assert env.R.shape == (env.n_states, 4)


def test_figure_3_2_random_policy_values():
    env = rl.GridWorld()
    v = rl.solve_bellman(env.P, env.R, rl.random_policy(env), gamma=0.9)
    np.testing.assert_allclose(v.reshape(5, 5), FIG_3_2, atol=0.05 + 1e-12)
    evaluation = rl.policy_evaluation(env, rl.random_policy(env), gamma=0.9, theta=1e-12)
    v_iter, sweeps = evaluation.v, evaluation.sweeps
    np.testing.assert_allclose(v_iter, v, atol=1e-10)       # the sweep's error shrinks by γ per sweep
    assert sweeps < 400


def test_bellman_equation_holds_at_v_pi(rng):
    env = rl.GridWorld()
    pi = rng.dirichlet(np.ones(4), size=25)
    v = rl.solve_bellman(env.P, env.R, pi, 0.9)
    np.testing.assert_allclose(rl.bellman_backup(env.P, env.R, pi, v, 0.9), v, atol=1e-12)


def test_figure_3_5_optimal_values_and_policy():
    env = rl.GridWorld()
    optimal = rl.value_iteration(env, gamma=0.9, theta=1e-12)
    v_star, pi_star = optimal.v, optimal.pi
    np.testing.assert_allclose(v_star.reshape(5, 5), FIG_3_5, atol=0.05 + 1e-12)
    # v* is the value of the greedy policy, and no policy beats it
    np.testing.assert_allclose(rl.solve_bellman(env.P, env.R, pi_star, 0.9), v_star, atol=1e-8)
    assert np.all(v_star >= rl.solve_bellman(env.P, env.R, rl.random_policy(env), 0.9))
    # from A every action jumps to A' with +10: v*(A) = 10 + γ v*(A')
    assert v_star[1] == pytest.approx(10 + 0.9 * v_star[21])


def test_figure_4_1_iterative_policy_evaluation():
    env = rl.SmallGridWorld()
    pi = rl.random_policy(env)
    v = np.zeros(16)
    for k in range(1, 11):
        v = rl.bellman_backup(env.P, env.R, pi, v, 1.0)
        if k in FIG_4_1:
            np.testing.assert_allclose(v.reshape(4, 4), FIG_4_1[k], atol=0.05 + 1e-12)
        if k == 2:     # the book prints −1.7 for −1.75 (truncated)
            assert v[1] == pytest.approx(-1.75) and v[5] == pytest.approx(-2.0)
    v_inf = rl.solve_bellman(env.P, env.R, pi, 1.0, terminal=env.terminal)
    np.testing.assert_allclose(v_inf.reshape(4, 4), FIG_4_1["inf"], atol=1e-9)   # integers exactly
    v_iter = rl.policy_evaluation(env, pi, 1.0, theta=1e-11).v
    np.testing.assert_allclose(v_iter, v_inf, atol=1e-8)


def test_cliff_walking_dynamics_and_optimal_path():
    env = rl.CliffWalking()
    s, info = env.reset()
    assert s == 36 and info == {}
    s2, r, terminated, truncated, _ = env.step(1)          # right, into the cliff
    assert (s2, r, terminated, truncated) == (36, -100.0, False, False)
    s2, r, *_ = env.step(0)                                 # up
    assert (s2, r) == (24, -1.0)
    v_star = rl.value_iteration(env, gamma=1.0).v
    assert v_star[env.start] == pytest.approx(-13)
    Q = rl.q_from_v(env, v_star, 1.0)
    path = rl.greedy_path(env, Q)
    assert len(path) - 1 == 13 and path[-1] == env.goal and not env.cliff[path].any()


def test_env_interface_errors(rng):
    env = rl.SmallGridWorld()
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)
    with pytest.raises(TypeError, match="rng"):
        env.reset()                                         # a random start needs an rng
    s, _ = env.reset(rng=rng)
    assert not env.terminal[s]
    with pytest.raises(ValueError, match="action"):
        env.step(4)
    with pytest.raises(ValueError, match="gamma"):
        rl.solve_bellman(env.P, env.R, rl.random_policy(env), 1.5)
    with pytest.raises(ValueError, match="pi"):
        rl.solve_bellman(env.P, env.R, np.ones((16, 4)), 0.9)
    with pytest.raises(ValueError, match="continuing"):
        rl.sarsa(rl.GridWorld(), 10, rng=rng)


def test_epsilon_greedy_frequencies(rng):
    Q_s = np.array([0.0, 1.0, 0.5, 1.0])                    # a tie between actions 1 and 3
    a = rl.epsilon_greedy(np.tile(Q_s, (40_000, 1)), epsilon=0.2, rng=rng)
    freq = np.bincount(a, minlength=4) / a.size
    expected = np.array([0.05, 0.45, 0.05, 0.45])           # ε/4 each, plus (1 − ε) split over the tie
    np.testing.assert_allclose(freq, expected, atol=5 * np.sqrt(0.25 / a.size))
    assert set(rl.epsilon_greedy(np.tile(Q_s, (100, 1)), 0.0, rng=rng)) <= {1, 3}


def test_td0_converges_to_v_pi(rng):
    env = rl.SmallGridWorld()
    pi = rl.random_policy(env)
    v_pi = rl.solve_bellman(env.P, env.R, pi, 1.0, terminal=env.terminal)
    res = rl.td0(env, pi, n_episodes=400, alpha=0.1, rng=rng, n_runs=20)
    assert res.V_history.shape == (20, 401, 16)
    np.testing.assert_array_equal(res.V[:, env.terminal], 0.0)
    rms = np.sqrt(((res.V_history - v_pi) ** 2).mean(axis=2)).mean(axis=0)
    assert rms[0] == pytest.approx(np.sqrt(np.mean(v_pi**2)))
    # TD(0)'s expected update has v_π as its fixed point; with constant α the estimates fluctuate around it
    # (here by a few units, against values of −14 … −22), so the error falls well below its starting value
    assert rms[-1] < 0.25 * rms[0]
    assert np.abs(res.V.mean(axis=0) - v_pi).max() < 2.5


def test_cliff_q_learning_finds_the_edge_sarsa_earns_more(rng):
    env = rl.CliffWalking()
    q = rl.q_learning(env, 200, alpha=0.5, epsilon=0.1, rng=rng, n_runs=20)
    s = rl.sarsa(env, 200, alpha=0.5, epsilon=0.1, rng=rng, n_runs=20)
    assert q.returns.shape == (20, 200) and np.all(q.lengths >= 13)
    # Q-learning learns q*: in a deterministic world its greedy value at the start is the optimal −13
    np.testing.assert_allclose(q.Q[:, env.start].max(axis=1), -13, atol=1e-6)
    assert all(len(rl.greedy_path(env, Q)) - 1 == 13 for Q in q.Q)
    # ... but, exploring next to the cliff, it falls more often, so SARSA earns more online (Figure 6.4)
    assert s.returns[:, 50:].mean() > q.returns[:, 50:].mean() + 10


def test_runs_are_reproducible_and_independent():
    env = rl.CliffWalking()
    a = rl.sarsa(env, 30, rng=np.random.default_rng(5), n_runs=3)
    b = rl.sarsa(env, 30, rng=np.random.default_rng(5), n_runs=3)
    np.testing.assert_array_equal(a.returns, b.returns)
    assert not np.array_equal(a.returns[0], a.returns[1])
    # every recorded episode ends at the goal: return = −(steps) − 99 × (cliff falls)
    assert np.all((-a.returns - a.lengths) % 99 == 0)


def test_pavlovian_td_error_moves_to_the_stimulus():
    t_s, t_r = 5, 15
    rewards = rl.conditioning_rewards(300, 25, t_r, omit=[299])
    res = rl.pavlovian_td(rewards, t_s, alpha=0.3, gamma=1.0)
    first, learned, omitted = res.delta[0], res.delta[298], res.delta[299]
    assert first[t_r] == pytest.approx(1.0) and np.count_nonzero(first) == 1      # surprise at the reward
    assert learned[t_s] == pytest.approx(1.0, abs=1e-6)                          # ... moves to the stimulus
    assert abs(learned[t_r]) < 1e-6 and np.abs(np.delete(learned, t_s)).max() < 1e-6
    assert omitted[t_r] == pytest.approx(-1.0, abs=1e-6)                         # the dip on omission
    # with discounting the stimulus response is the discounted reward γ^(t_r − t_s)
    res = rl.pavlovian_td(rl.conditioning_rewards(400, 25, t_r), t_s, alpha=0.3, gamma=0.9)
    assert res.delta[-1, t_s] == pytest.approx(0.9 ** (t_r - t_s), abs=1e-6)
    with pytest.raises(ValueError, match="t_stimulus"):
        rl.pavlovian_td(rewards, 30)


def test_model_free_view_ends_runaway_episodes():
    env = rl.ModelFree(rl.CliffWalking(), max_steps=5)
    assert env.reset() == (36, {}) and (env.n_states, env.n_actions) == (48, 4)
    assert env.step(1) == (36, -100.0, False, False, {})    # into the cliff: back to the start
    steps = [env.step(0) for _ in range(5)]                 # up, up, up, then every step ends the episode
    assert [s[2] for s in steps] == [False] * 3 + [True, True] and steps[-1][3] is True
    with pytest.raises(TypeError, match="TabularEnv"):
        rl.ModelFree(object())
    with pytest.raises(ValueError, match="fixed start"):
        rl.ModelFree(rl.SmallGridWorld())


def _tabular_q_learning(env, n_episodes, rng, alpha=0.5, epsilon=0.1):
    """Q-learning written out with a table, drawing from rng exactly as replay_q_learning does."""
    Q = np.zeros((env.n_states, env.n_actions))
    for _ in range(n_episodes):
        s, end = env.start, False
        while not end:
            a = int(rl._egreedy(Q[s], epsilon, rng))
            s2, r = int(env.next_state[s, a]), float(env.reward[s, a])
            end = bool(env.terminal[s2])
            Q[s, a] += alpha * (r + (0.0 if end else Q[s2].max()) - Q[s, a])
            s = s2
    return Q


def test_replay_q_learning_without_replay_is_tabular_q_learning():
    env = rl.CliffWalking()
    res = rl.replay_q_learning(env, 60, rng=np.random.default_rng(3))
    np.testing.assert_allclose(res.W, _tabular_q_learning(env, 60, np.random.default_rng(3)), rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_replay_and_target_network_still_learn_the_optimal_path(seed):
    env = rl.CliffWalking()
    res = rl.replay_q_learning(env, 300, rng=np.random.default_rng(seed), memory=2000, batch=16, target_every=50)
    assert len(rl.greedy_path(env, res.W)) == 14                          # the 13-step edge path
    assert res.updates >= 300 * 13                                        # one update per step


def test_replay_q_learning_with_linear_features_uses_them():
    """φ(s) = 2 e_s doubles every feature: the values Q = φ W are those of one-hot features with step 4α."""
    env = rl.CliffWalking()
    a = rl.replay_q_learning(env, 30, rng=np.random.default_rng(5), features=2 * np.eye(48), alpha=0.1)
    b = rl.replay_q_learning(env, 30, rng=np.random.default_rng(5), alpha=0.4)
    np.testing.assert_allclose(2 * a.W, b.W, atol=1e-10)
    with pytest.raises(ValueError, match="one row per state"):
        rl.replay_q_learning(env, 3, rng=np.random.default_rng(0), features=np.eye(5))
