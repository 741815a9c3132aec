"""JAX (XLA CPU): float64 tanh is up to 7 ulps off near -1, so tanh' and gelu_tanh far out are up to 90x too large.

jnp.tanh(z) for z < -18 should round to -1 (its distance from -1, 2e^{2z}, is below half an
ulp); XLA's returns -1 + a few ulps.  jax.grad(jnp.tanh) = 1 - tanh^2 then gives ~1e-15
instead of 4e^{2z}, and jax.nn.gelu(approximate=True) = z (1 + tanh(u)) / 2 keeps that error.
"""
import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import mpmath  # noqa: E402
import numpy as np  # noqa: E402

mpmath.mp.dps = 40
z = np.linspace(-20.0, -5.0, 1501)
m = [mpmath.mpf(v) for v in z]
c, k = mpmath.sqrt(2 / mpmath.pi), mpmath.mpf("0.044715")
tanh_ulps = (np.asarray(jnp.tanh(z)) - np.array([float(mpmath.tanh(v)) for v in m])) / 2.0 ** -53
cases = (("tanh'(z) (jax.grad)", jax.vmap(jax.grad(jnp.tanh))(z), [mpmath.sech(v) ** 2 for v in m]),
         ("gelu_tanh(z)", jax.nn.gelu(z, approximate=True),
          [v / (1 + mpmath.exp(-2 * c * (v + k * v ** 3))) for v in m]))
i = int(np.argmax(np.abs(tanh_ulps)))
print(f"jax {jax.__version__} float64 tanh(z): max error {abs(tanh_ulps[i]):.1f} ulps (2^-53 each) at z = {z[i]:.2f}")
for name, got, exact in cases:
    exact = np.array([float(e) for e in exact])
    ratio = np.asarray(got) / exact
    i = int(np.argmax(np.abs(ratio - 1)))
    print(f"jax {jax.__version__} float64 {name:20s} up to {ratio[i]:.3g} x the exact value, relative error "
          f"{abs(ratio[i] - 1):.3g} (z = {z[i]:.2f}; NumPy's formula gives 0 there)")
