"""Analyses beyond a run: ``mutants`` (the catalogue of formula slips and their engine),
``mutant_kills`` (``crosscheck mutants``), ``taylor``, ``fuzz``, ``audit``."""
