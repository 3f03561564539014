/* Private to hub/: what the monitor thread (monitor.c) and the preemption
 * signal's handler (preempt.c) share. */
#ifndef GP_HUB_MONITOR_H
#define GP_HUB_MONITOR_H

#include <stdint.h>

/* The shim's own signal, for preemption and for the monitor's backtrace
 * samples: the kernel's last real-time signal (SIGRTMAX, 64 on Linux).
 * Shared with the program while the monitor or preemption is on: the
 * kernel's disposition is the shim's handler and the OS thread's mask never
 * blocks it (hub.c hub_mask_os_never), while the program sees its own
 * disposition, mask and pending set for it (the signal patch,
 * hub_sig_foreign). The shim's instances come from a CPU-time timer of a
 * hub's OS thread (preemption) or from the monitor thread (a backtrace
 * sample, hub_probe_send), both marked with the shim's value. */
#define GP_SIG_PREEMPT 64

/* One backtrace sample at a time, asked by the monitor, taken by the
 * handler on the hub's OS thread (async-signal-safe: plain stores). */
#define PROBE_MAX 32
enum { PROBE_IDLE, PROBE_ASKED, PROBE_DONE };
struct hub_probe {
    int state;
    int tid;
    uintptr_t pc;
    int n;
    uintptr_t ra[PROBE_MAX];
};
extern struct hub_probe hub_probe;

void hub_ranges_refresh(void);     /* monitor thread only */
int hub_text_kind(uintptr_t addr); /* -1 unknown, 0 program, 1 system */
int hub_stack_scan(uintptr_t sp, uintptr_t top, uintptr_t *out, int max);
int hub_preempt_install(void);
void hub_probe_send(int tid);              /* the monitor asks tid's handler for a sample */
void hub_preempt_start(unsigned slice_ms); /* arms this thread's hub, and every new one */

#endif
