"""TensorFlow: float64 tf.nn.gelu(approximate=False) is up to 1.1e-6 relative off: 1/sqrt(2) is rounded to float32.

tf.nn.gelu computes 0.5 * x * erfc(-x * math_ops.cast(0.7071067811865476, x.dtype)); the cast
of a Python float goes through a float32 tensor, so the constant is 0.7071067690849304 in a
float64 graph.  The same formula with a float64 constant is float64-accurate, and so is erfc.
"""
import mpmath
import numpy as np
import tensorflow as tf

mpmath.mp.dps = 40
z = np.linspace(-8.0, 8.0, 1601)
x = tf.constant(z, dtype=tf.float64)
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)
    g = tf.nn.gelu(x, approximate=False)
    own = 0.5 * x * tf.math.erfc(-x * tf.constant(0.7071067811865476, tf.float64))  # float64 constant
Phi = [mpmath.erfc(-mpmath.mpf(v) / mpmath.sqrt(2)) / 2 for v in z]
exact_g = np.array([float(v * p) for v, p in zip(z, Phi)])
exact_d = np.array([float(p + v * mpmath.npdf(v)) for v, p in zip(z, Phi)])
print("float32(1/sqrt 2) in the float64 graph:", repr(tf.cast(0.7071067811865476, tf.float64).numpy()))
for name, got, exact in (("gelu(z)", g, exact_g), ("gelu'(z) (GradientTape)", tape.gradient(g, x), exact_d),
                         ("same formula, float64 constant", own, exact_g)):
    rel = np.abs(got.numpy() - exact) / np.abs(exact).clip(1e-300)
    i = int(np.argmax(np.where(np.abs(z + 0.7518) > 0.05, rel, 0)))  # away from gelu'(z)'s zero (-0.7518)
    print(f"tensorflow {tf.__version__} float64 {name:31s} max relative error {rel[i]:.2e} at z = {z[i]:.2f}")
