/* session_store.c - the store behind each side of session.json
 * (session_store.h). */
#include "session_store.h"

#include "core/alloc.h"
#include "core/error_int.h"

#include <stdlib.h>
#include <string.h>

void vstore_init(struct vstore *s)
{
    memset(s, 0, sizeof *s);
}

void vstore_close(struct vstore *s)
{
    for (size_t i = 0; i < s->n_all; i++) {
        free(s->all[i]->p);
        free(s->all[i]);
    }
    free(s->all);
    free(s->held);
    free(s->took);
    free(s->due);
    memset(s, 0, sizeof *s);
}

/* Append @e to the list @v of *@n, room for *@cap. */
static int push(struct vs_entry ***v, size_t *n, size_t *cap,
                struct vs_entry *e, struct hz_err *err)
{
    struct vs_entry **g = hz_grow(*v, cap, *n, sizeof *g);
    if (g == NULL)
        return hz_err_set(err, HZ_ENOMEM, "store");
    *v = g;
    g[(*n)++] = e;
    return 0;
}

/* A copy of the entry @p, owned by @s: HZ_EMALFORMED when it does not
 * decode. */
static int make(struct vstore *s, const uint8_t *p, size_t len,
                struct vs_entry **out, struct hz_err *err)
{
    struct vs_entry *e = calloc(1, sizeof *e);
    uint8_t *copy = malloc(len ? len : 1);
    if (e == NULL || copy == NULL ||
        push(&s->all, &s->n_all, &s->cap_all, e, err) != 0) {
        free(e);
        free(copy);
        return hz_err_set(err, HZ_ENOMEM, "store");
    }
    memcpy(copy, p, len);
    e->p = copy;
    e->len = len;
    *out = e;
    return entry_decode(&e->e, e->p, e->len, err);
}

static int cmp_place(const struct entry *a, const uint8_t *author, uint64_t seq)
{
    int c = memcmp(a->author, author, HZ_KEY_LEN);
    return c != 0 ? c : (a->seq > seq) - (a->seq < seq);
}

/* Where an entry of @author at @seq is held or would go; *@found when it
 * is held. */
static size_t place(const struct vstore *s, const uint8_t *author, uint64_t seq,
                    bool *found)
{
    size_t i = 0;
    while (i < s->n_held && cmp_place(&s->held[i]->e, author, seq) < 0)
        i++;
    *found = i < s->n_held && cmp_place(&s->held[i]->e, author, seq) == 0;
    return i;
}

/* Hold @e unless an entry of its author and seq is held (HZ_EEXIST). */
static int hold(struct vstore *s, struct vs_entry *e, struct hz_err *err)
{
    bool found;
    size_t at = place(s, e->e.author, e->e.seq, &found);
    if (found)
        return hz_err_set(err, HZ_EEXIST, "seq %llu held",
                          (unsigned long long)e->e.seq);
    int rv = push(&s->held, &s->n_held, &s->cap_held, e, err);
    if (rv == 0) {
        memmove(&s->held[at + 1], &s->held[at],
                (s->n_held - 1 - at) * sizeof *s->held);
        s->held[at] = e;
    }
    return rv;
}

int vstore_add(struct vstore *s, const uint8_t *p, size_t len,
               struct hz_err *err)
{
    struct vs_entry *e;
    int rv = make(s, p, len, &e, err);
    return rv != 0 ? rv : hold(s, e, err);
}

/* The author's entries held from held[@i] on: how many make its chain
 * from seq 1 (0 when it does not start at 1), and where the next author
 * starts (*@next). */
static size_t chain_len(const struct vstore *s, size_t i, size_t *next)
{
    const uint8_t *author = s->held[i]->e.author;
    size_t n = 0, j = i;
    bool whole = true;
    for (;
         j < s->n_held && memcmp(s->held[j]->e.author, author, HZ_KEY_LEN) == 0;
         j++) {
        whole = whole && s->held[j]->e.seq == (uint64_t)(j - i) + 1;
        n += whole;
    }
    *next = j;
    return n;
}

/* ---- the store's side of a session */

static int io_judge(void *ctx, const uint8_t *key, const uint8_t *chain,
                    size_t len, struct hz_err *err)
{
    (void)ctx;
    (void)key;
    (void)chain;
    (void)len;
    (void)err;
    return 0;
}

static int io_vector(void *ctx,
                     int (*emit)(void *s, const struct sync_has *h,
                                 struct hz_err *err),
                     void *sess, struct hz_err *err)
{
    struct vstore *s = ctx;
    int rv = 0;
    for (size_t i = 0, next; rv == 0 && i < s->n_held; i = next) {
        size_t n = chain_len(s, i, &next);
        if (n == 0)
            continue;
        const struct entry *top = &s->held[i + n - 1]->e;
        struct sync_has h;
        memcpy(h.author, top->author, HZ_KEY_LEN);
        h.seq = top->seq;
        memcpy(h.hash, top->id, HZ_HASH_LEN);
        rv = emit(sess, &h, err);
    }
    return rv;
}

static int io_round(void *ctx, const struct sync_has *has, size_t n_has,
                    struct hz_err *err)
{
    struct vstore *s = ctx;
    s->n_due = s->i_due = 0;
    int rv = 0;
    for (size_t i = 0, next; rv == 0 && i < s->n_held; i = next) {
        size_t n = chain_len(s, i, &next);
        const uint8_t *author = s->held[i]->e.author;
        const struct sync_has *p = NULL;
        for (size_t k = 0; k < n_has && p == NULL; k++)
            if (memcmp(has[k].author, author, HZ_KEY_LEN) == 0)
                p = &has[k];
        /* From seq 1 unless the peer holds our entry at its seq, or an
         * entry past our chain (it is ahead). */
        uint64_t from = 1;
        if (p != NULL && (p->seq > n || memcmp(s->held[i + p->seq - 1]->e.id,
                                               p->hash, HZ_HASH_LEN) == 0))
            from = p->seq + 1;
        for (uint64_t q = from; rv == 0 && q <= n; q++)
            rv = push(&s->due, &s->n_due, &s->cap_due, s->held[i + q - 1], err);
    }
    s->in_round = rv == 0;
    return rv;
}

static int io_next(void *ctx, sync_emit_fn emit, void *sess, bool *round_done,
                   struct hz_err *err)
{
    struct vstore *s = ctx;
    *round_done = false;
    if (!s->in_round)
        return 0; /* nothing is pushed */
    for (; s->i_due < s->n_due; s->i_due++) {
        const struct vs_entry *v = s->due[s->i_due];
        struct sync_item it = {v->e.author, v->e.seq, true,
                               false,       v->p,     v->len};
        int rv = emit(sess, &it, err);
        if (rv == SYNC_FULL)
            return 0;
        if (rv != 0)
            return rv;
    }
    s->in_round = false;
    *round_done = true;
    return 0;
}

static int io_ingest(void *ctx, size_t count, const uint8_t *const *p,
                     const size_t *len, struct sync_from *from,
                     struct hz_err *err)
{
    struct vstore *s = ctx;
    for (size_t i = 0; i < count; i++) {
        struct vs_entry *e;
        int rv = make(s, p[i], len[i], &e, err);
        if (rv == 0) {
            memcpy(from[i].author, e->e.author, HZ_KEY_LEN);
            from[i].seq = e->e.seq;
            from[i].decoded = true;
        }
        if (rv == 0)
            rv = push(&s->took, &s->n_took, &s->cap_took, e, err);
        if (rv == 0) {
            bool found;
            place(s, e->e.author, e->e.seq, &found);
            rv = found ? 0 : hold(s, e, err);
        }
        if (rv != 0)
            return rv;
    }
    return 0;
}

void vstore_io(struct vstore *s, struct sync_io *io)
{
    *io =
        (struct sync_io){s, io_judge, io_vector, io_round, io_next, io_ingest};
}
