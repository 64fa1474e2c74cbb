# Shell helpers shared by the fork's build scripts (sourced, POSIX sh).
#
# SPDX-License-Identifier: GPL-2.0-or-later

# Each script names itself in $prog before sourcing this file.
die() {
    echo "${prog:-configure}: error: $*" >&2
    exit 1
}

dpkg_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

# version_at_least HAVE WANT: true when HAVE >= WANT (dotted numbers).
version_at_least() {
    [ -n "$1" ] && dpkg --compare-versions "$1" ge "$2"
}

# Prints the prefix that runs a command as root ("" or "sudo -n"); fails
# when neither is possible without a password.
root_prefix() {
    if [ "$(id -u)" = 0 ]; then
        echo ""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        echo "sudo -n"
    else
        return 1
    fi
}

debian_codename() {
    # shellcheck disable=SC1091
    (. /etc/os-release && echo "${VERSION_CODENAME:-unknown}")
}

# add_apt_source AS_ROOT NAME TEXT: write a deb822 source file once, running
# tee with the AS_ROOT prefix of root_prefix().
add_apt_source() {
    as_root=$1
    shift
    f=/etc/apt/sources.list.d/smmu-fork-$1.sources
    if [ -f "$f" ] || grep -rqs "^Suites:.*\b$1\b" /etc/apt/sources.list.d/*.sources; then
        return 0
    fi
    printf '%s\n' "$2" | $as_root tee "$f" >/dev/null ||
        die "cannot write $f"
}
