"""The JUnit XML of a run (``--junit-xml FILE``), for the CI pages that read test reports:
one ``<testcase>`` per scenario x engine, inside one ``<testsuite name="crosscheck">``.

``classname`` is the engine, ``name`` the scenario id, ``time`` the engine's seconds on the
scenario (the rows' ``engine_seconds``).  A scenario x engine with a failing row has a
``<failure>``: its ``message`` lists the failing checks, one per line (``check
quantity[layer]: message``, the first MAX_LINES, then a count), its text is the command
that reruns it.  One that was not checked (unsupported, not applicable) is ``<skipped>``
with the reason.  Every other one passes; where some of its rows have another status than
``pass`` (conventions, negative controls, rows that could not fail), a ``<system-out>``
lists them.  An engine asked for that checked no scenario fails the run: it is one more
testcase (``checks at least one scenario``) that fails with the reason; a run that fails
with neither (``--strict-known``: an entry of the known failures that is fixed) has one
testcase ``the run passes`` that fails with the headline: the counts never read as a pass
when the run did not.  Rows of the status ``known`` pass, listed in the system-out.

No timestamp and no host name: the same rows give the same bytes (between two runs only
the ``time`` attributes differ, as ``engine_seconds`` does; ``merge`` of the same shards
gives the same file).  The tests check it against Jenkins' JUnit schema
(tests/reporting/junit.xsd).
"""
from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import pandas as pd

from crosscheck.running.statuses import FAIL, NOT_CHECKED, PASS, RUN
from crosscheck.running.verdict import idle_engines

#: A failure lists this many failing checks (then a count), a system-out this many rows.
MAX_LINES = 10
#: ... each cut to this many characters.
MAX_LINE = 500
#: The name of the testcase of an engine asked for that checked nothing.
IDLE_CASE = "checks at least one scenario"
#: The name of the testcase of a run that fails with no failing row and no idle engine.
VERDICT_CASE = "the run passes"

# characters XML 1.0 does not allow (a user's exception may carry them): replaced
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(value) -> str:
    """``value`` as text XML can hold (a missing message: empty)."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return _NOT_XML.sub("\ufffd", text)


def _text(value) -> str:
    """``value`` as text XML can hold, at most MAX_LINE characters."""
    text = _clean(value)
    return text if len(text) <= MAX_LINE else text[:MAX_LINE - 3] + "..."


def _lines(lines: list[str], what: str) -> str:
    """The first MAX_LINES of ``lines``, then how many more ``what`` there are."""
    shown = lines[:MAX_LINES]
    if len(lines) > MAX_LINES:
        shown.append(f"... {len(lines) - MAX_LINES} more {what} in discrepancies.csv")
    return "\n".join(shown)


def _seconds(value) -> str:
    return f"{0.0 if pd.isna(value) else float(value):.6f}"


def _where(row) -> str:
    return "" if row.check == RUN else f"{row.check} {row.quantity}[{row.layer}]: "


def junit_xml(df: pd.DataFrame, title: str, headline: str, passed: bool, asked=(), unavailable=None,
              rerun: str = "crosscheck run", network: str | None = None) -> str:
    """The JUnit XML text of the rows ``df`` (discrepancies.csv); ``headline`` and ``passed``:
    the run's (tables.views), ``asked``: the engines judged (verdict.idle_engines),
    ``rerun`` and ``network``: the start of a rerun command and the --network file
    (engines.rerun_command)."""
    from crosscheck.engines import rerun_command

    ok = df["passed"].astype(bool)
    failing: dict[tuple, list] = {}
    for row in df[~ok].itertuples(index=False):
        failing.setdefault((row.scenario, row.engine), []).append(row)
    not_checked = {(r.scenario, r.engine): r.message
                   for r in df[(df["check"] == RUN) & df["status"].isin(NOT_CHECKED)].itertuples(index=False)}
    noted: dict[tuple, list] = {}
    for row in df[ok & ~df["status"].isin([PASS, FAIL, *NOT_CHECKED])].itertuples(index=False):
        noted.setdefault((row.scenario, row.engine), []).append(row)
    timed = "engine_seconds" in df.columns
    pairs = df.drop_duplicates(["scenario", "engine"])

    root = ET.Element("testsuites", name="crosscheck")
    suite = ET.SubElement(root, "testsuite", name="crosscheck")
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="title", value=_clean(title))
    ET.SubElement(properties, "property", name="verdict", value="PASS" if passed else "FAIL")
    for name, reason in (unavailable or {}).items():
        ET.SubElement(properties, "property", name=f"unavailable {name}", value=_text(reason))
    tests = failures = skipped = 0
    total = 0.0
    for pair in pairs.itertuples(index=False):
        key = (pair.scenario, pair.engine)
        seconds = pair.engine_seconds if timed else float("nan")
        total += 0.0 if pd.isna(seconds) else float(seconds)
        case = ET.SubElement(suite, "testcase", classname=_clean(pair.engine), name=_clean(pair.scenario),
                             time=_seconds(seconds))
        tests += 1
        if key in failing:
            rows = failing[key]
            failures += 1
            failure = ET.SubElement(case, "failure", type=",".join(dict.fromkeys(r.check for r in rows)),
                                    message=_lines([_text(_where(r) + _text(r.message)) for r in rows],
                                                   "failing checks"))
            scenario_network = network if pair.scenario.startswith("net-") else None
            failure.text = "rerun: " + rerun_command(rerun, pair.scenario, pair.engine, scenario_network) + "\n"
        elif key in not_checked:
            skipped += 1
            ET.SubElement(case, "skipped", message=_text(not_checked[key]))
        if key in noted:
            out = ET.SubElement(case, "system-out")
            out.text = _lines([_text(f"{r.status}: {_where(r)}" + _text(r.message)) for r in noted[key]],
                              "rows of these statuses") + "\n"
    for name, reason in idle_engines(df, asked).items():
        tests += 1
        failures += 1
        case = ET.SubElement(suite, "testcase", classname=_clean(name), name=IDLE_CASE, time=_seconds(0.0))
        ET.SubElement(case, "failure", type="checked nothing",
                      message=_text(f"engine {name} {reason}"))
    if not passed and not failures:  # the run fails for another reason (--strict-known): never all green
        tests += 1
        failures += 1
        case = ET.SubElement(suite, "testcase", classname="crosscheck", name=VERDICT_CASE, time=_seconds(0.0))
        ET.SubElement(case, "failure", type="verdict", message=_clean(headline))
    out = ET.SubElement(suite, "system-out")
    out.text = _clean(headline) + "\n"
    counts = {"tests": str(tests), "failures": str(failures), "errors": "0"}
    suite.attrib.update({**counts, "skipped": str(skipped), "time": _seconds(total)})
    root.attrib.update({**counts, "time": _seconds(total)})
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
