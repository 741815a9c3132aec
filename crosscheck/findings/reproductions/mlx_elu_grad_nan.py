"""MLX: the gradient of mlx.nn.elu is NaN for z > 88.7 in float32 (z > 11.1 in float16), where it is 1.

mlx.nn.elu is mx.where(x > 0, x, alpha * (mx.exp(x) - 1)): for large z the unselected branch's
exp(z) overflows to inf, and its zero cotangent times inf is NaN.  (jax.nn.elu evaluates
expm1 at where(x > 0, 0, x) instead.)  exp(x) - 1 also loses the relative accuracy of
elu(z) for small negative z, where expm1 keeps it.
"""
import mlx.core as mx
import mlx.nn as nn
import numpy as np

mx.set_default_device(mx.cpu)
grad = mx.grad(lambda t: nn.elu(t, alpha=1.0).sum())
for dtype, z in ((mx.float32, [1.0, 88.0, 88.8, 100.0]), (mx.float16, [1.0, 11.0, 11.2, 20.0])):
    g = grad(mx.array(z, dtype=dtype))
    print(f"mlx {mx.__version__} {dtype} elu'(z) at z = {z}: {np.array(g.astype(mx.float32)).tolist()} (exact: 1.0)")
small = -8.83e-8
got = float(np.array(nn.elu(mx.array([small], dtype=mx.float32)))[0])
exact = float(np.expm1(np.float64(np.float32(small))))
print(f"mlx {mx.__version__} float32 elu({small:g}) = {got:.6e}, exact {exact:.6e}: "
      f"relative error {abs(got - exact) / abs(exact):.2e}")
