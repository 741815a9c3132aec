"""The rows of discrepancies.csv held column by column, and the one DataFrame made of them.

The runner keeps no object per row: a scenario's rows are one ``Rows`` (a NumPy array per
numeric column, a list per text column), appended to the run's ``Table`` (one growing
buffer per column), whose DataFrame is made once, at the end.  The types of its columns
are those pandas gives a list of row dicts, so the report reads the same.
"""
from __future__ import annotations

from array import array

import numpy as np
import pandas as pd

#: Columns of discrepancies.csv, in order (the first fourteen are the contract).
COLUMNS = [
    "scenario", "engine", "dtype", "check", "quantity", "layer", "shape",
    "max_abs_err", "max_rel_err", "max_ulp", "mismatched", "rtol", "atol", "passed",
    "status", "numel", "worst_index", "expected_at_worst", "actual_at_worst", "message",
    "device", "depth", "m", "k", "err_ku", "engine_seconds",
]
#: ``k``: the inner dimension of the reduction that produced the value (n_{l-1} for Z[l]
#: and A[l], n_{l+1} for dA[l] and dZ[l] below the output, 1 at the output, m for dW and
#: db); ``err_ku``: max_abs_err / (k * u * max|expected|), the error in units of that
#: reduction's rounding budget (u: the dtype's unit roundoff), so that a large batch or
#: a wide layer does not look like a bug.
#: ``status``: one of crosscheck/running/statuses.py.

#: Columns of text, held as lists (pandas infers their type as it does for row dicts);
#: the others are NumPy arrays.
TEXT = frozenset({"scenario", "engine", "dtype", "check", "quantity", "shape", "status", "worst_index",
                  "message", "device"})


class Rows:
    """Report rows as columns: ``columns[name][i]`` is row i's value of COLUMNS' ``name``.
    ``k`` is float, NaN on a ``run`` row (which has none)."""

    def __init__(self, columns: dict):
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns["check"])

    def failed(self, span: slice, status: str) -> bool:
        """Whether a row of ``span`` has ``status``."""
        return status in self.columns["status"][span]

    def failing(self, span: slice, check: str) -> set:
        """{(quantity, layer)} of the rows of ``span`` of ``check`` that did not pass."""
        c = self.columns
        failed = (np.flatnonzero(~c["passed"][span]) + span.start).tolist()
        return {(c["quantity"][i], int(c["layer"][i])) for i in failed if c["check"][i] == check}


#: The array.array type code of each numeric column's values.
NUMBERS = {"layer": "q", "mismatched": "q", "numel": "q", "depth": "q", "m": "q", "passed": "b", "k": "d",
           **{name: "d" for name in ("max_abs_err", "max_rel_err", "max_ulp", "rtol", "atol", "expected_at_worst",
                                     "actual_at_worst", "err_ku", "engine_seconds")}}
_NUMPY = {"q": np.int64, "d": np.float64, "b": np.bool_}


class Table:
    """Rows appended a scenario at a time, each column into one buffer that grows in place
    (a list for text, an array.array for numbers): a run holds a few large buffers, not a
    small array per column of every scenario among the memory it frees (which would keep
    that memory from the system), and its DataFrame uses the numbers' buffers as they are."""

    def __init__(self):
        self._text = {name: [] for name in COLUMNS if name in TEXT}
        self._numbers = {name: array(code) for name, code in NUMBERS.items()}

    def append(self, rows: Rows) -> None:
        for name, column in self._text.items():
            column.extend(rows.columns[name])
        for name, column in self._numbers.items():
            column.frombytes(np.ascontiguousarray(rows.columns[name], _NUMPY[column.typecode]).tobytes())

    def frame(self) -> pd.DataFrame:
        """The DataFrame of the rows appended, in order, COLUMNS' order and types: ``k``
        int when every row has one (none of them a ``run`` row), float otherwise."""
        if not self._text["check"]:
            return pd.DataFrame([], columns=COLUMNS)
        data = {**self._text, **{name: np.frombuffer(column, _NUMPY[column.typecode])
                                 for name, column in self._numbers.items()}}
        if not np.isnan(data["k"]).any():
            data["k"] = data["k"].astype(np.int64)
        return pd.DataFrame(data, columns=COLUMNS, copy=False)  # the numbers stay in their buffers

