/* token.c - join token payloads (token.h). */
#include "token.h"

#include "cert.h"
#include "error_int.h"
#include "limits.h"

#include <string.h>

int token_encode(const struct token *t, struct enc *out)
{
    enc_reset(out);
    enc_array(out, 6);
    enc_uint(out, HZ_TOKEN_VERSION);
    enc_str(out, t->name.p, t->name.len);
    enc_bin(out, t->cert.p, t->cert.len);
    enc_array(out, t->n_chain);
    for (size_t i = 0; i < t->n_chain; i++)
        enc_bin(out, t->chain[i].p, t->chain[i].len);
    enc_bin(out, t->secret, HZ_SECRET_LEN);
    enc_array(out, t->n_epochs);
    for (size_t i = 0; i < t->n_epochs; i++) {
        enc_array(out, 2);
        enc_uint(out, t->epochs[i].epoch);
        enc_bin(out, t->epochs[i].key, HZ_SECRET_LEN);
    }
    return enc_done(out);
}

static int decode(struct token *t, const msgpack_object *root,
                  struct hz_err *err)
{
    const msgpack_object *f, *ep, *ch;
    size_t n, n_ep = 0, n_ch = 0;
    uint64_t version;
    int rv = mp_array(root, 6, 6, &f, &n, "token", err);
    if (rv == 0)
        rv = mp_uint(&f[0], &version, "token version", err);
    if (rv == 0 && version != HZ_TOKEN_VERSION)
        return hz_err_set(err, HZ_EVERSION, "token version %llu",
                          (unsigned long long)version);
    if (rv == 0)
        rv = mp_str(&f[1], HZ_CERT_NAME_MAX, &t->name, "network name", err);
    if (rv == 0)
        rv = mp_bin(&f[2], HZ_TRUST_OBJ_MAX, &t->cert, "cert", err);
    if (rv == 0)
        rv = mp_array(&f[3], 0, HZ_CHAIN_MAX, &ch, &n_ch, "chain", err);
    for (size_t i = 0; rv == 0 && i < n_ch; i++)
        rv = mp_bin(&ch[i], HZ_TRUST_OBJ_MAX, &t->chain[i], "chain cert", err);
    if (rv == 0)
        t->n_chain = n_ch;
    if (rv == 0)
        rv = mp_bin_fixed(&f[4], t->secret, HZ_SECRET_LEN, "secret", err);
    if (rv == 0)
        rv = mp_array(&f[5], 0, HZ_EPOCHS_MAX, &ep, &n_ep, "epochs", err);
    for (size_t i = 0; rv == 0 && i < n_ep; i++) {
        const msgpack_object *pair;
        size_t two;
        rv = mp_array(&ep[i], 2, 2, &pair, &two, "epoch", err);
        if (rv == 0)
            rv = mp_uint(&pair[0], &t->epochs[i].epoch, "epoch", err);
        if (rv == 0)
            rv = mp_bin_fixed(&pair[1], t->epochs[i].key, HZ_SECRET_LEN,
                              "epoch key", err);
        if (rv == 0 && i > 0 && t->epochs[i].epoch <= t->epochs[i - 1].epoch)
            rv = hz_err_set(err, HZ_EMALFORMED, "epochs out of order");
    }
    t->n_epochs = n_ep;
    return rv;
}

int token_decode(struct token *t, const uint8_t *buf, size_t len,
                 struct hz_err *err)
{
    memset(t, 0, sizeof *t);
    if (len > HZ_TOKEN_PAYLOAD_MAX)
        return hz_err_set(err, HZ_ETOOBIG, "token of %zu bytes", len);
    msgpack_unpacked u;
    int rv = mp_unpack(&u, buf, len, err);
    if (rv != 0)
        return rv;
    rv = decode(t, &u.data, err);
    msgpack_unpacked_destroy(&u);
    if (rv != 0)
        return rv;
    struct enc tmp;
    enc_init(&tmp);
    rv = token_encode(t, &tmp);
    if (rv == 0 &&
        (enc_len(&tmp) != len || memcmp(enc_data(&tmp), buf, len) != 0))
        rv = hz_err_set(err, HZ_EMALFORMED, "token is not canonical");
    enc_close(&tmp);
    return rv;
}
