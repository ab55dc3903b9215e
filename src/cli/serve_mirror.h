/* serve_mirror.h - huzhu serve --mirror: the county mirror followed by a
 * serving node, on a thread of its own (serve_mirror.c; proto/cli.md,
 * "The county mirror"). */
#ifndef HZ_CLI_SERVE_MIRROR_H
#define HZ_CLI_SERVE_MIRROR_H

#include "cli.h"

#include "../mirror/mirror.h"

struct serve_mirror;

/* Fail the command with @fault's text (cmd_mirror.c). */
int cmd_mirror_fail(struct cli *c, enum mirror_fault fault, int code,
                    const struct hz_err *err);

/* What @fault means, in the interface's language (cmd_mirror.c); NULL for
 * a fault without a text of its own. */
const char *cmd_mirror_fault_text(const struct cli *c, enum mirror_fault fault);

/* Check @url (no password, a valid schema: nothing is connected) and
 * @reader (a read-only role granted at every connection, as mirror
 * --reader does; NULL: none), and
 * start following the node in cli_node_dir(@c) into it: a thread with
 * its own node handle, its own libuv loop and PostgreSQL connection,
 * copying what changed after each session (serve_mirror_poke) and
 * whenever the change counter moved (looked at every second). A
 * PostgreSQL down, refusing or locked is said once on stderr and tried
 * again with backoff (1 s doubling to 60 s); serving goes on. @c, @url
 * and @reader are borrowed until serve_mirror_stop. On failure (the URL) *@out
 * is NULL, *@fault and @err say why. */
int serve_mirror_start(struct cli *c, const char *url, const char *reader,
                       struct serve_mirror **out, enum mirror_fault *fault,
                       struct hz_err *err);
/* A session ended: copy what it brought now. Any thread. NULL is fine. */
void serve_mirror_poke(struct serve_mirror *sm);
/* Stop (after the pass running, if any) and release. NULL is fine. */
void serve_mirror_stop(struct serve_mirror *sm);

#endif
