"""BackPACK: per-example gradients from its first-order extensions over the ``torch.nn``
network (adapters/torch_modules.py), ``extend``ed, with ``BatchGrad``, ``SumGradSquared`` and
``Variance`` active during one ``backward()``.

BackPACK extends each module's backward by hand.  Its quantities are those of the loss as
written: for the batch-mean cost J, ``grad_batch[i]`` is example i's gradient divided by m
(its documented scaling), ``sum_grad_squared`` is sum_i grad_batch[i]^2 and ``variance`` is
sum_grad_squared / m - (grad / m)^2.  The adapter multiplies by m (and by m^2) to give the
article's per-example gradients x(a - y), their sum of squares and their variance, as it
turns dJ/dZ into the per-example dZ; the engine ``backpack`` then compares them with the
reference's (crosscheck/checks/per_example.py).  Where the per-example values do not fit in
one chunk, the batch runs under SumGradSquared and Variance only (BackPACK computes them for
``nn.Linear`` from squared backprops and inputs, without per-example gradients) and each
chunk of examples runs again under BatchGrad, when the comparison reads it (its mean cost,
so times the chunk's size).
"""
from __future__ import annotations

from dataclasses import replace

from crosscheck.adapters import torch_modules
from crosscheck.adapters.base import Trace
from crosscheck.adapters.torch_autograd import to_numpy
from crosscheck.checks.per_example import per_example_chunk, per_example_layers


class BackpackBatchGrad(torch_modules.ModulesEngine):
    """BackPACK's BatchGrad, SumGradSquared and Variance on the batch-mean cost."""

    name = "backpack"
    module = "backpack"
    per_example_gradients = True

    def trace(self, problem) -> Trace:
        backpack = self.load()
        import torch
        from backpack import extensions

        s, dtype = problem.scenario, problem.X.dtype
        model = backpack.extend(torch_modules.network(self, torch, problem, self.activations(backpack)))
        whole = s.m <= per_example_chunk(s)
        statistics = (extensions.SumGradSquared(), extensions.Variance())
        with backpack.backpack(*((extensions.BatchGrad(),) if whole else ()), *statistics):
            A, Z = torch_modules.forward_backward(torch, model, problem, self.device)
        trace = torch_modules.batch_trace(A, Z, model, problem)
        layers = range(1, s.depth + 1)
        linear = lambda l: model[2 * l - 2]  # noqa: E731

        def read(l, name, what, k, power=1):  # BackPACK's quantity of a k-example mean cost, as the article's
            value = to_numpy(getattr(getattr(linear(l), name), what), dtype) * dtype.type(k) ** power
            return value[..., None] if name == "bias" else value

        def each(k) -> dict:
            return {**{("dW_i", l): read(l, "weight", "grad_batch", k) for l in layers},
                    **{("db_i", l): read(l, "bias", "grad_batch", k) for l in layers}}

        def made(start: int, stop: int) -> dict:  # a chunk's own pass under BatchGrad
            model.zero_grad(set_to_none=True)
            with backpack.backpack(extensions.BatchGrad()):
                torch_modules.forward_backward(torch, model, problem, self.device, slice(start, stop))
            return each(stop - start)

        stats = {f"{q}_{short}": {l: read(l, name, what, s.m, 2) for l in layers}
                 for q, name in (("dW", "weight"), ("db", "bias"))
                 for short, what in (("sq", "sum_grad_squared"), ("var", "variance"))}
        values = each(s.m) if whole else per_example_layers(made, s)
        return replace(trace, dW_i={l: values[("dW_i", l)] for l in layers},
                       db_i={l: values[("db_i", l)] for l in layers}, statistics=stats)
