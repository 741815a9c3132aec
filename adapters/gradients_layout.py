"""One gradient call for every derivative, laid out once: the engines that differentiate J
with respect to the forward pass's own tensors (torch's ``autograd.grad``, TensorFlow's
``tape.gradient``) hand it X = A[0], every A[l] and Z[l], and the parameters, in the order
of ``gradient_inputs``, and read the results back into a Trace with ``trace_of``.
"""
from __future__ import annotations

from typing import Callable

from crosscheck.adapters.base import Trace, per_example


def gradient_inputs(A: dict, Z: dict, P: dict) -> list:
    """[A[0] = X, A[1..L], Z[1..L], W[1..L], b[1..L]]: what J is differentiated with respect
    to, in the order ``trace_of`` reads the gradients."""
    layers = range(1, len(Z) + 1)
    return ([A[l] for l in range(len(Z) + 1)] + [Z[l] for l in layers]
            + [P[f"W{l}"] for l in layers] + [P[f"b{l}"] for l in layers])


def trace_of(A: dict, Z: dict, grads, m: int, to_numpy: Callable) -> Trace:
    """The Trace of a forward pass (A, Z: {layer: tensor}) and of dJ with respect to each of
    ``gradient_inputs`` (``grads``, in that order); ``to_numpy`` turns one of the framework's
    tensors into a NumPy array. dA and dZ per example: m dJ/dA, m dJ/dZ."""
    L = len(Z)
    layers = range(1, L + 1)
    grads = [to_numpy(t) for t in grads]
    dA_, dZ_, dW_, db_ = grads[: L + 1], grads[L + 1: 2 * L + 1], grads[2 * L + 1: 3 * L + 1], grads[3 * L + 1:]
    return Trace(
        A={l: to_numpy(a) for l, a in A.items()},
        Z={l: to_numpy(z) for l, z in Z.items()},
        dA={l: per_example(d, m) for l, d in enumerate(dA_)},
        dZ={l: per_example(d, m) for l, d in zip(layers, dZ_)},
        dW=dict(zip(layers, dW_)),
        db=dict(zip(layers, db_)),
    )
