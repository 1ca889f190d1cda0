# The documented path and the tested path are the same: the README and .ci/run both call these.
PYTHON ?= python
CARGO ?= cargo

.PHONY: install test test-rust test-python test-fast bench lint headless format

## Install bevy_gym (editable, with training and dev extras) and build bevy-dodge into the active environment.
install:
	$(PYTHON) -m pip install -e ".[train,dev]" ./game

## Every test: the game's cargo tests, then the Python tests against the real server.
test: test-rust test-python

test-rust:
	cd game && $(CARGO) test --all-targets
	cd game && $(CARGO) test --doc

## The Python suite's default tier: every test, against real servers, except those marked slow.
## `$(PYTHON) -m pytest -m slow` runs the slow tier (the million-step soak, learning runs).
test-python:
	$(PYTHON) -m pytest -q

## The Python tests that start no game server (protocol, launcher errors, legacy stand-in): seconds.
## A test that starts one must be marked `server` (tests/conftest.py fails it otherwise).
test-fast:
	$(PYTHON) -m pytest -q -m "not server and not slow"

## Benchmarks (figures, not pass/fail; a few minutes): one markdown table of every row of
## docs/performance.md, figures in benchmarks/results.json. Needs `make install` first.
bench:
	CARGO="$(CARGO)" $(PYTHON) benchmarks/run.py --json benchmarks/results.json

## Style gates: ruff, rustfmt, clippy; and the default build must stay headless.
lint: headless
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	cd game && $(CARGO) fmt --all --check
	cd game && $(CARGO) clippy --all-targets -- -D warnings

## Fails if the default build pulls in a renderer, windowing or audio/input stack.
headless:
	@cd game && if $(CARGO) tree -e normal --prefix none | grep -E '^(wgpu|winit|alsa|libudev|udev)'; then \
		echo "the default build must be headless (no wgpu, winit, alsa or udev)"; exit 1; \
	else echo "headless: no wgpu, winit, alsa or udev in the dependency tree"; fi

format:
	$(PYTHON) -m ruff format .
	cd game && $(CARGO) fmt --all
