"""JAX: expm1's derivative is expm1(z) + 1, so jax.grad(jax.nn.elu) is off by ~1e-16 e^|z|, and 0 below z = -37.4.

expm1'(z) = e^z, but JAX's rule uses the output, ans + 1: for z < -1 that cancels (relative
error ~ 1e-16 e^|z| in float64) and for z < -37.4 (float64; -16.6 in float32) it is exactly 0.
"""
import math

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

for dtype, points in ((jnp.float64, [-5.0, -20.0, -30.0, -40.0]), (jnp.float32, [-5.0, -10.0, -17.0])):
    z = jnp.array(points, dtype=dtype)
    for name, f in (("expm1", jnp.expm1), ("elu", lambda t: jax.nn.elu(t, alpha=1.0))):
        d = jax.vmap(jax.grad(f))(z)
        for v, got in zip(points, d.tolist()):
            exact = math.exp(v)
            print(f"jax {jax.__version__} {z.dtype} {name}'({v:g}) = {got:.6e}, exact {exact:.6e}: "
                  f"relative error {abs(got - exact) / exact:.2e}")
