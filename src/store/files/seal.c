/* seal.c - bundles sealed under the network's bundle key, so a lost USB
 * stick reveals nothing to an outsider while any member can import it
 * (issue 3; proto/bundle.md, "Sealed bundles").
 *
 *   sealed = "HZSEALED" u32be(header length) header ss_header chunk*
 *   header = msgpack [1, network, key_id, epoch, epoch object or nil]
 *   chunk  = u32be(length) secretstream ciphertext of <= 64 KiB
 *
 * libsodium's secretstream (XChaCha20-Poly1305) with the magic, length
 * and header as additional data on every chunk; the last chunk carries
 * the FINAL tag, so a truncated file is refused. */
#include "files.h"

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
#define SEAL_VERSION 1u
#define SEAL_CHUNK 65536u
#define SEAL_HEADER_MAX (HZ_EPOCH_OBJ_MAX + 256u)
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
 * *@key was opened, else 0. */
static int open_share(struct hz_node *n, const uint8_t *p, size_t len,
                      const uint8_t *key_id, uint8_t *key)
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
    epoch_close(&e);
    return found;
}

/* Looking for our share of the epoch whose key id is @key_id. */
struct share_search {
    struct hz_node *n;
    const uint8_t *key_id;
    uint8_t *key;
};

static int try_share(void *data, const uint8_t *p, size_t len,
                     struct hz_err *err)
{
    (void)err;
    struct share_search *s = data;
    return open_share(s->n, p, len, s->key_id, s->key); /* 1 stops */
}

/* Our share of an epoch whose key id is @key_id, from the epochs carried
 * in the log: 0, HZ_ENOTFOUND, or an error. */
static int key_from_shares(struct hz_node *n, const uint8_t *key_id,
                           uint8_t *key, struct hz_err *err)
{
    struct share_search s = {n, key_id, key};
    int rv = roster_epoch_objs(n, try_share, &s, err);
    return rv == 1 ? 0 : rv != 0 ? rv : HZ_ENOTFOUND;
}

/* Copying the epoch in effect that names a key id. */
struct epoch_copy {
    const uint8_t *key_id;
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
    bool match = memcmp(e.key_id, c->key_id, HZ_KEY_ID_LEN) == 0;
    epoch_close(&e);
    if (!match || (c->out = malloc(len)) == NULL)
        return 0;
    memcpy(c->out, p, len);
    c->len = len;
    return 1; /* found: stop */
}

/* The bytes of the epoch in the log whose key id is @key_id (to carry in
 * a sealed header), or NULL. */
static uint8_t *epoch_bytes(struct hz_node *n, const uint8_t *key_id,
                            size_t *len)
{
    struct epoch_copy c = {key_id, NULL, 0};
    roster_epoch_objs_for(n, key_id, copy_epoch, &c, NULL);
    *len = c.len;
    return c.out;
}

int seal_key_by_id(struct hz_node *n, const uint8_t *key_id, uint8_t *key,
                   struct hz_err *err)
{
    uint8_t id[HZ_KEY_ID_LEN];
    struct hz_err quiet = {0};
    int rv = epoch0_key(n, key, id, &quiet);
    if (rv == 0 && sodium_memcmp(id, key_id, HZ_KEY_ID_LEN) == 0)
        return 0;
    if (rv != 0 && rv != HZ_ENOTFOUND) /* no secret file: other keys may do */
        return hz_err_set(err, rv, "%s", quiet.msg);
    bool have = false;
    rv = roster_bkey_get(n, key_id, key, &have, err);
    if (rv != 0 || have)
        return rv;
    rv = key_from_shares(n, key_id, key, err);
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
    if (seal_key_by_id(c->n, key_id, c->key, &quiet) != 0)
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
        s->buf = malloc(SEAL_CHUNK);
        s->cipher =
            malloc(SEAL_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES);
    }
    /* Additional data: magic, header length, header. The header carries
     * the epoch itself, so every member can open its share of the key
     * from the bundle alone. */
    size_t ep_len = 0;
    uint8_t *ep = epoch > 0 ? epoch_bytes(n, id, &ep_len) : NULL;
    struct enc h;
    enc_init(&h);
    enc_array(&h, 5);
    enc_uint(&h, SEAL_VERSION);
    enc_bin(&h, n->network, HZ_NET_LEN);
    enc_bin(&h, id, sizeof id);
    enc_uint(&h, epoch);
    if (ep != NULL)
        enc_bin(&h, ep, ep_len);
    else
        enc_nil(&h);
    free(ep);
    rv = enc_done(&h);
    if (s != NULL) {
        s->out = out;
        s->ad_len = SEAL_MAGIC_LEN + 4 + enc_len(&h);
        s->ad = malloc(s->ad_len);
    }
    if (rv == 0 &&
        (s == NULL || s->buf == NULL || s->cipher == NULL || s->ad == NULL))
        rv = hz_err_set(err, HZ_ENOMEM, "seal");
    if (rv == 0) {
        size_t hl = enc_len(&h);
        memcpy(s->ad, SEAL_MAGIC, SEAL_MAGIC_LEN);
        s->ad[8] = (uint8_t)(hl >> 24);
        s->ad[9] = (uint8_t)(hl >> 16);
        s->ad[10] = (uint8_t)(hl >> 8);
        s->ad[11] = (uint8_t)hl;
        memcpy(s->ad + 12, enc_data(&h), hl);
        uint8_t ss[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
        crypto_secretstream_xchacha20poly1305_init_push(&s->st, ss, key);
        if (fwrite(s->ad, 1, s->ad_len, out) != s->ad_len ||
            fwrite(ss, 1, sizeof ss, out) != sizeof ss)
            rv = hz_err_set(err, errno == ENOSPC ? HZ_ENOSPC : HZ_EIO,
                            "write sealed bundle");
    }
    enc_close(&h);
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
        /* A full buffer is pushed only when more follows: the last chunk,
         * whatever its size, carries the FINAL tag. */
        if (s->len == SEAL_CHUNK && push(s, 0) != 0)
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
    if (!s->failed)
        push(s, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
    int rv = s->failed ? hz_err_set(err, s->failed, "write sealed bundle") : 0;
    seal_free(s);
    return rv;
}

int unseal_file(struct hz_node *n, FILE *in, FILE *out, struct hz_err *err)
{
    uint8_t magic[SEAL_MAGIC_LEN];
    size_t hl;
    if (fread(magic, 1, SEAL_MAGIC_LEN, in) != SEAL_MAGIC_LEN ||
        !seal_is_sealed(magic, SEAL_MAGIC_LEN) || get_u32(in, &hl) != 0 ||
        hl > SEAL_HEADER_MAX)
        return hz_err_set(err, HZ_EMALFORMED, "sealed bundle header");
    uint8_t *ad = malloc(12 + hl);
    if (ad == NULL)
        return hz_err_set(err, HZ_ENOMEM, "sealed bundle header");
    memcpy(ad, magic, SEAL_MAGIC_LEN);
    ad[8] = (uint8_t)(hl >> 24);
    ad[9] = (uint8_t)(hl >> 16);
    ad[10] = (uint8_t)(hl >> 8);
    ad[11] = (uint8_t)hl;
    size_t ad_len = 12 + hl;
    msgpack_unpacked u;
    int rv = fread(ad + 12, 1, hl, in) == hl
                 ? mp_unpack(&u, ad + 12, hl, err)
                 : hz_err_set(err, HZ_EMALFORMED, "sealed bundle header");
    if (rv != 0) {
        free(ad);
        return rv;
    }
    const msgpack_object *f;
    size_t nf;
    uint64_t version = 0, epoch = 0;
    uint8_t net[HZ_NET_LEN], id[16];
    struct hz_bytes carried = {0};
    rv = mp_array(&u.data, 5, 5, &f, &nf, "sealed header", err);
    if (rv == 0)
        rv = mp_uint(&f[0], &version, "sealed version", err);
    if (rv == 0 && version != SEAL_VERSION)
        rv = hz_err_set(err, HZ_EVERSION, "sealed bundle version %llu",
                        (unsigned long long)version);
    if (rv == 0)
        rv = mp_bin_fixed(&f[1], net, sizeof net, "network", err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[2], id, sizeof id, "key id", err);
    if (rv == 0)
        rv = mp_uint(&f[3], &epoch, "epoch", err);
    if (rv == 0 && f[4].type != MSGPACK_OBJECT_NIL)
        rv = mp_bin(&f[4], HZ_EPOCH_OBJ_MAX, &carried, "epoch", err);
    if (rv == 0 && memcmp(net, n->network, HZ_NET_LEN) != 0)
        rv = hz_err_set(err, HZ_ENETWORK, "sealed bundle");
    uint8_t key[HZ_SECRET_KEY_LEN];
    if (rv == 0)
        rv = seal_key_by_id(n, id, key, err);
    /* Not held yet: our share of the epoch the header carries. */
    if (rv == HZ_ENOTFOUND && carried.p != NULL &&
        open_share(n, carried.p, carried.len, id, key))
        rv = 0;
    msgpack_unpacked_destroy(&u);
    if (rv == HZ_ENOTFOUND)
        rv = hz_err_set(err, HZ_EPERM,
                        "sealed with a bundle key this device does not hold"
                        " (epoch %llu)",
                        (unsigned long long)epoch);
    if (rv != 0) {
        sodium_memzero(key, sizeof key);
        free(ad);
        return rv;
    }
    uint8_t ss[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    crypto_secretstream_xchacha20poly1305_state st;
    if (fread(ss, 1, sizeof ss, in) != sizeof ss ||
        crypto_secretstream_xchacha20poly1305_init_pull(&st, ss, key) != 0)
        rv = hz_err_set(err, HZ_EMALFORMED, "sealed bundle stream header");
    sodium_memzero(key, sizeof key);
    size_t cipher_max =
        SEAL_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES;
    uint8_t *plain = malloc(SEAL_CHUNK);
    uint8_t *cipher = malloc(cipher_max);
    if (rv == 0 && (plain == NULL || cipher == NULL))
        rv = hz_err_set(err, HZ_ENOMEM, "unseal");
    bool final = false;
    while (rv == 0 && !final) {
        size_t clen;
        if (get_u32(in, &clen) != 0 || clen > cipher_max ||
            clen < crypto_secretstream_xchacha20poly1305_ABYTES ||
            fread(cipher, 1, clen, in) != clen) {
            rv = hz_err_set(err, HZ_EMALFORMED, "sealed bundle is truncated");
            break;
        }
        unsigned long long plen;
        unsigned char tag;
        if (crypto_secretstream_xchacha20poly1305_pull(
                &st, plain, &plen, &tag, cipher, clen, ad, ad_len) != 0) {
            rv = hz_err_set(err, HZ_EBADSIG, "sealed bundle does not decrypt");
            break;
        }
        final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
        if (fwrite(plain, 1, (size_t)plen, out) != (size_t)plen)
            rv = hz_err_set(err, errno == ENOSPC ? HZ_ENOSPC : HZ_EIO,
                            "stage bundle");
    }
    if (rv == 0 && fgetc(in) != EOF)
        rv = hz_err_set(err, HZ_EMALFORMED, "bytes after the sealed bundle");
    sodium_memzero(&st, sizeof st);
    if (plain != NULL)
        sodium_memzero(plain, SEAL_CHUNK);
    free(plain);
    free(cipher);
    free(ad);
    return rv;
}
