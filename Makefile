# Two entry points (README): `make report` runs the default suite, `make test` the tests.
# Both create .venv with Python's venv and install the pinned versions in constraints.txt.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= reports/latest
SUITE  ?= default

.PHONY: setup report test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt setuptools
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-build-isolation \
		-c constraints.txt -e ".[torch,jax,test]"
	touch $@

report: setup
	$(BIN)/crosscheck run --suite $(SUITE) --out $(OUT)

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/default_suite.py

clean:
	rm -rf $(VENV) reports/latest
