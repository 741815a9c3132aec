"""Forward and backward pass of an L-layer fully connected network (any L >= 1).

``parameters`` is the course's dictionary (``"W1"``, ``"b1"``, ..., ``"WL"``, ``"bL"``);
``activations`` has one name per layer, the last one the output's.  Results are
dictionaries keyed by layer: ``A`` and ``dA`` from 0 (``A[0] = X``) to L, ``Z``, ``dZ``,
``dW``, ``db`` from 1 to L.
"""
from __future__ import annotations

from reference.activations import activation
from reference.cost import bce_cost, dL_da, dL_dz
from reference.gradients import dA_prev, dW, db, dZ_from_dA

DERIVATIONS = ("direct", "chain")


def depth(parameters) -> int:
    """L, the number of layers with parameters ("W1" .. "WL")."""
    L = 0
    while f"W{L + 1}" in parameters:
        L += 1
    return L


def forward(parameters, X, activations, offsets=None):
    """Z[l] = W[l] A[l-1] + b[l], A[l] = g[l](Z[l]), A[0] = X; returns (A, Z) by layer.

    ``offsets`` maps ``("Z", l)`` or ``("A", l)`` to an array added to that quantity
    right after it is computed; finite differences use it to perturb Z[l] and A[l].
    """
    offsets = offsets or {}
    L = depth(parameters)
    if len(activations) != L:
        raise ValueError(f"{len(activations)} activations for {L} layers")
    A, Z = {0: X + offsets.get(("A", 0), 0)}, {}
    for l in range(1, L + 1):
        Z[l] = parameters[f"W{l}"] @ A[l - 1] + parameters[f"b{l}"]
        Z[l] = Z[l] + offsets.get(("Z", l), 0)
        A[l] = activation(activations[l - 1]).g(Z[l]) + offsets.get(("A", l), 0)
    return A, Z


def backward(parameters, A, Z, Y, activations, derivation="direct"):
    """Backprop with the layer recursion; returns dA (0..L), dZ, dW, db (1..L).

    Output layer: ``derivation="direct"`` uses [3] dZ[L] = A[L] - Y (sigmoid with bce);
    ``"chain"`` uses the chain rule dZ[L] = dA[L] * g'[L](Z[L]) with [1] dA[L].
    """
    L = depth(parameters)
    if derivation not in DERIVATIONS:
        raise ValueError(f"unknown derivation {derivation!r}; accepted: direct, chain")
    if derivation == "direct" and activations[-1] != "sigmoid":
        raise ValueError("the direct result A - Y needs a sigmoid output with bce")
    dA, dZ, dWs, dbs = {L: dL_da(A[L], Y)}, {}, {}, {}
    if derivation == "direct":
        dZ[L] = dL_dz(A[L], Y)
    else:
        dZ[L] = dZ_from_dA(dA[L], activation(activations[-1]).g_prime(Z[L]))
    for l in range(L, 0, -1):
        dWs[l] = dW(dZ[l], A[l - 1])
        dbs[l] = db(dZ[l])
        dA[l - 1] = dA_prev(parameters[f"W{l}"], dZ[l])
        if l > 1:
            dZ[l - 1] = dZ_from_dA(dA[l - 1], activation(activations[l - 2]).g_prime(Z[l - 1]))
    return dA, dZ, dWs, dbs


def trace(parameters, X, Y, activations, derivation="direct"):
    """Forward and backward: {"A", "Z", "dA", "dZ", "dW", "db"}, each keyed by layer."""
    A, Z = forward(parameters, X, activations)
    dA, dZ, dWs, dbs = backward(parameters, A, Z, Y, activations, derivation)
    return {"A": A, "Z": Z, "dA": dA, "dZ": dZ, "dW": dWs, "db": dbs}


def gradients(parameters, X, Y, activations):
    """The course's grads dictionary: "dW1", "db1", ..., "dZ1", ..., "dA0", ... ."""
    t = trace(parameters, X, Y, activations)
    return {f"{q}{l}": v for q in ("dW", "db", "dZ", "dA") for l, v in t[q].items()}


def cost(parameters, X, Y, activations, offsets=None):
    """J for the given network and batch (bce, batch mean)."""
    A, _ = forward(parameters, X, activations, offsets)
    return bce_cost(A[depth(parameters)], Y)

