"""Scenarios: the spec, the data built from it, the named suites and the tolerance table."""
from crosscheck.scenarios.problem import Problem, build_problem
from crosscheck.scenarios.spec import DTYPES, REGIMES, Scenario
from crosscheck.scenarios.suites import SUITES, suite
from crosscheck.scenarios.tolerances import TOLERANCES, Tolerance, tolerance

__all__ = [
    "DTYPES", "REGIMES", "Problem", "SUITES", "Scenario", "TOLERANCES", "Tolerance",
    "build_problem", "suite", "tolerance",
]
