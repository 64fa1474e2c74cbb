#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Linux at EL2 with VHE on the SMMU's EL2 StreamWorlds.

With -M virt,virtualization=on and -cpu max the Debian kernel runs at
EL2 with VHE (FEAT_VHE).  On an SMMU with IDR0.HYP (ours, stage=nested)
arm-smmu-v3 then sets ARM_SMMU_FEAT_HYP and ARM_SMMU_FEAT_E2H, sets
SMMU_CR2.E2H, gives its DMA domains STE.STRW = EL2 (so StreamWorld
NS-EL2-E2H) and invalidates them with CMD_TLBI_EL2_* instead of
CMD_TLBI_NH_*.  The run must still move disk and network data of known
sha256 (smmu_e2e.linux.judge), Linux's feature line must hold HYP and
E2H, and our trace must show the NS-EL2-E2H StreamWorld and TLBI_EL2
commands.  The base's SMMU has no HYP: there Linux must not claim HYP
or E2H, and the same data must still check out.
"""

import re

from qemu_test import QemuSystemTest

from smmu_e2e import debian, initramfs, data_file
from smmu_e2e.linux import Payloads, judge, run, features_named
from smmu_e2e.testcase import SmmuTest

# ARM_SMMU_FEAT_HYP and ARM_SMMU_FEAT_E2H (smmu_e2e.linux names them)
FEAT_HYP = 1 << 12
FEAT_E2H = 1 << 18
# hw/arm/smmu/trace-events: the StreamWorld a CD is used in, commands
WORLD_RE = re.compile(r'smmuv3_stream_world sid (0x[0-9a-f]+) CD \d+ '
                      r'StreamWorld (\S+)')
CMD_RE = re.compile(r'smmuv3_cmd opcode (0x[0-9a-f]+):')
CMD_TLBI_EL2_ALL = 0x20
CMD_TLBI_EL2_ASID_VA = (0x21, 0x22)     # what an unmap sends
CMD_TLBI_NH = range(0x10, 0x14)


class SMMUv3El2(SmmuTest):

    payloads = Payloads()

    def boot_vhe(self):
        guest, notice = debian.guest()
        self.log.info('guest kernel %s%s', guest.label,
                      f' ({notice})' if notice else '')
        initrd = self.scratch_file('initramfs.cpio.gz')
        initramfs.build_initramfs(guest.busybox, guest.modules,
                                  data_file('guest', 'guest-init.sh'), initrd)
        # -machine options merge: virt's line comes from run() itself
        self.vm.add_args('-machine', 'virtualization=on')
        if self.flavour == 'ours':
            self.vm.add_args('-trace', 'smmuv3_stream_world',
                             '-trace', 'smmuv3_cmd')
        b, _ = run(self.vm, 'nested', guest.kernel, initrd, self.workdir,
                   self.payloads, 'device')
        v = judge(b, 'nested', self.payloads)
        self.log.info('%s [%s]; %.1f s', v.probe or 'no probe line',
                      ' '.join(features_named(v.features)), b.elapsed)
        if v.failure:
            self.fail_run(b, f'first missing: {v.failure}')
        return b, v

    def test_vhe_host_dma(self):
        b, v = self.boot_vhe()
        hyp_e2h = v.features & (FEAT_HYP | FEAT_E2H)
        if self.flavour == 'baseline':
            # IDR0.HYP is 0 on the base: Linux keeps NS-EL1 streams
            self.assertEqual(hyp_e2h, 0, 'baseline: Linux must not see HYP '
                             'or E2H on an SMMU without IDR0.HYP')
            return
        self.assertEqual(hyp_e2h, FEAT_HYP | FEAT_E2H,
                         f'Linux sees HYP and E2H ({v.probe})')
        worlds = WORLD_RE.findall(b.log)
        self.log.info('StreamWorlds: %s', sorted(set(worlds)))
        self.assertTrue(worlds, 'the trace shows the devices\' CDs in use')
        self.assertEqual({w for _, w in worlds}, {'NS-EL2-E2H'},
                         'every DMA domain stream is NS-EL2-E2H '
                         '(STE.STRW = EL2 with SMMU_CR2.E2H)')
        ops = [int(op, 16) for op in CMD_RE.findall(b.log)]
        self.log.info('commands: %s', ' '.join(
            f'0x{op:02x}x{ops.count(op)}' for op in sorted(set(ops))))
        self.assertIn(CMD_TLBI_EL2_ALL, ops,
                      'Linux invalidated EL2 entries at reset (TLBI_EL2_ALL)')
        self.assertTrue(any(op in CMD_TLBI_EL2_ASID_VA for op in ops),
                        'unmaps invalidate with TLBI_EL2_ASID or TLBI_EL2_VA')
        self.assertFalse(any(op in CMD_TLBI_NH for op in ops),
                         'no TLBI_NH_* for EL2-E2H domains')


if __name__ == '__main__':
    QemuSystemTest.main()
