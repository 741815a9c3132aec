"""Failing rows a finding of the ledger explains (crosscheck/findings/ledger.py), checked
value by value as conventions are (crosscheck/checks/conventions.py).

For a built-in engine's scenario in a finding's scope: the float64 reference is recomputed
with the engine's own g and g' (crosscheck/findings/evaluations.py, the functions its
adapter runs) for the activations in scope, and the rest of the article's formulas as they
are.  A failing (quantity, layer) is explained when the engine's value agrees with that
trace within the dtype's tolerance, and the engine's g and g' at every Z of that trace stay
within the finding's figure of the reference's (relative, value by value).  So the
finding explains exactly the op's error as measured, not a slip elsewhere in the backward
pass, and not a g' off by more than the figure.
"""
from __future__ import annotations

import numpy as np

from crosscheck import reference
from crosscheck.checks.arrays import agrees
from crosscheck.checks.per_example import with_per_example
from crosscheck.reference.activations import Activation, activation
from crosscheck.scenarios.tolerances import tolerance


def builtin_name(engine) -> str | None:
    """The name of the built-in engine whose values ``engine`` gives, or None: the engine
    itself, or the host of a mutant planted in it (analyses/planted.py: its values are the
    host's, changed by exactly the mutant's change); a user's function, a mutant of the
    reference or a third-party engine named like a built-in one is none."""
    from crosscheck.adapters import ENGINES

    engine = _hosting(engine)
    path = ENGINES.get(engine.name)
    return engine.name if path == f"{type(engine).__module__}:{type(engine).__qualname__}" else None


def findings_engine(engine) -> str | None:
    """The built-in engine whose findings cover ``engine``'s rows, or None: ``builtin_name``,
    or for a built-in variant that runs another built-in engine's activation ops
    (``Engine.activation_ops``: Opacus, BackPACK and torch.nn's losses run torch's, as
    ``torch.nn`` modules), that engine, its ops measured as that engine runs them."""
    from crosscheck.adapters import VARIANTS

    name = builtin_name(engine)
    if name is not None:
        return name
    engine = _hosting(engine)
    path = VARIANTS.get(engine.name)
    return getattr(engine, "activation_ops", None) if path == f"{type(engine).__module__}:{type(engine).__qualname__}" \
        else None


def _hosting(engine):
    """The engine whose values ``engine`` gives: the host of a planted mutant, else itself."""
    host = getattr(getattr(engine, "host", None), "engine", None)
    return engine if host is None else host


def applicable(engine, scenario) -> list:
    """The findings whose scope holds ``scenario`` run by ``engine`` (``findings_engine``)."""
    from crosscheck.findings.ledger import FINDINGS

    name = findings_engine(engine)
    return [] if name is None else [f for f in FINDINGS if f.covers(name, scenario.dtype, scenario.activations)]


#: Values of g or g' smaller than this in magnitude are judged against it, not against
#: themselves: near a root of g' (gelu', silu') or deep in a tail the relative error of any
#: float computation grows without bound, and those values weigh nothing at the network
#: level's tolerance. An absolute floor, so that a figure measured on the survey's grid
#: bounds a scenario's values whatever their range (a floor relative to the array's largest
#: value did not: MLX's silu in a fuzz example).
RELATIVE_FLOOR = 1e-3


def deviation(got, want) -> float:
    """The worst relative distance of ``got`` from ``want``, each value against
    max(|want|, RELATIVE_FLOOR): the finding's figure and its bound are both this."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if got.shape != want.shape:
        return np.inf
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    if same.all():
        return 0.0
    if not np.isfinite(got[~same]).all() or not np.isfinite(want[~same]).all():
        return np.inf
    floor = RELATIVE_FLOOR
    return float(np.max(np.abs(got - want)[~same] / np.maximum(np.abs(want[~same]), floor)))


#: The figure is measured for |z| up to this: beyond the suites' reach (their tails regime
#: goes to where g' is 1e-6 of its peak: |z| < 17), before float32-range exps overflow
#: (MLX's float64 exp(89) = inf). A scenario's Z beyond it is judged all the same: a value
#: off by more than the figure there leaves the row failing.
DOMAIN = 40.0


def measure(finding) -> dict:
    """{activation: its figure as measured here now}: ``deviation`` of the engine's g and g' of
    its activations from the reference's, on the op-level survey's grid of its dtype
    (crosscheck/findings/survey.py) within DOMAIN, the worst of them."""
    from crosscheck.findings.evaluations import evaluate
    from crosscheck.findings.survey import grid

    z = grid(finding.dtype)
    z = z[np.abs(z) <= DOMAIN]
    values, _ = evaluate(finding.engine, finding.dtype, z, list(finding.activations))
    measured = {}
    for name in finding.activations:
        g, g_prime, _ = values[name]
        exact = activation(name)
        with np.errstate(all="ignore"):
            measured[name] = max(deviation(g, exact.g(z)), deviation(g_prime, exact.g_prime(z)))
    return measured


class _EngineActivation:
    """The engine's g and g' of one activation as an Activation for the reference, with the
    worst relative distance of its values from the reference's own, over every Z it saw."""

    def __init__(self, engine_name: str, dtype: str, name: str):
        self.engine_name, self.dtype, self.name = engine_name, dtype, name
        self.exact = activation(name)
        self.worst = 0.0

    def _both(self, z):
        from crosscheck.findings.evaluations import evaluate

        values, _ = evaluate(self.engine_name, self.dtype, np.asarray(z, np.float64), [self.name])
        g, g_prime, _ = values[self.name]
        with np.errstate(all="ignore"):
            self.worst = max(self.worst, deviation(g, self.exact.g(z)), deviation(g_prime, self.exact.g_prime(z)))
        return g, g_prime

    def activation(self) -> Activation:
        return Activation(self.name, lambda z: self._both(z)[0], lambda z, a=None: self._both(z)[1])


def explain(problem, engine, trace, failing: list[tuple[str, int]], scales: dict | None = None) -> dict:
    """{(quantity, layer): [the findings]} for the failing rows the findings in scope explain
    (with a kink's convention where one applies: the same g'(0) choices as conventions.py's)."""
    s = problem.scenario
    found = applicable(engine, s)
    if not found or not failing:
        return {}
    in_scope = {name for f in found for name in f.activations if name in s.activations}
    if any(not activation(name).elementwise for name in in_scope):
        return {}  # softmax's Jacobian: not recomputed from the engine's own (stays a failure)
    engine_g = {name: _EngineActivation(findings_engine(engine), s.dtype, name) for name in in_scope}
    p = problem.astype(np.float64)
    alternatives = []
    slope = _slope_choice(problem, engine)
    for at_zero in _kink_choices(problem, engine, trace):  # a finding and a kink's convention at once
        try:
            with np.errstate(all="ignore"):
                alternatives.append(with_per_example(reference.trace(
                    p.parameters, p.X, p.Y,
                    [engine_g[a].activation() if a in engine_g else slope.get(a) or _at_zero(a, at_zero)
                     for a in s.activations], loss=s.loss), trace, s))
        except Exception:  # the engine's op could not be evaluated here: nothing explained
            return {}
    # each activation within the figure of the finding that covers it (the smallest, if several)
    from crosscheck.findings.ledger import MARGIN

    for name, g in engine_g.items():
        figure = min(f.figure(name) for f in found if name in f.activations)
        if not g.worst <= MARGIN * figure:
            return {}
    tol = tolerance(s.dtype)
    explained = {}
    for q, l in failing:
        terms = (scales or {}).get((q, l))
        if any(agrees(alternative.get(q, l), trace.get(q, l), tol, terms) for alternative in alternatives):
            explained[(q, l)] = found
    return explained


def _kink_choices(problem, engine, trace) -> list[dict]:
    """{activation: g'(0)} variants to recompute with: none, and those of the kink conventions
    that apply here (crosscheck/checks/conventions.py: an exact zero of a ReLU-type layer)."""
    from crosscheck.checks.conventions import _exact_zeros

    if not _exact_zeros(problem, trace):
        return [{}]
    claims = _hosting(engine).conventions
    choices = [{}, {"leaky_relu": 1.0}, {"relu": 1.0}]
    if "np.maximum's tie" in claims:
        choices.append({"relu": 0.5, "leaky_relu": 0.505})
    return choices


def _slope_choice(problem, engine) -> dict:
    """{"leaky_relu": TensorFlow's float32 slope} where the engine claims that convention in a
    float64 network (a finding and that convention at once), else {}."""
    from crosscheck.checks.conventions import float32_slope_leaky_relu

    claims = _hosting(engine).conventions
    if "float32 leaky_relu slope" in claims and problem.scenario.dtype == "float64":
        return {"leaky_relu": float32_slope_leaky_relu()}
    return {}


def _at_zero(name, at_zero: dict):
    """The reference's activation ``name``, its g'(0) replaced as ``at_zero`` says."""
    if name not in at_zero:
        return name
    exact = activation(name)

    def g_prime(z, a=None):
        return np.where(z == 0, at_zero[name], exact.g_prime(z, a)).astype(z.dtype)

    return Activation(name, exact.g, g_prime)


#: What re-measuring a finding can say (``verify``).
REPRODUCES = "reproduces"
GONE = "no longer reproduces"
CHANGED = "changed"
NOT_INSTALLED = "not measured"


def verify(finding) -> tuple[str, dict, str]:
    """(status, {activation: measured figure}, a few words): REPRODUCES when every figure
    measured here is within MARGIN of the ledger's; GONE when every one is within the dtype's
    own tolerance (the engine now computes the function to the network-level check's
    precision); CHANGED otherwise (a new figure for the ledger); NOT_INSTALLED when the
    engine cannot run here."""
    from crosscheck.adapters import get_engine
    from crosscheck.findings.ledger import MARGIN

    reason = get_engine(finding.engine).unavailable_reason()
    if reason:
        return NOT_INSTALLED, {}, reason
    measured = measure(finding)
    rtol = tolerance(finding.dtype).rtol
    if all(measured[a] <= rtol for a in finding.activations):
        return GONE, measured, f"every figure within the {finding.dtype} tolerance (rtol {rtol:g})"
    off = [a for a, figure in finding.figures if not figure / MARGIN <= measured[a] <= figure * MARGIN]
    if off:
        return CHANGED, measured, "; ".join(f"{a} {measured[a]:.2g} against {finding.figure(a):.2g}" for a in off)
    return REPRODUCES, measured, ""


def run_lines(df, strict: bool) -> tuple[bool, list[str]]:
    """(whether the run's findings stand, lines to print) for the findings of the engines that
    ran in ``df`` (a run's rows): under ``strict`` each is measured again (``verify``) and one
    that no longer reproduces, or whose figure changed, fails the run; otherwise a finding
    whose scope the run covered but which explained no row is said (it may be gone)."""
    from crosscheck.findings.ledger import FINDINGS
    from crosscheck.running.statuses import FINDING
    from crosscheck.scenarios import Scenario

    ran = set(df.loc[df["check"] != "run", "engine"]) if len(df) else set()
    ran |= _ops_of(ran)  # a variant that runs torch's ops (Opacus, BackPACK): torch's findings too
    if strict:
        lines = stale_lines(ran)
        return not lines, lines
    lines = []
    labelled = df.loc[df["status"] == FINDING, "message"] if len(df) else df
    for f in FINDINGS:
        if f.engine not in ran:
            continue
        if labelled.str.contains(f"finding ({f.id})", regex=False).any():
            continue
        ids = df.loc[(df["engine"] == f.engine) & (df["dtype"] == f.dtype), "scenario"].unique()
        in_scope = sum(f.covers(f.engine, f.dtype, Scenario.from_id(i).activations) for i in ids
                       if _parses(Scenario, i))
        if in_scope:
            lines.append(f"finding {f.id}: {in_scope} scenarios in its scope, no row needed it (does it still "
                         "reproduce? crosscheck findings)")
    return True, lines


def _ops_of(names) -> set:
    """The built-in engines whose activation ops the built-in variants among ``names`` run
    (Engine.activation_ops); their adapters' modules import no framework."""
    from importlib import import_module

    from crosscheck.adapters import VARIANTS

    ops = set()
    for name in names:
        if name in VARIANTS:
            module, cls = VARIANTS[name].split(":")
            ops.add(getattr(getattr(import_module(module), cls), "activation_ops", None))
    return ops - {None}


def stale_lines(engines) -> list[str]:
    """Under --strict-findings (every path: run, merge, check(), the plugin): each finding of
    these engines measured again (``verify``); a line for each that no longer reproduces or
    whose figure changed, each of which fails the run.  Empty: the ledger stands."""
    from crosscheck.findings.ledger import FINDINGS

    lines = []
    for f in FINDINGS:
        if f.engine in engines:
            status, _, why = verify(f)
            if status not in (REPRODUCES, NOT_INSTALLED):
                lines.append(f"finding {f.id} {status} ({why}): --strict-findings fails the run; update "
                             "crosscheck/findings/ledger.py (crosscheck findings)")
    return lines


def _parses(scenario_class, sid: str) -> bool:
    try:
        scenario_class.from_id(sid)
    except ValueError:
        return False
    return True
