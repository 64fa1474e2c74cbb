#!/bin/sh
# Obtain, verify and unpack the pinned QEMU base; print the unpacked tree.
# Usage: fetch-base.sh CACHE_DIR [LOCAL_SOURCE]
# LOCAL_SOURCE: an unpacked tree, a .dsc, or the orig tarball beside its .dsc.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -eu
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/base.conf"

cache=$1/base
local_source=${2:-}
unpacked=$cache/qemu-${BASE_DEBIAN_VERSION#*:}
stamp=$unpacked/.fork-base-ok

sha256_of() {
    sha256sum "$1" | cut -d' ' -f1
}

# check_tarballs DIR: both tarballs in DIR match the pinned checksums.
check_tarballs() {
    for pair in "$BASE_ORIG_TARBALL:$BASE_ORIG_SHA256" \
                "$BASE_DEBIAN_TARBALL:$BASE_DEBIAN_SHA256"; do
        f=$1/${pair%%:*}
        [ -f "$f" ] || { echo "$f is missing"; return 1; }
        got=$(sha256_of "$f")
        [ "$got" = "${pair#*:}" ] ||
            { echo "$f has sha256 $got, the pinned base needs ${pair#*:}"; return 1; }
    done
}

# check_tree DIR: DIR is the pinned QEMU version.
check_tree() {
    [ -f "$1/VERSION" ] && [ -f "$1/hw/arm/virt.c" ] ||
        die "$1 is not a QEMU source tree"
    v=$(cat "$1/VERSION")
    [ "$v" = "$BASE_UPSTREAM_VERSION" ] ||
        die "$1 is QEMU $v; the pinned base is $BASE_UPSTREAM_VERSION"
    if [ -f "$1/debian/changelog" ]; then
        dv=$(sed -n '1s/^qemu (\([^)]*\)).*/\1/p' "$1/debian/changelog")
        [ "$dv" = "$BASE_DEBIAN_VERSION" ] ||
            die "$1 is Debian qemu $dv; the pinned base is $BASE_DEBIAN_VERSION"
    fi
}

download() {
    as_root=$(root_prefix) || as_root=none
    if ! apt-cache showsrc "qemu=$BASE_DEBIAN_VERSION" 2>/dev/null | grep -q '^Package: qemu'; then
        [ "$as_root" != none ] ||
            die "the base is not cached and apt has no deb-src for qemu $BASE_DEBIAN_VERSION; run ./configure as root once"
        add_apt_source "$as_root" sid-src \
            "Types: deb-src
URIs: http://deb.debian.org/debian
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
        $as_root apt-get update -qq >&2 || die "apt-get update failed"
    fi
    rm -rf "$cache/dl.tmp"
    mkdir -p "$cache/dl.tmp"
    (cd "$cache/dl.tmp" && apt-get source -qq --download-only "qemu=$BASE_DEBIAN_VERSION") >&2 ||
        die "apt-get source qemu=$BASE_DEBIAN_VERSION failed (is it still in Debian's archive? see README.rst, 'Moving the base')"
    problem=$(check_tarballs "$cache/dl.tmp") ||
        die "downloaded base is corrupt: $problem"
    mv "$cache/dl.tmp/"* "$cache/"
    rmdir "$cache/dl.tmp"
}

# unpack DIR_WITH_DSC: dpkg-source applies Debian's patches, as apt-get source does.
unpack() {
    rm -rf "$unpacked" "$unpacked.tmp"
    echo "configure: unpacking the base into $unpacked" >&2
    dpkg-source -q -x "$1/$BASE_DSC" "$unpacked.tmp" >/dev/null 2>"$cache/unpack.log" ||
        die "dpkg-source could not unpack $1/$BASE_DSC (see $cache/unpack.log)"
    check_tree "$unpacked.tmp"
    echo "$BASE_DEBIAN_VERSION" > "$unpacked.tmp/.fork-base-ok"
    mv "$unpacked.tmp" "$unpacked"
}

mkdir -p "$cache"

if [ -n "$local_source" ]; then
    if [ -d "$local_source" ]; then
        check_tree "$local_source"
        echo "$local_source"
        exit 0
    fi
    case "$local_source" in
    *.dsc|*.orig.tar.*) ;;
    *) die "--qemu-source takes a directory, a .dsc or $BASE_ORIG_TARBALL, not '$local_source'" ;;
    esac
    dir=$(dirname "$local_source")
    [ "$(basename "$local_source")" = "$BASE_DSC" ] ||
        [ "$(basename "$local_source")" = "$BASE_ORIG_TARBALL" ] ||
        die "'$local_source' is not the pinned base ($BASE_DSC or $BASE_ORIG_TARBALL)"
    [ -f "$dir/$BASE_DSC" ] || die "$BASE_DSC must sit beside '$local_source'"
    problem=$(check_tarballs "$dir") || die "bad base: $problem"
    if [ ! -f "$stamp" ]; then
        unpack "$dir"
    fi
    echo "$unpacked"
    exit 0
fi

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$BASE_DEBIAN_VERSION" ]; then
    echo "$unpacked"
    exit 0
fi

if ! problem=$(check_tarballs "$cache"); then
    [ ! -f "$cache/$BASE_ORIG_TARBALL" ] ||
        echo "configure: cached base is unusable ($problem); downloading again" >&2
    rm -f "$cache/$BASE_ORIG_TARBALL" "$cache/$BASE_DEBIAN_TARBALL" "$cache/$BASE_DSC"
    download
fi
unpack "$cache"
echo "$unpacked"
