"""Bring your own backward: ``FUNC(parameters, X, Y, activations) -> grads`` as an engine.

The course's dictionary style: ``parameters`` has "W1", "b1", ..., "WL", "bL"; ``X`` is
``(n_x, m)``, ``Y`` is ``(n_L, m)``; ``activations`` one name per layer; loss bce.  A
function with a ``loss`` parameter also gets the scenario's loss (``bce``, ``cce``,
``mse``); one without it is reported ``unsupported`` on scenarios of another loss.
``grads`` must have "dW{l}" and "db{l}" for every layer and may have "dZ{l}" and
"dA{l}" (per example; "dA0" is with respect to X).  The forward values A, Z in the
trace are the reference's, in the scenario's dtype (the function does not return its
own), so only dA, dZ, dW, db are compared with the reference.
"""
from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path

import numpy as np

import reference
from adapters.base import Adapter, Trace


class Unsupported(Exception):
    """The function raised NotImplementedError for this scenario."""


def load_function(spec: str):
    """``FILE.py:FUNC`` -> the function; ValueError with one clear line otherwise."""
    path, sep, name = spec.rpartition(":")
    if not sep or not path or not name:
        raise ValueError(f"--backward {spec!r}: expected FILE.py:FUNC")
    file = Path(path)
    if not file.is_file():
        raise ValueError(f"--backward: no file {file}")
    module_name = f"crosscheck_user_{file.stem}"
    module_spec = importlib.util.spec_from_file_location(module_name, file)
    module = importlib.util.module_from_spec(module_spec)
    try:
        sys.modules[module_name] = module
        module_spec.loader.exec_module(module)
    except Exception as exc:  # the user's file: any error is bad input, on one line
        raise ValueError(f"--backward: importing {file} failed: {type(exc).__name__}: {exc}") from None
    func = getattr(module, name, None)
    if not callable(func):
        raise ValueError(f"--backward: {file} has no function {name!r}")
    return func


def _layers(grads: dict, prefix: str) -> dict:
    out = {}
    for key, value in grads.items():
        if key.startswith(prefix) and key[len(prefix):].isdigit():
            out[int(key[len(prefix):])] = np.asarray(value)
    return out


class UserBackward(Adapter):
    """A user's backward function, checked like any engine."""

    #: Quantities the function may leave out: their rows are then not made.
    optional = ("dA", "dZ")
    compares = ("dA", "dZ", "dW", "db")

    def __init__(self, func, name: str | None = None):
        super().__init__()
        self.func = func
        self.name = name or getattr(func, "__name__", "backward")

    def _takes_loss(self) -> bool:
        try:
            return "loss" in inspect.signature(self.func).parameters
        except (TypeError, ValueError):  # a builtin or C function: no signature to read
            return False

    def trace(self, problem) -> Trace:
        s = problem.scenario
        params = {k: v.copy() for k, v in problem.parameters.items()}
        extra = {}
        if self._takes_loss():
            extra["loss"] = s.loss
        elif s.loss != "bce":
            raise Unsupported(f"the function takes no loss argument and the scenario's loss is {s.loss}")
        try:
            grads = self.func(params, problem.X.copy(), problem.Y.copy(), list(s.activations), **extra)
        except NotImplementedError as exc:
            raise Unsupported(str(exc) or "NotImplementedError") from None
        if not isinstance(grads, dict):
            raise TypeError(f"returned {type(grads).__name__}, not a dict of gradients")
        A, Z = reference.forward(problem.parameters, problem.X, s.activations)
        return Trace(A=A, Z=Z, dA=_layers(grads, "dA"), dZ=_layers(grads, "dZ"),
                     dW=_layers(grads, "dW"), db=_layers(grads, "db"))
