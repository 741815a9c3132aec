"""A PASS means what it says: every door a wrong function could walk through is shut, and
the right ones pass, through every path (run, --workers 2, shards + merge, the plugin with
-n 2, check()).  The wrong functions are in tests/byo/doors.py and the course's module
(tests/clients/course_dnn.py) with one line changed."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crosscheck.cli import main
from tests.support import BYO, CLIENTS, unwrapped
from tests.support import run_pytest as _pytest

DOORS = BYO / "doors.py"
#: sigmoid's and tanh's g' cut to 0 past |z| > 5.5, 7 (data that never reach the tails pass them).
TAILS = BYO.parent / "scenarios" / "flat_tails.py"
KEY = ["scenario", "engine", "check", "quantity", "layer", "status"]
RELU_BACKWARD = """        dZ = relu_backward(dA, activation_cache)
        dA_prev, dW, db = linear_backward(dZ, linear_cache)"""


def course_copy(folder: Path, old: str | None = None, new: str = "", extra: str = "") -> str:
    """The course's module beside its helpers, with ``old`` replaced by ``new`` and ``extra``
    appended: "FILE.py:L_model_backward"."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CLIENTS / "dnn_utils.py", folder)
    text = (CLIENTS / "course_dnn.py").read_text()
    if old is not None:
        assert text.count(old) == 1
        text = text.replace(old, new)
    (folder / "course_dnn.py").write_text(text + extra)
    return f"{folder / 'course_dnn.py'}:L_model_backward"


#: The course's regularised pair: L_model_forward(X, parameters, keep_prob) and
#: L_model_backward(AL, Y, caches, lambd), the plain ones when keep_prob = 1 and lambd = 0.
REGULARISED = '''

_plain_forward, _plain_backward = L_model_forward, L_model_backward


def L_model_forward(X, parameters, keep_prob):
    assert keep_prob == 1, "dropout: only keep_prob = 1 gives the plain network"
    return _plain_forward(X, parameters)


def L_model_backward(AL, Y, caches, lambd):
    grads, m = _plain_backward(AL, Y, caches), AL.shape[1]
    for l, ((A_prev, W, b), Z) in enumerate(caches, start=1):
        grads["dW" + str(l)] = grads["dW" + str(l)] + lambd / m * W
    return grads
'''


def run(folder: Path, target: str, *args):
    """``crosscheck run --backward TARGET ARGS``: (exit code, discrepancies.csv)."""
    code = main(["run", "--backward", target, "--out", str(folder), "--no-progress", "-q", *args])
    csv = folder / "discrepancies.csv"
    return code, pd.read_csv(csv, keep_default_na=False) if csv.exists() else None


def mine(df, name):
    return df[df["engine"] == name]


def rows(df) -> set:
    return set(df[KEY].astype(str).itertuples(index=False, name=None))


# ---------------------------------------------------------------------------------------
# Every path gives the verdict and rows of one plain run.

SMOKE64 = ("--suite", "smoke", "--dtypes", "float64")
#: The float64 networks of the smoke suite with a tanh layer.
TANH_SMOKE64 = 5
#: (name, target maker, run arguments, the verdict of a plain run)
DOOR_CASES = [
    ("course-relu-stub", lambda f: course_copy(f, RELU_BACKWARD, "        raise NotImplementedError()"), SMOKE64, 1),
    ("tanh-stub", lambda f: f"{DOORS}:tanh_stub", SMOKE64, 1),
    ("tanh-stub-declared", lambda f: f"{DOORS}:tanh_stub_declared", SMOKE64, 0),
    ("tanh-stub-option", lambda f: f"{DOORS}:tanh_stub", SMOKE64 + ("--activations",
                                                                    "sigmoid,relu,leaky_relu,identity"), 0),
    ("shape-cache", lambda f: f"{DOORS}:shape_cache", SMOKE64, 1),
    ("cache-by-X", lambda f: f"{DOORS}:cache_by_X", SMOKE64, 1),
    ("cache-by-weights", lambda f: f"{DOORS}:cache_by_weights", SMOKE64, 1),
    ("forward-cache-by-X", lambda f: f"{DOORS}:forward_cache_by_X", SMOKE64, 1),
    ("colliding-keys", lambda f: f"{DOORS}:colliding_keys", SMOKE64, 1),
    ("mean-cost-dZ", lambda f: f"{DOORS}:mean_cost_dZ", SMOKE64, 0),
    ("int-mask", lambda f: f"{DOORS}:int_mask", ("--suite", "smoke", "--dtypes", "float32"), 0),
    ("regularised", lambda f: course_copy(f, extra=REGULARISED), SMOKE64 + ("--set", "lambd=0", "--set",
                                                                          "keep_prob=1"), 0),
    ("extra-entries", lambda f: f"{DOORS}:extra_entries", SMOKE64, 0),
    ("tail-cut", lambda f: f"{TAILS}:sigmoid_flat_past_cut", ("--suite", "tails", "--activations", "sigmoid,tanh"), 1),
]
PLUGIN = {"--suite": "--crosscheck-suite", "--dtypes": "--crosscheck-dtypes", "--activations":
          "--crosscheck-activations", "--set": "--crosscheck-set"}


@pytest.mark.slow  # five paths for each of nine functions
@pytest.mark.parametrize("name, make, args, verdict", DOOR_CASES, ids=[c[0] for c in DOOR_CASES])
def test_every_path_gives_the_single_run_verdict_and_rows(name, make, args, verdict, tmp_path):
    from crosscheck import check

    target = make(tmp_path / "code")
    func = target.rpartition(":")[2]
    code, df = run(tmp_path / "single", target, *args)
    single = rows(mine(df, func))
    assert code == verdict and single
    code, df = run(tmp_path / "workers", target, *args, "--workers", "2")
    assert code == verdict and rows(mine(df, func)) == single
    for k in (1, 2):
        run(tmp_path / f"shard{k}", target, *args, "--shard", f"{k}/2")
    assert main(["merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"), "--out", str(tmp_path / "merged")]) \
        == verdict
    merged = pd.read_csv(tmp_path / "merged" / "discrepancies.csv", keep_default_na=False)
    assert rows(mine(merged, func)) == single
    options = dict(zip(args[::2], args[1::2]))
    settings = [v for k, v in zip(args[::2], args[1::2]) if k == "--set"]
    result = check(target, suite=options["--suite"], dtypes=options.get("--dtypes"), engines="numpy",
                   activations=options.get("--activations"), set=settings or None)
    assert result.passed == (verdict == 0) and rows(mine(result.table, func)) == single
    plugin = [part for k, v in zip(args[::2], args[1::2]) for part in (PLUGIN[k], v)]
    (tmp_path / "plugin").mkdir()
    code, out = _pytest(tmp_path / "plugin", "--crosscheck-backward", target, *plugin, "-n", "2", "-rf")
    failed = {line.split("::")[2].split(" ")[0] for line in out.splitlines() if line.startswith("FAILED crosscheck[")}
    assert code == verdict and failed == {s for s, e, c, *_, status in single if status == "fail"}, out


# ---------------------------------------------------------------------------------------
# 1. Unfinished code is not "unsupported"; what a function computes is declared.

def test_the_course_modules_stub_fails_with_its_file_and_line(tmp_path, capsys):
    target = course_copy(tmp_path / "code", RELU_BACKWARD, "        raise NotImplementedError()")
    code, df = run(tmp_path / "out", target, *SMOKE64)
    out = unwrapped(capsys.readouterr().out)
    user = mine(df, "L_model_backward")
    failed = user[user["status"] == "fail"]
    checked = user.loc[user["status"] != "not applicable", "scenario"]
    relu = {s for s in checked if "relu" in s.split("_")[0].split("-")}
    assert code == 1 and set(failed["scenario"]) == relu and "unsupported" not in set(user["status"])
    assert failed["message"].str.contains("L_model_backward raised NotImplementedError (at course_dnn.py:220 in "
                                          "linear_activation_backward): unfinished code fails; L_model_forward "
                                          "computes this network (found by probing)", regex=False).all()
    # what was not checked, and why, in the headline's line of the function
    line = next(x for x in out.splitlines() if x.startswith("L_model_backward:"))
    assert "not applicable: " in line and "(probed: hidden relu; output sigmoid)" in line and f"{len(relu)} failed" in line


def test_an_undeclared_not_implemented_error_says_how_to_declare(tmp_path):
    code, df = run(tmp_path, f"{DOORS}:tanh_stub", *SMOKE64)
    failed = mine(df, "tanh_stub").query("status == 'fail'")
    assert code == 1 and len(failed) and failed["scenario"].str.contains("tanh").all()
    assert failed["message"].str.contains("tanh_stub raised NotImplementedError (at doors.py:14 in _g_prime): "
                                          "unfinished code fails; if tanh_stub is not meant to compute this network, "
                                          "declare what it computes: --activations, --losses, --depths",
                                          regex=False).all()


@pytest.mark.parametrize("how", ["option", "attribute", "decorator", "check"])
def test_a_declaration_leaves_the_other_networks_out_and_says_so_in_one_line(how, tmp_path, capsys):
    from crosscheck import check

    keep = "sigmoid,relu,leaky_relu,identity"
    if how == "decorator":
        (tmp_path / "decorated.py").write_text(
            f"import sys\nsys.path.insert(0, {str(BYO)!r})\nimport crosscheck\nfrom doors import tanh_stub\n"
            f"backward = crosscheck.supports(activations={keep.split(',')!r})(tanh_stub)\n")
        target = f"{tmp_path / 'decorated.py'}:backward"
    else:
        target = f"{DOORS}:{'tanh_stub_declared' if how == 'attribute' else 'tanh_stub'}"
    if how == "check":
        result = check(target, suite="smoke", dtypes="float64", activations=keep)
        text, table, passed = repr(result), result.table, result.passed
        assert "not applicable: tanh (declared)" in result._repr_html_()
    else:
        code, table = run(tmp_path / "out", target, *SMOKE64, *(["--activations", keep] if how == "option" else []))
        text, passed = capsys.readouterr().out, code == 0
    out = table[(table["engine"] != "numpy") & (table["status"] == "not applicable")]
    assert passed and len(out) == TANH_SMOKE64 and out["scenario"].str.contains("tanh").all()
    by = {"option": "--activations", "check": "--activations", "attribute": "tanh_stub_declared.crosscheck_activations",
          "decorator": "tanh_stub.crosscheck_activations"}[how]
    assert out["message"].str.startswith(f"not applicable: {by} declares ").all(), out["message"].iloc[0]
    assert f"{TANH_SMOKE64} not applicable: tanh (declared), 0 failed" in text, text


def test_losses_and_depths_are_declared_like_activations(tmp_path, capsys):
    (tmp_path / "bce_only.py").write_text(
        f"import sys\nsys.path.insert(0, {str(BYO)!r})\nfrom doors import correct\n"
        "def backward(parameters, X, Y, activations, loss):\n"
        "    if loss != 'bce' or len(activations) > 3:\n        raise NotImplementedError('bce, up to 3 layers')\n"
        "    return correct(parameters, X, Y, activations)\n")
    target = f"{tmp_path / 'bce_only.py'}:backward"
    args = ("--suite", "default", "--dtypes", "float64")
    code, df = run(tmp_path / "plain", target, *args)
    assert code == 1 and mine(df, "backward")["message"].str.contains("NotImplementedError: bce, up to 3 layers").any()
    capsys.readouterr()
    code, df = run(tmp_path / "declared", target, *args, "--losses", "bce", "--depths", "1,2,3")
    out = capsys.readouterr().out
    user = mine(df, "backward")
    outside = user[user["status"] == "not applicable"]["message"]
    assert code == 0 and outside.str.endswith("(declared)]").all() and len(outside)
    assert outside.str.contains(r"\[loss (?:cce|mse) \(declared\)\]").any()
    assert outside.str.contains(r"\[depth 5 \(declared\)\]").any()
    line = next(x for x in out.splitlines() if x.startswith("backward:"))
    assert "loss mse (declared)" in line and "depth 5 (declared)" in line


@pytest.mark.parametrize("declaration, message", [
    ("backward.crosscheck_activations = ['relu6']", "backward.crosscheck_activations: unknown activation 'relu6'"),
    ("backward.crosscheck_losses = 'hinge'", "backward.crosscheck_losses: unknown loss 'hinge'"),
    ("backward.crosscheck_depths = [0]", "backward.crosscheck_depths: depths must be whole numbers of layers >= 1"),
])
def test_a_declaration_of_names_the_harness_does_not_know_is_bad_input(declaration, message, tmp_path, capsys):
    (tmp_path / "declares.py").write_text("def backward(parameters, X, Y, activations):\n    return {}\n"
                                          + declaration + "\n")
    assert main(["run", "--backward", f"{tmp_path / 'declares.py'}:backward", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


# ---------------------------------------------------------------------------------------
# 3. Data that reach every branch: a cache kept by shape meets two draws; a row that
# cannot show a slip is inconclusive.

@pytest.mark.parametrize("func, message", [
    ("shape_cache", "shape_cache gave for other X and Y for the same weights (seed 1000003) the very dW, db it gave "
                    "for other weights for the same X and Y (seed 1000003), called just before: an answer kept from an "
                    "earlier call"),
    ("cache_by_X", "cache_by_X gave for other Y for the same X and weights (seed 1000003) the very dW, db it gave for "
                   "other weights for the same X and Y"),
    ("cache_by_weights", "gave for other Y for the same X and weights (seed 1000003) the very dW, db it gave for other "
                         "X and Y for the same weights"),
    ("forward_cache_by_X", "the very dW, db it gave for other weights for the same X and Y (seed 1000003), called just "
                           "before: an answer kept from an earlier call"),
    ("first_call_wrong", "first_call_wrong gave another dW1 for other weights for the same X and Y (seed 1000003) the "
                         "second time it was called with them (the first call of its process"),
])
def test_an_answer_that_depends_on_earlier_calls_fails(func, message, tmp_path):
    code, df = run(tmp_path, f"{DOORS}:{func}", *SMOKE64)
    failed = mine(df, func).query("status == 'fail'")
    once = func == "first_call_wrong"  # the first call of its process: one scenario, whichever runs first
    assert code == 1 and failed["scenario"].nunique() == (1 if once else 10)
    assert failed["message"].str.contains(message, regex=False).any()
    assert not failed["message"].str.contains("raised").any()


def test_what_the_other_inputs_raise_is_said_with_them(tmp_path):
    (tmp_path / "second.py").write_text(
        f"import sys\nsys.path.insert(0, {str(BYO)!r})\nfrom doors import correct\nFIRST = {{}}\n"
        "def backward(parameters, X, Y, activations):\n"
        "    key = X.tobytes()\n"
        "    if FIRST.setdefault(key, Y.tobytes()) != Y.tobytes():\n"
        "        raise RuntimeError('other labels for an X')\n"
        "    return correct(parameters, X, Y, activations)\n")
    code, df = run(tmp_path / "second", f"{tmp_path / 'second.py'}:backward", *SMOKE64)
    failed = mine(df, "backward").query("status == 'fail'")
    assert code == 1 and len(failed) >= 9  # m = 1: the other labels may be the same label
    assert failed["message"].str.contains("raised RuntimeError: other labels for an X (at second.py:8 in backward) on "
                                          "other Y for the same X and weights (seed 1000003), called just before this "
                                          "scenario's inputs", regex=False).all()


def test_a_row_whose_values_are_all_zero_is_inconclusive_not_a_pass():
    from crosscheck.adapters.user_backward import UserBackward, resolve, user_function
    from crosscheck.running.runner import run_all
    from crosscheck.scenarios import Problem, Scenario, build_problem

    s = Scenario((8, 4, 2, 1), ("relu", "relu", "sigmoid"), 13)
    p = build_problem(s)
    dead = Problem(s, p.X, p.Y, {**p.parameters, "b2": np.full((2, 1), -100.0)})  # layer 2's units never fire
    engine = UserBackward(resolve(user_function(f"{DOORS}:correct"))[0])
    try:
        df = run_all([dead], [engine], progress=False).observations
    finally:
        engine.close()
    ref = df[df["check"] == "reference"]
    zero = ref[ref["quantity"].isin(["dW", "db"]) & (ref["layer"] <= 2)]  # dJ/dW, dJ/db of layers 1, 2: all 0
    assert len(zero) == 4 and set(zero["status"]) == {"inconclusive"}
    assert zero["message"].str.contains("every expected value is exactly 0").all()
    assert set(ref.query("quantity == 'db' and layer == 3")["status"]) == {"pass"}  # a value that can show a slip


# ---------------------------------------------------------------------------------------
# 4. Nothing honoured unseen: colliding keys; check()'s overrides in its repr and HTML.

@pytest.mark.parametrize("func, message", [
    ("colliding_keys", "colliding_keys returned both 'dW1' and 'dW01', the same dW[1]: one key per layer"),
    ("stray_layer", "stray_layer returned 'dW9', which names no layer of this"),
    ("str_collision", "str_collision raised TypeError: returned two keys that read 'dW1'"),
    ("unicode_digit_key", "missing: the function returned no dW1"),
])
def test_a_key_that_names_a_layer_twice_or_no_layer_fails(func, message, tmp_path):
    code, df = run(tmp_path, f"{DOORS}:{func}", *SMOKE64)
    user = mine(df, func)
    failed = user[user["status"] == "fail"]
    assert code == 1 and failed["scenario"].nunique() == 10 and failed["message"].str.contains(message, regex=False).any()


def test_a_network_whose_gradients_are_all_zero_leaves_them_unchecked_and_fails(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((4, 8)), (rng.random((1, 8)) < 0.5).astype(float)
    zero = {"W1": np.zeros((5, 4)), "b1": np.zeros((5, 1)), "W2": np.zeros((1, 5)), "b2": np.zeros((1, 1))}
    np.savez(tmp_path / "zero_init.npz", X=X, Y=Y, activations=np.array(["relu", "sigmoid"]), **zero)
    code = main(["run", "--backward", f"{DOORS}:correct", "--network", str(tmp_path / "zero_init.npz"),
                 "--out", str(tmp_path / "out"), "-q"])
    out = capsys.readouterr().out
    assert code == 1 and "1 engine left a gradient unchecked -> FAIL" in out
    assert "engine correct checked no value of dW[1], dW[2]" in out and "every value of them expected exactly zero" in out


def test_rows_only_the_dtypes_absolute_term_covers_do_not_leave_a_gradient_unchecked(tmp_path, capsys):
    """bfloat16's db[1] of a one-layer network is inconclusive (the absolute term covers it),
    not zero: a run of that scenario alone passes, as the suites that hold it do."""
    assert main(["run", "--scenario", "sigmoid_4-1_m1024_bfloat16_s0", "--engines", "torch", "-q",
                 "--out", str(tmp_path)]) == 0
    assert "inconclusive" in capsys.readouterr().out


def test_two_namings_at_once_are_read_together(tmp_path, capsys):
    code, df = run(tmp_path, f"{DOORS}:mean_cost_older_naming", *SMOKE64)
    out = unwrapped(capsys.readouterr().out)
    assert code == 0 and "older course naming, mean-cost naming (" in out
    dA = mine(df, "mean_cost_older_naming").query("check == 'reference' and quantity == 'dA' and m > 1")
    assert set(dA["status"]) == {"convention"}


def test_checks_tolerance_overrides_are_shown_in_its_repr_and_html():
    from crosscheck import check

    result = check(f"{DOORS}:correct", suite="smoke", dtypes="float32", tolerances={"float32": (1e-3, 1e-8)})
    line = "tolerance float32 overridden: rtol 0.001, atol 1e-08"
    assert result.passed and line in repr(result) and line in result._repr_html_()
    assert "overridden" not in repr(check(f"{DOORS}:correct", suite="smoke", dtypes="float32"))


# ---------------------------------------------------------------------------------------
# 5. No false alarm on correct code: the mean cost's dZ, a wider dtype.

def test_dZ_of_the_mean_cost_is_a_named_convention_and_a_slip_beside_it_still_fails(tmp_path, capsys):
    code, df = run(tmp_path / "right", f"{DOORS}:mean_cost_dZ", *SMOKE64)
    out = capsys.readouterr().out
    user = mine(df, "mean_cost_dZ")
    named = user[(user["check"] == "reference") & user["quantity"].isin(["dZ", "dA"]) & (user["m"] > 1)]
    assert code == 0 and set(named["status"]) == {"convention"}
    assert named["message"].str.startswith("convention (mean-cost naming): the function's d").all()
    assert "conventions: mean-cost naming (" in out
    code, df = run(tmp_path / "twice", f"{DOORS}:mean_cost_dZ_twice", *SMOKE64)
    failed = mine(df, "mean_cost_dZ_twice").query("status == 'fail'")
    assert code == 1 and set(failed["quantity"]) == {"dW"}


def test_a_wider_dtype_is_a_note_and_a_narrower_one_a_failure(tmp_path, capsys):
    code, df = run(tmp_path / "wider", f"{DOORS}:int_mask", "--suite", "smoke", "--dtypes", "float32")
    out = capsys.readouterr().out
    wider = mine(df, "int_mask").query("status == 'convention'")
    assert code == 0 and len(wider) and wider["message"].str.startswith(
        "convention (wider dtype): returned float64 for a float32 scenario").all()
    assert "conventions: wider dtype (" in out
    code, df = run(tmp_path / "narrower", f"{CLIENTS}/float32_inside.py:numpy", "--suite", "smoke",
                   "--dtypes", "float64")
    assert code == 1 and "convention" not in set(mine(df, "numpy (yours)")["status"])


# ---------------------------------------------------------------------------------------
# 6. The extra parameters of a user's function.

def test_set_gives_the_extra_parameters_and_a_missing_one_says_how(tmp_path, capsys):
    target = course_copy(tmp_path / "code", extra=REGULARISED)
    code, df = run(tmp_path / "zero", target, *SMOKE64, "--set", "lambd=0", "--set", "keep_prob=1")
    assert code == 0 and len(mine(df, "L_model_backward").query("check != 'run'"))
    summary = (tmp_path / "zero" / "run.json").read_text()
    assert "--set lambd=0 --set keep_prob=1" in summary  # the rerun command carries them
    code, df = run(tmp_path / "some", target, *SMOKE64, "--set", "lambd=0.7", "--set", "keep_prob=1")
    assert code == 1 and set(mine(df, "L_model_backward").query("status == 'fail'")["quantity"]) == {"dW"}
    capsys.readouterr()
    assert main(["run", "--backward", target, *SMOKE64, "--out", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "give its value with --set lambd=VALUE" in err
    assert main(["run", "--backward", target, *SMOKE64, "--set", "lambd=0", "--set", "keep_prob=1", "--set", "eta=1",
                 "--out", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--set eta: neither L_model_backward nor L_model_forward takes a parameter" in err
    assert main(["run", "--backward", target, "--set", "lambd", "--out", str(tmp_path / "bad2")]) == 2
    assert "expected NAME=VALUE" in capsys.readouterr().err
    assert main(["run", "--backward", f"{DOORS}:correct", "--set", "loss=bce", "--out", str(tmp_path / "bad3")]) == 2
    assert "--set loss: loss is an argument the harness gives" in capsys.readouterr().err
    assert main(["run", "--backward", f"{DOORS}:correct", "--set", "eta=1", "--out", str(tmp_path / "bad4")]) == 2
    assert "--set eta: correct takes no parameter 'eta'" in capsys.readouterr().err
    from crosscheck import check

    with pytest.raises(ValueError, match=r"check\(\) has no argument 'suit' \(did you mean suite\?\)"):
        check(f"{DOORS}:correct", suit="smoke")


# ---------------------------------------------------------------------------------------
# 2. A thorough default everywhere.

def test_check_defaults_to_the_default_suite():
    from crosscheck import check
    from crosscheck.scenarios import suite

    result = check(f"{DOORS}:correct", dtypes="float64")
    assert set(result.table["scenario"]) == {s.id for s in suite("default") if s.dtype == "float64"}


@pytest.mark.slow  # a pytest of its own collecting the default suite
def test_the_plugin_defaults_to_the_default_suite(tmp_path):
    from crosscheck.scenarios import suite

    code, out = _pytest(tmp_path, "--crosscheck-backward", f"{DOORS}:correct", "--crosscheck-dtypes", "float64",
                        "--collect-only", "-q")
    items = [line for line in out.splitlines() if line.startswith("crosscheck[default]::correct::")]
    assert code == 0 and len(items) == sum(s.dtype == "float64" for s in suite("default"))
