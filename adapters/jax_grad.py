"""``jax.grad`` of J with respect to the parameters and to zero arrays added to X, Z[l], A[l].

The gradient function is ``jax.jit``-compiled, as people train with it; the activation
of each layer is chosen inside it with ``jax.lax.switch`` on a traced index, so one
compilation serves every activation pattern of a shape.  Compiled programs are kept in
JAX's persistent compilation cache (``CROSSCHECK_JAX_CACHE``, default
``~/.cache/backprop-crosscheck/jax``; ``off`` disables it).

JAX computes in float32 unless x64 is enabled, even when handed float64 arrays; the
adapter enables x64 when it loads, so a float64 scenario really runs in float64.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from crosscheck.adapters.base import Engine, Trace, per_example, written_cost
from crosscheck.scenarios.dtypes import DTYPES


def cache_dir() -> str | None:
    """Where compiled programs are kept between runs, or None when caching is off."""
    value = os.environ.get("CROSSCHECK_JAX_CACHE")
    if value == "off":
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return value or str(base / "backprop-crosscheck" / "jax")


#: The activations of the default suites: one program switches among these only (a switch
#: over more branches costs compile time for every shape); softmax outputs get their own.
CLASSIC = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
CLASSIC_SOFTMAX = CLASSIC + ("softmax",)


def _activations(jax) -> dict:
    jnp = jax.numpy
    return {
        "sigmoid": jax.nn.sigmoid,
        "tanh": jnp.tanh,
        "relu": jax.nn.relu,
        "leaky_relu": lambda z: jax.nn.leaky_relu(z, negative_slope=0.01),
        "identity": lambda z: z,
        "softplus": jax.nn.softplus,
        "silu": jax.nn.silu,
        "elu": lambda z: jax.nn.elu(z, alpha=1.0),
        "gelu": lambda z: jax.nn.gelu(z, approximate=False),  # JAX's default is the tanh form
        "gelu_tanh": lambda z: jax.nn.gelu(z, approximate=True),
        "softmax": lambda z: jax.nn.softmax(z, axis=0),  # over the units of each example (column)
    }


def _gradient_function(jax, g: dict):
    """jit(grad(J)) with the layer's activation chosen among ``g`` by a traced index."""
    jnp = jax.numpy
    branches = list(g.values())

    def cost(P, eZ, eA, X, Y, g_index, loss):
        L, m = len(eZ), X.shape[1]
        A, Z = {0: X + eA[0]}, {}
        for l in range(1, L + 1):
            Z[l] = P[f"W{l}"] @ A[l - 1] + P[f"b{l}"] + eZ[l - 1]
            A[l] = jax.lax.switch(g_index[l - 1], branches, Z[l]) + eA[l]
        return written_cost(jnp, loss, A[L], Y, m), (A, Z)

    return jax.jit(jax.grad(cost, argnums=(0, 1, 2), has_aux=True), static_argnames=("loss",)), tuple(g)


class JaxGrad(Engine):
    """Forward pass in ``jax.numpy`` on JAX's default device (the CPU here)."""

    name = "jax"
    conventions = ("JAX without x64",)
    module = "jax"
    devices = ("cpu", "cuda")
    dtypes = DTYPES

    def device_unavailable(self, jax) -> str | None:
        if self.device == "cpu":
            return None
        try:
            self._device = jax.devices("gpu")[0]
        except RuntimeError as exc:
            return f"no GPU for JAX ({str(exc).splitlines()[0]})"
        return None

    def activations(self, jax) -> dict:
        """Activation name -> the JAX function the engine runs for it."""
        return _activations(jax)

    def configure(self, jax) -> None:
        jax.config.update("jax_enable_x64", True)
        directory = cache_dir()
        if directory:
            jax.config.update("jax_compilation_cache_dir", directory)
            jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
        g = self.activations(jax)
        self._programs = [_gradient_function(jax, {n: g[n] for n in names}) for names in (CLASSIC, CLASSIC_SOFTMAX)]
        self._programs.append(_gradient_function(jax, g))
        self._signatures = set()

    #: Compiled programs kept in memory before the jit caches are cleared: every one holds
    #: mapped code, and thousands of shapes (``crosscheck fuzz``) exhaust the process's maps
    #: ("LLVM compilation error: Cannot allocate memory", then a segfault: seen with 200
    #: on the full suite once it had half precision and three losses). The persistent
    #: cache stays.
    MAX_PROGRAMS = 100

    def _count_signature(self, problem) -> None:
        s = problem.scenario
        self._signatures.add((s.layer_sizes, s.m, s.dtype, s.loss, self.program(s.activations)[1]))
        if len(self._signatures) > self.MAX_PROGRAMS:
            self.load().clear_caches()
            self._signatures.clear()

    def program(self, activations):
        """(the compiled gradient, its activation names): the small one when it will do."""
        return next(p for p in self._programs if set(activations) <= set(p[1]))

    def trace(self, problem) -> Trace:
        self.load()
        self._count_signature(problem)
        s = problem.scenario
        L, m, dtype = s.depth, s.m, problem.X.dtype
        eZ = [np.zeros((n, m), dtype) for n in s.layer_sizes[1:]]
        eA = [np.zeros((n, m), dtype) for n in s.layer_sizes]
        grad, names = self.program(s.activations)
        g_index = np.array([names.index(a) for a in s.activations], np.int32)
        args = (problem.parameters, eZ, eA, problem.X, problem.Y, g_index)
        if self.device != "cpu":  # committed inputs: the compiled program runs on that device
            args = self.load().device_put(args, self._device)
        (dP, deZ, deA), (A, Z) = grad(*args, loss=s.loss)
        layers = range(1, L + 1)
        return Trace(
            A={l: np.asarray(a) for l, a in A.items()},
            Z={l: np.asarray(z) for l, z in Z.items()},
            dA={l: per_example(np.asarray(d), m) for l, d in enumerate(deA)},
            dZ={l: per_example(np.asarray(d), m) for l, d in zip(layers, deZ)},
            dW={l: np.asarray(dP[f"W{l}"]) for l in layers},
            db={l: np.asarray(dP[f"b{l}"]) for l in layers},
        )
