# `make demo` and `make test` set everything up in .venv/ (created or reused) and run.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD := 1

.PHONY: setup demo test clean-venv

setup: $(STAMP)

$(STAMP): setup.cfg pyproject.toml requirements/constraints.txt requirements/build-constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U 'pip>=25.3'
	$(PY) -m pip install --build-constraint requirements/build-constraints.txt \
		-c requirements/constraints.txt -e '.[tests]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) tools/demo.py

test: $(STAMP)
	$(PY) -m pytest -q tests

clean-venv:
	rm -rf $(VENV)
