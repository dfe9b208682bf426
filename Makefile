# Two commands: `make run` (the app) and `make test`. Both create or reuse .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint bench

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# The CPU build of torch first: a looser pin pulls a multi-GB CUDA build (README).
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev]"
	# timm (via unstructured-inference) drags in PyPI's torchvision, which cannot load beside
	# the CPU torch and breaks transformers' imports. Nothing we run uses it (README).
	$(PY) -m pip uninstall -q -y torchvision
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	bin/run

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# Tests run against a throwaway embedded PostgreSQL and a real Celery worker on Redis.
test: lint
	bin/test $(PYTEST_ARGS)

bench: $(STAMP)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py bench_ingest sample_kb/documents benchmarks/data/cmu-wikipedia.pdf
