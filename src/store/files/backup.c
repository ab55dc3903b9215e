/* backup.c - a consistent copy of a running node, and a new node made
 * from such a copy.
 *
 * The copy holds the database only, never node.key: a restored node gets
 * a key of its own, so a backup restored on new hardware cannot fork the
 * old device's identity (issue 6; DECISIONS 13, 16). The old key's
 * entries stay in the log as another author's history. */
#include "files.h"

#include "../../core/error_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copy @from into the database file @path with SQLite's online backup:
 * a consistent snapshot even while another process writes. */
static int copy_db(sqlite3 *from, const char *path, struct hz_err *err)
{
    sqlite3 *to = NULL;
    int rc = sqlite3_open_v2(path, &to,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
        if (b == NULL) {
            rc = sqlite3_errcode(to);
        } else {
            do {
                rc = sqlite3_backup_step(b, 256);
                if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
                    sqlite3_sleep(20);
            } while (rc == SQLITE_OK || rc == SQLITE_BUSY ||
                     rc == SQLITE_LOCKED);
            int fin = sqlite3_backup_finish(b);
            rc = rc == SQLITE_DONE ? fin : rc;
        }
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(to, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
    int close_rc = sqlite3_close(to);
    if (rc == SQLITE_OK)
        rc = close_rc;
    if (rc != SQLITE_OK)
        return hz_err_set(err, (rc & 0xff) == SQLITE_FULL ? HZ_ENOSPC : HZ_EIO,
                          "backup copy: %s", sqlite3_errstr(rc));
    return 0;
}

static int fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int hz_node_backup(hz_node *n, const char *path, struct hz_err *err)
{
    size_t len = strlen(path) + 8;
    char *tmp = malloc(len);
    if (tmp == NULL)
        return hz_err_set(err, HZ_ENOMEM, "path");
    snprintf(tmp, len, "%s.tmp", path);
    unlink(tmp);
    int rv = copy_db(n->db.conn, tmp, err);
    if (rv == 0 && fsync_path(tmp) != 0)
        rv = hz_err_set(err, HZ_EIO, "sync backup");
    if (rv == 0 && rename(tmp, path) != 0)
        rv = hz_err_set(err, HZ_EIO, "rename backup: %s", strerror(errno));
    if (rv != 0)
        unlink(tmp);
    free(tmp);
    return rv;
}

/* Is @d a huzhu node database this build can read? Checked before
 * anything is created, so a bad file leaves no node behind. */
static int check_backup(struct db *d, struct hz_err *err)
{
    int format = -1;
    uint8_t key[HZ_KEY_LEN];
    struct hz_err quiet = {0};
    if (db_format(d, &format, &quiet) != 0)
        format = -1;
    if (format > HZ_DB_FORMAT)
        return hz_err_set(err, HZ_EVERSION, "backup format %d", format);
    if (format < 1 || db_meta_get(d, "key", key, sizeof key, &quiet) != 0)
        return hz_err_set(err, HZ_ENOTNODE, "not a huzhu backup");
    return 0;
}

/* Give the copied database its new identity, in one transaction. */
static int rekey_copy(const char *db_path, const uint8_t *pk, const char *name,
                      struct hz_err *err)
{
    struct db d = {0};
    uint8_t old[HZ_KEY_LEN];
    int rv = db_open(&d, db_path, NULL, false, false, err);
    if (rv == 0)
        rv = check_backup(&d, err);
    if (rv == 0)
        rv = db_begin(&d, err);
    if (rv == 0)
        rv = db_meta_get(&d, "key", old, sizeof old, err);
    if (rv == 0)
        rv = db_meta_put(&d, "restored_from", old, sizeof old, err);
    if (rv == 0)
        rv = db_meta_put(&d, "key", pk, HZ_KEY_LEN, err);
    if (rv == 0)
        rv = db_meta_put(&d, "name", name, strlen(name), err);
    if (rv == 0)
        rv = db_meta_del(&d, "clone", err);
    if (rv == 0)
        rv = db_meta_del(&d, "device", err);
    if (rv == 0)
        rv = db_commit(&d, err);
    if (rv == 0)
        rv = db_configure(&d, err);
    db_close(&d);
    return rv;
}

/* Undo a half-made restore: the files hz_node_create wrote, and the
 * directory when it made it. */
static void remove_node(const char *dir, int made_dir)
{
    static const char *const files[] = {HZ_KEY_FILE, HZ_DB_FILE,
                                        HZ_DB_FILE "-wal", HZ_DB_FILE "-shm",
                                        HZ_DB_FILE "-journal"};
    char path[4096];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    if (made_dir)
        rmdir(dir);
}

int hz_node_restore(const char *dir, const char *backup, const char *name,
                    const struct hz_node_opts *opts, hz_node **out,
                    struct hz_err *err)
{
    *out = NULL;
    struct db src = {0};
    int rv = db_open(&src, backup, NULL, true, false, err);
    if (rv != 0) {
        db_close(&src);
        return hz_err_set(err, HZ_ENOTFOUND, "open backup");
    }
    rv = check_backup(&src, err);
    if (rv != 0) {
        db_close(&src);
        return rv;
    }
    /* A fresh node gives the directory, the new key and the settings;
     * its database is then replaced by the backup's. */
    struct stat sb;
    int made_dir = stat(dir, &sb) != 0;
    hz_node *n = NULL;
    rv = hz_node_create(dir, name, opts, &n, err);
    int created = rv == 0;
    uint8_t pk[HZ_KEY_LEN];
    char *path = NULL;
    if (rv == 0) {
        memcpy(pk, n->id.pk, HZ_KEY_LEN);
        size_t len = strlen(dir) + 32;
        path = malloc(len);
        if (path == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "path");
        else
            snprintf(path, len, "%s/%s", dir, HZ_DB_FILE);
        hz_node_close(n);
        n = NULL;
    }
    if (rv == 0)
        rv = copy_db(src.conn, path, err);
    db_close(&src);
    if (rv == 0)
        rv = rekey_copy(path, pk, name, err);
    free(path);
    if (rv == 0)
        rv = hz_node_open(dir, opts, &n, err);
    if (rv == 0) {
        uint64_t checked;
        rv = hz_node_log_verify(n, &checked, err);
        if (rv != 0) {
            hz_node_close(n);
            n = NULL;
        }
    }
    if (rv != 0 && created)
        remove_node(dir, made_dir);
    *out = n;
    return rv;
}
