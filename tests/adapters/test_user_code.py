"""Real people's backprop code as they wrote it (tests/clients/): the course's own
functions, partial dicts, the older dA naming, modules that print, stub imports, loop
forever or fail to import; through ``crosscheck run``, ``--workers`` and ``check()``."""
from __future__ import annotations

import shutil
import sys

import pandas as pd
import pytest

from crosscheck.cli import main
from crosscheck.scenarios import suite
from tests.support import BYO as BYO_DIR
from tests.support import CLIENTS, COURSE_BACKWARD, unwrapped

SLIP = "    dW = 1./m * np.dot(dZ,A_prev.T)"


def course_networks(name="default"):
    """The scenarios the course's forward computes: relu hidden layers, one sigmoid output, bce."""
    return [s for s in suite(name) if set(s.activations[:-1]) <= {"relu"} and s.activations[-1] == "sigmoid"
            and s.loss == "bce"]


def run(tmp_path, target, *extra, out="out"):
    code = main(["run", "--backward", str(target), "--out", str(tmp_path / out), "--no-progress", *extra])
    folder = tmp_path / out
    df = pd.read_csv(folder / "discrepancies.csv", keep_default_na=False) if (folder / "discrepancies.csv").exists() \
        else None
    return code, df, folder


def mine(df, name="L_model_backward"):
    return df[df["engine"] == name]


def planted(tmp_path, old=SLIP, new="    dW = np.dot(dZ,A_prev.T)", module="course_dnn.py"):
    """A copy of a client module with one line changed, beside the helpers it imports."""
    folder = tmp_path / "learner"
    folder.mkdir(exist_ok=True)
    for helper in ("dnn_utils.py", "course_dnn.py"):
        shutil.copy(CLIENTS / helper, folder / helper)
    text = (CLIENTS / module).read_text()
    assert text.count(old) == 1
    (folder / module).write_text(text.replace(old, new))
    return folder / module


@pytest.fixture(scope="module")
def slipped_smoke(tmp_path_factory):
    """The course's module with 1/m dropped from dW (``planted``), through ``crosscheck run
    --backward ... --suite smoke`` once: (target, (code, df, folder)), shared by the tests that
    only read it."""
    folder = tmp_path_factory.mktemp("slipped")
    target = f"{planted(folder)}:L_model_backward"
    return target, run(folder, target, "--suite", "smoke", out="one")


@pytest.mark.slow
def test_the_course_module_as_written_passes_and_says_how_many_scenarios_it_checked(tmp_path, capsys):
    code, df, out = run(tmp_path, f"{CLIENTS}/course_dnn.py:L_model_backward")
    applicable = course_networks()
    text = unwrapped(capsys.readouterr().out)
    assert code == 0
    assert (f"L_model_backward: {len(applicable)} scenarios checked, {len(suite('default')) - len(applicable)} "
            "not applicable: ") in text and "not computed by L_model_forward (probed: hidden relu; output sigmoid)" in text
    user = mine(df)
    checked = user[user["check"] != "run"]
    assert set(checked["scenario"]) == {s.id for s in applicable} and checked["passed"].all()
    # partial dict: dA0..dA[L-1] and dW, db compared; dA[L] and dZ not returned, not failures
    assert set(checked["quantity"]) == {"A", "dA", "dW", "db"}
    assert not ((checked["quantity"] == "dA") & (checked["layer"] == checked["depth"])).any()
    assert "did not return dA[L] or any dZ" in text and " no dZ " in text  # the terminal's table, short
    assert "(no dZ returned)" in (out / "summary.md").read_text()  # summary.md's, in words
    reasons = user.loc[user["status"] == "not applicable", "message"]
    assert reasons.str.contains("computes hidden relu, not tanh").any()
    assert reasons.str.contains("takes no loss argument").any()
    differences = pd.read_csv(out / "differences.csv")
    assert set(differences.loc[differences["engine"] == "L_model_backward", "scenario"]) == {
        s.id for s in applicable}  # the gradient-check table counts only what it ran


@pytest.mark.slow  # the default suite: its m values (1, 13, 64, 1024) are the claim
def test_dropping_one_over_m_in_linear_backward_fails_with_dW_localised(tmp_path):
    code, df, out = run(tmp_path, f"{planted(tmp_path)}:L_model_backward")
    user = mine(df)
    failed = user[~user["passed"].astype(bool)]
    assert code == 1 and set(failed["quantity"]) == {"dW"} and set(failed["check"]) == {"reference"}
    assert set(failed["m"]) == {13, 1024, 64}  # m = 1 cannot show a missing 1/m
    where = pd.read_csv(out / "where.csv")
    first = where[where["first"]]
    assert set(first["quantity"]) == {"dW"} and first["verdict"].str.contains("did not return dZ").all()


def test_the_older_dA_naming_is_a_labelled_convention_and_a_wrong_dA_still_fails(tmp_path):
    code, df, _ = run(tmp_path, f"{CLIENTS}/course_dnn_v3.py:L_model_backward", "--suite", "smoke")
    dA = mine(df)[mine(df)["quantity"] == "dA"]
    assert code == 0 and len(dA) and (dA["status"] == "convention").all()
    assert dA["message"].str.contains("older course naming").all()
    wrong = planted(tmp_path, 'grads["dA" + str(l + 1)] = dA_prev_temp',
                    'grads["dA" + str(l + 1)] = 2 * dA_prev_temp', module="course_dnn_v3.py")
    code, df, _ = run(tmp_path, f"{wrong}:L_model_backward", "--suite", "smoke", out="wrong")
    dA = mine(df)[(mine(df)["quantity"] == "dA") & (mine(df)["depth"] > 1)]  # where the slip is
    assert code == 1 and not (dA["status"] == "convention").any() and (~dA["passed"].astype(bool)).any()


def test_prints_are_captured_in_a_log_not_on_the_terminal(tmp_path, capfd):
    code, _, out = run(tmp_path, f"{CLIENTS}/chatty_dnn.py:L_model_backward", "--suite", "smoke", "--quiet")
    terminal = capfd.readouterr()
    assert code == 0 and "AL shape" not in terminal.out + terminal.err and "loaded OK" not in terminal.out
    log = (out / "user-output.log").read_text()
    assert "== on import ==" in log and "loaded OK" in log
    assert "== sigmoid_4-1_m1_float64_s0 (L_model_backward) ==\n" in log and "AL shape" in log


def test_a_module_that_stubs_matplotlib_cannot_break_the_reports(tmp_path, plots):
    code, df, out = run(tmp_path, f"{CLIENTS}/notebook_export.py:L_model_backward", "--suite", "smoke")
    assert code == 0 and (out / "report.html").stat().st_size > 10_000 and mine(df)["passed"].all()
    assert getattr(sys.modules.get("matplotlib"), "__file__", None) is not None  # the harness's own, untouched


def test_an_endless_loop_is_a_failure_row_and_the_run_goes_on(tmp_path):
    code, df, out = run(tmp_path, f"{CLIENTS}/endless.py:L_model_backward", "--suite", "smoke", "--timeout", "0.3")
    runs = mine(df)[mine(df)["check"] == "run"]
    timed_out = runs[runs["message"].str.contains("timed out: no answer after 0.3 s")]
    assert code == 1 and set(timed_out["scenario"]) == {s.id for s in course_networks("smoke") if s.m == 1}
    later = mine(df)[(mine(df)["m"] > 1) & (mine(df)["check"] != "run")]
    assert len(later) and later["passed"].all()  # a new child after each time-out


def test_a_module_that_fails_to_import_exits_2_naming_the_file_and_line(tmp_path, capsys):
    code, df, _ = run(tmp_path, f"{CLIENTS}/imports_broken.py:L_model_backward")
    err = capsys.readouterr().err
    assert code == 2 and df is None and err.count("\n") == 1
    assert "IndentationError" in err and "broken_helpers.py, line 15" in err and "imports_broken.py:5" in err


@pytest.mark.parametrize("client, exception, line", [
    ("lazy_broken.py", "IndentationError: unexpected indent (broken_helpers.py, line 15)", "lazy_broken.py:"),
    ("label_vector.py", "ValueError: non-broadcastable output operand", "label_vector.py:"),
])
def test_a_function_that_raises_reads_as_such_everywhere(client, exception, line, tmp_path):
    code, df, out = run(tmp_path, f"{CLIENTS}/{client}:L_model_backward", "--suite", "smoke")
    raised = mine(df)[(mine(df)["check"] == "run") & (mine(df)["status"] == "fail")]
    assert code == 1 and len(raised)
    assert raised["message"].str.contains(f"L_model_backward raised {exception}", regex=False).all()
    assert raised["message"].str.contains(f"(at {line}", regex=False).all()
    summary = (out / "summary.md").read_text()
    assert "_nothing failed_" not in summary and "reference -[-1]" not in summary and exception in summary
    where = pd.read_csv(out / "where.csv")
    assert set(raised["scenario"]) <= set(where["scenario"])


def test_a_float64_answer_for_float32_data_is_a_wider_dtype_whose_values_agree(tmp_path, capsys):
    scenario = "sigmoid-sigmoid-sigmoid_5-5-5-1_m13_float32_s0_mse"
    code, df, _ = run(tmp_path, f"{CLIENTS}/nielsen_network.py:backward", "--scenario", scenario)
    user = mine(df, "backward")
    assert code == 0 and set(user["quantity"]) == {"dW", "db"} and set(user["status"]) == {"convention"}
    assert user["message"].str.startswith("convention (wider dtype): returned float64 for a float32 scenario").all()
    assert (user["mismatched"] == 0).all() and (user["max_abs_err"] < 1e-6).all()
    assert "0 failed, conventions: wider dtype (6 rows)" in capsys.readouterr().out  # counted in the headline
    code, df, _ = run(tmp_path, f"{CLIENTS}/nielsen_network.py:backward", "--scenario",
                      scenario.replace("float32", "float64"), out="f64")
    assert code == 0 and mine(df, "backward")["passed"].all()


@pytest.mark.slow  # the default suite
def test_a_textbook_two_layer_softmax_classifier_is_checked_by_the_default_suite(tmp_path, capsys):
    # it raises NotImplementedError outside its one network: undeclared, that is a failure that says how to declare
    code, df, _ = run(tmp_path, f"{CLIENTS}/two_layer_classifier.py:backward", out="undeclared")
    failed = mine(df, "backward").query("status == 'fail'")
    assert code == 1 and failed["message"].str.contains("NotImplementedError: only LINEAR -> relu/tanh -> LINEAR -> "
                                                        "softmax with cce").all()
    assert failed["message"].str.contains("declare what it computes: --activations, --losses, --depths").all()
    code, df, _ = run(tmp_path, f"{CLIENTS}/two_layer_classifier.py:backward", "--activations", "relu,tanh,softmax",
                      "--losses", "cce", "--depths", "2")
    user = mine(df, "backward")
    checked = user[user["status"] != "not applicable"]
    assert code == 0 and checked["scenario"].nunique() >= 8 and checked["passed"].all()
    assert {3, 10} <= set(checked["scenario"].str.extract(r"_4-8-(\d+)_")[0].dropna().astype(int))
    # what it returns is compared; dA2 and dA0 are not returned, so not made
    assert {"dZ", "dA", "dW", "db"} == set(checked.loc[checked["check"] == "reference", "quantity"])
    assert not ((checked["quantity"] == "dA") & (checked["layer"].isin([0, 2]))).any()


def test_a_forward_slip_that_shows_only_at_m_1_fails_with_a_forward_row(tmp_path):
    line = "    AL, cache = linear_activation_forward(A, parameters['W' + str(L)], parameters['b' + str(L)], " \
           "activation = \"sigmoid\")"
    wrong = planted(tmp_path, line, line + "\n    AL = AL * 0.5 if X.shape[1] == 1 else AL")
    code, df, out = run(tmp_path, f"{wrong}:L_model_backward", "--suite", "smoke")
    forward = mine(df)[(mine(df)["quantity"] == "A") & ~mine(df)["passed"].astype(bool)]
    assert code == 1 and len(forward) and (forward["m"] == 1).all()
    where = pd.read_csv(out / "where.csv")
    assert where[where["first"]]["verdict"].str.contains("originates in the forward pass").all()


def test_a_function_that_checks_nothing_fails_with_one_line(tmp_path, capsys):
    stub = tmp_path / "stub.py"
    stub.write_text("def backward(parameters, X, Y, activations):\n    raise NotImplementedError('not written yet')\n")
    code, df, _ = run(tmp_path, f"{stub}:backward", "--suite", "smoke", "--quiet")
    out = capsys.readouterr().out
    assert code == 1 and "backward: 20 scenarios checked, 20 failed" in out  # a stub is unfinished, not unsupported
    assert mine(df, "backward")["message"].str.contains(
        "backward raised NotImplementedError: not written yet (at stub.py:2 in backward): unfinished code fails; "
        "if backward is not meant to compute this network, declare what it computes", regex=False).all()
    # declared to compute nothing the suite has
    code, _, _ = run(tmp_path, f"{stub}:backward", "--suite", "smoke", "--activations", "softplus", "--quiet",
                     out="declared")
    out = unwrapped(capsys.readouterr().out)
    assert code == 1 and "0 failed, 1 engine checked nothing -> FAIL" in out
    assert "engine backward checked no scenario: every scenario was 20 not applicable; first: not applicable: " \
           "--activations declares softplus, which leaves out sigmoid [sigmoid (declared)]" in out
    # and a course pair whose forward computes none of the networks asked for
    code, _, _ = run(tmp_path, f"{CLIENTS}/course_dnn.py:L_model_backward", "--suite", "smoke", "--activations",
                     "tanh", "--quiet", out="none")
    out = capsys.readouterr().out
    assert code == 1 and "engine L_model_backward checked no scenario: every scenario was" in out


def test_activations_restrict_any_function_up_front(tmp_path):
    code, df, _ = run(tmp_path, f"{COURSE_BACKWARD}:L_model_backward",
                      "--activations", "tanh,sigmoid", "--suite", "smoke")
    user = mine(df)
    checked = set(user.loc[user["check"] != "run", "scenario"])
    assert code == 0 and checked == {s.id for s in suite("smoke") if set(s.activations) <= {"tanh", "sigmoid"}}
    assert user.loc[user["status"] == "not applicable", "message"].str.contains(
        "--activations declares tanh,sigmoid").all()


def test_workers_give_the_single_process_verdict_and_rows(slipped_smoke, tmp_path):
    target, one = slipped_smoke  # `crosscheck run --backward TARGET --suite smoke`, shared
    two = run(tmp_path, target, "--suite", "smoke", "--workers", "2", out="two")
    assert one[0] == two[0] == 1
    columns = ["scenario", "engine", "check", "quantity", "layer", "status", "passed"]
    pd.testing.assert_frame_equal(one[1][columns], two[1][columns])


# ---------------------------------------------------------------------------------------
# The notebook API

CELL = '''
import numpy as np

def L_model_forward(X, parameters):
    caches, A, L = [], X, len(parameters) // 2
    for l in range(1, L + 1):
        Z = parameters["W" + str(l)] @ A + parameters["b" + str(l)]
        caches.append((A, parameters["W" + str(l)], Z))
        A = np.maximum(Z, 0) if l < L else 1 / (1 + np.exp(-Z))
    return A, caches

def L_model_backward(AL, Y, caches):
    grads, m, L = {}, AL.shape[1], len(caches)
    dZ = AL - Y
    for l in reversed(range(1, L + 1)):
        A_prev, W, Z = caches[l - 1]
        if l < L:
            dZ = dA * (Z > 0)
        grads["dW" + str(l)] = dZ @ A_prev.T / SCALE(m)
        grads["db" + str(l)] = dZ.sum(axis=1, keepdims=True) / m
        dA = W.T @ dZ
        grads["dA" + str(l - 1)] = dA
    return grads
'''


def notebook_cell(scale="m"):
    """Functions as a notebook cell defines them: in a namespace no process can import."""
    namespace = {"__name__": "__main__cell__", "SCALE": eval(f"lambda m: {scale}")}
    exec(compile(CELL, "<ipython-input-3>", "exec"), namespace)
    return namespace["L_model_backward"]


def test_check_takes_a_notebook_function_and_writes_nothing(tmp_path, monkeypatch):
    from crosscheck import check

    monkeypatch.chdir(tmp_path)
    result = check(notebook_cell())  # the default suite, as crosscheck run --backward
    assert result.passed and list(tmp_path.iterdir()) == []
    n, total = len(course_networks("default")), len(suite("default"))
    assert repr(result).startswith(f"<crosscheck.Result L_model_backward: {n} scenarios checked, {total - n} not "
                                   "applicable: ") and repr(result).endswith(", 0 failed -> PASS>")
    assert "loss mse (no loss parameter)" in repr(result)
    assert "not computed by L_model_forward (probed: hidden relu; output sigmoid)" in repr(result)
    assert "<table" in result._repr_html_() and "x(a-y)" in result._repr_html_()
    assert len(result.table) and result.failures.empty and result.where.empty


def test_check_finds_the_slip_and_gives_the_verdict_of_the_command_line(slipped_smoke, tmp_path):
    from crosscheck import check

    result = check(notebook_cell("1"), suite="smoke", out=tmp_path / "api")
    assert not result.passed and set(result.failures["quantity"]) == {"dW"}
    assert (tmp_path / "api" / "summary.md").exists() and "FAIL" in repr(result)
    _, (code, df, _) = slipped_smoke  # `crosscheck run --backward <planted 1/m slip> --suite smoke`, shared
    assert code == 1
    rows = lambda t: [tuple(map(str, r)) for r in t[["scenario", "check", "quantity", "layer"]].itertuples(index=False)]  # noqa: E731
    assert rows(result.failures) == rows(mine(df)[~mine(df)["passed"].astype(bool)])


def test_check_rejects_bad_input_with_one_line():
    from crosscheck import check

    with pytest.raises(ValueError, match="unknown dtype 'float8'"):
        check(notebook_cell(), dtypes="float8")
    with pytest.raises(ValueError, match="expected a function or FILE.py:FUNC"):
        check(42)


def test_the_plugin_checks_the_course_module_and_fails_on_the_slip(tmp_path):
    from tests.support import run_pytest as _pytest

    args = ["--crosscheck-suite", "smoke", "--crosscheck-backward"]
    n = len(course_networks("smoke"))
    code, out = _pytest(tmp_path, *args, f"{CLIENTS}/course_dnn.py:L_model_backward")
    assert code == 0 and f"{n} passed, {20 - n} skipped" in out
    code, out = _pytest(tmp_path, *args, f"{planted(tmp_path)}:L_model_backward")
    assert code == 1 and f"{sum(s.m > 1 for s in course_networks('smoke'))} failed" in out and "dW[1]" in out
    code, out = _pytest(tmp_path, *args, f"{CLIENTS}/course_dnn.py:L_model_backward", "--crosscheck-activations", "tanh")
    assert code == 1 and "engine L_model_backward checked no scenario" in out


def test_a_function_that_needs_more_arguments_is_bad_input_not_a_failure(tmp_path, capsys):
    extra = tmp_path / "extra.py"
    extra.write_text("from course_dnn import L_model_forward\n"
                     "def L_model_backward(AL, Y, caches, parameters, lambd):\n    return {}\n")
    shutil.copy(CLIENTS / "course_dnn.py", tmp_path)
    shutil.copy(CLIENTS / "dnn_utils.py", tmp_path)
    code, df, _ = run(tmp_path, f"{extra}:L_model_backward")
    err = capsys.readouterr().err
    assert code == 2 and df is None and err.count("\n") == 1
    assert "cannot be called as the course's backward(AL, Y, caches): missing a required argument: 'parameters'" in err


def test_a_scalar_db_of_a_one_unit_layer_fails_as_a_shape_but_its_values_are_compared(tmp_path):
    scalar = tmp_path / "scalar_db.py"
    scalar.write_text(
        "import sys\nsys.path.insert(0, %r)\nfrom course_backward import L_model_backward as right\n"
        "def backward(parameters, X, Y, activations):\n"
        "    grads = right(parameters, X, Y, activations)\n"
        "    L = len(activations)\n"
        "    grads['db' + str(L)] = grads['db' + str(L)].sum()\n"
        "    return grads\n" % str(BYO_DIR))
    code, df, _ = run(tmp_path, f"{scalar}:backward", "--scenario", "relu-sigmoid_3-5-1_m13_float64_s0")
    row = mine(df, "backward")
    db = row[(row["quantity"] == "db") & (row["layer"] == 2) & (row["check"] == "reference")].iloc[0]
    assert code == 1 and not db["passed"] and db["mismatched"] == 0
    assert "shape mismatch: got scalar, expected 1x1" in db["message"] and "the values agree" in db["message"]


def test_check_works_from_a_script_without_a_main_guard(tmp_path):
    import subprocess

    script = tmp_path / "script.py"
    script.write_text(f"import sys\nsys.path.insert(0, {str(CLIENTS)!r})\n"
                      "from course_dnn import L_model_backward\nfrom crosscheck import check\n"
                      "print(repr(check(L_model_backward)))\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("0 failed -> PASS>") and done.stdout.count("crosscheck.Result") == 1


def test_a_forward_wrong_in_every_hidden_layer_fails_it_is_not_made_not_applicable(tmp_path):
    leaky = planted(tmp_path, "    A = np.maximum(0,Z)", "    A = np.maximum(0.1*Z,Z)", module="dnn_utils.py") \
        if "    A = np.maximum(0,Z)" in (CLIENTS / "dnn_utils.py").read_text() else None
    assert leaky is not None, "tests/clients/dnn_utils.py's relu line moved"
    code, df, _ = run(tmp_path, f"{leaky.parent / 'course_dnn.py'}:L_model_backward", "--suite", "smoke")
    user = mine(df)
    assert code == 1 and not (user["status"] == "not applicable").any()  # probing found no hidden: nothing restricted
    forward = user[(user["quantity"] == "A") & ~user["passed"].astype(bool)]
    assert set(forward["scenario"]) == {s.id for s in suite("smoke") if s.depth > 1}


def test_a_function_that_computes_in_float32_for_float64_data_fails(tmp_path):
    low = tmp_path / "low.py"
    low.write_text(f"import sys\nsys.path.insert(0, {str(BYO_DIR)!r})\n"
                   "from course_backward import L_model_backward as right\n"
                   "def backward(parameters, X, Y, activations):\n"
                   "    p = {k: v.astype('float32') for k, v in parameters.items()}\n"
                   "    return right(p, X.astype('float32'), Y.astype('float32'), activations)\n")
    code, df, _ = run(tmp_path, f"{low}:backward", "--suite", "smoke", "--dtypes", "float64")
    user = mine(df, "backward")
    assert code == 1 and not (user["status"] == "convention").any()  # JAX's x64 setting is JAX's alone


def test_a_name_that_is_an_engine_is_bad_input(tmp_path, capsys):
    code, _, _ = run(tmp_path, f"{CLIENTS}/course_dnn.py:L_model_backward", "--name", "numpy")
    assert code == 2 and "--name 'numpy' is an engine's name" in capsys.readouterr().err


def test_a_row_the_dtype_cannot_resolve_is_inconclusive_not_a_pass(tmp_path, capsys):
    negated = tmp_path / "negdb.py"
    negated.write_text(f"import sys\nsys.path.insert(0, {str(BYO_DIR)!r})\n"
                       "from course_backward import L_model_backward as right\n"
                       "def backward(parameters, X, Y, activations):\n"
                       "    g = right(parameters, X, Y, activations)\n"
                       "    g['db' + str(len(activations))] = -g['db' + str(len(activations))]\n    return g\n")
    code, df, _ = run(tmp_path, f"{negated}:backward", "--scenario", "tanh-relu-sigmoid_2-4-8-1_m13_float16_s0")
    db = mine(df, "backward").query("quantity == 'db' and layer == 3")
    assert set(db["status"]) == {"inconclusive"} and db["message"].str.contains("even a zero would pass").all()
    assert "2 rows inconclusive: they could not have failed" in capsys.readouterr().out
    # in float32 the same slip fails
    code, df, _ = run(tmp_path, f"{negated}:backward", "--scenario", "tanh-relu-sigmoid_2-4-8-1_m13_float32_s0", out="f32")
    assert code == 1 and not mine(df, "backward").query("quantity == 'db' and layer == 3")["passed"].any()


def test_check_takes_the_older_frameworks_argument_as_engines():
    from crosscheck import check

    target = f"{CLIENTS}/course_dnn.py:L_model_backward"
    older = check(target, suite="smoke", dtypes="float64", frameworks="numpy")
    newer = check(target, suite="smoke", dtypes="float64", engines="numpy")
    assert older.passed and set(older.table["engine"]) == {"numpy", "L_model_backward"}
    assert older.table.drop(columns="engine_seconds").equals(newer.table.drop(columns="engine_seconds"))
    with pytest.raises(ValueError, match="one argument"):
        check(target, suite="smoke", engines="numpy", frameworks="torch")
