"""--tolerance DTYPE=RTOL,ATOL: wherever the dtype's tolerance is used, on every path (one
process, --workers, shards and merge, check(); the plugin: tests/test_config.py); shown
beside the measured table; refused beyond the sanity bound unless --force-tolerance;
`compare` says when two reports were judged under different tolerances."""
from __future__ import annotations

import json
import shlex

import pandas as pd
import pytest

from crosscheck.cli import main
from crosscheck.reporting.regressions import read_report, tolerance_notes
from crosscheck.scenarios import tolerance
from crosscheck.scenarios.tolerances import bound, overridden, overrides, parse_override
from tests.support import report_rows, unwrapped

# every dW off by 1e-9 (fails float64's measured rtol 1e-11), or by 3e-12 (passes it)
NEAR_MISS = "tests.cli.near_miss_engines:NearMiss"
WELL_WITHIN = "tests.cli.near_miss_engines:WellWithin"
LOOSER, TIGHTER = "float64=4e-9,0", "float64=1e-12,0"


def _run(out, engine, *options):
    return main(["run", "--suite", "smoke", "--dtypes", "float64", "--engines", engine, "--out", str(out), "-q",
                 *options])


def test_a_looser_tolerance_turns_a_near_miss_into_a_pass(tmp_path, capsys):
    assert _run(tmp_path / "measured", NEAR_MISS) == 1
    assert _run(tmp_path / "looser", NEAR_MISS, "--tolerance", LOOSER) == 0
    out = unwrapped(capsys.readouterr().out)
    line = "tolerance float64 overridden: rtol 4e-09, atol 0 (measured: rtol 1e-11"
    assert line in out  # under the headline on the terminal, in summary.md, in report.html's environment
    assert line in (tmp_path / "looser" / "summary.md").read_text()
    assert "<td>tolerance float64</td>" in (tmp_path / "looser" / "report.html").read_text()
    df = pd.read_csv(tmp_path / "looser" / "discrepancies.csv")
    assert set(df["rtol"]) == {4e-9}  # the rows carry the tolerance they were judged by
    record = json.loads((tmp_path / "looser" / "run.json").read_text())["tolerances"]
    assert record == {"float64": {"rtol": 4e-9, "atol": 0.0, "scale": tolerance("float64").scale,
                                  "from": "--tolerance"}}
    assert overrides() == {}  # in force for the command only


def test_a_tighter_tolerance_turns_a_pass_into_a_fail(tmp_path, capsys):
    assert _run(tmp_path / "measured", WELL_WITHIN) == 0
    assert "overridden" not in (tmp_path / "measured" / "summary.md").read_text()
    assert _run(tmp_path / "tighter", WELL_WITHIN, "--tolerance", TIGHTER) == 1
    df = pd.read_csv(tmp_path / "tighter" / "discrepancies.csv")
    assert set(df.loc[~df["passed"], "quantity"]) == {"dW"}


def test_the_override_travels_to_spawned_workers(tmp_path):
    assert _run(tmp_path / "single", NEAR_MISS, "--tolerance", LOOSER) == 0
    assert _run(tmp_path / "workers", NEAR_MISS, "--tolerance", LOOSER, "--workers", "2") == 0
    assert report_rows(tmp_path / "workers").equals(report_rows(tmp_path / "single"))
    assert _run(tmp_path / "tight", WELL_WITHIN, "--tolerance", TIGHTER, "--workers", "2") == 1


def test_shards_run_under_the_override_and_merge_refuses_shards_of_different_tolerances(tmp_path, capsys):
    assert _run(tmp_path / "single", NEAR_MISS, "--tolerance", LOOSER) == 0
    shards = [str(tmp_path / f"s{k}") for k in (1, 2)]
    for k, shard in enumerate(shards, 1):
        assert _run(shard, NEAR_MISS, "--tolerance", LOOSER, "--shard", f"{k}/2") == 0
    assert main(["merge", *shards, "--out", str(tmp_path / "merged")]) == 0
    assert report_rows(tmp_path / "merged").equals(report_rows(tmp_path / "single"))
    merged = (tmp_path / "merged" / "summary.md").read_text()
    assert "tolerance float64 overridden: rtol 4e-09" in merged
    assert merged == (tmp_path / "single" / "summary.md").read_text()
    assert _run(tmp_path / "other", NEAR_MISS, "--tolerance", "float64=5e-9,0", "--shard", "2/2") == 0
    capsys.readouterr()
    assert main(["merge", shards[0], str(tmp_path / "other"), "--out", str(tmp_path / "m2")]) == 2
    assert "different tolerances" in capsys.readouterr().err


def test_check_takes_tolerances_too():
    from crosscheck import check
    from tests.support import TESTS

    backward = f"{TESTS / 'cli' / 'near_miss_engines.py'}:near_miss_backward"
    assert not check(backward, suite="smoke", dtypes="float64").passed
    result = check(backward, suite="smoke", dtypes="float64", tolerances={"float64": (4e-9, 0)})
    assert result.passed and set(result.table["rtol"]) == {4e-9}
    with pytest.raises(ValueError, match="force_tolerance=True uses it anyway"):
        check(backward, suite="smoke", dtypes="float64", tolerances=["float64=1e-3,0"])
    assert check(backward, suite="smoke", dtypes="float64", tolerances="float64=1e-3,0", force_tolerance=True).passed


@pytest.mark.parametrize("option, message", [
    ("float64=1e-7,0", "tolerance float64=1e-07,0 is looser than the sanity bound (rtol 1e-07 > 1e-08, the smaller "
                       "of 1000 x the measured 1e-11 and the larger of 0.05 and 2 x the measured); --force-tolerance "
                       "uses it anyway"),
    ("float32=1e-4,1e-3", "(atol 0.001 > 5.96e-05, the smaller of 1000 u and 0.001)"),
    ("float16=0.2,0", "(rtol 0.2 > 0.125, the smaller of 1000 x the measured 0.0625 and the larger of 0.05 and "
                      "2 x the measured)"),
    ("float32=1e-3", "expected DTYPE=RTOL,ATOL"),
    ("float32", "expected DTYPE=RTOL,ATOL"),
    ("float8=1e-3,0", "no tolerance for dtype 'float8'"),
    ("float32=-1e-3,0", "must be finite and >= 0"),
    ("float32=inf,0", "must be finite and >= 0"),
    ("float32=x,0", "must be numbers"),
])
def test_a_tolerance_that_cannot_be_used_is_one_line_and_exit_2(option, message, tmp_path, capsys):
    assert _run(tmp_path, NEAR_MISS, "--tolerance", option) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("crosscheck: error: ") and message in err
    assert not (tmp_path / "discrepancies.csv").exists()


def test_force_tolerance_accepts_one_beyond_the_bound(tmp_path):
    assert _run(tmp_path, NEAR_MISS, "--tolerance", "float64=1e-7,0", "--force-tolerance") == 0
    assert set(pd.read_csv(tmp_path / "discrepancies.csv")["rtol"]) == {1e-7}


def test_the_bound_and_the_override_keep_the_measured_scale():
    assert bound("float64") == (1e-8, 1e3 * 2.0 ** -53) and bound("float32") == (0.05, 1e3 * 2.0 ** -24)
    assert bound("float16") == (0.125, 1e-3) and bound("bfloat16") == (0.125, 1e-3)
    dtype, tol = parse_override(" float32 = 1e-3 , 1e-8 ")
    assert dtype == "float32" and (tol.rtol, tol.atol, tol.scale) == (1e-3, 1e-8, tolerance("float32").scale)
    with overridden({"float32": tol}):  # the conventions, localise and the diagnosis ask here
        assert tolerance("float32") is tol and tolerance("float64").rtol == 1e-11
    assert tolerance("float32").rtol == 3e-4


def test_compare_says_when_the_reports_were_judged_under_different_tolerances(tmp_path, capsys):
    assert _run(tmp_path / "a", "numpy") == 0
    assert _run(tmp_path / "b", "numpy", "--tolerance", "float64=1e-10,0") == 0
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "a" / "discrepancies.csv"), str(tmp_path / "b" / "discrepancies.csv")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("no regression")
    assert lines[1] == ("note: the two reports were judged under different tolerances (--tolerance, or another "
                        "table): float64: rtol 1e-11 in the baseline, 1e-10 now")
    assert main(["compare", str(tmp_path / "a" / "discrepancies.csv"), str(tmp_path / "a" / "discrepancies.csv")]) == 0
    assert "note:" not in capsys.readouterr().out


def test_a_different_absolute_term_alone_is_noted(tmp_path):
    assert _run(tmp_path, "numpy") == 0
    base = read_report(tmp_path / "discrepancies.csv")
    current = base.copy()
    current.loc[current.index[:3], "atol"] = 1e-14
    note = f"float64: the same rtol; the absolute term differs on 3 of {len(base)} rows"
    assert tolerance_notes(base, current) == [note]
    current["atol"] = base["atol"] * (1 + 1e-9)  # T of another machine's BLAS: the same tolerance
    assert tolerance_notes(base, current) == []


def test_the_rerun_command_of_a_row_failing_under_an_override_fails_too(tmp_path, capsys):
    """A tighter --tolerance fails WellWithin; the rerun command the reports print carries the
    override, so it reproduces the failure instead of passing under the measured table."""
    import pandas as pd

    args = ["run", "--suite", "smoke", "--dtypes", "float64", "--engines", WELL_WITHIN, "--no-progress", "-q"]
    assert main([*args, "--tolerance", "float64=1e-12,1e-15", "--out", str(tmp_path / "tight")]) == 1
    diagnosis = pd.read_csv(tmp_path / "tight" / "diagnosis.csv", keep_default_na=False)
    rerun = next(c for c in diagnosis.astype(str).values.ravel() if c.startswith("crosscheck run"))
    assert "--tolerance float64=1e-12,1e-15" in rerun, rerun
    argv = shlex.split(rerun)[1:]
    assert main([*argv, "--out", str(tmp_path / "rerun"), "-q"]) == 1


#: dW 20% too large, everything else right: a slip that no rounding of a correct engine comes near.
TWENTY_PERCENT = """
from crosscheck import reference


def backward(parameters, X, Y, activations):
    t = reference.trace(parameters, X, Y, activations)
    grads = {f"db{l}": v for l, v in t.layers("db").items()}
    return {**grads, **{f"dW{l}": 1.2 * v for l, v in t.layers("dW").items()}}
"""


def test_an_rtol_of_a_few_percent_is_the_most_float32_takes_without_force(tmp_path, capsys):
    """The old bound, min(1000 x measured, 0.5), let float32=0.3 pass a dW 20% wrong unforced."""
    path = tmp_path / "twenty.py"
    path.write_text(TWENTY_PERCENT)
    args = ["run", "--suite", "smoke", "--dtypes", "float32", "--backward", f"{path}:backward", "-q"]
    assert main([*args, "--tolerance", "float32=0.3,1e-6", "--out", str(tmp_path / "refused")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "rtol 0.3 > 0.05, the smaller of 1000 x the measured 0.0003" in err
    assert "--force-tolerance uses it anyway" in err and not (tmp_path / "refused" / "discrepancies.csv").exists()
    top, _ = bound("float32")
    # the bound itself is taken, and it still fails the 20% slip
    assert main([*args, "--tolerance", f"float32={top!r},1e-6", "--out", str(tmp_path / "bound")]) == 1
    assert set(pd.read_csv(tmp_path / "bound" / "discrepancies.csv")["rtol"]) == {top}
    # forced, 0.3 is used, and lets the slip through: what the bound is for
    assert main([*args, "--tolerance", "float32=0.3,1e-6", "--force-tolerance", "--out", str(tmp_path / "forced")]) == 0
    capsys.readouterr()
