"""Bring your own backward: a user's function checked like any engine.

Two shapes of function are taken as they are written:

- the dictionary contract ``FUNC(parameters, X, Y, activations[, loss]) -> grads``:
  ``parameters`` has "W1", "b1", ..., "WL", "bL"; ``X`` is ``(n_x, m)``, ``Y`` is ``(n_L, m)``;
  ``activations`` one name per layer;
- the course's pair, unchanged: ``L_model_forward(X, parameters) -> (AL, caches)`` and
  ``L_model_backward(AL, Y, caches) -> grads`` (the forward is the module's
  ``L_model_forward`` or ``--forward``); the harness feeds the forward's output to the
  backward, as the course's notebooks do, and compares ``AL`` with the reference's A[L]
  (a ``forward`` row).

``grads`` must have "dW{l}" and "db{l}" for every layer; "dA{l}" and "dZ{l}" are compared
for every layer returned (per example; "dA0" is with respect to X).  A function without a
``loss`` parameter is for bce: scenarios of another loss are ``not applicable``.  A course
forward computes fixed activations; which ones is found once per run by probing small
networks (``probe``), or given (``--activations``), and networks with others are ``not
applicable``.  The user's code runs in a child process (adapters/user_code.py).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from crosscheck import reference
from crosscheck.adapters.base import Engine, NotApplicable, Trace, Unsupported
from crosscheck.adapters.user_code import Code, Sandbox, UserCodeError

#: Seconds one scenario may take before it is a failure (``--timeout``).
DEFAULT_TIMEOUT = 10.0


def _layers(grads: dict, prefix: str) -> dict:
    out = {}
    for key, value in grads.items():
        if key.startswith(prefix) and key[len(prefix):].isdigit():
            out[int(key[len(prefix):])] = value
    return out


@dataclass(frozen=True)
class UserFunction:
    """Everything that builds the engine, in any process: picklable."""

    backward: Code
    forward: Code | None = None
    name: str = ""
    #: ``--activations``: networks with any other activation are not applicable.
    activations: tuple | None = None
    timeout: float = DEFAULT_TIMEOUT
    #: What the child found when it loaded the code (Sandbox.info); set by ``resolve``.
    info: dict | None = None
    #: (hidden, output) activations a course forward computes, found by ``probe``.
    computes: tuple | None = None
    #: Why an activation was not found (one line), for the not-applicable reason.
    probe_note: str = ""


def user_function(backward, forward=None, name=None, activations=None, timeout=DEFAULT_TIMEOUT) -> UserFunction:
    """The spec of a user's function: "FILE.py:FUNC" or callables; ValueError with one line."""
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    if not timeout > 0:
        raise ValueError(f"timeout {timeout}: must be a positive number of seconds")
    if activations is not None:
        activations = tuple(activations)
        unknown = [a for a in activations if a not in reference.ACTIVATIONS]
        if unknown or not activations:
            raise ValueError(f"unknown activation {unknown[0]!r}; accepted: {', '.join(reference.ACTIVATIONS)}"
                             if unknown else "no activation given")
    if name:
        from crosscheck.engines import is_engine

        if is_engine(name) or name.startswith("mutant:"):
            raise ValueError(f"--name {name!r} is an engine's name; choose another (reports tell engines apart by it)")
    if forward is None and callable(backward):  # a notebook's pair: the forward of the same namespace
        found = getattr(backward, "__globals__", {}).get("L_model_forward")
        forward = found if callable(found) and found is not backward else None
    return UserFunction(Code.of(backward), Code.of(forward) if forward is not None else None, name or "",
                        activations, float(timeout))


def _own_name(name: str) -> str:
    """The function's name in reports, kept apart from every engine's (a function called
    ``numpy`` or ``jax`` must not share rows, or conventions, with that engine)."""
    from crosscheck.engines import is_engine

    return f"{name} (yours)" if is_engine(name) or name.startswith("mutant:") else name


def resolve(spec: UserFunction) -> tuple[UserFunction, str]:
    """Load the code once (in a child) and, for a course pair without --activations, probe
    what its forward computes: (the completed spec, what the module printed on import).
    UserCodeError when it cannot be loaded."""
    box = Sandbox(spec.backward, spec.forward, spec.timeout)
    try:
        info = box.start()
        spec = replace(spec, info=info, name=spec.name or _own_name(info["name"]))
        if info["course"] and spec.activations is None:
            computes, note = probe(box)
            spec = replace(spec, computes=computes, probe_note=note)
        return spec, box.load_output
    finally:
        box.close()


def _probes(hidden=None):
    """Small float64 networks, one activation at a time: outputs alone, or one hidden layer."""
    from crosscheck.scenarios.spec import Scenario

    outputs = (("sigmoid", "bce", 1), ("softmax", "cce", 3), ("identity", "mse", 1), ("tanh", "mse", 2))
    if hidden is None:
        return [(out, Scenario((4, n), (out,), 6, loss=loss, seed=7)) for out, loss, n in outputs]
    out, loss, n = next(o for o in outputs if o[0] == hidden[1])
    return [Scenario((4, 5, n), (hidden[0], out), 6, loss=loss, seed=7)]


def _forward_matches(box: Sandbox, scenario) -> tuple[bool, str]:
    from crosscheck.scenarios import build_problem

    p = build_problem(scenario)
    status, AL, _ = box.call("forward", (p.X, p.parameters, list(scenario.activations)), timeout=min(box.timeout, 5))
    if status != "ok":
        return False, AL
    A, _ = reference.forward(p.parameters, p.X, scenario.activations)
    expected = A[scenario.depth]
    return np.shape(AL) == expected.shape and bool(np.allclose(AL, expected, rtol=1e-5, atol=1e-7)), ""


def probe(box: Sandbox) -> tuple[tuple, str]:
    """((hidden activations, output activations) the forward computes, a note on failures).

    A forward that matches no output, or no hidden activation, restricts nothing: every
    network is then checked and its A[L] rows fail (a wrong forward is a failure, never a
    reason to check fewer networks)."""
    from crosscheck.scenarios.suites import ALL_HIDDEN

    errors = []

    def matches(s):
        try:
            ok, error = _forward_matches(box, s)
        except UserCodeError as exc:
            ok, error = False, str(exc)
        if error:
            errors.append(error)
        return ok

    outputs = [out for out, s in _probes() if matches(s)]
    hidden = [h for h in ALL_HIDDEN if any(matches(s) for out in outputs for s in _probes((h, out)))]
    note = f"; on the probe networks it raised {errors[0]}" if errors and not outputs else ""
    return (tuple(hidden), tuple(outputs)), note


class UserBackward(Engine):
    """A user's backward function (and, for a course pair, its forward), as an engine."""

    def __init__(self, spec: UserFunction):
        super().__init__()
        if spec.info is None:
            spec, _ = resolve(spec)
        self.spec = spec
        self.name = spec.name
        self.box = Sandbox(spec.backward, spec.forward, spec.timeout)
        #: scenario id -> what the user's code printed in it, until take_output hands it over.
        self.printed: dict = {}

    @property
    def dtypes(self):
        from crosscheck.scenarios.dtypes import DTYPES

        return DTYPES

    def not_applicable(self, s) -> str | None:
        """Why the function does not compute scenario ``s``'s network, or None."""
        info, spec = self.spec.info, self.spec
        if s.loss != "bce" and not info["takes_loss"]:
            return f"{self.name} takes no loss argument, so it is for bce; this scenario's loss is {s.loss}"
        if spec.activations is not None:
            other = sorted(set(s.activations) - set(spec.activations))
            if other:
                return f"--activations {','.join(spec.activations)} leaves out {', '.join(other)}"
        elif spec.computes is not None and all(spec.computes):  # probing found what it computes
            hidden, outputs = spec.computes
            forward = info["forward"]
            if s.activations[-1] not in outputs:
                found = ", ".join(outputs) or "none of the outputs probed"
                return (f"{forward} computes output {found}, not {s.activations[-1]} "
                        f"(found by probing{spec.probe_note})")
            other = sorted(set(s.activations[:-1]) - set(hidden))
            if other:
                return (f"{forward} computes hidden {', '.join(hidden) or 'none probed'}, not {', '.join(other)} "
                        "(found by probing)")
        return None

    def _call(self, kind, args, s):
        try:
            status, value, printed = self.box.call(kind, args)
        except UserCodeError as exc:  # timed out, or its process died
            raise UserCodeError(f"{self.name} {exc}") from None
        if printed:
            self.printed[s.id] = self.printed.get(s.id, "") + printed
        if status == "unsupported":
            raise Unsupported(value)
        if status == "raised":
            raise UserCodeError(f"{self.name} raised {value}")
        return value

    def trace(self, problem) -> Trace:
        s = problem.scenario
        reason = self.not_applicable(s)
        if reason:
            raise NotApplicable(reason)
        params = {k: v.copy() for k, v in problem.parameters.items()}
        A, Z = reference.forward(problem.parameters, problem.X, s.activations)
        if self.spec.info["course"]:
            AL, grads = self._call("course", (problem.X.copy(), params, problem.Y.copy(), list(s.activations),
                                              s.loss), s)
            A = {**A, s.depth: AL}
            given = {("A", s.depth)}
        else:
            grads = self._call("dict", (params, problem.X.copy(), problem.Y.copy(), list(s.activations), s.loss), s)
            given = set()
        quantities = {q: _layers(grads, q) for q in ("dA", "dZ", "dW", "db")}
        given |= {(q, l) for q, layers in quantities.items() for l in layers}
        return Trace(A=A, Z=Z, **quantities, given=frozenset(given))

    def take_output(self, scenario_id: str) -> str:
        return self.printed.pop(scenario_id, "")

    def close(self):
        self.box.close()
