"""TensorFlow: ``tf.GradientTape`` of J with respect to the parameters, X, Z[l] and A[l].

The forward pass runs eagerly in TensorFlow's own ops (``tf.nn``), as a TF 2 user writes
it; one ``tape.gradient`` call gives every derivative.  TensorFlow computes float64 in
float64 (no switch, unlike JAX), and runs float16 and bfloat16 on the CPU.

Defaults checked, as for GELU (docs/checks.md "Engines"): ``tf.nn.gelu`` defaults to the
exact erf form (``approximate=False``) and ``tf.nn.leaky_relu`` to a slope of **0.2**, not
the reference's 0.01; both are asked for by name here.  Its ``alpha`` is a float32
attribute of the op, though, even in a float64 network: the slope is float32(0.01), and the
float64 rows of a leaky_relu network are labelled with the convention "float32 leaky_relu
slope" when, and only when, they are the reference's under that slope
(crosscheck/checks/conventions.py).
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import types

from crosscheck.adapters.activation_tables import layer_functions
from crosscheck.adapters.base import Engine, Trace, written_cost
from crosscheck.adapters.gradients_layout import gradient_inputs, trace_of
from crosscheck.scenarios.dtypes import DTYPES


#: Lines TensorFlow's C++ start-up (and its first float16 op) writes to stderr whatever
#: TF_CPP_MIN_LOG_LEVEL says: notices about logging, oneDNN and CPU instructions, not findings
#: (the report's environment names oneDNN).
NOTICES = ("All log messages before absl::InitializeLog", "oneDNN custom operations are on",
           "cpu_feature_guard", "To enable the following instructions", "rebuild TensorFlow with",
           "oneDNN supports DT_HALF only on platforms with AVX-512")


@contextlib.contextmanager
def _start_up_notices_dropped():
    """File descriptor 2 into a temporary file while TensorFlow starts; every line of it but
    the NOTICES goes on to stderr afterwards."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (a notebook's): nothing to filter
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            kept = [line for line in caught.read().decode(errors="replace").splitlines(keepends=True)
                    if not any(notice in line for notice in NOTICES)]
            if kept:
                sys.stderr.write("".join(kept))


def _activations(tf) -> dict:
    nn = tf.nn
    return {
        "sigmoid": tf.math.sigmoid,
        "tanh": tf.math.tanh,
        "relu": nn.relu,
        "leaky_relu": lambda z: nn.leaky_relu(z, alpha=0.01),  # TF's default alpha is 0.2
        "identity": tf.identity,  # a tensor of its own, so dA[l] and dZ[l] are both read
        "softplus": nn.softplus,
        "silu": lambda z: nn.silu(z, beta=1.0),
        "elu": nn.elu,  # alpha 1, TF's only one
        "gelu": lambda z: nn.gelu(z, approximate=False),  # the erf form (TF's default), by name
        "gelu_tanh": lambda z: nn.gelu(z, approximate=True),
        "softmax": lambda z: nn.softmax(z, axis=0),  # over the units of each example (column)
    }


class TensorflowTape(Engine):
    """Forward pass in eager TensorFlow on the CPU; every derivative from one GradientTape."""

    name = "tensorflow"
    module = "tensorflow"
    dtypes = DTYPES
    conventions = ("float32 leaky_relu slope",)

    def load(self):
        if self._framework is not None:
            return self._framework
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        with _start_up_notices_dropped():
            return super().load()

    def configure(self, tf) -> None:
        # written_cost's sum and log, as TF names them (tf.experimental.numpy's log turns a
        # bfloat16 tensor into float64 first)
        self.namespace = types.SimpleNamespace(sum=tf.math.reduce_sum, log=tf.math.log)
        tf.config.set_visible_devices([], "GPU")  # the CPU, as the engine says
        tf.config.experimental.enable_op_determinism()  # the same scenario, the same numbers

    def activations(self, tf) -> dict:
        """Activation name -> the TensorFlow function the engine runs for it."""
        return _activations(tf)

    def trace(self, problem) -> Trace:
        if problem.scenario.dtype == "float16" and not getattr(self, "_half_seen", False):
            self._half_seen = True  # its first float16 op says oneDNN falls back to Eigen: dropped
            with _start_up_notices_dropped():
                return self.trace(problem)
        tf = self.load()
        s = problem.scenario
        g = layer_functions(self, self.activations(tf), s.activations)
        L, m = s.depth, s.m
        constant = lambda x: tf.constant(x, dtype=tf.dtypes.as_dtype(s.dtype))  # noqa: E731 (bfloat16: ml_dtypes)
        X, Y = constant(problem.X), constant(problem.Y)
        P = {k: constant(v) for k, v in problem.parameters.items()}
        with tf.GradientTape() as tape:
            tape.watch([X, *P.values()])
            A, Z = {0: X}, {}
            for l in range(1, L + 1):
                Z[l] = tf.matmul(P[f"W{l}"], A[l - 1]) + P[f"b{l}"]
                A[l] = g[l - 1](Z[l])
            J = written_cost(self.namespace, s.loss, A[L], Y, m)
        grads = tape.gradient(J, gradient_inputs(A, Z, P))
        return trace_of(A, Z, grads, m, lambda t: t.numpy())
