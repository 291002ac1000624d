# landuse: `make demo` runs the main job on the embedded data, `make test` runs the tests.
# Each target bootstraps .venv from pyproject.toml when it is missing or stale.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out

.PHONY: demo test bench chromium qgis clean data lock

# Installs the pinned versions of constraints.txt, so a new release of a dependency cannot
# turn CI red overnight; `make lock` refreshes the pins on purpose.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

# Re-resolve every dependency to its newest allowed version and pin the result.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e ".[test]"
	{ echo "# Pinned versions for make test / make demo / CI (users get the ranges in pyproject.toml)."; \
	  echo "# Refresh deliberately with 'make lock' (resolves the newest versions, then run make test)."; \
	  .venv-lock/bin/python -m pip freeze --exclude-editable | grep -v '^landuse'; } > constraints.txt
	rm -rf .venv-lock

demo: $(STAMP)
	$(BIN)/landuse demo --out $(OUT)

# Browser tests need Debian's chromium; install it when missing (root, package registry only).
# Locally a failed install only skips those tests; in CI (CI=true) it fails the run.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium + chromium-driver for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	  || { echo "could not install chromium: browser tests would be skipped"; [ "$${CI:-}" != "true" ]; }; }

# The QGIS tests open the output GeoPackages in Debian's QGIS through its python3 (qgis.core);
# install qgis + python3-qgis when missing. Locally a failed install only skips them; in CI it fails.
qgis:
	@/usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1 || { \
	  echo "installing Debian qgis + python3-qgis for the QGIS tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qgis python3-qgis >/dev/null) \
	  || { echo "could not install qgis: QGIS tests would be skipped"; [ "$${CI:-}" != "true" ]; }; }

test: $(STAMP) chromium qgis
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_conflicts.py
	$(BIN)/python benchmarks/bench_access_car.py
	$(BIN)/python benchmarks/bench_access_transit.py
	$(BIN)/python benchmarks/bench_access_trend.py

# Rebuild the embedded data from ../shared/data (developers only).
data: $(STAMP)
	$(BIN)/python -m landuse._build_data --shared ../shared/data

clean:
	rm -rf $(OUT) .pytest_cache
