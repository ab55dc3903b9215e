/* rootkey.c - the network root key's backup: a printable recovery code
 * and a passphrase-sealed file, and restoring either on new hardware
 * (proto/trust.md, "Root key backup"). */
#include "members.h"

#include "huzhu/trust.h"

#include "../../core/error_int.h"
#include "../../core/limits.h"
#include "../../core/token.h"
#include "../files/files.h"
#include "../state/render.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- root key backup: a passphrase-sealed file, and a recovery code */

#define ROOT_BACKUP_MAGIC "HZROOT01"
#define CODE_CHECK_LEN 2u
static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static int root_seed(struct hz_node *n, uint8_t *seed, struct hz_err *err)
{
    if (!n->networked)
        return hz_err_set(err, HZ_ENETWORK, "not in a network");
    int rv = secret_read(n, ROOT_FILE, seed, err);
    if (rv == HZ_ENOTFOUND)
        return hz_err_set(err, HZ_EPERM,
                          "this node does not hold the network root key");
    return rv;
}

static void code_check(const uint8_t *seed, uint8_t *check)
{
    static const char tag[] = "huzhu recovery code v1";
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 16);
    crypto_generichash_update(&h, (const uint8_t *)tag, sizeof tag - 1);
    crypto_generichash_update(&h, seed, HZ_SECRET_LEN);
    uint8_t out[16];
    crypto_generichash_final(&h, out, sizeof out);
    memcpy(check, out, CODE_CHECK_LEN);
}

int hz_network_recovery_code(hz_node *n, char **code, struct hz_err *err)
{
    *code = NULL;
    uint8_t buf[HZ_SECRET_LEN + CODE_CHECK_LEN];
    int rv = root_seed(n, buf, err);
    if (rv != 0)
        return rv;
    code_check(buf, buf + HZ_SECRET_LEN);
    /* Crockford base32, 5 bits a letter, in groups of 5. */
    size_t bits = sizeof buf * 8, letters = (bits + 4) / 5;
    char *s = malloc(letters + letters / 5 + 1);
    if (s == NULL) {
        sodium_memzero(buf, sizeof buf);
        return hz_err_set(err, HZ_ENOMEM, "code");
    }
    size_t o = 0;
    for (size_t i = 0; i < letters; i++) {
        unsigned v = 0;
        for (size_t b = 0; b < 5; b++) {
            size_t bit = i * 5 + b;
            unsigned x = bit < bits ? (buf[bit / 8] >> (7 - bit % 8)) & 1u : 0;
            v = v << 1 | x;
        }
        if (i > 0 && i % 5 == 0)
            s[o++] = '-';
        s[o++] = crockford[v];
    }
    s[o] = '\0';
    sodium_memzero(buf, sizeof buf);
    *code = s;
    return 0;
}

static int code_decode(const char *code, uint8_t *seed, struct hz_err *err)
{
    uint8_t buf[HZ_SECRET_LEN + CODE_CHECK_LEN] = {0};
    size_t bits = sizeof buf * 8, bit = 0;
    for (const char *p = code; *p != '\0'; p++) {
        char c = *p;
        if (c == '-' || c == ' ')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c == 'I' || c == 'L')
            c = '1';
        if (c == 'O')
            c = '0';
        const char *at = strchr(crockford, c);
        if (at == NULL || c == '\0')
            return hz_err_set(err, HZ_EINVAL,
                              "recovery code: a letter that"
                              " is not in the code alphabet");
        unsigned v = (unsigned)(at - crockford);
        for (int b = 4; b >= 0; b--, bit++) {
            if (bit < bits)
                buf[bit / 8] |= (uint8_t)(((v >> b) & 1u) << (7 - bit % 8));
            else if ((v >> b) & 1u)
                return hz_err_set(err, HZ_EINVAL, "recovery code: too long");
        }
    }
    if (bit < bits || bit >= bits + 5)
        return hz_err_set(err, HZ_EINVAL, "recovery code: %s",
                          bit < bits ? "too short" : "too long");
    uint8_t check[CODE_CHECK_LEN];
    code_check(buf, check);
    int bad = sodium_memcmp(check, buf + HZ_SECRET_LEN, CODE_CHECK_LEN);
    if (!bad)
        memcpy(seed, buf, HZ_SECRET_LEN);
    sodium_memzero(buf, sizeof buf);
    return bad ? hz_err_set(err, HZ_EINVAL,
                            "recovery code: a letter is wrong (checksum)")
               : 0;
}

static int pass_key(const char *pass, const uint8_t *salt, uint64_t ops,
                    uint64_t mem, uint8_t *key, struct hz_err *err)
{
    if (crypto_pwhash(key, crypto_secretbox_KEYBYTES, pass, strlen(pass), salt,
                      ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return hz_err_set(err, HZ_ENOMEM, "argon2id");
    return 0;
}

int hz_network_backup_key(hz_node *n, const char *path, const char *pass,
                          struct hz_err *err)
{
    if (pass == NULL || strlen(pass) < 8)
        return hz_err_set(err, HZ_EINVAL, "passphrase: at least 8 bytes");
    uint8_t seed[HZ_SECRET_LEN];
    int rv = root_seed(n, seed, err);
    if (rv != 0)
        return rv;
    char *name = NULL;
    rv = db_meta_get_text(&n->db, "network_name", &name, err);
    uint8_t salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
    uint8_t key[crypto_secretbox_KEYBYTES];
    uint8_t box[HZ_SECRET_LEN + crypto_secretbox_MACBYTES];
    uint64_t ops = crypto_pwhash_OPSLIMIT_MODERATE;
    uint64_t mem = crypto_pwhash_MEMLIMIT_MODERATE;
    env_random(n, salt, sizeof salt);
    env_random(n, nonce, sizeof nonce);
    if (rv == 0)
        rv = pass_key(pass, salt, ops, mem, key, err);
    if (rv == 0)
        crypto_secretbox_easy(box, seed, sizeof seed, nonce, key);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(key, sizeof key);
    struct enc e;
    enc_init(&e);
    enc_raw(&e, ROOT_BACKUP_MAGIC, strlen(ROOT_BACKUP_MAGIC));
    enc_array(&e, 8);
    enc_uint(&e, 1);
    enc_bin(&e, n->network, HZ_NET_LEN);
    enc_cstr(&e, name ? name : "");
    enc_bin(&e, salt, sizeof salt);
    enc_uint(&e, ops);
    enc_uint(&e, mem);
    enc_bin(&e, nonce, sizeof nonce);
    enc_bin(&e, box, sizeof box);
    free(name);
    if (rv == 0)
        rv = enc_done(&e);
    if (rv == 0)
        rv = file_write_atomic(path, enc_data(&e), enc_len(&e), err);
    enc_close(&e);
    return rv;
}

static int read_backup(const char *path, const char *pass, uint8_t *seed,
                       char **name, struct hz_err *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return hz_err_set(err, errno == ENOENT ? HZ_ENOTFOUND : HZ_EIO,
                          "%s: %s", path, strerror(errno));
    uint8_t buf[1024];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    size_t ml = strlen(ROOT_BACKUP_MAGIC);
    if (len < ml || len == sizeof buf || memcmp(buf, ROOT_BACKUP_MAGIC, ml))
        return hz_err_set(err, HZ_EMALFORMED, "not a root key backup");
    msgpack_unpacked u;
    int rv = mp_unpack(&u, buf + ml, len - ml, err);
    if (rv != 0)
        return rv;
    const msgpack_object *o;
    size_t nf;
    uint64_t version = 0, ops = 0, mem = 0;
    uint8_t net[HZ_NET_LEN], salt[crypto_pwhash_SALTBYTES];
    uint8_t nonce[crypto_secretbox_NONCEBYTES];
    uint8_t box[HZ_SECRET_LEN + crypto_secretbox_MACBYTES];
    struct hz_bytes nm = {0};
    rv = mp_array(&u.data, 8, 8, &o, &nf, "root backup", err);
    if (rv == 0)
        rv = mp_uint(&o[0], &version, "version", err);
    if (rv == 0 && version != 1)
        rv = hz_err_set(err, HZ_EVERSION, "root backup version %llu",
                        (unsigned long long)version);
    if (rv == 0)
        rv = mp_bin_fixed(&o[1], net, sizeof net, "network", err);
    if (rv == 0)
        rv = mp_str(&o[2], HZ_CERT_NAME_MAX, &nm, "name", err);
    if (rv == 0)
        rv = mp_bin_fixed(&o[3], salt, sizeof salt, "salt", err);
    if (rv == 0)
        rv = mp_uint(&o[4], &ops, "opslimit", err);
    if (rv == 0)
        rv = mp_uint(&o[5], &mem, "memlimit", err);
    if (rv == 0)
        rv = mp_bin_fixed(&o[6], nonce, sizeof nonce, "nonce", err);
    if (rv == 0)
        rv = mp_bin_fixed(&o[7], box, sizeof box, "box", err);
    if (rv == 0 && (ops < crypto_pwhash_OPSLIMIT_MIN ||
                    ops > crypto_pwhash_OPSLIMIT_SENSITIVE ||
                    mem < crypto_pwhash_MEMLIMIT_MIN ||
                    mem > crypto_pwhash_MEMLIMIT_SENSITIVE))
        rv = hz_err_set(err, HZ_EMALFORMED, "root backup: Argon2id limits");
    if (rv == 0) {
        *name = malloc(nm.len + 1);
        if (*name == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "name");
        else {
            memcpy(*name, nm.p, nm.len);
            (*name)[nm.len] = '\0';
        }
    }
    msgpack_unpacked_destroy(&u);
    uint8_t key[crypto_secretbox_KEYBYTES];
    if (rv == 0)
        rv = pass_key(pass ? pass : "", salt, ops, mem, key, err);
    if (rv == 0 &&
        crypto_secretbox_open_easy(seed, box, sizeof box, nonce, key) != 0)
        rv = hz_err_set(err, HZ_EBADSIG,
                        "wrong passphrase, or the backup is damaged");
    sodium_memzero(key, sizeof key);
    uint8_t got[HZ_NET_LEN];
    if (rv == 0) {
        struct identity root;
        identity_from_seed(&root, seed);
        cert_network_id(root.pk, got);
        identity_close(&root);
        if (memcmp(got, net, HZ_NET_LEN) != 0)
            rv = hz_err_set(err, HZ_ECORRUPT, "root backup: network id");
    }
    if (rv != 0) {
        free(*name);
        *name = NULL;
    }
    return rv;
}

int hz_network_restore(hz_node *n, const char *path, const char *code,
                       const char *pass, const char *name, char **network_hex,
                       struct hz_err *err)
{
    *network_hex = NULL;
    int rv = node_check_writable(n, err);
    if (rv != 0)
        return rv;
    if ((path == NULL) == (code == NULL))
        return hz_err_set(err, HZ_EINVAL, "a backup file or a code");
    uint8_t seed[HZ_SECRET_LEN];
    char *file_name = NULL;
    rv = path != NULL ? read_backup(path, pass, seed, &file_name, err)
                      : code_decode(code, seed, err);
    const char *use = name != NULL                             ? name
                      : file_name != NULL && file_name[0] != 0 ? file_name
                                                               : "网络";
    if (rv == 0)
        rv = network_check_name(use, err);
    if (rv == 0)
        rv = network_become_admin(n, seed, use, network_hex, err);
    sodium_memzero(seed, sizeof seed);
    free(file_name);
    return rv;
}
