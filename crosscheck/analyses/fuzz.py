"""``crosscheck fuzz``: property-based scenarios through the engines; on a failure,
Hypothesis shrinks it to the smallest network that still fails."""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample

from crosscheck.running.runner import run
from crosscheck.scenarios.strategies import scenarios


@dataclass(frozen=True)
class FuzzResult:
    examples: int  # scenarios tried
    failing: object  # the smallest failing Scenario, or None
    first_failure: str = ""
    #: {finding id: (rows, scenarios)} of the scenarios tried: the rows the ledger explained.
    findings: dict = field(default_factory=dict)


def fuzz(engines, examples: int = 200, seed: int = 0, dtypes=None) -> FuzzResult:
    """Try ``examples`` drawn scenarios; the shrunk failing scenario, if any."""
    from crosscheck.running.statuses import FINDING
    from crosscheck.running.verdict import FINDING_ID

    tried, rows, scenarios_of = [], Counter(), Counter()

    def fails(scenario) -> bool:
        tried.append(scenario)
        df = run([scenario], engines, progress=False, extras=False)  # its rows alone decide
        found = df.loc[df["status"] == FINDING, "message"].str.extract(FINDING_ID)[0].value_counts()
        rows.update(found.to_dict())
        scenarios_of.update(found.index)
        return not df["passed"].all()

    def explained() -> dict:
        return {k: (rows[k], scenarios_of[k]) for k in sorted(rows)}

    strategy = scenarios(dtypes=dtypes) if dtypes else scenarios()
    config = settings(max_examples=examples, database=None, deadline=None,
                      phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    try:
        smallest = find(strategy, fails, settings=config, random=random.Random(seed))
    except NoSuchExample:
        return FuzzResult(len(tried), None, findings=explained())
    df = run([smallest], engines, progress=False)
    row = df[~df["passed"]].iloc[0]
    return FuzzResult(len(tried), smallest,
                      f"{row['engine']} {row['check']} {row['quantity']}[{row['layer']}]: {row['message']}",
                      explained())
