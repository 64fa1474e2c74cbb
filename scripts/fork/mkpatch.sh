#!/bin/sh
# Write a patch of ours from edits made in an assembled tree.
# Usage: scripts/fork/mkpatch.sh PATCH_FILE FILE...
#   FILE is a base path (e.g. hw/arm/virt.c) edited in build/ours/src.
# The patch is the difference between the pristine base and that edit.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -eu
out=$1
shift
repo=$(cd "$(dirname "$0")/../.." && pwd)
base=$(sed -n 's/^BASE_DIR := //p' "$repo/build/config.mk")
[ -d "$base" ] || { echo "mkpatch: run ./configure first" >&2; exit 1; }
: > "$out.tmp"
for f in "$@"; do
    a=$base/$f
    [ -f "$a" ] || a=/dev/null
    diff -u --label "a/$f" --label "b/$f" "$a" "$repo/build/ours/src/$f" >> "$out.tmp" || true
done
mv "$out.tmp" "$out"
echo "mkpatch: wrote $out"
