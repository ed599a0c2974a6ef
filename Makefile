# The two set-up commands: `make run` (demo service) and `make test` (the suite). See README.md.
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: run test lint install system-deps bench openapi

$(BIN)/python:
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# Debian packages the tests use: headless Chromium for the pages, a CJK font for their screenshots' Chinese.
system-deps:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium chromium-driver; }
	@dpkg -s fonts-noto-cjk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq fonts-noto-cjk; }

install: $(VENV)/.installed

# DEMO_MODE: without a SECRET_KEY of your own, the key made once in instance/secret_key (see README, Keys).
# seed-demo: a key for the demo camera's platform (vision) only while seeding, so the demo has camera alerts;
# the server started after it has none unless you set NONSITE_SENDER_KEYS yourself.
run: install
	DEMO_MODE=1 $(BIN)/flask --app wsgi migrate
	DEMO_MODE=1 NONSITE_SENDER_KEYS=$${NONSITE_SENDER_KEYS:-vision=demo-seeding-only} $(BIN)/flask --app wsgi seed-demo
	@echo "服务地址:   http://127.0.0.1:$(PORT)/api/health"
	@echo "管理端:     http://127.0.0.1:$(PORT)/console/   (演示账号 JA1001，密码 chengguan-demo)"
	@echo "接口文档:   http://127.0.0.1:$(PORT)/api/docs"
	@echo "OpenAPI:    http://127.0.0.1:$(PORT)/api/openapi.json"
	DEMO_MODE=1 SCHEDULER_MODE=$${SCHEDULER_MODE:-embedded} $(BIN)/gunicorn --workers 2 --worker-class gthread --threads 4 --bind 127.0.0.1:$(PORT) wsgi:app

test: install system-deps
	$(BIN)/pytest

# The linter CI runs first (configuration in pyproject.toml).
lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python -m bench

# The committed OpenAPI document (tests/test_openapi.py compares it with what the code generates).
openapi: install
	DEMO_MODE=1 $(BIN)/flask --app wsgi openapi write --format=json openapi.json
