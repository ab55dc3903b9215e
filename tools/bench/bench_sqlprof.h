/* bench_sqlprof.h - where an import's SQLite time goes, statement by
 * statement (--sql-profile): SQLITE_TRACE_PROFILE on the node's
 * connection, summed per SQL text. Costs a little time per statement, so
 * the benchmark's headline numbers come from runs without it. */
#ifndef HZ_BENCH_SQLPROF_H
#define HZ_BENCH_SQLPROF_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

struct sqlprof;

/* Start summing statement times on @db. NULL when out of memory. */
struct sqlprof *sqlprof_open(sqlite3 *db);

/* Stop tracing and print the @top statements by total time, with their
 * share of @wall_s, to @f; then, wherever they rank, every statement
 * whose SQL contains one of the words in @also (NULL-terminated; NULL for
 * none) and their sum. Then release. NULL is fine. */
void sqlprof_close(struct sqlprof *p, double wall_s, size_t top,
                   const char *const *also, FILE *f);

#endif
