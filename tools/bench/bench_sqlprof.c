/* bench_sqlprof.c - per-statement SQLite time of an import
 * (bench_sqlprof.h). Statements are told apart by their SQL text, so a
 * statement prepared many times (BEGIN, COMMIT) sums into one line. */
#include "bench_sqlprof.h"

#include <stdbool.h>
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

static bool mentions(const char *sql, const char *const *words)
{
    for (; words != NULL && *words != NULL; words++) {
        if (strstr(sql, *words) != NULL)
            return true;
    }
    return false;
}

static void print_slot(FILE *f, const struct slot *s, double wall_s)
{
    fprintf(f, "| %.1f%% | %.2f | %llu | %.1f | `%.150s` |\n",
            100.0 * (double)s->ns / 1e9 / wall_s, (double)s->ns / 1e9,
            (unsigned long long)s->runs, (double)s->ns / 1e3 / (double)s->runs,
            s->sql);
}

void sqlprof_close(struct sqlprof *p, double wall_s, size_t top,
                   const char *const *also, FILE *f)
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
    for (size_t i = 0; i < SLOTS && i < top && p->slots[i].sql; i++)
        print_slot(f, &p->slots[i], wall_s);
    uint64_t also_ns = 0, also_runs = 0;
    /* Statements that took no measurable time sort among the empty
     * slots: look at every slot. */
    for (size_t i = 0; also != NULL && i < SLOTS; i++) {
        if (p->slots[i].sql == NULL || !mentions(p->slots[i].sql, also))
            continue;
        if (also_runs == 0)
            fprintf(f, "\nStatements that mention");
        for (const char *const *w = also; also_runs == 0 && *w; w++)
            fprintf(f, " `%s`", *w);
        if (also_runs == 0)
            fprintf(f, ", wherever they rank:\n\n| share of wall | seconds"
                       " | runs | us/run | statement |\n"
                       "|---:|---:|---:|---:|---|\n");
        print_slot(f, &p->slots[i], wall_s);
        also_ns += p->slots[i].ns;
        also_runs += p->slots[i].runs;
    }
    if (also_runs > 0)
        fprintf(f, "| %.1f%% | %.3f | %llu | | (their sum) |\n",
                100.0 * (double)also_ns / 1e9 / wall_s, (double)also_ns / 1e9,
                (unsigned long long)also_runs);
    if (p->dropped > 0)
        fprintf(f, "(%llu statement runs not counted: table full)\n",
                (unsigned long long)p->dropped);
    for (size_t i = 0; i < SLOTS; i++)
        free(p->slots[i].sql);
    free(p);
}
