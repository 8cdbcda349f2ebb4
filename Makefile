# Two entry points that work on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
EXAMPLE ?= sha256

.PHONY: run test fuzz bench bench-large softfp-campaign examples clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
# PYTHONWARNINGS: setuptools warns about every editable install; the warning is not ours to act on
	PYTHONWARNINGS=ignore $(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(VENV)/bin/zkaot run examples/$(EXAMPLE)/guest.rv64im.elf --input examples/$(EXAMPLE)/input.bin

test: $(VENV)/.installed
	$(PY) -m pytest -n 2

# The fuzz targets of tests/fuzzing.py with random seeds for SECONDS; each failing case (its
# file and how it was made) is written to FUZZ_OUT.  `make test` runs them on fixed seeds.
SECONDS ?= 600
FUZZ_OUT ?= fuzz-failures
fuzz: $(VENV)/.installed
	$(PY) tests/fuzzing.py --seconds $(SECONDS) --out $(FUZZ_OUT)

bench: $(VENV)/.installed
	$(PY) bench/interpreter.py
	$(PY) bench/translator.py
	$(PY) bench/prover_kernels.py
	$(PY) bench/prover.py
	$(PY) bench/riscv.py
	$(PY) bench/verify.py

# Lua and SQLite from Debian sources as rv64im/rv32im guests against their native twins (issue 11):
# installs the cross compiler, picolibc and qemu-user with apt-get, and takes about half an hour.
bench-large: $(VENV)/.installed
	$(PY) bench/large_programs.py

# The soft-float library against Berkeley SoftFloat, CASES random operand sets per operation and
# rounding mode (issue 13); writes bench/results/softfp_campaign.{json,md}.
CASES ?= 1000000
softfp-campaign: $(VENV)/.installed
	nice -n 19 $(PY) bench/softfp_campaign.py --cases $(CASES)

examples: $(VENV)/.installed
	$(PY) examples/build_all.py

clean:
	rm -rf $(VENV)
