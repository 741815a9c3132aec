"""The audit of the article's derivations: a verdict for every printed step.

Scalar steps (reference/derivations.py) are compared with the true value of what they
state: first at 24 random points (a difference is a counterexample: ``wrong``), then,
when the points agree, by SymPy simplification (``symbolic``) or, where simplification
is not conclusive, by the points alone (``numeric``).  The matrix formulas of the
summary and of "Wrapping up" are evaluated as printed on a network with non-square
layers and different activations per layer, and compared with the reference.
Verdicts: ``holds``, ``wrong`` (with the corrected form), ``notation only`` (what the
line means is right, the way it is written is not).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

AUDIT_COLUMNS = ["section", "step", "printed", "verdict", "corrected", "note", "method"]
POINTS = 24
DOMAINS = {"a": (0.05, 0.95), "y": (0.05, 0.95), "p": (0.1, 3.0), "q": (0.1, 3.0), "t": (0.1, 3.0)}


def _concrete(expr):
    """Replace the generic g(t) of the ln rule by a concrete positive function."""
    import sympy as sp

    from crosscheck.reference.derivations import g, t

    return expr.replace(g, sp.Lambda(t, t ** 2 + 1)).doit()


def same(lhs, rhs, seed: int = 0) -> tuple[bool, str]:
    """(equal?, method): a counterexample at random points decides 'not equal' at once."""
    import sympy as sp

    lhs, rhs = _concrete(sp.sympify(lhs)), _concrete(sp.sympify(rhs))
    diff = lhs - rhs
    symbols = sorted(lhs.free_symbols | rhs.free_symbols, key=str)
    rng = np.random.default_rng(seed)
    points = [rng.uniform(*DOMAINS.get(str(s), (-2.0, 2.0)), POINTS) for s in symbols]
    f, size = sp.lambdify(symbols, diff, "numpy"), sp.lambdify(symbols, abs(lhs) + abs(rhs), "numpy")
    with np.errstate(all="ignore"):
        d, scale = np.broadcast_to(f(*points), (POINTS,)), np.broadcast_to(size(*points), (POINTS,))
    if not np.all(np.abs(d) <= 1e-9 * (1 + scale)):
        return False, "numeric counterexample"
    if sp.simplify(sp.expand_log(diff, force=True)) == 0:
        return True, "symbolic"
    return True, f"numeric ({POINTS} random points)"


def _text(expr) -> str:
    import sympy as sp

    return sp.sstr(expr)


def scalar_rows() -> list[dict]:
    from crosscheck.reference.derivations import STEPS

    rows = []
    for s in STEPS:
        if s.meant is not None:
            ok, method = same(s.meant, s.truth if s.meant_truth is None else s.meant_truth)
            verdict = "notation only" if ok else "wrong"
        else:
            ok, method = same(s.expr, s.truth)
            verdict = "holds" if ok else "wrong"
        corrected = "" if verdict != "wrong" else (s.corrected or _text(s.truth))
        rows.append({"section": s.section, "step": s.step, "printed": s.text, "verdict": verdict,
                     "corrected": corrected, "note": s.note, "method": method})
    return rows


@dataclass(frozen=True)
class MatrixStep:
    section: str
    step: str
    printed: str
    value: object  # (net) -> the printed formula evaluated
    truth: object  # (net) -> the correct value
    notation: str = ""  # set when the line's meaning is right and its writing is not
    corrected: str = ""
    note: str = ""


def _network(activations):
    """A network with non-square layers (3-5-4-1), m = 6, and its reference trace."""
    from crosscheck import reference

    rng = np.random.default_rng(7)
    sizes, m = (3, 5, 4, 1), 6
    P = {}
    for l in range(1, 4):
        P[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1]))
        P[f"b{l}"] = rng.standard_normal((sizes[l], 1))
    X, Y = rng.standard_normal((3, m)), (rng.random((1, m)) < 0.5) * 1.0
    t = reference.trace(P, X, Y, activations)
    g = [None] + [reference.activation(n) for n in activations]
    return {"P": P, "X": X, "Y": Y, "t": t, "g": g, "m": m, "L": 3}


def _sigmoid_prime(Z):
    from crosscheck import reference

    return reference.activation("sigmoid").g_prime(Z)


MIXED = ("tanh", "relu", "sigmoid")  # g[L-1] != g[L] and g[1] != g[2]: layer slips show
SIGMOID = ("sigmoid", "sigmoid", "sigmoid")  # the article's own network

W = lambda n, l: n["P"][f"W{l}"]  # noqa: E731
A = lambda n, l: n["t"].A[l]  # noqa: E731
Z = lambda n, l: n["t"].Z[l]  # noqa: E731
dZ = lambda n, l: n["t"].dZ[l]  # noqa: E731
gp = lambda n, l, at: n["g"][l].g_prime(Z(n, at))  # noqa: E731   g'[l](Z[at])


MATRIX_STEPS = (
    MatrixStep("summary: forward", "1", "Z[1] = W[1] X + b[1]", lambda n: W(n, 1) @ n["X"] + n["P"]["b1"],
               lambda n: Z(n, 1)),
    MatrixStep("summary: forward", "2", "A[1] = g[1](Z[1])", lambda n: n["g"][1].g(Z(n, 1)), lambda n: A(n, 1)),
    MatrixStep("summary: forward", "3", "Z[2] = W[2] A[1] + b[2]", lambda n: W(n, 2) @ A(n, 1) + n["P"]["b2"],
               lambda n: Z(n, 2)),
    MatrixStep("summary: forward", "4", "A[2] = g[2](Z[2])", lambda n: n["g"][2].g(Z(n, 2)), lambda n: A(n, 2)),
    MatrixStep("summary: forward", "5", "A[L] = g[L](Z[L]) = Ŷ", lambda n: n["g"][3].g(Z(n, 3)), lambda n: A(n, 3)),
    MatrixStep("summary: backward", "1", "dZ[L] = A[L] − Y", lambda n: A(n, 3) - n["Y"], lambda n: dZ(n, 3)),
    MatrixStep("summary: backward", "2", "dW[L] = (1/m) dZ[L] A[L]T", lambda n: dZ(n, 3) @ A(n, 3).T / n["m"],
               lambda n: n["t"].dW[3], corrected="dW[L] = (1/m) dZ[L] A[L−1]T"),
    MatrixStep("summary: backward", "3", "db[L] = (1/m) np.sum(dZ[L], axis=1, keepdims=True)",
               lambda n: np.sum(dZ(n, 3), axis=1, keepdims=True) / n["m"], lambda n: n["t"].db[3]),
    MatrixStep("summary: backward", "4", "dZ[L−1] = W[L]T dZ[L] g'[L](Z[L−1])",
               lambda n: (W(n, 3).T @ dZ(n, 3)) * gp(n, 3, 2), lambda n: dZ(n, 2),
               corrected="dZ[L−1] = W[L]T dZ[L] * g'[L−1](Z[L−1])",
               note="g' of the wrong layer (it coincides for the article's all-sigmoid network); the element-wise "
               "* is missing too"),
    MatrixStep("summary: backward", "5", "dZ[1] = W[L]T dZ[2] g'[1](Z[1])",
               lambda n: (W(n, 3).T @ dZ(n, 2)) * gp(n, 1, 1), lambda n: dZ(n, 1),
               corrected="dZ[1] = W[2]T dZ[2] * g'[1](Z[1])"),
    MatrixStep("summary: backward", "6", "dW[1] = (1/m) dZ[1] A[1]T", lambda n: dZ(n, 1) @ A(n, 1).T / n["m"],
               lambda n: n["t"].dW[1], corrected="dW[1] = (1/m) dZ[1] A[0]T = (1/m) dZ[1] XT"),
    MatrixStep("summary: backward", "7", "db[1] = (1/m) np.sum(dZ[1], axis=1, keepdims=True)",
               lambda n: np.sum(dZ(n, 1), axis=1, keepdims=True) / n["m"], lambda n: n["t"].db[1]),
    MatrixStep("Wrapping up", "1", "∂L[L−1]/∂Z = dW[L]T · dZ[L] * g'[L](Z[L−1])",
               lambda n: (n["t"].dW[3].T @ dZ(n, 3)) * gp(n, 3, 2), lambda n: dZ(n, 2),
               corrected="dZ[L−1] = W[L]T dZ[L] * g'[L−1](Z[L−1])",
               note="dW[L] where W[L] is meant, and g' of the wrong layer; the left side means dZ[L−1]"),
    MatrixStep("Wrapping up", "2", "= ∂L/∂A[L] · ∂A[L]/∂Z[L] · ∂Z[L]/∂A[L−1] · ∂A[L−1]/∂Z[L−1]",
               lambda n: (W(n, 3).T @ (n["t"].dA[3] * gp(n, 3, 3))) * gp(n, 2, 2), lambda n: dZ(n, 2),
               notation="the chain rule, with · standing for a matrix product or an element-wise one as the "
               "shapes require"),
    MatrixStep("Wrapping up", "3", "∂L/∂A[L] · ∂A[L]/∂Z[L] is dz (= A[L] − Y)",
               lambda n: n["t"].dA[3] * gp(n, 3, 3), lambda n: dZ(n, 3)),
    MatrixStep("Wrapping up", "4", "∂Z[L]/∂A[L−1] evaluates to W[1]", lambda n: W(n, 1), lambda n: W(n, 3),
               corrected="∂Z[L]/∂A[L−1] = W[L]"),
    MatrixStep("Wrapping up", "5", "∂A[L−1]/∂Z[L−1] is ∂a/∂z, [2] the derivative of sigmoid",
               lambda n: _sigmoid_prime(Z(n, 2)), lambda n: gp(n, 2, 2),
               note="true for the article's sigmoid layers (checked on them); in general g'[L−1](Z[L−1])"),
    MatrixStep("Wrapping up", "6", "∂L[L−1]/∂Z = W[L]T · dZ[L] * g'[L](Z[L−1])",
               lambda n: (W(n, 3).T @ dZ(n, 3)) * gp(n, 3, 2), lambda n: dZ(n, 2),
               corrected="dZ[L−1] = W[L]T dZ[L] * g'[L−1](Z[L−1])",
               note="g' of the wrong layer (it coincides for the article's all-sigmoid network)"),
)


def matrix_rows() -> list[dict]:
    nets = {"mixed": _network(MIXED), "sigmoid": _network(SIGMOID)}
    rows = []
    for s in MATRIX_STEPS:
        net = nets["sigmoid" if s.section == "Wrapping up" and s.step == "5" else "mixed"]
        expected = s.truth(net)
        try:
            got = np.asarray(s.value(net))
            ok = got.shape == expected.shape and np.allclose(got, expected, rtol=1e-12, atol=1e-14)
            method = f"numeric, 3-5-4-1 {'sigmoid' if net is nets['sigmoid'] else '-'.join(MIXED)}, m = 6"
            if got.shape != expected.shape:
                method = f"shapes: printed gives {got.shape}, the true value is {expected.shape}"
        except ValueError:
            ok, method = False, "shapes do not conform: the printed product is undefined"
        verdict = ("notation only" if s.notation else "holds") if ok else "wrong"
        rows.append({"section": s.section, "step": s.step, "printed": s.printed, "verdict": verdict,
                     "corrected": s.corrected if verdict == "wrong" else "",
                     "note": s.notation or s.note, "method": method})
    return rows


def audit() -> pd.DataFrame:
    """One row per printed step, AUDIT_COLUMNS."""
    return pd.DataFrame(scalar_rows() + matrix_rows(), columns=AUDIT_COLUMNS)


def audit_markdown(table: pd.DataFrame) -> str:
    counts = table["verdict"].value_counts()
    wrong = table[table["verdict"] == "wrong"]
    return "\n".join([
        "# Audit of the article's derivations", "",
        "Every printed step of *All the Backpropagation derivatives* (the article in "
        "`shared/seed/`), checked against the true value of what it states "
        "(`crosscheck audit`; method in `crosscheck/analyses/audit.py`).", "",
        ", ".join(f"{counts.get(v, 0)} {v}" for v in ("holds", "wrong", "notation only")) + ".", "",
        "## Lines to distrust", "",
        wrong[["section", "step", "printed", "corrected", "note"]].to_markdown(index=False), "",
        "## Every step", "",
        table.to_markdown(index=False), "",
    ])
