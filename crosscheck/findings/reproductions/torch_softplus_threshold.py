"""PyTorch: F.softplus returns z for z > 20 (threshold=20): 1e-10 relative off in float64, its gradient exactly 1.

softplus(z) = log(1 + e^z) = z + log1p(e^-z): at z = 20.1 the last term is 1.9e-9, far above
float64's resolution (z * 1.1e-16 = 2e-15), and softplus'(z) = sigmoid(z) = 1 - 1.9e-9.  The
default threshold suits float32 (where z + e^-z rounds to z from about z = 17), not float64.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F

z = torch.tensor([19.9, 20.1, 25.0, 30.0, 36.0], dtype=torch.float64, requires_grad=True)
g = F.softplus(z)
(d,) = torch.autograd.grad(g.sum(), z)
for v, got, slope in zip(z.tolist(), g.tolist(), d.tolist()):
    exact = v + math.log1p(math.exp(-v))  # float64-accurate for v > 0
    exact_slope = 1 / (1 + math.exp(-v))
    print(f"torch {torch.__version__} float64 softplus({v}): relative error {abs(got - exact) / exact:.2e}; "
          f"softplus' = {slope!r}, exact {exact_slope!r}: relative error {abs(slope - exact_slope) / exact_slope:.2e}")
print("float64, threshold=40: max |error|", np.abs(F.softplus(z, threshold=40).detach().numpy()
                                          - [v + math.log1p(math.exp(-v)) for v in z.tolist()]).max())
