/* The machine tests' fixture and matchers (smtest.c). */
#ifndef PMTREE_SMTEST_H
#define PMTREE_SMTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smint.h"
#include "treebuild.h"

#define MAXACT	512
#define BIG	1000	/* an intensity that never interferes */

extern struct cfg_node	*grp;
extern struct sm	 sm;
extern bool		 started;
extern struct action	 acts[MAXACT];
extern size_t		 nacts, apos;
extern struct action	 hist[4 * MAXACT];	/* every action since go() */
extern size_t		 nhist;
extern bool		 strict;
void setup(void);
void teardown(void);
void mk(enum cfg_strategy st, unsigned intensity, uint64_t period, size_t n);
struct cfg_node *N(size_t k);
struct cfg_worker *W(size_t k);
void set_backoff1(size_t k, uint64_t b);
void go(void);
const char *kind_name(enum act_kind k);
const char *act_str(const struct action *a, char *buf, size_t len);
void drain(void);
const struct action *next_act(void);
const struct action *expect(enum act_kind k, size_t slot);
void expect_spawn(size_t i);
void expect_signal(size_t i, int sig);
void expect_stop(size_t i, int sig);
void expect_timer(size_t i, uint64_t due);
void expect_cancel(size_t i);
void skip_cancel(size_t i);
void expect_report(size_t i);
void expect_note(size_t i, enum note n, uint64_t value);
void expect_ready(void);
void expect_exit(int status);
void expect_end(void);
size_t hist_count(enum act_kind k, size_t slot);
size_t hist_signals(size_t slot, int sig);
void hist_reset(void);
void expect_state(size_t i, enum slot_state st);
void ev_start(uint64_t t);
void ev_ready(size_t i, uint64_t t);
void ev_exit(size_t i, int code, uint64_t t);
void ev_signaled(size_t i, int sig, uint64_t t);
void ev_timer(size_t i, uint64_t t);
void ev_shutdown(int status, uint64_t t);
void ev_kill_all(uint64_t t);
void ev_cmd_stop(size_t i, uint64_t t);
void ev_cmd_start(size_t i, uint64_t t);
void up_all(uint64_t t);
size_t window(uint64_t now);
void ev_cmd_restart(size_t i, uint64_t t);
void ev_stop_all(uint64_t t);
void ev_start_all(uint64_t t);
void ev_restart_all(uint64_t t);
void expect_held(size_t i, bool held);

#endif
