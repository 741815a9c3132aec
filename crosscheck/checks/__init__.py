"""Comparing arrays and the article's identities: one implementation of each.

- ``arrays``: one array against its expected value (shape, dtype, error statistics).
- ``identities``: what is compared with what (the reference, A-Y, chain, x(a-y), db,
  recursion) and the formulas each identity evaluates, used by the runner and by
  ``localise``.
- ``budget``: the term scales of the tolerance and errors in rounding-budget units.
- ``controls``, ``conventions``: negative controls and convention differences.
- ``localise``: where a gradient goes wrong.
- ``gradient_check``: the course's gradient-check "difference".
"""
