/* bundle.c - the bundle file's header, trailer and sealed header, and
 * the rule sealed chunks follow (bundle.h; proto/bundle.md, "Header and
 * trailer" and "Reading a sealed bundle").
 *
 * Each decoder reads the fields, encodes them again with the writer's
 * own encoder and refuses unless that gives the very bytes read: one
 * check covers the shortest integers and bin forms, the array header and
 * anything left over, so a reader and the writer cannot drift apart. */
#include "bundle.h"

#include "error_int.h"
#include "limits.h"

#include <sodium.h>
#include <string.h>

int bundle_header_encode(const struct bundle_header *h, struct enc *out)
{
    enc_reset(out);
    enc_array(out, 5);
    enc_uint(out, HZ_BUNDLE_VERSION);
    enc_bin(out, h->network, HZ_NET_LEN);
    enc_bin(out, h->exporter, HZ_KEY_LEN);
    enc_uint(out, h->created_ms);
    enc_uint(out, (uint64_t)h->scope);
    return enc_done(out);
}

int bundle_trailer_encode(const struct bundle_trailer *t, struct enc *out)
{
    enc_reset(out);
    enc_array(out, 2);
    enc_uint(out, t->count);
    enc_bin(out, t->digest, HZ_HASH_LEN);
    return enc_done(out);
}

int bundle_sealed_header_encode(const struct sealed_header *h, struct enc *out)
{
    HZ_ASSERT((h->epoch == 0) == (h->carried.p == NULL));
    enc_reset(out);
    enc_array(out, 5);
    enc_uint(out, HZ_SEALED_VERSION);
    enc_bin(out, h->network, HZ_NET_LEN);
    enc_bin(out, h->key_id, HZ_KEY_ID_LEN);
    enc_uint(out, h->epoch);
    if (h->carried.p != NULL)
        enc_bin(out, h->carried.p, h->carried.len);
    else
        enc_nil(out);
    return enc_done(out);
}

/* The version first, so that a later format may change everything after
 * it and still be told apart from damage; then exactly @n elements. */
static int versioned(const msgpack_object *o, uint64_t version, size_t n,
                     const msgpack_object **f, struct hz_err *err)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size == 0)
        return hz_err_set(err, HZ_EMALFORMED, "not an array");
    uint64_t v;
    int rv = mp_uint(&o->via.array.ptr[0], &v, "version", err);
    if (rv != 0)
        return rv;
    if (v != version)
        return hz_err_set(err, HZ_EVERSION, "version %llu",
                          (unsigned long long)v);
    if (o->via.array.size != n)
        return hz_err_set(err, HZ_EMALFORMED, "%u elements, not %zu",
                          (unsigned)o->via.array.size, n);
    *f = o->via.array.ptr;
    return 0;
}

/* @buf[0..len) is exactly what @e made of the decoded fields. */
static int same_bytes(const struct enc *e, const uint8_t *buf, size_t len,
                      struct hz_err *err)
{
    if (enc_len(e) != len || memcmp(enc_data(e), buf, len) != 0)
        return hz_err_set(err, HZ_EMALFORMED, "not canonical");
    return 0;
}

/* A failure inside one of these structures is the structure's, named:
 * malformed, whatever the part that failed would say alone (a nesting
 * too deep, an epoch object that does not decode). A newer version stays
 * newer and memory stays memory. */
static int refuse(int rv, struct hz_err *err, const char *what)
{
    if (rv != HZ_ENOMEM && rv != HZ_EVERSION)
        rv = HZ_EMALFORMED;
    if (err != NULL) {
        err->code = rv;
        hz_err_wrap(err, "%s", what);
    }
    return rv;
}

/* One of these structures: how its fields are read, and written. */
struct form {
    const char *what;
    int (*fields)(void *obj, const msgpack_object *o, struct hz_err *err);
    int (*encode)(const void *obj, struct enc *out);
};

/* Decode @buf[0..len) as @k into @obj: its fields, then the very bytes
 * its encoder gives for them. */
static int decode_strictly(const struct form *k, void *obj, const uint8_t *buf,
                           size_t len, struct hz_err *err)
{
    msgpack_unpacked u;
    int rv = mp_unpack(&u, buf, len, err);
    if (rv == 0) {
        rv = k->fields(obj, &u.data, err);
        msgpack_unpacked_destroy(&u);
    }
    struct enc tmp;
    enc_init(&tmp);
    if (rv == 0)
        rv = k->encode(obj, &tmp);
    if (rv == 0)
        rv = same_bytes(&tmp, buf, len, err);
    enc_close(&tmp);
    return rv == 0 ? 0 : refuse(rv, err, k->what);
}

static int header_fields(void *obj, const msgpack_object *o, struct hz_err *err)
{
    struct bundle_header *h = obj;
    const msgpack_object *f = NULL;
    uint64_t scope = 0;
    int rv = versioned(o, HZ_BUNDLE_VERSION, 5, &f, err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[1], h->network, HZ_NET_LEN, "network", err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[2], h->exporter, HZ_KEY_LEN, "exporter", err);
    if (rv == 0)
        rv = mp_uint(&f[3], &h->created_ms, "created_ms", err);
    if (rv == 0)
        rv = mp_uint(&f[4], &scope, "scope", err);
    if (rv == 0 && scope != BUNDLE_SCOPE_ALL && scope != BUNDLE_SCOPE_DELTA)
        rv = hz_err_set(err, HZ_EMALFORMED, "scope %llu",
                        (unsigned long long)scope);
    if (rv == 0)
        h->scope = (enum bundle_scope)scope;
    return rv;
}

static int header_encode(const void *obj, struct enc *out)
{
    return bundle_header_encode(obj, out);
}

static const struct form header_form = {"bundle header", header_fields,
                                        header_encode};

int bundle_header_decode(struct bundle_header *h, const uint8_t *buf,
                         size_t len, struct hz_err *err)
{
    memset(h, 0, sizeof *h);
    return decode_strictly(&header_form, h, buf, len, err);
}

static int trailer_fields(void *obj, const msgpack_object *o,
                          struct hz_err *err)
{
    struct bundle_trailer *t = obj;
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2)
        return hz_err_set(err, HZ_EMALFORMED, "not [count, digest]");
    int rv = mp_uint(&o->via.array.ptr[0], &t->count, "count", err);
    if (rv == 0)
        rv = mp_bin_fixed(&o->via.array.ptr[1], t->digest, HZ_HASH_LEN,
                          "digest", err);
    return rv;
}

static int trailer_encode(const void *obj, struct enc *out)
{
    return bundle_trailer_encode(obj, out);
}

static const struct form trailer_form = {"bundle trailer", trailer_fields,
                                         trailer_encode};

int bundle_trailer_decode(struct bundle_trailer *t, const uint8_t *buf,
                          size_t len, struct hz_err *err)
{
    memset(t, 0, sizeof *t);
    return decode_strictly(&trailer_form, t, buf, len, err);
}

/* Epoch 0's key derives from the network secret: nothing to carry. A
 * later epoch's object travels with it (its form: carried_names_key). */
static int sealed_fields(void *obj, const msgpack_object *o, struct hz_err *err)
{
    struct sealed_header *h = obj;
    const msgpack_object *f = NULL;
    int rv = versioned(o, HZ_SEALED_VERSION, 5, &f, err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[1], h->network, HZ_NET_LEN, "network", err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[2], h->key_id, HZ_KEY_ID_LEN, "key id", err);
    if (rv == 0)
        rv = mp_uint(&f[3], &h->epoch, "epoch", err);
    if (rv != 0)
        return rv;
    if (f[4].type == MSGPACK_OBJECT_BIN && f[4].via.bin.size > 0 &&
        f[4].via.bin.size <= HZ_EPOCH_OBJ_MAX) {
        h->carried.p = (const uint8_t *)f[4].via.bin.ptr;
        h->carried.len = f[4].via.bin.size;
    } else if (f[4].type != MSGPACK_OBJECT_NIL) {
        return hz_err_set(err, HZ_EMALFORMED,
                          "carried is not nil or an epoch object");
    }
    if (h->epoch == 0 && h->carried.p != NULL)
        return hz_err_set(err, HZ_EMALFORMED,
                          "epoch 0 carries an epoch object");
    if (h->epoch > 0 && h->carried.p == NULL)
        return hz_err_set(err, HZ_EMALFORMED,
                          "epoch %llu carries no epoch object",
                          (unsigned long long)h->epoch);
    return 0;
}

static int sealed_encode(const void *obj, struct enc *out)
{
    return bundle_sealed_header_encode(obj, out);
}

static const struct form sealed_form = {"sealed header", sealed_fields,
                                        sealed_encode};

/* The carried object is an epoch object of the header's network, epoch
 * and key. */
static int carried_names_key(const struct sealed_header *h, struct hz_err *err)
{
    if (h->carried.p == NULL)
        return 0;
    struct epoch e;
    int rv = epoch_decode(&e, h->carried.p, h->carried.len, err);
    if (rv != 0)
        return refuse(rv, err, "carried epoch");
    if (e.epoch != h->epoch ||
        memcmp(e.key_id, h->key_id, HZ_KEY_ID_LEN) != 0 ||
        memcmp(e.network, h->network, HZ_NET_LEN) != 0)
        rv = hz_err_set(err, HZ_EMALFORMED,
                        "the carried epoch %llu is not the header's epoch,"
                        " key or network",
                        (unsigned long long)e.epoch);
    epoch_close(&e);
    return rv;
}

int bundle_sealed_header_decode(struct sealed_header *h, const uint8_t *buf,
                                size_t len, struct hz_err *err)
{
    memset(h, 0, sizeof *h);
    int rv = decode_strictly(&sealed_form, h, buf, len, err);
    if (rv != 0)
        return rv;
    rv = carried_names_key(h, err);
    return rv == 0 ? 0 : refuse(rv, err, "sealed header");
}

int bundle_chunk_len_check(uint64_t index, size_t len, struct hz_err *err)
{
    size_t tag = crypto_secretstream_xchacha20poly1305_ABYTES;
    if (len > HZ_SEALED_CHUNK_LEN + tag)
        return hz_err_set(err, HZ_EMALFORMED,
                          "sealed chunk %llu of %zu bytes: over the %zu a"
                          " chunk holds (65,536 and its tag)",
                          (unsigned long long)index, len,
                          (size_t)HZ_SEALED_CHUNK_LEN + tag);
    if (len < tag)
        return hz_err_set(err, HZ_EMALFORMED,
                          "sealed chunk %llu of %zu bytes: shorter than its"
                          " %zu-byte tag",
                          (unsigned long long)index, len, tag);
    return 0;
}

int bundle_chunk_check(uint64_t index, unsigned tag, size_t plain_len,
                       bool *last, struct hz_err *err)
{
    HZ_ASSERT(plain_len <= HZ_SEALED_CHUNK_LEN); /* bundle_chunk_len_check */
    *last = false;
    if (tag == crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
        if (plain_len != HZ_SEALED_CHUNK_LEN)
            return hz_err_set(err, HZ_EMALFORMED,
                              "sealed chunk %llu: MESSAGE with %zu bytes, not"
                              " 65,536 (only the last chunk is shorter)",
                              (unsigned long long)index, plain_len);
        return 0;
    }
    if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
        if (plain_len == 0)
            return hz_err_set(err, HZ_EMALFORMED,
                              "sealed chunk %llu: an empty FINAL chunk (the"
                              " last chunk holds 1 to 65,536 bytes)",
                              (unsigned long long)index);
        *last = true;
        return 0;
    }
    return hz_err_set(err, HZ_EMALFORMED,
                      "sealed chunk %llu: tag %u (every chunk is MESSAGE but"
                      " the last, FINAL)",
                      (unsigned long long)index, tag);
}
