"""TensorFlow: tf.nn.elu computes e^z - 1, not expm1, and its gradient as elu(z) + 1: digits lost near 0 and far out.

For small negative z, e^z - 1 cancels (elu(-1e-16) is 25% off in float64, elu(-8.8e-8) 32% in
float32, where expm1 is exact to an ulp); the gradient, computed from the output as y + 1,
cancels for z < -1 (relative error ~ 1e-16 e^|z|) and is 0 for z < -37.4 instead of e^z.
"""
import math

import numpy as np
import tensorflow as tf

for dtype, z in ((tf.float64, -1.4826e-16), (tf.float32, -8.83e-8)):
    x = tf.constant([z], dtype=dtype)
    got, exact = float(tf.nn.elu(x).numpy()[0]), math.expm1(float(x.numpy()[0]))
    print(f"tensorflow {tf.__version__} {dtype.name} elu({z:g}) = {got:.6e}, exact {exact:.6e}: "
          f"relative error {abs(got - exact) / abs(exact):.2e}")
z = tf.constant([-5.0, -20.0, -30.0, -40.0], dtype=tf.float64)
with tf.GradientTape() as tape:
    tape.watch(z)
    y = tf.nn.elu(z)
d = tape.gradient(y, z).numpy()
for v, got in zip(z.numpy(), d):
    exact = math.exp(v)
    print(f"tensorflow {tf.__version__} float64 elu'({v:g}) = {got:.6e}, exact {exact:.6e}: "
          f"relative error {abs(got - exact) / exact:.2e}")
