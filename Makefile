# Two commands: `make demo` and `make test`. Both build .venv on first use.
# TORCH_SPEC picks the torch build; the default is the CPU wheel. A GPU user
# runs e.g. `make demo TORCH_SPEC="torch==2.5.1 --index-url https://download.pytorch.org/whl/cu124"`
# or installs their own torch into .venv before the first make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH_SPEC ?= torch==2.13.0
DEMO_OUT ?= out/demo

.PHONY: demo test install browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q $(TORCH_SPEC)
	$(BIN)/pip install -q -e '.[all,test]'
	# Blender as a module, for the headless BVH/glTF import tests. It declares numpy<2
	# but runs with numpy 2, so it goes in without its dependencies.
	$(BIN)/pip install -q --no-deps bpy==4.5.0 zstandard requests
	touch $@

install: $(VENV)/.installed

# OMP_WAIT_POLICY=PASSIVE: idle OpenMP threads (numba's, torch's) sleep instead of
# spinning, which otherwise slows torch several times over on two cores.
demo: install
	OMP_WAIT_POLICY=PASSIVE $(BIN)/interx demo --out $(DEMO_OUT)

# Chromium from the system packages, for the viewer's headless-browser test
# (Playwright drives it by path; it never downloads a browser of its own).
browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium) \
		|| echo "could not install chromium (needs root and apt): the headless-browser test will be skipped"

test: install browser
	MKL_CBWR=COMPATIBLE OMP_WAIT_POLICY=PASSIVE $(BIN)/python -m pytest -q tests

clean:
	rm -rf $(VENV) out
