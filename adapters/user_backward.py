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
for every layer returned (per example; "dA0" is with respect to X); a key of that shape that
names no layer of the network, or a layer another key names too ("dW1" and "dW01"), fails.
Per-example gradients, where the function gives them, are compared too (x(a-y) per
example, crosscheck/checks/per_example.py): "dW{l}_per_example" of shape (m, n_l, n_{l-1})
and "db{l}_per_example" of shape (m, n_l, 1), each example's own gradient (no 1/m).

What a function computes is declared, never inferred from an exception (as scikit-learn's
checks read an estimator's tags): ``--activations``, ``--losses`` and ``--depths`` (the CLI,
``[tool.crosscheck]``, ``check()``, the plugin), or the function's attributes
``crosscheck_activations``, ``crosscheck_losses``, ``crosscheck_depths``
(``crosscheck.supports``); an option wins over the attribute.  A function without a ``loss``
parameter is for bce (its signature declares it).  A course forward computes fixed
activations; which ones is found once per run by probing small networks (``probe``) unless
declared.  Networks outside what is declared are ``not applicable``; on the others any
exception, ``NotImplementedError`` included, is a failure with its file and line.

A function must answer for its inputs alone, whatever it was called with before, on every
path (one process, workers, shards, the plugin): each scenario's compared call is preceded
by calls on other inputs of the same network (``other_inputs``: other weights for the same
data, other data for the same weights, other labels), so that a cache kept by shape, by X
or by the weights (never invalidated) meets them first and gives their answers: the very
dW, db for inputs whose truths differ fail with one line, and a forward pass kept from them
fails the values.  The compared call is thus never the first of a process, whichever path
ran it; the first (on the first other inputs) is made again after it, and an answer that
differs between the two (a first call unlike the others) fails.
The user's code runs in a child process (adapters/user_code.py).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace

import numpy as np

from crosscheck import reference
from crosscheck.adapters.base import Engine, NotApplicable, Trace
from crosscheck.adapters.user_code import DECLARATIONS, Code, Sandbox, UserCodeError

#: Seconds one scenario may take before it is a failure (``--timeout``).
DEFAULT_TIMEOUT = 10.0
#: The seed of the other inputs each scenario is called with between its two calls: the
#: scenario's seed plus this, so that it is never a draw of the suites.
DECOY_SEED = 1_000_003
#: A key of the contract's shape: a quantity and a layer number.
_KEY = re.compile(r"^(dW|db|dZ|dA)([0-9]+)$")  # ASCII digits: "dW١" is no key of the contract
#: A per-example key: "dW1_per_example", "db2_per_example" (Trace.dW_i, db_i).
_PER_EXAMPLE_KEY = re.compile(r"^(dW|db)([0-9]+)_per_example$")
#: The layers each quantity may name in an L-layer network (dA{L} and dA0 in either dA naming).
#: The first layer each quantity may name ("dA0": with respect to X); the last is L.
_FIRST = {"dW": 1, "db": 1, "dZ": 1, "dA": 0}


def grads_by_layer(grads: dict, L: int) -> dict:
    """{quantity: {layer: value}} of the contract's keys; UserCodeError when a key names no
    layer of the L-layer network ("dW4" of three layers, "dZ0") or a layer another key names
    too ("dW1" and "dW01": one would silently replace the other)."""
    out = {q: {} for q in ("dA", "dZ", "dW", "db", "dW_i", "db_i")}
    seen = {}
    for key in grads:
        match = _KEY.match(key)
        each = _PER_EXAMPLE_KEY.match(key) if not match else None
        if each:
            quantity, layer = f"{each[1]}_i", int(each[2])
            if not 1 <= layer <= L:
                raise UserCodeError(f"returned {key!r}, which names no layer of this {L}-layer network "
                                    f"({each[1]}1_per_example..{each[1]}{L}_per_example)")
            if (quantity, layer) in seen:
                raise UserCodeError(f"returned both {seen[quantity, layer]!r} and {key!r}: one key per layer")
            seen[quantity, layer] = key
            out[quantity][layer] = grads[key]
            continue
        if not match:
            continue
        quantity, layer = match[1], int(match[2])
        if not _FIRST[quantity] <= layer <= L:
            raise UserCodeError(f"returned {key!r}, which names no layer of this {L}-layer network "
                                f"({quantity}{_FIRST[quantity]}..{quantity}{L})")
        if (quantity, layer) in seen:
            raise UserCodeError(f"returned both {seen[quantity, layer]!r} and {key!r}, the same {quantity}[{layer}]: "
                                "one key per layer (which one would be compared?)")
        seen[quantity, layer] = key
        out[quantity][layer] = grads[key]
    return out


#: The arguments the harness passes itself (both contracts): no --set may give them.
CONTRACT = ("parameters", "X", "Y", "activations", "loss", "AL", "caches")


def parse_setting(text: str) -> tuple[str, object]:
    """``"NAME=VALUE"`` -> (NAME, the value as a Python literal, else the text); ValueError."""
    name, sep, value = str(text).partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise ValueError(f"--set {text!r}: expected NAME=VALUE, e.g. lambd=0 or keep_prob=1")
    try:
        return name, ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        return name, value.strip()


def _names(what: str, values, accepted, where: str) -> tuple:
    """The declared ``values`` checked against ``accepted``; ValueError with one line."""
    values = tuple(values)
    if what == "depths":
        if not values or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values):
            raise ValueError(f"{where}: depths must be whole numbers of layers >= 1, got {list(values)}")
        return values
    one = {"activations": "activation", "losses": "loss"}[what]
    unknown = [v for v in values if v not in accepted]
    if unknown or not values:
        raise ValueError(f"{where}: unknown {one} {unknown[0]!r}; accepted: {', '.join(accepted)}"
                         if unknown else f"{where}: no {one} given")
    return values


@dataclass(frozen=True)
class UserFunction:
    """Everything that builds the engine, in any process: picklable."""

    backward: Code
    forward: Code | None = None
    name: str = ""
    #: ``--activations``: networks with any other activation are not applicable.
    activations: tuple | None = None
    timeout: float = DEFAULT_TIMEOUT
    #: ``--losses`` and ``--depths``: networks of other losses or depths are not applicable.
    losses: tuple | None = None
    depths: tuple | None = None
    #: ``--set NAME=VALUE``: (name, value) pairs for the functions' extra parameters.
    settings: tuple = ()
    #: What the child found when it loaded the code (Sandbox.info); set by ``resolve``.
    info: dict | None = None
    #: (hidden, output) activations a course forward computes, found by ``probe``.
    computes: tuple | None = None
    #: Why an activation was not found (one line), for the not-applicable reason.
    probe_note: str = ""


def other_inputs(problem) -> list[tuple[str, object]]:
    """The other inputs of ``problem``'s network the function is called with before the
    scenario's compared call: (what they are, the Problem), each sharing part of the
    scenario's inputs with another draw's (the same shapes throughout), so that a cache kept
    by any part of them (shape, X, Y, the weights, or two of those) meets one of them."""
    from crosscheck.scenarios import Problem, build_problem

    s = problem.scenario
    seed = s.seed + DECOY_SEED
    other = build_problem(replace(s, seed=seed, source=""))
    return [(f"other weights for the same X and Y (seed {seed})", Problem(s, problem.X, problem.Y, other.parameters)),
            (f"other X and Y for the same weights (seed {seed})", Problem(s, other.X, other.Y, problem.parameters)),
            (f"other Y for the same X and weights (seed {seed})", Problem(s, problem.X, other.Y, problem.parameters))]


def user_function(backward, forward=None, name=None, activations=None, timeout=DEFAULT_TIMEOUT, losses=None,
                  depths=None, settings=None) -> UserFunction:
    """The spec of a user's function: "FILE.py:FUNC" or callables; ValueError with one line.
    ``settings``: {NAME: VALUE} or "NAME=VALUE" texts (``--set``)."""
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    if not timeout > 0:
        raise ValueError(f"timeout {timeout}: must be a positive number of seconds")
    if activations is not None:
        activations = _names("activations", activations, reference.ACTIVATIONS, "--activations")
    if losses is not None:
        losses = _names("losses", losses, reference.LOSSES, "--losses")
    if depths is not None:
        depths = _names("depths", depths, None, "--depths")
    if isinstance(settings, dict):
        pairs = tuple(settings.items())
        bad = [k for k, _ in pairs if not isinstance(k, str) or not k.isidentifier()]
        if bad:
            raise ValueError(f"set: {bad[0]!r} is not a parameter name")
    else:
        pairs = tuple(parse_setting(text) for text in settings or ())
    settings = tuple(dict(pairs).items())  # the last value of a name given twice
    taken = [name for name, _ in settings if name in CONTRACT]
    if taken:
        raise ValueError(f"--set {taken[0]}: {taken[0]} is an argument the harness gives (the scenario's); "
                         "--set is for the function's other parameters")
    if name:
        from crosscheck.engines import is_engine

        if is_engine(name) or name.startswith("mutant:"):
            raise ValueError(f"--name {name!r} is an engine's name; choose another (reports tell engines apart by it)")
    if forward is None and callable(backward):  # a notebook's pair: the forward of the same namespace
        found = getattr(backward, "__globals__", {}).get("L_model_forward")
        forward = found if callable(found) and found is not backward else None
    return UserFunction(Code.of(backward), Code.of(forward) if forward is not None else None, name or "",
                        activations, float(timeout), losses, depths, settings)


def _own_name(name: str) -> str:
    """The function's name in reports, kept apart from every engine's (a function called
    ``numpy`` or ``jax`` must not share rows, or conventions, with that engine)."""
    from crosscheck.engines import is_engine

    return f"{name} (yours)" if is_engine(name) or name.startswith("mutant:") else name


def resolve(spec: UserFunction) -> tuple[UserFunction, str]:
    """Load the code once (in a child) and, for a course pair without --activations, probe
    what its forward computes: (the completed spec, what the module printed on import).
    UserCodeError when it cannot be loaded."""
    box = Sandbox(spec.backward, spec.forward, spec.timeout, dict(spec.settings))
    try:
        info = box.start()
        spec = replace(spec, info=info, name=spec.name or _own_name(info["name"]))
        accepted = {"activations": reference.ACTIVATIONS, "losses": reference.LOSSES, "depths": None}
        for what, values in info["declared"].items():  # the function's own declaration, checked here
            try:
                _names(what, values, accepted[what], f"{info['name']}.{DECLARATIONS[what]}")
            except ValueError as exc:
                raise UserCodeError(str(exc)) from None
        if info["course"] and declared(spec)[0] is None:
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


def declared(spec: UserFunction, what: str = "activations") -> tuple[tuple | None, str]:
    """(the names ``spec`` declares for ``what``, who declared them: "--activations" or the
    function's attribute), or (None, "") when nothing is declared.  An option wins."""
    option = getattr(spec, what)
    if option is not None:
        return option, f"--{what}"
    values = (spec.info or {}).get("declared", {}).get(what)
    if values is not None:
        return tuple(values), f"{(spec.info or {}).get('name', spec.name)}.{DECLARATIONS[what]}"
    return None, ""


def _how_to_declare(name: str) -> str:
    return (f"if {name} is not meant to compute this network, declare what it computes: --activations, --losses, "
            f"--depths (check(activations=, losses=, depths=); or @crosscheck.supports(...) on the function)")


def _changed(first, second, dtype: str) -> str | None:
    """What differs between two answers (AL, grads) to the same inputs ("dW1", "AL", "set of
    keys"), or None: equal, or within the dtype's tolerance (a reduction that rounds
    differently from call to call)."""
    from crosscheck.checks.arrays import agrees
    from crosscheck.scenarios.tolerances import tolerance

    (AL1, g1), (AL2, g2) = first, second
    keys = [k for k in g1 if _KEY.match(k)]  # what is compared; other entries of grads are the function's own
    if keys != [k for k in g2 if _KEY.match(k)]:
        return "set of keys"
    pairs = [("AL", AL1, AL2)] if AL1 is not None else []
    for key, a, b in pairs + [(k, g1[k], g2[k]) for k in keys]:
        a, b = np.asarray(a), np.asarray(b)
        numbers = a.dtype.kind in "fiub" and b.dtype.kind in "fiub"
        if not (a.shape == b.shape and numbers and (np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
                                                   or agrees(a, b, tolerance(dtype)))):
            if not numbers and a.shape == b.shape and np.array_equal(a, b):
                continue  # not numbers (its own values fail as such): the same both times
            return key
    return None


def _truth(problem) -> dict:
    """The float64 reference's dW and db of ``problem``, rounded to its dtype, as grads keys."""
    from crosscheck.scenarios.problem import reference_trace

    s = problem.scenario
    with np.errstate(all="ignore"):
        ref = reference_trace(problem)
    return {f"{q}{l}": ref.get(q, l).astype(problem.X.dtype) for q in ("dW", "db") for l in range(1, s.depth + 1)}


def _same_gradients(a: dict, b: dict) -> bool:
    """True when two answers have the very same dW and db keys and values (a network whose
    gradients do not depend on what differs between two inputs, a dead layer's, can give
    the same truth twice: ``trace`` compares the truths too)."""
    keys = sorted(k for k in a if k[:2] in ("dW", "db"))
    if not keys or keys != sorted(k for k in b if k[:2] in ("dW", "db")):
        return False
    return all(np.shape(a[k]) == np.shape(b[k]) and np.array_equal(a[k], b[k]) for k in keys)


class UserBackward(Engine):
    """A user's backward function (and, for a course pair, its forward), as an engine."""

    def __init__(self, spec: UserFunction):
        super().__init__()
        if spec.info is None:
            spec, _ = resolve(spec)
        self.spec = spec
        self.name = spec.name
        self.box = Sandbox(spec.backward, spec.forward, spec.timeout, dict(spec.settings))
        #: scenario id -> what the user's code printed in it, until take_output hands it over.
        self.printed: dict = {}

    @property
    def dtypes(self):
        from crosscheck.scenarios.dtypes import DTYPES

        return DTYPES

    def not_applicable(self, s) -> NotApplicable | None:
        """Why the function does not compute scenario ``s``'s network (a NotApplicable to
        raise, its ``short`` the cause in a few words), or None."""
        info, spec = self.spec.info, self.spec
        losses, by = declared(spec, "losses")
        if losses is not None and s.loss not in losses:
            return NotApplicable(f"{by} declares {','.join(losses)}, not {s.loss}", f"loss {s.loss} (declared)")
        if losses is None and s.loss != "bce" and not info["takes_loss"]:
            return NotApplicable(f"{self.name} takes no loss argument, so it is for bce; this scenario's loss is "
                                 f"{s.loss}", f"loss {s.loss} (no loss parameter)")
        depths, by = declared(spec, "depths")
        if depths is not None and s.depth not in depths:
            return NotApplicable(f"{by} declares depths {','.join(map(str, depths))}, not {s.depth}",
                                 f"depth {s.depth} (declared)")
        activations, by = declared(spec, "activations")
        if activations is not None:
            other = sorted(set(s.activations) - set(activations))
            if other:
                return NotApplicable(f"{by} declares {','.join(activations)}, which leaves out {', '.join(other)}",
                                     f"{', '.join(other)} (declared)")
        elif spec.computes is not None and all(spec.computes):  # probing found what it computes
            hidden, outputs = spec.computes
            forward = info["forward"]
            probed = (f"not computed by {forward} (probed: hidden {', '.join(hidden) or 'none'}; output "
                      f"{', '.join(outputs)})")
            if s.activations[-1] not in outputs:
                found = ", ".join(outputs) or "none of the outputs probed"
                return NotApplicable(f"{forward} computes output {found}, not {s.activations[-1]} "
                                     f"(found by probing{spec.probe_note})", probed)
            other = sorted(set(s.activations[:-1]) - set(hidden))
            if other:
                return NotApplicable(f"{forward} computes hidden {', '.join(hidden) or 'none probed'}, not "
                                     f"{', '.join(other)} (found by probing)", probed)
        return None

    def _call(self, kind, args, s, decoy: str = ""):
        where = f" on {decoy}, called just before this scenario's inputs" if decoy else ""
        try:
            status, value, printed = self.box.call(kind, args)
        except UserCodeError as exc:  # timed out, or its process died
            raise UserCodeError(f"{self.name} {exc}{where}") from None
        if printed and not decoy:
            self.printed[s.id] = self.printed.get(s.id, "") + printed
        if status == "not implemented":
            hint = (f"{self.spec.info['forward']} computes this network (found by probing), so the backward must too"
                    if self.spec.info["course"] and declared(self.spec)[0] is None else _how_to_declare(self.name))
            raise UserCodeError(f"{self.name} raised {value}{where}: unfinished code fails; {hint}")
        if status == "raised":
            raise UserCodeError(f"{self.name} raised {value}{where}")
        return value

    def _answer(self, problem, decoy: str = ""):
        """The function's (AL or None, grads) on ``problem``."""
        s = problem.scenario
        params = {k: v.copy() for k, v in problem.parameters.items()}
        if self.spec.info["course"]:
            return self._call("course", (problem.X.copy(), params, problem.Y.copy(), list(s.activations), s.loss),
                              s, decoy)
        return None, self._call("dict", (params, problem.X.copy(), problem.Y.copy(), list(s.activations), s.loss),
                                s, decoy)

    def trace(self, problem) -> Trace:
        s = problem.scenario
        reason = self.not_applicable(s)
        if reason:
            raise reason
        fresh = self.box.fresh  # the first call of a process: on the first other inputs, made again after
        others, answers, raised = other_inputs(problem), [], None
        for what, other in others:
            try:
                answers.append((what, other, self._answer(other, decoy=what)))
            except UserCodeError as exc:  # said only if this scenario's own call does not raise
                raised = raised or exc
        AL, grads = self._answer(problem)
        if raised is not None:
            raise raised
        if fresh:
            what, other, first = answers[0]
            changed = _changed(first, self._answer(other, decoy=what), s.dtype)
            if changed:
                raise UserCodeError(f"{self.name} gave another {changed} for {what} the second time it was called "
                                    "with them (the first call of its process, then after this scenario's): an "
                                    "answer that depends on earlier calls")
        answers = [(what, other, answer[1]) for what, other, answer in answers] + [
            ("this scenario's inputs", problem, grads)]
        for i, (what, other, answer) in enumerate(answers):  # an earlier input's answer, given again?
            for before, earlier, old in answers[:i]:
                if _same_gradients(old, answer) and not _same_gradients(_truth(earlier), _truth(other)):
                    raise UserCodeError(f"{self.name} gave for {what} the very dW, db it gave for {before}, called "
                                        "just before: an answer kept from an earlier call (a cache kept by shape, by "
                                        "X or by the weights?)")
        A, Z = reference.forward(problem.parameters, problem.X, s.activations)
        given = set()
        if AL is not None:
            A = {**A, s.depth: AL}
            given = {("A", s.depth)}
        try:
            quantities = grads_by_layer(grads, s.depth)
        except UserCodeError as exc:
            raise UserCodeError(f"{self.name} {exc}") from None
        given |= {(q, l) for q, layers in quantities.items() for l in layers}
        for q in ("dW_i", "db_i"):  # per-example gradients: None when the function gives none
            quantities[q] = quantities[q] or None
        return Trace(A=A, Z=Z, **quantities, given=frozenset(given))

    def take_output(self, scenario_id: str) -> str:
        return self.printed.pop(scenario_id, "")

    def close(self):
        self.box.close()
