/* x86-64: registers, the `syscall` instruction (0f 05) and the kernel's restart rules.
 * Everything outside this file uses these names only. */
#ifndef AIOCTL_ARCH_X86_64_H
#define AIOCTL_ARCH_X86_64_H

#include <stdint.h>
#include <sys/user.h>

typedef struct user_regs_struct arch_regs;

#define ARCH_NAME "x86-64"
#define ARCH_SYSCALL_INSN_LEN 2
static const unsigned char arch_syscall_insn[ARCH_SYSCALL_INSN_LEN] = { 0x0f, 0x05 };

/* Fill-in for the injection engine (src/inject.c); extend as needed. */

#endif
