"""The audit of the article: each verdict pinned, the checker shown to tell right from wrong,
and the committed reports/audit/ kept in step with the code."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sympy as sp

from crosscheck.analyses.audit import MATRIX_STEPS, MIXED, _network, audit, audit_markdown, same
from crosscheck.cli import main
from crosscheck.reference import derivations as d
from tests.support import ROOT

WRONG = {
    ("[1] dL/da", "3"), ("[2] sigmoid'", "3"), ("[3] dL/dz", "4"), ("[5] dL/dw, direct", "7"),
    ("summary: backward", "2"), ("summary: backward", "4"), ("summary: backward", "5"), ("summary: backward", "6"),
    ("Wrapping up", "1"), ("Wrapping up", "4"), ("Wrapping up", "6"),
}
NOTATION_ONLY = {
    ("[1] dL/da", "1"), ("[1] dL/da", "7"), ("[4] dz/dw", "1"), ("[5] dL/dw, direct", "14"),
    ("[5] dL/dw, direct", "17"), ("[5] dL/dw, direct", "18"), ("[6] dL/db, direct", "5"), ("Wrapping up", "2"),
}


@pytest.fixture(scope="module")
def table():
    return audit()


def test_every_listed_part_of_the_article_is_audited(table):
    sections = set(table["section"])
    for part in ("[1] dL/da", "[1] derivative of ln", "[2] sigmoid'", "[3] dL/dz", "[4] dz/dw",
                 "[5] dL/dw, chain rule", "[5] dL/dw, direct", "[6] dL/db", "[6] dL/db, direct",
                 "summary: forward", "summary: backward", "Wrapping up"):
        assert part in sections
    assert len(table) == 80 and not table.duplicated(["section", "step"]).any()


def test_each_verdict_is_pinned(table):
    for row in table.itertuples():
        key = (row.section, row.step)
        expected = "wrong" if key in WRONG else "notation only" if key in NOTATION_ONLY else "holds"
        assert row.verdict == expected, f"{key}: {row.printed}"
        assert bool(row.corrected) == (expected == "wrong"), key


def test_the_scalar_check_tells_right_from_wrong():
    assert same(-d.y / d.a + (1 - d.y) / (1 - d.a), d.dL_da_true) == (True, "symbolic")
    assert same(-d.y / sp.log(d.a), d.dL_da_true)[0] is False
    # the corrected forms of the wrong scalar lines hold
    assert same(-d.y / d.a, sp.diff(-d.y * sp.log(d.a), d.a))[0]
    assert same(-(1 + sp.exp(-d.z)) ** -2 * (sp.exp(-d.z) * -1), d.dsigma_true)[0]
    assert same(-((d.y * (1 - d.a) - d.a * (1 - d.y)) / (d.a * (1 - d.a))) * d.a * (1 - d.a), d.dL_dz_true)[0]
    assert same(-(-d.y * sp.log(1 + sp.exp(-d.z)) + (1 - d.y) * (-d.z - sp.log(1 + sp.exp(-d.z)))), d.L_of_z)[0]


def test_the_corrected_matrix_formulas_hold():
    n = _network(MIXED)
    t, P = n["t"], n["P"]
    corrected = {
        ("summary: backward", "2"): (t.dZ[3] @ t.A[2].T / n["m"], t.dW[3]),
        ("summary: backward", "4"): ((P["W3"].T @ t.dZ[3]) * n["g"][2].g_prime(t.Z[2]), t.dZ[2]),
        ("summary: backward", "5"): ((P["W2"].T @ t.dZ[2]) * n["g"][1].g_prime(t.Z[1]), t.dZ[1]),
        ("summary: backward", "6"): (t.dZ[1] @ n["X"].T / n["m"], t.dW[1]),
    }
    for key, (value, truth) in corrected.items():
        np.testing.assert_allclose(value, truth, rtol=1e-12, err_msg=str(key))
    assert {(s.section, s.step) for s in MATRIX_STEPS} >= set(corrected)


def test_committed_audit_is_what_the_code_says(table):
    folder = ROOT / "reports" / "audit"
    committed = pd.read_csv(folder / "audit.csv", keep_default_na=False, dtype=str)
    fresh = table.astype(str)
    assert committed.equals(fresh), "run `crosscheck audit` and commit reports/audit/"
    assert (folder / "audit.md").read_text() == audit_markdown(table)


def test_cli_exit_codes(tmp_path, capsys):
    assert main(["audit", "--out", str(tmp_path)]) == 0
    assert "80 steps: 61 hold, 11 wrong, 8 notation only" in capsys.readouterr().out
    assert main(["audit", "--out", str(tmp_path), "--strict"]) == 1
