"""Week 6: recurrent layers (BPTT gradient checks, analytic cases, PyTorch), vanishing gradients, tasks."""

import numpy as np
import pytest

from coursekit import nn, rnn
from coursekit.backprop import layer_gradient_check, model_gradient_check


# ---------------------------------------------------------------- gradients

@pytest.mark.parametrize("make", [
    lambda r: rnn.RNN(3, 4, rng=r),
    lambda r: rnn.RNN(3, 4, rng=r, activation="sigmoid", return_sequences=False),
    lambda r: rnn.LSTM(3, 4, rng=r),
    lambda r: rnn.LSTM(3, 4, rng=r, return_sequences=False),
    lambda r: rnn.TimeDistributed(nn.Dense(3, 2, rng=r)),
], ids=["rnn-tanh-seq", "rnn-sigmoid-last", "lstm-seq", "lstm-last", "time-distributed"])
def test_bptt_matches_finite_differences(rng, make):
    layer = make(rng)
    errors = layer_gradient_check(layer, rng.normal(size=(3, 7, 3)), rng=rng)
    # central differences with h = 1e-6 are accurate to ~1e-9 here; a wrong term gives O(1)
    assert max(errors.values()) < 1e-7, errors


def test_whole_recurrent_model_gradient(rng):
    model = nn.Sequential([rnn.LSTM(2, 4, rng=rng), rnn.TimeDistributed(nn.Dense(4, 1, rng=rng)), nn.Sigmoid()])
    X, Y = rnn.next_step_windows(rnn.temporal_xor(5, rng=rng), T=6)
    assert model_gradient_check(model, nn.MSE(), np.concatenate([X, X], axis=2), Y) < 1e-7


# ---------------------------------------------------------------- forward passes, analytically

def test_rnn_forward_is_the_recurrence(rng):
    layer = rnn.RNN(2, 3, rng=rng)
    x = rng.normal(size=(4, 5, 2))
    p = layer.params
    h = np.zeros((4, 3))
    for t in range(5):
        h = np.tanh(x[:, t] @ p["W_x"] + h @ p["W_h"] + p["b"])
        np.testing.assert_allclose(layer.forward(x)[:, t], h, rtol=1e-12)


def test_rnn_without_recurrence_is_a_feedforward_layer_per_step(rng):
    layer = rnn.RNN(2, 3, rng=rng, activation="sigmoid")
    layer.params["W_h"] = np.zeros((3, 3))
    x = rng.normal(size=(4, 5, 2))
    expected = 1 / (1 + np.exp(-(x @ layer.params["W_x"] + layer.params["b"])))
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-12)


def test_lstm_with_constant_gates_follows_the_cell_recursion(rng):
    """With W = 0 the gates are constants: c_t = f c_{t−1} + i g, so c_T = i g (1 − f^T)/(1 − f)."""
    n, T = 3, 9
    layer = rnn.LSTM(2, n, rng=rng)
    layer.params["W_x"] = np.zeros((2, 4 * n))
    layer.params["W_h"] = np.zeros((n, 4 * n))
    b = rng.normal(size=4 * n)
    layer.params["b"] = b
    sig = lambda z: 1 / (1 + np.exp(-z))
    i, f, g, o = sig(b[:n]), sig(b[n:2 * n]), np.tanh(b[2 * n:3 * n]), sig(b[3 * n:])
    H = layer.forward(rng.normal(size=(2, T, 2)))
    c_T = i * g * (1 - f**T) / (1 - f)
    np.testing.assert_allclose(layer.cells[:, -1], np.broadcast_to(c_T, (2, n)), rtol=1e-12)
    np.testing.assert_allclose(H[:, -1], np.broadcast_to(o * np.tanh(c_T), (2, n)), rtol=1e-12)


def test_lstm_cell_carries_the_error_when_the_forget_gate_is_open(rng):
    """The constant error carousel: with f ≈ 1 the gradient on c_0's successor survives 50 steps."""
    n, T = 2, 50
    lstm = rnn.LSTM(1, n, rng=rng, return_sequences=False, forget_bias=20.0)   # f = σ(20) ≈ 1
    simple = rnn.RNN(1, n, rng=rng, return_sequences=False, gain=0.9)
    x = rng.normal(scale=0.5, size=(1, T, 1))
    grads = []
    for layer in (lstm, simple):
        layer.forward(x)
        grads.append(np.abs(layer.backward(np.ones((1, n)))[0, 0, 0]))
    # the RNN's signal from step 1 is at most 0.9^49 ≈ 6e-3 of its size; the LSTM's is not bounded that way
    assert grads[1] < 0.9 ** (T - 1) * 10
    assert grads[0] > 100 * grads[1]


# ---------------------------------------------------------------- PyTorch as the reference

def _torch_pair(rng, kind):
    torch = pytest.importorskip("torch")
    n_in, n = 3, 4
    if kind == "lstm":
        ours, ref = rnn.LSTM(n_in, n, rng=rng), torch.nn.LSTM(n_in, n, batch_first=True).double()
    else:
        ours, ref = rnn.RNN(n_in, n, rng=rng), torch.nn.RNN(n_in, n, batch_first=True, nonlinearity="tanh").double()
    with torch.no_grad():                       # PyTorch: a = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh, gates i, f, g, o
        ref.weight_ih_l0.copy_(torch.from_numpy(ours.params["W_x"].T.copy()))
        ref.weight_hh_l0.copy_(torch.from_numpy(ours.params["W_h"].T.copy()))
        ref.bias_ih_l0.copy_(torch.from_numpy(ours.params["b"].copy()))
        ref.bias_hh_l0.zero_()
    return torch, ours, ref


@pytest.mark.parametrize("kind", ["rnn", "lstm"])
def test_forward_and_gradients_match_pytorch(rng, kind):
    torch, ours, ref = _torch_pair(rng, kind)
    x = rng.normal(size=(5, 8, 3))
    dy = rng.normal(size=(5, 8, 4))
    xt = torch.tensor(x, requires_grad=True)
    out, _ = ref(xt)
    np.testing.assert_allclose(ours.forward(x), out.detach().numpy(), rtol=1e-10, atol=1e-12)
    (out * torch.from_numpy(dy)).sum().backward()
    dx = ours.backward(dy)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.grads["W_x"], ref.weight_ih_l0.grad.numpy().T, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.grads["W_h"], ref.weight_hh_l0.grad.numpy().T, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.grads["b"], ref.bias_ih_l0.grad.numpy(), rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- vanishing gradients

def test_jacobian_norm_is_exactly_gain_to_the_t_in_the_linear_regime(rng):
    """x = 0 and b = 0 keep h_t = 0 where tanh' = 1: ∂h_t/∂h_0 = (W_hᵀ)ᵗ, and W_h = gain × orthogonal."""
    for gain in (0.5, 0.9, 1.3):
        layer = rnn.RNN(2, 6, rng=rng, gain=gain)
        log_norms = rnn.state_jacobian_norms(layer, np.zeros((2, 40, 2)))
        np.testing.assert_allclose(log_norms, np.broadcast_to(np.arange(1, 41) * np.log(gain), (2, 40)),
                                   rtol=1e-10, atol=1e-10)


def test_jacobian_norm_obeys_the_bound_and_falls_linearly(rng):
    layer = rnn.RNN(3, 16, rng=rng, gain=0.8)
    log_norms = rnn.state_jacobian_norms(layer, rng.normal(size=(5, 60, 3)))
    t = np.arange(1, 61)
    assert np.all(log_norms <= t * np.log(0.8) + 1e-9)          # ‖∂h_t/∂h_0‖ ≤ ‖W_h‖ᵗ since |tanh'| ≤ 1
    mean = log_norms.mean(axis=0)
    slope, intercept = np.polyfit(t, mean, 1)
    assert np.max(np.abs(mean - (slope * t + intercept))) < 0.05 * abs(slope) * 60   # a straight line


def test_jacobian_norm_agrees_with_finite_differences(rng):
    """Perturb x_1 along W_x's range: ∂h_t/∂x_1 = (∂h_t/∂h_1)(∂h_1/∂x_1), checked on the full product."""
    layer = rnn.RNN(4, 4, rng=rng, gain=0.9)
    layer.params["W_x"] = np.eye(4)
    x = rng.normal(scale=0.3, size=(1, 12, 4))
    eps = 1e-6
    J = np.empty((4, 4))
    for k in range(4):
        xp, xm = x.copy(), x.copy()
        xp[0, 0, k] += eps
        xm[0, 0, k] -= eps
        J[:, k] = (layer.forward(xp)[0, -1] - layer.forward(xm)[0, -1]) / (2 * eps)
    # with W_x = I: J = (∂h_T/∂h_1) diag(tanh'(a_1)), and ∂h_T/∂h_0 = (∂h_T/∂h_1) diag(tanh'(a_1)) W_hᵀ = J W_hᵀ
    expected = np.log(np.linalg.norm(J @ layer.params["W_h"].T, 2))
    assert rnn.state_jacobian_norms(layer, x)[0, -1] == pytest.approx(expected, abs=1e-6)


# ---------------------------------------------------------------- tasks

def test_temporal_xor_and_windows(rng):
    s = rnn.temporal_xor(50, rng=rng)
    triples = s.reshape(-1, 3).astype(int)
    np.testing.assert_array_equal(triples[:, 2], triples[:, 0] ^ triples[:, 1])
    X, Y = rnn.next_step_windows(s, T=7)
    assert X.shape == Y.shape == (150 - 7, 7, 1)
    np.testing.assert_array_equal(Y[:, :-1], X[:, 1:])
    np.testing.assert_array_equal(X[5, :, 0], s[5:12])


def test_adding_problem_markers_targets_and_constant_mse(rng):
    n, T = 60_000, 30
    X, y = rnn.adding_problem(n, T, rng=rng)
    markers = X[:, :, 1]
    assert np.all(markers.sum(axis=1) == 2)
    first = markers.argmax(axis=1)                               # the earlier of the two marks
    last = T - 1 - markers[:, ::-1].argmax(axis=1)                # the later one
    assert np.all(first < 10) and np.all(last < T // 2)
    marked_sum = np.sum(X[:, :, 0] * markers, axis=1)
    np.testing.assert_allclose(y[:, 0], 0.5 + marked_sum / 4)
    assert y.min() >= 0 and y.max() <= 1
    # the MSE of answering 0.5 is var(y) = 1/24; (y − 0.5)² has s.d. ≈ 0.05, so the standard error is 2e-4
    assert np.mean((y - 0.5) ** 2) == pytest.approx(rnn.ADDING_CONSTANT_MSE, abs=1e-3)


def test_lstm_learns_the_adding_problem_beyond_the_constant_predictor(rng):
    T = 15
    X, y = rnn.adding_problem(3000, T, rng=rng)
    X_te, y_te = rnn.adding_problem(500, T, rng=rng)
    model = nn.Sequential([rnn.LSTM(2, 12, rng=rng, return_sequences=False), nn.Dense(12, 1, rng=rng)])
    nn.train(model, nn.MSE(), nn.Adam(model.parameters(), eta=0.01), X, y, epochs=3, batch_size=32, rng=rng,
             progress=False)
    mse = np.mean((model.forward(X_te, train=False) - y_te) ** 2)
    assert mse < rnn.ADDING_CONSTANT_MSE / 10


def test_elman_network_finds_the_period_of_the_temporal_xor(rng):
    X, Y = rnn.next_step_windows(rnn.temporal_xor(600, rng=rng), T=12)
    model = nn.Sequential([rnn.RNN(1, 4, rng=rng), rnn.TimeDistributed(nn.Dense(4, 1, rng=rng)), nn.Sigmoid()])
    nn.train(model, nn.MSE(), nn.Adam(model.parameters(), eta=0.02), X, Y, epochs=8, batch_size=32, rng=rng,
             progress=False)
    test = rnn.temporal_xor(200, rng=rng)
    err = (model.forward(test[None, :-1, None], train=False)[0, :, 0] - test[1:]) ** 2
    phase = np.arange(1, test.size) % 3
    by_phase = [err[12:][phase[12:] == k].mean() for k in range(3)]
    # coin flips cannot be predicted better than 0.25; the XOR bit can
    assert by_phase[2] < 0.5 * min(by_phase[:2])


# ---------------------------------------------------------------- validation

def test_bad_input_is_named(rng):
    layer = rnn.LSTM(2, 3, rng=rng)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, time, 2\)"):
        layer.forward(np.zeros((4, 5, 3)))
    with pytest.raises(ValueError, match="3-D"):
        layer.forward(np.zeros((4, 2)))
    with pytest.raises(RuntimeError, match="forward"):
        rnn.RNN(2, 3, rng=rng).backward(np.zeros((1, 1, 3)))
    layer.forward(np.zeros((4, 5, 2)))
    with pytest.raises(ValueError, match="dy must have shape"):
        layer.backward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="activation"):
        rnn.RNN(2, 3, rng=rng, activation="relu")
    with pytest.raises(TypeError, match="rng must be a seed"):
        rnn.RNN(2, 3, rng=1.5)
    with pytest.raises(ValueError, match="longer than T"):
        rnn.next_step_windows(np.zeros(5), T=5)
    with pytest.raises(TypeError, match="layer"):
        rnn.state_jacobian_norms(layer, np.zeros((1, 3, 2)))
