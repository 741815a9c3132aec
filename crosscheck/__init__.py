"""backprop-crosscheck: the article's backpropagation formulas checked against autodiff
engines and against your own backward pass.

The public API: ``check``, ``Result`` and ``supports`` (crosscheck/api.py: check your own
backward function; declare what it computes), ``Engine`` and ``Trace`` (adapters/base.py, reference/trace.py: the base class of
an engine and what it returns), ``Unsupported`` and ``NotApplicable`` (what an engine's
``trace`` raises for a scenario it does not run), ``Tolerance`` (an engine's own tolerance,
held to the sanity bound as ``--tolerance`` is).  Importing ``crosscheck`` imports no
framework, and each name only when it is first used.

The layout: ``crosscheck.reference`` (the article's formulas), ``crosscheck.adapters`` (the
engines), ``crosscheck.scenarios`` (scenarios, suites, tolerances), and here ``checks``
(comparing arrays, the identities), ``running``, ``reporting``, ``analyses`` and ``cli``.
"""
_PUBLIC = {
    "check": "crosscheck.api", "Result": "crosscheck.api", "supports": "crosscheck.api",
    "Engine": "crosscheck.adapters.base", "Trace": "crosscheck.reference.trace",
    "Unsupported": "crosscheck.adapters.base", "NotApplicable": "crosscheck.adapters.base",
    "Tolerance": "crosscheck.scenarios.tolerances",
}
__all__ = list(_PUBLIC)


def __getattr__(name):
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'crosscheck' has no attribute {name!r}")
