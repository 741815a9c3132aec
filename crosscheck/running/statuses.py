"""The ``status`` of a row of discrepancies.csv: one value per kind of outcome.

``passed`` is False only for ``FAIL``; every other status is either a check that held or
a row that is shown apart (not checked, expected to differ, unable to fail, or a failure the
``--known-failures`` file lists: ``KNOWN``).
"""
PASS = "pass"
FAIL = "fail"
#: The engine does not run the scenario (its dtype; a user's function raised
#: NotImplementedError; fd beyond its sizes): the one ``run`` row, not a failure.
UNSUPPORTED = "unsupported"
#: A scenario the engine does not compute by design (a user's function for other
#: activations or another loss): not checked, not a failure; the reason in ``message``.
NOT_APPLICABLE = "not applicable"
#: A negative control that indeed does not hold (``A-Y`` for a non-canonical output/loss pair).
EXPECTED_NOT_TO_HOLD = "expected not to hold"
#: A negative control whose two formulas differ by less than the dtype's tolerance (the
#: reference's own A - Y would pass): it can show nothing, and is not a failure.
INCONCLUSIVE_CONTROL = "inconclusive control"
#: A difference the engine's value shows to be a convention (crosscheck/checks/conventions.py),
#: with the convention's one-line explanation in ``message``.
CONVENTION = "convention"
#: A row that passed but could not have failed: every expected value is exactly 0 (a slip
#: that multiplies it gives 0 too), or the tolerance's absolute term covers every value of
#: the array (its terms cancel far below the dtype's resolution; bfloat16's db).
INCONCLUSIVE = "inconclusive"
#: A failing row that the ``--known-failures`` file lists (crosscheck/running/known.py): it
#: passes, is shown apart, and its message starts with the entry's reason,
#: ``known failure (REASON): `` and then the failure's own message.
KNOWN = "known"
#: A failing row that a finding of the ledger explains (crosscheck/findings/ledger.py; checked
#: value by value by crosscheck/checks/findings.py): a measured difference of the engine's
#: own activation, not a named choice; it passes, is shown apart and counted in every
#: headline, its message ``finding (ID): `` and the finding's explanation.
FINDING = "finding"

#: Statuses of a scenario x engine that was not checked at all.
NOT_CHECKED = (UNSUPPORTED, NOT_APPLICABLE)
#: Statuses of rows that differ and pass: shown apart from the identities.
EXPECTED = (EXPECTED_NOT_TO_HOLD, INCONCLUSIVE_CONTROL, CONVENTION, INCONCLUSIVE, FINDING)

#: ``check`` of the one row of a scenario x engine that gave no trace (unsupported, not
#: applicable, or the engine raised, timed out or died).
RUN = "run"
