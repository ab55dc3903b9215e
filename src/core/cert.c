/* cert.c - certificates and the authorization rule (cert.h).
 * Exact bytes: proto/trust.md, "Certificates". */
#include "cert.h"

#include "body.h"

#include "error_int.h"
#include "alloc.h"
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

bool cert_is_root(const uint8_t *network, const uint8_t *issuer)
{
    uint8_t net[HZ_NET_LEN];
    cert_network_id(issuer, net);
    return sodium_memcmp(net, network, HZ_NET_LEN) == 0;
}

/* ---- signed objects: certificates and revocations share one shape.
 * The signing input is the tag and the array of every field but the
 * signature; the object is that array with the signature appended. */

struct kind {
    const char *tag;
    size_t max;      /* bytes */
    size_t n_fields; /* without the signature */
    void (*fields)(const void *obj, struct enc *out, size_t n);
    int (*decode)(void *obj, const msgpack_object *f, struct hz_err *err);
    uint8_t *(*sig)(void *obj);
    uint8_t *(*id)(void *obj);
    const uint8_t *(*issuer)(const void *obj);
};

static int signing_input(const struct kind *k, const void *obj, struct enc *out)
{
    enc_reset(out);
    enc_raw(out, k->tag, strlen(k->tag));
    k->fields(obj, out, k->n_fields);
    return enc_done(out);
}

static int encode(const struct kind *k, const void *obj, struct enc *out)
{
    enc_reset(out);
    k->fields(obj, out, k->n_fields + 1);
    enc_bin(out, k->sig((void *)obj), HZ_SIG_LEN);
    return enc_done(out);
}

static int obj_sign(const struct kind *k, void *obj, const uint8_t *sk,
                    struct enc *out)
{
    int rv = signing_input(k, obj, out);
    if (rv != 0)
        return rv;
    crypto_generichash(k->id(obj), HZ_HASH_LEN, enc_data(out), enc_len(out),
                       NULL, 0);
    crypto_sign_detached(k->sig(obj), NULL, enc_data(out), enc_len(out), sk);
    return encode(k, obj, out);
}

static int obj_decode(const struct kind *k, void *obj, const uint8_t *buf,
                      size_t len, struct hz_err *err)
{
    if (len > k->max)
        return hz_err_set(err, HZ_ETOOBIG, "%s of %zu bytes", k->tag, len);
    msgpack_unpacked u;
    int rv = mp_unpack(&u, buf, len, err);
    if (rv != 0)
        return rv;
    const msgpack_object *f;
    size_t n;
    rv = mp_array(&u.data, k->n_fields + 1, k->n_fields + 1, &f, &n, k->tag,
                  err);
    if (rv == 0)
        rv = k->decode(obj, f, err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[k->n_fields], k->sig(obj), HZ_SIG_LEN, "sig", err);
    msgpack_unpacked_destroy(&u);
    if (rv != 0)
        return rv;
    struct enc tmp;
    enc_init(&tmp);
    rv = encode(k, obj, &tmp);
    if (rv == 0 &&
        (enc_len(&tmp) != len || memcmp(enc_data(&tmp), buf, len) != 0))
        rv = hz_err_set(err, HZ_EMALFORMED, "%s is not canonical", k->tag);
    if (rv == 0)
        rv = signing_input(k, obj, &tmp);
    if (rv == 0)
        crypto_generichash(k->id(obj), HZ_HASH_LEN, enc_data(&tmp),
                           enc_len(&tmp), NULL, 0);
    enc_close(&tmp);
    return rv;
}

static int obj_verify(const struct kind *k, const void *obj, struct hz_err *err)
{
    struct enc tmp;
    enc_init(&tmp);
    int rv = signing_input(k, obj, &tmp);
    if (rv == 0 &&
        crypto_sign_verify_detached(k->sig((void *)obj), enc_data(&tmp),
                                    enc_len(&tmp), k->issuer(obj)) != 0)
        rv = hz_err_set(err, HZ_EBADSIG, "%s", k->tag);
    enc_close(&tmp);
    return rv;
}

static int check_version(const msgpack_object *f, uint64_t *version,
                         const char *what, struct hz_err *err)
{
    int rv = mp_uint(f, version, what, err);
    if (rv == 0 && *version != HZ_CERT_VERSION)
        rv = hz_err_set(err, HZ_EVERSION, "%s %llu", what,
                        (unsigned long long)*version);
    return rv;
}

/* ---- certificates */

static void cert_fields(const void *obj, struct enc *out, size_t n)
{
    const struct cert *c = obj;
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
    enc_bool(out, c->admits);
    enc_uint(out, c->issued_ms);
    enc_uint(out, c->valid_days);
    enc_bin(out, c->issuer, HZ_KEY_LEN);
}

static int cert_fields_decode(void *obj, const msgpack_object *f,
                              struct hz_err *err)
{
    struct cert *c = obj;
    uint64_t role;
    int rv = check_version(&f[0], &c->version, "cert version", err);
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
    if (rv == 0 && f[6].type != MSGPACK_OBJECT_BOOLEAN)
        rv = hz_err_set(err, HZ_EMALFORMED, "admits is not a boolean");
    if (rv == 0)
        c->admits = f[6].via.boolean;
    if (rv == 0)
        rv = mp_uint(&f[7], &c->issued_ms, "issued", err);
    if (rv == 0)
        rv = mp_uint(&f[8], &c->valid_days, "valid days", err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[9], c->issuer, HZ_KEY_LEN, "issuer", err);
    if (rv == 0 && c->has_site != (c->role == ROLE_SITE))
        rv = hz_err_set(err, HZ_EMALFORMED,
                        "a site is named by, and only by, a site role");
    if (rv == 0 && c->admits && c->role != ROLE_COORDINATOR)
        rv = hz_err_set(err, HZ_EMALFORMED,
                        "only a coordinator is given admission");
    if (rv == 0 && (c->issued_ms > (uint64_t)INT64_MAX ||
                    c->valid_days > HZ_VALID_DAYS_MAX))
        rv = hz_err_set(err, HZ_EMALFORMED, "cert validity out of range");
    return rv;
}

static uint8_t *cert_sig(void *obj)
{
    return ((struct cert *)obj)->sig;
}
static uint8_t *cert_id(void *obj)
{
    return ((struct cert *)obj)->id;
}
static const uint8_t *cert_issuer(const void *obj)
{
    return ((const struct cert *)obj)->issuer;
}

static const struct kind cert_kind = {
    .tag = HZ_CERT_TAG,
    .max = HZ_TRUST_OBJ_MAX,
    .n_fields = 10,
    .fields = cert_fields,
    .decode = cert_fields_decode,
    .sig = cert_sig,
    .id = cert_id,
    .issuer = cert_issuer,
};

int cert_sign(struct cert *c, const uint8_t *sk, struct enc *out)
{
    return obj_sign(&cert_kind, c, sk, out);
}

int cert_encode(const struct cert *c, struct enc *out)
{
    return encode(&cert_kind, c, out);
}

int cert_decode(struct cert *c, const uint8_t *buf, size_t len,
                struct hz_err *err)
{
    memset(c, 0, sizeof *c);
    return obj_decode(&cert_kind, c, buf, len, err);
}

int cert_verify(const struct cert *c, struct hz_err *err)
{
    return obj_verify(&cert_kind, c, err);
}

/* ---- revocations */

static void rev_fields(const void *obj, struct enc *out, size_t n)
{
    const struct revocation *r = obj;
    enc_array(out, n);
    enc_uint(out, r->version);
    enc_bin(out, r->network, HZ_NET_LEN);
    enc_bin(out, r->subject, HZ_KEY_LEN);
    enc_uint(out, r->after_seq);
    if (r->has_after_id)
        enc_bin(out, r->after_id, HZ_HASH_LEN);
    else
        enc_nil(out);
    enc_uint(out, r->issued_ms);
    enc_bin(out, r->issuer, HZ_KEY_LEN);
}

static int rev_fields_decode(void *obj, const msgpack_object *f,
                             struct hz_err *err)
{
    struct revocation *r = obj;
    int rv = check_version(&f[0], &r->version, "revocation version", err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[1], r->network, HZ_NET_LEN, "network", err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[2], r->subject, HZ_KEY_LEN, "subject", err);
    if (rv == 0)
        rv = mp_uint(&f[3], &r->after_seq, "after seq", err);
    if (rv != 0)
        return rv;
    r->has_after_id = f[4].type != MSGPACK_OBJECT_NIL;
    if (r->has_after_id)
        rv = mp_bin_fixed(&f[4], r->after_id, HZ_HASH_LEN, "after id", err);
    if (rv == 0)
        rv = mp_uint(&f[5], &r->issued_ms, "issued", err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[6], r->issuer, HZ_KEY_LEN, "issuer", err);
    if (rv == 0 && r->has_after_id != (r->after_seq > 0))
        rv = hz_err_set(err, HZ_EMALFORMED,
                        "an after id goes with, and only with, an after seq");
    if (rv == 0 && (r->after_seq > (uint64_t)INT64_MAX ||
                    r->issued_ms > (uint64_t)INT64_MAX))
        rv = hz_err_set(err, HZ_EMALFORMED, "revocation out of range");
    return rv;
}

static uint8_t *rev_sig(void *obj)
{
    return ((struct revocation *)obj)->sig;
}
static uint8_t *rev_id(void *obj)
{
    return ((struct revocation *)obj)->id;
}
static const uint8_t *rev_issuer(const void *obj)
{
    return ((const struct revocation *)obj)->issuer;
}

static const struct kind rev_kind = {
    .tag = HZ_REVOKE_TAG,
    .max = HZ_TRUST_OBJ_MAX,
    .n_fields = 7,
    .fields = rev_fields,
    .decode = rev_fields_decode,
    .sig = rev_sig,
    .id = rev_id,
    .issuer = rev_issuer,
};

int revocation_sign(struct revocation *r, const uint8_t *sk, struct enc *out)
{
    return obj_sign(&rev_kind, r, sk, out);
}

int revocation_decode(struct revocation *r, const uint8_t *buf, size_t len,
                      struct hz_err *err)
{
    memset(r, 0, sizeof *r);
    return obj_decode(&rev_kind, r, buf, len, err);
}

int revocation_encode(const struct revocation *r, struct enc *out)
{
    return encode(&rev_kind, r, out);
}

int revocation_verify(const struct revocation *r, struct hz_err *err)
{
    return obj_verify(&rev_kind, r, err);
}

bool cert_is_current(const struct cert *c, uint64_t now_ms)
{
    uint64_t span = c->valid_days * 86400000u;
    return now_ms >= c->issued_ms && now_ms - c->issued_ms <= span;
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
        if (strcmp(t, "households") == 0 || strcmp(t, "persons") == 0 ||
            strcmp(t, "recorded_by") == 0)
            return 0;
        if (strcmp(t, "sites") == 0 && o->kind != OP_INS &&
            memcmp(o->row, c->site, HZ_ROW_LEN) == 0)
            return 0;
        if (o->kind == OP_INS && is_site(c, body_op_value(o, "site")))
            return 0;
        break;
    }
    return hz_err_set(err, HZ_EPERM, "%s may not write %s",
                      cert_role_name(c->role), t);
}

/* ---- bundle key epochs */

static void epoch_fields(const void *obj, struct enc *out, size_t n)
{
    const struct epoch *e = obj;
    enc_array(out, n);
    enc_uint(out, e->version);
    enc_bin(out, e->network, HZ_NET_LEN);
    enc_uint(out, e->epoch);
    enc_bin(out, e->key_id, HZ_KEY_ID_LEN);
    enc_array(out, e->n_shares);
    for (size_t i = 0; i < e->n_shares; i++) {
        enc_array(out, 2);
        enc_bin(out, e->shares[i].subject, HZ_KEY_LEN);
        enc_bin(out, e->shares[i].sealed, HZ_EPOCH_SEALED_LEN);
    }
    enc_uint(out, e->issued_ms);
    enc_bin(out, e->issuer, HZ_KEY_LEN);
}

static int epoch_fields_decode(void *obj, const msgpack_object *f,
                               struct hz_err *err)
{
    struct epoch *e = obj;
    const msgpack_object *list;
    size_t n;
    int rv = check_version(&f[0], &e->version, "epoch version", err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[1], e->network, HZ_NET_LEN, "network", err);
    if (rv == 0)
        rv = mp_uint(&f[2], &e->epoch, "epoch", err);
    if (rv == 0 && (e->epoch == 0 || e->epoch > (uint64_t)INT64_MAX))
        rv = hz_err_set(err, HZ_EMALFORMED, "epoch out of range");
    if (rv == 0)
        rv = mp_bin_fixed(&f[3], e->key_id, HZ_KEY_ID_LEN, "key id", err);
    if (rv == 0)
        rv = mp_array(&f[4], 1, HZ_EPOCH_MEMBERS_MAX, &list, &n, "shares", err);
    if (rv != 0)
        return rv;
    e->shares = hz_calloc(n, sizeof e->shares[0]);
    if (e->shares == NULL)
        return hz_err_set(err, HZ_ENOMEM, "epoch shares");
    for (size_t i = 0; rv == 0 && i < n; i++) {
        const msgpack_object *pair;
        size_t two;
        struct hz_bytes subj, sealed;
        rv = mp_array(&list[i], 2, 2, &pair, &two, "share", err);
        if (rv == 0)
            rv = mp_bin(&pair[0], HZ_KEY_LEN, &subj, "subject", err);
        if (rv == 0)
            rv = mp_bin(&pair[1], HZ_EPOCH_SEALED_LEN, &sealed, "sealed", err);
        if (rv == 0 &&
            (subj.len != HZ_KEY_LEN || sealed.len != HZ_EPOCH_SEALED_LEN))
            rv = hz_err_set(err, HZ_EMALFORMED, "share sizes");
        if (rv == 0 && i > 0 &&
            memcmp(e->shares[i - 1].subject, subj.p, HZ_KEY_LEN) >= 0)
            rv = hz_err_set(err, HZ_EMALFORMED, "shares not sorted");
        if (rv == 0) {
            e->shares[i].subject = subj.p;
            e->shares[i].sealed = sealed.p;
            e->n_shares = i + 1;
        }
    }
    if (rv == 0)
        rv = mp_uint(&f[5], &e->issued_ms, "issued", err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[6], e->issuer, HZ_KEY_LEN, "issuer", err);
    if (rv == 0 && e->issued_ms > (uint64_t)INT64_MAX)
        rv = hz_err_set(err, HZ_EMALFORMED, "epoch out of range");
    return rv;
}

static uint8_t *epoch_sig(void *obj)
{
    return ((struct epoch *)obj)->sig;
}
static uint8_t *epoch_id(void *obj)
{
    return ((struct epoch *)obj)->id;
}
static const uint8_t *epoch_issuer(const void *obj)
{
    return ((const struct epoch *)obj)->issuer;
}

static const struct kind epoch_kind = {
    .tag = HZ_EPOCH_TAG,
    .max = HZ_EPOCH_OBJ_MAX,
    .n_fields = 7,
    .fields = epoch_fields,
    .decode = epoch_fields_decode,
    .sig = epoch_sig,
    .id = epoch_id,
    .issuer = epoch_issuer,
};

int epoch_sign(struct epoch *e, const uint8_t *sk, struct enc *out)
{
    return obj_sign(&epoch_kind, e, sk, out);
}

int epoch_encode(const struct epoch *e, struct enc *out)
{
    return encode(&epoch_kind, e, out);
}

int epoch_decode(struct epoch *e, const uint8_t *buf, size_t len,
                 struct hz_err *err)
{
    memset(e, 0, sizeof *e);
    int rv = obj_decode(&epoch_kind, e, buf, len, err);
    if (rv != 0)
        epoch_close(e);
    return rv;
}

int epoch_verify(const struct epoch *e, struct hz_err *err)
{
    return obj_verify(&epoch_kind, e, err);
}

void epoch_close(struct epoch *e)
{
    hz_free(e->shares);
    e->shares = NULL;
    e->n_shares = 0;
}
