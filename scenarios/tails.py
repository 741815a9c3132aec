"""The tails of each activation: where its derivative has decayed, and where its kinks are.

A side (z < 0 or z > 0) of an activation has a tail when |g'(z)| falls, going outward,
below TAIL_FRACTION of its peak max|g'| and stays there: sigmoid and tanh on both sides;
softplus, silu, elu, gelu and gelu_tanh on the negative side.  relu's negative side is
flat zero and leaky_relu's and identity's derivatives never decay: no tail.  The
threshold is computed from the reference's own g' (reference/activations.py), not written
down by hand: a derivative that returns 0 past some |z| (a shortcut "the tail is flat")
is wrong by up to TAIL_FRACTION of the peak beyond the threshold, and more inside it, so
data that reach the threshold on every side expose such a shortcut.
"""
from __future__ import annotations

from functools import cache

import numpy as np

from crosscheck.reference.activations import ACTIVATIONS

TAIL_FRACTION = 1e-6
#: The grid that finds the thresholds: z in [-GRID_END, GRID_END], steps of GRID_STEP; then
#: bisection to BISECTIONS halvings of a step.
GRID_END, GRID_STEP, BISECTIONS = 64.0, 2.0 ** -8, 30
#: Activations whose derivative jumps at z = 0 (relu, leaky_relu), and elu, whose second
#: derivative does: the suites keep every example at least kink_margin(dtype) from 0 there
#: (scenarios/problem.py), and should have examples close to it on both sides.
KINKS = {"relu": 0.0, "leaky_relu": 0.0, "elu": 0.0}


def _decay(name: str):
    """|g'(z)| / max|g'| of the activation called ``name``, as a function of z."""
    g_prime = ACTIVATIONS[name].g_prime
    grid = np.arange(-GRID_END, GRID_END + GRID_STEP, GRID_STEP)
    with np.errstate(all="ignore"):
        peak = float(np.nanmax(np.abs(g_prime(grid))))
    return lambda z: np.abs(g_prime(np.atleast_1d(np.asarray(z, dtype=np.float64)))) / peak, grid


@cache
def tail_thresholds(name: str) -> tuple[float | None, float | None]:
    """(z_low, z_high): |g'(z)| < TAIL_FRACTION max|g'| for every z <= z_low (every z >=
    z_high), the boundary of that outermost region; None on a side with no tail.
    ``softmax`` (not element-wise) has none."""
    if ACTIVATIONS[name].g_prime is None:
        return None, None
    decay, grid = _decay(name)
    above = decay(grid) >= TAIL_FRACTION
    return _side(decay, grid[grid < 0][::-1], above[grid < 0][::-1]), _side(decay, grid[grid > 0], above[grid > 0])


def _side(decay, outward, above) -> float | None:
    """The threshold on one side, ``outward`` the grid from 0 outward, ``above`` whether
    |g'| >= TAIL_FRACTION of the peak there."""
    if not above.any() or above[-1]:  # flat below it from 0 on (relu), or never decays (leaky_relu)
        return None
    last = int(np.flatnonzero(above)[-1])
    inside, outside = float(outward[last]), float(outward[last + 1])
    for _ in range(BISECTIONS):
        middle = (inside + outside) / 2
        if decay(middle)[0] >= TAIL_FRACTION:
            inside = middle
        else:
            outside = middle
    return outside


def has_tail(name: str) -> bool:
    """True when the activation's derivative decays on some side (tail_thresholds)."""
    return any(t is not None for t in tail_thresholds(name))
