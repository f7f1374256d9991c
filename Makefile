# Two commands: `make demo` and `make test`. Both set everything up first, idempotently:
# the virtual environment is rebuilt only when pyproject.toml changes.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.waterpatrol-installed
OUT    ?= out/demo

.PHONY: setup test demo bench clean browser vendor

setup: $(STAMP) browser

# --no-compile: pip would byte-compile all 12,600 files of torch and the rest up front; Python compiles
# the few thousand a run imports on first use and keeps them (about a minute less to set up).
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "waterpatrol needs Python >= 3.11, found " + sys.version.split()[0]'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -e '.[test]'
	@touch $@

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	rm -rf $(OUT)
	$(BIN)/waterpatrol demo --out $(OUT)

bench: $(STAMP)
	$(BIN)/python benchmarks/plan_bench.py

# The dashboard's browser tests drive Debian's chromium through its chromedriver (no test downloads a
# browser); a Chinese font lets its screenshots show the tickets' headlines.
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && [ -n "$$(fc-list :lang=zh 2>/dev/null)" ]; then :; else \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  echo "installing Debian's chromium, chromium-driver and fonts-wqy-zenhei (for the dashboard's browser tests)"; \
	  $$SUDO apt-get update -q && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	    chromium chromium-driver fonts-wqy-zenhei; \
	fi

# The map library the dashboard serves, copied from npm at the version package-lock.json pins. The copy
# is committed (the page and the tests need no npm); run this only to change the version.
VENDOR := controller/dashboard/static/vendor/leaflet
vendor:
	npm ci --no-audit --no-fund --ignore-scripts
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/images
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/LICENSE $(VENDOR)/
	cp node_modules/leaflet/dist/images/*.png $(VENDOR)/images/
	node -p 'require("./node_modules/leaflet/package.json").version' > $(VENDOR)/VERSION

clean:
	rm -rf $(VENV) out build *.egg-info
