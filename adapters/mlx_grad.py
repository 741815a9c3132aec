"""MLX: ``mx.value_and_grad`` of J with respect to the parameters and to zero arrays added
to X, Z[l] and A[l] (as for JAX), on the CPU.

``mx.array`` of a float64 NumPy array is **float32** unless a dtype is given: MLX turns
float64 into float32 without a word.  The engine asks for the scenario's dtype by name
(the CPU runs float64, float32, float16 and bfloat16) and checks what it got: an array MLX
did not hold in the scenario's dtype makes the scenario ``unsupported``, with the dtype it
was, never a pass in a lower precision.

MLX's CPU computes ``exp`` and ``erf`` of a float64 array to a float32-like accuracy (about
5e-7 and 7e-5 relative; tanh, log, expm1 and matmul are float64-accurate). The engine
measures each primitive of ``reference.activations.PRIMITIVES`` when it loads
(``float64_accuracy``) and reads what each activation rests on from the activation itself
(``Activation.rests_on``): a float64 network with an activation on a primitive measured
float32-like (sigmoid, softmax, softplus, silu, elu: exp; gelu: erf and exp) is
``unsupported`` with the measured figure, and so is one on a primitive this engine does not
measure (an activation added later), with that reason; the others run in float64 and are
compared.

Defaults checked, as for GELU: ``mlx.nn.gelu`` is the exact erf form (``gelu_approx`` the
tanh form) and ``leaky_relu``'s slope 0.01; ``relu`` and ``leaky_relu`` are ``mx.maximum``,
whose gradient at a tie goes to its second argument: relu'(0) = 0, but leaky_relu'(0) = 1
(docs/conventions.md).
"""
from __future__ import annotations

import importlib.util

import numpy as np

from crosscheck.adapters.activation_tables import layer_functions
from crosscheck.adapters.base import Engine, Trace, Unsupported, per_example, written_cost
from crosscheck.reference.activations import activation
from crosscheck.scenarios.dtypes import DTYPES, UNIT_ROUNDOFF, numpy_dtype

#: A primitive is float64-accurate when its relative error stays within this many float64 u.
ACCURATE_UNITS = 64


def float64_accuracy(mx) -> dict:
    """{primitive: greatest relative error of MLX's float64 result against NumPy's (math.erf)}
    on 4097 points of [-8, 8]; log: ``mx.log`` and ``mx.log1p`` (softplus's logaddexp) of
    e^-|x|, the worse of the two."""
    import math

    x = np.linspace(-8.0, 8.0, 4097)
    small = np.exp(-np.abs(x))  # in (0, 1]: where logaddexp takes log1p
    a, b = mx.array(x, dtype=mx.float64), mx.array(small, dtype=mx.float64)
    measured = {  # primitive: [(MLX's values, NumPy's), ...]
        "exp": [(mx.exp(a), np.exp(x))],
        "erf": [(mx.erf(a), np.array([math.erf(v) for v in x]))],
        "tanh": [(mx.tanh(a), np.tanh(x))],
        "log": [(mx.log(b), np.log(small)), (mx.log1p(b), np.log1p(small))],
    }
    return {k: max(float(np.max(np.abs(np.array(got) - exact) / np.maximum(np.abs(exact), 1e-300)))
                   for got, exact in pairs) for k, pairs in measured.items()}


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

    def float64_inaccurate(self, activations) -> dict:
        """{primitive: the activations of ``activations`` that rest on it (Activation.rests_on)}
        for each primitive this engine measured float32-like or did not measure at all."""
        bound = ACCURATE_UNITS * UNIT_ROUNDOFF["float64"]
        slow = {}
        for name in dict.fromkeys(activations):
            for primitive in activation(name).rests_on:
                if primitive not in self.accuracy or self.accuracy[primitive] > bound:
                    slow.setdefault(primitive, []).append(name)
        return slow

    def float64_unsupported(self, activations) -> str | None:
        """Why a float64 network of ``activations`` cannot be computed in float64 here, or None:
        an activation on a primitive measured float32-like (or not measured) that no finding
        of the ledger covers (crosscheck/findings/ledger.py: those run, and their rows are
        compared with the reference recomputed with MLX's own activation)."""
        from crosscheck.findings.ledger import FINDINGS

        covered = {a for f in FINDINGS if f.engine == self.name and f.dtype == "float64" for a in f.activations}
        slow = {p: [n for n in names if n not in covered] for p, names in self.float64_inaccurate(activations).items()}
        slow = {p: names for p, names in slow.items() if names}
        if not slow:
            return None
        version = self.load().__version__
        return "; ".join(
            (f"MLX {version} computes {p} of float64 arrays to {self.accuracy[p]:.1e} relative error on the CPU "
             f"(float32-like, not float64)" if p in self.accuracy else
             f"this engine does not measure MLX {version}'s float64 {p} (adapters/mlx_grad.py: float64_accuracy)")
            + f", and {', '.join(names)} rests on it" for p, names in slow.items())

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
        s = problem.scenario
        g = layer_functions(self, self.activations(mx), s.activations)
        L, m, dtype = s.depth, s.m, s.dtype
        if dtype == "float64" and (reason := self.float64_unsupported(s.activations)):
            slow = sorted(self.float64_inaccurate(s.activations))
            measured = [p for p in slow if p in self.accuracy]
            short = [f"float64 {', '.join(measured)} float32-accurate"] if measured else []
            short += [f"float64 {p} not measured" for p in slow if p not in self.accuracy]
            raise Unsupported(reason, "; ".join(short))
        layers = range(1, L + 1)
        X, Y = self.to_mlx(problem.X, dtype), self.to_mlx(problem.Y, dtype)
        P = {k: self.to_mlx(v, dtype) for k, v in problem.parameters.items()}
        zeros = lambda n: mx.zeros((n, m), dtype=getattr(mx, dtype))  # noqa: E731
        eZ, eA = [zeros(n) for n in s.layer_sizes[1:]], [zeros(n) for n in s.layer_sizes]

        def cost(P, eZ, eA):
            A, Z = [X + eA[0]], []
            for l in layers:
                Z.append(P[f"W{l}"] @ A[l - 1] + P[f"b{l}"] + eZ[l - 1])
                A.append(g[l - 1](Z[l - 1]) + eA[l])
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
