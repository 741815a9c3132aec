"""Text for a terminal, at most WIDTH columns a line: a long line wrapped at its clause
boundaries (``, `` and ``; `` outside brackets and back-quotes), its continuation lines
indented by INDENT; a table whose cells wrap inside their column when the table would be
wider than WIDTH.  Nothing is cut: what does not fit goes on the next line."""
from __future__ import annotations

import re
import textwrap

#: The widest line ``crosscheck run`` prints.
WIDTH = 100
#: The start of a wrapped line's continuation.
INDENT = "    "
#: The gap between two columns of a table.
GAP = "  "

_OPEN, _CLOSE = "([{", ")]}"
#: Kept on one line: the verdict that ``coloured`` looks for (cli/common.py).
_GLUED = ("-> PASS", "-> FAIL")
_NBSP = "\u00a0"  # not whitespace to textwrap


def _chunks(text: str) -> list[str]:
    """``text`` cut after each ``, `` and ``; `` that is outside brackets and back-quotes;
    each piece keeps its separator's punctuation, the next one starts with the space."""
    pieces, start, depth, quoted = [], 0, 0, False
    for i, ch in enumerate(text):
        if ch == "`":
            quoted = not quoted
        elif not quoted and ch in _OPEN:
            depth += 1
        elif not quoted and ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in ",;" and not depth and not quoted and text[i + 1:i + 2] == " ":
            pieces.append(text[start:i + 1])
            start = i + 1
    pieces.append(text[start:])
    return [p for p in pieces if p]


def _fill(text: str, width: int, first: str, rest: str) -> list[str]:
    """textwrap's lines of ``text`` (a word longer than a line is broken: the width is a promise)."""
    return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest, break_long_words=True,
                         break_on_hyphens=False) or [first.rstrip()]


def wrap(line: str, width: int = WIDTH, indent: str = INDENT) -> list[str]:
    """``line`` as lines of at most ``width`` characters: cut at its clause boundaries where
    it can be, between words where a clause is longer than a line; every line after the
    first starts with ``indent``.  A line that fits is returned as it is."""
    if len(line) <= width:
        return [line]
    for glued in _GLUED:
        line = line.replace(glued, glued.replace(" ", _NBSP))
    lines, current = [], ""
    for chunk in _chunks(line):
        if len(current) + len(chunk) <= width:
            current += chunk
            continue
        if current.strip() and len(indent) + len(chunk.lstrip()) <= width:  # the clause on a line of its own
            lines.append(current.rstrip())
            current = indent + chunk.lstrip()
            continue
        # a clause longer than a line: from where the line is, between words
        text = current + chunk
        lead = text[:len(text) - len(text.lstrip())]
        filled = _fill(text.lstrip(), width, lead, indent)
        lines += filled[:-1]
        current = filled[-1]
    if current.strip():
        lines.append(current.rstrip())
    return [text.replace(_NBSP, " ") for text in lines]


def wrap_all(lines, width: int = WIDTH, indent: str = INDENT) -> list[str]:
    """``wrap`` of each of ``lines`` (a text with newlines counts as its lines)."""
    return [piece for line in lines for part in str(line).split("\n") for piece in wrap(part, width, indent)]


def text_table(headers: list[str], rows: list[list[str]], width: int = WIDTH) -> list[str]:
    """A plain table, left-aligned, GAP between columns, no line wider than ``width``: where
    it would be wider, one space between columns, and where that is still too wide the
    widest columns are narrowed and their cells wrap onto more lines of the same row (the
    first column, the row's name, is narrowed last)."""
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    n = len(headers)
    widths = [max(len(row[i]) for row in cells) for i in range(n)]
    gap = GAP if sum(widths) + len(GAP) * (n - 1) <= width else " "  # one space before any cell wraps
    floor = 6
    while sum(widths) + len(gap) * (n - 1) > width:
        narrower = [i for i in range(1, n) if widths[i] > floor] or [i for i in (0,) if widths[i] > floor]
        if not narrower:
            break  # as narrow as it gets
        widths[max(narrower, key=lambda i: widths[i])] -= 1
    out = []
    for row in cells:
        parts = [textwrap.wrap(text, widths[i], break_long_words=True, break_on_hyphens=False) or [""]
                 for i, text in enumerate(row)]
        for k in range(max(len(p) for p in parts)):
            out.append(gap.join((p[k] if k < len(p) else "").ljust(widths[i])
                                for i, p in enumerate(parts)).rstrip())
    return out


#: Column names the terminal's table shortens (to fit 100 columns; summary.md has them whole).
SHORT_HEADERS = {"x(a-y) per example": "per example"}


def check_lines(df, width: int = WIDTH) -> list[str]:
    """The table ``crosscheck run`` prints (tables.check_grid): a title, engines x checks in
    short cells with each engine's worst error as a share of its tolerance, then the rows
    shown apart, one line per check and kind (summary.md has all of it in words)."""
    from crosscheck.reporting.tables import APART, check_grid

    grid, notes = check_grid(df)
    lines = wrap_all(["Rows that hold or fail, per engine and check; worst: the greatest error as a share of its "
                      "tolerance"], width)
    headers = [SHORT_HEADERS.get(name, name) for name in grid.columns]
    cells = grid.astype(str).values.tolist()
    table = text_table(headers, cells, width)
    if len(table) > len(cells) + 1:  # a cell would wrap: "FAILS 9" without "of 26" (summary.md has it)
        table = text_table(headers, [[re.sub(r"^FAILS (\d+) of \d+", r"FAILS \1", c) for c in row] for row in cells],
                           width)
    lines += table
    if notes:
        lines.append(f"{APART} rows shown apart, not passes or failures (summary.md says what each one is):")
        lines += wrap_all([f"  {note}" for note in notes], width)
    return lines


def reports_line(paths: dict, out, seconds: float | None = None) -> str:
    """``reports: summary.md (start here), report.html, ... in OUT (12.3 s)``: the files in
    the report folder by name, any other (a --junit-xml file) by its path."""
    from pathlib import Path

    out = Path(out)
    names = [p.name if Path(p).parent == out else str(p) for key, p in paths.items() if key != "log"]
    names = [f"{n} (start here)" if n == "summary.md" else n for n in names]
    names.sort(key=lambda n: not n.startswith("summary.md"))
    return f"reports: {', '.join(names)} in {out}" + (f" ({seconds:.1f} s)" if seconds is not None else "")
