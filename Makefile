# ecq-scan — two commands on a fresh machine:
#   make demo   set up everything, then scan the bundled demo shop
#   make test   set up everything, then run the whole test suite
# Set-up is idempotent: a virtual environment in .venv and the package with its dev tools.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: docs accuracy setup demo test lint typecheck bench bench-render clean browser services

setup: $(STAMP) browser

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# A browser for rendering (crawl/browser.py). Browser downloads (`playwright install`) do not work
# on our machines, so when no Chromium/Chrome is on PATH (and ECQ_BROWSER is unset) and we are
# root with apt-get, install Debian's chromium; CJK fonts too, or screenshots show empty boxes.
# Best effort: when it cannot install, it says so and scans run with static checks only.
BROWSERS := chromium chromium-browser google-chrome google-chrome-stable

browser:
	@have=""; for b in $(BROWSERS); do command -v $$b >/dev/null 2>&1 && have=$$b && break; done; \
	[ -n "$$ECQ_BROWSER" ] && have="$$ECQ_BROWSER"; \
	want=""; [ -z "$$have" ] && want="chromium"; \
	if command -v fc-list >/dev/null 2>&1 && [ -z "$$(fc-list :lang=zh 2>/dev/null)" ]; then \
		want="$$want fonts-noto-cjk"; \
	elif [ -n "$$want" ]; then want="$$want fonts-noto-cjk"; fi; \
	if [ -z "$$want" ]; then exit 0; fi; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "browser: installing $$want (Debian packages) for rendering"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$want; } \
		|| echo "note: could not install $$want; scans still run, checks that need a browser report error"; \
	else \
		echo "note: missing $$want and cannot install it here (needs root and apt-get);"; \
		echo "      scans still run; install chromium or set ECQ_BROWSER to render pages"; \
	fi

# Services the tests start on loopback: redis-server is the task-queue broker the chaos test D5
# drives real Celery workers through. Best effort like the browser: without it that test skips
# and says why (the goal line then shows chaos 5/6).
services:
	@command -v redis-server >/dev/null 2>&1 && exit 0; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "services: installing redis-server (Debian package) for the task-queue tests"; \
		{ DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null 2>&1 || \
		  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; }; } \
		|| echo "note: could not install redis-server; the task-queue chaos test will skip"; \
	else \
		echo "note: redis-server missing and cannot be installed here; the task-queue chaos test will skip"; \
	fi

demo: setup
	$(BIN)/ecq-scan demo

test: setup services
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck:
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/crawl_bench.py

bench-render: setup
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/render_bench.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache bench/out

# Regenerate the README checks table and docs/coverage.md from the catalogue (tests check both).
docs: setup
	$(BIN)/ecq-scan checks coverage --format markdown > docs/coverage.md
	$(BIN)/python -c "import re,subprocess,pathlib; p=pathlib.Path('README.md'); t=subprocess.run(['$(BIN)/ecq-scan','checks','list','--format','markdown'],capture_output=True,text=True,check=True).stdout.strip(); s=p.read_text('utf-8'); p.write_text(re.sub(r'(<!-- checks:begin[^>]*-->\n).*?(\n<!-- checks:end -->)', lambda m: m.group(1)+t+m.group(2), s, flags=re.S), 'utf-8')"

# Precision and recall per check and per disclosure key on the labelled corpus (prints only).
accuracy: setup
	$(BIN)/python bench/accuracy.py
