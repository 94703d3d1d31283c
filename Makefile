# PolicyKB: `make run` (set up, build the index if missing, open the UI) and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# torch 2.13.0 CPU is taken from this machine's local wheel; install it before the
# sentence-transformers extra so the resolver never picks a multi-GB CUDA build.
TORCH  ?= torch==2.13.0

.PHONY: install install-dev run build test bench eval clean-index

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -q "$(TORCH)"
	$(PIP) install -q -e ".[dev,st]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(VENV)/bin/policykb ui

build: install
	$(VENV)/bin/policykb build

test: install-dev
	$(VENV)/bin/python -m pytest -q

bench: install
	$(VENV)/bin/python -m bench

eval: install
	$(VENV)/bin/policykb eval

clean-index:
	rm -rf index
