"""Importing the project imports no framework, and what `crosscheck run` imports before it
runs leaves out the libraries only some commands need (checked in a fresh interpreter)."""
from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

CODE = """
import sys
from crosscheck import reference
from crosscheck import adapters
from crosscheck import scenarios
import crosscheck.cli
import crosscheck.running.runner
import crosscheck.reporting.files
import crosscheck.cli.run
import crosscheck.analyses.diagnosis
import crosscheck.engines
import crosscheck.adapters.jax_grad
import crosscheck.adapters.jax_programs
for name in adapters.ENGINES:
    adapters.get_engine(name).unavailable_reason()   # detection imports nothing either
crosscheck.cli.main(["scenarios", "--suite", "smoke"])
leaked = sorted(m for m in ("torch", "jax", "jaxlib", "matplotlib", "sympy", "hypothesis", "scipy")
                if m in sys.modules)
print("LEAKED", leaked)
"""


def test_importing_the_project_imports_no_framework_and_no_library_of_other_commands():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout
    assert "LEAKED []" in out, out


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_the_check_above_can_fail():
    """Meta: the same probe reports a framework that was imported."""
    code = CODE.replace("import sys\n", "import sys\nfrom crosscheck import adapters\nadapters.get_engine('torch').load()\n", 1)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "LEAKED ['torch']" in out, out


def test_the_diagnosis_and_localisation_do_not_import_the_runner():
    """The dependency runs one way: the runner imports the diagnosis and localisation, never the
    reverse, not even inside a function (every import statement of their source is read)."""
    import ast

    import crosscheck.analyses.diagnosis as diagnosis
    import crosscheck.checks.localise as localise

    for module in (diagnosis, localise):
        tree = ast.parse(open(module.__file__).read())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
        assert not {m for m in imported if m and m.startswith("crosscheck.running")} - {
            "crosscheck.running.statuses"}, (module.__name__, imported)
