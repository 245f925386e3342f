# Two entry points for a fresh machine: `make demo` and `make test`. Each creates .venv and
# installs what it needs (the demo needs no torch: the bundled model is pure numpy).
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q --disable-pip-version-check

.PHONY: demo test lint clean

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.base: pyproject.toml | $(PY)
	$(PIP) -e .
	touch $@

# torch==2.13.0 first: that pin takes the CPU build; an unpinned torch pulls a multi-GB CUDA one.
$(VENV)/.full: pyproject.toml | $(PY)
	$(PIP) torch==2.13.0
	$(PIP) -e '.[transformers,test]'
	touch $(VENV)/.base $@

demo: $(VENV)/.base
	$(VENV)/bin/pledgewatch demo

test: $(VENV)/.full
	$(PY) -m pytest -q

lint: $(VENV)/.full
	$(VENV)/bin/ruff check monitor storage seeds config eval tests bench

clean:
	rm -rf $(VENV) data
