# The README's two commands. Each does its own set-up on a fresh machine.
#   make run   - the main job on the built-in default
#   make test  - the default test suite
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.lrkit-installed
OUT    ?= lrkit-out

.PHONY: run test bench clean

$(STAMP): pyproject.toml constraints.txt benchmarks/dev/requirements-fastai.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[all,dev,peers]'
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -r benchmarks/dev/requirements-fastai.txt
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/lrkit find --out $(OUT)
	$(VENV)/bin/lrkit lab --out $(OUT)/lab
	@echo "finder report: $(OUT)/report.html"
	@echo "lab report:    $(OUT)/lab/report.html"

test: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadgroup

# Every benchmark, each writing its section of BENCHMARKS.md (ground truth is cached in
# benchmarks/results/, so reruns are cheap). Long: run on an otherwise idle machine.
BENCHES := bench_schedules lr_sensitivity finder_regret finder_overhead diagnose_accuracy no_tuning \
           tune_efficiency
bench: $(STAMP)
	for b in $(BENCHES); do $(PY) benchmarks/$$b.py || exit 1; done

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis build src/*.egg-info
