"""``[tool.crosscheck]`` in a project's pyproject.toml: the options a project always runs with.

    [tool.crosscheck]
    suite = "default"
    engines = ["numpy", "torch"]          # or "numpy,torch"
    dtypes = "float64,float32"
    tolerances = { float32 = [1e-3, 1e-8] }   # or { float32 = "1e-3,1e-8" }
    known-failures = "known-failures.toml"
    backward = "dnn.py:L_model_backward"
    forward = "dnn.py:L_model_forward"
    activations = "relu,sigmoid"          # or an array, as --activations
    losses = ["bce"]                      # as --losses
    depths = [1, 2, 3]                    # as --depths
    set = { lambd = 0.7 }                 # as --set lambd=0.7: keywords for the user's function
    out = "reports/latest"

The file is found as pytest and ruff find theirs: from the working directory upwards, the
first pyproject.toml that has a ``[tool.crosscheck]`` table (one without it is passed over;
tables are never merged).  Paths (``known-failures``, the file of ``backward`` and
``forward``, ``out``) are relative to that file's folder.  Options on the command line win
(``tolerances`` dtype by dtype; ``--set`` replaces the table's ``set`` whole).  Which command
reads which key: ``READERS``.  An unknown key or a bad value is a ConfigError (a ValueError)
with one line naming the file.

The keys that name or describe the user's code (``USER_CODE_KEYS``) go together: a
``--backward`` on the command line drops them all from the table (``Config.for_options``), so
that a parent folder's ``forward`` never runs beside another module's backward, and with them
the table's ``known-failures`` (which must not excuse another function's rows); without one,
they go with the table's ``backward`` (none there: a ConfigError).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: The key of each setting -> the argparse dest of the option it stands for.
DESTS = {"suite": "suite", "engines": "engines", "dtypes": "dtypes", "tolerances": "tolerance",
         "known-failures": "known_failures", "backward": "backward", "forward": "forward",
         "activations": "activations", "losses": "losses", "depths": "depths", "set": "set", "out": "out"}
KEYS = tuple(DESTS)
#: The keys of the user's code: taken all together or not at all (a --backward given drops them).
USER_CODE_KEYS = ("backward", "forward", "activations", "losses", "depths", "set")
#: Dropped with them by a --backward given: the failures the table's code is known for, which
#: must not excuse another function's rows (a --known-failures given still applies).
WITH_THE_CODE = ("known-failures",)
#: The commands that read the table, and the keys each one reads (the others ignore them).
READERS = {
    "run": KEYS,
    "fuzz": ("engines", "dtypes", "tolerances"),
    "mutants": ("suite", "dtypes", "tolerances"),
    # the pytest plugin: options --crosscheck-<dest>; its suite comes from --crosscheck-suite or
    # pytest's own ini (crosscheck_suite), so that the table never adds items to a pytest run
    "pytest": ("engines", "dtypes", "tolerances", "known-failures", *USER_CODE_KEYS),
}
#: Keys whose values are paths, relative to the pyproject.toml's folder.
PATHS = ("known-failures", "backward", "forward", "out")


class ConfigError(ValueError):
    """A [tool.crosscheck] table that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Config:
    """The table found (``path`` None: none), its values checked and normalised: names as
    comma-separated strings, paths absolute, tolerances {dtype: (rtol, atol)}."""

    path: Path | None = None
    values: dict = field(default_factory=dict)

    def without(self, keys) -> "Config":
        """The same table without ``keys`` (e.g. USER_CODE_KEYS when --backward is given): they
        are no default and run.json records nothing taken for them."""
        return Config(self.path, {k: v for k, v in self.values.items() if k not in keys})

    def for_options(self, command: str, backward=None, keywords=None) -> "Config":
        """The table beside the options of ``command`` given elsewhere (the command line; the
        plugin's options and ini): without every key of the user's code when ``backward`` is
        given (a parent folder's forward never runs beside another module's backward; nor do its
        known failures excuse that module's rows: WITH_THE_CODE), without
        ``set`` when ``keywords`` (--set) are (they replace the table's whole; an appending
        option would add to them).  ConfigError for keys of the user's code without the
        table's ``backward`` when none is given: they go with no function."""
        if backward is not None:
            return self.without(USER_CODE_KEYS + WITH_THE_CODE)
        stray = [k for k in USER_CODE_KEYS if k in self.values and k in READERS.get(command, ())]
        if stray and "backward" not in self.values:
            raise ConfigError(f"{self.path} [tool.crosscheck]: {stray[0]} goes with backward, which the table does "
                              f"not give (its keys of the user's code, {', '.join(USER_CODE_KEYS)}, are taken "
                              "together, and all dropped by a --backward given)")
        return self.without(("set",)) if keywords is not None else self

    def defaults(self, command: str, dests) -> dict:
        """{dest: value} for the parser of ``command`` (``dests``: the dests it has), to set as
        its defaults, so that an option given on the command line wins; ConfigError when the
        table has a key the command reads but its parser has no option for."""
        out = {}
        for key in READERS.get(command, ()):
            if key not in self.values or key == "tolerances":  # tolerances: merged per dtype, tolerance_table
                continue
            if DESTS[key] not in dests:
                raise ConfigError(f"{self.path} [tool.crosscheck]: {key}: crosscheck {command} has no option "
                                  f"--{key} in this release")
            out[DESTS[key]] = self.values[key]
        return out

    def taken(self, command: str, args, sources: dict) -> dict | None:
        """What run.json records: the file and the values of it that ``args`` kept (an option
        given with another value replaced one), None when no table was found."""
        if self.path is None:
            return None
        values = {key: value for key, value in self.values.items() if key in READERS.get(command, ())
                  and key != "tolerances" and getattr(args, DESTS[key], None) == value}
        tols = {d: list(self.values["tolerances"][d]) for d, where in sources.items() if where == "config"}
        if tols:
            values["tolerances"] = tols
        return {"file": str(self.path), "values": values}


def find(start=None) -> Path | None:
    """The first pyproject.toml with a [tool.crosscheck] table, from ``start`` (default: the
    working directory) upwards; None if there is none."""
    folder = Path.cwd() if start is None else Path(start).resolve()
    for here in (folder, *folder.parents):
        candidate = here / "pyproject.toml"
        if candidate.is_file() and _table(candidate) is not None:
            return candidate
    return None


def _toml(path: Path) -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: tomli, where installed (pytest brings it)
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            if "[tool.crosscheck" in path.read_text(errors="replace"):
                raise ConfigError(f"{path}: reading [tool.crosscheck] needs Python 3.11 or the package tomli") \
                    from None
            return {}
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None


def _table(path: Path) -> dict | None:
    table = _toml(path).get("tool", {}).get("crosscheck")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.crosscheck must be a table")
    return table


def load(start=None) -> Config:
    """The Config of ``find(start)`` (an empty one when there is none); ConfigError for an
    unknown key or a bad value."""
    path = find(start)
    if path is None:
        return Config()
    return Config(path, checked(_table(path), path))


def checked(table: dict, path: Path) -> dict:
    """The values of ``table`` checked and normalised (paths resolved against ``path``'s folder)."""
    where = f"{path} [tool.crosscheck]"
    unknown = [k for k in table if k not in DESTS]
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; accepted: {', '.join(KEYS)}")
    values = {}
    for key, value in table.items():
        try:
            values[key] = _value(key, value, path.parent)
        except ValueError as exc:
            raise ConfigError(f"{where}: {key} = {_shown(value)}: {exc}") from None
    return values


def _shown(value) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def _names(value, accepted=None) -> str:
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise ValueError("expected a string (comma-separated) or an array of strings")
    items = [v.strip() for v in items if v.strip()]
    if not items:
        raise ValueError("no name given")
    for name in items:
        if accepted is not None and name not in accepted:
            raise ValueError(f"unknown {name!r}; accepted: {', '.join(accepted)}")
    return ",".join(items)


def _value(key: str, value, folder: Path):
    from crosscheck.scenarios import DTYPES, SUITES

    if key == "engines":
        from crosscheck.engines import check_name

        text = _names(value)
        for name in text.split(","):
            check_name(name)  # EngineNotFound, a ValueError with one line
        return text
    if key == "dtypes":
        return _names(value, DTYPES)
    if key == "tolerances":
        return _tolerances(value)
    if key in ("activations", "losses"):
        from crosscheck.reference import ACTIVATIONS, LOSSES

        return _names(value, ACTIVATIONS if key == "activations" else LOSSES)
    if key == "set":
        return _keywords(value)
    if key == "depths":
        items = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(
                str(v).isdigit() and int(v) >= 1 and not isinstance(v, bool) for v in items):
            raise ValueError("expected numbers of layers >= 1, e.g. [1, 2, 3] or \"1,2,3\"")
        return ",".join(str(int(v)) for v in items)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a string")
    if key == "suite":
        if value not in SUITES:
            raise ValueError(f"unknown suite; accepted: {', '.join(SUITES)}")
        return value
    if key in ("backward", "forward"):
        file, sep, func = value.rpartition(":")
        if not sep or not file or not func:
            raise ValueError("expected FILE.py:FUNC")
        resolved = (folder / file).resolve()
        if not resolved.is_file():
            raise ValueError(f"no file {resolved}")
        return f"{resolved}:{func}"
    resolved = (folder / value).resolve()
    if key == "known-failures" and not resolved.is_file():
        raise ValueError(f"no file {resolved}")
    return str(resolved)


def _keywords(value) -> list:
    """{NAME = VALUE} -> ["NAME=VALUE", ...] as --set takes them (``repr`` of each value, which
    must read back as the same Python literal: a number, string, boolean, array of them)."""
    import ast
    import keyword

    if not isinstance(value, dict) or not value:
        raise ValueError("expected a table of keyword arguments, e.g. { lambd = 0.7, keep_prob = 1.0 }")
    out = []
    for name, item in value.items():
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"{name!r} is not a Python parameter name")
        text = repr(item)
        try:
            same = ast.literal_eval(text) == item
        except (ValueError, SyntaxError):
            same = False
        if not same or isinstance(item, dict):
            raise ValueError(f"{name}: expected a number, a string, a boolean or an array of them")
        out.append(f"{name}={text}")
    return out


def _tolerances(value) -> dict:
    """{dtype: [RTOL, ATOL] or "RTOL,ATOL"} -> {dtype: (rtol, atol)}; the numbers and dtypes
    checked here, the sanity bound where --force-tolerance is known (tolerance_table)."""
    from crosscheck.scenarios.tolerances import override

    if not isinstance(value, dict):
        raise ValueError('expected a table, e.g. { float32 = [1e-3, 1e-8] } or { float32 = "1e-3,1e-8" }')
    out = {}
    for dtype, pair in value.items():
        parts = [p.strip() for p in pair.split(",")] if isinstance(pair, str) else pair
        if not isinstance(parts, list) or len(parts) != 2 or isinstance(pair, bool) \
                or any(isinstance(p, bool) for p in parts):
            raise ValueError(f"{dtype}: expected [RTOL, ATOL] or \"RTOL,ATOL\" (rtol and atol together)")
        tol = override(dtype, *parts, force=True)
        out[dtype] = (tol.rtol, tol.atol)
    return out


def tolerance_table(config: Config, flags, force: bool = False, force_hint: str = "--force-tolerance"):
    """The overrides in force: the table's ``tolerances``, then each ``DTYPE=RTOL,ATOL`` of
    ``flags`` (the command line wins for its dtypes); those equal to the measured table
    left out.  ({dtype: Tolerance}, {dtype: "config" or "option"}); ValueError with one line
    (the sanity bound unless ``force``)."""
    from crosscheck.scenarios.tolerances import measured, override, parse_override

    table, sources = {}, {}
    for dtype, (rtol, atol) in (config.values.get("tolerances") or {}).items():
        try:
            table[dtype], sources[dtype] = override(dtype, rtol, atol, force, force_hint), "config"
        except ValueError as exc:
            raise ConfigError(f"{config.path} [tool.crosscheck]: tolerances: {exc}") from None
    for text in flags or ():
        dtype, tol = parse_override(text, force, force_hint)
        table[dtype], sources[dtype] = tol, "option"
    same = [d for d, tol in table.items() if tol == measured(d)]
    for dtype in same:
        del table[dtype], sources[dtype]
    return table, sources


def tolerance_record(table: dict, sources: dict, config: Config | None = None) -> dict:
    """run.json's ``tolerances``: {dtype: {rtol, atol, scale, from}} for each override (``from``:
    the pyproject.toml, or ``--tolerance``); empty under the measured table."""
    where = {"config": str(config.path) if config is not None and config.path else "config", "option": "--tolerance"}
    return {d: {"rtol": t.rtol, "atol": t.atol, "scale": t.scale, "from": where[sources.get(d, "option")]}
            for d, t in sorted(table.items())}


def recorded_tolerances(record: dict | None) -> dict:
    """run.json's ``tolerances`` back to {dtype: Tolerance}: what ``merge`` puts in force to
    diagnose the shards' rows as they were judged."""
    from crosscheck.scenarios.tolerances import Tolerance, measured

    return {d: Tolerance(t["rtol"], t["atol"], t.get("scale", measured(d).scale)) for d, t in (record or {}).items()}
