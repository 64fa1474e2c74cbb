#!/bin/sh
# Install what building the fork needs, on Debian bookworm or trixie
# (the cross compiler and bc build the e2e-nesting kernel and program).
# Usage: install-deps.sh yes|no   (no: only check, never run apt)
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -eu
. "$(dirname "$0")/lib.sh"

allow_install=${1:-yes}

packages="build-essential ninja-build libglib2.0-dev libpixman-1-dev
libfdt-dev libslirp-dev python3-venv python3-pycotap flex bison dpkg-dev
ccache bzip2 xz-utils patch cpio ipxe-qemu
gcc-aarch64-linux-gnu libc6-dev-arm64-cross bc"
meson_min=1.5.0

missing=
for p in $packages; do
    dpkg_installed "$p" || missing="$missing $p"
done
need_meson=no
if ! command -v meson >/dev/null 2>&1 ||
   ! version_at_least "$(meson --version 2>/dev/null)" "$meson_min"; then
    need_meson=yes
fi

[ -z "$missing" ] && [ "$need_meson" = no ] && exit 0

what="$missing"
[ "$need_meson" = yes ] && what="$what meson>=$meson_min"
if [ "$allow_install" != yes ]; then
    die "missing build dependencies:$what (install them, or drop --no-install-deps)"
fi
as_root=$(root_prefix) ||
    die "missing build dependencies:$what; run as root or with sudo, or install them yourself"

codename=$(debian_codename)
# bookworm's meson (1.0) and pycotap are too old or absent: use bookworm-backports,
# as https://backports.debian.org/Instructions/ describes.
if [ "$codename" = bookworm ]; then
    add_apt_source bookworm-backports \
        "Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
fi

echo "configure: installing:$what" >&2
$as_root apt-get update -qq >&2 || die "apt-get update failed"
if [ "$codename" = bookworm ]; then
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        -t bookworm-backports meson python3-pycotap >&2 ||
        die "could not install meson and python3-pycotap from bookworm-backports"
fi
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages meson >&2 ||
    die "apt-get install failed for:$what"
version_at_least "$(meson --version)" "$meson_min" ||
    die "meson $(meson --version) is older than $meson_min"
