"""The catalogue of formula mutants: each replaces exactly one formula of the reference.

``article`` mutants are the backprop formulas the article prints wrongly, taken
literally; ``common`` ones are the slips people make deriving by hand; ``per-example``
ones the slips of code that computes each example's gradient (Opacus' and BackPACK's
hand-written outer products, their mean/sum scaling).  A mutant runs as
an engine (the reference's code with the one formula changed, in the scenario's dtype)
and is killed when at least one check fails.  ``equivalent`` mutants cannot change any
result; tests/analyses/test_mutants.py proves each one bit for bit.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from crosscheck import reference
from crosscheck.adapters.base import Engine, Trace
from crosscheck.checks.per_example import per_example_chunk
from crosscheck.reference.activations import activation
from crosscheck.reference.steps import FORMULAS, Formulas, Step


@dataclass(frozen=True)
class Mutant:
    id: str
    tag: str  # "article", "common" or "per-example"
    equation: str  # the article equation it perturbs
    description: str
    formulas: Formulas
    equivalent: str = ""  # why it cannot change any result; "" for a real mutant


def _only_at(layer_of, mutated, correct):
    """A step that is ``mutated`` at the layer ``layer_of(step)`` selects, else ``correct``."""
    return lambda s: mutated(s) if s.l == layer_of(s) else correct(s)


def _g_prime_from(rewrite: dict):
    """g'[l-1] with the derivative of some activations rewritten as a function of (Z, A)."""
    def g_prime(s: Step):
        name = s.activations[s.l - 2]
        if name in rewrite:
            return rewrite[name](s.Z[s.l - 1], s.A[s.l - 1])
        return FORMULAS.g_prime_prev(s)
    return g_prime


def _count(dZ, span: slice) -> int:
    """How many examples ``span`` (a slice of the batch) holds."""
    return len(range(*span.indices(dZ.shape[1])))


def _m(**changes) -> Formulas:
    return replace(FORMULAS, **changes)


CATALOGUE: tuple[Mutant, ...] = (
    # --- the article, as printed -------------------------------------------------------
    Mutant("article-dW[L]-uses-A[L]", "article", "summary: dW[L]",
           "printed dW[L] = (1/m) dZ[L] A[L]T; correct dW[L] = (1/m) dZ[L] A[L-1]T",
           _m(dW=_only_at(lambda s: s.L, lambda s: reference.dW(s.dZ[s.l], s.A[s.l]), FORMULAS.dW))),
    Mutant("article-dW[1]-uses-A[1]", "article", "summary: dW[1]",
           "printed dW[1] = (1/m) dZ[1] A[1]T; correct dW[1] = (1/m) dZ[1] A[0]T = (1/m) dZ[1] XT",
           _m(dW=_only_at(lambda s: 1, lambda s: reference.dW(s.dZ[s.l], s.A[s.l]), FORMULAS.dW))),
    Mutant("article-g'[L]-for-layer-L-1", "article", "summary and Wrapping up: dZ[L-1]",
           "printed dZ[L-1] = W[L]T dZ[L] g'[L](Z[L-1]); correct ... * g'[L-1](Z[L-1]) (the derivative of "
           "the wrong layer's activation, also the most common slip of all)",
           _m(g_prime_prev=lambda s: activation(s.activations[s.l - 1]).g_prime(s.Z[s.l - 1]))),
    Mutant("article-dZ[1]-uses-W[L]", "article", "summary: dZ[1]",
           "printed dZ[1] = W[L]T dZ[2] g'[1](Z[1]); correct dZ[1] = W[2]T dZ[2] * g'[1](Z[1])",
           _m(dA_prev=_only_at(lambda s: 2, lambda s: reference.dA_prev(s.W(s.L), s.dZ[s.l]),
                               FORMULAS.dA_prev))),
    Mutant("article-wrapping-up-dW[L]T", "article", "Wrapping up: dZ[L-1]",
           "printed dL/dZ[L-1] = dW[L]T dZ[L] * g'[L](Z[L-1]); correct W[L]T dZ[L] * g'[L-1](Z[L-1])",
           _m(dA_prev=lambda s: reference.dA_prev(s.dW[s.l], s.dZ[s.l]),
              g_prime_prev=lambda s: activation(s.activations[s.l - 1]).g_prime(s.Z[s.l - 1]))),
    Mutant("article-dZ[L]/dA[L-1]-is-W[1]", "article", "Wrapping up: dZ[L]/dA[L-1]",
           "printed: dZ[L]/dA[L-1] evaluates to W[1]; correct: W[L] (dA[l-1] = W[l]T dZ[l])",
           _m(dA_prev=lambda s: reference.dA_prev(s.W(1), s.dZ[s.l]))),
    Mutant("article-[1]-y-over-ln-a", "article", "[1] dL/da, l.h.s.",
           "printed d/da[-y ln(a)] = -y/ln(a); correct -y/a, so dA[L] = -y/a + (1-y)/(1-a)",
           _m(output_dA=lambda s: -s.Y / np.log(s.A[s.L]) + (1 - s.Y) / (1 - s.A[s.L]))),
    Mutant("article-[2]-exponent-minus-1", "article", "[2] sigmoid derivative, chain-rule step",
           "printed -(1 + e^-z)^-1 [e^-z * -1] (exponent -1); correct -(1 + e^-z)^-2 [e^-z * -1], so "
           "sigma'(z) would be e^-z/(1 + e^-z) = 1 - a instead of a(1 - a)",
           _m(g_prime_prev=_g_prime_from({"sigmoid": lambda Z, A: 1 - A}))),
    Mutant("article-[3]-plus-in-numerator", "article", "[3] dL/dz, common-denominator step",
           "printed -[(y(1-a) + a(1-y)) / (a(1-a))] a(1-a); correct -[(y(1-a) - a(1-y)) / (a(1-a))] a(1-a), "
           "so dZ[L] would be -(y(1-a) + a(1-y)) instead of a - y",
           _m(output_dZ=lambda s: -(s.Y * (1 - s.A[s.L]) + s.A[s.L] * (1 - s.Y)))),
    # --- common slips ---------------------------------------------------------------
    Mutant("dW-missing-1/m", "common", "[5] dW", "dW[l] = dZ[l] A[l-1]T without 1/m",
           _m(dW=lambda s: s.dZ[s.l] @ s.A[s.l - 1].T)),
    Mutant("db-missing-1/m", "common", "[6] db", "db[l] = sum(dZ[l], axis=1, keepdims=True) without 1/m",
           _m(db=lambda s: np.sum(s.dZ[s.l], axis=1, keepdims=True))),
    Mutant("db-wrong-axis", "common", "[6] db", "db[l] = (1/m) sum(dZ[l], axis=0, keepdims=True)",
           _m(db=lambda s: np.sum(s.dZ[s.l], axis=0, keepdims=True) / s.m)),
    Mutant("db-no-keepdims", "common", "[6] db", "db[l] = (1/m) sum(dZ[l], axis=1): shape (n_l,), not (n_l, 1)",
           _m(db=lambda s: np.sum(s.dZ[s.l], axis=1) / s.m)),
    Mutant("Y-minus-A", "common", "[3] dZ[L]", "dZ[L] = Y - A[L] instead of A[L] - Y",
           _m(output_dZ=lambda s: s.Y - s.A[s.L])),
    Mutant("dA[L]-sign", "common", "[1] dA[L]", "dA[L] = y/a - (1-y)/(1-a): the minus sign of the loss dropped",
           _m(output_dA=lambda s: -FORMULAS.output_dA(s))),
    Mutant("sigmoid'-from-Z", "common", "[2] da/dz", "sigma'(z) taken as z(1 - z) instead of a(1 - a)",
           _m(g_prime_prev=_g_prime_from({"sigmoid": lambda Z, A: Z * (1 - Z)}))),
    Mutant("tanh'-as-1-Z^2", "common", "recursion: g'", "tanh'(z) taken as 1 - z^2 instead of 1 - a^2",
           _m(g_prime_prev=_g_prime_from({"tanh": lambda Z, A: 1 - Z ** 2}))),
    Mutant("W-not-transposed", "common", "recursion: dA[l-1]", "dA[l-1] = W[l] dZ[l] instead of W[l]T dZ[l]",
           _m(dA_prev=lambda s: s.W(s.l) @ s.dZ[s.l])),
    Mutant("recursion-uses-dW", "common", "recursion: dA[l-1]", "dA[l-1] = dW[l]T dZ[l] instead of W[l]T dZ[l]",
           _m(dA_prev=lambda s: reference.dA_prev(s.dW[s.l], s.dZ[s.l]))),
    Mutant("divide-by-n_x", "common", "[5] dW", "dW[l] = (1/n_x) dZ[l] A[l-1]T: the input width instead of m",
           _m(dW=lambda s: s.dZ[s.l] @ s.A[s.l - 1].T / s.A[0].shape[0])),
    Mutant("dW-transposed", "common", "[5] dW", "dW[l] = (1/m) A[l-1] dZ[l]T: the transpose of dW[l]",
           _m(dW=lambda s: s.A[s.l - 1] @ s.dZ[s.l].T / s.m)),
    Mutant("leaky_relu'-slope-1", "common", "recursion: g'",
           "leaky_relu'(z) = 1 everywhere (the slope 0.01 for z < 0 forgotten)",
           _m(g_prime_prev=_g_prime_from({"leaky_relu": lambda Z, A: np.ones_like(Z)}))),
    # --- per-example gradients (x(a - y) of each example: Opacus, BackPACK, torch.func) ------
    Mutant("per-example-is-batch-dW", "per-example", "[5] dW per example",
           "dW_i[l] = dW[l] for every example i: the batch gradient broadcast, not each example's x(a - y)",
           _m(dW_per_example=lambda dZ, A, span: np.repeat(reference.dW(dZ, A)[None], _count(dZ, span), axis=0))),
    Mutant("per-example-dW-times-m", "per-example", "[5] dW per example",
           "dW_i[l] = m dZ_i[l] A_i[l-1]^T: a sum-reduced loss's scaling applied to a mean's",
           _m(dW_per_example=lambda dZ, A, span: reference.dW_per_example(dZ, A, span) * dZ.shape[1])),
    Mutant("per-example-dW-over-m", "per-example", "[5] dW per example",
           "dW_i[l] = (1/m) dZ_i[l] A_i[l-1]^T: each example's share of the mean, not its own gradient",
           _m(dW_per_example=lambda dZ, A, span: reference.dW_per_example(dZ, A, span) / dZ.shape[1])),
    Mutant("per-example-outer-transposed", "per-example", "[5] dW per example",
           "dW_i[l] = A_i[l-1] dZ_i[l]^T: the outer product the wrong way round",
           _m(dW_per_example=lambda dZ, A, span: np.einsum("ni,ji->ijn", dZ[:, span], A[:, span]))),
    Mutant("per-example-db-summed", "per-example", "[6] db per example",
           "db_i[l] = sum of dZ[l] over the batch for every example i, not dZ_i[l]",
           _m(db_per_example=lambda dZ, span: np.repeat(np.sum(dZ, axis=1, keepdims=True)[None], _count(dZ, span),
                                                         axis=0))),
    # --- equivalent: cannot change any result ----------------------------------------
    Mutant("relu'-from-A", "common", "recursion: g'", "relu'(z) taken as (A > 0) instead of (Z > 0)",
           _m(g_prime_prev=_g_prime_from({"relu": lambda Z, A: (A > 0).astype(Z.dtype)})),
           equivalent="A = max(Z, 0) > 0 exactly when Z > 0, so the mask is the same bit for bit"),
    Mutant("leaky_relu'-from-A", "common", "recursion: g'", "leaky_relu'(z) taken from A > 0 instead of Z > 0",
           _m(g_prime_prev=_g_prime_from({"leaky_relu": lambda Z, A: np.where(A > 0, 1, 0.01).astype(Z.dtype)})),
           equivalent="A = Z for Z > 0 and 0.01 Z otherwise, so A > 0 exactly when Z > 0"),
    Mutant("tanh'-recomputed-from-Z", "common", "recursion: g'", "tanh'(z) as 1 - tanh(Z)^2, recomputing tanh",
           _m(g_prime_prev=_g_prime_from({"tanh": lambda Z, A: 1 - np.tanh(Z) * np.tanh(Z)})),
           equivalent="the reference uses the cached A = tanh(Z), the same number bit for bit"),
    Mutant("sigmoid'-recomputed-from-Z", "common", "[2] da/dz", "sigma'(z) as sigma(Z)(1 - sigma(Z)), recomputing sigma",
           _m(g_prime_prev=_g_prime_from({"sigmoid": lambda Z, A: reference.activations.sigmoid(Z)
                                          * (1 - reference.activations.sigmoid(Z))})),
           equivalent="the reference uses the cached A = sigma(Z), the same number bit for bit"),
)


def mutant(mutant_id: str) -> Mutant:
    """The mutant called ``mutant_id``; ValueError naming the catalogue otherwise."""
    for m in CATALOGUE:
        if m.id == mutant_id:
            return m
    raise ValueError(f"unknown mutant {mutant_id!r}; catalogue: {', '.join(m.id for m in CATALOGUE)}")


class MutantEngine(Engine):
    """The NumPy reference with one formula replaced, in the scenario's dtype."""

    def __init__(self, m: Mutant):
        super().__init__()
        self.mutant = m
        self.name = f"mutant:{m.id}"

    def trace(self, problem) -> Trace:
        s = problem.scenario
        with np.errstate(all="ignore"):
            return reference.trace(problem.parameters, problem.X, problem.Y, s.activations,
                                   formulas=self.mutant.formulas, loss=s.loss, per_example=per_example_chunk(s))
