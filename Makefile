# icafe: `make demo` runs the whole system locally; `make test` runs every check and test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck layers unit integration bench system-deps clean fuzz console console-api console-check

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "icafe needs Python >= 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Debian packages the local stack runs: Mosquitto and Redis (installed only when missing); Xvfb and the xcb
# libraries Qt's X11 platform needs (beyond PySide6's wheel) for the lock screen's tests on a real X server;
# Chromium for the console's browser tests; promtool (Debian's prometheus) checks the example alert rules.
system-deps:
	@missing=""; \
	command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || missing="$$missing mosquitto"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v Xvfb >/dev/null || missing="$$missing xvfb"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	/sbin/ldconfig -p | grep -q libxcb-cursor.so.0 || missing="$$missing libxcb-cursor0"; \
	/sbin/ldconfig -p | grep -q libxcb-icccm.so.4 || missing="$$missing libxcb-icccm4"; \
	/sbin/ldconfig -p | grep -q libxcb-keysyms.so.1 || missing="$$missing libxcb-keysyms1"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# The admin console (admin_web/): npm ci when the lock changed, vite build when a source changed.
console: $(STAMP)
	admin_web/scripts/console.sh build

# Regenerate the console's API types from the hub's OpenAPI document (commit the result).
console-api: $(STAMP)
	admin_web/scripts/console.sh api-types

# The committed API types match the hub; tsc --noEmit, ESLint, Vitest.
console-check: $(STAMP)
	admin_web/scripts/console.sh check

demo: $(STAMP) system-deps console
	$(BIN)/icafe demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

integration: $(STAMP) system-deps
	$(BIN)/pytest -q tests/integration

# The console is installed and built first; then the static checks run side by side (mypy beside the
# console's tsc, ESLint and Vitest, a minute less on two cores), then the tests.
test: $(STAMP) system-deps console
	$(MAKE) --no-print-directory -j4 --output-sync=target lint typecheck layers console-check
	$(BIN)/pytest -q -n 4 --dist loadfile --no-loadscope-reorder

# schemathesis over the served OpenAPI document, against a stack of its own (tests/fuzz.py); installed into
# the venv on first use. FUZZ_ARGS="--max-examples 200 --seed 1" to change the run.
FUZZ_STAMP := $(VENV)/.fuzz-installed
$(FUZZ_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[fuzz]"
	touch $(FUZZ_STAMP)

fuzz: $(FUZZ_STAMP) system-deps
	$(BIN)/python tests/fuzz.py $(FUZZ_ARGS)

bench: $(STAMP) system-deps
	$(BIN)/python -m bench.ingest

clean:
	rm -rf $(VENV) .data .mypy_cache .ruff_cache .pytest_cache admin_web/node_modules admin_web/dist
