/* relay.c - moving whole entries in and out of a node without a file:
 * what the simulator uses today and the sync session will use tomorrow
 * (the narrow interface of ../store.h). Every entry taken in passes the
 * same checks as a bundle's (ingest.c). */
#include "../store.h"
#include "log.h"

#include "../../core/error_int.h"
#include "../../core/syncmsg.h"

#include <stdlib.h>
#include <string.h>

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

/* ---- vectors and what a peer lacks */

static int cmp_author(const void *a, const void *b)
{
    return memcmp(a, b, HZ_KEY_LEN);
}

/* From which seq on the peer lacks this author's entries. A peer holding
 * a different entry at its top seq has another history: it gets our
 * whole chain, so it sees the fork (DECISIONS 16). */
static int from_seq(struct hz_node *n, const uint8_t *author,
                    const struct sync_has *has, size_t n_has, uint64_t *from,
                    struct hz_err *err)
{
    const struct sync_has *p =
        bsearch(author, has, n_has, sizeof *has, cmp_author);
    *from = 1;
    if (p == NULL)
        return 0;
    uint8_t id[HZ_HASH_LEN];
    bool found;
    int rv = log_id_at(n, author, p->seq, id, &found, err);
    /* Not found: the peer is ahead of us. */
    if (rv == 0 && (!found || memcmp(id, p->hash, HZ_HASH_LEN) == 0))
        *from = p->seq + 1;
    return rv;
}

int relay_delta(struct hz_node *n, const struct sync_has *has, size_t n_has,
                log_row_fn fn, void *data, struct hz_err *err)
{
    uint8_t(*list)[HZ_KEY_LEN] = NULL;
    size_t count = 0;
    int rv = log_authors(n, &list, &count, err);
    for (size_t i = 0; rv == 0 && i < count; i++) {
        uint64_t from;
        rv = from_seq(n, list[i], has, n_has, &from, err);
        if (rv == 0)
            rv = log_each_from(n, list[i], from, LOG_FROM_ALL, fn, data, err);
    }
    free(list);
    if (rv == 0)
        rv = log_each(n, LOG_FORKS, fn, data, err);
    return rv != 0 ? rv : log_each(n, LOG_PENDING, fn, data, err);
}

int store_vector_each(hz_node *n,
                      int (*cb)(void *data, const struct sync_has *h,
                                struct hz_err *err),
                      void *data, struct hz_err *err)
{
    uint8_t(*list)[HZ_KEY_LEN] = NULL;
    size_t count = 0;
    int rv = txn_begin_read(n, err);
    if (rv == 0)
        rv = log_authors(n, &list, &count, err);
    for (size_t i = 0; rv == 0 && i < count; i++) {
        struct sync_has h;
        bool found = false;
        memcpy(h.author, list[i], HZ_KEY_LEN);
        rv = log_top(n, list[i], &h.seq, err);
        if (rv == 0)
            rv = log_id_at(n, list[i], h.seq, h.hash, &found, err);
        if (rv == 0 && !found)
            rv = hz_err_set(err, HZ_ECORRUPT, "log: no entry at the top");
        if (rv == 0)
            rv = cb(data, &h, err);
    }
    free(list);
    txn_rollback(n);
    return rv;
}

struct delta_out {
    int (*cb)(void *data, const uint8_t *p, size_t len, struct hz_err *err);
    void *data;
};

static int delta_row(void *data, const struct log_row *r, struct hz_err *err)
{
    const struct delta_out *o = data;
    return o->cb(o->data, r->bytes, r->len, err);
}

int store_delta_each(hz_node *n, const struct sync_has *has, size_t n_has,
                     int (*cb)(void *data, const uint8_t *p, size_t len,
                               struct hz_err *err),
                     void *data, struct hz_err *err)
{
    for (size_t i = 1; i < n_has; i++)
        if (memcmp(has[i - 1].author, has[i].author, HZ_KEY_LEN) >= 0)
            return hz_err_set(err, HZ_EINVAL, "vector not sorted");
    struct delta_out o = {cb, data};
    int rv = txn_begin_read(n, err);
    if (rv == 0)
        rv = relay_delta(n, has, n_has, delta_row, &o, err);
    txn_rollback(n);
    return rv;
}

/* ---- the store's side of a session */

static int io_judge(void *ctx, const uint8_t *key, const uint8_t *chain,
                    size_t len, struct hz_err *err)
{
    return store_channel_judge(((struct store_sync *)ctx)->n, key, chain, len,
                               err);
}

static int io_vector(void *ctx,
                     int (*emit)(void *s, const struct sync_has *h,
                                 struct hz_err *err),
                     void *s, struct hz_err *err)
{
    return store_vector_each(((struct store_sync *)ctx)->n, emit, s, err);
}

static int io_delta(void *ctx, const struct sync_has *has, size_t n_has,
                    int (*emit)(void *s, const uint8_t *p, size_t len,
                                struct hz_err *err),
                    void *s, struct hz_err *err)
{
    return store_delta_each(((struct store_sync *)ctx)->n, has, n_has, emit, s,
                            err);
}

static int io_ingest(void *ctx, size_t count, const uint8_t *const *p,
                     const size_t *len, struct hz_err *err)
{
    struct store_sync *k = ctx;
    struct hz_ingest_stats st = {0};
    int rv = store_relay_ingest(k->n, count, p, len, &st, err);
    /* Every field is a count (uint64_t): add them all. */
    _Static_assert(sizeof st % sizeof(uint64_t) == 0, "counts only");
    uint64_t *sum = (uint64_t *)&k->got;
    const uint64_t *add = (const uint64_t *)&st;
    for (size_t i = 0; i < sizeof st / sizeof(uint64_t); i++)
        sum[i] += add[i];
    return rv;
}

void store_sync_io(struct store_sync *ctx, struct sync_io *io)
{
    *io = (struct sync_io){ctx, io_judge, io_vector, io_delta, io_ingest};
}
