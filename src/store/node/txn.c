/* txn.c - the store's transactions. db.c only talks to SQLite; this is
 * where the store decides what a commit needs first: entries from outside
 * that carried trust objects are resolved once per transaction, not once
 * per entry (members/trust.c), so a bundle of a thousand certificates
 * costs one resolution. Rulings: DECISIONS 5, 6. */
#include "node.h"

#include "../members/members.h"

int txn_begin(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT(!n->trust_dirty);
    return db_begin(&n->db, err);
}

int txn_begin_read(struct hz_node *n, struct hz_err *err)
{
    return db_begin_read(&n->db, err);
}

int txn_commit(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    if (n->trust_dirty) {
        n->trust_dirty = false;
        int rv = trust_refresh(n, err);
        if (rv != 0)
            return rv;
    }
    return db_commit(&n->db, err);
}

void txn_rollback(struct hz_node *n)
{
    n->trust_dirty = false;
    db_rollback(&n->db);
}
