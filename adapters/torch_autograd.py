"""PyTorch autograd: ``torch.autograd.grad`` of J with respect to parameters, X, Z[l], A[l];
per-example gradients from ``torch.func`` (``vmap(grad(...))`` of one example's loss)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from crosscheck.adapters.activation_tables import layer_functions
from crosscheck.adapters.base import Engine, Trace, written_cost
from crosscheck.adapters.gradients_layout import gradient_inputs, trace_of
from crosscheck.checks.per_example import per_example_layers
from crosscheck.scenarios.dtypes import DTYPES


def to_torch(torch, x: np.ndarray, device: str, requires_grad: bool = False):
    """A NumPy array as a tensor of the same dtype (bfloat16 goes through float32, exactly)."""
    if x.dtype.name == "bfloat16":
        t = torch.from_numpy(x.astype(np.float32)).to(device=device, dtype=torch.bfloat16)
    else:
        t = torch.from_numpy(np.ascontiguousarray(x)).to(device)
    return t.requires_grad_(requires_grad)


def to_numpy(t, dtype: np.dtype) -> np.ndarray:
    """A tensor back as a NumPy array of ``dtype`` (bfloat16 through float32, exactly)."""
    t = t.detach().cpu()
    if str(t.dtype) == "torch.bfloat16":  # NumPy has no bfloat16 of its own
        return t.float().numpy().astype(dtype)
    return t.numpy()


def _activations(torch):
    F = torch.nn.functional
    return {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda z: F.leaky_relu(z, negative_slope=0.01),
        "identity": lambda z: z * 1,  # a node of its own, so dA[l] and dZ[l] are both read
        "softplus": F.softplus,  # beta 1; above its threshold 20 torch returns z itself
        "silu": F.silu,
        "elu": lambda z: F.elu(z, alpha=1.0),
        "gelu": lambda z: F.gelu(z, approximate="none"),  # the erf form, asked for by name
        "gelu_tanh": lambda z: F.gelu(z, approximate="tanh"),
        "softmax": lambda z: torch.softmax(z, dim=0),  # over the units of each example (column)
    }


class TorchAutograd(Engine):
    """Forward pass in torch ops on the CPU (or a CUDA device); every derivative from one autograd call."""

    name = "torch"
    per_example_gradients = True
    module = "torch"
    devices = ("cpu", "cuda")
    dtypes = DTYPES

    def device_unavailable(self, torch) -> str | None:
        if self.device == "cuda" and not torch.cuda.is_available():
            return "no CUDA device (torch.cuda.is_available() is False)"
        return None

    def activations(self, torch) -> dict:
        """Activation name -> the torch function the engine runs for it."""
        return _activations(torch)

    def cost(self, torch, loss: str, A, Y, m: int):
        """J on A[L] (overridable: torch-bceloss uses torch's BCE)."""
        return written_cost(torch, loss, A, Y, m)

    def trace(self, problem) -> Trace:
        torch = self.load()
        s = problem.scenario
        g = layer_functions(self, self.activations(torch), s.activations)
        L, m = s.depth, s.m
        dev = self.device
        dtype = problem.X.dtype
        X = to_torch(torch, problem.X, dev, requires_grad=True)
        Y = to_torch(torch, problem.Y, dev)
        P = {k: to_torch(torch, v, dev, requires_grad=True) for k, v in problem.parameters.items()}
        A, Z = {0: X}, {}
        for l in range(1, L + 1):
            Z[l] = P[f"W{l}"] @ A[l - 1] + P[f"b{l}"]
            A[l] = g[l - 1](Z[l])
        J = self.cost(torch, s.loss, A[L], Y, m)
        grads = torch.autograd.grad(J, gradient_inputs(A, Z, P))
        trace = trace_of(A, Z, grads, m, lambda t: to_numpy(t, dtype))
        dW_i, db_i = self.per_example(torch, problem, g, {k: v.detach() for k, v in P.items()})
        return replace(trace, dW_i=dW_i, db_i=db_i)

    def per_example(self, torch, problem, g, P) -> tuple[dict, dict]:
        """dW_i, db_i of every example: ``torch.func.vmap`` of ``torch.func.grad`` of one
        example's loss (the cost of a batch of one), over chunks of per_example_chunk
        examples where they do not fit in one (reference/examples.py)."""
        from torch.func import grad, vmap

        s, dev, dtype = problem.scenario, self.device, problem.X.dtype

        def loss(P, x, y):  # one example: x (n_0,), y (n_L,), as columns of a batch of one
            a = x[:, None]
            for l in range(1, s.depth + 1):
                a = g[l - 1](P[f"W{l}"] @ a + P[f"b{l}"])
            return self.cost(torch, s.loss, a, y[:, None], 1)

        layers = range(1, s.depth + 1)

        def made(start: int, stop: int) -> dict:
            X, Y = (to_torch(torch, np.ascontiguousarray(v[:, start:stop]), dev) for v in (problem.X, problem.Y))
            each = vmap(grad(loss), in_dims=(None, 1, 1))(P, X, Y)
            return {**{("dW_i", l): to_numpy(each[f"W{l}"], dtype) for l in layers},
                    **{("db_i", l): to_numpy(each[f"b{l}"], dtype) for l in layers}}

        values = per_example_layers(made, s)
        return {l: values[("dW_i", l)] for l in layers}, {l: values[("db_i", l)] for l in layers}
