"""Every reproduction script (crosscheck/findings/reproductions/) is standalone (imports no
part of crosscheck), short, titled, and runs and prints a deviation greater than 0."""
from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

import crosscheck.findings

FOLDER = Path(crosscheck.findings.__file__).parent / "reproductions"
SCRIPTS = sorted(FOLDER.glob("*.py"))
ALLOWED = {"math", "numpy", "mpmath"}


def framework(path: Path) -> str:
    """The one framework a script imports (its top-level modules beyond ALLOWED)."""
    tree = ast.parse(path.read_text())
    modules = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    others = modules - ALLOWED
    assert len(others) == 1, (path.name, others)
    return others.pop()


def params():
    for path in SCRIPTS:
        slow = [pytest.mark.slow] if framework(path) == "tensorflow" else []  # its import alone is ~10 s
        yield pytest.param(path, id=path.stem, marks=slow)


def test_there_are_reproductions_of_the_ledgers_findings():
    names = {p.stem for p in SCRIPTS}
    assert {"tf_gelu_erf_float64", "tf_gelu_tanh_float64", "mlx_exp_erf_float64", "torch_softplus_threshold"} <= names


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in SCRIPTS])
def test_a_reproduction_is_short_standalone_and_titled(path):
    text = path.read_text()
    assert len(text.splitlines()) < 30, path.name
    assert framework(path) != "crosscheck"
    title = ast.get_docstring(ast.parse(text)).splitlines()[0]
    assert title.split(":")[0] in ("PyTorch", "JAX", "JAX (XLA CPU)", "TensorFlow", "MLX", "HIPS autograd"), title


@pytest.mark.parametrize("path", list(params()))
def test_a_reproduction_runs_and_prints_a_deviation(path):
    name = framework(path)
    if importlib.util.find_spec(name) is None:
        pytest.skip(f"{name} is not installed")
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=180, cwd=FOLDER)
    assert done.returncode == 0, done.stderr[-2000:]
    deviations = [float(x) for x in re.findall(r"relative error ([-+0-9.e]+|nan|inf)", done.stdout)]
    assert deviations and max(deviations) > 0, done.stdout
