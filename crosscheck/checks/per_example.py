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
float64), so where a scenario's do not fit in PER_EXAMPLE_VALUES values (600 scenarios of
the full suite; none of the default one) the reference and the engines give them as
Examples (reference/examples.py), made ``per_example_chunk`` examples at a time, and every
example is compared chunk by chunk (checks/chunked.py); the mean identity is summed the
same way.
"""
from __future__ import annotations

import numpy as np

from crosscheck import reference
from crosscheck.checks.identities import Observation
from crosscheck.reference.examples import Examples
from crosscheck.reference.trace import STATISTICS

#: The check's name in reports.
CHECK = "x(a-y) per example"
#: At most this many per-example values (dW_i and db_i of every layer) are made at once: 8 MiB
#: in float64, a chunk of compare_columns (checks/arrays.py: CHUNK_ELEMENTS), so that the
#: comparison's temporaries stay as bounded as for any other row (2^22 doubled the numpy
#: engine's peak RSS on the full suite's largest network); a batch with more is made and
#: compared in chunks of examples.
PER_EXAMPLE_VALUES = 2 ** 20


def per_example_chunk(s) -> int:
    """How many examples of scenario ``s`` are made and compared at a time: all m where
    their per-example gradients fit in PER_EXAMPLE_VALUES, else as many as fit (at least one)."""
    return chunk_examples(s.layer_sizes, s.m)


def chunk_examples(layer_sizes, m: int) -> int:
    """per_example_chunk from the layer sizes and the batch size (what a traced program knows)."""
    per = sum(layer_sizes[l] * layer_sizes[l - 1] + layer_sizes[l] for l in range(1, len(layer_sizes)))
    return int(min(m, max(1, PER_EXAMPLE_VALUES // per)))


def per_example_layers(made, s) -> dict:
    """An engine's per-example values of scenario ``s`` ({key: value}, keys as ``made``'s),
    from ``made(start, stop) -> {key: array}`` of examples start:stop: made for the whole batch
    where it fits in one chunk (per_example_chunk), else as Examples made chunk by chunk."""
    chunk = per_example_chunk(s)
    return made(0, s.m) if s.m <= chunk else Examples.layers(made, s.m, chunk)


def reference_examples(ref) -> tuple[dict, dict]:
    """The reference's per-example (dW_i, db_i) from its trace ``ref``, every example (made
    by chunks where they do not fit in one)."""
    layers = sorted(ref.dZ)
    sizes = [ref.A[0].shape[0]] + [ref.dZ[l].shape[0] for l in layers]
    return reference.per_example_gradients(ref.A, ref.dZ, chunk_examples(sizes, ref.dZ[layers[0]].shape[1]))


def observations(problem, ref, trace, examples: tuple | None = None) -> list[Observation]:
    """The per-example rows of an engine's trace (none when it has no per-example values;
    a user's function: those of the per-example keys it returned); ``examples``: the
    reference's (reference_examples), when the caller makes them once for every engine."""
    if trace.dW_i is None and trace.db_i is None:
        return []
    s = problem.scenario
    partial = trace.given is not None
    expected = dict(zip(("dW_i", "db_i"), examples or reference_examples(ref)))
    made = []
    for l in sorted(ref.dZ):
        mean = {}
        for q in ("dW_i", "db_i"):
            if partial and (q, l) not in trace.given:
                continue
            actual = trace.get(q, l)
            made.append(Observation(CHECK, q, l, expected[q][l], actual))
            if _examples_in(actual) == s.m:  # an Examples' mean: summed as its rows are compared
                try:
                    mean[q[:2]] = actual.mean() if isinstance(actual, Examples) else \
                        np.asarray(actual, np.float64).mean(axis=0)
                except (TypeError, ValueError):  # a user's values that are not numbers: their row says so
                    pass
        for q in ("dW", "db"):  # the mean of the per-example values is the engine's own batch gradient
            if q in mean and trace.get(q, l) is not None:
                made.append(Observation(CHECK, q, l, mean[q], trace.get(q, l)))
        for q in STATISTICS:  # statistics over the batch (BackPACK): the reference's per-example ones
            if trace.get(q, l) is not None and not (q.endswith("_var") and s.m == 1):  # one example: 0 by definition
                made.append(Observation(CHECK, q, l, reference_statistic(q, ref, l), trace.get(q, l)))
    return made


def _examples_in(value) -> int | None:
    """How many examples a per-example value holds (None: not one of shape (k, n, n'))."""
    if isinstance(value, Examples):
        return value.shape[0] if value.ndim == 3 else None
    try:
        return np.shape(value)[0] if np.ndim(value) == 3 else None
    except (TypeError, ValueError):  # a user's function may return anything
        return None


def reference_statistic(name: str, ref, l: int) -> np.ndarray:
    """sum_i Q_i^2 (``*_sq``) or mean_i Q_i^2 - (mean_i Q_i)^2 (``*_var``) of the reference's
    per-example dW_i or db_i of layer l over the whole batch, element by element, in closed
    form: sum_i dW_i^2 = (dZ^2)(A^2)^T and sum_i db_i^2 = sum_i dZ_i^2, with no per-example
    array made."""
    dZ, m = ref.dZ[l], ref.dZ[l].shape[1]
    if name.startswith("dW"):
        x = reference.dz_dw(ref.A[l - 1])  # dW_i = dZ_i dz_dw(A_i)^T, so dW_i^2 = dZ_i^2 (dz_dw(A_i)^2)^T
        total, mean = (dZ * dZ) @ (x * x).T, reference.dW(dZ, ref.A[l - 1])
    else:
        total, mean = (dZ * dZ).sum(axis=1, keepdims=True), reference.db(dZ)
    return total if name.endswith("_sq") else total / m - mean * mean


def with_per_example(alternative, trace, s):
    """``alternative`` (a reference trace recomputed under a convention or a finding) with what
    the engine's ``trace`` gives besides its batch values, made from the alternative's own A
    and dZ: its per-example gradients (made per_example_chunk examples at a time) and its
    statistics over the batch (BackPACK's), so that those rows are explained value by value
    as the others are; unchanged where the trace has none, or they cannot be made."""
    if alternative is None:
        return alternative
    from dataclasses import replace

    changes = {}
    try:
        with np.errstate(all="ignore"):
            if (trace.dW_i is not None or trace.db_i is not None) and alternative.dW_i is None:
                changes["dW_i"], changes["db_i"] = reference.per_example_gradients(
                    alternative.A, alternative.dZ, per_example_chunk(s))
            if trace.statistics and alternative.statistics is None:
                changes["statistics"] = {q: {l: reference_statistic(q, alternative, l) for l in layers}
                                         for q, layers in trace.statistics.items()}
    except (KeyError, ValueError, TypeError, IndexError):
        return alternative
    return replace(alternative, **changes) if changes else alternative
