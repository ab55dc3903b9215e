/* relay.c - moving whole entries in and out of a node without a file:
 * what the simulator uses today and the sync session will use tomorrow
 * (the narrow interface of ../store.h). Every entry taken in passes the
 * same checks as a bundle's (ingest.c). */
#include "../store.h"
#include "log.h"

#include "../../core/alloc.h"
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
    return store_relay_ingest_from(n, count, p, len, NULL, stats, err);
}

int store_relay_ingest_from(hz_node *n, size_t count, const uint8_t *const *p,
                            const size_t *len, struct sync_from *from,
                            struct hz_ingest_stats *stats, struct hz_err *err)
{
    int rv = txn_begin(n, err);
    ingest_begin_counting(n, stats);
    for (size_t i = 0; rv == 0 && i < count; i++) {
        enum ingest_result res;
        struct hz_err why = {0};
        int code = ingest_entry_from(n, p[i], len[i], &res,
                                     from != NULL ? &from[i] : NULL, &why);
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

static void round_clear(struct store_sync *k)
{
    free(k->authors);
    free(k->has);
    k->authors = NULL;
    k->has = NULL;
    k->n_authors = k->n_has = 0;
    k->in_round = false;
}

/* The peer's round: what it lacks is, per author in key order, its chain
 * from the first entry the peer lacks; in the first round also all fork
 * evidence and all pending entries. Everything numbered after the
 * round's marks is pushed instead. */
static int io_round(void *ctx, const struct sync_has *has, size_t n_has,
                    struct hz_err *err)
{
    struct store_sync *k = ctx;
    for (size_t i = 1; i < n_has; i++)
        if (memcmp(has[i - 1].author, has[i].author, HZ_KEY_LEN) >= 0)
            return hz_err_set(err, HZ_EINVAL, "vector not sorted");
    round_clear(k);
    if (n_has > 0) {
        k->has = malloc(n_has * sizeof *has);
        if (k->has == NULL)
            return hz_err_set(err, HZ_ENOMEM, "vector");
        memcpy(k->has, has, n_has * sizeof *has);
        k->n_has = n_has;
    }
    int rv = txn_begin_read(k->n, err);
    if (rv == 0 && !k->pushing)
        rv = log_marks(k->n, k->push, err);
    if (rv == 0)
        rv = log_authors(k->n, &k->authors, &k->n_authors, err);
    txn_rollback(k->n);
    if (rv != 0) {
        round_clear(k);
        return rv;
    }
    /* The first round sends forks and pending up to the marks; a later
     * one only chains (pushing carried the rest). */
    k->phase = ROUND_CHAINS;
    k->last_phase = k->pushing ? ROUND_CHAINS : ROUND_PENDING;
    memcpy(k->upto, k->push, sizeof k->upto);
    k->i_author = 0;
    k->next_seq = 0;
    k->after = 0;
    k->in_round = true;
    k->pushing = true;
    return 0;
}

struct emit_ctx {
    struct store_sync *k;
    sync_emit_fn emit;
    void *s;
    bool chain, pushed;
    int64_t *cursor; /* a number cursor to advance, or NULL */
};

static int emit_row(void *data, const struct log_row *r, struct hz_err *err)
{
    struct emit_ctx *c = data;
    struct sync_item it = {r->author, r->seq,   c->chain,
                           c->pushed, r->bytes, r->len};
    int rv = c->emit(c->s, &it, err);
    if (rv != 0)
        return rv;
    if (c->cursor != NULL)
        *c->cursor = r->at;
    else
        c->k->next_seq = r->seq + 1;
    return 0;
}

/* A walk in number order past the round's mark ends (not an error). */
#define PAST_MARK 2

struct bound {
    struct emit_ctx *c;
    int64_t upto;
};

static int bounded_row(void *data, const struct log_row *r, struct hz_err *err)
{
    const struct bound *b = data;
    return r->at > b->upto ? PAST_MARK : emit_row(b->c, r, err);
}

/* Go on with the round: 0 when it is whole, SYNC_FULL when the message
 * filled first. */
static int round_step(struct store_sync *k, struct emit_ctx *c,
                      struct hz_err *err)
{
    int rv = 0;
    c->pushed = false;
    while (rv == 0 && k->phase == ROUND_CHAINS && k->i_author < k->n_authors) {
        const uint8_t *author = k->authors[k->i_author];
        if (k->next_seq == 0)
            rv = from_seq(k->n, author, k->has, k->n_has, &k->next_seq, err);
        c->chain = true;
        c->cursor = NULL;
        if (rv == 0)
            rv = log_chain_upto(k->n, author, k->next_seq, k->upto[0], emit_row,
                                c, err);
        if (rv == 0) {
            k->i_author++;
            k->next_seq = 0;
        }
    }
    if (rv == 0 && k->phase == ROUND_CHAINS) {
        k->phase = ROUND_FORKS;
        k->after = 0;
    }
    while (rv == 0 && k->phase <= k->last_phase) {
        enum log_part part = k->phase == ROUND_FORKS ? LOG_FORKS : LOG_PENDING;
        struct bound b = {c, k->upto[k->phase == ROUND_FORKS ? 1 : 2]};
        c->chain = false;
        c->cursor = &k->after;
        rv = log_each_after(k->n, part, k->after, bounded_row, &b, err);
        if (rv == PAST_MARK)
            rv = 0;
        if (rv == 0) {
            k->phase++;
            k->after = 0;
        }
    }
    return rv;
}

static int io_next(void *ctx, sync_emit_fn emit, void *s, bool *round_done,
                   struct hz_err *err)
{
    struct store_sync *k = ctx;
    *round_done = false;
    if (!k->pushing)
        return 0;
    struct emit_ctx c = {.k = k, .emit = emit, .s = s};
    /* Pushing looks at the store only when something was committed since
     * it last found nothing more to send (every tick of every session
     * asked it before). The stamp is taken first: a commit after it is
     * seen next time. */
    struct store_stamp now;
    int rv = store_change_stamp(k->n, &now, err);
    if (rv == 0 && !k->in_round && k->pushed_all &&
        now.data_version == k->pushed_at.data_version &&
        now.commits == k->pushed_at.commits)
        return 0;
    if (rv == 0)
        rv = txn_begin_read(k->n, err);
    if (rv == 0 && k->in_round) {
        rv = round_step(k, &c, err);
        if (rv == 0) {
            round_clear(k);
            *round_done = true;
        }
    } else if (rv == 0) {
        /* Pushing: what was numbered after the last sent. */
        static const enum log_part parts[] = {LOG_ARRIVAL, LOG_FORKS,
                                              LOG_PENDING};
        c.pushed = true;
        for (size_t i = 0; rv == 0 && i < 3; i++) {
            c.chain = i == 0;
            c.cursor = &k->push[i];
            rv = log_each_after(k->n, parts[i], k->push[i], emit_row, &c, err);
        }
        k->pushed_all = rv == 0; /* not SYNC_FULL: all there was is sent */
        k->pushed_at = now;
    }
    txn_rollback(k->n);
    return rv == SYNC_FULL ? 0 : rv;
}

static int io_ingest(void *ctx, size_t count, const uint8_t *const *p,
                     const size_t *len, struct sync_from *from,
                     struct hz_err *err)
{
    struct store_sync *k = ctx;
    struct hz_ingest_stats st = {0};
    int rv = store_relay_ingest_from(k->n, count, p, len, from, &st, err);
    /* Every field is a count (uint64_t): add them all. */
    _Static_assert(sizeof st % sizeof(uint64_t) == 0, "counts only");
    uint64_t *sum = (uint64_t *)&k->got;
    const uint64_t *add = (const uint64_t *)&st;
    for (size_t i = 0; i < sizeof st / sizeof(uint64_t); i++)
        sum[i] += add[i];
    return rv;
}

struct top_list {
    struct sync_has *v;
    size_t n, cap;
};

static int add_top(void *data, const uint8_t *author, uint64_t seq,
                   struct hz_err *err)
{
    struct top_list *l = data;
    struct sync_has *v = hz_grow(l->v, &l->cap, l->n, sizeof *v);
    if (v == NULL)
        return hz_err_set(err, HZ_ENOMEM, "tops");
    l->v = v;
    memset(&l->v[l->n], 0, sizeof *l->v);
    memcpy(l->v[l->n].author, author, HZ_KEY_LEN);
    l->v[l->n++].seq = seq;
    return 0;
}

int store_tops(hz_node *n, struct sync_has **out, size_t *count,
               struct hz_err *err)
{
    struct top_list l = {0};
    int rv = txn_begin_read(n, err);
    if (rv == 0)
        rv = log_tops(n, add_top, &l, err);
    txn_rollback(n);
    if (rv != 0) {
        free(l.v);
        l.v = NULL;
        l.n = 0;
    }
    *out = l.v;
    *count = l.n;
    return rv;
}

void store_sync_io(struct store_sync *ctx, struct sync_io *io)
{
    *io = (struct sync_io){ctx,      io_judge, io_vector,
                           io_round, io_next,  io_ingest};
}

void store_sync_close(struct store_sync *ctx)
{
    round_clear(ctx);
}
