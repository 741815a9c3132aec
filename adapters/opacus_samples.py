"""Opacus: per-sample gradients from ``GradSampleModule`` over the ``torch.nn`` network
(adapters/torch_modules.py), as differentially private SGD computes them before clipping.

Opacus computes ``p.grad_sample`` of an ``nn.Linear`` by a hand-written outer product of
each example's backprop and activation (its hooks mode) or through ``torch.func`` (its
functorch mode, ``force_functorch=True``), and rescales it by ``loss_reduction``: with
"mean" it multiplies the backprops by the batch size, so that each ``grad_sample[i]`` is
example i's own gradient x(a - y) either way.  The engines: ``opacus`` (hooks, mean),
``opacus-sum`` (hooks, the loss summed), ``opacus-functorch``, ``opacus-functorch-sum``.
Each also gives the batch trace of the same backward (``p.grad``), so it runs whole suites
like any engine.  Where the per-example values do not fit in one chunk (checks/per_example.py),
the batch runs with Opacus' hooks off and each chunk of examples runs again with them on,
when the comparison reads it.
"""
from __future__ import annotations

from dataclasses import replace

from crosscheck.adapters import torch_modules
from crosscheck.adapters.base import Trace
from crosscheck.adapters.torch_autograd import to_numpy
from crosscheck.checks.per_example import per_example_chunk, per_example_layers


class OpacusHooks(torch_modules.ModulesEngine):
    """Opacus' GradSampleModule, hooks mode, ``loss_reduction="mean"``."""

    name = "opacus"
    module = "opacus"
    per_example_gradients = True
    #: GradSampleModule's loss_reduction, and whether J is the batch mean or the sum of the losses.
    reduction = "mean"
    force_functorch = False

    def trace(self, problem) -> Trace:
        opacus = self.load()
        import torch

        s = problem.scenario
        table = self.activations(opacus)
        model = opacus.GradSampleModule(torch_modules.network(self, torch, problem, table), batch_first=True,
                                        loss_reduction=self.reduction, force_functorch=self.force_functorch)
        whole = s.m <= per_example_chunk(s)
        if not whole:
            model.disable_hooks()
        A, Z = torch_modules.forward_backward(torch, model._module, problem, self.device, reduction=self.reduction)
        trace = torch_modules.batch_trace(A, Z, model._module, problem, self.reduction)
        dtype, layers = problem.X.dtype, range(1, s.depth + 1)
        linear = lambda l: model._module[2 * l - 2]  # noqa: E731

        def read() -> dict:
            return {**{("dW_i", l): to_numpy(linear(l).weight.grad_sample, dtype) for l in layers},
                    **{("db_i", l): to_numpy(linear(l).bias.grad_sample, dtype)[:, :, None] for l in layers}}

        def made(start: int, stop: int) -> dict:  # a chunk's own pass (its mean cost, Opacus' reduction)
            model.zero_grad(set_to_none=True)
            model.enable_hooks()
            torch_modules.forward_backward(torch, model._module, problem, self.device, slice(start, stop),
                                           self.reduction)
            return read()

        values = read() if whole else per_example_layers(made, s)
        return replace(trace, dW_i={l: values[("dW_i", l)] for l in layers},
                       db_i={l: values[("db_i", l)] for l in layers})


class OpacusHooksSum(OpacusHooks):
    """Hooks mode, ``loss_reduction="sum"`` and J summed over the batch."""

    name = "opacus-sum"
    reduction = "sum"


class OpacusFunctorch(OpacusHooks):
    """Functorch mode (``force_functorch=True``), mean."""

    name = "opacus-functorch"
    force_functorch = True


class OpacusFunctorchSum(OpacusFunctorch):
    """Functorch mode, sum."""

    name = "opacus-functorch-sum"
    reduction = "sum"
