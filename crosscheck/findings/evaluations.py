"""g(z) and g'(z) of every activation as each engine computes them, at given points z.

Each engine's functions are its adapter's own table (``engine.activations(framework)``,
adapters/*.py), loaded through the adapter (``engine.load``: JAX with x64, MLX on its CPU,
TensorFlow on its CPU), so that the survey measures what the engines run.  g' is read the
way each engine's backward gets it: the reverse-mode derivative of the sum of g's outputs
(a vector-Jacobian product with a cotangent of ones, so each element is g' itself):
``torch.autograd.grad``, ``jax.grad`` (jitted, as the engine's program is),
``tf.GradientTape``, ``mx.grad`` and ``autograd.elementwise_grad``; the numpy engine's is
the reference's ``g_prime(Z, A)`` with the cached A, as its backward calls it.

softmax is evaluated on the two-unit column (z, 0): g is the first unit of the engine's
softmax over it (axis 0, as the engines apply it) and g' the derivative of that unit with
respect to its own z, the diagonal element of the Jacobian (crosscheck/findings/exact.py).

Nothing here imports a framework at import time.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from crosscheck.reference.activations import ACTIVATIONS
from crosscheck.scenarios.dtypes import numpy_dtype

#: The engines surveyed (adapters.ENGINES without fd, which has no activation functions of
#: its own: it evaluates the reference's g).
ENGINES = ("numpy", "torch", "jax", "tensorflow", "autograd", "mlx")


@lru_cache(maxsize=None)
def _engine(name: str):
    """One adapter per engine name, loaded once (JAX's settings, TensorFlow's start-up)."""
    from crosscheck.adapters import get_engine

    return get_engine(name)


def engine_dtypes(name: str) -> tuple:
    """The dtypes the engine runs (its adapter's ``dtypes``)."""
    return tuple(type(_engine(name)).dtypes)


def unavailable(name: str) -> str | None:
    """Why engine ``name`` cannot be surveyed here, or None (imports nothing)."""
    return _engine(name).unavailable_reason()


def evaluate(name: str, dtype: str, z, activations=None) -> tuple[dict, str]:
    """({activation: (g, g', the dtype g' came back in)}, framework version) of engine ``name``
    at ``z`` (any shape; rounded to ``dtype`` first, when it is not of it) for each of
    ``activations`` (every one of reference.ACTIVATIONS when None); g and g' as float64
    arrays (every value of the dtype is one of float64).  EngineUnavailable when the
    engine's framework cannot be loaded."""
    names = tuple(activations or ACTIVATIONS)
    engine = _engine(name)
    framework = engine.load()
    z = np.asarray(z).astype(numpy_dtype(dtype))
    return _EVALUATORS[type(engine).name](engine, framework, dtype, z, names), _version(name, framework)


def _version(name: str, framework) -> str:
    if framework is None:
        return np.__version__
    if name == "autograd":
        from importlib.metadata import version

        return version("autograd")
    return str(framework.__version__)


def _out(values, g_prime, dtype_name) -> tuple:
    return (np.asarray(values, dtype=np.float64), np.asarray(g_prime, dtype=np.float64), dtype_name)


def _numpy(engine, framework, dtype, z, names) -> dict:
    out = {}
    with np.errstate(all="ignore"):
        for name in names:
            act = ACTIVATIONS[name]
            if act.elementwise:
                a = act.g(z)
                g_prime = act.g_prime(z, a)
            else:  # the column (z, 0); dA = (1, 0): dZ's first row is the Jacobian's diagonal
                column = np.stack([z, np.zeros_like(z)])
                A = act.g(column)
                a, g_prime = A[0], act.vjp(np.stack([np.ones_like(z), np.zeros_like(z)]), column, A)[0]
            out[name] = _out(a.astype(np.float64), g_prime.astype(np.float64), np.asarray(g_prime).dtype.name)
    return out


def _torch(engine, torch, dtype, z, names) -> dict:
    from crosscheck.adapters.torch_autograd import to_numpy, to_torch

    table, out = engine.activations(torch), {}
    for name in names:
        f = table[name]
        t = to_torch(torch, z, "cpu", requires_grad=True)
        a = f(t) if ACTIVATIONS[name].elementwise else f(torch.stack([t, torch.zeros_like(t)]))[0]
        (g_prime,) = torch.autograd.grad(a.sum(), t)
        out[name] = _out(to_numpy(a, z.dtype).astype(np.float64), to_numpy(g_prime, z.dtype).astype(np.float64),
                         str(g_prime.dtype).replace("torch.", ""))
    return out


@lru_cache(maxsize=None)
def _jax_program(engine, names: tuple):
    """jit of (g, g') of every one of ``names``: one program, compiled once per shape and dtype."""
    jax = engine.load()
    jnp = jax.numpy
    table = engine.activations(jax)
    functions = {name: table[name] if ACTIVATIONS[name].elementwise else
                 (lambda f: lambda x: f(jnp.stack([x, jnp.zeros_like(x)]))[0])(table[name]) for name in names}

    def both(x):
        return {name: (f(x), jax.grad(lambda y, f=f: jnp.sum(f(y)))(x)) for name, f in functions.items()}

    return jax.jit(both)


def _jax(engine, jax, dtype, z, names) -> dict:
    result = _jax_program(engine, names)(jax.numpy.asarray(z))
    return {name: _out(np.asarray(a).astype(np.float64), np.asarray(d).astype(np.float64), str(d.dtype))
            for name, (a, d) in result.items()}


def _tensorflow(engine, tf, dtype, z, names) -> dict:
    table, out = engine.activations(tf), {}
    for name in names:
        f = table[name]
        t = tf.constant(z, dtype=tf.dtypes.as_dtype(dtype))
        with tf.GradientTape() as tape:
            tape.watch(t)
            a = f(t) if ACTIVATIONS[name].elementwise else f(tf.stack([t, tf.zeros_like(t)]))[0]
            total = tf.math.reduce_sum(a)
        g_prime = tape.gradient(total, t)
        out[name] = _out(a.numpy().astype(np.float64), g_prime.numpy().astype(np.float64), g_prime.dtype.name)
    return out


def _autograd(engine, autograd, dtype, z, names) -> dict:
    anp = autograd.numpy
    table, out = engine.activations(autograd), {}
    for name in names:
        f = table[name]
        h = f if ACTIVATIONS[name].elementwise else (lambda f: lambda x: f(anp.stack([x, anp.zeros_like(x)]))[0])(f)
        with np.errstate(all="ignore"):
            a, g_prime = h(z), autograd.elementwise_grad(h)(z)
        out[name] = _out(np.asarray(a).astype(np.float64), np.asarray(g_prime).astype(np.float64),
                         np.asarray(g_prime).dtype.name)
    return out


def _mlx(engine, mx, dtype, z, names) -> dict:
    from crosscheck.adapters.mlx_grad import to_numpy

    table, out = engine.activations(mx), {}
    for name in names:
        f = table[name]
        h = f if ACTIVATIONS[name].elementwise else (lambda f: lambda x: f(mx.stack([x, mx.zeros_like(x)]))[0])(f)
        x = engine.to_mlx(z, dtype)
        a, g_prime = h(x), mx.grad(lambda y, h=h: mx.sum(h(y)))(x)
        mx.eval(a, g_prime)
        out[name] = _out(to_numpy(mx, a, dtype).astype(np.float64), to_numpy(mx, g_prime, dtype).astype(np.float64),
                         str(g_prime.dtype).replace("mlx.core.", ""))
    return out


_EVALUATORS = {"numpy": _numpy, "torch": _torch, "jax": _jax, "tensorflow": _tensorflow, "autograd": _autograd,
               "mlx": _mlx}
