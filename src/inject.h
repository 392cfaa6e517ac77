/* Acting inside another process: freeze every thread with ptrace, run system calls in
 * one of them through a `syscall` instruction that is already there, and thaw it with
 * every register as it was.  The architecture details live in arch/<arch>.h.
 *
 * Contract (DEVELOPERS.md, "rules that never bend"):
 *  - freeze_process() either returns with every thread stopped, or with nothing attached;
 *  - thaw_process() always detaches every thread it can, restoring f->threads[i].resume;
 *  - between the two, aioctl's SIGINT/SIGTERM/SIGHUP/SIGPIPE are blocked (pending signals
 *    are honoured after thaw_process, by the caller through inject_pending_signal()).
 */
#ifndef AIOCTL_INJECT_H
#define AIOCTL_INJECT_H

#include "aioctl.h"
#include "arch/arch.h"

#include <signal.h>

struct frozen_thread {
	pid_t tid;
	arch_regs saved;        /* registers exactly as found at the freeze */
	arch_regs resume;       /* what the thread resumes with: saved, plus deliberate
	                         * changes (a context id rewritten by a move, a restart
	                         * fix-up); thaw restores these */
	bool in_syscall;        /* stopped inside (or at the exit of) a system call */
	bool reissue_getevents; /* was blocked in io_getevents and got EINTR from our stop:
	                         * resume re-issues the call (with resume's arguments) */
	int pending_sig;        /* a signal that arrived while frozen, re-delivered at thaw */
};

struct frozen {
	pid_t pid;
	int pidfd;                      /* pins the process: a reused PID is detected */
	struct frozen_thread *threads;
	size_t nthreads;
	size_t injector;                /* index of the thread that runs injected calls */
	uint64_t syscall_insn;          /* address of an existing `syscall` instruction */
	uint64_t first_stop_us;         /* first thread stopped */
	uint64_t last_resume_us;        /* last thread resumed (set by thaw_process) */
	sigset_t saved_sigmask;         /* aioctl's own mask before the freeze */
	bool seccomp_suspended;
};

enum freeze_flags {
	FREEZE_DEFAULT = 0,
};

/* Stops every thread of pid (PTRACE_SEIZE + PTRACE_INTERRUPT, re-reading /proc/PID/task
 * until no new thread appears) and records their state.  Refuses (nothing left attached)
 * a target that is traced already, a zombie or exiting one, a 32-bit one, or one whose
 * seccomp filter could kill an injected call.  Returns EXIT_OK, or the exit status to use
 * after having printed one line saying why (EXIT_PERM, EXIT_NOPROC, EXIT_REFUSED). */
int freeze_process(pid_t pid, unsigned flags, struct frozen *f);

/* Runs nr(args[0..5]) in the injector thread.  Returns 0 when the call ran, with the
 * kernel's return value in *result (-errno on failure); -errno when it could not be run
 * (the target died: -ESRCH).  The thread's registers are put back afterwards. */
int remote_syscall(struct frozen *f, long nr, const long args[6], long *result);

/* Restores each thread's `resume` registers (with the syscall-restart fix-up), re-delivers
 * signals that arrived meanwhile, detaches all threads, closes the pidfd, restores aioctl's
 * signal mask, and sets last_resume_us.  Returns 0, or -errno if some thread could not be
 * restored (it is still detached). */
int thaw_process(struct frozen *f);

/* Microseconds between the first stop and the last resume. */
static inline uint64_t frozen_us(const struct frozen *f)
{
	return f->last_resume_us > f->first_stop_us ? f->last_resume_us - f->first_stop_us : 0;
}

/* Which of SIGINT/SIGTERM/SIGHUP/SIGPIPE arrived while frozen (0 if none); the caller
 * finishes or unwinds, then calls this and exits accordingly. */
int inject_pending_signal(void);

#endif
