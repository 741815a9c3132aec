"""--known-failures (crosscheck/running/known.py): the planted mutant's failing rows, listed
with reasons, turn its run green on every path (one process, --workers, shards and merge,
check(), the plugin's xfail); a listed row that passes is fixed, a failure under
--strict-known, judged on the whole run (at merge, not per shard); a list of some of the
failing rows leaves the run failing; an entry that matches no row is a warning (a failure
under --strict-known); a bad file is one line and exit 2; TOML and CSV give one result."""
from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from crosscheck.cli import main
from crosscheck.running.known import KnownFailuresError, apply, load
from tests.support import COURSE_BACKWARD, report_rows, unwrapped
from tests.support import run_pytest as _pytest

MUTANT = "mutant:dW-missing-1/m"
ARGS = ["--suite", "smoke", "--dtypes", "float64", "--engines", f"numpy,{MUTANT}", "--no-progress"]
PLUGIN = ["--crosscheck-suite", "smoke", "--crosscheck-dtypes", "float64", "--crosscheck-engines", f"numpy,{MUTANT}"]
KEY = ["scenario", "engine", "check", "quantity", "layer"]
REASON = "planted: dW is the batch sum, 1/m left out"
#: A row of numpy's that passes (numpy is the reference's formulas in the scenario's dtype).
PASSING = {"scenario": "sigmoid_4-1_m1_float64_s0", "engine": "numpy", "check": "x(a-y)", "quantity": "dW",
           "layer": 1, "reason": "stale: fixed long ago"}


def rows(folder: Path, status: str) -> set:
    df = report_rows(folder)
    return set(df.loc[df["status"] == status, KEY].itertuples(index=False, name=None))


def write_toml(path: Path, entries) -> Path:
    def value(v):
        return str(v) if isinstance(v, int) else json.dumps(v)  # a JSON string is a TOML basic string

    path.write_text("# known failures of the planted mutant\n" + "".join(
        "\n[[known]]\n" + "".join(f"{k} = {value(v)}\n" for k, v in entry.items()) for entry in entries))
    return path


def write_csv(path: Path, entries) -> Path:
    columns = ["scenario", "engine", "check", "quantity", "layer", "reason"]
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows([[entry.get(c, "") for c in columns] for entry in entries])
    return path


def entries_for(keys, reason=REASON) -> list[dict]:
    """One entry per row, every field given (the layer an integer)."""
    return [{"scenario": s, "engine": e, "check": c, "quantity": q, "layer": int(l), "reason": reason}
            for s, e, c, q, l in sorted(keys)]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """The plain planted run, no file: (exit code, folder, its failing rows as KEY tuples of str)."""
    out = tmp_path_factory.mktemp("planted")
    code = main(["run", *ARGS, "--out", str(out)])
    return code, out, rows(out, "fail")


@pytest.fixture(scope="module")
def listed(planted, tmp_path_factory):
    """A TOML file with one entry per failing row of the planted run, and that run with it:
    (file, exit code, folder)."""
    folder = tmp_path_factory.mktemp("listed")
    path = write_toml(folder / "known.toml", entries_for(planted[2]))
    code = main(["run", *ARGS, "--known-failures", str(path), "--out", str(folder / "run")])
    return path, code, folder / "run"


def test_the_planted_mutant_fails_and_the_listed_rows_turn_it_green(planted, listed, capsys):
    code, plain, failing = planted
    assert code == 1 and len(failing) == 75 and {r[1] for r in failing} == {MUTANT}
    path, code, out = listed
    assert code == 0
    assert rows(out, "known") == failing and not rows(out, "fail")
    before, after = report_rows(plain).set_index(KEY), report_rows(out).set_index(KEY)
    known = after[after["status"] == "known"]
    assert (known["passed"] == "True").all()
    assert (known["message"] == f"known failure ({REASON}): " + before.loc[known.index, "message"]).all()
    # every other row is the plain run's, byte for byte
    assert after[after["status"] != "known"].equals(before[before["status"] != "fail"])
    summary = (out / "summary.md").read_text()
    assert "716 checks, 0 failed, 75 known failures -> PASS" in summary
    section = summary.split("## Known failures", 1)[1].split("\n## ", 1)[0]
    for scenario in {r[0] for r in failing}:
        assert f"| {scenario} " in section
    assert section.count(REASON) == 75 + 50  # each entry, and each row it labels (the section lists 50)
    assert "| known: 1 failing row in 1 scenario x engine pair " in section
    assert "## Diagnosis" not in summary  # nothing left to diagnose
    page = (out / "report.html").read_text()
    assert "<h2>Known failures</h2>" in page and REASON in page
    meta = json.loads((out / "run.json").read_text())["known_failures"]
    assert meta["path"] == str(path) and meta["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(meta["entries"]) == 75 and not meta["strict"]


def test_workers_give_the_single_process_labels(listed, tmp_path):
    path, _, single = listed
    assert main(["run", *ARGS, "--known-failures", str(path), "--workers", "2", "--out", str(tmp_path)]) == 0
    assert report_rows(tmp_path).equals(report_rows(single))
    assert (tmp_path / "summary.md").read_bytes() == (single / "summary.md").read_bytes()


def test_shards_label_their_rows_and_merge_gives_the_single_report(listed, tmp_path):
    path, _, single = listed
    for k in (1, 2):
        assert main(["run", *ARGS, "--known-failures", str(path), "--shard", f"{k}/2",
                     "--out", str(tmp_path / f"shard{k}")]) == 0
        assert json.loads((tmp_path / f"shard{k}" / "run.json").read_text())["known_failures"]["sha256"] == \
            hashlib.sha256(path.read_bytes()).hexdigest()
    # merge needs no file: the shards' run.json carries it
    assert main(["merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"), "--out", str(tmp_path / "m")]) == 0
    assert report_rows(tmp_path / "m").equals(report_rows(single))
    assert (tmp_path / "m" / "summary.md").read_bytes() == (single / "summary.md").read_bytes()
    # the same file given to merge too: the same; another file: one line, exit 2
    assert main(["merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"), "--known-failures", str(path),
                 "--out", str(tmp_path / "m2")]) == 0
    assert report_rows(tmp_path / "m2").equals(report_rows(single))
    other = write_toml(tmp_path / "other.toml", [PASSING])
    assert main(["merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"), "--known-failures", str(other),
                 "--out", str(tmp_path / "m3")]) == 2


def test_merge_applies_a_file_to_shards_run_without_one(listed, tmp_path):
    path, _, single = listed
    for k in (1, 2):
        assert main(["run", *ARGS, "--shard", f"{k}/2", "--out", str(tmp_path / f"shard{k}")]) == 1
    shards = [str(tmp_path / "shard1"), str(tmp_path / "shard2")]
    assert main(["merge", *shards, "--out", str(tmp_path / "plain")]) == 1
    assert main(["merge", *shards, "--known-failures", str(path), "--out", str(tmp_path / "m")]) == 0
    assert report_rows(tmp_path / "m").equals(report_rows(single))


def test_shards_with_different_files_do_not_merge(listed, tmp_path, capsys):
    path, _, _ = listed
    other = write_toml(tmp_path / "other.toml", [PASSING])
    assert main(["run", *ARGS, "--known-failures", str(path), "--shard", "1/2", "--out", str(tmp_path / "a")]) == 0
    assert main(["run", *ARGS, "--known-failures", str(other), "--shard", "2/2", "--out", str(tmp_path / "b")]) == 1
    capsys.readouterr()
    assert main(["merge", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "m")]) == 2
    assert capsys.readouterr().err == ("crosscheck: error: the shards ran with different --known-failures files "
                                       "(or --strict-known)\n")


def test_check_gives_the_command_lines_labels(listed, planted):
    from crosscheck import check

    path, _, single = listed
    target = f"{COURSE_BACKWARD}:L_model_backward"  # a correct function, beside the engines of the run
    plain = check(target, suite="smoke", dtypes="float64", engines=f"numpy,{MUTANT}")
    result = check(target, suite="smoke", dtypes="float64", engines=f"numpy,{MUTANT}", known_failures=path)
    assert not plain.passed and result.passed
    table = result.table
    assert set(table.loc[table["status"] == "known", KEY].astype(str).itertuples(index=False, name=None)) == \
        rows(single, "known")
    assert (table["status"] != "fail").all() and set(result.known["outcome"].str.split(":").str[0]) == {"known"}
    # the entries as a list of mappings: the same rows
    again = check(target, suite="smoke", dtypes="float64", engines=f"numpy,{MUTANT}", known_failures=entries_for(planted[2]))
    assert again.passed and again.table["status"].equals(table["status"])


def test_the_plugin_xfails_the_listed_items(listed, planted, tmp_path):
    path, _, _ = listed
    code, out = _pytest(tmp_path, *PLUGIN, f"--crosscheck-known-failures={path}", "-rx")
    xfailed = {tuple(line.split(" ")[1].split("::")[1:3]) for line in out.splitlines()
               if line.startswith("XFAIL crosscheck[")}
    assert code == 0 and "11 passed, 9 xfailed" in out, out
    assert xfailed == {(engine, scenario) for scenario, engine, *_ in planted[2]}
    assert f"known failure ({REASON})" in out
    code, out = _pytest(tmp_path, *PLUGIN)
    assert code == 1 and "9 failed, 11 passed" in out


def test_a_list_of_some_of_the_failing_rows_leaves_the_run_failing(planted, tmp_path):
    from crosscheck import check

    failing = sorted(planted[2])
    pairs = sorted({(s, e) for s, e, *_ in failing})
    # every failing row of four scenarios, and the first failing row of each of the others
    some = [r for r in failing if r[:2] in pairs[:4]] + [next(r for r in failing if r[:2] == p) for p in pairs[4:]]
    rest = set(failing) - set(some)
    path = write_toml(tmp_path / "some.toml", entries_for(some))
    assert main(["run", *ARGS, "--known-failures", str(path), "--out", str(tmp_path / "one")]) == 1
    assert rows(tmp_path / "one", "fail") == rest and rows(tmp_path / "one", "known") == set(some)
    summary = (tmp_path / "one" / "summary.md").read_text()
    assert f"{len(rest)} failed, {len(some)} known failures -> FAIL" in summary
    # the diagnosis tries the slip on the passing scenarios only, not on those whose failures are known
    diagnosis = pd.read_csv(tmp_path / "one" / "diagnosis.csv")
    assert diagnosis["kind"].iloc[0] == "slip" and "changes none of the 1 passing scenario tried" in \
        diagnosis["finding"].iloc[0]
    assert main(["run", *ARGS, "--known-failures", str(path), "--workers", "2", "--out", str(tmp_path / "w")]) == 1
    assert rows(tmp_path / "w", "fail") == rest
    for k in (1, 2):
        main(["run", *ARGS, "--known-failures", str(path), "--shard", f"{k}/2", "--out", str(tmp_path / f"s{k}")])
    assert main(["merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "--out", str(tmp_path / "m")]) == 1
    assert rows(tmp_path / "m", "fail") == rest
    result = check(f"{COURSE_BACKWARD}:L_model_backward", suite="smoke", dtypes="float64", engines=f"numpy,{MUTANT}",
                   known_failures=path)
    assert not result.passed
    code, out = _pytest(tmp_path, *PLUGIN, f"--crosscheck-known-failures={path}")
    # an item with a row the file does not list fails; items whose every failing row it lists xfail
    failed_items = {(s, e) for s, e, *_ in rest}
    xfailed_items = {(s, e) for s, e, *_ in some} - failed_items
    assert len(failed_items) == 5 and len(xfailed_items) == 4
    assert code == 1 and f"{len(failed_items)} failed, 11 passed, {len(xfailed_items)} xfailed" in out, out


@pytest.fixture(scope="module")
def with_fixed(planted, tmp_path_factory):
    """A TOML file of every failing row plus one row that passes (numpy's): (file, its folder)."""
    folder = tmp_path_factory.mktemp("fixed")
    path = write_toml(folder / "known.toml", entries_for(planted[2]) + [PASSING])
    return path, folder


def test_a_listed_row_that_passes_is_fixed_and_fails_under_strict(with_fixed, tmp_path, capsys):
    from crosscheck import check

    path, _ = with_fixed
    capsys.readouterr()
    assert main(["run", *ARGS, "--known-failures", str(path), "--out", str(tmp_path / "a"), "-q"]) == 0
    out = unwrapped(capsys.readouterr().out)
    fixed = (f"known failure fixed: entry 76 ({path}:{len(path.read_text().splitlines()) - 6}), 'stale: fixed long "
             f"ago': the row it matches passes; remove it from {path}")
    assert fixed in out.splitlines()
    summary = (tmp_path / "a" / "summary.md").read_text()
    assert fixed in summary and "| fixed: the row it matches passes " in summary
    assert fixed in (tmp_path / "a" / "report.html").read_text().replace("&#x27;", "'")
    assert main(["run", *ARGS, "--known-failures", str(path), "--strict-known", "--out", str(tmp_path / "b"),
                 "-q"]) == 1
    out = unwrapped(capsys.readouterr().out)
    assert "0 failed, 75 known failures -> FAIL" in out and f"{fixed} (strict: this fails the run)" in out
    assert not check(f"{COURSE_BACKWARD}:L_model_backward", suite="smoke", dtypes="float64", engines=f"numpy,{MUTANT}",
                     known_failures=path, strict_known=True).passed
    assert check(f"{COURSE_BACKWARD}:L_model_backward", suite="smoke", dtypes="float64", engines=f"numpy,{MUTANT}",
                 known_failures=path).passed


@pytest.mark.slow  # eight runs; the quick set has shards and merge labelling (test_shards_label_their_rows...)
def test_fixed_is_judged_at_merge_on_the_whole_run(with_fixed, planted, tmp_path, capsys):
    path, _ = with_fixed
    for k in (1, 2):  # a shard does not judge the entries: the merge does
        assert main(["run", *ARGS, "--known-failures", str(path), "--strict-known", "--shard", f"{k}/2",
                     "--out", str(tmp_path / f"s{k}"), "-q"]) == 0
    assert "known failure fixed" not in capsys.readouterr().out
    shards = [str(tmp_path / "s1"), str(tmp_path / "s2")]
    assert main(["merge", *shards, "--out", str(tmp_path / "m")]) == 1  # strict, as the shards ran
    assert "known failure fixed: entry 76" in capsys.readouterr().out
    # an entry whose rows pass in one shard and fail in the other is not fixed: the whole run says
    span = {"scenario": "sigmoid_4-1_m1*", "engine": MUTANT, "quantity": "dW", "reason": "m=1 hides it"}
    spanning = write_toml(tmp_path / "span.toml", entries_for(planted[2]) + [span])
    for k in (1, 2):
        main(["run", *ARGS, "--known-failures", str(spanning), "--strict-known", "--shard", f"{k}/2",
              "--out", str(tmp_path / f"t{k}"), "-q"])
    one, two = report_rows(tmp_path / "t1"), report_rows(tmp_path / "t2")
    matched = lambda df: df[df["scenario"].str.startswith("sigmoid_4-1_m1") & (df["engine"] == MUTANT)  # noqa: E731
                            & (df["quantity"] == "dW")]
    assert set(matched(one)["status"]) == {"pass"} and set(matched(two)["status"]) == {"known"}
    assert main(["merge", str(tmp_path / "t1"), str(tmp_path / "t2"), "--out", str(tmp_path / "n")]) == 0
    assert main(["run", *ARGS, "--known-failures", str(spanning), "--strict-known", "--out", str(tmp_path / "single"),
                 "-q"]) == 0
    # shards run without --strict-known, merged with it
    for k in (1, 2):
        main(["run", *ARGS, "--known-failures", str(path), "--shard", f"{k}/2", "--out", str(tmp_path / f"u{k}"), "-q"])
    assert main(["merge", str(tmp_path / "u1"), str(tmp_path / "u2"), "--out", str(tmp_path / "o")]) == 0
    assert main(["merge", str(tmp_path / "u1"), str(tmp_path / "u2"), "--strict-known", "--out",
                 str(tmp_path / "o")]) == 1


@pytest.mark.slow  # pytest twice; the quick set's plugin path: test_the_plugin_xfails_the_listed_items
def test_the_plugin_reports_a_fixed_item_as_xpass_strict(with_fixed, tmp_path):
    path, _ = with_fixed
    code, out = _pytest(tmp_path, *PLUGIN, f"--crosscheck-known-failures={path}", "-rX")
    assert code == 0 and "10 passed, 9 xfailed, 1 xpassed" in out, out
    assert "XPASS crosscheck[smoke]::numpy::sigmoid_4-1_m1_float64_s0" in out
    assert "crosscheck: known failure fixed: entry 76" in out
    code, out = _pytest(tmp_path, *PLUGIN, f"--crosscheck-known-failures={path}", "--crosscheck-strict-known")
    assert code == 1 and "1 failed, 10 passed, 9 xfailed" in out, out
    assert "[XPASS(strict)] known failure entry 76" in out


@pytest.mark.slow  # pytest runs of their own
def test_the_plugin_judges_an_entry_over_all_its_items_as_the_run_does(tmp_path):
    # the mutant's dW on every scenario: it passes where m = 1 (one item), fails on the other nine
    path = write_toml(tmp_path / "glob.toml", [{"scenario": "*", "engine": MUTANT, "quantity": "dW",
                                                "reason": REASON}])
    assert main(["run", *ARGS, "--known-failures", str(path), "--strict-known", "--out", str(tmp_path / "r")]) == 0
    code, out = _pytest(tmp_path, *PLUGIN, f"--crosscheck-known-failures={path}", "--crosscheck-strict-known")
    assert code == 0 and "10 passed, 9 xfailed, 1 xpassed" in out, out


def test_an_entry_that_matches_no_row_warns_and_fails_under_strict(planted, tmp_path, capsys):
    typo = {"scenario": "relu-sigmoid_3-5-1_m13_float64_s0", "engine": "mutant:dW-missing-l/m", "reason": "a typo"}
    path = write_toml(tmp_path / "typo.toml", entries_for(planted[2]) + [typo])
    capsys.readouterr()
    assert main(["run", *ARGS, "--known-failures", str(path), "--out", str(tmp_path / "a"), "-q"]) == 0
    captured = capsys.readouterr()
    warning = (f"crosscheck: warning: known failure entry 76 ({path}:{len(path.read_text().splitlines()) - 3}), "
               "'a typo', matches no checked row of this run: a typo, or scenarios this run does not include")
    assert captured.err.splitlines() == [warning] and "matches no" not in captured.out
    assert "| matches no row of this run " in (tmp_path / "a" / "summary.md").read_text()
    assert main(["run", *ARGS, "--known-failures", str(path), "--strict-known", "--out", str(tmp_path / "b"),
                 "-q"]) == 1
    assert "-> FAIL" in capsys.readouterr().out
    code, out = _pytest(tmp_path, *PLUGIN, f"--crosscheck-known-failures={path}", "--crosscheck-strict-known")
    assert code == 1 and "11 passed, 9 xfailed" in out and "entry 76" in out, out


def test_toml_and_csv_give_the_same_report(planted, tmp_path):
    entries = entries_for(sorted(planted[2])[:30]) + [
        {"scenario": "*_m1024_*", "engine": MUTANT, "reason": REASON},  # layer and check left out: any
        PASSING]
    toml, table = write_toml(tmp_path / "k.toml", entries), write_csv(tmp_path / "k.csv", entries)
    for path in (toml, table):
        assert main(["run", *ARGS, "--known-failures", str(path), "--out", str(tmp_path / path.suffix[1:]), "-q"]) == 1
    assert report_rows(tmp_path / "toml").equals(report_rows(tmp_path / "csv"))
    assert load(toml).entries[0].layer == load(table).entries[0].layer == int(sorted(planted[2])[0][4])
    assert [(e.scenario, e.engine, e.check, e.quantity, e.layer, e.reason) for e in load(toml).entries] == \
        [(e.scenario, e.engine, e.check, e.quantity, e.layer, e.reason) for e in load(table).entries]
    summaries = []
    for folder, path in (("toml", toml), ("csv", table)):  # the same but for the file's name, lines and hash
        text = (tmp_path / folder / "summary.md").read_text()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        assert digest in text
        summaries.append(re.sub(r" +\|", " |", re.sub(re.escape(str(path)) + r"(:\d+)?", "FILE", text)
                                .replace(digest, "HASH")).replace("-", ""))
    assert summaries[0] == summaries[1]


BAD = [
    ("missing.toml", None, "missing.toml: cannot read it: No such file or directory"),
    ("known.txt", "scenario,reason\n", "known.txt: a known-failures file is .toml or .csv (read by its extension)"),
    ("bad.toml", "[[known]]\nscenario = \"*\"\nreason = \n", "bad.toml: not valid TOML: "),
    ("noreason.toml", "[[known]]\nscenario = \"*\"\nengine = \"numpy\"\n",
     "noreason.toml:1: no reason; every entry needs one: why the rows are known to fail"),
    ("blank.toml", "[[known]]\nscenario = \"*\"\nreason = \"  \"\n", "blank.toml:1: no reason;"),
    ("noscenario.csv", "engine,reason\nnumpy,why\n", "noscenario.csv:1: no column 'scenario'"),
    ("emptycell.csv", "scenario,reason\n*,\n", "emptycell.csv:2: no reason; every entry needs one"),
    ("column.csv", "scenario,reason,lyer\n*,why,1\n",
     "column.csv:1: unknown column 'lyer'; accepted: scenario, engine, check, quantity, layer, reason"),
    ("key.toml", "[[known]]\nscenario = \"*\"\nreason = \"why\"\nlyer = 1\n", "key.toml:1: unknown key 'lyer'"),
    ("top.toml", "[[failures]]\nscenario = \"*\"\n", "top.toml: unknown key 'failures'; the file holds [[known]]"),
    ("layer.csv", "scenario,layer,reason\n*,one,why\n", "layer.csv:2: layer 'one' is not an integer"),
    ("check.toml", "[[known]]\nscenario = \"*\"\ncheck = \"xa-y\"\nreason = \"why\"\n",
     "check.toml:1: unknown check 'xa-y'; accepted: reference, A-Y, chain, x(a-y), db, recursion, x(a-y) per example, run"),
    ("quantity.csv", "scenario,quantity,reason\n*,dw,why\n", "quantity.csv:2: unknown quantity 'dw'"),
    ("cells.csv", "scenario,reason\n*,why,more\n", "cells.csv:2: 3 cells, but the header has 2 columns"),
    ("empty.csv", "", "empty.csv: no header row"),
    ("type.toml", "[[known]]\nscenario = 3\nreason = \"why\"\n", "type.toml:1: scenario must be a string, not 3"),
]


@pytest.mark.parametrize("name, text, message", BAD, ids=[b[0] for b in BAD])
def test_a_bad_file_is_one_line_and_exit_2(name, text, message, tmp_path, capsys):
    from crosscheck import check

    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    assert main(["run", "--scenario", "sigmoid_4-1_m1_float64_s0", "--engines", "numpy", "--known-failures",
                 str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"crosscheck: error: --known-failures {tmp_path / message}") and err.count("\n") == 1, err
    assert not (tmp_path / "out" / "discrepancies.csv").exists()  # refused before anything ran
    with pytest.raises(ValueError) as raised:
        check(f"{COURSE_BACKWARD}:L_model_backward", known_failures=path)
    assert str(raised.value).startswith(f"known_failures {tmp_path / message}") and "\n" not in str(raised.value)


def test_a_bad_file_is_a_usage_error_of_merge_and_the_plugin(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("[[known]]\nscenario = \"*\"\n")
    line = f"--known-failures {path}:1: no reason; every entry needs one: why the rows are known to fail"
    assert main(["run", "--scenario", "sigmoid_4-1_m1_float64_s0", "--engines", "numpy", "--shard", "1/1",
                 "--out", str(tmp_path / "s"), "-q"]) == 0
    capsys.readouterr()
    assert main(["merge", str(tmp_path / "s"), "--known-failures", str(path), "--out", str(tmp_path / "m")]) == 2
    assert capsys.readouterr().err == f"crosscheck: error: {line}\n"
    code, out = _pytest(tmp_path, "--crosscheck-suite", "smoke", "--crosscheck-engines", "numpy",
                        f"--crosscheck-known-failures={path}")
    assert code == 4 and f"--crosscheck-{line[2:]}" in out and "Traceback" not in out


def test_strict_without_a_file_is_a_usage_error(tmp_path, capsys):
    from crosscheck import check

    assert main(["run", "--scenario", "sigmoid_4-1_m1_float64_s0", "--strict-known", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == "crosscheck: error: --strict-known goes with --known-failures FILE\n"
    with pytest.raises(ValueError, match="strict_known goes with known_failures"):
        check(f"{COURSE_BACKWARD}:L_model_backward", strict_known=True)
    code, out = _pytest(tmp_path, "--crosscheck-suite", "smoke", "--crosscheck-strict-known")
    assert code == 4 and "--crosscheck-strict-known goes with --crosscheck-known-failures FILE" in out


# The matching rules, on a table of rows.

def _result(df):
    from crosscheck.running.runner import RunResult

    empty = pd.DataFrame()
    return RunResult(df, empty, empty)


ROWS = pd.DataFrame([
    # scenario, engine, check, quantity, layer, status
    ("relu-sigmoid_3-5-1_m13_float64_s0", "torch", "reference", "dW", 1, "fail"),
    ("relu-sigmoid_3-5-1_m13_float64_s0", "torch", "x(a-y)", "dW", 1, "fail"),
    ("relu-sigmoid_3-5-1_m13_float64_s0", "mutant:article-g'[L]-for-layer-L-1", "reference", "dZ", 1, "fail"),
    ("tanh-sigmoid_5-3-1_m7_float32_s0", "torch", "reference", "dW", 2, "pass"),
    ("tanh-sigmoid_5-3-1_m7_float32_s0", "fd", "run", "-", -1, "unsupported"),
], columns=["scenario", "engine", "check", "quantity", "layer", "status"]).assign(
    passed=lambda d: d["status"] != "fail", message="the failure")


def _toml(tmp_path, text):
    path = tmp_path / "k.toml"
    path.write_text(text)
    return load(path)


def test_a_field_left_out_matches_anything_and_the_first_entry_gives_the_reason(tmp_path):
    known = _toml(tmp_path, '[[known]]\nscenario = "relu-*"\nengine = "torch"\ncheck = "x(a-y)"\nreason = "first"\n'
                            '[[known]]\nscenario = "*_float64_*"\nreason = "second"\n')
    result = apply(_result(ROWS), known)
    df = result.observations
    assert list(df["status"]) == ["known", "known", "known", "pass", "unsupported"] and df["passed"].all()
    assert list(df["message"][:3]) == ["known failure (second): the failure", "known failure (first): the failure",
                                       "known failure (second): the failure"]
    assert [(o.failing, o.pairs, o.checked, o.state) for o in result.known.outcomes] == [
        (1, 1, 1, "known"), (3, 2, 3, "known")]
    assert result.known.passed and not result.known.fixed and not result.known.unmatched


def test_an_engine_with_brackets_matches_itself_and_layers_match_as_integers(tmp_path):
    known = _toml(tmp_path, "[[known]]\nscenario = \"*\"\nengine = \"mutant:article-g'[L]-for-layer-L-1\"\n"
                            "layer = 1\nreason = \"brackets\"\n"
                            "[[known]]\nscenario = \"tanh-*\"\nlayer = 2\nreason = \"passes\"\n"
                            "[[known]]\nscenario = \"tanh-*\"\nengine = \"fd\"\nreason = \"not checked\"\n"
                            "[[known]]\nscenario = \"Relu-*\"\nreason = \"case\"\n")
    result = apply(_result(ROWS), replace(known, strict=True))
    assert list(result.observations["status"]) == ["fail", "fail", "known", "pass", "unsupported"]
    assert [o.state for o in result.known.outcomes] == ["known", "fixed", "unmatched", "unmatched"]
    assert not result.known.passed  # strict
    # applying twice (a shard's labelled rows, read back by merge) changes nothing and judges the same
    again = apply(result, known)
    assert again.observations.equals(result.observations)
    assert [o.state for o in again.known.outcomes] == ["known", "fixed", "unmatched", "unmatched"]


def test_a_shard_labels_its_rows_and_leaves_the_judging(tmp_path):
    known = _toml(tmp_path, '[[known]]\nscenario = "nothing-*"\nreason = "none"\n')
    strict = replace(known, strict=True)
    assert not apply(_result(ROWS), strict).known.passed
    assert apply(_result(ROWS), strict, judged=False).known.passed


def test_csv_comments_blank_lines_and_inline_toml(tmp_path):
    path = tmp_path / "k.csv"
    path.write_text("# the planted ones\n\nscenario, engine ,reason\n# a comment\nrelu-*,torch,\"a, quoted reason\"\n")
    entry = load(path).entries[0]
    assert (entry.scenario, entry.engine, entry.reason, entry.where) == ("relu-*", "torch", "a, quoted reason",
                                                                         f"{path}:5")
    inline = _toml(tmp_path, 'known = [{scenario = "*", reason = "inline"}]\n')
    assert inline.entries[0].where == f"{tmp_path / 'k.toml'}: [[known]] number 1"
    with pytest.raises(KnownFailuresError):
        _toml(tmp_path, 'known = "not a table"\n')
