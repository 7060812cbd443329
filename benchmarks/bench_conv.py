"""Week 5: conv2d forward + backward (im2col, NumPy) against PyTorch's CPU convolution, same shapes.

Both sides compute y = conv2d(x, W, b) and, from a fixed upstream gradient dy, the three gradients
(dx, dW, db); both run on one thread (coursekit's convolution always uses one BLAS thread, and
PyTorch is set to one intra-op thread for the timed calls), in float32, PyTorch's default dtype.
The first two shapes are the two convolutions of the chapter's CNN on the 8×8 digits (a batch of
32); the third is a CIFAR-sized layer, where PyTorch's direct (oneDNN) kernels have more to gain.
"""

import numpy as np
import torch

from coursekit import conv
from harness import Case

SHAPES = [  # (name, N, C, H, F, k, padding)
    ("conv1 of the digits CNN: 32×1×8×8, 16 filters 3×3, pad 1", 32, 1, 8, 16, 3, 1),
    ("conv2 of the digits CNN: 32×16×4×4, 32 filters 3×3, pad 1", 32, 16, 4, 32, 3, 1),
    ("CIFAR-sized: 32×16×32×32, 32 filters 3×3, pad 1", 32, 16, 32, 32, 3, 1),
]


def _ours(x, W, b, dy, p):
    def run():
        y = conv.conv2d(x, W, b, padding=p)
        dx, dW, db = conv._conv2d_backward(dy, x, W, padding=p)
        return y, dx, dW, db
    return run


def _torch(x, W, b, dy, p):
    xt, Wt, bt = (torch.from_numpy(a.copy()).requires_grad_() for a in (x, W, b))
    dyt = torch.from_numpy(dy)

    def run():
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            for t in (xt, Wt, bt):
                t.grad = None
            y = torch.nn.functional.conv2d(xt, Wt, bt, padding=p)
            y.backward(dyt)
            return tuple(a.detach().numpy() for a in (y, xt.grad, Wt.grad, bt.grad))
        finally:
            torch.set_num_threads(threads)
    return run


def _compare(ours, ref):
    # float32: relative differences of ~1e-6 of the largest entry are rounding, not a bug
    rel = max(float(np.max(np.abs(a - r)) / np.max(np.abs(r))) for a, r in zip(ours, ref))
    return f"largest difference over y, dx, dW, db = {rel:.1e} of the largest entry (float32)"


def cases():
    rng = np.random.default_rng(5)
    out = []
    for name, N, C, H, F, k, p in SHAPES:
        x = rng.normal(size=(N, C, H, H)).astype(np.float32)
        W = (rng.normal(size=(F, C, k, k)) / np.sqrt(C * k * k)).astype(np.float32)
        b = rng.normal(size=F).astype(np.float32)
        dy = rng.normal(size=(N, F, H + 2 * p - k + 1, H + 2 * p - k + 1)).astype(np.float32)
        out.append(Case(
            name=f"conv2d forward+backward, {name}",
            reference_name=f"PyTorch {torch.__version__} CPU, 1 thread",
            ours=_ours(x, W, b, dy, p),
            reference=_torch(x, W, b, dy, p),
            compare=_compare,
            target=3.0,
            repeats=30 if H < 16 else 10,
        ))
    return out
