/* admit.c - admitting devices (certificates and join tokens), joining
 * with a token, and revoking devices with a new bundle key epoch
 * (proto/trust.md). */
#include "members.h"

#include "huzhu/trust.h"

#include "../../core/error_int.h"
#include "../../core/limits.h"
#include "../../core/token.h"
#include "../../core/trust.h"
#include "../files/files.h"
#include "../state/render.h"
#include "../state/state.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- admission */

/* Trust objects are written only by a writable node in a network. */
static int check_member_writer(struct hz_node *n, struct hz_err *err)
{
    int rv = node_check_writable(n, err);
    if (rv == 0 && !n->networked)
        rv = hz_err_set(err, HZ_ENETWORK,
                        "not in a network: network create, or join");
    return rv;
}

/* Who signs a trust object here: the root key when held, else this
 * node, which must have @need (trust_level_of) by its own certificates. */
struct signer {
    struct identity root;
    int have_root;
    const uint8_t *pk, *sk;
};

static int signer_get(struct hz_node *n, int need, const char *what,
                      struct signer *s, struct hz_err *err)
{
    memset(s, 0, sizeof *s);
    int rv = network_root_key(n, &s->root, &s->have_root, err);
    if (rv != 0)
        return rv;
    if (s->have_root) {
        s->pk = s->root.pk;
        s->sk = s->root.sk;
        return 0;
    }
    int level;
    const char *role;
    rv = trust_level(n, n->id.pk, &level, &role, err);
    if (rv != 0)
        return rv;
    if (level < need)
        return hz_err_set(err, HZ_EPERM, "this device (%s) may not %s",
                          role ? role : "no certificate", what);
    s->pk = n->id.pk;
    s->sk = n->id.sk;
    return 0;
}

static void signer_close(struct signer *s)
{
    if (s->have_root)
        identity_close(&s->root);
}

static int site_exists(struct hz_node *n, const uint8_t *site, bool *found,
                       struct hz_err *err)
{
    const struct table_def *t = schema_table_c(n->schema, "sites");
    bool deleted = false;
    HZ_ASSERT(t != NULL);
    int rv = rows_state(n, t, site, found, &deleted, err);
    *found = *found && !deleted;
    return rv;
}

static int parse_admission(struct hz_node *n, const struct hz_admission *a,
                           struct cert *c, struct hz_err *err)
{
    memset(c, 0, sizeof *c);
    c->version = HZ_CERT_VERSION;
    memcpy(c->network, n->network, HZ_NET_LEN);
    if (a->key == NULL || strlen(a->key) != 2 * HZ_KEY_LEN ||
        hex_decode(a->key, c->subject, HZ_KEY_LEN) != 0)
        return hz_err_set(err, HZ_EINVAL, "key: 64 hex digits (huzhu id)");
    uint8_t xpk[crypto_box_PUBLICKEYBYTES];
    if (crypto_sign_ed25519_pk_to_curve25519(xpk, c->subject) != 0)
        return hz_err_set(err, HZ_EINVAL, "key is not a device key");
    size_t len = a->name ? strlen(a->name) : 0;
    if (len == 0 || len > HZ_CERT_NAME_MAX ||
        !utf8_valid((const uint8_t *)a->name, len))
        return hz_err_set(err, HZ_EINVAL, "name: 1 to %u bytes of UTF-8",
                          HZ_CERT_NAME_MAX);
    c->name = (struct hz_bytes){(const uint8_t *)a->name, len};
    if (a->role == NULL || cert_role_parse(a->role, &c->role) != 0)
        return hz_err_set(err, HZ_EINVAL,
                          "role: admin, coordinator, site or viewer");
    c->has_site = a->site != NULL;
    if (c->has_site != (c->role == ROLE_SITE))
        return hz_err_set(err, HZ_EINVAL,
                          "a site role needs --site, and only it takes one");
    if (c->has_site) {
        if (strlen(a->site) != 2 * HZ_ROW_LEN ||
            hex_decode(a->site, c->site, HZ_ROW_LEN) != 0)
            return hz_err_set(err, HZ_EINVAL, "site: 32 hex digits");
        bool found;
        int rv = site_exists(n, c->site, &found, err);
        if (rv != 0)
            return rv;
        if (!found)
            return hz_err_set(err, HZ_ENOTFOUND, "no such site here");
    }
    c->admits = a->admits != 0;
    if (c->admits && c->role != ROLE_COORDINATOR)
        return hz_err_set(err, HZ_EINVAL, "only a coordinator admits others");
    c->valid_days = a->valid_days ? a->valid_days : DEFAULT_VALID_DAYS;
    if (c->valid_days > HZ_VALID_DAYS_MAX)
        return hz_err_set(err, HZ_EINVAL, "valid days: 1 to %u",
                          HZ_VALID_DAYS_MAX);
    return 0;
}

/* Seal a token payload to the device key @subject: TOKEN_PREFIX and the
 * sealed box in unpadded URL-safe base64. */
static int token_seal(const uint8_t *subject, const struct enc *payload,
                      char **out, struct hz_err *err)
{
    uint8_t xpk[crypto_box_PUBLICKEYBYTES];
    if (crypto_sign_ed25519_pk_to_curve25519(xpk, subject) != 0)
        return hz_err_set(err, HZ_EINVAL, "key is not a device key");
    size_t sealed_len = enc_len(payload) + crypto_box_SEALBYTES;
    uint8_t *sealed = malloc(sealed_len);
    size_t b64 = sodium_base64_ENCODED_LEN(
        sealed_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    *out = malloc(strlen(TOKEN_PREFIX) + b64);
    if (sealed == NULL || *out == NULL) {
        free(sealed);
        free(*out);
        *out = NULL;
        return hz_err_set(err, HZ_ENOMEM, "token");
    }
    crypto_box_seal(sealed, enc_data(payload), enc_len(payload), xpk);
    strcpy(*out, TOKEN_PREFIX);
    sodium_bin2base64(*out + strlen(TOKEN_PREFIX), b64, sealed, sealed_len,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    free(sealed);
    return 0;
}

/* Choosing, among a device's certificates in effect, the one that leads
 * to the root without a loop (a root-signed one first). */
struct pick {
    struct hz_node *n;
    int need;
    const uint8_t *key;
    uint8_t (*seen)[HZ_KEY_LEN];
    size_t n_seen;
    uint8_t *best;
    size_t best_len;
    bool best_root;
};

static int pick_issuer(void *data, const uint8_t *p, size_t len,
                       struct hz_err *err)
{
    struct pick *k = data;
    struct cert c;
    if (cert_decode(&c, p, len, NULL) != 0 || trust_level_of(&c) < k->need)
        return 0;
    bool root = cert_is_root(k->n->network, c.issuer);
    /* An issuer already on the chain would loop (A admits B, B admits
     * A): another certificate must lead to the root. */
    bool loops = memcmp(c.issuer, k->key, HZ_KEY_LEN) == 0;
    for (size_t v = 0; !root && !loops && v < k->n_seen; v++)
        loops = memcmp(c.issuer, k->seen[v], HZ_KEY_LEN) == 0;
    if (loops || (k->best != NULL && (k->best_root || !root)))
        return 0;
    uint8_t *copy = malloc(len ? len : 1);
    if (copy == NULL)
        return hz_err_set(err, HZ_ENOMEM, "chain");
    memcpy(copy, p, len);
    free(k->best);
    k->best = copy;
    k->best_len = len;
    k->best_root = root;
    return 0;
}

int members_chain(struct hz_node *n, const uint8_t *key, int need,
                  struct token *t, struct blobs *hold, struct hz_err *err)
{
    uint8_t who[HZ_KEY_LEN];
    uint8_t seen[HZ_CHAIN_MAX + 1][HZ_KEY_LEN]; /* devices on the chain */
    size_t n_seen = 0;
    memcpy(who, key, HZ_KEY_LEN);
    hold->p = calloc(HZ_CHAIN_MAX, sizeof *hold->p);
    hold->len = calloc(HZ_CHAIN_MAX, sizeof *hold->len);
    if (hold->p == NULL || hold->len == NULL)
        return hz_err_set(err, HZ_ENOMEM, "chain");
    for (size_t depth = 0; depth < HZ_CHAIN_MAX; depth++) {
        struct pick p = {
            .n = n, .need = need, .key = key, .seen = seen, .n_seen = n_seen};
        int rv = roster_certs(n, who, pick_issuer, &p, err);
        if (rv != 0) {
            free(p.best);
            return rv;
        }
        uint8_t *best = p.best;
        size_t best_len = p.best_len;
        bool best_root = p.best_root;
        if (best == NULL)
            return hz_err_set(err, HZ_EPERM,
                              "no certificate in effect lets this device"
                              " admit");
        hold->p[hold->n] = best;
        hold->len[hold->n++] = best_len;
        t->chain[t->n_chain++] = (struct hz_bytes){best, best_len};
        if (best_root)
            return 0;
        struct cert c;
        rv = cert_decode(&c, best, best_len, err);
        if (rv != 0)
            return rv;
        memcpy(seen[n_seen++], who, HZ_KEY_LEN);
        memcpy(who, c.issuer, HZ_KEY_LEN);
        need = c.role == ROLE_ADMIN || c.admits ? 2 : 1;
    }
    return hz_err_set(err, HZ_ETOOBIG, "certificate chain longer than %u",
                      HZ_CHAIN_MAX);
}

/* The bundle keys of the epochs in effect that this node holds, one per
 * epoch, the newest HZ_EPOCHS_MAX, for a new member's token. */
struct epochs_got {
    struct hz_node *n;
    struct token_epoch got[HZ_EPOCHS_MAX];
    size_t n_got;
};

static int add_epoch(void *data, const uint8_t *key_id, uint64_t epoch,
                     struct hz_err *err)
{
    (void)err;
    struct epochs_got *g = data;
    if (g->n_got == HZ_EPOCHS_MAX)
        return 1; /* enough: stop the walk */
    if (g->n_got > 0 && g->got[g->n_got - 1].epoch == epoch)
        return 0;
    struct hz_err quiet = {0};
    uint64_t held;
    if (seal_key_by_id(g->n, key_id, g->got[g->n_got].key, &held, &quiet) == 0)
        g->got[g->n_got++].epoch = epoch;
    return 0;
}

/* The bundle keys of the epochs in effect that this node holds, one per
 * epoch, the newest HZ_EPOCHS_MAX, for a new member's token. */
static int token_epochs(struct hz_node *n, struct token *t, struct hz_err *err)
{
    struct epochs_got g = {.n = n};
    int rv = roster_epochs(n, add_epoch, &g, err);
    if (rv == 1)
        rv = 0;
    /* The token lists them oldest first. */
    for (size_t i = 0; rv == 0 && i < g.n_got; i++)
        t->epochs[i] = g.got[g.n_got - 1 - i];
    if (rv == 0)
        t->n_epochs = g.n_got;
    sodium_memzero(&g, sizeof g);
    return rv;
}

int hz_admit(hz_node *n, const struct hz_admission *a, char **token,
             struct hz_err *err)
{
    *token = NULL;
    int rv = check_member_writer(n, err);
    if (rv != 0)
        return rv;
    struct cert c;
    rv = parse_admission(n, a, &c, err);
    if (rv != 0)
        return rv;
    int need = c.role == ROLE_ADMIN || c.admits ? 2 : 1;
    struct signer s;
    rv = signer_get(n, need, need == 2 ? "admit admins" : "admit devices", &s,
                    err);
    uint8_t secret[HZ_SECRET_LEN];
    if (rv == 0)
        rv = secret_read(n, SECRET_FILE, secret, err);
    struct enc cert_bytes, payload;
    enc_init(&cert_bytes);
    enc_init(&payload);
    char *net_name = NULL;
    if (rv == 0)
        rv = db_meta_get_text(&n->db, "network_name", &net_name, err);
    if (rv == 0) {
        c.issued_ms = env_now_ms(n);
        memcpy(c.issuer, s.pk, HZ_KEY_LEN);
        rv = cert_sign(&c, s.sk, &cert_bytes);
    }
    /* The whole token first: a refusal must leave no certificate in
     * the log. */
    struct blobs chain = {0};
    if (rv == 0) {
        struct token t = {0};
        const char *nm = net_name ? net_name : "";
        t.name = (struct hz_bytes){(const uint8_t *)nm, strlen(nm)};
        t.cert = (struct hz_bytes){enc_data(&cert_bytes), enc_len(&cert_bytes)};
        memcpy(t.secret, secret, HZ_SECRET_LEN);
        if (!s.have_root)
            rv = members_chain(n, n->id.pk, need, &t, &chain, err);
        if (rv == 0)
            rv = token_epochs(n, &t, err);
        if (rv == 0)
            rv = token_encode(&t, &payload);
        sodium_memzero(&t, sizeof t);
    }
    blobs_close(&chain);
    if (rv == 0 && enc_len(&payload) > HZ_TOKEN_PAYLOAD_MAX)
        rv = hz_err_set(err, HZ_ETOOBIG, "a join token of %zu bytes",
                        enc_len(&payload));
    if (rv == 0)
        rv = token_seal(c.subject, &payload, token, err);
    if (rv == 0)
        rv = txn_begin(n, err);
    if (rv == 0) {
        rv = write_trust(n, OP_CERT, enc_data(&cert_bytes),
                         enc_len(&cert_bytes), err);
        if (rv == 0)
            rv = txn_commit(n, err);
        if (rv != 0)
            txn_rollback(n);
    }
    if (rv != 0) {
        free(*token);
        *token = NULL;
    }
    sodium_memzero(secret, sizeof secret);
    if (enc_len(&payload) > 0)
        sodium_memzero((void *)enc_data(&payload), enc_len(&payload));
    enc_close(&payload);
    enc_close(&cert_bytes);
    free(net_name);
    signer_close(&s);
    if (rv == 0) {
        char k[9];
        hex_encode(c.subject, 4, k);
        env_logf(n, HZ_LOG_INFO, "admitted key=%s role=%s", k,
                 cert_role_name(c.role));
    }
    return rv;
}

/* ---- joining */

static int token_open(struct hz_node *n, const char *text, uint8_t **plain,
                      size_t *plain_len, struct hz_err *err)
{
    *plain = NULL;
    size_t pre = strlen(TOKEN_PREFIX);
    if (text == NULL || strncmp(text, TOKEN_PREFIX, pre) != 0)
        return hz_err_set(err, HZ_EMALFORMED, "not a huzhu join token");
    const char *b64 = text + pre;
    size_t b64_len = strlen(b64);
    while (b64_len > 0 && (b64[b64_len - 1] == '\n' ||
                           b64[b64_len - 1] == '\r' || b64[b64_len - 1] == ' '))
        b64_len--;
    if (b64_len > 8192)
        return hz_err_set(err, HZ_ETOOBIG, "token of %zu characters", b64_len);
    uint8_t sealed[6200];
    size_t sealed_len;
    if (sodium_base642bin(sealed, sizeof sealed, b64, b64_len, NULL,
                          &sealed_len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        sealed_len < crypto_box_SEALBYTES)
        return hz_err_set(err, HZ_EMALFORMED, "token text is damaged");
    *plain_len = sealed_len - crypto_box_SEALBYTES;
    *plain = malloc(*plain_len ? *plain_len : 1);
    if (*plain == NULL)
        return hz_err_set(err, HZ_ENOMEM, "token");
    if (seal_open_to_me(n, *plain, sealed, sealed_len) != 0) {
        free(*plain);
        *plain = NULL;
        return hz_err_set(err, HZ_EBADSIG,
                          "this token is for another device, or damaged");
    }
    return 0;
}

int hz_join(hz_node *n, const char *text, char **summary, struct hz_err *err)
{
    *summary = NULL;
    int rv = node_check_writable(n, err);
    if (rv != 0)
        return rv;
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    rv = token_open(n, text, &plain, &plain_len, err);
    if (rv != 0)
        return rv;
    struct token t;
    struct cert c;
    rv = token_decode(&t, plain, plain_len, err);
    if (rv == 0)
        rv = cert_decode(&c, t.cert.p, t.cert.len, err);
    if (rv == 0)
        rv = cert_verify(&c, err);
    if (rv == 0 && memcmp(c.subject, n->id.pk, HZ_KEY_LEN) != 0)
        rv = hz_err_set(err, HZ_EINVAL,
                        "the token's certificate is for "
                        "another device");
    if (rv == 0 && n->networked && memcmp(c.network, n->network, HZ_NET_LEN))
        rv = hz_err_set(err, HZ_EEXIST, "this node is in another network");
    /* Validity gates join tokens (DECISIONS 18). A clock behind the
     * certificate's issue time is a device without a real-time clock,
     * not a forged token: only an expired certificate is refused. */
    uint64_t now = env_now_ms(n);
    if (rv == 0 && now > c.issued_ms && !cert_is_current(&c, now))
        rv = hz_err_set(err, HZ_EINVAL,
                        "the token's certificate expired: ask for a new one");
    struct op ops[HZ_CHAIN_MAX + 1];
    size_t n_ops = 0;
    for (size_t i = 0; rv == 0 && i < t.n_chain; i++) {
        struct cert link;
        rv = cert_decode(&link, t.chain[i].p, t.chain[i].len, err);
        if (rv == 0)
            rv = cert_verify(&link, err);
        if (rv == 0 && memcmp(link.network, c.network, HZ_NET_LEN) != 0)
            rv = hz_err_set(err, HZ_ENETWORK, "a chain certificate");
        ops[n_ops++] = (struct op){.kind = OP_CERT, .object = t.chain[i]};
    }
    ops[n_ops++] = (struct op){.kind = OP_CERT, .object = t.cert};
    char *name = NULL;
    if (rv == 0) {
        name = malloc(t.name.len + 1);
        if (name == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "token");
        else {
            memcpy(name, t.name.p, t.name.len);
            name[t.name.len] = '\0';
        }
    }
    bool entering = !n->networked;
    bool wrote_secret = false;
    uint8_t held[HZ_SECRET_LEN];
    if (rv == 0 && !entering) {
        /* Tokens are sealed anonymously: one for a node already in the
         * network must carry the secret it holds, or it is not the
         * network's. */
        int have = secret_read(n, SECRET_FILE, held, err);
        if (have == 0 && sodium_memcmp(held, t.secret, HZ_SECRET_LEN) != 0)
            rv = hz_err_set(err, HZ_EBADSIG,
                            "the token's network secret is not this"
                            " network's");
        else if (have == HZ_ENOTFOUND)
            rv = 0; /* a restored backup: the token brings the secret */
        else
            rv = have;
        sodium_memzero(held, sizeof held);
    }
    if (rv == 0) {
        rv = secret_write(n, SECRET_FILE, t.secret, err);
        wrote_secret = rv == 0;
    }
    struct blobs own = {0};
    struct reissue r = {0};
    if (rv == 0)
        rv = txn_begin(n, err);
    if (rv == 0 && entering)
        rv = network_move(n, c.network, name, &own, &r, err);
    /* Carry the certificate and its issuer's chain, so this device's
     * entries apply wherever they go (proto/trust.md, "Detached
     * certificates"). */
    if (rv == 0)
        rv = write_trust_ops(n, ops, n_ops, err);
    for (size_t i = 0; rv == 0 && i < t.n_epochs; i++)
        rv = seal_key_keep(n, t.epochs[i].key, t.epochs[i].epoch, err);
    if (rv == 0)
        rv = network_reissue(n, &own, false, &r, err);
    if (rv == 0)
        rv = txn_commit(n, err);
    if (rv != 0 && wrote_secret && entering) {
        /* Nothing changed: not even the secret file of a node that was
         * in no network. */
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", n->dir, SECRET_FILE);
        unlink(path);
    }
    if (rv != 0)
        network_roll_back(n);
    blobs_close(&own);
    if (rv == 0)
        rv = rekey_followup(n, err);
    if (rv == 0) {
        json_t *o = json_object();
        char net[2 * HZ_NET_LEN + 1];
        hex_encode(c.network, HZ_NET_LEN, net);
        json_object_set_new(o, "network", json_string(net));
        json_object_set_new(o, "network_name", json_string(name));
        json_object_set_new(o, "role", json_string(cert_role_name(c.role)));
        if (c.has_site) {
            char site[2 * HZ_ROW_LEN + 1];
            hex_encode(c.site, HZ_ROW_LEN, site);
            json_object_set_new(o, "site", json_string(site));
        }
        json_object_set_new(o, "reissued", json_integer((json_int_t)r.written));
        json_object_set_new(o, "reissued_denied",
                            json_integer((json_int_t)r.denied));
        json_object_set_new(o, "archived",
                            json_integer((json_int_t)r.archived));
        rv = render_dump(o, summary, err);
    }
    free(name);
    sodium_memzero(plain, plain_len);
    free(plain);
    sodium_memzero(&t, sizeof t);
    return rv;
}

/* ---- revocation */

/* Sealing a new bundle key to each member in good standing. */
struct sharing {
    const uint8_t *key;
    uint8_t (*subjects)[HZ_KEY_LEN];
    uint8_t (*sealed)[HZ_EPOCH_SEALED_LEN];
    struct epoch_share *shares;
    size_t count;
};

static int share_to(void *data, const uint8_t *subject, struct hz_err *err)
{
    struct sharing *s = data;
    if (s->count == HZ_EPOCH_MEMBERS_MAX)
        return hz_err_set(err, HZ_ETOOBIG, "more than %u members",
                          HZ_EPOCH_MEMBERS_MAX);
    uint8_t xpk[crypto_box_PUBLICKEYBYTES];
    if (crypto_sign_ed25519_pk_to_curve25519(xpk, subject) != 0)
        return 0; /* not a usable device key: it can read nothing */
    memcpy(s->subjects[s->count], subject, HZ_KEY_LEN);
    crypto_box_seal(s->sealed[s->count], s->key, HZ_SECRET_KEY_LEN, xpk);
    s->shares[s->count].subject = s->subjects[s->count];
    s->shares[s->count].sealed = s->sealed[s->count];
    s->count++;
    return 0;
}

/* A new bundle key epoch sealed to every member in good standing but
 * @excluded (DECISIONS 19), signed by @s, into @out; the key is kept in
 * bkeys. *@no gets its number; 0 and nothing written when no member is
 * left. */
static int new_epoch(struct hz_node *n, const uint8_t *pk, const uint8_t *sk,
                     const uint8_t *excluded, struct enc *out, uint64_t *no,
                     struct hz_err *err)
{
    *no = 0;
    uint64_t next;
    int rv = roster_next_epoch(n, &next, err);
    if (rv != 0)
        return rv;
    struct epoch e = {.version = HZ_CERT_VERSION, .epoch = next};
    uint8_t key[32];
    env_random(n, key, sizeof key);
    seal_key_id(key, e.key_id);
    memcpy(e.network, n->network, HZ_NET_LEN);
    uint8_t(*subjects)[HZ_KEY_LEN] = calloc(HZ_EPOCH_MEMBERS_MAX, HZ_KEY_LEN);
    uint8_t(*sealed)[HZ_EPOCH_SEALED_LEN] =
        calloc(HZ_EPOCH_MEMBERS_MAX, HZ_EPOCH_SEALED_LEN);
    struct epoch_share *shares = calloc(HZ_EPOCH_MEMBERS_MAX, sizeof *shares);
    if (subjects == NULL || sealed == NULL || shares == NULL)
        rv = hz_err_set(err, HZ_ENOMEM, "epoch");
    struct sharing sh = {key, subjects, sealed, shares, 0};
    if (rv == 0)
        rv = roster_good_members(n, excluded, share_to, &sh, err);
    size_t count = sh.count;
    if (rv == 0 && count > 0) {
        e.shares = shares;
        e.n_shares = count;
        e.issued_ms = env_now_ms(n);
        memcpy(e.issuer, pk, HZ_KEY_LEN);
        rv = epoch_sign(&e, sk, out);
        if (rv == 0)
            rv = seal_key_keep(n, key, next, err);
        if (rv == 0)
            *no = next;
    }
    sodium_memzero(key, sizeof key);
    free(subjects);
    free(sealed);
    free(shares);
    return rv;
}

int hz_revoke(hz_node *n, const char *key, int has_after, uint64_t after,
              char **summary, struct hz_err *err)
{
    *summary = NULL;
    int rv = check_member_writer(n, err);
    if (rv != 0)
        return rv;
    struct revocation v = {.version = HZ_CERT_VERSION};
    memcpy(v.network, n->network, HZ_NET_LEN);
    if (key == NULL || strlen(key) != 2 * HZ_KEY_LEN ||
        hex_decode(key, v.subject, HZ_KEY_LEN) != 0)
        return hz_err_set(err, HZ_EINVAL, "key: 64 hex digits");
    if (has_after && after > (uint64_t)INT64_MAX)
        return hz_err_set(err, HZ_EINVAL, "after: a sequence number");
    struct signer s;
    rv = signer_get(n, 2, "revoke devices", &s, err);
    if (rv == 0 && memcmp(v.subject, n->id.pk, HZ_KEY_LEN) == 0)
        rv = hz_err_set(err, HZ_EINVAL, "a device does not revoke itself");
    int64_t before = 0, later = 0;
    if (rv == 0)
        rv = txn_begin(n, err);
    if (rv == 0) {
        uint64_t top = 0;
        bool found = false;
        rv = log_top(n, v.subject, &top, err);
        if (rv == 0 && !has_after)
            after = top;
        if (rv == 0 && after > 0)
            rv = log_id_at(n, v.subject, after, v.after_id, &found, err);
        if (rv == 0 && after > 0 && !found)
            rv = hz_err_set(err, HZ_ENOTFOUND,
                            "this node does not hold entry %llu of that "
                            "device (it holds up to %llu)",
                            (unsigned long long)after, (unsigned long long)top);
        v.after_seq = after;
        v.has_after_id = after > 0;
    }
    if (rv == 0)
        rv = log_count_after(n, v.subject, v.after_seq, ENTRY_APPLIED, &before,
                             err);
    struct enc out;
    enc_init(&out);
    if (rv == 0) {
        v.issued_ms = env_now_ms(n);
        memcpy(v.issuer, s.pk, HZ_KEY_LEN);
        rv = revocation_sign(&v, s.sk, &out);
    }
    /* A new bundle key, sealed to everyone but the revoked device, in the
     * same entry: bundles sealed from now on are closed to it. */
    struct enc ep;
    enc_init(&ep);
    uint64_t epoch = 0;
    if (rv == 0)
        rv = new_epoch(n, s.pk, s.sk, v.subject, &ep, &epoch, err);
    if (rv == 0) {
        struct op ops[2] = {
            {.kind = OP_REVOKE, .object = {enc_data(&out), enc_len(&out)}},
            {.kind = OP_EPOCH, .object = {enc_data(&ep), enc_len(&ep)}},
        };
        rv = write_trust_ops(n, ops, epoch > 0 ? 2 : 1, err);
    }
    enc_close(&ep);
    if (rv == 0)
        rv = log_count_after(n, v.subject, v.after_seq, ENTRY_APPLIED, &later,
                             err);
    if (rv == 0)
        rv = txn_commit(n, err);
    if (rv != 0)
        txn_rollback(n);
    enc_close(&out);
    if (rv == 0) {
        json_t *o = json_object();
        char k[2 * HZ_KEY_LEN + 1];
        hex_encode(v.subject, HZ_KEY_LEN, k);
        json_object_set_new(o, "key", json_string(k));
        json_object_set_new(o, "after_seq",
                            json_integer((json_int_t)v.after_seq));
        if (v.has_after_id) {
            char id[2 * HZ_HASH_LEN + 1];
            hex_encode(v.after_id, HZ_HASH_LEN, id);
            json_object_set_new(o, "after_id", json_string(id));
        } else {
            json_object_set_new(o, "after_id", json_null());
        }
        json_object_set_new(o, "signed_by",
                            json_string(s.have_root ? "root" : "admin"));
        json_object_set_new(o, "bundle_epoch", json_integer((json_int_t)epoch));
        json_object_set_new(o, "withdrawn_here",
                            json_integer((json_int_t)(before - later)));
        rv = render_dump(o, summary, err);
        char a[9];
        hex_encode(v.subject, 4, a);
        env_logf(n, HZ_LOG_INFO, "revoked key=%s after=%llu", a,
                 (unsigned long long)v.after_seq);
    }
    signer_close(&s);
    return rv;
}
