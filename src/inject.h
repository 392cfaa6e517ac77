/* Acting inside another process: freeze every thread with ptrace, run system calls in
 * one of them through a `syscall` instruction that is already there, and thaw it with
 * every register as it was.  The architecture details live in arch/<arch>.h.
 *
 * Contract (DEVELOPERS.md, "rules that never bend"):
 *  - freeze_process() either returns with every thread stopped, or with nothing attached;
 *  - thaw_process() always detaches every thread it can, restoring f->threads[i].resume;
 *  - from freeze_process() until inject_release_signals(), aioctl's SIGINT/SIGTERM/SIGHUP/
 *    SIGPIPE are blocked: callers poll inject_signal_arrived() between steps, unwind or
 *    finish, thaw, and then honour the signal that inject_release_signals() returns.
 */
#ifndef AIOCTL_INJECT_H
#define AIOCTL_INJECT_H

#include "aioctl.h"
#include "arch/arch.h"

#include <signal.h>

enum thread_stop {
	STOP_EVENT,     /* PTRACE_EVENT_STOP (our interrupt, or a group-stop) */
	STOP_SIGNAL,    /* signal-delivery-stop: the thread had dequeued pending_sig */
	STOP_SYSCALL,   /* syscall-exit stop, after running injected calls */
};

#define MAX_HELD_SIGNALS 8

struct frozen_thread {
	pid_t tid;
	arch_regs saved;        /* registers exactly as found at the freeze */
	arch_regs resume;       /* what the thread resumes with: saved, plus deliberate
	                         * changes (a context id rewritten by a move, a re-issued
	                         * io_getevents); thaw restores these */
	enum thread_stop stop;
	bool in_syscall;        /* stopped inside (or at the exit of) a system call */
	bool reissue_getevents; /* was blocked in io_getevents and got EINTR from our stop:
	                         * resume re-issues the call (with resume's arguments) */
	bool gone;              /* exited while frozen */
	int pending_sig;        /* signal dequeued before our stop, re-delivered at thaw */
	int held[MAX_HELD_SIGNALS]; /* signals the injector dequeued while running our calls */
	unsigned nheld;
};

struct frozen {
	pid_t pid;
	int pidfd;                      /* pins the process: a reused PID is detected */
	struct frozen_thread *threads;
	size_t nthreads, cap;
	size_t injector;                /* index of the thread that runs injected calls */
	uint64_t syscall_insn;          /* address of an existing `syscall` instruction */
	uint64_t first_stop_us;         /* first thread stopped */
	uint64_t last_resume_us;        /* last thread resumed (set by thaw_process) */
	sigset_t saved_sigmask;         /* aioctl's own mask before the freeze */
	bool seccomp_suspended;
	bool dead;                      /* the target died while frozen */
	bool injected;                  /* the injector ran at least one call */
};

enum freeze_flags {
	FREEZE_DEFAULT = 0,
	FREEZE_QUIET = 1,               /* no message on refusal (list --probe) */
};

/* Checks what can be checked without attaching: the process exists, is not traced, not a
 * zombie or exiting, is 64-bit, and a seccomp filter can be suspended.  Prints one line
 * and returns the exit status on refusal, EXIT_OK otherwise. */
int inject_precheck(pid_t pid, unsigned flags);

/* Stops every thread of pid (PTRACE_SEIZE + PTRACE_INTERRUPT, re-reading /proc/PID/task
 * until no new thread appears) and records their state.  Refuses (nothing left attached)
 * a target that is traced already, a zombie or exiting one, a 32-bit one, or one whose
 * seccomp filter could kill an injected call.  Returns EXIT_OK, or the exit status to use
 * after having printed one line saying why (EXIT_PERM, EXIT_NOPROC, EXIT_REFUSED). */
int freeze_process(pid_t pid, unsigned flags, struct frozen *f);

/* Runs nr(args[0..5]) in the injector thread.  Returns 0 when the call ran, with the
 * kernel's return value in *result (-errno on failure); -errno when it could not be run
 * (the target died: -ESRCH).  The thread's registers are put back at thaw. */
int remote_syscall(struct frozen *f, long nr, const long args[6], long *result);

/* Whether the target is still alive (its pidfd is not readable). */
bool frozen_alive(struct frozen *f);

/* Restores each thread's `resume` registers (with the syscall-restart fix-up), re-delivers
 * signals that arrived meanwhile, detaches all threads, closes the pidfd and sets
 * last_resume_us.  Returns 0, or -errno if some thread could not be restored (it is still
 * detached).  Signals stay blocked: see inject_release_signals(). */
int thaw_process(struct frozen *f);

/* Microseconds between the first stop and the last resume. */
static inline uint64_t frozen_us(const struct frozen *f)
{
	return f->last_resume_us > f->first_stop_us ? f->last_resume_us - f->first_stop_us : 0;
}

/* Whether one of SIGINT/SIGTERM/SIGHUP/SIGPIPE is waiting (not consumed). */
bool inject_signal_arrived(void);

/* After thaw: consumes the signal that arrived while frozen (0 if none) and restores
 * aioctl's signal mask.  The caller reports, then honours it (inject_honour_signal). */
int inject_release_signals(struct frozen *f);

/* Dies of sig with its default action, as if it had arrived unblocked. */
void inject_honour_signal(int sig) __attribute__((noreturn));

/* Liveness of rings in one process: freezes it briefly and runs io_getevents(addr, 0, 0,
 * NULL, NULL) for each address (0: a live context of this process; -EINVAL: none).
 * results[i] gets the kernel's answer.  Returns EXIT_OK, or the freeze's refusal status
 * (nothing probed; quiet: no message).  A signal that arrived meanwhile is honoured after
 * the process has been thawed. */
int probe_liveness(pid_t pid, const uint64_t *addrs, size_t n, long *results);

#endif
