/* secret.c - the secret files of a node directory (network.key,
 * network.secret, the root key's backup): each written whole or not at
 * all, mode 0600, never printed (proto/storage.md). */
#include "files.h"

#include "../../core/error_int.h"
#include "../../core/token.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int secret_path(struct hz_node *n, const char *file, char *out,
                       size_t len, struct hz_err *err)
{
    if (n->dir == NULL)
        return hz_err_set(err, HZ_EINVAL, "needs a node directory");
    snprintf(out, len, "%s/%s", n->dir, file);
    return 0;
}

/* Read a 32-byte secret file. HZ_ENOTFOUND when absent. */
int secret_read(struct hz_node *n, const char *file, uint8_t *out,
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
int file_write_atomic(const char *path, const uint8_t *p, size_t len,
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

int secret_write(struct hz_node *n, const char *file, const uint8_t *val,
                 struct hz_err *err)
{
    char path[4096];
    int rv = secret_path(n, file, path, sizeof path, err);
    return rv != 0 ? rv : file_write_atomic(path, val, HZ_SECRET_LEN, err);
}
