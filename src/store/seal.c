/* seal.c - bundles sealed under the network's bundle key, so a lost USB
 * stick reveals nothing to an outsider while any member can import it
 * (issue 3; proto/bundle.md, "Sealed bundles").
 *
 *   sealed = "HZSEALED" u32be(header length) header ss_header chunk*
 *   header = msgpack [1, network, key_id, epoch]
 *   chunk  = u32be(length) secretstream ciphertext of <= 64 KiB
 *
 * libsodium's secretstream (XChaCha20-Poly1305) with the magic, length
 * and header as additional data on every chunk; the last chunk carries
 * the FINAL tag, so a truncated file is refused. */
#include "store.h"

#include "../core/error_int.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEAL_MAGIC "HZSEALED"
#define SEAL_MAGIC_LEN 8u
#define SEAL_VERSION 1u
#define SEAL_CHUNK 65536u
#define SEAL_PREFIX_MAX 128u
#define KEY_TAG "huzhu bundle key v1"
#define KEY_ID_TAG "huzhu bundle key id v1"

bool seal_is_sealed(const uint8_t *head, size_t len)
{
    return len >= SEAL_MAGIC_LEN &&
           memcmp(head, SEAL_MAGIC, SEAL_MAGIC_LEN) == 0;
}

/* The bundle key of epoch 0: keyed BLAKE2b of the network secret. */
static int epoch_key(struct hz_node *n, uint64_t epoch, uint8_t *key,
                     uint8_t *key_id, struct hz_err *err)
{
    uint8_t secret[32];
    int rv = network_secret(n, secret, err);
    if (rv != 0)
        return rv;
    uint8_t msg[sizeof KEY_TAG - 1 + 8];
    memcpy(msg, KEY_TAG, sizeof KEY_TAG - 1);
    for (int i = 0; i < 8; i++)
        msg[sizeof KEY_TAG - 1 + (size_t)i] = (uint8_t)(epoch >> (56 - 8 * i));
    crypto_generichash(key, crypto_secretstream_xchacha20poly1305_KEYBYTES, msg,
                       sizeof msg, secret, sizeof secret);
    sodium_memzero(secret, sizeof secret);
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 16);
    crypto_generichash_update(&h, (const uint8_t *)KEY_ID_TAG,
                              sizeof KEY_ID_TAG - 1);
    crypto_generichash_update(&h, key,
                              crypto_secretstream_xchacha20poly1305_KEYBYTES);
    crypto_generichash_final(&h, key_id, 16);
    return 0;
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

int seal_file(struct hz_node *n, FILE *in, FILE *out, struct hz_err *err)
{
    uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES], id[16];
    int rv = epoch_key(n, 0, key, id, err);
    if (rv != 0)
        return rv;
    /* Additional data: magic, header length, header. */
    struct enc h;
    enc_init(&h);
    enc_array(&h, 4);
    enc_uint(&h, SEAL_VERSION);
    enc_bin(&h, n->network, HZ_NET_LEN);
    enc_bin(&h, id, sizeof id);
    enc_uint(&h, 0);
    rv = enc_done(&h);
    uint8_t ad[SEAL_PREFIX_MAX];
    size_t ad_len = SEAL_MAGIC_LEN + 4 + enc_len(&h);
    if (rv == 0) {
        memcpy(ad, SEAL_MAGIC, SEAL_MAGIC_LEN);
        size_t hl = enc_len(&h);
        ad[8] = (uint8_t)(hl >> 24);
        ad[9] = (uint8_t)(hl >> 16);
        ad[10] = (uint8_t)(hl >> 8);
        ad[11] = (uint8_t)hl;
        memcpy(ad + 12, enc_data(&h), hl);
    }
    enc_close(&h);
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t ss[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    crypto_secretstream_xchacha20poly1305_init_push(&st, ss, key);
    sodium_memzero(key, sizeof key);
    if (rv == 0 && (fwrite(ad, 1, ad_len, out) != ad_len ||
                    fwrite(ss, 1, sizeof ss, out) != sizeof ss))
        rv = hz_err_set(err, errno == ENOSPC ? HZ_ENOSPC : HZ_EIO,
                        "write sealed bundle");
    uint8_t *plain = malloc(SEAL_CHUNK);
    uint8_t *cipher =
        malloc(SEAL_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES);
    if (rv == 0 && (plain == NULL || cipher == NULL))
        rv = hz_err_set(err, HZ_ENOMEM, "seal");
    while (rv == 0) {
        size_t got = fread(plain, 1, SEAL_CHUNK, in);
        if (ferror(in)) {
            rv = hz_err_set(err, HZ_EIO, "read bundle");
            break;
        }
        /* The last chunk is the one that leaves the file at its end. */
        int c = fgetc(in);
        bool last = c == EOF;
        if (!last)
            ungetc(c, in);
        unsigned long long clen;
        crypto_secretstream_xchacha20poly1305_push(
            &st, cipher, &clen, plain, got, ad, ad_len,
            last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
        if (put_u32(out, (size_t)clen) != 0 ||
            fwrite(cipher, 1, (size_t)clen, out) != (size_t)clen)
            rv = hz_err_set(err, errno == ENOSPC ? HZ_ENOSPC : HZ_EIO,
                            "write sealed bundle");
        if (last)
            break;
    }
    sodium_memzero(&st, sizeof st);
    free(plain);
    free(cipher);
    return rv;
}

int unseal_file(struct hz_node *n, FILE *in, FILE *out, struct hz_err *err)
{
    uint8_t ad[SEAL_PREFIX_MAX];
    size_t hl;
    if (fread(ad, 1, SEAL_MAGIC_LEN, in) != SEAL_MAGIC_LEN ||
        !seal_is_sealed(ad, SEAL_MAGIC_LEN) || get_u32(in, &hl) != 0 ||
        hl > SEAL_PREFIX_MAX - 12)
        return hz_err_set(err, HZ_EMALFORMED, "sealed bundle header");
    ad[8] = (uint8_t)(hl >> 24);
    ad[9] = (uint8_t)(hl >> 16);
    ad[10] = (uint8_t)(hl >> 8);
    ad[11] = (uint8_t)hl;
    if (fread(ad + 12, 1, hl, in) != hl)
        return hz_err_set(err, HZ_EMALFORMED, "sealed bundle header");
    size_t ad_len = 12 + hl;
    msgpack_unpacked u;
    int rv = mp_unpack(&u, ad + 12, hl, err);
    if (rv != 0)
        return rv;
    const msgpack_object *f;
    size_t nf;
    uint64_t version = 0, epoch = 0;
    uint8_t net[HZ_NET_LEN], id[16];
    rv = mp_array(&u.data, 4, 4, &f, &nf, "sealed header", err);
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
    msgpack_unpacked_destroy(&u);
    if (rv != 0)
        return rv;
    if (memcmp(net, n->network, HZ_NET_LEN) != 0)
        return hz_err_set(err, HZ_ENETWORK, "sealed bundle");
    uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES], want[16];
    rv = epoch_key(n, epoch, key, want, err);
    if (rv == HZ_ENOTFOUND || (rv == 0 && sodium_memcmp(want, id, 16) != 0))
        rv = hz_err_set(err, HZ_EPERM,
                        "sealed with a bundle key this device does not hold");
    if (rv != 0) {
        sodium_memzero(key, sizeof key);
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
    return rv;
}
