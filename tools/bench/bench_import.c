/* bench_import.c - how fast a node takes in a large bundle (issue 2).
 *
 * One run measures, in this order and in one process:
 *   1. hz_bundle_import of a generated bundle (bench_gen.c; cached between
 *      runs, generated in a child process so that its memory does not
 *      count against the import's peak) into a new node in a temporary
 *      directory: wall time, entries/s, operations/s, fields/s;
 *   2. raw Ed25519 verification of as many messages as the bundle has
 *      entries, each the bundle's mean entry size;
 *   3. raw SQLite inserts of as many rows as the bundle has operations,
 *      each the bundle's mean bytes per operation, WAL + synchronous=FULL,
 *      committed every HZ_IMPORT_BATCH rows, and again committed as often
 *      as the import commits;
 * and prints the table and ratios that BENCHMARKS.md records, per second
 * of wall time and per second of CPU time (user + system: on a shared
 * machine the steadier of the two), with peak memory and disk use. The
 * import is checked, untimed, to have applied every entry and to
 * reproduce the source node's state hash.
 *
 * With --network (issue 3) the same operations are also generated inside
 * a real network (bench_gen.h) and imported, in the same run, into a node
 * entered into that network: once from the plain bundle (the trust checks
 * alone) and once sealed as a networked node exports it (trust checks and
 * unsealing). Sealing, unsealing and a plain copy of the bundle are
 * measured apart as well (bench_seal.c). --rounds N repeats the imports,
 * rotating their order, to show how much a shared machine moves them.
 *
 * Timing belongs here, never in a test's assertions (STYLE 10).
 *
 *   tools/bench/run.sh [--ops N] [--batch N] [--seed N] [--dir DIR]
 *                      [--cache DIR] [--regen] [--no-raw] [--keep]
 *                      [--sql-profile] [--pragma P] [--min-seconds S]
 *                      [--network] [--rounds N] */
#include "bench_gen.h"
#include "bench_raw.h"
#include "bench_seal.h"
#include "bench_sqlprof.h"
#include "bench_trust.h"

#include "huzhu/bundle.h"
#include "huzhu/node.h"

#include "core/limits.h"
#include "store/internal.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PATH_LEN 4096
#define MIB (1024.0 * 1024.0)
#define ROUNDS_MAX 20u

struct opts {
    struct gen_params gen;
    const char *dir;   /* where the work directory is made */
    const char *cache; /* where bundles are kept between runs */
    int regen, no_raw, keep;
    int sql_profile;    /* print SQLite time per statement */
    const char *pragma; /* a what-if setting for the importing node */
    double min_s;       /* the least time of a repeated measurement */
    int network;        /* also import inside a network (issue 3) */
    unsigned rounds;    /* imports of each kind */
};

/* The imports one run makes: the placeholder network always; with
 * --network also the network's bundle, plain and sealed. */
enum kind { K_PLACEHOLDER, K_NETWORK, K_SEALED, K_COUNT };

static const char *const kind_name[K_COUNT] = {"placeholder", "network",
                                               "sealed"};
static const char *const kind_what[K_COUNT] = {
    "placeholder network, plain bundle",
    "network, plain bundle (trust checks)",
    "network, sealed bundle (trust checks + unseal)",
};

/* What the bundle file holds, read from its frames. */
struct bundle_info {
    uint64_t file_bytes;
    uint64_t entries;
    uint64_t entry_bytes; /* sum over entries */
    uint64_t entry_max;
};

/* One import of one bundle into a new node. */
/* What one table or index of node.db takes, from dbstat. */
struct table_cost {
    char name[48];
    uint64_t bytes, rows;
};
#define TABLE_COSTS_MAX 48

struct import_res {
    struct rate import; /* n = operations */
    struct rate again;  /* the same bundle imported again: all held */
    struct table_cost tables[TABLE_COSTS_MAX];
    size_t n_tables;
    double hash_s;
    struct hz_ingest_stats stats;
    long rss_before_kb, rss_after_kb;
    uint64_t db_bytes, wal_bytes, db_closed_bytes;
    double load_start;  /* 1-minute load average */
    struct rate trust;  /* trust_allowed calls on one entry (first network
                           import, after it) */
    uint64_t trust_ops; /* that entry's operations */
    uint64_t commits;   /* the import's write transactions */
};

struct results {
    /* Every import of each kind, and their sum over the rounds. The
     * headline table is the placeholder's sum; memory and disk are of
     * its last round. */
    struct import_res im[K_COUNT][ROUNDS_MAX];
    struct rate sum[K_COUNT]; /* n = operations over all rounds */
    long rss_end_kb;
    long rss_gen_kb;        /* the generator child, when it ran in this run */
    double load_end;        /* 1-minute load average */
    struct seal_costs seal; /* --network */
    /* The peers, measured after each round's imports (the machine's speed
     * drifts: each round's ratios compare like with like), and their sums
     * over the rounds; sqlite at HZ_IMPORT_BATCH rows a commit in the
     * first round only. */
    struct raw_round {
        struct rate verify, matched, upsert;
    } raw[ROUNDS_MAX];
    struct rate verify, sqlite, sqlite_matched, upsert;
    uint64_t sqlite_matched_per_txn, import_txns;
    uint64_t sqlite_db_bytes, sqlite_matched_db_bytes;
};

/* Format a path into @out (PATH_LEN bytes); one too long stops the run. */
static void path_fmt(char *out, const char *fmt, ...) HZ_PRINTF(2, 3);
static void path_fmt(char *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(out, PATH_LEN, fmt, ap);
    va_end(ap);
    if (len < 0 || len >= PATH_LEN) {
        fprintf(stderr, "bench: path too long\n");
        exit(1);
    }
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hz_bench_import [--ops N] [--batch N] [--seed N]"
            " [--dir DIR] [--cache DIR]\n"
            "                       [--regen] [--no-raw] [--keep]"
            " [--sql-profile] [--pragma P]\n"
            "  --ops N      operations in the bundle (default 1000000;"
            " 20000 for a smoke run)\n"
            "  --batch N    operations per commit, 1..%u (default %u)\n"
            "  --seed N     generator seed (default 1)\n"
            "  --dir DIR    parent of the temporary work directory"
            " (default $TMPDIR or /tmp)\n"
            "  --cache DIR  generated bundles (default"
            " DIR/huzhu-bench-cache)\n"
            "  --regen      generate the bundle even if it is cached\n"
            "  --no-raw     import only (for profiling)\n"
            "  --keep       keep the imported node\n"
            "  --sql-profile  print the import's SQLite time per statement"
            " (slows it a little)\n"
            "  --pragma P   run PRAGMA P on the importing node first: a"
            " what-if, not\n"
            "               the product's settings (e.g. cache_size=-262144)\n"
            "  --min-seconds S  least time of the raw verify, seal and"
            " unseal\n"
            "               measurements (default 1)\n"
            "  --network    also import the same operations inside a"
            " network: the\n"
            "               plain bundle and the sealed one (issue 3)\n"
            "  --rounds N   imports of each kind, 1..%u, order rotated"
            " (default 1)\n",
            HZ_OPS_MAX, HZ_OPS_MAX, ROUNDS_MAX);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    const char *tmp = getenv("TMPDIR");
    *o = (struct opts){.gen = {.ops = 1000000, .batch = HZ_OPS_MAX, .seed = 1},
                       .dir = tmp != NULL && *tmp ? tmp : "/tmp",
                       .min_s = 1.0,
                       .rounds = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t x = 0;
        if (strcmp(a, "--regen") == 0)
            o->regen = 1;
        else if (strcmp(a, "--no-raw") == 0)
            o->no_raw = 1;
        else if (strcmp(a, "--keep") == 0)
            o->keep = 1;
        else if (strcmp(a, "--sql-profile") == 0)
            o->sql_profile = 1;
        else if (strcmp(a, "--network") == 0)
            o->network = 1;
        else if (strcmp(a, "--help") == 0) {
            usage(stdout);
            exit(0);
        } else if (v == NULL)
            return -1;
        else if (strcmp(a, "--ops") == 0 && parse_u64(v, &x) == 0 && x > 0)
            o->gen.ops = x, i++;
        else if (strcmp(a, "--batch") == 0 && parse_u64(v, &x) == 0 && x >= 1 &&
                 x <= HZ_OPS_MAX)
            o->gen.batch = (unsigned)x, i++;
        else if (strcmp(a, "--seed") == 0 && parse_u64(v, &x) == 0)
            o->gen.seed = x, i++;
        else if (strcmp(a, "--min-seconds") == 0 && parse_u64(v, &x) == 0)
            o->min_s = (double)x, i++;
        else if (strcmp(a, "--rounds") == 0 && parse_u64(v, &x) == 0 &&
                 x >= 1 && x <= ROUNDS_MAX)
            o->rounds = (unsigned)x, i++;
        else if (strcmp(a, "--dir") == 0)
            o->dir = v, i++;
        else if (strcmp(a, "--cache") == 0)
            o->cache = v, i++;
        else if (strcmp(a, "--pragma") == 0)
            o->pragma = v, i++;
        else
            return -1;
    }
    return 0;
}

/* The 1-minute load average: other work on the machine skews timings. */
static double loadavg(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f != NULL) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

static long maxrss_kb(int who)
{
    struct rusage ru;
    return getrusage(who, &ru) == 0 ? ru.ru_maxrss : -1;
}

static uint64_t file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static int mkdir_p(const char *path)
{
    char buf[PATH_LEN];
    path_fmt(buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* Remove a directory holding files only. */
static void rm_flat(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char p[PATH_LEN];
        path_fmt(p, "%s/%s", dir, de->d_name);
        remove(p);
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

/* Generate in a child: the source node's memory stays out of our peak. */
static int generate(const struct gen_params *gp, const char *bundle,
                    const char *meta, struct results *res)
{
    fprintf(stderr,
            "bench: generating %" PRIu64 " operations, %u per commit%s"
            " (cached afterwards in %s)\n",
            gp->ops, gp->batch, gp->network ? ", in a network" : "", bundle);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        struct gen_result r;
        int rv = gen_bundle(gp, bundle, &r);
        if (rv == 0)
            rv = gen_meta_write(meta, gp, &r);
        fflush(NULL);
        _exit(rv == 0 ? 0 : 1);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench: the generator failed\n");
        return -1;
    }
    res->rss_gen_kb = maxrss_kb(RUSAGE_CHILDREN);
    return 0;
}

static int read_bundle_info(const char *path, struct bundle_info *bi)
{
    memset(bi, 0, sizeof *bi);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    int rv = fseek(f, 8, SEEK_SET); /* the magic */
    uint8_t hdr[HZ_FRAME_HDR_LEN];
    while (rv == 0 && fread(hdr, 1, sizeof hdr, f) == sizeof hdr) {
        uint64_t len = (uint64_t)hdr[0] << 24 | (uint64_t)hdr[1] << 16 |
                       (uint64_t)hdr[2] << 8 | hdr[3];
        if (hdr[4] == 2) {
            bi->entries++;
            bi->entry_bytes += len;
            if (len > bi->entry_max)
                bi->entry_max = len;
        }
        rv = fseek(f, (long)len, SEEK_CUR);
    }
    fclose(f);
    bi->file_bytes = file_bytes(path);
    return rv == 0 && bi->entries > 0 ? 0 : -1;
}

/* The importing node's world: its wall clock reads one minute after the
 * bundle was made, as for a bundle carried over the same day. */
struct fixed_env {
    uint64_t now_ms;
    uint64_t state;
};

static uint64_t fixed_now(void *data)
{
    return ((struct fixed_env *)data)->now_ms;
}

static void fixed_random(void *data, void *buf, size_t len)
{
    struct fixed_env *e = data;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        e->state = e->state * UINT64_C(6364136223846793005) +
                   UINT64_C(1442695040888963407);
        p[i] = (uint8_t)(e->state >> 56);
    }
}

/* A what-if: a setting the product does not make (--pragma). */
static int set_pragma(hz_node *node, const char *pragma)
{
    char sql[512];
    int len = snprintf(sql, sizeof sql, "PRAGMA %s", pragma);
    if (len < 0 || (size_t)len >= sizeof sql ||
        sqlite3_exec(node->db.conn, sql, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench: %s: %s\n", sql, sqlite3_errmsg(node->db.conn));
        return -1;
    }
    fprintf(stderr, "bench: what-if: %s on the importing node\n", sql);
    return 0;
}

/* The same bundle again: every entry is held, recognised by its id and
 * bytes, with no signature checked (issue 11: at least 5x the fresh
 * import). */
static int reimport(hz_node *node, const char *bundle,
                    const struct gen_result *gr, struct import_res *res,
                    struct hz_err *err)
{
    struct hz_ingest_stats st = {0};
    struct clocks t0, t1;
    clocks_now(&t0);
    int rv = hz_bundle_import(node, bundle, &st, err);
    clocks_now(&t1);
    res->again = rate_between(gr->ops, &t0, &t1);
    if (rv == 0 && st.duplicate != gr->entries) {
        fprintf(stderr,
                "bench: re-import: %" PRIu64 " of %" PRIu64
                " entries duplicate\n",
                st.duplicate, gr->entries);
        rv = -1;
    }
    return rv;
}

/* Bytes and rows of each table and index, after a checkpoint (dbstat). */
static void table_costs(hz_node *node, struct import_res *res)
{
    sqlite3 *c = node->db.conn;
    sqlite3_exec(c, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c,
                           "SELECT name, sum(pgsize), sum(CASE WHEN pagetype"
                           " = 'leaf' THEN ncell ELSE 0 END) FROM dbstat"
                           " GROUP BY name ORDER BY 2 DESC",
                           -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench: dbstat: %s\n", sqlite3_errmsg(c));
        return;
    }
    while (sqlite3_step(st) == SQLITE_ROW && res->n_tables < TABLE_COSTS_MAX) {
        struct table_cost *t = &res->tables[res->n_tables++];
        snprintf(t->name, sizeof t->name, "%s",
                 (const char *)sqlite3_column_text(st, 0));
        t->bytes = (uint64_t)sqlite3_column_int64(st, 1);
        t->rows = (uint64_t)sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
}

/* Import @bundle into a new node in @work (inside @net when not NULL)
 * and check, untimed, that every entry applied and the state hash is the
 * source's. The node is removed afterwards unless --keep. */
static int run_import(const struct opts *o, const char *work, enum kind k,
                      unsigned round, const char *bundle,
                      const struct gen_result *gr,
                      const struct gen_network *net, struct import_res *res)
{
    char node_dir[PATH_LEN], db[PATH_LEN], wal[PATH_LEN];
    path_fmt(node_dir, "%s/node-%s-%u", work, kind_name[k], round + 1);
    path_fmt(db, "%s/%s", node_dir, HZ_DB_FILE);
    path_fmt(wal, "%s-wal", db);
    struct fixed_env fe = {.now_ms = gr->end_ms + 60000, .state = 7};
    struct hz_env env = {
        .data = &fe, .now_ms = fixed_now, .random = fixed_random};
    struct hz_node_opts no = {.version = HZ_NODE_OPTS_VERSION, .env = &env};
    struct hz_err err = {0};
    hz_node *node = NULL;
    memset(res, 0, sizeof *res);
    if (hz_node_create(node_dir, "bench-import", &no, &node, &err) != 0) {
        fprintf(stderr, "bench: create node: %s\n", err.msg);
        return -1;
    }
    if ((net != NULL && seal_bench_enter(node, node_dir, net) != 0) ||
        (o->pragma != NULL && set_pragma(node, o->pragma) != 0)) {
        hz_node_close(node);
        return -1;
    }
    struct sqlprof *prof = o->sql_profile ? sqlprof_open(node->db.conn) : NULL;
    if (prof != NULL)
        printf("\n### SQL profile: import %u, %s\n\n", round + 1, kind_what[k]);
    res->rss_before_kb = maxrss_kb(RUSAGE_SELF);
    res->load_start = loadavg();
    struct clocks t0, t1;
    clocks_now(&t0);
    uint64_t commits = node->commits;
    int rv = hz_bundle_import(node, bundle, &res->stats, &err);
    clocks_now(&t1);
    res->commits = node->commits - commits;
    res->import = rate_between(gr->ops, &t0, &t1);
    /* The trust tables (src/store/trust.c), wherever they rank. */
    static const char *const trust_sql[] = {" member ",  " cutoff ", " tobj",
                                            " standing", " epochs",  NULL};
    sqlprof_close(prof, res->import.wall_s, 25, trust_sql, stdout);
    res->rss_after_kb = maxrss_kb(RUSAGE_SELF);
    res->db_bytes = file_bytes(db);
    res->wal_bytes = file_bytes(wal);
    if (rv == 0 && round == 0)
        rv = reimport(node, bundle, gr, res, &err);
    if (rv == 0 && round == 0)
        table_costs(node, res);
    if (rv != 0)
        fprintf(stderr,
                "bench: import: %s (%s); if src/ changed the format since"
                " the bundle was cached, run with --regen\n",
                err.msg, hz_errname(rv));
    char hash[HZ_KEY_HEX_LEN + 1] = "";
    if (rv == 0) {
        rv = hz_node_state_hash(node, hash, &err);
        struct clocks t2;
        clocks_now(&t2);
        res->hash_s = t2.wall_s - t1.wall_s;
    }
    /* The per-entry trust check alone, untimed for the import. */
    if (rv == 0 && k == K_NETWORK && round == 0)
        rv = trust_bench_allowed(node, o->min_s, &res->trust_ops, &res->trust);
    hz_node_close(node);
    res->db_closed_bytes = file_bytes(db) + file_bytes(wal);
    if (rv == 0 && strcmp(hash, gr->state_hash) != 0) {
        fprintf(stderr,
                "bench: state hash after import %s differs from the"
                " source's %s\n",
                hash, gr->state_hash);
        rv = -1;
    }
    const struct hz_ingest_stats *s = &res->stats;
    if (rv == 0 && (s->applied != gr->entries || s->entries != gr->entries ||
                    s->denied != 0)) {
        fprintf(stderr,
                "bench: applied %" PRIu64 " of %" PRIu64 " entries (%" PRIu64
                " denied)\n",
                s->applied, gr->entries, s->denied);
        rv = -1;
    }
    fprintf(stderr,
            "bench: import %u, %s: %.2f s wall, %.2f s CPU (%.2f s system),"
            " %.0f ops per CPU s\n",
            round + 1, kind_what[k], res->import.wall_s, res->import.cpu_s,
            res->import.sys_s, (double)gr->ops / res->import.cpu_s);
    if (!o->keep)
        rm_flat(node_dir);
    else
        fprintf(stderr, "bench: kept %s\n", node_dir);
    return rv;
}

static void rate_add(struct rate *sum, const struct rate *r)
{
    sum->n += r->n;
    sum->wall_s += r->wall_s;
    sum->cpu_s += r->cpu_s;
    sum->sys_s += r->sys_s;
}

/* The peers of round @round's placeholder import, right after it. */
static int run_raw(const struct opts *o, const char *work,
                   const struct gen_result *gr, const struct bundle_info *bi,
                   unsigned round, struct results *res)
{
    size_t entry_len = (size_t)(bi->entry_bytes / bi->entries);
    size_t row_len = (size_t)(bi->entry_bytes / gr->ops);
    char path[PATH_LEN];
    path_fmt(path, "%s/raw.db", work);
    /* As many commits (and fsyncs) as the first import made (its batches
     * end by entries, bytes or time). */
    res->import_txns = res->im[K_PLACEHOLDER][0].commits;
    if (res->import_txns == 0)
        res->import_txns = 1;
    res->sqlite_matched_per_txn =
        (gr->ops + res->import_txns - 1) / res->import_txns;
    struct raw_round *w = &res->raw[round];
    uint64_t ignored;
    int rv = raw_verify(bi->entries, entry_len, o->min_s, &w->verify);
    if (rv == 0 && round == 0)
        rv = raw_sqlite(path, RAW_INSERT, gr->ops, row_len, HZ_IMPORT_BATCH,
                        &res->sqlite, &res->sqlite_db_bytes);
    if (rv == 0)
        rv = raw_sqlite(path, RAW_INSERT, gr->ops, row_len,
                        res->sqlite_matched_per_txn, &w->matched,
                        round == 0 ? &res->sqlite_matched_db_bytes : &ignored);
    if (rv == 0)
        rv = raw_sqlite(path, RAW_UPSERT, gr->ops, row_len,
                        res->sqlite_matched_per_txn, &w->upsert, &ignored);
    if (rv != 0)
        return rv;
    rate_add(&res->verify, &w->verify);
    rate_add(&res->sqlite_matched, &w->matched);
    rate_add(&res->upsert, &w->upsert);
    fprintf(stderr,
            "bench: peers %u: verify %.2f CPU s, insert %.2f, upsert %.2f\n",
            round + 1, w->verify.cpu_s, w->matched.cpu_s, w->upsert.cpu_s);
    return 0;
}

static double per_wall(const struct rate *r, uint64_t n)
{
    return (double)n / r->wall_s;
}

static double per_cpu(const struct rate *r, uint64_t n)
{
    return (double)n / r->cpu_s;
}

/* Seconds the apply ceiling takes for @entries entries of @ops
 * operations at the rates of @verify and @rows (CPU or wall time). */
static double ceiling(uint64_t entries, uint64_t ops, const struct rate *verify,
                      const struct rate *rows, bool cpu)
{
    return cpu ? (double)entries / per_cpu(verify, verify->n) +
                     (double)ops / per_cpu(rows, rows->n)
               : (double)entries / per_wall(verify, verify->n) +
                     (double)ops / per_wall(rows, rows->n);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of @n values (sorted in place). */
static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static void print_rate(const char *what, const struct rate *r, uint64_t n)
{
    printf("| %s | %" PRIu64 " | %.2f | %.1f | %.2f | %.1f | %.2f |\n", what, n,
           r->wall_s, per_wall(r, n), r->cpu_s, per_cpu(r, n), r->sys_s);
}

static void print_bundle(const struct opts *o, const struct gen_result *gr,
                         const struct bundle_info *bi)
{
    printf("\n## huzhu import benchmark\n\n");
    printf("bundle: %" PRIu64 " ops (%" PRIu64 " sets incl. %" PRIu64
           " updates, %" PRIu64 " inserts, %" PRIu64 " deletes), %" PRIu64
           " fields, %" PRIu64 " entries in %" PRIu64 " commits of <= %u ops;"
           " seed %" PRIu64 "\n",
           gr->ops, gr->sets, gr->updates, gr->inserts, gr->deletes, gr->fields,
           gr->entries, gr->commits, o->gen.batch, o->gen.seed);
    printf("bundle file: %.1f MiB; entry mean %.1f KiB, max %.1f KiB;"
           " %.0f bytes/op\n\n",
           (double)bi->file_bytes / MIB,
           (double)bi->entry_bytes / (double)bi->entries / 1024.0,
           (double)bi->entry_max / 1024.0,
           (double)bi->entry_bytes / (double)gr->ops);
    if (o->pragma != NULL)
        printf("**what-if: PRAGMA %s on the importing node (not the"
               " product's settings)**\n\n",
               o->pragma);
}

static void print_rates(const struct opts *o, const struct gen_result *gr,
                        const struct bundle_info *bi, const struct results *r)
{
    char what[160];
    const struct rate *im = &r->sum[K_PLACEHOLDER];
    uint64_t rounds = o->rounds, ops = gr->ops * rounds;
    uint64_t entries = gr->entries * rounds;
    printf("| measure | count | wall s | per wall s | CPU s | per CPU s |"
           " of which system s |\n|---|---:|---:|---:|---:|---:|---:|\n");
    print_rate("import: entries (stage + verify + apply)", im, entries);
    print_rate("import: operations", im, ops);
    print_rate("import: fields", im, gr->fields * rounds);
    if (o->no_raw)
        return;
    snprintf(what, sizeof what, "raw Ed25519 verify, %.1f KiB messages",
             (double)bi->entry_bytes / (double)bi->entries / 1024.0);
    print_rate(what, &r->verify, r->verify.n);
    double row = (double)bi->entry_bytes / (double)gr->ops;
    snprintf(what, sizeof what, "raw SQLite insert, %.0f B rows, %u rows/txn",
             row, HZ_IMPORT_BATCH);
    print_rate(what, &r->sqlite, r->sqlite.n);
    snprintf(what, sizeof what,
             "raw SQLite insert, %.0f B rows, %" PRIu64 " rows/txn (%" PRIu64
             " commits, as the import)",
             row, r->sqlite_matched_per_txn, r->import_txns);
    print_rate(what, &r->sqlite_matched, r->sqlite_matched.n);
    snprintf(what, sizeof what,
             "raw SQLite upsert by a unique key, %.0f B rows, %" PRIu64
             " rows/txn (as the import)",
             row, r->sqlite_matched_per_txn);
    print_rate(what, &r->upsert, r->upsert.n);
    printf("\n| ratio | wall | CPU |\n|---|---:|---:|\n");
    printf("| import ops/s / raw SQLite rows/s (%u rows/txn) | %.4f | %.4f "
           "|\n",
           HZ_IMPORT_BATCH,
           per_wall(im, ops) / per_wall(&r->sqlite, r->sqlite.n),
           per_cpu(im, ops) / per_cpu(&r->sqlite, r->sqlite.n));
    printf("| import ops/s / raw SQLite rows/s (same commits) | %.4f | %.4f "
           "|\n",
           per_wall(im, ops) /
               per_wall(&r->sqlite_matched, r->sqlite_matched.n),
           per_cpu(im, ops) / per_cpu(&r->sqlite_matched, r->sqlite_matched.n));
    printf("| import entries/s / raw Ed25519 verify/s | %.4f | %.4f |\n",
           per_wall(im, entries) / per_wall(&r->verify, r->verify.n),
           per_cpu(im, entries) / per_cpu(&r->verify, r->verify.n));
    /* The apply ceiling (issue 11): each entry's signature verified and
     * each operation's bytes written as a row, nothing else; the row
     * appended (insert), or written by its key as a replica applies a
     * record (upsert). */
    printf("| import ops/s / apply ceiling (verify + insert, same commits) |"
           " %.4f | %.4f |\n",
           ceiling(entries, ops, &r->verify, &r->sqlite_matched, false) /
               im->wall_s,
           ceiling(entries, ops, &r->verify, &r->sqlite_matched, true) /
               im->cpu_s);
    printf("| import ops/s / apply ceiling (verify + upsert, same commits) |"
           " %.4f | %.4f |\n",
           ceiling(entries, ops, &r->verify, &r->upsert, false) / im->wall_s,
           ceiling(entries, ops, &r->verify, &r->upsert, true) / im->cpu_s);
    /* Each round's import against the peers measured right after it. */
    printf("\n| round | import CPU s | verify CPU s | insert CPU s | upsert"
           " CPU s | / ceiling (insert), CPU | / ceiling (upsert), CPU |\n"
           "|---:|---:|---:|---:|---:|---:|---:|\n");
    double by_insert[ROUNDS_MAX], by_upsert[ROUNDS_MAX];
    for (unsigned i = 0; i < o->rounds; i++) {
        const struct rate *x = &r->im[K_PLACEHOLDER][i].import;
        const struct raw_round *w = &r->raw[i];
        by_insert[i] =
            ceiling(gr->entries, gr->ops, &w->verify, &w->matched, true) /
            x->cpu_s;
        by_upsert[i] =
            ceiling(gr->entries, gr->ops, &w->verify, &w->upsert, true) /
            x->cpu_s;
        printf("| %u | %.2f | %.2f | %.2f | %.2f | %.4f | %.4f |\n", i + 1,
               x->cpu_s, w->verify.cpu_s * (double)gr->entries / w->verify.n,
               w->matched.cpu_s, w->upsert.cpu_s, by_insert[i], by_upsert[i]);
    }
    if (o->rounds > 1)
        printf("| median | | | | | %.4f | %.4f |\n",
               median(by_insert, o->rounds), median(by_upsert, o->rounds));
}

static void print_memory(const struct opts *o, const struct results *r)
{
    const struct import_res *last = &r->im[K_PLACEHOLDER][o->rounds - 1];
    printf("\n| memory and disk | value |\n|---|---:|\n");
    printf("| peak RSS before import | %.1f MiB |\n",
           (double)last->rss_before_kb / 1024.0);
    printf("| peak RSS after import | %.1f MiB |\n",
           (double)last->rss_after_kb / 1024.0);
    printf("| peak RSS, whole run (this process) | %.1f MiB |\n",
           (double)r->rss_end_kb / 1024.0);
    if (r->rss_gen_kb > 0)
        printf("| peak RSS of the generator (child) | %.1f MiB |\n",
               (double)r->rss_gen_kb / 1024.0);
    printf("| node.db + WAL after import | %.1f + %.1f MiB |\n",
           (double)last->db_bytes / MIB, (double)last->wal_bytes / MIB);
    printf("| node.db after close | %.1f MiB |\n",
           (double)last->db_closed_bytes / MIB);
    printf("| state hash after import (untimed) | equal, %.2f s |\n",
           last->hash_s);
    const struct import_res *first = &r->im[K_PLACEHOLDER][0];
    printf("| re-import of the same bundle (all held): CPU s, fresh / again |"
           " %.2f, %.1fx |\n",
           first->again.cpu_s, first->import.cpu_s / first->again.cpu_s);
    printf("| load average at import start / end of run (this run"
           " adds 1) | %.2f / %.2f |\n",
           last->load_start, r->load_end);
}

/* The network section (--network): the three kinds of import side by
 * side, each round, and the cost of the seal on its own. */
static void print_network(const struct opts *o, const struct gen_result *gr,
                          const struct gen_result *ngr,
                          const struct bundle_info *nbi,
                          const struct results *r)
{
    const struct seal_costs *sc = &r->seal;
    uint64_t ops = gr->ops * o->rounds;
    printf("\n### In a network (issue 3)\n\n");
    printf("network bundle: the same %" PRIu64 " ops and %" PRIu64
           " fields in %" PRIu64 " entries (the first carries the source's"
           " root-signed coordinator certificate); file %.1f MiB, sealed"
           " %.1f MiB (+%" PRIu64 " bytes)\n\n",
           ngr->ops, ngr->fields, ngr->entries, (double)nbi->file_bytes / MIB,
           (double)sc->sealed_bytes / MIB, sc->sealed_bytes - sc->plain_bytes);
    printf("| import, %u round(s) | ops | wall s | per wall s | CPU s | per"
           " CPU s | / placeholder, wall | / placeholder, CPU |\n"
           "|---|---:|---:|---:|---:|---:|---:|---:|\n",
           o->rounds);
    const struct rate *base = &r->sum[K_PLACEHOLDER];
    for (int k = 0; k < K_COUNT; k++) {
        const struct rate *m = &r->sum[k];
        printf("| %s | %" PRIu64 " | %.2f | %.1f | %.2f | %.1f | %.3f |"
               " %.3f |\n",
               kind_what[k], ops, m->wall_s, per_wall(m, ops), m->cpu_s,
               per_cpu(m, ops), per_wall(m, ops) / per_wall(base, ops),
               per_cpu(m, ops) / per_cpu(base, ops));
    }
    printf("\n| round | import | wall s | CPU s | ops per CPU s | load at"
           " start |\n|---:|---|---:|---:|---:|---:|\n");
    for (unsigned i = 0; i < o->rounds; i++) {
        for (int j = 0; j < K_COUNT; j++) {
            int k = (int)((i + (unsigned)j) % K_COUNT); /* the run order */
            const struct import_res *x = &r->im[k][i];
            printf("| %u | %s | %.2f | %.2f | %.0f | %.2f |\n", i + 1,
                   kind_name[k], x->import.wall_s, x->import.cpu_s,
                   per_cpu(&x->import, gr->ops), x->load_start);
        }
    }
    printf("\n| bundle file, no fsync | MiB | wall s | MiB per wall s | CPU"
           " s | MiB per CPU s |\n|---|---:|---:|---:|---:|---:|\n");
    const struct {
        const char *what;
        const struct rate *m;
    } steps[] = {
        {"seal, as an export does (seal_begin, seal_write, seal_end)",
         &sc->seal},
        {"unseal (unseal_file)", &sc->unseal},
        {"plain copy, 64 KiB stdio (staging an unsealed bundle)", &sc->copy}};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        const struct rate *m = steps[i].m;
        printf("| %s | %.1f | %.3f | %.1f | %.3f | %.1f |\n", steps[i].what,
               (double)m->n / MIB, m->wall_s, per_wall(m, m->n) / MIB, m->cpu_s,
               per_cpu(m, m->n) / MIB);
    }
    /* Unsealing one bundle, per CPU second measured above, against the
     * sealed import's CPU time per round. */
    double bytes = (double)sc->plain_bytes;
    double unseal_s = bytes / per_cpu(&sc->unseal, sc->unseal.n);
    double copy_s = bytes / per_cpu(&sc->copy, sc->copy.n);
    double sealed_s = r->sum[K_SEALED].cpu_s / o->rounds;
    printf("\n| unsealing this bundle | value |\n|---|---:|\n");
    printf("| CPU s to unseal (from the rate above) | %.3f |\n", unseal_s);
    printf("| CPU s beyond a plain copy | %.3f |\n", unseal_s - copy_s);
    printf("| share of the sealed import's CPU s (%.2f) | %.2f %% |\n",
           sealed_s, 100.0 * unseal_s / sealed_s);
    printf("| sealed import CPU s - plain network import CPU s, per round |"
           " %.3f |\n",
           (r->sum[K_SEALED].cpu_s - r->sum[K_NETWORK].cpu_s) / o->rounds);
    const struct import_res *first = &r->im[K_NETWORK][0];
    double call_us = 1e6 * first->trust.cpu_s / (double)first->trust.n;
    double net_s = r->sum[K_NETWORK].cpu_s / o->rounds;
    printf("\n| the per-entry trust check (trust_allowed) | value |\n"
           "|---|---:|\n");
    printf("| CPU us per call, on an entry of %" PRIu64 " ops (%" PRIu64
           " calls) | %.1f |\n",
           first->trust_ops, first->trust.n, call_us);
    printf("| times %" PRIu64 " data entries, CPU s | %.4f |\n",
           ngr->entries - 1, call_us * (double)(ngr->entries - 1) / 1e6);
    printf("| share of the plain network import's CPU s (%.2f) | %.3f %% |\n",
           net_s, 100.0 * call_us * (double)(ngr->entries - 1) / 1e6 / net_s);
    for (int k = K_NETWORK; k < K_COUNT; k++) {
        const struct import_res *last = &r->im[k][o->rounds - 1];
        printf("| node.db after close, %s | %.1f MiB |\n", kind_name[k],
               (double)last->db_closed_bytes / MIB);
    }
}

/* Where node.db's bytes go after the first import (a checkpoint first),
 * per table and index, per operation and per row. */
static void print_tables(const struct gen_result *gr, const struct results *r)
{
    const struct import_res *first = &r->im[K_PLACEHOLDER][0];
    if (first->n_tables == 0)
        return;
    uint64_t total = 0;
    for (size_t i = 0; i < first->n_tables; i++)
        total += first->tables[i].bytes;
    printf("\n| node.db by table and index (dbstat) | MiB | bytes per op |"
           " rows | bytes per row |\n|---|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < first->n_tables; i++) {
        const struct table_cost *t = &first->tables[i];
        if (t->bytes < total / 1000)
            continue; /* under 0.1 %: left out */
        printf("| %s | %.1f | %.0f | %" PRIu64 " | %.0f |\n", t->name,
               (double)t->bytes / MIB, (double)t->bytes / (double)gr->ops,
               t->rows, t->rows ? (double)t->bytes / (double)t->rows : 0.0);
    }
    printf("| all | %.1f | %.0f | | |\n", (double)total / MIB,
           (double)total / (double)gr->ops);
}

static void print_results(const struct opts *o, const struct gen_result *gr,
                          const struct bundle_info *bi,
                          const struct gen_result *net_gr,
                          const struct bundle_info *net_bi,
                          const struct results *r)
{
    print_bundle(o, gr, bi);
    print_rates(o, gr, bi, r);
    print_memory(o, r);
    print_tables(gr, r);
    if (o->network)
        print_network(o, gr, net_gr, net_bi, r);
    const struct rate *im = &r->sum[K_PLACEHOLDER];
    const struct import_res *last = &r->im[K_PLACEHOLDER][o->rounds - 1];
    printf("\nkv ops=%" PRIu64 " batch=%u entries=%" PRIu64 " fields=%" PRIu64
           " rounds=%u import_wall_s=%.3f import_cpu_s=%.3f ops_per_s=%.0f"
           " rss_after_import_kb=%ld rss_run_kb=%ld db_bytes=%" PRIu64,
           gr->ops, o->gen.batch, gr->entries, gr->fields, o->rounds,
           im->wall_s, im->cpu_s, per_wall(im, gr->ops * o->rounds),
           last->rss_after_kb, r->rss_end_kb, last->db_closed_bytes);
    if (o->network)
        printf(" network_cpu_s=%.3f sealed_cpu_s=%.3f"
               " network_cpu_ratio=%.4f sealed_cpu_ratio=%.4f"
               " unseal_mib_per_cpu_s=%.1f",
               r->sum[K_NETWORK].cpu_s, r->sum[K_SEALED].cpu_s,
               im->cpu_s / r->sum[K_NETWORK].cpu_s,
               im->cpu_s / r->sum[K_SEALED].cpu_s,
               per_cpu(&r->seal.unseal, r->seal.unseal.n) / MIB);
    if (!o->no_raw)
        printf(" verify_per_s=%.1f sqlite_rows_per_s=%.0f"
               " sqlite_matched_rows_per_s=%.0f upsert_rows_per_s=%.0f",
               per_wall(&r->verify, r->verify.n),
               per_wall(&r->sqlite, r->sqlite.n),
               per_wall(&r->sqlite_matched, r->sqlite_matched.n),
               per_wall(&r->upsert, r->upsert.n));
    printf("\n");
}

/* The cached bundle of @gp in @cache, generated first when missing: its
 * path into @bundle (PATH_LEN) and what the generator wrote. 0 or -1. */
static int get_bundle(const struct opts *o, const struct gen_params *gp,
                      const char *cache, char *bundle, struct gen_result *gr,
                      struct results *res)
{
    char meta[PATH_LEN];
    path_fmt(bundle,
             "%s/bundle-g%u-e%u-s%u-ops%" PRIu64 "-b%u-seed%" PRIu64 "%s.hzb",
             cache, BENCH_GEN_VERSION, HZ_ENTRY_VERSION, HZ_SCHEMA_VERSION,
             gp->ops, gp->batch, gp->seed, gp->network ? "-net" : "");
    path_fmt(meta, "%s.meta", bundle);
    int rv = 0;
    if (o->regen || gen_meta_read(meta, gp, gr) != 0 ||
        file_bytes(bundle) == 0) {
        remove(meta);
        rv = generate(gp, bundle, meta, res);
        if (rv == 0)
            rv = gen_meta_read(meta, gp, gr);
    } else {
        fprintf(stderr, "bench: using cached %s\n", bundle);
    }
    return rv;
}

/* What the plain bundle @plain holds, checked against its .meta. */
static int get_info(const char *plain, const char *bundle,
                    const struct gen_result *gr, struct bundle_info *bi)
{
    if (read_bundle_info(plain, bi) == 0 && bi->entries == gr->entries)
        return 0;
    fprintf(stderr, "bench: %s does not match its .meta: run with --regen\n",
            bundle);
    return -1;
}

/* The network bundle must hold the placeholder's operations, plus the
 * entry carrying the certificate. */
static int same_ops(const struct gen_result *a, const struct gen_result *b)
{
    if (a->ops == b->ops && a->sets == b->sets && a->inserts == b->inserts &&
        a->deletes == b->deletes && a->updates == b->updates &&
        a->fields == b->fields && a->commits == b->commits &&
        a->entries + 1 == b->entries)
        return 0;
    fprintf(stderr, "bench: the network bundle's operations differ from the"
                    " placeholder's\n");
    return -1;
}

int main(int argc, char **argv)
{
    struct opts o;
    if (parse_opts(argc, argv, &o) != 0) {
        usage(stderr);
        return 64;
    }
    static struct results res;
    if (hz_init() != 0)
        return 1;
    char cache[PATH_LEN], work[PATH_LEN];
    char bundle[PATH_LEN], sealed[PATH_LEN], net_plain[PATH_LEN];
    if (o.cache != NULL)
        path_fmt(cache, "%s", o.cache);
    else
        path_fmt(cache, "%s/huzhu-bench-cache", o.dir);
    path_fmt(work, "%s/huzhu-bench.XXXXXX", o.dir);
    if (mkdir_p(cache) != 0 || mkdtemp(work) == NULL) {
        fprintf(stderr, "bench: %s: %s\n", cache, strerror(errno));
        return 1;
    }
    path_fmt(net_plain, "%s/network-plain.hzb", work);
    struct gen_result gr, net_gr = {0};
    struct bundle_info bi, net_bi = {0};
    struct gen_network net;
    struct gen_params net_gp = o.gen;
    net_gp.network = 1;
    gen_network(o.gen.seed, &net);
    int rv = get_bundle(&o, &o.gen, cache, bundle, &gr, &res);
    if (rv == 0)
        rv = get_info(bundle, bundle, &gr, &bi);
    /* The network's bundle is sealed, as a networked node exports it: the
     * seal's own costs are measured on it, and its plain form is kept
     * for the import without the seal. */
    if (rv == 0 && o.network)
        rv = get_bundle(&o, &net_gp, cache, sealed, &net_gr, &res);
    if (rv == 0 && o.network)
        rv = same_ops(&gr, &net_gr);
    if (rv == 0 && o.network) {
        fprintf(stderr, "bench: unsealing and sealing %s\n", sealed);
        rv = seal_bench_measure(work, &net, sealed, net_plain, o.min_s,
                                &res.seal);
        char sealer[PATH_LEN];
        path_fmt(sealer, "%s/sealer", work);
        rm_flat(sealer);
    }
    if (rv == 0 && o.network)
        rv = get_info(net_plain, sealed, &net_gr, &net_bi);
    /* Each round runs every kind; the order rotates, so no kind always
     * runs first (cold caches) or last. */
    unsigned kinds = o.network ? K_COUNT : 1;
    for (unsigned i = 0; rv == 0 && i < o.rounds; i++) {
        for (unsigned j = 0; rv == 0 && j < kinds; j++) {
            enum kind k = (enum kind)((i + j) % kinds);
            const char *path = k == K_PLACEHOLDER ? bundle
                               : k == K_NETWORK   ? net_plain
                                                  : sealed;
            rv = run_import(&o, work, k, i, path,
                            k == K_PLACEHOLDER ? &gr : &net_gr,
                            k == K_PLACEHOLDER ? NULL : &net, &res.im[k][i]);
            rate_add(&res.sum[k], &res.im[k][i].import);
        }
        if (rv == 0 && !o.no_raw)
            rv = run_raw(&o, work, &gr, &bi, i, &res);
    }
    sodium_memzero(&net, sizeof net);
    res.rss_end_kb = maxrss_kb(RUSAGE_SELF);
    res.load_end = loadavg();
    if (rv == 0)
        print_results(&o, &gr, &bi, &net_gr, &net_bi, &res);
    if (!o.keep) {
        remove(net_plain);
        rm_flat(work);
    } else {
        fprintf(stderr, "bench: kept %s\n", work);
    }
    return rv == 0 ? 0 : 2;
}
