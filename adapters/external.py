"""Engines from outside the package, named two ways:

- an entry point of the group ``backprop_crosscheck.engines`` (GROUP) in an installed
  distribution: its name is the engine's name, its value ``module:Class``;
- ``module.path:Class`` itself, for a module on the Python path (the current directory is
  appended to sys.path when missing: ``python -m`` has it first, the ``crosscheck`` console
  script does not; spawned workers inherit it): the engine's name is the spec.

Either way the class is a subclass of ``crosscheck.Engine``, and the name it was asked for
by is the name its rows carry (the class's own ``name`` is not used), so a report's rerun
command names the same engine.  A built-in name (ENGINES, VARIANTS) always means the
built-in: an entry point of the same name is not run (``shadowing`` says so).  Every
failure to find or load a class is ``EngineNotFound``, a ValueError with one line.
"""
from __future__ import annotations

import importlib
import os
import re
import sys

from crosscheck.adapters.base import Engine, EngineUnavailable

#: The entry-point group third-party engines register under.
GROUP = "backprop_crosscheck.engines"

_SPEC = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
#: An entry point's name must be a plain engine name: no ":" (a spec), "@" (a device), ",".
_NAME = re.compile(r"[\w.-]+")


class EngineNotFound(ValueError):
    """A name that gives no engine class; the message says why, on one line."""


def is_spec(name: str) -> bool:
    """``name`` reads ``module.path:Class`` (``mutant:ID`` does not: it names a mutant)."""
    return bool(_SPEC.fullmatch(name)) and not name.startswith("mutant:")


#: entry_points() per Python path: reading every installed distribution's metadata takes ~10 ms,
#: and a run asks once per rerun command it writes.
_FOUND: dict = {}


def entry_points() -> dict:
    """{name: EntryPoint} of GROUP on the Python path now (the first of a name wins); read
    again when sys.path changes (a folder of engines put on it)."""
    import sys
    from importlib.metadata import entry_points as found

    key = tuple(sys.path)
    if key not in _FOUND:
        points = {}
        for point in found(group=GROUP):
            if _NAME.fullmatch(point.name):
                points.setdefault(point.name, point)
        _FOUND.clear()
        _FOUND[key] = points
    return dict(_FOUND[key])


def _origin(point) -> str:
    dist = getattr(point, "dist", None)
    return f"{point.value}" + (f", from {dist.name} {dist.version}" if dist is not None else "")


def shadowing(name: str) -> str | None:
    """For a built-in ``name``: the line saying that an entry point of that name is not run
    (None when there is none)."""
    point = entry_points().get(name)
    if point is None:
        return None
    return (f"the entry point engine {name!r} ({_origin(point)}) is shadowed by the built-in {name}, "
            f"which runs; name it {point.module}:{point.attr} to run it")


def _first_line(exc: BaseException) -> str:
    text = (str(exc).splitlines() or [""])[0].strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _import(module: str, what: str):
    if os.getcwd() not in sys.path and "" not in sys.path:  # the console script's path lacks it
        sys.path.append(os.getcwd())
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            raise EngineNotFound(f"{what}: no module named {exc.name!r} on the Python path (the current "
                                 "directory, PYTHONPATH, installed packages)") from None
        raise EngineNotFound(f"{what}: importing {module} failed: {_first_line(exc)}") from None
    except Exception as exc:  # the module's own error, on one line
        raise EngineNotFound(f"{what}: importing {module} failed: {_first_line(exc)}") from None


def load_class(spec: str, what: str | None = None) -> type:
    """The Engine subclass ``module.path:Class`` names; EngineNotFound saying why not."""
    what = what or f"engine {spec!r}"
    module_name, _, attr = spec.partition(":")
    module = found = _import(module_name, what)
    for part in attr.split("."):
        if not hasattr(found, part):
            engines = [k for k, v in vars(module).items()
                       if isinstance(v, type) and issubclass(v, Engine) and v is not Engine
                       and v.__module__ == module_name]
            raise EngineNotFound(f"{what}: module {module_name} has no {attr!r}"
                                 + (f"; its engines: {', '.join(engines)}" if engines else ""))
        found = getattr(found, part)
    if not (isinstance(found, type) and issubclass(found, Engine)) or found is Engine:
        kind = "crosscheck.Engine itself" if found is Engine else "not a subclass of crosscheck.Engine"
        raise EngineNotFound(f"{what}: {module_name}.{attr} is {kind}")
    return found


def engine_class(name: str, builtins=()) -> type:
    """The class of a name that is not built in (``builtins``: those that are, listed first
    in the message): a ``module:Class`` spec or an entry point; EngineNotFound otherwise."""
    if is_spec(name):
        return load_class(name)
    points = entry_points()
    point = points.get(name)
    if point is None:
        listed = [*builtins, *(p for p in points if p not in builtins), "mutant:ID", "module.path:Class"]
        raise EngineNotFound(f"unknown engine {name!r}; accepted: {', '.join(listed)}")
    what = f"entry point engine {name!r} ({_origin(point)})"
    spec = f"{point.module}:{point.attr}" if point.attr else point.value
    if not is_spec(spec):
        raise EngineNotFound(f"{what}: its value is not module.path:Class")
    return load_class(spec, what)


def build(name: str, device: str, builtins=()) -> Engine:
    """A new engine of a name that is not built in, on ``device``, carrying ``name`` (``@device``
    beyond the CPU) in its rows.  EngineNotFound for the name; ValueError for a device the
    engine does not run on; EngineUnavailable when its class cannot be made here."""
    cls = engine_class(name, builtins)
    if device not in cls.devices:
        raise ValueError(f"engine {name} runs on {', '.join(cls.devices)}, not {device}")
    try:
        engine = cls(device)
    except Exception as exc:
        raise EngineUnavailable(f"{cls.__name__}({device!r}) raised {_first_line(exc)}") from None
    engine.name = name if device == "cpu" else f"{name}@{device}"
    return engine
