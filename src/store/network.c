/* network.c - creating and joining a network, admitting and revoking
 * devices, and listing members (include/huzhu/trust.h; proto/trust.md).
 *
 * Files in the node directory, each 0600 and never printed:
 *   network.key     the network root key's seed (the node that created the
 *                   network, or one it was restored onto)
 *   network.secret  the network secret every member holds (join tokens
 *                   carry it): discovery, the secure channel and bundle
 *                   encryption are keyed from it */
#include "query.h"
#include "store.h"

#include "huzhu/trust.h"

#include "../core/error_int.h"
#include "../core/limits.h"
#include "../core/token.h"
#include "../core/trust.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROOT_FILE "network.key"
#define SECRET_FILE "network.secret"
#define TOKEN_PREFIX "HZ1"
#define DEFAULT_VALID_DAYS 365u
#define ADMIN_VALID_DAYS 3650u

/* ---- secret files */

static int secret_path(struct hz_node *n, const char *file, char *out,
                       size_t len, struct hz_err *err)
{
    if (n->dir == NULL)
        return hz_err_set(err, HZ_EINVAL, "needs a node directory");
    snprintf(out, len, "%s/%s", n->dir, file);
    return 0;
}

/* Read a 32-byte secret file. HZ_ENOTFOUND when absent. */
static int secret_read(struct hz_node *n, const char *file, uint8_t *out,
                       struct hz_err *err)
{
    char path[4096];
    int rv = secret_path(n, file, path, sizeof path, err);
    if (rv != 0)
        return rv;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hz_err_set(err, errno == ENOENT ? HZ_ENOTFOUND : HZ_EIO,
                          "%s: %s", file, strerror(errno));
    uint8_t extra;
    ssize_t r = read(fd, out, HZ_SECRET_LEN);
    ssize_t more = read(fd, &extra, 1);
    close(fd);
    if (r != (ssize_t)HZ_SECRET_LEN || more != 0)
        return hz_err_set(err, HZ_ECORRUPT, "%s: wrong size", file);
    return 0;
}

/* Write a 32-byte secret file: a temporary file, fsync, rename, fsync of
 * the directory. */
static int secret_write(struct hz_node *n, const char *file, const uint8_t *val,
                        struct hz_err *err)
{
    char path[4096], tmp[4200];
    int rv = secret_path(n, file, path, sizeof path, err);
    if (rv != 0)
        return rv;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return hz_err_set(err, HZ_EIO, "%s: %s", file, strerror(errno));
    ssize_t w = write(fd, val, HZ_SECRET_LEN);
    int rc = w == (ssize_t)HZ_SECRET_LEN ? fsync(fd) : -1;
    close(fd);
    if (rc == 0)
        rc = rename(tmp, path);
    if (rc == 0) {
        int dfd = open(n->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        rc = dfd < 0 ? -1 : fsync(dfd);
        if (dfd >= 0)
            close(dfd);
    }
    if (rc != 0) {
        unlink(tmp);
        return hz_err_set(err, errno == ENOSPC ? HZ_ENOSPC : HZ_EIO, "write %s",
                          file);
    }
    return 0;
}

int network_secret(struct hz_node *n, uint8_t *out, struct hz_err *err)
{
    return secret_read(n, SECRET_FILE, out, err);
}

/* The network secret follows from the root key, so the root key's
 * backup restores both (proto/trust.md, "Root key backup"). */
static void derive_secret(const uint8_t *root_seed, uint8_t *secret)
{
    static const char tag[] = "huzhu network secret v1";
    crypto_generichash(secret, HZ_SECRET_LEN, (const uint8_t *)tag,
                       sizeof tag - 1, root_seed, HZ_SECRET_LEN);
}

/* The root key, when this node holds it. *have = 0 otherwise. */
static int root_key(struct hz_node *n, struct identity *root, int *have,
                    struct hz_err *err)
{
    uint8_t seed[HZ_SECRET_LEN];
    *have = 0;
    int rv = secret_read(n, ROOT_FILE, seed, err);
    if (rv == HZ_ENOTFOUND)
        return 0;
    if (rv != 0)
        return rv;
    identity_from_seed(root, seed);
    sodium_memzero(seed, sizeof seed);
    uint8_t net[HZ_NET_LEN];
    cert_network_id(root->pk, net);
    if (n->networked && memcmp(net, n->network, HZ_NET_LEN) != 0) {
        identity_close(root);
        return hz_err_set(err, HZ_ECORRUPT,
                          "network.key belongs to another network");
    }
    *have = 1;
    return 0;
}

/* ---- entering a network: re-issuing what was written before */

struct idmap {
    size_t n, cap;
    struct pair {
        uint8_t old[HZ_HASH_LEN];
        uint8_t now[HZ_HASH_LEN];
    } * v; /* sorted by old */
};

static const uint8_t *idmap_find(const struct idmap *m, const uint8_t *old)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = memcmp(m->v[mid].old, old, HZ_HASH_LEN);
        if (c == 0)
            return m->v[mid].now;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int idmap_add(struct idmap *m, const uint8_t *old, const uint8_t *now)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        struct pair *v = realloc(m->v, cap * sizeof *v);
        if (v == NULL)
            return HZ_ENOMEM;
        m->v = v;
        m->cap = cap;
    }
    size_t at = m->n;
    while (at > 0 && memcmp(m->v[at - 1].old, old, HZ_HASH_LEN) > 0)
        at--;
    memmove(&m->v[at + 1], &m->v[at], (m->n - at) * sizeof m->v[0]);
    memcpy(m->v[at].old, old, HZ_HASH_LEN);
    memcpy(m->v[at].now, now, HZ_HASH_LEN);
    m->n++;
    return 0;
}

static int cmp_id_ptr(const void *a, const void *b)
{
    return memcmp(*(const uint8_t *const *)a, *(const uint8_t *const *)b,
                  HZ_HASH_LEN);
}

/* Point a list of superseded writes at the re-issued entries. Other
 * writes are dropped when entering a network (those devices re-issue
 * their own when they join) and kept on a rekey (they stay in the log). */
static void remap_ids(const struct idmap *m, bool keep, const uint8_t **ids,
                      size_t *n)
{
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        const uint8_t *now = idmap_find(m, ids[i]);
        if (now != NULL)
            ids[k++] = now;
        else if (keep)
            ids[k++] = ids[i];
    }
    *n = k;
    qsort(ids, k, sizeof ids[0], cmp_id_ptr);
}

struct reissue {
    uint64_t written, denied, archived;
};

/* Move this node into @network inside the open transaction: every entry
 * held so far is archived in `prenet`; the state is cleared; the caller
 * then writes the certificate entry and calls reissue(). Returns this
 * node's own applied entries (bytes, in seq order) in *@own. */
struct blobs {
    size_t n;
    uint8_t **p;
    size_t *len;
};

static void blobs_close(struct blobs *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->p[i]);
    free(b->p);
    free(b->len);
    memset(b, 0, sizeof *b);
}

/* This node's entries from @from_seq on, in seq order: the applied ones,
 * and with @all also those stopped by a fork or denied. */
static int load_entries(struct hz_node *n, const uint8_t *author,
                        uint64_t from_seq, bool all, struct blobs *own,
                        struct hz_err *err);

static int load_own(struct hz_node *n, uint64_t from_seq, bool all,
                    struct blobs *own, struct hz_err *err)
{
    return load_entries(n, n->id.pk, from_seq, all, own, err);
}

/* @author's entries from @from_seq on, in seq order: the applied ones,
 * and with @all also those stopped by a fork or denied. */
static int load_entries(struct hz_node *n, const uint8_t *author,
                        uint64_t from_seq, bool all, struct blobs *own,
                        struct hz_err *err)
{
    memset(own, 0, sizeof *own);
    sqlite3_stmt *st;
    int rv = db_prep(n,
                     "SELECT bytes FROM log WHERE author = ?1 AND seq >= ?2"
                     " AND (state = 0 OR (?3 AND state IN (3, 4)))"
                     " ORDER BY seq",
                     &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, author, HZ_KEY_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)from_seq);
    sqlite3_bind_int(st, 3, all);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (own->n == cap) {
            cap = cap ? 2 * cap : 64;
            uint8_t **p = realloc(own->p, cap * sizeof *p);
            if (p != NULL)
                own->p = p;
            size_t *l = realloc(own->len, cap * sizeof *l);
            if (l != NULL)
                own->len = l;
            if (p == NULL || l == NULL)
                break;
        }
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        own->p[own->n] = malloc(len ? len : 1);
        if (own->p[own->n] == NULL)
            break;
        memcpy(own->p[own->n], sqlite3_column_blob(st, 0), len);
        own->len[own->n++] = len;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) {
        blobs_close(own);
        return hz_err_set(err, HZ_ENOMEM, "own entries");
    }
    return rc == SQLITE_DONE ? 0 : db_err(n, rc, "own entries", err);
}

static int enter_network(struct hz_node *n, const uint8_t *network,
                         const char *name, struct blobs *own, struct reissue *r,
                         struct hz_err *err)
{
    int rv = load_own(n, 0, false, own, err);
    if (rv == 0)
        rv = db_exec(n,
                     "INSERT INTO prenet(bytes) SELECT bytes FROM log WHERE"
                     " NOT (state = 0 AND author = (SELECT v FROM meta WHERE"
                     " k = 'key')) ORDER BY n;"
                     "INSERT INTO prenet(bytes) SELECT bytes FROM pending;"
                     "INSERT INTO prenet(bytes) SELECT bytes FROM forks;"
                     "DELETE FROM log; DELETE FROM pending; DELETE FROM forks;"
                     "DELETE FROM skew; DELETE FROM w; DELETE FROM sup;"
                     "DELETE FROM tomb; DELETE FROM tomb_seen;"
                     "DELETE FROM evsrc; DELETE FROM tobj; DELETE FROM member;"
                     "DELETE FROM cutoff; DELETE FROM standing;",
                     err);
    if (rv == 0) {
        sqlite3_stmt *st;
        rv = db_prep(n, "SELECT count(*) FROM prenet", &st, err);
        if (rv == 0 && sqlite3_step(st) == SQLITE_ROW)
            r->archived = (uint64_t)sqlite3_column_int64(st, 0);
        if (rv == 0)
            sqlite3_reset(st);
    }
    for (size_t i = 0; rv == 0 && i < n->schema->n_tables; i++) {
        char table[96], sql[160];
        db_table_name(&n->schema->tables[i], table, sizeof table);
        snprintf(sql, sizeof sql, "DELETE FROM %s", table);
        rv = db_exec(n, sql, err);
    }
    if (rv == 0)
        rv = db_meta_put(n, "network", network, HZ_NET_LEN, err);
    if (rv == 0)
        rv = db_meta_put(n, "network_name", name, strlen(name), err);
    if (rv == 0) {
        memcpy(n->network, network, HZ_NET_LEN);
        n->networked = true;
    }
    return rv;
}

/* Write this node's earlier entries again, in order, into the network:
 * the same rows and values, with the writes they superseded pointed at
 * their re-issued copies. Entries the node's role does not allow are
 * kept (denied) rather than lost. */
static int reissue(struct hz_node *n, const struct blobs *own, bool keep,
                   struct reissue *r, struct hz_err *err)
{
    struct idmap m = {0};
    int rv = 0;
    bool kept = n->keep_denied;
    n->keep_denied = true;
    for (size_t i = 0; rv == 0 && i < own->n; i++) {
        struct entry e;
        struct body b = {0};
        rv = entry_decode(&e, own->p[i], own->len[i], err);
        if (rv == 0)
            rv = body_decode(&b, n->schema, e.body.p, e.body.len, err);
        for (size_t k = 0; rv == 0 && k < b.n_ops; k++) {
            struct op *o = &b.ops[k];
            if (o->kind == OP_DEL)
                remap_ids(&m, keep, o->seen, &o->n_seen);
            for (size_t f = 0; o->kind == OP_SET && f < o->n_fields; f++)
                remap_ids(&m, keep, o->fields[f].heads, &o->fields[f].n_heads);
        }
        if (rv == 0)
            rv = write_entry(n, &b, err);
        body_close(&b);
        if (rv == 0 && idmap_add(&m, e.id, n->last_eid) != 0)
            rv = hz_err_set(err, HZ_ENOMEM, "re-issue");
        if (rv == 0) {
            r->written++;
            sqlite3_stmt *st;
            rv = db_prep(n, "SELECT state FROM log WHERE id = ?1", &st, err);
            if (rv == 0) {
                sqlite3_bind_blob(st, 1, n->last_eid, HZ_HASH_LEN,
                                  SQLITE_STATIC);
                if (sqlite3_step(st) == SQLITE_ROW &&
                    sqlite3_column_int(st, 0) == ENTRY_DENIED)
                    r->denied++;
                sqlite3_reset(st);
            }
        }
    }
    n->keep_denied = kept;
    free(m.v);
    return rv;
}

/* Roll back a transaction that may have moved the node into a network:
 * the in-memory network follows the database back. */
static void roll_back(struct hz_node *n)
{
    db_rollback(n);
    int back = db_meta_get(n, "network", n->network, HZ_NET_LEN, NULL);
    n->networked = back == 0 && trust_networked(n->network);
}

int network_enter(struct hz_node *n, const uint8_t *network, const char *name,
                  struct hz_err *err)
{
    struct blobs own = {0};
    struct reissue r = {0};
    int rv = db_begin(n, err);
    if (rv == 0)
        rv = enter_network(n, network, name, &own, &r, err);
    if (rv == 0)
        rv = reissue(n, &own, false, &r, err);
    if (rv == 0)
        rv = db_commit(n, err);
    if (rv != 0)
        roll_back(n);
    blobs_close(&own);
    return rv;
}

static int check_writable(struct hz_node *n, struct hz_err *err)
{
    if (n->flags & HZ_OPEN_READONLY)
        return hz_err_set(err, HZ_EREADONLY, "node opened read-only");
    char *flag = NULL;
    int clone = db_meta_get_text(n, "clone", &flag, NULL) == 0;
    free(flag);
    if (clone)
        return hz_err_set(err, HZ_ECLONE,
                          "writes are blocked: run huzhu rekey");
    return 0;
}

static int node_name(struct hz_node *n, char **name, struct hz_err *err)
{
    *name = NULL;
    int rv = db_meta_get_text(n, "name", name, err);
    if (rv == 0 && *name == NULL)
        rv = hz_err_set(err, HZ_ECORRUPT, "node has no name");
    return rv;
}

static char *hex_string(const uint8_t *p, size_t len)
{
    char *s = malloc(2 * len + 1);
    if (s != NULL)
        hex_encode(p, len, s);
    return s;
}

static int check_network_name(const char *name, struct hz_err *err)
{
    if (name == NULL || name[0] == '\0' || strlen(name) > HZ_CERT_NAME_MAX ||
        !utf8_valid((const uint8_t *)name, strlen(name)))
        return hz_err_set(err, HZ_EINVAL,
                          "network name: 1 to %u bytes of UTF-8",
                          HZ_CERT_NAME_MAX);
    return 0;
}

/* Make this node an admin of the network of the root key @seed: the root
 * key and the network secret into their files (they come first: a crash
 * before the database commits leaves them for the next attempt), then in
 * one transaction the network entered (unless already in it) and a
 * root-signed admin certificate for this node. */
static int become_admin(struct hz_node *n, const uint8_t *seed,
                        const char *name, char **network_hex,
                        struct hz_err *err)
{
    struct identity root;
    identity_from_seed(&root, seed);
    uint8_t network[HZ_NET_LEN], secret[HZ_SECRET_LEN];
    cert_network_id(root.pk, network);
    int rv = 0;
    if (n->networked && memcmp(network, n->network, HZ_NET_LEN) != 0)
        rv = hz_err_set(err, HZ_EEXIST, "this node is in another network");
    if (rv == 0)
        rv = secret_write(n, ROOT_FILE, seed, err);
    derive_secret(seed, secret);
    if (rv == 0)
        rv = secret_write(n, SECRET_FILE, secret, err);
    sodium_memzero(secret, sizeof secret);
    char *me = NULL;
    struct blobs own = {0};
    struct reissue r = {0};
    struct enc out;
    enc_init(&out);
    bool entering = !n->networked;
    if (rv == 0)
        rv = node_name(n, &me, err);
    if (rv == 0)
        rv = db_begin(n, err);
    if (rv == 0 && entering)
        rv = enter_network(n, network, name, &own, &r, err);
    if (rv == 0) {
        struct cert c = {.version = HZ_CERT_VERSION, .role = ROLE_ADMIN};
        memcpy(c.network, network, HZ_NET_LEN);
        memcpy(c.subject, n->id.pk, HZ_KEY_LEN);
        size_t len = strlen(me);
        if (len > HZ_CERT_NAME_MAX)
            len = HZ_CERT_NAME_MAX;
        c.name = (struct hz_bytes){(const uint8_t *)me, len};
        c.issued_ms = node_now_ms(n);
        c.valid_days = ADMIN_VALID_DAYS;
        memcpy(c.issuer, root.pk, HZ_KEY_LEN);
        rv = cert_sign(&c, root.sk, &out);
    }
    if (rv == 0)
        rv = write_trust(n, OP_CERT, enc_data(&out), enc_len(&out), err);
    if (rv == 0)
        rv = reissue(n, &own, false, &r, err);
    if (rv == 0)
        rv = db_commit(n, err);
    if (rv != 0)
        roll_back(n);
    identity_close(&root);
    enc_close(&out);
    blobs_close(&own);
    free(me);
    if (rv == 0) {
        *network_hex = hex_string(network, HZ_NET_LEN);
        if (*network_hex == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "network id");
        char a[9];
        hex_encode(network, 4, a);
        node_logf(n, HZ_LOG_INFO, "admin of network id=%s reissued=%llu", a,
                  (unsigned long long)r.written);
    }
    return rv;
}

int hz_network_create(hz_node *n, const char *name, char **network_hex,
                      struct hz_err *err)
{
    *network_hex = NULL;
    int rv = check_writable(n, err);
    if (rv == 0)
        rv = check_network_name(name, err);
    if (rv == 0 && n->networked)
        rv = hz_err_set(err, HZ_EEXIST, "this node is already in a network");
    if (rv != 0)
        return rv;
    uint8_t seed[HZ_SECRET_LEN];
    rv = secret_read(n, ROOT_FILE, seed, err);
    if (rv == HZ_ENOTFOUND)
        node_random(n, seed, sizeof seed);
    if (rv == 0 || rv == HZ_ENOTFOUND)
        rv = become_admin(n, seed, name, network_hex, err);
    sodium_memzero(seed, sizeof seed);
    return rv;
}

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
    rv = db_meta_get_text(n, "network_name", &name, err);
    uint8_t salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
    uint8_t key[crypto_secretbox_KEYBYTES];
    uint8_t box[HZ_SECRET_LEN + crypto_secretbox_MACBYTES];
    uint64_t ops = crypto_pwhash_OPSLIMIT_MODERATE;
    uint64_t mem = crypto_pwhash_MEMLIMIT_MODERATE;
    node_random(n, salt, sizeof salt);
    node_random(n, nonce, sizeof nonce);
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
    if (rv == 0) {
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        FILE *f = fopen(tmp, "wbx");
        if (f == NULL && errno == EEXIST && unlink(tmp) == 0)
            f = fopen(tmp, "wbx");
        if (f == NULL)
            rv = hz_err_set(err, HZ_EIO, "create %s: %s", tmp, strerror(errno));
        else if (fwrite(enc_data(&e), 1, enc_len(&e), f) != enc_len(&e) ||
                 fflush(f) != 0 || fsync(fileno(f)) != 0)
            rv = hz_err_set(err, HZ_EIO, "write %s", tmp);
        if (f != NULL && fclose(f) != 0 && rv == 0)
            rv = hz_err_set(err, HZ_EIO, "close %s", tmp);
        if (rv == 0 && rename(tmp, path) != 0)
            rv = hz_err_set(err, HZ_EIO, "rename: %s", strerror(errno));
        if (rv != 0 && f != NULL)
            unlink(tmp);
    }
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
    int rv = check_writable(n, err);
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
        rv = check_network_name(use, err);
    if (rv == 0)
        rv = become_admin(n, seed, use, network_hex, err);
    sodium_memzero(seed, sizeof seed);
    free(file_name);
    return rv;
}

/* ---- admission */

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
    int rv = root_key(n, &s->root, &s->have_root, err);
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

static int site_exists(struct hz_node *n, const uint8_t *site, int *found,
                       struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(
        n, "SELECT 1 FROM \"e_sites\" WHERE id = ?1 AND deleted = 0", &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, site, HZ_ROW_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    *found = rc == SQLITE_ROW;
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
                                                 : db_err(n, rc, "site", err);
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
        int found;
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

/* The certificates that make @key's admissions count, up to one signed
 * by the root key: for each device, one certificate in effect with the
 * level needed (a root-signed one first). Appended to @t, owned by @hold. */
static int issuer_chain(struct hz_node *n, const uint8_t *key, int need,
                        struct token *t, struct blobs *hold, struct hz_err *err)
{
    uint8_t who[HZ_KEY_LEN];
    memcpy(who, key, HZ_KEY_LEN);
    hold->p = calloc(HZ_CHAIN_MAX, sizeof *hold->p);
    hold->len = calloc(HZ_CHAIN_MAX, sizeof *hold->len);
    if (hold->p == NULL || hold->len == NULL)
        return hz_err_set(err, HZ_ENOMEM, "chain");
    for (size_t depth = 0; depth < HZ_CHAIN_MAX; depth++) {
        sqlite3_stmt *st;
        int rv = db_prep(n,
                         "SELECT bytes FROM member WHERE subject = ?1"
                         " ORDER BY id",
                         &st, err);
        if (rv != 0)
            return rv;
        sqlite3_bind_blob(st, 1, who, HZ_KEY_LEN, SQLITE_STATIC);
        uint8_t *best = NULL;
        size_t best_len = 0;
        bool best_root = false;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const uint8_t *p = sqlite3_column_blob(st, 0);
            size_t len = (size_t)sqlite3_column_bytes(st, 0);
            struct cert c;
            if (cert_decode(&c, p, len, NULL) != 0 || trust_level_of(&c) < need)
                continue;
            bool root = cert_is_root(n->network, c.issuer);
            if (best != NULL && (best_root || !root))
                continue;
            free(best);
            best = malloc(len);
            if (best == NULL)
                break;
            memcpy(best, p, len);
            best_len = len;
            best_root = root;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
            return db_err(n, rc, "member", err);
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
        memcpy(who, c.issuer, HZ_KEY_LEN);
        need = c.role == ROLE_ADMIN || c.admits ? 2 : 1;
    }
    return hz_err_set(err, HZ_ETOOBIG, "certificate chain longer than %u",
                      HZ_CHAIN_MAX);
}

/* The bundle keys of the epochs in effect that this node holds, one per
 * epoch, the newest HZ_EPOCHS_MAX, for a new member's token. */
static int token_epochs(struct hz_node *n, struct token *t, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n,
                     "SELECT key_id, epoch FROM epochs ORDER BY epoch DESC,"
                     " id",
                     &st, err);
    struct token_epoch got[HZ_EPOCHS_MAX];
    size_t n_got = 0;
    int rc = SQLITE_DONE;
    while (rv == 0 && n_got < HZ_EPOCHS_MAX &&
           (rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t e = (uint64_t)sqlite3_column_int64(st, 1);
        if (n_got > 0 && got[n_got - 1].epoch == e)
            continue;
        uint8_t id[HZ_KEY_ID_LEN];
        memcpy(id, sqlite3_column_blob(st, 0), HZ_KEY_ID_LEN);
        struct hz_err quiet = {0};
        if (seal_key_by_id(n, id, got[n_got].key, &quiet) == 0)
            got[n_got++].epoch = e;
    }
    if (rv == 0)
        sqlite3_reset(st);
    if (rv == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
        rv = db_err(n, rc, "epochs", err);
    /* The token lists them oldest first. */
    for (size_t i = 0; rv == 0 && i < n_got; i++)
        t->epochs[i] = got[n_got - 1 - i];
    if (rv == 0)
        t->n_epochs = n_got;
    sodium_memzero(got, sizeof got);
    return rv;
}

int hz_admit(hz_node *n, const struct hz_admission *a, char **token,
             struct hz_err *err)
{
    *token = NULL;
    int rv = check_writable(n, err);
    if (rv != 0)
        return rv;
    if (!n->networked)
        return hz_err_set(err, HZ_ENETWORK,
                          "not in a network: network create, or join");
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
        rv = db_meta_get_text(n, "network_name", &net_name, err);
    if (rv == 0) {
        c.issued_ms = node_now_ms(n);
        memcpy(c.issuer, s.pk, HZ_KEY_LEN);
        rv = cert_sign(&c, s.sk, &cert_bytes);
    }
    if (rv == 0)
        rv = db_begin(n, err);
    if (rv == 0) {
        rv = write_trust(n, OP_CERT, enc_data(&cert_bytes),
                         enc_len(&cert_bytes), err);
        if (rv == 0)
            rv = db_commit(n, err);
        if (rv != 0)
            db_rollback(n);
    }
    struct blobs chain = {0};
    if (rv == 0) {
        struct token t = {0};
        const char *nm = net_name ? net_name : "";
        t.name = (struct hz_bytes){(const uint8_t *)nm, strlen(nm)};
        t.cert = (struct hz_bytes){enc_data(&cert_bytes), enc_len(&cert_bytes)};
        memcpy(t.secret, secret, HZ_SECRET_LEN);
        if (!s.have_root)
            rv = issuer_chain(n, n->id.pk, need, &t, &chain, err);
        if (rv == 0)
            rv = token_epochs(n, &t, err);
        if (rv == 0)
            rv = token_encode(&t, &payload);
        sodium_memzero(&t, sizeof t);
    }
    blobs_close(&chain);
    if (rv == 0)
        rv = token_seal(c.subject, &payload, token, err);
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
        node_logf(n, HZ_LOG_INFO, "admitted key=%s role=%s", k,
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
    uint8_t xpk[crypto_box_PUBLICKEYBYTES], xsk[crypto_box_SECRETKEYBYTES];
    if (crypto_sign_ed25519_pk_to_curve25519(xpk, n->id.pk) != 0 ||
        crypto_sign_ed25519_sk_to_curve25519(xsk, n->id.sk) != 0)
        return hz_err_set(err, HZ_EIO, "device key conversion");
    *plain_len = sealed_len - crypto_box_SEALBYTES;
    *plain = malloc(*plain_len ? *plain_len : 1);
    if (*plain == NULL) {
        sodium_memzero(xsk, sizeof xsk);
        return hz_err_set(err, HZ_ENOMEM, "token");
    }
    int bad = crypto_box_seal_open(*plain, sealed, sealed_len, xpk, xsk);
    sodium_memzero(xsk, sizeof xsk);
    if (bad) {
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
    int rv = check_writable(n, err);
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
    uint64_t now = node_now_ms(n);
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
    if (rv == 0)
        rv = secret_write(n, SECRET_FILE, t.secret, err);
    struct blobs own = {0};
    struct reissue r = {0};
    bool entering = !n->networked;
    if (rv == 0)
        rv = db_begin(n, err);
    if (rv == 0 && entering)
        rv = enter_network(n, c.network, name, &own, &r, err);
    /* Carry the certificate and its issuer's chain, so this device's
     * entries apply wherever they go (proto/trust.md, "Detached
     * certificates"). */
    if (rv == 0)
        rv = write_trust_ops(n, ops, n_ops, err);
    for (size_t i = 0; rv == 0 && i < t.n_epochs; i++) {
        uint8_t id[HZ_KEY_ID_LEN];
        seal_key_id(t.epochs[i].key, id);
        sqlite3_stmt *st;
        rv = db_prep(n,
                     "INSERT OR REPLACE INTO bkeys(key_id, epoch, key)"
                     " VALUES(?1, ?2, ?3)",
                     &st, err);
        if (rv == 0) {
            sqlite3_bind_blob(st, 1, id, sizeof id, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, (sqlite3_int64)t.epochs[i].epoch);
            sqlite3_bind_blob(st, 3, t.epochs[i].key, HZ_SECRET_LEN,
                              SQLITE_STATIC);
            rv = db_step_done(n, st, err);
        }
    }
    if (rv == 0)
        rv = reissue(n, &own, false, &r, err);
    if (rv == 0)
        rv = db_commit(n, err);
    if (rv != 0)
        roll_back(n);
    blobs_close(&own);
    if (rv == 0)
        rv = network_followup(n, err);
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
        rv = query_dump(o, summary, err);
    }
    free(name);
    sodium_memzero(plain, plain_len);
    free(plain);
    sodium_memzero(&t, sizeof t);
    return rv;
}

/* ---- revocation */

static int chain_top_id(struct hz_node *n, const uint8_t *author, uint64_t seq,
                        uint64_t *top, uint8_t *id, int *found,
                        struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n,
                     "SELECT (SELECT max(seq) FROM log WHERE author = ?1),"
                     " (SELECT id FROM log WHERE author = ?1 AND seq = ?2)",
                     &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, author, HZ_KEY_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *top = (uint64_t)sqlite3_column_int64(st, 0);
        *found = sqlite3_column_type(st, 1) == SQLITE_BLOB;
        if (*found)
            memcpy(id, sqlite3_column_blob(st, 1), HZ_HASH_LEN);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : db_err(n, rc, "chain", err);
}

static int count_applied_after(struct hz_node *n, const uint8_t *author,
                               uint64_t seq, int64_t *count, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n,
                     "SELECT count(*) FROM log WHERE author = ?1 AND seq > ?2"
                     " AND state = 0",
                     &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, author, HZ_KEY_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
    int rc = sqlite3_step(st);
    *count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : db_err(n, rc, "count", err);
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
    sqlite3_stmt *st;
    int rv =
        db_prep(n, "SELECT coalesce(max(epoch), 0) + 1 FROM epochs", &st, err);
    if (rv != 0)
        return rv;
    int rc = sqlite3_step(st);
    uint64_t next =
        rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return db_err(n, rc, "epochs", err);
    rv = db_prep(n,
                 "SELECT DISTINCT subject FROM member WHERE subject NOT IN"
                 " (SELECT subject FROM cutoff) AND subject <> ?1"
                 " ORDER BY subject",
                 &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, excluded, HZ_KEY_LEN, SQLITE_STATIC);
    struct epoch e = {.version = HZ_CERT_VERSION, .epoch = next};
    uint8_t key[32];
    node_random(n, key, sizeof key);
    seal_key_id(key, e.key_id);
    memcpy(e.network, n->network, HZ_NET_LEN);
    uint8_t(*subjects)[HZ_KEY_LEN] = calloc(HZ_EPOCH_MEMBERS_MAX, HZ_KEY_LEN);
    uint8_t(*sealed)[HZ_EPOCH_SEALED_LEN] =
        calloc(HZ_EPOCH_MEMBERS_MAX, HZ_EPOCH_SEALED_LEN);
    struct epoch_share *shares = calloc(HZ_EPOCH_MEMBERS_MAX, sizeof *shares);
    if (subjects == NULL || sealed == NULL || shares == NULL)
        rv = hz_err_set(err, HZ_ENOMEM, "epoch");
    size_t count = 0;
    while (rv == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == HZ_EPOCH_MEMBERS_MAX) {
            rv = hz_err_set(err, HZ_ETOOBIG, "more than %u members",
                            HZ_EPOCH_MEMBERS_MAX);
            break;
        }
        uint8_t xpk[crypto_box_PUBLICKEYBYTES];
        memcpy(subjects[count], sqlite3_column_blob(st, 0), HZ_KEY_LEN);
        if (crypto_sign_ed25519_pk_to_curve25519(xpk, subjects[count]) != 0)
            continue; /* not a usable device key: it can read nothing */
        crypto_box_seal(sealed[count], key, sizeof key, xpk);
        shares[count].subject = subjects[count];
        shares[count].sealed = sealed[count];
        count++;
    }
    sqlite3_reset(st);
    if (rv == 0 && rc != SQLITE_DONE)
        rv = db_err(n, rc, "members", err);
    if (rv == 0 && count > 0) {
        e.shares = shares;
        e.n_shares = count;
        e.issued_ms = node_now_ms(n);
        memcpy(e.issuer, pk, HZ_KEY_LEN);
        rv = epoch_sign(&e, sk, out);
        if (rv == 0)
            rv = db_prep(n,
                         "INSERT OR REPLACE INTO bkeys(key_id, epoch, key)"
                         " VALUES(?1, ?2, ?3)",
                         &st, err);
        if (rv == 0) {
            sqlite3_bind_blob(st, 1, e.key_id, HZ_KEY_ID_LEN, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, (sqlite3_int64)next);
            sqlite3_bind_blob(st, 3, key, sizeof key, SQLITE_STATIC);
            rv = db_step_done(n, st, err);
        }
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
    int rv = check_writable(n, err);
    if (rv != 0)
        return rv;
    if (!n->networked)
        return hz_err_set(err, HZ_ENETWORK,
                          "not in a network: network create, or join");
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
        rv = db_begin(n, err);
    if (rv == 0) {
        uint64_t top = 0;
        int found = 0;
        rv = chain_top_id(n, v.subject, has_after ? after : 0, &top, v.after_id,
                          &found, err);
        if (rv == 0 && !has_after) {
            after = top;
            rv = chain_top_id(n, v.subject, after, &top, v.after_id, &found,
                              err);
        }
        if (rv == 0 && after > 0 && !found)
            rv = hz_err_set(err, HZ_ENOTFOUND,
                            "this node does not hold entry %llu of that "
                            "device (it holds up to %llu)",
                            (unsigned long long)after, (unsigned long long)top);
        v.after_seq = after;
        v.has_after_id = after > 0;
    }
    if (rv == 0)
        rv = count_applied_after(n, v.subject, v.after_seq, &before, err);
    struct enc out;
    enc_init(&out);
    if (rv == 0) {
        v.issued_ms = node_now_ms(n);
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
        rv = count_applied_after(n, v.subject, v.after_seq, &later, err);
    if (rv == 0)
        rv = db_commit(n, err);
    if (rv != 0)
        db_rollback(n);
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
        rv = query_dump(o, summary, err);
        char a[9];
        hex_encode(v.subject, 4, a);
        node_logf(n, HZ_LOG_INFO, "revoked key=%s after=%llu", a,
                  (unsigned long long)v.after_seq);
    }
    signer_close(&s);
    return rv;
}

/* ---- members */

/* Add to each row the fields of the certificate its "cert" names. */
static int describe_certs(struct hz_node *n, json_t *rows, uint64_t now,
                          struct hz_err *err)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        uint8_t id[HZ_HASH_LEN];
        const char *hex = json_string_value(json_object_get(row, "cert"));
        if (hex == NULL || hex_decode(hex, id, sizeof id) != 0)
            return hz_err_set(err, HZ_ECORRUPT, "member row");
        sqlite3_stmt *st;
        int rv = db_prep(n, "SELECT bytes FROM member WHERE id = ?1", &st, err);
        if (rv != 0)
            return rv;
        sqlite3_bind_blob(st, 1, id, HZ_HASH_LEN, SQLITE_STATIC);
        struct cert c;
        int rc = sqlite3_step(st);
        rv = rc == SQLITE_ROW
                 ? cert_decode(&c, sqlite3_column_blob(st, 0),
                               (size_t)sqlite3_column_bytes(st, 0), err)
                 : db_err(n, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, "member",
                          err);
        if (rv == 0) {
            json_object_set_new(
                row, "name", json_stringn((const char *)c.name.p, c.name.len));
            json_object_set_new(row, "role",
                                json_string(cert_role_name(c.role)));
            json_object_set_new(row, "site",
                                c.has_site ? query_hex(c.site, HZ_ROW_LEN)
                                           : json_null());
            json_object_set_new(row, "admits", json_boolean(c.admits));
            json_object_set_new(row, "issued_ms",
                                json_integer((json_int_t)c.issued_ms));
            json_object_set_new(row, "valid_days",
                                json_integer((json_int_t)c.valid_days));
            json_object_set_new(
                row, "expires_ms",
                json_integer(
                    (json_int_t)(c.issued_ms + c.valid_days * 86400000u)));
            json_object_set_new(row, "current",
                                json_boolean(cert_is_current(&c, now)));
            json_object_set_new(row, "issuer", query_hex(c.issuer, HZ_KEY_LEN));
            json_object_set_new(
                row, "issuer_is_root",
                json_boolean(cert_is_root(c.network, c.issuer)));
        }
        sqlite3_reset(st);
        if (rv != 0)
            return rv;
    }
    return 0;
}

int hz_members(hz_node *n, char **json, struct hz_err *err)
{
    *json = NULL;
    json_t *root = json_object();
    json_object_set_new(root, "networked", json_boolean(n->networked));
    json_object_set_new(root, "network", query_hex(n->network, HZ_NET_LEN));
    char *name = NULL;
    int rv = db_meta_get_text(n, "network_name", &name, err);
    json_object_set_new(root, "network_name",
                        name ? json_string(name) : json_null());
    free(name);
    json_object_set_new(root, "this_device", query_hex(n->id.pk, HZ_KEY_LEN));
    struct identity r;
    int have_root = 0;
    if (rv == 0 && n->networked)
        rv = root_key(n, &r, &have_root, err);
    if (have_root)
        identity_close(&r);
    json_object_set_new(root, "holds_root_key", json_boolean(have_root));
    json_t *members = json_array(), *revoked = json_array(),
           *unknown = json_array();
    json_object_set_new(root, "members", members);
    json_object_set_new(root, "revoked_without_certificate", revoked);
    json_object_set_new(root, "without_certificate", unknown);
#define STATS(who)                                                             \
    "(SELECT max(seq) FROM log WHERE author = " who ") AS last_seq,"           \
    " (SELECT count(*) FROM log WHERE author = " who " AND state = 0)"         \
    " AS applied, (SELECT count(*) FROM log WHERE author = " who               \
    " AND state = 4) AS denied, (SELECT min(point) FROM forks WHERE"           \
    " author = " who ") AS fork_point"
    if (rv == 0)
        rv = query_rows(n,
                        "SELECT m.subject AS key, m.id AS cert, m.rank AS"
                        " admin_rank, c.seq AS revoked_after, " STATS(
                            "m.subject") " FROM member m LEFT JOIN cutoff c"
                                         " ON c.subject = m.subject ORDER BY "
                                         "m.subject, m.id",
                        members, err);
    if (rv == 0)
        rv = describe_certs(n, members, node_now_ms(n), err);
    if (rv == 0)
        rv = query_rows(
            n,
            "SELECT c.subject AS key, c.seq AS revoked_after, " STATS(
                "c.subject") " FROM cutoff c WHERE c.subject"
                             " NOT IN (SELECT subject FROM member) ORDER BY"
                             " c.subject",
            revoked, err);
    if (rv == 0)
        rv = query_rows(
            n,
            "SELECT l.author AS key, " STATS(
                "l.author") " FROM log l WHERE l.author NOT IN (SELECT subject "
                            "FROM"
                            " member) AND l.author NOT IN (SELECT subject FROM"
                            " cutoff) GROUP BY l.author ORDER BY l.author",
            unknown, err);
#undef STATS
    if (rv != 0) {
        json_decref(root);
        return rv;
    }
    return query_dump(root, json, err);
}

/* ---- rekey */

/* The first seq of @key that is no longer good: its fork point, else one
 * past its cut-off; 0 when neither is known here. */
static int bad_from(struct hz_node *n, const uint8_t *key, uint64_t *from,
                    struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n,
                     "SELECT (SELECT min(point) FROM forks WHERE author = ?1),"
                     " (SELECT seq FROM cutoff WHERE subject = ?1)",
                     &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, key, HZ_KEY_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *from = 0;
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_NULL)
            *from = (uint64_t)sqlite3_column_int64(st, 0);
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
            uint64_t cut = (uint64_t)sqlite3_column_int64(st, 1) + 1;
            if (*from == 0 || cut < *from)
                *from = cut;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : db_err(n, rc, "rekey", err);
}

/* Inside a transaction: once the fork point or cut-off of this node's
 * previous key is known, re-issue that key's entries from there on under
 * the current key, once (DECISIONS 16). */
static int rekey_catch_up(struct hz_node *n, uint64_t *from, struct reissue *r,
                          struct hz_err *err)
{
    *from = 0;
    uint8_t old[HZ_KEY_LEN];
    if (db_meta_get(n, "rekeyed_from", old, sizeof old, NULL) != 0)
        return 0;
    char *done = NULL;
    if (db_meta_get_text(n, "rekey_reissued", &done, NULL) == 0) {
        free(done);
        return 0;
    }
    int rv = bad_from(n, old, from, err);
    if (rv != 0 || *from == 0)
        return rv;
    struct blobs own = {0};
    rv = load_entries(n, old, *from, true, &own, err);
    if (rv == 0)
        rv = reissue(n, &own, true, r, err);
    blobs_close(&own);
    char text[24];
    snprintf(text, sizeof text, "%llu", (unsigned long long)*from);
    if (rv == 0)
        rv = db_meta_put(n, "rekey_reissued", text, strlen(text), err);
    return rv;
}

int network_followup(struct hz_node *n, struct hz_err *err)
{
    if (n->flags & HZ_OPEN_READONLY)
        return 0;
    uint8_t old[HZ_KEY_LEN];
    char *done = NULL;
    if (db_meta_get(n, "rekeyed_from", old, sizeof old, NULL) != 0)
        return 0;
    if (db_meta_get_text(n, "rekey_reissued", &done, NULL) == 0) {
        free(done);
        return 0;
    }
    uint64_t from;
    struct reissue r = {0};
    int rv = db_begin(n, err);
    if (rv == 0)
        rv = rekey_catch_up(n, &from, &r, err);
    if (rv == 0)
        rv = db_commit(n, err);
    if (rv != 0)
        db_rollback(n);
    else if (r.written > 0)
        node_logf(n, HZ_LOG_WARN, "rekey: re-issued %llu entries from seq %llu",
                  (unsigned long long)r.written, (unsigned long long)from);
    return rv;
}

int hz_node_rekey(hz_node *n, char **summary, struct hz_err *err)
{
    *summary = NULL;
    if (n->flags & HZ_OPEN_READONLY)
        return hz_err_set(err, HZ_EREADONLY, "node opened read-only");
    if (n->dir == NULL)
        return hz_err_set(err, HZ_EINVAL, "needs a node directory");
    uint8_t seed[HZ_SECRET_LEN], old_pk[HZ_KEY_LEN];
    node_random(n, seed, sizeof seed);
    struct identity fresh, old = n->id;
    memcpy(old_pk, old.pk, HZ_KEY_LEN);
    identity_from_seed(&fresh, seed);
    /* The new key waits beside the old one until the database says it
     * is the node's key (node.c finishes or discards it on open). */
    int rv = secret_write(n, HZ_KEY_FILE ".new", seed, err);
    sodium_memzero(seed, sizeof seed);
    if (rv != 0) {
        identity_close(&fresh);
        return rv;
    }
    uint64_t from = 0;
    struct reissue r = {0};
    uint8_t device[HZ_HASH_LEN];
    node_device_fingerprint(device);
    rv = db_begin(n, err);
    if (rv == 0)
        rv = db_meta_put(n, "key", fresh.pk, HZ_KEY_LEN, err);
    if (rv == 0)
        rv = db_meta_put(n, "rekeyed_from", old_pk, HZ_KEY_LEN, err);
    if (rv == 0)
        rv = db_exec(
            n, "DELETE FROM meta WHERE k IN ('clone', 'rekey_reissued')", err);
    if (rv == 0)
        rv = db_meta_put(n, "device", device, sizeof device, err);
    /* What of the old key's is known to be refused is re-issued now; the
     * rest once its cut-off or fork reaches this node (network_followup). */
    if (rv == 0) {
        n->id = fresh;
        rv = rekey_catch_up(n, &from, &r, err);
    }
    if (rv == 0)
        rv = db_commit(n, err);
    if (rv != 0) {
        db_rollback(n);
        n->id = old;
        identity_close(&fresh);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.new", n->dir, HZ_KEY_FILE);
        unlink(path);
        return rv;
    }
    identity_close(&old);
    rv = node_finish_rekey(n, err);
    if (rv == 0) {
        json_t *o = json_object();
        json_object_set_new(o, "old_key", query_hex(old_pk, HZ_KEY_LEN));
        json_object_set_new(o, "key", query_hex(n->id.pk, HZ_KEY_LEN));
        json_object_set_new(o, "from_seq",
                            from > 0 ? json_integer((json_int_t)from)
                                     : json_null());
        json_object_set_new(o, "reissued", json_integer((json_int_t)r.written));
        json_object_set_new(o, "networked", json_boolean(n->networked));
        rv = query_dump(o, summary, err);
        char a[9], b[9];
        hex_encode(old_pk, 4, a);
        hex_encode(n->id.pk, 4, b);
        node_logf(n, HZ_LOG_WARN, "rekeyed old=%s new=%s reissued=%llu", a, b,
                  (unsigned long long)r.written);
    }
    return rv;
}
