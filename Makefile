# nanoionic developer tasks. Works on a fresh clone: needs only python3 (>= 3.11), pip and PyPI.
#
#   make install   create .venv and install the pinned deps + the package (only when stale)
#   make test      import-layer contract (lint-imports) + pytest on tests/ (2 xdist workers);
#                  installs ngspice first when missing (scripts/install-ngspice.sh, needs root or sudo)
#   make demo      reproduce the SVDP paper's Fig. 2 and Fig. 4, the digits study, the review's synapses and filaments into out/
#   make bench     run the benchmarks (python -m benchmarks); never part of `make test`
#   make clean     remove outputs and caches (keeps .venv);  make distclean  also removes .venv

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Environment for everything that runs the package: no display, numba cache inside the venv.
export MPLBACKEND := Agg
export NUMBA_CACHE_DIR := $(CURDIR)/$(VENV)/numba-cache

PYTEST_ARGS ?= -q -n 2

.PHONY: venv install ngspice test lint test-only demo bench clean distclean

venv install: $(STAMP)

# The stamp is only touched after every step succeeded, so a failed install is retried next time.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.lock
	$(BIN)/python -m pip install -e . --no-deps
	touch $@

lint: $(STAMP)
	$(BIN)/lint-imports

# pytest's own exit status is passed through unchanged, so 5 ("no tests collected") fails the build.
test-only: $(STAMP) ngspice
	$(BIN)/pytest $(PYTEST_ARGS) tests

# ngspice (Debian package) for the SPICE export cross-checks; installed only when missing.
ngspice:
	scripts/install-ngspice.sh

test: $(STAMP) ngspice
	$(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_ARGS) tests

demo: $(STAMP)
	$(BIN)/nanoionic reproduce svdp-device --out out/svdp-device
	$(BIN)/nanoionic reproduce svdp-filter --out out/svdp-filter
	$(BIN)/nanoionic reproduce svdp-digits --out out/svdp-digits
	$(BIN)/nanoionic reproduce review-synapses --out out/review-synapses
	$(BIN)/nanoionic reproduce review-filaments --out out/review-filaments

bench: $(STAMP) benchmarks/__init__.py
	$(BIN)/python -m benchmarks

benchmarks/__init__.py:
	mkdir -p benchmarks
	printf '"""Speed and memory benchmarks (run by `make bench`, never by `make test`)."""\n' > $@

clean:
	rm -rf out build .pytest_cache .hypothesis .import_linter_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) src/*.egg-info
