"""Engines behind one interface: ``numpy`` (the reference formulas), ``torch``, ``jax``.

Importing this package imports no framework: each adapter module is imported when the
engine is asked for, and the framework itself when the engine first runs.
"""
from __future__ import annotations

import importlib

from adapters.base import QUANTITIES, Adapter, EngineUnavailable, Trace

#: Engine name -> "module:class" of its adapter.
ENGINES = {
    "numpy": "adapters.numpy_reference:NumpyReference",
    "torch": "adapters.torch_autograd:TorchAutograd",
    "jax": "adapters.jax_grad:JaxGrad",
}


DEVICES = ("cpu", "cuda")


def get_adapter(name: str, device: str = "cpu") -> Adapter:
    """A new adapter for engine ``name`` on ``device``; ValueError naming what is accepted."""
    if name not in ENGINES:
        raise ValueError(f"unknown framework {name!r}; accepted: {', '.join(ENGINES)}")
    module, cls = ENGINES[name].split(":")
    return getattr(importlib.import_module(module), cls)(device)


__all__ = ["DEVICES", "ENGINES", "QUANTITIES", "Adapter", "EngineUnavailable", "Trace", "get_adapter"]
