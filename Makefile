# Developer entry points. `make test` is what CI runs (via .ci/run).
PYTHON ?= python3
JOBS ?= auto

.PHONY: test test-quick test-full test-mcu lint filecheck pytest pytest-quick format

# everything: every budget, buffering and home level of Deeploy's tiled lists, and the
# shared networks on the MCU targets under QEMU (skipped, with the reason, where their
# toolchains are missing). Compiled runtime objects are cached, so it takes minutes.
test: lint filecheck pytest

# a quicker loop while developing: without the `slow` repeats (double-buffered and L3
# sweeps of the integer networks, shared-data duplicates in the per-kernel files) and
# the full MCU sweeps
test-quick: lint filecheck pytest-quick

# kept for scripts that call it: `make test` runs everything now
test-full: test

# ruff; mypy (configured in pyproject.toml: the deeploy package); vulture's dead-code
# check (tests/vulture_whitelist.py lists the names only frameworks and users call)
lint:
	ruff check deeploy tests examples bench
	ruff format --check deeploy tests examples bench
	mypy
	vulture deeploy tests bench examples --min-confidence 60

filecheck:
	lit -v --order=smart tests/filecheck

pytest:
	$(PYTHON) -m pytest -n $(JOBS) -q -rsxf

pytest-quick:
	$(PYTHON) -m pytest -n $(JOBS) -q -rsxf -m "not slow and not mcu_full"

# every shared network on cortex-m4 and rv32 under QEMU, and every single-buffered L2
# budget of tiled-budgets.json on rv32 (needs the cross toolchains: see README)
test-mcu:
	$(PYTHON) -m pytest -n $(JOBS) -q -rsxf -m mcu_full tests/e2e/test_mcu_targets.py

format:
	ruff format deeploy tests examples bench
	ruff check --fix deeploy tests examples bench
