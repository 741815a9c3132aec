"""docs/ci.md's example workflow: the YAML parses, its jobs are what the page says, and its
crosscheck commands run here on the smoke suite (shards, merge, compare) as CI would run them."""
from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from tests.support import ROOT

yaml = pytest.importorskip("yaml")


def workflow() -> dict:
    text = (ROOT / "docs" / "ci.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "docs/ci.md has one yaml block: the workflow"
    return yaml.safe_load(blocks[0])


def steps(job: dict, word: str) -> list[dict]:
    return [s for s in job["steps"] if word in s.get("run", "") or word in s.get("uses", "")]


def test_the_workflow_parses_and_has_shards_a_merge_the_cache_junit_and_the_baseline_compare():
    w = workflow()
    shard, merge = w["jobs"]["shard"], w["jobs"]["merge"]
    shards = shard["strategy"]["matrix"]["shard"]
    run = steps(shard, "crosscheck run")[0]["run"]
    assert f"/{len(shards)}" in run and "--junit-xml" in run and "--shard ${{ matrix.shard }}" in run
    cache = steps(shard, "actions/cache")[0]["with"]
    assert cache["path"] == w["env"]["CROSSCHECK_JAX_CACHE"]
    assert merge["needs"] == "shard" and merge["if"] == "always()"
    merged = steps(merge, "crosscheck merge")[0]["run"]
    assert all(f"out/shard{k}" in merged for k in shards) and "--junit-xml reports/junit.xml" in merged
    assert "--strict-findings" in merged  # the ledger measured again on every merge
    compare = steps(merge, "crosscheck compare")[0]
    assert compare["if"] == "github.event_name == 'pull_request'"
    assert steps(merge, "junit-report")[0]["with"]["report_paths"] == "reports/junit.xml"


def _local(command: str, shard: int | None = None) -> str:
    command = command.replace("${{ matrix.shard }}", str(shard)) if shard is not None else command
    assert "${{" not in command, command
    return command.replace(".venv/bin/crosscheck", f"{sys.executable} -m crosscheck")


@pytest.mark.slow
def test_the_workflow_s_commands_run_here_on_the_smoke_suite(tmp_path):
    w = workflow()
    shard, merge = w["jobs"]["shard"], w["jobs"]["merge"]
    summary = tmp_path / "step-summary.md"
    env = {**os.environ, **{k: str(v) for k, v in w["env"].items()}, "SUITE": "smoke",
           "GITHUB_STEP_SUMMARY": str(summary), "PYTHONPATH": str(ROOT)}

    def bash(command):
        return subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=900)

    # the baseline a pull request compares with: a single-process run of the same suite
    single = bash(f"{sys.executable} -m crosscheck run --suite smoke --out single --no-progress")
    assert single.returncode == 0, single.stderr
    (tmp_path / "reports" / "baseline").mkdir(parents=True)
    with open(tmp_path / "single" / "discrepancies.csv", "rb") as src, \
            gzip.open(tmp_path / "reports" / "baseline" / "discrepancies.csv.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    for k in shard["strategy"]["matrix"]["shard"]:
        done = bash(_local(steps(shard, "crosscheck run")[0]["run"], k))
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "out" / f"junit-{k}.xml").is_file()
    for step in (steps(merge, "crosscheck merge")[0], steps(merge, "crosscheck compare")[0]):
        done = bash(_local(step["run"]))
        assert done.returncode == 0, done.stdout + done.stderr
    assert "no regression" in done.stdout
    suite = ET.parse(tmp_path / "reports" / "junit.xml").getroot().find("testsuite")
    single_rows = (tmp_path / "single" / "summary.md").read_text().splitlines()[:12]
    assert int(suite.get("failures")) == 0 and int(suite.get("tests")) > 0
    text = summary.read_text()
    assert text.count("## backprop-crosscheck") >= 6  # four shards, the merge, the compare
    assert any(line in text for line in single_rows if "-> PASS" in line)
