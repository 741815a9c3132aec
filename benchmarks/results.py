"""benchmarks/RESULTS.md: the one place measured figures live, one section per script.

Every benchmark script builds a ``Section``: what it prints goes to stdout and, with
``--write``, replaces that script's section of RESULTS.md in place, between
``<!-- begin SCRIPT -->`` and ``<!-- end SCRIPT -->``; the other sections stay byte for byte
as they are.  A section opens with the command that produced it, the machine (CPU, cores,
Python, library versions, thread pools) and the date.  The file is written whole to a
temporary file next to it and moved over it (``os.replace``), so a reader never sees half
a file.  Two scripts writing at the same moment can lose one section (read, replace,
write): ``make bench`` runs them one after another.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import re
import shlex
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

RESULTS = Path(__file__).resolve().with_name("RESULTS.md")
#: The scripts that write RESULTS.md, in the order `make bench` runs them (the Makefile
#: names them again; tests/test_benchmark_results.py checks the two agree).
SCRIPTS = ("default_suite.py", "speed.py", "overhead_breakdown.py", "user_code.py", "diagnosis.py",
           "tolerance_survey.py", "per_example_memory.py")
HEADER_NAME = "header"
HEADER = f"""# Measured figures of backprop-crosscheck

Generated: do not edit by hand. Each section below is written by one script in
`benchmarks/` when it runs with `--write`:
{", ".join(f"`{s}`" for s in SCRIPTS)}.
A section says the command, the machine and the date it was measured. Regenerate them
all with `make bench` (`make bench-speed` for `speed.py` alone), or one with the
command its section shows; without `--write` a script only prints. Elsewhere
(README, docstrings) link here rather than copy a figure."""


def begin_marker(name: str) -> str:
    return f"<!-- begin {name} -->"


def end_marker(name: str) -> str:
    return f"<!-- end {name} -->"


def _line(marker: str) -> re.Pattern:
    return re.compile(rf"^{re.escape(marker)}[ \t]*$", re.M)


def replace_section(text: str, name: str, body: str, prepend: bool = False) -> str:
    """``text`` with section ``name`` holding ``body``: replaced in place if present, else
    appended at the end (at the start with ``prepend``).  Everything outside the section
    is kept byte for byte.  ValueError on a begin marker without its end, or twice."""
    begins = list(_line(begin_marker(name)).finditer(text))
    block = f"{begin_marker(name)}\n{body.strip(chr(10))}\n{end_marker(name)}"
    if not begins:
        if not text.strip():
            return block + "\n"
        return f"{block}\n\n{text}" if prepend else f"{text.rstrip(chr(10))}\n\n{block}\n"
    if len(begins) > 1:
        raise ValueError(f"section {name!r} begins {len(begins)} times")
    end = _line(end_marker(name)).search(text, begins[0].end())
    if end is None:
        raise ValueError(f"section {name!r} has {begin_marker(name)} but no {end_marker(name)}")
    return text[: begins[0].start()] + block + text[end.end():]


def write_section(name: str, body: str, path: Path = RESULTS) -> None:
    """Replace section ``name`` of the file at ``path`` (created with the header if missing)."""
    path = Path(path)
    text = ""
    if path.exists():
        with open(path, encoding="utf-8", newline="") as f:  # newline="": bytes as they are, \r\n too
            text = f.read()
    text = replace_section(text, HEADER_NAME, HEADER, prepend=True)
    text = replace_section(text, name, body)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def machine() -> list[str]:
    """The machine and the versions, as Markdown list items (frameworks' threads if imported)."""
    from crosscheck.reporting.environment import environment

    for name in ("torch", "jax"):  # their thread pools and devices, as the benchmarks' engines see them
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    env = environment()
    libs = [f"numpy {env['NumPy']}"]
    for dist in ("torch", "jax", "jaxlib"):
        try:
            libs.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    lines = [f"- machine: {env['CPU']}; Python {env['Python']}; {', '.join(libs)}"]
    pools = []
    torch = sys.modules.get("torch")
    if torch is not None:
        pools.append(f"torch {torch.get_num_threads()} threads")
    if "jax devices" in env:
        pools.append(f"jax on {env['jax devices']}")
    try:
        from threadpoolctl import threadpool_info

        for p in threadpool_info():
            words = [p["internal_api"], p.get("version"), p.get("architecture"), f"{p['num_threads']} threads"]
            pools.append(f"{' '.join(str(w) for w in words if w)} ({p['prefix']})")
    except ImportError:
        pools.append(f"BLAS {env['BLAS']} (threadpoolctl not installed: no thread counts)")
    lines.append(f"- threads: {'; '.join(pools)}")
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options every benchmark script shares."""
    parser.add_argument("--write", action="store_true",
                        help="replace this script's section of benchmarks/RESULTS.md (default: only print)")
    parser.add_argument("--results", type=Path, default=RESULTS, help=argparse.SUPPRESS)
    return parser


class Section:
    """The figures of one script: printed as they come, written to RESULTS.md at the end."""

    def __init__(self, script: str, title: str):
        self.name = Path(script).name
        self.title = title
        self.command = shlex.join(["python", f"benchmarks/{self.name}", *sys.argv[1:]])
        self.lines: list[str] = []
        self.started = time.perf_counter()

    def add(self, *lines: str) -> None:
        for line in lines:
            print(line, flush=True)
            self.lines.append(line)

    def body(self) -> str:
        took = time.perf_counter() - self.started
        head = [f"## {self.title}", "", f"- command: `{self.command}` ({took:.0f} s)", *machine(),
                f"- date: {time.strftime('%Y-%m-%d', time.gmtime())}", ""]
        return "\n".join(head + self.lines).rstrip() + "\n"

    def finish(self, args) -> None:
        """Write the section if ``--write`` was given."""
        if args.write:
            write_section(self.name, self.body(), args.results)
            print(f"\nwrote section {self.name} of {args.results}", flush=True)
