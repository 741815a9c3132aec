"""``crosscheck``: run suites through engines and write reports; list scenarios.

Exit codes (every subcommand): 0 every check passed, 1 a check failed (or an engine asked
for checked no scenario), 2 bad usage or bad input (one line on stderr, no traceback), 3
the harness itself failed (one line on stderr saying where the traceback was saved).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import sys
import time
from pathlib import Path

from adapters import ENGINES
from scenarios import DTYPES, SUITES, Scenario, suite

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_CRASH = 0, 1, 2, 3


class UsageError(Exception):
    """Bad usage or bad input: reported on one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        raise UsageError(message)


def _print(*args) -> None:
    """print to stdout; if the reader has gone (`crosscheck ... | head`), print nothing more."""
    try:
        print(*args, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _coloured(text: str) -> str:
    """PASS in green and FAIL in red, on a terminal only (and never with NO_COLOR set)."""
    if not sys.stdout.isatty() or os.environ.get("NO_COLOR"):
        return text
    return text.replace("-> PASS", "-> \033[32mPASS\033[0m").replace("-> FAIL", "-> \033[31mFAIL\033[0m")


def _names(text: str, accepted, what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        if name not in accepted:
            raise UsageError(f"unknown {what} {name!r}; accepted: {', '.join(accepted)}")
    if not names:
        raise UsageError(f"no {what} given; accepted: {', '.join(accepted)}")
    return names


def _engine_names(text: str) -> list[str]:
    """Comma-separated engine names (crosscheck/engines.py: built-in, variant, mutant:ID)."""
    from crosscheck.engines import check_name

    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UsageError("no framework given")
    try:
        return [check_name(n) for n in names]
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _scenarios(args) -> list[Scenario]:
    try:
        chosen = [Scenario.from_id(args.scenario)] if args.scenario else list(suite(args.suite))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    dtypes = _names(args.dtypes, DTYPES, "dtype") if args.dtypes else DTYPES
    chosen = [s for s in chosen if s.dtype in dtypes]
    if not chosen:
        raise UsageError(f"no scenario left after --dtypes {args.dtypes}")
    return chosen


def _suite_options(parser):
    """--suite and --dtypes, for the commands that take a whole suite."""
    parser.add_argument("--suite", default="default", help=f"one of {', '.join(SUITES)} (default: default)")
    parser.add_argument("--dtypes", default=None, help=f"comma-separated, from {','.join(DTYPES)} (default: all)")
    parser.set_defaults(scenario=None)
    return parser


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="crosscheck", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run a suite through the engines and write reports")
    what = run.add_mutually_exclusive_group()
    what.add_argument("--suite", default="default", help=f"one of {', '.join(SUITES)} (default: default)")
    what.add_argument("--scenario", help="one scenario id, e.g. relu-sigmoid_4-5-1_m16_float32_s0")
    run.add_argument("--frameworks", default=None,
                     help=f"comma-separated engines: {','.join(ENGINES)}, a variant, mutant:ID "
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
                     help="comma-separated: only networks of these activations apply to --backward "
                     "(default: all for FUNC(parameters, X, Y, activations); probed for a course pair)")
    run.add_argument("--timeout", type=float, default=None,
                     help="seconds one scenario of --backward may take before it is a failure (default 10)")
    run.add_argument("--name", help="the framework name of --backward in reports (default: FUNC)")
    run.add_argument("--mutant", default=None,
                     help="also run this formula mutant (crosscheck/mutants.py) as an engine, e.g. to rerun a fuzz find")
    run.add_argument("--out", default="reports/latest", help="report folder (default: reports/latest)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument("--device", default="cpu",
                     help="comma-separated devices for torch and jax: cpu, cuda (default: cpu); a device that "
                     "is not there makes its engines unavailable, not the run fail")
    run.add_argument("--workers", type=int, default=1, help="parallel processes (default 1)")
    run.add_argument("--shard", default=None, metavar="K/N", help="run the K-th of N parts of the suite")
    run.add_argument("--quiet", "-q", action="store_true",
                     help="print only the headline (and errors); no progress bar")

    mut = _suite_options(sub.add_parser("mutants", help="run the formula mutants over a suite; exit 1 if one survives"))
    mut.add_argument("--out", default="reports/mutants", help="report folder (default: reports/mutants)")
    mut.add_argument("--no-progress", action="store_true", help="no progress bar")

    fz = sub.add_parser("fuzz", help="property-based scenarios; shrink a failure to the smallest network")
    fz.add_argument("--examples", type=int, default=200, help="scenarios to try (default 200)")
    fz.add_argument("--seed", type=int, default=0, help="seed of the search (default 0)")
    fz.add_argument("--frameworks", default=None, help=f"comma-separated engines (default: {','.join(ENGINES)})")
    fz.add_argument("--dtypes", default=None,
                    help=f"comma-separated, from {','.join(DTYPES)} (default: float64,float32)")
    fz.add_argument("--mutant", default=None, help="plant this mutant of crosscheck/mutants.py as the engine")

    mrg = sub.add_parser("merge", help="combine the outputs of --shard runs into one report")
    mrg.add_argument("dirs", nargs="+", help="the shards' output folders")
    mrg.add_argument("--out", default="reports/latest", help="report folder (default: reports/latest)")

    cmp_ = sub.add_parser("compare", help="regressions of CURRENT against BASELINE (discrepancies.csv)")
    cmp_.add_argument("baseline", help="the baseline discrepancies.csv (or .csv.gz)")
    cmp_.add_argument("current", help="the current discrepancies.csv")
    cmp_.add_argument("--factor", type=float, default=None,
                      help="an error that grew more than this many times in ULPs is a regression (default 10)")

    aud = sub.add_parser("audit", help="check every printed step of the article's derivations (SymPy)")
    aud.add_argument("--out", default="reports/audit", help="report folder (default: reports/audit)")
    aud.add_argument("--strict", action="store_true", help="exit 1 if any printed step is wrong")

    tay = _suite_options(sub.add_parser("taylor", help="Taylor-remainder test of the reference's gradients "
                                                       "(O(h^2) over a sweep of h); exit 1 if one is not"))
    tay.add_argument("--scenario", help="one scenario id instead of a suite")
    tay.add_argument("--mutant", default=None, help="test this mutant's backward pass instead (it should fail)")
    tay.add_argument("--out", default="reports/taylor", help="report folder (default: reports/taylor)")
    tay.add_argument("--no-progress", action="store_true", help="no progress bar")

    lst = _suite_options(sub.add_parser("scenarios", help="list the scenarios of a suite"))
    lst.add_argument("--json", action="store_true", help="a JSON list of objects (id, layer_sizes, ...)")
    return parser


def _cmd_scenarios(args) -> int:
    chosen = _scenarios(args)
    if args.json:
        _print(json.dumps([s.as_json() for s in chosen], indent=1))
    else:
        _print("\n".join(s.id for s in chosen))
    return EXIT_PASS


def _user_function(args):
    """The resolved spec of --backward (loaded once in a child; a course forward probed)."""
    from adapters.user_backward import DEFAULT_TIMEOUT, resolve, user_function
    from adapters.user_code import UserCodeError

    for flag in ("forward", "activations", "timeout"):
        if getattr(args, flag) is not None and not args.backward:
            raise UsageError(f"--{flag} goes with --backward FILE.py:FUNC")
    activations = None
    if args.activations:
        from reference import ACTIVATIONS

        activations = _names(args.activations, ACTIVATIONS, "activation")
    try:
        spec = user_function(args.backward, args.forward, args.name, activations,
                             DEFAULT_TIMEOUT if args.timeout is None else args.timeout)
        return resolve(spec)
    except ValueError as exc:
        raise UsageError(f"--backward: {exc}") from None
    except UserCodeError as exc:
        raise UsageError(f"--backward: {exc}") from None


def _problems(args):
    if not args.network:
        return _scenarios(args)
    from scenarios.network_file import load_network

    try:
        problem = load_network(args.network)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.dtypes and problem.scenario.dtype not in _names(args.dtypes, DTYPES, "dtype"):
        raise UsageError(f"--network is {problem.scenario.dtype}, not in --dtypes {args.dtypes}")
    return [problem]


def _cmd_run(args) -> int:
    from crosscheck.engines import EngineSpec, close
    from crosscheck.report import headline, identity_table, not_returned_lines, write_reports
    from crosscheck.runner import run_all
    from crosscheck.verdict import passed

    if args.name and not args.backward:
        raise UsageError("--name names the --backward function; give --backward FILE.py:FUNC")
    chosen = _problems(args)
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: must be at least 1")
    shard_of = None
    if args.shard:
        from crosscheck.parallel import parse_shard, shard

        try:
            shard_of = parse_shard(args.shard)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        chosen = shard(chosen, *shard_of)
        if not chosen:
            raise UsageError(f"--shard {args.shard}: no scenario in this shard")
    names = _engine_names(args.frameworks) if args.frameworks else None
    user, printed_on_import = _user_function(args) if args.backward else (None, "")
    if names is None:  # with --backward or --mutant, the other engines run only when asked for
        names = [] if args.mutant else ["numpy"] if user else list(ENGINES)
    if args.mutant:
        names += _engine_names(f"mutant:{args.mutant}")
    from adapters import DEVICES

    devices = tuple(_names(args.device, DEVICES, "device"))
    out = _writable(Path(args.out))
    spec = EngineSpec(tuple(names), devices, user)
    engines, unavailable = spec.build()
    missing = {n: r for n, r in unavailable.items() if "@" not in n}  # not installed, on any device
    if args.frameworks and missing:
        close(engines)
        name, reason = next(iter(missing.items()))
        raise UsageError(f"framework {name} is unavailable: {reason}")
    for name, reason in unavailable.items():
        print(f"crosscheck: skipping {name}: {reason}", file=sys.stderr)
    if not engines:
        raise UsageError("no engine can run here")
    start = time.perf_counter()
    progress = False if args.no_progress or args.quiet else None
    try:
        if args.workers > 1:
            from crosscheck.parallel import run_parallel

            ready = {e.name for e in engines}
            workers_spec = EngineSpec(tuple(n for n in names if any(r == n or r.startswith(n + "@") for r in ready)),
                                      devices, user)
            close(engines)
            result = run_parallel(chosen, workers_spec, args.workers, progress)
        else:
            result = run_all(chosen, engines, progress)
    finally:
        close(engines)
    df = result.observations
    seconds = time.perf_counter() - start
    asked = spec.asked(named=bool(args.frameworks), engines=engines)
    title = (f"--scenario {args.scenario}" if args.scenario else f"--network {args.network}" if args.network
             else f"suite {args.suite}")
    meta = {"title": title, "suite": None if args.scenario or args.network else args.suite,
            "dtypes": args.dtypes, "shard": list(shard_of) if shard_of else None, "unavailable": unavailable,
            "asked": list(asked), "printed_on_import": printed_on_import}
    try:
        rerun = "crosscheck run" + "".join(f" --{flag} {shlex.quote(str(getattr(args, flag)))}"
                                           for flag in ("backward", "forward", "activations", "timeout", "name")
                                           if getattr(args, flag) is not None)
        meta["rerun"], meta["network"] = rerun, args.network
        paths = write_reports(result, out, title + (f", shard {args.shard}" if args.shard else ""), unavailable, meta)
    except OSError as exc:
        raise UsageError(f"cannot write reports to {out}: {exc.strerror or exc}") from None
    judged = () if args.shard else asked  # an engine that checks nothing in one shard: the merge says
    ok = passed(df, judged)
    _print(_coloured(headline(df, unavailable, judged)))
    if args.quiet:
        return EXIT_PASS if ok else EXIT_FAIL
    for line in not_returned_lines(df):
        _print(line)
    _print(identity_table(df).to_string(index=False))
    failed = df[~df["passed"].astype(bool)]
    for row in failed.head(20).itertuples():
        where = "" if row.check == "run" else f" {row.check} {row.quantity}[{row.layer}]"
        _print(f"FAIL {row.scenario} {row.framework}{where}: {row.message}")
    if len(failed) > 20:
        _print(f"... {len(failed) - 20} more failing rows in {paths['summary']}")
    if "log" in paths:
        _print(f"what {user.name} printed: {paths['log']}")
    _print(f"reports: {', '.join(str(p) for k, p in paths.items() if k != 'log')} ({seconds:.1f} s)")
    return EXIT_PASS if ok else EXIT_FAIL


def _writable(out: Path) -> Path:
    from crosscheck.report import check_writable

    try:
        check_writable(out)
    except OSError as exc:
        raise UsageError(f"cannot write reports to {out}: {exc.strerror or exc}") from None
    return out


def _cmd_mutants(args) -> int:
    from crosscheck.mutation import mutants_markdown, mutation_table, survivors
    from crosscheck.report import write_files

    chosen = _scenarios(args)
    out = _writable(Path(args.out))
    table = mutation_table(chosen, progress=False if args.no_progress else None)
    text = mutants_markdown(table, f"suite {args.suite}")
    write_files(out, {"mutants.csv": table.to_csv(index=False, lineterminator="\n"), "summary.md": text})
    alive = survivors(table)
    real = table[table["equivalent"] == ""]
    _print(f"{int(real['killed'].sum())} of {len(real)} mutants killed, {len(alive)} survived, "
          f"{len(table) - len(real)} equivalent")
    for row in alive.itertuples():
        _print(f"SURVIVED {row.id}: {row.description}")
    _print(f"reports: {out / 'mutants.csv'}, {out / 'summary.md'}")
    return EXIT_FAIL if len(alive) else EXIT_PASS


def _cmd_fuzz(args) -> int:
    from crosscheck.engines import EngineSpec
    from crosscheck.fuzz import fuzz

    if args.examples < 1:
        raise UsageError(f"--examples {args.examples}: must be at least 1")
    dtypes = tuple(_names(args.dtypes, DTYPES, "dtype")) if args.dtypes else None
    names = _engine_names(args.frameworks) if args.frameworks else [] if args.mutant else list(ENGINES)
    if args.mutant:
        names += _engine_names(f"mutant:{args.mutant}")
    engines, unavailable = EngineSpec(tuple(names)).build()
    for name, reason in unavailable.items():
        print(f"crosscheck: skipping {name}: {reason}", file=sys.stderr)
    result = fuzz(engines, args.examples, args.seed, dtypes)
    if result.failing is None:
        _print(f"{result.examples} scenarios, 0 failures ({', '.join(e.name for e in engines)}; seed {args.seed})")
        return EXIT_PASS
    sid = result.failing.id
    _print(f"FAIL after {result.examples} scenarios; smallest failing scenario: {sid}")
    _print(f"  {result.first_failure}")
    _print(f"  rerun: crosscheck run --scenario {sid} --frameworks {shlex.quote(','.join(names))}")
    return EXIT_FAIL


def _cmd_merge(args) -> int:
    from crosscheck.merge import merge
    from crosscheck.report import USER_LOG, headline, write_files, write_reports
    from crosscheck.verdict import passed

    try:
        result, meta = merge([Path(d) for d in args.dirs])
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = _writable(Path(args.out))
    asked = tuple(meta.get("asked") or ())
    paths = write_reports(result, out, meta["title"], meta["unavailable"], {**meta, "shard": None})
    logs = [Path(d) / USER_LOG for d in args.dirs if (Path(d) / USER_LOG).is_file()]
    if logs:  # what a user's code printed, shard by shard
        write_files(out, {USER_LOG: "".join(f"=== {log.parent} ===\n{log.read_text()}" for log in logs)})
    _print(_coloured(headline(result.observations, meta["unavailable"], asked)))
    _print(f"reports: {', '.join(map(str, paths.values()))}")
    return EXIT_PASS if passed(result.observations, asked) else EXIT_FAIL


def _cmd_compare(args) -> int:
    from crosscheck.compare import DEFAULT_FACTOR, read_report, regressions

    factor = DEFAULT_FACTOR if args.factor is None else args.factor
    if not factor > 1:
        raise UsageError(f"--factor {args.factor}: must be greater than 1")
    try:
        baseline, current = read_report(args.baseline), read_report(args.current)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    found = regressions(baseline, current, factor)
    if found.empty:
        _print(f"no regression: {len(current)} rows against {len(baseline)} baseline rows "
               f"(ulp growth factor {factor:g})")
        return EXIT_PASS
    counts = found["kind"].value_counts()
    _print(f"{len(found)} regressions: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    _print(found.head(50).to_string(index=False))
    if len(found) > 50:
        _print(f"... {len(found) - 50} more")
    return EXIT_FAIL


def _cmd_audit(args) -> int:
    from crosscheck.audit import audit, audit_markdown
    from crosscheck.report import write_files

    out = _writable(Path(args.out))
    table = audit()
    write_files(out, {"audit.csv": table.to_csv(index=False, lineterminator="\n"), "audit.md": audit_markdown(table)})
    counts = table["verdict"].value_counts()
    _print(table.groupby("section", sort=False)["verdict"]
           .agg(steps="size", holds=lambda v: int((v == "holds").sum()), wrong=lambda v: int((v == "wrong").sum()),
                notation_only=lambda v: int((v == "notation only").sum())).to_string())
    for row in table[table["verdict"] == "wrong"].itertuples():
        _print(f"WRONG {row.section} line {row.step}: {row.printed}  ->  {row.corrected}")
    _print(f"{len(table)} steps: {counts.get('holds', 0)} hold, {counts.get('wrong', 0)} wrong, "
           f"{counts.get('notation only', 0)} notation only; reports: {out / 'audit.csv'}, {out / 'audit.md'}")
    return EXIT_FAIL if args.strict and counts.get("wrong", 0) else EXIT_PASS


def _cmd_taylor(args) -> int:
    from crosscheck.report import write_files
    from crosscheck.taylor import SWEEP, taylor_table

    chosen = _scenarios(args)
    formulas = None
    if args.mutant:
        from crosscheck.mutants import mutant

        try:
            formulas = mutant(args.mutant).formulas
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    out = _writable(Path(args.out))
    table = taylor_table(chosen, formulas, progress=False if args.no_progress else None)
    write_files(out, {"taylor.csv": table.to_csv(index=False, lineterminator="\n")})
    bad = table[~table["passed"]]
    exact = int(table["verdict"].str.startswith("first-order exact").sum())
    _print(f"{len(table)} gradients of {table['scenario'].nunique()} scenarios, h = 2^{round(math.log2(SWEEP[0]))}"
           f" .. 2^{round(math.log2(SWEEP[-1]))}: {len(table) - len(bad) - exact} O(h^2), {exact} first-order exact, "
           f"{len(bad)} not the gradient -> {'FAIL' if len(bad) else 'PASS'}")
    for row in bad.head(20).itertuples():
        _print(f"FAIL {row.scenario} {row.quantity}[{row.layer}]: {row.verdict}")
    _print(f"report: {out / 'taylor.csv'}")
    return EXIT_FAIL if len(bad) else EXIT_PASS


def main(argv=None) -> int:
    """Entry point of the ``crosscheck`` console script; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
        commands = {"run": _cmd_run, "mutants": _cmd_mutants, "fuzz": _cmd_fuzz, "merge": _cmd_merge,
                    "compare": _cmd_compare,
                    "audit": _cmd_audit, "taylor": _cmd_taylor,
                    "scenarios": _cmd_scenarios}
        return commands[args.command](args)
    except UsageError as exc:
        print(f"crosscheck: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("crosscheck: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the harness's own failure: never a verdict
        return _crashed(exc, argv)


def _crashed(exc: Exception, argv) -> int:
    """Save the traceback (in the output folder when there is one) and say so on one line."""
    import tempfile
    import traceback

    text = "".join(traceback.format_exception(exc))
    out = None
    args = sys.argv[1:] if argv is None else list(argv)
    if "--out" in args[:-1]:
        out = Path(args[args.index("--out") + 1])
    try:
        folder = out if out is not None and out.is_dir() else Path(tempfile.mkdtemp(prefix="crosscheck-"))
        path = folder / "crosscheck-traceback.txt"
        path.write_text(text)
        saved = f"traceback saved in {path}"
    except OSError:
        saved = "the traceback could not be saved"
    first = (str(exc).splitlines() or [""])[0]
    print(f"crosscheck: internal error (a bug in the harness, not a verdict): {type(exc).__name__}: {first}; {saved}",
          file=sys.stderr)
    return EXIT_CRASH


if __name__ == "__main__":
    sys.exit(main())
