#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The choice of Debian packages for the SMMUv3 tests, on fake archives.

No QEMU, no network: each case is a package list such as apt could offer
next month (the pinned name gone, the ABI renumbered, only backports
carrying the source), and checks what is chosen and what is reported.
"""

import unittest

from qemu_test import QemuBaseTest

from smmu_e2e import debian_apt
from smmu_e2e.debian_select import (
    Choice, Offer, SelectionError, choose_kernel_image, choose_source,
    compare_versions, parse_madison, version_key)


def offers(*rows):
    return [Offer(*row) for row in rows]


class VersionOrder(unittest.TestCase):
    # (a, b, sign of a - b) as dpkg orders them: our wrapper keeps the sign.
    CASES = (
        ('1:1.0', '2.0', 1),                      # the epoch first
        ('0:1.0', '1.0', 0),                      # no epoch is epoch 0
        ('1.0~rc1', '1.0', -1),                   # ~ before the end
        ('1.0~~', '1.0~', -1),
        ('1.0~rc1', '1.0~beta', 1),
        ('1.0+b1', '1.0', 1),                     # binNMU after the build
        ('1.0-1', '1.0-1+b1', -1),
        ('1.0~rc1+b1', '1.0~rc1', 1),
        ('7.2.12-1~bpo13+1', '7.2.12-1', -1),     # backport before release
        ('7.2.13-1', '7.2.12-1~bpo13+1', 1),
        ('6.1.192-3', '6.1.99-1', 1),             # digits by value
        ('2.0-1', '10.0-1', -1),
        ('1.001', '1.1', 0),
        ('1.0', '1.0-0', 0),                      # no revision is revision 0
        ('1.0', '1.0a', -1),
        ('1.0a', '1.0+', -1),                     # letters before marks
        ('1.0', '1.0.0', -1),
        ('1-2-3', '1-2-4', -1),                   # revision after the last -
        ('1:1.35.0-4+deb12u1+b1', '1:1.35.0-4+deb12u1', 1),
    )

    def test_pairs(self):
        for a, b, want in self.CASES:
            with self.subTest(a=a, b=b):
                self.assertEqual(compare_versions(a, b), want)
                self.assertEqual(compare_versions(b, a), -want)

    def test_sort(self):
        shuffled = ['7.2.13-1', '1:6.0-1', '7.2.13-1+b1', '7.2.13~rc4-1~exp1',
                    '7.2.12-1~bpo13+1', '7.2.13-1~bpo13+1', '7.10.1-1']
        self.assertEqual(sorted(shuffled, key=version_key),
                         ['7.2.12-1~bpo13+1', '7.2.13~rc4-1~exp1',
                          '7.2.13-1~bpo13+1', '7.2.13-1', '7.2.13-1+b1',
                          '7.10.1-1', '1:6.0-1'])

    def test_bad_epoch(self):
        with self.assertRaises(ValueError):
            compare_versions('x:1.0', '1.0')


class Source(unittest.TestCase):
    PIN = 'linux-source-7.2'

    def test_pin_present(self):
        got = choose_source(offers(
            ('linux-source-7.2', '7.2.13-1', 'sid'),
            ('linux-source-7.2', '7.2.12-1', 'sid'),
            ('linux-source-7.3', '7.3.1-1', 'sid'),
            ('linux-source-7.2', '7.2.14-1~bpo13+1', 'trixie-backports'),
        ), pin=self.PIN)
        self.assertEqual(got, Choice('linux-source-7.2', '7.2.13-1', 'sid',
                                     False, None))
        self.assertEqual(got.describe(), 'linux-source-7.2 7.2.13-1 (sid)')

    def test_newest_without_pin(self):
        got = choose_source(offers(
            ('linux-source-7.2', '7.2.13-1', 'sid'),
            ('linux-source-7.3', '7.3.1-1', 'sid'),
        ))
        self.assertEqual(got, Choice('linux-source-7.3', '7.3.1-1', 'sid',
                                     False, None))

    def test_pin_gone_newer_present(self):
        got = choose_source(offers(
            ('linux-source', '7.3.1-1', 'sid'),
            ('linux-source-7.3', '7.3.1-1', 'sid'),
            ('linux-source-7.3', '7.3~rc7-1~exp1', 'experimental'),
        ), pin=self.PIN)
        self.assertEqual(got[:3], ('linux-source-7.3', '7.3.1-1', 'sid'))
        self.assertTrue(got.fallback)
        self.assertEqual(
            got.describe(),
            'linux-source-7.3 7.3.1-1 (sid); fallback: linux-source-7.2 is '
            'not offered by sid, trixie-backports; took the newest')

    def test_only_backports(self):
        got = choose_source(offers(
            ('linux-source-7.1', '7.1.9-1', 'sid'),
            ('linux-source-7.2', '7.2.9-1~bpo13+1', 'trixie-backports'),
            ('linux-source-7.2', '7.2.12-1~bpo13+1', 'trixie-backports'),
        ))
        self.assertEqual(got, Choice(
            'linux-source-7.2', '7.2.12-1~bpo13+1', 'trixie-backports', True,
            'no linux-source-N >= 7.2 in sid'))

    def test_pin_only_in_backports(self):
        got = choose_source(offers(
            ('linux-source-7.3', '7.3.1-1', 'sid'),
            ('linux-source-7.2', '7.2.12-1~bpo13+1', 'trixie-backports'),
        ), pin=self.PIN)
        self.assertEqual(got, Choice(
            'linux-source-7.2', '7.2.12-1~bpo13+1', 'trixie-backports', True,
            'linux-source-7.2 is not in sid'))

    def test_sid_before_newer_backport(self):
        # The archive's shape on 2026-11-30: sid still at 7.2, 7.3 only
        # in trixie-backports.  sid is searched first.
        got = choose_source(offers(
            ('linux-source-7.2', '7.2.13-1', 'sid'),
            ('linux-source-7.2', '7.2.12-1~bpo13+1', 'trixie-backports'),
            ('linux-source-7.3', '7.3.4-1~bpo13+1', 'trixie-backports'),
        ))
        self.assertEqual(got[:4], ('linux-source-7.2', '7.2.13-1', 'sid',
                                   False))

    def test_series_by_value(self):
        got = choose_source(offers(
            ('linux-source-7.9', '7.9.3-1', 'sid'),
            ('linux-source-7.10', '7.10.1-1', 'sid'),
        ))
        self.assertEqual(got.package, 'linux-source-7.10')

    def test_nothing_new_enough(self):
        with self.assertRaises(SelectionError) as e:
            choose_source(offers(
                ('linux-source-7.1', '7.1.9-1', 'sid'),
                ('linux-source-6.12', '6.12.48-1~bpo13+1', 'trixie-backports'),
                ('linux-source-7.3', '7.3~rc2-1~exp1', 'experimental'),
                ('linux-source', '7.1.9-1', 'sid'),
            ), pin=self.PIN)
        self.assertEqual(
            str(e.exception),
            'no linux-source-N with N >= 7.2 in sid, trixie-backports; the '
            'archive offers: linux-source-6.12 6.12.48-1~bpo13+1 '
            '(trixie-backports), linux-source-7.1 7.1.9-1 (sid), '
            'linux-source-7.3 7.3~rc2-1~exp1 (experimental)')

    def test_empty_archive(self):
        with self.assertRaisesRegex(SelectionError, 'archive offers: none$'):
            choose_source([])


class KernelImage(unittest.TestCase):
    PIN = 'linux-image-6.1.0-40-arm64'

    def test_abi_renumbered(self):
        got = choose_kernel_image(offers(
            ('linux-image-6.1.0-41-arm64', '6.1.160-1', 'bookworm-security'),
            ('linux-image-6.1.0-41-arm64-unsigned', '6.1.160-1',
             'bookworm-security'),
            ('linux-image-6.1.0-38-arm64', '6.1.150-1', 'bookworm'),
        ), pin=self.PIN)
        self.assertEqual(got, Choice(
            'linux-image-6.1.0-41-arm64', '6.1.160-1', 'bookworm-security',
            True, 'linux-image-6.1.0-40-arm64 is not offered by bookworm, '
            'bookworm-updates, bookworm-security; took the newest'))

    def test_pin_present(self):
        got = choose_kernel_image(offers(
            ('linux-image-6.1.0-40-arm64', '6.1.158-1', 'bookworm'),
            ('linux-image-6.1.0-40-arm64', '6.1.158-1', 'bookworm-security'),
            ('linux-image-6.1.0-41-arm64', '6.1.160-1', 'bookworm-security'),
        ), pin=self.PIN)
        # The same build in two suites: the first suite is named.
        self.assertEqual(got, Choice('linux-image-6.1.0-40-arm64',
                                     '6.1.158-1', 'bookworm', False, None))

    def test_newest_by_version_not_name(self):
        got = choose_kernel_image(offers(
            ('linux-image-6.1.0-9-arm64', '6.1.52-1', 'bookworm'),
            ('linux-image-6.1.0-10-arm64', '6.1.55-1', 'bookworm-updates'),
        ))
        self.assertEqual(got[:4], ('linux-image-6.1.0-10-arm64', '6.1.55-1',
                                   'bookworm-updates', False))

    def test_signed_before_newer_unsigned(self):
        # A security upload's unsigned build lands before its signed twin.
        got = choose_kernel_image(offers(
            ('linux-image-6.1.0-40-arm64', '6.1.158-1', 'bookworm-security'),
            ('linux-image-6.1.0-40-arm64-unsigned', '6.1.158-1',
             'bookworm-security'),
            ('linux-image-6.1.0-41-arm64-unsigned', '6.1.160-1',
             'bookworm-security'),
        ))
        self.assertEqual(got[:4], ('linux-image-6.1.0-40-arm64', '6.1.158-1',
                                   'bookworm-security', False))

    def test_only_unsigned(self):
        got = choose_kernel_image(offers(
            ('linux-image-6.1.0-41-arm64-unsigned', '6.1.160-1',
             'bookworm-security'),
        ))
        self.assertEqual(got, Choice(
            'linux-image-6.1.0-41-arm64-unsigned', '6.1.160-1',
            'bookworm-security', True,
            'no signed linux-image-6.1.*-arm64; took the unsigned one'))

    def test_other_flavours_and_series_ignored(self):
        got = choose_kernel_image(offers(
            ('linux-image-6.1.0-41-arm64', '6.1.160-1', 'bookworm-security'),
            ('linux-image-6.1.0-42-cloud-arm64', '6.1.161-1',
             'bookworm-security'),
            ('linux-image-6.1.0-42-rt-arm64', '6.1.161-1',
             'bookworm-security'),
            ('linux-image-6.1.0-42-arm64-dbg', '6.1.161-1',
             'bookworm-security'),
            ('linux-image-6.12.117+deb12-arm64', '6.12.117-1~deb12u1',
             'bookworm-security'),
            ('linux-image-6.12.117+deb12-arm64-16k', '6.12.117-1~deb12u1',
             'bookworm-security'),
            ('linux-image-6.12-arm64', '6.12.117-1~deb12u1',
             'bookworm-security'),
            ('linux-image-arm64', '6.1.161-1', 'bookworm-security'),
            ('linux-image-6.1.0-43-arm64', '6.1.170-1', 'trixie'),
        ))
        self.assertEqual(got.package, 'linux-image-6.1.0-41-arm64')

    def test_other_series(self):
        got = choose_kernel_image(offers(
            ('linux-image-6.1.0-41-arm64', '6.1.160-1', 'bookworm-security'),
            ('linux-image-6.12.115+deb12-arm64', '6.12.115-2~deb12u1',
             'bookworm-security'),
            ('linux-image-6.12.117+deb12-arm64', '6.12.117-1~deb12u1',
             'bookworm-security'),
        ), series='6.12')
        self.assertEqual(got.package, 'linux-image-6.12.117+deb12-arm64')

    def test_none(self):
        with self.assertRaises(SelectionError) as e:
            choose_kernel_image(offers(
                ('linux-image-6.12.117+deb12-arm64', '6.12.117-1~deb12u1',
                 'bookworm-security'),
                ('linux-image-6.1.0-42-cloud-arm64', '6.1.161-1', 'bookworm'),
            ))
        self.assertEqual(
            str(e.exception),
            'no linux-image-6.1.*-arm64 in bookworm, bookworm-updates, '
            'bookworm-security; other arm64 images there: '
            'linux-image-6.12.117+deb12-arm64')


class Apt(unittest.TestCase):
    MADISON = (
        'linux-image-6.1.0-50-arm64 |  6.1.176-1 | http://deb.debian.org/'
        'debian bookworm/main arm64 Packages\n'
        'linux-image-6.1.0-50-arm64 |  6.1.176-1 | http://deb.debian.org/'
        'debian-security bookworm-security/main arm64 Packages\n'
        'linux-source-7.2 | 7.2.12-1~bpo13+1 | http://deb.debian.org/debian '
        'trixie-backports/main arm64 Packages\n'
        '     linux |   7.2.13-1 | http://deb.debian.org/debian sid/main '
        'Sources\n'
        'N: something apt says\n')

    def test_parse_madison(self):
        self.assertEqual(parse_madison(self.MADISON), offers(
            ('linux-image-6.1.0-50-arm64', '6.1.176-1', 'bookworm'),
            ('linux-image-6.1.0-50-arm64', '6.1.176-1', 'bookworm-security'),
            ('linux-source-7.2', '7.2.12-1~bpo13+1', 'trixie-backports')))

    def test_offers_runs_pkgnames_then_madison(self):
        apt = FakeApt({('apt-cache', 'pkgnames', 'linux-image-'):
                       'linux-image-6.1.0-50-arm64\nlinux-image-arm64\n',
                       ('apt-cache', 'pkgnames', 'linux-source-'):
                       'linux-source-7.2\n',
                       ('apt-cache', 'madison', 'linux-image-6.1.0-50-arm64',
                        'linux-image-arm64', 'linux-source-7.2'):
                       self.MADISON})
        got = debian_apt.offers(apt, 'linux-image-', 'linux-source-')
        self.assertEqual(len(got), 3)
        self.assertEqual(apt.calls[-1][:2], ('apt-cache', 'madison'))

    def test_offers_nothing_known(self):
        apt = FakeApt({('apt-cache', 'pkgnames', 'linux-source-'): ''})
        self.assertEqual(debian_apt.offers(apt, 'linux-source-'), [])
        self.assertEqual(len(apt.calls), 1)


class FakeApt:
    """PrivateApt's run(), answering from a table (KeyError otherwise)."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def run(self, *argv):
        self.calls.append(argv)
        return self.answers[argv]


if __name__ == '__main__':
    QemuBaseTest.main()
