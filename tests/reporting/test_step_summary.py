"""GitHub's step summary (crosscheck/reporting/step_summary.py): `crosscheck run`, `merge`
and `compare` append the headline, the identity table and the first failures (compare: its
verdict and first regressions) to the file GITHUB_STEP_SUMMARY names; bounded; nothing
where it is unset; a file that cannot be written never changes the exit code."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import crosscheck.reporting.step_summary as step_summary
from crosscheck.cli import main
from crosscheck.engines import rerun_command
from crosscheck.reporting.step_summary import ENV, MAX_BYTES, MAX_FAILURES, bounded

MUTANT = "mutant:dW-missing-1/m"
FAILING = ["run", "--suite", "smoke", "--engines", f"numpy,{MUTANT}", "-q"]
PASSING = ["run", "--scenario", "sigmoid_4-1_m1_float64_s0", "--engines", "numpy", "-q"]
EARLIER = "## an earlier step\n\nits own lines\n"


@pytest.fixture(scope="module")
def failing(tmp_path_factory):
    """The planted slip on the smoke suite, GITHUB_STEP_SUMMARY naming a file that an earlier
    step wrote to: (exit code, report folder, the file's text)."""
    folder = tmp_path_factory.mktemp("failing")
    summary = folder / "step-summary.md"
    summary.write_text(EARLIER)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV, str(summary))
        code = main([*FAILING, "--out", str(folder / "out")])
    return code, folder / "out", summary.read_text()


def _appended(text: str) -> str:
    assert text.startswith(EARLIER), "what an earlier step wrote is kept"
    return text[len(EARLIER):]


def test_run_appends_the_headline_the_identity_table_and_the_first_failures(failing):
    code, out, text = failing
    assert code == 1
    mine = _appended(text)
    assert mine.startswith("\n## backprop-crosscheck: suite smoke\n")
    summary_md = (out / "summary.md").read_text()
    headline = re.search(r"```\n(.*?)\n```", summary_md, re.S).group(1)
    assert f"```\n{headline}\n```" in mine and headline.endswith("18 failed") and "-> FAIL" in headline
    table = [line for line in summary_md.splitlines() if line.startswith("| ") and "holds" in line]
    assert len(table) == 6 and all(line in mine.splitlines() for line in table)  # summary.md's identity table
    assert re.search(r"\| x\(a-y\) +\| holds \(52/52\)", mine) and "FAILS in 18 scenarios" in mine
    listed = [line for line in mine.splitlines() if line.startswith(f"- **{MUTANT}** `")]
    assert len(listed) == MAX_FAILURES
    assert f"- ... and {18 - MAX_FAILURES} more failing scenarios" in mine
    runs = pd.read_csv(out / "discrepancies.csv")
    first = runs[~runs["passed"]].drop_duplicates(["scenario", "engine"]).head(MAX_FAILURES)
    for line, row in zip(listed, first.itertuples()):
        assert f"`{row.scenario}`" in line and "outside rtol" in line
        assert line.endswith(f"rerun: `{rerun_command('crosscheck run', row.scenario, row.engine)}`")
    assert "### Diagnosis" in mine and "the slip `dW-missing-1/m`" in mine
    assert len(mine.encode()) <= MAX_BYTES


def test_every_run_appends_and_none_overwrites(tmp_path, monkeypatch):
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv(ENV, str(summary))
    for n in (1, 2):
        assert main([*PASSING, "--out", str(tmp_path / f"out{n}")]) == 0
    text = summary.read_text()
    assert text.count("## backprop-crosscheck: --scenario sigmoid_4-1_m1_float64_s0") == 2
    assert text.count("-> PASS") == 2 and "Failing scenarios" not in text


def test_nothing_is_written_where_the_variable_is_unset_or_empty(tmp_path, monkeypatch):
    def written(*args, **kwargs):
        raise AssertionError("appended although GITHUB_STEP_SUMMARY is unset")

    monkeypatch.setattr(step_summary, "append_step_summary", written)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV, raising=False)
    assert main([*PASSING, "--out", "out"]) == 0
    monkeypatch.setenv(ENV, "")
    assert main([*PASSING, "--out", "out"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_merge_appends_the_whole_suites_summary(tmp_path, monkeypatch):
    shards = [tmp_path / "shard1", tmp_path / "shard2"]
    monkeypatch.delenv(ENV, raising=False)
    for k, shard in enumerate(shards, 1):
        main([*FAILING, "--shard", f"{k}/2", "--out", str(shard)])
    summary = tmp_path / "step-summary.md"
    summary.write_text(EARLIER)
    monkeypatch.setenv(ENV, str(summary))
    assert main(["merge", *map(str, shards), "--out", str(tmp_path / "merged")]) == 1
    mine = _appended(summary.read_text())
    assert mine.count("## backprop-crosscheck: suite smoke\n") == 1
    assert "1432 checks, 150 failed -> FAIL" in mine and "### Failing scenarios (18; the first 10)" in mine


def _compare(tmp_path, monkeypatch, capsys, broken: bool):
    """compare a smoke report with itself, or with a copy where 3 passing rows fail."""
    out = tmp_path / "base"
    monkeypatch.delenv(ENV, raising=False)
    assert main([*PASSING, "--out", str(out)]) == 0
    current = out / "discrepancies.csv"
    if broken:
        df = pd.read_csv(current)
        df.loc[df.index[:3], ["passed", "status"]] = [False, "fail"]
        current = tmp_path / "current.csv"
        df.to_csv(current, index=False)
    summary = tmp_path / "step-summary.md"
    summary.write_text(EARLIER)
    monkeypatch.setenv(ENV, str(summary))
    capsys.readouterr()
    code = main(["compare", str(out / "discrepancies.csv"), str(current)])
    return code, capsys.readouterr().out.splitlines()[0], _appended(summary.read_text())


def test_compare_appends_its_verdict_and_the_first_regressions(tmp_path, monkeypatch, capsys):
    code, printed, mine = _compare(tmp_path, monkeypatch, capsys, broken=True)
    assert code == 1 and printed == "3 regressions: 3 now fails"
    assert mine.startswith("\n## backprop-crosscheck compare: ") and f"```\n{printed}\n```" in mine
    rows = [line for line in mine.splitlines() if line.startswith("| now fails")]
    assert len(rows) == 3 and all("sigmoid_4-1_m1_float64_s0" in r and "| passed " in r for r in rows)


def test_compare_without_a_regression_says_so(tmp_path, monkeypatch, capsys):
    code, printed, mine = _compare(tmp_path, monkeypatch, capsys, broken=False)
    assert code == 0 and printed.startswith("no regression: ")
    assert f"```\n{printed}\n```" in mine and "### Regressions" not in mine


@pytest.mark.parametrize("command", ["run", "compare", "merge"])
def test_a_file_that_cannot_be_written_is_one_line_on_stderr_and_the_same_exit_code(command, tmp_path, monkeypatch,
                                                                                      capsys):
    monkeypatch.delenv(ENV, raising=False)
    base = tmp_path / "base"
    argv = {"run": [*PASSING, "--out", str(tmp_path / "out")],
            "compare": ["compare", str(base / "discrepancies.csv"), str(base / "discrepancies.csv")],
            "merge": ["merge", str(tmp_path / "shard1"), "--out", str(tmp_path / "merged")]}[command]
    if command == "compare":
        main([*PASSING, "--out", str(base)])
    if command == "merge":
        main([*PASSING, "--shard", "1/1", "--out", str(tmp_path / "shard1")])
    capsys.readouterr()
    expected = main(argv)
    assert expected == 0 and capsys.readouterr().err == ""
    monkeypatch.setenv(ENV, str(tmp_path))  # a folder: it cannot be opened to append
    assert main(argv) == expected
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"crosscheck: warning: cannot append to {ENV} {tmp_path}")


def test_a_long_summary_is_cut_at_max_bytes_with_a_line_saying_so():
    text = "## title\n\n```\n" + "headline line\n" * 10 + "```\n\n" + "".join(
        f"| row {i} | {'é' * 60} |\n" for i in range(3000))
    assert len(text.encode()) > MAX_BYTES
    cut = bounded(text, "summary.md")
    assert len(cut.encode()) <= MAX_BYTES
    assert text.startswith(cut.rsplit("\n\n_Cut here", 1)[0])  # whole lines, from the start
    last = cut.splitlines()[-1]
    assert re.fullmatch(r"_Cut here, to stay within 64 KiB: \d+ more lines \(\d+ bytes\) left out; "
                        r"all of it is in summary\.md\._", last)
    assert bounded("short", "x") == "short\n"


def test_a_cut_inside_a_code_block_closes_it():
    text = "```\n" + "x" * 80 + "\n" + ("y" * 80 + "\n") * 100
    cut = bounded(text, "summary.md", limit=2000)
    assert len(cut.encode()) <= 2000 and cut.count("```") == 2


def test_the_appended_bytes_of_a_run_stay_within_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(step_summary, "MAX_BYTES", 1500)
    summary = tmp_path / "step-summary.md"
    summary.write_text(EARLIER)
    monkeypatch.setenv(ENV, str(summary))
    assert main([*FAILING, "--out", str(tmp_path / "out")]) == 1
    mine = _appended(summary.read_text())
    assert len(mine.encode()) <= 1500
    assert mine.rstrip().endswith(f"all of it is in {Path(tmp_path / 'out' / 'summary.md')}._")
