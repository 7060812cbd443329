"""Weeks 9–10: vectorised random walks against a plain NumPy cumulative sum, and the time-averaged MSD
by the FFT against the direct O(N²) sum.

Walk rows report throughput in walker-steps per second for both, and the memory-bandwidth bound: the
rate at which this machine can merely *write* one float64 per walker-step (``ndarray.fill`` on an array
of the same size), which no walk that stores its positions can beat. MSD rows report the accuracy
and how each method's time grows when the track gets 4× longer (N log N: ×4.3–5; N²: ×16). The
direct sum is a Python loop over lags with one vector operation each, so at short tracks its per-lag
overhead hides the N² and the growth factor approaches 16 only for long tracks.
"""

import statistics
import time

import numpy as np

from coursekit import diffusion
from harness import Case

W, N = 1000, 10_000                       # 1e7 walker-steps


def _median_time(f, repeats=3):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _write_bound():
    """Walker-steps per second at which float64 positions can merely be written (ndarray.fill)."""
    a = np.empty(W * (N + 1))
    return W * N / _median_time(lambda: a.fill(1.0), repeats=5)


class _Timed:
    """Wraps a walk so that the harness's own timed calls are recorded (the first call is its warm-up):
    the walker-steps/s in the accuracy column are then the same runs as the table's times."""

    def __init__(self, f):
        self.f, self.times = f, []

    def __call__(self):
        t0 = time.perf_counter()
        out = self.f()
        self.times.append(time.perf_counter() - t0)
        return out

    def rate(self):
        return W * N / statistics.median(self.times[1:] or self.times)


def _walk_case(name, reference_name, ours_fn, ref_fn):
    ours, ref = _Timed(ours_fn), _Timed(ref_fn)

    def compare(x_ours, x_ref):
        msd_o = np.mean((x_ours[:, -1] - x_ours[:, 0]) ** 2) / N      # 2Dt/N = 1 for unit jumps
        msd_r = np.mean(x_ref[:, -1] ** 2) / N
        return (f"{ours.rate():.2e} vs {ref.rate():.2e} walker-steps/s; write bound {_write_bound():.2e}/s; "
                f"MSD(N)/N = {msd_o:.3f} vs {msd_r:.3f} (1 ± {np.sqrt(2 / W):.3f})")

    return Case(name=name, reference_name=reference_name, ours=ours, reference=ref, compare=compare,
                target=1.0, repeats=5)


def _gauss_ours():
    return diffusion.brownian(W, N, D=0.5, dt=1.0, rng=np.random.default_rng(1))


def _gauss_ref():
    return np.cumsum(np.random.default_rng(1).normal(0.0, 1.0, size=(W, N)), axis=1)


def _lattice_ours():
    return diffusion.random_walk(W, N, rng=np.random.default_rng(2), jumps="lattice")


def _lattice_ref():
    return np.cumsum(2 * np.random.default_rng(2).integers(0, 2, size=(W, N)) - 1, axis=1)


def _msd_case(n):
    x = np.cumsum(np.random.default_rng(n).normal(size=n))
    x_quarter = x[: n // 4]

    def compare(ours, ref):
        err = np.max(np.abs(ours - ref)[1:] / ref[1:])
        grow_fft = (_median_time(lambda: diffusion.msd_time_averaged(x))
                    / _median_time(lambda: diffusion.msd_time_averaged(x_quarter)))
        grow_direct = (_median_time(lambda: diffusion.msd_time_averaged_direct(x), repeats=1)
                       / _median_time(lambda: diffusion.msd_time_averaged_direct(x_quarter)))
        return (f"max rel diff {err:.1e}; from N/4 to N the time grows FFT ×{grow_fft:.1f}, "
                f"direct ×{grow_direct:.1f}")

    return Case(
        name=f"time-averaged MSD, FFT (one track, N = {n:,}, all lags)",
        reference_name="direct O(N²) sum over lags",
        ours=lambda: diffusion.msd_time_averaged(x),
        reference=lambda: diffusion.msd_time_averaged_direct(x),
        compare=compare,
        target=0.2,
        repeats=3,
    )


def cases():
    return [
        _walk_case(f"Gaussian random walk, {W:,} walkers × {N:,} steps",
                   "np.cumsum(rng.normal(...), axis=1)", _gauss_ours, _gauss_ref),
        _walk_case(f"lattice random walk (±1), {W:,} walkers × {N:,} steps",
                   "np.cumsum(2*rng.integers(0, 2, ...) - 1, axis=1)", _lattice_ours, _lattice_ref),
        _msd_case(2_000),
        _msd_case(8_000),
        _msd_case(32_000),
    ]
