"""Forward and backward pass of an L-layer fully connected network (any L >= 1).

``parameters`` is the course's dictionary (``"W1"``, ``"b1"``, ..., ``"WL"``, ``"bL"``);
``activations`` has one name per layer, the last one the output's.  Results are
dictionaries keyed by layer: ``A`` and ``dA`` from 0 (``A[0] = X``) to L, ``Z``, ``dZ``,
``dW``, ``db`` from 1 to L.
"""
from __future__ import annotations

import numpy as np

from crosscheck.reference.activations import activation
from crosscheck.reference.examples import Examples
from crosscheck.reference.losses import CANONICAL, batch_cost, is_canonical
from crosscheck.reference.steps import FORMULAS, Formulas, Step
from crosscheck.reference.trace import Trace

DERIVATIONS = ("direct", "chain")


def depth(parameters) -> int:
    """L, the number of layers with parameters ("W1" .. "WL")."""
    L = 0
    while f"W{L + 1}" in parameters:
        L += 1
    return L


def linear(W, A_prev, b):
    """Z[l] = W[l] A[l-1] + b[l]  (b[l] broadcast over the examples).

    In place on the new product W[l] A[l-1] (the pass is memory-bound), unless b[l] is a
    stack (finite differences) that Z[l] grows a dimension by.
    """
    Z = W @ A_prev
    return np.add(Z, b, out=None if b.ndim > Z.ndim else Z)


def forward(parameters, X, activations, offsets=None):
    """Z[l] = W[l] A[l-1] + b[l], A[l] = g[l](Z[l]), A[0] = X; returns (A, Z) by layer.

    ``offsets`` maps ``("Z", l)`` or ``("A", l)`` to an array added to that quantity
    right after it is computed; finite differences use it to perturb Z[l] and A[l].
    A parameter or an offset may be a stack (a leading dimension, one network each: finite
    differences evaluates its perturbed networks together); the arrays from there on are
    stacks too, each network's the same arithmetic as on its own.
    """
    offsets = offsets or {}
    L = depth(parameters)
    if len(activations) != L:
        raise ValueError(f"{len(activations)} activations for {L} layers")

    def shifted(value, key):  # no copy when there is no offset (the arrays can be large)
        return value + offsets[key] if key in offsets else value

    A, Z = {0: shifted(X, ("A", 0))}, {}
    for l in range(1, L + 1):
        Z[l] = shifted(linear(parameters[f"W{l}"], A[l - 1], parameters[f"b{l}"]), ("Z", l))
        A[l] = shifted(activation(activations[l - 1]).g(Z[l]), ("A", l))
    return A, Z


def _derivation(derivation, activations, loss) -> str:
    if derivation is None:
        return "direct" if is_canonical(loss, activations[-1]) else "chain"
    if derivation not in DERIVATIONS:
        raise ValueError(f"unknown derivation {derivation!r}; accepted: direct, chain")
    if derivation == "direct" and not is_canonical(loss, activations[-1]):
        raise ValueError(f"the direct result A - Y needs a {CANONICAL[loss]} output with {loss}")
    return derivation


def backward(parameters, A, Z, Y, activations, derivation=None, formulas: Formulas = FORMULAS, loss="bce"):
    """Backprop with the layer recursion; returns dA (0..L), dZ, dW, db (1..L).

    Output layer: ``derivation="direct"`` uses [3] dZ[L] = A[L] - Y (a canonical pair:
    sigmoid with bce, softmax with cce, identity with mse); ``"chain"`` uses the chain
    rule dZ[L] = dA[L] * g'[L](Z[L]) (J^T dA[L] for softmax) with the loss's dA[L], [1]
    for bce.  None: direct where the pair is canonical, else chain.
    ``formulas`` replaces single steps (mutants); the default is the article's.
    """
    L = depth(parameters)
    derivation = _derivation(derivation, activations, loss)
    dZ, dWs, dbs = {}, {}, {}
    step = lambda l: Step(l, L, Y.shape[1], parameters, tuple(activations), A, Z, Y, dZ, dWs, loss)  # noqa: E731
    dA = {L: formulas.output_dA(step(L))}
    if derivation == "direct":
        dZ[L] = formulas.output_dZ(step(L))
    else:
        dZ[L] = activation(activations[-1]).vjp(dA[L], Z[L], A[L])
    for l in range(L, 0, -1):
        s = step(l)
        dWs[l] = formulas.dW(s)
        dbs[l] = formulas.db(s)
        dA[l - 1] = formulas.dA_prev(s)
        if l > 1:
            dZ[l - 1] = formulas.dZ_prev(dA[l - 1], formulas.g_prime_prev(s), s)
    return dA, dZ, dWs, dbs


def trace(parameters, X, Y, activations, derivation=None, formulas: Formulas = FORMULAS, loss="bce",
          per_example: int | None = None):
    """Forward and backward: a Trace (A, Z, dA, dZ, dW, db, each keyed by layer); with
    ``per_example`` (a chunk, in examples), also the per-example dW_i, db_i of every example
    (per_example_gradients)."""
    A, Z = forward(parameters, X, activations)
    dA, dZ, dWs, dbs = backward(parameters, A, Z, Y, activations, derivation, formulas, loss)
    dW_i = db_i = None
    if per_example is not None:
        dW_i, db_i = per_example_gradients(A, dZ, per_example, formulas)
    return Trace(A=A, Z=Z, dA=dA, dZ=dZ, dW=dWs, db=dbs, dW_i=dW_i, db_i=db_i)


def per_example_gradients(A: dict, dZ: dict, chunk: int, formulas: Formulas = FORMULAS) -> tuple[dict, dict]:
    """({layer: dW_i[l]}, {layer: db_i[l]}) of every example, from a backward pass's A and dZ
    (per example, so no 1/m: x(a - y) itself): arrays when the batch fits in one ``chunk``
    of examples, else Examples (reference/examples.py) made ``chunk`` examples at a time."""
    layers = sorted(dZ)

    def made(span: slice) -> dict:
        with np.errstate(all="ignore"):  # made when compared, outside the trace's own errstate
            return {**{("dW_i", l): formulas.dW_per_example(dZ[l], A[l - 1], span) for l in layers},
                    **{("db_i", l): formulas.db_per_example(dZ[l], span) for l in layers}}

    m = dZ[layers[0]].shape[1] if layers else 0
    if m <= chunk:
        values = made(slice(None))
    else:
        values = Examples.layers(lambda a, b: made(slice(a, b)), m, chunk)
    return ({l: values[("dW_i", l)] for l in layers}, {l: values[("db_i", l)] for l in layers})


def gradients(parameters, X, Y, activations, loss="bce"):
    """The course's grads dictionary: "dW1", "db1", ..., "dZ1", ..., "dA0", ... ."""
    t = trace(parameters, X, Y, activations, loss=loss)
    return {f"{q}{l}": v for q in ("dW", "db", "dZ", "dA") for l, v in t.layers(q).items()}


def cost(parameters, X, Y, activations, offsets=None, loss="bce"):
    """J for the given network and batch (``loss``, batch mean)."""
    A, _ = forward(parameters, X, activations, offsets)
    return batch_cost(loss, A[depth(parameters)], Y)

