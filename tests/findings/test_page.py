"""``crosscheck findings``: the committed docs/findings.md is the ledger's page, every
reproduction is written out, and a stale figure exits 1."""
from __future__ import annotations

from dataclasses import replace

from crosscheck.cli import main
from crosscheck.findings import ledger
from crosscheck.findings.ledger import FINDINGS
from crosscheck.findings.page import page
from tests.support import ROOT


def test_docs_findings_md_is_the_ledger_s_page():
    assert (ROOT / "docs" / "findings.md").read_text() == page(FINDINGS), \
        "regenerate it: crosscheck findings --docs docs/findings.md"


def test_the_command_writes_the_page_and_every_reproduction_and_fails_on_a_stale_figure(tmp_path, monkeypatch, capsys):
    quick = tuple(f for f in FINDINGS if f.engine in ("torch", "mlx"))  # TensorFlow's import takes seconds
    monkeypatch.setattr(ledger, "FINDINGS", quick)
    assert main(["findings", "--out", str(tmp_path / "f")]) == 0
    out = capsys.readouterr().out
    assert all(f"{f.id}: reproduces" in out for f in quick if f.engine == "torch")
    assert all(len(line) <= 100 for line in out.splitlines())
    assert (tmp_path / "f" / "findings.md").read_text() == page(quick)
    assert {p.name for p in (tmp_path / "f" / "reproductions").iterdir()} == {f"{f.script}.py" for f in quick}
    stale = (replace(quick[0], figures=tuple((a, fig * 10) for a, fig in quick[0].figures)),)
    monkeypatch.setattr(ledger, "FINDINGS", stale)
    assert main(["findings", "--out", str(tmp_path / "g")]) == 1
    assert f"{stale[0].id}: changed" in capsys.readouterr().out
