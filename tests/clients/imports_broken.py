"""Week 4 assignment that uses my own (broken) helper file: importing this
module fails because broken_helpers.py does not even parse."""
import numpy as np

from broken_helpers import relu_backward
from course_dnn import L_model_forward, linear_backward
from dnn_utils import sigmoid_backward


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches) # the number of layers
    Y = Y.reshape(AL.shape) # after this line, Y is the same shape as AL

    dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))

    linear_cache, activation_cache = caches[L-1]
    dZ = sigmoid_backward(dAL, activation_cache)
    grads["dA" + str(L-1)], grads["dW" + str(L)], grads["db" + str(L)] = linear_backward(dZ, linear_cache)

    for l in reversed(range(L-1)):
        linear_cache, activation_cache = caches[l]
        dZ = relu_backward(grads["dA" + str(l + 1)], activation_cache)
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = linear_backward(dZ, linear_cache)

    return grads
