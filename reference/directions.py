"""Random directions through a network's quantities, and the cost J along them: the one
implementation that finite differences' projection mode (adapters/finite_differences.py)
and the Taylor test (crosscheck/analyses/taylor.py) share.

For a quantity theta (W[l] or b[l], or Z[l] / A[l] through the forward pass's offsets) and
a direction V, ``cost_along`` is h -> J(theta + h V).  Its slope at 0 is <dJ/dtheta, V>:
<dW[l], V> for a parameter, and (1/m) <dQ[l], V> for a per-example quantity dQ (dZ, dA).
"""
from __future__ import annotations

import numpy as np

from crosscheck.reference.network import cost

#: The quantities whose direction moves a parameter (the others move Z[l] or A[l] in every example).
PARAMETERS = ("dW", "db")


def directions(seed: int, quantity: str, layer: int, shape: tuple, count: int | None = None, stream=()):
    """N(0, 1) directions of ``shape`` (``count`` of them, or one), from the scenario's seed,
    the quantity, the layer and ``stream`` (each user of directions draws its own).  For W
    they are scaled by 1/sqrt(fan-in): W[l] + h V moves Z[l] by h V A[l-1], which stays ~h,
    as the initialisation scales W."""
    rng = np.random.default_rng([seed, "AZWb".index(quantity[1]), layer, *stream])
    V = rng.standard_normal(shape if count is None else (count,) + tuple(shape))
    if quantity == "dW":
        V /= np.sqrt(shape[1])
    return V


def cost_along(problem, quantity: str, layer: int, V):
    """h -> J with theta + h V, for the theta that ``quantity`` at ``layer`` differentiates."""
    s, P, X, Y = problem.scenario, problem.parameters, problem.X, problem.Y
    if quantity in PARAMETERS:
        name = f"{quantity[1]}{layer}"
        return lambda h: cost({**P, name: P[name] + h * V}, X, Y, s.activations, loss=s.loss)
    return lambda h: cost(P, X, Y, s.activations, offsets={(quantity[1], layer): h * V}, loss=s.loss)
