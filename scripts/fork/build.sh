#!/bin/sh
# Assemble, configure (once) and build one flavour of the fork.
# Usage: build.sh ours|baseline [NINJA_TARGET]...
# Environment (from build/config.mk via the Makefile): BASE_DIR, DEBUG_INFO,
# EXTRA_CFLAGS, SANITIZE (yes: ASan + UBSan, in build/<flavour>-san).
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -eu
flavour=$1
shift
repo=$(cd "$(dirname "$0")/../.." && pwd)
here=$repo/scripts/fork
dir=$flavour
[ "${SANITIZE:-no}" != yes ] || dir=$flavour-san
top=$repo/build/$dir
case "$flavour" in
ours) link=$repo/build/qemu-system-aarch64 ;;
baseline) link=$repo/build/qemu-system-aarch64-baseline ;;
*) echo "build.sh: flavour must be ours or baseline" >&2; exit 1 ;;
esac

# A failed build must not leave a binary that looks current.
rm -f "$link"

"$here/assemble.sh" "$flavour" "$repo" "$BASE_DIR" "$top/src"

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

obj=$top/obj
if [ ! -f "$obj/build.ninja" ] || [ "$(cat "$obj/.fork-args" 2>/dev/null)" != "$args $pkgversion" ]; then
    echo "build($flavour): configuring QEMU in $obj"
    rm -rf "$obj"
    mkdir -p "$obj"
    cc=cc
    command -v ccache >/dev/null 2>&1 && cc="ccache cc"
    # shellcheck disable=SC2086
    if ! (cd "$obj" && CC="$cc" ../src/configure $args --with-pkgversion="$pkgversion") > "$top/configure.log" 2>&1; then
        tail -n 20 "$top/configure.log" >&2
        rm -f "$obj/build.ninja"
        echo "build($flavour): error: QEMU's configure failed (log: $top/configure.log)" >&2
        exit 1
    fi
    printf '%s' "$args $pkgversion" > "$obj/.fork-args"
fi

ninja -C "$obj" qemu-system-aarch64 "$@"
ln -sfn "$dir/obj/qemu-system-aarch64" "$link"
