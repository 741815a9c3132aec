"""One description of the engines of a run, built in one place: the command line (one
process or ``--workers``), the pytest plugin and ``crosscheck.check`` all build their
engines from an ``EngineSpec``, so an engine kind means the same everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass

from crosscheck.runner import resolve_engines


@dataclass(frozen=True)
class EngineSpec:
    """Engines by name (built-in and variants) on ``devices``; a user's function (a
    resolved ``adapters.user_backward.UserFunction``); a formula mutant by id.  Picklable:
    a spawned worker rebuilds the same engines from it."""

    names: tuple = ()
    devices: tuple = ("cpu",)
    user: object = None
    mutant: str | None = None

    def build(self):
        """(engines ready to run, {name: reason} for those that cannot run here)."""
        engines, unavailable = resolve_engines(self.names, self.devices)
        if self.user is not None:
            from adapters.user_backward import UserBackward

            engines.append(UserBackward(self.user))
        if self.mutant:
            from crosscheck.mutants import MutantEngine, mutant

            engines.append(MutantEngine(mutant(self.mutant)))
        return engines, unavailable

    def asked(self, named: bool) -> tuple:
        """The engines asked for by name (``named``: --frameworks was given), the user's
        function and the mutant: each must check at least one scenario."""
        names = list(self.names) if named else []
        if self.user is not None:
            names.append(self.user.name)
        if self.mutant:
            names.append(f"mutant:{self.mutant}")
        return tuple(names)


def close(engines) -> None:
    """Stop what the engines started (a user's function's child process)."""
    for engine in engines:
        if hasattr(engine, "close"):
            engine.close()
