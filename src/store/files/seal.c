/* seal.c - bundles sealed under the network's bundle key, so a lost USB
 * stick reveals nothing to an outsider while any member can import it
 * (issue 3; proto/bundle.md, "Sealed bundles").
 *
 *   sealed = "HZSEALED" u32be(header length) header ss_header chunk*
 *   header = msgpack [1, network, key_id, epoch, epoch object or nil]
 *   chunk  = u32be(length) secretstream ciphertext of <= 64 KiB
 *
 * libsodium's secretstream (XChaCha20-Poly1305) with the magic, length
 * and header as additional data on every chunk. Every chunk but the last
 * is a MESSAGE of exactly 64 KiB; the last, FINAL, holds the 1 to 64 KiB
 * left, so a truncated file is refused and each plain bundle has one
 * sealed form. The header codec and the chunk rule are the core's
 * (src/core/bundle.c); the keys, streams and files are here. */
#include "files.h"

#include "../../core/beacon.h"
#include "../store.h"

#include "../../core/bundle.h"
#include "../../core/cert.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"
#include "../members/members.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEAL_MAGIC "HZSEALED"
#define SEAL_MAGIC_LEN 8u
#define SEAL_CHUNK HZ_SEALED_CHUNK_LEN
#define SEAL_TAG_LEN crypto_secretstream_xchacha20poly1305_ABYTES
#define KEY_TAG "huzhu bundle key v1"
#define KEY_ID_TAG "huzhu bundle key id v1"
_Static_assert(HZ_SECRET_KEY_LEN ==
                   crypto_secretstream_xchacha20poly1305_KEYBYTES,
               "a bundle key is a secretstream key");

bool seal_is_sealed(const uint8_t *head, size_t len)
{
    return len >= SEAL_MAGIC_LEN &&
           memcmp(head, SEAL_MAGIC, SEAL_MAGIC_LEN) == 0;
}

void seal_key_id(const uint8_t *key, uint8_t *key_id)
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, HZ_KEY_ID_LEN);
    crypto_generichash_update(&h, (const uint8_t *)KEY_ID_TAG,
                              sizeof KEY_ID_TAG - 1);
    crypto_generichash_update(&h, key, HZ_SECRET_KEY_LEN);
    crypto_generichash_final(&h, key_id, HZ_KEY_ID_LEN);
}

/* The bundle key of epoch 0: keyed BLAKE2b of the network secret. */
static int epoch0_key(struct hz_node *n, uint8_t *key, uint8_t *key_id,
                      struct hz_err *err)
{
    uint8_t secret[32];
    int rv = network_secret(n, secret, err);
    if (rv != 0)
        return rv;
    uint8_t msg[sizeof KEY_TAG - 1 + 8] = {0};
    memcpy(msg, KEY_TAG, sizeof KEY_TAG - 1);
    crypto_generichash(key, HZ_SECRET_KEY_LEN, msg, sizeof msg, secret,
                       sizeof secret);
    sodium_memzero(secret, sizeof secret);
    seal_key_id(key, key_id);
    return 0;
}

int seal_open_to_me(struct hz_node *n, uint8_t *out, const uint8_t *sealed,
                    size_t len)
{
    uint8_t xpk[crypto_box_PUBLICKEYBYTES], xsk[crypto_box_SECRETKEYBYTES];
    if (len < crypto_box_SEALBYTES ||
        crypto_sign_ed25519_pk_to_curve25519(xpk, n->id.pk) != 0 ||
        crypto_sign_ed25519_sk_to_curve25519(xsk, n->id.sk) != 0)
        return -1;
    int rc = crypto_box_seal_open(out, sealed, len, xpk, xsk);
    sodium_memzero(xsk, sizeof xsk);
    return rc;
}

int seal_key_keep(struct hz_node *n, const uint8_t *key, uint64_t epoch,
                  struct hz_err *err)
{
    uint8_t id[HZ_KEY_ID_LEN];
    seal_key_id(key, id);
    return roster_bkey_put(n, id, epoch, key, err);
}

/* Our share of the epoch @p (its bytes) if it names @key_id: 1 when
 * *@key was opened (and *@epoch is the epoch's number), else 0. */
static int open_share(struct hz_node *n, const uint8_t *p, size_t len,
                      const uint8_t *key_id, uint8_t *key, uint64_t *epoch)
{
    struct epoch e;
    if (epoch_decode(&e, p, len, NULL) != 0)
        return 0;
    int found = 0;
    for (size_t i = 0; !found && memcmp(e.key_id, key_id, HZ_KEY_ID_LEN) == 0 &&
                       i < e.n_shares;
         i++) {
        uint8_t id[HZ_KEY_ID_LEN];
        if (memcmp(e.shares[i].subject, n->id.pk, HZ_KEY_LEN) == 0 &&
            seal_open_to_me(n, key, e.shares[i].sealed, HZ_EPOCH_SEALED_LEN) ==
                0) {
            seal_key_id(key, id);
            found = sodium_memcmp(id, key_id, HZ_KEY_ID_LEN) == 0;
        }
    }
    if (found)
        *epoch = e.epoch;
    epoch_close(&e);
    return found;
}

/* Looking for our share of the epoch whose key id is @key_id. */
struct share_search {
    struct hz_node *n;
    const uint8_t *key_id;
    uint8_t *key;
    uint64_t *epoch;
};

static int try_share(void *data, const uint8_t *p, size_t len,
                     struct hz_err *err)
{
    (void)err;
    struct share_search *s = data;
    return open_share(s->n, p, len, s->key_id, s->key, s->epoch); /* 1 stops */
}

/* Our share of an epoch whose key id is @key_id, from the epochs carried
 * in the log: 0, HZ_ENOTFOUND, or an error. */
static int key_from_shares(struct hz_node *n, const uint8_t *key_id,
                           uint8_t *key, uint64_t *epoch, struct hz_err *err)
{
    struct share_search s = {n, key_id, key, epoch};
    int rv = roster_epoch_objs(n, try_share, &s, err);
    return rv == 1 ? 0 : rv != 0 ? rv : HZ_ENOTFOUND;
}

/* Copying the epoch in effect that names a key id, of one number. */
struct epoch_copy {
    const uint8_t *key_id;
    uint64_t epoch;
    uint8_t *out;
    size_t len;
};

static int copy_epoch(void *data, const uint8_t *p, size_t len,
                      struct hz_err *err)
{
    (void)err;
    struct epoch_copy *c = data;
    struct epoch e;
    if (epoch_decode(&e, p, len, NULL) != 0)
        return 0;
    bool match =
        memcmp(e.key_id, c->key_id, HZ_KEY_ID_LEN) == 0 && e.epoch == c->epoch;
    epoch_close(&e);
    if (!match)
        return 0;
    c->out = malloc(len);
    if (c->out == NULL)
        return hz_err_set(err, HZ_ENOMEM, "sealed header");
    memcpy(c->out, p, len);
    c->len = len;
    return 1; /* found: stop */
}

/* The bytes of the epoch @epoch in effect whose key id is @key_id, to
 * carry in a sealed header: *@out owned (free). */
static int epoch_bytes(struct hz_node *n, const uint8_t *key_id, uint64_t epoch,
                       uint8_t **out, size_t *len, struct hz_err *err)
{
    struct epoch_copy c = {key_id, epoch, NULL, 0};
    int rv = roster_epoch_objs_for(n, key_id, copy_epoch, &c, err);
    *out = c.out;
    *len = c.len;
    if (rv == 0) /* walked them all: the epoch in effect is not held */
        return hz_err_set(err, HZ_ECORRUPT, "epoch %llu's object is missing",
                          (unsigned long long)epoch);
    return rv == 1 ? 0 : rv;
}

int seal_key_by_id(struct hz_node *n, const uint8_t *key_id, uint8_t *key,
                   uint64_t *epoch, struct hz_err *err)
{
    uint8_t id[HZ_KEY_ID_LEN];
    struct hz_err quiet = {0};
    *epoch = 0;
    int rv = epoch0_key(n, key, id, &quiet);
    if (rv == 0 && sodium_memcmp(id, key_id, HZ_KEY_ID_LEN) == 0)
        return 0;
    if (rv != 0 && rv != HZ_ENOTFOUND) /* no secret file: other keys may do */
        return hz_err_set(err, rv, "%s", quiet.msg);
    bool have = false;
    rv = roster_bkey_get(n, key_id, key, epoch, &have, err);
    if (rv != 0 || have)
        return rv;
    rv = key_from_shares(n, key_id, key, epoch, err);
    if (rv != 0)
        sodium_memzero(key, HZ_SECRET_KEY_LEN);
    return rv;
}

/* Looking for the newest epoch in effect whose key this node holds. */
struct current {
    struct hz_node *n;
    uint8_t *key, *key_id;
    uint64_t *epoch;
};

static int try_epoch(void *data, const uint8_t *key_id, uint64_t epoch,
                     struct hz_err *err)
{
    (void)err;
    struct current *c = data;
    struct hz_err quiet = {0};
    uint64_t held;
    if (seal_key_by_id(c->n, key_id, c->key, &held, &quiet) != 0)
        return 0;
    memcpy(c->key_id, key_id, HZ_KEY_ID_LEN);
    *c->epoch = epoch;
    return 1; /* found: stop */
}

int seal_key_current(struct hz_node *n, uint8_t *key, uint8_t *key_id,
                     uint64_t *epoch, struct hz_err *err)
{
    struct current c = {n, key, key_id, epoch};
    int rv = roster_epochs(n, try_epoch, &c, err);
    if (rv == 1)
        return 0;
    if (rv != 0)
        return rv;
    *epoch = 0;
    rv = epoch0_key(n, key, key_id, err);
    if (rv == HZ_ENOTFOUND)
        rv = hz_err_set(err, HZ_EPERM,
                        "this node holds no network secret (a restored"
                        " backup?): join with a token first");
    return rv;
}

/* ---- beacon keys (proto/discovery.md) */

struct beacon_keys {
    struct hz_node *n;
    uint8_t *keys; /* HZ_BEACON_KEY_LEN each */
    size_t count, cap;
};

static int add_beacon_key(struct beacon_keys *k, const uint8_t *bundle_key,
                          struct hz_err *err)
{
    uint8_t bk[HZ_BEACON_KEY_LEN];
    beacon_key(bundle_key, bk);
    for (size_t i = 0; i < k->count; i++)
        if (sodium_memcmp(k->keys + i * HZ_BEACON_KEY_LEN, bk,
                          HZ_BEACON_KEY_LEN) == 0)
            return 0;
    if (k->count == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 4;
        uint8_t *v = realloc(k->keys, cap * HZ_BEACON_KEY_LEN);
        if (v == NULL)
            return hz_err_set(err, HZ_ENOMEM, "beacon keys");
        k->keys = v;
        k->cap = cap;
    }
    memcpy(k->keys + k->count++ * HZ_BEACON_KEY_LEN, bk, HZ_BEACON_KEY_LEN);
    sodium_memzero(bk, sizeof bk);
    return 0;
}

static int beacon_epoch(void *data, const uint8_t *key_id, uint64_t epoch,
                        struct hz_err *err)
{
    (void)epoch;
    struct beacon_keys *k = data;
    uint8_t key[HZ_SECRET_KEY_LEN];
    uint64_t held;
    struct hz_err quiet = {0};
    if (seal_key_by_id(k->n, key_id, key, &held, &quiet) != 0)
        return 0; /* an epoch whose key this node does not hold */
    int rv = add_beacon_key(k, key, err);
    sodium_memzero(key, sizeof key);
    return rv;
}

int store_beacon_keys(hz_node *n, uint8_t **keys, size_t *count,
                      struct hz_err *err)
{
    struct beacon_keys k = {n, NULL, 0, 0};
    uint8_t key[HZ_SECRET_KEY_LEN], id[HZ_KEY_ID_LEN];
    uint64_t epoch;
    int rv = seal_key_current(n, key, id, &epoch, err);
    if (rv == 0)
        rv = add_beacon_key(&k, key, err);
    if (rv == 0)
        rv = roster_epochs(n, beacon_epoch, &k, err);
    struct hz_err quiet = {0};
    if (rv == 0 && epoch0_key(n, key, id, &quiet) == 0)
        rv = add_beacon_key(&k, key, err);
    sodium_memzero(key, sizeof key);
    if (rv != 0) {
        free(k.keys);
        k.keys = NULL;
        k.count = 0;
    }
    *keys = k.keys;
    *count = k.count;
    return rv;
}

static int put_u32(FILE *f, size_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                    (uint8_t)v};
    return fwrite(b, 1, 4, f) == 4 ? 0 : -1;
}

static int get_u32(FILE *f, size_t *v)
{
    uint8_t b[4];
    if (fread(b, 1, 4, f) != 4)
        return -1;
    *v = (size_t)b[0] << 24 | (size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3];
    return 0;
}

struct seal_out {
    FILE *out;
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t *ad;
    size_t ad_len;
    uint8_t *buf; /* SEAL_CHUNK bytes of plain text not yet pushed */
    size_t len;
    uint8_t *cipher;
    int failed; /* errno-style: write failed */
};

static int push(struct seal_out *s, unsigned char tag)
{
    unsigned long long clen;
    crypto_secretstream_xchacha20poly1305_push(&s->st, s->cipher, &clen, s->buf,
                                               s->len, s->ad, s->ad_len, tag);
    s->len = 0;
    if (put_u32(s->out, (size_t)clen) != 0 ||
        fwrite(s->cipher, 1, (size_t)clen, s->out) != (size_t)clen)
        s->failed = errno == ENOSPC ? HZ_ENOSPC : HZ_EIO;
    return s->failed;
}

void seal_free(struct seal_out *s)
{
    if (s == NULL)
        return;
    sodium_memzero(&s->st, sizeof s->st);
    if (s->buf != NULL)
        sodium_memzero(s->buf, SEAL_CHUNK);
    free(s->buf);
    free(s->cipher);
    free(s->ad);
    free(s);
}

/* The additional data of every chunk: magic, header length, header. */
static void ad_prefix(uint8_t *ad, size_t header_len)
{
    memcpy(ad, SEAL_MAGIC, SEAL_MAGIC_LEN);
    ad[8] = (uint8_t)(header_len >> 24);
    ad[9] = (uint8_t)(header_len >> 16);
    ad[10] = (uint8_t)(header_len >> 8);
    ad[11] = (uint8_t)header_len;
}

/* The additional data for sealing under @key_id of @epoch: *@ad owned.
 * The header carries the epoch itself, so every member can open its
 * share of the key from the bundle alone. */
static int header_ad(struct hz_node *n, const uint8_t *key_id, uint64_t epoch,
                     uint8_t **ad, size_t *ad_len, struct hz_err *err)
{
    struct sealed_header h = {.epoch = epoch};
    memcpy(h.network, n->network, HZ_NET_LEN);
    memcpy(h.key_id, key_id, HZ_KEY_ID_LEN);
    uint8_t *ep = NULL;
    size_t ep_len = 0;
    int rv = epoch > 0 ? epoch_bytes(n, key_id, epoch, &ep, &ep_len, err) : 0;
    h.carried = (struct hz_bytes){ep, ep_len};
    struct enc e;
    enc_init(&e);
    if (rv == 0 && bundle_sealed_header_encode(&h, &e) != 0)
        rv = hz_err_set(err, HZ_ENOMEM, "sealed header");
    *ad_len = SEAL_MAGIC_LEN + 4 + enc_len(&e);
    *ad = rv == 0 ? malloc(*ad_len) : NULL;
    if (rv == 0 && *ad == NULL)
        rv = hz_err_set(err, HZ_ENOMEM, "sealed header");
    if (rv == 0) {
        /* The epoch object was checked against its limit when stored. */
        HZ_ASSERT(enc_len(&e) <= HZ_SEALED_HEADER_MAX);
        ad_prefix(*ad, enc_len(&e));
        memcpy(*ad + 12, enc_data(&e), enc_len(&e));
    }
    enc_close(&e);
    free(ep);
    return rv;
}

int seal_begin(struct hz_node *n, FILE *out, struct seal_out **res,
               struct hz_err *err)
{
    *res = NULL;
    uint8_t key[HZ_SECRET_KEY_LEN], id[HZ_KEY_ID_LEN];
    uint64_t epoch = 0;
    int rv = seal_key_current(n, key, id, &epoch, err);
    if (rv != 0)
        return rv;
    struct seal_out *s = calloc(1, sizeof *s);
    if (s != NULL) {
        s->out = out;
        s->buf = malloc(SEAL_CHUNK);
        s->cipher = malloc(SEAL_CHUNK + SEAL_TAG_LEN);
    }
    if (s == NULL || s->buf == NULL || s->cipher == NULL)
        rv = hz_err_set(err, HZ_ENOMEM, "seal");
    if (rv == 0)
        rv = header_ad(n, id, epoch, &s->ad, &s->ad_len, err);
    if (rv == 0) {
        uint8_t ss[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
        crypto_secretstream_xchacha20poly1305_init_push(&s->st, ss, key);
        if (fwrite(s->ad, 1, s->ad_len, out) != s->ad_len ||
            fwrite(ss, 1, sizeof ss, out) != sizeof ss)
            rv = hz_err_set(err, errno == ENOSPC ? HZ_ENOSPC : HZ_EIO,
                            "write sealed bundle");
    }
    sodium_memzero(key, sizeof key);
    if (rv != 0) {
        seal_free(s);
        return rv;
    }
    *res = s;
    return 0;
}

int seal_write(struct seal_out *s, const uint8_t *p, size_t len)
{
    while (len > 0 && !s->failed) {
        /* A full buffer is pushed only when more follows: the last chunk
         * holds the 1 to 64 KiB left and carries the FINAL tag, and no
         * empty chunk follows a plain bundle of a multiple of 64 KiB. */
        if (s->len == SEAL_CHUNK &&
            push(s, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) != 0)
            break;
        size_t take = SEAL_CHUNK - s->len < len ? SEAL_CHUNK - s->len : len;
        memcpy(s->buf + s->len, p, take);
        s->len += take;
        p += take;
        len -= take;
    }
    return s->failed;
}

int seal_end(struct seal_out *s, struct hz_err *err)
{
    /* A plain bundle is never empty: at least the magic was written. */
    if (!s->failed)
        HZ_ASSERT(s->len > 0);
    if (!s->failed)
        push(s, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
    int rv = s->failed ? hz_err_set(err, s->failed, "write sealed bundle") : 0;
    seal_free(s);
    return rv;
}

/* The key @h names, and that the header states its epoch: 0, or the
 * refusal (the key zeroed). */
static int header_key(struct hz_node *n, const struct sealed_header *h,
                      uint8_t *key, struct hz_err *err)
{
    uint64_t epoch = 0;
    int rv = seal_key_by_id(n, h->key_id, key, &epoch, err);
    /* Not held yet: our share of the epoch the header carries. */
    if (rv == HZ_ENOTFOUND && h->carried.p != NULL &&
        open_share(n, h->carried.p, h->carried.len, h->key_id, key, &epoch))
        rv = 0;
    if (rv == HZ_ENOTFOUND)
        rv = hz_err_set(err, HZ_EPERM,
                        "sealed with a bundle key this device does not hold"
                        " (epoch %llu)",
                        (unsigned long long)h->epoch);
    else if (rv == 0 && epoch != h->epoch)
        rv =
            hz_err_set(err, HZ_EMALFORMED,
                       "sealed header says epoch %llu, its key is epoch"
                       " %llu's",
                       (unsigned long long)h->epoch, (unsigned long long)epoch);
    if (rv != 0)
        sodium_memzero(key, HZ_SECRET_KEY_LEN);
    return rv;
}

/* The sealed header from the start of @in: a valid header of this
 * network, and the key it names into @key. *@ad (owned, even on failure)
 * is the additional data of every chunk. */
static int read_header(struct hz_node *n, FILE *in, uint8_t **ad,
                       size_t *ad_len, uint8_t *key, struct hz_err *err)
{
    uint8_t magic[SEAL_MAGIC_LEN];
    size_t hl;
    *ad = NULL;
    if (fread(magic, 1, SEAL_MAGIC_LEN, in) != SEAL_MAGIC_LEN ||
        !seal_is_sealed(magic, SEAL_MAGIC_LEN) || get_u32(in, &hl) != 0)
        return hz_err_set(err, HZ_EMALFORMED,
                          "sealed bundle is truncated (header)");
    if (hl > HZ_SEALED_HEADER_MAX)
        return hz_err_set(err, HZ_EMALFORMED,
                          "sealed header of %zu bytes, over %u", hl,
                          HZ_SEALED_HEADER_MAX);
    *ad_len = 12 + hl;
    *ad = malloc(*ad_len);
    if (*ad == NULL)
        return hz_err_set(err, HZ_ENOMEM, "sealed bundle header");
    ad_prefix(*ad, hl);
    if (fread(*ad + 12, 1, hl, in) != hl)
        return hz_err_set(err, HZ_EMALFORMED,
                          "sealed bundle is truncated (header)");
    struct sealed_header h;
    int rv = bundle_sealed_header_decode(&h, *ad + 12, hl, err);
    if (rv == 0 && memcmp(h.network, n->network, HZ_NET_LEN) != 0)
        rv = hz_err_set(err, HZ_ENETWORK, "sealed bundle");
    if (rv == 0)
        rv = header_key(n, &h, key, err);
    return rv;
}

/* Every chunk from @in onto @out, each as the core's rule says
 * (bundle_chunk_len_check, bundle_chunk_check): MESSAGE chunks of 64
 * KiB, then one FINAL chunk, then nothing. */
static int pull_chunks(FILE *in, FILE *out,
                       crypto_secretstream_xchacha20poly1305_state *st,
                       const uint8_t *ad, size_t ad_len, struct hz_err *err)
{
    uint8_t *plain = malloc(SEAL_CHUNK);
    uint8_t *cipher = malloc(SEAL_CHUNK + SEAL_TAG_LEN);
    int rv = plain != NULL && cipher != NULL
                 ? 0
                 : hz_err_set(err, HZ_ENOMEM, "unseal");
    bool last = false;
    for (uint64_t i = 0; rv == 0 && !last; i++) {
        size_t clen;
        unsigned long long plen;
        unsigned char tag;
        if (get_u32(in, &clen) != 0)
            rv = hz_err_set(err, HZ_EMALFORMED,
                            "sealed bundle is truncated: it ends before a"
                            " FINAL chunk");
        if (rv == 0)
            rv = bundle_chunk_len_check(i, clen, err);
        if (rv == 0 && fread(cipher, 1, clen, in) != clen)
            rv = hz_err_set(err, HZ_EMALFORMED,
                            "sealed bundle is truncated: chunk %llu is cut"
                            " short",
                            (unsigned long long)i);
        if (rv == 0 &&
            crypto_secretstream_xchacha20poly1305_pull(
                st, plain, &plen, &tag, cipher, clen, ad, ad_len) != 0)
            rv = hz_err_set(err, HZ_EBADSIG,
                            "sealed chunk %llu does not decrypt",
                            (unsigned long long)i);
        if (rv == 0)
            rv = bundle_chunk_check(i, tag, (size_t)plen, &last, err);
        if (rv == 0 && fwrite(plain, 1, (size_t)plen, out) != (size_t)plen)
            rv = hz_err_set(err, errno == ENOSPC ? HZ_ENOSPC : HZ_EIO,
                            "stage bundle");
    }
    if (rv == 0 && fgetc(in) != EOF)
        rv = hz_err_set(err, HZ_EMALFORMED, "bytes after the FINAL chunk");
    if (plain != NULL)
        sodium_memzero(plain, SEAL_CHUNK);
    free(plain);
    free(cipher);
    return rv;
}

int unseal_file(struct hz_node *n, FILE *in, FILE *out, struct hz_err *err)
{
    uint8_t *ad = NULL;
    size_t ad_len = 0;
    uint8_t key[HZ_SECRET_KEY_LEN] = {0};
    int rv = read_header(n, in, &ad, &ad_len, key, err);
    uint8_t ss[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    crypto_secretstream_xchacha20poly1305_state st;
    if (rv == 0 &&
        (fread(ss, 1, sizeof ss, in) != sizeof ss ||
         crypto_secretstream_xchacha20poly1305_init_pull(&st, ss, key) != 0))
        rv = hz_err_set(err, HZ_EMALFORMED,
                        "sealed bundle is truncated (stream header)");
    sodium_memzero(key, sizeof key);
    if (rv == 0)
        rv = pull_chunks(in, out, &st, ad, ad_len, err);
    sodium_memzero(&st, sizeof st);
    free(ad);
    return rv;
}
