/* node.c - a node directory: create it, open it, close it.
 *
 * A node directory holds node.key (the Ed25519 seed, mode 0600, never
 * printed) and node.db (SQLite, WAL). Only hz_node_create makes a node:
 * opening anything else is an error, never a silent new identity
 * (DECISIONS 13). Layout: proto/storage.md. */
#include "node.h"

#include "../store.h"

#include "../../core/error_int.h"
#include "../log/log.h"
#include "../members/members.h"
#include "../state/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Until networks exist every node shares this id (DECISIONS 14). */
static const uint8_t placeholder_network[HZ_NET_LEN] = "huzhu-no-network";

int hz_init(void)
{
    return sodium_init() < 0 ? HZ_EIO : 0;
}

static int node_alloc(const struct hz_node_opts *opts,
                      const struct schema *schema, hz_node **out,
                      struct hz_err *err)
{
    if (opts != NULL && opts->version != HZ_NODE_OPTS_VERSION)
        return hz_err_set(err, HZ_EINVAL, "options version %d", opts->version);
    if (hz_init() != 0)
        return hz_err_set(err, HZ_EIO, "libsodium init");
    hz_node *n = calloc(1, sizeof *n);
    if (n == NULL)
        return hz_err_set(err, HZ_ENOMEM, "node");
    n->schema = schema;
    env_init(&n->env, opts != NULL ? opts->env : NULL);
    if (opts != NULL) {
        n->flags = opts->flags;
        if (opts->log != NULL) {
            n->log = *opts->log;
            n->has_log = true;
        }
    }
    /* Test hook: write entries this device's role does not allow, so
     * tests can show that every other node denies them. */
    const char *keep = getenv("HUZHU_TEST_KEEP_DENIED");
    n->keep_denied = keep != NULL && strcmp(keep, "1") == 0;
    enc_init(&n->scratch);
    memcpy(n->network, placeholder_network, HZ_NET_LEN);
    *out = n;
    return 0;
}

void hz_node_close(hz_node *n)
{
    if (n == NULL)
        return;
    txn_rollback(n);
    db_close(&n->db);
    capacity_close(n);
    search_close(n);
    rows_close(n);
    enc_close(&n->scratch);
    identity_close(&n->id);
    free(n->dir);
    free(n);
}

void hz_node_key_hex(const hz_node *n, char *out)
{
    hex_encode(n->id.pk, HZ_KEY_LEN, out);
}

static char *path_join(const char *dir, const char *file)
{
    size_t len = strlen(dir) + strlen(file) + 2;
    char *p = malloc(len);
    if (p != NULL)
        snprintf(p, len, "%s/%s", dir, file);
    return p;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int dir_is_empty(const char *dir, int *empty)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    *empty = 1;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            *empty = 0;
    }
    closedir(d);
    return 0;
}

static int write_key(const char *path, const uint8_t *seed, struct hz_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return hz_err_set(err, errno == EEXIST ? HZ_EEXIST : HZ_EIO,
                          "create key file: %s", strerror(errno));
    ssize_t w = write(fd, seed, HZ_SEED_LEN);
    int rc = w == (ssize_t)HZ_SEED_LEN ? fsync(fd) : -1;
    close(fd);
    if (rc != 0)
        return hz_err_set(err, HZ_EIO, "write key file");
    return 0;
}

static int read_key(const char *path, uint8_t *seed, struct hz_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hz_err_set(err, errno == ENOENT ? HZ_ENOTNODE : HZ_EIO,
                          "key file: %s", strerror(errno));
    uint8_t extra;
    ssize_t r = read(fd, seed, HZ_SEED_LEN);
    ssize_t more = read(fd, &extra, 1);
    close(fd);
    if (r != (ssize_t)HZ_SEED_LEN || more != 0)
        return hz_err_set(err, HZ_ECORRUPT, "key file size");
    return 0;
}

static void hash_file(crypto_generichash_state *h, const char *path)
{
    uint8_t buf[128];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t r = fd < 0 ? 0 : read(fd, buf, sizeof buf);
    if (fd >= 0)
        close(fd);
    uint8_t len = r > 0 ? (uint8_t)r : 0;
    crypto_generichash_update(h, &len, 1);
    crypto_generichash_update(h, buf, len);
}

void node_device_fingerprint(uint8_t *out)
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, HZ_HASH_LEN);
    crypto_generichash_update(&h, (const uint8_t *)"huzhu device v1", 15);
    const char *test = getenv("HUZHU_TEST_MACHINE_ID");
    if (test != NULL) {
        crypto_generichash_update(&h, (const uint8_t *)test, strlen(test));
    } else {
        hash_file(&h, "/etc/machine-id");
        hash_file(&h, "/sys/firmware/devicetree/base/serial-number");
    }
    crypto_generichash_final(&h, out, HZ_HASH_LEN);
}

/* A node whose files moved to another machine (a cloned SD card) stops
 * writing until `huzhu rekey`; a node without a record gets one. */
static int check_device(hz_node *n, struct hz_err *err)
{
    if (n->flags & HZ_OPEN_READONLY)
        return 0;
    uint8_t now[HZ_HASH_LEN];
    node_device_fingerprint(now);
    uint8_t was[HZ_HASH_LEN];
    bool found = false;
    int rv = db_meta_has(&n->db, "device", &found, err);
    if (rv != 0)
        return rv;
    if (!found)
        return db_meta_put(&n->db, "device", now, sizeof now, err);
    /* A record of another size is another machine's too. */
    struct hz_err quiet = {0};
    if (db_meta_get(&n->db, "device", was, sizeof was, &quiet) == 0 &&
        memcmp(was, now, sizeof was) == 0)
        return 0;
    env_logf(n, HZ_LOG_ERROR,
             "clone: this node was created on another"
             " machine; writes stop until rekey");
    return db_meta_put(&n->db, "clone", "device", 6, err);
}

int node_finish_rekey(hz_node *n, struct hz_err *err)
{
    char *from = path_join(n->dir, HZ_NEW_KEY_FILE);
    char *to = path_join(n->dir, HZ_KEY_FILE);
    int rv = 0;
    if (from == NULL || to == NULL)
        rv = hz_err_set(err, HZ_ENOMEM, "paths");
    else if (rename(from, to) != 0 || fsync_dir(n->dir) != 0)
        rv =
            hz_err_set(err, HZ_EIO, "install the new key: %s", strerror(errno));
    free(from);
    free(to);
    return rv;
}

/* An interrupted rekey: the database names the key that counts. */
static int settle_rekey(hz_node *n, const char *dir, struct hz_err *err)
{
    char *path = path_join(dir, HZ_NEW_KEY_FILE);
    if (path == NULL)
        return hz_err_set(err, HZ_ENOMEM, "paths");
    uint8_t seed[HZ_SEED_LEN], meta_pk[HZ_KEY_LEN];
    int rv = 0;
    if (access(path, F_OK) == 0 && read_key(path, seed, NULL) == 0 &&
        db_meta_get(&n->db, "key", meta_pk, sizeof meta_pk, NULL) == 0) {
        struct identity fresh;
        identity_from_seed(&fresh, seed);
        bool done = memcmp(fresh.pk, meta_pk, HZ_KEY_LEN) == 0;
        if (done) {
            identity_close(&n->id);
            n->id = fresh;
        } else {
            identity_close(&fresh);
        }
        if (!(n->flags & HZ_OPEN_READONLY)) {
            if (done)
                rv = node_finish_rekey(n, err);
            else
                unlink(path);
        }
    }
    sodium_memzero(seed, sizeof seed);
    free(path);
    return rv;
}

/* Tables, then the meta rows that make this database a node. */
/* A new node's database: its tables (unless @made), then what the node
 * is. */
static int init_db(hz_node *n, const char *name, bool made, struct hz_err *err)
{
    char ver[16];
    int rv = txn_begin(n, err);
    if (rv == 0 && !made)
        rv = db_setup(&n->db, n->schema, err);
    if (rv == 0)
        rv = db_meta_put(&n->db, "name", name, strlen(name), err);
    if (rv == 0)
        rv = db_meta_put(&n->db, "key", n->id.pk, HZ_KEY_LEN, err);
    if (rv == 0)
        rv = db_meta_put(&n->db, "network", n->network, HZ_NET_LEN, err);
    uint8_t device[HZ_HASH_LEN];
    node_device_fingerprint(device);
    if (rv == 0)
        rv = db_meta_put(&n->db, "device", device, sizeof device, err);
    snprintf(ver, sizeof ver, "%u", n->schema->version);
    if (rv == 0)
        rv = db_meta_put(&n->db, "schema", ver, strlen(ver), err);
    if (rv == 0)
        rv = db_set_format(&n->db, err);
    if (rv == 0)
        rv = txn_commit(n, err);
    if (rv != 0)
        txn_rollback(n);
    return rv;
}

/* The end of every open: the node to the caller, or closed on failure. */
static int hand_over(hz_node *n, int rv, hz_node **out)
{
    if (rv != 0) {
        hz_node_close(n);
        return rv;
    }
    *out = n;
    return 0;
}

int hz_node_create(const char *dir, const char *name,
                   const struct hz_node_opts *opts, hz_node **out,
                   struct hz_err *err)
{
    *out = NULL;
    if (name == NULL || name[0] == '\0' || strlen(name) > 200)
        return hz_err_set(err, HZ_EINVAL, "node name must be 1-200 bytes");
    if (mkdir(dir, 0700) != 0) {
        int empty = 0;
        if (errno != EEXIST || dir_is_empty(dir, &empty) != 0)
            return hz_err_set(err, HZ_EIO, "create directory: %s",
                              strerror(errno));
        if (!empty)
            return hz_err_set(err, HZ_EEXIST,
                              "directory is not empty (already a node?)");
    }
    hz_node *n;
    int rv = node_alloc(opts, schema_current(), &n, err);
    if (rv != 0)
        return rv;
    uint8_t seed[HZ_SEED_LEN];
    env_random(n, seed, sizeof seed);
    identity_from_seed(&n->id, seed);
    char *key = path_join(dir, HZ_KEY_FILE);
    char *db = path_join(dir, HZ_DB_FILE);
    n->dir = strdup(dir);
    if (key == NULL || db == NULL || n->dir == NULL)
        rv = hz_err_set(err, HZ_ENOMEM, "paths");
    if (rv == 0)
        rv = write_key(key, seed, err);
    sodium_memzero(seed, sizeof seed);
    if (rv == 0)
        rv = db_open(&n->db, db, n->dir, false, true, err);
    if (rv == 0)
        rv = db_configure(&n->db, err);
    if (rv == 0)
        rv = init_db(n, name, false, err);
    if (rv == 0 && fsync_dir(dir) != 0)
        rv = hz_err_set(err, HZ_EIO, "sync directory");
    free(key);
    free(db);
    return hand_over(n, rv, out);
}

/* Check what the database says about itself, then bring it up to this
 * build's schema (new columns; held entries this schema now defines). */
static int check_db(hz_node *n, int *format_out, struct hz_err *err)
{
    int format = 0;
    int rv = db_format(&n->db, &format, err);
    *format_out = format;
    if (rv != 0)
        return rv == HZ_ECORRUPT ? hz_err_set(err, HZ_ENOTNODE, "node.db") : rv;
    if (format == 0)
        return hz_err_set(err, HZ_ENOTNODE, "node.db has no huzhu tables");
    if (format > HZ_DB_FORMAT)
        return hz_err_set(err, HZ_EVERSION,
                          "node.db format %d is newer than this huzhu (%d)",
                          format, HZ_DB_FORMAT);
    uint8_t pk[HZ_KEY_LEN];
    rv = db_meta_get(&n->db, "key", pk, sizeof pk, err);
    if (rv == 0 && memcmp(pk, n->id.pk, HZ_KEY_LEN) != 0)
        rv = hz_err_set(err, HZ_ECORRUPT, "node.key does not match node.db");
    if (rv == 0)
        rv = db_meta_get(&n->db, "network", n->network, HZ_NET_LEN, err);
    n->networked = rv == 0 && trust_networked(n->network);
    return rv;
}

/* Bring a database of an older format up to this build's, in one
 * transaction (proto/storage.md, "Upgrades"). A read-only open reads it
 * as it is. */
static int migrate(hz_node *n, int format, struct hz_err *err)
{
    if (format >= HZ_DB_FORMAT || (n->flags & HZ_OPEN_READONLY))
        return 0;
    int rv = txn_begin(n, err);
    if (rv == 0)
        rv = db_upgrade(&n->db, n->schema, format, err);
    if (rv == 0 && format < 2)
        rv = log_count_pending(n, err);
    if (rv == 0 && format < 3)
        rv = log_relayout(n, err);
    if (rv == 0 && format < 3)
        rv = capacity_backfill(n, err);
    if (rv == 0 && format < 6)
        rv = fields_upgrade(n, err);
    if (rv == 0 && format >= 3 && format < 7)
        rv = log_autoincrement(n, err);
    /* 9: sx; 10: pinyin keys; 11: by row n; 16: the first gram marked;
     * 17: in FTS5 */
    if (rv == 0 && format < 17)
        rv = search_rebuild(n, err);
    if (rv == 0)
        rv = db_set_format(&n->db, err);
    if (rv == 0)
        rv = txn_commit(n, err);
    if (rv != 0)
        txn_rollback(n);
    else
        env_logf(n, HZ_LOG_INFO, "node.db format %d -> %d", format,
                 HZ_DB_FORMAT);
    return rv;
}

static int upgrade(hz_node *n, struct hz_err *err)
{
    char *ver = NULL;
    int rv = db_meta_get_text(&n->db, "schema", &ver, err);
    unsigned stored = ver != NULL ? (unsigned)strtoul(ver, NULL, 10) : 0;
    free(ver);
    if (rv != 0 || stored >= n->schema->version ||
        (n->flags & HZ_OPEN_READONLY))
        return rv;
    char text[16];
    snprintf(text, sizeof text, "%u", n->schema->version);
    rv = txn_begin(n, err);
    if (rv == 0)
        rv = db_setup(&n->db, n->schema, err);
    if (rv == 0)
        rv = ingest_upgrade(n, err);
    if (rv == 0)
        rv = db_meta_put(&n->db, "schema", text, strlen(text), err);
    if (rv == 0)
        rv = txn_commit(n, err);
    if (rv != 0)
        txn_rollback(n);
    return rv;
}

int node_open_schema(const char *dir, const struct schema *schema,
                     const struct hz_node_opts *opts, hz_node **out,
                     struct hz_err *err)
{
    *out = NULL;
    hz_node *n;
    int rv = node_alloc(opts, schema, &n, err);
    if (rv != 0)
        return rv;
    char *key = path_join(dir, HZ_KEY_FILE);
    char *db = path_join(dir, HZ_DB_FILE);
    n->dir = strdup(dir);
    struct stat sb;
    if (key == NULL || db == NULL || n->dir == NULL)
        rv = hz_err_set(err, HZ_ENOMEM, "paths");
    else if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        rv = hz_err_set(err, HZ_ENOTNODE, "no such directory");
    else if (stat(db, &sb) != 0)
        rv = hz_err_set(err, HZ_ENOTNODE, "no node.db (run huzhu init)");
    uint8_t seed[HZ_SEED_LEN];
    if (rv == 0)
        rv = read_key(key, seed, err);
    if (rv == 0)
        identity_from_seed(&n->id, seed);
    sodium_memzero(seed, sizeof seed);
    if (rv == 0)
        rv = db_open(&n->db, db, n->dir, (n->flags & HZ_OPEN_READONLY) != 0,
                     false, err);
    if (rv == 0)
        rv = settle_rekey(n, dir, err);
    int format = 0;
    if (rv == 0)
        rv = check_db(n, &format, err);
    if (rv == 0)
        rv = db_configure(&n->db, err);
    if (rv == 0)
        rv = migrate(n, format, err);
    if (rv == 0)
        rv = upgrade(n, err);
    if (rv == 0)
        rv = check_device(n, err);
    free(key);
    free(db);
    return hand_over(n, rv, out);
}

int hz_node_open(const char *dir, const struct hz_node_opts *opts,
                 hz_node **out, struct hz_err *err)
{
    return node_open_schema(dir, schema_current(), opts, out, err);
}

int node_open_memory(const uint8_t *seed, const struct schema *schema,
                     const struct hz_env *env, hz_node **out,
                     struct hz_err *err)
{
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION, .env = env};
    hz_node *n;
    int rv = node_alloc(&opts, schema, &n, err);
    if (rv != 0)
        return rv;
    identity_from_seed(&n->id, seed);
    rv = db_open(&n->db, ":memory:", NULL, false, true, err);
    if (rv == 0)
        rv = db_setup_memory(&n->db, schema, err);
    if (rv == 0)
        rv = init_db(n, "memory", true, err);
    return hand_over(n, rv, out);
}

int node_check_writable(struct hz_node *n, struct hz_err *err)
{
    if (n->flags & HZ_OPEN_READONLY)
        return hz_err_set(err, HZ_EREADONLY, "node opened read-only");
    bool clone = false;
    int rv = db_meta_has(&n->db, "clone", &clone, err);
    if (rv == 0 && clone)
        rv = hz_err_set(err, HZ_ECLONE, "writes are blocked: run huzhu rekey");
    return rv;
}

int node_name(struct hz_node *n, char **name, struct hz_err *err)
{
    *name = NULL;
    int rv = db_meta_get_text(&n->db, "name", name, err);
    if (rv == 0 && *name == NULL)
        rv = hz_err_set(err, HZ_ECORRUPT, "node has no name");
    return rv;
}

uint64_t store_now_ms(hz_node *n)
{
    return env_now_ms(n);
}

int store_change_stamp(hz_node *n, struct store_stamp *out, struct hz_err *err)
{
    out->commits = n->commits;
    return store_data_version(n, &out->data_version, err);
}

int store_data_version(hz_node *n, int64_t *out, struct hz_err *err)
{
    return db_int(&n->db, "PRAGMA data_version", DB_NO_ARGS, out, NULL, err);
}

int store_node_name(hz_node *n, char **name, struct hz_err *err)
{
    return node_name(n, name, err);
}

bool store_node_stale(hz_node *n)
{
    uint8_t key[HZ_KEY_LEN], net[HZ_NET_LEN];
    struct hz_err quiet = {0};
    if (db_meta_get(&n->db, "key", key, sizeof key, &quiet) != 0 ||
        db_meta_get(&n->db, "network", net, sizeof net, &quiet) != 0)
        return false; /* busy or unreadable: judge at the next look */
    return memcmp(key, n->id.pk, HZ_KEY_LEN) != 0 ||
           memcmp(net, n->network, HZ_NET_LEN) != 0;
}
