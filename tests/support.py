"""What several test modules share: the fixture folders, the engine names, and pytest run
as a user runs it.  (Fixtures live in conftest.py; nothing imports from conftest.)"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crosscheck.adapters import ENGINES

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
#: Learners' and libraries' code as they wrote it.
CLIENTS = TESTS / "clients"
#: The course's backward, written in the dictionary contract and as the course's pair.
BYO = TESTS / "byo"
COURSE_BACKWARD = BYO / "course_backward.py"

#: The built-in engines of autodiff (adapters.ENGINES without fd), imported, not copied.
ENGINE_NAMES = tuple(name for name in ENGINES if name != "fd")


def named_engines(names) -> dict:
    """name -> the loaded engine, or why it is unavailable (a str): for a module fixture of
    variants the session's loaded_engines does not hold."""
    from crosscheck.engines import EngineSpec

    ready, unavailable = EngineSpec(tuple(names)).build()
    return {**{e.name: e for e in ready}, **unavailable}


def engine_or_skip(engines: dict, name: str):
    """``engines[name]`` (named_engines), or the test skipped with the reason it is unavailable."""
    import pytest

    found = engines[name]
    if isinstance(found, str):
        pytest.skip(f"engine {name} unavailable: {found}")
    return found


def report_rows(folder: Path, name: str = "discrepancies.csv"):
    """A report's CSV as strings, its timing columns dropped: what must be byte for byte the
    same between runs (one process, --workers, shards merged)."""
    import pandas as pd

    from crosscheck.running.runner import TIMING_COLUMNS

    df = pd.read_csv(Path(folder) / name, dtype=str, keep_default_na=False)
    return df.drop(columns=[c for c in TIMING_COLUMNS if c in df.columns])


#: Every engine the session fixture loads (fd: the finite-difference oracle).
ALL_ENGINES = ENGINE_NAMES + ("fd",)


def run_pytest(folder, *args):
    """pytest in ``folder`` (an empty one: only the plugin's items), as a user runs it:
    (exit code, stdout + stderr)."""
    # Hypothesis's own pytest plugin (an entry point) imports it whole: most of a second per run
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
                           *args],
                          cwd=folder, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


def declined(engine, scenario) -> str | None:
    """Why ``engine`` reports ``scenario`` unsupported by design, or None: MLX computes exp and
    erf of float64 arrays to a float32-like accuracy, so it declines float64 networks built on
    them (adapters/mlx_grad.py)."""
    if type(engine).name == "mlx" and scenario.dtype == "float64":
        return engine.float64_unsupported(scenario.activations)
    return None


def assert_declined(df, reason: str) -> None:
    """The run's rows are one ``unsupported`` row that gives ``reason``, and it passes."""
    assert len(df) == 1 and df["status"].iloc[0] == "unsupported" and bool(df["passed"].iloc[0]), df.to_string()
    assert reason in df["message"].iloc[0] and "relative error" in reason, df["message"].iloc[0]


def unwrapped(text: str) -> str:
    """What ``crosscheck run`` printed, with its wrapped lines (at most 100 columns,
    crosscheck/reporting/terminal.py: a continuation starts with INDENT) joined back into the
    lines they were."""
    from crosscheck.reporting.terminal import INDENT

    return text.replace("\n" + INDENT, " ")
