"""A learner's Week 4 assignment that treats the labels as a column vector
(one row per example) in L_model_backward. Y.reshape(-1, 1) makes Y (m, 1)
while AL is (1, m); the two divisions broadcast to (m, m) and the result can
no longer be written into the (1, m) dAL the learner pre-allocated, so for
m > 1 numpy raises ValueError (non-broadcastable output operand). With a
single example Y is (1, 1) and everything is correct."""
import numpy as np

from course_dnn import L_model_forward, linear_activation_backward


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches) # the number of layers
    m = AL.shape[1]
    Y = Y.reshape(-1, 1) # labels as a column vector, one row per example

    # Initializing the backpropagation
    # dAL = -(Y/AL - (1-Y)/(1-AL)) = (1-Y)/(1-AL) - Y/AL, same shape as AL
    dAL = np.zeros(AL.shape)
    np.subtract(np.divide(1 - Y, 1 - AL), np.divide(Y, AL), out=dAL)

    # Lth layer (SIGMOID -> LINEAR) gradients.
    current_cache = caches[L-1]
    dA_prev_temp, dW_temp, db_temp = linear_activation_backward(dAL, current_cache, activation = "sigmoid")
    grads["dA" + str(L-1)] = dA_prev_temp
    grads["dW" + str(L)] = dW_temp
    grads["db" + str(L)] = db_temp

    # Loop from l=L-2 to l=0
    for l in reversed(range(L-1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 1)], current_cache, activation = "relu")
        grads["dA" + str(l)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp

    return grads
