"""optax's losses on the jax engine's network: where optax writes the article's A - Y.

- bce with a sigmoid output: ``optax.sigmoid_binary_cross_entropy(logits, labels)`` on the
  logits Z[L] (its gradient sigmoid(z) - y, written with log_sigmoid);
- cce with a softmax output: ``optax.softmax_cross_entropy(logits, labels)``;
- mse: ``optax.l2_loss(predictions, targets)``, 0.5 (a - y)^2 element by element: the
  article's 1/2 mean squared exactly.

Each per-example loss is summed over the output units and averaged over the batch (J), and
``jax.grad`` differentiates it with respect to the parameters and to zero arrays added to
X, Z[l], A[l], as the jax engine does (adapters/jax_grad.py); A[L] of a fused output is
``jax.nn.sigmoid`` or ``jax.nn.softmax`` of the logits, outside the loss (no dA[L]).  optax
has no cross-entropy on probabilities, so bce or cce with another output is not applicable.
"""
from __future__ import annotations


import numpy as np

from crosscheck.adapters.activation_tables import layer_functions
from crosscheck.adapters.base import Engine, NotApplicable, Trace, per_example, without_output_dA
from crosscheck.adapters.jax_grad import _activations
from crosscheck.scenarios.dtypes import DTYPES


class OptaxLoss(Engine):
    """The jax network with optax's loss, jitted per shape."""

    name = "jax-optax"
    module = "optax"
    dtypes = DTYPES
    #: Jitted programs kept before they are all dropped (adapters/jax_grad.py: MAX_PROGRAMS).
    MAX_PROGRAMS = 64

    def configure(self, optax) -> None:
        import jax

        jax.config.update("jax_enable_x64", True)
        self._jitted = {}

    def activations(self, optax) -> dict:
        """Activation name -> the JAX function the engine runs for it (the jax engine's)."""
        import jax

        return _activations(jax)

    def trace(self, problem) -> Trace:
        optax = self.load()
        import jax

        s = problem.scenario
        out = s.activations[-1]
        fused = (s.loss, out) in (("bce", "sigmoid"), ("cce", "softmax"))
        if s.loss in ("bce", "cce") and not fused:
            raise NotApplicable(f"optax's {s.loss} takes logits: a {'sigmoid' if s.loss == 'bce' else 'softmax'} "
                                "output only", "not a logits output")
        g = layer_functions(self, self.activations(optax), s.activations)
        L, m, dtype = s.depth, s.m, problem.X.dtype
        jnp = jax.numpy

        def cost(P, eZ, eA, X, Y):
            A, Z = [X + eA[0]], []
            for l in range(1, L + 1):
                Z.append(P[f"W{l}"] @ A[l - 1] + P[f"b{l}"] + eZ[l - 1])
                A.append(g[l - 1](Z[l - 1]) + eA[l])
            if s.loss == "bce":
                each = optax.sigmoid_binary_cross_entropy(Z[L - 1].T, Y.T).sum(axis=-1)
            elif s.loss == "cce":
                each = optax.softmax_cross_entropy(Z[L - 1].T, Y.T)
            else:
                each = optax.l2_loss(A[L].T, Y.T).sum(axis=-1)
            return jnp.mean(each), (A, Z)

        key = (s.loss, s.activations, s.layer_sizes, s.m, s.dtype)
        if key not in self._jitted and len(self._jitted) >= self.MAX_PROGRAMS:  # as the jax engine's: the
            self._jitted.clear()  # process's code maps run out ("LLVM compilation error: Cannot allocate memory")
            jax.clear_caches()
        if key not in self._jitted:
            self._jitted[key] = jax.jit(jax.grad(cost, argnums=(0, 1, 2), has_aux=True))
        eZ = [np.zeros((n, m), dtype) for n in s.layer_sizes[1:]]
        eA = [np.zeros((n, m), dtype) for n in s.layer_sizes]
        (dP, deZ, deA), (A, Z) = self._jitted[key](problem.parameters, eZ, eA, problem.X, problem.Y)
        layers = range(1, L + 1)
        trace = Trace(A={l: np.asarray(a) for l, a in enumerate(A)}, Z={l: np.asarray(z) for l, z in zip(layers, Z)},
                      dA={l: per_example(np.asarray(d), m) for l, d in enumerate(deA) if not (fused and l == L)},
                      dZ={l: per_example(np.asarray(d), m) for l, d in zip(layers, deZ)},
                      dW={l: np.asarray(dP[f"W{l}"]) for l in layers}, db={l: np.asarray(dP[f"b{l}"]) for l in layers})
        return without_output_dA(trace) if fused else trace
