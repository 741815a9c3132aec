"""One engine registry (crosscheck/engines.py): every engine kind through every path gives
the verdict and the failing rows of a single-process run; nothing checked is never a
PASS; a crash is exit 3; the rerun commands the reports print reproduce their rows.
Engines from outside the package (an installed entry point, ``module:Class``) are kinds
too: tests/engine_package is installed with pip for this module's tests."""
from __future__ import annotations

import html
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from crosscheck.adapters import finite_differences as fd_module
from crosscheck.cli import main
from crosscheck.scenarios.tolerances import Tolerance
from tests.support import CLIENTS, COURSE_BACKWARD, TESTS, unwrapped
from tests.support import run_pytest as _pytest

#: A third-party engine package: toy_engines.py (ToyEngine, ToySlip) and its entry points.
ENGINE_PACKAGE = TESTS / "engine_package"

KEY = ["scenario", "engine", "check", "quantity", "layer"]


def slipped(folder: Path) -> str:
    """The course's module with 1/m dropped from dW (a learner's file)."""
    folder.mkdir(exist_ok=True)
    shutil.copy(CLIENTS / "dnn_utils.py", folder)
    text = (CLIENTS / "course_dnn.py").read_text()
    (folder / "course_dnn.py").write_text(text.replace("dW = 1./m * np.dot(dZ,A_prev.T)", "dW = np.dot(dZ,A_prev.T)"))
    return f"{folder / 'course_dnn.py'}:L_model_backward"


def failing(folder: Path) -> set:
    df = pd.read_csv(folder / "discrepancies.csv", keep_default_na=False)
    return set(df.loc[~df["passed"].astype(bool), KEY].astype(str).itertuples(index=False, name=None))


#: (engine kind, run arguments): each kind has failing rows, so a path that drops it shows.
KINDS = {
    "mutant": ["--suite", "smoke", "--dtypes", "float64", "--engines", "numpy,mutant:tanh'-as-1-Z^2"],
    "variant": ["--suite", "gelu-defaults", "--dtypes", "float64", "--engines", "torch-gelu-default"],
    "backward": ["--suite", "smoke", "--dtypes", "float64"],
    # tests/engine_package: the correct engine beside the slip, by their entry points' names
    "entry-point": ["--suite", "smoke", "--dtypes", "float64", "--engines", "toy,toy-slip"],
    "module-class": ["--suite", "smoke", "--dtypes", "float64", "--engines", "toy_engines:ToySlip"],
}


@pytest.fixture(scope="module")
def toy_package(tmp_path_factory):
    """tests/engine_package really installed (pip, offline, into a folder of its own), that
    folder on sys.path and PYTHONPATH (subprocesses: the plugin's pytest) while this
    module's tests run: the entry points ``toy`` and ``toy-slip``, the module toy_engines."""
    from crosscheck.adapters import external

    root = tmp_path_factory.mktemp("toy-package")
    shutil.copytree(ENGINE_PACKAGE, root / "source")  # setuptools writes build/ into the tree it builds
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                           "--no-index", "--target", str(root / "site"), str(root / "source")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "toy" not in external.entry_points()  # not found before its folder is on the path
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(root / "site"))
        mp.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(root / "site"), os.environ.get("PYTHONPATH")])))
        # found in this process once the folder is on sys.path (importlib.metadata's caches)
        found = {n: f"{p.module}:{p.attr}" for n, p in external.entry_points().items() if n.startswith("toy")}
        assert found == {"toy": "toy_engines:ToyEngine", "toy-slip": "toy_engines:ToySlip"}
        yield root / "site"
    sys.modules.pop("toy_engines", None)


#: The kinds whose every path runs in the quick set (the others, each importing a framework or a
#: package in every worker and in the plugin's pytest, where CI is set).
QUICK_KINDS = ("backward", "mutant")


def _args(kind, tmp_path):
    return KINDS[kind] + (["--backward", slipped(tmp_path / "learner")] if kind == "backward" else [])


@pytest.fixture(scope="module")
def single_run(tmp_path_factory, toy_package):
    """``single_run(kind)``: (run arguments, exit code, report folder) of one plain
    single-process ``crosscheck run`` of that kind, run once and shared by the tests that
    compare other paths with it (they only read its folder)."""
    done = {}

    def single(kind):
        if kind not in done:
            folder = tmp_path_factory.mktemp(kind)
            args = _args(kind, folder) + ["--no-progress"]
            done[kind] = args, main(["run", *args, "--out", str(folder / "single")]), folder / "single"
        return done[kind]

    return single


@pytest.mark.parametrize("kind", [pytest.param(k, marks=() if k in QUICK_KINDS else pytest.mark.slow) for k in KINDS])
def test_every_path_gives_the_single_run_verdict_and_rows(kind, single_run, tmp_path):
    args, single, folder = single_run(kind)
    rows = failing(folder)
    assert single == 1 and rows
    assert main(["run", *args, "--workers", "2", "--out", str(tmp_path / "workers")]) == 1
    assert failing(tmp_path / "workers") == rows
    for k in (1, 2):
        assert main(["run", *args, "--shard", f"{k}/2", "--out", str(tmp_path / f"shard{k}")]) in (0, 1)
    assert main(["merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"), "--out", str(tmp_path / "merged")]) == 1
    assert failing(tmp_path / "merged") == rows
    # the plugin: an item per scenario x engine, failing exactly where the run has failing rows
    options = {"--suite": "--crosscheck-suite", "--dtypes": "--crosscheck-dtypes",
               "--engines": "--crosscheck-engines", "--backward": "--crosscheck-backward"}
    plugin = [options.get(a, a) for a in args if a != "--no-progress"]
    (tmp_path / "plugin").mkdir()
    code, out = _pytest(tmp_path / "plugin", *plugin, "-rf")
    failed = {tuple(line.split(" ")[1].split("::")[1:3]) for line in out.splitlines()
              if line.startswith("FAILED crosscheck[")}
    assert code == 1 and failed == {(framework, scenario) for scenario, framework, *_ in rows}


def test_the_api_gives_the_rows_of_the_command_line(single_run):
    from crosscheck import check

    # `crosscheck run --suite smoke --dtypes float64 --backward TARGET --no-progress`, shared
    args, code, cli = single_run("backward")
    target = args[args.index("--backward") + 1]
    assert code == 1
    result = check(target, suite="smoke", dtypes="float64", engines="numpy")
    api = set(result.table.loc[~result.table["passed"].astype(bool), KEY].astype(str)
              .itertuples(index=False, name=None))
    assert not result.passed and api == failing(cli)


def test_workers_keep_a_mutant_asked_for_alone(tmp_path, capsys):
    args = ["run", "--scenario", "tanh-sigmoid_1-1-1_m1_float64_s0", "--mutant", "tanh'-as-1-Z^2", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 1
    assert main([*args, "--workers", "2", "--out", str(tmp_path / "two")]) == 1
    assert main([*args, "--engines", "numpy", "--workers", "2", "--out", str(tmp_path / "three")]) == 1
    assert failing(tmp_path / "one") == failing(tmp_path / "two") == failing(tmp_path / "three") - set()


def test_an_engine_asked_for_that_checks_nothing_fails_with_one_line(tmp_path, capsys):
    code = main(["run", "--suite", "smoke", "--engines", "fd", "--dtypes", "float32", "--out", str(tmp_path), "-q"])
    out = unwrapped(capsys.readouterr().out)
    assert code == 1 and "0 failed, 1 engine checked nothing -> FAIL" in out
    assert [line for line in out.splitlines() if line.startswith("engine fd checked no scenario")] == [
        "engine fd checked no scenario: every scenario was 10 unsupported; first: unsupported: engine fd runs "
        "float64 scenarios only [float32]"]
    # not asked for by name (the default engines, float32 only): fd checks nothing, the run passes
    assert main(["run", "--suite", "smoke", "--dtypes", "float32", "--engines", "numpy,fd", "--out",
                 str(tmp_path), "-q"]) == 1
    assert main(["run", "--suite", "smoke", "--dtypes", "float32", "--out", str(tmp_path), "-q"]) == 0


@pytest.mark.parametrize("argv", [
    ["run", "--scenario", "sigmoid_4-1_m1_float64_s0", "--engines", "numpy"],
    ["scenarios", "--suite", "smoke"],
])
def test_a_crash_of_the_harness_is_exit_3_with_the_traceback_saved(argv, tmp_path, capsys, monkeypatch):
    import crosscheck.cli.common
    import crosscheck.reporting.files

    def broken(*args, **kwargs):
        raise RuntimeError("planted bug\nsecond line")

    monkeypatch.setattr(crosscheck.reporting.files, "write_reports", broken)
    monkeypatch.setattr(crosscheck.cli.common, "suite", broken)
    assert main([*argv, "--out", str(tmp_path)] if argv[0] == "run" else argv) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error" in err and "RuntimeError: planted bug;" in err
    saved = Path(err.rsplit("traceback saved in ", 1)[1].strip())
    assert saved.is_file() and "planted bug" in saved.read_text()
    if argv[0] == "run":
        assert saved.parent == tmp_path


def _reruns(folder: Path) -> list[str]:
    return sorted({html.unescape(c) for c in re.findall(r"<td>(crosscheck run [^<]*)</td>",
                                                        (folder / "report.html").read_text())})


@pytest.mark.parametrize("kind, args", [
    ("mutant", KINDS["mutant"]),
    ("variant", KINDS["variant"]),
    ("backward", KINDS["backward"]),
    ("entry-point", KINDS["entry-point"]),
    ("module-class", KINDS["module-class"]),
    ("fd", ["--suite", "smoke", "--dtypes", "float64", "--engines", "fd"]),
])
def test_the_rerun_commands_of_report_html_reproduce_their_rows(kind, args, single_run, tmp_path, monkeypatch):
    if kind == "fd":  # an fd that fails: its own tolerance made far too tight
        monkeypatch.setattr(fd_module.FiniteDifferences, "tolerance", Tolerance(1e-15, 1e-18))
        assert main(["run", *args, "--out", str(tmp_path / "run"), "--no-progress"]) == 1
        folder = tmp_path / "run"
    else:  # the same `crosscheck run ARGS --no-progress` (with --backward for backward), shared
        shared, code, folder = single_run(kind)
        assert shared[:len(args)] == args and code == 1
    rows, commands = failing(folder), _reruns(folder)
    assert commands
    for i, command in enumerate(commands[:3]):
        argv = shlex.split(command)
        assert argv[:2] == ["crosscheck", "run"]
        assert main([*argv[1:], "--out", str(tmp_path / f"rerun{i}"), "--no-progress"]) == 1
        again = failing(tmp_path / f"rerun{i}")
        scenario = argv[argv.index("--scenario") + 1]
        assert {r for r in rows if r[0] == scenario} == again


def test_engines_asked_for_by_name_are_judged_by_the_names_their_rows_carry():
    from crosscheck.engines import EngineSpec

    class Built:
        def __init__(self, name):
            self.name = name

    spec = EngineSpec(("numpy", "torch"), ("cpu", "cuda"))
    assert spec.asked(True, [Built("numpy"), Built("torch"), Built("torch@cuda")]) == ("numpy", "torch", "torch@cuda")
    assert spec.asked(False, [Built("numpy")]) == ()


def test_shards_of_one_scenario_merge_and_shards_leave_the_idle_verdict_to_the_merge(tmp_path):
    args = ["run", "--scenario", "sigmoid_4-1_m13_float32_s0", "--engines", "numpy,fd", "--no-progress"]
    assert main([*args, "--shard", "1/1", "--out", str(tmp_path / "s1")]) == 0  # fd checks nothing in the shard
    assert main(["merge", str(tmp_path / "s1"), "--out", str(tmp_path / "m")]) == 1  # nor in the whole run


def test_check_takes_every_engine_name_of_the_registry(tmp_path):
    from crosscheck import check

    target = slipped(tmp_path / "learner")
    result = check(target, engines="mutant:tanh'-as-1-Z^2", dtypes="float64")
    assert not result.passed and set(result.table["engine"]) == {"mutant:tanh'-as-1-Z^2", "L_model_backward"}


# Engines from outside the package (adapters/external.py): tests/engine_package, installed.

SCENARIO = "relu-sigmoid_3-5-1_m13_float64_s0"


@pytest.mark.parametrize("kind", ["entry-point", "module-class"])
def test_check_runs_third_party_engines_with_the_rows_of_the_command_line(kind, single_run):
    from crosscheck import check

    args, code, cli = single_run(kind)
    engines = args[args.index("--engines") + 1]
    result = check(f"{COURSE_BACKWARD}:L_model_backward", suite="smoke", dtypes="float64",
                   engines=engines)  # a correct function
    api = set(result.table.loc[~result.table["passed"].astype(bool), KEY].astype(str)
              .itertuples(index=False, name=None))
    assert code == 1 and not result.passed and api == failing(cli)
    assert set(result.table["engine"]) == {*engines.split(","), "L_model_backward"}


LOOSE = ["--suite", "smoke", "--dtypes", "float64", "--engines", "toy_engines:ToyLoose", "--no-progress"]


def test_an_engines_own_tolerance_is_held_to_the_bound_and_shown(toy_package, tmp_path, capsys):
    """A third-party engine that sets ``tolerance = Tolerance(rtol=0.3)`` to hide a 25% slip in
    dW: refused (exit 2, one line) on every door unless forced; forced, shown in every view."""
    from crosscheck import check

    bound = "sets its own tolerance rtol 0.3, atol 1e-08, looser than the sanity bound for float64"
    assert main(["run", *LOOSE, "--out", str(tmp_path / "refused")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and bound in err and "--force-tolerance uses it anyway" in err
    assert not (tmp_path / "refused" / "discrepancies.csv").exists()
    with pytest.raises(ValueError, match="looser than the sanity bound"):
        check(f"{COURSE_BACKWARD}:L_model_backward", suite="smoke", dtypes="float64", engines="toy_engines:ToyLoose")
    (tmp_path / "plugin").mkdir()
    code, out = _pytest(tmp_path / "plugin", "--crosscheck-suite", "smoke", "--crosscheck-dtypes", "float64",
                        "--crosscheck-engines", "toy_engines:ToyLoose")
    assert code == 4 and bound in out and "--crosscheck-force-tolerance uses it anyway" in out
    # forced: the run uses it, and every view says so
    summary_file = tmp_path / "step-summary.md"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
        assert main(["run", *LOOSE, "--force-tolerance", "--out", str(tmp_path / "forced")]) == 0
    shown = "tolerance of engine toy_engines:ToyLoose: its own, rtol 0.3, atol 1e-08"
    assert shown in capsys.readouterr().out
    for view in ("summary.md", "report.html"):
        assert shown in (tmp_path / "forced" / view).read_text(), view
    assert shown in summary_file.read_text()
    run_json = (tmp_path / "forced" / "run.json").read_text()
    assert '"toy_engines:ToyLoose"' in run_json and "--force-tolerance" in run_json  # the rerun command forces it too
    result = check(f"{COURSE_BACKWARD}:L_model_backward", suite="smoke", dtypes="float64",
                   engines="toy_engines:ToyLoose", force_tolerance=True)
    assert shown in repr(result) and shown in result._repr_html_()
    # what it let through: dW 20% off, which the measured float64 table (rtol 1e-11) fails
    dW = pd.read_csv(tmp_path / "forced" / "discrepancies.csv").query("check == 'reference' and quantity == 'dW'")
    assert dW["passed"].all() and (dW["max_rel_err"] > 0.19).all() and (dW["rtol"] == 0.3).all()


def test_the_correct_third_party_engine_passes_by_either_name(toy_package, tmp_path, capsys):
    argv = ["run", "--suite", "smoke", "--engines", "toy,toy_engines:ToyEngine", "--out", str(tmp_path), "-q"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "toy: 20 scenarios checked, 0 failed" in out and "toy_engines:ToyEngine: 20 scenarios checked, 0 failed" in out
    code, out = _pytest(tmp_path, "--crosscheck-suite", "smoke", "--crosscheck-engines", "toy")
    assert code == 0 and "20 passed" in out


def test_the_default_engines_stay_the_built_in_ones(toy_package, tmp_path, monkeypatch):
    import crosscheck.cli.run
    from crosscheck import adapters

    # ENGINES cut to numpy (no framework to import): toy and toy-slip are installed, and not run
    monkeypatch.setattr(crosscheck.cli.run, "ENGINES", {"numpy": adapters.ENGINES["numpy"]})
    assert main(["run", "--scenario", SCENARIO, "--out", str(tmp_path), "-q"]) == 0
    df = pd.read_csv(tmp_path / "discrepancies.csv")
    assert set(df["engine"]) == {"numpy"}


def test_a_module_in_the_working_directory_is_found_by_the_console_script_and_its_workers(single_run, tmp_path):
    script = Path(sys.executable).with_name("crosscheck")
    if not script.is_file():
        pytest.skip(f"no console script at {script}")
    args, _, folder = single_run("module-class")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # not the installed copy: the cwd's
    (tmp_path / "work").mkdir()
    shutil.copy(ENGINE_PACKAGE / "toy_engines.py", tmp_path / "work")

    def crosscheck(*argv, cwd):
        return subprocess.run([str(script), *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)

    done = crosscheck("run", *args, "--workers", "2", "--out", str(tmp_path / "out"), cwd=tmp_path / "work")
    assert done.returncode == 1, done.stderr
    assert failing(tmp_path / "out") == failing(folder)
    # elsewhere the module is not on the path: one line, exit 2
    done = crosscheck("run", *args, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr == ("crosscheck: error: engine 'toy_engines:ToySlip': no module named 'toy_engines' on the "
                           "Python path (the current directory, PYTHONPATH, installed packages)\n")


@pytest.mark.parametrize("name", ["toy-slip", "toy_engines:ToySlip"])
def test_fuzz_takes_third_party_engines_and_its_rerun_line_reproduces(name, toy_package, tmp_path, capsys):
    correct = "toy" if name == "toy-slip" else "toy_engines:ToyEngine"
    assert main(["fuzz", "--engines", correct, "--examples", "20"]) == 0
    assert capsys.readouterr().out.startswith(f"20 scenarios, 0 failures ({correct}; seed 0)")
    assert main(["fuzz", "--engines", name, "--examples", "20"]) == 1
    out = capsys.readouterr().out
    assert f"  {name} reference dW[" in out
    rerun = shlex.split(out.split("rerun: ", 1)[1].splitlines()[0])
    assert rerun[:2] == ["crosscheck", "run"] and rerun[rerun.index("--engines") + 1] == name
    assert main([*rerun[1:], "--out", str(tmp_path), "--no-progress", "-q"]) == 1


def test_compare_reads_the_rows_of_third_party_engines(toy_package, tmp_path, capsys, monkeypatch):
    args = ["run", "--suite", "smoke", "--dtypes", "float64", "--engines", "toy_engines:ToyEngine", "-q"]
    assert main([*args, "--out", str(tmp_path / "before")]) == 0
    import toy_engines

    monkeypatch.setattr(toy_engines.ToyEngine, "dW", toy_engines.ToySlip.dW)  # the same name, now slipped
    assert main([*args, "--out", str(tmp_path / "after")]) == 1
    before, after = tmp_path / "before" / "discrepancies.csv", tmp_path / "after" / "discrepancies.csv"
    capsys.readouterr()
    assert main(["compare", str(before), str(before)]) == 0
    assert main(["compare", str(before), str(after)]) == 1
    out = capsys.readouterr().out
    assert re.search(r"now fails\s+sigmoid_4-1_m13_float64_s0\s+toy_engines:ToyEngine\s+reference\s+dW", out), out


def test_the_toy_engines_need_only_the_public_names_of_crosscheck():
    import ast

    import crosscheck

    tree = ast.parse((ENGINE_PACKAGE / "toy_engines.py").read_text())
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module == "crosscheck"
             for a in n.names}
    assert modules == {"numpy", "crosscheck"} and names and names <= set(crosscheck.__all__)


def test_the_docs_show_the_toy_engine_and_its_entry_point_as_the_package_has_them():
    page = (TESTS.parent / "docs" / "extending.md").read_text()
    extending = page[page.index("## An engine from outside the package"):]
    snippets = re.findall(r"```(?:python|toml)\n(.*?)```", extending.split("\n## ", 1)[0], re.S)
    sources = (ENGINE_PACKAGE / "toy_engines.py").read_text() + (ENGINE_PACKAGE / "pyproject.toml").read_text()
    lines = [line.split("  #")[0].strip() for s in snippets for line in s.splitlines()]
    assert len(snippets) == 2 and all(line in sources for line in lines if line not in ("", "..."))


@pytest.fixture
def not_engines(tmp_path, monkeypatch):
    """A folder on sys.path (and PYTHONPATH) with modules that give no engine, and an
    installed distribution whose entry points give none, one of them named numpy."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "needs_a_dependency.py").write_text("import a_dependency_that_is_not_installed\n")
    (folder / "raises_on_import.py").write_text("raise RuntimeError('configured wrong\\nsecond line')\n")
    (folder / "not_engines.py").write_text(
        "from crosscheck import Engine\n\n\nclass NotAnEngine:\n    pass\n\n\nclass Mine(Engine):\n    pass\n\n\n"
        "class NeedsASize(Engine):\n    def __init__(self, device, size):\n        super().__init__(device)\n\n\n"
        "class LoadFails(Engine):\n    def load(self):\n        raise OSError('no licence server')\n")
    dist = folder / "broken_engines-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-engines\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[backprop_crosscheck.engines]\nbroken = no_such_module_anywhere:Engine\n"
                                           "not-one = not_engines:NotAnEngine\nnumpy = not_engines:Mine\n")
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")])))
    monkeypatch.setattr(crosscheck.engines, "_WARNED", set())
    yield folder
    for module in ("not_engines", "needs_a_dependency", "raises_on_import"):
        sys.modules.pop(module, None)


import crosscheck.engines  # noqa: E402  (the fixture above resets its warnings)

LOADING = "(the current directory, PYTHONPATH, installed packages)"


@pytest.mark.parametrize("name, message", [
    ("no_such_module_anywhere:Toy",
     f"engine 'no_such_module_anywhere:Toy': no module named 'no_such_module_anywhere' on the Python path {LOADING}"),
    ("needs_a_dependency:Toy", "engine 'needs_a_dependency:Toy': importing needs_a_dependency failed: "
                               "ModuleNotFoundError: No module named 'a_dependency_that_is_not_installed'"),
    ("raises_on_import:Toy", "engine 'raises_on_import:Toy': importing raises_on_import failed: RuntimeError: "
                             "configured wrong"),
    ("not_engines:Missing", "engine 'not_engines:Missing': module not_engines has no 'Missing'; its engines: Mine, "
                            "NeedsASize, LoadFails"),
    ("not_engines:NotAnEngine", "engine 'not_engines:NotAnEngine': not_engines.NotAnEngine is not a subclass of "
                                "crosscheck.Engine"),
    ("broken", "entry point engine 'broken' (no_such_module_anywhere:Engine, from broken-engines 1.0): no module named "
               f"'no_such_module_anywhere' on the Python path {LOADING}"),
    ("not-one", "entry point engine 'not-one' (not_engines:NotAnEngine, from broken-engines 1.0): "
                "not_engines.NotAnEngine is not a subclass of crosscheck.Engine"),
    ("not_engines:NeedsASize", "engine not_engines:NeedsASize is unavailable: NeedsASize('cpu') raised TypeError: "),
    ("not_engines:LoadFails", "engine not_engines:LoadFails is unavailable: load() raised OSError: no licence server"),
])
def test_a_name_that_gives_no_engine_exits_2_with_one_line(name, message, not_engines, tmp_path, capsys):
    assert main(["run", "--scenario", SCENARIO, "--engines", name, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"crosscheck: error: {message}") and err.count("\n") == 1 and "Traceback" not in err


def test_the_unknown_engine_line_lists_the_entry_points_found(toy_package, not_engines, tmp_path, capsys):
    from crosscheck.adapters import ENGINES, VARIANTS

    assert main(["run", "--scenario", SCENARIO, "--engines", "mxnet", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("crosscheck: error: unknown engine 'mxnet'; accepted: ")
    listed = err.strip().split("; accepted: ")[1].split(", ")
    # the built-ins, then the entry points (numpy's is shadowed: once), then the two forms
    assert listed[:len(ENGINES) + len(VARIANTS)] == [*ENGINES, *VARIANTS] and len(set(listed)) == len(listed)
    assert {"toy", "toy-slip", "broken", "not-one"} <= set(listed) and listed[-2:] == ["mutant:ID", "module.path:Class"]


def test_every_path_rejects_a_name_that_gives_no_engine_with_the_same_line(not_engines, tmp_path, capsys):
    from crosscheck import check

    line = ("engine 'raises_on_import:Toy': importing raises_on_import failed: RuntimeError: configured wrong")
    for argv in (["run", "--scenario", SCENARIO, "--out", str(tmp_path)],
                 ["run", "--scenario", SCENARIO, "--workers", "2", "--out", str(tmp_path)],
                 ["run", "--scenario", SCENARIO, "--shard", "1/1", "--out", str(tmp_path)],
                 ["fuzz", "--examples", "1"]):
        for option in ("--engines", "--frameworks"):
            assert main([*argv, option, "raises_on_import:Toy"]) == 2
            assert capsys.readouterr().err == f"crosscheck: error: {line}\n"
    with pytest.raises(ValueError) as raised:
        check(f"{COURSE_BACKWARD}:L_model_backward", engines="numpy,raises_on_import:Toy")
    assert str(raised.value) == line
    code, out = _pytest(tmp_path, "--crosscheck-suite", "smoke", "--crosscheck-engines", "raises_on_import:Toy")
    assert code == 4 and f"--crosscheck-engines: {line}" in out and "Traceback" not in out
    done = subprocess.run([sys.executable, "-m", "crosscheck", "run", "--engines", "raises_on_import:Toy"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2 and done.stderr == f"crosscheck: error: {line}\n"


def test_a_built_in_name_wins_over_an_entry_point_of_that_name_with_a_warning(not_engines, tmp_path, capsys):
    assert main(["run", "--scenario", SCENARIO, "--engines", "numpy", "--out", str(tmp_path / "a"), "-q"]) == 0
    assert capsys.readouterr().err == (
        "crosscheck: warning: the entry point engine 'numpy' (not_engines:Mine, from broken-engines 1.0) is shadowed "
        "by the built-in numpy, which runs; name it not_engines:Mine to run it\n")
    # named by its module:Class it runs, and fails (Mine has no trace); the warning was given once
    assert main(["run", "--scenario", SCENARIO, "--engines", "numpy,not_engines:Mine", "--out", str(tmp_path / "b"),
                 "-q"]) == 1
    assert capsys.readouterr().err == ""
    assert set(pd.read_csv(tmp_path / "b" / "discrepancies.csv")["engine"]) == {"numpy", "not_engines:Mine"}


def test_an_engine_whose_trace_is_not_a_trace_or_gives_nothing_fails_with_a_row_not_a_crash():
    """A third-party engine's slips in the contract: a tuple or None instead of a Trace, and a
    Trace whose ``given`` names nothing, are failing rows that say so (they crashed the harness)."""
    from crosscheck import Engine, Trace
    from crosscheck.running.runner import run_all
    from crosscheck.scenarios import suite

    class ReturnsTuple(Engine):
        name = "returns-tuple"

        def trace(self, problem):
            return (problem.X,)

    class GivesNothing(Engine):
        name = "gives-nothing"

        def trace(self, problem):
            from crosscheck import reference

            s = problem.scenario
            t = reference.trace(problem.parameters, problem.X, problem.Y, s.activations, loss=s.loss)
            return Trace(t.A, t.Z, t.dA, t.dZ, {l: 2 * w for l, w in t.dW.items()}, t.db, given=frozenset())

    scenarios = suite("smoke")[:3]
    result = run_all(scenarios, [ReturnsTuple(), GivesNothing()], progress=False)
    rows = result.observations
    tuple_rows = rows[rows["engine"] == "returns-tuple"]
    assert not tuple_rows["passed"].any()
    assert tuple_rows["message"].str.contains("trace returned tuple, not a crosscheck.Trace").all()
    assert not rows.loc[rows["engine"] == "gives-nothing", "passed"].all()
