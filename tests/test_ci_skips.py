"""Where CI is set, a test skipped because an engine is not installed fails (CI installs every
engine); elsewhere it is a skip, and other skips stay skips everywhere."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support import ROOT

TESTS = '''
import pytest
def test_missing_engine():
    pytest.skip("engine tensorflow unavailable: tensorflow is not installed (pip install '.[tensorflow]')")
def test_other_reason():
    pytest.skip("this machine has a GPU: nothing is unavailable here".replace("unavailable", "missing"))
'''


@pytest.mark.parametrize("ci, outcome", [("true", "1 failed, 1 skipped"), ("", "2 skipped")])
def test_a_missing_engine_fails_only_where_ci_is_set(ci, outcome, tmp_path):
    (tmp_path / "test_skips.py").write_text(TESTS)
    env = {**os.environ, "CI": ci, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest",
                           "test_skips.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert outcome in done.stdout, done.stdout + done.stderr
