# SPDX-License-Identifier: GPL-2.0-or-later
"""Which Debian packages the tests take, decided from what the archive offers.

Debian's archive moves under the tests: sid drops linux-source-7.2 when
7.3 arrives, bookworm's security updates renumber the 6.1 kernel ABI
(linux-image-6.1.0-NN-arm64).  Instead of pinning names, the functions
here choose from the offers apt knows about today, and say what they chose
and whether that was a fallback, so a run can print which versions ran.

Input: a list of Offer(package, version, suite), one per version and suite
apt knows.  parse_madison() builds it from `apt-cache madison NAME...`
output, which a private apt produces in well under a second (see
debian_apt.offers()).  Nothing here runs apt or touches the network;
dpkg orders versions.
"""

import functools
import re
import subprocess
from collections import namedtuple

# The nesting kernel: its config fragment needs 7.2 or newer; sid carries
# the newest, trixie-backports the same series a little later.
SOURCE_SUITES = ('sid', 'trixie-backports')
SOURCE_MINIMUM = '7.2'

# The e2e guest kernel: Debian 12's own series.  bookworm also carries a
# 6.12 series (linux-image-6.12.N+deb12-arm64); we stay on 6.1 as before.
KERNEL_SUITES = ('bookworm', 'bookworm-updates', 'bookworm-security')
KERNEL_SERIES = '6.1'


class SelectionError(Exception):
    pass


Offer = namedtuple('Offer', 'package version suite')


class Choice(namedtuple('Choice', 'package version suite fallback reason')):
    """What was chosen; fallback says the first preference was not there
    and reason (None when fallback is False) says why."""

    def describe(self):
        text = f'{self.package} {self.version} ({self.suite})'
        if self.fallback:
            text += f'; fallback: {self.reason}'
        return text


# -- Debian version ordering: dpkg's own (deb-version(7)) --

def compare_versions(a, b):
    """-1, 0 or 1 as Debian version a sorts before, with or after b;
    ValueError when dpkg finds either malformed."""
    for op, sign in (('lt', -1), ('gt', 1)):
        p = subprocess.run(['dpkg', '--compare-versions', a, op, b],
                           capture_output=True, text=True, check=False)
        if p.returncode > 1 or p.stderr:
            raise ValueError(f'dpkg --compare-versions {a} {op} {b}: '
                             f'{p.stderr.strip()}')
        if p.returncode == 0:
            return sign
    return 0


version_key = functools.cmp_to_key(compare_versions)


# -- what apt offers --

def parse_madison(text):
    """Offers from `apt-cache madison` lines such as
    'pkg | 1.0-1 | http://deb.debian.org/debian sid/main arm64 Packages'.
    Source lines (deb-src) are skipped: we only download binaries."""
    offers = []
    for line in text.splitlines():
        fields = [f.strip() for f in line.split('|')]
        if len(fields) != 3:
            continue
        package, version, where = fields
        words = where.split()
        if len(words) < 3 or words[-1] != 'Packages':
            continue
        suite = words[1].split('/')[0]
        offers.append(Offer(package, version, suite))
    return offers


def _newest(offers, suites):
    """The offer of highest version, the earlier suite winning a tie
    (bookworm and bookworm-security often carry the same build)."""
    rank = {s: n for n, s in enumerate(suites)}
    return max(offers, key=lambda o: (version_key(o.version), -rank[o.suite]))


def _series(text):
    return tuple(int(n) for n in text.split('.'))


def _listing(offers):
    if not offers:
        return 'none'
    return ', '.join(f'{o.package} {o.version} ({o.suite})'
                     for o in sorted(offers))


# -- the nesting kernel's source --

SOURCE_RE = re.compile(r'linux-source-(\d+\.\d+)')


def _source_series(package):
    """(7, 2) for linux-source-7.2; None for other names."""
    m = SOURCE_RE.fullmatch(package)
    return _series(m.group(1)) if m else None


def choose_source(offers, pin=None, minimum=SOURCE_MINIMUM,
                  suites=SOURCE_SUITES):
    """The linux-source-N package to build the nesting kernel from.

    pin, when offered by one of suites (searched in order), is taken.
    Otherwise the highest N >= minimum of the first suite offering any.
    fallback is set when the pin is gone or the first suite had nothing.
    """
    found = [o for o in offers if _source_series(o.package)]
    usable = [o for o in found if o.suite in suites and
              _source_series(o.package) >= _series(minimum)]
    if pin:
        for n, suite in enumerate(suites):
            mine = [o for o in usable if o.package == pin and o.suite == suite]
            if mine:
                reason = (f'{pin} is not in {", ".join(suites[:n])}'
                          if n else None)
                return Choice(*_newest(mine, suites), n > 0, reason)
    for n, suite in enumerate(suites):
        mine = [o for o in usable if o.suite == suite]
        if not mine:
            continue
        best = max(mine, key=lambda o: (_source_series(o.package),
                                        version_key(o.version)))
        reasons = []
        if pin:
            reasons.append(f'{pin} is not offered by {", ".join(suites)}; '
                           f'took the newest')
        if n:
            reasons.append(f'no linux-source-N >= {minimum} in '
                           f'{", ".join(suites[:n])}')
        return Choice(*best, bool(reasons), '; '.join(reasons) or None)
    raise SelectionError(
        f'no linux-source-N with N >= {minimum} in {", ".join(suites)}; '
        f'the archive offers: {_listing(found)}')


# -- the e2e guest kernel --

IMAGE_RE = re.compile(
    r'linux-image-(\d+\.\d+\.\d+(?:-\d+|\+\w+))-(arm64)(-unsigned)?')


def choose_kernel_image(offers, pin=None, series=KERNEL_SERIES,
                        suites=KERNEL_SUITES):
    """The linux-image-<abi>-arm64 package the e2e guest boots.

    Like the linux-image-arm64 metapackage, the signed package is taken
    (the -unsigned twin only when no signed one of the series exists);
    the cloud, rt, 16k and dbg flavours never.  pin, when offered, is
    taken; otherwise the newest version of the series (abi starting with
    series, e.g. '6.1' for 6.1.0-NN), so an ABI bump is followed.
    """
    images = []
    for o in offers:
        m = IMAGE_RE.fullmatch(o.package)
        if m and o.suite in suites:
            images.append((o, m.group(1), m.group(3) is not None))
    if pin:
        mine = [o for o, _, _ in images if o.package == pin]
        if mine:
            return Choice(*_newest(mine, suites), False, None)
    ours = [(o, unsigned) for o, abi, unsigned in images
            if abi.startswith(series + '.')]
    signed = [o for o, unsigned in ours if not unsigned]
    if not ours:
        raise SelectionError(
            f'no linux-image-{series}.*-arm64 in {", ".join(suites)}; '
            f'other arm64 images there: '
            f'{", ".join(sorted({o.package for o, _, _ in images})) or "none"}')
    best = _newest(signed or [o for o, _ in ours], suites)
    reasons = []
    if pin:
        reasons.append(f'{pin} is not offered by {", ".join(suites)}; '
                       f'took the newest')
    if not signed:
        reasons.append(f'no signed linux-image-{series}.*-arm64; took the '
                       'unsigned one')
    return Choice(*best, bool(reasons), '; '.join(reasons) or None)
