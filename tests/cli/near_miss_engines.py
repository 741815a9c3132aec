"""Engines whose dW is off by a known relative amount, for the tolerance-override tests.

Named as ``module.path:Class`` (``tests.cli.near_miss_engines:NearMiss``), so that spawned
``--workers`` and shards build them as the registry builds any engine from outside.  On
float64 scenarios the measured rtol is 1e-11 (scenarios/tolerances.py):

- ``NearMiss``: every dW times (1 + 1e-9): fails the measured table, passes rtol 4e-9;
- ``WellWithin``: every dW times (1 + 3e-12): passes the measured table, fails rtol 1e-12;
- ``near_miss_backward``: NearMiss as a user's function (``check``, ``--backward``).
"""
from __future__ import annotations

from dataclasses import replace

from crosscheck.adapters.numpy_reference import NumpyReference


class _Scaled(NumpyReference):
    factor = 1.0

    def trace(self, problem):
        trace = super().trace(problem)
        return replace(trace, dW={l: dW * (1 + self.factor) for l, dW in trace.dW.items()})


class NearMiss(_Scaled):
    factor = 1e-9


class WellWithin(_Scaled):
    factor = 3e-12


def near_miss_backward(parameters, X, Y, activations, loss):
    """The reference's gradients with every dW times (1 + 1e-9), in the dictionary contract."""
    from crosscheck import reference

    trace = reference.trace(parameters, X, Y, activations, loss=loss)
    return {**{f"dW{l}": dW * (1 + NearMiss.factor) for l, dW in trace.dW.items()},
            **{f"db{l}": db for l, db in trace.db.items()}}
