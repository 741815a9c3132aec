"""TensorFlow, HIPS autograd and MLX: what each does differently is shown, labelled only
where it is exactly a named convention, and never passed in a lower precision."""
from __future__ import annotations

import math

import numpy as np
import pytest

from crosscheck.running.runner import reference_trace, run
from crosscheck.running.statuses import CONVENTION
from crosscheck.scenarios import Scenario, build_problem
from crosscheck.scenarios.dtypes import numpy_dtype

#: A float64 network every engine computes in float64 (no exp or erf: MLX runs it too).
PLAIN64 = Scenario((5, 5, 5, 1), ("tanh", "relu", "identity"), 64, "float64", loss="mse")
LEAKY64 = Scenario((4, 6, 1), ("leaky_relu", "sigmoid"), 16, "float64")
ZEROS = Scenario.from_id("tanh-relu-sigmoid_4-5-5-1_m13_float64_s0_zeros")


@pytest.mark.parametrize("engine", ["tensorflow", "autograd", "mlx"], indirect=True)
def test_float64_is_really_computed_in_float64(engine):
    problem = build_problem(PLAIN64)
    ref, trace = reference_trace(problem), engine.trace(problem)
    for l in range(1, 4):
        assert trace.dW[l].dtype == np.float64
        assert np.abs(trace.dW[l] - ref.dW[l]).max() < 1e-12 * np.abs(ref.dW[l]).max(), f"dW[{l}]"


@pytest.mark.parametrize("engine", ["mlx"], indirect=True)
def test_mlx_float64_networks_on_its_float32_like_exp_are_findings_or_declined_with_the_measured_error(engine):
    """sigmoid rests on exp, which a finding of the ledger covers: compared, its rows findings;
    softmax's Jacobian is not recomputed from MLX's own: declined with the measured error."""
    assert engine.accuracy["exp"] > 1e-9  # MLX 0.32's CPU: about 5e-7 (a float32-like exp)
    df = run([LEAKY64], [engine], progress=False)
    assert df["passed"].all() and (df["status"] == "finding").any()
    assert df.loc[df["status"] == "finding", "message"].str.startswith("finding (mlx-exp-float64)").all()
    softmax = Scenario((4, 5, 3), ("tanh", "softmax"), 13, "float64", loss="cce")
    df = run([softmax], [engine], progress=False)
    assert len(df) == 1 and df["status"].iloc[0] == "unsupported"
    message = df["message"].iloc[0]
    assert f"{engine.accuracy['exp']:.1e} relative error" in message and "softmax rests on it" in message
    assert engine.float64_unsupported(PLAIN64.activations) is None  # tanh, relu, identity: float64-accurate


@pytest.mark.parametrize("engine", ["mlx"], indirect=True)
def test_mlx_turning_float64_into_float32_fails_and_is_never_a_pass(engine):
    """``mx.array(x)`` of a float64 array is float32: an engine that converts that way returns
    float32 for a float64 scenario, and every row says so and fails."""
    MlxGrad = type(engine)

    class MlxDefaultConversion(MlxGrad):
        name = "mlx-default-conversion"

        def to_mlx(self, x, dtype):
            return self.load().array(x)  # no dtype: MLX's default

    df = run([PLAIN64], [MlxDefaultConversion()], progress=False)
    gradients = df[df["quantity"].isin(["dW", "db"])]
    assert len(gradients) and not gradients["passed"].any()
    assert gradients["message"].str.contains("dtype mismatch: returned float32 for a float64 scenario").all()


@pytest.mark.parametrize("engine", ["tensorflow"], indirect=True)
def test_tensorflow_float64_leaky_relu_is_the_reference_under_a_float32_slope(engine):
    df = run([LEAKY64], [engine], progress=False)
    labelled = df[df["status"] == CONVENTION]
    assert df["passed"].all() and len(labelled)
    assert labelled["message"].str.startswith("convention (float32 leaky_relu slope)").all()
    float32_run = run([Scenario((4, 6, 1), ("leaky_relu", "sigmoid"), 16, "float32")], [engine], progress=False)
    assert (float32_run["status"] == "pass").all()  # in float32 the slope is the float32 0.01 anyway


@pytest.mark.parametrize("engine", ["tensorflow"], indirect=True)
def test_a_leaky_slope_other_than_float32s_is_not_explained_away(engine):
    """TensorFlow's own default slope, 0.2 (a user who trusts it), fails; the float32 slope,
    in an engine that does not claim the convention, fails too."""
    TensorflowTape = type(engine)

    class TfLeakyDefault(TensorflowTape):
        name = "tensorflow-leaky-default"

        def activations(self, tf):
            return {**super().activations(tf), "leaky_relu": tf.nn.leaky_relu}

    class Unclaimed(TensorflowTape):
        name = "tensorflow-unclaimed"
        conventions = ()

    for variant in (TfLeakyDefault(), Unclaimed()):
        df = run([LEAKY64], [variant], progress=False)
        failed = df[~df["passed"]]
        assert len(failed) and (failed["status"] == "fail").all(), variant.name


@pytest.mark.parametrize("engine", ["autograd"], indirect=True)
def test_autograd_np_maximum_splits_the_gradient_at_a_tie_and_is_labelled(engine):
    df = run([ZEROS], [engine], progress=False)
    labelled = df[df["status"] == CONVENTION]
    assert df["passed"].all() and len(labelled)
    assert labelled["message"].str.startswith("convention (np.maximum's tie)").all()


@pytest.mark.parametrize("engine", ["autograd"], indirect=True)
def test_another_slope_at_the_tie_is_not_explained_away(engine):
    HipsAutograd = type(engine)

    class TieAtPointThree(HipsAutograd):
        name = "autograd-tie-0.3"

        def activations(self, autograd):
            np_ = autograd.numpy  # 0.6 of the tie's 0.5 plus 0.4 of where's 0: relu'(0) = 0.3
            relu = lambda z: 0.6 * np_.maximum(z, 0) + 0.4 * np_.where(z > 0, z, 0)  # noqa: E731
            return {**super().activations(autograd), "relu": relu}

    df = run([ZEROS], [TieAtPointThree()], progress=False)
    assert (df["status"] == "fail").any()


@pytest.mark.parametrize("engine", ["tensorflow", "mlx"], indirect=True)
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_runs_in_the_half_dtype(engine, dtype):
    s = Scenario((4, 6, 1), ("tanh", "sigmoid"), 16, dtype)
    df = run([s], [engine], progress=False)
    assert df["passed"].all(), df[~df["passed"]][["check", "quantity", "layer", "message"]].to_string()
    trace = engine.trace(build_problem(s))
    assert all(v.dtype == numpy_dtype(dtype) for v in trace.dW.values())


@pytest.mark.parametrize("engine", ["autograd"], indirect=True)
def test_autograd_declines_half_precision(engine):
    df = run([Scenario((4, 6, 1), ("tanh", "sigmoid"), 16, "float16")], [engine], progress=False)
    assert list(df["status"]) == ["unsupported"] and "float64, float32" in df["message"].iloc[0]


def test_each_frameworks_defaults_are_what_the_engines_say():
    """The defaults the engine modules name, as the frameworks have them (checked as for GELU)."""
    import inspect

    tf = pytest.importorskip("tensorflow")
    nn = pytest.importorskip("mlx.nn")
    assert inspect.signature(tf.nn.leaky_relu).parameters["alpha"].default == 0.2  # not the reference's 0.01
    assert inspect.signature(tf.nn.gelu).parameters["approximate"].default is False  # the erf form
    assert inspect.signature(nn.leaky_relu).parameters["negative_slope"].default == 0.01
    mx = pytest.importorskip("mlx.core")
    z = np.linspace(-3, 3, 7, dtype=np.float32)
    exact = z * (1 + np.array([math.erf(v / math.sqrt(2)) for v in z])) / 2
    assert np.allclose(np.array(nn.gelu(mx.array(z))), exact, rtol=0, atol=1e-5)  # the erf form (tanh's: 4e-4 off)


def test_tensorflow_start_up_notices_are_dropped_and_other_stderr_is_kept(capfd):
    import os

    from crosscheck.adapters.tensorflow_tape import _start_up_notices_dropped

    with _start_up_notices_dropped():
        os.write(2, b"I0000 port.cc:153] oneDNN custom operations are on. You may see ...\n")
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n")
        os.write(2, b"a real error from the framework\n")
    err = capfd.readouterr().err
    assert err == "a real error from the framework\n"
