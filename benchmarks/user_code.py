"""What running a user's backward in a child process costs (adapters/user_code.py).

    python benchmarks/user_code.py [--suite default] [--repeat 3]

Side by side, in this process, the same dictionary-contract function
(tests/byo/course_backward.py:L_model_backward) over the suite: called in the harness's
own process (a bare engine, as before isolation) and through the child process
(``--backward``), and the one-time start of the child (spawn, import, load).  Prints the
medians and the ratio; the figures go to benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crosscheck import reference  # noqa: E402
from crosscheck.adapters.base import Engine, Trace  # noqa: E402
from crosscheck.adapters.user_backward import UserBackward, resolve, user_function  # noqa: E402
from crosscheck.running.runner import run_all  # noqa: E402
from crosscheck.scenarios import build_problem, suite  # noqa: E402

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
            from crosscheck.adapters.base import NotApplicable

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
    args = parser.parse_args()
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
    print(f"suite {args.suite}: {len(problems)} scenarios, medians of {args.repeat}")
    print(f"  in the harness's process: {med(inside):.2f} s")
    print(f"  in a child process:       {med(child):.2f} s  ({med(child) / med(inside):.2f}x)")
    print(f"  starting the child (spawn, import, load), once per run and worker: {med(starts):.2f} s")


if __name__ == "__main__":
    main()
