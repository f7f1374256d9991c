# Two commands: `make demo` and `make test`. Both set everything up first, idempotently:
# the virtual environment is rebuilt only when pyproject.toml changes.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.waterpatrol-installed
OUT    ?= out/demo

.PHONY: setup test demo bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "waterpatrol needs Python >= 3.11, found " + sys.version.split()[0]'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

test: $(STAMP)
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	rm -rf $(OUT)
	$(BIN)/waterpatrol demo --out $(OUT)

bench: $(STAMP)
	$(BIN)/python benchmarks/plan_bench.py

clean:
	rm -rf $(VENV) out build *.egg-info
