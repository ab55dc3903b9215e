/* syncmsg.c - live-sync session messages (syncmsg.h; proto/sync.md,
 * "Session"). One codec for writer and reader: a known message is taken
 * only in the canonical form its writer emits. */
#include "syncmsg.h"

#include "error_int.h"
#include "limits.h"

#include <string.h>

int sync_hello_encode(struct enc *out)
{
    enc_reset(out);
    enc_array(out, 2);
    enc_uint(out, SYNC_HELLO);
    enc_uint(out, HZ_SYNC_VERSION);
    return enc_done(out);
}

int sync_vector_encode(const struct sync_has *has, size_t n, bool more,
                       struct enc *out)
{
    HZ_ASSERT(n <= HZ_SYNC_VECTOR_MAX);
    enc_reset(out);
    enc_array(out, 3);
    enc_uint(out, SYNC_VECTOR);
    enc_array(out, n);
    for (size_t i = 0; i < n; i++) {
        enc_array(out, 3);
        enc_bin(out, has[i].author, HZ_KEY_LEN);
        enc_uint(out, has[i].seq);
        enc_bin(out, has[i].hash, HZ_HASH_LEN);
    }
    enc_bool(out, more);
    return enc_done(out);
}

int sync_entries_encode(const uint8_t *const *p, const size_t *len,
                        size_t count, struct enc *out)
{
    enc_reset(out);
    enc_array(out, 2);
    enc_uint(out, SYNC_ENTRIES);
    enc_array(out, count);
    for (size_t i = 0; i < count; i++)
        enc_bin(out, p[i], len[i]);
    return enc_done(out);
}

/* done and keepalive: the type alone. */
static int bare_encode(enum sync_type type, struct enc *out)
{
    enc_reset(out);
    enc_array(out, 1);
    enc_uint(out, (uint64_t)type);
    return enc_done(out);
}

int sync_done_encode(struct enc *out)
{
    return bare_encode(SYNC_DONE, out);
}

int sync_keepalive_encode(struct enc *out)
{
    return bare_encode(SYNC_KEEPALIVE, out);
}

/* The message as its writer would encode it, to compare with its bytes. */
static int reencode(const struct sync_msg *m, struct enc *out)
{
    switch (m->type) {
    case SYNC_HELLO:
        enc_reset(out);
        enc_array(out, 2);
        enc_uint(out, SYNC_HELLO);
        enc_uint(out, m->version);
        return enc_done(out);
    case SYNC_VECTOR: {
        enc_reset(out);
        enc_array(out, 3);
        enc_uint(out, SYNC_VECTOR);
        enc_array(out, m->count);
        for (size_t i = 0; i < m->count; i++) {
            struct sync_has h;
            sync_msg_has(m, i, &h);
            enc_array(out, 3);
            enc_bin(out, h.author, HZ_KEY_LEN);
            enc_uint(out, h.seq);
            enc_bin(out, h.hash, HZ_HASH_LEN);
        }
        enc_bool(out, m->more);
        return enc_done(out);
    }
    case SYNC_ENTRIES:
        enc_reset(out);
        enc_array(out, 2);
        enc_uint(out, SYNC_ENTRIES);
        enc_array(out, m->count);
        for (size_t i = 0; i < m->count; i++) {
            const uint8_t *p;
            size_t len;
            sync_msg_entry(m, i, &p, &len);
            enc_bin(out, p, len);
        }
        return enc_done(out);
    default:
        return bare_encode(m->type, out);
    }
}

static int check_vector_items(struct sync_msg *m, struct hz_err *err)
{
    for (size_t i = 0; i < m->count; i++) {
        const msgpack_object *f;
        size_t nf;
        uint8_t key[HZ_KEY_LEN], hash[HZ_HASH_LEN];
        uint64_t seq;
        int rv = mp_array(&m->items[i], 3, 3, &f, &nf, "vector author", err);
        if (rv == 0)
            rv = mp_bin_fixed(&f[0], key, HZ_KEY_LEN, "vector author", err);
        if (rv == 0)
            rv = mp_uint(&f[1], &seq, "vector seq", err);
        if (rv == 0 && (seq < 1 || seq > INT64_MAX))
            rv = hz_err_set(err, HZ_EMALFORMED, "vector seq");
        if (rv == 0)
            rv = mp_bin_fixed(&f[2], hash, HZ_HASH_LEN, "vector hash", err);
        if (rv != 0)
            return rv;
    }
    return 0;
}

static int check_entry_items(struct sync_msg *m, struct hz_err *err)
{
    if (m->count == 0)
        return hz_err_set(err, HZ_EMALFORMED, "entries: none");
    size_t total = 0;
    for (size_t i = 0; i < m->count; i++) {
        struct hz_bytes b;
        int rv = mp_bin(&m->items[i], HZ_ENTRY_LEN_MAX, &b, "entry", err);
        if (rv != 0)
            return rv;
        total += b.len;
    }
    if (total > HZ_SYNC_ENTRIES_BYTES)
        return hz_err_set(err, HZ_ETOOBIG, "entries: %zu bytes", total);
    return 0;
}

int sync_msg_decode(struct sync_msg *m, const uint8_t *p, size_t len,
                    struct hz_err *err)
{
    memset(m, 0, sizeof *m);
    int rv = mp_unpack(&m->u, p, len, err);
    if (rv != 0)
        return rv;
    const msgpack_object *f;
    size_t nf;
    uint64_t type;
    rv = mp_array(&m->u.data, 1, 64, &f, &nf, "sync message", err);
    if (rv == 0)
        rv = mp_uint(&f[0], &type, "sync message type", err);
    if (rv == 0 && type > SYNC_KEEPALIVE) {
        m->type = SYNC_UNKNOWN; /* a newer peer's: skipped */
        return 0;
    }
    if (rv != 0) {
        sync_msg_close(m);
        return rv;
    }
    m->type = (enum sync_type)type;
    static const size_t fields[] = {[SYNC_HELLO] = 2,
                                    [SYNC_VECTOR] = 3,
                                    [SYNC_ENTRIES] = 2,
                                    [SYNC_DONE] = 1,
                                    [SYNC_KEEPALIVE] = 1};
    if (nf != fields[m->type])
        rv = hz_err_set(err, HZ_EMALFORMED, "sync message %u: %zu fields",
                        (unsigned)type, nf);
    if (rv == 0 && m->type == SYNC_HELLO) {
        rv = mp_uint(&f[1], &m->version, "version", err);
        if (rv == 0 && m->version < 1)
            rv = hz_err_set(err, HZ_EMALFORMED, "version 0");
    }
    if (rv == 0 && m->type == SYNC_VECTOR) {
        rv = mp_array(&f[1], 0, HZ_SYNC_VECTOR_MAX, &m->items, &m->count,
                      "vector", err);
        if (rv == 0 && f[2].type != MSGPACK_OBJECT_BOOLEAN)
            rv = hz_err_set(err, HZ_EMALFORMED, "vector: more");
        if (rv == 0) {
            m->more = f[2].via.boolean;
            rv = check_vector_items(m, err);
        }
    }
    if (rv == 0 && m->type == SYNC_ENTRIES) {
        rv = mp_array(&f[1], 0, HZ_SYNC_ENTRIES_BYTES, &m->items, &m->count,
                      "entries", err);
        if (rv == 0)
            rv = check_entry_items(m, err);
    }
    if (rv == 0) {
        struct enc e;
        enc_init(&e);
        rv = reencode(m, &e);
        if (rv == 0 && (enc_len(&e) != len || memcmp(enc_data(&e), p, len)))
            rv = hz_err_set(err, HZ_EMALFORMED,
                            "sync message not in its one form");
        enc_close(&e);
    }
    if (rv != 0)
        sync_msg_close(m);
    return rv;
}

void sync_msg_close(struct sync_msg *m)
{
    msgpack_unpacked_destroy(&m->u);
    memset(m, 0, sizeof *m);
}

void sync_msg_has(const struct sync_msg *m, size_t i, struct sync_has *out)
{
    HZ_ASSERT(m->type == SYNC_VECTOR && i < m->count);
    const msgpack_object *f = m->items[i].via.array.ptr;
    memcpy(out->author, f[0].via.bin.ptr, HZ_KEY_LEN);
    out->seq = f[1].via.u64;
    memcpy(out->hash, f[2].via.bin.ptr, HZ_HASH_LEN);
}

void sync_msg_entry(const struct sync_msg *m, size_t i, const uint8_t **p,
                    size_t *len)
{
    HZ_ASSERT(m->type == SYNC_ENTRIES && i < m->count);
    *p = (const uint8_t *)m->items[i].via.bin.ptr;
    *len = m->items[i].via.bin.size;
}

int sync_order_take(struct sync_order *o, const struct sync_msg *m,
                    uint64_t answered, uint64_t sent, struct hz_err *err)
{
    if (m->type == SYNC_UNKNOWN)
        return 0;
    if (m->type == SYNC_HELLO) {
        if (o->hello)
            return hz_err_set(err, HZ_EMALFORMED, "a second hello");
        o->hello = true;
        o->version =
            m->version < HZ_SYNC_VERSION ? m->version : HZ_SYNC_VERSION;
        return 0;
    }
    if (!o->hello)
        return hz_err_set(err, HZ_EMALFORMED, "a message before hello");
    if (m->type == SYNC_VECTOR) {
        if (!o->in_round) {
            /* A round begins only once the one before was answered. */
            if (answered != o->rounds)
                return hz_err_set(err, HZ_EMALFORMED,
                                  "a vector round before the last was "
                                  "answered");
            o->in_round = true;
            o->any_author = false;
        }
        for (size_t i = 0; i < m->count; i++) {
            struct sync_has h;
            sync_msg_has(m, i, &h);
            if (o->any_author &&
                memcmp(h.author, o->last_author, HZ_KEY_LEN) <= 0)
                return hz_err_set(err, HZ_EMALFORMED,
                                  "vector authors out of order");
            memcpy(o->last_author, h.author, HZ_KEY_LEN);
            o->any_author = true;
        }
        if (!m->more) {
            o->in_round = false;
            o->rounds++;
        }
        return 0;
    }
    if (m->type == SYNC_DONE) {
        if (o->dones >= sent)
            return hz_err_set(err, HZ_EMALFORMED,
                              "done for a vector round not sent");
        o->dones++;
    }
    return 0;
}
