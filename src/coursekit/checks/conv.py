"""Checks for week 5's exercises (``notebooks/05-cnn.ipynb``).

Batches and filter banks are drawn with N, F ≥ 2 and images with H ≠ W, so that an axis left in the
wrong place or a transposed image never has the right values by accident; kernels are at least 2 wide
wherever windows must overlap.
"""

import numpy as np

from .. import conv
from ..grading import Problem, close, function_check, register

# ---- Exercise 1: output size -------------------------------------------------------------------------


def _sizes(rng):
    """(n, k, stride, padding) with the window fitting: the LeNet/AlexNet cases and random ones."""
    cases = [(32, 5, 1, 0), (227, 11, 4, 0), (8, 3, 1, 1), (7, 3, 2, 1), (28, 2, 2, 0)]
    for _ in range(8):
        k = int(rng.integers(1, 8))
        p = int(rng.integers(0, 3))
        n = int(rng.integers(max(1, k - 2 * p), 40))
        cases.append((n, k, int(rng.integers(2, 5)), p))
    return cases


function_check(
    "conv.output_size",
    reference=lambda n, k, stride, padding: conv.output_size(n, k, stride, padding),
    calls=_sizes,
    what="the output size", rtol=0, atol=0,
    hint="Count the window positions in the padded row of n + 2p pixels: ⌊(n + 2p − k)/s⌋ + 1.",
    diagnoses=[
        (lambda n, k, s, p: (n + 2 * p - k) // s,
         "Count the first position too: ⌊(n + 2p − k)/s⌋ positions after it, plus 1."),
        (lambda n, k, s, p: (n + 2 * p - k) / s + 1,
         "Round down: a window that would stick out of the padded row does not count (⌊·⌋, // in Python)."),
        (lambda n, k, s, p: -(-(n + 2 * p - k) // s) + 1,
         "Round down, not up: a window that would stick out of the padded row does not count."),
        (lambda n, k, s, p: (n + p - k) // s + 1, "Padding adds p pixels at each end of the row: n + 2p."),
        (lambda n, k, s, p: (n - k) // s + 1, "The padding is missing: the padded row has n + 2p pixels."),
    ],
    doc="Output length of a window of size k, stride s, padding p over n pixels.",
)


# ---- Exercise 2: the forward pass by im2col ----------------------------------------------------------

def _conv_problem(rng):
    calls = []
    for p in (0, 1):
        N, C, F = int(rng.integers(2, 4)), int(rng.integers(1, 4)), int(rng.integers(2, 5))
        k = int(rng.integers(2, 4))
        H = int(rng.integers(k + 1, 9))
        W = int(rng.choice([w for w in range(k + 1, 9) if w != H]))
        calls.append((rng.normal(size=(N, C, H, W)), rng.normal(size=(F, C, k, k)), rng.normal(size=F), p))
    return calls


def _conv2d(x, W, b, padding):
    return conv.conv2d(x, W, b, padding=padding)


def _conv2d_axes_left(x, W, b, padding):
    """The product W_row X_col reshaped straight to (N, F, OH, OW): the filter axis is never moved."""
    y = _conv2d(x, W, b, padding)
    return y.transpose(1, 0, 2, 3).reshape(y.shape)


function_check(
    "conv.conv2d",
    reference=_conv2d,
    calls=_conv_problem,
    what="conv2d(x, W, b, padding)", rtol=1e-8, atol=1e-10,
    hint="Multiply W.reshape(F, -1) by the im2col matrix, add b[:, None], then reshape to (F, N, OH, OW) and "
         "move the filter axis second.",
    diagnoses=[
        (_conv2d_axes_left,
         "The columns of W_row X_col run over (image, row, column) for each filter: reshape to (F, N, OH, OW) and "
         "then move the filter axis second, .transpose(1, 0, 2, 3); reshaping straight to (N, F, OH, OW) mixes "
         "images and filters."),
        (lambda x, W, b, p: _conv2d(x, W, 0 * b, p), "The bias b is missing: add b[f] to every output of filter f."),
        (lambda x, W, b, p: _conv2d(x, W[:, :, ::-1, ::-1], b, p),
         "The filter is flipped: like every library, compute the cross-correlation of eq. (1), W[f, c, u, v] times "
         "x[n, c, i + u, j + v], without flipping."),
    ],
    doc="Convolution forward pass via im2col and one matrix product.",
)


# ---- Exercise 3 (build it): the backward pass, col2im ------------------------------------------------

def _backward_problem(rng):
    """Two fresh problems (padding 0 and a padding of 1 or 2), N, F ≥ 2, kernels 2–3 wide (windows overlap)."""
    calls = []
    for p in (0, int(rng.integers(1, 3))):
        N, C, F = int(rng.integers(2, 4)), int(rng.integers(1, 4)), int(rng.integers(2, 5))
        k = int(rng.integers(2, 4))
        H = int(rng.integers(max(k + 1, 3), 9))
        Wd = int(rng.choice([w for w in range(max(k + 1, 3), 9) if w != H]))
        OH, OW = H + 2 * p - k + 1, Wd + 2 * p - k + 1
        calls.append({"dy": rng.normal(size=(N, F, OH, OW)), "x": rng.normal(size=(N, C, H, Wd)),
                      "W": rng.normal(size=(F, C, k, k)), "padding": p})
    return {"calls": calls}


def _backward(dy, x, W, padding, *, accumulate=True, crop=True, move_filter_axis=True, sum_images=True):
    """Eq. (2), with switches for the typical mistakes."""
    F, C, k, _ = W.shape
    N, _, H, Wd = x.shape
    p = padding
    cols = conv.im2col(x, k, padding=p)
    dY = dy.transpose(1, 0, 2, 3).reshape(F, -1) if move_filter_axis else dy.reshape(F, -1)
    dW = (dY @ cols.T).reshape(W.shape)
    db = dY.sum(axis=1) if sum_images else dy.sum(axis=(2, 3))
    dcols = (W.reshape(F, -1).T @ dY).reshape(C, k, k, N, dy.shape[2], dy.shape[3])
    dx = np.zeros((N, C, H + 2 * p, Wd + 2 * p))
    for u in range(k):
        for v in range(k):
            patch = dcols[:, u, v].transpose(1, 0, 2, 3)
            if accumulate:
                dx[:, :, u:u + dy.shape[2], v:v + dy.shape[3]] += patch
            else:
                dx[:, :, u:u + dy.shape[2], v:v + dy.shape[3]] = patch
    return (dx[:, :, p:p + H, p:p + Wd] if crop else dx), dW, db


_BACKWARD_MISTAKES = [
    ({"accumulate": False}, "∂L/∂x", "A pixel covered by several windows must collect the sum of their gradients: "
                                     "col2im adds (+= or np.add.at); assigning keeps only the last window's."),
    ({"crop": False}, "∂L/∂x", "∂L/∂x has the shape of x: crop the padding, dx[:, :, p:p + H, p:p + W]."),
    ({"move_filter_axis": False}, "∂L/∂W", "dy is (N, F, OH, OW): move the filter axis first, "
                                           "dy.transpose(1, 0, 2, 3), before reshaping it to (F, N·OH·OW)."),
    ({"sum_images": False}, "∂L/∂b", "∂L/∂b sums dy over the images as well as over the pixels: one number per filter."),
]


def _ask_backward(f, x):
    return [f(c["dy"].copy(), c["x"].copy(), c["W"].copy(), c["padding"]) for c in x["calls"]]


def _matches(got, ref):
    return all(close(g, r, what="", rtol=1e-7, atol=1e-9) is None for g, r in zip(got, ref))


def _judge_backward(got, x):
    if not (isinstance(got, list) and len(got) == len(x["calls"])):
        return Problem("The answer did not come back as one result per call.")
    for result, c in zip(got, x["calls"]):
        if not (isinstance(result, list) and len(result) == 3):
            return Problem("conv2d_backward should return the three gradients (dx, dW, db).")
        ref = conv._conv2d_backward(c["dy"], c["x"], c["W"], padding=c["padding"])
        if _matches(result, ref):
            continue
        for options, which, sentence in _BACKWARD_MISTAKES:
            wrong = _backward(c["dy"], c["x"], c["W"], c["padding"], **options)
            if _matches(result, wrong):
                return Problem(sentence)
        shape = f"x {c['x'].shape}, W {c['W'].shape}, padding {c['padding']}"
        for name, g, r, hint in [
                ("∂L/∂b", result[2], ref[2], "db[f] = Σ over images and output pixels of dy[n, f, i, j]."),
                ("∂L/∂W", result[1], ref[1], "dW_row = dY X_colᵀ with dY = dy.transpose(1, 0, 2, 3).reshape(F, -1), "
                                            "reshaped to W's shape (F, C, k, k)."),
                ("∂L/∂x", result[0], ref[0], "dX_col = W_rowᵀ dY; col2im adds row (c, u, v), column (n, i, j) of it "
                                            "onto padded pixel (n, c, i + u, j + v); then crop the padding.")]:
            problem = close(g, r, what=name, rtol=1e-7, atol=1e-9, hint=hint, inputs_label=shape)
            if problem:
                return problem
    return None


register(
    "conv.conv2d_backward",
    inputs=_backward_problem,
    ask=_ask_backward,
    judge=_judge_backward,
    doc="Build it: the backward pass of a stride-1 convolution, (dx, dW, db) from dy, with col2im written by "
        "the student; judged against the reference gradients on fresh shapes with N, F ≥ 2.",
)


# ---- Exercise 4: max pooling backward ----------------------------------------------------------------

def _pool_problem(rng):
    N, C = int(rng.integers(2, 4)), int(rng.integers(1, 4))
    H, W = 2 * int(rng.integers(1, 5)), 2 * int(rng.integers(1, 5))
    x = rng.permutation(N * C * H * W).reshape(N, C, H, W) / (N * C * H * W)   # distinct: no ties
    return [(rng.normal(size=(N, C, H // 2, W // 2)), x)]


def _share_equally(dy, x):
    return conv.avg_pool2d_backward(dy, x, 2)


function_check(
    "conv.max_pool_backward",
    reference=lambda dy, x: conv._max_pool2d_backward(dy, x, 2),
    calls=_pool_problem,
    what="∂L/∂x of 2×2 max pooling", rtol=1e-10, atol=1e-12,
    hint="Each window's gradient goes only to the position of its maximum; the other three inputs of the "
         "window get 0.",
    diagnoses=[
        (_share_equally, "That shares each gradient equally over the window (average pooling's backward pass); max "
                         "pooling sends it all to the window's maximum."),
        (lambda dy, x: 4 * _share_equally(dy, x),
         "Every input of the window gets the gradient: only the window's maximum should."),
        (lambda dy, x: -conv._max_pool2d_backward(-dy, -x, 2),
         "The gradient goes to the window's minimum: it should go to the maximum."),
    ],
    doc="Backward pass of 2×2 max pooling with stride 2.",
)


# ---- Exercise 5: receptive fields ----------------------------------------------------------------------

def _receptive(layers):
    r, j = 1, 1
    for k, s in layers:
        r += (k - 1) * j
        j *= s
    return r


def _stacks(rng):
    stacks = []
    for _ in range(4):
        n = int(rng.integers(3, 6))
        stacks.append(([(int(rng.integers(2, 6)), int(rng.integers(1, 4))) for _ in range(n)],))
    stacks.append(([(3, 1), (2, 2), (3, 1)],))            # the chapter's own network, up to its second convolution
    return stacks


def _receptive_stride_first(layers):
    r, j = 1, 1
    for k, s in layers:
        j *= s
        r += (k - 1) * j
    return r


function_check(
    "conv.receptive_field",
    reference=_receptive,
    calls=_stacks,
    what="the receptive field", rtol=0, atol=0,
    hint="Go up one layer at a time: r ← r + (k − 1)·j, and a layer of stride s multiplies the spacing j of "
         "neighbouring units, in input pixels, by s.",
    diagnoses=[
        (lambda layers: 1 + sum(k - 1 for k, s in layers),
         "The strides are ignored: after a layer of stride s, neighbouring units are s times further apart in the "
         "input, so every later window reaches (k − 1)·j pixels, j the product of the strides below."),
        (_receptive_stride_first,
         "A layer's own stride does not widen its own window: add (k − 1)·j with the spacing j of its input, then "
         "multiply j by s."),
        (lambda layers: sum(k for k, s in layers),
         "Windows overlap: stacking a k-wide window on a k'-wide one covers k + k' − 1 pixels (for stride 1), "
         "not k + k'."),
    ],
    doc="Side of the receptive field, in input pixels, of a stack of layers given as (kernel, stride) pairs.",
)
