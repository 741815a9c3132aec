"""Every printed step of the article's derivations, as printed (typos included), in SymPy.

Each ``PrintedStep`` says what the printed line claims to be (``truth``: the true value of that
quantity, e.g. the derivative it states) and what it says (``printed``, the expression
exactly as printed; ``meant`` where a notation slip makes the literal line unreadable).
crosscheck/analyses/audit.py decides the verdicts.  Symbols: one example, one neuron for [1]-[6]
(``z = w x + b``, ``a = sigma(z)``); the matrix formulas are in audit.py (numeric).
Imports SymPy only, so ``import reference`` does not load it.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

a, y = sp.symbols("a y", positive=True)
z, w, x, b = sp.symbols("z w x b", real=True)
p, q = sp.symbols("p q", positive=True)
t = sp.symbols("t", positive=True)

sigma = 1 / (1 + sp.exp(-z))
L_of_a = -(y * sp.log(a) + (1 - y) * sp.log(1 - a))  # the loss of one example
L_of_z = L_of_a.subs(a, sigma)
loglik_of_z = -L_of_z  # what the direct computation of [5] works with, from its line 10 on
zwxb = w * x + b
dL_da_true = sp.diff(L_of_a, a)
dsigma_true = sp.diff(sigma, z)
dL_dz_true = (sp.diff(L_of_z, z)).subs(sp.exp(-z), (1 - a) / a)  # = a - y, in terms of a
dL_dw_true = sp.diff(L_of_z.subs(z, zwxb), w)
dL_db_true = sp.diff(L_of_z.subs(z, zwxb), b)


@dataclass(frozen=True)
class PrintedStep:
    """One printed line: ``printed`` (text), ``expr`` (as printed), ``truth`` (what it claims)."""

    section: str
    step: str
    text: str
    expr: object
    truth: object
    meant: object = None  # for a notation slip: the expression the line means
    note: str = ""
    meant_truth: object = None  # what ``meant`` should equal, when not ``truth``
    corrected: str = ""  # for a wrong line: the corrected form (text)


S = PrintedStep
f = sp.Function("f")
g = sp.Function("g")

STEPS = (
    # [1] derivative of the cost with respect to a -------------------------------------
    S("[1] dL/da", "1", "∂L/∂a = [y ln(a) + (1 − y) ln(1 − a)]", y * sp.log(a) + (1 - y) * sp.log(1 - a), L_of_a,
      meant=L_of_a, note="means: differentiate L = −[y ln(a) + (1 − y) ln(1 − a)]; as printed the derivative "
      "equals the loss bracket, without its minus"),
    S("[1] dL/da", "2", "[−y ln(a) − (1 − y) ln(1 − a)]", -y * sp.log(a) - (1 - y) * sp.log(1 - a), L_of_a),
    S("[1] dL/da", "3", "d/da[−y ln(a)] = −y / ln(a)", -y / sp.log(a), sp.diff(-y * sp.log(a), a),
      corrected="−y / a"),
    S("[1] dL/da", "4", "d/dx[ln g(x)] = g'(x) / g(x)", sp.diff(g(t), t) / g(t), sp.diff(sp.log(g(t)), t)),
    S("[1] dL/da", "5", "∂L/∂a = [−y/a − (−)(1 − y)/(1 − a)]", -y / a - (-1) * (1 - y) / (1 - a), dL_da_true),
    S("[1] dL/da", "6", "∂L/∂a = [−y/a + (1 − y)/(1 − a)]", -y / a + (1 - y) / (1 - a), dL_da_true),
    S("[1] dL/da", "7", "∂a = a(1 − a)  (under the final result of [1])", a * (1 - a), dL_da_true,
      meant=a * (1 - a), note="a stray line: it is [2]'s result da/dz = a(1 − a), not part of dL/da",
      meant_truth=dsigma_true.subs(sp.exp(-z), (1 - a) / a)),
    S("[1] derivative of ln", "1", "e^{f(x)} = x  (f = ln)", sp.exp(sp.log(t)), t),
    S("[1] derivative of ln", "2", "e^{f(x)} · f'(x) = 1", sp.exp(sp.log(t)) * sp.diff(sp.log(t), t), sp.Integer(1)),
    S("[1] derivative of ln", "3", "x · f'(x) = 1", t * sp.diff(sp.log(t), t), sp.Integer(1)),
    S("[1] derivative of ln", "4", "[ln(x)]' = 1/x", 1 / t, sp.diff(sp.log(t), t)),
    # [2] the sigmoid derivative -----------------------------------------------------
    S("[2] sigmoid'", "1", "sigma(z) = 1/(1 + e^{−z})", 1 / (1 + sp.exp(-z)), sigma),
    S("[2] sigmoid'", "2", "(1 + e^{−z})^{−1}", (1 + sp.exp(-z)) ** -1, sigma),
    S("[2] sigmoid'", "3", "sigma'(z) = −(1 + e^{−z})^{−1} · [e^{−z} · −1]", -(1 + sp.exp(-z)) ** -1 * (sp.exp(-z) * -1),
      dsigma_true, corrected="−(1 + e^{−z})^{−2} · [e^{−z} · −1]"),
    S("[2] sigmoid'", "4", "e^{−z} / (1 + e^{−z})^2", sp.exp(-z) / (1 + sp.exp(-z)) ** 2, dsigma_true),
    S("[2] sigmoid'", "5", "1/(1 + e^{−z}) · (1 + e^{−z} − 1)/(1 + e^{−z})",
      1 / (1 + sp.exp(-z)) * (1 + sp.exp(-z) - 1) / (1 + sp.exp(-z)), dsigma_true),
    S("[2] sigmoid'", "6", "(1 + e^{−z} − 1)/(1 + e^{−z}) = [1 − 1/(1 + e^{−z})]", 1 - 1 / (1 + sp.exp(-z)),
      (1 + sp.exp(-z) - 1) / (1 + sp.exp(-z))),
    S("[2] sigmoid'", "7", "(1 − sig(z))", 1 - sigma, 1 - 1 / (1 + sp.exp(-z))),
    S("[2] sigmoid'", "8", "sig(z) · (1 − sig(z))", sigma * (1 - sigma), dsigma_true),
    S("[2] sigmoid'", "9", "a(1 − a)", (a * (1 - a)).subs(a, sigma), dsigma_true),
    # [3] dL/dz ------------------------------------------------------------------------
    S("[3] dL/dz", "1", "∂L/∂a · ∂a/∂z", dL_da_true * a * (1 - a), dL_dz_true),
    S("[3] dL/dz", "2", "−[y/a − (1 − y)/(1 − a)] · a(1 − a)", -(y / a - (1 - y) / (1 - a)) * a * (1 - a), dL_dz_true),
    S("[3] dL/dz", "3", "−[y(1 − a)/(a(1 − a)) − a(1 − y)/(a(1 − a))] · a(1 − a)",
      -(y * (1 - a) / (a * (1 - a)) - a * (1 - y) / (a * (1 - a))) * a * (1 - a), dL_dz_true),
    S("[3] dL/dz", "4", "−[(y(1 − a) + a(1 − y)) / (a(1 − a))] · a(1 − a)",
      -((y * (1 - a) + a * (1 - y)) / (a * (1 - a))) * a * (1 - a), dL_dz_true,
      corrected="−[(y(1 − a) − a(1 − y)) / (a(1 − a))] · a(1 − a)"),
    S("[3] dL/dz", "5", "−y(1 − a) + a(1 − y)", -y * (1 - a) + a * (1 - y), dL_dz_true),
    S("[3] dL/dz", "6", "−y + ya + a − ay", -y + y * a + a - a * y, dL_dz_true),
    S("[3] dL/dz", "7", "−y + a", -y + a, dL_dz_true),
    S("[3] dL/dz", "8", "a − y", a - y, dL_dz_true),
    # [4] dz/dw ------------------------------------------------------------------------
    S("[4] dz/dw", "1", "z = W^T X + b", w * x + b, zwxb, meant=w * x + b,
      note="W^T x is the row form of one neuron; the network's convention is Z = W X + b (same derivative)"),
    S("[4] dz/dw", "2", "∂z/∂w = X", x, sp.diff(zwxb, w)),
    # [5] dL/dw: chain rule ----------------------------------------------------------
    S("[5] dL/dw, chain rule", "1", "∂L/∂z · x", (sigma - y).subs(z, zwxb) * x, dL_dw_true),
    S("[5] dL/dw, chain rule", "2", "x(a − y)", x * (sigma.subs(z, zwxb) - y), dL_dw_true),
    S("[5] dL/dw, chain rule", "3", "∂L/∂w = ∂L/∂a · ∂a/∂z · ∂z/∂w",
      dL_da_true.subs(a, sigma.subs(z, zwxb)) * dsigma_true.subs(z, zwxb) * x, dL_dw_true),
    # [5] dL/dw: direct computation --------------------------------------------------
    S("[5] dL/dw, direct", "1", "−Σ[y ln(a) + (1 − y) ln(1 − a)]", -(y * sp.log(sigma) + (1 - y) * sp.log(1 - sigma)),
      L_of_z, note="one example: Σ dropped"),
    S("[5] dL/dw, direct", "2", "ln(a) = ln(1 + e^{−z})^{−1}", sp.log((1 + sp.exp(-z)) ** -1), sp.log(sigma)),
    S("[5] dL/dw, direct", "3", "−ln(1 + e^{−z})", -sp.log(1 + sp.exp(-z)), sp.log(sigma)),
    S("[5] dL/dw, direct", "4", "ln(1 − a) = ln(e^{−z}/(1 + e^{−z}))", sp.log(sp.exp(-z) / (1 + sp.exp(-z))),
      sp.log(1 - sigma)),
    S("[5] dL/dw, direct", "5", "(−z − ln(1 + e^{−z}))", -z - sp.log(1 + sp.exp(-z)), sp.log(1 - sigma)),
    S("[5] dL/dw, direct", "6", "log(p/q) = log(p) − log(q)", sp.log(p) - sp.log(q), sp.log(p / q)),
    S("[5] dL/dw, direct", "7", "Σ −y ln(1 + e^{−z}) [(1 − y)(−z − ln(1 + e^{−z}))]  (plugged into the cost)",
      -y * sp.log(1 + sp.exp(-z)) * ((1 - y) * (-z - sp.log(1 + sp.exp(-z)))), L_of_z,
      corrected="−[−y ln(1 + e^{−z}) + (1 − y)(−z − ln(1 + e^{−z}))]",
      note="a '+' is missing between the terms (as printed it is a product) and the cost's outer minus is "
      "dropped: from here on the lines are the log-likelihood −L, until −[yx − x sig(z)] restores the sign"),
    S("[5] dL/dw, direct", "8", "Σ −y ln(1 + e^{−z}) − z − ln(1 + e^{−z}) + yz + y ln(1 + e^{−z})",
      -y * sp.log(1 + sp.exp(-z)) - z - sp.log(1 + sp.exp(-z)) + y * z + y * sp.log(1 + sp.exp(-z)), loglik_of_z,
      note="the log-likelihood −L (see line 7)"),
    S("[5] dL/dw, direct", "9", "−z − ln(1 + e^{−z}) + yz", -z - sp.log(1 + sp.exp(-z)) + y * z, loglik_of_z),
    S("[5] dL/dw, direct", "10", "yz − [z + ln(1 + e^{−z})]", y * z - (z + sp.log(1 + sp.exp(-z))), loglik_of_z),
    S("[5] dL/dw, direct", "11", "yz − [ln(e^z) + ln(1 + e^{−z})]", y * z - (sp.log(sp.exp(z)) + sp.log(1 + sp.exp(-z))),
      loglik_of_z),
    S("[5] dL/dw, direct", "12", "yz − [ln((e^z) · (1 + e^{−z}))]", y * z - sp.log(sp.exp(z) * (1 + sp.exp(-z))),
      loglik_of_z),
    S("[5] dL/dw, direct", "13", "ln(a) + ln(b) = ln(a · b)", sp.log(p * q), sp.log(p) + sp.log(q)),
    S("[5] dL/dw, direct", "14", "caption: add e^{z+z}", sp.exp(z + z), sp.exp(z) * sp.exp(-z),
      meant=sp.exp(z + (-z)), note="means e^z · e^{−z} = e^{z + (−z)} = 1, which turns e^z(1 + e^{−z}) into 1 + e^z"),
    S("[5] dL/dw, direct", "15", "yz − [ln(1 + e^z)]", y * z - sp.log(1 + sp.exp(z)), loglik_of_z),
    S("[5] dL/dw, direct", "16", "[yz − ln(1 + e^z)]", y * z - sp.log(1 + sp.exp(z)), loglik_of_z),
    S("[5] dL/dw, direct", "17", "∂L/∂w [yz − ln(1 + e^z)]  (take derivative w.r.t. W)", sp.Integer(0),
      sp.diff(loglik_of_z.subs(z, zwxb), w), meant=sp.diff((y * z - sp.log(1 + sp.exp(z))).subs(z, zwxb), w),
      note="∂L/∂w is written where the operator ∂/∂w is meant"),
    S("[5] dL/dw, direct", "18", "yx − x · e^{wx}/(1 + e^{wx})", y * x - x * sp.exp(w * x) / (1 + sp.exp(w * x)),
      sp.diff(loglik_of_z.subs(z, zwxb), w), meant=y * x - x * sp.exp(zwxb) / (1 + sp.exp(zwxb)),
      note="b is left out of the exponent: e^{wx} stands for e^{z} = e^{wx + b}"),
    S("[5] dL/dw, direct", "19", "x · sig(z)  (the second term)", x * sigma.subs(z, zwxb),
      x * sp.exp(zwxb) / (1 + sp.exp(zwxb))),
    S("[5] dL/dw, direct", "20", "−[yx − x · sig(z)]", -(y * x - x * sigma.subs(z, zwxb)), dL_dw_true),
    S("[5] dL/dw, direct", "21", "−x[y − sig(z)]", -x * (y - sigma.subs(z, zwxb)), dL_dw_true),
    S("[5] dL/dw, direct", "22", "∂L/∂w = x[a − y]", x * (sigma.subs(z, zwxb) - y), dL_dw_true),
    # [6] dL/db ------------------------------------------------------------------------
    S("[6] dL/db", "1", "∂L/∂z · ∂z/∂b", (sigma - y).subs(z, zwxb) * sp.diff(zwxb, b), dL_db_true),
    S("[6] dL/db", "2", "∂L/∂z", (sigma - y).subs(z, zwxb), dL_db_true),
    S("[6] dL/db", "3", "a − y", sigma.subs(z, zwxb) - y, dL_db_true),
    S("[6] dL/db, direct", "4", "[yz − ln(1 + e^z)]  (z = wX + b)", (y * z - sp.log(1 + sp.exp(z))).subs(z, zwxb),
      loglik_of_z.subs(z, zwxb)),
    S("[6] dL/db, direct", "5", "∂L/∂b y(wX + b) − ∂L/∂b ln(1 + e^{wX+b})", sp.Integer(0),
      sp.diff(loglik_of_z.subs(z, zwxb), b), meant=sp.diff(y * zwxb, b) - sp.diff(sp.log(1 + sp.exp(zwxb)), b),
      note="∂L/∂b is written where the operator ∂/∂b is meant"),
    S("[6] dL/db, direct", "6", "d/db ln(1 + e^{wX+b}) = e^{wX+b}/(1 + e^{wX+b})",
      sp.exp(zwxb) / (1 + sp.exp(zwxb)), sp.diff(sp.log(1 + sp.exp(zwxb)), b)),
    S("[6] dL/db, direct", "7", "[a − y]", sigma.subs(z, zwxb) - y, dL_db_true,
      note="the line before is the derivative of the log-likelihood, y − a; the sign flips silently"),
)
