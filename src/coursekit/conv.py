"""Week 5 — convolutional networks: 2-D convolution and pooling via im2col, as layers of ``coursekit.nn``.

LeCun, Bottou, Bengio & Haffner (1998), "Gradient-based learning applied to document recognition"
(LeNet-5); Krizhevsky, Sutskever & Hinton (2012), "ImageNet classification with deep convolutional
neural networks" (AlexNet). The layers here subclass :class:`coursekit.nn.Layer`, so
:class:`~coursekit.nn.Sequential`, the optimisers and :func:`~coursekit.nn.train` of week 3 work
with them unchanged.

Notation (chapter 5), NCHW layout: a batch ``x`` of shape (N, C, H, W) — N images of C channels,
H × W pixels; filters ``W`` of shape (F, C, kh, kw) and biases ``b`` (F,); stride ``s`` and zero
``padding`` p. Like every deep-learning library, a "convolution" is a cross-correlation:

    y[n, f, i, j] = b[f] + Σ_{c, u, v} W[f, c, u, v] · x_pad[n, c, s·i + u, s·j + v]      (1)

with output size ``OH = ⌊(H + 2p − kh)/s⌋ + 1`` (and the same for OW).

**im2col** copies every receptive field (a C·kh·kw patch) into one column of a matrix ``X_col`` of
shape (C·kh·kw, N·OH·OW); then (1) is one matrix product ``Y = W_row X_col + b`` with ``W_row`` the
filters flattened to (F, C·kh·kw). Backward, with ``dY`` the gradient reshaped like ``Y``:

    dW_row = dY X_colᵀ,     db = Σ_columns dY,     dX_col = W_rowᵀ dY,     dx = col2im(dX_col)     (2)

where **col2im** is the adjoint (transpose) of im2col: it adds each entry back onto the pixel it was
copied from, so pixels shared by overlapping windows accumulate their gradients.
Pooling reduces each window of each channel to one number, the maximum or the mean; no parameters.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import nn
from ._numerics import one_blas_thread
from ._validate import OneOf, Rng, as_array, positive_int, validate

__all__ = [
    "output_size", "im2col",
    "conv2d", "max_pool2d", "avg_pool2d", "avg_pool2d_backward",
    "Conv2D", "MaxPool2D", "AvgPool2D", "small_cnn", "feature_maps", "receptive_field", "visible_pixels",
    "shift_images",
]


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

def _images(x, name: str) -> np.ndarray:
    """A finite 4-D float array (N, C, H, W); float32 stays float32, anything else becomes float64."""
    x = as_array(x, name=name, ndim=4, dtype=None)
    if x.dtype.kind != "f":
        x = as_array(x, name=name, ndim=4)
    return x


def _pair(value, name: str, minimum: int = 1) -> tuple[int, int]:
    """An int or a pair of ints (height, width), each ≥ minimum."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (height, width); got {value!r}")
        return (positive_int(value[0], name=name, minimum=minimum),
                positive_int(value[1], name=name, minimum=minimum))
    v = positive_int(value, name=name, minimum=minimum)
    return v, v


def _geometry(shape, kh, kw, stride, padding, name="x"):
    """Output size (OH, OW) of a kh × kw window sliding over ``shape`` = (N, C, H, W); checks it fits."""
    H, W = shape[2] + 2 * padding, shape[3] + 2 * padding
    if kh > H or kw > W:
        raise ValueError(f"the {kh}×{kw} window does not fit in {name}'s {shape[2]}×{shape[3]} images "
                         f"with padding={padding}")
    return (H - kh) // stride + 1, (W - kw) // stride + 1


def output_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    """Output length ⌊(n + 2p − k)/s⌋ + 1 of a window of size k sliding with stride s over n + 2p pixels.

    Used in: week 5, notebooks/05-cnn.ipynb.
    """
    n = positive_int(n, name="n")
    k = positive_int(k, name="k")
    stride = positive_int(stride, name="stride")
    padding = positive_int(padding, name="padding", minimum=0)
    if k > n + 2 * padding:
        raise ValueError(f"a window of size k={k} does not fit in n + 2·padding = {n + 2 * padding} pixels")
    return (n + 2 * padding - k) // stride + 1


# --------------------------------------------------------------------------------------------
# im2col and its adjoint
# --------------------------------------------------------------------------------------------

def _pad(x, p):
    """Zero padding of p pixels on each side of every image."""
    if p == 0:
        return x
    out = np.zeros(x.shape[:2] + (x.shape[2] + 2 * p, x.shape[3] + 2 * p), dtype=x.dtype)
    out[:, :, p:-p, p:-p] = x
    return out


def _im2col(x, kh, kw, s, p):
    """im2col without validation: (C·kh·kw, N·OH·OW), rows ordered (c, u, v), columns (n, i, j)."""
    N, C = x.shape[:2]
    win = sliding_window_view(_pad(x, p), (kh, kw), axis=(2, 3))[:, :, ::s, ::s]   # (N, C, OH, OW, kh, kw)
    OH, OW = win.shape[2:4]
    return np.ascontiguousarray(win.transpose(1, 4, 5, 0, 2, 3)).reshape(C * kh * kw, N * OH * OW)


@functools.lru_cache(maxsize=8)
def _im2col_index(shape, kh, kw, s, p):
    """For each entry of im2col's matrix, the flat index of the padded pixel it was copied from.

    It depends only on the geometry, so it is computed once per shape (by running im2col on the pixel
    numbers themselves) and reused: a network sees the same few batch shapes over and over.
    """
    N, C, H, W = shape
    size = N * C * (H + 2 * p) * (W + 2 * p)
    pixels = np.arange(size, dtype=np.int32 if size < 2**31 else np.int64).reshape(N, C, H + 2 * p, W + 2 * p)
    index = _im2col(pixels, kh, kw, s, 0).ravel()
    index.flags.writeable = False
    return index


def _col2im_unchecked(cols, shape, kh, kw, s, p):
    """col2im without validation: add every entry back onto the padded pixel im2col took it from.

    Two equivalent ways, whichever is faster: one vectorised add per kernel tap (u, v) — kh·kw adds of
    N·C·OH·OW numbers each, quick when output rows are long — or, for tiny images, where those adds
    would run over rows of a few pixels, one ``np.add.at`` with the (cached) source index of every entry.
    """
    N, C, H, W = shape
    OH, OW = (H + 2 * p - kh) // s + 1, (W + 2 * p - kw) // s + 1
    if OW >= 12:
        cols = cols.reshape(C, kh, kw, N, OH, OW)
        dx = np.zeros((C, N, H + 2 * p, W + 2 * p), dtype=cols.dtype)
        for u in range(kh):
            for v in range(kw):
                dx[:, :, u:u + s * (OH - 1) + 1:s, v:v + s * (OW - 1) + 1:s] += cols[:, u, v]
        return dx[:, :, p:p + H, p:p + W].transpose(1, 0, 2, 3)
    dx = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=cols.dtype)
    np.add.at(dx.reshape(-1), _im2col_index(tuple(shape), kh, kw, s, p), cols.reshape(-1))
    return dx[:, :, p:p + H, p:p + W]


def im2col(x, kh: int, kw: int | None = None, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Unfold every kh × kw receptive field of ``x`` (N, C, H, W) into a column.

    Returns X_col of shape (C·kh·kw, N·OH·OW): row (c, u, v) — channel c, tap (u, v); column (n, i, j)
    — image n, output pixel (i, j). Then ``W.reshape(F, -1) @ X_col`` is the convolution (1).
    Built from ``sliding_window_view`` (a strided view) and one copy: no loop over pixels.

    Used in: week 5, notebooks/05-cnn.ipynb.
    """
    x = _images(x, "x")
    kh = positive_int(kh, name="kh")
    kw = kh if kw is None else positive_int(kw, name="kw")
    stride = positive_int(stride, name="stride")
    padding = positive_int(padding, name="padding", minimum=0)
    _geometry(x.shape, kh, kw, stride, padding)
    return _im2col(x, kh, kw, stride, padding)


def _col2im(cols, x_shape, kh: int, kw: int | None = None, stride: int = 1, padding: int = 0) -> np.ndarray:
    """The adjoint of :func:`im2col`: add each column back onto the pixels it came from.

    cols: (C·kh·kw, N·OH·OW); x_shape: (N, C, H, W). Satisfies ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ for all
    x and c, which makes it the backward pass of im2col. Padding pixels are dropped.

    Private: week 5's build-it exercise asks for the backward pass it is part of (notebooks/05-cnn.ipynb);
    tested in tests/test_conv.py.
    """
    x_shape = tuple(positive_int(int(d), name="x_shape") for d in np.ravel(x_shape))
    if len(x_shape) != 4:
        raise ValueError(f"x_shape must be (N, C, H, W); got {x_shape}")
    kh = positive_int(kh, name="kh")
    kw = kh if kw is None else positive_int(kw, name="kw")
    stride = positive_int(stride, name="stride")
    padding = positive_int(padding, name="padding", minimum=0)
    OH, OW = _geometry(x_shape, kh, kw, stride, padding, name="x_shape")
    N, C = x_shape[:2]
    cols = as_array(cols, name="cols", ndim=2, dtype=None)
    if cols.shape != (C * kh * kw, N * OH * OW):
        raise ValueError(f"cols must have shape (C·kh·kw, N·OH·OW) = {(C * kh * kw, N * OH * OW)} for "
                         f"x_shape={x_shape}; got {cols.shape}")
    if cols.dtype.kind != "f":
        cols = cols.astype(float)
    return _col2im_unchecked(cols, x_shape, kh, kw, stride, padding)


# --------------------------------------------------------------------------------------------
# Convolution: pure functions
# --------------------------------------------------------------------------------------------

def _conv_forward(x, W, b, s, p):
    F, C, kh, kw = W.shape
    N = x.shape[0]
    cols = _im2col(x, kh, kw, s, p)
    with one_blas_thread():
        y = W.reshape(F, -1) @ cols
    if b is not None:
        y += b[:, None]
    OH, OW = (x.shape[2] + 2 * p - kh) // s + 1, (x.shape[3] + 2 * p - kw) // s + 1
    return y.reshape(F, N, OH, OW).transpose(1, 0, 2, 3), cols


def _conv_backward(dy, cols, x_shape, W, s, p):
    F, C, kh, kw = W.shape
    dY = dy.transpose(1, 0, 2, 3).reshape(F, -1)                    # (F, N·OH·OW)
    with one_blas_thread():
        dW = (dY @ cols.T).reshape(W.shape)
        dcols = W.reshape(F, -1).T @ dY
    db = dY.sum(axis=1)
    dx = _col2im_unchecked(dcols, x_shape, kh, kw, s, p)
    return dx, dW, db


def _check_conv(x, W, b, stride, padding):
    x = _images(x, "x")
    W = _images(W, "W")
    if W.shape[1] != x.shape[1]:
        raise ValueError(f"W must have shape (F, C, kh, kw) with C = {x.shape[1]} (x's channels); got {W.shape}")
    if b is not None:
        b = as_array(b, name="b", ndim=1, dtype=None)
        if b.shape != (W.shape[0],):
            raise ValueError(f"b must have shape ({W.shape[0]},), one bias per filter; got {b.shape}")
    stride = positive_int(stride, name="stride")
    padding = positive_int(padding, name="padding", minimum=0)
    _geometry(x.shape, W.shape[2], W.shape[3], stride, padding)
    return x, W, b, stride, padding


def conv2d(x, W, b=None, stride: int = 1, padding: int = 0) -> np.ndarray:
    """2-D convolution (cross-correlation) of a batch, eq. (1), by im2col and one matrix product.

    x: (N, C, H, W); W: (F, C, kh, kw); b: (F,) or None. Returns y of shape (N, F, OH, OW).
    LeCun et al. (1998), section II; the im2col formulation is Chellapilla, Puri & Simard (2006).

    Used in: week 5, notebooks/05-cnn.ipynb.
    """
    x, W, b, stride, padding = _check_conv(x, W, b, stride, padding)
    return _conv_forward(x, W, b, stride, padding)[0]


def _conv2d_backward(dy, x, W, stride: int = 1, padding: int = 0):
    """Gradients (dx, dW, db) of a loss L given dy = ∂L/∂y for y = conv2d(x, W, b, stride, padding), eq. (2).

    dW = dY X_colᵀ, db = Σ dY over images and pixels, dx = col2im(W_rowᵀ dY).

    Private: week 5's build-it exercise asks for it (notebooks/05-cnn.ipynb); its check compares with this.
    """
    x, W, _, stride, padding = _check_conv(x, W, None, stride, padding)
    OH, OW = _geometry(x.shape, W.shape[2], W.shape[3], stride, padding)
    dy = _check_dy(dy, (x.shape[0], W.shape[0], OH, OW))
    cols = _im2col(x, W.shape[2], W.shape[3], stride, padding)
    return _conv_backward(dy, cols, x.shape, W, stride, padding)


# --------------------------------------------------------------------------------------------
# Pooling: pure functions. Each channel is pooled on its own: the output is a maximum (or mean) over
# the rows of the channel's im2col matrix, one row per tap (u, v) of the window. Row t is the strided
# view x[..., u::s, v::s], so a loop over the kh·kw taps does it without copying; no loop over pixels.
# --------------------------------------------------------------------------------------------

def _check_pool(x, size, stride):
    x = _images(x, "x")
    kh, kw = _pair(size, "size")
    if stride is None:
        if kh != kw:
            raise ValueError(f"give a stride for the non-square window size={(kh, kw)}")
        stride = kh
    s = positive_int(stride, name="stride")
    _geometry(x.shape, kh, kw, s, 0)
    return x, kh, kw, s


def _taps(x_shape, kh, kw, s):
    """The kh·kw taps of a pooling window: (t, index) with x[index] the strided view of tap t = u·kw + v
    at every output pixel — row t of the channel's im2col matrix, without copying it."""
    OH, OW = (x_shape[2] - kh) // s + 1, (x_shape[3] - kw) // s + 1
    for u in range(kh):
        for v in range(kw):
            yield u * kw + v, (Ellipsis, slice(u, u + s * (OH - 1) + 1, s), slice(v, v + s * (OW - 1) + 1, s))


def _max_pool(x, kh, kw, s):
    """Running maximum over the taps, remembering which tap won (the first, on ties)."""
    y = arg = None
    for t, view in _taps(x.shape, kh, kw, s):
        xt = x[view]
        if y is None:
            y, arg = xt.copy(), np.zeros(xt.shape, dtype=np.int16)
        else:
            better = xt > y
            np.copyto(y, xt, where=better)
            np.copyto(arg, t, where=better)
    return y, arg


def _max_pool_backward(dy, arg, x_shape, kh, kw, s):
    dx = np.zeros(x_shape, dtype=dy.dtype)
    for t, view in _taps(x_shape, kh, kw, s):
        dx[view] += np.where(arg == t, dy, 0.0)
    return dx


def _avg_pool(x, kh, kw, s):
    y = sum(x[view] for _, view in _taps(x.shape, kh, kw, s))
    return y / (kh * kw)


def _avg_pool_backward(dy, x_shape, kh, kw, s):
    dx = np.zeros(x_shape, dtype=dy.dtype)
    share = dy / (kh * kw)
    for _, view in _taps(x_shape, kh, kw, s):
        dx[view] += share
    return dx


def _check_dy(dy, shape):
    dy = _images(dy, "dy")
    if dy.shape != shape:
        raise ValueError(f"dy must have the shape of the output, {shape}; got {dy.shape}")
    return dy


def max_pool2d(x, size=2, stride=None) -> np.ndarray:
    """Max pooling: y[n, c, i, j] = max of channel c over the size × size window at (s·i, s·j).

    size: an int or (kh, kw); stride defaults to size (windows that tile the image). AlexNet
    (Krizhevsky et al. 2012, §3.4) uses overlapping 3 × 3 windows with stride 2.

    Used in: no notebook yet (week 5's module; tested in tests/test_conv.py).
    """
    x, kh, kw, s = _check_pool(x, size, stride)
    return _max_pool(x, kh, kw, s)[0]


def _max_pool2d_backward(dy, x, size=2, stride=None) -> np.ndarray:
    """∂L/∂x for max pooling: each output's gradient goes to the input that was the maximum of its
    window (the first one, on ties, as in PyTorch); where windows overlap, gradients add up.

    Private: an exercise of week 5 asks for it (notebooks/05-cnn.ipynb); its check compares with this.
    """
    x, kh, kw, s = _check_pool(x, size, stride)
    y, arg = _max_pool(x, kh, kw, s)
    return _max_pool_backward(_check_dy(dy, y.shape), arg, x.shape, kh, kw, s)


def avg_pool2d(x, size=2, stride=None) -> np.ndarray:
    """Average pooling: the mean of each window — LeNet-5's "subsampling" layers S2 and S4 (before their
    trainable coefficient and bias).

    Used in: no notebook yet (week 5's module; tested in tests/test_conv.py).
    """
    x, kh, kw, s = _check_pool(x, size, stride)
    return _avg_pool(x, kh, kw, s)


def avg_pool2d_backward(dy, x, size=2, stride=None) -> np.ndarray:
    """∂L/∂x for average pooling: each output's gradient is shared equally by the kh·kw inputs of its window.

    Used in: no notebook yet (week 5's module; tested in tests/test_conv.py).
    """
    x, kh, kw, s = _check_pool(x, size, stride)
    OH, OW = _geometry(x.shape, kh, kw, s, 0)
    return _avg_pool_backward(_check_dy(dy, x.shape[:2] + (OH, OW)), x.shape, kh, kw, s)


# --------------------------------------------------------------------------------------------
# Layers for coursekit.nn
# --------------------------------------------------------------------------------------------

def _check_input(layer, x, channels=None):
    x = np.asarray(x, dtype=float)
    if x.ndim != 4 or (channels is not None and x.shape[1] != channels):
        want = "(N, C, H, W)" if channels is None else f"(N, {channels}, H, W)"
        raise ValueError(f"{layer!r} expects x of shape {want}; got {x.shape}")
    return x


class Conv2D(nn.Layer):
    """A convolutional layer, eq. (1): ``Conv2D(c_in, c_out, kernel_size, rng=rng, padding=1)``.

    params: W (c_out, c_in, kh, kw) and b (c_out,). init "he": W ~ N(0, 2/fan_in) with
    fan_in = c_in·kh·kw (for ReLU); "xavier": W ~ U(±√(6/(fan_in + fan_out))), fan_out = c_out·kh·kw;
    b = 0. Forward caches X_col for the backward pass (2).

    Used in: week 5, notebooks/05-cnn.ipynb.
    """

    @validate(rng=Rng(), init=OneOf("he", "xavier"))
    def __init__(self, c_in: int, c_out: int, kernel_size=3, *, rng, stride: int = 1, padding: int = 0,
                 init: str = "he"):
        self.c_in = positive_int(c_in, name="c_in")
        self.c_out = positive_int(c_out, name="c_out")
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = positive_int(stride, name="stride")
        self.padding = positive_int(padding, name="padding", minimum=0)
        kh, kw = self.kernel_size
        W, b = nn._initial_weights(rng, init, (c_out, c_in, kh, kw), (c_out,), fan_in=c_in * kh * kw,
                                   fan_out=c_out * kh * kw, scale=0.0)
        self.params = {"W": W, "b": b}
        self._cache = None

    def forward(self, x, train: bool = True):
        x = _check_input(self, x, self.c_in)
        _geometry(x.shape, *self.kernel_size, self.stride, self.padding)
        y, cols = _conv_forward(x, self.params["W"], self.params["b"], self.stride, self.padding)
        self._cache = (cols, x.shape) if train else None
        return y

    def backward(self, dy):
        if self._cache is None:
            raise RuntimeError("call forward(x, train=True) before backward")
        cols, shape = self._cache
        dx, dW, db = _conv_backward(np.asarray(dy, dtype=float), cols, shape, self.params["W"],
                                    self.stride, self.padding)
        g = self.grads
        g["W"][...] = dW
        g["b"][...] = db
        return dx

    def __repr__(self):
        kh, kw = self.kernel_size
        extra = (f", stride={self.stride}" if self.stride != 1 else "") + \
                (f", padding={self.padding}" if self.padding else "")
        return f"Conv2D({self.c_in}, {self.c_out}, {kh if kh == kw else (kh, kw)}{extra})"


class _Pool(nn.Layer):
    def __init__(self, size=2, stride=None):
        self.size = _pair(size, "size")
        if stride is None and self.size[0] != self.size[1]:
            raise ValueError(f"give a stride for the non-square window size={self.size}")
        self.stride = self.size[0] if stride is None else positive_int(stride, name="stride")
        self._cache = None

    def _input(self, x):
        x = _check_input(self, x)
        _geometry(x.shape, *self.size, self.stride, 0)
        return x

    def __repr__(self):
        kh, kw = self.size
        size = kh if kh == kw else self.size
        extra = "" if self.stride == kh == kw else f", stride={self.stride}"
        return f"{type(self).__name__}({size}{extra})"


class MaxPool2D(_Pool):
    """Max pooling over size × size windows (stride defaults to size); no parameters.

    Used in: week 5, notebooks/05-cnn.ipynb.
    """

    def forward(self, x, train: bool = True):
        x = self._input(x)
        y, arg = _max_pool(x, *self.size, self.stride)
        self._cache = (arg, x.shape) if train else None
        return y

    def backward(self, dy):
        if self._cache is None:
            raise RuntimeError("call forward(x, train=True) before backward")
        arg, shape = self._cache
        return _max_pool_backward(np.asarray(dy, dtype=float), arg, shape, *self.size, self.stride)


class AvgPool2D(_Pool):
    """Average pooling (LeNet-5's subsampling) over size × size windows; no parameters.

    Used in: week 5, notebooks/05-cnn.ipynb.
    """

    def forward(self, x, train: bool = True):
        x = self._input(x)
        self._cache = x.shape if train else None
        return _avg_pool(x, *self.size, self.stride)

    def backward(self, dy):
        if self._cache is None:
            raise RuntimeError("call forward(x, train=True) before backward")
        return _avg_pool_backward(np.asarray(dy, dtype=float), self._cache, *self.size, self.stride)


# --------------------------------------------------------------------------------------------
# A small CNN and tools to look inside it
# --------------------------------------------------------------------------------------------

@validate(rng=Rng())
def small_cnn(*, rng, channels=(16, 32), image_size: int = 8, n_classes: int = 10, kernel_size: int = 3,
              in_channels: int = 1) -> nn.Sequential:
    """A LeNet-style network for small images (padding keeps the size, each pooling halves it):

    [Conv2D(in, c₁, k) → ReLU → MaxPool2D(2)] → [Conv2D(c₁, c₂, k) → ReLU → MaxPool2D(2)] → Flatten
    → Dense(c₂·(size/4)², n_classes). The loss (softmax cross-entropy) supplies the output nonlinearity.

    Used in: week 5, notebooks/05-cnn.ipynb.
    """
    channels = [positive_int(c, name="channels[i]") for c in channels]
    image_size = positive_int(image_size, name="image_size")
    n_classes = positive_int(n_classes, name="n_classes")
    k = positive_int(kernel_size, name="kernel_size")
    if k % 2 == 0:
        raise ValueError(f"kernel_size must be odd so that padding (k − 1)/2 keeps the size; got {k}")
    side = image_size
    for _ in channels:
        if side < 2:
            raise ValueError(f"image_size={image_size} is too small for {len(channels)} conv + pool stages")
        side //= 2
    layers: list[nn.Layer] = []
    c_prev = positive_int(in_channels, name="in_channels")
    for c in channels:
        layers += [Conv2D(c_prev, c, k, rng=rng, padding=k // 2), nn.ReLU(), MaxPool2D(2)]
        c_prev = c
    layers += [nn.Flatten(), nn.Dense(c_prev * side * side, n_classes, rng=rng)]
    return nn.Sequential(layers)


def feature_maps(model: nn.Sequential, x) -> list[tuple[str, np.ndarray]]:
    """The output of every layer of ``model`` for input ``x``, as [(repr(layer), output), ...] (train=False).

    Used in: week 5, notebooks/05-cnn.ipynb.
    """
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"model must be a coursekit.nn.Sequential; got {type(model).__name__}")
    out = []
    a = np.asarray(x, dtype=float)
    for layer in model.layers:
        a = layer.forward(a, train=False)
        out.append((repr(layer), a))
    return out


def _windows(layers, name="receptive_field"):
    """(kernel, stride, padding) of every layer with a window, bottom up; layers without one are skipped."""
    for layer in list(layers):
        if isinstance(layer, Conv2D):
            yield layer.kernel_size[0], layer.stride, layer.padding
        elif isinstance(layer, _Pool):
            yield layer.size[0], layer.stride, 0
        elif isinstance(layer, (nn.Flatten, nn.Dense)):
            raise ValueError(f"{name} is defined up to the last convolution or pooling layer, not through {layer!r}")


def receptive_field(layers) -> int:
    """Side length, in input pixels, of the region that one output unit of ``layers`` depends on.

    Going up a layer of kernel k and stride s: r ← r + (k − 1)·j, j ← j·s, from r = j = 1 (j is the
    spacing, in input pixels, of neighbouring units). Layers without a window (ReLU, …) change nothing.
    The image border is ignored: see :func:`visible_pixels` for what a unit near it actually sees.

    Used in: week 5, notebooks/05-cnn.ipynb.
    """
    r, j = 1, 1
    for k, s, _ in _windows(layers):
        r += (k - 1) * j
        j *= s
    return r


def visible_pixels(layers, image_size: int) -> np.ndarray:
    """How many real pixels of an ``image_size``-wide image each output unit of ``layers`` sees, along one axis.

    :func:`receptive_field` counts pixels of an unbounded image; near the border part of a unit's field
    lies in the zero padding, which holds no pixel. Going down one layer of kernel k, stride s and padding
    p, the outputs lo…hi depend on the inputs s·lo − p … s·hi − p + k − 1, clipped to the input's size.
    Returns an integer array with one entry per output position (the same along both axes for square
    windows on square images).

    Used in: week 5, notebooks/05-cnn.ipynb.
    """
    n = positive_int(image_size, name="image_size")
    windows = list(_windows(layers, "visible_pixels"))
    sizes = [n]
    for k, s, p in windows:
        if k > sizes[-1] + 2 * p:
            raise ValueError(f"a window of {k} does not fit in {sizes[-1]} pixels with padding {p}: "
                             f"image_size={image_size} is too small for these layers")
        sizes.append((sizes[-1] + 2 * p - k) // s + 1)
    lo = hi = np.arange(sizes[-1])
    for (k, s, p), n_in in zip(reversed(windows), reversed(sizes[:-1])):
        lo, hi = np.maximum(s * lo - p, 0), np.minimum(s * hi - p + k - 1, n_in - 1)
    return hi - lo + 1


def shift_images(x, dy: int = 0, dx: int = 0) -> np.ndarray:
    """Translate a batch (N, C, H, W) by dy pixels down and dx pixels right, filling with zeros.

    Used in: week 5, notebooks/05-cnn.ipynb.
    """
    x = _images(x, "x")
    dy, dx = int(dy), int(dx)
    H, W = x.shape[2:]
    out = np.zeros_like(x)
    if abs(dy) >= H or abs(dx) >= W:
        return out
    out[:, :, max(dy, 0):H + min(dy, 0), max(dx, 0):W + min(dx, 0)] = \
        x[:, :, max(-dy, 0):H + min(-dy, 0), max(-dx, 0):W + min(-dx, 0)]
    return out
