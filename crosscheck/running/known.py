"""The known-failures file (``--known-failures FILE``): failing rows declared known, each
with a reason, so that they do not fail the run; and what became of each entry.

TOML (``[[known]]`` tables) or CSV (a header row, then one entry a row), by the file's
extension; the fields, of which only ``scenario`` and ``reason`` are required::

    [[known]]
    scenario = "*_float64_s0"            # an fnmatch pattern on the scenario id
    engine = "mutant:dW-missing-1/m"     # the engine's name as rows carry it (a pattern too)
    check = "reference"                  # reference, A-Y, chain, x(a-y), db, recursion, run
    quantity = "dW"                      # A, Z, dA, dZ, dW, db (- on a run row)
    layer = 1                            # an integer (-1 on a run row)
    reason = "the 1/m is left out on purpose"

A field left out (in CSV: an empty cell, or no such column) matches anything.  A failing
row that an entry matches gets the status ``known``: it passes, is shown apart, and its
message starts with the first matching entry's reason.  Each entry is then

- *known*: it matches at least one failing row;
- *fixed*: it matches rows that were checked, and none of them fails;
- *unmatched*: it matches no checked row of the run (a typo, or scenarios the run left out).

Fixed and unmatched entries are reported (fixed ones with the headline, unmatched ones as a
warning); with ``strict`` (``--strict-known``) either fails the run.  A shard labels its own
rows and leaves judging the entries to ``crosscheck merge``, which sees the whole run.
Every path (run, ``--workers``, shards and merge, ``check()``, the pytest plugin) goes
through ``apply`` and ``Judgement``.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: tomli (a dependency there, pyproject.toml)
    import tomli as tomllib
from dataclasses import asdict, dataclass, replace
from fnmatch import fnmatchcase
from pathlib import Path

import pandas as pd

from crosscheck.running.statuses import FAIL, KNOWN, NOT_CHECKED

#: The fields of an entry, in the order the reports show them.
FIELDS = ("scenario", "engine", "check", "quantity", "layer", "reason")
REQUIRED = ("scenario", "reason")
#: The TOML array of tables that holds the entries.
TABLE = "known"
#: What became of an entry.
LISTED, FIXED, UNMATCHED = "known", "fixed", "unmatched"


class KnownFailuresError(ValueError):
    """A known-failures file that cannot be used: one line that names the file and where."""


@dataclass(frozen=True)
class Entry:
    """One entry of the file: ``number`` counts from 1 in file order; ``where`` is FILE:LINE."""

    number: int
    where: str
    scenario: str
    reason: str
    engine: str | None = None
    check: str | None = None
    quantity: str | None = None
    layer: int | None = None

    @property
    def name(self) -> str:
        return f"entry {self.number} ({self.where})"

    def matches_item(self, scenario: str, engine: str) -> bool:
        """Whether the entry can match rows of this scenario x engine."""
        return _fits(scenario, self.scenario) and (self.engine is None or _fits(engine, self.engine))

    def mask(self, df: pd.DataFrame) -> pd.Series:
        """The rows of ``df`` (discrepancies.csv's columns) this entry matches."""
        mask = _pattern(df["scenario"], self.scenario)
        if self.engine is not None:
            mask &= _pattern(df["engine"], self.engine)
        if self.check is not None:
            mask &= df["check"].astype(str) == self.check
        if self.quantity is not None:
            mask &= df["quantity"].astype(str) == self.quantity
        if self.layer is not None:
            mask &= df["layer"].astype(int) == self.layer
        return mask


def _fits(value: str, pattern: str) -> bool:
    """The value is the pattern, or matches it as an fnmatch glob (case-sensitive); equality
    first, so that a name with brackets (a mutant's ``g'[L]``) matches itself."""
    return value == pattern or fnmatchcase(value, pattern)


def _pattern(values: pd.Series, pattern: str) -> pd.Series:
    values = values.astype(str)
    return values.map({v: _fits(v, pattern) for v in values.unique()}).astype(bool)


@dataclass(frozen=True)
class KnownFailures:
    """A loaded file: its path as given, the SHA-256 of its bytes, its entries; ``strict``:
    a fixed or unmatched entry fails the run."""

    path: str
    sha256: str
    entries: tuple[Entry, ...]
    strict: bool = False

    def meta(self) -> dict:
        """What run.json records (and ``crosscheck merge`` reads back: ``from_meta``)."""
        return {"path": self.path, "sha256": self.sha256, "strict": self.strict,
                "entries": [asdict(e) for e in self.entries]}

    @classmethod
    def from_meta(cls, meta: dict) -> KnownFailures:
        return cls(meta["path"], meta["sha256"], tuple(Entry(**e) for e in meta["entries"]), bool(meta["strict"]))


@dataclass(frozen=True)
class Outcome:
    """What one entry matched: ``failing`` rows (failed, or already labelled known) in
    ``pairs`` scenario x engine pairs, and ``checked`` rows (every row but the unsupported and
    not applicable ones, failing ones included)."""

    entry: Entry
    failing: int = 0
    pairs: int = 0
    checked: int = 0

    @property
    def state(self) -> str:
        return LISTED if self.failing else FIXED if self.checked else UNMATCHED

    def text(self) -> str:
        """The outcome in a few words, as the reports' tables show it."""
        if self.state == LISTED:
            return (f"known: {self.failing} failing row{'s' if self.failing > 1 else ''} in {self.pairs} "
                    f"scenario x engine pair{'s' if self.pairs > 1 else ''}")
        if self.state == FIXED:
            return f"fixed: {_rows(self.checked)} it matches {'pass' if self.checked > 1 else 'passes'}"
        return "matches no row of this run"


@dataclass(frozen=True)
class Judgement:
    """What became of every entry of a file in a run.  ``judged`` False (a shard): the rows
    are labelled, the entries are judged by ``crosscheck merge``."""

    known: KnownFailures
    outcomes: tuple[Outcome, ...]
    judged: bool = True

    def _with(self, state: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.state == state] if self.judged else []

    @property
    def fixed(self) -> list[Outcome]:
        return self._with(FIXED)

    @property
    def unmatched(self) -> list[Outcome]:
        return self._with(UNMATCHED)

    @property
    def passed(self) -> bool:
        """False only when strict and an entry is fixed or matches no row."""
        return not (self.known.strict and (self.fixed or self.unmatched))

    def lines(self) -> list[str]:
        """The headline's lines: each fixed entry; under strict, each unmatched one too."""
        strict = " (strict: this fails the run)" if self.known.strict else ""
        lines = [f"known failure fixed: {o.entry.name}, {o.entry.reason!r}: {_rows(o.checked)} it matches "
                 f"{'pass' if o.checked > 1 else 'passes'}; remove it from {self.known.path}{strict}"
                 for o in self.fixed]
        if self.known.strict:
            lines += [warning(o) + strict for o in self.unmatched]
        return lines

    def warnings(self) -> list[str]:
        """One line per entry that matches no row (for stderr)."""
        return [warning(o) for o in self.unmatched]


def _rows(n: int) -> str:
    return "the row" if n == 1 else f"the {n} rows"


def warning(outcome: Outcome) -> str:
    entry = outcome.entry
    return (f"known failure {entry.name}, {entry.reason!r}, matches no checked row of this run: a typo, or "
            "scenarios this run does not include")


def apply(result, known: KnownFailures, judged: bool = True):
    """``result`` (a RunResult) with the failing rows ``known`` lists labelled ``known``,
    and its ``known`` the Judgement of every entry.  Rows already labelled (a shard's, read
    back by merge) stay as they are and count as failing rows of their entries."""
    df = result.observations
    failing = df["status"].isin((FAIL, KNOWN))
    checked = ~df["status"].isin(NOT_CHECKED)
    label = pd.Series(0, index=df.index)
    outcomes = []
    for entry in known.entries:
        mask = entry.mask(df) if len(df) else pd.Series(False, index=df.index)
        hit = mask & failing
        label = label.where((label != 0) | ~hit, entry.number)  # the first entry that matches labels
        outcomes.append(Outcome(entry, int(hit.sum()), len(df.loc[hit, ["scenario", "engine"]].drop_duplicates()),
                                int((mask & checked).sum())))
    relabel = (label != 0) & (df["status"] == FAIL)
    if relabel.any():
        df = df.copy()
        reasons = label[relabel].map({e.number: e.reason for e in known.entries})
        df.loc[relabel, "message"] = ("known failure (" + reasons + "): "
                                      + df.loc[relabel, "message"].fillna("").astype(str))
        df.loc[relabel, "status"] = KNOWN
        df["passed"] = df["passed"].astype(bool) | relabel
    return replace(result, observations=df, known=Judgement(known, tuple(outcomes), judged))


def combine(known: KnownFailures, counts: dict) -> Judgement:
    """The Judgement of a run from the outcomes of its parts (the plugin's items): ``counts``
    maps an entry's number to its summed (failing, pairs, checked)."""
    return Judgement(known, tuple(Outcome(e, *counts.get(e.number, (0, 0, 0))) for e in known.entries))


def labels(df: pd.DataFrame, known: KnownFailures) -> pd.Series:
    """For each ``known`` row of ``df``, the number of the entry that labelled it (the first
    that matches)."""
    rows = df[df["status"] == KNOWN]
    label = pd.Series(0, index=rows.index)
    for entry in known.entries:
        label = label.where(label != 0, entry.number * entry.mask(rows)) if len(rows) else label
    return label


def entries_table(judgement: Judgement) -> pd.DataFrame:
    """One row per entry: its fields (empty: any), its reason and what became of it."""
    rows = []
    for o in judgement.outcomes:
        e = o.entry
        rows.append({"entry": e.number, "where": e.where, "scenario": e.scenario,
                     **{f: "any" if getattr(e, f) is None else getattr(e, f) for f in ("engine", "check", "quantity")},
                     "layer": "any" if e.layer is None else str(e.layer), "reason": e.reason,
                     "outcome": o.text() if judgement.judged or o.state == LISTED else "judged by crosscheck merge"})
    return pd.DataFrame(rows, columns=["entry", "where", *FIELDS[:-1], "reason", "outcome"])


def rows_table(df: pd.DataFrame, judgement: Judgement) -> pd.DataFrame:
    """One row per scenario x engine x entry of the known rows: which rows, and the reason."""
    label = labels(df, judgement.known)
    reasons = {e.number: e.reason for e in judgement.known.entries}
    rows = []
    known = df.loc[label.index].assign(entry=label)
    for (scenario, engine, number), part in known.groupby(["scenario", "engine", "entry"], sort=False):
        which = ["run" if r.check == "run" else f"{r.check} {r.quantity}[{r.layer}]" for r in part.itertuples()]
        rows.append({"scenario": scenario, "engine": engine, "entry": number, "rows": len(part),
                     "which": "; ".join(which[:4]) + (f"; ... {len(which) - 4} more" if len(which) > 4 else ""),
                     "reason": reasons.get(number, "")})
    return pd.DataFrame(rows, columns=["scenario", "engine", "entry", "rows", "which", "reason"])


# -- reading a file ------------------------------------------------------------------

def load(path, strict: bool = False) -> KnownFailures:
    """The file at ``path`` (.toml or .csv), or KnownFailuresError with one line."""
    shown = str(path)
    suffix = Path(path).suffix.lower()
    if suffix not in (".toml", ".csv"):
        raise KnownFailuresError(f"{shown}: a known-failures file is .toml or .csv (read by its extension)")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise KnownFailuresError(f"{shown}: cannot read it: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise KnownFailuresError(f"{shown}: not UTF-8 text") from None
    raws = _toml(text, shown) if suffix == ".toml" else _csv(text, shown)
    entries = tuple(_entry(i, where, raw) for i, (where, raw) in enumerate(raws, 1))
    return KnownFailures(shown, hashlib.sha256(data).hexdigest(), entries, strict)


def from_entries(entries, strict: bool = False, name: str = "<entries>") -> KnownFailures:
    """Entries given as mappings with the file's keys (``check(known_failures=[...])``)."""
    raws = []
    for i, raw in enumerate(entries, 1):
        if not isinstance(raw, dict):
            raise KnownFailuresError(f"{name}: entry {i} is {type(raw).__name__}, not a mapping of "
                                     f"{', '.join(FIELDS)}")
        raws.append((f"{name}[{i - 1}]", raw))
    parsed = tuple(_entry(i, where, raw) for i, (where, raw) in enumerate(raws, 1))
    digest = hashlib.sha256(json.dumps([dict(r) for _, r in raws], sort_keys=True, default=str).encode()).hexdigest()
    return KnownFailures(name, digest, parsed, strict)


def _toml(text: str, path: str) -> list[tuple[str, dict]]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KnownFailuresError(f"{path}: not valid TOML: {exc}") from None
    for key in doc:
        if key != TABLE:
            raise KnownFailuresError(f"{path}: unknown key {key!r}; the file holds [[{TABLE}]] tables only")
    tables = doc.get(TABLE, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise KnownFailuresError(f"{path}: {TABLE} must be an array of tables, [[{TABLE}]]")
    starts = [i for i, line in enumerate(text.splitlines(), 1) if re.match(rf"\s*\[\[\s*{TABLE}\s*\]\]", line)]
    if len(starts) != len(tables):  # written inline: known = [{...}, ...]
        return [(f"{path}: [[{TABLE}]] number {i}", t) for i, t in enumerate(tables, 1)]
    return [(f"{path}:{line}", t) for line, t in zip(starts, tables)]


def _csv(text: str, path: str) -> list[tuple[str, dict]]:
    reader = csv.reader(io.StringIO(text))
    header, raws = None, []
    try:
        for row in reader:
            cells = [c.strip() for c in row]
            if not any(cells) or cells[0].startswith("#"):  # blank lines and comments
                continue
            where = f"{path}:{reader.line_num}"
            if header is None:
                for cell in cells:
                    if cell not in FIELDS:
                        raise KnownFailuresError(f"{where}: unknown column {cell!r}; accepted: {', '.join(FIELDS)}")
                    if cells.count(cell) > 1:
                        raise KnownFailuresError(f"{where}: column {cell!r} given twice")
                for needed in REQUIRED:
                    if needed not in cells:
                        raise KnownFailuresError(f"{where}: no column {needed!r} (the header row needs "
                                                 f"{' and '.join(REQUIRED)})")
                header = cells
                continue
            if len(cells) > len(header):
                raise KnownFailuresError(f"{where}: {len(cells)} cells, but the header has {len(header)} columns")
            raws.append((where, {k: v for k, v in zip(header, cells) if v != ""}))
    except csv.Error as exc:
        raise KnownFailuresError(f"{path}:{reader.line_num}: not valid CSV: {exc}") from None
    if header is None:
        raise KnownFailuresError(f"{path}: no header row (columns: {', '.join(FIELDS)})")
    return raws


def _entry(number: int, where: str, raw: dict) -> Entry:
    from crosscheck.checks.identities import CHECKS
    from crosscheck.reference.trace import PER_EXAMPLE, QUANTITIES, STATISTICS
    from crosscheck.running.statuses import RUN

    for key in raw:
        if key not in FIELDS:
            raise KnownFailuresError(f"{where}: unknown key {key!r}; accepted: {', '.join(FIELDS)}")
    fields = {}
    for key in ("scenario", "engine", "check", "quantity", "reason"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise KnownFailuresError(f"{where}: {key} must be a string, not {value!r}")
        value = " ".join(value.split()) if value is not None else None  # one line in every report
        fields[key] = value or None
    for key, what in (("scenario", 'a pattern on the scenario id ("*": every scenario)'),
                      ("reason", "why the rows are known to fail")):
        if fields[key] is None:
            raise KnownFailuresError(f"{where}: no {key}; every entry needs one: {what}")
    accepted = {"check": (*CHECKS, RUN), "quantity": (*QUANTITIES, *PER_EXAMPLE, *STATISTICS, "-")}
    for key, values in accepted.items():
        if fields[key] is not None and fields[key] not in values:
            raise KnownFailuresError(f"{where}: unknown {key} {fields[key]!r}; accepted: {', '.join(values)}")
    layer = raw.get("layer")
    if isinstance(layer, str):
        try:
            layer = int(layer.strip())
        except ValueError:
            raise KnownFailuresError(f"{where}: layer {layer!r} is not an integer") from None
    if layer is not None and (isinstance(layer, bool) or not isinstance(layer, int) or layer < -1):
        raise KnownFailuresError(f"{where}: layer {layer!r}: an integer, 0 (X) to L, or -1 (a run row)")
    return Entry(number, where, fields["scenario"], fields["reason"], fields["engine"], fields["check"],
                 fields["quantity"], layer)


# -- shards and merge ------------------------------------------------------------------

def fingerprint(meta: dict) -> tuple:
    """What shards of one run must agree on: the file's hash and strictness (run.json)."""
    carried = meta.get("known_failures") or {}
    return carried.get("sha256"), bool(carried.get("strict"))


def for_merge(carried: dict | None, path=None, strict: bool = False) -> KnownFailures | None:
    """The known failures ``crosscheck merge`` judges the whole run by: those the shards ran
    with (``carried``: run.json's), or the file given to merge (``path``), which must then be
    the shards' own if they had one; strict when the shards or merge say so.  None: none."""
    given = None
    if path is not None:
        try:
            given = load(path, strict)
        except KnownFailuresError as exc:
            raise KnownFailuresError(f"--known-failures {exc}") from None
    ran = KnownFailures.from_meta(carried) if carried else None
    if given is not None and ran is not None and given.sha256 != ran.sha256:
        raise KnownFailuresError(f"--known-failures {path}: not the file the shards ran with ({ran.path}, sha256 "
                                 f"{ran.sha256[:16]}); give that one, or none")
    chosen = given or ran
    if chosen is None:
        if strict:
            raise KnownFailuresError("--strict-known goes with --known-failures FILE (the shards ran without one)")
        return None
    return replace(chosen, strict=strict or (ran is not None and ran.strict))
