"""``crosscheck findings``: the findings ledger (crosscheck/findings/ledger.py), each figure
measured again here; the reproduction scripts and the ledger's page written to a folder.

Exit 0 when every finding whose engine is installed reproduces, 1 when one no longer
reproduces or its figure changed (the ledger is stale: update it), 2 on bad usage.
"""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from crosscheck.cli.common import EXIT_FAIL, EXIT_PASS, emit, writable, writable_file

HELP = "the findings ledger: each figure re-measured, reproductions and the page written"


def add_parser(sub) -> None:
    cmd = sub.add_parser("findings", help=HELP)
    cmd.add_argument("--out", default="reports/findings",
                     help="folder for findings.md and reproductions/ (default: reports/findings)")
    cmd.add_argument("--docs", metavar="PATH", default=None,
                     help="also write the ledger's page there (the project's own: docs/findings.md)")


def main(args) -> int:
    from crosscheck.checks.findings import GONE, NOT_INSTALLED, REPRODUCES, verify
    from crosscheck.findings.ledger import FINDINGS
    from crosscheck.findings.page import page
    from crosscheck.reporting.files import write_files

    out = writable(Path(args.out))
    docs = writable_file(args.docs, "--docs")
    stale = 0
    emit(f"{len(FINDINGS)} findings (crosscheck/findings/ledger.py), each measured again here:")
    for f in FINDINGS:
        status, measured, why = verify(f)
        stale += status not in (REPRODUCES, NOT_INSTALLED)
        figures = ", ".join(f"{a} {fig:.1e}" + (f" (now {measured[a]:.1e})" if a in measured else "")
                            for a, fig in f.figures)
        emit(f"{f.id}: {status}{' (' + why + ')' if why else ''}")
        emit(f"  {f.engine} {f.dtype} ({f.framework} {f.observed}): {f.op}")
        emit(textwrap.fill(f"figures: {figures}", 100, initial_indent="  ", subsequent_indent="    "))
    scripts = out / "reproductions"
    scripts.mkdir(parents=True, exist_ok=True)
    for f in FINDINGS:
        shutil.copyfile(f.reproduction, scripts / f.reproduction.name)
    text = page(FINDINGS)
    write_files(out, {"findings.md": text})
    if docs is not None:
        write_files(docs.parent, {docs.name: text})
    emit(textwrap.fill(f"written: {out / 'findings.md'}, {scripts}/ (python {scripts}/NAME.py)"
                       + (f", {docs}" if docs else ""), 100, subsequent_indent="  "))
    if stale:
        emit(f"{stale} finding(s) {GONE} or changed: update crosscheck/findings/ledger.py")
    return EXIT_FAIL if stale else EXIT_PASS
