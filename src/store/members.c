/* members.c - the network's members as JSON (proto/cli.md, "members"). */
#include "network.h"
#include "query.h"

#include "huzhu/trust.h"

#include "../core/error_int.h"
#include "../core/limits.h"
#include "../core/token.h"
#include "../core/trust.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- members */

/* Add to each row the fields of the certificate its "cert" names. */
static int describe_certs(struct hz_node *n, json_t *rows, uint64_t now,
                          struct hz_err *err)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        uint8_t id[HZ_HASH_LEN];
        const char *hex = json_string_value(json_object_get(row, "cert"));
        if (hex == NULL || hex_decode(hex, id, sizeof id) != 0)
            return hz_err_set(err, HZ_ECORRUPT, "member row");
        sqlite3_stmt *st;
        int rv = db_prep(n, "SELECT bytes FROM member WHERE id = ?1", &st, err);
        if (rv != 0)
            return rv;
        sqlite3_bind_blob(st, 1, id, HZ_HASH_LEN, SQLITE_STATIC);
        struct cert c;
        int rc = sqlite3_step(st);
        rv = rc == SQLITE_ROW
                 ? cert_decode(&c, sqlite3_column_blob(st, 0),
                               (size_t)sqlite3_column_bytes(st, 0), err)
                 : db_err(n, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, "member",
                          err);
        if (rv == 0) {
            json_object_set_new(
                row, "name", json_stringn((const char *)c.name.p, c.name.len));
            json_object_set_new(row, "role",
                                json_string(cert_role_name(c.role)));
            json_object_set_new(row, "site",
                                c.has_site ? query_hex(c.site, HZ_ROW_LEN)
                                           : json_null());
            json_object_set_new(row, "admits", json_boolean(c.admits));
            json_object_set_new(row, "issued_ms",
                                json_integer((json_int_t)c.issued_ms));
            json_object_set_new(row, "valid_days",
                                json_integer((json_int_t)c.valid_days));
            json_object_set_new(
                row, "expires_ms",
                json_integer(
                    (json_int_t)(c.issued_ms + c.valid_days * 86400000u)));
            json_object_set_new(row, "current",
                                json_boolean(cert_is_current(&c, now)));
            json_object_set_new(row, "issuer", query_hex(c.issuer, HZ_KEY_LEN));
            json_object_set_new(
                row, "issuer_is_root",
                json_boolean(cert_is_root(c.network, c.issuer)));
        }
        sqlite3_reset(st);
        if (rv != 0)
            return rv;
    }
    return 0;
}

int hz_members(hz_node *n, char **json, struct hz_err *err)
{
    *json = NULL;
    json_t *root = json_object();
    json_object_set_new(root, "networked", json_boolean(n->networked));
    json_object_set_new(root, "network", query_hex(n->network, HZ_NET_LEN));
    char *name = NULL;
    int rv = db_meta_get_text(n, "network_name", &name, err);
    json_object_set_new(root, "network_name",
                        name ? json_string(name) : json_null());
    free(name);
    json_object_set_new(root, "this_device", query_hex(n->id.pk, HZ_KEY_LEN));
    struct identity r;
    int have_root = 0;
    if (rv == 0 && n->networked)
        rv = net_root_key(n, &r, &have_root, err);
    if (have_root)
        identity_close(&r);
    json_object_set_new(root, "holds_root_key", json_boolean(have_root));
    json_t *members = json_array(), *revoked = json_array(),
           *unknown = json_array();
    json_object_set_new(root, "members", members);
    json_object_set_new(root, "revoked_without_certificate", revoked);
    json_object_set_new(root, "without_certificate", unknown);
#define STATS(who)                                                             \
    "(SELECT max(seq) FROM log WHERE author = " who ") AS last_seq,"           \
    " (SELECT count(*) FROM log WHERE author = " who " AND state = 0)"         \
    " AS applied, (SELECT count(*) FROM log WHERE author = " who               \
    " AND state = 4) AS denied, (SELECT min(point) FROM forks WHERE"           \
    " author = " who ") AS fork_point"
    if (rv == 0)
        rv = query_rows(n,
                        "SELECT m.subject AS key, m.id AS cert, m.rank AS"
                        " admin_rank, c.seq AS revoked_after, " STATS(
                            "m.subject") " FROM member m LEFT JOIN cutoff c"
                                         " ON c.subject = m.subject ORDER BY "
                                         "m.subject, m.id",
                        members, err);
    if (rv == 0)
        rv = describe_certs(n, members, node_now_ms(n), err);
    if (rv == 0)
        rv = query_rows(
            n,
            "SELECT c.subject AS key, c.seq AS revoked_after, " STATS(
                "c.subject") " FROM cutoff c WHERE c.subject"
                             " NOT IN (SELECT subject FROM member) ORDER BY"
                             " c.subject",
            revoked, err);
    if (rv == 0)
        rv = query_rows(
            n,
            "SELECT l.author AS key, " STATS(
                "l.author") " FROM log l WHERE l.author NOT IN (SELECT subject "
                            "FROM"
                            " member) AND l.author NOT IN (SELECT subject FROM"
                            " cutoff) GROUP BY l.author ORDER BY l.author",
            unknown, err);
#undef STATS
    if (rv != 0) {
        json_decref(root);
        return rv;
    }
    return query_dump(root, json, err);
}
