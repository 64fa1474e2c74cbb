#!/bin/sh
# Run the SMMUv3 fuzz target (generic-fuzz-smmuv3, patches/infra/0005) built
# by 'build.sh fuzz', and report what it found.
#
# Usage: fuzz.sh run SECONDS   fuzz for SECONDS with one libFuzzer worker,
#                              then the reproducers and the coverage
#        fuzz.sh coverage      run the corpus once; coverage of hw/arm/smmu/
#        fuzz.sh repro FILE... qtest reproducers of fuzz inputs
#
# Everything lands in build/fuzz: corpus/ (the inputs libFuzzer keeps,
# seeded by tests/qtest/fuzz/smmuv3-seeds.py), artifacts/ (crash-*, leak-*,
# timeout-*, oom-* inputs, each with FILE.qtest, the qtest command sequence
# that reproduces it, and FILE.sh, that sequence fed to qemu-system-aarch64),
# fuzz.log, coverage.txt.
# Environment: FUZZ_RSS_MB (memory limit, default 4096), FUZZ_TIMEOUT
# (seconds before an input is a hang, default 30).
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
prog=fuzz
. "$repo/scripts/fork/lib.sh"

out=$repo/build/fuzz
bin=$out/obj/qemu-fuzz-aarch64
target=generic-fuzz-smmuv3
oss_fuzz=$out/src/scripts/oss-fuzz
[ -x "$bin" ] || die "no $bin: run 'make fuzz' (or scripts/fork/build.sh fuzz)"

# Sanitizer reports: ASan and LSan end the input as a crash; UBSan prints
# and goes on, so one report does not hide the next (they are counted from
# fuzz.log).
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1:detect_stack_use_after_return=0
export LSAN_OPTIONS=suppressions=$oss_fuzz/lsan_suppressions.txt
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=0

llvm_tool() {
    for t in "$1" "$1-19" "$1-16" "$1-15" "$1-14"; do
        command -v "$t" >/dev/null 2>&1 && { echo "$t"; return 0; }
    done
    die "$1 not found (Debian: package llvm)"
}

# coverage_report PROFRAW...: lines of hw/arm/smmu/ reached, per file and
# in total, into coverage.txt.
coverage_report() {
    "$(llvm_tool llvm-profdata)" merge -sparse -o "$out/fuzz.profdata" "$@"
    rm -f "$@"
    # Columns of llvm-cov report: Filename, Regions, Missed Regions, Cover,
    # Functions, Missed Functions, Executed, Lines, Missed Lines, Cover, ...
    "$(llvm_tool llvm-cov)" report "$bin" -instr-profile="$out/fuzz.profdata" |
        awk '$1 ~ /hw\/arm\/smmu\// {
                 sub(/.*hw\/arm\/smmu\//, "hw/arm/smmu/", $1)
                 printf "%-32s %5d / %5d lines\n", $1, $8 - $9, $8
                 lines += $8; missed += $9
             }
             END {
                 printf "hw/arm/smmu/ lines reached: %d / %d (%.1f%%)\n",
                        lines - missed, lines,
                        lines ? 100 * (lines - missed) / lines : 0
             }' > "$out/coverage.txt"
    cat "$out/coverage.txt"
}

# The QEMU options the target starts with, less its own qtest ones (printed
# with QTEST_LOG, on stdout, which a crash would leave unflushed: taken
# from a run of an empty input).
qemu_args() {
    if [ ! -s "$out/qemu-args" ]; then
        : > "$out/empty-input"
        QTEST_LOG=1 timeout 300 "$bin" --fuzz-target=$target \
            "$out/empty-input" 2>/dev/null |
            sed -n 's/^Starting [^ ]* with Arguments: //p' |
            sed 's/ -qtest [^ ]*//' > "$out/qemu-args"
    fi
    cat "$out/qemu-args"
}

# repro FILE: FILE.qtest and FILE.sh, replaying FILE with QTEST_LOG and
# putting the DMA fills before the access that triggered them
# (scripts/oss-fuzz/reorder_fuzzer_qtest_trace.py).
repro() {
    log=$1.log
    args=$(qemu_args)
    # qtest's log timer is gone once the fuzzer's /dev/null qtest chardev
    # closes, and GLib's complaint about it splits each "[DMA] " tag from
    # its command: drop the complaint so the reorder script sees the tags.
    QTEST_LOG=1 FUZZ_SERIALIZE_QTEST=1 timeout 300 "$bin" \
        --fuzz-target=$target "$1" 2>&1 |
        perl -pe "s/^(\[DMA\] )?\S+: GLib: g_timer_elapsed: assertion 'timer != NULL' failed\n/\$1/" \
        > "$log" || true
    python3 "$oss_fuzz/reorder_fuzzer_qtest_trace.py" "$log" > "$1.qtest"
    QEMU_PATH=$repo/build/qemu-system-aarch64 QEMU_ARGS="$args" \
        python3 "$oss_fuzz/output_reproducer.py" -bash "$1.qtest" > "$1.sh"
    echo "fuzz: $1: reproducer $1.qtest ($(wc -l < "$1.qtest") commands), $1.sh"
}

cmd=${1:-}
case "$cmd" in
run)
    seconds=${2:?usage: fuzz.sh run SECONDS}
    mkdir -p "$out/corpus" "$out/seeds" "$out/artifacts" "$out/profile"
    python3 "$repo/tests/qtest/fuzz/smmuv3-seeds.py" "$out/seeds"
    # %m: the workers merge their counters into one file as they exit
    rm -f "$out"/profile/*.profraw
    status=0
    # One worker (-fork=1: a crash, hang or leak is saved and the run goes
    # on in a new worker); inputs up to 8 KiB (the seeds are below 1 KiB).
    LLVM_PROFILE_FILE="$out/profile/run-%m.profraw" \
        "$bin" --fuzz-target=$target -max_total_time="$seconds" \
        -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -rss_limit_mb="${FUZZ_RSS_MB:-4096}" -timeout="${FUZZ_TIMEOUT:-30}" \
        -max_len=8192 -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/" \
        "$out/corpus" "$out/seeds" > "$out/fuzz.log" 2>&1 || status=$?
    # The last progress line: executions, coverage, exec/s, failures
    grep -E '^#[0-9]+: cov:' "$out/fuzz.log" | tail -n 1 || true
    ubsan=$(grep -c 'runtime error:' "$out/fuzz.log" || true)
    echo "fuzz: libFuzzer exit status $status; UBSan reports: $ubsan (build/fuzz/fuzz.log)"
    found=$(find "$out/artifacts" -type f ! -name '*.*' | sort)
    for f in $found; do
        [ -f "$f.qtest" ] || repro "$f"
    done
    echo "fuzz: $(echo "$found" | grep -c . || true) artifacts in build/fuzz/artifacts"
    coverage_report "$out"/profile/run-*.profraw
    ;;
coverage)
    [ -d "$out/corpus" ] || die "no corpus yet: run 'make fuzz' first"
    mkdir -p "$out/profile"
    rm -f "$out"/profile/*.profraw
    LLVM_PROFILE_FILE="$out/profile/corpus-%m.profraw" \
        "$bin" --fuzz-target=$target -runs=0 -timeout="${FUZZ_TIMEOUT:-30}" \
        "$out/corpus" "$out/seeds" > "$out/coverage.log" 2>&1 ||
        die "replaying the corpus failed (build/fuzz/coverage.log)"
    coverage_report "$out"/profile/corpus-*.profraw
    ;;
repro)
    shift
    [ $# -gt 0 ] || die "usage: fuzz.sh repro FILE..."
    for f do
        repro "$f"
    done
    ;;
*)
    die "usage: fuzz.sh run SECONDS | coverage | repro FILE..."
    ;;
esac
