"""``fd``: an oracle without autodiff.  Central differences of the cost in float64.

Only the forward pass is used (``reference.forward``, which can add an offset to any
Z[l] or A[l]), never a backward formula.  ``central`` is the fourth-order stencil
``(8 (f(h) - f(-h)) - (f(2h) - f(-2h))) / 12h``:

- dW[l], db[l]: f(t) = J(theta + t e) for every element e;
- dZ[l], dA[l] (per example): f(t) = the per-example losses L(a_i, y_i) with unit k of
  Z[l] (or A[l]) moved by t in every example at once: examples do not interact, so four
  forward passes give row k for the whole batch.

That is ``4 * (parameters + units + n_x)`` forward passes (``full`` mode).  Above
FULL_LIMIT passes the engine switches to ``projection`` mode: for each quantity and
layer, DIRECTIONS random directions V (N(0, 1) entries, over sqrt(fan-in) for W so that
Z moves by ~t), the directional derivative of J along V (four passes per direction,
whatever the size) against the reference's ``<dJ/dtheta, V>``.

Error of the stencil: truncation ``h^4 |f^(5)| / 30`` plus rounding ``~1.5 eps |f| / h``.
The second-order stencil with h = 2^-17 failed on the default suite where dA[L] =
1/(1 - a) is steep (truncation h^2 (f3/f1) / 6 = 1.9e-7 relative at the saturation
margin); with h = 2^-14 the fourth-order one stays two orders of magnitude inside
TOLERANCE (rtol 1e-7, atol 1e-8): the survey's figures are in benchmarks/RESULTS.md
(``python benchmarks/tolerance_survey.py --engines fd``).  The engine assumes a smooth cost within 2h: the
suites keep examples 1e-3 away from ReLU kinks (at an exact kink it gives the mean of the
one-sided slopes, a labelled convention), and moves A[L] by a step relative to a (cce's
-ln a is steep where a softmax output is small).  ELU is only once differentiable at 0, so
examples are kept off its 0 as off a kink.  It runs float64 scenarios only.
"""
from __future__ import annotations

import numpy as np

from crosscheck import reference
from crosscheck.adapters.base import Engine, Trace, Unsupported
from crosscheck.reference.directions import PARAMETERS, cost_along, directions
from crosscheck.reference.losses import example_losses
from crosscheck.scenarios.tolerances import Tolerance

H = 2.0 ** -14
#: The stencil's measured error (see the docstring) with a 10x margin or more.
TOLERANCE = Tolerance(rtol=1e-7, atol=1e-8)
FULL_LIMIT = 20_000
#: dA[L] is the loss's own derivative: -y/a for cce (and bce), whose derivatives grow as
#: 1/a^k, so for those the step in A[L] is h * a per example (a relative step), down to
#: this floor; mse's (a - y)^2 / 2 keeps the plain step.
OUTPUT_STEP_FLOOR = 1e-6
DIRECTIONS = 4
#: Values in one array of a stacked forward pass (8 MiB of float64): perturbed networks are
#: evaluated together up to this size.
STACK_VALUES = 1 << 20


def _chunks(count: int, values_per_network: int):
    """Index arrays over ``count`` perturbations, as many per chunk as STACK_VALUES allows."""
    size = max(1, STACK_VALUES // values_per_network)
    return [np.arange(start, min(start + size, count)) for start in range(0, count, size)]


def central(f):
    """f'(0) from the fourth-order central stencil (8 (f(h) - f(-h)) - (f(2h) - f(-2h))) / 12h."""
    return (8 * (f(H) - f(-H)) - (f(2 * H) - f(-2 * H))) / (12 * H)


def forward_passes(scenario) -> int:
    """Forward passes that full mode needs for ``scenario``."""
    sizes = scenario.layer_sizes
    parameters = sum(n * (p + 1) for p, n in zip(sizes, sizes[1:]))
    units = 2 * sum(sizes[1:]) + sizes[0]  # Z[1..L], A[1..L], A[0]
    return 4 * (parameters + units)


class FiniteDifferences(Engine):
    """Central differences in float64 on the forward pass alone."""

    name = "fd"
    conventions = ("kink: mean of one-sided slopes",)
    dtypes = ("float64",)
    compares = ("dA", "dZ", "dW", "db")  # A and Z are the reference's own forward pass
    tolerance = TOLERANCE

    def trace(self, problem) -> Trace:
        s = problem.scenario
        if s.dtype != "float64":
            raise Unsupported("the finite-difference engine runs float64 scenarios only")
        if forward_passes(s) > FULL_LIMIT:
            return self.projections(problem, reference_gradients(problem))
        P, X, Y, acts = problem.parameters, problem.X, problem.Y, s.activations

        def losses(offsets=None, params=P):  # a stack of networks in, a stack of L(a_i, y_i) out
            A, _ = reference.forward(params, X, acts, offsets)
            return example_losses(s.loss, A[s.depth], Y)

        losses.values_per_network = max(s.layer_sizes) * s.m

        A, Z = reference.forward(P, X, acts)
        grads = {"dW": {}, "db": {}, "dA": {}, "dZ": {}}
        for l in range(1, s.depth + 1):
            for q in ("W", "b"):
                grads[f"d{q}"][l] = self._parameter(losses, P, f"{q}{l}")
            grads["dZ"][l] = self._per_example(losses, ("Z", l), Z[l].shape)
        for l in range(0, s.depth + 1):
            logarithmic = l == s.depth and s.loss in ("bce", "cce")  # -ln a: a relative step
            scale = np.clip(np.abs(A[l]), OUTPUT_STEP_FLOOR, 1) if logarithmic else None
            grads["dA"][l] = self._per_example(losses, ("A", l), A[l].shape, scale)
        return Trace(A=A, Z=Z, **grads)

    @staticmethod
    def _parameter(losses, P, name):
        """Element e of dW[l] (db[l]) from J(theta + t e): the perturbed networks of a chunk of
        elements in one stacked forward pass (each the same arithmetic as on its own)."""
        value, out = P[name], np.empty(P[name].shape)
        for chosen in _chunks(value.size, losses.values_per_network):
            E = np.zeros((len(chosen), value.size))
            E[np.arange(len(chosen)), chosen] = 1
            E = E.reshape((len(chosen),) + value.shape)
            out.flat[chosen] = central(lambda t: losses(params={**P, name: value + t * E}).mean(axis=-1))
        return out

    @staticmethod
    def _per_example(losses, key, shape, scale=None):
        """Row k of m * dJ/dQ: unit k moved in every example at once (by t * scale, per example),
        the units of a chunk in one stacked forward pass."""
        out = np.empty(shape)
        for chosen in _chunks(shape[0], losses.values_per_network):
            E = np.zeros((len(chosen),) + tuple(shape))
            E[np.arange(len(chosen)), chosen] = 1 if scale is None else scale[chosen]
            rows = central(lambda t: losses({key: t * E}))  # (chunk, m): one row per unit moved
            out[chosen] = rows if scale is None else rows / scale[chosen]
        return out

    def projections(self, problem, ref) -> Trace:
        """Directional derivatives along DIRECTIONS random directions per quantity (no arrays:
        ``Trace.projections`` holds the reference's <dQ, V> and the engine's, per direction)."""
        s = problem.scenario
        projections = []
        for q, l in [(q, l) for l in range(s.depth, 0, -1) for q in ("dZ", "dW", "db", "dA")] + [("dA", 0)]:
            expected = ref.layers(q)[l]
            V = directions(s.seed, q, l, expected.shape, DIRECTIONS)
            # per-example quantities: J moves by (1/m) <dQ, V>
            actual = [central(cost_along(problem, q, l, v)) * (1 if q in PARAMETERS else s.m) for v in V]
            projected = V.reshape(DIRECTIONS, -1) @ expected.ravel()
            projections.append((q, l, projected, np.array(actual)))
        return Trace(A={}, Z={}, dA={}, dZ={}, dW={}, db={}, projections=tuple(projections))


def reference_gradients(problem) -> dict:
    """The float64 reference's trace (projection mode compares against its projections)."""
    s = problem.scenario
    return reference.trace(problem.parameters, problem.X, problem.Y, s.activations, loss=s.loss)
