"""The one engine registry: every engine kind is named one way and built in one place.

Names: a built-in engine (adapters.ENGINES: ``numpy``, ``torch``, ``jax``, ``fd``, ...), a
variant (adapters.VARIANTS), ``mutant:ID`` (a formula mutant of crosscheck/analyses/mutants.py),
and engines from outside the package (adapters/external.py): an entry point of the group
``backprop_crosscheck.engines`` by its name, or ``module.path:Class`` itself; each on the
devices asked for (``torch@cuda`` in reports).  A built-in name always means the built-in
(an entry point of the same name is not run, with a warning); the default engines are
ENGINES alone.  A user's function is a resolved ``adapters.user_backward.UserFunction``.
The command line (one process, ``--workers``, ``--shard``), ``fuzz``, the pytest plugin and
``crosscheck.check`` all build their engines from an ``EngineSpec``, so a name means the
same engine everywhere (a spawned worker resolves the same names on the same sys.path);
``rerun_command`` turns a report row back into the command that reproduces it.
"""
from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass

from crosscheck.adapters import EngineUnavailable, get_engine
from crosscheck.adapters.external import EngineNotFound

MUTANT = "mutant:"


def resolve_engines(names, devices=("cpu",)):
    """(engines that can run, {name: reason} for those that cannot); imports frameworks.

    Each engine runs on each device it supports (the numpy engine on the CPU only).  A name
    that gives no engine raises EngineNotFound (a ValueError: check_name first).
    """
    from crosscheck.adapters import ENGINES, VARIANTS

    ready, unavailable = [], {}
    for name in names:
        builtin = name in ENGINES or name in VARIANTS
        for device in devices:
            where = name if device == "cpu" else f"{name}@{device}"
            try:
                engine = get_engine(name, device)
            except EngineNotFound:
                raise
            except ValueError:  # numpy on cuda: the NumPy engine runs once, on the CPU
                continue
            except EngineUnavailable as exc:  # a third-party class that cannot be made here
                unavailable[where] = str(exc)
                continue
            try:
                engine.load()
            except EngineUnavailable as exc:
                unavailable[engine.name] = str(exc)
            except Exception as exc:  # a third-party engine's own load: unavailable, not a crash
                if builtin:
                    raise
                unavailable[engine.name] = f"load() raised {type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"
            else:
                ready.append(engine)
    return ready, unavailable


_WARNED: set = set()


def check_name(name: str) -> str:
    """``name`` if it names an engine (importing the module of a ``module:Class`` or an entry
    point's), else ValueError (EngineNotFound) with one line: what is accepted, or why the
    class could not be loaded.  A built-in name that an entry point also claims: the
    built-in, and a warning on stderr (once per process)."""
    from crosscheck.adapters import ENGINES, VARIANTS, external

    if name in ENGINES or name in VARIANTS:
        warning = external.shadowing(name) if name not in _WARNED else None
        if warning:
            _WARNED.add(name)
            print(f"crosscheck: warning: {warning}", file=sys.stderr)
        return name
    if name.startswith(MUTANT):
        from crosscheck.analyses.mutants import mutant

        mutant(name[len(MUTANT):])  # ValueError naming the catalogue's ids
        return name
    external.engine_class(name, [*ENGINES, *VARIANTS])
    return name


class ToleranceRefused(ValueError):
    """An engine from outside the package whose own tolerance is looser than the sanity bound."""


def own_tolerances(engines) -> dict:
    """{name: {rtol, atol, scale, beyond_bound}} of the engines from outside the package that
    are judged by a tolerance of their own (``Engine.tolerance``), not the dtype's table: the
    reports show each (reporting/settings.py), as they show a ``--tolerance``."""
    from crosscheck.adapters import ENGINES, VARIANTS
    from crosscheck.scenarios.tolerances import bound

    out = {}
    for engine in engines:
        tol = getattr(engine, "tolerance", None)
        base = engine.name.partition("@")[0]
        if tol is None or base in ENGINES or base in VARIANTS or base.startswith(MUTANT):  # built-in: measured
            continue
        beyond = [d for d in engine.dtypes if tol.rtol > bound(d)[0] or tol.atol > bound(d)[1]]
        out[engine.name] = {"rtol": tol.rtol, "atol": tol.atol, "scale": tol.scale, "beyond_bound": beyond}
    return out


def refuse_loose(engines, force: bool, force_hint: str = "--force-tolerance") -> dict:
    """``own_tolerances(engines)``; ToleranceRefused (one line) for one beyond the sanity bound
    of a dtype the engine runs (scenarios/tolerances.py: bound), unless ``force``."""
    from crosscheck.scenarios.tolerances import bound

    found = own_tolerances(engines)
    for name, tol in found.items():
        if tol["beyond_bound"] and not force:
            dtype = tol["beyond_bound"][0]
            top_rtol, top_atol = bound(dtype)
            raise ToleranceRefused(
                f"engine {name} sets its own tolerance rtol {tol['rtol']:g}, atol {tol['atol']:g}, looser than the "
                f"sanity bound for {dtype} (rtol <= {top_rtol:.3g}, atol <= {top_atol:.3g}); {force_hint} uses it "
                "anyway")
    return found


@dataclass(frozen=True)
class EngineSpec:
    """Engines by name on ``devices``, and a user's function.  Picklable: a spawned
    worker rebuilds the same engines from it.  ``force_tolerance``: an engine's own
    tolerance beyond the sanity bound is used (``--force-tolerance``), not refused."""

    names: tuple = ()
    devices: tuple = ("cpu",)
    user: object = None
    force_tolerance: bool = False

    def build(self):
        """(engines ready to run, in the order named; {name: reason} for those that cannot run);
        ToleranceRefused for an engine whose own tolerance is beyond the sanity bound."""
        engines, unavailable = self._build()
        try:
            refuse_loose(engines, self.force_tolerance)
        except ToleranceRefused:
            close(engines)
            raise
        return engines, unavailable

    def _build(self):
        engines, unavailable = [], {}
        for name in self.names:
            if name.startswith(MUTANT):
                from crosscheck.analyses.mutants import MutantEngine, mutant

                engines.append(MutantEngine(mutant(name[len(MUTANT):])))
                continue
            ready, missing = resolve_engines([name], self.devices)
            engines += ready
            unavailable.update(missing)
        if self.user is not None:
            from crosscheck.adapters.user_backward import UserBackward

            engines.append(UserBackward(self.user))
        return engines, unavailable

    def asked(self, named: bool, engines=()) -> tuple:
        """The engines that must check at least one scenario, by the names their rows
        carry: those named (``named``: --engines was given; a mutant always is), on each
        device they were built for (``engines``: ``torch@cuda``), and the user's function."""
        wanted = [n for n in self.names if named or n.startswith(MUTANT)]
        built = [e.name for e in engines]
        names = [b for b in built if b.partition("@")[0] in wanted or b in wanted] if engines else wanted
        if self.user is not None and self.user.name not in names:
            names.append(self.user.name)
        return tuple(names)


def close(engines) -> None:
    """Stop what the engines started (a user's function's child process)."""
    for engine in engines:
        engine.close()


#: The options of a user's function, in the order a rerun command gives them.
USER_FLAGS = ("backward", "forward", "activations", "losses", "depths", "set", "timeout", "name")


def rerun_prefix(force: bool = False, **flags) -> str:
    """``crosscheck run`` with the options of a user's function that were given (None: not
    given), and the tolerance overrides in force (``--tolerance``, or a config's: a rerun
    without them could pass where the run failed), the start of every rerun command."""
    from crosscheck.scenarios.tolerances import bound, overrides

    prefix = "crosscheck run"
    for flag in USER_FLAGS:
        value = flags.get(flag)
        for one in (value if isinstance(value, (list, tuple)) else [] if value is None else [value]):
            prefix += f" --{flag} {shlex.quote(str(one))}"  # --set is repeated, one NAME=VALUE each
    forced = force  # an engine's own tolerance beyond the bound, forced in the run
    for dtype, tol in sorted(overrides().items()):
        prefix += f" --tolerance {dtype}={tol.rtol!r},{tol.atol!r}"
        forced = forced or tol.rtol > bound(dtype)[0] or tol.atol > bound(dtype)[1]
    return prefix + (" --force-tolerance" if forced else "")


def rerun_command(prefix: str, scenario: str, engine: str, network: str | None = None) -> str:
    """The command that reruns ``scenario`` on ``engine`` (a name as reports show it:
    ``torch@cuda``, ``mutant:ID``, a user's function's name when ``prefix`` has its
    ``--backward``)."""
    where = f"--network {shlex.quote(network)}" if network else f"--scenario {scenario}"
    name, _, device = engine.partition("@")
    if "--backward" in prefix and not is_engine(name):
        return f"{prefix} {where}"  # the user's function runs beside numpy by default
    return f"{prefix} {where} --engines {shlex.quote(name)}" + (f" --device {device}" if device else "")


def is_engine(name: str) -> bool:
    try:
        check_name(name)
    except ValueError:
        return False
    return True
