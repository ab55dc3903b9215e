/* bench_raw.c - the peers of the import benchmark: how fast this machine
 * verifies Ed25519 signatures and inserts SQLite rows, with nothing of
 * huzhu around them (bench_raw.h). */
#include "bench_raw.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

void clocks_now(struct clocks *c)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    c->wall_s = (double)t.tv_sec + (double)t.tv_nsec / 1e9;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    c->sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    c->cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               c->sys_s;
}

struct rate rate_between(uint64_t n, const struct clocks *t0,
                         const struct clocks *t1)
{
    return (struct rate){.n = n,
                         .wall_s = t1->wall_s - t0->wall_s,
                         .cpu_s = t1->cpu_s - t0->cpu_s,
                         .sys_s = t1->sys_s - t0->sys_s};
}

static void rate_end(struct rate *r, uint64_t n, const struct clocks *t0)
{
    struct clocks t1;
    clocks_now(&t1);
    *r = rate_between(n, t0, &t1);
}

/* Message @i: a fixed filler with its index in the first bytes. */
static void stamp(uint8_t *msg, size_t len, uint64_t i)
{
    memcpy(msg, &i, len < sizeof i ? len : sizeof i);
}

int raw_verify(uint64_t count, size_t msg_len, double min_s, struct rate *out)
{
    uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    uint8_t seed[crypto_sign_SEEDBYTES] = {42};
    crypto_sign_seed_keypair(pk, sk, seed);
    uint8_t *msg = malloc(msg_len > 8 ? msg_len : 8);
    uint8_t *sigs = malloc(count * crypto_sign_BYTES);
    if (msg == NULL || sigs == NULL || count == 0) {
        free(msg);
        free(sigs);
        fprintf(stderr, "bench: verify: out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < msg_len; i++)
        msg[i] = (uint8_t)(i * 131u + 7u);
    for (uint64_t i = 0; i < count; i++) {
        stamp(msg, msg_len, i);
        crypto_sign_detached(sigs + i * crypto_sign_BYTES, NULL, msg, msg_len,
                             sk);
    }
    uint64_t done = 0;
    int bad = 0;
    struct clocks t0, t1;
    clocks_now(&t0);
    do {
        for (uint64_t i = 0; i < count; i++) {
            stamp(msg, msg_len, i);
            bad |= crypto_sign_verify_detached(sigs + i * crypto_sign_BYTES,
                                               msg, msg_len, pk);
        }
        done += count;
        clocks_now(&t1);
    } while (t1.wall_s - t0.wall_s < min_s);
    rate_end(out, done, &t0);
    free(msg);
    free(sigs);
    if (bad != 0) {
        fprintf(stderr, "bench: verify: a signature did not verify\n");
        return -1;
    }
    return 0;
}

static int exec(sqlite3 *db, const char *sql)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        fprintf(stderr, "bench: sqlite: %s: %s\n", sql, sqlite3_errmsg(db));
    return rc == SQLITE_OK ? 0 : -1;
}

static uint64_t file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static int insert_all(sqlite3 *db, sqlite3_stmt *st, uint64_t rows,
                      size_t val_len, uint64_t per_txn)
{
    uint8_t *val = malloc(val_len > 8 ? val_len : 8);
    if (val == NULL)
        return -1;
    for (size_t i = 0; i < val_len; i++)
        val[i] = (uint8_t)(i * 131u + 7u);
    uint64_t key[2] = {UINT64_C(0x9e3779b97f4a7c15), 0};
    int rv = 0;
    for (uint64_t i = 0; rv == 0 && i < rows; i++) {
        if (i % per_txn == 0)
            rv = exec(db, "BEGIN IMMEDIATE");
        key[1] = i * UINT64_C(0xbf58476d1ce4e5b9);
        stamp(val, val_len, i);
        sqlite3_bind_blob(st, 1, key, sizeof key, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, val, (int)val_len, SQLITE_STATIC);
        if (rv == 0 && sqlite3_step(st) != SQLITE_DONE) {
            fprintf(stderr, "bench: sqlite insert: %s\n", sqlite3_errmsg(db));
            rv = -1;
        }
        sqlite3_reset(st);
        if (rv == 0 && (i + 1 == rows || (i + 1) % per_txn == 0))
            rv = exec(db, "COMMIT");
    }
    free(val);
    return rv;
}

int raw_sqlite(const char *path, enum raw_write how, uint64_t rows,
               size_t row_len, uint64_t per_txn, struct rate *out,
               uint64_t *db_bytes)
{
    static const char *const table[] = {
        [RAW_INSERT] = "CREATE TABLE t(id INTEGER PRIMARY KEY,"
                       " k BLOB NOT NULL, v BLOB NOT NULL)",
        [RAW_UPSERT] = "CREATE TABLE t(id INTEGER PRIMARY KEY,"
                       " k BLOB NOT NULL UNIQUE, v BLOB NOT NULL)"};
    static const char *const write[] = {
        [RAW_INSERT] = "INSERT INTO t(k, v) VALUES(?1, ?2)",
        [RAW_UPSERT] = "INSERT INTO t(k, v) VALUES(?1, ?2)"
                       " ON CONFLICT(k) DO UPDATE SET v = excluded.v"};
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    size_t val_len = row_len > 16 ? row_len - 16 : 1;
    *db_bytes = 0;
    int rv = sqlite3_open_v2(path, &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                 SQLITE_OPEN_NOMUTEX,
                             NULL) == SQLITE_OK
                 ? 0
                 : -1;
    if (rv == 0)
        rv = exec(db, "PRAGMA journal_mode=WAL");
    if (rv == 0)
        rv = exec(db, "PRAGMA synchronous=FULL");
    if (rv == 0)
        rv = exec(db, table[how]);
    if (rv == 0 &&
        sqlite3_prepare_v2(db, write[how], -1, &st, NULL) != SQLITE_OK)
        rv = -1;
    struct clocks t0;
    clocks_now(&t0);
    if (rv == 0)
        rv = insert_all(db, st, rows, val_len, per_txn);
    rate_end(out, rows, &t0);
    sqlite3_finalize(st);
    char wal[4096], shm[4096];
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    *db_bytes = file_bytes(path) + file_bytes(wal);
    if (rv != 0 && db != NULL)
        fprintf(stderr, "bench: sqlite %s: %s\n", path, sqlite3_errmsg(db));
    sqlite3_close(db);
    remove(path);
    remove(wal);
    remove(shm);
    return rv;
}
