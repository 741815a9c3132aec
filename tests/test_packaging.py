"""One installed name: the wheel holds ``crosscheck`` only, and nothing in the package
imports the repository's folders under their own top-level names."""
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.support import ROOT

IMPORT_ALL = """
import importlib, pkgutil, sys
import crosscheck
packages = ["crosscheck", "crosscheck.reference", "crosscheck.adapters", "crosscheck.scenarios"]
for name in packages:
    package = importlib.import_module(name)
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
print(" ".join(sorted(m for m in ("reference", "adapters", "scenarios", "torch", "jax") if m in sys.modules)))
print(len([m for m in sys.modules if m.startswith("crosscheck.")]))
"""


@pytest.mark.slow
def test_the_wheel_installs_one_top_level_name(tmp_path):
    # built from a copy: setuptools writes build/ into the tree it builds
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "reports", ".hypothesis", "__pycache__", ".pytest_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp_path), str(source)], check=True, cwd=tmp_path)
    wheel, = tmp_path.glob("backprop_crosscheck-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if ".dist-info/" not in n}
    assert top == {"crosscheck"}
    for sub in ("reference/network.py", "adapters/base.py", "scenarios/suites.py", "cli/run.py",
                "checks/identities.py"):
        assert f"crosscheck/{sub}" in names  # the user's folders land under crosscheck
    info = next(n for n in names if n.endswith(".dist-info/top_level.txt"))
    assert zipfile.ZipFile(wheel).read(info).decode().split() == ["crosscheck"]


def test_every_module_imports_under_crosscheck_only():
    # run outside the repository, so that its folders are not importable by their own names
    done = subprocess.run([sys.executable, "-c", IMPORT_ALL], capture_output=True, text=True, cwd="/")
    assert done.returncode == 0, done.stderr
    leaked, count = done.stdout.split("\n")[:2]
    assert leaked == "" and int(count) > 40


def test_the_public_api_is_re_exported_from_crosscheck():
    import crosscheck
    from crosscheck.adapters.base import Engine, NotApplicable, Unsupported
    from crosscheck.api import Result, check
    from crosscheck.reference.trace import Trace

    assert (crosscheck.check, crosscheck.Result, crosscheck.Engine, crosscheck.Trace) == (check, Result, Engine, Trace)
    assert (crosscheck.Unsupported, crosscheck.NotApplicable) == (Unsupported, NotApplicable)
    with pytest.raises(AttributeError):
        crosscheck.no_such_name
