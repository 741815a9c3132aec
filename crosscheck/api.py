"""The notebook API: ``from crosscheck import check``.

    result = check(L_model_backward)              # a function defined in a notebook cell
    result.passed, result.table, result.failures, result.where
    result                                        # the verdict; when it failed, the diagnosis,
                                                  # a line per failing scenario, where the rest is

The same engine, partial-dictionary, course-signature and convention rules as
``crosscheck run --backward``; the user's function runs in a child process (sent there
by value, so a function of a notebook cell works).  Nothing is written to disk unless
``out`` is given.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd


@dataclass(frozen=True, repr=False)
class Result:
    """What ``check`` found.  ``table``: every observation (discrepancies.csv's rows)."""

    run: object  # crosscheck.running.runner.RunResult
    name: str
    asked: tuple
    unavailable: dict = field(default_factory=dict)
    printed_on_import: str = ""
    #: The command a failing scenario is rerun with (the function's --backward when it has a file).
    rerun: str = "crosscheck run"
    #: The --network file the scenarios came from, if any (the rerun command names it).
    network: str | None = None
    #: The tolerance overrides it was checked under, {dtype: Tolerance} (``check(tolerances=...)``).
    tolerances: dict = field(default_factory=dict)
    #: Engines judged by a tolerance of their own, {name: {rtol, atol, scale, forced}}.
    engine_tolerances: dict = field(default_factory=dict)
    #: What the findings of the engines that ran say (``crosscheck run``'s lines); with
    #: ``strict_findings``, a finding that no longer reproduces, each of which fails the result.
    findings: tuple = ()
    findings_stand: bool = True

    @property
    def tolerance_record(self) -> dict:
        """run.json's account of the overrides (crosscheck/config.py: tolerance_record)."""
        from crosscheck.config import tolerance_record

        return tolerance_record(self.tolerances, {d: "option" for d in self.tolerances})

    @property
    def table(self) -> pd.DataFrame:
        return self.run.observations

    @property
    def passed(self) -> bool:
        """Every check passed, and the function was checked on at least one scenario."""
        from crosscheck.running.verdict import passed

        return passed(self.table, self.asked, self.run.known) and self.findings_stand

    @property
    def failures(self) -> pd.DataFrame:
        """The failing rows: where, how far off, both sides, the tolerance."""
        from crosscheck.reporting.tables import failures_table

        return failures_table(self.table)

    @cached_property  # made once: the passing scenarios a slip is tried on are rebuilt for it
    def diagnosis(self) -> pd.DataFrame:
        """Per failing engine, what its values are: a slip of the mutant catalogue, a constant
        factor, or the scenario features that separate failing from passing runs, with the
        smallest failing scenario and its rerun command (diagnosis.csv's rows); empty when
        everything passed."""
        from crosscheck.analyses.diagnosis import diagnose
        from crosscheck.scenarios.tolerances import overridden

        with overridden(self.tolerances):  # a slip is tried under the tolerances the run was judged by
            return diagnose(self.table, self.run.evidence, self.run.where, self.rerun, self.network)

    @property
    def where(self) -> pd.DataFrame:
        """For each failing scenario, the failing quantities in backprop order with verdicts."""
        return self.run.where

    @property
    def counts(self) -> pd.DataFrame:
        """Per engine: scenarios checked, not applicable, unsupported, failed."""
        from crosscheck.running.verdict import engine_counts

        return engine_counts(self.table)

    @property
    def output(self) -> str:
        """What the function printed (on import, then per scenario)."""
        from crosscheck.reporting.files import printed_log

        return printed_log(self.run.printed, self.printed_on_import)

    @property
    def headline(self) -> str:
        from crosscheck.reporting.tables import headline

        return headline(self.table, self.unavailable, self.asked, self.run.known)

    @property
    def known(self) -> pd.DataFrame:
        """With ``known_failures``: one row per entry, its fields, reason and outcome (known,
        fixed, or matches no row); the rows it labelled have status ``known`` in ``table``."""
        from crosscheck.running.known import entries_table

        if self.run.known is None:
            return pd.DataFrame(columns=["entry", "where", "scenario", "engine", "check", "quantity", "layer",
                                         "reason", "outcome"])
        return entries_table(self.run.known)

    @property
    def settings(self) -> list[str]:
        """The tolerances it was judged by that are not the measured table's: ``tolerances``
        overrides, and engines judged by a tolerance of their own (one line each)."""
        from crosscheck.reporting.settings import settings_lines

        return settings_lines({"tolerances": self.tolerance_record, "engine_tolerances": self.engine_tolerances})

    @property
    def _failing(self) -> pd.DataFrame:
        """One row per failing scenario x engine, short (reporting/tables.py: failing_scenarios)."""
        from crosscheck.reporting.tables import failing_scenarios

        return failing_scenarios(self.table, self.where)

    def _verdict(self) -> str:
        """The function's line of the headline (else the headline's first line), and PASS or FAIL."""
        from crosscheck.running.verdict import engine_lines

        lines = {line.partition(":")[0]: line for line in engine_lines(self.table)}
        text = lines.get(self.name) or self.headline.splitlines()[0]
        return f"{text} -> {'PASS' if self.passed else 'FAIL'}"

    def _failing_rows(self, failing: pd.DataFrame) -> list[dict]:
        """The first SHOWN failing scenarios as {scenario, engine, first wrong, why}."""
        rows = []
        for row in failing.head(SHOWN).to_dict("records"):
            where = "" if row["check"] == "run" else (
                f"{row['quantity']}[{row['layer']}]" if row["check"] == "reference"
                else f"{row['check']} {row['quantity']}[{row['layer']}]")
            if where and row["first wrong"] and row["first wrong"] != "wrong":
                where += f" ({row['first wrong']})"
            rows.append({"scenario": row["scenario"], "engine": row["engine"], "first wrong": where or "-",
                         "why": row["reason"]})
        return rows

    def _rest(self, failing: pd.DataFrame, code=lambda text: text) -> str:
        """Where the rest is: the attributes, and the report folder ``out`` writes."""
        more = f"{len(failing) - SHOWN} more failing scenarios; " if len(failing) > SHOWN else ""
        rows = int(failing["failing rows"].sum())
        return (f"{more}all {rows} failing row{'s' if rows != 1 else ''} with their full messages: "
                f"{code('result.failures')}; where each goes wrong: {code('result.where')}; every row: "
                f"{code('result.table')}; {code('check(..., out=DIR)')} writes summary.md and report.html")

    def __repr__(self) -> str:
        """One line when it passed; when it failed, the diagnosis, then one line per failing
        scenario (the first SHOWN: its first wrong quantity and why), then where the rest is:
        what ``_repr_html_`` shows, as text."""
        extra = "".join(f"; {line}" for line in self.settings)
        head = f"<crosscheck.Result {self._verdict()}{extra}"
        if self.passed:
            return head + ">"
        from crosscheck.reporting.terminal import wrap_all

        failing = self._failing
        several = failing["engine"].nunique() > 1
        lines = [*self.findings, *(f"{row.engine}: {row.finding}" for row in self.diagnosis.itertuples())]
        if len(failing):
            lines.append(f"failing scenarios ({len(failing)}), each with its first wrong quantity and why:")
            lines += [f"  {r['scenario']}" + (f" {r['engine']}" if several else "")
                      + f": {r['first wrong']}: {r['why']}" for r in self._failing_rows(failing)]
            lines.append(self._rest(failing))
        return "\n".join(wrap_all([head, *lines])) + ">"

    def _repr_html_(self) -> str:
        """In a notebook: the verdict, the diagnosis, one row per failing scenario (the first
        SHOWN: its first wrong quantity and why, in a line), where the rest is; the headline
        and the table of checks folded under them."""
        from crosscheck.reporting.tables import check_grid

        colour = "#17652b" if self.passed else "#b00020"
        verdict = self._verdict()
        text, _, word = verdict.rpartition(" -> ")
        parts = [f'<p><b style="color:{colour}">{word}</b> {html.escape(text)}</p>']
        if not self.passed:
            failing = self._failing
            parts += [f"<p>{html.escape(line)}</p>" for line in self.findings]
            parts += ["<ul>" + "".join(f"<li><b>{html.escape(r.engine)}</b>: {_code(r.finding)}</li>"
                                       for r in self.diagnosis.itertuples()) + "</ul>" if len(self.diagnosis) else ""]
            if len(failing):
                rows = pd.DataFrame(self._failing_rows(failing))
                if failing["engine"].nunique() == 1:
                    rows = rows.drop(columns="engine")
                parts += [f"<p>Failing scenarios ({len(failing)}), each with its first wrong quantity and why:</p>",
                          rows.to_html(index=False, border=0, escape=True),
                          f"<p>{self._rest(failing, lambda t: f'<code>{html.escape(t)}</code>')}.</p>"]
        grid, notes = check_grid(self.table)
        folded = "\n".join([self.headline, *self.settings])
        parts += [f"<details{'' if not self.passed else ' open'}><summary>the headline and the checks per engine"
                  "</summary>", f"<pre>{html.escape(folded)}</pre>", grid.to_html(index=False, border=0),
                  "".join(f"<p>* {html.escape(note)}</p>" for note in notes), "</details>"]
        return "\n".join(p for p in parts if p)


#: The failing scenarios a Result shows (repr and _repr_html_); the rest: result.failures.
SHOWN = 10


def _code(text: str) -> str:
    """``text`` as HTML, its back-quoted names as code."""
    return re.sub(r"`([^`]*)`", r"<code>\1</code>", html.escape(text))


def _listed(value) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else list(value)


def _mistyped(key: str) -> str | None:
    """The argument of ``check`` that ``key`` looks like a slip of ("suit": suite), or None."""
    import difflib
    import inspect

    own = [p for p in inspect.signature(check).parameters if p not in ("backward", "settings")]
    found = difflib.get_close_matches(key, own, n=1, cutoff=0.8)
    return found[0] if found and found[0] != key else None


def _settings(value) -> dict:
    """``check``'s set: {NAME: VALUE}, or "NAME=VALUE" texts as ``--set`` takes them."""
    from crosscheck.adapters.user_backward import parse_setting

    if value is None:
        return {}
    if isinstance(value, dict):
        return dict(value)
    return dict(parse_setting(text) for text in ([value] if isinstance(value, str) else value))


def _depths(value) -> list[int] | None:
    """``check``'s depths: numbers of layers, or "2,3"; ValueError with one line."""
    if value is None:
        return None
    items = _listed(str(value)) if isinstance(value, (str, int)) else list(value)
    try:
        return [int(v) for v in items]
    except (TypeError, ValueError):
        raise ValueError(f"depths {value!r}: expected numbers of layers, e.g. [2, 3]") from None


def _known_failures(value, strict: bool):
    """``check``'s known_failures: a file's path, or a list of entries as mappings."""
    from crosscheck.running.known import KnownFailuresError, from_entries, load

    if value is None:
        if strict:
            raise ValueError("strict_known goes with known_failures (a .toml or .csv file)")
        return None
    if isinstance(value, (str, Path)) or hasattr(value, "__fspath__"):
        try:
            return load(value, strict)
        except KnownFailuresError as exc:
            raise ValueError(f"known_failures {exc}") from None
    if isinstance(value, dict) or not hasattr(value, "__iter__"):
        raise ValueError(f"known_failures: a .toml or .csv file, or a list of entries (mappings); not {value!r}")
    try:
        return from_entries(list(value), strict, name="known_failures")
    except KnownFailuresError as exc:
        raise ValueError(str(exc)) from None


def _tolerances(value, force: bool):
    """``check``'s tolerances -> ({dtype: Tolerance}, {dtype: "option"}); ValueError, one line."""
    from crosscheck.config import Config, tolerance_table

    if value is None:
        return {}, {}
    if isinstance(value, str):
        value = [value]
    if isinstance(value, dict):
        value = [f"{dtype}={pair if isinstance(pair, str) else ','.join(map(str, pair))}"
                 for dtype, pair in value.items()]
    return tolerance_table(Config(), list(value), force, force_hint="force_tolerance=True")


def supports(activations=None, losses=None, depths=None):
    """Declare what a backward function computes, as a decorator::

        @crosscheck.supports(activations=["relu", "sigmoid"], losses=["bce"], depths=[2])
        def backward(parameters, X, Y, activations, loss): ...

    It sets the attributes the harness reads (``crosscheck_activations``,
    ``crosscheck_losses``, ``crosscheck_depths``; setting them by hand does the same, without
    importing crosscheck).  Networks outside them are ``not applicable``; on the others, any
    exception the function raises, ``NotImplementedError`` included, is a failure."""
    def declare(func):
        for attribute, value in (("crosscheck_activations", activations), ("crosscheck_losses", losses),
                                 ("crosscheck_depths", depths)):
            if value is not None:
                setattr(func, attribute, [value] if isinstance(value, (str, int)) else list(value))
        return func

    return declare


def check(backward, forward=None, suite: str = "default", engines=None, dtypes=None, network=None, out=None,
          *, activations=None, losses=None, depths=None, set=None, timeout: float | None = None,
          name: str | None = None, progress: bool | None = None, frameworks=None, known_failures=None,
          strict_known: bool = False, strict_findings: bool = False, tolerances=None, force_tolerance: bool = False,
          **settings) -> Result:
    """Check a backward function (a function object or "FILE.py:FUNC") on a suite (the
    default suite, as ``crosscheck run``).

    ``backward``: ``FUNC(parameters, X, Y, activations[, loss]) -> grads``, or the course's
    ``L_model_backward(AL, Y, caches)`` with ``forward`` (default: the ``L_model_forward``
    its module or notebook defines).  ``engines``: engines to run beside it, by the names
    ``crosscheck run --engines`` takes (an entry point's, ``module.path:Class`` too; default:
    none; ``frameworks``: its older name, kept as an alias); ``dtypes``: a subset of the suite's; ``network``: a .npz file (as ``--network``)
    instead of the suite; ``out``: a folder for the reports (default: nothing written);
    ``activations``, ``losses``, ``depths``: what the function computes (networks of others are
    not applicable; default: what it declares with ``supports``, else every network its
    signature takes; a course forward is probed); ``set``: {NAME: VALUE} for the functions'
    extra parameters (``--set``; keyword arguments ``check`` does not take do the same, e.g.
    ``check(fn, lambd=0)``); ``timeout``: seconds per call of the function (a scenario makes four or five); ``known_failures``: a known-failures file (.toml or
    .csv, as ``--known-failures``) or a list of its entries as mappings: the failing rows it
    lists pass with status ``known``; ``strict_known``: an entry that is fixed or matches no
    row fails the result; ``strict_findings``: the findings of the engines run beside the
    function are measured again, and one that no longer reproduces fails the result
    (``--strict-findings``, docs/findings.md); ``tolerances``: overrides of the measured tolerance table, as
    ``--tolerance`` takes them: ``{"float32": (1e-3, 1e-8)}`` (or ``"1e-3,1e-8"``), or
    ``["float32=1e-3,1e-8"]``; one looser than the sanity bound needs ``force_tolerance``
    (docs/tolerances.md#overrides).  ValueError with one line for bad input.
    """
    from crosscheck.adapters.user_backward import DEFAULT_TIMEOUT, resolve, user_function
    from crosscheck.adapters.user_code import UserCodeError
    from crosscheck.engines import EngineSpec, check_name, close, own_tolerances, rerun_prefix
    from crosscheck.running.runner import run_all
    from crosscheck.scenarios import DTYPES
    from crosscheck.scenarios import suite as named_suite
    from crosscheck.scenarios.tolerances import overridden

    known = _known_failures(known_failures, strict_known)  # a bad file: before anything runs
    table, sources = _tolerances(tolerances, force_tolerance)
    near = {k: m for k in settings if (m := _mistyped(k))}
    if near:
        key, meant = next(iter(near.items()))
        raise ValueError(f"{key}={settings[key]!r}: check() has no argument {key!r} (did you mean {meant}?); "
                         "a keyword it does not take goes to the function, as set={...} does")
    values = {**_settings(set), **settings}
    try:
        spec, printed = resolve(user_function(backward, forward, name, _listed(activations),
                                              DEFAULT_TIMEOUT if timeout is None else timeout, _listed(losses),
                                              _depths(depths), values))
    except UserCodeError as exc:
        raise ValueError(str(exc)) from None
    if engines is not None and frameworks is not None:
        raise ValueError("engines and frameworks are one argument (frameworks: its older name); give one")
    names = [check_name(n) for n in _listed(frameworks if engines is None else engines) or []]  # the registry's names (crosscheck/engines.py)
    if network is not None:
        from crosscheck.scenarios.network_file import load_network

        items = [load_network(network)]
    else:
        items = list(named_suite(suite))
    wanted = _listed(dtypes)
    if wanted:
        bad = [d for d in wanted if d not in DTYPES]
        if bad:
            raise ValueError(f"unknown dtype {bad[0]!r}; accepted: {', '.join(DTYPES)}")
        items = [s for s in items if getattr(s, "scenario", s).dtype in wanted]
        if not items:
            raise ValueError(f"no scenario left after dtypes {','.join(wanted)}")
    engine_spec = EngineSpec(tuple(names), ("cpu",), spec, force_tolerance)
    ready, unavailable = engine_spec.build()  # ValueError for an engine's own tolerance beyond the bound
    own = own_tolerances(ready)
    try:
        with overridden(table):
            run = run_all(items, ready, progress)
    finally:
        close(ready)
    if known is not None:  # the one place every path labels known failures (running/known.py)
        from crosscheck.running.known import apply

        run = apply(run, known)
    # the command line that reruns a scenario, when the functions are files it can name
    rerun = "crosscheck run" if not isinstance(backward, str) else rerun_prefix(
        any(t["beyond_bound"] for t in own.values()),
        backward=backward, forward=forward if isinstance(forward, str) else None,
        activations=",".join(_listed(activations)) if activations else None,
        losses=",".join(_listed(losses)) if losses else None,
        depths=",".join(map(str, _depths(depths))) if depths else None,
        set=[f"{k}={v!r}" for k, v in values.items()] or None, timeout=timeout, name=name)
    from crosscheck.checks.findings import run_lines

    stand, lines = run_lines(run.observations, strict_findings)
    result = Result(run, spec.name, engine_spec.asked(named=bool(names), engines=ready), unavailable, printed, rerun,
                    None if network is None else str(network), table, own, tuple(lines), stand)
    if out is not None:
        from crosscheck.config import tolerance_record
        from crosscheck.reporting.files import write_reports

        title = f"--network {network}" if network is not None else f"suite {suite}"
        write_reports(run, Path(out), title, unavailable,
                      {"title": title, "suite": None if network is not None else suite,
                       "dtypes": ",".join(wanted) if wanted else None, "shard": None, "unavailable": unavailable,
                       "asked": list(result.asked), "printed_on_import": printed, "rerun": rerun,
                       "network": result.network, "tolerances": tolerance_record(table, sources),
                       "engine_tolerances": own,
                       **({"known_failures": known.meta()} if known is not None else {})}, result.diagnosis)
    return result
