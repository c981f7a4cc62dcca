# `make demo` and `make test` set everything up in .venv/ (created or reused) and run.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
FMNIST := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The demo: DEMO=cue (default: CUE with both cues), lift or cap, each in its own work dir.
DEMO ?= cue
DEMO_CONFIG_cue := configs/demo/cue_tiny_fashion_mnist_lt.py
DEMO_CONFIG_lift := configs/demo/lift_tiny_fashion_mnist_lt.py
DEMO_CONFIG_cap := configs/demo/cap_tiny_fashion_mnist_ul.py
DEMO_CONFIG ?= $(DEMO_CONFIG_$(DEMO))
DEMO_WORK_DIR ?= work_dirs/demo_$(DEMO)
TINY_CLIP_DIR ?= work_dirs/tiny_clip

.PHONY: setup demo test clean-venv

setup: $(STAMP)

$(STAMP): setup.cfg pyproject.toml requirements/constraints.txt requirements/build-constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U 'pip>=25.3'
	$(PY) -m pip install --build-constraint requirements/build-constraints.txt \
		-c requirements/constraints.txt -e '.[tests]'
	touch $(STAMP)

# Real Fashion-MNIST images from Debian's package (the one image set reachable offline).
$(FMNIST):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq dataset-fashion-mnist

demo: $(STAMP) $(FMNIST)
	@test -n "$(DEMO_CONFIG)" || (echo "DEMO must be cue, lift or cap" && exit 2)
	$(PY) tools/demo.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR) --tiny-clip $(TINY_CLIP_DIR)

test: $(STAMP)
	$(PY) -m pytest -q tests

clean-venv:
	rm -rf $(VENV)
