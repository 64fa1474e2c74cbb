#!/bin/sh
# Install what building the fork needs, on Debian bookworm or trixie
# (the cross compiler and bc build the e2e-nesting kernel and program).
# The -dev libraries are those of the features Debian's qemu-system-arm has
# (QEMU's configure enables each feature whose library it finds), less the
# GUI and network-storage ones: see README.rst "Devices and features".
# Usage: install-deps.sh yes|no [FUZZING]   (no: only check, never run apt;
# FUZZING yes: also clang, LLVM's tools and libFuzzer for 'make fuzz')
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -eu
. "$(dirname "$0")/lib.sh"

allow_install=${1:-yes}
fuzzing=${2:-no}

packages="build-essential ninja-build libglib2.0-dev libpixman-1-dev
libfdt-dev libslirp-dev python3-venv python3-pycotap flex bison dpkg-dev
ccache bzip2 xz-utils patch cpio ipxe-qemu
gcc-aarch64-linux-gnu libc6-dev-arm64-cross bc"
# The same names on bookworm (LLVM 14) and trixie (LLVM 19); only on request
# (some 300 MB).
[ "$fuzzing" != yes ] || packages="$packages clang llvm libclang-rt-dev"
# Feature libraries: one the archive does not have (libpmem exists on amd64
# and arm64 only, and may leave a release) only drops its feature.
features="libaio-dev liburing-dev libcap-ng-dev libattr1-dev libseccomp-dev
libnuma-dev libzstd-dev libbz2-dev liblzo2-dev libsnappy-dev zlib1g-dev
libcurl4-gnutls-dev libssh-dev libnfs-dev libiscsi-dev libgnutls28-dev
libsasl2-dev libselinux1-dev libusb-1.0-0-dev libusbredirparser-dev
libudev-dev libfuse3-dev libbpf-dev libcapstone-dev libvdeplug-dev libpng-dev
libjpeg-dev libncurses-dev libkeyutils-dev libcacard-dev libpmem-dev"
meson_min=1.5.0

missing=
for p in $packages; do
    dpkg_installed "$p" || missing="$missing $p"
done
missing_features=
for p in $features; do
    dpkg_installed "$p" || missing_features="$missing_features $p"
done
need_meson=no
if ! command -v meson >/dev/null 2>&1 ||
   ! version_at_least "$(meson --version 2>/dev/null)" "$meson_min"; then
    need_meson=yes
fi

# Feature libraries the archive does not offer are not missing.
offered() {
    for p in $missing_features; do
        apt-cache show "$p" >/dev/null 2>&1 && printf ' %s' "$p"
    done
    return 0
}
[ -z "$missing$(offered)" ] && [ "$need_meson" = no ] && exit 0

what="$missing$missing_features"
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
    add_apt_source "$as_root" bookworm-backports \
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
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing $(offered) meson >&2 ||
    die "apt-get install failed for:$what"
version_at_least "$(meson --version)" "$meson_min" ||
    die "meson $(meson --version) is older than $meson_min"
