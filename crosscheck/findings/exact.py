"""Exact g, g' and g'' of every activation of reference.ACTIVATIONS, with mpmath.

Each function takes a point (its ``x``: an ``mpf``, the input exactly as the dtype holds it)
and returns the three values as ``mpf``, written so that no step cancels: 1 - sigma(z) is sigma(-z), 1 + tanh(u)
is 2 sigma(2u), 1 - tanh(u)^2 is sech(u)^2, Phi(z) is erfc(-z / sqrt 2) / 2, ln(1 + e^z) is
log1p(e^z) and e^z - 1 is expm1(z).  g'' only sets the allowance (the conditioning of g'),
but it is exact too.

softmax mixes the units of a column, so it is surveyed on the two-unit column (z, 0): its
first unit is softmax(z, 0)_0 = sigma(z), and the diagonal element of its Jacobian, the
derivative of that unit with respect to its own z, is sigma(z) sigma(-z) (the survey's
engines differentiate that unit of their own softmax, crosscheck/findings/evaluations.py).

The constants are the mathematical ones: slope 0.01 (leaky_relu), sqrt(2/pi) and 0.044715
(gelu_tanh), alpha 1 (elu); an engine that rounds a constant to its dtype is measured
against these.
"""
from __future__ import annotations

import numpy as np

#: Digits of the working precision: a double-double (about 32 digits) is what the survey keeps.
DPS = 40


def _mp():
    import mpmath

    return mpmath.mp


class _Point:
    """One input x and what several activations share at it, computed once: sigma(x) and
    sigma(-x), and the constants."""

    def __init__(self, mp, x, constants):
        self.mp, self.x, self.c = mp, x, constants
        self._sig = None

    @property
    def sig(self):
        """(sigma(x), sigma(-x)), each from its own exponential (no 1 - sigma)."""
        if self._sig is None:
            e = self.mp.exp(-self.x)
            self._sig = (1 / (1 + e), e / (1 + e))  # mpmath's exponents do not overflow
        return self._sig


def _constants(mp) -> dict:
    return {"slope": mp.mpf("0.01"), "sqrt2": mp.sqrt(2), "sqrt2pi": mp.sqrt(2 * mp.pi),
            "c": mp.sqrt(2 / mp.pi), "k": mp.mpf("0.044715")}


def sigmoid(p):
    """sigma, sigma sigma(-x), sigma sigma(-x) (sigma(-x) - sigma)."""
    s, r = p.sig
    d = s * r
    return s, d, d * (r - s)


def tanh(p):
    """tanh, sech^2, -2 tanh sech^2."""
    t, sech2 = p.mp.tanh(p.x), p.mp.sech(p.x) ** 2
    return t, sech2, -2 * t * sech2


def relu(p):
    """max(x, 0), 1 or 0 (x > 0), 0."""
    one, zero = p.mp.mpf(1), p.mp.mpf(0)
    return (p.x, one, zero) if p.x > 0 else (zero, zero, zero)


def leaky_relu(p):
    """x or 0.01 x, 1 or 0.01 (x > 0), 0."""
    slope = p.c["slope"]
    return (p.x, p.mp.mpf(1), p.mp.mpf(0)) if p.x > 0 else (slope * p.x, slope, p.mp.mpf(0))


def identity(p):
    """x, 1, 0."""
    return p.x, p.mp.mpf(1), p.mp.mpf(0)


def softplus(p):
    """log1p(e^x), sigma, sigma sigma(-x)."""
    s, r = p.sig
    return p.mp.log1p(p.mp.exp(p.x)), s, s * r


def silu(p):
    """x sigma, sigma (1 + x sigma(-x)), sigma sigma(-x) (2 + x (sigma(-x) - sigma))."""
    (s, r), x = p.sig, p.x
    return x * s, s * (1 + x * r), s * r * (2 + x * (r - s))


def elu(p):
    """x or expm1(x), 1 or e^x, 0 or e^x (x > 0 or not; alpha 1)."""
    if p.x > 0:
        return p.x, p.mp.mpf(1), p.mp.mpf(0)
    e = p.mp.exp(p.x)
    return p.mp.expm1(p.x), e, e


def gelu(p):
    """x Phi, Phi + x phi, phi (2 - x^2); Phi(x) = erfc(-x / sqrt 2) / 2."""
    mp, x = p.mp, p.x
    Phi = mp.erfc(-x / p.c["sqrt2"]) / 2
    phi = mp.exp(-x * x / 2) / p.c["sqrt2pi"]
    return x * Phi, Phi + x * phi, phi * (2 - x * x)


def gelu_tanh(p):
    """x sigma(2u), its derivative and second derivative; u = c (x + k x^3), (1 + tanh u) / 2 = sigma(2u)."""
    mp, x, c, k = p.mp, p.x, p.c["c"], p.c["k"]
    u, du = c * (x + k * x ** 3), c * (1 + 3 * k * x * x)
    e = mp.exp(-2 * u)
    s, r = 1 / (1 + e), e / (1 + e)  # sigma(2u) = (1 + tanh u) / 2, sigma(-2u) = (1 - tanh u) / 2
    q = s * r  # (1 - tanh(u)^2) / 4
    g_prime = s + 2 * x * q * du
    g_second = 4 * q * du + x * (4 * q * (r - s) * du * du + 12 * c * k * x * q)
    return x * s, g_prime, g_second


def softmax(p):
    """The first unit of softmax over the column (z, 0): sigma(z) (see the module's docstring)."""
    return sigmoid(p)


FUNCTIONS = {f.__name__: f for f in (sigmoid, tanh, relu, leaky_relu, identity, softplus, silu, elu, gelu,
                                      gelu_tanh, softmax)}


def exact(names, z: np.ndarray) -> dict:
    """{name: (g, g', g'')} at the float64 points ``z`` (each exact as given), each value a pair
    of float64 arrays (hi, lo) whose sum is the exact value to about 32 digits; names from
    reference.ACTIVATIONS.  KeyError for a name without an exact formula here."""
    mp = _mp()
    functions = [FUNCTIONS[name] for name in names]
    out = {name: np.empty((3, 2, len(z))) for name in names}
    with mp.workdps(DPS):
        constants = _constants(mp)
        for i, zi in enumerate(np.asarray(z, dtype=np.float64).tolist()):
            point = _Point(mp, mp.mpf(zi), constants)
            for name, f in zip(names, functions):
                for k, value in enumerate(f(point)):
                    hi = float(value)
                    out[name][k, 0, i] = hi
                    out[name][k, 1, i] = float(value - hi) if np.isfinite(hi) else 0.0
    return {name: tuple((v[k, 0], v[k, 1]) for k in range(3)) for name, v in out.items()}
