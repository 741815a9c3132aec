"""The keys of [tool.crosscheck] that name or describe the user's code (config.USER_CODE_KEYS:
backward, forward, activations, losses, set) go together: a --backward on the command line
drops them all, so that a parent folder's forward never runs beside the student's backward;
without one, the table's backward, forward and activations are taken together."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from crosscheck.cli import _configured, main
from crosscheck.config import USER_CODE_KEYS, Config, ConfigError, checked
from tests.support import CLIENTS, COURSE_BACKWARD

SMALL = ["--suite", "smoke", "--dtypes", "float64", "--engines", "numpy", "-q", "--no-progress"]


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A parent folder whose table names good.py (the course's pair) and its activations, and
    a subfolder (the working folder) with student.py: the course's backward beside a forward
    that leaves out b (Z = W A)."""
    for folder in (tmp_path, tmp_path / "sub"):
        folder.mkdir(exist_ok=True)
        shutil.copy(CLIENTS / "dnn_utils.py", folder)
    shutil.copy(CLIENTS / "course_dnn.py", tmp_path / "good.py")
    text = (CLIENTS / "course_dnn.py").read_text()
    assert text.count("Z = np.dot(W, A) + b") == 1
    (tmp_path / "sub" / "student.py").write_text(text.replace("Z = np.dot(W, A) + b", "Z = np.dot(W, A)"))
    (tmp_path / "pyproject.toml").write_text('[tool.crosscheck]\nbackward = "good.py:L_model_backward"\n'
                                            'forward = "good.py:L_model_forward"\nactivations = "relu,sigmoid"\n')
    monkeypatch.chdir(tmp_path / "sub")
    return tmp_path


def test_a_backward_on_the_command_line_runs_with_its_own_forward_not_the_tables(course):
    out = course / "mine"
    assert main(["run", *SMALL, "--backward", "student.py:L_model_backward", "--out", str(out)]) == 1
    df = pd.read_csv(out / "discrepancies.csv", keep_default_na=False)
    failed = df[(df["engine"] == "L_model_backward") & ~df["passed"].astype(bool)]
    assert len(failed) and "A" in set(failed["quantity"])  # the student's forward ran: its A[L] is wrong
    meta = json.loads((out / "run.json").read_text())
    assert meta["config"] == {"file": str(course / "pyproject.toml"), "values": {}}  # nothing taken
    assert "--forward" not in meta["rerun"] and "--activations" not in meta["rerun"]
    assert str(course / "good.py") not in meta["user_files"]  # nor read


def test_without_a_backward_on_the_command_line_the_tables_code_is_taken_together(course):
    out = course / "theirs"
    assert main(["run", *SMALL, "--out", str(out)]) == 0
    meta = json.loads((out / "run.json").read_text())
    good = course / "good.py"
    assert meta["config"]["values"] == {"backward": f"{good}:L_model_backward", "forward": f"{good}:L_model_forward",
                                        "activations": "relu,sigmoid"}
    df = pd.read_csv(out / "discrepancies.csv", keep_default_na=False)
    user = df[df["engine"] == "L_model_backward"]
    assert len(user) and user["passed"].astype(bool).all()
    # the table's activations with its backward: networks of relu, sigmoid checked, the others not applicable
    assert set(user.loc[user["status"] == "pass", "scenario"].str.split("_").str[0]) == {"sigmoid", "relu-sigmoid"}
    skipped = user.loc[user["status"] == "not applicable", "message"]
    assert len(skipped) and skipped.str.contains("--activations declares relu,sigmoid").all()


def test_the_tables_known_failures_do_not_excuse_a_backward_given_on_the_command_line(course):
    (course / "known.toml").write_text('[[known]]\nscenario = "*"\nreason = "the old code\'s failures"\n')
    text = (course / "pyproject.toml").read_text()
    (course / "pyproject.toml").write_text(text + 'known-failures = "known.toml"\n')
    student = ["--backward", "student.py:L_model_backward"]
    assert main(["run", *SMALL, *student, "--out", str(course / "given")]) == 1  # its failures stay failures
    df = pd.read_csv(course / "given" / "discrepancies.csv", keep_default_na=False)
    assert "known" not in set(df["status"]) and (df["status"] == "fail").any()
    # given on the command line too, the file applies
    assert main(["run", *SMALL, *student, "--known-failures", str(course / "known.toml"),
                 "--out", str(course / "both")]) == 0


def test_the_parsed_options_say_which_keys_were_dropped(course):
    args = _configured(["run", "--backward", "student.py:L_model_backward"])
    assert (args.backward, args.forward, args.activations) == ("student.py:L_model_backward", None, None)
    assert args.config_record == {"file": str(course / "pyproject.toml"), "values": {}}
    args = _configured(["run", "--forward", "student.py:L_model_forward"])  # a forward alone: the table's backward
    assert args.backward == f"{course / 'good.py'}:L_model_backward" and args.activations == "relu,sigmoid"
    assert args.forward == "student.py:L_model_forward"


# the table's values, at config.py's level (--losses and --set are options of run)

TABLE = Path("/project/pyproject.toml")


def test_activations_losses_and_set_are_checked_and_normalised():
    values = checked({"activations": ["relu", " sigmoid"], "losses": "bce, mse",
                      "set": {"lambd": 0.7, "name": "x", "dims": [4, 1], "on": True}}, TABLE)
    assert values == {"activations": "relu,sigmoid", "losses": "bce,mse",
                      "set": ["lambd=0.7", "name='x'", "dims=[4, 1]", "on=True"]}


@pytest.mark.parametrize("table, message", [
    ({"activations": "relu,softsign"}, "activations = \"relu,softsign\": unknown 'softsign'; accepted: sigmoid,"),
    ({"losses": ["ce"]}, "unknown 'ce'; accepted: bce, cce, mse"),
    ({"losses": ""}, "no name given"),
    ({"set": "lambd=0.7"}, "expected a table of keyword arguments"),
    ({"set": {}}, "expected a table of keyword arguments"),
    ({"set": {"1a": 1}}, "'1a' is not a Python parameter name"),
    ({"set": {"lambda": 1}}, "'lambda' is not a Python parameter name"),
    ({"set": {"x": float("nan")}}, "x: expected a number, a string, a boolean or an array of them"),
    ({"set": {"x": {"y": 1}}}, "x: expected a number"),
])
def test_a_bad_value_is_one_line_naming_the_file(table, message):
    with pytest.raises(ConfigError) as caught:
        checked(table, TABLE)
    assert str(caught.value).startswith(f"{TABLE} [tool.crosscheck]: ") and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_for_options_drops_the_user_code_keys_together_and_set_alone():
    config = Config(TABLE, {"suite": "smoke", **{key: "x" for key in USER_CODE_KEYS}})
    assert config.for_options("run").values == config.values
    assert config.for_options("run", backward="mine.py:f").values == {"suite": "smoke"}
    assert config.for_options("pytest", keywords=["lambd=1"]).values == {
        "suite": "smoke", **{k: "x" for k in USER_CODE_KEYS if k != "set"}}
    assert config.without(("suite",)).path == TABLE and "suite" not in config.without(("suite",)).values


@pytest.mark.parametrize("key", [k for k in USER_CODE_KEYS if k != "backward"])
def test_keys_of_the_user_code_without_the_tables_backward_go_with_none(key):
    config = Config(TABLE, {"suite": "smoke", key: "x"})
    with pytest.raises(ConfigError, match=f"{key} goes with backward, which the table does not give"):
        config.for_options("run")
    assert config.for_options("run", backward="mine.py:f").values == {"suite": "smoke"}
    assert config.for_options("fuzz").values == config.values  # a command that does not read it


def test_a_parent_forward_without_backward_is_dropped_by_a_backward_and_refused_without(course, capsys):
    (course / "pyproject.toml").write_text('[tool.crosscheck]\nforward = "good.py:L_model_forward"\n'
                                          'activations = "relu,sigmoid"\n')
    args = _configured(["run", "--backward", "student.py:L_model_backward"])
    assert (args.forward, args.activations) == (None, None)
    assert main(["run", *SMALL, "--out", str(course / "r")]) == 2
    err = capsys.readouterr().err
    assert err == (f"crosscheck: error: {course / 'pyproject.toml'} [tool.crosscheck]: forward goes with backward, "
                   "which the table does not give (its keys of the user's code, backward, forward, activations, "
                   "losses, depths, set, are taken together, and all dropped by a --backward given)\n")


TUNED = """
from course_backward import L_model_backward


def tuned(parameters, X, Y, activations, slip="no-1/m", keep_prob=1.0):
    return L_model_backward(parameters, X, Y, activations, slip)
"""


def test_the_tables_losses_and_set_go_with_its_backward_and_a_set_given_replaces_its_set(tmp_path, monkeypatch):
    shutil.copy(COURSE_BACKWARD, tmp_path / "course_backward.py")
    (tmp_path / "tuned.py").write_text(TUNED)
    (tmp_path / "pyproject.toml").write_text('[tool.crosscheck]\nbackward = "tuned.py:tuned"\nlosses = ["bce"]\n'
                                            'set = { slip = "none" }\n')
    monkeypatch.chdir(tmp_path)

    def run(*extra):
        out = tmp_path / f"r{len(list(tmp_path.glob('r*')))}"
        code = main(["run", *SMALL, "--out", str(out), *extra])
        return code, json.loads((out / "run.json").read_text())["config"]["values"]

    code, values = run()  # the table's slip = "none" given to its function: correct
    assert code == 0 and values == {"backward": f"{tmp_path / 'tuned.py'}:tuned", "losses": "bce",
                                    "set": ["slip='none'"]}
    code, values = run("--set", "keep_prob=1.0")  # replaces the table's set: the function's own slip
    assert code == 1 and "set" not in values and values["losses"] == "bce"
    code, values = run("--backward", "tuned.py:tuned")  # drops the table's set, and its losses
    assert code == 1 and values == {}
