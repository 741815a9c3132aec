"""Each engine's activations: a framework function for every name of
``reference.ACTIVATIONS``, or a declared reason why the engine skips it.

An engine with a table of its own (its ``activations(framework)``: torch, jax, tensorflow,
autograd, mlx) declares the names it leaves out in a class attribute, ``skips = {name:
why}``; a scenario with a skipped activation is ``unsupported`` with that reason.  A name
neither in the table nor declared is a gap in the engine: ``MissingActivation`` at run
time, and before that a failing test (tests/adapters/test_every_activation.py checks every
engine against ``ACTIVATIONS``).  The numpy and fd engines compute with the reference's own
g and cover every name.
"""
from __future__ import annotations

from crosscheck.adapters.base import Unsupported


class MissingActivation(LookupError):
    """An engine has no function for an activation and does not declare that it skips it."""


def skips(engine) -> dict:
    """{activation: why} the engine declares it does not compute ({} when it declares none)."""
    return dict(getattr(type(engine), "skips", {}))


def uncovered(engine, table, names) -> list:
    """The names of ``names`` that ``engine`` neither has in ``table`` nor declares in ``skips``."""
    declared = skips(engine)
    return [name for name in names if name not in table and name not in declared]


def layer_functions(engine, table: dict, activations) -> list:
    """The function of ``table`` for each of ``activations`` (one a layer). Unsupported, with
    the engine's reason, for an activation it declares in ``skips``; MissingActivation, naming
    what to do, for one it neither has nor declares."""
    names = list(dict.fromkeys(activations))
    declared = skips(engine)
    if skipped := [name for name in names if name in declared]:
        raise Unsupported("; ".join(f"{engine.name} skips {name}: {declared[name]}" for name in skipped),
                          f"{', '.join(skipped)} skipped")
    if missing := uncovered(engine, table, names):
        raise MissingActivation(
            f"{engine.name} has no function for {', '.join(missing)} and does not declare it in "
            f"{type(engine).__name__}.skips: add the framework's function to its activations, or "
            f"skips = {{{missing[0]!r}: 'why'}}")
    return [table[name] for name in activations]
