# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATABASE_URL ?= sqlite:///var/licensing.db
export DATABASE_URL

.PHONY: run test bench serve-prod crash-run clean translations

# The one gettext catalogue (pages, forms, engine messages); see webapp/README.md "Translations".
CATALOGUES := webapp/translations
MO := $(patsubst %.po,%.mo,$(wildcard $(CATALOGUES)/*/LC_MESSAGES/messages.po))

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

%.mo: %.po | $(VENV)/.installed
	$(VENV)/bin/pybabel compile -i $< -o $@

## translations: extract every message id (babel.cfg) and update every language's catalogue;
## run and test compile the updated catalogues
translations: $(VENV)/.installed
	PYTHONPATH=. $(VENV)/bin/pybabel extract -F babel.cfg -o $(CATALOGUES)/messages.pot --no-location --sort-output \
		--project licensing --copyright-holder "Market Regulation Bureau" .
	$(VENV)/bin/pybabel update -i $(CATALOGUES)/messages.pot -d $(CATALOGUES) --no-fuzzy-matching \
		--ignore-obsolete --ignore-pot-creation-date

## run: migrate, load demo data, serve on http://127.0.0.1:5000
run: $(VENV)/.installed $(MO)
	$(PY) -m workflow demo
	$(PY) -m webapp

## test: the whole suite (PostgreSQL too when TEST_DATABASE_URL is set)
test: $(VENV)/.installed $(MO)
	$(PY) -m pytest -q -p no:cacheprovider

## serve-prod: gunicorn (gunicorn.conf.py) and timer workers on PostgreSQL (DATABASE_URL=postgresql://…)
serve-prod: $(VENV)/.installed
	$(PY) -m webapp.serve_prod

## crash-run: SIGKILL web and timer workers under load; every acknowledged write must survive
crash-run: $(VENV)/.installed
	$(PY) tests/reliability/crash_run.py

bench: $(VENV)/.installed
	$(PY) bench/engine.py

clean:
	rm -rf $(VENV) var
