#!/bin/sh
# Assemble, configure (once) and build one flavour of the fork.
# Usage: build.sh ours|baseline|fuzz [NINJA_TARGET]...
# Environment (from build/config.mk via the Makefile): BASE_DIR, DEBUG_INFO,
# EXTRA_CFLAGS, SANITIZE (yes: ASan + UBSan, in build/<flavour>-san);
# NINJA_JOBS caps ninja's parallel jobs.
#
# fuzz: our model built with clang, libFuzzer, ASan, UBSan and clang's source
# coverage, only the devices of tests/qtest/fuzz/smmuv3-devices.mak, in
# build/fuzz; it builds qemu-fuzz-aarch64 instead of qemu-system-aarch64.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -eu
flavour=$1
shift
repo=$(cd "$(dirname "$0")/../.." && pwd)
here=$repo/scripts/fork
dir=$flavour
[ "${SANITIZE:-no}" != yes ] || [ "$flavour" = fuzz ] || dir=$flavour-san
top=$repo/build/$dir
model=$flavour
exe=qemu-system-aarch64
case "$flavour" in
ours) link=$repo/build/qemu-system-aarch64 ;;
baseline) link=$repo/build/qemu-system-aarch64-baseline ;;
fuzz)
    link=$repo/build/qemu-fuzz-aarch64
    model=ours
    exe=qemu-fuzz-aarch64
    command -v clang >/dev/null 2>&1 || {
        echo "build.sh: no clang: run ./configure --enable-fuzzing" >&2
        exit 1
    }
    # clang's objects never match gcc's: a cache of their own.
    export CCACHE_DIR="$CACHE_DIR/ccache-fuzz"
    ;;
*) echo "build.sh: flavour must be ours, baseline or fuzz" >&2; exit 1 ;;
esac

# A failed build must not leave a binary that looks current.
rm -f "$link"

"$here/assemble.sh" "$model" "$repo" "$BASE_DIR" "$top/src"

# The full aarch64 device and feature set, as Debian's qemu-system-arm has
# it (features are those whose libraries install-deps.sh provides; GUI and
# network-storage backends are left out, see README.rst).  Option ROMs
# (efi-virtio.rom for virt's default NIC) come from Debian's ipxe-qemu: the
# +ds base ships none.
. "$here/base.conf"
args="--target-list=aarch64-softmmu --python=/usr/bin/python3
--enable-tcg --enable-fdt=system --enable-slirp --disable-docs
--disable-install-blobs --disable-werror --disable-download
--disable-gtk --disable-sdl --disable-spice --disable-opengl
--disable-xkbcommon --enable-smartcard
--firmwarepath=share/qemu-firmware:/usr/share/qemu:/usr/lib/ipxe/qemu"
pkgversion="SMMUv3 nesting fork, base Debian qemu $BASE_DEBIAN_VERSION"
[ "$flavour" = ours ] || pkgversion="unmodified base, Debian qemu $BASE_DEBIAN_VERSION"
[ "$flavour" != fuzz ] || pkgversion="SMMUv3 nesting fork (fuzz), base Debian qemu $BASE_DEBIAN_VERSION"
if [ "${DEBUG_INFO:-no}" = yes ]; then
    args="$args --enable-debug-info"
else
    args="$args --disable-debug-info"
fi
[ -z "${EXTRA_CFLAGS:-}" ] || args="$args --extra-cflags=$EXTRA_CFLAGS"
# Undefined behaviour aborts instead of printing and going on, so a test
# that provokes it fails.
if [ "${SANITIZE:-no}" = yes ]; then
    args="$args --enable-asan --enable-ubsan
--extra-cflags=-fno-sanitize-recover=undefined"
fi
cc=cc
cxx=c++
if [ "$flavour" = fuzz ]; then
    # QEMU's configure takes a device set by name from configs/devices.
    devs=$top/src/configs/devices/aarch64-softmmu/smmuv3-fuzz.mak
    cmp -s "$repo/tests/qtest/fuzz/smmuv3-devices.mak" "$devs" ||
        cp "$repo/tests/qtest/fuzz/smmuv3-devices.mak" "$devs"
    # No GUI, network or storage libraries: only what virt needs.  A UBSan
    # report is printed and the run goes on (libFuzzer would stop at the
    # first); the fuzz scripts collect them.  -gline-tables-only: file and
    # line in the sanitizers' stack traces.
    args="--target-list=aarch64-softmmu --python=/usr/bin/python3
--without-default-features --without-default-devices
--with-devices-aarch64=smmuv3-fuzz --enable-tcg --enable-fdt=system
--disable-docs --disable-werror --disable-download --disable-install-blobs
--enable-fuzzing --enable-asan --enable-ubsan --disable-debug-info
--extra-cflags=-gline-tables-only
--extra-cflags=-fprofile-instr-generate
--extra-cflags=-fcoverage-mapping
--extra-ldflags=-fprofile-instr-generate"
    cc=clang
    cxx=clang++
fi

obj=$top/obj
if [ ! -f "$obj/build.ninja" ] || [ "$(cat "$obj/.fork-args" 2>/dev/null)" != "$args $pkgversion" ]; then
    echo "build($flavour): configuring QEMU in $obj"
    rm -rf "$obj"
    mkdir -p "$obj"
    if command -v ccache >/dev/null 2>&1; then
        cc="ccache $cc"
        cxx="ccache $cxx"
    fi
    # shellcheck disable=SC2086
    if ! (cd "$obj" && CC="$cc" CXX="$cxx" ../src/configure $args --with-pkgversion="$pkgversion") > "$top/configure.log" 2>&1; then
        tail -n 20 "$top/configure.log" >&2
        rm -f "$obj/build.ninja"
        echo "build($flavour): error: QEMU's configure failed (log: $top/configure.log)" >&2
        exit 1
    fi
    printf '%s' "$args $pkgversion" > "$obj/.fork-args"
fi

ninja -C "$obj" ${NINJA_JOBS:+-j "$NINJA_JOBS"} "$exe" "$@"
ln -sfn "$dir/obj/$exe" "$link"
