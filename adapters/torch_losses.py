"""torch.nn's loss modules, where PyTorch writes the article's A - Y by hand: the network of
``torch.nn`` modules (adapters/torch_modules.py) trained with the loss people call.

- bce with a sigmoid output: ``nn.BCEWithLogitsLoss`` on the logits Z[L], its fused
  backward ``sigmoid(z) - y``; A[L] is what ``nn.Sigmoid`` would have given (not in the
  loss's graph, so there is no dA[L]: the engine gives every quantity but that one);
- cce with a softmax output: ``nn.CrossEntropyLoss`` on the logits, the one-hot (or soft)
  labels as class probabilities, its fused backward ``softmax(z) - y``; with
  ``label_smoothing`` (the variant ``torch-nn-smoothing``) it trains on the target
  (1 - e) y + e/K, a documented convention (crosscheck/checks/conventions.py);
- mse: ``nn.MSELoss`` on A[L] (the mean over every element of (a - y)^2, no 1/2);
- any other output with bce: ``nn.BCELoss`` on A[L] (not fused).

Each with ``reduction="mean"`` (``torch-nn``) or ``"sum"`` (``torch-nn-sum``); the loss is
scaled by a constant to the article's J (sum: 1/m; MSELoss's mean: n_L / 2), as dJ/dZ is
scaled to the per-example dZ, so the kernel's own gradient is what is compared.
"""
from __future__ import annotations

from crosscheck.adapters import torch_modules
from crosscheck.adapters.base import NotApplicable, Trace, per_example, without_output_dA
from crosscheck.adapters.torch_autograd import to_numpy, to_torch
from crosscheck.checks.conventions import LABEL_SMOOTHING
from crosscheck.scenarios.dtypes import DTYPES


class TorchNnLoss(torch_modules.ModulesEngine):
    """The torch.nn network and torch.nn's loss module, ``reduction="mean"``."""

    name = "torch-nn"
    module = "torch"
    dtypes = DTYPES
    reduction = "mean"
    label_smoothing = 0.0

    def fused(self, s) -> bool:
        """Whether the output activation is fused into the loss (the loss takes the logits)."""
        return (s.loss, s.activations[-1]) in (("bce", "sigmoid"), ("cce", "softmax"))

    def loss(self, torch, s, A_L, Z_L, Y):
        """The loss module's value on the output, examples as rows, scaled to the article's J."""
        nn, m, n = torch.nn, s.m, s.layer_sizes[-1]
        to_J = 1 / m if self.reduction == "sum" else 1.0
        if s.loss == "bce":
            fn = nn.BCEWithLogitsLoss if self.fused(s) else nn.BCELoss
            return fn(reduction=self.reduction)(Z_L if self.fused(s) else A_L, Y) * to_J
        if s.loss == "cce":
            if not self.fused(s):
                raise NotApplicable("CrossEntropyLoss takes logits: a softmax output only", "not a softmax output")
            return nn.CrossEntropyLoss(reduction=self.reduction, label_smoothing=self.label_smoothing)(Z_L, Y) * to_J
        # MSELoss: mean over m n_L elements of (a - y)^2, or their sum; the article's J is sum / (2 m)
        return nn.MSELoss(reduction=self.reduction)(A_L, Y) * (n / 2 if self.reduction == "mean" else 1 / (2 * m))

    def trace(self, problem) -> Trace:
        torch = self.load()
        s, dtype, dev = problem.scenario, problem.X.dtype, self.device
        model = torch_modules.network(self, torch, problem, self.activations(torch))
        L, m = s.depth, s.m
        X = to_torch(torch, problem.X.T.copy(), dev, requires_grad=True)
        Y = to_torch(torch, problem.Y.T.copy(), dev)
        A, Z, a = {0: X}, {}, X
        for l in range(1, L + 1):
            Z[l] = model[2 * l - 2](a)
            Z[l].retain_grad()
            if l == L and self.fused(s):  # the loss takes the logits; A[L] is the activation's, beside it
                with torch.no_grad():
                    A[l] = model[2 * l - 1](Z[l])
            else:
                a = A[l] = model[2 * l - 1](Z[l])
                if A[l] is not Z[l]:
                    A[l].retain_grad()
        self.loss(torch, s, A[L], Z[L], Y).backward()
        rows = lambda t: to_numpy(t, dtype).T  # noqa: E731
        layers = range(1, L + 1)
        dA = {l: per_example(rows(A[l].grad if A[l] is not Z.get(l) else Z[l].grad), m)
              for l in range(0, L + 1) if not (l == L and self.fused(s))}
        trace = Trace(A={l: rows(v) for l, v in A.items()}, Z={l: rows(v) for l, v in Z.items()}, dA=dA,
                      dZ={l: per_example(rows(Z[l].grad), m) for l in layers},
                      dW={l: to_numpy(model[2 * l - 2].weight.grad, dtype) for l in layers},
                      db={l: to_numpy(model[2 * l - 2].bias.grad, dtype)[:, None] for l in layers})
        return without_output_dA(trace) if self.fused(s) else trace


class TorchNnLossSum(TorchNnLoss):
    """``reduction="sum"``."""

    name = "torch-nn-sum"
    reduction = "sum"


class TorchNnLabelSmoothing(TorchNnLoss):
    """``nn.CrossEntropyLoss(label_smoothing=LABEL_SMOOTHING)``: cce networks only."""

    name = "torch-nn-smoothing"
    conventions = ("label smoothing",)
    label_smoothing = LABEL_SMOOTHING

    def trace(self, problem) -> Trace:
        if problem.scenario.loss != "cce":
            raise NotApplicable("label smoothing is CrossEntropyLoss's: cce networks only", "not cce")
        return super().trace(problem)
