/* cert.c - certificates and the authorization rule (cert.h).
 * Exact bytes: proto/trust.md, "Certificates". */
#include "cert.h"

#include "error_int.h"
#include "limits.h"

#include <sodium.h>
#include <string.h>

static const char *const role_names[] = {
    [ROLE_ADMIN] = "admin",
    [ROLE_COORDINATOR] = "coordinator",
    [ROLE_SITE] = "site",
    [ROLE_VIEWER] = "viewer",
};

const char *cert_role_name(enum role r)
{
    if ((unsigned)r >= sizeof role_names / sizeof role_names[0])
        return NULL;
    return role_names[r];
}

int cert_role_parse(const char *name, enum role *out)
{
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
        if (strcmp(name, role_names[i]) == 0) {
            *out = (enum role)i;
            return 0;
        }
    }
    return HZ_EINVAL;
}

void cert_network_id(const uint8_t *root_pk, uint8_t *network)
{
    uint8_t h[HZ_HASH_LEN];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const uint8_t *)HZ_NETWORK_TAG,
                              strlen(HZ_NETWORK_TAG));
    crypto_generichash_update(&st, root_pk, HZ_KEY_LEN);
    crypto_generichash_final(&st, h, sizeof h);
    memcpy(network, h, HZ_NET_LEN);
}

static void encode_fields(const struct cert *c, struct enc *out, size_t n)
{
    enc_array(out, n);
    enc_uint(out, c->version);
    enc_bin(out, c->network, HZ_NET_LEN);
    enc_bin(out, c->subject, HZ_KEY_LEN);
    enc_str(out, c->name.p, c->name.len);
    enc_uint(out, (uint64_t)c->role);
    if (c->has_site)
        enc_bin(out, c->site, HZ_ROW_LEN);
    else
        enc_nil(out);
    enc_uint(out, c->issued_ms);
    enc_uint(out, c->valid_days);
    enc_bin(out, c->issuer, HZ_KEY_LEN);
}

static int signing_input(const struct cert *c, struct enc *out)
{
    enc_reset(out);
    enc_raw(out, HZ_CERT_TAG, strlen(HZ_CERT_TAG));
    encode_fields(c, out, 9);
    return enc_done(out);
}

static int encode(const struct cert *c, struct enc *out)
{
    enc_reset(out);
    encode_fields(c, out, 10);
    enc_bin(out, c->sig, HZ_SIG_LEN);
    return enc_done(out);
}

int cert_sign(struct cert *c, const uint8_t *sk, struct enc *out)
{
    int rv = signing_input(c, out);
    if (rv != 0)
        return rv;
    crypto_generichash(c->id, HZ_HASH_LEN, enc_data(out), enc_len(out), NULL,
                       0);
    crypto_sign_detached(c->sig, NULL, enc_data(out), enc_len(out), sk);
    return encode(c, out);
}

static int decode_fields(struct cert *c, const msgpack_object *o,
                         struct hz_err *err)
{
    const msgpack_object *f;
    size_t n;
    uint64_t role;
    int rv = mp_array(o, 10, 10, &f, &n, "cert", err);
    if (rv == 0)
        rv = mp_uint(&f[0], &c->version, "cert version", err);
    if (rv == 0 && c->version != HZ_CERT_VERSION)
        return hz_err_set(err, HZ_EVERSION, "cert version %llu",
                          (unsigned long long)c->version);
    if (rv == 0)
        rv = mp_bin_fixed(&f[1], c->network, HZ_NET_LEN, "network", err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[2], c->subject, HZ_KEY_LEN, "subject", err);
    if (rv == 0)
        rv = mp_str(&f[3], HZ_CERT_NAME_MAX, &c->name, "name", err);
    if (rv == 0)
        rv = mp_uint(&f[4], &role, "role", err);
    if (rv == 0 && cert_role_name((enum role)role) == NULL)
        rv = hz_err_set(err, HZ_EMALFORMED, "unknown role %llu",
                        (unsigned long long)role);
    if (rv != 0)
        return rv;
    c->role = (enum role)role;
    c->has_site = f[5].type != MSGPACK_OBJECT_NIL;
    if (c->has_site)
        rv = mp_bin_fixed(&f[5], c->site, HZ_ROW_LEN, "site", err);
    if (rv == 0)
        rv = mp_uint(&f[6], &c->issued_ms, "issued", err);
    if (rv == 0)
        rv = mp_uint(&f[7], &c->valid_days, "valid days", err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[8], c->issuer, HZ_KEY_LEN, "issuer", err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[9], c->sig, HZ_SIG_LEN, "sig", err);
    if (rv == 0 && c->has_site != (c->role == ROLE_SITE))
        rv = hz_err_set(err, HZ_EMALFORMED,
                        "a site is named by, and only by, a site role");
    if (rv == 0 &&
        (c->issued_ms > (uint64_t)INT64_MAX || c->valid_days > 36500u))
        rv = hz_err_set(err, HZ_EMALFORMED, "cert validity out of range");
    return rv;
}

int cert_decode(struct cert *c, const uint8_t *buf, size_t len,
                struct hz_err *err)
{
    memset(c, 0, sizeof *c);
    if (len > 1024)
        return hz_err_set(err, HZ_ETOOBIG, "cert of %zu bytes", len);
    msgpack_unpacked u;
    int rv = mp_unpack(&u, buf, len, err);
    if (rv != 0)
        return rv;
    rv = decode_fields(c, &u.data, err);
    msgpack_unpacked_destroy(&u);
    if (rv != 0)
        return rv;
    struct enc tmp;
    enc_init(&tmp);
    rv = encode(c, &tmp);
    if (rv == 0 &&
        (enc_len(&tmp) != len || memcmp(enc_data(&tmp), buf, len) != 0))
        rv = hz_err_set(err, HZ_EMALFORMED, "cert is not canonical");
    if (rv == 0)
        rv = signing_input(c, &tmp);
    if (rv == 0)
        crypto_generichash(c->id, HZ_HASH_LEN, enc_data(&tmp), enc_len(&tmp),
                           NULL, 0);
    enc_close(&tmp);
    return rv;
}

int cert_verify(const struct cert *c, struct hz_err *err)
{
    struct enc tmp;
    enc_init(&tmp);
    int rv = signing_input(c, &tmp);
    if (rv == 0 && crypto_sign_verify_detached(c->sig, enc_data(&tmp),
                                               enc_len(&tmp), c->issuer) != 0)
        rv = hz_err_set(err, HZ_EBADSIG, "cert");
    enc_close(&tmp);
    return rv;
}

bool cert_is_current(const struct cert *c, uint64_t now_ms)
{
    uint64_t span = c->valid_days * 86400000u;
    return now_ms >= c->issued_ms && now_ms - c->issued_ms <= span;
}

/* The value of an op's field named @col, or NULL. */
static const struct value *op_value(const struct op *o, const char *col)
{
    int c = schema_col_c(o->table, col);
    for (size_t k = 0; c >= 0 && k < o->n_fields; k++) {
        if (o->fields[k].col == c)
            return &o->fields[k].val;
    }
    return NULL;
}

static bool is_site(const struct cert *c, const struct value *v)
{
    return v != NULL && v->type == VALUE_BIN && v->s.len == HZ_ROW_LEN &&
           memcmp(v->s.p, c->site, HZ_ROW_LEN) == 0;
}

int cert_allows(const struct cert *c, const struct op *o, struct hz_err *err)
{
    const char *t = o->table->name;
    switch (c->role) {
    case ROLE_ADMIN:
    case ROLE_COORDINATOR:
        return 0;
    case ROLE_VIEWER:
        break;
    case ROLE_SITE:
        if (strcmp(t, "households") == 0 || strcmp(t, "persons") == 0)
            return 0;
        if (strcmp(t, "sites") == 0 && o->kind != OP_INS &&
            memcmp(o->row, c->site, HZ_ROW_LEN) == 0)
            return 0;
        if (o->kind == OP_INS && is_site(c, op_value(o, "site")))
            return 0;
        break;
    }
    return hz_err_set(err, HZ_EPERM, "%s may not write %s",
                      cert_role_name(c->role), t);
}
