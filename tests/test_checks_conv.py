"""Week 5's checks, each fed the stub, the reference, another valid form and typical mistakes."""

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import convolve2d, correlate2d

import checkcases
from checkcases import Cases, Mistake
from coursekit import conv
from coursekit.checks import conv as conv_checks


# ---- output size -------------------------------------------------------------------------------------

def output_size(n, k, stride, padding):
    return (n + 2 * padding - k) // stride + 1


def output_size_by_counting(n, k, stride, padding):
    """Another valid form: count the window positions."""
    return len(range(0, n + 2 * padding - k + 1, stride))


# ---- the forward pass --------------------------------------------------------------------------------

def conv2d(x, W, b, padding):
    """The notebook's solution."""
    N, C, H, Wd = x.shape
    F, _, k, _ = W.shape
    OH, OW = H + 2 * padding - k + 1, Wd + 2 * padding - k + 1
    Y = W.reshape(F, -1) @ conv.im2col(x, k, padding=padding) + b[:, None]
    return Y.reshape(F, N, OH, OW).transpose(1, 0, 2, 3)


def conv2d_einsum(x, W, b, padding):
    """Another valid form: the windows as a strided view and one einsum."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    win = sliding_window_view(xp, W.shape[2:], axis=(2, 3))          # (N, C, OH, OW, k, k)
    return np.einsum("ncijuv,fcuv->nfij", win, W) + b[None, :, None, None]


# ---- build it: the backward pass ---------------------------------------------------------------------

def conv2d_backward(dy, x, W, padding):
    """The notebook's solution."""
    F, C, k, _ = W.shape
    N, _, H, Wd = x.shape
    OH, OW = dy.shape[2:]
    X_col = conv.im2col(x, k, padding=padding)
    dY = dy.transpose(1, 0, 2, 3).reshape(F, -1)
    dW = (dY @ X_col.T).reshape(W.shape)
    db = dY.sum(axis=1)
    dX_col = (W.reshape(F, -1).T @ dY).reshape(C, k, k, N, OH, OW)
    dx = np.zeros((N, C, H + 2 * padding, Wd + 2 * padding))
    for u in range(k):
        for v in range(k):
            dx[:, :, u:u + OH, v:v + OW] += dX_col[:, u, v].transpose(1, 0, 2, 3)
    return dx[:, :, padding:padding + H, padding:padding + Wd], dW, db


def conv2d_backward_by_full_convolution(dy, x, W, padding):
    """Another valid form: dx is the full convolution of dy with the filters, dW the correlation of the padded
    input with dy (scipy, image by image), returned as a list."""
    N, C, H, Wd = x.shape
    F = W.shape[0]
    p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dx = np.array([[sum(convolve2d(dy[n, f], W[f, c], mode="full") for f in range(F)) for c in range(C)]
                   for n in range(N)])[:, :, p:p + H, p:p + Wd]
    dW = np.array([[sum(correlate2d(xp[n, c], dy[n, f], mode="valid") for n in range(N)) for c in range(C)]
                   for f in range(F)])
    return [dx, dW, dy.sum(axis=(0, 2, 3))]


def _variant(**options):
    return lambda dy, x, W, p: conv_checks._backward(dy, x, W, p, **options)


# ---- max pooling backward ----------------------------------------------------------------------------

def max_pool_backward(dy, x):
    N, C, H, W = x.shape
    windows = x.reshape(N, C, H // 2, 2, W // 2, 2)
    is_max = windows == windows.max(axis=(3, 5), keepdims=True)
    return (is_max * dy[:, :, :, None, :, None]).reshape(N, C, H, W)


def max_pool_backward_loops(dy, x):
    """Another valid form: a loop over the windows with argmax."""
    dx = np.zeros_like(x)
    N, C, H, W = x.shape
    for n in range(N):
        for c in range(C):
            for i in range(H // 2):
                for j in range(W // 2):
                    u, v = np.unravel_index(np.argmax(x[n, c, 2 * i:2 * i + 2, 2 * j:2 * j + 2]), (2, 2))
                    dx[n, c, 2 * i + u, 2 * j + v] = dy[n, c, i, j]
    return dx


# ---- receptive fields --------------------------------------------------------------------------------

def receptive_field(layers):
    r, j = 1, 1
    for k, s in layers:
        r += (k - 1) * j
        j *= s
    return r


def receptive_field_from_the_top(layers):
    """Another valid form: from one unit at the top down, a window of r units below covers s(r − 1) + k."""
    r = 1
    for k, s in reversed(layers):
        r = s * (r - 1) + k
    return float(r)


CASES = {
    "conv.output_size": Cases(
        reference=output_size,
        valid=[output_size_by_counting, lambda n, k, s, p: math.floor((n + 2 * p - k) / s) + 1.0],
        mistakes=[Mistake(lambda n, k, s, p: (n + 2 * p - k) // s, says="first position"),
                  Mistake(lambda n, k, s, p: (n + 2 * p - k) / s + 1, says="Round down"),
                  Mistake(lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1, says="not up"),
                  Mistake(lambda n, k, s, p: (n + p - k) // s + 1, says="n + 2p"),
                  Mistake(lambda n, k, s, p: (n - k) // s + 1, says="padding is missing")],
    ),
    "conv.conv2d": Cases(
        reference=conv2d,
        valid=[conv2d_einsum],
        mistakes=[Mistake(conv_checks._conv2d_axes_left, says="move the filter axis"),
                  Mistake(lambda x, W, b, p: conv2d(x, W, 0 * b, p), says="bias"),
                  Mistake(lambda x, W, b, p: conv2d(x, W[:, :, ::-1, ::-1], b, p), says="flipped"),
                  Mistake(lambda x, W, b, p: conv2d(x, W, b, 0), says="wrong shape")],
    ),
    "conv.conv2d_backward": Cases(
        reference=conv2d_backward,
        valid=[conv2d_backward_by_full_convolution],
        mistakes=[Mistake(_variant(accumulate=False), says="collect the sum"),
                  Mistake(_variant(crop=False), says="crop the padding"),
                  Mistake(_variant(move_filter_axis=False), says="move the filter axis first"),
                  Mistake(_variant(sum_images=False), says="over the images"),
                  Mistake(lambda dy, x, W, p: (lambda dx, dW, db: (dW, dx, db))(*conv2d_backward(dy, x, W, p)), says="∂L/∂W"),
                  Mistake(lambda dy, x, W, p: conv2d_backward(dy, x, W, p)[:2], says="(dx, dW, db)")],
    ),
    "conv.max_pool_backward": Cases(
        reference=max_pool_backward,
        valid=[max_pool_backward_loops],
        mistakes=[Mistake(conv_checks._share_equally, says="average pooling"),
                  Mistake(lambda dy, x: 4 * conv_checks._share_equally(dy, x), says="Every input"),
                  Mistake(lambda dy, x: -conv._max_pool2d_backward(-dy, -x, 2), says="minimum")],
    ),
    "conv.receptive_field": Cases(
        reference=receptive_field,
        valid=[receptive_field_from_the_top],
        mistakes=[Mistake(lambda layers: 1 + sum(k - 1 for k, s in layers), says="strides are ignored"),
                  Mistake(conv_checks._receptive_stride_first, says="own stride"),
                  Mistake(lambda layers: sum(k for k, s in layers), says="Windows overlap")],
    ),
}

test_case = checkcases.tests(CASES)
