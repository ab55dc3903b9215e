/* relay.c - moving whole entries in and out of a node without a file:
 * what the simulator uses today and the sync session will use tomorrow
 * (the narrow interface of ../store.h). Every entry taken in passes the
 * same checks as a bundle's (ingest.c). */
#include "../store.h"
#include "log.h"

#include "../../core/error_int.h"

struct out {
    int (*cb)(void *data, const uint8_t *p, size_t len);
    void *data;
};

static int relay_row(void *data, const struct log_row *r, struct hz_err *err)
{
    (void)err;
    const struct out *o = data;
    return o->cb(o->data, r->bytes, r->len);
}

int store_relay_each(hz_node *n,
                     int (*cb)(void *data, const uint8_t *p, size_t len),
                     void *data, struct hz_err *err)
{
    static const enum log_part parts[] = {LOG_ARRIVAL, LOG_FORKS, LOG_PENDING};
    struct out o = {cb, data};
    int rv = txn_begin_read(n, err);
    for (size_t i = 0; rv == 0 && i < sizeof parts / sizeof parts[0]; i++)
        rv = log_each(n, parts[i], relay_row, &o, err);
    txn_rollback(n);
    return rv;
}

int store_relay_ingest(hz_node *n, size_t count, const uint8_t *const *p,
                       const size_t *len, struct hz_ingest_stats *stats,
                       struct hz_err *err)
{
    int rv = txn_begin(n, err);
    ingest_begin_counting(n, stats);
    for (size_t i = 0; rv == 0 && i < count; i++) {
        enum ingest_result res;
        struct hz_err why = {0};
        int code = ingest_entry(n, p[i], len[i], &res, &why);
        if (code == 0) {
            ingest_count(stats, res);
            stats->entries++;
        } else if (ingest_is_local_failure(code)) {
            if (err != NULL)
                *err = why;
            rv = code;
        } else {
            stats->refused++;
        }
    }
    if (rv == 0)
        rv = txn_commit(n, err);
    if (rv != 0)
        txn_rollback(n);
    int end = ingest_end_counting(n, err);
    return rv != 0 ? rv : end;
}
