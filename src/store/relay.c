/* relay.c - moving whole entries in and out of a node without a file:
 * what the simulator uses today and the sync session will use tomorrow.
 * Every entry taken in passes the same checks as a bundle's (ingest.c). */
#include "store.h"

#include "../core/error_int.h"

int relay_each(struct hz_node *n,
               int (*cb)(void *data, const uint8_t *p, size_t len), void *data,
               struct hz_err *err)
{
    static const char *const sql[] = {
        "SELECT bytes FROM log ORDER BY n",
        "SELECT bytes FROM forks ORDER BY author, seq, id",
        "SELECT bytes FROM pending ORDER BY author, seq, id",
    };
    int rv = db_exec(n, "BEGIN", err);
    for (size_t i = 0; rv == 0 && i < sizeof sql / sizeof sql[0]; i++) {
        sqlite3_stmt *st;
        rv = db_prep(n, sql[i], &st, err);
        int rc = SQLITE_DONE;
        while (rv == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
            rv = cb(data, sqlite3_column_blob(st, 0),
                    (size_t)sqlite3_column_bytes(st, 0));
        if (rv == 0 && rc != SQLITE_DONE)
            rv = db_err(n, rc, "relay", err);
        if (st != NULL)
            sqlite3_reset(st);
    }
    db_rollback(n);
    return rv;
}

int relay_ingest(struct hz_node *n, size_t count, const uint8_t *const *p,
                 const size_t *len, struct hz_ingest_stats *stats,
                 struct hz_err *err)
{
    int rv = db_begin(n, err);
    ingest_begin_counting(n, stats);
    for (size_t i = 0; rv == 0 && i < count; i++) {
        enum ingest_result res;
        struct hz_err why = {0};
        int code = ingest_entry(n, p[i], len[i], &res, &why);
        if (code == 0) {
            ingest_count(stats, res);
            stats->entries++;
        } else if (code == HZ_EIO || code == HZ_ENOSPC || code == HZ_EBUSY ||
                   code == HZ_ENOMEM || code == HZ_ECORRUPT ||
                   code == HZ_EREADONLY) {
            if (err != NULL)
                *err = why;
            rv = code;
        } else {
            stats->refused++;
        }
    }
    if (rv == 0)
        rv = db_commit(n, err);
    if (rv != 0)
        db_rollback(n);
    int end = ingest_end_counting(n, err);
    return rv != 0 ? rv : end;
}
