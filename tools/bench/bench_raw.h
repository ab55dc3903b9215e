/* bench_raw.h - the raw rates an import is built from, measured in the
 * same run as the import so that ratios compare like with like: Ed25519
 * verification and SQLite inserts under the product's storage settings. */
#ifndef HZ_BENCH_RAW_H
#define HZ_BENCH_RAW_H

#include <stddef.h>
#include <stdint.h>

/* Seconds of wall time (monotonic) and of CPU time (user + system) used
 * by this process. On a shared machine the CPU time of a single-threaded
 * measurement is less disturbed by other work than its wall time. */
struct clocks {
    double wall_s, cpu_s, sys_s; /* sys_s: the kernel's part of cpu_s */
};
void clocks_now(struct clocks *c);

/* A measurement: @n things done in so much wall and CPU time. */
struct rate {
    uint64_t n;
    double wall_s, cpu_s, sys_s;
};

/* @n things done between the readings @t0 and @t1. */
struct rate rate_between(uint64_t n, const struct clocks *t0,
                         const struct clocks *t1);

/* crypto_sign_verify_detached over @count distinct messages of @msg_len
 * bytes, repeated until at least @min_s seconds have passed so a small run
 * still gives a stable rate. 0, or -1 after printing why. */
int raw_verify(uint64_t count, size_t msg_len, double min_s, struct rate *out);

/* How raw_sqlite writes a row. RAW_INSERT appends it to a table with no
 * index but its rowid; RAW_UPSERT writes it by its key, as a replica
 * applies a record by its id: the key is UNIQUE and the statement is
 * INSERT ... ON CONFLICT(k) DO UPDATE (the keys are distinct and in a
 * scattered order, as record ids are, so every row is new). */
enum raw_write { RAW_INSERT, RAW_UPSERT };

/* Write @rows rows of about @row_len bytes (a 16-byte key and a value)
 * into a table of a new database @path, journal_mode=WAL and
 * synchronous=FULL as src/store/db.c sets them, committing every @per_txn
 * rows. The database is removed afterwards; its size before removal goes
 * to *@db_bytes. 0, or -1 after printing why. */
int raw_sqlite(const char *path, enum raw_write how, uint64_t rows,
               size_t row_len, uint64_t per_txn, struct rate *out,
               uint64_t *db_bytes);

#endif
