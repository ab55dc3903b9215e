/* accounts.c - staff accounts of the web interface (store.h; proto/
 * storage.md, table account; DECISIONS 38): a name, a role, the site of a
 * site account, and an Argon2id password hash. Never replicated: they are
 * this node's, like its key, and say only who may use this node's web
 * interface. Every change gives the account a new serial unless the hash
 * is only brought up to new parameters, so a web session (which holds
 * the serial it logged in with) ends at `user rm` and `user passwd` even
 * when another process made the change. The only file with SQL on
 * account. */
#include "../store.h"
#include "members.h"

#include "../../core/codec.h"
#include "../../core/error_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

_Static_assert(crypto_pwhash_STRBYTES <= STORE_PW_HASH_LEN,
               "a password hash fits its buffer");

static const char *const roles[] = {"admin", "coordinator", "site", "viewer",
                                    "health"};

bool store_account_role_known(const char *role)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        if (strcmp(role, roles[i]) == 0)
            return true;
    }
    return false;
}

/* Valid UTF-8, no control character, no space at either end, 1 to
 * STORE_ACCOUNT_NAME_MAX bytes. */
int store_account_name_check(const char *name, struct hz_err *err)
{
    size_t len = strlen(name);
    if (len == 0 || len > STORE_ACCOUNT_NAME_MAX)
        return hz_err_set(err, HZ_EINVAL, "an account name has 1 to %u bytes",
                          STORE_ACCOUNT_NAME_MAX);
    if (!utf8_valid((const uint8_t *)name, len))
        return hz_err_set(err, HZ_EINVAL, "an account name is UTF-8 text");
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch < 0x20 || ch == 0x7f)
            return hz_err_set(err, HZ_EINVAL,
                              "an account name has no control characters");
    }
    if (name[0] == ' ' || name[len - 1] == ' ')
        return hz_err_set(err, HZ_EINVAL,
                          "an account name neither starts nor ends with a"
                          " space");
    return 0;
}

int store_password_check(const char *pw, struct hz_err *err)
{
    size_t len = strlen(pw);
    if (len < STORE_PASSWORD_MIN || len > STORE_PASSWORD_MAX)
        return hz_err_set(err, HZ_EINVAL, "a password has %u to %u bytes",
                          STORE_PASSWORD_MIN, STORE_PASSWORD_MAX);
    return 0;
}

int store_password_hash(const char *pw, char out[STORE_PW_HASH_LEN],
                        struct hz_err *err)
{
    int rv = store_password_check(pw, err);
    if (rv != 0)
        return rv;
    if (crypto_pwhash_str(out, pw, strlen(pw), STORE_PW_OPS, STORE_PW_MEM) != 0)
        return hz_err_set(err, HZ_ENOMEM, "argon2id needs %u MiB",
                          (unsigned)(STORE_PW_MEM >> 20));
    return 0;
}

bool store_password_verify(const char *hash, const char *pw, bool *rehash)
{
    size_t len = strlen(pw);
    if (len > STORE_PASSWORD_MAX ||
        crypto_pwhash_str_verify(hash, pw, len) != 0)
        return false;
    *rehash =
        crypto_pwhash_str_needs_rehash(hash, STORE_PW_OPS, STORE_PW_MEM) != 0;
    return true;
}

/* The next serial: above every serial ever given on this node (kept in
 * meta, so a name removed and added again never matches an old one). */
static int next_serial(hz_node *n, int64_t *out, struct hz_err *err)
{
    int64_t top = 0, was = 0;
    int rv = db_int(&n->db, "SELECT coalesce(max(serial), 0) FROM account",
                    DB_NO_ARGS, &top, NULL, err);
    bool found = false;
    if (rv == 0)
        rv = db_int(&n->db,
                    "SELECT CAST(v AS INTEGER) FROM meta WHERE k ="
                    " 'account_serial'",
                    DB_NO_ARGS, &was, &found, err);
    *out = (was > top ? was : top) + 1;
    char text[24];
    int len = snprintf(text, sizeof text, "%lld", (long long)*out);
    return rv != 0
               ? rv
               : db_meta_put(&n->db, "account_serial", text, (size_t)len, err);
}

int store_account_add(hz_node *n, const struct store_account *a,
                      struct hz_err *err)
{
    int64_t count = 0, serial = 0, now = env_now_ms(n);
    int rv = txn_begin(n, err);
    if (rv == 0)
        rv = db_int(&n->db, "SELECT count(*) FROM account WHERE name = ?1",
                    DB_ARGS(DB_TEXT(a->name)), &count, NULL, err);
    if (rv == 0 && count != 0)
        rv = hz_err_set(err, HZ_EEXIST, "an account named so exists");
    if (rv == 0)
        rv = next_serial(n, &serial, err);
    if (rv == 0)
        rv = db_run(&n->db,
                    "INSERT INTO account(name, role, site, hash, serial,"
                    " created, changed) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                    DB_ARGS(DB_TEXT(a->name), DB_TEXT(a->role),
                            a->site[0] != '\0' ? DB_TEXT(a->site) : DB_NULL,
                            DB_TEXT(a->hash), DB_INT(serial), DB_INT(now)),
                    err);
    if (rv == 0)
        rv = txn_commit(n, err);
    if (rv != 0)
        txn_rollback(n);
    return rv;
}

static int account_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct store_account *a = data;
    const char *role = (const char *)sqlite3_column_text(st, 0);
    const char *site = (const char *)sqlite3_column_text(st, 1);
    const char *hash = (const char *)sqlite3_column_text(st, 2);
    if (role == NULL || hash == NULL || strlen(role) >= sizeof a->role ||
        strlen(hash) >= sizeof a->hash ||
        (site != NULL && strlen(site) >= sizeof a->site))
        return hz_err_set(err, HZ_ECORRUPT, "account row");
    snprintf(a->role, sizeof a->role, "%s", role);
    snprintf(a->site, sizeof a->site, "%s", site != NULL ? site : "");
    snprintf(a->hash, sizeof a->hash, "%s", hash);
    a->serial = sqlite3_column_int64(st, 3);
    return 1;
}

int store_account_get(hz_node *n, const char *name, struct store_account *out,
                      struct hz_err *err)
{
    memset(out, 0, sizeof *out);
    if (strlen(name) > STORE_ACCOUNT_NAME_MAX)
        return hz_err_set(err, HZ_ENOTFOUND, "no such account");
    snprintf(out->name, sizeof out->name, "%s", name);
    int rv = txn_begin_read(n, err);
    if (rv == 0)
        rv = db_each(&n->db,
                     "SELECT role, site, hash, serial FROM account WHERE"
                     " name = ?1",
                     DB_ARGS(DB_TEXT(name)), account_row, out, err);
    txn_rollback(n);
    if (rv == 0)
        return hz_err_set(err, HZ_ENOTFOUND, "no such account");
    return rv == 1 ? 0 : rv;
}

int store_account_serial(hz_node *n, const char *name, int64_t *serial,
                         struct hz_err *err)
{
    bool found = false;
    int rv = txn_begin_read(n, err);
    if (rv == 0)
        rv = db_int(&n->db, "SELECT serial FROM account WHERE name = ?1",
                    DB_ARGS(DB_TEXT(name)), serial, &found, err);
    txn_rollback(n);
    if (rv == 0 && !found)
        rv = hz_err_set(err, HZ_ENOTFOUND, "no such account");
    return rv;
}

int store_account_set_hash(hz_node *n, const char *name, const char *hash,
                           bool end_sessions, struct hz_err *err)
{
    int64_t serial = 0, count = 0;
    int rv = txn_begin(n, err);
    if (rv == 0)
        rv = db_int(&n->db, "SELECT count(*) FROM account WHERE name = ?1",
                    DB_ARGS(DB_TEXT(name)), &count, NULL, err);
    if (rv == 0 && count == 0)
        rv = hz_err_set(err, HZ_ENOTFOUND, "no such account");
    if (rv == 0 && end_sessions)
        rv = next_serial(n, &serial, err);
    if (rv == 0)
        rv = db_run(&n->db,
                    "UPDATE account SET hash = ?2, changed = ?3, serial ="
                    " CASE WHEN ?4 THEN ?5 ELSE serial END WHERE name = ?1",
                    DB_ARGS(DB_TEXT(name), DB_TEXT(hash), DB_INT(env_now_ms(n)),
                            DB_INT(end_sessions), DB_INT(serial)),
                    err);
    if (rv == 0)
        rv = txn_commit(n, err);
    if (rv != 0)
        txn_rollback(n);
    return rv;
}

int store_account_remove(hz_node *n, const char *name, struct hz_err *err)
{
    int64_t serial = 0;
    int rv = txn_begin(n, err);
    if (rv == 0)
        rv = db_run(&n->db, "DELETE FROM account WHERE name = ?1",
                    DB_ARGS(DB_TEXT(name)), err);
    if (rv == 0 && db_changes(&n->db) == 0)
        rv = hz_err_set(err, HZ_ENOTFOUND, "no such account");
    /* Keep the serial counter above the removed account's. */
    if (rv == 0)
        rv = next_serial(n, &serial, err);
    if (rv == 0)
        rv = txn_commit(n, err);
    if (rv != 0)
        txn_rollback(n);
    return rv;
}

int store_account_list(hz_node *n, char **json, struct hz_err *err)
{
    json_t *arr = json_array();
    if (arr == NULL)
        return hz_err_set(err, HZ_ENOMEM, "accounts");
    int rv = txn_begin_read(n, err);
    if (rv == 0)
        rv = db_rows_json(&n->db,
                          "SELECT name, role, site, created AS created_ms,"
                          " changed AS changed_ms FROM account ORDER BY name",
                          DB_NO_ARGS, arr, err);
    txn_rollback(n);
    if (rv == 0) {
        *json = json_dumps(arr, JSON_COMPACT);
        if (*json == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "accounts");
    }
    json_decref(arr);
    return rv;
}
