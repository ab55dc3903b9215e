/* entry.c - encode, decode, sign and verify the format-1 envelope.
 * Exact bytes: proto/entry.md, sections "Envelope" and "Signing". */
#include "entry.h"

#include "error_int.h"
#include "limits.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void encode_unsigned(const struct entry *e, struct enc *out,
                            size_t n_elems)
{
    enc_array(out, n_elems);
    enc_uint(out, e->version);
    enc_bin(out, e->network, HZ_NET_LEN);
    enc_bin(out, e->author, HZ_KEY_LEN);
    enc_uint(out, e->seq);
    enc_bin(out, e->prev, HZ_HASH_LEN);
    enc_uint(out, e->clock);
    enc_bin(out, e->body.p, e->body.len);
}

/* TAG || [version .. body]: what is signed and hashed. */
static int signing_input(const struct entry *e, struct enc *out)
{
    enc_reset(out);
    enc_raw(out, HZ_ENTRY_TAG, strlen(HZ_ENTRY_TAG));
    encode_unsigned(e, out, 7);
    return enc_done(out);
}

int entry_encode(const struct entry *e, struct enc *out)
{
    enc_reset(out);
    encode_unsigned(e, out, 8);
    enc_bin(out, e->sig, HZ_SIG_LEN);
    return enc_done(out);
}

/* The signing input of an entry's canonical bytes @p: TAG || 0x97 ||
 * the bytes between the array's first byte and the signature (c4 40 and
 * 64 bytes, last). */
#define SIG_TAIL (2u + HZ_SIG_LEN)

static void id_of_canonical(const uint8_t *p, size_t len, uint8_t *id)
{
    HZ_ASSERT(len > SIG_TAIL);
    static const uint8_t seven = 0x97;
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, HZ_HASH_LEN);
    crypto_generichash_update(&h, (const uint8_t *)HZ_ENTRY_TAG,
                              strlen(HZ_ENTRY_TAG));
    crypto_generichash_update(&h, &seven, 1);
    crypto_generichash_update(&h, p + 1, len - SIG_TAIL - 1);
    crypto_generichash_final(&h, id, HZ_HASH_LEN);
}

int entry_sign(struct entry *e, const uint8_t *sk, struct enc *out)
{
    int rv = signing_input(e, out);
    if (rv != 0)
        return rv;
    crypto_generichash(e->id, HZ_HASH_LEN, enc_data(out), enc_len(out), NULL,
                       0);
    crypto_sign_detached(e->sig, NULL, enc_data(out), enc_len(out), sk);
    return entry_encode(e, out);
}

static int decode_fields(struct entry *e, const msgpack_object *o,
                         struct hz_err *err)
{
    const msgpack_object *f;
    size_t n;
    int rv = mp_array(o, 8, 8, &f, &n, "entry", err);
    if (rv == 0)
        rv = mp_uint(&f[0], &e->version, "entry version", err);
    if (rv != 0)
        return rv;
    if (e->version != HZ_ENTRY_VERSION)
        return hz_err_set(err, HZ_EVERSION, "entry version %llu",
                          (unsigned long long)e->version);
    rv = mp_bin_fixed(&f[1], e->network, HZ_NET_LEN, "network", err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[2], e->author, HZ_KEY_LEN, "author", err);
    if (rv == 0)
        rv = mp_uint(&f[3], &e->seq, "seq", err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[4], e->prev, HZ_HASH_LEN, "prev", err);
    if (rv == 0)
        rv = mp_uint(&f[5], &e->clock, "clock", err);
    if (rv == 0)
        rv = mp_bin(&f[6], HZ_BODY_LEN_MAX, &e->body, "body", err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[7], e->sig, HZ_SIG_LEN, "sig", err);
    if (rv != 0)
        return rv;
    if (e->seq == 0 || e->seq > (uint64_t)INT64_MAX)
        return hz_err_set(err, HZ_EMALFORMED, "seq out of range");
    if (e->clock > (uint64_t)INT64_MAX)
        return hz_err_set(err, HZ_EMALFORMED, "clock out of range");
    static const uint8_t zero[HZ_HASH_LEN];
    if (e->seq == 1 && memcmp(e->prev, zero, HZ_HASH_LEN) != 0)
        return hz_err_set(err, HZ_EMALFORMED, "seq 1 with a previous hash");
    return 0;
}

/* The bounded unpack and the fields, shared by both decoders. */
static int unpack_fields(struct entry *e, const uint8_t *buf, size_t len,
                         struct hz_err *err)
{
    memset(e, 0, sizeof *e);
    if (len > HZ_ENTRY_LEN_MAX)
        return hz_err_set(err, HZ_ETOOBIG, "entry of %zu bytes", len);
    msgpack_unpacked u;
    int rv = mp_unpack(&u, buf, len, err);
    if (rv != 0)
        return rv;
    rv = decode_fields(e, &u.data, err);
    msgpack_unpacked_destroy(&u);
    return rv;
}

int entry_decode(struct entry *e, const uint8_t *buf, size_t len,
                 struct hz_err *err)
{
    int rv = unpack_fields(e, buf, len, err);
    if (rv != 0)
        return rv;

    /* Canonical bytes: the only encoding of these values is @buf itself. */
    struct enc tmp;
    enc_init(&tmp);
    rv = entry_encode(e, &tmp);
    if (rv == 0 &&
        (enc_len(&tmp) != len || memcmp(enc_data(&tmp), buf, len) != 0))
        rv = hz_err_set(err, HZ_EMALFORMED, "entry is not canonical");
    enc_close(&tmp);
    /* @buf is the canonical encoding: its signing input is in it. */
    if (rv == 0)
        id_of_canonical(buf, len, e->id);
    return rv;
}

/* A canonical msgpack unsigned integer at @p[*at] (a positive fixint or
 * 0xcc..0xcf with its big-endian bytes), @at moved past it. */
static bool read_uint(const uint8_t *p, size_t len, size_t *at, uint64_t *v)
{
    if (*at >= len)
        return false;
    uint8_t b = p[*at];
    size_t width = b <= 0x7f                ? 0
                   : b >= 0xcc && b <= 0xcf ? (size_t)1 << (b - 0xcc)
                                            : SIZE_MAX;
    if (width == SIZE_MAX || len - *at - 1 < width)
        return false;
    *v = width == 0 ? b : 0;
    for (size_t i = 0; i < width; i++)
        *v = *v << 8 | p[*at + 1 + i];
    *at += 1 + width;
    return true;
}

/* A bin header (0xc4..0xc6) at @p[*at]: its data's offset and length,
 * @at moved past the data. */
static bool read_bin(const uint8_t *p, size_t len, size_t *at, size_t *data,
                     size_t *n)
{
    if (*at >= len || p[*at] < 0xc4 || p[*at] > 0xc6)
        return false;
    size_t width = (size_t)1 << (p[*at] - 0xc4);
    if (len - *at - 1 < width)
        return false;
    *n = 0;
    for (size_t i = 0; i < width; i++)
        *n = *n << 8 | p[*at + 1 + i];
    *data = *at + 1 + width;
    if (len - *data < *n)
        return false;
    *at = *data + *n;
    return true;
}

/* The fields of bytes this node checked already are where their canonical
 * encoding puts them (entry_link's start, then clock, body and sig): read
 * from there, with every length checked, rather than unpacked a second
 * time (an import decodes each entry once, in its first pass). */
int entry_decode_known(struct entry *e, const uint8_t *buf, size_t len,
                       const uint8_t *id, struct hz_err *err)
{
    memset(e, 0, sizeof *e);
    struct entry_link l;
    size_t at = 0, body = 0, body_len = 0, sig = 0, sig_len = 0;
    bool ok = len <= HZ_ENTRY_LEN_MAX && entry_link(buf, len, &l) &&
              len - l.prev_at >= HZ_HASH_LEN;
    if (ok) {
        at = l.prev_at + HZ_HASH_LEN;
        ok = read_uint(buf, len, &at, &e->clock) &&
             read_bin(buf, len, &at, &body, &body_len) &&
             body_len <= HZ_BODY_LEN_MAX &&
             read_bin(buf, len, &at, &sig, &sig_len) && sig_len == HZ_SIG_LEN &&
             at == len && l.seq != 0 && l.seq <= (uint64_t)INT64_MAX &&
             e->clock <= (uint64_t)INT64_MAX;
    }
    static const uint8_t zero[HZ_HASH_LEN];
    if (ok && l.seq == 1)
        ok = memcmp(buf + l.prev_at, zero, HZ_HASH_LEN) == 0;
    if (!ok)
        return hz_err_set(err, HZ_EMALFORMED, "stored entry");
    e->version = HZ_ENTRY_VERSION;
    memcpy(e->network, buf + 4, HZ_NET_LEN);
    memcpy(e->author, l.author, HZ_KEY_LEN);
    e->seq = l.seq;
    memcpy(e->prev, buf + l.prev_at, HZ_HASH_LEN);
    e->body.p = buf + body;
    e->body.len = body_len;
    memcpy(e->sig, buf + sig, HZ_SIG_LEN);
    memcpy(e->id, id, HZ_HASH_LEN);
#ifdef HZ_DEBUG_CHECKS
    /* The same fields as the bounded unpack reads, and nothing it would
     * refuse. */
    struct entry full;
    HZ_ASSERT(unpack_fields(&full, buf, len, NULL) == 0);
    memcpy(full.id, id, HZ_HASH_LEN);
    if (full.body.len == 0) /* an empty bin's pointer is no place */
        full.body.p = e->body.p;
    HZ_ASSERT(memcmp(&full, e, sizeof full) == 0);
#endif
    return 0;
}

int entry_verify_bytes(const struct entry *e, const uint8_t *buf, size_t len,
                       struct hz_err *err)
{
    HZ_ASSERT(len > SIG_TAIL &&
              memcmp(buf + len - HZ_SIG_LEN, e->sig, HZ_SIG_LEN) == 0);
    const size_t tag = strlen(HZ_ENTRY_TAG);
    const size_t n = tag + len - SIG_TAIL;
    uint8_t local[1024];
    uint8_t *m = n <= sizeof local ? local : malloc(n);
    if (m == NULL)
        return hz_err_set(err, HZ_ENOMEM, "entry");
    memcpy(m, HZ_ENTRY_TAG, tag);
    m[tag] = 0x97;
    memcpy(m + tag + 1, buf + 1, len - SIG_TAIL - 1);
    int rv = crypto_sign_verify_detached(e->sig, m, n, e->author) != 0
                 ? hz_err_set(err, HZ_EBADSIG, "entry")
                 : 0;
    if (m != local)
        free(m);
    return rv;
}

int entry_verify(const struct entry *e, struct hz_err *err)
{
    struct enc tmp;
    enc_init(&tmp);
    int rv = signing_input(e, &tmp);
    if (rv == 0 && crypto_sign_verify_detached(e->sig, enc_data(&tmp),
                                               enc_len(&tmp), e->author) != 0)
        rv = hz_err_set(err, HZ_EBADSIG, "entry");
    enc_close(&tmp);
    return rv;
}

/* Offsets of the envelope's fixed-width start (entry_link). */
#define LINK_AUTHOR 22u /* 98 01 c4 10 <16> c4 20 */
#define LINK_SEQ (LINK_AUTHOR + HZ_KEY_LEN)

bool entry_link(const uint8_t *p, size_t len, struct entry_link *out)
{
    static const uint8_t head[] = {0x98, 0x01, 0xc4, HZ_NET_LEN};
    if (len < LINK_SEQ + 1 || memcmp(p, head, sizeof head) != 0 ||
        p[4 + HZ_NET_LEN] != 0xc4 || p[5 + HZ_NET_LEN] != HZ_KEY_LEN)
        return false;
    size_t at = LINK_SEQ, width;
    uint8_t b = p[at];
    if (b <= 0x7f)
        width = 0;
    else if (b >= 0xcc && b <= 0xcf)
        width = (size_t)1 << (b - 0xcc);
    else
        return false;
    if (len < at + 1 + width + 2 + HZ_HASH_LEN)
        return false;
    uint64_t seq = width == 0 ? b : 0;
    for (size_t i = 0; i < width; i++)
        seq = seq << 8 | p[at + 1 + i];
    at += 1 + width;
    if (p[at] != 0xc4 || p[at + 1] != HZ_HASH_LEN)
        return false;
    out->author = p + LINK_AUTHOR;
    out->seq = seq;
    out->prev_at = at + 2;
    return true;
}

bool entry_id_of(const uint8_t *p, size_t len, uint8_t *id)
{
    struct entry_link l;
    if (!entry_link(p, len, &l) || len < l.prev_at + HZ_HASH_LEN + SIG_TAIL ||
        p[len - SIG_TAIL] != 0xc4 || p[len - SIG_TAIL + 1] != HZ_SIG_LEN)
        return false;
    id_of_canonical(p, len, id);
    return true;
}
