"""A backward pass that computes in float32 and hands back float64 (a real slip in a
float64 check), under names that belong to engines: ``jax_backward`` must not be granted
JAX's own convention (JAX without x64), and ``numpy`` must not share the numpy engine's rows."""
import numpy as np


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _backward(parameters, X, Y, activations):
    P = {k: v.astype(np.float32) for k, v in parameters.items()}
    L, m = len(activations), X.shape[1]
    A, Z = {0: X.astype(np.float32)}, {}
    for l in range(1, L + 1):
        Z[l] = P[f"W{l}"] @ A[l - 1] + P[f"b{l}"]
        A[l] = {"sigmoid": _sigmoid, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0),
                "identity": lambda z: z, "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z)}[activations[l - 1]](Z[l])
    primes = {"sigmoid": lambda z, a: a * (1 - a), "tanh": lambda z, a: 1 - a * a,
              "relu": lambda z, a: (z > 0).astype(z.dtype), "identity": lambda z, a: np.ones_like(z),
              "leaky_relu": lambda z, a: np.where(z > 0, 1, 0.01).astype(z.dtype)}
    grads, dZ = {}, A[L] - Y.astype(np.float32)
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = (dZ @ A[l - 1].T / m).astype(np.float64)
        grads[f"db{l}"] = (dZ.sum(axis=1, keepdims=True) / m).astype(np.float64)
        grads[f"dZ{l}"] = dZ.astype(np.float64)
        if l > 1:
            dZ = (P[f"W{l}"].T @ dZ) * primes[activations[l - 2]](Z[l - 1], A[l - 1])
    return grads


def jax_backward(parameters, X, Y, activations):
    return _backward(parameters, X, Y, activations)


def numpy(parameters, X, Y, activations):
    return _backward(parameters, X, Y, activations)
