"""A textbook one-hidden-layer softmax classifier (LINEAR -> RELU/TANH ->
LINEAR -> SOFTMAX, categorical cross-entropy), written against the
dictionary contract of the crosscheck harness.

Y is one-hot, shape (n_classes, m). dZ and dA are per example (not divided
by m), dW and db are averaged over the m examples, as in the course."""
import numpy as np


def softmax(Z):
    """Column-wise softmax, shifted by the column max for stability."""
    e = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def backward(parameters, X, Y, activations, loss):
    if (len(activations) != 2 or activations[1] != "softmax" or loss != "cce"
            or activations[0] not in ("relu", "tanh")):
        raise NotImplementedError(
            "only LINEAR -> relu/tanh -> LINEAR -> softmax with cce")

    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    m = X.shape[1]

    # forward propagation
    Z1 = np.dot(W1, X) + b1
    if activations[0] == "relu":
        A1 = np.maximum(0, Z1)
    else:
        A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = softmax(Z2)

    # backward propagation
    dZ2 = A2 - Y
    dW2 = 1. / m * np.dot(dZ2, A1.T)
    db2 = np.mean(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    if activations[0] == "relu":
        dZ1 = dA1 * (Z1 > 0)
    else:
        dZ1 = dA1 * (1 - np.power(A1, 2))
    dW1 = 1. / m * np.dot(dZ1, X.T)
    db1 = np.mean(dZ1, axis=1, keepdims=True)

    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2,
            "dZ1": dZ1, "dZ2": dZ2, "dA1": dA1}
