"""Week 6: LSTM forward + backward (BPTT) against PyTorch's torch.nn.LSTM on the CPU, with the same weights.

Rows in float64 on both sides (same arithmetic; the accuracy column shows agreement to rounding), and one
with PyTorch in its usual float32 (agreement then ~1e-6). No target: the rows report the ratio. Ours is a
NumPy loop over the time steps; PyTorch's autograd records and replays the same per-step graph.
"""

import numpy as np
import torch

from coursekit import rnn
from harness import Case


def _setup(B, T, n_in, n, dtype=torch.float64, seed=0):
    rng = np.random.default_rng(seed)
    ours = rnn.LSTM(n_in, n, rng=rng)
    ref = torch.nn.LSTM(n_in, n, batch_first=True).to(torch.float64)
    with torch.no_grad():                                   # gates in the same order i, f, g, o
        ref.weight_ih_l0.copy_(torch.from_numpy(ours.params["W_x"].T.copy()))
        ref.weight_hh_l0.copy_(torch.from_numpy(ours.params["W_h"].T.copy()))
        ref.bias_ih_l0.copy_(torch.from_numpy(ours.params["b"].copy()))
        ref.bias_hh_l0.zero_()
    ref = ref.to(dtype)
    x = rng.normal(size=(B, T, n_in))
    dy = rng.normal(size=(B, T, n))
    xt, dyt = torch.from_numpy(x).to(dtype), torch.from_numpy(dy).to(dtype)

    def run_ours():
        out = ours.forward(x)
        dx = ours.backward(dy)
        return out, dx, ours.grads["W_h"].copy()

    def run_ref():
        ref.zero_grad()
        xr = xt.clone().requires_grad_(True)
        out, _ = ref(xr)
        out.backward(dyt)
        return (out.detach().double().numpy(), xr.grad.double().numpy(),
                ref.weight_hh_l0.grad.double().numpy().T.copy())

    return run_ours, run_ref


def _compare(ours, ref):
    diff = [np.max(np.abs(a - b)) for a, b in zip(ours, ref)]
    return f"max abs diff: outputs {diff[0]:.1e}, dL/dx {diff[1]:.1e}, dL/dW_h {diff[2]:.1e}"


def cases():
    out = []
    for B, T, n_in, n, dtype, repeats in [(32, 30, 2, 16, torch.float64, 30), (64, 50, 32, 128, torch.float64, 10),
                                          (64, 50, 32, 128, torch.float32, 10)]:
        run_ours, run_ref = _setup(B, T, n_in, n, dtype)
        kind = str(dtype).removeprefix("torch.")
        out.append(Case(
            name=f"LSTM forward+backward B={B} T={T} n_in={n_in} n={n} (torch {kind})",
            reference_name=f"torch {torch.__version__} nn.LSTM {kind} ({torch.get_num_threads()} threads)",
            ours=run_ours, reference=run_ref, compare=_compare, target=None, repeats=repeats,
        ))
    return out
