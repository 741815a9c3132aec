"""What several test modules share: the fixture folders, the engine names, and pytest run
as a user runs it.  (Fixtures live in conftest.py; nothing imports from conftest.)"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
#: Learners' and libraries' code as they wrote it.
CLIENTS = TESTS / "clients"
#: The course's backward, written in the dictionary contract and as the course's pair.
BYO = TESTS / "byo"
COURSE_BACKWARD = BYO / "course_backward.py"

ENGINE_NAMES = ("numpy", "torch", "jax")
#: Every engine the session fixture loads (fd: the finite-difference oracle).
ALL_ENGINES = ENGINE_NAMES + ("fd",)


def run_pytest(folder, *args):
    """pytest in ``folder`` (an empty one: only the plugin's items), as a user runs it:
    (exit code, stdout + stderr)."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=folder, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr
