"""Trace: what a backward pass gives, per layer A, Z, dA, dZ, dW, db as NumPy arrays; the
one type of the reference's trace (reference/network.py: ``trace``) and of every engine's."""
from __future__ import annotations

from dataclasses import dataclass

QUANTITIES = ("A", "Z", "dA", "dZ", "dW", "db")
#: The per-example gradients a trace may hold besides (crosscheck/checks/per_example.py).
PER_EXAMPLE = ("dW_i", "db_i")
#: Statistics of the per-example gradients over the batch a trace may hold (BackPACK's
#: SumGradSquared and Variance): sum_i dW_i^2 and the variance mean_i dW_i^2 - (mean_i dW_i)^2,
#: element by element, and the same of db_i.
STATISTICS = ("dW_sq", "db_sq", "dW_var", "db_var")


@dataclass(frozen=True)
class Trace:
    """Per layer A, Z, dA, dZ, dW, db as NumPy arrays; A and dA from layer 0 (X).

    ``dA`` and ``dZ`` are per example (``m * dJ/dA``, ``m * dJ/dZ``); ``dW`` and ``db``
    are ``dJ/dW`` and ``dJ/db`` of the batch-mean cost.
    """

    A: dict
    Z: dict
    dA: dict
    dZ: dict
    dW: dict
    db: dict
    #: The (quantity, layer) pairs the engine computed itself, when it gives only some (a
    #: user's function: its returned keys, and A[L] from a course forward); None: all.
    given: frozenset | None = None
    #: Directional derivatives instead of arrays (fd's projection mode, beyond its full
    #: sizes): (quantity, layer, expected <dQ, V> per direction V, the engine's); None: arrays.
    projections: tuple | None = None
    #: Per-example gradients, {layer: array} (the article's x(a - y) itself, no 1/m):
    #: dW_i[l] of shape (m, n_l, n_{l-1}) and db_i[l] of shape (m, n_l, 1), arrays or, where
    #: they do not fit in one chunk of examples, Examples (reference/examples.py) made a chunk
    #: at a time (crosscheck/checks/per_example.py); None: the engine has none.
    dW_i: dict | None = None
    db_i: dict | None = None
    #: {name: {layer: array}} of STATISTICS the engine gives (None: none).
    statistics: dict | None = None

    def get(self, quantity: str, layer: int):
        """The array of ``quantity`` at ``layer``, or None when the engine gave none."""
        return self.layers(quantity).get(layer)

    def layers(self, quantity: str) -> dict:
        """{layer: array} of ``quantity`` (one of QUANTITIES, or of PER_EXAMPLE and STATISTICS:
        {} when the engine gave none)."""
        if quantity in PER_EXAMPLE:
            return getattr(self, quantity) or {}
        if quantity in STATISTICS:
            return (self.statistics or {}).get(quantity, {})
        if quantity not in QUANTITIES:
            raise KeyError(f"no quantity {quantity!r}; a trace holds "
                           f"{', '.join(QUANTITIES + PER_EXAMPLE + STATISTICS)}")
        return getattr(self, quantity)
