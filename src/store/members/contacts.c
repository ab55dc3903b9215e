/* contacts.c - live sync's own bookkeeping (store.h; proto/storage.md,
 * tables peer and contact): the peers an operator configured and every
 * device a session proved, with what came of it. Never replicated: these
 * are this node's, like its key. The only file with SQL on peer and
 * contact. */
#include "../store.h"
#include "members.h"

#include "../../core/cert.h"
#include "../../core/error_int.h"
#include "../state/render.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* One short write of the serving process: its own transaction. */
static int write_one(hz_node *n, const char *sql, const struct db_arg *args,
                     size_t n_args, struct hz_err *err)
{
    int rv = txn_begin(n, err);
    if (rv == 0)
        rv = db_run(&n->db, sql, args, n_args, err);
    if (rv == 0)
        rv = txn_commit(n, err);
    if (rv != 0)
        txn_rollback(n);
    return rv;
}

/* Add or remove @addr in one transaction; *@had says whether it was
 * there before. Adding one held, or removing one not held, writes
 * nothing. */
static int peer_change(hz_node *n, const char *addr, bool add, bool *had,
                       struct hz_err *err)
{
    int64_t count = 0;
    int rv = txn_begin(n, err);
    if (rv == 0)
        rv = db_int(&n->db, "SELECT count(*) FROM peer WHERE addr = ?1",
                    DB_ARGS(DB_TEXT(addr)), &count, NULL, err);
    if (rv == 0 && add && count == 0)
        rv = db_run(&n->db, "INSERT INTO peer(addr, added) VALUES(?1, ?2)",
                    DB_ARGS(DB_TEXT(addr), DB_INT(env_now_ms(n))), err);
    if (rv == 0 && !add && count != 0)
        rv = db_run(&n->db, "DELETE FROM peer WHERE addr = ?1",
                    DB_ARGS(DB_TEXT(addr)), err);
    if (rv == 0)
        rv = txn_commit(n, err);
    if (rv != 0)
        txn_rollback(n);
    *had = count != 0;
    return rv;
}

int store_peer_add(hz_node *n, const char *addr, bool *added,
                   struct hz_err *err)
{
    bool had = false;
    int rv = peer_change(n, addr, true, &had, err);
    *added = rv == 0 && !had;
    return rv;
}

int store_peer_remove(hz_node *n, const char *addr, struct hz_err *err)
{
    bool had = false;
    int rv = peer_change(n, addr, false, &had, err);
    if (rv == 0 && !had)
        rv = hz_err_set(err, HZ_ENOTFOUND, "no configured peer %s", addr);
    return rv;
}

int store_peer_tried(hz_node *n, const char *addr, const char *error,
                     struct hz_err *err)
{
    return write_one(n,
                     "UPDATE peer SET last_try = ?2, last_error = ?3 WHERE"
                     " addr = ?1",
                     DB_ARGS(DB_TEXT(addr), DB_INT(env_now_ms(n)),
                             error != NULL ? DB_TEXT(error) : DB_NULL),
                     err);
}

struct addrs {
    int (*cb)(void *data, const char *addr);
    void *data;
};

static int addr_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    (void)err;
    const struct addrs *a = data;
    return a->cb(a->data, (const char *)sqlite3_column_text(st, 0));
}

int store_peer_addrs(hz_node *n, int (*cb)(void *data, const char *addr),
                     void *data, struct hz_err *err)
{
    struct addrs a = {cb, data};
    int rv = txn_begin_read(n, err);
    if (rv == 0)
        rv = db_each(&n->db, "SELECT addr FROM peer ORDER BY addr", DB_NO_ARGS,
                     addr_row, &a, err);
    txn_rollback(n);
    return rv;
}

/* ---- what sessions did */

int store_contact_reset(hz_node *n, struct hz_err *err)
{
    return write_one(n, "UPDATE contact SET connected = 0", DB_NO_ARGS, err);
}

int store_contact_open(hz_node *n, const uint8_t *key, const char *addr,
                       enum store_found found, struct hz_err *err)
{
    return write_one(
        n,
        "INSERT INTO contact(key, addr, dialled, connected, last_contact)"
        " VALUES(?1, ?2, ?3, 1, ?4) ON CONFLICT(key) DO UPDATE SET"
        " addr = ?2, dialled = ?3, connected = 1, last_contact = ?4",
        DB_ARGS(DB_KEY(key), DB_TEXT(addr), DB_INT(found),
                DB_INT(env_now_ms(n))),
        err);
}

int store_contact_end(hz_node *n, const uint8_t *key, const char *addr,
                      enum store_found found,
                      const struct store_contact_news *news, struct hz_err *err)
{
    int64_t now = env_now_ms(n);
    return write_one(
        n,
        "INSERT INTO contact(key, addr, dialled, connected, last_contact,"
        " last_sync, sent, received, last_error, they_lack, we_lack)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        " ON CONFLICT(key) DO UPDATE SET addr = ?2,"
        " dialled = ?3, connected = ?4, last_contact = ?5, last_sync ="
        " max(last_sync, ?6), sent = sent + ?7, received = received + ?8,"
        " last_error = ?9, they_lack = coalesce(?10, they_lack),"
        " we_lack = coalesce(?11, we_lack)",
        DB_ARGS(DB_KEY(key), DB_TEXT(addr), DB_INT(found),
                DB_INT(news->connected), DB_INT(now),
                DB_INT(news->synced ? now : 0), DB_INT(news->sent),
                DB_INT(news->received),
                news->error != NULL ? DB_TEXT(news->error) : DB_NULL,
                news->lag_known ? DB_INT((int64_t)news->they_lack) : DB_NULL,
                news->lag_known ? DB_INT((int64_t)news->we_lack) : DB_NULL),
        err);
}

/* ---- for status */

struct contacts {
    hz_node *n;
    json_t *arr;
};

static int contact_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    const struct contacts *cs = data;
    json_t *row = json_object();
    json_array_append_new(cs->arr, row);
    if (sqlite3_column_bytes(st, 0) != (int)HZ_KEY_LEN)
        return hz_err_set(err, HZ_ECORRUPT, "contact row");
    const uint8_t *key = sqlite3_column_blob(st, 0);
    json_object_set_new(row, "key", render_hex(key, HZ_KEY_LEN));
    json_object_set_new(row, "address",
                        json_string((const char *)sqlite3_column_text(st, 1)));
    json_object_set_new(
        row, "found",
        json_string(sqlite3_column_int(st, 2) == STORE_FOUND_CONFIGURED
                        ? "configured"
                    : sqlite3_column_int(st, 2) == STORE_FOUND_DISCOVERED
                        ? "discovered"
                        : "dialled us"));
    json_object_set_new(row, "connected",
                        json_boolean(sqlite3_column_int(st, 3)));
    static const char *const times[] = {"last_contact_ms", "last_sync_ms"};
    for (int i = 0; i < 2; i++) {
        int64_t t = sqlite3_column_int64(st, 4 + i);
        json_object_set_new(row, times[i],
                            t != 0 ? json_integer(t) : json_null());
    }
    json_object_set_new(row, "sent", json_integer(sqlite3_column_int64(st, 6)));
    json_object_set_new(row, "received",
                        json_integer(sqlite3_column_int64(st, 7)));
    const char *e = (const char *)sqlite3_column_text(st, 8);
    json_object_set_new(row, "last_error", e ? json_string(e) : json_null());
    /* How far behind each side is, as the last session last counted. */
    static const char *const lags[] = {"peer_lacks", "we_lack"};
    for (int i = 0; i < 2; i++)
        json_object_set_new(
            row, lags[i],
            sqlite3_column_type(st, 9 + i) == SQLITE_NULL
                ? json_null()
                : json_integer(sqlite3_column_int64(st, 9 + i)));
    int rv = roster_name_into(cs->n, key, row, "name", err);
    if (rv == 0 && json_object_get(row, "name") == NULL)
        json_object_set_new(row, "name", json_null());
    return rv;
}

static int peer_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    (void)err;
    json_t *arr = data;
    json_t *row = json_object();
    json_object_set_new(row, "address",
                        json_string((const char *)sqlite3_column_text(st, 0)));
    json_object_set_new(row, "added_ms",
                        json_integer(sqlite3_column_int64(st, 1)));
    const char *key = (const char *)sqlite3_column_text(st, 2);
    json_object_set_new(row, "key", key ? json_string(key) : json_null());
    int64_t tried = sqlite3_column_int64(st, 3);
    json_object_set_new(row, "last_try_ms",
                        tried != 0 ? json_integer(tried) : json_null());
    const char *e = (const char *)sqlite3_column_text(st, 4);
    json_object_set_new(row, "last_error", e ? json_string(e) : json_null());
    json_array_append_new(arr, row);
    return 0;
}

bool store_serving(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, HZ_SERVE_LOCK);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    bool held = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    close(fd);
    return held;
}

int contacts_status_json(struct hz_node *n, json_t *root, struct hz_err *err)
{
    json_t *peers = json_array(), *contacts = json_array();
    json_object_set_new(root, "peers", peers);
    json_object_set_new(root, "contacts", contacts);
    json_object_set_new(root, "serving",
                        json_boolean(n->dir != NULL && store_serving(n->dir)));
    /* A configured peer's key: the device last met at its address. */
    int rv = db_each(&n->db,
                     "SELECT p.addr, p.added, (SELECT lower(hex(c.key)) FROM"
                     " contact AS c WHERE c.addr = p.addr AND c.dialled = 1"
                     " ORDER BY c.last_contact DESC LIMIT 1), p.last_try,"
                     " p.last_error FROM peer AS p"
                     " ORDER BY p.addr",
                     DB_NO_ARGS, peer_row, peers, err);
    struct contacts cs = {n, contacts};
    if (rv == 0)
        rv = db_each(&n->db,
                     /* A read-only node of format 7 to 11 has no lag
                      * columns. */
                     n->db.format >= 12
                         ? "SELECT key, addr, dialled, connected,"
                           " last_contact, last_sync, sent, received,"
                           " last_error, they_lack, we_lack FROM contact"
                           " ORDER BY last_contact DESC"
                         : "SELECT key, addr, dialled, connected,"
                           " last_contact, last_sync, sent, received,"
                           " last_error, NULL, NULL FROM contact"
                           " ORDER BY last_contact DESC",
                     DB_NO_ARGS, contact_row, &cs, err);
    return rv;
}
