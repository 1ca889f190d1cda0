# The documented path and the tested path are the same: the README and .ci/run both call these.
# Every target works from a fresh clone with no environment activated: the first one that needs
# Python creates $(VENV) and installs into it (again only when a Python or Rust source changes).
# To use another environment: `make test VENV=/path/to/venv`.
VENV ?= .venv
BOOTSTRAP_PYTHON ?= python3
PYTHON := $(VENV)/bin/python
CARGO ?= cargo
# The game servers, each a pip-installable crate that puts its binary on the venv's PATH.
GAMES := ./game ./game/tag
# Their extension modules, the in-process backend (backend="native"): one abi3 wheel per game.
NATIVE := ./game/dodge/native ./game/tag/native
INSTALLED := $(VENV)/.bevy_gym-installed
RLLIB_INSTALLED := $(VENV)/.bevy_gym-rllib-installed
CAMERA_INSTALLED := $(VENV)/.bevy_gym-camera-installed
# The games' windowed views (each game's cargo feature `viewer`, on the bevy_gym_view crate).
VIEWERS := $(VENV)/bin/bevy-dodge-view $(VENV)/bin/bevy-tag-view
# apt-get needs root: through sudo unless we are root already (as in containers and CI).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SOURCES := pyproject.toml $(shell find game -path '*/target' -prune -o \( -name '*.rs' -o \
	-name Cargo.toml -o -name Cargo.lock -o -name pyproject.toml \) -print 2>/dev/null)

.PHONY: install train test test-rust test-python test-fast bench lint headless format rllib \
	train-rllib test-rllib viewer viewer-deps test-viewer lint-viewer template template-view \
	camera test-camera

## Create $(VENV) if missing, then install bevy_gym (editable, with training and dev extras) and
## build every game server (bevy-dodge, bevy-tag) and its extension module (bevy_dodge_native,
## bevy_tag_native: backend="native") into it. The extensions share the servers' build of Bevy
## and the game: docs/native.md measures what they add.
install: $(INSTALLED)

$(INSTALLED): $(SOURCES)
	test -x $(PYTHON) || $(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install -e ".[train,dev]" $(GAMES) $(NATIVE)
	touch $@

## The main job: SAC on dodge (extra arguments: make train ARGS="--total-timesteps 3000").
train: install
	$(PYTHON) algos/sac_continuous.py --env dodge $(ARGS)

## Ray RLlib (the `rllib` extra) in the same environment: Ray pins gymnasium 1.2.2, so pip moves
## it there; bevy_gym and its tests support it (test-rllib runs them all on it).
rllib: $(RLLIB_INSTALLED)

$(RLLIB_INSTALLED): $(INSTALLED)
	$(PYTHON) -m pip install -e ".[train,dev,rllib]"
	touch $@

## PPO on RLlib across env runners (extra arguments: make train-rllib ARGS="--iterations 1").
train-rllib: rllib
	$(PYTHON) algos/ppo_rllib.py --env dodge $(ARGS)

## The Python suite with Ray installed: the RLlib tests (a two-node Ray cluster on this machine)
## and every other test on Ray's gymnasium, but for the repeated training runs (marked `retrain`:
## kill and resume, other games, exported policies): each script still trains once on it here, and
## `make test` runs them all. They were 5.6 of the 8.7 minutes this suite took a second time.
test-rllib: rllib
	$(PYTHON) -m pytest -q -m "not slow and not retrain"

## The system packages the 3D viewer needs (Debian/Ubuntu names): a C toolchain and pkg-config to
## build it; the X11 client libraries, Vulkan's loader and Mesa's Vulkan drivers (lavapipe renders
## without a GPU) to run it; Xvfb and xauth for a virtual display (`xvfb-run`).
viewer-deps:
	$(SUDO) apt-get update
	$(SUDO) apt-get install -y --no-install-recommends build-essential pkg-config libx11-dev \
		libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0 libvulkan1 mesa-vulkan-drivers xvfb xauth

## The games' 3D views, `bevy-dodge-view` and `bevy-tag-view` (each game's cargo feature `viewer`,
## a scene on the bevy_gym_view crate's window), installed beside the servers. A cold build of the
## rendering stack takes 10 to 25 minutes on 2 cores; the second view reuses it. Stripped of their
## debug line tables (460 MB with them), the binaries are about 80 MB each.
viewer: $(VIEWERS)

$(VENV)/bin/bevy-%-view: $(INSTALLED) $(SOURCES)
	cd game && $(CARGO) install --locked --force --path $* --features viewer \
		--bin bevy-$*-view --root "$(abspath $(VENV))"
	strip $@

## The camera sensor (`--image-source camera`; in Python `image_source="camera"`): bevy-dodge
## rebuilt with dodge's 3D scene rendered as the agents' images by Bevy, with no window, over the
## headless one `make install` put in $(VENV). Built with the views' cargo features (`viewer`,
## which includes `camera`), so one build of Bevy's render crates serves both. Needs Vulkan (Mesa's
## software driver renders without a GPU): `make viewer-deps`. `make install` puts the headless
## bevy-dodge back when the sources change; this target then rebuilds it.
camera: $(CAMERA_INSTALLED)

$(CAMERA_INSTALLED): $(INSTALLED) $(SOURCES)
	cd game && $(CARGO) install --locked --force --path dodge --features viewer --bin bevy-dodge \
		--root "$(abspath $(VENV))"
	strip $(VENV)/bin/bevy-dodge
	touch $@

## The camera sensor's tests, with no display: the sensor on a minimal game (layout, the state
## after the step, warm-up, grey, the start-up error without a Vulkan driver), then dodge's camera
## images through Python (shape, the 3D scene, the same images from two processes).
test-camera: camera
	cd game && env -u DISPLAY $(CARGO) test --locked --release -p bevy_gym_server -p bevy_gym_view \
		--features bevy_gym_view/window --lib --test sensor
	env -u DISPLAY BEVY_GYM_REQUIRE_CAMERA=1 $(PYTHON) -m pytest -q -m camera

## The viewer's tests, under a virtual display with Mesa's software Vulkan (lavapipe).
## (The simulation side of the views, bevy_gym_view without `window`, is headless: `make test`
## covers it.)
test-viewer: viewer template-view
	BEVY_GYM_REQUIRE_VIEWER=1 xvfb-run -a -s "-screen 0 1280x720x24" \
		$(PYTHON) -m pytest -q -m viewer

## Style gates of the views' code, the template's included (a separate build: the default one
## never compiles it).
lint-viewer: viewer
	cd game && $(CARGO) clippy --locked -p bevy_gym_server -p bevy_gym_view -p bevy_gym_dodge -p bevy_gym_tag \
		--features bevy_gym_view/window,bevy_gym_dodge/viewer,bevy_gym_tag/viewer \
		--all-targets -- -D warnings
	$(copy_template)
	$(TEMPLATE_CARGO) clippy --locked --features viewer --all-targets -- -D warnings

## Every test: the games' cargo tests, then the Python tests against the real servers.
test: install test-rust test-python

## In the release profile: the tests then share every dependency that `make install` (and the
## template) build, where a debug build compiled them all a second time (4 min 50 s of a cold CI
## run on 2 cores; the release build of the workspace's tests, dependencies shared: 2 min 17 s with
## a training run beside it).
test-rust:
	cd game && $(CARGO) test --release --all-targets
	cd game && $(CARGO) test --release --doc

## The Python suite's default tier: every test, against real servers, except those marked slow.
## `$(PYTHON) -m pytest -m slow` runs the slow tier (the million-step soak, learning runs).
test-python: install
	$(PYTHON) -m pytest -q

## The Python tests that start no game server (protocol, launcher errors, legacy stand-in): seconds.
## A test that starts one must be marked `server` (tests/conftest.py fails it otherwise).
test-fast: install
	$(PYTHON) -m pytest -q -m "not server and not slow"

## The game template, examples/my_game, tested as a user uses it: copied out of the repository
## (to TEMPLATE_COPY), its plugin dependency pointed at this clone's game/server, built and tested
## with its own Cargo.lock, `pip install`ed into $(VENV) with its extension module (native/:
## backend="native"), then PettingZoo's and Gymnasium's checkers (tests/test_template.py, the
## guide's Python, tests/test_games.py's suites), its HTTP/native parity (tests/test_native.py)
## and both training scripts on it. The game stays installed, so later test runs cover it too.
TEMPLATE_COPY ?= /tmp/bevy_gym-my_game
# Its builds share the workspace's target dir (unless CARGO_TARGET_DIR says another), as a user's
# repository has its own: the dependencies they share are built once.
TEMPLATE_CARGO = cd "$(TEMPLATE_COPY)" && CARGO_TARGET_DIR="$${CARGO_TARGET_DIR:-$(abspath game/target)}" $(CARGO)
define copy_template
	rm -rf "$(TEMPLATE_COPY)"
	mkdir -p "$(dir $(TEMPLATE_COPY))"
	cp -r examples/my_game "$(TEMPLATE_COPY)"
	rm -rf "$(TEMPLATE_COPY)/target"
	sed -i 's|path = "../../game/|path = "$(abspath game)/|' "$(TEMPLATE_COPY)/Cargo.toml"
	sed -i 's|path = "../../../game/|path = "$(abspath game)/|' "$(TEMPLATE_COPY)/native/Cargo.toml"
endef
template: install
	$(copy_template)
	$(TEMPLATE_CARGO) test --locked --release
	$(PYTHON) -m pip install --quiet "$(TEMPLATE_COPY)" "$(TEMPLATE_COPY)/native"
	BEVY_GYM_REQUIRE_TEMPLATE=1 $(PYTHON) -m pytest -q tests/test_template.py tests/test_guide.py
	$(PYTHON) -m pytest -q tests/test_games.py tests/test_native.py -k my_game
	$(PYTHON) algos/sac_continuous.py --env my_game --total-timesteps 3000 --learning-starts 1000
	$(PYTHON) algos/dqn.py --env my_game --total-timesteps 3000 --learning-starts 1000

## The template's window, `my-game-view` (its cargo feature `viewer`, a scene on bevy_gym_view),
## built from a fresh copy as `make template` builds the game, and installed beside `my-game`.
template-view: viewer
	$(copy_template)
	$(TEMPLATE_CARGO) install --locked --force --path . --features viewer --bin my-game-view \
		--root "$(abspath $(VENV))"
	strip $(VENV)/bin/my-game-view

## Benchmarks (figures, not pass/fail; a few minutes): one markdown table of every row of
## docs/performance.md, figures in benchmarks/results.json.
bench: install
	CARGO="$(CARGO)" $(PYTHON) benchmarks/run.py --json benchmarks/results.json

## Style gates: ruff, rustfmt, clippy; and the default build must stay headless.
lint: install headless
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	cd game && $(CARGO) fmt --all --check
	cd game && $(CARGO) clippy --all-targets -- -D warnings
	cd game && PYO3_PYTHON="$(abspath $(PYTHON))" $(CARGO) clippy --locked -p bevy_gym_native \
		-p bevy_gym_dodge_native -p bevy_gym_tag_native --all-targets -- -D warnings
	$(CARGO) fmt --all --manifest-path examples/my_game/Cargo.toml --check

## Fails if the default build pulls in a renderer, windowing or audio/input stack.
headless:
	@cd game && if $(CARGO) tree -e normal --prefix none | grep -E '^(wgpu|winit|alsa|libudev|udev)'; then \
		echo "the default build must be headless (no wgpu, winit, alsa or udev)"; exit 1; \
	else echo "headless: no wgpu, winit, alsa or udev in the dependency tree"; fi

format: install
	$(PYTHON) -m ruff format .
	cd game && $(CARGO) fmt --all
	$(CARGO) fmt --all --manifest-path examples/my_game/Cargo.toml
