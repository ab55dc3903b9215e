/* bench_sqlprof.c - per-statement SQLite time of an import
 * (bench_sqlprof.h). Statements are told apart by their SQL text, so a
 * statement prepared many times (BEGIN, COMMIT) sums into one line. */
#include "bench_sqlprof.h"

#include <stdlib.h>
#include <string.h>

#define SLOTS 4096u /* distinct statements; an import uses a few dozen */

struct slot {
    char *sql;
    uint64_t runs;
    uint64_t ns;
};

struct sqlprof {
    sqlite3 *db;
    struct slot slots[SLOTS];
    uint64_t dropped; /* statements beyond SLOTS */
};

static size_t hash(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static int trace_cb(unsigned type, void *data, void *p, void *x)
{
    struct sqlprof *pr = data;
    const char *sql = sqlite3_sql((sqlite3_stmt *)p);
    if (type != SQLITE_TRACE_PROFILE || sql == NULL)
        return 0;
    size_t i = hash(sql) % SLOTS;
    for (size_t probe = 0; probe < SLOTS; probe++) {
        struct slot *s = &pr->slots[(i + probe) % SLOTS];
        if (s->sql == NULL) {
            s->sql = strdup(sql);
            if (s->sql == NULL)
                break;
        }
        if (strcmp(s->sql, sql) == 0) {
            s->runs++;
            const int64_t *ns = x;
            s->ns += (uint64_t)ns[0];
            return 0;
        }
    }
    pr->dropped++;
    return 0;
}

struct sqlprof *sqlprof_open(sqlite3 *db)
{
    struct sqlprof *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->db = db;
    sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, trace_cb, p);
    return p;
}

static int by_time(const void *a, const void *b)
{
    const struct slot *x = a, *y = b;
    return (x->ns < y->ns) - (x->ns > y->ns);
}

void sqlprof_close(struct sqlprof *p, double wall_s, size_t top, FILE *f)
{
    if (p == NULL)
        return;
    sqlite3_trace_v2(p->db, 0, NULL, NULL);
    qsort(p->slots, SLOTS, sizeof p->slots[0], by_time);
    uint64_t total = 0;
    for (size_t i = 0; i < SLOTS; i++)
        total += p->slots[i].ns;
    fprintf(f, "\nSQLite time by statement (%.2f s of %.2f s wall):\n\n",
            (double)total / 1e9, wall_s);
    fprintf(f, "| share of wall | seconds | runs | us/run | statement |\n"
               "|---:|---:|---:|---:|---|\n");
    for (size_t i = 0; i < SLOTS && i < top && p->slots[i].sql; i++) {
        const struct slot *s = &p->slots[i];
        fprintf(f, "| %.1f%% | %.2f | %llu | %.1f | `%.150s` |\n",
                100.0 * (double)s->ns / 1e9 / wall_s, (double)s->ns / 1e9,
                (unsigned long long)s->runs,
                (double)s->ns / 1e3 / (double)s->runs, s->sql);
    }
    if (p->dropped > 0)
        fprintf(f, "(%llu statement runs not counted: table full)\n",
                (unsigned long long)p->dropped);
    for (size_t i = 0; i < SLOTS; i++)
        free(p->slots[i].sql);
    free(p);
}
