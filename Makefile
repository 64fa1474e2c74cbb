# SPDX-License-Identifier: GPL-2.0-or-later
# The fork's thin top-level driver; scripts/fork/ does the work.
#
#   make            our qemu-system-aarch64 -> build/qemu-system-aarch64
#   make baseline   the unmodified base, same configuration
#                   -> build/qemu-system-aarch64-baseline
#   make check      both, then the unit tests (ours only), then every suite
#                   on both; ends "N passed, N failed"
#   make demo       boot Linux on the nested SMMU, then iommufd nesting
#                   (DEMO=boot|nested|dirty|ats for one part; see README.rst)
#   make bench      translation cost, ours against the baseline
#                   (BENCH_REPS=N, BENCH_LINUX_REPS=N boots of workload 5)
#   make install    our binary and docs under $(DESTDIR)$(PREFIX)
#                   (PREFIX=/usr/local by default)
#   make fuzz       build the SMMUv3 fuzz target (clang, libFuzzer, ASan,
#                   UBSan, in build/fuzz) and fuzz for FUZZ_SECONDS (300);
#                   findings and their reproducers in build/fuzz/artifacts
#   make fuzz-coverage  lines of hw/arm/smmu/ the fuzz corpus reaches

.DEFAULT_GOAL := all
.PHONY: all baseline check demo bench install fuzz fuzz-coverage clean \
    distclean

include build/config.mk

# Created only when missing: rerun ./configure yourself to change settings.
build/config.mk:
	./configure

export BASE_DIR DEBUG_INFO EXTRA_CFLAGS CACHE_DIR SANITIZE
# ./configure --sanitize: both flavours with ASan + UBSan, in build/*-san
SAN := $(if $(filter yes,$(SANITIZE)),-san)
OURS_OBJ := build/ours$(SAN)/obj
BASELINE_OBJ := build/baseline$(SAN)/obj
# ours and baseline share one object cache: their trees differ only in our
# SMMU files, and both sit at build/<flavour>/{src,obj}.
export CCACHE_DIR := $(CACHE_DIR)/ccache
export CCACHE_BASEDIR := $(CURDIR)/build
export CCACHE_NOHASHDIR := 1
export CCACHE_MAXSIZE := 5G

# What make check runs, by meson test name, on both flavours: our qtests
# (registered by patches/infra/0001) and our functional tests
# (tests/functional/aarch64/test_smmuv3_*.py, patches/infra/0004); and,
# on ours only, the unit tests of our SMMU engine (meson suite "smmu").
QTESTS := $(sort $(notdir $(basename $(wildcard tests/qtest/*-test.c))))
QTEST_TARGETS := $(addprefix tests/qtest/,$(QTESTS))
FUNC_TESTS := $(sort $(patsubst test_%,%,$(notdir $(basename \
    $(wildcard tests/functional/aarch64/test_smmuv3_*.py)))))
UNITS := $(sort $(notdir $(basename $(wildcard tests/unit/smmu/test-*.c))))
UNIT_TARGETS := $(addprefix tests/unit/smmu/,$(UNITS))
comma := ,
tests_of = $(subst $(eval) ,$(comma),$(strip $(1)))
CHECK_TESTS := $(call tests_of,$(addprefix qtest-aarch64/,$(QTESTS)) \
    $(addprefix func-aarch64-,$(FUNC_TESTS)))
# The e2e tests' package and the base's qemu.machine, for make demo/bench
E2E_PY := $(BASE_DIR)/python:$(CURDIR)/tests/functional/aarch64

all:
	scripts/fork/build.sh ours

baseline:
	scripts/fork/build.sh baseline

check:
	scripts/fork/build.sh ours $(QTEST_TARGETS) $(UNIT_TARGETS)
	scripts/fork/build.sh baseline $(QTEST_TARGETS)
	@# e2e-nesting's kernel: a no-op once cached, minutes the first time
	@# (longer than a suite's time limit); on failure the suite says why.
	PYTHONPATH=$(E2E_PY) python3 -m smmu_e2e.kernel >/dev/null || true
	python3 scripts/fork/check.py --log-dir build/check-logs \
	    $(if $(SAN),--timeout-multiplier 10) \
	    ours=$(OURS_OBJ):@smmu,$(CHECK_TESTS) \
	    baseline=$(BASELINE_OBJ):$(CHECK_TESTS)

# make demo [DEMO=all|boot|nested|dirty|ats] [KERNEL=/path/to/Image] [INITRD=...]
#           [STAGE=1|2|nested]
KERNEL ?=
INITRD ?=
DEMO ?= all
STAGE ?= nested
demo:
	scripts/fork/build.sh ours
	PYTHONPATH=$(E2E_PY) python3 -m smmu_e2e.demo \
	    $(CURDIR)/build/qemu-system-aarch64 --part $(DEMO) --stage $(STAGE) \
	    $(if $(KERNEL),--kernel $(KERNEL)) $(if $(INITRD),--initrd $(INITRD))

BENCH_REPS ?= 5
BENCH_LINUX_REPS ?= 3
bench:
	scripts/fork/build.sh ours tests/qtest/smmuv3-bench
	scripts/fork/build.sh baseline tests/qtest/smmuv3-bench
	PYTHONPATH=$(E2E_PY) python3 scripts/fork/bench.py --reps $(BENCH_REPS) \
	    --linux-reps $(BENCH_LINUX_REPS) \
	    --flavour ours=$(OURS_OBJ) --flavour baseline=$(BASELINE_OBJ)

# make fuzz [FUZZ_SECONDS=N]: see scripts/fork/fuzz.sh and README.rst
FUZZ_SECONDS ?= 300
fuzz:
	scripts/fork/build.sh fuzz
	scripts/fork/fuzz.sh run $(FUZZ_SECONDS)

fuzz-coverage:
	scripts/fork/build.sh fuzz
	scripts/fork/fuzz.sh coverage

# The binary is relocatable: installed in PREFIX/bin, it looks for data and
# firmware in PREFIX/share/qemu and PREFIX/share/qemu-firmware, then in
# Debian's /usr/share/qemu and /usr/lib/ipxe/qemu (ipxe-qemu, qemu-efi-aarch64).
PREFIX ?= /usr/local
DESTDIR ?=
DOCS := README.rst docs/system/arm/smmuv3.rst docs/devel/smmuv3-model.rst \
    docs/devel/smmuv3-conformance.rst docs/devel/smmuv3-bench.rst
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/qemu \
	    $(DESTDIR)$(PREFIX)/share/qemu-firmware \
	    $(DESTDIR)$(PREFIX)/share/doc/qemu-smmuv3-fork
	install -m 755 $(OURS_OBJ)/qemu-system-aarch64 $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(DOCS) $(DESTDIR)$(PREFIX)/share/doc/qemu-smmuv3-fork/

clean:
	rm -rf build/ours/obj build/baseline/obj build/ours-san/obj \
	    build/baseline-san/obj build/check-logs build/fuzz/obj
	rm -f build/qemu-system-aarch64 build/qemu-system-aarch64-baseline \
	    build/qemu-fuzz-aarch64

distclean:
	rm -rf build
