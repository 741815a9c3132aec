"""What a suite's data reach, per activation: the range of z, its tails, both sides of its kinks.

Measured on the float64 reference forward of each scenario's problem, over every layer
whose g' the backward pass uses (the hidden layers, and the output of a non-canonical
output/loss pair; a canonical pair's dZ[L] = A - Y uses no g'): the smallest and the largest z; on each side where the
derivative decays (scenarios/tails.py), whether the data reach the threshold past which
|g'| < TAIL_FRACTION of its peak; on each side of a kink (relu, leaky_relu; elu's second
derivative), how many values lie within NEAR of it, no closer than the dtype's kink
margin (scenarios/problem.py).  ``crosscheck scenarios --suite NAME --coverage`` prints it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from crosscheck.reference.activations import ACTIVATIONS
from crosscheck.reference.losses import is_canonical
from crosscheck.reference.network import forward
from crosscheck.scenarios.problem import Problem, build_problem, kink_margin
from crosscheck.scenarios.spec import Scenario
from crosscheck.scenarios.tails import KINKS, tail_thresholds

#: "Close to a kink": within NEAR of it (and no closer than the dtype's kink margin).
NEAR = 0.05


@dataclass(frozen=True)
class Reach:
    """What the data reach for one activation (``below``/``above``: kink counts; None when
    the activation has no kink)."""

    activation: str
    layers: int
    values: int
    z_min: float
    z_max: float
    below: int | None = None
    above: int | None = None

    @property
    def thresholds(self) -> tuple[float | None, float | None]:
        """(z_low, z_high) of tails.tail_thresholds; None on a side with no tail."""
        return tail_thresholds(self.activation)

    @property
    def tails_reached(self) -> tuple[bool | None, bool | None]:
        """Per side: the data reach the tail threshold (None: no tail there)."""
        low, high = self.thresholds
        return (None if low is None else self.z_min <= low, None if high is None else self.z_max >= high)

    @property
    def complete(self) -> bool:
        """Every tail reached and, for a kinked activation, values close to it on both sides."""
        kinks = self.below is None or (self.below > 0 and self.above > 0)
        return kinks and all(r is not False for r in self.tails_reached)

    def merge(self, other: "Reach") -> "Reach":
        """The reach of both (the same activation)."""
        add = (lambda a, b: None if a is None else a + b)  # noqa: E731
        return Reach(self.activation, self.layers + other.layers, self.values + other.values,
                     min(self.z_min, other.z_min), max(self.z_max, other.z_max),
                     add(self.below, other.below), add(self.above, other.above))


def problem_reach(p: Problem) -> dict[str, Reach]:
    """{activation: Reach} over the layers of one problem (float64 forward)."""
    q = p.astype(np.float64)
    with np.errstate(all="ignore"):
        _, Z = forward(q.parameters, q.X, p.scenario.activations)
    margin = kink_margin(p.scenario.dtype)
    found: dict[str, Reach] = {}
    s = p.scenario
    for l, name in enumerate(s.activations, start=1):
        if l == s.depth and is_canonical(s.loss, name):
            continue  # A - Y: no g' of the output
        z = Z[l]
        below = above = None
        if name in KINKS:
            d = z - KINKS[name]
            below = int(np.count_nonzero((d <= -margin) & (d >= -NEAR)))
            above = int(np.count_nonzero((d >= margin) & (d <= NEAR)))
        reach = Reach(name, 1, z.size, float(z.min()), float(z.max()), below, above)
        found[name] = found[name].merge(reach) if name in found else reach
    return found


@lru_cache(maxsize=None)
def scenario_reach(s: Scenario) -> dict[str, Reach]:
    """problem_reach of the scenario's problem (cached: a scenario's data never change)."""
    return problem_reach(build_problem(s))


def suite_reach(scenarios) -> list[Reach]:
    """The Reach of every activation the scenarios use, in the order of ACTIVATIONS."""
    total: dict[str, Reach] = {}
    for s in scenarios:
        for name, reach in scenario_reach(s).items():
            total[name] = total[name].merge(reach) if name in total else reach
    return [total[name] for name in ACTIVATIONS if name in total]


def table(reaches) -> str:
    """The reaches as a plain-text table, one activation a row."""
    rows = [("activation", "layers", "values", "min z", "max z", "tail z<=", "tail z>=",
             f"kink -{NEAR:g}..0", f"kink 0..{NEAR:g}", "complete")]
    for r in reaches:
        tails = [_tail(t, hit) for t, hit in zip(r.thresholds, r.tails_reached)]
        kinks = ["-" if n is None else str(n) for n in (r.below, r.above)]
        rows.append((r.activation, str(r.layers), str(r.values), f"{r.z_min:.3g}", f"{r.z_max:.3g}",
                     *tails, *kinks, "yes" if r.complete else "NO"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
                     for row in rows)


def _tail(threshold, reached) -> str:
    if threshold is None:
        return "-"
    return f"{threshold:.3g} {'yes' if reached else 'NO'}"
