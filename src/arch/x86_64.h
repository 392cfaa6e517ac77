/* x86-64: registers, the `syscall` instruction (0f 05) and the kernel's restart rules.
 * Everything outside this file uses these names only. */
#ifndef AIOCTL_ARCH_X86_64_H
#define AIOCTL_ARCH_X86_64_H

#include <stdbool.h>
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

/* Highest user address + 1 with 4-level paging: anything at or above is non-canonical
 * (or kernel) for a process that did not opt into 5-level addresses. */
#define ARCH_USER_ADDR_END 0x800000000000ull

/* The line /proc/PID/maps ends with when the kernel maps the vsyscall page (the gate
 * area is listed after every VMA): reading can stop there. */
#define ARCH_MAPS_LAST_LINE "[vsyscall]\n"

/* Code segment selectors of a 64-bit and a 32-bit compat user thread. */
#define ARCH_CS_64 0x33
#define ARCH_CS_32 0x23

/* Kernel-internal restart codes (include/linux/errno.h): user space never sees them
 * unless a tracer resumes a syscall-exit stop without the fix-up below. */
#define ARCH_ERESTARTSYS           512
#define ARCH_ERESTARTNOINTR        513
#define ARCH_ERESTARTNOHAND        514
#define ARCH_ERESTART_RESTARTBLOCK 516
#define ARCH_NR_RESTART_SYSCALL    219
#define ARCH_NR_IO_GETEVENTS       208

static inline uint64_t arch_pc(const arch_regs *r) { return r->rip; }
static inline void arch_set_pc(arch_regs *r, uint64_t pc) { r->rip = pc; }
/* The syscall number the kernel saw at entry, -1 when the thread is not in a syscall
 * (interrupts and exceptions set orig_rax to -1 on entry). */
static inline long arch_syscall_nr(const arch_regs *r) { return (long)r->orig_rax; }
static inline long arch_retval(const arch_regs *r) { return (long)r->rax; }
static inline uint64_t arch_arg(const arch_regs *r, int i)
{
	switch (i) {
	case 0: return r->rdi;
	case 1: return r->rsi;
	case 2: return r->rdx;
	case 3: return r->r10;
	case 4: return r->r8;
	default: return r->r9;
	}
}
static inline void arch_set_arg(arch_regs *r, int i, uint64_t v)
{
	switch (i) {
	case 0: r->rdi = v; break;
	case 1: r->rsi = v; break;
	case 2: r->rdx = v; break;
	case 3: r->r10 = v; break;
	case 4: r->r8 = v; break;
	default: r->r9 = v; break;
	}
}
static inline bool arch_is_compat(const arch_regs *r) { return r->cs == ARCH_CS_32; }

/* Prepares r to run syscall nr(args) at the `syscall` instruction at insn.  orig_rax
 * is -1 so that the kernel's restart logic, which runs when the thread leaves its
 * current stop, leaves these registers alone. */
static inline void arch_prepare_syscall(arch_regs *r, uint64_t insn, long nr, const long args[6])
{
	r->rip = insn;
	r->rax = (uint64_t)nr;
	r->orig_rax = (uint64_t)-1;
	for (int i = 0; i < 6; i++)
		arch_set_arg(r, i, (uint64_t)args[i]);
}

/* What the kernel does to a thread leaving a syscall with a restart code when no
 * handler runs (arch/x86/kernel/signal.c).  A tracer that resumes a thread from a
 * syscall-exit stop (where the kernel's own fix-up has passed) must do it itself, or
 * the application sees -512.  Returns true if r was changed. */
static inline bool arch_restart_fixup(arch_regs *r)
{
	if ((long)r->orig_rax < 0)
		return false;
	switch ((long)r->rax) {
	case -ARCH_ERESTARTSYS:
	case -ARCH_ERESTARTNOINTR:
	case -ARCH_ERESTARTNOHAND:
		r->rax = r->orig_rax;
		r->rip -= ARCH_SYSCALL_INSN_LEN;
		return true;
	case -ARCH_ERESTART_RESTARTBLOCK:
		r->rax = ARCH_NR_RESTART_SYSCALL;
		r->rip -= ARCH_SYSCALL_INSN_LEN;
		return true;
	default:
		return false;
	}
}

/* Makes a thread that returned from syscall nr re-execute it with the same argument
 * registers: the instruction before rip is the `syscall` it came from. */
static inline void arch_reissue_syscall(arch_regs *r)
{
	r->rax = r->orig_rax;
	r->rip -= ARCH_SYSCALL_INSN_LEN;
}

#endif
