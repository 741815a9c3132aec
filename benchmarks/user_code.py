"""What running a user's backward in a child process costs (adapters/user_code.py).

    python benchmarks/user_code.py [--suite default] [--repeat 3] [--write]

Side by side, in this process, the same dictionary-contract function
(tests/byo/course_backward.py:L_model_backward) over the suite: called in the harness's
own process (a bare engine, as before isolation) and through the child process
(``--backward``), and the one-time start of the child (spawn, import, load).  Prints the
medians and the ratio; ``--write`` puts them in benchmarks/RESULTS.md (section user_code.py).
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

from crosscheck import reference
from crosscheck.adapters.base import Engine, NotApplicable, Trace
from crosscheck.adapters.user_backward import UserBackward, resolve, user_function
from crosscheck.running.runner import run_all
from crosscheck.scenarios import build_problem, suite
from results import Section, add_arguments

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "tests" / "byo" / "course_backward.py"


class InProcess(Engine):
    """The same function called directly: what the harness did before the child process."""

    name = "in-process"

    def __init__(self):
        super().__init__()
        spec = importlib.util.spec_from_file_location("course_backward_bench", TARGET)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.func = module.L_model_backward

    def trace(self, problem):
        s = problem.scenario
        if s.loss != "bce":
            raise NotApplicable("bce only")
        grads = self.func({k: v.copy() for k, v in problem.parameters.items()}, problem.X.copy(),
                          problem.Y.copy(), list(s.activations))
        A, Z = reference.forward(problem.parameters, problem.X, s.activations)
        layers = {q: {int(k[len(q):]): v for k, v in grads.items() if k.startswith(q) and k[len(q):].isdigit()}
                  for q in ("dA", "dZ", "dW", "db")}
        given = frozenset((q, l) for q, ls in layers.items() for l in ls)
        return Trace(A=A, Z=Z, **layers, given=given)


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="default")
    parser.add_argument("--repeat", type=int, default=3)
    args = add_arguments(parser).parse_args()
    if not TARGET.exists():
        sys.exit(f"user-code benchmark: the function it times, {TARGET.relative_to(ROOT)}, is missing")
    out = Section(__file__, "A user's function in a child process")
    problems = [build_problem(s) for s in suite(args.suite)]
    starts, inside, child = [], [], []
    for _ in range(args.repeat):
        spec = user_function(f"{TARGET}:L_model_backward")
        starts.append(_timed(lambda: resolve(spec)))
        engine = UserBackward(resolve(spec)[0])
        engine.box.start()
        child.append(_timed(lambda: run_all(problems, [engine], progress=False)))
        engine.close()
        direct = InProcess()
        inside.append(_timed(lambda: run_all(problems, [direct], progress=False)))
    med = statistics.median
    ran = sum(p.scenario.loss == "bce" for p in problems)
    extra = (med(child) - med(inside)) / max(ran, 1)
    out.add(f"The same dictionary-contract function ({TARGET.relative_to(ROOT)}:L_model_backward) through "
            f"`run_all` on the {args.suite} suite ({len(problems)} scenarios, {ran} of them bce, which it "
            f"computes), alternated, medians of {args.repeat}: called in the harness's own process (a bare "
            "engine, as before isolation) and through the child process of `--backward` "
            "(adapters/user_code.py).", "",
            "| | s | / in-process |", "|---|---|---|",
            f"| in the harness's process | {med(inside):.2f} | 1.00 |",
            f"| in a child process | {med(child):.2f} | {med(child) / med(inside):.2f}x |",
            f"| starting the child (spawn, import, load), once per run and worker | {med(starts):.2f} | "
            f"{med(starts) / med(inside):.2f}x |", "",
            f"The child costs about {extra * 1e3:.1f} ms more per scenario it runs: pickling the arrays both "
            "ways and one pipe round trip. It is what lets the harness survive a module that stubs its "
            "imports, loops forever or prints.")
    out.finish(args)


if __name__ == "__main__":
    main()
