"""TensorFlow: float64 tf.nn.gelu(approximate=True) is ~1e-8..1e-6 relative off: 0.044715 is rounded to float32.

tf.nn.gelu(approximate=True) casts its coefficient with math_ops.cast(0.044715, x.dtype), which
goes through a float32 tensor (0.044714998453855515).  Deeper in the negative tail (z < -5),
where 1 + tanh(u) cancels, tf.math.tanh's float64 error near -1 (a few ulps) adds to it.
"""
import mpmath
import numpy as np
import tensorflow as tf

mpmath.mp.dps = 40
z = np.linspace(-6.0, 6.0, 1201)
x = tf.constant(z, dtype=tf.float64)
got = tf.nn.gelu(x, approximate=True).numpy()
k = tf.constant(0.044715, tf.float64)  # the same formula with a float64 coefficient
own = (0.5 * x * (1.0 + tf.math.tanh(0.7978845608028654 * (x + k * tf.math.pow(x, 3))))).numpy()
npy = 0.5 * z * (1.0 + np.tanh(0.7978845608028654 * (z + 0.044715 * z ** 3)))  # NumPy's tanh
c = mpmath.sqrt(2 / mpmath.pi)
exact = np.array([float(v / (1 + mpmath.exp(-2 * c * (v + mpmath.mpf("0.044715") * v ** 3))))
                  for v in map(mpmath.mpf, z)])
print("float32(0.044715) in the float64 graph:", repr(tf.cast(0.044715, tf.float64).numpy()))
for name, values in (("tf.nn.gelu(approximate=True)", got), ("same formula, float64 coefficient", own),
                     ("same formula in NumPy", npy)):
    rel = np.abs(values - exact) / np.abs(exact).clip(1e-300)
    for lo, hi in ((-3.0, 6.0), (-6.0, -3.0)):
        i = np.flatnonzero((z >= lo) & (z <= hi))[int(np.argmax(rel[(z >= lo) & (z <= hi)]))]
        print(f"tensorflow {tf.__version__} float64 {name:34s} z in [{lo:+.0f}, {hi:+.0f}]: "
              f"max relative error {rel[i]:.2e} at z = {z[i]:.2f}")
