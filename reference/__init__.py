"""The article's backpropagation formulas in plain NumPy (no framework import).

Column convention of the article and of Andrew Ng's course: ``X`` is ``(n_x, m)``,
``W[l]`` is ``(n_l, n_{l-1})``, ``b[l]`` is ``(n_l, 1)``, ``Z[l] = W[l] A[l-1] + b[l]``,
``A[l] = g[l](Z[l])``, ``A[0] = X``.  ``dZ`` and ``dA`` are per-example derivatives
(``m * dJ/dZ``), so that ``dZ[L] = A[L] - Y`` holds as printed; ``dW`` and ``db`` are
``dJ/dW`` and ``dJ/db`` of the batch-mean cost ``J``.
"""
from crosscheck.reference.activations import ACTIVATIONS, Activation, activation
from crosscheck.reference.gradients import dA_prev, db, db_per_example, dW, dW_per_example, dz_dw, dZ_from_dA, dZ_prev
from crosscheck.reference.losses import CANONICAL, LOSSES, bce_cost, dL_da, dL_dz, is_canonical, output_dA
from crosscheck.reference.network import backward, cost, depth, forward, gradients, linear, per_example_gradients, trace

__all__ = [
    "ACTIVATIONS", "Activation", "activation", "CANONICAL", "LOSSES", "bce_cost", "dL_da", "dL_dz",
    "is_canonical", "output_dA",
    "dA_prev", "dW", "db", "db_per_example", "dW_per_example", "dz_dw", "dZ_from_dA", "dZ_prev",
    "backward", "cost", "depth", "forward", "gradients", "linear", "per_example_gradients", "trace",
]
