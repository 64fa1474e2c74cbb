#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Real Linux on the emulated SMMUv3.

A Debian arm64 kernel boots with virtio-blk and virtio-net
(iommu_platform=on) behind the SMMU, once per stage and placement; each
test checks that arm-smmu-v3 probes with the features asked for, that
both devices sit in translated IOMMU groups, that disk and network data
keep their sha256, that the SMMU's event and GERROR interrupts are ITS
MSIs on ours (virt's msi-parent) and wired lines on the baseline, and
that the SMMU reported no event or GERROR (smmu_e2e.linux.judge).  On
ours, the three runs on a user-created SMMU (stage 1, 2 and nested) run
under the coherency checker (check-coherency=on), which must have
checked TLB and configuration cache hits and reported nothing.  Linux
6.1 gives its DMA domains one stage (stage 1 when present), so these
check each stage as Linux drives it.
"""

from qemu_test import QemuSystemTest

from smmu_e2e.linux import Payloads, features_named, judge, run
from smmu_e2e.testcase import SmmuTest

VIRT_FORCES_NESTED = 'virt forces stage=nested over -global stage'


class SMMUv3Linux(SmmuTest):

    payloads = Payloads()

    def check(self, smmu, stage, exact=True, cpu=None, oas=None,
              coherency=False):
        """One boot; coherency: on ours, under check-coherency=on, which
        must then have checked hits and reported nothing."""
        coherency = coherency and self.flavour == 'ours'
        guest, initrd = self.debian_guest('guest-init.sh')
        b, _ = run(self.vm, stage, guest.kernel, initrd, self.workdir,
                   self.payloads, smmu, cpu, coherency)
        v = judge(b, stage, self.payloads, exact, oas,
                  msi=self.flavour == 'ours')
        self.log.info('%s [%s]; %.1f s', v.probe or 'no probe line',
                      ' '.join(features_named(v.features)), b.elapsed)
        if v.failure:
            self.fail_run(b, f'first missing: {v.failure}')
        if coherency:
            self.check_coherency(b)

    def check_coherency(self, b):
        c = b.coherency
        self.log.info('coherency checker: %s', c)
        self.assertIsNotNone(c, 'x-query-smmuv3 after the poweroff')
        self.assertEqual(c['mode'], 'on')
        # Linux's DMA hit the TLB and the configuration cache, and the
        # checker compared those hits with memory: the zero below counts
        self.assertGreater(c['tlb-checks'], 0, 'TLB hits checked')
        self.assertGreater(c['config-checks'], 0, 'config hits checked')
        self.assertEqual(c['reports'], 0, 'no coherency report (the '
                         'guest-errors log has them: run with -d '
                         'guest_errors)')

    def test_stage1_device(self):
        self.check('device', '1', coherency=True)

    def test_stage2_device(self):
        self.check('device', '2', coherency=True)

    def test_nested_device(self):
        self.check('device', 'nested', coherency=True)

    def test_nested_machine(self):
        # virt's own SMMU: nested on the base whatever -global says
        self.check('machine', 'nested', exact=False)

    def test_stage1_machine(self):
        self.skip_on_baseline(VIRT_FORCES_NESTED)
        self.check('machine', '1')

    def test_stage2_machine(self):
        self.skip_on_baseline(VIRT_FORCES_NESTED)
        self.check('machine', '2')

    def test_nested_machine_neoverse_n1(self):
        # virt gives the SMMU the CPU's PA size: 48 bits for Neoverse-N1
        self.skip_on_baseline('the SMMU has 44-bit OAS whatever the CPU')
        self.check('machine', 'nested', cpu='neoverse-n1', oas=48)


if __name__ == '__main__':
    QemuSystemTest.main()
