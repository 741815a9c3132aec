"""``crosscheck audit``: a verdict for every printed step of the article's derivations (SymPy)."""
from __future__ import annotations

from pathlib import Path

from crosscheck.cli.common import EXIT_FAIL, EXIT_PASS, emit, writable

HELP = "check every printed step of the article's derivations (SymPy)"


def add_parser(sub) -> None:
    aud = sub.add_parser("audit", help=HELP)
    aud.add_argument("--out", default="reports/audit", help="report folder (default: reports/audit)")
    aud.add_argument("--strict", action="store_true", help="exit 1 if any printed step is wrong")


def main(args) -> int:
    from crosscheck.analyses.audit import audit, audit_markdown
    from crosscheck.reporting.files import write_files

    out = writable(Path(args.out))
    table = audit()
    write_files(out, {"audit.csv": table.to_csv(index=False, lineterminator="\n"), "audit.md": audit_markdown(table)})
    counts = table["verdict"].value_counts()
    emit(table.groupby("section", sort=False)["verdict"]
         .agg(steps="size", holds=lambda v: int((v == "holds").sum()), wrong=lambda v: int((v == "wrong").sum()),
              notation_only=lambda v: int((v == "notation only").sum())).to_string())
    for row in table[table["verdict"] == "wrong"].itertuples():
        emit(f"WRONG {row.section} line {row.step}: {row.printed}  ->  {row.corrected}")
    emit(f"{len(table)} steps: {counts.get('holds', 0)} hold, {counts.get('wrong', 0)} wrong, "
         f"{counts.get('notation only', 0)} notation only; reports: {out / 'audit.csv'}, {out / 'audit.md'}")
    return EXIT_FAIL if args.strict and counts.get("wrong", 0) else EXIT_PASS
