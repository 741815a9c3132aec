"""A learner's L_model_backward that hangs when there is a single example:
the loop over layers is a `while` whose counter is only decremented inside
the `if m > 1` branch (the learner meant to special-case the single-example
case later and never did). Correct whenever AL.shape[1] > 1."""
import numpy as np

from course_dnn import L_model_forward, linear_activation_backward


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches) # the number of layers
    m = AL.shape[1]
    Y = Y.reshape(AL.shape) # after this line, Y is the same shape as AL

    # Initializing the backpropagation
    dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))

    # go down the layers: l = L, L-1, ..., 1
    l = L
    dA = dAL
    while l >= 1:
        if l == L:
            activation = "sigmoid"
        else:
            activation = "relu"
        current_cache = caches[l - 1]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(dA, current_cache, activation = activation)
        grads["dA" + str(l - 1)] = dA_prev_temp
        grads["dW" + str(l)] = dW_temp
        grads["db" + str(l)] = db_temp
        if m > 1:
            dA = dA_prev_temp
            l = l - 1
        # TODO: single example case

    return grads
