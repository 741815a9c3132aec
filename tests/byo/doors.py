"""Wrong (and a few right) backward functions written to walk through a door of the verdict:
a status that is not ``fail`` or a reading that excuses a value (issue: a PASS means what it
says).  Each is the dictionary contract ``FUNC(parameters, X, Y, activations[, loss])``,
written as a learner writes it; tests/adapters/test_a_pass_means_what_it_says.py runs them.
"""
import numpy as np
from course_backward import _g  # the course's g, beside this file


def _g_prime(name, Z, A, mask_dtype=None):
    if name == "sigmoid":
        return A * (1 - A)
    if name == "tanh":
        raise NotImplementedError()  # the assignment's stub, left as it was
    if name == "relu":
        return (Z > 0).astype(mask_dtype or Z.dtype)
    if name == "leaky_relu":
        return np.where(Z > 0, 1, 0.01).astype(Z.dtype)
    return np.ones_like(Z)


def _forward(parameters, X, activations):
    """A[L] and the caches (A[l-1], Z[l]) of every layer; softmax as an output too."""
    caches, A = [], X
    for l, name in enumerate(activations, start=1):
        Z = parameters["W" + str(l)] @ A + parameters["b" + str(l)]
        caches.append((A, Z))
        A = np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True) if name == "softmax" else _g(name, Z)
    return A, caches


def _recursion(parameters, AL, caches, Y, activations, mask_dtype=None, tanh=False, dZ_too=True):
    """The course's recursion from dZ[L] = A[L] - Y (per-example dZ, dA; dW, db of the batch
    mean); ``tanh``: tanh's derivative written (else the stub raises)."""
    L, m = len(caches), Y.shape[1]
    grads, dZ = {}, AL - Y
    for l in reversed(range(1, L + 1)):
        A_prev, Z = caches[l - 1]
        if l < L:
            name = activations[l - 1]
            g_prime = 1 - np.tanh(Z) ** 2 if tanh and name == "tanh" else \
                _g_prime(name, Z, _g(name, Z), mask_dtype)
            dZ = grads["dA" + str(l)] * g_prime
        if dZ_too:
            grads["dZ" + str(l)] = dZ
        grads["dW" + str(l)] = dZ @ A_prev.T / m
        grads["db" + str(l)] = np.sum(dZ, axis=1, keepdims=True) / m
        grads["dA" + str(l - 1)] = parameters["W" + str(l)].T @ dZ
    return grads


def _backward(parameters, X, Y, activations, mask_dtype=None, tanh=False):
    AL, caches = _forward(parameters, X, activations)
    return _recursion(parameters, AL, caches, Y, activations, mask_dtype, tanh)


def tanh_stub(parameters, X, Y, activations):
    """tanh's derivative is still ``raise NotImplementedError()``: unfinished, so wrong."""
    return _backward(parameters, X, Y, activations)


def tanh_stub_declared(parameters, X, Y, activations):
    """The same stub, with what it computes declared (tanh left out)."""
    return _backward(parameters, X, Y, activations)


tanh_stub_declared.crosscheck_activations = ("sigmoid", "relu", "leaky_relu", "identity")


def correct(parameters, X, Y, activations):
    return _backward(parameters, X, Y, activations, tanh=True)


_CACHE = {}


def shape_cache(parameters, X, Y, activations):
    """Caches its gradients by the network's shape and never invalidates them: right on the
    first data of a shape, wrong on every other draw of it."""
    key = (tuple(v.shape for v in parameters.values()), X.shape, tuple(activations))
    if key not in _CACHE:
        _CACHE[key] = _backward(parameters, X, Y, activations, tanh=True)
    return _CACHE[key]


def colliding_keys(parameters, X, Y, activations):
    """dW1 negated, and the right dW1 again as "dW01": both name layer 1."""
    grads = _backward(parameters, X, Y, activations, tanh=True)
    grads["dW01"] = grads["dW1"]
    grads["dW1"] = -grads["dW1"]
    return grads


def stray_layer(parameters, X, Y, activations):
    """A gradient for a layer the network does not have (as if it always returned 9 layers)."""
    grads = _backward(parameters, X, Y, activations, tanh=True)
    grads["dW9"] = np.zeros((1, 1))
    return grads


def mean_cost_dZ(parameters, X, Y, activations):
    """cs231n's naming: dZ and dA are derivatives of the mean cost (``dscores /= N``); dW and
    db are right."""
    grads = _backward(parameters, X, Y, activations, tanh=True)
    m = X.shape[1]
    return {k: v / m if k[:2] in ("dZ", "dA") else v for k, v in grads.items()}


def mean_cost_dZ_twice(parameters, X, Y, activations):
    """The same naming, with the 1/m applied a second time in dW: wrong."""
    grads = mean_cost_dZ(parameters, X, Y, activations)
    m = X.shape[1]
    return {k: v / m if k[:2] == "dW" else v for k, v in grads.items()}


def int_mask(parameters, X, Y, activations):
    """Right, with an int64 ReLU mask that turns float32 data into float64 gradients."""
    return _backward(parameters, X, Y, activations, mask_dtype=np.int64, tanh=True)


def dZL_A_minus_Y(parameters, X, Y, activations, loss):
    """dZ[L] = A - Y for every loss: right for the canonical pairs, wrong for a sigmoid or
    tanh output with mse."""
    AL, caches = _forward(parameters, X, activations)
    return _recursion(parameters, AL, caches, Y, activations, tanh=True, dZ_too=False)


_BY_X = {}


def cache_by_X(parameters, X, Y, activations):
    """Caches its gradients by the bytes of X (as a full-batch training loop may): wrong
    whenever the same X comes with other weights or labels."""
    key = X.tobytes()
    if key not in _BY_X:
        _BY_X[key] = _backward(parameters, X, Y, activations, tanh=True)
    return _BY_X[key]


_BY_WEIGHTS = {}


def cache_by_weights(parameters, X, Y, activations):
    """Caches its gradients by the weights (as scipy's MemoizeJac does by x): wrong whenever
    the same weights come with other data."""
    key = b"".join(parameters[k].tobytes() for k in sorted(parameters))
    if key not in _BY_WEIGHTS:
        _BY_WEIGHTS[key] = _backward(parameters, X, Y, activations, tanh=True)
    return _BY_WEIGHTS[key]


_CALLS = []


def first_call_wrong(parameters, X, Y, activations):
    """A lazy initialisation that goes wrong on the first call of its process only."""
    _CALLS.append(1)
    grads = _backward(parameters, X, Y, activations, tanh=True)
    if len(_CALLS) == 1:
        grads["dW1"] = 2 * grads["dW1"]
    return grads


def mean_cost_older_naming(parameters, X, Y, activations):
    """cs231n's mean-cost dZ and dA, with dA named the course's older way ("dA{l}" is the
    derivative with respect to layer l's input): right, in two recognised namings at once."""
    grads = mean_cost_dZ(parameters, X, Y, activations)
    L = len(activations)
    return {**{k: v for k, v in grads.items() if k[:2] != "dA"},
            **{"dA" + str(l + 1): grads["dA" + str(l)] for l in range(L)}}


def unicode_digit_key(parameters, X, Y, activations):
    """dW1 under a key whose digit is Arabic-Indic ("dW١"): no key of the contract."""
    grads = _backward(parameters, X, Y, activations, tanh=True)
    grads["dW\u0661"] = grads.pop("dW1")
    return grads


class _Named:
    """A key object whose str() is a key of the contract."""

    def __init__(self, text):
        self.text = text

    def __str__(self):
        return self.text

    def __hash__(self):
        return hash(("named", self.text))


def str_collision(parameters, X, Y, activations):
    """dW1 negated under "dW1", the right one under an object that reads "dW1"."""
    grads = _backward(parameters, X, Y, activations, tanh=True)
    right = grads["dW1"]
    grads["dW1"] = -right
    grads[_Named("dW1")] = right
    return grads


_FORWARD = {}


def forward_cache_by_X(parameters, X, Y, activations):
    """Keeps its forward pass (the caches) by the bytes of X, and runs the backward pass with
    the weights it is given: right for the first weights seen with an X, wrong after."""
    key = (X.tobytes(), tuple(activations))
    if key not in _FORWARD:
        _FORWARD[key] = _forward(parameters, X, activations)
    AL, caches = _FORWARD[key]
    return _recursion(parameters, AL, caches, Y, activations, tanh=True, dZ_too=False)

def extra_entries(parameters, X, Y, activations):
    """Right, with entries of its own beside the gradients (a name, a cache left empty)."""
    grads = _backward(parameters, X, Y, activations, tanh=True)
    grads["loss_name"], grads["cache"] = "bce", None
    return grads
