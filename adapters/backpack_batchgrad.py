"""BackPACK: per-example gradients from its first-order extensions over the ``torch.nn``
network (adapters/torch_modules.py), ``extend``ed, with ``BatchGrad``, ``SumGradSquared`` and
``Variance`` active during one ``backward()``.

BackPACK extends each module's backward by hand.  Its quantities are those of the loss as
written: for the batch-mean cost J, ``grad_batch[i]`` is example i's gradient divided by m
(its documented scaling), ``sum_grad_squared`` is sum_i grad_batch[i]^2 and ``variance`` is
sum_grad_squared / m - (grad / m)^2.  The adapter multiplies by m (and by m^2) to give the
article's per-example gradients x(a - y), their sum of squares and their variance, as it
turns dJ/dZ into the per-example dZ; the engine ``backpack`` then compares them with the
reference's (crosscheck/checks/per_example.py).  Where the per-example values are capped,
the batch runs without BackPACK and the first k examples run again under it (no statistics
over the whole batch then).
"""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import replace

from crosscheck.adapters import torch_modules
from crosscheck.adapters.base import Trace
from crosscheck.adapters.torch_autograd import to_numpy
from crosscheck.checks.per_example import per_example_count


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
        k = per_example_count(s)
        whole = k == s.m
        with backpack.backpack(extensions.BatchGrad(), extensions.SumGradSquared(),
                               extensions.Variance()) if whole else nullcontext():
            A, Z = torch_modules.forward_backward(torch, model, problem, self.device)
        trace = torch_modules.batch_trace(A, Z, model, problem)
        if not whole:  # the first k examples again, under BatchGrad: their mean cost, so times k
            model.zero_grad(set_to_none=True)
            with backpack.backpack(extensions.BatchGrad()):
                torch_modules.forward_backward(torch, model, problem, self.device, k)
        layers = range(1, s.depth + 1)
        linear = lambda l: model[2 * l - 2]  # noqa: E731

        def read(l, name, what, power=1):  # BackPACK's quantity of the mean cost, as the article's
            value = to_numpy(getattr(getattr(linear(l), name), what), dtype) * dtype.type(k) ** power
            return value[..., None] if name == "bias" else value

        stats = None
        if whole:
            stats = {f"{q}_{short}": {l: read(l, name, what, 2) for l in layers}
                     for q, name in (("dW", "weight"), ("db", "bias"))
                     for short, what in (("sq", "sum_grad_squared"), ("var", "variance"))}
        return replace(trace, dW_i={l: read(l, "weight", "grad_batch") for l in layers},
                       db_i={l: read(l, "bias", "grad_batch") for l in layers}, statistics=stats)
