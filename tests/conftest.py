"""Shared fixtures and the one place that configures Hypothesis."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

from tests.support import ALL_ENGINES

# report.html without plots (crosscheck/reporting/html.py) in every run of the tests, their
# workers and subprocesses: drawing them is most of a small run's time; the tests that look
# at plots turn them on (the fixture ``plots``).
os.environ["CROSSCHECK_FIGURES"] = "off"


@pytest.fixture
def plots(monkeypatch):
    """report.html with its plots, for a test that looks at them."""
    monkeypatch.setenv("CROSSCHECK_FIGURES", "on")


#: Words of a skip that says something is not installed: where CI is set (CI installs every
#: engine, .ci/run), such a skip is a failure, so that no engine's tests go missing there.
MISSING = ("not installed", "unavailable", "could not import", "needs torch")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and isinstance(report.longrepr, tuple):
        reason = report.longrepr[2]
        if any(word in reason for word in MISSING):
            report.outcome, report.longrepr = "failed", f"skipped where CI is set: {reason}"


@pytest.fixture(scope="session")
def loaded_engines():
    """name -> loaded engine, or the reason it is unavailable (a str)."""
    from crosscheck.engines import resolve_engines

    ready, unavailable = resolve_engines(ALL_ENGINES)
    return {**{a.name: a for a in ready}, **unavailable}


@pytest.fixture
def engine(request, loaded_engines):
    """The engine named by the test's ``engine_name`` parameter; skipped with the reason."""
    found = loaded_engines[request.param]
    if isinstance(found, str):
        pytest.skip(f"engine {request.param} unavailable: {found}")
    return found


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory):
    """``crosscheck run --suite smoke -q`` with the default engines, run once and shared by the
    tests that only read it: (exit code, report folder).  Read it; never write into it."""
    from crosscheck.cli import main

    out = tmp_path_factory.mktemp("smoke-run")
    return main(["run", "--suite", "smoke", "--out", str(out), "-q"]), out
