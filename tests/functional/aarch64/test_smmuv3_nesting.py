#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""iommufd nesting end to end on the emulated SMMUv3 (smmu_e2e.nesting).

Level 1: Linux's iommufd builds an SMMUv3 vIOMMU and a nested domain
(stage 1 from a vSTE over a stage-2 nest parent) and smmu-testdev's DMA
shows where it lands; test_level1_nvme assigns an NVMe controller instead
and drives it through that domain.  Level 2: an L2 guest under L1's KVM and an
accelerated vSMMU reads a passed-through disk through stage 1 (L2's
tables) over stage 2 (L1's).  On the baseline both stop where Linux
refuses the vIOMMU, which must happen exactly there.
"""

import re

from qemu_test import QemuSystemTest

from smmu_e2e import debian, kernel, nesting, sha256
from smmu_e2e.testcase import SmmuTest


# pasid20 on the baseline: the base's SMMU has no SubstreamIDs
# (SMMU_IDR1.SSIDSIZE 0), so Linux gives the device one PASID at most.
PASID20_BASELINE_WHY = ('the base model has SMMU_IDR1.SSIDSIZE 0 (and '
                        'MemTxAttrs.pid 8 bits): Linux refuses PASID '
                        '0x12345')


class SMMUv3Nesting(SmmuTest):

    def setUp(self):
        super().setUp()
        self.kernel = kernel.get()
        self.guest, _ = debian.guest()
        self.log.info('kernel %s, guest %s', self.kernel.label,
                      self.guest.label)

    def test_level1(self):
        self.level1(nesting.level1(self.kernel, self.guest.busybox,
                                   self.workdir), 'nested-dma', timeout=120)

    def test_level1_pri(self):
        """A Page Request through the SMMU's PRI queue: Linux logs it as
        unexpected and denies it with CMD_PRI_RESP, which must reach the
        device as a PRG Response Failure for its PRG index."""
        b = self.level1(nesting.level1(self.kernel, self.guest.busybox,
                                       self.workdir, 'pri-req'),
                        'pri-req', timeout=150,
                        refuses=(nesting.PRI_BASELINE_REFUSES,
                                 nesting.PRI_BASELINE_WHY, 'refused'))
        if self.flavour == 'baseline':
            return
        logged = [ln for ln in b.reports('NEST', 'dmesg')
                  if f'iova {nesting.PRI_IOVA:#018x}' in ln]
        self.assertTrue(logged, 'Linux logged the Page Request with its '
                        'IOVA')
        self.log.info('level 1 pri: Linux said: %s', logged[0])

    def test_level1_coherency(self):
        """nested-dma under check-coherency=strict: its stale_tlb step
        relies on a stage-1 leaf rewritten without CMD_TLBI_NH_VA, on
        purpose, and the checker must name exactly that, once; strict
        keeps the stale translation, so every step still passes."""
        self.skip_on_baseline('no coherency checker '
                              '(arm-smmuv3.check-coherency)')
        log = self.log_file('guest-errors.log')
        args = nesting.level1(self.kernel, self.guest.busybox, self.workdir)
        self.level1(args + ['-global', 'arm-smmuv3.check-coherency=strict',
                            '-d', 'guest_errors', '-D', log],
                    'nested-dma', timeout=120)
        with open(log, errors='replace') as f:
            reports = [ln.strip() for ln in f if 'coherency:' in ln]
        self.log.info('coherency reports: %s', reports)
        self.assertEqual(len(reports), 1, 'one report, for stale_tlb')
        # The leaf of nested-dma's IOVA, ASID 7, rewritten to page B
        self.assertRegex(reports[0], r'tlb-remap SID 0x8 IOVA 0x1002\w+: '
                         r'.* missing CMD_TLBI_NH_VA VMID \d+ ASID 7 VA '
                         f'{nesting.NESTED_DMA_IOVA:#x}')

    def test_level1_nvme(self):
        """Level 1 with QEMU's NVMe controller as the assigned device:
        nvme-nest drives it with every queue and buffer at stage-1 IOVAs
        of the nested domain; the written blocks must reach the image."""
        args, disk = nesting.level1_nvme(self.kernel, self.guest.busybox,
                                         self.workdir)
        self.level1(args, 'nvme-nest', timeout=180)
        if self.flavour == 'ours':
            ok, detail = nesting.nvme_disk_check(disk)
            self.assertTrue(ok, f'the NVMe disk image after the run: {detail}')
            self.log.info('level 1 nvme: disk image: %s', detail)

    def test_level1_dirty(self):
        """iommufd dirty tracking on HTTU: dirty-track's bitmaps must name
        exactly the pages smmu-testdev wrote, and the guest's own stage-1
        tables must get AF and dirty state through the nested hwpt."""
        b = self.level1(nesting.level1(self.kernel, self.guest.busybox,
                                       self.workdir, 'dirty-track'),
                        'dirty-track', timeout=150,
                        refuses=(nesting.DIRTY_BASELINE_REFUSES,
                                 nesting.DIRTY_BASELINE_WHY, 'EOPNOTSUPP'))
        features = nesting.smmu_features(b)
        self.assertIsNotNone(features, 'Linux printed no SMMU features')
        httu = features & (nesting.FEAT_HA | nesting.FEAT_HD)
        info = b.reports('NEST', 'ok hw_info')
        self.assertEqual(len(info), 1, 'one hw_info step passed')
        if self.flavour == 'baseline':
            self.assertEqual(httu, 0, 'no HA/HD on the base model')
            self.assertIn('dirty tracking no', info[0])
            return
        self.assertEqual(httu, nesting.FEAT_HA | nesting.FEAT_HD,
                         f'Linux sees HA and HD (features {features:#x})')
        self.assertIn('dirty tracking yes', info[0])
        # Linux's behaviour, reported by the guest and not judged there.
        for what in ('ok nest_parent_dirty', 'info redirty'):
            self.log.info('level 1 dirty: %s: %s', what,
                          b.reports('NEST', what)[-1:])

    def test_level1_ats(self):
        """PCIe ATS under Linux: the device's ATC filled by Translation
        Requests, emptied by the CMD_ATC_INV Linux sends on unmap."""
        self.level1(nesting.level1(self.kernel, self.guest.busybox,
                                   self.workdir, 'ats-inval'),
                    'ats-inval', timeout=150,
                    refuses=(nesting.ATS_BASELINE_REFUSES,
                             nesting.ATS_BASELINE_WHY, 'did not enable'))

    def test_level1_ats_nested(self):
        """ATS under a nested domain: the guest's vSTE enables it, and the
        guest's CMD_ATC_INV through the vIOMMU reaches the device's ATC."""
        self.level1(nesting.level1(self.kernel, self.guest.busybox,
                                   self.workdir, 'ats-nest'),
                    'ats-nest', timeout=150)

    def test_level1_iopf(self):
        """An I/O page fault served by user space: on an SMMU with stall
        forced, a write to an unmapped IOVA stalls, reaches the program
        through an iommufd fault queue, and completes after the program
        maps the page and answers; a fault answered invalid aborts."""
        args = nesting.level1(self.kernel, self.guest.busybox, self.workdir,
                              'iopf') + ['-cpu', nesting.IOPF_CPU]
        if self.flavour == 'ours':
            args += ['-global', 'arm-smmuv3.stall=forced']
        b = self.level1(args, 'iopf', timeout=150,
                        refuses=(nesting.IOPF_BASELINE_REFUSES,
                                 nesting.IOPF_BASELINE_WHY, 'ETIMEDOUT'))
        features = nesting.smmu_features(b)
        self.assertIsNotNone(features, 'Linux printed no SMMU features')
        stalls = features & nesting.FEAT_STALLS_FORCED
        self.assertEqual(stalls, nesting.FEAT_STALLS_FORCED
                         if self.flavour == 'ours' else 0,
                         f'STALLS and STALL_FORCE (features {features:#x})')
    def test_level1_sva(self):
        """SVA: the kernel's smmu-testdev-sva driver binds sva-dma's mm to
        smmu-testdev (iommu_sva_bind_device); the device copies between
        the process's heap and stack through stage 1 of the process's own
        page tables (the CD at index PASID, TTB0 its pgd), and a DMA to a
        munmap'ed buffer fails with an F_TRANSLATION Linux logs.  Pages are
        touched before each DMA: the variant without I/O page faults."""
        trace = (self.log_file('sva-trace.log') if self.flavour == 'ours'
                 else None)
        args = nesting.level1_sva(self.kernel, self.guest.busybox,
                                  self.workdir, trace=trace)
        b = self.level1(args, 'sva-dma', timeout=150,
                        refuses=(nesting.SVA_BASELINE_REFUSES,
                                 nesting.SVA_BASELINE_WHY, 'ENOSPC'))
        smmu = [ln for ln in b.reports('NEST', 'dmesg') if 'features' in ln]
        self.log.info('level 1 sva: Linux: %s', smmu)
        if self.flavour == 'baseline':
            return
        self.log.info('level 1 sva: variant: pages pre-touched, no IOPF')
        features = nesting.smmu_features(b)
        self.assertTrue(features and features & nesting.FEAT_SVA,
                        f'Linux offers SVA (features {features})')
        self.assertIn('oas 52-bit', smmu[0])
        bound = re.search(r'pasid (\d+) cpu_asid (\d+) pgd (0x[0-9a-f]+)',
                          b.reports('NEST', 'ok sva_bind')[0])
        pasid, cpu_asid, pgd = (int(bound.group(1)), int(bound.group(2)),
                                int(bound.group(3), 16))
        # The munmap'ed buffer: Linux logged the SMMU's event for it
        gone = re.search(r'-> (0x[0-9a-f]+)',
                         b.reports('NEST', 'ok dma_after_munmap')[0])
        fault = [ln for ln in b.console if 'F_TRANSLATION' in ln and
                 f'ssid: {pasid:#x} iova: {gone.group(1)}' in ln]
        self.assertTrue(fault, 'Linux logged F_TRANSLATION for PASID '
                        f'{pasid} at {gone.group(1)}')
        self.log.info('level 1 sva: the SMMU recorded: %s', fault[0])
        # Our trace: the CD Linux wrote at index PASID, and every stage-1
        # walk starting in the process's pgd (TTB0)
        cds, tops = nesting.sva_trace(trace, pasid)
        self.assertTrue(cds, f'the SMMU fetched CD {pasid}')
        stray = [a for a in tops if a & ~0xfff != pgd]
        self.assertTrue(tops and not stray, 'stage-1 walks start in the '
                        f'pgd {pgd:#x}: {[hex(a) for a in tops]}')
        self.log.info('level 1 sva: PASID %d, CD %s; the process: CPU '
                      'ASID %d, pgd %#x, %d pgd entries walked', pasid,
                      ', '.join(f'sid {s:#x} @{a:#x} ASID {asid}'
                                for s, a, asid in cds),
                      cpu_asid, pgd, len(tops))

    def test_level1_sva_iopf(self):
        """SVA with I/O page faults (stall=forced): after the steps of
        test_level1_sva, the device writes into pages the process never
        touched; the SMMU stalls, Linux's fault handler faults the pages
        in and resumes, and the bytes must be there."""
        self.skip_on_baseline('the base SMMU cannot stall (no "stall" '
                              'property)')
        args = nesting.level1_sva(self.kernel, self.guest.busybox,
                                  self.workdir, stall='forced')
        b = self.level1(args, 'sva-dma', timeout=150)
        iopf = b.reports('NEST', 'ok dma_iopf')
        self.assertEqual(len(iopf), 1, 'the I/O page fault step ran')
        self.log.info('level 1 sva iopf: %s', iopf[0])

    def test_level1_sva_oas48(self):
        """The same with an SMMU OAS (48) below the CPU's PARange (52):
        Linux must not offer SVA and the bind must fail."""
        self.skip_on_baseline('the base SMMU has no "oas" property')
        args = nesting.level1_sva(self.kernel, self.guest.busybox,
                                  self.workdir, oas=48)
        b = self.level1(args, 'sva-dma', timeout=150)
        smmu = [ln for ln in b.reports('NEST', 'dmesg') if 'features' in ln]
        self.log.info('level 1 sva oas 48: Linux: %s', smmu)
        features = nesting.smmu_features(b)
        self.assertIsNotNone(features, 'Linux printed no SMMU features')
        self.assertIn('oas 48-bit', smmu[0])
        self.assertFalse(features & nesting.FEAT_SVA, 'no SVA at OAS 48')
        refused = b.reports('NEST', 'ok sva_refused')
        self.assertEqual(refused, [f'bind {nesting.SVA_REFUSED_ERRNO}'])
        self.log.info('level 1 sva oas 48: %s', refused[0])

    def test_level1_pasid20(self):
        """A PASID above 255 end to end: pasid20 attaches a paging hwpt to
        PASID 0x12345 of smmu-testdev through VFIO's PASID attach, and the
        device's DMA with that PASID must move the IOAS's bytes."""
        b = self.level1(nesting.level1(self.kernel, self.guest.busybox,
                                       self.workdir, 'pasid20'),
                        'pasid20', timeout=150,
                        refuses=('attach_pasid', PASID20_BASELINE_WHY,
                                 'EINVAL'))
        if self.flavour == 'ours':
            info = b.reports('NEST', 'ok hw_info')
            self.assertIn('SSIDSIZE 20, device PASID width 20 bits', info[0])

    def test_level1_pasid20_ssidsize8(self):
        """pasid20 on an SMMU of 8-bit SubstreamIDs (ssidsize=8, as virt
        10.1 has): Linux caps the device's PASIDs at 255 and refuses the
        attach of PASID 0x12345 with EINVAL."""
        self.skip_on_baseline('no arm-smmuv3.ssidsize property')
        args = nesting.level1(self.kernel, self.guest.busybox, self.workdir,
                              'pasid20')
        b = self.boot(args + ['-global', 'arm-smmuv3.ssidsize=8'],
                      timeout=150, silence=60)
        steps = nesting.steps(b)
        for status, step, detail in steps:
            self.log.info('level 1 %s %s %s', status, step, detail)
        if not b.reports('NEST', 'done'):
            self.fail_run(b, f'pasid20 did not end: {b.why}')
        info = b.reports('NEST', 'ok hw_info')
        self.assertEqual(len(info), 1, 'the hw_info step passed')
        self.assertIn('SSIDSIZE 8, device PASID width 8 bits', info[0])
        self.expect_refusal(b, steps, 'attach_pasid',
                            'the SMMU has 8-bit SubstreamIDs', 'EINVAL')

    def level1(self, args, prog, timeout,
               refuses=(nesting.BASELINE_REFUSES, nesting.BASELINE_WHY,
                        'EOPNOTSUPP')):
        """Boot a level-1 guest running prog and judge its NEST lines:
        every step must pass or, on the baseline, the step refuses[0] must
        fail as expected (refuses[1] says why, refuses[2] is in the
        step's detail).  The boot."""
        b = self.boot(args, timeout=timeout, silence=60)
        steps = nesting.steps(b)
        for status, step, detail in steps:
            self.log.info('level 1 %s %s %s', status, step, detail)
        if not b.finished:
            self.fail_run(b, f'level 1 did not power off: {b.why}')
        done = b.reports('NEST', 'done')
        if not done:
            self.fail_run(b, f'{prog} did not end ("NEST done")')
        if self.flavour == 'baseline':
            self.expect_refusal(b, steps, *refuses)
            return b
        failed = [s for s in steps if s[0] != 'ok']
        if failed:
            self.fail_run(b, 'level 1 {1}: {0} {2}'.format(*failed[0]))
        if done != [f'{len(steps)} 0 0']:
            self.fail_run(b, f'{prog} did not end with every step '
                          f'passed ("NEST done {done}")')
        self.log.info('level 1 %s: %d steps passed in %.1f s', prog,
                      len(steps), b.elapsed)
        return b

    def expect_refusal(self, b, steps, refused, why, detail_says):
        """The baseline: every step up to refused passes, refused fails
        saying detail_says, every later step is skipped."""
        names = [s[1] for s in steps]
        if refused not in names:
            self.fail_run(b, f'no {refused} step')
        at = names.index(refused)
        status, _, detail = steps[at]
        if status != 'not ok' or detail_says not in detail:
            self.fail_run(b, f'{refused}: {status} {detail} (the baseline '
                          f'must fail it with "{detail_says}")')
        self.assertEqual([s[0] for s in steps[:at]], ['ok'] * at)
        self.assertEqual({s[0] for s in steps[at + 1:]}, {'skip'})
        self.log.info('baseline: %s, as expected: %s', detail, why)

    def test_level2(self):
        l1 = debian.l1_userspace()
        self.log.info('L1 userspace %s', l1.label)
        trace = self.log_file('level2-trace.log')
        args = nesting.level2(self.kernel, l1, self.guest, self.workdir,
                              trace if self.flavour == 'ours' else None)
        # Silence: a working run prints every few seconds; a broken
        # translation often hangs L2's driver.
        b = self.boot(args, timeout=600, silence=150)
        got = b.reports('E2E-L2', 'sha256')
        if not got:
            refused = [ln for ln in b.console
                       if nesting.VIOMMU_REFUSED_RE.search(ln)]
            if refused and self.flavour == 'baseline':
                self.log.info('baseline: L1 refuses the vIOMMU (no '
                              'SMMU_IDR3.FWB), as expected: %s', refused[0])
                return
            self.fail_run(b, nesting.level2_failure(b, trace))
        self.assertEqual(got[-1], sha256(nesting.disk_content()),
                         'the sha256 L2 read')
        domain = b.reports('E2E-L2', 'domain')
        self.assertIn(domain[-1:], (['DMA'], ['DMA-FQ']),
                      'the disk is behind a translating domain in L2')
        self.log.info('level 2: sha256 matches; L2 domain %s; %.0f s',
                      domain[-1], b.elapsed)
        if self.flavour == 'ours':
            ok, detail = nesting.TraceFacts(trace).check()
            self.log.info('level 2 trace: %s', detail)
            self.assertTrue(ok, 'L0 trace shows the disk nested (Config 7) '
                            f'with stage-1 and stage-2 walks: {detail}')


if __name__ == '__main__':
    QemuSystemTest.main()
