# Developer entry points. `make test` is what CI runs (via .ci/run).
PYTHON ?= python3
JOBS ?= auto

.PHONY: test test-full lint filecheck pytest pytest-full format

test: lint filecheck pytest

# everything, including the `slow` repeats (double-buffered and L3 sweeps of the integer
# networks, shared-data duplicates in the per-kernel files): about twice as long
test-full: lint filecheck pytest-full

lint:
	ruff check deeploy tests examples bench
	ruff format --check deeploy tests examples bench

filecheck:
	lit -v --order=smart tests/filecheck

pytest:
	$(PYTHON) -m pytest -n $(JOBS) -q -rxf -m "not slow"

pytest-full:
	$(PYTHON) -m pytest -n $(JOBS) -q -rxf

format:
	ruff format deeploy tests examples bench
	ruff check --fix deeploy tests examples bench
