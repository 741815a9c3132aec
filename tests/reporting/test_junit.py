"""``--junit-xml FILE`` (crosscheck/reporting/junit.py): one testcase per scenario x engine,
valid against Jenkins' JUnit schema (tests/reporting/junit.xsd), with the report's counts,
the failing checks' messages and the same bytes for the same rows."""
from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd
import pytest

from crosscheck.cli import main
from crosscheck.engines import rerun_command
from crosscheck.reporting.junit import IDLE_CASE, MAX_LINES, junit_xml
from crosscheck.running.statuses import NOT_CHECKED, RUN
from crosscheck.running.verdict import engine_counts

SCHEMA = Path(__file__).with_name("junit.xsd")
MUTANT = "mutant:dW-missing-1/m"
#: The three runs the tests read: failing (a planted slip), passing, and nothing checked.
RUNS = {
    "failing": ["--suite", "smoke", "--engines", f"numpy,{MUTANT}"],
    "passing": ["--suite", "smoke", "--engines", "numpy"],
    "unsupported": ["--suite", "smoke", "--engines", "fd", "--dtypes", "float32"],
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """kind -> (exit code, report folder, JUnit file), each run once."""
    done = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("GITHUB_STEP_SUMMARY", raising=False)
        for kind, argv in RUNS.items():
            folder = tmp_path_factory.mktemp(kind)
            xml = folder / "junit" / "results.xml"  # a folder that is not there yet
            code = main(["run", *argv, "--out", str(folder / "out"), "--junit-xml", str(xml), "-q"])
            done[kind] = code, folder / "out", xml
    return done


def _cases(xml: Path) -> list[ET.Element]:
    return ET.parse(xml).getroot().findall("./testsuite/testcase")


def _report(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "discrepancies.csv", keep_default_na=False, na_values=[""])


@pytest.mark.parametrize("kind", RUNS)
def test_the_file_is_valid_against_the_junit_schema(kind, runs):
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(SCHEMA)
    schema.validate(runs[kind][2])  # raises with the first violation
    root = ET.parse(runs[kind][2]).getroot()
    assert root.tag == "testsuites" and [s.get("name") for s in root] == ["crosscheck"]


def test_the_schema_rejects_what_is_not_junit():
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(SCHEMA)
    assert not schema.is_valid('<testsuites><testsuite name="x"/></testsuites>')  # no tests count
    assert not schema.is_valid('<testsuites><testsuite tests="1"><testcase/></testsuite></testsuites>')  # no name


@pytest.mark.parametrize("kind, code", [("failing", 1), ("passing", 0), ("unsupported", 1)])
def test_the_counts_are_the_reports(kind, code, runs):
    got, out, xml = runs[kind]
    assert got == code
    df = _report(out)
    counts = engine_counts(df)
    idle = 1 if kind == "unsupported" else 0  # fd checked no scenario: one more failing testcase
    root = ET.parse(xml).getroot()
    suite = root.find("testsuite")
    pairs = df.drop_duplicates(["scenario", "engine"])
    assert int(suite.get("tests")) == len(pairs) + idle == int(counts["scenarios"].sum()) + idle
    assert int(suite.get("failures")) == int(counts["failed"].sum()) + idle
    assert int(suite.get("skipped")) == int((counts["unsupported"] + counts["not applicable"]).sum())
    assert suite.get("errors") == "0"
    assert {k: root.get(k) for k in ("tests", "failures", "errors")} == \
        {k: suite.get(k) for k in ("tests", "failures", "errors")}
    cases = _cases(xml)
    assert len(cases) == int(suite.get("tests"))
    assert sum(c.find("failure") is not None for c in cases) == int(suite.get("failures"))
    assert sum(c.find("skipped") is not None for c in cases) == int(suite.get("skipped"))
    verdict = {p.get("name"): p.get("value") for p in suite.find("properties")}["verdict"]
    assert verdict == ("PASS" if code == 0 else "FAIL")
    # one testcase per scenario x engine, in the report's order: classname the engine, name the scenario
    named = [(c.get("name"), c.get("classname")) for c in cases if c.get("name") != IDLE_CASE]
    assert named == list(zip(pairs["scenario"], pairs["engine"]))


def test_failures_carry_the_failing_checks_and_the_rerun_command(runs):
    _, out, xml = runs["failing"]
    df = _report(out)
    bad = df[~df["passed"].astype(bool)]
    failing = {(c.get("name"), c.get("classname")): c.find("failure") for c in _cases(xml)
               if c.find("failure") is not None}
    assert set(failing) == set(zip(bad["scenario"], bad["engine"])) and len(failing) == 18
    assert {engine for _, engine in failing} == {MUTANT}
    for (scenario, engine), failure in failing.items():
        rows = bad[(bad["scenario"] == scenario) & (bad["engine"] == engine)]
        expected = [f"{r.check} {r.quantity}[{r.layer}]: {r.message}" for r in rows.itertuples()]
        lines = failure.get("message").split("\n")
        assert lines[:MAX_LINES] == expected[:MAX_LINES]
        assert len(lines) == min(len(expected), MAX_LINES) + (len(expected) > MAX_LINES)
        assert "dW[" in failure.get("message") and "outside rtol" in failure.get("message")
        assert set(failure.get("type").split(",")) == set(rows["check"])
        assert failure.text.strip() == "rerun: " + rerun_command("crosscheck run", scenario, engine)
    passing = [c for c in _cases(xml) if c.find("failure") is None]
    assert len(passing) == 22 and all(len(c) == 0 for c in passing)


def test_times_are_the_engine_seconds(runs):
    _, out, xml = runs["failing"]
    seconds = _report(out).drop_duplicates(["scenario", "engine"]).set_index(["scenario", "engine"])["engine_seconds"]
    for case in _cases(xml):
        assert float(case.get("time")) == pytest.approx(seconds[(case.get("name"), case.get("classname"))], abs=1e-6)
    suite = ET.parse(xml).getroot().find("testsuite")
    assert float(suite.get("time")) == pytest.approx(seconds.sum(), abs=1e-5)


def test_unsupported_runs_are_skipped_with_the_reason_and_an_idle_engine_fails(runs):
    _, out, xml = runs["unsupported"]
    df = _report(out)
    reasons = df[(df["check"] == RUN) & df["status"].isin(NOT_CHECKED)].set_index("scenario")["message"]
    cases = _cases(xml)
    skipped = {c.get("name"): c.find("skipped").get("message") for c in cases if c.find("skipped") is not None}
    assert skipped == reasons.to_dict() and len(skipped) == 10
    assert set(skipped.values()) == {"unsupported: engine fd runs float64 scenarios only [float32]"}
    idle = [c for c in cases if c.get("name") == IDLE_CASE]
    assert len(idle) == 1 and idle[0].get("classname") == "fd"
    assert idle[0].find("failure").get("message").startswith("engine fd checked no scenario: every scenario was 10")


def test_a_rerun_gives_the_same_bytes_but_for_the_times(runs, tmp_path):
    _, _, first = runs["failing"]
    again = tmp_path / "again.xml"
    assert main(["run", *RUNS["failing"], "--out", str(tmp_path / "out"), "--junit-xml", str(again), "-q"]) == 1
    untimed = lambda path: re.sub(r' time="[0-9.]+"', ' time=""', path.read_text())  # noqa: E731
    assert untimed(again) == untimed(first)
    assert 'time=""' in untimed(first) and "timestamp" not in first.read_text() and "hostname" not in first.read_text()


def test_merge_writes_the_single_runs_file_and_twice_the_same_bytes(runs, tmp_path):
    shards = []
    for k in (1, 2):
        shards.append(tmp_path / f"shard{k}")
        assert main(["run", *RUNS["failing"], "--shard", f"{k}/2", "--out", str(shards[-1]),
                     "--junit-xml", str(tmp_path / f"shard{k}.xml"), "-q"]) in (0, 1)
    merged = []
    for n in (1, 2):
        merged.append(tmp_path / f"merged{n}.xml")
        assert main(["merge", *map(str, shards), "--out", str(tmp_path / f"merged{n}"),
                     "--junit-xml", str(merged[-1])]) == 1
    assert merged[0].read_bytes() == merged[1].read_bytes()
    untimed = lambda path: re.sub(r' time="[0-9.]+"', "", path.read_text())  # noqa: E731
    assert untimed(merged[0]) == untimed(runs["failing"][2])
    shard_cases = sum(len(_cases(tmp_path / f"shard{k}.xml")) for k in (1, 2))
    assert shard_cases == len(_cases(merged[0])) == 40


@pytest.mark.parametrize("where", ["under a file", "a folder"])
def test_a_junit_path_that_cannot_be_written_is_a_usage_error_before_the_run(where, tmp_path, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    target = blocker / "junit.xml" if where == "under a file" else tmp_path
    code = main(["run", "--scenario", "sigmoid_4-1_m1_float64_s0", "--engines", "numpy",
                 "--out", str(tmp_path / "out"), "--junit-xml", str(target), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--junit-xml" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "discrepancies.csv").exists()  # refused before the run


def _rows(*rows) -> pd.DataFrame:
    columns = ["scenario", "engine", "check", "quantity", "layer", "passed", "status", "message", "engine_seconds"]
    return pd.DataFrame([dict(zip(columns, r)) for r in rows], columns=columns)


def test_a_failure_lists_at_most_max_lines_and_text_xml_cannot_hold_is_replaced():
    many = [("s1", "e", "reference", "dW", layer, False, "fail", f"wrong \x1b[31m{layer}\x00", 0.5)
            for layer in range(1, MAX_LINES + 6)]
    text = junit_xml(_rows(*many, ("s2", "e", "reference", "dW", 1, True, "pass", "", 0.25)),
                     "t", "headline \x07", False)
    root = ET.fromstring(text.encode())  # parses: no character XML 1.0 forbids
    failure = root.find("./testsuite/testcase/failure")
    lines = failure.get("message").split("\n")
    assert len(lines) == MAX_LINES + 1 and lines[-1] == "... 5 more failing checks in discrepancies.csv"
    assert lines[0] == "reference dW[1]: wrong \ufffd[31m1\ufffd"
    assert root.find("testsuite").get("time") == "0.750000"
    assert root.find("./testsuite/system-out").text == "headline \ufffd\n"


def test_passing_rows_of_other_statuses_are_passes_with_a_system_out():
    text = junit_xml(_rows(("s1", "torch", "reference", "dZ", 2, True, "convention", "relu'(0) = 0", 0.1),
                           ("s1", "torch", "A-Y", "dZ", 2, True, "known", "known failure: issue 12", 0.1),
                           ("s1", "torch", "db", "db", 1, True, "pass", "", 0.1)), "t", "h", True)
    case = ET.fromstring(text.encode()).find("./testsuite/testcase")
    assert case.find("failure") is None and case.find("skipped") is None
    assert case.find("system-out").text.splitlines() == [
        "convention: reference dZ[2]: relu'(0) = 0", "known: A-Y dZ[2]: known failure: issue 12"]


def test_a_run_that_fails_without_a_failing_row_has_a_failing_testcase():
    rows = _rows(("s1", "numpy", "db", "db", 1, True, "pass", "", 0.1))
    passing = ET.fromstring(junit_xml(rows, "t", "1 checks, 0 failed -> PASS", True).encode())
    assert passing.find("testsuite").get("failures") == "0" and len(passing.findall(".//testcase")) == 1
    headline = "1 checks, 0 failed -> FAIL\nknown failure fixed: entry 1"
    failing = ET.fromstring(junit_xml(rows, "t", headline, False).encode())
    suite = failing.find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    assert suite.find("testcase[@name='the run passes']/failure").get("message") == headline
