# Developer entry points. `make test` is what CI runs (via .ci/run).
PYTHON ?= python3
JOBS ?= auto

.PHONY: test test-full test-mcu lint filecheck pytest pytest-full format

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
	$(PYTHON) -m pytest -n $(JOBS) -q -rxf -m "not slow and not mcu_full"

# every shared network on cortex-m4 and rv32 under QEMU, and every single-buffered L2
# budget of tiled-budgets.json on rv32 (needs the cross toolchains: see README)
test-mcu:
	$(PYTHON) -m pytest -n $(JOBS) -q -rxf -m mcu_full tests/e2e/test_mcu_targets.py

pytest-full:
	$(PYTHON) -m pytest -n $(JOBS) -q -rxf

format:
	ruff format deeploy tests examples bench
	ruff check --fix deeploy tests examples bench
