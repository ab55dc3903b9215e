/* members.c - the network's members as JSON (proto/cli.md, "members"). */
#include "members.h"

#include "huzhu/trust.h"

#include "../../core/error_int.h"
#include "../state/render.h"

#include <stdlib.h>
#include <string.h>

/* ---- members */

/* The fields of a certificate, added to its row. */
struct describe {
    json_t *row;
    uint64_t now;
};

static int describe_cert(void *data, const uint8_t *p, size_t len,
                         struct hz_err *err)
{
    struct describe *d = data;
    struct cert c;
    int rv = cert_decode(&c, p, len, err);
    if (rv != 0)
        return rv;
    json_t *row = d->row;
    json_object_set_new(row, "name",
                        json_stringn((const char *)c.name.p, c.name.len));
    json_object_set_new(row, "role", json_string(cert_role_name(c.role)));
    json_object_set_new(
        row, "site", c.has_site ? render_hex(c.site, HZ_ROW_LEN) : json_null());
    json_object_set_new(row, "admits", json_boolean(c.admits));
    json_object_set_new(row, "issued_ms",
                        json_integer((json_int_t)c.issued_ms));
    json_object_set_new(row, "valid_days",
                        json_integer((json_int_t)c.valid_days));
    json_object_set_new(
        row, "expires_ms",
        json_integer((json_int_t)(c.issued_ms + c.valid_days * 86400000u)));
    json_object_set_new(row, "current",
                        json_boolean(cert_is_current(&c, d->now)));
    json_object_set_new(row, "issuer", render_hex(c.issuer, HZ_KEY_LEN));
    json_object_set_new(row, "issuer_is_root",
                        json_boolean(cert_is_root(c.network, c.issuer)));
    return 0;
}

struct name_into {
    json_t *obj;
    const char *field;
};

static int name_into(void *data, const uint8_t *p, size_t len,
                     struct hz_err *err)
{
    struct name_into *d = data;
    if (json_is_string(json_object_get(d->obj, d->field)))
        return 0;
    struct cert c;
    int rv = cert_decode(&c, p, len, err);
    if (rv == 0)
        json_object_set_new(d->obj, d->field,
                            json_stringn((const char *)c.name.p, c.name.len));
    return rv;
}

int roster_name_into(struct hz_node *n, const uint8_t *key, json_t *obj,
                     const char *field, struct hz_err *err)
{
    struct name_into d = {obj, field};
    return roster_certs(n, key, name_into, &d, err);
}

/* Each row's key, from its hex. */
static int row_key(json_t *row, const char *field, uint8_t *out, size_t len,
                   struct hz_err *err)
{
    const char *hex = json_string_value(json_object_get(row, field));
    if (hex == NULL || hex_decode(hex, out, len) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "member row");
    return 0;
}

/* Add the author's log figures (last_seq, applied, denied, fork_point)
 * to each row, and with @certs the fields of the certificate it names. */
static int describe_rows(struct hz_node *n, json_t *rows, bool certs,
                         struct hz_err *err)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        uint8_t key[HZ_KEY_LEN], id[HZ_HASH_LEN];
        int rv = row_key(row, "key", key, sizeof key, err);
        if (rv == 0)
            rv = log_author_json(n, key, row, err);
        if (rv == 0 && certs)
            rv = row_key(row, "cert", id, sizeof id, err);
        struct describe d = {row, env_now_ms(n)};
        if (rv == 0 && certs)
            rv = roster_cert(n, id, describe_cert, &d, err);
        if (rv != 0)
            return rv;
    }
    return 0;
}

/* Authors in the log with neither a certificate in effect nor a
 * cut-off. */
static int unknown_authors(struct hz_node *n, json_t *arr, struct hz_err *err)
{
    uint8_t(*keys)[HZ_KEY_LEN] = NULL;
    size_t count = 0;
    int rv = log_authors(n, &keys, &count, err);
    for (size_t i = 0; rv == 0 && i < count; i++) {
        bool known;
        rv = roster_knows(n, keys[i], &known, err);
        if (rv != 0 || known)
            continue;
        json_t *row = json_object();
        json_object_set_new(row, "key", render_hex(keys[i], HZ_KEY_LEN));
        json_array_append_new(arr, row);
    }
    free(keys);
    return rv;
}

int hz_members(hz_node *n, char **json, struct hz_err *err)
{
    *json = NULL;
    json_t *root = json_object();
    json_object_set_new(root, "networked", json_boolean(n->networked));
    json_object_set_new(root, "network", render_hex(n->network, HZ_NET_LEN));
    /* A node in no network has no network name. */
    char *name = NULL;
    bool named = false;
    int rv = db_meta_has(&n->db, "network_name", &named, err);
    if (rv == 0 && named)
        rv = db_meta_get_text(&n->db, "network_name", &name, err);
    json_object_set_new(root, "network_name",
                        name ? json_string(name) : json_null());
    free(name);
    json_object_set_new(root, "this_device", render_hex(n->id.pk, HZ_KEY_LEN));
    struct identity r;
    int have_root = 0;
    if (rv == 0 && n->networked)
        rv = network_root_key(n, &r, &have_root, err);
    if (have_root)
        identity_close(&r);
    json_object_set_new(root, "holds_root_key", json_boolean(have_root));
    json_t *members = json_array(), *revoked = json_array(),
           *unknown = json_array();
    json_object_set_new(root, "members", members);
    json_object_set_new(root, "revoked_without_certificate", revoked);
    json_object_set_new(root, "without_certificate", unknown);
    if (rv == 0)
        rv = roster_rows_json(n, ROSTER_MEMBERS, members, err);
    if (rv == 0)
        rv = describe_rows(n, members, true, err);
    if (rv == 0)
        rv = roster_rows_json(n, ROSTER_REVOKED, revoked, err);
    if (rv == 0)
        rv = describe_rows(n, revoked, false, err);
    if (rv == 0)
        rv = unknown_authors(n, unknown, err);
    if (rv == 0)
        rv = describe_rows(n, unknown, false, err);
    if (rv != 0) {
        json_decref(root);
        return rv;
    }
    return render_dump(root, json, err);
}
