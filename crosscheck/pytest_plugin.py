"""pytest plugin (entry point ``pytest11``): scenarios x engines as test items.

    pytest --crosscheck-suite smoke --crosscheck-frameworks torch,jax [-n 2]
    pytest --crosscheck-suite default --crosscheck-backward my_backprop.py:L_model_backward

Each item is one scenario on one engine, with an id such as
``crosscheck[smoke]::torch::relu-tanh-sigmoid_4-5-5-1_m16_float32_s0``; it fails when any
check fails, with a message in the manner of ``torch.testing.assert_close`` (mismatched
elements, greatest absolute and relative difference and where, the tolerance) naming the
scenario, engine, check, quantity and layer.  An engine that is not installed skips its
items with the reason.  Works with pytest-xdist: collection is deterministic.
"""
from __future__ import annotations

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("crosscheck", "backprop-crosscheck")
    group.addoption("--crosscheck-suite", default=None, help="run this suite's scenarios as test items")
    group.addoption("--crosscheck-frameworks", default=None,
                    help="comma-separated engines (default: numpy,torch,jax; with --crosscheck-backward: none)")
    group.addoption("--crosscheck-dtypes", default=None, help="comma-separated dtypes (default: all)")
    group.addoption("--crosscheck-backward", default=None, metavar="FILE.py:FUNC",
                    help="also check your own backward function as an engine")


def _engines(config) -> list[str]:
    from adapters import ENGINES

    given = config.getoption("crosscheck_frameworks")
    if given is None:
        return [] if config.getoption("crosscheck_backward") else list(ENGINES)
    names = [n.strip() for n in given.split(",") if n.strip()]
    unknown = [n for n in names if n not in ENGINES]
    if unknown:
        raise pytest.UsageError(f"--crosscheck-frameworks: unknown {unknown[0]!r}; accepted: {', '.join(ENGINES)}")
    return names


class CrosscheckSuite(pytest.Collector):
    def __init__(self, *, suite_name: str, **kwargs):
        super().__init__(**kwargs)
        self.suite_name = suite_name

    def collect(self):
        from scenarios import DTYPES, suite

        config = self.config
        try:
            scenarios = suite(self.suite_name)
        except ValueError as exc:
            raise pytest.UsageError(f"--crosscheck-suite: {exc}") from None
        dtypes = config.getoption("crosscheck_dtypes")
        if dtypes:
            wanted = [d.strip() for d in dtypes.split(",")]
            bad = [d for d in wanted if d not in DTYPES]
            if bad:
                raise pytest.UsageError(f"--crosscheck-dtypes: unknown {bad[0]!r}; accepted: {', '.join(DTYPES)}")
            scenarios = [s for s in scenarios if s.dtype in wanted]
        engines = _engines(config)
        backward = config.getoption("crosscheck_backward")
        if backward:
            engines.append(f"backward:{backward}")
        for engine in engines:
            label = engine.rsplit(":", 1)[-1] if engine.startswith("backward:") else engine
            for s in scenarios:
                yield CrosscheckItem.from_parent(self, name=f"{label}::{s.id}", scenario=s, engine=engine)


class CrosscheckFailure(Exception):
    """Raised by an item whose checks fail; the message is the report."""


_ADAPTERS: dict = {}


def _adapter(engine: str):
    """One loaded adapter per engine and process, or the reason it cannot run (a str)."""
    if engine not in _ADAPTERS:
        from adapters import EngineUnavailable, get_adapter

        try:
            if engine.startswith("backward:"):
                from adapters.user_backward import UserBackward, load_function

                _ADAPTERS[engine] = UserBackward(load_function(engine.split(":", 1)[1]))
            else:
                adapter = get_adapter(engine)
                adapter.load()
                _ADAPTERS[engine] = adapter
        except (EngineUnavailable, ValueError) as exc:
            _ADAPTERS[engine] = str(exc)
    return _ADAPTERS[engine]


def failure_report(df) -> str:
    """The failing rows of one scenario x engine, in the manner of torch.testing.assert_close."""
    lines = []
    for row in df[~df["passed"]].itertuples():
        where = f"{row.check} {row.quantity}[{row.layer}]"
        if row.mismatched < 0:
            lines.append(f"{where}: {row.message}")
            continue
        lines.append(
            f"{where}: tensor-likes are not close!\n"
            f"  Mismatched elements: {row.mismatched} / {row.numel} ({100 * row.mismatched / row.numel:.1f}%)\n"
            f"  Greatest absolute difference: {row.max_abs_err:.6g} at index {row.worst_index} (up to {row.atol:g} allowed)\n"
            f"  Greatest relative difference: {row.max_rel_err:.6g} (up to {row.rtol:g} allowed)\n"
            f"  actual {row.actual_at_worst:.9g}, expected {row.expected_at_worst:.9g} ("
            + ("the float64 reference)" if row.check == "reference" else f"the {row.check} identity on the engine's own values)")
        )
    first = df.iloc[0]
    return f"scenario {first['scenario']}, engine {first['framework']}:\n" + "\n".join(lines)


class CrosscheckItem(pytest.Item):
    def __init__(self, *, scenario, engine: str, **kwargs):
        super().__init__(**kwargs)
        self.scenario, self.engine = scenario, engine

    def runtest(self):
        from crosscheck.runner import run

        adapter = _adapter(self.engine)
        if isinstance(adapter, str):
            pytest.skip(f"engine {self.engine} unavailable: {adapter}")
        df = run([self.scenario], [adapter], progress=False)
        if (df["status"] == "unsupported").all():
            pytest.skip(df["message"].iloc[0])
        if not df["passed"].all():
            raise CrosscheckFailure(failure_report(df))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CrosscheckFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, self.nodeid


def pytest_collection_modifyitems(session, config, items):
    name = config.getoption("crosscheck_suite")
    if name:
        collector = CrosscheckSuite.from_parent(session, name=f"crosscheck[{name}]", nodeid=f"crosscheck[{name}]",
                                                suite_name=name)
        items.extend(collector.collect())
