# The documented path and the tested path are the same: the README and .ci/run both call these.
PYTHON ?= python
CARGO ?= cargo

.PHONY: install test test-rust test-python bench lint format

## Install bevy_gym (editable, with training and dev extras) and build bevy-dodge into the active environment.
install:
	$(PYTHON) -m pip install -e ".[train,dev]" ./game

## Every test: the game's cargo tests, then the Python tests against the real server.
test: test-rust test-python

test-rust:
	cd game && $(CARGO) test --all-targets

test-python:
	$(PYTHON) -m pytest -q

## Benchmarks (figures, not pass/fail): the server's in-process step cost.
bench:
	cd game && $(CARGO) bench --bench step_cost

## Style gates: ruff, rustfmt, clippy.
lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	cd game && $(CARGO) fmt --all --check
	cd game && $(CARGO) clippy --all-targets -- -D warnings

format:
	$(PYTHON) -m ruff format .
	cd game && $(CARGO) fmt --all
