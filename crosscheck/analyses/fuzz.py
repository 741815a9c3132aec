"""``crosscheck fuzz``: property-based scenarios through the engines; on a failure,
Hypothesis shrinks it to the smallest network that still fails."""
from __future__ import annotations

import random
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample

from crosscheck.running.runner import run
from crosscheck.scenarios.strategies import scenarios


@dataclass(frozen=True)
class FuzzResult:
    examples: int  # scenarios tried
    failing: object  # the smallest failing Scenario, or None
    first_failure: str = ""


def fuzz(engines, examples: int = 200, seed: int = 0, dtypes=None) -> FuzzResult:
    """Try ``examples`` drawn scenarios; the shrunk failing scenario, if any."""
    tried = []

    def fails(scenario) -> bool:
        tried.append(scenario)
        df = run([scenario], engines, progress=False, extras=False)  # its rows alone decide
        return not df["passed"].all()

    strategy = scenarios(dtypes=dtypes) if dtypes else scenarios()
    config = settings(max_examples=examples, database=None, deadline=None,
                      phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    try:
        smallest = find(strategy, fails, settings=config, random=random.Random(seed))
    except NoSuchExample:
        return FuzzResult(len(tried), None)
    df = run([smallest], engines, progress=False)
    row = df[~df["passed"]].iloc[0]
    return FuzzResult(len(tried), smallest,
                      f"{row['engine']} {row['check']} {row['quantity']}[{row['layer']}]: {row['message']}")
