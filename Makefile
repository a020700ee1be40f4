# Developer entry points. `make test` is what CI runs (via .ci/run).
PYTHON ?= python3
JOBS ?= auto

.PHONY: test lint filecheck pytest format

test: lint filecheck pytest

lint:
	ruff check deeploy tests examples bench
	ruff format --check deeploy tests examples bench

filecheck:
	lit -v --order=smart tests/filecheck

pytest:
	$(PYTHON) -m pytest -n $(JOBS) -q -rxf

format:
	ruff format deeploy tests examples bench
	ruff check --fix deeploy tests examples bench
