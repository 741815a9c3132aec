"""[tool.crosscheck] in pyproject.toml (crosscheck/config.py): found from the working folder
upwards, its values the defaults of run (and fuzz, mutants) and of the pytest plugin, an
option on the command line winning; recorded in run.json and the reports; a bad table is
one line and exit 2 (the plugin: a usage error)."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from crosscheck.cli import _configured, main
from crosscheck.config import find
from tests.support import TESTS, run_pytest, unwrapped

NEAR_MISS = TESTS / "cli" / "near_miss_engines.py"


def _project(folder, table: str, name="pyproject.toml"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(table)
    return folder / name


SMALL = '[tool.crosscheck]\nsuite = "smoke"\nengines = ["numpy"]\ndtypes = "float64"\nout = "rep"\n'


def test_found_upwards_past_a_pyproject_without_the_table_and_the_nearest_table_wins(tmp_path):
    top = _project(tmp_path, SMALL)
    _project(tmp_path / "pkg", '[project]\nname = "pkg"\n')  # no [tool.crosscheck]: passed over
    deep = tmp_path / "pkg" / "src" / "sub"
    deep.mkdir(parents=True)
    assert find(deep) == top
    nearer = _project(tmp_path / "pkg" / "src", '[tool.crosscheck]\ndtypes = "float32"\n')
    assert find(deep) == nearer  # the first table found, never merged with the one above


def test_run_from_a_subfolder_takes_the_table_and_records_it(tmp_path, monkeypatch, capsys):
    config = _project(tmp_path, SMALL)
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert main(["run", "-q", "--no-progress"]) == 0
    out = tmp_path / "rep"  # out is relative to the pyproject.toml's folder, not the working one
    df = pd.read_csv(out / "discrepancies.csv")
    assert set(df["engine"]) == {"numpy"} and set(df["dtype"]) == {"float64"} and df["scenario"].nunique() == 10
    meta = json.loads((out / "run.json").read_text())
    assert meta["config"] == {"file": str(config), "values": {"suite": "smoke", "engines": "numpy",
                                                              "dtypes": "float64", "out": str(out)}}
    line = f'config: {config} [tool.crosscheck]: suite = "smoke", engines = "numpy", dtypes = "float64"'
    assert line in (out / "summary.md").read_text() and line in unwrapped(capsys.readouterr().out)
    assert f"{config} [tool.crosscheck]: suite = " in (out / "report.html").read_text()  # its environment


def test_an_option_on_the_command_line_wins_and_only_the_values_taken_are_recorded(tmp_path, monkeypatch):
    _project(tmp_path, SMALL)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "-q", "--dtypes", "float32", "--suite", "smoke", "--out", str(tmp_path / "mine")]) == 0
    df = pd.read_csv(tmp_path / "mine" / "discrepancies.csv")
    assert set(df["dtype"]) == {"float32"} and set(df["engine"]) == {"numpy"}
    assert not (tmp_path / "rep").exists()
    values = json.loads((tmp_path / "mine" / "run.json").read_text())["config"]["values"]
    assert values == {"suite": "smoke", "engines": "numpy"}  # --suite smoke is the table's value too


def test_without_a_table_nothing_is_recorded(tmp_path, monkeypatch):
    _project(tmp_path, '[project]\nname = "x"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["run", "-q", "--scenario", "sigmoid_4-1_m1_float64_s0", "--engines", "numpy", "--out", "r"]) == 0
    meta = json.loads((tmp_path / "r" / "run.json").read_text())
    assert meta["config"] is None and meta["tolerances"] == {}
    assert "config:" not in (tmp_path / "r" / "summary.md").read_text()


def test_paths_are_relative_to_the_table_and_known_failures_maps_onto_its_option(tmp_path, monkeypatch):
    (tmp_path / "known.toml").write_text('[[known]]\nscenario = "*"\nreason = "why"\n')
    shutil.copy(NEAR_MISS, tmp_path / "mine.py")
    _project(tmp_path, '[tool.crosscheck]\nknown-failures = "known.toml"\nbackward = "mine.py:f"\n'
                       'forward = "mine.py:g"\nout = "r"\n')
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    args = _configured(["run"])
    assert args.known_failures == str(tmp_path / "known.toml")
    assert args.backward == f"{tmp_path / 'mine.py'}:f" and args.forward == f"{tmp_path / 'mine.py'}:g"
    assert args.out == str(tmp_path / "r")
    assert _configured(["run", "--known-failures", "other.toml"]).known_failures == "other.toml"


def test_fuzz_takes_the_engines_and_commands_that_read_no_table_ignore_it(tmp_path, monkeypatch, capsys):
    _project(tmp_path, '[tool.crosscheck]\nengines = "numpy"\ndtypes = ["float64"]\nout = "r"\n')
    monkeypatch.chdir(tmp_path)
    args = _configured(["fuzz"])
    assert (args.engines, args.dtypes) == ("numpy", "float64")
    assert main(["fuzz", "--examples", "1"]) == 0
    assert "(numpy; seed 0)" in capsys.readouterr().out
    assert not hasattr(_configured(["scenarios"]), "engines")


@pytest.mark.parametrize("table, message", [
    ('engine = "numpy"', "unknown key 'engine'; accepted: suite, engines, dtypes, tolerances"),
    ('dtypes = "float8"', "dtypes = \"float8\": unknown 'float8'; accepted: float64, float32"),
    ('suite = "nope"', 'suite = "nope": unknown suite; accepted: smoke, default'),
    ("engines = 3", "engines = 3: expected a string (comma-separated) or an array of strings"),
    ('engines = "mxnet"', "unknown engine 'mxnet'"),
    ("tolerances = { float32 = [1e-3] }", "expected [RTOL, ATOL]"),
    ('tolerances = { float32 = "a,b" }', "RTOL and ATOL must be numbers"),
    ('tolerances = { float8 = [1, 1] }', "no tolerance for dtype 'float8'"),
    ("tolerances = { float64 = [1e-3, 0] }", "looser than the sanity bound"),
    ('backward = "missing.py:f"', "no file"),
    ('backward = "nofunction.py"', "expected FILE.py:FUNC"),
    ('known-failures = "missing.toml"', "no file"),
    ('activations = "relu,softsign"', "activations = \"relu,softsign\": unknown 'softsign'; accepted: sigmoid,"),
    ("set = { when = 1979-05-27 }", "when: expected a number, a string, a boolean or an array of them"),
    ("out = 1", "expected a string"),
    ("suite = [", "cannot read"),
])
def test_a_bad_table_is_one_line_and_exit_2(table, message, tmp_path, monkeypatch, capsys):
    config = _project(tmp_path, f"[tool.crosscheck]\n{table}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("crosscheck: error: ") and str(config) in err
    assert message in err
    assert not (tmp_path / "r").exists()


def test_a_loose_tolerance_of_the_table_is_taken_with_force_tolerance(tmp_path, monkeypatch):
    _project(tmp_path, '[tool.crosscheck]\ntolerances = { float64 = "1e-3,0" }\n')
    monkeypatch.chdir(tmp_path)
    assert _configured(["run", "--force-tolerance"]).tolerances["float64"].rtol == 1e-3


def test_a_command_that_reads_no_table_is_not_stopped_by_a_bad_one(tmp_path, monkeypatch, capsys):
    _project(tmp_path, "[tool.crosscheck]\nbogus = 1\n")
    monkeypatch.chdir(tmp_path)
    assert main(["scenarios", "--suite", "smoke"]) == 0
    assert main(["run"]) == 2 and "unknown key 'bogus'" in capsys.readouterr().err


# the pytest plugin: the same table, pytest's ini values between it and the command line

def _plugin_project(tmp_path, table: str, ini: str = ""):
    shutil.copy(NEAR_MISS, tmp_path / "near_miss_engines.py")  # python -m pytest has its folder on sys.path
    _project(tmp_path, f"[tool.crosscheck]\n{table}\n" + (f"[tool.pytest.ini_options]\n{ini}\n" if ini else ""))


def test_the_plugin_reads_the_table(tmp_path):
    _plugin_project(tmp_path, 'engines = "numpy"\ndtypes = ["float64"]')
    code, out = run_pytest(tmp_path, "--crosscheck-suite", "smoke", "-v")
    assert code == 0 and "10 passed" in out and "crosscheck[smoke]::numpy::" in out and "_float32_" not in out
    assert f"config: {tmp_path / 'pyproject.toml'} [tool.crosscheck]: engines = \"numpy\"" in out  # the header


@pytest.mark.slow  # pytest twice; the quick set reads the table through the plugin in test_the_plugin_reads_the_table
def test_the_plugin_takes_the_tables_tolerances_and_its_option_wins(tmp_path):
    _plugin_project(tmp_path, 'engines = "near_miss_engines:NearMiss"\ndtypes = "float64"\n'
                              'tolerances = { float64 = [4e-9, 0] }')
    code, out = run_pytest(tmp_path, "--crosscheck-suite", "smoke")
    assert code == 0 and "10 passed" in out
    assert "tolerance float64 overridden: rtol 4e-09, atol 0" in out  # the session's header
    code, out = run_pytest(tmp_path, "--crosscheck-suite", "smoke", "-q", "--crosscheck-tolerance", "float64=1e-11,0")
    assert code == 1 and "10 failed" in out and "(up to 1e-11 allowed)" in out


@pytest.mark.slow  # pytest three times
def test_pytest_ini_values_sit_between_the_table_and_the_command_line(tmp_path):
    _plugin_project(tmp_path, 'engines = "near_miss_engines:NearMiss"\ndtypes = "float64"',
                    ini='crosscheck_engines = "numpy"\ncrosscheck_suite = "smoke"')
    code, out = run_pytest(tmp_path, "-v")  # the ini's crosscheck_suite asks for the suite
    assert code == 0 and "10 passed" in out and "::numpy::" in out
    code, out = run_pytest(tmp_path, "-q", "--crosscheck-engines", "near_miss_engines:NearMiss")
    assert code == 1 and "10 failed" in out


def test_the_table_alone_adds_no_items_and_a_bad_one_is_a_usage_error(tmp_path):
    _plugin_project(tmp_path, 'engines = "numpy"')
    code, _ = run_pytest(tmp_path)
    assert code == 5  # no --crosscheck-suite: no items, the table is not even read
    _plugin_project(tmp_path, 'engine = "numpy"')
    code, out = run_pytest(tmp_path, "--crosscheck-suite", "smoke")
    assert code == 4 and "unknown key 'engine'" in out
    _plugin_project(tmp_path, 'tolerances = { float64 = [1e-3, 0] }')
    code, out = run_pytest(tmp_path, "--crosscheck-suite", "smoke")
    assert code == 4 and "--crosscheck-force-tolerance uses it anyway" in out
