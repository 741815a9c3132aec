"""The float64 reference against central finite differences of J: an oracle with no autodiff.

Every quantity of the trace is checked: dW, db by perturbing parameters; dZ[l], dA[l]
(dA[0] is with respect to X) by perturbing Z[l], A[l] through ``forward``'s offsets,
times m (the per-example convention).  Large arrays are checked on a random sample of
their elements.
"""
from __future__ import annotations

import numpy as np
import pytest

from crosscheck import reference
from crosscheck.scenarios import Scenario, build_problem, suite

H = 1e-6
SAMPLE = 12


def _central_difference(J, shape, index):
    e = np.zeros(shape)
    e[index] = H
    return (J(e) - J(-e)) / (2 * H)


def _sample(shape, rng):
    flat = rng.choice(int(np.prod(shape)), size=min(SAMPLE, int(np.prod(shape))), replace=False)
    return [np.unravel_index(i, shape) for i in flat]


MORE = [Scenario((3, 4, 4, 1), ("softplus", "elu", "sigmoid"), 7), Scenario((3, 4, 4, 1), ("silu", "gelu", "sigmoid"), 7),
        Scenario((3, 5, 1), ("gelu_tanh", "sigmoid"), 9)]


@pytest.mark.parametrize("scenario", [s for s in suite("smoke") if s.dtype == "float64"] + MORE, ids=lambda s: s.id)
def test_reference_against_central_differences(scenario):
    p = build_problem(scenario)
    acts, m, rng = scenario.activations, scenario.m, np.random.default_rng(0)
    t = reference.trace(p.parameters, p.X, p.Y, acts)
    for name in p.parameters:
        q, l = ("dW" if name[0] == "W" else "db"), int(name[1:])

        def J(e, name=name):
            return reference.cost({**p.parameters, name: p.parameters[name] + e}, p.X, p.Y, acts)

        for idx in _sample(p.parameters[name].shape, rng):
            np.testing.assert_allclose(t.layers(q)[l][idx], _central_difference(J, p.parameters[name].shape, idx),
                                       rtol=1e-5, atol=1e-8, err_msg=f"{scenario.id} {q}[{l}] at {idx}")
    for q, key in (("dZ", "Z"), ("dA", "A")):
        for l, value in t.layers(q).items():
            def J(e, key=key, l=l):
                return reference.cost(p.parameters, p.X, p.Y, acts, offsets={(key, l): e})

            for idx in _sample(value.shape, rng):
                np.testing.assert_allclose(value[idx], m * _central_difference(J, value.shape, idx),
                                           rtol=1e-5, atol=1e-7, err_msg=f"{scenario.id} {q}[{l}] at {idx}")
