"""run.json's ``user_files`` (crosscheck/running/provenance.py): the SHA-256 of every user
file a run reads; ``crosscheck merge`` refuses shards that read different versions of one
(shard 1 of one version and shard 2 of another make a report of no single run)."""
from __future__ import annotations

import hashlib
import json
import shutil
import sys

import numpy as np
import pytest

from crosscheck.cli import main
from crosscheck.running.provenance import differing, digests, engine_module, user_files
from tests.support import CLIENTS, TESTS

SMALL = ["--suite", "smoke", "--dtypes", "float64", "--engines", "numpy", "-q", "--no-progress"]


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _meta(folder) -> dict:
    return json.loads((folder / "run.json").read_text())


def _shard(k: int, out, *extra) -> None:
    assert main(["run", *SMALL, "--shard", f"{k}/2", "--out", str(out), *extra]) in (0, 1)


@pytest.fixture(scope="module")
def learner(tmp_path_factory):
    """The course's module and its helper in a folder of their own, and shard 1/2 of the smoke
    suite run with it as --backward: (folder, its backward, shard 1's output)."""
    folder = tmp_path_factory.mktemp("learner")
    for name in ("course_dnn.py", "dnn_utils.py"):
        shutil.copy(CLIENTS / name, folder / name)
    backward = f"{folder / 'course_dnn.py'}:L_model_backward"
    _shard(1, folder / "shard1", "--backward", backward)
    return folder, backward, folder / "shard1"


def test_run_json_records_the_backward_and_the_siblings_it_imported(learner):
    folder, _, shard1 = learner
    recorded = _meta(shard1)["user_files"]
    assert recorded == {str(folder / name): _sha(folder / name) for name in ("course_dnn.py", "dnn_utils.py")}
    assert list(recorded) == sorted(recorded)


def test_shards_of_the_same_files_merge(learner, tmp_path):
    folder, backward, shard1 = learner
    _shard(2, tmp_path / "shard2", "--backward", backward)
    assert main(["merge", str(shard1), str(tmp_path / "shard2"), "--out", str(tmp_path / "m")]) == 0
    assert _meta(tmp_path / "m")["user_files"] == _meta(shard1)["user_files"]


@pytest.mark.parametrize("edited", ["course_dnn.py", "dnn_utils.py"])
def test_a_file_edited_between_shards_is_refused(edited, learner, tmp_path, capsys):
    folder, backward, shard1 = learner
    path = folder / edited
    text, before = path.read_text(), _sha(path)
    try:
        path.write_text(text + "\n# edited after shard 1\n")  # the same results: the versions differ all the same
        _shard(2, tmp_path / "shard2", "--backward", backward)
        after = _sha(path)
    finally:
        path.write_text(text)
    capsys.readouterr()
    assert main(["merge", str(shard1), str(tmp_path / "shard2"), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert err == (f"crosscheck: error: the shards read different versions of {path} (sha256 {before[:12]}.. in "
                   f"shard 1/2, sha256 {after[:12]}.. in shard 2/2): rerun them from the same files\n")
    assert not (tmp_path / "m").exists()


def test_a_module_class_engine_edited_between_shards_is_refused(tmp_path, monkeypatch, capsys):
    module = tmp_path / "stale_toy_engines.py"
    shutil.copy(TESTS / "engine_package" / "toy_engines.py", module)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    try:
        engines = ["--engines", "numpy,stale_toy_engines:ToyEngine"]
        _shard(1, tmp_path / "s1", *engines)
        _shard(2, tmp_path / "s2", *engines)
        assert _meta(tmp_path / "s1")["user_files"] == {str(module): _sha(module)}
        assert main(["merge", "s1", "s2", "--out", "m"]) == 0
        module.write_text(module.read_text().replace("return dZ @ A_prev.T / m", "return dZ @ A_prev.T / m  # "))
        _shard(2, tmp_path / "s2", *engines)
        capsys.readouterr()
        assert main(["merge", "s1", "s2", "--out", "m2"]) == 2
        err = capsys.readouterr().err
        assert "different versions of stale_toy_engines.py (sha256 " in err and err.count("\n") == 1
    finally:
        sys.modules.pop("stale_toy_engines", None)


def test_shards_of_an_older_release_merge_with_each_other_not_beside_newer_ones(learner, tmp_path, capsys):
    folder, backward, shard1 = learner
    _shard(2, tmp_path / "new2", "--backward", backward)
    for k, source in ((1, shard1), (2, tmp_path / "new2")):  # as a release without user_files wrote them
        shutil.copytree(source, tmp_path / f"old{k}")
        meta = _meta(source)
        del meta["user_files"]
        (tmp_path / f"old{k}" / "run.json").write_text(json.dumps(meta))
    assert main(["merge", str(tmp_path / "old1"), str(tmp_path / "old2"), "--out", str(tmp_path / "m")]) == 0
    capsys.readouterr()
    assert main(["merge", str(shard1), str(tmp_path / "old2"), "--out", str(tmp_path / "m2")]) == 2
    err = capsys.readouterr().err
    assert "shard 2/2 does not record the files it read (an older release)" in err and err.count("\n") == 1


def test_the_network_and_known_failures_files_are_recorded(tmp_path):
    from crosscheck.scenarios import build_problem
    from crosscheck.scenarios.spec import Scenario

    s = Scenario((3, 4, 1), ("tanh", "sigmoid"), 6)
    p = build_problem(s)
    net = tmp_path / "mine.npz"
    np.savez(net, X=p.X, Y=p.Y, **p.parameters, activations=np.array(s.activations))
    known = tmp_path / "known.toml"
    known.write_text('[[known]]\nscenario = "nothing-*"\nreason = "none"\n')
    out = tmp_path / "r"
    assert main(["run", "--network", str(net), "--engines", "numpy", "--known-failures", str(known),
                 "--out", str(out), "-q"]) == 0
    assert _meta(out)["user_files"] == {str(known): _sha(known), str(net): _sha(net)}


# the pieces, on their own

def test_digests_are_sorted_absolute_and_skip_what_is_not_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.py").write_text("b = 1\n")
    (tmp_path / "a.py").write_text("a = 1\n")
    found = digests(["b.py", tmp_path / "a.py", "missing.py", tmp_path])
    assert found == {str(tmp_path / "a.py"): _sha(tmp_path / "a.py"), str(tmp_path / "b.py"): _sha(tmp_path / "b.py")}
    assert list(found) == sorted(found)


def test_user_files_lists_every_file_a_run_reads(tmp_path, monkeypatch):
    from argparse import Namespace

    from crosscheck.adapters import external

    monkeypatch.chdir(tmp_path)
    point = type("Point", (), {"module": "json"})  # an entry point's module: its file
    monkeypatch.setattr(external, "entry_points", lambda: {"their-engine": point})
    args = Namespace(backward="mine.py:f", forward="sub/fwd.py:g", network=None, known_failures="k.toml")
    user = type("User", (), {"backward": None, "forward": None, "info": {"files": [str(tmp_path / "helper.py")]}})
    found = user_files(args, ["numpy", "mutant:x", "their-engine", "nowhere", "json:JSONDecoder"], user)
    assert found == sorted({str(tmp_path / n) for n in ("mine.py", "sub/fwd.py", "k.toml", "helper.py")}
                           | {json.__file__})
    assert engine_module("numpy") is None and engine_module("no_such_module_here:Engine") is None


def test_differing_names_the_first_file_that_differs_or_that_one_shard_did_not_read():
    def meta(k, files):
        return {"shard": [k, 3], "user_files": files}

    same = meta(1, {"/a.py": "1" * 64})
    assert differing([same, meta(2, {"/a.py": "1" * 64})]) is None
    assert "of /a.py (sha256 111111111111.. in shard 1/3, sha256 222222222222.. in shard 3/3)" in \
        differing([same, meta(2, {"/a.py": "1" * 64}), meta(3, {"/a.py": "2" * 64})])
    assert "of /b.py (not read in shard 1/3, sha256 3333" in differing([same, meta(2, {"/a.py": "1" * 64,
                                                                                         "/b.py": "3" * 64})])
    assert differing([{"shard": [1, 2]}, meta(2, {})]) is None  # an older shard beside one that read none
