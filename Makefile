# Two entry points for a fresh machine: `make demo` and `make test`. Each creates .venv and
# installs what it needs (the demo needs no torch: the bundled model is pure numpy).
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q --disable-pip-version-check

CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test lint clean browser

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.base: pyproject.toml | $(PY)
	@echo "installing Pledgewatch into $(VENV) (a minute or two, once)..."
	$(PIP) -e .
	touch $@

# torch==2.13.0 first: that pin takes the CPU build; an unpinned torch pulls a multi-GB CUDA one.
$(VENV)/.full: pyproject.toml | $(PY)
	@echo "installing Pledgewatch, torch (CPU) and the test tools into $(VENV) (a few minutes, once)..."
	$(PIP) torch==2.13.0
	$(PIP) -e '.[transformers,test]'
	touch $(VENV)/.base $@

demo: $(VENV)/.base
	$(VENV)/bin/pledgewatch demo

# The real-browser tests drive Debian's Chromium: installed here when missing and we are root
# (CI); otherwise those tests are skipped unless PLEDGEWATCH_REQUIRE_BROWSER=1.
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else echo "no $(CHROMIUM): browser tests skipped (apt-get install chromium)"; fi; \
	fi

test: $(VENV)/.full browser
	$(PY) -m pytest -q

lint: $(VENV)/.full
	$(VENV)/bin/ruff check monitor storage seeds config eval tests bench

clean:
	rm -rf $(VENV) data
