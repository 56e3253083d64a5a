# relgraph: make install | demo | compile | test | lint | bench
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install system-deps demo compile test lint format bench clean images images-lock manifests-check

install: $(STAMP)

# torch first: `torch==2.13.0` resolves to the CPU wheel on disk; anything else could pull a
# multi-GB CUDA build. The stamp makes a repeated `make install` a no-op until pyproject changes.
$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian tools the project uses: graphviz renders schema diagrams; PostgreSQL serves the SQL
# source tests. Best effort: without root or apt the features degrade and say so.
system-deps:
	@missing=""; \
	command -v dot >/dev/null 2>&1 || missing="$$missing graphviz"; \
	{ command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; } || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO="sudo -n"; \
	  ( $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null ) \
	    || echo "warning: could not install$$missing; diagrams stay .dot files and PostgreSQL tests install on demand or skip"; \
	fi

demo: install
	$(BIN)/relgraph demo

# The compiled pipelines committed beside their sources (pipelines/<name>.yaml), for the
# Kubeflow Pipelines UI; tests/pipelines checks that they are current.
compile: install
	$(BIN)/python -c "from relgraph.pipelines import compile_all; compile_all('pipelines')"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest -q

BENCHES := schema_inference graph sampler tasks

# Every benchmark prints its figures and writes them to .relgraph/bench/<name>.json.
bench: install
	mkdir -p .relgraph/bench
	for name in $(BENCHES); do $(BIN)/python bench/$$name.py --json .relgraph/bench/$$name.json || exit 1; done

# Component images (images/): builds and pushes them where Docker exists (PUSH=no: build only);
# elsewhere prints the exact `docker build` commands, tagged from the package version.
PUSH ?= yes
images: install
	$(BIN)/python images/build.py $(if $(filter no,$(PUSH)),--no-push)

# Re-pins images/constraints.txt to this environment's runtime dependency closure.
images-lock: install
	$(BIN)/python images/lock.py

# Renders every kustomize overlay and validates it offline against the Kubernetes API schemas.
manifests-check: install
	@for overlay in manifests/overlays/*/; do \
	  out=$$(mktemp) && kubectl kustomize "$$overlay" > "$$out" \
	  && $(BIN)/kubernetes-validate --strict --quiet "$$out" \
	  && echo "$$overlay: valid" && rm -f "$$out" || { rm -f "$$out"; exit 1; }; \
	done

clean:
	rm -rf $(VENV) .relgraph .pytest_cache .ruff_cache
