/* txn.c - the store's transactions. db.c only talks to SQLite; this is
 * where the store decides what a commit needs first: entries from outside
 * that carried trust objects are resolved once per transaction, not once
 * per entry (members/trust.c), so a bundle of a thousand certificates
 * costs one resolution; then the strangers' caps are judged by the trust
 * resolved (log/capacity.c). Rulings: DECISIONS 5, 6, 34. */
#include "node.h"

#include "../log/log.h"
#include "../members/members.h"
#include "../state/state.h"

int txn_begin(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT(!n->trust_dirty);
    HZ_ASSERT(n->n_fresh == 0);
    log_abandon(n);
    return db_begin(&n->db, err);
}

int txn_begin_read(struct hz_node *n, struct hz_err *err)
{
    log_abandon(n);
    return db_begin_read(&n->db, err);
}

static int resolve_trust(struct hz_node *n, struct hz_err *err)
{
    if (!n->trust_dirty)
        return 0;
    n->trust_dirty = false;
    return trust_refresh(n, err);
}

int txn_commit(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    log_forget_last(n);
    /* Trust first, then the strangers' caps by the trust resolved
     * (DECISIONS 34); an entry the caps take back may have carried trust
     * objects (none in effect): resolve again. */
    int rv = resolve_trust(n, err);
    if (rv == 0)
        rv = capacity_settle(n, err);
    if (rv == 0)
        rv = resolve_trust(n, err);
    /* Last: the rows are final now. */
    if (rv == 0)
        rv = search_settle(n, err);
    if (rv == 0)
        rv = rows_settle(n, err);
    if (rv == 0)
        rv = log_settle(n, err);
    if (rv == 0)
        rv = db_commit(&n->db, err);
    if (rv == 0)
        n->commits++;
    return rv;
}

void txn_rollback(struct hz_node *n)
{
    n->trust_dirty = false;
    log_abandon(n);
    capacity_abort(n);
    search_abandon(n);
    rows_abandon(n);
    db_rollback(&n->db);
}
