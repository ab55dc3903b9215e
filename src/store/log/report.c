/* report.c - what the log holds, summarised: the vector, the status
 * report, and the re-verification of every stored entry (proto/cli.md,
 * "vector", "status", "log verify"). The SQL lives in log.c. */
#include "log.h"
#include "../members/members.h"

#include "../../core/error_int.h"
#include "../state/render.h"
#include "../state/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hz_node_vector(hz_node *n, char **json, struct hz_err *err)
{
    *json = NULL;
    json_t *root = json_object();
    json_t *arr = json_array();
    json_object_set_new(root, "network", render_hex(n->network, HZ_NET_LEN));
    json_object_set_new(root, "authors", arr);
    int rv = log_vector_json(n, arr, err);
    if (rv != 0) {
        json_decref(root);
        return rv;
    }
    return render_dump(root, json, err);
}

int hz_node_status(hz_node *n, char **json, struct hz_err *err)
{
    *json = NULL;
    json_t *root = json_object();
    char *name = NULL;
    int rv = db_meta_get_text(&n->db, "name", &name, err);
    json_object_set_new(root, "name", json_string(name ? name : ""));
    free(name);
    json_object_set_new(root, "key", render_hex(n->id.pk, HZ_KEY_LEN));
    json_object_set_new(root, "schema", json_integer(n->schema->version));
    json_object_set_new(root, "networked", json_boolean(n->networked));
    json_object_set_new(root, "network", render_hex(n->network, HZ_NET_LEN));
    char *net_name = NULL;
    if (db_meta_get_text(&n->db, "network_name", &net_name, NULL) == 0 &&
        net_name != NULL)
        json_object_set_new(root, "network_name", json_string(net_name));
    free(net_name);
    uint8_t old[HZ_KEY_LEN];
    if (db_meta_get(&n->db, "restored_from", old, sizeof old, NULL) == 0)
        json_object_set_new(root, "restored_from", render_hex(old, HZ_KEY_LEN));
    char staged[4096];
    snprintf(staged, sizeof staged, "%s/%s", n->dir ? n->dir : ".",
             HZ_STAGED_FILE);
    json_object_set_new(
        root, "interrupted_import",
        json_boolean(n->dir != NULL && access(staged, F_OK) == 0));
    bool clone = false;
    if (rv == 0)
        rv = db_meta_has(&n->db, "clone", &clone, err);
    json_object_set_new(root, "clone_detected", json_boolean(clone));
    if (rv == 0)
        rv = txn_begin_read(n, err);
    if (rv == 0) {
        rv = log_status_json(n, root, err);
        if (rv == 0)
            rv = capacity_status_json(n, root, err);
        if (rv == 0)
            rv = contacts_status_json(n, root, err);
        txn_rollback(n);
    }
    if (rv != 0) {
        json_decref(root);
        return rv;
    }
    return render_dump(root, json, err);
}

/* Every stored entry again: canonical bytes, signature, network, id, and
 * for the log the chain links from seq 1. */
struct verify {
    struct hz_node *n;
    bool chain_sigs; /* false: the chains' signatures are known good */
    uint8_t author[HZ_KEY_LEN];
    uint8_t prev[HZ_HASH_LEN];
    uint64_t want, checked;
};

/* Transport checks again: canonical bytes and (@sig) signature. */
static int verify_stored(const struct log_row *r, struct entry *e, bool sig,
                         struct hz_err *err)
{
    int rv = entry_decode(e, r->bytes, r->len, err);
    return rv != 0 || !sig ? rv : entry_verify_bytes(e, r->bytes, r->len, err);
}

static int verify_link(void *data, const struct log_row *r, struct hz_err *err)
{
    struct verify *v = data;
    struct entry e;
    int rv = verify_stored(r, &e, v->chain_sigs, err);
    if (rv != 0)
        return rv;
    if (memcmp(e.author, v->author, HZ_KEY_LEN) != 0) {
        memcpy(v->author, e.author, HZ_KEY_LEN);
        memset(v->prev, 0, sizeof v->prev);
        v->want = 1;
    }
    char a[9];
    hex_encode(e.author, 4, a);
    if (e.seq != v->want || r->seq != e.seq)
        rv = hz_err_set(err, HZ_ECORRUPT, "%s: seq %llu, expected %llu", a,
                        (unsigned long long)e.seq, (unsigned long long)v->want);
    else if (memcmp(e.prev, v->prev, HZ_HASH_LEN) != 0)
        rv = hz_err_set(err, HZ_ECORRUPT, "%s#%llu: chain link", a,
                        (unsigned long long)e.seq);
    else if (memcmp(e.id, r->id, HZ_HASH_LEN) != 0 ||
             memcmp(e.network, v->n->network, HZ_NET_LEN) != 0)
        rv = hz_err_set(err, HZ_ECORRUPT, "%s#%llu: stored id or network", a,
                        (unsigned long long)e.seq);
    memcpy(v->prev, e.id, HZ_HASH_LEN);
    v->want++;
    v->checked++;
    return rv;
}

static int verify_held(void *data, const struct log_row *r, struct hz_err *err)
{
    struct verify *v = data;
    struct entry e;
    v->checked++;
    return verify_stored(r, &e, true, err);
}

static int integrity(struct hz_node *n, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(&n->db, "PRAGMA integrity_check", &st, err);
    if (rv != 0)
        return rv;
    int rc = sqlite3_step(st);
    const char *r =
        rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (r == NULL || strcmp(r, "ok") != 0)
        rv = hz_err_set(err, HZ_ECORRUPT, "integrity_check: %.80s",
                        r ? r : "failed");
    sqlite3_reset(st);
    return rv;
}

int hz_node_log_verify(hz_node *n, uint64_t *n_checked, struct hz_err *err)
{
    return log_verify(n, true, n_checked, err);
}

int log_verify(hz_node *n, bool chain_sigs, uint64_t *n_checked,
               struct hz_err *err)
{
    struct verify v = {.n = n, .chain_sigs = chain_sigs, .want = 1};
    int rv = txn_begin_read(n, err);
    if (rv == 0)
        rv = integrity(n, err);
    if (rv == 0)
        rv = log_each(n, LOG_CHAINS, verify_link, &v, err);
    if (rv == 0)
        rv = log_each(n, LOG_PENDING, verify_held, &v, err);
    if (rv == 0)
        rv = log_each(n, LOG_FORKS, verify_held, &v, err);
    if (rv == 0)
        rv = search_verify(n, err);
    txn_rollback(n);
    if (rv != 0 && rv != HZ_ECORRUPT && rv != HZ_EBUSY && rv != HZ_EIO &&
        rv != HZ_EREADONLY) {
        /* A stored entry fails a transport check: local data is bad. */
        rv = HZ_ECORRUPT;
        if (err != NULL)
            err->code = rv;
    }
    if (n_checked != NULL)
        *n_checked = v.checked;
    return rv;
}
