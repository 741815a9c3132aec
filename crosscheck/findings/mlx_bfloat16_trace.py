"""Where MLX's one half-suite scenario that bfloat16 cannot judge comes from:
``leaky_relu-leaky_relu-sigmoid_2-4-8-1_m1_bfloat16_s0`` (dZ[1], dW[1], db[1] and dA[0] failed
by their own terms' tolerance; they are inconclusive rows now).

    python -m crosscheck.findings.mlx_bfloat16_trace

The network has one example and bfloat16 (8 significant bits).  What the trace shows:

1. MLX's bfloat16 sigmoid is faithfully but not correctly rounded: at the output's
   z = -0.3671875 it returns 0.408203125, 0.52 ulp from the exact 0.40922 (torch, and the
   float32 sigmoid rounded once, give the nearer 0.41015625).  That puts dZ[3] = a - y 0.5%
   off the reference, and every gradient below it with it.
2. MLX's matmuls are correctly rounded: each dA[l] is W^T dZ computed exactly from MLX's own
   bfloat16 inputs and rounded once.
3. dA[1] = W[2]^T dZ[2] of unit 3 is a cancelling sum: 0.00122 out of terms summing to 0.567
   in magnitude, so the 0.5% error of dZ[3] (and the bfloat16 rounding of the terms) makes
   it 0.00095 off.  dA[1]'s tolerance allows that: its absolute term is 16 u times the scale
   of its terms (|W|^T |dZ|, 0.567).  But dZ[1] = dA[1] * leaky_relu'(Z[1]), with
   leaky_relu' = 1 at unit 3, carries the same 0.00095, and dZ[1]'s absolute term is 16 u
   times max |dA[1]| |g'| (0.0137: the other units have g' = 0.01), the cancelled result and
   not the terms that made it (crosscheck/checks/budget.py: term_scales).  dW[1], db[1] and
   dA[0] are made from dZ[1].

So the cause is the harness's tolerance (dZ[l]'s term scale does not carry the terms of
dA[l]) exposed by MLX's 1-ulp-off bfloat16 sigmoid; MLX's error is within what a bfloat16
engine may do (the op survey: MLX's bfloat16 sigmoid is within 0.72 ulp everywhere).  With a
correctly rounded sigmoid the scenario passes (as torch's does, at 0.28 of its allowance);
with dZ[l]'s terms taken as dA[l]'s terms times |g'(Z[l])|, MLX's own result passes too.

Not a pass, on purpose.  Taking dZ[l]'s terms from dA[l]'s, and carrying that error on to
dW[l], db[l] and dA[l-1] (as random errors add), makes MLX's scenario pass, but a review found
it let a halved, negated or zeroed dW[1] pass in bfloat16 networks of one example whose dA
cancels 40 to 90-fold (tests/checks/test_vanishing_layers.py: CANCELLING).  There, MLX's
error (0.00095 on a dZ[1] of 0.00122) is as large as the value itself: bfloat16 cannot tell
a correct engine from a wrong one.  So in half precision a row that fails by its own terms
but passes by the carried error is ``inconclusive`` (crosscheck/running/records.py:
_label_cancelled), never a pass, and a run in which every row of some dW[l] or db[l] is so,
or exactly zero, is not a PASS (crosscheck/running/verdict.py: idle_engines); within the
half suite every layer is checked by other scenarios, where slips fail.
"""
from __future__ import annotations

import numpy as np

SCENARIO = "leaky_relu-leaky_relu-sigmoid_2-4-8-1_m1_bfloat16_s0"


def trace() -> dict:
    """The evidence, measured: a dict of named figures (see the module's docstring)."""
    import mpmath

    from crosscheck.adapters import get_engine
    from crosscheck.adapters.mlx_grad import MlxGrad
    from crosscheck.checks.budget import term_scales
    from crosscheck.reference.activations import activation
    from crosscheck.scenarios.dtypes import numpy_dtype
    from crosscheck.scenarios.problem import build_problem, reference_trace
    from crosscheck.scenarios.spec import Scenario
    from crosscheck.scenarios.tolerances import tolerance

    class MlxRoundedSigmoid(MlxGrad):
        """MLX with its bfloat16 sigmoid computed in float32 and rounded once."""

        def activations(self, mx):
            g = super().activations(mx)
            g["sigmoid"] = lambda z: mx.sigmoid(z.astype(mx.float32)).astype(z.dtype)
            return g

    bf16 = numpy_dtype("bfloat16")
    problem = build_problem(Scenario.from_id(SCENARIO))
    ref = reference_trace(problem)
    tol, scales = tolerance("bfloat16"), term_scales(problem, ref)
    traces = {"mlx": get_engine("mlx").trace(problem), "torch": None, "mlx, sigmoid rounded once":
              MlxRoundedSigmoid().trace(problem)}
    if get_engine("torch").unavailable_reason() is None:
        traces["torch"] = get_engine("torch").trace(problem)

    def excess(t, quantity, layer, terms=None):
        """Greatest |diff| / allowed over the array (> 1: fails); ``terms``: another term scale."""
        expected, actual = ref.get(quantity, layer), t.get(quantity, layer).astype(np.float64)
        T = scales[(quantity, layer)] if terms is None else terms
        allowed = max(tol.atol, tol.scale * T) + tol.rtol * np.abs(expected)
        return float(np.max(np.abs(actual - expected) / allowed))

    mlx = traces["mlx"]
    z3 = float(mlx.Z[3].astype(np.float64)[0, 0])
    exact = float(1 / (1 + mpmath.exp(-mpmath.mpf(z3))))
    got = float(mlx.A[3].astype(np.float64)[0, 0])
    W2, dZ2 = problem.parameters["W2"].astype(np.float64), mlx.dZ[2].astype(np.float64)
    # dZ[1]'s terms as dA[1]'s (|W2|^T |dZ2|) times |g'(Z1)|: the scale dA[1] is judged at
    g_prime = activation(problem.scenario.activations[0]).g_prime(ref.Z[1], ref.A[1])
    dZ1_terms = float(np.max((np.abs(W2).T @ np.abs(ref.dZ[2])) * np.abs(g_prime)))
    return {
        "z3": z3, "sigmoid_exact": exact, "sigmoid_mlx": got,
        "sigmoid_rounded_once": float(np.float32(exact).astype(bf16).astype(np.float64)),
        "sigmoid_ulps": abs(got - exact) / 2.0 ** -9,  # ulp of bfloat16 in [0.25, 0.5)
        "matmul_correctly_rounded": bool(np.array_equal((W2.T @ dZ2).astype(bf16).astype(np.float64),
                                                        mlx.dA[1].astype(np.float64))),
        "dA1_unit3": (float(ref.dA[1][3, 0]), float(mlx.dA[1].astype(np.float64)[3, 0])),
        "dA1_unit3_terms": float((np.abs(W2).T @ np.abs(ref.dZ[2]))[3, 0]),
        "dZ1_scale": scales[("dZ", 1)], "dA1_scale": scales[("dA", 1)],
        "excess": {name: {f"{q}[{l}]": excess(t, q, l) for q, l in (("dA", 1), ("dZ", 1), ("dW", 1), ("db", 1))}
                   for name, t in traces.items() if t is not None},
        "dZ1_excess_with_dA_terms": excess(mlx, "dZ", 1, terms=dZ1_terms),
    }


def main() -> int:
    e = trace()
    print(f"{SCENARIO} (mlx, bfloat16)")
    print(f"sigmoid(z = {e['z3']}): exact {e['sigmoid_exact']:.6f}, MLX {e['sigmoid_mlx']:.9g} "
          f"({e['sigmoid_ulps']:.2f} ulp off), rounded once {e['sigmoid_rounded_once']:.9g}")
    print(f"MLX's dA[1] is W2^T dZ2 of its own inputs, rounded once: {e['matmul_correctly_rounded']}")
    print(f"dA[1] unit 3: reference {e['dA1_unit3'][0]:.6f}, MLX {e['dA1_unit3'][1]:.6f}; "
          f"its terms |W2|^T |dZ2| sum to {e['dA1_unit3_terms']:.3f}")
    print(f"term scales: dA[1] {e['dA1_scale']:.4f}, dZ[1] {e['dZ1_scale']:.4f}")
    for name, rows in e["excess"].items():
        print(f"{name:26s} " + ", ".join(f"{k} {v:.2f}" for k, v in rows.items()) + "  (|diff| / allowed; > 1 fails)")
    print(f"mlx dZ[1] with dA[1]'s terms times |g'| as its scale: {e['dZ1_excess_with_dA_terms']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
