/* x86-64: registers, the `syscall` instruction (0f 05) and the kernel's restart rules.
 * Everything outside this file uses these names only. */
#ifndef AIOCTL_ARCH_X86_64_H
#define AIOCTL_ARCH_X86_64_H

#include <stdint.h>
#include <sys/user.h>

typedef struct user_regs_struct arch_regs;

/* The general registers a program can keep a pointer in (src/refs.c scans them for the
 * ring's address).  Not rip (the ring is never executable), not segments or flags,
 * not orig_rax (a syscall number) nor fs_base/gs_base (TLS bases, never in a ring). */
#define ARCH_POINTER_REGS(X) \
	X(rax) X(rbx) X(rcx) X(rdx) X(rsi) X(rdi) X(rbp) X(rsp) \
	X(r8) X(r9) X(r10) X(r11) X(r12) X(r13) X(r14) X(r15)

#define ARCH_NAME "x86-64"
#define ARCH_SYSCALL_INSN_LEN 2
static const unsigned char arch_syscall_insn[ARCH_SYSCALL_INSN_LEN] = { 0x0f, 0x05 };

/* Fill-in for the injection engine (src/inject.c); extend as needed. */

#endif
