"""The harness: checks, metrics, runner, reports and the ``crosscheck`` command line.

``from crosscheck import check`` checks your own backward function (crosscheck/api.py);
importing ``crosscheck`` imports no framework, and the API only when it is first used.
"""
__all__ = ["check", "Result"]


def __getattr__(name):
    if name in __all__:
        from crosscheck import api

        return getattr(api, name)
    raise AttributeError(f"module 'crosscheck' has no attribute {name!r}")
