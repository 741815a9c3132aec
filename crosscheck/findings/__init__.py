"""Findings: measured imprecisions of the frameworks (and of the reference), with the figures
a findings ledger cites and the standalone scripts that reproduce them.

- ``survey``: the op-level survey, g(z) and g'(z) of every activation in every engine and
  dtype against exact values (``python -m crosscheck.findings.survey``);
- ``exact``: those exact values (mpmath); ``evaluations``: each engine's g and g', read
  from its adapter's own table of activations and its own autodiff;
- ``mlx_bfloat16_trace``: where MLX's one failing bfloat16 scenario comes from;
- ``reproductions/``: one script per confirmed finding, importing only its framework,
  NumPy and mpmath (not crosscheck), titled for an upstream report.

Importing this package imports no framework.
"""
