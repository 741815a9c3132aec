# Two entry points (README): `make report` runs the default suite, `make test` the tests.
# Both create .venv (Python's venv, or virtualenv from pip where venv is missing, as on
# Debian without python3-venv) and install the pinned versions in constraints.txt.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= reports/latest
SUITE  ?= default

.PHONY: setup report test bench bench-speed baseline compare clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV) && $(PYTHON) -m pip install --quiet virtualenv \
		&& $(PYTHON) -m virtualenv --quiet $(VENV); }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt setuptools
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-build-isolation \
		-c constraints.txt -e ".[torch,jax,tensorflow,autograd,mlx,opacus,backpack,optax,test,bench]"
	touch $@

report: setup
	$(BIN)/crosscheck run --suite $(SUITE) --out $(OUT)

# The tests on every core (pytest-xdist); the ones that run whole suites (marked slow) only
# where CI is set, as CI sets it (.ci/run): `make test CI=1` runs them here too.
test: setup
	$(BIN)/python -m pytest -n auto $(if $(CI),,-m "not slow")

# Re-record the committed baseline (after a change you mean to keep).
baseline: setup
	$(BIN)/crosscheck run --suite default --out reports/baseline --no-progress || true
	gzip -nf reports/baseline/discrepancies.csv
	rm -f reports/baseline/report.html reports/baseline/run.json  # generated views, not the baseline

# Did anything get worse than the committed baseline?
compare: report
	$(BIN)/crosscheck compare reports/baseline/discrepancies.csv.gz $(OUT)/discrepancies.csv

# Regenerate benchmarks/RESULTS.md: each script replaces its own section (--write).
# Each section says how long its script took (about 10 minutes in all on 2 busy cores);
# tolerance_survey.py runs the default suite here (--suite full, the survey behind
# scenarios/tolerances.py, takes hours) and surveys fd beside the other engines.
bench: setup
	$(BIN)/python benchmarks/default_suite.py --write
	$(BIN)/python benchmarks/speed.py --write
	$(BIN)/python benchmarks/overhead_breakdown.py --write
	$(BIN)/python benchmarks/user_code.py --write
	$(BIN)/python benchmarks/diagnosis.py --write
	$(BIN)/python benchmarks/tolerance_survey.py --engines numpy,torch,jax,fd --write
	$(BIN)/python benchmarks/per_example_memory.py --write

bench-speed: setup
	$(BIN)/python benchmarks/speed.py --write

clean:
	rm -rf $(VENV) reports/latest build *.egg-info
