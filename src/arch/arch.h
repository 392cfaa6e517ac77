/* Selects the architecture file: register names, the syscall instruction and the
 * syscall-restart rules.  Only x86-64 exists for now. */
#ifndef AIOCTL_ARCH_H
#define AIOCTL_ARCH_H

#if defined(__x86_64__)
#include "arch/x86_64.h"
#else
#error "aioctl supports x86-64 only for now: add src/arch/<arch>.h"
#endif

#endif
