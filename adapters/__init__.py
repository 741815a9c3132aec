"""Engines behind one interface: ``numpy`` (the reference formulas), ``torch``, ``jax``,
``tensorflow``, ``autograd`` (HIPS), ``mlx``, ``fd`` (central differences of the cost, no
autodiff; float64 scenarios only).

Importing this package imports no framework: each adapter module is imported when the
engine is asked for, and the framework itself when the engine first runs.  Every engine
computes every activation of ``reference.ACTIVATIONS`` or declares, with a reason, the ones
it skips (``skips``: adapters/activation_tables.py); what an activation rests on (exp, erf,
...) it reads from the activation (``Activation.rests_on``), never from a table of its own.
"""
from __future__ import annotations

import importlib

from crosscheck.adapters.base import QUANTITIES, Engine, EngineUnavailable, NotApplicable, Trace, Unsupported

#: Engine name -> "module:class" of its adapter.
ENGINES = {
    "numpy": "crosscheck.adapters.numpy_reference:NumpyReference",
    "torch": "crosscheck.adapters.torch_autograd:TorchAutograd",
    "jax": "crosscheck.adapters.jax_grad:JaxGrad",
    "tensorflow": "crosscheck.adapters.tensorflow_tape:TensorflowTape",
    "autograd": "crosscheck.adapters.hips_autograd:HipsAutograd",
    "mlx": "crosscheck.adapters.mlx_grad:MlxGrad",
    "fd": "crosscheck.adapters.finite_differences:FiniteDifferences",
}


#: Engines that are run only when asked for by name: they show what relying on a
#: framework's default does (the gelu-defaults suite, the conventions suite), and are
#: not meant to pass every scenario.
VARIANTS = {
    "torch-gelu-default": "crosscheck.adapters.gelu_defaults:TorchGeluDefault",
    "jax-gelu-default": "crosscheck.adapters.gelu_defaults:JaxGeluDefault",
    "numpy-chain": "crosscheck.adapters.convention_engines:NumpyChain",
    "torch-bceloss": "crosscheck.adapters.convention_engines:TorchBCELoss",
    "jax-no-x64": "crosscheck.adapters.convention_engines:JaxNoX64",
    "opacus": "crosscheck.adapters.opacus_samples:OpacusHooks",
    "opacus-sum": "crosscheck.adapters.opacus_samples:OpacusHooksSum",
    "opacus-functorch": "crosscheck.adapters.opacus_samples:OpacusFunctorch",
    "opacus-functorch-sum": "crosscheck.adapters.opacus_samples:OpacusFunctorchSum",
    "backpack": "crosscheck.adapters.backpack_batchgrad:BackpackBatchGrad",
    "torch-nn": "crosscheck.adapters.torch_losses:TorchNnLoss",
    "torch-nn-sum": "crosscheck.adapters.torch_losses:TorchNnLossSum",
    "torch-nn-smoothing": "crosscheck.adapters.torch_losses:TorchNnLabelSmoothing",
    "jax-optax": "crosscheck.adapters.optax_losses:OptaxLoss",
    "keras": "crosscheck.adapters.keras_losses:KerasLoss",
    "keras-sum": "crosscheck.adapters.keras_losses:KerasSum",
    "keras-probabilities": "crosscheck.adapters.keras_losses:KerasProbabilities",
}

DEVICES = ("cpu", "cuda")


def get_engine(name: str, device: str = "cpu") -> Engine:
    """A new adapter for engine ``name`` on ``device``: a built-in (ENGINES, VARIANTS: these
    win), else a ``module.path:Class`` or an entry point of ``backprop_crosscheck.engines``
    (adapters/external.py).  external.EngineNotFound (a ValueError) naming what is accepted;
    ValueError for a device the engine does not run on."""
    known = {**ENGINES, **VARIANTS}
    if name not in known:
        from crosscheck.adapters import external

        return external.build(name, device, list(known))
    module, cls = known[name].split(":")
    return getattr(importlib.import_module(module), cls)(device)


__all__ = ["DEVICES", "ENGINES", "VARIANTS", "QUANTITIES", "Engine", "EngineUnavailable", "NotApplicable", "Trace",
           "Unsupported", "get_engine"]
