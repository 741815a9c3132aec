"""HIPS autograd: np.expm1's gradient is computed as expm1(z) + 1: relative error ~1e-16 e^|z|, 0 below z = -37.4.

expm1'(z) = e^z; autograd's vjp uses the output, g * (ans + 1), which cancels for z < -1
(relative error ~ 1e-16 e^|z| in float64) and is exactly 0 for z < -37.4 (float64).
"""
import math

import autograd.numpy as np
from autograd import elementwise_grad

z = np.array([-5.0, -20.0, -30.0, -40.0])
d = elementwise_grad(np.expm1)(z)
for v, got in zip(z, d):
    exact = math.exp(v)
    print(f"autograd float64 expm1'({v:g}) = {got:.6e}, exact {exact:.6e}: "
          f"relative error {abs(got - exact) / exact:.2e}")
