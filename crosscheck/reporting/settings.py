"""What a run was set to that is not the default, as the reports show it: the
[tool.crosscheck] table it read (crosscheck/config.py) and the values it took from it, and
each tolerance override (``--tolerance``) beside the measured tolerance it replaces.

Read from run.json's meta (``config``, ``tolerances``), so that ``merge`` shows what its
shards ran under.  Lines under the headline of summary.md, report.html and the terminal;
rows of report.html's environment.
"""
from __future__ import annotations


def _value(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return f'"{value}"' if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)


def config_line(meta: dict) -> str | None:
    """``config: FILE [tool.crosscheck]: key = value, ...`` (the values the run took), or None."""
    config = (meta or {}).get("config")
    if not config:
        return None
    values = config.get("values") or {}
    taken = ", ".join(f"{k} = {_value(v)}" for k, v in values.items()) if values else "no value of it used"
    return f"config: {config['file']} [tool.crosscheck]: {taken}"


def tolerance_lines(meta: dict) -> list[str]:
    """One line per overridden dtype: the override, where it came from, and the measured tolerance."""
    from crosscheck.scenarios.tolerances import Tolerance, describe

    return [f"{describe(dtype, Tolerance(t['rtol'], t['atol'], t.get('scale', 0.0)))}, from {t['from']}"
            for dtype, t in ((meta or {}).get("tolerances") or {}).items()]


def engine_tolerance_lines(meta: dict) -> list[str]:
    """One line per engine judged by a tolerance of its own (crosscheck/engines.py:
    own_tolerances), and whether it is beyond the sanity bound (then forced)."""
    lines = []
    for name, t in ((meta or {}).get("engine_tolerances") or {}).items():
        beyond = t.get("beyond_bound") or []
        lines.append(f"tolerance of engine {name}: its own, rtol {t['rtol']:g}, atol {t['atol']:g}, scale "
                     f"{t.get('scale', 0.0):.2g} T, for every dtype instead of the measured table"
                     + (f"; looser than the sanity bound for {', '.join(beyond)} (--force-tolerance)" if beyond else ""))
    return lines


def settings_lines(meta: dict) -> list[str]:
    """The lines that follow the headline: the config file and values, then each override,
    then each engine judged by a tolerance of its own."""
    line = config_line(meta)
    return ([line] if line else []) + tolerance_lines(meta) + engine_tolerance_lines(meta)


def settings_environment(meta: dict) -> dict[str, str]:
    """Rows of the environment table: the config file and values, each tolerance override."""
    env = {}
    line = config_line(meta)
    if line:
        env["config"] = line.removeprefix("config: ")
    for dtype, text in zip(((meta or {}).get("tolerances") or {}), tolerance_lines(meta)):
        env[f"tolerance {dtype}"] = text.removeprefix(f"tolerance {dtype} ")
    for name, text in zip(((meta or {}).get("engine_tolerances") or {}), engine_tolerance_lines(meta)):
        env[f"tolerance of {name}"] = text.partition(": ")[2]
    return env
