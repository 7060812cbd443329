"""Week 5: convolution and pooling by im2col (coursekit.conv).

Forward passes are compared with references written here from the definitions (a direct loop over
output pixels; scipy.signal.correlate); backward passes with central differences; the small CNN with
the chapter's claim on the digits. PyTorch, when installed, is a second reference.
"""

import numpy as np
import pytest
from scipy.signal import correlate

from coursekit import conv, nn
from coursekit.backprop import layer_gradient_check, model_gradient_check
from coursekit.datasets import digits, stratified_split

# (stride, padding, kernel (kh, kw)) combinations, including a rectangular kernel and a stride that
# leaves the last rows and columns uncovered
GEOMETRIES = [(1, 0, (3, 3)), (1, 1, (3, 3)), (2, 1, (3, 2)), (3, 2, (2, 4)), (2, 0, (5, 5))]


def conv_loop(x, W, b, stride, padding):
    """Eq. (1) literally: one output pixel at a time."""
    N, C, H, Wd = x.shape
    F, _, kh, kw = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH = (H + 2 * padding - kh) // stride + 1
    OW = (Wd + 2 * padding - kw) // stride + 1
    y = np.empty((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    patch = xp[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    y[n, f, i, j] = b[f] + np.sum(W[f] * patch)
    return y


def pool_loop(x, size, stride, reduce):
    N, C, H, W = x.shape
    OH, OW = (H - size) // stride + 1, (W - size) // stride + 1
    y = np.empty((N, C, OH, OW))
    for i in range(OH):
        for j in range(OW):
            y[:, :, i, j] = reduce(x[:, :, i * stride:i * stride + size, j * stride:j * stride + size], axis=(2, 3))
    return y


def numerical_grad(f, a, h=1e-6):
    """Central differences of the scalar f() with respect to every entry of the array a (in place)."""
    g = np.empty(a.size)
    flat = a.reshape(-1)
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + h
        plus = f()
        flat[k] = old - h
        minus = f()
        flat[k] = old
        g[k] = (plus - minus) / (2 * h)
    return g.reshape(a.shape)


def rel_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(a) + np.abs(b))))


# --------------------------------------------------------------------------------------------
# im2col / col2im
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stride, padding, k", GEOMETRIES)
def test_im2col_columns_are_the_receptive_fields(rng, stride, padding, k):
    x = rng.normal(size=(2, 3, 9, 8))
    kh, kw = k
    cols = conv.im2col(x, kh, kw, stride=stride, padding=padding)
    OH = conv.output_size(9, kh, stride, padding)
    OW = conv.output_size(8, kw, stride, padding)
    assert cols.shape == (3 * kh * kw, 2 * OH * OW)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    for n, i, j in [(0, 0, 0), (1, OH - 1, OW - 1), (1, OH // 2, 0)]:
        patch = xp[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
        np.testing.assert_array_equal(cols[:, (n * OH + i) * OW + j], patch.ravel())


@pytest.mark.parametrize("stride, padding, k", GEOMETRIES)
def test_col2im_is_the_adjoint_of_im2col(rng, stride, padding, k):
    # <im2col(x), c> = <x, col2im(c)> for all x, c: col2im is the transpose of the linear map im2col
    x = rng.normal(size=(2, 3, 9, 8))
    cols = conv.im2col(x, *k, stride=stride, padding=padding)
    c = rng.normal(size=cols.shape)
    back = conv._col2im(c, x.shape, *k, stride=stride, padding=padding)
    assert back.shape == x.shape
    assert np.isclose(np.sum(cols * c), np.sum(x * back), rtol=1e-12)


def test_col2im_counts_how_often_each_pixel_is_used():
    # col2im of all-ones columns = the number of windows covering each pixel: 1, 2, 3, 2, 1 across
    # a 5-pixel row for a 3-wide window (stride 1, no padding)
    counts = conv._col2im(np.ones((9, 9)), (1, 1, 5, 5), 3)
    np.testing.assert_array_equal(counts[0, 0], np.outer([1, 2, 3, 2, 1], [1, 2, 3, 2, 1]))


def test_output_size():
    assert conv.output_size(32, 5) == 28                       # LeNet-5's C1: 32×32 → 28×28
    assert conv.output_size(227, 11, stride=4) == 55           # AlexNet's first layer
    assert conv.output_size(8, 3, padding=1) == 8              # "same" padding
    with pytest.raises(ValueError, match="does not fit"):
        conv.output_size(3, 5)


# --------------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stride, padding, k", GEOMETRIES)
def test_conv2d_matches_direct_loop(rng, stride, padding, k):
    x = rng.normal(size=(2, 3, 9, 8))
    W = rng.normal(size=(4, 3) + k)
    b = rng.normal(size=4)
    np.testing.assert_allclose(conv.conv2d(x, W, b, stride, padding), conv_loop(x, W, b, stride, padding),
                               rtol=1e-12, atol=1e-12)


def test_conv2d_matches_scipy_correlate(rng):
    # scipy's N-d correlation over (channel, row, column) with mode="valid" sums over the channels
    x = rng.normal(size=(3, 4, 10, 7))
    W = rng.normal(size=(5, 4, 3, 3))
    ref = np.array([[correlate(xn, Wf, mode="valid")[0] for Wf in W] for xn in x])
    np.testing.assert_allclose(conv.conv2d(x, W), ref, rtol=1e-12, atol=1e-12)


def test_conv2d_is_translation_equivariant(rng):
    # shifting the input shifts the output (stride 1), away from the zero-filled border
    x = rng.normal(size=(2, 1, 12, 12))
    W = rng.normal(size=(3, 1, 3, 3))
    y_of_shifted = conv.conv2d(conv.shift_images(x, 2, 1), W, padding=1)
    shifted_y = conv.shift_images(conv.conv2d(x, W, padding=1), 2, 1)
    np.testing.assert_allclose(y_of_shifted[..., 3:-1, 2:-1], shifted_y[..., 3:-1, 2:-1], atol=1e-12)


@pytest.mark.parametrize("stride, padding, k", GEOMETRIES)
def test_conv2d_backward_matches_central_differences(rng, stride, padding, k):
    x = rng.normal(size=(2, 2, 7, 6))
    W = rng.normal(size=(3, 2) + k)
    b = rng.normal(size=3)
    R = rng.normal(size=conv.conv2d(x, W, b, stride, padding).shape)
    L = lambda: float(np.sum(R * conv.conv2d(x, W, b, stride, padding)))
    dx, dW, db = conv._conv2d_backward(R, x, W, stride, padding)
    # central differences are exact for a function linear in each argument, up to rounding ~1e-10
    assert rel_error(dx, numerical_grad(L, x)) < 1e-7
    assert rel_error(dW, numerical_grad(L, W)) < 1e-7
    assert rel_error(db, numerical_grad(L, b)) < 1e-7


def test_conv2d_keeps_float32(rng):
    x = rng.normal(size=(2, 3, 6, 6)).astype(np.float32)
    W = rng.normal(size=(4, 3, 3, 3)).astype(np.float32)
    assert conv.conv2d(x, W, padding=1).dtype == np.float32


def test_conv2d_rejects_bad_input(rng):
    x = rng.normal(size=(2, 3, 6, 6))
    with pytest.raises(ValueError, match="W must have shape"):
        conv.conv2d(x, rng.normal(size=(4, 2, 3, 3)))
    with pytest.raises(ValueError, match="x must be 4-D"):
        conv.conv2d(x[0], rng.normal(size=(4, 3, 3, 3)))
    with pytest.raises(ValueError, match="b must have shape"):
        conv.conv2d(x, rng.normal(size=(4, 3, 3, 3)), b=np.zeros(3))
    with pytest.raises(ValueError, match="does not fit"):
        conv.conv2d(x, rng.normal(size=(4, 3, 7, 7)))
    with pytest.raises(ValueError, match="dy must have the shape"):
        conv._conv2d_backward(np.zeros((2, 4, 6, 6)), x, rng.normal(size=(4, 3, 3, 3)))


# --------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------

def distinct_values(rng, shape):
    """Values at least 1/size apart, so no finite-difference step of 1e-6 can change which is the max."""
    return rng.permutation(np.prod(shape)).reshape(shape) / np.prod(shape)


@pytest.mark.parametrize("size, stride", [(2, 2), (3, 2), (2, 1), (3, 3)])
def test_pooling_matches_direct_loop(rng, size, stride):
    x = rng.normal(size=(2, 3, 9, 8))
    np.testing.assert_array_equal(conv.max_pool2d(x, size, stride), pool_loop(x, size, stride, np.max))
    np.testing.assert_allclose(conv.avg_pool2d(x, size, stride), pool_loop(x, size, stride, np.mean), rtol=1e-12)


@pytest.mark.parametrize("size, stride", [(2, 2), (3, 2), (2, 1), (3, 3)])
def test_pooling_backward_matches_central_differences(rng, size, stride):
    x = distinct_values(rng, (2, 2, 7, 8))
    R = rng.normal(size=conv.max_pool2d(x, size, stride).shape)
    for forward, backward in [(conv.max_pool2d, conv._max_pool2d_backward),
                              (conv.avg_pool2d, conv.avg_pool2d_backward)]:
        L = lambda: float(np.sum(R * forward(x, size, stride)))
        assert rel_error(backward(R, x, size, stride), numerical_grad(L, x)) < 1e-7


def test_max_pool_gradient_goes_to_the_first_maximum_on_ties():
    x = np.ones((1, 1, 2, 2))
    dx = conv._max_pool2d_backward(np.full((1, 1, 1, 1), 5.0), x, 2)
    np.testing.assert_array_equal(dx[0, 0], [[5.0, 0.0], [0.0, 0.0]])


# --------------------------------------------------------------------------------------------
# Layers in coursekit.nn
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layer", [
    lambda rng: conv.Conv2D(2, 3, 3, rng=rng, padding=1),
    lambda rng: conv.Conv2D(2, 3, (2, 3), rng=rng, stride=2, init="xavier"),
    lambda rng: conv.MaxPool2D(2),
    lambda rng: conv.MaxPool2D(3, stride=2),
    lambda rng: conv.AvgPool2D(2),
])
def test_layers_pass_nn_gradient_check(rng, layer):
    errors = layer_gradient_check(layer(rng), distinct_values(rng, (2, 2, 6, 7)), rng=rng)
    assert max(errors.values()) < 1e-7, errors


def test_small_cnn_gradient_and_training_step(rng):
    # the whole network through nn.Sequential / nn.gradient_check, and one Adam step lowers the loss
    net = conv.small_cnn(rng=rng, channels=(2, 3))
    X = rng.random((5, 1, 8, 8))
    y = rng.integers(0, 10, size=5)
    loss = nn.SoftmaxCrossEntropy()
    assert model_gradient_check(net, loss, X, y) < 1e-6
    before = loss(net.forward(X), y)[0]
    opt = nn.Adam(net.parameters(), eta=1e-2)
    net.backward(loss(net.forward(X), y)[1])
    opt.step()
    assert loss(net.forward(X), y)[0] < before


def test_conv_weights_and_grads_are_shared_with_the_optimiser(rng):
    layer = conv.Conv2D(1, 2, 3, rng=rng)
    (W, gW), (b, gb) = layer.parameters()
    assert W is layer.params["W"] and gW is layer.grads["W"]
    layer.forward(rng.normal(size=(3, 1, 5, 5)))
    layer.backward(np.ones((3, 2, 3, 3)))
    assert np.all(gb == 27.0)                      # db = Σ dy over 3 images × 3×3 pixels


def test_layers_reject_bad_input(rng):
    with pytest.raises(ValueError, match=r"expects x of shape \(N, 2, H, W\)"):
        conv.Conv2D(2, 3, 3, rng=rng).forward(np.zeros((4, 3, 5, 5)))
    with pytest.raises(ValueError, match="expects x of shape"):
        conv.MaxPool2D(2).forward(np.zeros((4, 5, 5)))
    with pytest.raises(RuntimeError, match="before backward"):
        conv.Conv2D(2, 3, 3, rng=rng).backward(np.zeros((1, 3, 3, 3)))
    with pytest.raises(TypeError, match="rng must be a seed"):
        conv.Conv2D(2, 3, 3, rng=None)
    with pytest.raises(ValueError, match="init must be one of 'he' or 'xavier'; got 'uniform'"):
        conv.Conv2D(2, 3, 3, rng=0, init="uniform")
    with pytest.raises(ValueError, match="cols must have shape"):
        conv._col2im(np.zeros((9, 10)), (1, 1, 5, 5), 3)
    with pytest.raises(ValueError, match="receptive_field is defined up to"):
        conv.receptive_field(conv.small_cnn(rng=rng).layers)


def test_shift_images_moves_pixels_and_fills_with_zeros():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    shifted = conv.shift_images(x, 1, -1)                  # one down, one left
    np.testing.assert_array_equal(shifted[0, 0, 1:, :3], x[0, 0, :3, 1:])
    assert np.all(shifted[0, 0, 0] == 0) and np.all(shifted[0, 0, :, 3] == 0)
    assert not conv.shift_images(x, 0, 4).any()


def test_receptive_field_matches_backpropagated_support(rng):
    layers = [conv.Conv2D(1, 1, 3, rng=rng), conv.AvgPool2D(2), conv.Conv2D(1, 1, 3, rng=rng)]
    for layer in layers[::2]:
        layer.params["W"] = np.abs(layer.params["W"]) + 0.1        # no cancellations
    net = nn.Sequential(layers)
    y = net.forward(rng.random((1, 1, 16, 16)))
    dy = np.zeros_like(y)
    dy[0, 0, 2, 2] = 1.0
    support = np.argwhere(net.backward(dy)[0, 0] != 0)
    side = support.max(axis=0) - support.min(axis=0) + 1
    assert conv.receptive_field(layers) == side[0] == side[1] == 8    # 3 → 4 (pool) → 4 + 2·2


@pytest.mark.parametrize("padding", [0, 1])
def test_visible_pixels_is_the_backpropagated_support_at_every_position(rng, padding):
    # the chapter's stack on an 8×8 image (AvgPool for MaxPool: the same windows, and every input gets a gradient)
    layers = [conv.Conv2D(1, 1, 3, rng=rng, padding=padding), nn.ReLU(), conv.AvgPool2D(2),
              conv.Conv2D(1, 1, 3, rng=rng, padding=padding)]
    for layer in layers[::3]:
        layer.params["W"] = np.abs(layer.params["W"]) + 0.1        # positive: no ReLU is off, nothing cancels
    net = nn.Sequential(layers)
    y = net.forward(rng.random((1, 1, 8, 8)) + 0.1)
    seen = []
    for i in range(y.shape[2]):
        dy = np.zeros_like(y)
        dy[0, 0, i, i] = 1.0
        support = np.argwhere(net.backward(dy)[0, 0] != 0)
        side = support.max(axis=0) - support.min(axis=0) + 1
        assert side[0] == side[1]
        seen.append(side[0])
    np.testing.assert_array_equal(conv.visible_pixels(layers, 8), seen)
    if padding:
        assert seen == [5, 7, 7, 5]                  # corner units see 5×5 real pixels, central ones 7×7, none 8×8
    assert max(seen) <= conv.receptive_field(layers)


def test_visible_pixels_refuses_what_does_not_fit(rng):
    with pytest.raises(ValueError, match="too small for these layers"):
        conv.visible_pixels([conv.Conv2D(1, 1, 5, rng=rng)], 3)
    with pytest.raises(ValueError, match="visible_pixels is defined up to"):
        conv.visible_pixels(conv.small_cnn(rng=rng).layers, 8)


# --------------------------------------------------------------------------------------------
# Against PyTorch, when it is installed
# --------------------------------------------------------------------------------------------

def test_against_pytorch(rng):
    torch = pytest.importorskip("torch")
    x = rng.normal(size=(3, 4, 9, 9))
    W = rng.normal(size=(5, 4, 3, 3))
    b = rng.normal(size=5)
    xt, Wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    yt = torch.nn.functional.conv2d(xt, Wt, bt, stride=2, padding=1)
    R = rng.normal(size=tuple(yt.shape))
    yt.backward(torch.tensor(R))
    np.testing.assert_allclose(conv.conv2d(x, W, b, 2, 1), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    for ours, theirs in zip(conv._conv2d_backward(R, x, W, 2, 1), (xt.grad, Wt.grad, bt.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-12)
    pt = torch.tensor(x, requires_grad=True)
    pooled = torch.nn.functional.max_pool2d(pt, 3, stride=2)
    pooled.backward(torch.ones_like(pooled))
    np.testing.assert_array_equal(conv.max_pool2d(x, 3, 2), pooled.detach().numpy())
    np.testing.assert_array_equal(conv._max_pool2d_backward(np.ones(pooled.shape), x, 3, 2), pt.grad.numpy())


# --------------------------------------------------------------------------------------------
# The chapter's claim: a small CNN reaches ≥ 98% on the 8×8 digits, ahead of the MLP
# --------------------------------------------------------------------------------------------

def test_small_cnn_beats_mlp_on_digits():
    X, y = digits()
    cnn_acc, mlp_acc = [], []
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        X_tr, X_te, y_tr, y_te = stratified_split(X, y, test_size=0.25, rng=rng)
        cnn = conv.small_cnn(rng=rng)
        nn.train(cnn, nn.SoftmaxCrossEntropy(), nn.Adam(cnn.parameters(), eta=3e-3),
                 X_tr.reshape(-1, 1, 8, 8), y_tr, epochs=25, batch_size=64, rng=rng, progress=False)
        cnn_acc.append(nn.accuracy(cnn, X_te.reshape(-1, 1, 8, 8), y_te))
        mlp = nn.mlp([64, 64, 10], rng=rng)
        nn.train(mlp, nn.SoftmaxCrossEntropy(), nn.Adam(mlp.parameters(), eta=3e-3),
                 X_tr, y_tr, epochs=30, batch_size=32, rng=rng, progress=False)
        mlp_acc.append(nn.accuracy(mlp, X_te, y_te))
    assert np.mean(cnn_acc) >= 0.98, cnn_acc
    assert np.mean(cnn_acc) > np.mean(mlp_acc), (cnn_acc, mlp_acc)
