/* bench_trust.c - the per-entry trust check of an import, timed on its
 * own (bench_trust.h). The import's timing includes it; with entries of
 * 1,000 operations it is one call in 1,000 operations, too small to show
 * against the import's run-to-run spread, so it is measured here per call
 * and multiplied out. */
#include "bench_trust.h"

#include "core/body.h"
#include "core/entry.h"
#include "store/internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest applied entry (one that carries data: the certificate's
 * is small), copied into *@buf. */
static int newest_data_entry(hz_node *n, uint8_t **buf, size_t *len,
                             struct entry *e, struct body *b)
{
    sqlite3_stmt *st;
    struct hz_err err = {0};
    if (db_prep(&n->db,
                "SELECT bytes FROM log WHERE state = 0"
                " ORDER BY length(bytes) DESC, n LIMIT 1",
                &st, &err) != 0) {
        fprintf(stderr, "bench: trust: %s\n", err.msg);
        return -1;
    }
    int rv = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *len = (size_t)sqlite3_column_bytes(st, 0);
        *buf = malloc(*len);
        if (*buf != NULL) {
            memcpy(*buf, sqlite3_column_blob(st, 0), *len);
            rv = 0;
        }
    }
    sqlite3_reset(st);
    if (rv == 0 &&
        (entry_decode(e, *buf, *len, &err) != 0 ||
         body_decode(b, n->schema, e->body.p, e->body.len, &err) != 0 ||
         b->trust)) {
        fprintf(stderr, "bench: trust: no data entry (%s)\n", err.msg);
        rv = -1;
    }
    return rv;
}

int trust_bench_allowed(hz_node *n, double min_s, uint64_t *n_ops,
                        struct rate *out)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    struct entry e;
    struct body b = {0};
    struct hz_err err = {0};
    int rv = newest_data_entry(n, &buf, &len, &e, &b);
    bool began = false;
    if (rv == 0 && db_exec(&n->db, "BEGIN", &err) != 0) {
        fprintf(stderr, "bench: trust: %s\n", err.msg);
        rv = -1;
    }
    began = rv == 0;
    struct clocks t0, t1;
    uint64_t calls = 0;
    clocks_now(&t0);
    t1 = t0;
    while (rv == 0 && t1.wall_s - t0.wall_s < min_s) {
        /* Between clock readings, enough calls to dwarf reading it. */
        for (int i = 0; rv == 0 && i < 64; i++) {
            bool allowed = false;
            struct hz_err why = {0};
            rv = trust_allowed(n, &e, &b, &allowed, &why, &err);
            if (rv == 0 && !allowed) {
                fprintf(stderr, "bench: trust: entry denied: %s\n", why.msg);
                rv = -1;
            }
            calls++;
        }
        clocks_now(&t1);
    }
    if (began)
        txn_rollback(n);
    *out = rate_between(calls, &t0, &t1);
    *n_ops = b.n_ops;
    body_close(&b);
    free(buf);
    return rv;
}
