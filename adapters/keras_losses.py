"""Keras 3's losses on a network of Keras layers, TensorFlow backend: where Keras writes the
article's A - Y.

The network is a ``keras.layers.Dense(n_l, dtype=...)`` per layer (its ``kernel`` W[l]^T,
its ``bias`` b[l] as a vector, examples as rows), each followed by the activation as the
tensorflow engine computes it (adapters/tensorflow_tape.py: leaky_relu's slope 0.01, GELU's
erf form; softmax over the units, the last axis here).  ``tf.GradientTape`` differentiates
the loss with respect to X, every Z[l] and A[l] and the Dense variables.

- bce with a sigmoid output: ``keras.losses.BinaryCrossentropy(from_logits=True)`` on the
  logits Z[L] (``tf.nn.sigmoid_cross_entropy_with_logits``); A[L] is the sigmoid's, beside
  the loss (so there is no dA[L]: the engine gives every quantity but that one);
- cce with a softmax output: ``keras.losses.CategoricalCrossentropy(from_logits=True)`` on
  the logits (``tf.nn.softmax_cross_entropy_with_logits``);
- mse: ``keras.losses.MeanSquaredError()`` on A[L], the mean over the units and the batch
  of (a - y)^2 (no 1/2);
- bce or cce with another output: not applicable (the logits engines).

The variant ``keras-probabilities`` gives the cross-entropies the probabilities A[L]
(``from_logits=False``), where Keras (keras/src/backend/tensorflow/nn.py) clips them to
[eps, 1 - eps], eps = ``keras.config.epsilon()`` = 1e-7, and categorical_crossentropy first
divides them by their sum over the classes: two named conventions
(crosscheck/checks/conventions.py, "Keras epsilon clip" and "Keras cce normalisation").
Its A[L] is ``tf.math.sigmoid`` / ``tf.nn.softmax``'s plain tensor: Keras' own
``keras.activations.sigmoid`` and ``softmax`` attach the logits to their output
(``_keras_logits``) and the loss then takes those instead, clip and all left out.

Every loss is built with the scenario's dtype (a Keras loss computes in ``floatx()``,
float32, unless told), reduced by Keras' default ``"sum_over_batch_size"`` (the batch mean;
``keras`` and ``keras-probabilities``) or ``"sum"`` (``keras-sum``), and scaled by a constant
to the article's J: BinaryCrossentropy averages over the units (x n_L), MeanSquaredError
too and has no 1/2 (x n_L / 2), the sum has no 1/m (x 1/m); so dJ/dQ is the kernel's own
gradient, made per example by ``per_example``.
"""
from __future__ import annotations

import os

import numpy as np

from crosscheck.adapters.activation_tables import layer_functions
from crosscheck.adapters.base import Engine, NotApplicable, Trace, per_example, without_output_dA
from crosscheck.adapters.tensorflow_tape import TensorflowTape, _activations, _start_up_notices_dropped


def activation_functions(tf) -> dict:
    """Activation name -> the TensorFlow function the engine runs for it: the tensorflow
    engine's, with softmax over the last axis (the units of each example, a row here)."""
    return {**_activations(tf), "softmax": lambda z: tf.nn.softmax(z, axis=-1)}


class KerasLoss(Engine):
    """Dense layers and Keras' loss on the logits (a fused sigmoid or softmax output),
    ``reduction="sum_over_batch_size"``."""

    name = "keras"
    module = "keras"
    dtypes = ("float64", "float32")
    #: tf.nn.leaky_relu, as the tensorflow engine runs it: its slope is a float32 attribute.
    conventions = TensorflowTape.conventions
    skips = TensorflowTape.skips
    reduction = "sum_over_batch_size"
    from_logits = True

    def load(self):
        if self._framework is not None:
            return self._framework
        os.environ["KERAS_BACKEND"] = "tensorflow"  # read once, when keras is first imported
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        with _start_up_notices_dropped():
            return super().load()

    def device_unavailable(self, keras) -> str | None:
        backend = keras.backend.backend()
        if backend != "tensorflow":  # keras imported earlier in this process with another backend
            return f"keras runs on the {backend} backend in this process, not tensorflow (KERAS_BACKEND)"
        return None

    def configure(self, keras) -> None:
        import tensorflow as tf

        try:
            tf.config.set_visible_devices([], "GPU")  # the CPU, as the tensorflow engine
        except RuntimeError:  # TensorFlow already started in this process (the tensorflow engine did it)
            pass
        tf.config.experimental.enable_op_determinism()

    def activations(self, keras) -> dict:
        """Activation name -> the TensorFlow function the engine runs for it."""
        import tensorflow as tf

        return activation_functions(tf)

    def fused(self, s) -> bool:
        """Whether the loss takes the logits Z[L] (the output activation is in the loss)."""
        return self.from_logits and (s.loss, s.activations[-1]) in (("bce", "sigmoid"), ("cce", "softmax"))

    def loss(self, keras, s, A_L, Z_L, Y):
        """The Keras loss on the output, examples as rows, scaled to the article's J."""
        import tensorflow as tf

        losses, n, m = keras.losses, s.layer_sizes[-1], s.m
        options = dict(reduction=self.reduction, dtype=s.dtype)  # Keras' default dtype is floatx(): float32
        output = Z_L if self.fused(s) else A_L
        if s.loss == "bce":  # the mean over the units of each example: x n_L
            J, to_J = losses.BinaryCrossentropy(from_logits=self.fused(s), **options)(Y, output), n
        elif s.loss == "cce":
            J, to_J = losses.CategoricalCrossentropy(from_logits=self.fused(s), **options)(Y, output), 1
        else:  # the mean over the units of (a - y)^2: the article's 1/2 sum is x n_L / 2
            J, to_J = losses.MeanSquaredError(**options)(Y, A_L), n / 2
        if self.reduction == "sum":
            to_J /= m
        return J if to_J == 1 else J * tf.constant(to_J, dtype=s.dtype)

    def trace(self, problem) -> Trace:
        keras = self.load()
        import tensorflow as tf

        s = problem.scenario
        if self.from_logits and s.loss in ("bce", "cce") and not self.fused(s):
            raise NotApplicable(f"Keras' {s.loss} with from_logits=True takes logits: a "
                                f"{'sigmoid' if s.loss == 'bce' else 'softmax'} output only", "not a logits output")
        g = layer_functions(self, self.activations(keras), s.activations)
        L, m, dtype, fused = s.depth, s.m, s.dtype, self.fused(s)
        dense = []
        for l in range(1, L + 1):
            W, b = problem.parameters[f"W{l}"], problem.parameters[f"b{l}"]
            layer = keras.layers.Dense(W.shape[0], dtype=dtype)
            layer.build((None, W.shape[1]))
            layer.set_weights([W.T, b[:, 0]])
            dense.append(layer)
        X = tf.constant(problem.X.T, dtype=dtype)
        Y = tf.constant(problem.Y.T, dtype=dtype)
        with tf.GradientTape() as tape:
            tape.watch(X)
            A, Z = {0: X}, {}
            for l in range(1, L + 1):
                Z[l] = dense[l - 1](A[l - 1])
                if l == L and fused:  # the loss takes the logits; A[L] is the activation's, beside it
                    with tape.stop_recording():
                        A[l] = g[l - 1](Z[l])
                else:
                    A[l] = g[l - 1](Z[l])
            J = self.loss(keras, s, A[L], Z[L], Y)
        dA_layers = [l for l in range(L + 1) if not (fused and l == L)]
        layers = list(range(1, L + 1))
        sources = ([A[l] for l in dA_layers] + [Z[l] for l in layers]
                   + [d.kernel for d in dense] + [d.bias for d in dense])
        grads = tape.gradient(J, sources, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        grads = [np.asarray(t) for t in grads]
        k = len(dA_layers)
        dA_, dZ_, dW_, db_ = grads[:k], grads[k:k + L], grads[k + L:k + 2 * L], grads[k + 2 * L:]
        trace = Trace(A={l: a.numpy().T for l, a in A.items()}, Z={l: z.numpy().T for l, z in Z.items()},
                      dA={l: per_example(d.T, m) for l, d in zip(dA_layers, dA_)},
                      dZ={l: per_example(d.T, m) for l, d in zip(layers, dZ_)},
                      dW={l: d.T for l, d in zip(layers, dW_)}, db={l: d[:, None] for l, d in zip(layers, db_)})
        return without_output_dA(trace) if fused else trace


class KerasSum(KerasLoss):
    """``reduction="sum"``, scaled by 1/m."""

    name = "keras-sum"
    reduction = "sum"


class KerasProbabilities(KerasLoss):
    """BinaryCrossentropy and CategoricalCrossentropy with ``from_logits=False``, on A[L]."""

    name = "keras-probabilities"
    from_logits = False
    conventions = KerasLoss.conventions + ("Keras epsilon clip", "Keras cce normalisation")
