"""Each formula of the reference lives in one place: editing it changes the reference trace.

The design's third use is a regression check for a maintainer who changes a formula.  That
works only when the trace, the identities, localisation and the mutants all call the one
function that holds a formula, and no second copy (a fast path written beside it) computes
the trace instead.  So, as a maintainer would: every ``return EXPR`` of every function of
the modules below, one at a time, becomes ``return 2 * (EXPR)`` (rewritten with ``ast``,
compiled, and swapped into the function object's ``__code__``, so that every importer sees
it; restored afterwards), and the reference trace of small networks that reach every
branch (bce/sigmoid with every element-wise activation as a hidden layer, cce/softmax,
mse with its canonical identity output and with a non-canonical tanh output, each by
both derivations of dZ[L]), per-example gradients included, must change.  The cost's formulas (the trace holds no J) must
change ``reference.cost`` instead.  A formula whose edit changes nothing fails, by name.
"""
from __future__ import annotations

import __future__
import ast
import copy
import importlib
import inspect
from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from crosscheck import reference
from crosscheck.reference.activations import ACTIVATIONS
from crosscheck.reference.steps import FORMULAS
from crosscheck.reference.trace import PER_EXAMPLE, QUANTITIES

#: The modules of reference/ that hold a formula of the article.  Not listed: trace.py
#: (the Trace container), derivations.py (the article's printed steps in SymPy, audited
#: by crosscheck/analyses/audit.py, no part of the trace), directions.py (random
#: directions for fd's projections and the Taylor test), __init__.py (re-exports).
MODULES = ("gradients", "losses", "steps", "network", "activations")

#: Functions whose edit must change reference.cost (J), not the trace (which holds no J).
COST = {
    "losses": ("bce_losses", "cce_losses", "mse_losses", "example_losses", "batch_cost"),
    "network": ("cost",),
}

#: Functions deliberately not edited: they hold no formula (lookups, predicates, the
#: composition of the formulas into dictionaries), so ``2 * (EXPR)`` means nothing for them.
LEFT_OUT = {
    "losses.is_canonical": "a predicate (which derivation of dZ[L] applies), not a value",
    "losses.bce_cost": "the article's name for batch_cost('bce'); nothing of the reference calls it",
    "network.depth": "counts the layers",
    "network._derivation": "chooses the derivation of dZ[L] (a name)",
    "network.forward": "composes linear and g[l] into the dictionaries A, Z",
    "network.backward": "composes the steps into the dictionaries dA, dZ, dW, db",
    "network.trace": "wraps forward and backward into a Trace",
    "network.per_example_gradients": "composes the per-example formulas into the dictionaries dW_i, db_i",
    "network.gradients": "renames the trace's arrays to the course's keys",
    "activations.activation": "looks an activation up by name",
    "activations.Activation.elementwise": "a property: whether g' is element-wise",
}


def _network(sizes, activations, loss, seed, m=5):
    rng = np.random.default_rng(seed)
    P = {}
    for l in range(1, len(sizes)):
        P[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1])) / np.sqrt(sizes[l - 1])
        P[f"b{l}"] = 0.5 * rng.standard_normal((sizes[l], 1))
    X = rng.standard_normal((sizes[0], m))
    if loss == "bce":
        Y = (rng.random((1, m)) < 0.5) * 1.0
    elif loss == "cce":
        Y = np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], m)]
    else:
        Y = rng.standard_normal((sizes[-1], m))
    return P, X, Y, list(activations), loss


HIDDEN = [name for name, act in ACTIVATIONS.items() if act.elementwise]  # every one, as a hidden layer
NETWORKS = (
    _network([3] + [4] * len(HIDDEN) + [1], HIDDEN + ["sigmoid"], "bce", 1),
    _network([3, 4, 3], ["relu", "softmax"], "cce", 2),
    _network([3, 4, 2], ["tanh", "identity"], "mse", 3),
    _network([3, 4, 2], ["leaky_relu", "tanh"], "mse", 4),  # non-canonical: the chain rule only
)


def _traces(formulas=FORMULAS):
    out = []
    with np.errstate(all="ignore"):
        for P, X, Y, acts, loss in NETWORKS:
            for derivation in ("direct", "chain"):
                if derivation == "direct" and not reference.is_canonical(loss, acts[-1]):
                    continue
                out.append(reference.trace(P, X, Y, acts, derivation=derivation, loss=loss, formulas=formulas,
                                           per_example=X.shape[1]))
    return out


def _costs():
    with np.errstate(all="ignore"):
        return [np.asarray(reference.cost(P, X, Y, acts, loss=loss)) for P, X, Y, acts, loss in NETWORKS]


def _arrays(traces):
    return [np.asarray(v) for t in traces for q in QUANTITIES + PER_EXAMPLE for _, v in sorted(t.layers(q).items())]


def _same(before, after) -> bool:
    return len(before) == len(after) and all(
        a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes() for a, b in zip(before, after))


def _functions(module):
    """(qualified name, function object, its ast node) of every function the module defines."""
    tree = ast.parse(inspect.getsource(module))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, vars(module)[node.name], node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    fn = vars(getattr(module, node.name))[item.name]
                    yield f"{node.name}.{item.name}", getattr(fn, "fget", fn), item


def _returns(node):
    """The ``return EXPR`` statements of the function itself (not of functions nested in it)."""
    found, stack = [], list(node.body)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Return) and n.value is not None:
            found.append(n)
        elif not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(n))
    return sorted(found, key=lambda r: r.lineno)


@contextmanager
def _doubled(module, fn, node, lineno):
    """``fn`` with its ``return EXPR`` at ``lineno`` made ``return 2 * (EXPR)``, then restored."""
    edited = copy.deepcopy(node)
    edited.decorator_list = []
    for ret in _returns(edited):
        if ret.lineno == lineno:
            ret.value = ast.BinOp(ast.Constant(2), ast.Mult(), ret.value)
    tree = ast.fix_missing_locations(ast.Module(body=[edited], type_ignores=[]))
    namespace = dict(vars(module))
    exec(compile(tree, module.__file__, "exec", flags=__future__.annotations.compiler_flag, dont_inherit=True),
         namespace)
    original = fn.__code__
    fn.__code__ = namespace[node.name].__code__
    try:
        yield
    finally:
        fn.__code__ = original


def _edits():
    for short in MODULES:
        module = importlib.import_module(f"crosscheck.reference.{short}")  # reference.gradients is a function
        for name, fn, node in _functions(module):
            if f"{short}.{name}" in LEFT_OUT:
                continue
            for ret in _returns(node):
                yield module, f"{short}.{name}", fn, node, ret.lineno


def test_every_function_is_edited_or_left_out_with_a_reason():
    """A new function of these modules is classified: a formula (edited) or a helper (LEFT_OUT)."""
    names = {f"{short}.{name}" for short in MODULES
             for name, _, _ in _functions(importlib.import_module(f"crosscheck.reference.{short}"))}
    assert set(LEFT_OUT) <= names, f"LEFT_OUT names functions that no longer exist: {set(LEFT_OUT) - names}"
    edited = {name for _, name, _, _, _ in _edits()}
    no_return = names - set(LEFT_OUT) - edited
    assert not no_return, f"functions with no `return EXPR` to edit (a formula must return its value): {no_return}"


def test_editing_any_formula_changes_the_reference_trace():
    before_trace, before_cost = _arrays(_traces()), _costs()
    unseen, raised = [], []
    for module, name, fn, node, lineno in _edits():
        short, _, func = name.partition(".")
        is_cost = func in COST.get(short, ())
        with _doubled(module, fn, node, lineno):
            try:
                after = _costs() if is_cost else _arrays(_traces())
            except Exception as exc:  # noqa: BLE001 - a helper, not a formula: it belongs in LEFT_OUT
                raised.append(f"{name} (line {lineno}): {type(exc).__name__}: {exc}")
                continue
        if _same(before_cost if is_cost else before_trace, after):
            unseen.append(f"{name} (line {lineno})" + (" [cost]" if is_cost else ""))
    assert _same(before_trace, _arrays(_traces())) and _same(before_cost, _costs()), "an edit was not restored"
    assert not raised, "edits that made the trace raise (a helper: list it in LEFT_OUT): " + "; ".join(raised)
    assert not unseen, ("formulas whose edit (return 2 * (EXPR)) changes nothing the reference computes: a second "
                        "copy computes the trace instead: " + ", ".join(unseen))


def test_the_edit_finds_a_copy_written_around_a_formula():
    """The issue's case, planted: a recursion that multiplies in place instead of calling
    dZ_from_dA hides the edit of dZ_from_dA from the trace, and the meta-test sees that."""
    around = replace(FORMULAS, dZ_prev=lambda dA, g_prime, s: np.multiply(dA, g_prime, out=g_prime))
    gradients = importlib.import_module("crosscheck.reference.gradients")
    (fn, node), = [(fn, node) for name, fn, node in _functions(gradients) if name == "dZ_from_dA"]

    def direct(formulas=FORMULAS):  # dZ[L] = A - Y: dZ_from_dA is used by the recursion alone (vjp: the chain's)
        with np.errstate(all="ignore"):
            return _arrays([reference.trace(P, X, Y, acts, derivation="direct", loss=loss, formulas=formulas)
                            for P, X, Y, acts, loss in NETWORKS if reference.is_canonical(loss, acts[-1])])

    before, before_around = direct(), direct(around)
    assert _same(before, before_around)  # the copy computes the same numbers ...
    with _doubled(gradients, fn, node, _returns(node)[0].lineno):
        assert not _same(before, direct())
        assert _same(before_around, direct(around))  # ... and an edit of the formula does not reach it


def test_the_networks_reach_every_branch():
    """The networks above do what the edits need: every loss, both derivations of dZ[L]
    (softmax's J^T dA among them), every element-wise activation as a hidden layer (its g'
    in the recursion)."""
    assert set(HIDDEN) | {"softmax"} == set(ACTIVATIONS)
    assert {acts[-1] for *_, acts, _ in NETWORKS} >= {"sigmoid", "softmax", "identity", "tanh"}
    assert {loss for *_, loss in NETWORKS} == set(reference.LOSSES)


#: The formulas that the identities and localisation (crosscheck/checks/identities.py, whose
#: formulas localise.py calls) and the per-example check (checks/per_example.py) evaluate:
#: the same functions.
def _identity_formula(name: str) -> bool:
    short, _, func = name.partition(".")
    return (short == "gradients" or (short == "losses" and func in ("dL_da", "cce_dL_da", "mse_dL_da", "dL_dz",
                                                                    "output_dA"))
            or (short == "activations" and (func.endswith("_prime") or func.endswith("vjp"))))


def _identity_values(traces):
    """Every formula of identities.py on the reference's own traces, as the checks evaluate them."""
    from types import SimpleNamespace

    from crosscheck.checks import identities, per_example

    values, traces = [], iter(traces)
    with np.errstate(all="ignore"):
        for P, X, Y, acts, loss in NETWORKS:
            L = len(acts)
            problem = SimpleNamespace(scenario=SimpleNamespace(activations=tuple(acts), depth=L, loss=loss,
                                                               m=X.shape[1]), X=X, Y=Y, parameters=P)
            for derivation in ("direct", "chain"):
                if derivation == "direct" and not reference.is_canonical(loss, acts[-1]):
                    continue
                t = next(traces)
                formulas = [identities.a_minus_y(problem, t), identities.chain(problem, t),
                            identities.output_dA(problem, t)]
                for l in range(1, L + 1):
                    formulas += [identities.x_a_y(problem, t, l), identities.db_mean(problem, t, l)]
                    formulas += [identities.own_formula(problem, t, q, l) for q in ("dA", "dZ", "dW", "db")]
                    if l < L:
                        formulas += [identities.recursion(problem, t, l), identities.dA_below(problem, t, l),
                                     identities.dZ_from_dA(problem, t, l)]
                values += [np.asarray(value) for value, _ in formulas]
                values += [o.expected for o in per_example.observations(problem, t, t)]  # x(a-y) per example
    return values


def test_editing_a_formula_changes_what_the_identities_and_localisation_compute():
    """The identities have no copy of their own: the edit of a formula that they evaluate
    on an engine's values (its derivatives, not the forward pass: they use the engine's
    own A, Z) changes their expected values."""
    traces = _traces()
    before = _identity_values(traces)
    unseen = []
    for module, name, fn, node, lineno in _edits():
        if _identity_formula(name):
            with _doubled(module, fn, node, lineno):
                after = _identity_values(traces)
            if _same(before, after):
                unseen.append(f"{name} (line {lineno})")
    assert not unseen, "formulas whose edit changes nothing the identities compute: " + ", ".join(unseen)
