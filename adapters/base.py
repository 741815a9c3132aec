"""The one small interface every engine implements, and the Trace it returns.

An adapter names the module of its framework and imports it only when it is first
used (``load``), never at import time, so that importing ``adapters`` leaves torch and
jax out of ``sys.modules``.
"""
from __future__ import annotations

import importlib
import importlib.util

import numpy as np

from crosscheck.reference.trace import QUANTITIES, Trace


#: The frameworks this project has an extra for (pyproject.toml: pip install '.[NAME]').
EXTRAS = ("torch", "jax", "tensorflow", "autograd", "mlx", "opacus", "backpack", "optax")


class EngineUnavailable(RuntimeError):
    """The engine cannot run here; the message says why (e.g. not installed)."""


class _NotRun(Exception):
    """A scenario an engine does not run, with ``short``: a few words that say why, the same
    for every scenario of one cause (headlines count scenarios by it: "tanh (declared)")."""

    def __init__(self, reason: str, short: str | None = None):
        super().__init__(reason)
        self.short = short


class Unsupported(_NotRun):
    """``trace`` raises it for a scenario the engine does not run (a dtype, a size):
    status ``unsupported``, not a failure.  Never a user's function's: what it supports is
    declared (adapters/user_backward.py), and an exception from it is a failure."""


class NotApplicable(_NotRun):
    """``trace`` raises it for a network the engine does not compute by design (a user's
    function that declares other activations or losses, or takes no ``loss``): status
    ``not applicable``."""


class Engine:
    """One engine: ``trace(problem)`` runs the scenario's network through its autodiff."""

    #: The engine's name in reports and on the command line.
    name = ""
    #: The framework module the engine needs, imported by ``load`` (None: NumPy only).
    module: str | None = None
    #: Devices the engine can run on ("cpu", "cuda").
    devices = ("cpu",)
    #: Scenario dtypes the engine runs; others are reported ``unsupported`` with this list.
    dtypes = ("float64", "float32")
    #: A tolerance of the engine's own (scenarios.Tolerance), instead of the dtype's: the
    #: finite-difference engine's error is its step size's, not the dtype's.
    tolerance = None
    #: The quantities compared with the reference (fd: its A and Z are the reference's own).
    compares = QUANTITIES
    #: The device the engine runs on (set by ``__init__``).
    device = "cpu"
    #: Framework-specific conventions (crosscheck/checks/conventions.py) the engine's own
    #: settings can produce, e.g. "JAX without x64": only these may relabel its failing rows;
    #: the conventions of the mathematics (relu'(0), a saturated output) apply to every engine.
    conventions: tuple = ()
    #: Activations the engine leaves out, {name: why} (adapters/activation_tables.py): their
    #: scenarios are ``unsupported`` with that reason; any other activation of
    #: reference.ACTIVATIONS it must compute (tests/adapters/test_every_activation.py).
    skips: dict = {}
    #: Whether ``trace`` gives per-example gradients (Trace.dW_i, db_i; crosscheck/checks/
    #: per_example.py): a per-example mutant can be planted only in such an engine.
    per_example_gradients = False

    def __init__(self, device: str = "cpu"):
        self._framework = None
        if device not in self.devices:
            raise ValueError(f"engine {type(self).name} runs on {', '.join(self.devices)}, not {device}")
        self.device = device
        if device != "cpu":  # rows of the same engine on two devices stay apart: torch@cuda
            self.name = f"{type(self).name}@{device}"

    def unavailable_reason(self) -> str | None:
        """None if the framework is installed, else why not; imports nothing."""
        if self.module is None or importlib.util.find_spec(self.module) is not None:
            return None
        if self.module in EXTRAS:
            return f"{self.module} is not installed (pip install '.[{self.module}]')"
        return f"{self.module} is not installed (pip install {self.module.partition('.')[0]})"

    def load(self):
        """Import the framework (once) and return it; EngineUnavailable if that fails."""
        if self.module is None:
            return None
        if self._framework is None:
            reason = self.unavailable_reason()
            if reason:
                raise EngineUnavailable(reason)
            try:
                self._framework = importlib.import_module(self.module)
            except Exception as exc:  # a broken install is unavailable, not a crash
                raise EngineUnavailable(f"importing {self.module} failed: {exc}") from None
            self.configure(self._framework)
            reason = self.device_unavailable(self._framework)
            if reason:
                self._framework = None
                raise EngineUnavailable(reason)
        return self._framework

    def device_unavailable(self, framework) -> str | None:
        """None if ``self.device`` exists here, else why not (e.g. no CUDA device)."""
        return None

    def configure(self, framework) -> None:
        """Settings the engine needs once its framework is imported (e.g. JAX x64)."""

    def prepare(self, items) -> None:
        """The scenarios (or problems) about to run, in order, before the first ``trace``: an
        engine may start work ahead of them (jax compiles its programs in a thread). It
        must not change what ``trace`` returns."""

    def trace(self, problem) -> Trace:
        """A, Z, dA, dZ, dW, db for every layer, in the scenario's dtype (or raise
        Unsupported / NotApplicable for a scenario the engine does not run)."""
        raise NotImplementedError

    def take_output(self, scenario_id: str) -> str:
        """What the engine's code printed while it ran ``scenario_id`` (a user's function;
        "" for the others), handed over once."""
        return ""

    def close(self) -> None:
        """Release what the engine holds (a user's function: its child process)."""


def written_cost(xp, loss: str, A, Y, m: int):
    """J of ``loss`` written out on A[L] with the framework namespace ``xp`` (torch or
    jax.numpy: both have ``sum`` and ``log``), so that dA[L] is read from the engine too."""
    if loss == "bce":
        return -xp.sum(Y * xp.log(A) + (1 - Y) * xp.log(1 - A)) / m
    if loss == "cce":
        return -xp.sum(Y * xp.log(A)) / m
    return 0.5 * xp.sum((A - Y) ** 2) / m


def without_output_dA(trace: Trace) -> Trace:
    """``trace`` of a loss that takes the logits (a fused sigmoid or softmax output: torch.nn,
    optax, Keras): every quantity given but dA[L], which the fused loss never forms."""
    from dataclasses import replace

    L = max(trace.Z)
    given = {(q, l) for q in ("A", "Z", "dZ", "dW", "db") for l in range(1, L + 1)} | {("dA", l) for l in range(L)}
    return replace(trace, given=frozenset(given))


def per_example(gradient: np.ndarray, m: int) -> np.ndarray:
    """m * dJ/dQ: the per-example derivative dQ of the article from an engine's dJ/dQ."""
    return gradient * gradient.dtype.type(m)
