"""Checks for week 5's exercises (``notebooks/05-cnn.ipynb``)."""

import numpy as np

from .. import conv
from ..grading import close, number, register


def _sizes(rng):
    """Random (n, k, stride, padding) with the window fitting, plus the classic LeNet/AlexNet cases."""
    cases = [(32, 5, 1, 0), (227, 11, 4, 0), (8, 3, 1, 1), (7, 3, 2, 1), (28, 2, 2, 0)]
    for _ in range(8):
        k = int(rng.integers(1, 8))
        p = int(rng.integers(0, 3))
        n = int(rng.integers(max(1, k - 2 * p), 40))
        cases.append((n, k, int(rng.integers(1, 5)), p))
    return {"cases": cases}


def _output_sizes_judge(got, x):
    expected = [conv.output_size(*c) for c in x["cases"]]
    got = np.asarray(got)
    if got.shape == (len(expected),):
        for (n, k, s, p), g, e in zip(x["cases"], got, expected):
            if g != e:
                return (f"For n={n}, k={k}, stride={s}, padding={p} the output length is {e}, not {g:g}; "
                        "count the window positions in the padded row of n + 2p pixels: ⌊(n + 2p − k)/s⌋ + 1.")
    return close(got, expected, what="the output sizes")


register(
    "conv.output_size",
    inputs=_sizes,
    ask=lambda f, x: [f(*c) for c in x["cases"]],
    judge=_output_sizes_judge,
    doc="Output length of a window of size k, stride s, padding p over n pixels.",
)


def _conv_problem(rng):
    N, C, F = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 5))
    k, p = int(rng.integers(1, 4)), int(rng.integers(0, 2))
    H, W = int(rng.integers(k, 9)), int(rng.integers(k, 9))
    return {"x": rng.normal(size=(N, C, H, W)), "W": rng.normal(size=(F, C, k, k)), "b": rng.normal(size=F),
            "padding": p}


register(
    "conv.conv2d",
    inputs=_conv_problem,
    ask=lambda f, x: f(x["x"], x["W"], x["b"], x["padding"]),
    judge=lambda got, x: close(got, conv.conv2d(x["x"], x["W"], x["b"], padding=x["padding"]),
                               what="conv2d(x, W, b, padding)", rtol=1e-8, atol=1e-10,
                               hint="Multiply W.reshape(F, -1) by the im2col matrix, add b[:, None], then "
                                    "reshape to (F, N, OH, OW) and move the filter axis second."),
    doc="Convolution forward pass via im2col and one matrix product.",
)


def _pool_problem(rng):
    N, C = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    H, W = 2 * int(rng.integers(1, 5)), 2 * int(rng.integers(1, 5))
    x = rng.permutation(N * C * H * W).reshape(N, C, H, W) / (N * C * H * W)   # distinct: no ties
    return {"x": x, "dy": rng.normal(size=(N, C, H // 2, W // 2))}


register(
    "conv.max_pool_backward",
    inputs=_pool_problem,
    ask=lambda f, x: f(x["dy"], x["x"]),
    judge=lambda got, x: close(got, conv.max_pool2d_backward(x["dy"], x["x"], 2),
                               what="∂L/∂x of 2×2 max pooling", rtol=1e-10, atol=1e-12,
                               hint="Each window's gradient goes only to the position of its maximum; the "
                                    "other three inputs of the window get 0."),
    doc="Backward pass of 2×2 max pooling with stride 2.",
)


def _receptive_field():
    """Up to the second convolution of the chapter's CNN: Conv2D(3) → ReLU → MaxPool2D(2) → Conv2D(3)."""
    net = conv.small_cnn(rng=np.random.default_rng(0))
    return conv.receptive_field(net.layers[:4])


def _receptive_judge(got, x):
    value = number(got, what="the receptive field")
    if not isinstance(value, float):
        return value
    r = _receptive_field()
    if value == r:
        return None
    if value == 5:
        return "5 pixels would be two 3×3 convolutions in a row; the pooling in between doubles the step of the second."
    return (f"A unit of the second convolution sees a different number of input pixels per side (you said {value:g}); "
            "go up one layer at a time: r ← r + (k − 1)·j, and the pooling doubles the spacing j.")


register(
    "conv.receptive_field",
    ask=lambda r, x: r,
    judge=_receptive_judge,
    doc="Side of the receptive field of a unit of the CNN's second convolution, in input pixels.",
)
