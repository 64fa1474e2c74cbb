#!/bin/sh
# Assemble a buildable QEMU tree: the pinned base, our files on top (ours
# replace the base's file at the same path), then our patches.
#
# Usage: assemble.sh ours|baseline REPO BASE_DIR OUT_DIR
#   ours:     every file of ours, patches/infra and patches/model
#   baseline: our test infrastructure only (no SMMU model files of ours),
#             patches/infra only
#
# Incremental: only files whose content changed are rewritten, so ninja
# rebuilds just what depends on them.  A patch that does not apply stops the
# run with its name and leaves the tree marked for a clean re-application.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -eu
flavour=$1
repo=$2
base=$3
out=$4

# Top-level folders of ours that mirror QEMU's layout.
overlay_dirs="hw include tests configs docs qapi"
# Our SMMU model: replaced in "ours", left as the base has it in "baseline".
model_globs="hw/arm/smmu* include/hw/arm/smmu*"

prog="assemble($flavour)"
. "$(dirname "$0")/lib.sh"

is_model_file() {
    for g in $model_globs; do
        # shellcheck disable=SC2254
        case "$1" in $g) return 0 ;; esac
    done
    return 1
}

list_ours() {
    if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
        # shellcheck disable=SC2086
        git -C "$repo" ls-files --cached --others --exclude-standard -- $overlay_dirs
    else
        for d in $overlay_dirs; do
            [ -d "$repo/$d" ] && (cd "$repo" && find "$d" -type f)
        done
    fi | sort -u | while read -r f; do
        [ -f "$repo/$f" ] || continue
        if [ "$flavour" = baseline ] && is_model_file "$f"; then
            continue
        fi
        echo "$f"
    done
}

list_patches() {
    dirs="$repo/patches/infra"
    [ "$flavour" = ours ] && dirs="$dirs $repo/patches/model"
    for d in $dirs; do
        [ -d "$d" ] && find "$d" -maxdepth 1 -name '*.patch' | sort
    done
    return 0
}

patched_files() {
    sed -n 's|^+++ b/\([^\t ]*\).*|\1|p' "$1"
}

# restore FILE: put the base's version back (or remove a file the base lacks).
restore() {
    if [ -f "$base/$1" ]; then
        cp "$base/$1" "$out/$1"
    else
        rm -f "$out/$1"
    fi
}

case "$flavour" in
ours|baseline) ;;
*) die "flavour must be ours or baseline" ;;
esac
[ -f "$base/VERSION" ] || die "no base at $base (run ./configure)"

# 1. A pristine copy of the base, made once (roms/ and debian/ are not needed).
if [ "$(cat "$out/.fork-base" 2>/dev/null)" != "$base" ]; then
    echo "assemble($flavour): copying the base into $out"
    rm -rf "$out" "$out.tmp"
    mkdir -p "$out.tmp/roms"
    (cd "$base" && tar --exclude=./roms --exclude=./debian -cf - .) |
        (cd "$out.tmp" && tar -xf -) || die "copying $base failed"
    echo "$base" > "$out.tmp/.fork-base"
    mv "$out.tmp" "$out"
fi

# 2. Our files.
new_list=$(list_ours)
old_list=$(cat "$out/.fork-overlay.list" 2>/dev/null || true)
for f in $old_list; do
    case "
$new_list
" in
    *"
$f
"*) ;;
    *) restore "$f" ;;
    esac
done
for f in $new_list; do
    if ! cmp -s "$repo/$f" "$out/$f"; then
        mkdir -p "$(dirname "$out/$f")"
        cp "$repo/$f" "$out/$f"
    fi
done
printf '%s\n' "$new_list" > "$out/.fork-overlay.list"

# 3. Our patches, re-applied from the base's files whenever any of them changed.
patches=$(list_patches)
sum=$( (echo "$flavour"; for p in $patches; do cat "$p"; done) | sha256sum | cut -d' ' -f1)
if [ "$(cat "$out/.fork-patches.sum" 2>/dev/null)" != "$sum" ]; then
    rm -f "$out/.fork-patches.sum"
    for f in $(cat "$out/.fork-patched.list" 2>/dev/null); do
        restore "$f"
    done
    touched=$(for p in $patches; do patched_files "$p"; done | sort -u)
    printf '%s\n' "$touched" > "$out/.fork-patched.list"
    for p in $patches; do
        name=${p#"$repo"/}
        for f in $(patched_files "$p"); do
            case "
$new_list
" in
            *"
$f
"*) die "$name patches $f, which is a file of ours: edit the file instead" ;;
            esac
        done
        if ! patch -d "$out" -p1 -N -s -f --dry-run < "$p" >/dev/null 2>&1; then
            die "$name does not apply to the base"
        fi
        patch -d "$out" -p1 -N -s -f --no-backup-if-mismatch < "$p" >/dev/null ||
            die "$name failed to apply"
    done
    echo "$sum" > "$out/.fork-patches.sum"
fi
