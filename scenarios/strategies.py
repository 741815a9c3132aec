"""Hypothesis strategies for scenarios: depth, widths, activations, batch, dtype, seed.

Magnitudes are bounded by construction: the data of a scenario come from its seed in the
``normal`` regime (inputs N(0, 1), weights scaled by 1/sqrt(fan-in), examples on a ReLU
kink or with a saturated output redrawn), so every drawn scenario is well-conditioned and
a failure is a formula's, not the float format's.  Hypothesis shrinks toward fewer and
narrower layers, smaller batches, float64 and seed 0.
"""
from __future__ import annotations

from hypothesis import strategies as st

from reference.activations import ACTIVATIONS
from scenarios.spec import DTYPES, Scenario


@st.composite
def scenarios(draw, max_depth: int = 5, max_width: int = 8, max_m: int = 64, dtypes=DTYPES,
              activations=tuple(ACTIVATIONS)):
    """A Scenario with 1..max_depth layers (sigmoid output, bce), widths 1..max_width."""
    depth = draw(st.integers(1, max_depth))
    widths = draw(st.lists(st.integers(1, max_width), min_size=depth, max_size=depth))
    hidden = draw(st.lists(st.sampled_from(list(activations)), min_size=depth - 1, max_size=depth - 1))
    return Scenario(
        layer_sizes=tuple(widths) + (1,),
        activations=tuple(hidden) + ("sigmoid",),
        m=draw(st.integers(1, max_m)),
        dtype=draw(st.sampled_from(list(dtypes))),
        seed=draw(st.integers(0, 2 ** 16)),
    )
