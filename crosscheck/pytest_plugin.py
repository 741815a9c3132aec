"""pytest plugin (entry point ``pytest11``): scenarios x engines as test items.

    pytest --crosscheck-suite smoke --crosscheck-engines torch,jax [-n 2]
    pytest --crosscheck-backward my_backprop.py:L_model_backward   # the default suite

Each item is one scenario on one engine, with an id such as
``crosscheck[smoke]::torch::relu-tanh-sigmoid_4-5-5-1_m16_float32_s0``; it fails when any
check fails, with a message in the manner of ``torch.testing.assert_close`` (mismatched
elements, greatest absolute and relative difference and where, the tolerance) naming the
scenario, engine, check, quantity and layer.  An engine that is not installed skips its
items with the reason.  Works with pytest-xdist: collection is deterministic.

With ``--crosscheck-known-failures FILE`` (crosscheck/running/known.py), an item whose every
failing row the file lists is xfailed with the entries' reasons; an item whose rows that an
entry matches all pass is XPASS, and with ``--crosscheck-strict-known`` XPASS(strict), a
failure, where the entry matches no other item.  The entries are judged on the whole session,
as ``crosscheck run`` judges them: under strict, an entry that is fixed or matches no row
fails the session.
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
                    help="comma-separated: --crosscheck-backward computes networks of these activations only")
    group.addoption("--crosscheck-losses", default=None,
                    help="comma-separated: --crosscheck-backward computes these losses only")
    group.addoption("--crosscheck-depths", default=None,
                    help="comma-separated numbers of layers: --crosscheck-backward computes these depths only")
    group.addoption("--crosscheck-set", action="append", default=None, metavar="NAME=VALUE",
                    help="give the --crosscheck-backward (or forward) parameter NAME this value (repeatable)")
    group.addoption("--crosscheck-timeout", default=None, type=float,
                    help="seconds one call of --crosscheck-backward may take (default 10)")
    group.addoption("--crosscheck-known-failures", default=None, metavar="FILE",
                    help="a .toml or .csv file of rows known to fail, each with a reason, as crosscheck run "
                    "--known-failures takes it: items whose failures it lists are xfailed")
    group.addoption("--crosscheck-strict-known", action="store_true", default=False,
                    help="an entry of --crosscheck-known-failures that is fixed (XPASS) or matches no row fails "
                    "the session")
    group.addoption("--crosscheck-strict-findings", action="store_true", default=False,
                    help="measure again the findings of the engines checked (docs/findings.md): one that no longer "
                    "reproduces, or whose figure changed, fails the session")
    group.addoption("--crosscheck-tolerance", action="append", default=None, metavar="DTYPE=RTOL,ATOL",
                    help="use this rtol and atol for DTYPE instead of the measured table, as crosscheck run "
                    "--tolerance (repeatable)")
    group.addoption("--crosscheck-force-tolerance", action="store_true", default=False,
                    help="accept a --crosscheck-tolerance looser than the sanity bound")
    for name, text in INI.items():  # pytest's own ini files: [tool.pytest.ini_options], pytest.ini, ...
        parser.addini(name, text, type="linelist" if name in ("crosscheck_tolerances", "crosscheck_set") else "string")


#: The ini values of the plugin (pytest's ini files); an option on the command line wins over
#: them, and they win over the project's [tool.crosscheck] table (crosscheck/config.py).
INI = {
    "crosscheck_suite": "as --crosscheck-suite: run this suite's scenarios as test items",
    "crosscheck_engines": "as --crosscheck-engines",
    "crosscheck_dtypes": "as --crosscheck-dtypes",
    "crosscheck_tolerances": "lines DTYPE=RTOL,ATOL, as --crosscheck-tolerance",
    "crosscheck_known_failures": "as --crosscheck-known-failures (relative to the ini file's folder)",
    "crosscheck_backward": "as --crosscheck-backward (FILE.py:FUNC, relative to the ini file's folder)",
    "crosscheck_forward": "as --crosscheck-forward (FILE.py:FUNC, relative to the ini file's folder)",
    "crosscheck_activations": "as --crosscheck-activations",
    "crosscheck_losses": "as --crosscheck-losses",
    "crosscheck_depths": "as --crosscheck-depths",
    "crosscheck_set": "lines NAME=VALUE, as --crosscheck-set",
}
_SETTINGS = pytest.StashKey[dict]()


def _ini(config, name: str, path: bool = False):
    """The ini value ``name`` (None when unset); a path's file relative to the ini file's folder."""
    value = config.getini(name)
    if not value:
        return None
    if path and config.inipath is not None:
        from pathlib import Path

        file, sep, func = value.rpartition(":") if name != "crosscheck_known_failures" else (value, "", "")
        value = str(Path(config.inipath).parent / file) + sep + func
    return value


def pytest_configure(config):
    """With a suite asked for (--crosscheck-suite, or pytest's ini crosscheck_suite): each
    option not given takes the ini value, else the [tool.crosscheck] table's (found from the
    invocation folder upwards, as crosscheck run finds it); the tolerance overrides are
    checked here (a usage error) and in force while a crosscheck item runs."""
    from crosscheck.config import DESTS, READERS, load, tolerance_table

    if config.getoption("crosscheck_suite") is None:
        config.option.crosscheck_suite = _ini(config, "crosscheck_suite")
    if config.getoption("crosscheck_suite") is None and config.getoption("crosscheck_backward"):
        config.option.crosscheck_suite = "default"  # a user's function is checked on the default suite, as by run
    if config.getoption("crosscheck_suite") is None:
        return  # the plugin adds nothing unless asked, and reads no pyproject.toml then
    try:
        # the keys of the user's code go together: a backward given here drops all of the table's
        backward = config.getoption("crosscheck_backward") or _ini(config, "crosscheck_backward", path=True)
        table = load(config.invocation_params.dir).for_options("pytest", backward,
                                                                 config.getoption("crosscheck_set"))
        taken = {}
        for key in READERS["pytest"]:
            dest = f"crosscheck_{DESTS[key]}"
            if key == "tolerances" or config.getoption(dest) is not None:
                continue
            value = _ini(config, f"crosscheck_{DESTS[key]}", path=key in ("known-failures", "backward", "forward"))
            if value is None and key in table.values:
                value = taken[key] = table.values[key]
            setattr(config.option, dest, value)
        flags = [*config.getini("crosscheck_tolerances"), *(config.getoption("crosscheck_tolerance") or [])]
        tolerances, sources = tolerance_table(table, flags, config.getoption("crosscheck_force_tolerance"),
                                              force_hint="--crosscheck-force-tolerance")
    except ValueError as exc:  # ConfigError, or a tolerance that cannot be used
        raise pytest.UsageError(str(exc)) from None
    # xdist's workers get the options as set here: every value, and the tolerances as given
    config.option.crosscheck_tolerance = [f"{d}={t.rtol!r},{t.atol!r}" for d, t in tolerances.items()] or None
    taken.update({"tolerances": {d: list(table.values["tolerances"][d]) for d, w in sources.items() if w == "config"}}
                 if "config" in sources.values() else {})
    config.stash[_SETTINGS] = {"tolerances": tolerances, "config": None if table.path is None else
                               {"file": str(table.path), "values": taken}, "sources": sources, "table": table}


def pytest_report_header(config):
    """The [tool.crosscheck] file and the values taken from it, and each tolerance override."""
    from crosscheck.config import tolerance_record
    from crosscheck.reporting.settings import settings_lines

    settings = config.stash.get(_SETTINGS, None)
    if settings is None:
        return None
    return settings_lines({"config": settings["config"], "tolerances": tolerance_record(
        settings["tolerances"], settings["sources"], settings["table"])}) or None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """A crosscheck item runs (and is diagnosed) under the session's tolerance overrides."""
    from crosscheck.scenarios.tolerances import overridden

    settings = item.config.stash.get(_SETTINGS, None) if isinstance(item, CrosscheckItem) else None
    if not settings or not settings["tolerances"]:
        yield
        return
    with overridden(settings["tolerances"]):
        yield


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
        from crosscheck.adapters import ENGINES, VARIANTS

        for engine in engines:  # an engine's own tolerance beyond the bound: a usage error before any item
            if engine not in ENGINES and engine not in VARIANTS and not engine.startswith("mutant:"):
                _loaded(engine, config)
        backward = config.getoption("crosscheck_backward")
        if backward:
            _user_function(config)  # a file that cannot be loaded is a usage error, before any item
            engines.append(f"backward:{backward}")
        known = _known(config)  # a file that cannot be read is a usage error, before any item
        items = []
        for engine in engines:
            label = engine.rsplit(":", 1)[-1] if engine.startswith("backward:") else engine
            for s in scenarios:
                item = CrosscheckItem.from_parent(self, name=f"{label}::{s.id}", scenario=s, engine=engine)
                item.known_entries = [e.number for e in known.entries if e.matches_item(s.id, label)] if known else []
                items.append(item)
        # an entry that can match one item only is judged on that item: XPASS(strict) where strict
        spans = {}
        for item in items:
            for number in item.known_entries:
                spans[number] = spans.get(number, 0) + 1
        for item in items:
            item.known_alone = {n for n in item.known_entries if spans[n] == 1}
        yield from items


class CrosscheckFailure(Exception):
    """Raised by an item whose checks fail; the message is the report."""


_ADAPTERS: dict = {}


def _user_function(config):
    """The resolved spec of --crosscheck-backward, once per process; UsageError if it cannot load."""
    if "user" not in _ADAPTERS:
        from crosscheck.adapters.user_backward import DEFAULT_TIMEOUT, resolve, user_function
        from crosscheck.adapters.user_code import UserCodeError

        def listed(name):
            value = config.getoption(f"crosscheck_{name}")
            return [a.strip() for a in value.split(",") if a.strip()] if value else None

        timeout = config.getoption("crosscheck_timeout")
        try:
            depths = [int(d) for d in listed("depths")] if listed("depths") else None
            _ADAPTERS["user"] = resolve(user_function(
                config.getoption("crosscheck_backward"), config.getoption("crosscheck_forward"),
                activations=listed("activations"), timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
                losses=listed("losses"), depths=depths, settings=config.getoption("crosscheck_set")))[0]
        except (ValueError, UserCodeError) as exc:
            raise pytest.UsageError(f"--crosscheck-backward: {exc}") from None
    return _ADAPTERS["user"]


_FILE: dict = {}


def _known(config):
    """The --crosscheck-known-failures file, once per process (None without one); UsageError."""
    if "known" not in _FILE:
        from crosscheck.running.known import KnownFailuresError, load

        path, strict = config.getoption("crosscheck_known_failures"), config.getoption("crosscheck_strict_known")
        if path is None and strict:
            raise pytest.UsageError("--crosscheck-strict-known goes with --crosscheck-known-failures FILE")
        try:
            _FILE["known"] = None if path is None else load(path, strict)
        except KnownFailuresError as exc:
            raise pytest.UsageError(f"--crosscheck-known-failures {exc}") from None
    return _FILE["known"]


def _loaded(engine: str, config):
    """One loaded engine per name and process (built by crosscheck.engines), or the
    reason it cannot run (a str)."""
    if engine not in _ADAPTERS:
        from crosscheck.engines import EngineSpec, ToleranceRefused

        force = config.getoption("crosscheck_force_tolerance")
        if engine.startswith("backward:"):
            spec = EngineSpec(user=_user_function(config))
        else:
            spec = EngineSpec((engine,), force_tolerance=force)
        try:
            engines, unavailable = spec.build()
        except ToleranceRefused as exc:  # as crosscheck run refuses it: a usage error, not a skip
            raise pytest.UsageError(f"--crosscheck-engines: {exc}".replace("--force-tolerance",
                                                                           "--crosscheck-force-tolerance")) from None
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

    return rerun_prefix(config.getoption("crosscheck_force_tolerance"),
                        **{flag: config.getoption(f"crosscheck_{flag}")
                           for flag in ("backward", "forward", "activations", "losses", "depths", "set", "timeout")})


#: Per engine label: [items that were checked (passed or failed), items seen].
_CHECKED: dict = {}
#: Per engine label: the messages of its items that were not checked (skipped: not applicable, unsupported).
_NOT_CHECKED: dict = {}
#: Per entry of the known-failures file: [failing rows, scenario x engine pairs, checked rows].
_KNOWN_COUNTS: dict = {}


def pytest_sessionstart(session):
    """A new session (pytest in pytest, too) builds its engines and counts afresh."""
    _ADAPTERS.clear()
    _CHECKED.clear()
    _NOT_CHECKED.clear()
    _FILE.clear()
    _KNOWN_COUNTS.clear()


def pytest_runtest_logreport(report):
    """Count, per engine, the items that were checked (not skipped), across xdist workers."""
    if not report.nodeid.startswith("crosscheck[") or report.when not in ("setup", "call"):
        return
    for name, value in report.user_properties:  # what the item's rows were for each entry
        if name == "crosscheck_known" and report.when == "call":
            for number, *counts in value:
                total = _KNOWN_COUNTS.setdefault(number, [0, 0, 0])
                total[:] = [a + b for a, b in zip(total, counts)]
    label = report.nodeid.split("::")[1]
    counts = _CHECKED.setdefault(label, [0, 0])
    if report.when == "setup":
        counts[1] += 1
    elif not report.skipped:
        counts[0] += 1
    elif isinstance(report.longrepr, tuple):  # (file, line, "Skipped: REASON"): why it was not checked
        _NOT_CHECKED.setdefault(label, []).append(str(report.longrepr[2]).removeprefix("Skipped: "))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Per engine, one line: how many items were checked, and what was not checked and why
    ("518 not applicable: 342 not computed by L_model_forward (probed: hidden relu; output sigmoid); ..."), as run's
    headline says it."""
    if not config.getoption("crosscheck_suite") or hasattr(config, "workerinput"):
        return
    import pandas as pd

    from crosscheck.running.statuses import NOT_CHECKED
    from crosscheck.running.verdict import counted, why_not_checked

    for label, (checked, seen) in _CHECKED.items():
        messages = pd.Series(_NOT_CHECKED.get(label, []), dtype=str)
        parts = [f"{counted(checked, 'scenario')} checked"]
        for status in NOT_CHECKED:
            mine = messages[messages.str.startswith(status)]
            if len(mine):
                parts.append(f"{len(mine)} {status}: {why_not_checked(mine)}")
        terminalreporter.write_line(f"crosscheck: {label}: {', '.join(parts)}")


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
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if idle:
        for label in idle:
            line = f"crosscheck: engine {label} checked no scenario (every item skipped): FAIL"
            if reporter is not None:
                reporter.write_line(line, red=True)
        if session.exitstatus == 0:
            session.exitstatus = 1
    try:
        known = _known(config)
    except pytest.UsageError:  # said at collection already
        known = None
    if known is not None:  # the entries judged on the whole session, as crosscheck run judges them
        from crosscheck.running.known import combine

        judgement = combine(known, _KNOWN_COUNTS)
        if reporter is not None and (judgement.lines() or judgement.warnings()):
            reporter.ensure_newline()
        for line in judgement.lines() + [w for w in judgement.warnings() if not known.strict]:
            if reporter is not None:
                reporter.write_line(f"crosscheck: {line}", red=known.strict, yellow=not known.strict)
        if not judgement.passed and session.exitstatus == 0:
            session.exitstatus = 1
    if config.getoption("crosscheck_strict_findings"):  # the ledger measured again, as crosscheck run does
        from crosscheck.checks.findings import stale_lines

        stale = stale_lines({label for label, (checked, _) in _CHECKED.items() if checked})
        for line in stale:
            if reporter is not None:
                reporter.write_line(f"crosscheck: {line}", red=True)
        if stale and session.exitstatus == 0:
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
        known = _known(self.config)
        if known is not None:  # labelled as on every path (running/known.py); judged at the session's end
            from crosscheck.running.known import apply

            result = apply(result, known, judged=False)
            self.user_properties.append(("crosscheck_known", [[o.entry.number, o.failing, o.pairs, o.checked]
                                                              for o in result.known.outcomes if o.checked]))
        df = result.observations
        if (df["check"] == RUN).all() and df["status"].isin(NOT_CHECKED).all():
            pytest.skip(df["message"].iloc[0])
        if not df["passed"].all():
            found = diagnose(df, result.evidence, result.where, _rerun(self.config))
            raise CrosscheckFailure("".join(f"diagnosis: {row.finding}\n" for row in found.itertuples())
                                    + failure_report(df))
        if known is not None:
            self._known_outcome(result.known.outcomes)

    def _known_outcome(self, outcomes):
        """Every failing row known: xfail with the reasons; rows an entry matches that all pass:
        XPASS (strict where the entry can match this item only)."""
        listed = [o for o in outcomes if o.failing]
        if listed:
            pytest.xfail("; ".join(f"known failure ({o.entry.reason}): {o.failing} rows, {o.entry.name}"
                                   for o in listed))
        fixed = [o for o in outcomes if o.checked]
        if fixed:
            strict = bool(_known(self.config).strict and {o.entry.number for o in fixed} & self.known_alone)
            self.add_marker(pytest.mark.xfail(strict=strict, reason="; ".join(
                f"known failure {o.entry.name}, {o.entry.reason!r}: its rows in this item pass" for o in fixed)))

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
