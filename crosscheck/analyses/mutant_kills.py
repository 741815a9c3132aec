"""Mutation analysis: run every mutant of the catalogue over a suite and tabulate kills."""
from __future__ import annotations

import pandas as pd
from tqdm import tqdm

from crosscheck.analyses import mutants
from crosscheck.running.runner import run
from crosscheck.scenarios import Scenario, build_problem

MUTANT_COLUMNS = ["id", "tag", "equation", "description", "equivalent", "killed", "killing_scenarios",
                  "smallest_killing_scenario", "first_failure"]


def network_size(s: Scenario) -> tuple:
    """Order scenarios by parameter count, then batch size, then float64 before float32."""
    n = s.layer_sizes
    return sum(n[l] * (n[l - 1] + 1) for l in range(1, len(n))), s.m, s.dtype != "float64", s.id


#: Scenarios built at a time: each chunk's problems (and reference traces) serve every mutant.
CHUNK = 64


def plantable(catalogue, host=None) -> tuple:
    """The mutants of ``catalogue`` that can be planted in ``host`` (None: the reference's
    code, every one): a per-example mutant only in an engine that gives per-example gradients."""
    if host is None or host.per_example_gradients:
        return tuple(catalogue)
    return tuple(m for m in catalogue if m.tag != "per-example")


def mutation_table(scenarios, catalogue=None, progress: bool | None = None, host=None) -> pd.DataFrame:
    """One row per mutant: killed?, by how many scenarios, the smallest one, its first failing row.

    ``host``: an engine to plant each mutant in (analyses/planted.py) instead of the NumPy
    reference's code.  The scenarios are taken CHUNK at a time, each built once for every
    mutant (not once per mutant), and only the failing rows are kept."""
    from crosscheck.analyses.planted import HostTraces, PlantedMutant

    catalogue = plantable(mutants.CATALOGUE if catalogue is None else catalogue, host)
    scenarios = list(scenarios)
    by_id = {s.id: s for s in scenarios}
    traces = HostTraces(host) if host is not None else None
    engines = [PlantedMutant(m, traces) if traces is not None else mutants.MutantEngine(m) for m in catalogue]
    failing = {m.id: [] for m in catalogue}
    chunks = [scenarios[i:i + CHUNK] for i in range(0, len(scenarios), CHUNK)]
    bar = tqdm(total=len(chunks) * len(catalogue), desc="mutants", leave=False,
               disable=None if progress is None else not progress)
    for chunk in chunks:
        problems = [build_problem(s) for s in chunk]
        for m, engine in zip(catalogue, engines):
            df = run(problems, [engine], progress=False, extras=False)  # its rows alone
            failing[m.id].append(df[~df["passed"]])
            bar.update()
    bar.close()
    rows = []
    for m in catalogue:
        failed = pd.concat(failing[m.id], ignore_index=True)
        killers = sorted(failed["scenario"].unique(), key=lambda i: network_size(by_id[i]))
        first = ""
        if killers:
            row = failed[failed["scenario"] == killers[0]].iloc[0]
            first = f"{row['check']} {row['quantity']}[{row['layer']}]: {row['message']}"
        rows.append({"id": m.id, "tag": m.tag, "equation": m.equation, "description": m.description,
                     "equivalent": m.equivalent, "killed": bool(killers), "killing_scenarios": len(killers),
                     "smallest_killing_scenario": killers[0] if killers else "", "first_failure": first})
    return pd.DataFrame(rows, columns=MUTANT_COLUMNS)


def survivors(table: pd.DataFrame) -> pd.DataFrame:
    """Non-equivalent mutants that no scenario killed."""
    return table[~table["killed"] & (table["equivalent"] == "")]


def mutants_markdown(table: pd.DataFrame, title: str) -> str:
    """The mutants section of the summary: kill ratio, survivors, every mutant, the equivalents."""
    real = table[table["equivalent"] == ""]
    alive = survivors(table)
    lines = [
        f"# backprop-crosscheck: mutants, {title}", "",
        f"{int(real['killed'].sum())} of {len(real)} mutants killed "
        f"({int((real['tag'] == 'article').sum())} from the article's printed formulas, "
        f"{int((real['tag'] == 'common').sum())} common slips, "
        f"{int((real['tag'] == 'per-example').sum())} of per-example code); {len(alive)} survived; "
        f"{len(table) - len(real)} equivalent.", "",
        "## Mutants", "",
        real[["id", "tag", "description", "killed", "killing_scenarios", "smallest_killing_scenario"]]
        .to_markdown(index=False), "",
        "## Equivalent mutants (cannot change any result)", "",
        table[table["equivalent"] != ""][["id", "description", "equivalent"]].to_markdown(index=False), "",
    ]
    if len(alive):
        lines += ["## SURVIVORS: add the scenario that exposes them to the suite", "",
                  alive[["id", "description"]].to_markdown(index=False), ""]
    return "\n".join(lines)
