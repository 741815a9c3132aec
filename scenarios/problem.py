"""Problem: the data of one scenario (X, Y, parameters), built from its own seed only."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios.spec import Scenario

#: Standard deviation of the inputs X per input regime: ``wide`` drives the
#: saturating activations (sigmoid, tanh) into their flat tails.
INPUT_SCALE = {"normal": 1.0, "wide": 3.0}
BIAS_SCALE = 0.5


@dataclass(frozen=True)
class Problem:
    """X ``(n_x, m)``, Y ``(1, m)`` and the course's ``parameters`` dict, in the scenario's dtype."""

    scenario: Scenario
    X: np.ndarray
    Y: np.ndarray
    parameters: dict

    def astype(self, dtype) -> "Problem":
        """The same values in another dtype (float64 holds every float32 value exactly)."""
        return Problem(
            self.scenario,
            self.X.astype(dtype),
            self.Y.astype(dtype),
            {k: v.astype(dtype) for k, v in self.parameters.items()},
        )


def build_problem(scenario: Scenario) -> Problem:
    """Draw X ~ N(0, s^2), Y ~ Bernoulli(1/2), W[l] ~ N(0, 1/n_{l-1}), b[l] ~ N(0, 0.25).

    The generator is ``np.random.default_rng(scenario.seed)`` and nothing else, drawn
    in float64 and then rounded to the scenario's dtype, so a float32 scenario holds
    the float64 scenario's values rounded.
    """
    rng = np.random.default_rng(scenario.seed)
    sizes, m = scenario.layer_sizes, scenario.m
    X = rng.standard_normal((sizes[0], m)) * INPUT_SCALE[scenario.regime]
    Y = (rng.random((sizes[-1], m)) < 0.5).astype(np.float64)
    parameters = {}
    for l in range(1, len(sizes)):
        parameters[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1])) / np.sqrt(sizes[l - 1])
        parameters[f"b{l}"] = rng.standard_normal((sizes[l], 1)) * BIAS_SCALE
    return Problem(scenario, X, Y, parameters).astype(np.dtype(scenario.dtype))
