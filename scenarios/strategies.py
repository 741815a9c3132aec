"""Hypothesis strategies for scenarios: depth, widths, activations, batch, dtype, seed.

Magnitudes are bounded by construction: the data of a scenario come from its seed in the
``normal`` regime (inputs N(0, 1), weights scaled by 1/sqrt(fan-in), examples on a ReLU
kink or with a saturated output redrawn), so every drawn scenario is well-conditioned and
a failure is a formula's, not the float format's.  Hypothesis shrinks toward fewer and
narrower layers, smaller batches, float64 and seed 0.
"""
from __future__ import annotations

from hypothesis import strategies as st

from crosscheck.reference.activations import ACTIVATIONS
from crosscheck.scenarios.spec import Scenario
from crosscheck.scenarios.suites import LOSS_PAIRS

HIDDEN = tuple(name for name in ACTIVATIONS if name != "softmax")
#: (output activation, loss, smallest n_L): the article's pair first (Hypothesis shrinks to it).
OUTPUTS = (("sigmoid", "bce", 1),) + tuple((out, loss, 2 if out == "softmax" else 1) for out, loss, _ in LOSS_PAIRS)


@st.composite
def scenarios(draw, max_depth: int = 5, max_width: int = 8, max_m: int = 64, dtypes=("float64", "float32"),
              activations=HIDDEN, outputs=OUTPUTS):
    """A Scenario with 1..max_depth layers, widths 1..max_width, an output/loss pair of
    ``outputs`` (n_L = 1 for bce, 2..4 classes for cce, 1..3 units for mse)."""
    depth = draw(st.integers(1, max_depth))
    widths = draw(st.lists(st.integers(1, max_width), min_size=depth, max_size=depth))
    hidden = draw(st.lists(st.sampled_from(list(activations)), min_size=depth - 1, max_size=depth - 1))
    out, loss, smallest = draw(st.sampled_from(list(outputs)))
    n_L = 1 if loss == "bce" else draw(st.integers(smallest, smallest + 2))
    return Scenario(
        layer_sizes=tuple(widths) + (n_L,),
        activations=tuple(hidden) + (out,),
        loss=loss,
        m=draw(st.integers(1, max_m)),
        dtype=draw(st.sampled_from(list(dtypes))),
        seed=draw(st.integers(0, 2 ** 16)),
    )
