"""The network as the ``torch.nn`` modules people train with: an ``nn.Linear`` per layer
(its ``weight`` W[l], its ``bias`` b[l] as a vector) and an activation module after it,
examples as rows (batch first), as Opacus and BackPACK expect.  ``forward_backward`` runs
it once: the modules one by one (so every Z[l] and A[l] is kept), the cost written out on
A[L] as the other engines write it, and ``backward()``, which fires the hooks those
libraries attach to the modules.
"""
from __future__ import annotations

import numpy as np

from crosscheck.adapters.activation_tables import layer_functions
from crosscheck.adapters.base import Engine, Trace, per_example, written_cost
from crosscheck.adapters.torch_autograd import to_numpy, to_torch


def activation_modules(torch) -> dict:
    """Activation name -> a function that makes its ``torch.nn`` module."""
    nn = torch.nn
    return {
        "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
        "leaky_relu": lambda: nn.LeakyReLU(0.01), "identity": nn.Identity,
        "softplus": nn.Softplus, "silu": nn.SiLU, "elu": lambda: nn.ELU(alpha=1.0),
        "gelu": lambda: nn.GELU(approximate="none"), "gelu_tanh": lambda: nn.GELU(approximate="tanh"),
        "softmax": lambda: nn.Softmax(dim=1),  # over the units of each example (a row here)
    }


class ModulesEngine(Engine):
    """An engine that runs the network of torch.nn modules (Opacus, BackPACK, torch.nn's losses)."""

    #: Its activation modules run torch's functional ops (nn.Softplus is F.softplus with its
    #: threshold=20): the torch engine's findings cover its rows (crosscheck/checks/findings.py).
    activation_ops = "torch"

    def activations(self, framework) -> dict:
        """Activation name -> a function that makes the torch.nn module the engine runs for it."""
        import torch

        return activation_modules(torch)


def network(engine, torch, problem, table: dict):
    """nn.Sequential(Linear, activation, ...) holding the problem's parameters, in its dtype
    (bfloat16 through float32, exactly), on the engine's device; ``table``: the engine's
    activation modules (activation_modules)."""
    s, nn = problem.scenario, torch.nn
    makers = layer_functions(engine, table, s.activations)
    layers = []
    for l in range(1, s.depth + 1):
        W, b = problem.parameters[f"W{l}"], problem.parameters[f"b{l}"]
        linear = nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            linear.weight = nn.Parameter(to_torch(torch, W, engine.device))
            linear.bias = nn.Parameter(to_torch(torch, b[:, 0], engine.device))
        layers += [linear, makers[l - 1]()]
    return nn.Sequential(*layers)


def forward_backward(torch, model, problem, device: str, examples: slice = slice(None), reduction: str = "mean"):
    """(A, Z: {layer: tensor} in the column convention, X) after J.backward() on the
    ``examples`` of the batch (a slice; all by default).  J is the mean of their loss
    (``reduction`` "mean") or its sum ("sum"); A and Z hold their gradients (retain_grad)."""
    s = problem.scenario
    X = to_torch(torch, np.ascontiguousarray(problem.X[:, examples].T), device, requires_grad=True)
    Y = to_torch(torch, np.ascontiguousarray(problem.Y[:, examples]), device)
    k = X.shape[0]
    A, Z, a = {0: X}, {}, X
    for l in range(1, s.depth + 1):
        Z[l] = model[2 * l - 2](a)
        a = A[l] = model[2 * l - 1](Z[l])
        for t in (Z[l], A[l]):
            if t.requires_grad:
                t.retain_grad()
    J = written_cost(torch, s.loss, A[s.depth].T, Y, k if reduction == "mean" else 1)
    J.backward()
    return A, Z


def batch_trace(A: dict, Z: dict, model, problem, reduction: str = "mean") -> Trace:
    """The Trace of a ``forward_backward`` over the whole batch: dA, dZ per example (m dJ/dQ
    of the mean, dQ itself of the sum), dW, db of the batch mean."""
    s, m, dtype = problem.scenario, problem.scenario.m, problem.X.dtype
    scale = m if reduction == "mean" else 1  # what turns each .grad into the per-example derivative
    rows = lambda t: to_numpy(t, dtype).T  # noqa: E731  (examples as rows -> the column convention)
    grad = lambda t: np.zeros(tuple(t.shape[::-1]), dtype) if t.grad is None else rows(t.grad)  # noqa: E731
    layers = range(1, s.depth + 1)
    linear = lambda l: model[2 * l - 2]  # noqa: E731
    mean = lambda g: g if reduction == "mean" else g / g.dtype.type(m)  # noqa: E731
    return Trace(
        A={l: rows(a) for l, a in A.items()}, Z={l: rows(z) for l, z in Z.items()},
        dA={l: per_example(grad(a), scale) for l, a in A.items()},
        dZ={l: per_example(grad(z), scale) for l, z in Z.items()},
        dW={l: mean(to_numpy(linear(l).weight.grad, dtype)) for l in layers},
        db={l: mean(to_numpy(linear(l).bias.grad, dtype))[:, None] for l in layers},
    )
