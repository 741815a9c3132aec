"""Convention differences: where an engine legitimately differs from the reference.

A ``Convention`` names a choice (relu'(0), the chain rule at a saturated output, BCELoss's
clamping, JAX without x64, autograd's np.maximum at a tie, TensorFlow's float32 leaky slope, Keras' clip and
normalisation of probabilities), says when it can apply, and computes what the reference
would give *under that choice* (``alternative``: quantity -> layer -> array).  A failing
row is labelled ``convention`` only when the engine's value agrees with that alternative
(finite values within the tolerance, inf and NaN at the same places): the explanation is
checked, not assumed.  Anything else stays a failure.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from crosscheck import reference
from crosscheck.checks.arrays import agrees
from crosscheck.checks.per_example import with_per_example
from crosscheck.reference.activations import LEAKY_RELU_SLOPE, Activation
from crosscheck.reference.steps import FORMULAS
from crosscheck.reference.trace import Trace
from crosscheck.scenarios.problem import KINKED
from crosscheck.scenarios.tolerances import Tolerance, tolerance

#: BCELoss's floor for a(1 - a) in its gradient (torch's EPSILON in binary_cross_entropy_backward).
BCELOSS_EPS = 1e-12
#: The label smoothing of the torch-nn-smoothing engine (nn.CrossEntropyLoss(label_smoothing=...)).
LABEL_SMOOTHING = 0.1
#: Keras' fuzz factor, keras.config.epsilon(): its cross-entropies on probabilities clip them to
#: [eps, 1 - eps] (keras/src/backend/tensorflow/nn.py: binary_ and categorical_crossentropy).
KERAS_EPSILON = 1e-7


def _smoothed(problem, trace, ref) -> dict:
    """The float64 reference trained on CrossEntropyLoss's smoothed target (1 - e) y + e / K."""
    p, s = problem.astype(np.float64), problem.scenario
    K = p.Y.shape[0]
    return reference.trace(p.parameters, p.X, (1 - LABEL_SMOOTHING) * p.Y + LABEL_SMOOTHING / K, s.activations,
                           loss=s.loss)


@dataclass(frozen=True)
class Convention:
    name: str
    explanation: str
    #: (problem, the engine's claimed conventions (Engine.conventions), trace) -> whether the
    #: convention can be what happened.
    applies: Callable
    #: (problem, trace, the float64 reference trace) -> {quantity: {layer: array}}: the
    #: reference under the convention (or a list of such, when it comes in variants).
    alternative: Callable
    #: (problem) -> the tolerance to compare with the alternative (default: the dtype's).
    tolerance: Callable = lambda problem: tolerance(problem.scenario.dtype)


def _with_g_prime(problem, at_zero: dict, loss_dZ=None) -> dict:
    """The float64 reference with g'(0) replaced for the activations in ``at_zero``."""
    p, s = problem.astype(np.float64), problem.scenario

    def g_prime_prev(step):
        name = step.activations[step.l - 2]
        value = FORMULAS.g_prime_prev(step)
        if name in at_zero:
            value = np.where(step.Z[step.l - 1] == 0, at_zero[name], value)
        return value

    return reference.trace(p.parameters, p.X, p.Y, s.activations, loss=s.loss,
                           formulas=replace(FORMULAS, g_prime_prev=g_prime_prev))


def _exact_zeros(problem, trace) -> bool:
    """Some Z of a ReLU-type layer is exactly 0 (in the engine's own Z, or the data's)."""
    s = problem.scenario
    A, Z = reference.forward(problem.parameters, problem.X, s.activations)
    for l, name in enumerate(s.activations, start=1):
        if name in KINKED and ((Z[l] == 0).any() or (trace.get("Z", l) is not None and (trace.get("Z", l) == 0).any())):
            return True
    return False


def _saturated(problem, trace) -> np.ndarray:
    """Examples whose engine output A[L] is exactly 0 or 1 (sigmoid output, bce)."""
    s = problem.scenario
    A = trace.get("A", s.depth)
    if A is None or s.loss != "bce" or s.activations[-1] != "sigmoid":
        return np.zeros(0, bool)
    return ((np.asarray(A) == 1) | (np.asarray(A) == 0)).any(axis=0)


def _masked_dZ_prev(dA, g_prime, step):
    """dA * g' with 0 where g' is 0, as torch's and JAX's ReLU backward select it: a NaN
    from above does not pass a unit that is off."""
    with np.errstate(all="ignore"):
        return np.where(g_prime == 0, 0, dA * g_prime).astype(dA.dtype)


def _in_dtype(derivation):
    """The backward in the scenario's own dtype with the given output derivation: inf/NaN
    where A[L] rounds to 1 for the chain rule, finite for the direct form; two variants,
    NaN through an off ReLU unit as a product (NumPy) and as a select (torch, JAX)."""
    def alternatives(problem, trace, ref) -> list[dict]:
        s = problem.scenario
        with np.errstate(all="ignore"):
            return [reference.trace(problem.parameters, problem.X, problem.Y, s.activations, derivation=derivation,
                                    loss=s.loss, formulas=formulas)
                    for formulas in (FORMULAS, replace(FORMULAS, dZ_prev=_masked_dZ_prev))]
    return alternatives


def _bceloss(problem, trace, ref) -> dict:
    """BCELoss's gradient at the engine's (rounded) outputs, then the reference's recursion in float64."""
    p, s = problem.astype(np.float64), problem.scenario
    L = s.depth
    a = np.asarray(trace.get("A", L), np.float64)  # the engine's own, rounded, outputs
    sat = (a == 1) | (a == 0)
    dA_L = np.where(sat, (a - p.Y) / np.maximum(a * (1 - a), BCELOSS_EPS), ref.dA[L])
    dZ_L = np.where(sat, dA_L * a * (1 - a), ref.dZ[L])  # a(1 - a) = 0 there: dZ[L] = 0
    formulas = replace(FORMULAS, output_dA=lambda step: dA_L, output_dZ=lambda step: dZ_L)
    return reference.trace(p.parameters, p.X, p.Y, s.activations, loss=s.loss, derivation="direct",
                           formulas=formulas)


def _reference(problem, trace, ref) -> dict:
    return ref


def _float32_values(problem, trace) -> bool:
    return problem.scenario.dtype == "float64" and any(
        np.asarray(v).dtype == np.float32 for v in trace.dW.values())


def _slope_one_at_zero(name: str, how: str, reference_takes: str) -> Convention:
    """g'(0) = 1 for the kinked activation ``name``, where the reference takes the other side."""
    return Convention(
        f"{name}'(0) = 1",
        f"at z = 0 exactly this engine takes {name}'s slope as 1 ({how}); the reference, {reference_takes}: "
        "a one-sided derivative at the kink, either is a valid choice",
        lambda p, claims, t: name in p.scenario.activations and _exact_zeros(p, t),
        lambda p, t, ref: _with_g_prime(p, {name: 1.0}),
    )


def float32_slope_leaky_relu() -> Activation:
    """leaky_relu with TensorFlow's slope float32(0.01) (0.009999999776482582)."""
    slope = float(np.float32(LEAKY_RELU_SLOPE))
    return Activation("leaky_relu", lambda z: np.where(z > 0, z, slope * z),
                      lambda z, a=None: np.where(z > 0, 1, slope).astype(z.dtype))


def _float32_slope(problem, trace, ref) -> dict:
    """The float64 reference with leaky_relu's slope float32(0.01)."""
    p, s = problem.astype(np.float64), problem.scenario
    leaky = float32_slope_leaky_relu()
    activations = [leaky if name == "leaky_relu" else name for name in s.activations]
    return reference.trace(p.parameters, p.X, p.Y, activations, loss=s.loss)


def _keras_clip_input(problem, trace):
    """(what Keras' cross-entropy clips, in the engine's dtype, from the engine's own A[L]: A[L]
    itself for bce, A[L] divided by its sum over the classes for cce; that sum, or None)."""
    s = problem.scenario
    a = np.asarray(trace.get("A", s.depth))
    if s.loss == "cce":
        total = a.sum(axis=0, keepdims=True)
        return a / total, total
    return a, None


def _keras_clipped(problem, trace) -> np.ndarray:
    """The output entries Keras' clip changes (bce, cce): below eps or above 1 - eps, both
    rounded to the engine's dtype as ``tf.clip_by_value`` takes them; there its gradient is 0."""
    s = problem.scenario
    if s.loss not in ("bce", "cce") or trace.get("A", s.depth) is None:
        return np.zeros(0, bool)
    q, _ = _keras_clip_input(problem, trace)
    if q.dtype.kind != "f":
        return np.zeros(0, bool)
    return (q < q.dtype.type(KERAS_EPSILON)) | (q > q.dtype.type(1.0 - KERAS_EPSILON))


def _keras_probabilities(clip: bool):
    """The float64 reference below Keras' cross-entropy on probabilities, as
    keras/src/backend/tensorflow/nn.py computes it on the engine's own (rounded) A[L]:
    bce -[y log(c) + (1 - y) log(1 - c)], cce -sum y log(c) of q = A[L] / sum(A[L]), with
    c = clip(q, eps, 1 - eps) when ``clip`` (no gradient where the clip bites: 0 there) and c = q
    otherwise.  dA[L] is that loss's gradient; dZ[L] its vjp through a sigmoid or softmax output
    at the engine's A[L] (TensorFlow's SigmoidGrad and SoftmaxGrad use the output), or the
    reference's chain rule for another output; the recursion below is the reference's."""
    def alternative(problem, trace, ref) -> dict:
        p, s = problem.astype(np.float64), problem.scenario
        L, out = s.depth, s.activations[-1]
        q, total = _keras_clip_input(problem, trace)
        kept = ~_keras_clipped(problem, trace) if clip else np.ones(q.shape, bool)
        a, q, Y = np.asarray(trace.get("A", L), np.float64), q.astype(np.float64), p.Y
        with np.errstate(all="ignore"):
            if s.loss == "bce":
                dA_L = np.where(kept, -Y / a + (1 - Y) / (1 - a), 0.0)
            else:  # through q = a / S: (g - sum(g q)) / S, g = dL/dq
                g = np.where(kept, -Y / q, 0.0)
                dA_L = (g - (g * q).sum(axis=0, keepdims=True)) / total.astype(np.float64)
            if out == "sigmoid":
                dZ_L = dA_L * a * (1 - a)
            elif out == "softmax":
                dZ_L = a * (dA_L - (dA_L * a).sum(axis=0, keepdims=True))
        canonical = reference.is_canonical(s.loss, out)
        formulas = replace(FORMULAS, output_dA=lambda step: dA_L,
                           **({"output_dZ": lambda step: dZ_L} if canonical else {}))
        return reference.trace(p.parameters, p.X, p.Y, s.activations, loss=s.loss,
                               derivation="direct" if canonical else "chain", formulas=formulas)
    return alternative


CONVENTIONS = (
    Convention(
        "label smoothing",
        f"nn.CrossEntropyLoss(label_smoothing={LABEL_SMOOTHING}) trains on the target (1 - e) y + e/K (torch's "
        "documented definition), so its dZ[L] is A - ((1 - e) Y + e/K), not A - Y, and every gradient below "
        "follows from that target",
        lambda p, claims, t: "label smoothing" in claims and p.scenario.loss == "cce",
        _smoothed,
    ),
    _slope_one_at_zero("leaky_relu", "jax.nn.leaky_relu's jnp.where(z >= 0, ...), MLX's mx.maximum(0.01 z, z)",
                       "like torch, takes 0.01"),
    _slope_one_at_zero("relu", "z >= 0", "like torch and jax.nn.relu, takes 0"),
    Convention(
        "kink: mean of one-sided slopes",
        "a central difference across z = 0 gives the mean of the two one-sided slopes (relu 0.5, leaky_relu "
        "0.505), not either one, to O(h): the kink is not differentiable",
        lambda p, claims, t: "kink: mean of one-sided slopes" in claims and _exact_zeros(p, t),
        lambda p, t, ref: _with_g_prime(p, {"relu": 0.5, "leaky_relu": 0.505}),
        # across a kink the difference is only first order: its error is O(h) (h = 2^-14), not O(h^4)
        lambda p: Tolerance(1e-3, 1e-4),
    ),
    Convention(
        "np.maximum's tie",
        "autograd's gradient of np.maximum(a, b) gives half to each argument where they are equal: relu = "
        "np.maximum(z, 0) has relu'(0) = 0.5 and leaky_relu = np.maximum(0.01 z, z) has 0.505 at z = 0 exactly, "
        "the mean of the one-sided slopes; the reference takes 0 and 0.01",
        lambda p, claims, t: "np.maximum's tie" in claims and _exact_zeros(p, t),
        lambda p, t, ref: _with_g_prime(p, {"relu": 0.5, "leaky_relu": 0.505}),
    ),
    Convention(
        "float32 leaky_relu slope",
        "TensorFlow keeps leaky_relu's alpha as a float32 attribute of the op: in a float64 network the slope is "
        "float32(0.01) = 0.009999999776482582, not 0.01, about 2.2e-8 off in relative terms on the negative side",
        lambda p, claims, t: "float32 leaky_relu slope" in claims and p.scenario.dtype == "float64"
        and "leaky_relu" in p.scenario.activations,
        _float32_slope,
    ),
    Convention(
        "saturated sigmoid, chain rule",
        "the output rounds to exactly 1 in this dtype: the chain rule dA[L] * sigma'(Z[L]) = "
        "(1 - y)/(1 - a) * a(1 - a) gives inf * 0 = NaN, while the direct form A - Y stays finite",
        lambda p, claims, t: _saturated(p, t).any(),
        _in_dtype("chain"),
    ),
    Convention(
        "saturated sigmoid, direct form",
        "the output rounds to exactly 1 in this dtype: this engine's direct A - Y is finite, while the chain "
        "rule on its own dA[L] = (1 - y)/(1 - a) = inf gives NaN",
        lambda p, claims, t: _saturated(p, t).any(),
        _in_dtype("direct"),
    ),
    Convention(
        "BCELoss clamping",
        "torch's binary_cross_entropy clamps log(a), log(1 - a) at -100 and a(1 - a) at 1e-12 in its gradient: "
        "at an output rounded to exactly 1 its dZ[L] is 0, not a - y",
        lambda p, claims, t: "BCELoss clamping" in claims and _saturated(p, t).any(),
        _bceloss,
    ),
    Convention(
        "JAX without x64",
        "with jax_enable_x64 off (JAX's default) float64 inputs are computed and returned in float32: "
        "float32 error and dtype, not a formula",
        lambda p, claims, t: "JAX without x64" in claims and _float32_values(p, t),  # JAX's own setting
        _reference,
        lambda p: tolerance("float32"),
    ),
    Convention(
        "Keras epsilon clip",
        f"Keras' binary_crossentropy and categorical_crossentropy on probabilities (from_logits=False) clip them "
        f"to [eps, 1 - eps], eps = keras.config.epsilon() = {KERAS_EPSILON:g}: where an output is within eps of 0 "
        "or 1 the loss is constant, its gradient 0 (dZ[L] = 0, not a - y), and every gradient below follows",
        lambda p, claims, t: "Keras epsilon clip" in claims and _keras_clipped(p, t).any(),
        _keras_probabilities(clip=True),
    ),
    Convention(
        "Keras cce normalisation",
        "Keras' categorical_crossentropy on probabilities (from_logits=False) first divides them by their sum over "
        "the classes: on a softmax output the loss is unchanged (the sum is 1), but its dA[L] is -y/a + sum(y)/sum(a) "
        "= -y/a + 1, not -y/a; dZ[L] and everything below are unchanged (the softmax's vjp drops a constant)",
        lambda p, claims, t: "Keras cce normalisation" in claims and p.scenario.loss == "cce",
        _keras_probabilities(clip=False),
    ),
)


def _combined(a: Convention, b: Convention) -> Convention:
    """Two conventions at once: ``a``'s tolerance-only choice (JAX without x64) around ``b``'s values."""
    def tol(problem):
        ta, tb = a.tolerance(problem), b.tolerance(problem)
        return Tolerance(max(ta.rtol, tb.rtol), max(ta.atol, tb.atol), max(ta.scale, tb.scale))
    return Convention(f"{a.name} + {b.name}", f"{a.explanation}; and {b.explanation}", a.applies, b.alternative, tol)


def explain(problem, claims, trace, failing: list[tuple[str, int]], ref: Trace) -> dict:
    """{(quantity, layer): Convention} for the failing rows a convention explains (one
    convention, or JAX without x64 together with one other); ``claims``: the engine's own
    framework conventions (``Engine.conventions``: a name never grants one); ``ref``: the
    float64 reference trace the rows were compared with."""
    explained = {}
    applicable = []
    for convention in CONVENTIONS:
        try:
            if convention.applies(problem, claims, trace):
                applicable.append(convention)
        except (ValueError, TypeError, KeyError):  # e.g. a missing or misshapen engine value
            continue
    precision_only = [c for c in applicable if c.alternative is _reference]
    candidates = applicable + [_combined(a, b) for a in precision_only for b in applicable if b is not a]
    for convention in candidates:
        left = [key for key in failing if key not in explained]
        if not left:
            break
        try:
            alternative, tol = convention.alternative(problem, trace, ref), convention.tolerance(problem)
        except (ValueError, TypeError, KeyError):
            continue
        alternatives = [with_per_example(alt, trace, problem.scenario)
                        for alt in (alternative if isinstance(alternative, list) else [alternative])]
        for q, l in left:
            if any(agrees(alt.get(q, l), trace.get(q, l), tol) for alt in alternatives):
                explained[(q, l)] = convention
    return explained



def older_dA_naming(trace, ref: Trace, tol: Tolerance):
    """The trace with its dA keys read in the older course naming (the function's dA{l} is
    dJ/dA[l-1], the derivative with respect to layer l's input), or None.

    Only when the naming explains every dA the function returned: each dA{l} agrees with
    the reference's dA[l-1], and they do not all agree as named.  A function whose dA
    keys match neither way keeps its failures.
    """
    if trace.given is None or not trace.dA:
        return None
    given = sorted(trace.dA)
    if min(given) < 1 or all(agrees(ref.dA.get(l), trace.dA[l], tol) for l in given):
        return None
    if not all(agrees(ref.dA.get(l - 1), trace.dA[l], tol) for l in given):
        return None
    keys = {(q, l) for q, l in trace.given if q != "dA"} | {("dA", l - 1) for l in given}
    return replace(trace, dA={l - 1: trace.dA[l] for l in given}, given=frozenset(keys))


def mean_cost_naming(trace, ref: Trace, tol: Tolerance, m: int):
    """(the trace with its dZ, and dA where returned the same way, read as dJ/dZ of the mean
    cost: multiplied by m; the quantities so read), or None.

    cs231n's code (``dscores /= N``) returns dZ as the derivative of the mean cost J, the
    article's per-example dZ divided by m.  Only when that explains every dZ the function
    returned: each agrees with the reference's dZ[l] / m, and they do not all agree as
    named (m = 1: nothing to tell apart).  Its dA are read the same way only when every dA
    returned agrees with the reference's dA[l] / m; otherwise they are compared as named.
    Its dW and db are compared as they are, so a 1/m slip there still fails.
    """
    if trace.given is None or not trace.dZ or m == 1:
        return None
    given = sorted(trace.dZ)
    if all(agrees(ref.dZ.get(l), trace.dZ[l], tol) for l in given):
        return None
    if not all(ref.dZ.get(l) is not None and agrees(ref.dZ[l] / m, trace.dZ[l], tol) for l in given):
        return None
    scaled = {"dZ": {l: _times(trace.dZ[l], m) for l in given}}
    for shift in (0, 1):  # dA of the mean cost too, named as the article (shift 0) or the older course (1)
        if trace.dA and all(ref.dA.get(l - shift) is not None and agrees(ref.dA[l - shift] / m, trace.dA[l], tol)
                            for l in trace.dA) \
                and not all(agrees(ref.dA.get(l - shift), trace.dA[l], tol) for l in trace.dA):
            scaled["dA"] = {l: _times(trace.dA[l], m) for l in trace.dA}
            break
    return replace(trace, **scaled), tuple(scaled)


def _times(values, m: int):
    """m times a returned array, in its own dtype (what it is as the article names it)."""
    values = np.asarray(values)
    return values * values.dtype.type(m) if values.dtype.kind == "f" else values * m
