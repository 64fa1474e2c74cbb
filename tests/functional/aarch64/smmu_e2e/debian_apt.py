# SPDX-License-Identifier: GPL-2.0-or-later
"""What a private apt offers, as input for debian_select.

apt is anything with run(*argv) -> stdout that runs argv with the apt
configuration in force (PrivateApt does), after `apt-get update`.
"""

from . import debian_select


def offers(apt, *prefixes):
    """Offers of every package whose name starts with one of prefixes,
    e.g. offers(apt, 'linux-source-') for choose_source() and
    offers(apt, 'linux-image-') for choose_kernel_image().

    `apt-cache pkgnames` lists the names from apt's cache; madison then
    gives one line per version and suite.  Both read apt's binary cache,
    so this takes well under a second.
    """
    names = set()
    for prefix in prefixes:
        names.update(apt.run('apt-cache', 'pkgnames', prefix).split())
    if not names:
        return []
    return debian_select.parse_madison(
        apt.run('apt-cache', 'madison', *sorted(names)))
