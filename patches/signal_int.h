/* Between the files of the signal patch and the thread patch: the
 * program's handlers and where they run (signal_deliver.c). */
#ifndef GP_SIGNAL_INT_H
#define GP_SIGNAL_INT_H

#include <signal.h>

#include "patch.h"

/* sig's disposition is the table's (not a fault, SIGCHLD, or internal). */
int gp_sig_handles(int sig);
/* sigaction for such a signal: the program's view, our trampoline. */
int gp_sig_action(int sig, const struct sigaction *act, struct sigaction *old);
/* The kernel's disposition of sig (the original sigaction), every byte
 * defined: what the shim keeps or hands back as the program's view. */
int gp_sig_view(int sig, struct sigaction *out);
/* In a handler: 1 (and si handed to the hub) when the signal landed where
 * no program thread takes it (the hub, or a greenlet that blocks it). */
int gp_sig_elsewhere(int sig, const siginfo_t *si);
/* Runs the program's handler p as the kernel would have (a no-wait
 * section, counted for gp_sig_ran and the restart decision). */
void gp_sig_call(const struct sigaction *p, int sig, siginfo_t *si, void *uc);
/* Raises si again on the OS thread, for the running greenlet, at a point
 * of the shim's choosing: its handler may wait (gp_sig_call). */
void gp_sig_raise(const siginfo_t *si);
/* Raises g's handed-over signals it does not block (g runs): 1 if every
 * handler that ran has SA_RESTART. */
int gp_sig_run(gl_t *g);
/* Handlers run on this OS thread so far (a counter). */
unsigned gp_sig_ran(void);
/* Handlers without SA_RESTART run in the running greenlet (a counter). */
unsigned gp_sig_ran_eintr(void);
/* A handler left by longjmp: its no-wait section ends. */
void gp_sig_unwound(void);
void gp_sig_init(void);
/* signal_wait.c: the greenlet's mask becomes *ss for a wait (pselect & co.);
 * EINTR (mask unchanged) when a handler ran as it was applied, EFAULT. */
int gp_sigmask_swap(const sigset_t *ss, uint64_t *old);
void gp_sigmask_restore(uint64_t old);
/* thread_cancel.c: the hub's interrupt hook (signals and cancellation),
 * installed by the thread patch, or by the signal patch without it. */
void gp_intr_init(void);

#endif
