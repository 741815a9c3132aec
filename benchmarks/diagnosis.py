"""What the diagnosis costs (crosscheck/analyses/diagnosis.py), against the run it explains.

    python benchmarks/diagnosis.py [--suite default] [--repeat 3] [--write]

Side by side, in this process: learners' functions with slips (the article's g' of the
layer above; dW and db alone, as batch sums), in the dictionary contract, through
``run_all`` in their child process, with the evidence the diagnosis needs and without it
(the evidence stubbed out), and ``diagnose`` adding the evidence up.  Prints the medians
and the ratio of what the diagnosis adds to the run without it (and to the run with its
reports written); ``--write`` puts them in
benchmarks/RESULTS.md (section diagnosis.py).
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import crosscheck.running.runner as runner
from crosscheck.adapters.user_backward import UserBackward, resolve, user_function
from crosscheck.analyses.diagnosis import diagnose
from crosscheck.reporting.files import write_reports
from crosscheck.scenarios import build_problem, suite
from results import Section, add_arguments

SLIPPED = '''
import numpy as np

def _g(name, z):
    return {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0),
            "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z), "identity": lambda z: z}[name](z)

def _g_prime(name, z):
    a = _g(name, z)
    return {"sigmoid": a * (1 - a), "tanh": 1 - a * a, "relu": (z > 0) * 1.0,
            "leaky_relu": np.where(z > 0, 1.0, 0.01), "identity": np.ones_like(z)}[name]

def _forward(parameters, X, activations):
    A, Z = {0: X}, {}
    for l in range(1, len(activations) + 1):
        Z[l] = parameters[f"W{l}"] @ A[l - 1] + parameters[f"b{l}"]
        A[l] = _g(activations[l - 1], Z[l])
    return A, Z

def backward(parameters, X, Y, activations):
    L, m = len(activations), X.shape[1]
    A, Z = _forward(parameters, X, activations)
    grads, dZ = {}, A[L] - Y
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = dZ @ A[l - 1].T / m
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        grads[f"dZ{l}"] = dZ
        if l > 1:
            dZ = (parameters[f"W{l}"].T @ dZ) * _g_prime(activations[l - 1], Z[l - 1])  # the slip: g'[l]
    return grads


def batch_sums(parameters, X, Y, activations):
    """dW and db only (the contract allows it), each the batch sum instead of the mean."""
    L = len(activations)
    A, Z = _forward(parameters, X, activations)
    grads, dZ = {}, A[L] - Y
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = dZ @ A[l - 1].T
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dZ = (parameters[f"W{l}"].T @ dZ) * _g_prime(activations[l - 2], Z[l - 1])
    return grads
'''
FUNCTIONS = {
    "backward": "the article's slip (g'[l] where g'[l-1] belongs), returning dW, db, dZ",
    "batch_sums": "dW and db only, each the batch sum instead of the mean",
}


def _stub(*args):
    return {"traced": 1, "first": "", "matches": "", "pairs": "", "factors": "{}", "raises": ""}


def _run(problems, spec, evidence: bool):
    engine = UserBackward(spec)
    engine.box.start()
    saved = runner.scenario_evidence, runner.raised_evidence
    if not evidence:
        runner.scenario_evidence = runner.raised_evidence = _stub
    try:
        start = time.perf_counter()
        result = runner.run_all(problems, [engine], progress=False)
        return time.perf_counter() - start, result
    finally:
        runner.scenario_evidence, runner.raised_evidence = saved
        engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="default")
    parser.add_argument("--repeat", type=int, default=3)
    args = add_arguments(parser).parse_args()
    out = Section(__file__, "The diagnosis, against the run it explains")
    problems = [build_problem(s) for s in suite(args.suite)]
    med = statistics.median
    out.add(f"Learners' functions in their child process through `run_all` on the {args.suite} suite "
            f"({len(problems)} scenarios), alternated, medians of {args.repeat}: the run with the evidence the "
            "diagnosis needs (every real mutant on every failing scenario) against the same run with the "
            "evidence stubbed out, plus `diagnose` adding it up; and the same cost against the run together "
            "with writing its report folder (what `crosscheck run` does).", "",
            "| function | failing scenarios | run s | + evidence s | + diagnose s | cost / run | "
            "cost / run and reports | finding |", "|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "slipped.py"
        path.write_text(SLIPPED)
        for name, what in FUNCTIONS.items():
            spec, _ = resolve(user_function(f"{path}:{name}"))
            bare, full, adding, writing = [], [], [], []
            for _ in range(args.repeat):
                seconds, plain = _run(problems, spec, evidence=False)
                bare.append(seconds)
                start = time.perf_counter()
                write_reports(plain, Path(folder) / "out", "bench", {})
                writing.append(time.perf_counter() - start)
                seconds, result = _run(problems, spec, evidence=True)
                full.append(seconds)
                start = time.perf_counter()
                found = diagnose(result.observations, result.evidence, result.where)
                adding.append(time.perf_counter() - start)
            cost = med(full) - med(bare) + med(adding)
            failing = result.observations.loc[~result.observations["passed"], "scenario"].nunique()
            out.add(f"| {what} | {failing} | {med(bare):.2f} | {med(full) - med(bare):.2f} | {med(adding):.2f} | "
                    f"{cost / med(bare):.2f}x | {cost / (med(bare) + med(writing)):.2f}x | "
                    f"{found.iloc[0]['kind'] if len(found) else '-'} |")
    out.finish(args)


if __name__ == "__main__":
    main()
