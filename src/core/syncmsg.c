/* syncmsg.c - live-sync session messages (syncmsg.h; proto/sync.md,
 * "Session"). One codec for writer and reader: a known message is taken
 * only in the canonical form its writer emits. */
#include "syncmsg.h"

#include "channel.h"
#include "entry.h"
#include "error_int.h"
#include "limits.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

int sync_hello_encode(uint64_t version, struct enc *out)
{
    HZ_ASSERT(version >= 1 && version <= HZ_SYNC_VERSION);
    enc_reset(out);
    enc_array(out, 2);
    enc_uint(out, SYNC_HELLO);
    enc_uint(out, version);
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

/* ---- compressed entries (proto/sync.md, "Compressed entries") */

/* zstd's level for the lists: 3, its default (BENCHMARKS.md, "Compact
 * on the wire"). */
#define ZSTD_LEVEL 3

void sync_zstd_free(struct sync_zstd *z)
{
    ZSTD_freeCCtx(z->cctx);
    ZSTD_freeDCtx(z->dctx);
    free(z->list);
    enc_close(&z->plain);
    memset(z, 0, sizeof *z);
}

/* Entry @i follows entry @i - 1 of the list: the same author and the
 * next seq; *@prev_at, where entry @i's prev lies. */
static bool follows(const uint8_t *const *p, const size_t *len, size_t i,
                    size_t *prev_at)
{
    struct entry_link a, b;
    if (i == 0 || !entry_link(p[i - 1], len[i - 1], &a) ||
        !entry_link(p[i], len[i], &b) || b.seq != a.seq + 1 ||
        memcmp(a.author, b.author, HZ_KEY_LEN) != 0)
        return false;
    *prev_at = b.prev_at;
    return true;
}

int sync_zentries_encode(struct sync_zstd *z, const uint8_t *const *p,
                         const size_t *len, size_t count, bool *smaller,
                         struct enc *out)
{
    *smaller = false;
    int rv = sync_entries_encode(p, len, count, out);
    if (rv != 0)
        return rv;
    if (z->cctx == NULL) {
        if ((z->cctx = ZSTD_createCCtx()) == NULL)
            return HZ_ENOMEM;
        enc_init(&z->plain);
    }
    /* The list, each entry that follows its predecessor with its prev
     * as 32 zero bytes. */
    static const uint8_t zero[HZ_HASH_LEN];
    struct enc *l = &z->plain;
    enc_reset(l);
    enc_array(l, count);
    for (size_t i = 0; i < count; i++) {
        /* The predecessor is hashed only for an entry that follows it. */
        uint8_t id[HZ_HASH_LEN];
        size_t at;
        bool elide = follows(p, len, i, &at) &&
                     entry_id_of(p[i - 1], len[i - 1], id) &&
                     memcmp(p[i] + at, id, HZ_HASH_LEN) == 0;
        if (!elide) {
            enc_bin(l, p[i], len[i]);
            continue;
        }
        enc_bin_head(l, len[i]);
        enc_raw(l, p[i], at);
        enc_raw(l, zero, HZ_HASH_LEN);
        enc_raw(l, p[i] + at + HZ_HASH_LEN, len[i] - at - HZ_HASH_LEN);
    }
    if ((rv = enc_done(l)) != 0)
        return rv;
    size_t cap = ZSTD_compressBound(enc_len(l));
    uint8_t *zb = malloc(cap);
    if (zb == NULL)
        return HZ_ENOMEM;
    size_t zn = ZSTD_compressCCtx(z->cctx, zb, cap, enc_data(l), enc_len(l),
                                  ZSTD_LEVEL);
    if (ZSTD_isError(zn)) {
        free(zb);
        return HZ_ENOMEM; /* zstd fails only for want of memory here */
    }
    /* [5, size, bin]: at most 1 + 9 + 5 bytes around the frame. */
    if (zn + 15 < enc_len(out)) {
        enc_reset(out);
        enc_array(out, 3);
        enc_uint(out, SYNC_ZENTRIES);
        enc_uint(out, enc_len(l));
        enc_bin(out, zb, zn);
        *smaller = true;
    }
    free(zb);
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
    case SYNC_ZENTRIES:
        enc_reset(out);
        enc_array(out, 3);
        enc_uint(out, SYNC_ZENTRIES);
        enc_uint(out, m->zsize);
        enc_bin(out, m->z, m->zlen);
        return enc_done(out);
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

/* The message in its one form: what its writer would encode. */
static int check_form(const struct sync_msg *m, const uint8_t *p, size_t len,
                      struct hz_err *err)
{
    struct enc e;
    enc_init(&e);
    int rv = reencode(m, &e);
    if (rv == 0 && (enc_len(&e) != len || memcmp(enc_data(&e), p, len)))
        rv = hz_err_set(err, HZ_EMALFORMED, "sync message not in its one form");
    enc_close(&e);
    return rv;
}

int sync_msg_decode(struct sync_msg *m, const uint8_t *p, size_t len,
                    uint64_t version, struct hz_err *err)
{
    memset(m, 0, sizeof *m);
    /* A zentries frame is one bin of up to a frame's size. */
    int rv = mp_unpack_wide(&m->u, p, len, HZ_FRAME_PLAIN_MAX, err);
    if (rv != 0)
        return rv;
    const msgpack_object *f;
    size_t nf;
    uint64_t type;
    rv = mp_array(&m->u.data, 1, 64, &f, &nf, "sync message", err);
    if (rv == 0)
        rv = mp_uint(&f[0], &type, "sync message type", err);
    const uint64_t known =
        version >= HZ_SYNC_VERSION_ZSTD ? SYNC_ZENTRIES : SYNC_KEEPALIVE;
    if (rv == 0 && type > known) {
        m->type = SYNC_UNKNOWN; /* a newer peer's: skipped */
        return 0;
    }
    if (rv != 0) {
        sync_msg_close(m);
        return rv;
    }
    m->type = (enum sync_type)type;
    static const size_t fields[] = {
        [SYNC_HELLO] = 2, [SYNC_VECTOR] = 3,    [SYNC_ENTRIES] = 2,
        [SYNC_DONE] = 1,  [SYNC_KEEPALIVE] = 1, [SYNC_ZENTRIES] = 3};
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
    if (rv == 0 && m->type == SYNC_ZENTRIES) {
        rv = mp_uint(&f[1], &m->zsize, "zentries size", err);
        if (rv == 0 && (m->zsize < 1 || m->zsize > HZ_FRAME_PLAIN_MAX))
            rv = hz_err_set(err, m->zsize < 1 ? HZ_EMALFORMED : HZ_ETOOBIG,
                            "zentries size %llu", (unsigned long long)m->zsize);
        struct hz_bytes b = {0};
        if (rv == 0)
            rv = mp_bin(&f[2], HZ_FRAME_PLAIN_MAX, &b, "zentries frame", err);
        m->z = b.p;
        m->zlen = b.len;
    }
    if (rv == 0)
        rv = check_form(m, p, len, err);
    if (rv != 0)
        sync_msg_close(m);
    return rv;
}

int sync_zentries_open(struct sync_zstd *z, const struct sync_msg *m,
                       struct sync_msg *out, struct hz_err *err)
{
    HZ_ASSERT(m->type == SYNC_ZENTRIES);
    memset(out, 0, sizeof *out);
    if (z->dctx == NULL && (z->dctx = ZSTD_createDCtx()) == NULL)
        return hz_err_set(err, HZ_ENOMEM, "zstd");
    if (z->list == NULL && (z->list = malloc(HZ_FRAME_PLAIN_MAX)) == NULL)
        return hz_err_set(err, HZ_ENOMEM, "zentries");
    /* One frame, all of the bytes, declaring the size the message says:
     * nothing is decompressed past it (a bomb stops at the size). */
    if (ZSTD_findFrameCompressedSize(m->z, m->zlen) != m->zlen)
        return hz_err_set(err, HZ_EMALFORMED, "zentries: not one zstd frame");
    if (ZSTD_getFrameContentSize(m->z, m->zlen) != m->zsize)
        return hz_err_set(err, HZ_EMALFORMED,
                          "zentries: the frame does not declare its size");
    size_t n =
        ZSTD_decompressDCtx(z->dctx, z->list, (size_t)m->zsize, m->z, m->zlen);
    if (ZSTD_isError(n) || n != m->zsize)
        return hz_err_set(err, HZ_EMALFORMED, "zentries: %s",
                          ZSTD_isError(n) ? ZSTD_getErrorName(n)
                                          : "shorter than its size");
    out->type = SYNC_ENTRIES;
    int rv = mp_unpack(&out->u, z->list, n, err);
    if (rv == 0)
        rv = mp_array(&out->u.data, 0, HZ_SYNC_ENTRIES_BYTES, &out->items,
                      &out->count, "zentries list", err);
    if (rv == 0)
        rv = check_entry_items(out, err);
    /* The list in its one form: as the entries message's list. */
    struct enc e;
    enc_init(&e);
    enc_array(&e, out->count);
    for (size_t i = 0; rv == 0 && i < out->count; i++)
        enc_bin(&e, out->items[i].via.bin.ptr, out->items[i].via.bin.size);
    if (rv == 0 && (enc_done(&e) != 0 || enc_len(&e) != n ||
                    memcmp(enc_data(&e), z->list, n) != 0))
        rv =
            hz_err_set(err, HZ_EMALFORMED, "zentries list not in its one form");
    enc_close(&e);
    /* Each prev left off (32 zero bytes in an entry that follows its
     * predecessor) is that entry's id; the bytes are ours (z->list). */
    static const uint8_t zero[HZ_HASH_LEN];
    for (size_t i = 1; rv == 0 && i < out->count; i++) {
        const uint8_t *ep[2];
        size_t el[2], at;
        uint8_t id[HZ_HASH_LEN];
        for (size_t k = 0; k < 2; k++) {
            ep[k] = (const uint8_t *)out->items[i - 1 + k].via.bin.ptr;
            el[k] = out->items[i - 1 + k].via.bin.size;
        }
        if (follows(ep, el, 1, &at) &&
            memcmp(ep[1] + at, zero, HZ_HASH_LEN) == 0 &&
            entry_id_of(ep[0], el[0], id))
            memcpy(z->list + (ep[1] - z->list) + at, id, HZ_HASH_LEN);
    }
    if (rv != 0)
        sync_msg_close(out);
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
        uint64_t mine = o->mine != 0 ? o->mine : HZ_SYNC_VERSION;
        o->version = m->version < mine ? m->version : mine;
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
            o->round_authors = 0;
        }
        o->round_authors += m->count;
        if (o->round_authors > HZ_SYNC_ROUND_MAX)
            return hz_err_set(err, HZ_ETOOBIG,
                              "a vector round of more than %u authors",
                              HZ_SYNC_ROUND_MAX);
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
