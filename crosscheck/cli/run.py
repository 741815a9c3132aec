"""``crosscheck run``: a suite (or one scenario, or one network file) through the engines,
and the report folder."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from crosscheck.adapters import ENGINES
from crosscheck.cli.common import (
    EXIT_FAIL,
    EXIT_PASS,
    UsageError,
    coloured,
    emit,
    engine_names,
    engines_option,
    names,
    scenarios,
    tolerance_options,
    writable,
    writable_file,
)
from crosscheck.scenarios import DTYPES, SUITES

HELP = "run a suite through the engines and write reports"
#: The failing scenarios x engines the terminal lists, one line each (summary.md: the first 50).
MAX_FAILING = 10


def add_parser(sub) -> None:
    run = sub.add_parser("run", help=HELP)
    what = run.add_mutually_exclusive_group()
    what.add_argument("--suite", default="default", help=f"one of {', '.join(SUITES)} (default: default)")
    what.add_argument("--scenario", help="one scenario id, e.g. relu-sigmoid_4-5-1_m16_float32_s0")
    engines_option(run, f"comma-separated engines: {','.join(ENGINES)}, a variant, mutant:ID, an installed "
                        "entry point's name (group backprop_crosscheck.engines), module.path:Class "
                        f"(default: all of {','.join(ENGINES)} that are installed; with --backward or --mutant: "
                        "numpy beside a --backward, the mutant alone)")
    run.add_argument("--dtypes", default=None, help=f"comma-separated, from {','.join(DTYPES)} (default: all)")
    what.add_argument("--network", help="one network from a .npz file (X, Y, W1, b1, ..., activations)")
    run.add_argument("--backward", metavar="FILE.py:FUNC",
                     help="also check your own FUNC(parameters, X, Y, activations[, loss]) -> grads, or the "
                     "course's L_model_backward(AL, Y, caches) (README: Check your own backprop code)")
    run.add_argument("--forward", metavar="FILE.py:FUNC",
                     help="the forward of a course-style --backward (default: L_model_forward beside it)")
    run.add_argument("--activations", default=None,
                     help="comma-separated: --backward computes networks of these activations only, the others "
                     "are not applicable (default: the function's crosscheck_activations, else all for "
                     "FUNC(parameters, X, Y, activations); probed for a course pair)")
    run.add_argument("--losses", default=None,
                     help="comma-separated: --backward computes these losses only (default: the function's "
                     "crosscheck_losses, else all when it takes a loss parameter, bce when it does not)")
    run.add_argument("--depths", default=None,
                     help="comma-separated numbers of layers: --backward computes networks of these depths only "
                     "(default: the function's crosscheck_depths, else all)")
    run.add_argument("--set", action="append", default=None, metavar="NAME=VALUE",
                     help="give the --backward (or --forward) parameter NAME this value, e.g. lambd=0 or "
                     "keep_prob=1 (repeatable; VALUE as a Python literal)")
    run.add_argument("--timeout", type=float, default=None,
                     help="seconds one call of --backward may take before it is a failure (default 10; a scenario makes four or five calls)")
    run.add_argument("--name", help="the engine name of --backward in reports (default: FUNC)")
    run.add_argument("--mutant", default=None,
                     help="also run this formula mutant (crosscheck/analyses/mutants.py) as an engine, "
                     "e.g. to rerun a fuzz find")
    run.add_argument("--out", default="reports/latest", help="report folder (default: reports/latest)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument("--device", default="cpu",
                     help="comma-separated devices for torch and jax: cpu, cuda (default: cpu); a device that "
                     "is not there makes its engines unavailable, not the run fail")
    run.add_argument("--workers", type=int, default=1, help="parallel processes (default 1)")
    run.add_argument("--shard", default=None, metavar="K/N", help="run the K-th of N parts of the suite")
    run.add_argument("--quiet", "-q", action="store_true",
                     help="print only the headline (and errors); no progress bar")
    tolerance_options(run)
    run.add_argument("--known-failures", dest="known_failures", metavar="FILE", default=None,
                     help="a .toml or .csv file of failing rows known to fail, each with a reason: they do not "
                     "fail the run (docs/reports.md: Known failures)")
    run.add_argument("--strict-known", dest="strict_known", action="store_true",
                     help="an entry of --known-failures whose rows all pass (fixed), or that matches no row, "
                     "fails the run")
    run.add_argument("--strict-findings", dest="strict_findings", action="store_true",
                     help="measure each finding of the ledger for the engines run again (crosscheck findings): "
                     "one that no longer reproduces, or whose figure changed, fails the run")
    run.add_argument("--junit-xml", metavar="FILE", default=None,
                     help="also write JUnit XML there: one testcase per scenario x engine (docs/reports.md)")


def _user_function(args):
    """The resolved spec of --backward (loaded once in a child; a course forward probed)."""
    from crosscheck.adapters.user_backward import DEFAULT_TIMEOUT, resolve, user_function
    from crosscheck.adapters.user_code import UserCodeError

    for flag in ("forward", "activations", "losses", "depths", "set", "timeout"):
        if getattr(args, flag) is not None and not args.backward:
            raise UsageError(f"--{flag} goes with --backward FILE.py:FUNC")
    from crosscheck.reference import ACTIVATIONS, LOSSES

    activations = names(args.activations, ACTIVATIONS, "activation") if args.activations else None
    losses = names(args.losses, LOSSES, "loss") if args.losses else None
    depths = None
    if args.depths:
        try:
            depths = [int(d) for d in args.depths.split(",") if d.strip()]
        except ValueError:
            raise UsageError(f"--depths {args.depths!r}: expected numbers of layers, e.g. 2,3") from None
    try:
        spec = user_function(args.backward, args.forward, args.name, activations,
                             DEFAULT_TIMEOUT if args.timeout is None else args.timeout, losses, depths, args.set)
        return resolve(spec)
    except ValueError as exc:
        raise UsageError(f"--backward: {exc}") from None
    except UserCodeError as exc:
        raise UsageError(f"--backward: {exc}") from None


def known_failures(args):
    """The --known-failures file (strict with --strict-known), or None; UsageError, one line."""
    from crosscheck.running.known import KnownFailuresError, load

    if args.known_failures is None:
        if args.strict_known:
            raise UsageError("--strict-known goes with --known-failures FILE")
        return None
    try:
        return load(args.known_failures, args.strict_known)
    except KnownFailuresError as exc:
        raise UsageError(f"--known-failures {exc}") from None


def _problems(args):
    if not args.network:
        return scenarios(args)
    from crosscheck.scenarios.network_file import load_network

    try:
        problem = load_network(args.network)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.dtypes and problem.scenario.dtype not in names(args.dtypes, DTYPES, "dtype"):
        raise UsageError(f"--network is {problem.scenario.dtype}, not in --dtypes {args.dtypes}")
    return [problem]


def main(args) -> int:
    from crosscheck.adapters import DEVICES
    from crosscheck.analyses.diagnosis import diagnose, diagnosis_lines
    from crosscheck.engines import USER_FLAGS, EngineSpec, close, own_tolerances, rerun_prefix
    from crosscheck.reporting.files import write_reports
    from crosscheck.reporting.settings import settings_lines
    from crosscheck.reporting.step_summary import step_summary_path
    from crosscheck.reporting.tables import failing_lines, failing_scenarios, headline, not_returned_lines
    from crosscheck.reporting.terminal import check_lines, reports_line, wrap_all
    from crosscheck.running.runner import run_all
    from crosscheck.running.verdict import passed

    if args.name and not args.backward:
        raise UsageError("--name names the --backward function; give --backward FILE.py:FUNC")
    chosen = _problems(args)
    known = known_failures(args)
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: must be at least 1")
    shard_of = None
    if args.shard:
        from crosscheck.running.shards import parse_shard, shard

        try:
            shard_of = parse_shard(args.shard)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        chosen = shard(chosen, *shard_of)
        if not chosen:
            raise UsageError(f"--shard {args.shard}: no scenario in this shard")
    asked_names = engine_names(args.engines) if args.engines else None
    user, printed_on_import = _user_function(args) if args.backward else (None, "")
    if asked_names is None:  # with --backward or --mutant, the other engines run only when asked for
        asked_names = [] if args.mutant else ["numpy"] if user else list(ENGINES)
    if args.mutant:
        asked_names += engine_names(f"mutant:{args.mutant}")
    devices = tuple(names(args.device, DEVICES, "device"))
    out = writable(Path(args.out))
    junit = writable_file(args.junit_xml, "--junit-xml")
    spec = EngineSpec(tuple(asked_names), devices, user, args.force_tolerance)
    try:
        engines, unavailable = spec.build()
    except ValueError as exc:  # an engine's own tolerance beyond the sanity bound
        raise UsageError(str(exc)) from None
    missing = {n: r for n, r in unavailable.items() if "@" not in n}  # not installed, on any device
    if args.engines and missing:
        close(engines)
        name, reason = next(iter(missing.items()))
        raise UsageError(f"engine {name} is unavailable: {reason}")
    for name, reason in unavailable.items():
        print(f"crosscheck: skipping {name}: {reason}", file=sys.stderr)
    if not engines:
        raise UsageError("no engine can run here")
    from crosscheck.running.provenance import digests, user_files

    read = digests(user_files(args, asked_names, user))  # the versions of the user's files this run reads
    start = time.perf_counter()
    progress = False if args.no_progress or args.quiet else None
    try:
        if args.workers > 1:
            from crosscheck.running.workers import run_parallel

            ready = {e.name for e in engines}
            workers_spec = EngineSpec(tuple(n for n in asked_names
                                            if any(r == n or r.startswith(n + "@") for r in ready)), devices, user,
                                      args.force_tolerance)
            close(engines)
            result = run_parallel(chosen, workers_spec, args.workers, progress)
        else:
            result = run_all(chosen, engines, progress)
    finally:
        close(engines)
    if known is not None:  # labelled here on every path; a shard leaves judging the entries to merge
        from crosscheck.running.known import apply

        result = apply(result, known, judged=not args.shard)
    now = digests(read)
    if now != read:  # edited (or removed) while it ran: its rows come from no single version
        changed = next(path for path in read if now.get(path) != read[path])
        raise UsageError(f"{changed} changed while the run read it: run it again (no report written)")
    df = result.observations
    seconds = time.perf_counter() - start
    asked = spec.asked(named=bool(args.engines), engines=engines)
    title = (f"--scenario {args.scenario}" if args.scenario else f"--network {args.network}" if args.network
             else f"suite {args.suite}")
    meta = {"title": title, "suite": None if args.scenario or args.network else args.suite,
            "dtypes": args.dtypes, "shard": list(shard_of) if shard_of else None, "unavailable": unavailable,
            "asked": list(asked), "printed_on_import": printed_on_import}
    meta["engine_tolerances"] = own_tolerances(engines)  # engines judged by a tolerance of their own
    forced = any(t["beyond_bound"] for t in meta["engine_tolerances"].values())
    meta["rerun"] = rerun_prefix(forced, **{f: getattr(args, f) for f in USER_FLAGS})
    meta["network"] = args.network
    meta["user_files"] = read  # merge refuses shards that read other versions of them
    # the overrides in force and the [tool.crosscheck] values taken (crosscheck/cli/__init__.py)
    meta["tolerances"], meta["config"] = getattr(args, "tolerance_record", {}), getattr(args, "config_record", None)
    if known is not None:
        meta["known_failures"] = known.meta()
    # a shard leaves the diagnosis to merge, which sees the whole suite
    found = None if args.shard else diagnose(df, result.evidence, result.where, meta["rerun"], args.network)
    try:
        paths = write_reports(result, out, title + (f", shard {args.shard}" if args.shard else ""), unavailable, meta,
                              found, junit_xml=junit, step_summary=step_summary_path())
    except OSError as exc:
        raise UsageError(f"cannot write reports to {out}: {exc.strerror or exc}") from None
    judged = () if args.shard else asked  # an engine that checks nothing in one shard: the merge says
    ok = passed(df, judged, result.known)
    from crosscheck.checks.findings import run_lines

    findings_ok, findings_lines = run_lines(df, args.strict_findings)
    ok = ok and findings_ok
    # the terminal: every line at most terminal.WIDTH columns, the long ones wrapped; the details in summary.md
    for line in wrap_all([headline(df, unavailable, judged, result.known)]):
        emit(coloured(line))
    for line in wrap_all(settings_lines(meta)):  # the config file and tolerance overrides, as the reports show them
        emit(line)
    for line in result.known.warnings() if result.known is not None else []:
        print(f"crosscheck: warning: {line}", file=sys.stderr)
    for line in wrap_all(findings_lines):
        emit(line)
    if found is not None:
        for line in wrap_all(line.replace("**", "").replace("`", "") for line in diagnosis_lines(found)):
            emit(line)
    if args.quiet:
        return EXIT_PASS if ok else EXIT_FAIL
    for line in wrap_all(not_returned_lines(df)):
        emit(line)
    for line in check_lines(df):
        emit(line)
    failing = failing_scenarios(df, result.where)
    if len(failing):
        for line in wrap_all([f"Failing scenarios ({len(failing)}; {int(failing['failing rows'].sum())} failing "
                              "rows), each with its first wrong quantity; where each goes wrong: summary.md; "
                              "every failing row: discrepancies.csv", *failing_lines(failing, MAX_FAILING)]):
            emit(line)
    if "log" in paths:
        for line in wrap_all([f"what {user.name} printed: {paths['log']}"]):
            emit(line)
    for line in wrap_all([reports_line(paths, out, seconds)]):
        emit(line)
    return EXIT_PASS if ok else EXIT_FAIL
