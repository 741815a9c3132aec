"""A learner's copy of the Week 4 assignment that prints a lot while it runs
(debug prints left in). The maths is the same as course_dnn.py."""
import numpy as np

from course_dnn import (initialize_parameters_deep, linear_forward,
                        linear_activation_forward, compute_cost,
                        linear_backward, linear_activation_backward,
                        update_parameters)

print("=" * 40)
print("  my deep NN, week 4 -- loaded OK")
print("=" * 40)


def L_model_forward(X, parameters):
    """
    Implement forward propagation for the [LINEAR->RELU]*(L-1)->LINEAR->SIGMOID computation

    Arguments:
    X -- data, numpy array of shape (input size, number of examples)
    parameters -- output of initialize_parameters_deep()

    Returns:
    AL -- last post-activation value
    caches -- list of caches (there are L of them, indexed from 0 to L-1)
    """

    caches = []
    A = X
    L = len(parameters) // 2                  # number of layers in the neural network
    print("L_model_forward: L =", L, " X shape:", X.shape)

    # Implement [LINEAR -> RELU]*(L-1). Add "cache" to the "caches" list.
    for l in range(1, L):
        A_prev = A
        A, cache = linear_activation_forward(A_prev, parameters['W' + str(l)], parameters['b' + str(l)], activation = "relu")
        caches.append(cache)
        print("  layer", l, "(relu) A shape:", A.shape, " mean:", np.mean(A))

    # Implement LINEAR -> SIGMOID. Add "cache" to the "caches" list.
    AL, cache = linear_activation_forward(A, parameters['W' + str(L)], parameters['b' + str(L)], activation = "sigmoid")
    caches.append(cache)
    print("AL shape:", AL.shape)
    print("AL =", AL)

    return AL, caches


def L_model_backward(AL, Y, caches):
    """
    Implement the backward propagation for the [LINEAR->RELU] * (L-1) -> LINEAR -> SIGMOID group

    Returns:
    grads -- A dictionary with the gradients
             grads["dA" + str(l)] = ...
             grads["dW" + str(l)] = ...
             grads["db" + str(l)] = ...
    """
    grads = {}
    L = len(caches) # the number of layers
    m = AL.shape[1]
    Y = Y.reshape(AL.shape) # after this line, Y is the same shape as AL
    print("L_model_backward: L =", L, " m =", m)
    print("cost after forward", compute_cost(AL, Y))

    # Initializing the backpropagation
    dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    print("dAL shape:", dAL.shape)

    # Lth layer (SIGMOID -> LINEAR) gradients.
    current_cache = caches[L-1]
    dA_prev_temp, dW_temp, db_temp = linear_activation_backward(dAL, current_cache, activation = "sigmoid")
    grads["dA" + str(L-1)] = dA_prev_temp
    grads["dW" + str(L)] = dW_temp
    grads["db" + str(L)] = db_temp
    print("  layer", L, "(sigmoid) dW norm:", np.linalg.norm(dW_temp), " db norm:", np.linalg.norm(db_temp))

    # Loop from l=L-2 to l=0
    for l in reversed(range(L-1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 1)], current_cache, activation = "relu")
        grads["dA" + str(l)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
        print("  layer", l + 1, "(relu) dW shape:", dW_temp.shape, " dW norm:", np.linalg.norm(dW_temp))
        print("  dA" + str(l), "=", dA_prev_temp)

    print("grads keys:", sorted(grads.keys()))
    return grads
