/* apply.c - materializing the operations of an applied entry, and taking
 * an entry back when its verdict changes (DECISIONS 5): a fork point
 * moves, a revocation arrives, a certificate lets a denied entry in. The
 * rules live with the tables they read: fields.c (field writes, heads,
 * tombstones) and events.c (event rows). */
#include "state.h"

#include "../../core/error_int.h"
#include "../log/log.h"

int apply_body(struct hz_node *n, const struct entry *e, int64_t at,
               const struct body *b, unsigned flags, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    /* The facts name the entry by its place in the log (storage.md). */
    int rv = at > 0 ? 0 : log_n_of(n, e->id, &at, err);
    HZ_ASSERT(rv != 0 || at > 0);
    for (size_t i = 0; rv == 0 && i < b->n_ops; i++) {
        const struct op *o = &b->ops[i];
        switch (o->kind) {
        case OP_SET:
            rv = fields_set(n, e, at, o, flags, err);
            break;
        case OP_DEL:
            rv = fields_tomb(n, e, o, err);
            break;
        case OP_INS:
            rv = events_insert(n, e, at, o, err);
            break;
        case OP_CERT:
        case OP_REVOKE:
        case OP_EPOCH:
            break; /* trust state is resolved by members/trust.c */
        }
    }
    return rv;
}

int apply_undo(struct hz_node *n, const uint8_t *eid, const struct body *b,
               struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    /* An entry the log does not hold wrote nothing (its tombstones, kept
     * by id, are looked for all the same). */
    int64_t at = 0, a = 0;
    int rv = log_n_of(n, eid, &at, err);
    if (rv == 0 && at != 0)
        rv = log_author_k_of(n, at, &a, err);
    uint8_t *bytes = NULL;
    struct body own = {0};
    if (rv == 0 && at != 0 && b == NULL) {
        size_t len = 0;
        struct entry e;
        rv = log_bytes_of(n, at, &bytes, &len, err);
        if (rv == 0)
            rv = entry_decode_known(&e, bytes, len, eid, err);
        if (rv == 0)
            rv = body_decode(&own, n->schema, e.body.p, e.body.len, err);
        b = &own;
    }
    if (rv == 0)
        rv = fields_undo(n, eid, at, a, at != 0 ? b : NULL, err);
    if (rv == 0)
        rv = events_undo(n, at, b, err);
    body_close(&own);
    free(bytes);
    return rv;
}

int apply_clear(struct hz_node *n, struct hz_err *err)
{
    int rv = fields_clear(n, err);
    if (rv == 0)
        rv = events_clear(n, err);
    return rv != 0 ? rv : rows_clear(n, err);
}
