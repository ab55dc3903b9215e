/* mirror.h - the county mirror: the node's materialized state copied into
 * PostgreSQL with libpq (issue 18; DECISIONS 43; proto/cli.md, mirror).
 *
 * A layer beside net and http: it reads the node only through
 * src/store/store.h (the change counter, store_changes_*) and the schema
 * registry, and it is the only code that talks to libpq. */
#ifndef HZ_MIRROR_H
#define HZ_MIRROR_H

#include "huzhu/huzhu.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a mirror could not start or go on, for the CLI's messages. */
enum mirror_fault {
    MIRROR_OK,
    MIRROR_LIBRARY,        /* libpq is not installed on this machine */
    MIRROR_URL_PASSWORD,   /* the URL carries a password: refused, unused */
    MIRROR_URL,            /* the URL does not parse, or its schema name */
    MIRROR_UNREACHABLE,    /* no server answered */
    MIRROR_AUTH,           /* the server refused the login */
    MIRROR_LOCKED,         /* another node writes this network's mirror */
    MIRROR_OLDER,          /* the mirror's writer saw entries this node lacks */
    MIRROR_YIELDED,        /* a node with a newer view waits: lock given up */
    MIRROR_SERVER,         /* a statement failed on the server */
    MIRROR_NODE,           /* reading the node failed */
    MIRROR_READER_NAME,    /* --reader: not a plain lower-case name */
    MIRROR_READER_MISSING, /* --reader: no such role on the server */
    MIRROR_READER_WRITES,  /* --reader: the role could write (itself the
                              mirror's role, a member of it, a superuser) */
};

#define MIRROR_BATCH_DEFAULT 1000u
/* How long a node that asked for the lock counts as waiting: longer than
 * serve --mirror's longest backoff (60 s), so it is still waiting when it
 * tries again. */
#define MIRROR_WAITING_S 180
#define MIRROR_SCHEMA_LEN_MAX 63u /* PostgreSQL's NAMEDATALEN - 1 */

struct mirror_opts {
    const char *url; /* borrowed; never printed (it may name a host) */
    size_t batch;    /* changed rows per PostgreSQL transaction */
    /* a role granted USAGE on the schema and SELECT on the mirror's
     * tables and views at every start, or NULL; borrowed */
    const char *reader;
    /* test hooks, in this batch of a pass after its rows were sent and
     * before its COMMIT (0: never): SIGKILL (HUZHU_TEST_MIRROR_KILL_IN_BATCH);
     * wait until the file @stall_until exists, at most 30 s, while the
     * test stops PostgreSQL (HUZHU_TEST_MIRROR_STALL_IN_BATCH=N:PATH) */
    unsigned long kill_in_batch, stall_in_batch;
    const char *stall_until;
};

/* What one pass copied. */
struct mirror_pass {
    int64_t from, to; /* the stored counter before and after */
    uint64_t batches, rows, removed, conflicts;
    /* a copy of every row: another node wrote this network's mirror
     * before (its rows this node does not hold are removed at the end) */
    bool full_copy;
};

struct mirror;

/* Check @url as mirror_open does, without connecting: no password in
 * it, it parses, its schema name. 0, or *@fault and @err say why. */
int mirror_check_url(const char *url, enum mirror_fault *fault,
                     struct hz_err *err);
/* Check a reader role's name (NULL: none) as mirror_open does, without
 * connecting: lower-case letters, digits and _. */
int mirror_check_reader(const char *reader, enum mirror_fault *fault,
                        struct hz_err *err);
/* Check @o->url (no password in it; sslmode=verify-full unless local or
 * set), connect, take the network's lock (a session advisory lock held
 * until mirror_close) and create or extend the tables in the URL's
 * schema. On failure *@fault says why, @err the detail (never the
 * password), *@out is NULL. Returns 0 or an HZ_E code. */
int mirror_open(hz_node *n, const struct mirror_opts *o, struct mirror **out,
                enum mirror_fault *fault, struct hz_err *err);
/* Copy every row changed since the stored counter up to the node's
 * counter now, in batches of one transaction each, the counter with
 * them. */
int mirror_run(struct mirror *m, struct mirror_pass *p,
               enum mirror_fault *fault, struct hz_err *err);
/* The schema, the network (32 hex) and this node's key (64 hex). */
const char *mirror_schema(const struct mirror *m);
const char *mirror_network(const struct mirror *m);
const char *mirror_state_hash(const struct mirror *m);
/* Disconnect (the lock goes with the session). Accepts NULL. */
void mirror_close(struct mirror *m);

#endif
