"""Backward functions (the dictionary contract) whose sigmoid or tanh derivative is taken as
exactly 0 past some |z|, the shortcut "the tail is flat": the default suite's tails networks
must fail them; ``backward`` is the same code without the shortcut."""
import numpy as np

SIGMOID_CUT, TANH_CUT = 5.5, 7.0


def _g(name, Z):
    if name == "sigmoid":
        return 1 / (1 + np.exp(-Z))
    if name == "tanh":
        return np.tanh(Z)
    raise ValueError(f"activation {name}")


def _backward(parameters, X, Y, activations, cut):
    """Sigmoid + bce output, sigmoid or tanh hidden layers; g' = 0 where |z| > cut[name]."""
    A, caches = X, []
    for l, name in enumerate(activations, start=1):
        Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
        caches.append((A, Z))
        A = _g(name, Z)
    m, L = X.shape[1], len(activations)
    grads, dZ = {}, A - Y
    for l in range(L, 0, -1):
        A_prev, _ = caches[l - 1]
        grads[f"dZ{l}"], grads[f"dW{l}"], grads[f"db{l}"] = dZ, dZ @ A_prev.T / m, dZ.mean(axis=1, keepdims=True)
        if l > 1:
            Z_prev, name = caches[l - 2][1], activations[l - 2]
            a = _g(name, Z_prev)
            g_prime = a * (1 - a) if name == "sigmoid" else 1 - a * a
            g_prime = np.where(np.abs(Z_prev) > cut.get(name, np.inf), 0, g_prime)
            dZ = (parameters[f"W{l}"].T @ dZ) * g_prime
    return grads


def backward(parameters, X, Y, activations):
    return _backward(parameters, X, Y, activations, {})


def sigmoid_flat_past_cut(parameters, X, Y, activations):
    return _backward(parameters, X, Y, activations, {"sigmoid": SIGMOID_CUT})


def tanh_flat_past_cut(parameters, X, Y, activations):
    return _backward(parameters, X, Y, activations, {"tanh": TANH_CUT})
