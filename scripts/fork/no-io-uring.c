/*
 * LD_PRELOAD shim for measuring QEMU under valgrind: QEMU 10.2 polls every
 * AioContext through io_uring when liburing is there, and valgrind cannot
 * follow the ring, so QEMU waits forever.  Refusing io_uring_queue_init()
 * makes QEMU fall back to ppoll/epoll, as on a kernel without io_uring.
 *
 * Build: cc -shared -fPIC -o build/no-io-uring.so scripts/fork/no-io-uring.c
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>

struct io_uring;

int io_uring_queue_init(unsigned entries, struct io_uring *ring,
                        unsigned flags);

int io_uring_queue_init(unsigned entries, struct io_uring *ring,
                        unsigned flags)
{
    return -ENOSYS;
}
