"""MLX: ``mx.value_and_grad`` of J with respect to the parameters and to zero arrays added
to X, Z[l] and A[l] (as for JAX), on the CPU.

``mx.array`` of a float64 NumPy array is **float32** unless a dtype is given: MLX turns
float64 into float32 without a word.  The engine asks for the scenario's dtype by name
(the CPU runs float64, float32, float16 and bfloat16) and checks what it got: an array MLX
did not hold in the scenario's dtype makes the scenario ``unsupported``, with the dtype it
was, never a pass in a lower precision.

MLX's CPU computes ``exp`` and ``erf`` of a float64 array to a float32-like accuracy (about
5e-7 and 6e-6 relative; tanh, log, expm1 and matmul are float64-accurate). The engine
measures that when it loads (``float64_accuracy``), and a float64 network with an
activation built on them (sigmoid, softmax, softplus, silu, elu: exp; gelu: erf) is
``unsupported`` with the measured figure; the others run in float64 and are compared.

Defaults checked, as for GELU: ``mlx.nn.gelu`` is the exact erf form (``gelu_approx`` the
tanh form) and ``leaky_relu``'s slope 0.01; ``relu`` and ``leaky_relu`` are ``mx.maximum``,
whose gradient at a tie goes to its second argument: relu'(0) = 0, but leaky_relu'(0) = 1
(docs/conventions.md).
"""
from __future__ import annotations

import importlib.util

import numpy as np

from crosscheck.adapters.base import Engine, Trace, Unsupported, per_example, written_cost
from crosscheck.scenarios.dtypes import DTYPES, UNIT_ROUNDOFF, numpy_dtype

#: The MLX primitive each activation's float64 accuracy rests on.
PRIMITIVE = {"sigmoid": "exp", "softmax": "exp", "softplus": "exp", "silu": "exp", "elu": "exp", "gelu": "erf"}
#: A primitive is float64-accurate when its relative error stays within this many float64 u.
ACCURATE_UNITS = 64


def float64_accuracy(mx) -> dict:
    """{primitive: greatest relative error of MLX's float64 result against NumPy's (math.erf)}
    on 4097 points of [-8, 8]."""
    import math

    x = np.linspace(-8.0, 8.0, 4097)
    exact = {"exp": np.exp(x), "erf": np.array([math.erf(v) for v in x])}
    a = mx.array(x, dtype=mx.float64)
    got = {"exp": mx.exp(a), "erf": mx.erf(a)}
    return {k: float(np.max(np.abs(np.array(got[k]) - exact[k]) / np.maximum(np.abs(exact[k]), 1e-300)))
            for k in exact}


def _activations(mx, nn) -> dict:
    return {
        "sigmoid": mx.sigmoid,
        "tanh": mx.tanh,
        "relu": nn.relu,
        "leaky_relu": lambda z: nn.leaky_relu(z, negative_slope=0.01),
        "identity": lambda z: z * 1,
        "softplus": nn.softplus,
        "silu": nn.silu,
        "elu": lambda z: nn.elu(z, alpha=1.0),
        "gelu": nn.gelu,  # the erf form
        "gelu_tanh": nn.gelu_approx,  # the tanh form
        "softmax": lambda z: mx.softmax(z, axis=0),  # over the units of each example (column)
    }


class MlxGrad(Engine):
    """Forward pass in ``mlx.core`` ops on MLX's CPU device."""

    name = "mlx"
    module = "mlx.core"
    dtypes = DTYPES

    def unavailable_reason(self) -> str | None:
        if importlib.util.find_spec("mlx") is None:  # find_spec("mlx.core") would import a missing mlx
            return "mlx is not installed (pip install '.[mlx]')"
        return super().unavailable_reason()

    def configure(self, mx) -> None:
        mx.set_default_device(mx.cpu)
        self.accuracy = float64_accuracy(mx)

    def float64_unsupported(self, activations) -> str | None:
        """Why a float64 network of ``activations`` cannot be computed in float64 here, or None."""
        bound = ACCURATE_UNITS * UNIT_ROUNDOFF["float64"]
        slow = {}
        for name in activations:
            primitive = PRIMITIVE.get(name)
            if primitive and self.accuracy[primitive] > bound:
                slow.setdefault(primitive, []).append(name)
        if not slow:
            return None
        return "; ".join(f"MLX {self.load().__version__} computes {p} of float64 arrays to "
                         f"{self.accuracy[p]:.1e} relative error on the CPU (float32-like, not float64), "
                         f"and {', '.join(dict.fromkeys(names))} rests on it" for p, names in slow.items())

    def activations(self, mx) -> dict:
        """Activation name -> the MLX function the engine runs for it."""
        import mlx.nn

        return _activations(mx, mlx.nn)

    def to_mlx(self, x: np.ndarray, dtype: str):
        """``x`` as an MLX array of the scenario's dtype, asked for by name (bfloat16 through
        float32, exactly); Unsupported when MLX holds it in another dtype."""
        mx = self.load()
        wanted = getattr(mx, dtype)
        a = mx.array(x.astype(np.float32) if dtype == "bfloat16" else x, dtype=wanted)
        if a.dtype != wanted:
            raise Unsupported(f"MLX holds a {dtype} array as {a.dtype}")
        return a

    def trace(self, problem) -> Trace:
        mx = self.load()
        s, g = problem.scenario, self.activations(mx)
        L, m, dtype = s.depth, s.m, s.dtype
        if dtype == "float64" and (reason := self.float64_unsupported(s.activations)):
            bound = ACCURATE_UNITS * UNIT_ROUNDOFF["float64"]
            slow = sorted({PRIMITIVE[n] for n in s.activations if PRIMITIVE.get(n) and self.accuracy[PRIMITIVE[n]] > bound})
            raise Unsupported(reason, f"float64 {', '.join(slow)} float32-accurate")
        layers = range(1, L + 1)
        X, Y = self.to_mlx(problem.X, dtype), self.to_mlx(problem.Y, dtype)
        P = {k: self.to_mlx(v, dtype) for k, v in problem.parameters.items()}
        zeros = lambda n: mx.zeros((n, m), dtype=getattr(mx, dtype))  # noqa: E731
        eZ, eA = [zeros(n) for n in s.layer_sizes[1:]], [zeros(n) for n in s.layer_sizes]

        def cost(P, eZ, eA):
            A, Z = [X + eA[0]], []
            for l in layers:
                Z.append(P[f"W{l}"] @ A[l - 1] + P[f"b{l}"] + eZ[l - 1])
                A.append(g[s.activations[l - 1]](Z[l - 1]) + eA[l])
            return written_cost(mx, s.loss, A[L], Y, m), A, Z  # value_and_grad: J first, the rest aux

        (_, A, Z), (dP, deZ, deA) = mx.value_and_grad(cost, argnums=(0, 1, 2))(P, eZ, eA)
        out = lambda a: to_numpy(mx, a, dtype)  # noqa: E731
        return Trace(
            A={l: out(a) for l, a in enumerate(A)},
            Z={l: out(z) for l, z in zip(layers, Z)},
            dA={l: per_example(out(d), m) for l, d in enumerate(deA)},
            dZ={l: per_example(out(d), m) for l, d in zip(layers, deZ)},
            dW={l: out(dP[f"W{l}"]) for l in layers},
            db={l: out(dP[f"b{l}"]) for l in layers},
        )


def to_numpy(mx, a, dtype: str) -> np.ndarray:
    """An MLX array as NumPy, in the dtype MLX computed (bfloat16 through float32, exactly)."""
    if a.dtype == mx.bfloat16:
        return np.array(a.astype(mx.float32)).astype(numpy_dtype("bfloat16"))
    return np.array(a)
