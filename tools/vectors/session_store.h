/* session_store.h - the store behind each side of session.json's recorded
 * session (proto/sync.md, "Session"): entries in memory and the store's
 * side of a session (struct sync_io) over them, deterministic and without
 * a node. The generator (gen_session.c) records a session between two of
 * them; tests/unit/test_vectors_session.c rebuilds both from the file and
 * replays it, with this same code.
 *
 *   judge   accepts every peer (the vector's chains are opaque)
 *   vector  every author held, in rising key order, with the top of its
 *           chain from seq 1 and the entry id there (bundle.md, "Vector")
 *   round   what the peer lacks at its vector (bundle.md, "Writing a
 *           bundle", for a vector): per author held, in key order, its
 *           chain from seq 1 when the vector does not name the author or
 *           names another entry at its seq, else from the vector's seq + 1
 *   next    those entries, as many as each message holds, then round_done;
 *           nothing is pushed
 *   ingest  keeps each entry it does not hold yet (by author and seq), and
 *           lists everything it was given, in order (an entry that does
 *           not decode ends the session: the vector has none)
 *
 * No fork evidence and no pending entries: every entry is a chain entry. */
#ifndef HZ_VECTORS_SESSION_STORE_H
#define HZ_VECTORS_SESSION_STORE_H

#include "core/entry.h"
#include "core/session.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One entry: its bytes (owned) and its fields (body borrowed from them). */
struct vs_entry {
    uint8_t *p;
    size_t len;
    struct entry e;
};

struct vstore {
    struct vs_entry **all; /* every entry made, owned */
    size_t n_all, cap_all;
    struct vs_entry **held; /* by author, then seq */
    size_t n_held, cap_held;
    struct vs_entry **took; /* what ingest was given, in order */
    size_t n_took, cap_took;
    struct vs_entry **due; /* the peer's round being answered */
    size_t n_due, cap_due, i_due;
    bool in_round;
};

void vstore_init(struct vstore *s);
void vstore_close(struct vstore *s);
/* Hold the entry @p (copied): 0, or HZ_EMALFORMED (it does not decode),
 * HZ_EEXIST (an entry of its author and seq is held), HZ_ENOMEM. */
int vstore_add(struct vstore *s, const uint8_t *p, size_t len,
               struct hz_err *err);
/* The store's side of a session over @s. */
void vstore_io(struct vstore *s, struct sync_io *io);

#endif
