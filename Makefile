# Two commands do everything on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.stepgym-installed

.PHONY: demo test lint install clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first: on the project machines a CPU wheel is on disk; elsewhere PyPI's build.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e ".[dev,browser,textworld]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/stepgym demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
