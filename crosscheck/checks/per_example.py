"""The per-example check, ``x(a-y) per example``: the article's dL/dw = x(a - y) is the
gradient of one example's loss, and dW[l] = (1/m) dZ[l] A[l-1]^T is its mean over the batch.

For an engine that gives per-example gradients (Trace.dW_i, Trace.db_i: torch.func,
jax.vmap, Opacus, a user's ``dW1_per_example``), two comparisons per layer:

- ``dW_i``, ``db_i``: the engine's per-example values against the float64 reference's,
  dW_i[l] = dZ_i[l] A_i[l-1]^T and db_i[l] = dZ_i[l] (reference/gradients.py), example by
  example;
- ``dW``, ``db``: the identity that their mean over the batch, evaluated in float64, is the
  engine's own batch gradient;
- ``dW_sq``, ``db_sq``, ``dW_var``, ``db_var`` where the engine gives statistics of them over
  the batch (BackPACK's SumGradSquared and Variance): sum_i dW_i^2 and mean_i dW_i^2 -
  (mean_i dW_i)^2 of the reference's per-example values (no variance row for a batch of one,
  whose variance is 0 whatever the gradients).

Per-example arrays are m times the size of dW (m = 4096 with 128 x 128 layers is 512 MiB in
float64), so engines give them for the first ``per_example_count`` examples, at most
PER_EXAMPLE_VALUES values per scenario; the mean identity needs every example and is made
only where all of them were given (every scenario of the default suite; in the full suite
the 600 largest keep their first examples, and their rows' shape says how many).
"""
from __future__ import annotations

import numpy as np

from crosscheck import reference
from crosscheck.checks.identities import Observation
from crosscheck.reference.trace import STATISTICS

#: The check's name in reports.
CHECK = "x(a-y) per example"
#: At most this many per-example values (dW_i and db_i of every layer) per scenario: 8 MiB
#: in float64, a chunk of compare_columns (checks/arrays.py: CHUNK_ELEMENTS), so that the
#: comparison's temporaries stay as bounded as for any other row (2^22 doubled the numpy
#: engine's peak RSS on the full suite's largest network); the examples beyond are not given.
PER_EXAMPLE_VALUES = 2 ** 20


def per_example_count(s) -> int:
    """k: the examples of scenario ``s`` whose per-example gradients an engine gives (the
    first k of the batch; all m where they fit in PER_EXAMPLE_VALUES)."""
    return examples_given(s.layer_sizes, s.m)


def examples_given(layer_sizes, m: int) -> int:
    """per_example_count from the layer sizes and the batch size (what a traced program knows)."""
    per = sum(layer_sizes[l] * layer_sizes[l - 1] + layer_sizes[l] for l in range(1, len(layer_sizes)))
    return int(min(m, max(1, PER_EXAMPLE_VALUES // per)))


def observations(problem, ref, trace) -> list[Observation]:
    """The per-example rows of an engine's trace (none when it has no per-example values;
    a user's function: those of the per-example keys it returned)."""
    if trace.dW_i is None and trace.db_i is None:
        return []
    s = problem.scenario
    partial = trace.given is not None
    formulas = {"dW_i": lambda l, k: reference.dW_per_example(ref.dZ[l], ref.A[l - 1], k),
                "db_i": lambda l, k: reference.db_per_example(ref.dZ[l], k)}
    made = []
    for l in sorted(ref.dZ):
        mean = {}
        for q, formula in formulas.items():
            if partial and (q, l) not in trace.given:
                continue
            actual = trace.get(q, l)
            k = np.shape(actual)[0] if np.ndim(actual) == 3 else per_example_count(s)
            made.append(Observation(CHECK, q, l, formula(l, min(k, s.m)), actual))
            if np.ndim(actual) == 3 and k == s.m:
                mean[q[:2]] = np.asarray(actual, np.float64).mean(axis=0)
        for q in ("dW", "db"):  # the mean of the per-example values is the engine's own batch gradient
            if q in mean and trace.get(q, l) is not None:
                made.append(Observation(CHECK, q, l, mean[q], trace.get(q, l)))
        for q in STATISTICS:  # statistics over the batch (BackPACK): the reference's per-example ones
            if trace.get(q, l) is not None and not (q.endswith("_var") and s.m == 1):  # one example: 0 by definition
                made.append(Observation(CHECK, q, l, _statistic(q, ref, l), trace.get(q, l)))
    return made


def _statistic(name: str, ref, l: int) -> np.ndarray:
    """sum_i Q_i^2 (``*_sq``) or mean_i Q_i^2 - (mean_i Q_i)^2 (``*_var``) of the reference's
    per-example dW_i or db_i of layer l over the whole batch, element by element."""
    each = (reference.dW_per_example(ref.dZ[l], ref.A[l - 1]) if name.startswith("dW")
            else reference.db_per_example(ref.dZ[l]))
    if name.endswith("_sq"):
        return (each * each).sum(axis=0)
    return (each * each).mean(axis=0) - each.mean(axis=0) ** 2


def given_count(trace) -> int | None:
    """How many examples' per-example gradients ``trace`` holds (None: it holds none)."""
    first = next(iter((trace.dW_i or {}).values()), None)
    return int(np.shape(first)[0]) if np.ndim(first) == 3 else None


def with_per_example(alternative, k: int | None):
    """``alternative`` (a reference trace recomputed under a convention or a finding) with
    the per-example gradients of its own A and dZ, for the first ``k`` examples, so that the
    per-example rows are explained value by value as the others are; unchanged when ``k``
    is None or it cannot be made."""
    if k is None or alternative is None or alternative.dW_i is not None:
        return alternative
    from dataclasses import replace

    try:
        with np.errstate(all="ignore"):
            dW_i, db_i = reference.per_example_gradients(alternative.A, alternative.dZ, k)
    except (KeyError, ValueError, TypeError, IndexError):
        return alternative
    return replace(alternative, dW_i=dW_i, db_i=db_i)
