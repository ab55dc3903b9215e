/* cutvfs.c - the power-cut VFS (cutvfs.h).
 *
 * Each main database and WAL file is held as an in-memory image that
 * SQLite reads and writes; xSync writes the whole image to the real file
 * and syncs it. Locks and the WAL index (shared memory) pass through to
 * the real file: the WAL index is rebuilt from the WAL by the first
 * connection after a restart, as after a real cut. Memory-mapped I/O is
 * disabled (io_methods version 2), so every byte SQLite sees went through
 * this file. */
#include "cutvfs.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct cutfile {
    sqlite3_file base;
    sqlite3_file *real; /* the wrapped file; allocated after this struct */
    unsigned char *img; /* NULL: pass through (temp files) */
    sqlite3_int64 len, cap;
    int dirty;
};

static sqlite3_vfs cut_vfs;
static sqlite3_vfs *real_vfs;
static unsigned long countdown;
static int dead;
static unsigned long syncs;

void cutvfs_arm(unsigned long n)
{
    countdown = n;
}

void cutvfs_restore(void)
{
    dead = 0;
    countdown = 0;
}

int cutvfs_is_dead(void)
{
    return dead;
}

unsigned long cutvfs_syncs(void)
{
    return syncs;
}

/* One more write or sync: is the power still on? */
static int power_on(void)
{
    if (dead)
        return 0;
    if (countdown > 0 && --countdown == 0) {
        dead = 1;
        return 0;
    }
    return 1;
}

static int img_reserve(struct cutfile *f, sqlite3_int64 need)
{
    if (need <= f->cap)
        return SQLITE_OK;
    sqlite3_int64 cap = f->cap ? f->cap : 65536;
    while (cap < need)
        cap *= 2;
    unsigned char *p = realloc(f->img, (size_t)cap);
    if (p == NULL)
        return SQLITE_NOMEM;
    memset(p + f->cap, 0, (size_t)(cap - f->cap));
    f->img = p;
    f->cap = cap;
    return SQLITE_OK;
}

static int c_close(sqlite3_file *pf)
{
    struct cutfile *f = (struct cutfile *)pf;
    int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
    free(f->img); /* unsynced writes die here */
    f->img = NULL;
    return rc;
}

static int c_read(sqlite3_file *pf, void *buf, int amt, sqlite3_int64 off)
{
    struct cutfile *f = (struct cutfile *)pf;
    if (f->img == NULL)
        return f->real->pMethods->xRead(f->real, buf, amt, off);
    if (dead)
        return SQLITE_IOERR_READ;
    sqlite3_int64 have = f->len - off;
    if (have <= 0) {
        memset(buf, 0, (size_t)amt);
        return SQLITE_IOERR_SHORT_READ;
    }
    if (have >= amt) {
        memcpy(buf, f->img + off, (size_t)amt);
        return SQLITE_OK;
    }
    memcpy(buf, f->img + off, (size_t)have);
    memset((char *)buf + have, 0, (size_t)(amt - have));
    return SQLITE_IOERR_SHORT_READ;
}

static int c_write(sqlite3_file *pf, const void *buf, int amt,
                   sqlite3_int64 off)
{
    struct cutfile *f = (struct cutfile *)pf;
    if (!power_on())
        return SQLITE_IOERR_WRITE;
    if (f->img == NULL)
        return f->real->pMethods->xWrite(f->real, buf, amt, off);
    int rc = img_reserve(f, off + amt);
    if (rc != SQLITE_OK)
        return rc;
    memcpy(f->img + off, buf, (size_t)amt);
    if (off + amt > f->len)
        f->len = off + amt;
    f->dirty = 1;
    return SQLITE_OK;
}

static int c_truncate(sqlite3_file *pf, sqlite3_int64 size)
{
    struct cutfile *f = (struct cutfile *)pf;
    if (dead)
        return SQLITE_IOERR_TRUNCATE;
    if (f->img == NULL)
        return f->real->pMethods->xTruncate(f->real, size);
    if (size < f->len) {
        memset(f->img + size, 0, (size_t)(f->len - size));
        f->len = size;
    }
    f->dirty = 1;
    return SQLITE_OK;
}

static int c_sync(sqlite3_file *pf, int flags)
{
    struct cutfile *f = (struct cutfile *)pf;
    if (!power_on())
        return SQLITE_IOERR_FSYNC;
    if (f->img != NULL && f->dirty) {
        int rc = f->real->pMethods->xTruncate(f->real, f->len);
        for (sqlite3_int64 off = 0; rc == SQLITE_OK && off < f->len;
             off += 4096) {
            int amt = f->len - off < 4096 ? (int)(f->len - off) : 4096;
            rc = f->real->pMethods->xWrite(f->real, f->img + off, amt, off);
        }
        if (rc != SQLITE_OK)
            return rc;
        f->dirty = 0;
    }
    syncs++;
    return f->real->pMethods->xSync(f->real, flags);
}

static int c_size(sqlite3_file *pf, sqlite3_int64 *size)
{
    struct cutfile *f = (struct cutfile *)pf;
    if (f->img == NULL)
        return f->real->pMethods->xFileSize(f->real, size);
    *size = f->len;
    return SQLITE_OK;
}

#define PASS(name, args, call)                                                 \
    static int c_##name args                                                   \
    {                                                                          \
        struct cutfile *f = (struct cutfile *)pf;                              \
        return f->real->pMethods->call;                                        \
    }

PASS(lock, (sqlite3_file * pf, int l), xLock(f->real, l))
PASS(unlock, (sqlite3_file * pf, int l), xUnlock(f->real, l))
PASS(reserved, (sqlite3_file * pf, int *out), xCheckReservedLock(f->real, out))
PASS(sector, (sqlite3_file * pf), xSectorSize(f->real))
PASS(devchar, (sqlite3_file * pf), xDeviceCharacteristics(f->real))
PASS(shmmap, (sqlite3_file * pf, int pg, int sz, int ext, void volatile **pp),
     xShmMap(f->real, pg, sz, ext, pp))
PASS(shmlock, (sqlite3_file * pf, int off, int n, int flags),
     xShmLock(f->real, off, n, flags))
PASS(shmunmap, (sqlite3_file * pf, int del), xShmUnmap(f->real, del))

static int c_control(sqlite3_file *pf, int op, void *arg)
{
    struct cutfile *f = (struct cutfile *)pf;
    /* Size hints and chunk sizes concern the real file's layout only. */
    if (f->img != NULL &&
        (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_CHUNK_SIZE))
        return SQLITE_OK;
    return f->real->pMethods->xFileControl(f->real, op, arg);
}

static void c_barrier(sqlite3_file *pf)
{
    struct cutfile *f = (struct cutfile *)pf;
    f->real->pMethods->xShmBarrier(f->real);
}

static const sqlite3_io_methods cut_methods = {
    .iVersion = 2,
    .xClose = c_close,
    .xRead = c_read,
    .xWrite = c_write,
    .xTruncate = c_truncate,
    .xSync = c_sync,
    .xFileSize = c_size,
    .xLock = c_lock,
    .xUnlock = c_unlock,
    .xCheckReservedLock = c_reserved,
    .xFileControl = c_control,
    .xSectorSize = c_sector,
    .xDeviceCharacteristics = c_devchar,
    .xShmMap = c_shmmap,
    .xShmLock = c_shmlock,
    .xShmBarrier = c_barrier,
    .xShmUnmap = c_shmunmap,
};

static int c_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *pf,
                  int flags, int *out_flags)
{
    (void)vfs;
    struct cutfile *f = (struct cutfile *)pf;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK)
        return rc;
    pf->pMethods = &cut_methods;
    if (name == NULL || !(flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL |
                                   SQLITE_OPEN_MAIN_JOURNAL)))
        return SQLITE_OK;
    /* Load what is on disk: the state the last sync left. */
    sqlite3_int64 size = 0;
    rc = f->real->pMethods->xFileSize(f->real, &size);
    if (rc == SQLITE_OK)
        rc = img_reserve(f, size > 0 ? size : 1);
    if (rc == SQLITE_OK && size > 0)
        rc = f->real->pMethods->xRead(f->real, f->img, (int)size, 0);
    if (rc != SQLITE_OK) {
        c_close(pf);
        pf->pMethods = NULL;
        return rc;
    }
    f->len = size;
    return SQLITE_OK;
}

static int c_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    if (dead)
        return SQLITE_IOERR_DELETE;
    return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int c_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int c_fullpath(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static int c_random(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xRandomness(real_vfs, n, out);
}

static int c_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return real_vfs->xSleep(real_vfs, us);
}

static int c_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return real_vfs->xCurrentTime(real_vfs, out);
}

static int c_lasterr(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xGetLastError(real_vfs, n, out);
}

static int c_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

int cutvfs_install(void)
{
    if (real_vfs != NULL)
        return SQLITE_OK;
    real_vfs = sqlite3_vfs_find(NULL);
    if (real_vfs == NULL)
        return SQLITE_ERROR;
    cut_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(struct cutfile) + real_vfs->szOsFile,
        .mxPathname = real_vfs->mxPathname,
        .zName = "cutvfs",
        .xOpen = c_open,
        .xDelete = c_delete,
        .xAccess = c_access,
        .xFullPathname = c_fullpath,
        .xRandomness = c_random,
        .xSleep = c_sleep,
        .xCurrentTime = c_time,
        .xGetLastError = c_lasterr,
        .xCurrentTimeInt64 = c_time64,
    };
    return sqlite3_vfs_register(&cut_vfs, 1);
}
