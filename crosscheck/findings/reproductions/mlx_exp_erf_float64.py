"""MLX: mx.exp and mx.erf of float64 arrays are float32-accurate on the CPU (exp has float32's range too).

A float64 result should be within a few 1e-16 relative of the exact value (mpmath); MLX's
float64 exp and erf are off by about float32's unit roundoff, exp(89) is inf and exp(-100)
is 0, and mx.grad of a float64 sigmoid or GELU inherits it.  tanh is float64-accurate.
"""
import mlx.core as mx
import mlx.nn as nn
import mpmath
import numpy as np

mx.set_default_device(mx.cpu)
mpmath.mp.dps = 40
z = np.linspace(-8.0, 8.0, 1601)
x, m = mx.array(z, dtype=mx.float64), [mpmath.mpf(v) for v in z]
cases = (("exp(z)", mx.exp(x), [mpmath.exp(v) for v in m]),
         ("erf(z)", mx.erf(x), [mpmath.erf(v) for v in m]),
         ("tanh(z)", mx.tanh(x), [mpmath.tanh(v) for v in m]),
         ("sigmoid'(z) (mx.grad)", mx.grad(lambda t: mx.sigmoid(t).sum())(x),
          [mpmath.exp(-abs(v)) / (1 + mpmath.exp(-abs(v))) ** 2 for v in m]),
         ("gelu'(z) (mx.grad)", mx.grad(lambda t: nn.gelu(t).sum())(x),
          [mpmath.erfc(-v / mpmath.sqrt(2)) / 2 + v * mpmath.npdf(v) for v in m]))
print(f"mlx {mx.__version__} float64 exp([89, -100]) = {np.array(mx.exp(mx.array([89.0, -100.0], dtype=mx.float64)))}"
      f" (exact: [4.49e+38, 3.72e-44])")
for name, got, exact in cases:
    exact = np.array([float(e) for e in exact])
    rel = np.abs(np.array(got) - exact) / np.abs(exact).clip(1e-300)
    i = int(np.argmax(np.where(np.abs(z + 0.7518) > 0.05, rel, 0)))  # away from gelu'(z)'s zero
    print(f"mlx {mx.__version__} {got.dtype} {name:22s} max relative error {rel[i]:.2e} at z = {z[i]:.2f}")
