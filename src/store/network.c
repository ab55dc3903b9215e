/* network.c - creating a network and entering one: the secret files,
 * re-issuing a node's earlier entries, becoming an admin
 * (include/huzhu/trust.h; proto/trust.md). Admission, joining and
 * revocation: admit.c; the root key's backup: rootkey.c; members:
 * members.c; rekey: rekey.c.
 *
 * Files in the node directory, each 0600 and never printed:
 *   network.key     the network root key's seed (the node that created the
 *                   network, or one it was restored onto)
 *   network.secret  the network secret every member holds (join tokens
 *                   carry it): discovery, the secure channel and bundle
 *                   encryption are keyed from it */
#include "network.h"
#include "query.h"

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
int net_secret_read(struct hz_node *n, const char *file, uint8_t *out,
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
int net_write_file(const char *path, const uint8_t *p, size_t len,
                   struct hz_err *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return hz_err_set(err, HZ_EIO, "%s: %s", tmp, strerror(errno));
    ssize_t w = write(fd, p, len);
    int rc = w == (ssize_t)len ? fsync(fd) : -1;
    close(fd);
    if (rc == 0)
        rc = rename(tmp, path);
    if (rc == 0) {
        /* The directory entry too: the parent of @path. */
        char dir[4200];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash == NULL)
            snprintf(dir, sizeof dir, ".");
        else if (slash == dir)
            dir[1] = '\0';
        else
            *slash = '\0';
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        rc = dfd < 0 ? -1 : fsync(dfd);
        if (dfd >= 0)
            close(dfd);
    }
    if (rc != 0) {
        int e = errno;
        unlink(tmp);
        return hz_err_set(err, e == ENOSPC ? HZ_ENOSPC : HZ_EIO, "write %s: %s",
                          path, strerror(e));
    }
    return 0;
}

int net_secret_write(struct hz_node *n, const char *file, const uint8_t *val,
                     struct hz_err *err)
{
    char path[4096];
    int rv = secret_path(n, file, path, sizeof path, err);
    return rv != 0 ? rv : net_write_file(path, val, HZ_SECRET_LEN, err);
}

int network_secret(struct hz_node *n, uint8_t *out, struct hz_err *err)
{
    return net_secret_read(n, SECRET_FILE, out, err);
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
int net_root_key(struct hz_node *n, struct identity *root, int *have,
                 struct hz_err *err)
{
    uint8_t seed[HZ_SECRET_LEN];
    *have = 0;
    int rv = net_secret_read(n, ROOT_FILE, seed, err);
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

/* Move this node into @network inside the open transaction: every entry
 * held so far is archived in `prenet`; the state is cleared; the caller
 * then writes the certificate entry and calls net_reissue(). Returns this
 * node's own applied entries (bytes, in seq order) in *@own. */

void net_blobs_close(struct blobs *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->p[i]);
    free(b->p);
    free(b->len);
    memset(b, 0, sizeof *b);
}

/* This node's entries from @from_seq on, in seq order: the applied ones,
 * and with @all also those stopped by a fork or denied. */
static int load_own(struct hz_node *n, uint64_t from_seq, bool all,
                    struct blobs *own, struct hz_err *err)
{
    return net_load_entries(n, n->id.pk, from_seq, all, own, err);
}

/* @author's entries from @from_seq on, in seq order: the applied ones,
 * and with @all also those stopped by a fork or denied. */
int net_load_entries(struct hz_node *n, const uint8_t *author,
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
        net_blobs_close(own);
        return hz_err_set(err, HZ_ENOMEM, "own entries");
    }
    return rc == SQLITE_DONE ? 0 : db_err(n, rc, "own entries", err);
}

int net_enter_network(struct hz_node *n, const uint8_t *network,
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
int net_reissue(struct hz_node *n, const struct blobs *own, bool keep,
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
void net_roll_back(struct hz_node *n)
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
        rv = net_enter_network(n, network, name, &own, &r, err);
    if (rv == 0)
        rv = net_reissue(n, &own, false, &r, err);
    if (rv == 0)
        rv = db_commit(n, err);
    if (rv != 0)
        net_roll_back(n);
    net_blobs_close(&own);
    return rv;
}

int net_check_writable(struct hz_node *n, struct hz_err *err)
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

int net_node_name(struct hz_node *n, char **name, struct hz_err *err)
{
    *name = NULL;
    int rv = db_meta_get_text(n, "name", name, err);
    if (rv == 0 && *name == NULL)
        rv = hz_err_set(err, HZ_ECORRUPT, "node has no name");
    return rv;
}

char *net_hex_string(const uint8_t *p, size_t len)
{
    char *s = malloc(2 * len + 1);
    if (s != NULL)
        hex_encode(p, len, s);
    return s;
}

int net_check_network_name(const char *name, struct hz_err *err)
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
int net_become_admin(struct hz_node *n, const uint8_t *seed, const char *name,
                     char **network_hex, struct hz_err *err)
{
    struct identity root;
    identity_from_seed(&root, seed);
    uint8_t network[HZ_NET_LEN], secret[HZ_SECRET_LEN];
    cert_network_id(root.pk, network);
    int rv = 0;
    if (n->networked && memcmp(network, n->network, HZ_NET_LEN) != 0)
        rv = hz_err_set(err, HZ_EEXIST, "this node is in another network");
    if (rv == 0)
        rv = net_secret_write(n, ROOT_FILE, seed, err);
    derive_secret(seed, secret);
    if (rv == 0)
        rv = net_secret_write(n, SECRET_FILE, secret, err);
    sodium_memzero(secret, sizeof secret);
    char *me = NULL;
    struct blobs own = {0};
    struct reissue r = {0};
    struct enc out;
    enc_init(&out);
    bool entering = !n->networked;
    if (rv == 0)
        rv = net_node_name(n, &me, err);
    if (rv == 0)
        rv = db_begin(n, err);
    if (rv == 0 && entering)
        rv = net_enter_network(n, network, name, &own, &r, err);
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
        rv = net_reissue(n, &own, false, &r, err);
    if (rv == 0)
        rv = db_commit(n, err);
    if (rv != 0)
        net_roll_back(n);
    identity_close(&root);
    enc_close(&out);
    net_blobs_close(&own);
    free(me);
    if (rv == 0) {
        *network_hex = net_hex_string(network, HZ_NET_LEN);
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
    int rv = net_check_writable(n, err);
    if (rv == 0)
        rv = net_check_network_name(name, err);
    if (rv == 0 && n->networked)
        rv = hz_err_set(err, HZ_EEXIST, "this node is already in a network");
    if (rv != 0)
        return rv;
    uint8_t seed[HZ_SECRET_LEN];
    rv = net_secret_read(n, ROOT_FILE, seed, err);
    if (rv == HZ_ENOTFOUND)
        node_random(n, seed, sizeof seed);
    if (rv == 0 || rv == HZ_ENOTFOUND)
        rv = net_become_admin(n, seed, name, network_hex, err);
    sodium_memzero(seed, sizeof seed);
    return rv;
}
