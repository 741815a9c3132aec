"""pytest plugin (entry point ``pytest11``): scenarios x engines as test items.

    pytest --crosscheck-suite smoke --crosscheck-engines torch,jax [-n 2]
    pytest --crosscheck-suite default --crosscheck-backward my_backprop.py:L_model_backward

Each item is one scenario on one engine, with an id such as
``crosscheck[smoke]::torch::relu-tanh-sigmoid_4-5-5-1_m16_float32_s0``; it fails when any
check fails, with a message in the manner of ``torch.testing.assert_close`` (mismatched
elements, greatest absolute and relative difference and where, the tolerance) naming the
scenario, engine, check, quantity and layer.  An engine that is not installed skips its
items with the reason.  Works with pytest-xdist: collection is deterministic.
"""
from __future__ import annotations

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("crosscheck", "backprop-crosscheck")
    group.addoption("--crosscheck-suite", default=None, help="run this suite's scenarios as test items")
    group.addoption("--crosscheck-engines", "--crosscheck-frameworks", dest="crosscheck_engines", default=None,
                    help="comma-separated engines, as crosscheck run --engines takes them: built-in, variant, "
                    "mutant:ID, an entry point's name, module.path:Class (default: every built-in engine; with "
                    "--crosscheck-backward: none)")
    group.addoption("--crosscheck-dtypes", default=None, help="comma-separated dtypes (default: all)")
    group.addoption("--crosscheck-backward", default=None, metavar="FILE.py:FUNC",
                    help="also check your own backward function as an engine (the dictionary contract or the "
                    "course's L_model_backward(AL, Y, caches))")
    group.addoption("--crosscheck-forward", default=None, metavar="FILE.py:FUNC",
                    help="the forward of a course-style --crosscheck-backward (default: L_model_forward beside it)")
    group.addoption("--crosscheck-activations", default=None,
                    help="comma-separated: only networks of these activations apply to --crosscheck-backward")
    group.addoption("--crosscheck-timeout", default=None, type=float,
                    help="seconds one scenario of --crosscheck-backward may take (default 10)")


def _engines(config) -> list[str]:
    from crosscheck.adapters import ENGINES
    from crosscheck.engines import check_name

    given = config.getoption("crosscheck_engines")
    if given is None:
        return [] if config.getoption("crosscheck_backward") else list(ENGINES)
    try:  # the one registry's names: built-in, variant, mutant:ID, entry point, module:Class
        return [check_name(n.strip()) for n in given.split(",") if n.strip()]
    except ValueError as exc:
        raise pytest.UsageError(f"--crosscheck-engines: {exc}") from None


class CrosscheckSuite(pytest.Collector):
    def __init__(self, *, suite_name: str, **kwargs):
        super().__init__(**kwargs)
        self.suite_name = suite_name

    def collect(self):
        from crosscheck.scenarios import DTYPES, suite

        config = self.config
        try:
            scenarios = suite(self.suite_name)
        except ValueError as exc:
            raise pytest.UsageError(f"--crosscheck-suite: {exc}") from None
        dtypes = config.getoption("crosscheck_dtypes")
        if dtypes:
            wanted = [d.strip() for d in dtypes.split(",")]
            bad = [d for d in wanted if d not in DTYPES]
            if bad:
                raise pytest.UsageError(f"--crosscheck-dtypes: unknown {bad[0]!r}; accepted: {', '.join(DTYPES)}")
            scenarios = [s for s in scenarios if s.dtype in wanted]
        engines = _engines(config)
        backward = config.getoption("crosscheck_backward")
        if backward:
            _user_function(config)  # a file that cannot be loaded is a usage error, before any item
            engines.append(f"backward:{backward}")
        for engine in engines:
            label = engine.rsplit(":", 1)[-1] if engine.startswith("backward:") else engine
            for s in scenarios:
                yield CrosscheckItem.from_parent(self, name=f"{label}::{s.id}", scenario=s, engine=engine)


class CrosscheckFailure(Exception):
    """Raised by an item whose checks fail; the message is the report."""


_ADAPTERS: dict = {}


def _user_function(config):
    """The resolved spec of --crosscheck-backward, once per process; UsageError if it cannot load."""
    if "user" not in _ADAPTERS:
        from crosscheck.adapters.user_backward import DEFAULT_TIMEOUT, resolve, user_function
        from crosscheck.adapters.user_code import UserCodeError

        acts = config.getoption("crosscheck_activations")
        timeout = config.getoption("crosscheck_timeout")
        try:
            _ADAPTERS["user"] = resolve(user_function(
                config.getoption("crosscheck_backward"), config.getoption("crosscheck_forward"),
                activations=[a.strip() for a in acts.split(",") if a.strip()] if acts else None,
                timeout=DEFAULT_TIMEOUT if timeout is None else timeout))[0]
        except (ValueError, UserCodeError) as exc:
            raise pytest.UsageError(f"--crosscheck-backward: {exc}") from None
    return _ADAPTERS["user"]


def _loaded(engine: str, config):
    """One loaded engine per name and process (built by crosscheck.engines), or the
    reason it cannot run (a str)."""
    if engine not in _ADAPTERS:
        from crosscheck.engines import EngineSpec

        if engine.startswith("backward:"):
            spec = EngineSpec(user=_user_function(config))
        else:
            spec = EngineSpec((engine,))
        try:
            engines, unavailable = spec.build()
        except ValueError as exc:
            engines, unavailable = [], {engine: str(exc)}
        _ADAPTERS[engine] = engines[0] if engines else next(iter(unavailable.values()))
    return _ADAPTERS[engine]


def failure_report(df) -> str:
    """The failing rows of one scenario x engine, in the manner of torch.testing.assert_close."""
    lines = []
    for row in df[~df["passed"]].itertuples():
        where = f"{row.check} {row.quantity}[{row.layer}]"
        if row.mismatched < 0:
            lines.append(f"{where}: {row.message}")
            continue
        lines.append(
            f"{where}: tensor-likes are not close!\n"
            f"  Mismatched elements: {row.mismatched} / {row.numel} ({100 * row.mismatched / row.numel:.1f}%)\n"
            f"  Greatest absolute difference: {row.max_abs_err:.6g} at index {row.worst_index} (up to {row.atol:g} allowed)\n"
            f"  Greatest relative difference: {row.max_rel_err:.6g} (up to {row.rtol:g} allowed)\n"
            f"  actual {row.actual_at_worst:.9g}, expected {row.expected_at_worst:.9g} ("
            + ("the float64 reference)" if row.check == "reference" else f"the {row.check} identity on the engine's own values)")
        )
    first = df.iloc[0]
    return f"scenario {first['scenario']}, engine {first['engine']}:\n" + "\n".join(lines)


def _rerun(config) -> str:
    """The command line that reruns a failing item's scenario."""
    from crosscheck.engines import rerun_prefix

    return rerun_prefix(**{flag: config.getoption(f"crosscheck_{flag}")
                           for flag in ("backward", "forward", "activations", "timeout")})


#: Per engine label: [items that were checked (passed or failed), items seen].
_CHECKED: dict = {}


def pytest_sessionstart(session):
    """A new session (pytest in pytest, too) builds its engines and counts afresh."""
    _ADAPTERS.clear()
    _CHECKED.clear()


def pytest_runtest_logreport(report):
    """Count, per engine, the items that were checked (not skipped), across xdist workers."""
    if not report.nodeid.startswith("crosscheck[") or report.when not in ("setup", "call"):
        return
    label = report.nodeid.split("::")[1]
    counts = _CHECKED.setdefault(label, [0, 0])
    if report.when == "setup":
        counts[1] += 1
    elif not report.skipped:
        counts[0] += 1


def pytest_sessionfinish(session, exitstatus):
    """An engine asked for (--crosscheck-backward, --crosscheck-engines) whose every item was
    skipped checked nothing: the session fails, as ``crosscheck run`` does."""
    config = session.config
    if not config.getoption("crosscheck_suite") or hasattr(config, "workerinput"):
        return
    asked = list(_engines(config)) if config.getoption("crosscheck_engines") else []
    backward = config.getoption("crosscheck_backward")
    if backward:
        asked.append(backward.rsplit(":", 1)[-1])
    idle = [label for label in asked if label in _CHECKED and _CHECKED[label][1] and not _CHECKED[label][0]]
    if idle:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        for label in idle:
            line = f"crosscheck: engine {label} checked no scenario (every item skipped): FAIL"
            if reporter is not None:
                reporter.write_line(line, red=True)
        if session.exitstatus == 0:
            session.exitstatus = 1


class CrosscheckItem(pytest.Item):
    def __init__(self, *, scenario, engine: str, **kwargs):
        super().__init__(**kwargs)
        self.scenario, self.engine = scenario, engine

    def runtest(self):
        from crosscheck.analyses.diagnosis import diagnose
        from crosscheck.running.runner import run_all
        from crosscheck.running.statuses import NOT_CHECKED, RUN

        loaded = _loaded(self.engine, self.config)
        if isinstance(loaded, str):
            pytest.skip(f"engine {self.engine} unavailable: {loaded}")
        result = run_all([self.scenario], [loaded], progress=False)
        df = result.observations
        if (df["check"] == RUN).all() and df["status"].isin(NOT_CHECKED).all():
            pytest.skip(df["message"].iloc[0])
        if not df["passed"].all():
            found = diagnose(df, result.evidence, result.where, _rerun(self.config))
            raise CrosscheckFailure("".join(f"diagnosis: {row.finding}\n" for row in found.itertuples())
                                    + failure_report(df))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CrosscheckFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, self.nodeid


def pytest_collection_modifyitems(session, config, items):
    name = config.getoption("crosscheck_suite")
    if name:
        collector = CrosscheckSuite.from_parent(session, name=f"crosscheck[{name}]", nodeid=f"crosscheck[{name}]",
                                                suite_name=name)
        items.extend(collector.collect())
