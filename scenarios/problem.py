"""Problem: the data of one scenario (X, Y, parameters), built from its own seed only."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crosscheck.reference.activations import ACTIVATIONS
from crosscheck.reference.network import forward, trace
from crosscheck.scenarios.dtypes import UNIT_ROUNDOFF, numpy_dtype
from crosscheck.scenarios.spec import Scenario
from crosscheck.scenarios.tails import has_tail, tail_thresholds

#: Standard deviation of the inputs X per input regime: ``wide`` drives the
#: saturating activations (sigmoid, tanh) into their flat tails.
INPUT_SCALE = {"normal": 1.0, "soft": 1.0, "wide": 3.0, "zeros": 1.0, "saturated": 1.0, "tails": 1.0}
#: ``tails``: each hidden layer whose activation has a tail (scenarios/tails.py) has W[l]
#: and b[l] multiplied by the one factor that puts the batch's most extreme z on each side
#: with a tail at TAIL_REACH times that side's threshold (so both tails of sigmoid and
#: tanh, the negative one of softplus, silu, elu, gelu); the output layer keeps the
#: margins: W[L] is divided by the root mean square of A[L-1] where that is above 1
#: (activations that grow with z; after sigmoid and tanh W[L] is the one drawn).
TAIL_REACH = 1.25
#: The regimes whose draws are redrawn whole when a layer's gradient vanishes exactly
#: (``dead_layers``) or, for ``tails``, when a hidden layer misses a tail (``tails_missed``).
REDRAWN = ("normal", "soft", "tails")
#: ``saturated``: W[L] and b[L] are multiplied by this, so that some outputs reach
#: z >= SATURATED_Z, where float32 rounds sigmoid(z) to exactly 1.
SATURATED_SCALE = 12.0
SATURATED_Z = 17.5
#: ``zeros``: this share of the examples (at least one) gets X = 0; with b[l] = 0 up to the
#: last ReLU-type layer, their Z there is exactly 0 in every dtype.
ZERO_SHARE = 0.25
BIAS_SCALE = 0.5
#: Activations whose derivative jumps at z = 0.
KINKED = ("relu", "leaky_relu")
#: Activations whose second derivative jumps at z = 0 (elu: e^z below, 0 above): the
#: finite-difference engine's stencil loses its order there, so examples keep the kink
#: margin from it too.
ROUGH = KINKED + ("elu",)
#: No example of a suite has a pre-activation of a kinked layer closer than this to 0.
#: Closer, a float32 engine's Z may round to the other side of the kink than the float64
#: reference's, and its dZ differs there by the whole jump: a true effect of the kink,
#: not of a formula, and one that scenarios made for it (exact zeros) should show.
KINK_MARGIN = 1e-3
#: No example's output a = A[L] is closer than this to 0 or 1.  There dA[L] =
#: -y/a + (1-y)/(1-a) has condition number up to 1/(1 - a): float32's rounding of a
#: is multiplied by it (1e4 u at 1 - a = 1e-4).  Saturated outputs are a scenario of
#: their own (the chain-rule form's inf/NaN), not the subject of the suites.
SATURATION_MARGIN = 1e-2
#: In half precision Z itself is off by a few u per layer (u = 2^-11 for float16, 2^-8 for
#: bfloat16), far more than 1e-3: the kink margin grows to KINK_ULPS * u there (float16
#: 0.016, bfloat16 0.125).  The output's 1 - a is off by u / (1 - a), and [1] divides by
#: it: the saturation margin grows to SATURATION_ULPS * u (float16 0.031, bfloat16 0.25),
#: which keeps that amplification under 32 (measured: float16's worst dA[L] needed 90 u
#: at a margin of 32 u).
KINK_ULPS = 32
SATURATION_ULPS = 64
MAX_REDRAWS = 100


def kink_margin(dtype: str) -> float:
    """The smallest |z| a kinked unit keeps from 0 in this dtype's suites."""
    return max(KINK_MARGIN, KINK_ULPS * UNIT_ROUNDOFF[dtype])


def saturation_margin(dtype: str) -> float:
    """The smallest distance of a sigmoid output (bce) from 0 and 1 in this dtype's suites."""
    return max(SATURATION_MARGIN, SATURATION_ULPS * UNIT_ROUNDOFF[dtype])


@dataclass(frozen=True)
class Problem:
    """X ``(n_x, m)``, Y ``(n_L, m)`` and the course's ``parameters`` dict, in the scenario's dtype."""

    scenario: Scenario
    X: np.ndarray
    Y: np.ndarray
    parameters: dict

    def astype(self, dtype) -> "Problem":
        """The same values in another dtype (float64 holds every float32 value exactly)."""
        return Problem(
            self.scenario,
            self.X.astype(dtype),
            self.Y.astype(dtype),
            {k: v.astype(dtype) for k, v in self.parameters.items()},
        )


def reference_trace(problem: Problem):
    """The arbiter: the article's formulas in float64 on the scenario's (rounded) data."""
    p = problem.astype(np.float64)
    return trace(p.parameters, p.X, p.Y, problem.scenario.activations, loss=problem.scenario.loss)


def build_problem(scenario: Scenario) -> Problem:
    """Draw X ~ N(0, s^2), Y, W[l] ~ N(0, 1/n_{l-1}), b[l] ~ N(0, 0.25).

    Y by loss: bce ~ Bernoulli(1/2); cce one-hot with a uniform class; mse U(0, 1) for a
    sigmoid output, U(-1, 1) for tanh, N(0, 1) otherwise.

    The generator is ``np.random.default_rng(scenario.seed)`` and nothing else, drawn
    in float64 and then rounded to the scenario's dtype, so a float32 scenario holds
    the float64 scenario's values rounded.  Soft labels (``soft``) are U(0.05, 0.95).
    In the ``normal`` and ``soft`` regimes, examples that land
    on the kink of a ReLU-type layer or in the flat tails of the output sigmoid are
    redrawn (see KINK_MARGIN and SATURATION_MARGIN); the ``wide`` regime keeps them.
    ``zeros`` (convention pack): b[l] = 0 up to the last ReLU-type layer and X = 0 for the
    first quarter of the examples, so their Z is exactly 0 there (when the layers between
    map 0 to 0: tanh, identity, relu, leaky_relu).  ``saturated`` (float32):
    W[L] and b[L] scaled by 12 and every output either inside the margins or at
    z >= 17.5, where float32 rounds sigmoid(z) to exactly 1.  ``tails``: the hidden layers
    scaled out to their activations' tails (TAIL_REACH), then the same redraws as ``normal``.

    In the ``normal``, ``soft`` and ``tails`` regimes a draw in which some layer's float64
    reference dZ[l] is exactly zero everywhere (dead ReLU layers: every dW[l], db[l] is then
    exactly 0, and a dW of twice the truth agrees with it) is drawn again whole, X, Y and
    the parameters, from the same rng (``dead_layers``); in ``tails`` so is a draw whose
    hidden layers miss a tail after the redraws of examples (``tails_missed``).  After
    MAX_REDRAWS the last draw is kept.
    """
    rng = np.random.default_rng(scenario.seed)
    problem = _draw(scenario, rng)
    for _ in range(MAX_REDRAWS if scenario.regime in REDRAWN else 0):
        if not (dead_layers(problem) or tails_missed(problem)):
            break
        problem = _draw(scenario, rng)
    return problem.astype(numpy_dtype(scenario.dtype))


def _draw(scenario: Scenario, rng) -> Problem:
    """One draw of build_problem, in float64."""
    sizes, m = scenario.layer_sizes, scenario.m
    X = rng.standard_normal((sizes[0], m)) * INPUT_SCALE[scenario.regime]
    Y = _targets(scenario, rng)
    parameters = {}
    for l in range(1, len(sizes)):
        parameters[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1])) / np.sqrt(sizes[l - 1])
        parameters[f"b{l}"] = rng.standard_normal((sizes[l], 1)) * BIAS_SCALE
    if scenario.regime == "zeros":  # b = 0 up to the last kinked layer: with X = 0, Z = 0 there
        kinked = [l for l, name in enumerate(scenario.activations, start=1) if name in KINKED]
        for l in range(1, max(kinked, default=0) + 1):
            parameters[f"b{l}"] = np.zeros_like(parameters[f"b{l}"])
    if scenario.regime == "saturated":
        L = scenario.depth
        parameters[f"W{L}"] = parameters[f"W{L}"] * SATURATED_SCALE
        parameters[f"b{L}"] = parameters[f"b{L}"] * SATURATED_SCALE
    if scenario.regime == "tails":
        parameters = _out_to_the_tails(X, parameters, scenario.activations)
    problem = Problem(scenario, X, Y, parameters)
    if scenario.regime != "wide":  # ``wide`` is meant to reach the flat tails and the kinks
        problem = _well_conditioned(problem, rng)
    if scenario.regime == "zeros":
        X = problem.X.copy()
        X[:, : max(1, int(ZERO_SHARE * m))] = 0.0
        problem = Problem(scenario, X, problem.Y, problem.parameters)
    return problem


def _out_to_the_tails(X, parameters: dict, activations) -> dict:
    """The ``tails`` regime's parameters (see TAIL_REACH), layer by layer from X."""
    parameters, A, L = dict(parameters), X, len(activations)
    for l, name in enumerate(activations[:-1], start=1):
        Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
        if has_tail(name):
            ratios = [t / z for t, z in zip(tail_thresholds(name), (Z.min(), Z.max())) if t is not None and t * z > 0]
            factor = TAIL_REACH * max(ratios, default=1.0)  # no z on a side: tails_missed redraws it
            parameters[f"W{l}"], parameters[f"b{l}"] = parameters[f"W{l}"] * factor, parameters[f"b{l}"] * factor
            Z = Z * factor
        A = ACTIVATIONS[name].g(Z)
    rms = float(np.sqrt(np.mean(A * A)))
    if rms > 1:
        parameters[f"W{L}"] = parameters[f"W{L}"] / rms
    return parameters


def tails_missed(p: Problem) -> list[int]:
    """The hidden layers of a ``tails`` problem whose pre-activations do not reach each of
    their activation's tail thresholds (float64 forward); [] in the other regimes."""
    if p.scenario.regime != "tails":
        return []
    q = p.astype(np.float64)
    _, Z = forward(q.parameters, q.X, p.scenario.activations)
    missed = []
    for l, name in enumerate(p.scenario.activations[:-1], start=1):
        low, high = tail_thresholds(name)
        if (low is not None and Z[l].min() > low) or (high is not None and Z[l].max() < high):
            missed.append(l)
    return missed


def dead_layers(p: Problem) -> list[int]:
    """The layers whose float64 reference dZ[l] is exactly zero for every unit and example."""
    q = p.astype(np.float64)
    with np.errstate(all="ignore"):  # a saturated output's dA[L] is inf (the conventions suite): not a warning
        t = trace(q.parameters, q.X, q.Y, p.scenario.activations, loss=p.scenario.loss)
    return sorted(l for l, dZ in t.dZ.items() if not np.any(dZ))


#: mse targets by output activation: inside the range the output can reach.
MSE_TARGETS = {"sigmoid": "unit", "tanh": "symmetric"}


def _targets(scenario: Scenario, rng) -> np.ndarray:
    """Y (n_L, m) for the scenario's loss (see build_problem)."""
    n_L, m = scenario.layer_sizes[-1], scenario.m
    if scenario.loss == "bce":
        Y = (rng.random((n_L, m)) < 0.5).astype(np.float64)
        if scenario.regime == "soft":  # soft labels: y strictly between 0 and 1 (bce still gives A - Y)
            Y = 0.05 + 0.9 * rng.random((n_L, m))
        return Y
    if scenario.loss == "cce":
        if scenario.regime == "soft":  # a probability vector per example, every entry > 0
            Y = 0.05 + 0.9 * rng.random((n_L, m))
            return Y / Y.sum(axis=0, keepdims=True)
        return np.eye(n_L)[:, rng.integers(0, n_L, m)]  # one-hot columns
    kind = MSE_TARGETS.get(scenario.activations[-1], "normal")
    if kind == "unit":
        return rng.random((n_L, m))
    if kind == "symmetric":
        return 2 * rng.random((n_L, m)) - 1
    return rng.standard_normal((n_L, m))


def ill_conditioned_examples(p: Problem) -> np.ndarray:
    """Examples (columns) on a kink (KINK_MARGIN) or with a saturated output (SATURATION_MARGIN)."""
    A, Z = forward(p.parameters, p.X, p.scenario.activations)
    L = p.scenario.depth
    bad = np.zeros(p.X.shape[1], bool)
    dtype = p.scenario.dtype
    if p.scenario.regime == "saturated":  # well-conditioned, or rounded to exactly 1 in float32
        z = Z[L]
        bad |= ((np.abs(z) > _logit(1 - SATURATION_MARGIN)) & (z < SATURATED_Z)).any(axis=0)
    elif p.scenario.loss == "bce":  # [1]'s 1/a and 1/(1 - a); the other losses have no such factor
        bad |= ((A[L] < saturation_margin(dtype)) | (A[L] > 1 - saturation_margin(dtype))).any(axis=0)
    for l, name in enumerate(p.scenario.activations, start=1):
        if name in ROUGH:
            bad |= (np.abs(Z[l]) < kink_margin(dtype)).any(axis=0)
    return np.flatnonzero(bad)


def underflows(p: Problem) -> bool:
    """True when some layer's whole gradient of the batch-mean cost, dJ/dZ[l] = dZ[l]/m,
    lies below the dtype's smallest normal number: an engine differentiating J in that
    dtype (torch, jax) gets subnormals or zeros there, a range effect, not a formula."""
    import ml_dtypes

    tiny = float(ml_dtypes.finfo(numpy_dtype(p.scenario.dtype)).tiny)
    q = p.astype(np.float64)
    with np.errstate(all="ignore"):  # a saturated output's dA[L] is inf (the conventions suite): not a warning
        t = trace(q.parameters, q.X, q.Y, p.scenario.activations, loss=p.scenario.loss)
    largest = [float(np.abs(dZ).max()) for dZ in t.dZ.values()]
    return any(0 < g / p.scenario.m < tiny for g in largest)  # an exactly zero layer (dead ReLUs) is exact


def _logit(a: float) -> float:
    return float(np.log(a / (1 - a)))


def _well_conditioned(p: Problem, rng) -> Problem:
    """Redraw the (float64) inputs of ill-conditioned examples, from the same rng.

    A network can sit on a kink whatever its input (a ReLU unit fed only by dead units
    has Z = b for every example, and |b| may be under KINK_MARGIN): after MAX_REDRAWS
    such a problem is returned as it is.  Its Z is then the same number in every dtype,
    so no rounding can move it across the kink.
    """
    for _ in range(MAX_REDRAWS):
        cols = ill_conditioned_examples(p)
        if cols.size == 0:
            return p
        X = p.X.copy()
        redrawn = rng.standard_normal((X.shape[0], cols.size)) * INPUT_SCALE[p.scenario.regime]
        X[:, cols] = redrawn
        p = Problem(p.scenario, X, p.Y, p.parameters)
    return p
