"""The versions a report carries: the schema of discrepancies.csv and run.json, and the
release that wrote them.

``SCHEMA`` is written as run.json's ``"schema"`` and as the last column, ``schema``, of every
row of discrepancies.csv (a column, not a comment line, so that any CSV reader still reads
the file).  Schema 1 is the previous release's: no ``schema`` column (and the engine column
may be called ``framework``).  Raise SCHEMA when a column changes meaning or goes away, and
teach ``crosscheck compare`` (reporting/regressions.py) to read the older one.
"""
from __future__ import annotations

#: The schema this release writes.
SCHEMA = 2
#: The schemas this release reads: 1 (the previous release's, no ``schema`` column) and its own.
READS = (1, 2)
#: The installed distribution's name (pyproject.toml's [project] name).
DISTRIBUTION = "backprop-crosscheck"


def release() -> str:
    """The installed distribution's version (``0.1.0``), or ``unknown`` when it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"


def check_schema(schema, where) -> int:
    """``schema`` (None: written before schemas, 1) as an int this release reads; ValueError
    with one line naming ``where`` for a newer or unreadable one."""
    if schema is None:
        return 1
    try:
        number = int(str(schema).strip())
    except ValueError:
        raise ValueError(f"{where}: schema {schema!r} is not a schema number") from None
    if number not in READS:
        newer = " (newer: written by a later backprop-crosscheck; upgrade to read it)" if number > SCHEMA else ""
        raise ValueError(f"{where}: report schema {number} is not one this backprop-crosscheck {release()} reads "
                         f"({', '.join(map(str, READS))}){newer}")
    return number
