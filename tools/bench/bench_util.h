/* bench_util.h - what the benchmark programs (bench_search.c,
 * bench_needs.c, bench_care.c) share: a seeded draw, the monotonic
 * clock in ms, an order of doubles for qsort, stopping with a message,
 * an option's number, and rows written a batch of N at a time. Header-only,
 * static: each program is one file and links none of the others. */
#ifndef HZ_BENCH_UTIL_H
#define HZ_BENCH_UTIL_H

#include "huzhu/node.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A number below @n from the xorshift state *@s (not 0). */
static inline uint32_t bench_below(uint64_t *s, uint32_t n)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)(*s % n);
}

/* "@prog: @what: @err's message" on stderr, then exit 1. */
static inline void bench_die(const char *prog, const char *what,
                             const struct hz_err *err)
{
    fprintf(stderr, "%s: %s: %s\n", prog, what, err != NULL ? err->msg : "");
    exit(1);
}

static inline double bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The unsigned value after @name among @argv, or @dflt. */
static inline unsigned bench_opt(int argc, char **argv, const char *name,
                                 unsigned dflt)
{
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return (unsigned)strtoul(argv[i + 1], NULL, 10);
    return dflt;
}

/* Writes rows through batches of at most @per rows, one commit each; a
 * failure stops @prog with its message. */
struct bench_writer {
    const char *prog;
    hz_node *node;
    hz_batch *b;
    unsigned n, per;
};

static inline void bench_put(struct bench_writer *w, const char *table,
                             size_t n_fields, const struct hz_field *f,
                             char *id_out)
{
    struct hz_err err = {0};
    if (w->b == NULL && hz_batch_open(w->node, &w->b, &err) != 0)
        bench_die(w->prog, "batch", &err);
    if (hz_batch_put(w->b, table, NULL, n_fields, f, id_out, &err) != 0)
        bench_die(w->prog, table, &err);
    if (++w->n == w->per) {
        if (hz_node_commit(w->node, w->b, NULL, &err) != 0)
            bench_die(w->prog, "commit", &err);
        hz_batch_close(w->b);
        w->b = NULL;
        w->n = 0;
    }
}

static inline void bench_flush(struct bench_writer *w)
{
    struct hz_err err = {0};
    if (w->b != NULL && hz_node_commit(w->node, w->b, NULL, &err) != 0)
        bench_die(w->prog, "commit", &err);
    hz_batch_close(w->b);
    w->b = NULL;
    w->n = 0;
}

/* The median of each tenth of @t (@count values) as a JSON array. */
static inline void bench_print_tenths(const char *key, double *t,
                                      unsigned count)
{
    printf(",\"%s\":[", key);
    unsigned tenth = count / 10;
    for (unsigned k = 0; tenth > 0 && k < 10; k++) {
        qsort(t + k * tenth, tenth, sizeof *t, bench_cmp_double);
        printf("%s%.2f", k ? "," : "", t[k * tenth + tenth / 2]);
    }
    printf("]");
}

/* `time DIR REPORT [--id ID] [--runs N] [--rows all|stream|page]`:
 * opens DIR as `huzhu serve` does and calls hz_node_report(REPORT) --runs
 * times (default 20) as at @now; prints the median, p95 and max in ms and
 * the answer's length as one JSON line. Rows a report hands over one by
 * one (--rows stream, as the command line takes them) are counted in the
 * length, never kept; --rows page asks for the web page's 100. */
static inline int bench_count_row(void *data, const char *json,
                                  struct hz_err *err)
{
    (void)err;
    *(size_t *)data += strlen(json) + 1;
    return 0;
}

static inline int bench_time_report(const char *prog, const char *dir,
                                    const char *report, int64_t now, int argc,
                                    char **argv)
{
    const char *id = NULL, *rows = "all";
    for (int i = 0; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--id") == 0)
            id = argv[i + 1];
        if (strcmp(argv[i], "--rows") == 0)
            rows = argv[i + 1];
    }
    unsigned runs = bench_opt(argc, argv, "--runs", 20);
    if (runs < 1)
        runs = 1;
    struct hz_err err = {0};
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION};
    hz_node *node = NULL;
    if (hz_node_open(dir, &opts, &node, &err) != 0)
        bench_die(prog, "open", &err);
    double *t = calloc(runs, sizeof *t);
    size_t len = 0;
    for (unsigned i = 0; i < runs; i++) {
        struct hz_report_opts o = {.id = id, .now = now};
        size_t streamed = 0;
        if (strcmp(rows, "stream") == 0) {
            o.rows_fn = bench_count_row;
            o.rows_data = &streamed;
        } else if (strcmp(rows, "page") == 0) {
            o.rows_limit = 100; /* the web page's */
        }
        char *json = NULL;
        double t0 = bench_now_ms();
        if (hz_node_report(node, report, &o, &json, &err) != 0)
            bench_die(prog, report, &err);
        t[i] = bench_now_ms() - t0;
        len = strlen(json) + streamed;
        hz_free_string(json);
    }
    qsort(t, runs, sizeof *t, bench_cmp_double);
    printf("{\"report\":\"%s\",\"id\":%s%s%s,\"runs\":%u,\"median_ms\":%.1f,"
           "\"p95_ms\":%.1f,\"max_ms\":%.1f,\"answer_bytes\":%zu}\n",
           report, id ? "\"" : "", id ? id : "null", id ? "\"" : "", runs,
           t[runs / 2], t[(runs * 95) / 100 < runs ? (runs * 95) / 100 : 0],
           t[runs - 1], len);
    free(t);
    hz_node_close(node);
    return 0;
}

#endif
