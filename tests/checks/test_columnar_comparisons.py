"""compare_columns: the pairs of several engines at once, each judged by its own tolerance,
give what comparing each pair alone gives; the ULP distance and the worst index are what
their definitions say."""
from __future__ import annotations

import numpy as np
import pytest

import crosscheck.checks.arrays
from crosscheck.checks.arrays import compare, compare_columns, ulp_distance
from crosscheck.scenarios import DTYPES, TOLERANCES, Tolerance
from crosscheck.scenarios.dtypes import numpy_dtype

#: fd's kind of tolerance: its own, no scale (adapters/finite_differences.py).
OWN = Tolerance(rtol=1e-7, atol=1e-8)


def _pairs(dtype: str, rng) -> list:
    """Pairs of every kind a row meets: right, a planted error, NaN, inf on both sides,
    missing, transposed, squeezed (db of a one-unit layer), a wider dtype, empty, a scalar."""
    d = numpy_dtype(dtype)
    pairs = []
    for k, shape in enumerate([(3, 4), (1, 1), (5, 1), (2, 7), (4, 3), (2, 3, 4), (6,)]):
        e = rng.standard_normal(shape)
        a = e.astype(d)
        if k % 2:
            a.flat[rng.integers(a.size)] += 0.5
        pairs.append((e, a))
    e = rng.standard_normal((3, 1))
    nan, inf = e.astype(d), e.copy()
    nan[1, 0], inf[2, 0] = np.nan, np.inf
    return pairs + [(e, nan), (inf, inf.astype(d)), (e, None), (e, e.T.astype(d)), (e, e.ravel().astype(d)),
                    (e, e.astype(np.float64)), (np.zeros((0, 3)), np.zeros((0, 3), d)), (np.array(2.0), np.array(2.0, d))]


@pytest.mark.parametrize("chunk", [1 << 20, 7])
@pytest.mark.parametrize("dtype", DTYPES)
def test_each_pair_is_judged_by_its_own_tolerance_as_if_compared_alone(dtype, chunk, monkeypatch):
    monkeypatch.setattr(crosscheck.checks.arrays, "CHUNK_ELEMENTS", chunk)
    rng = np.random.default_rng(7)
    first, second = _pairs(dtype, rng), _pairs(dtype, rng)  # two engines, two tolerances
    pairs, tols = first + second, [TOLERANCES[dtype]] * len(first) + [OWN] * len(second)
    terms = [None if k % 3 else 4.0 for k in range(len(pairs))]
    columns = compare_columns(pairs, dtype, [t.rtol for t in tols], [t.atol for t in tols],
                              [t.scale for t in tols], terms)
    alone = [compare(e, a, dtype, t.rtol, t.atol, t.scale, term) for (e, a), t, term in zip(pairs, tols, terms)]
    assert list(map(repr, columns.comparisons())) == list(map(repr, alone))
    assert [repr(columns.comparison(i)) for i in range(len(pairs))] == list(map(repr, columns.comparisons()))
    assert not all(c.passed for c in alone) and any(c.passed for c in alone)


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_ulp_distance_counts_the_floats_between(dtype):
    d = numpy_dtype(dtype)
    bits = {2: np.int16, 4: np.int32, 8: np.int64}[d.itemsize]
    x = np.array([1.5, -1.5, 3e-3], dtype=d)
    for steps in range(1, 5):  # a float's bits plus k, same sign: k floats further from zero
        y = (x.view(bits) + bits(steps)).view(d)
        assert ulp_distance(x.astype(np.float64), y, dtype).tolist() == [steps] * 3
    smallest = float(np.array([1], bits).view(d)[0])  # the smallest subnormal
    assert ulp_distance(np.array([0.0, -0.0, -smallest]), np.array([-0.0, 0.0, smallest], d), dtype).tolist() \
        == [0, 0, 2]  # the two zeros are one float; across zero: two apart
    magnitude = int(np.array([3.0], d).view(bits)[0])  # opposite signs: the two magnitudes' floats added
    assert ulp_distance(np.array([3.0]), np.array([-3.0], d), dtype).tolist() == [float(magnitude) + float(magnitude)]


@pytest.mark.parametrize("shape, where", [((), ()), ((6,), (4,)), ((3, 4), (2, 1)), ((2, 3, 4), (1, 0, 3)),
                                          ((4, 1), (3, 0))])
def test_the_worst_index_is_the_first_place_of_the_greatest_difference(shape, where):
    expected = np.arange(np.prod(shape, dtype=int), dtype=np.float64).reshape(shape) + 1.0
    actual = np.array(expected)
    actual[where] += 5.0
    if len(shape):  # the same difference later in C order: the first one is named
        actual.flat[-1] += 5.0 if np.ravel_multi_index(where, shape) != actual.size - 1 else 0.0
    result = compare_columns([(expected, actual)], "float64", 1e-11, 0.0).comparison(0)
    assert result.worst_index == str(tuple(int(i) for i in where)) and result.max_abs_err == 5.0
