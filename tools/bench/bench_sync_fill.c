/* bench_sync_fill.c - fill an existing node with relief records as its
 * own writes, for the live-sync benchmark (tools/bench/sync.sh, issue 12).
 *
 * The node directory is made and put into a network by the huzhu command
 * (init, network create) before this runs; this program only writes, as
 * the command line would, one user action per entry:
 *   - 20 sites and 40 supply items (one entry each);
 *   - per household, one entry holding the household and its persons
 *     (what `huzhu household add --member ...` writes), then one entry per
 *     event (what `checkin`, `warn` and `stock ...` write): two check-ins
 *     of its first persons, the warning it was given, the relief it
 *     received and a delivery the site took in.
 * With the defaults (3 persons and 5 events per household) 100,000
 * households are 900,000 records in 600,060 entries. --events-per 7 adds
 * a damage assessment and relief paid (tools/bench/report.sh).
 *
 * Writes go through the public batch API (hz_batch_put + hz_node_commit),
 * one commit per entry, with the node's real key, clock and randomness.
 * The one thing that differs from the command: the connection runs with
 * PRAGMA synchronous=OFF while it fills (setup, not measured: with FULL,
 * 600,000 commits would cost 600,000 fsyncs). The database and its WAL
 * are closed normally, so what is left on disk is an ordinary node.
 *
 *   hz_bench_sync_fill DIR --households N [--persons-per N]
 *                      [--events-per N] [--per-entry N] [--ids FILE]
 *
 * --per-entry N writes N rows to an entry instead (1: every household,
 * person and event its own; 100: the rows of about 11 households), for
 * the wire's cost per record and per entry (DECISIONS 36).
 *
 * Prints one line of JSON: what was written and how long it took. --ids
 * writes the household ids, one a line, in the order written. */
#include "huzhu/node.h"

#include "store/internal.h"

#include "bench_idno.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SITES 20u
#define ITEMS 40u
#define PERSONS_MAX 64u
#define EVENTS_MAX 64u

struct fill {
    hz_node *node;
    uint64_t entries, records, households, persons, events, others;
    uint64_t rng;
    /* --per-entry N: rows an entry holds (0: one user action each) */
    uint64_t per_entry, in_batch;
    hz_batch *b; /* the entry being filled */
    char sites[SITES][HZ_ROW_HEX_LEN + 1];
    char items[ITEMS][HZ_ROW_HEX_LEN + 1];
};

static const char *const given[] = {"测试甲", "测试乙", "测试丙", "测试丁",
                                    "测试戊", "测试己", "测试庚", "测试辛",
                                    "测试壬", "测试癸"};
#define N_GIVEN (sizeof given / sizeof given[0])

static uint32_t below(struct fill *f, uint32_t n)
{
    uint64_t z = (f->rng += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return (uint32_t)((z ^ (z >> 31)) % n);
}

static void die(const char *what, const struct hz_err *err)
{
    fprintf(stderr, "hz_bench_sync_fill: %s: %s (%s)\n", what,
            err != NULL ? err->msg : "",
            err != NULL ? hz_errname(err->code) : "");
    exit(1);
}

/* A commit that must have written exactly one entry. */
static void commit_one(struct fill *f, hz_batch *b)
{
    struct hz_err err = {0};
    size_t written = 0;
    if (hz_node_commit(f->node, b, &written, &err) != 0)
        die("commit", &err);
    hz_batch_close(b);
    if (written != 1) {
        fprintf(stderr, "hz_bench_sync_fill: a commit wrote %zu entries\n",
                written);
        exit(1);
    }
    f->entries++;
}

/* The entry being filled, opened when there is none. */
static hz_batch *batch(struct fill *f)
{
    struct hz_err err = {0};
    if (f->b == NULL && hz_batch_open(f->node, &f->b, &err) != 0)
        die("batch", &err);
    return f->b;
}

/* Commit the entry being filled, if any. */
static void flush(struct fill *f)
{
    if (f->b != NULL)
        commit_one(f, f->b);
    f->b = NULL;
    f->in_batch = 0;
}

/* A row was put: the entry is committed when it holds --per-entry rows,
 * or without that option at the end of each user action (@action_end). */
static void put_done(struct fill *f, bool action_end)
{
    f->in_batch++;
    if (f->per_entry != 0 ? f->in_batch >= f->per_entry : action_end)
        flush(f);
}

/* One row (one user action); its id to @id (33 bytes) when not NULL. */
static void one(struct fill *f, const char *table, const struct hz_field *fl,
                size_t nf, char *id)
{
    struct hz_err err = {0};
    if (hz_batch_put(batch(f), table, NULL, nf, fl, id, &err) != 0)
        die(table, &err);
    put_done(f, true);
}

static void sites_and_items(struct fill *f)
{
    static const char *const kinds[] = {"shelter", "shelter", "village_office",
                                        "township", "warehouse"};
    static const char *const cats[] = {"food",     "water",    "bedding",
                                       "clothing", "medicine", "hygiene"};
    for (unsigned i = 0; i < SITES; i++) {
        char name[64], cap[16];
        snprintf(name, sizeof name, "测试安置点%02u", i + 1);
        snprintf(cap, sizeof cap, "%u", 100 + below(f, 900));
        struct hz_field fl[] = {{"name", name},
                                {"kind", kinds[i % 5]},
                                {"capacity", cap},
                                {"open", "yes"}};
        one(f, "sites", fl, 4, f->sites[i]);
        f->others++;
    }
    for (unsigned i = 0; i < ITEMS; i++) {
        char name[64];
        snprintf(name, sizeof name, "测试物资%02u", i + 1);
        struct hz_field fl[] = {
            {"name", name}, {"unit", "箱"}, {"category", cats[i % 6]}};
        one(f, "items", fl, 3, f->items[i]);
        f->others++;
    }
}

/* The household and its persons: one entry. */
static void household(struct fill *f, uint64_t k, unsigned n_persons,
                      char (*ids)[HZ_ROW_HEX_LEN + 1])
{
    static const char *const st[] = {"home", "evacuated", "sheltered",
                                     "relocated", "unreachable"};
    char addr[96], head[64], grid[32], mem[16], phone[32], village[64];
    snprintf(addr, sizeof addr, "测试县测试镇测试村%" PRIu64 "组%" PRIu64 "号",
             k % 40 + 1, k + 1);
    snprintf(head, sizeof head, "%s%" PRIu64, given[k % N_GIVEN], k + 1);
    snprintf(grid, sizeof grid, "网格%02" PRIu64, k % 60 + 1);
    snprintf(mem, sizeof mem, "%u", n_persons);
    snprintf(phone, sizeof phone, "000%08" PRIu64, k % 100000000);
    snprintf(village, sizeof village, "测试村%02" PRIu64, k % 40 + 1);
    struct hz_field hf[] = {
        {"address", addr},    {"grid", grid},   {"head_name", head},
        {"members", mem},     {"phone", phone}, {"status", st[below(f, 5)]},
        {"village", village},
    };
    struct hz_field pf[PERSONS_MAX][7];
    char by[PERSONS_MAX][8], name[PERSONS_MAX][64], idno[PERSONS_MAX][32];
    /* The persons name the household by the id its put was given, in the
     * same batch: one entry, as household add --member writes it. */
    struct hz_err err = {0};
    if (hz_batch_put(batch(f), "households", NULL, sizeof hf / sizeof hf[0], hf,
                     ids[0], &err) != 0)
        die("households", &err);
    put_done(f, false);
    for (unsigned j = 0; j < n_persons; j++) {
        uint64_t p = f->persons + j;
        snprintf(by[j], sizeof by[j], "%u", 1935 + below(f, 88));
        snprintf(name[j], sizeof name[j], "%s%" PRIu64,
                 given[(p + j) % N_GIVEN], p + 1);
        bench_idno(idno[j], p + 1, (unsigned)atoi(by[j]));
        unsigned c = below(f, 100);
        pf[j][0] = (struct hz_field){"birth_year", by[j]};
        pf[j][1] = (struct hz_field){"condition", c < 90   ? "safe"
                                                  : c < 98 ? "injured"
                                                           : "missing"};
        pf[j][2] = (struct hz_field){"household", ids[0]};
        pf[j][3] = (struct hz_field){"id_number", idno[j]};
        pf[j][4] = (struct hz_field){"name", name[j]};
        pf[j][5] = (struct hz_field){"sex", below(f, 2) ? "female" : "male"};
        size_t n = 6;
        if (below(f, 100) < 10)
            pf[j][n++] = (struct hz_field){"chronic", "yes"};
        if (hz_batch_put(batch(f), "persons", NULL, n, pf[j], ids[1 + j],
                         &err) != 0)
            die("persons", &err);
        put_done(f, j + 1 == n_persons);
    }
    f->households++;
    f->persons += n_persons;
}

static void event_time(struct fill *f, char *buf, size_t len)
{
    /* Within the 30 days before now. */
    snprintf(buf, len, "%" PRIu64,
             (uint64_t)time(NULL) - below(f, 30u * 86400u));
}

/* Event @e of a household: each its own entry. */
static void event(struct fill *f, unsigned e, const char *hh,
                  char (*persons)[HZ_ROW_HEX_LEN + 1], unsigned n_persons)
{
    static const char *const methods[] = {"phone", "door", "loudspeaker",
                                          "message"};
    char t[32], qty[32];
    event_time(f, t, sizeof t);
    const char *site = f->sites[below(f, SITES)];
    const char *item = f->items[below(f, ITEMS)];
    /* Events 5 and 6 (with --events-per 7 or more) are what the township's
     * reports count: a damage assessment and relief paid. */
    switch (e % 7 < 5 ? e % 5 : e % 7) {
    case 0:
    case 1: {
        /* A check-in of one of its persons (the first, then the next). */
        const char *person = persons[(e / 5 * 2 + e % 5) % n_persons];
        struct hz_field fl[] = {
            {"kind", "in"}, {"person", person}, {"site", site}, {"time", t}};
        one(f, "stays", fl, 4, NULL);
        break;
    }
    case 2: {
        struct hz_field fl[] = {
            {"by", given[below(f, N_GIVEN)]},
            {"household", hh},
            {"method", methods[below(f, 4)]},
            {"notice", "测试预警：河水上涨，请立即转移到安置点"},
            {"time", t}};
        one(f, "warnings", fl, 5, NULL);
        break;
    }
    case 3: {
        snprintf(qty, sizeof qty, "-%u", 1 + below(f, 20));
        struct hz_field fl[] = {{"household", hh},       {"item", item},
                                {"kind", "distributed"}, {"qty", qty},
                                {"site", site},          {"time", t}};
        one(f, "stock_moves", fl, 6, NULL);
        break;
    }
    case 5: {
        static const char *const grade[] = {"collapsed", "severe", "general",
                                            "none"};
        char rooms[16], crops[32], loss[32];
        snprintf(rooms, sizeof rooms, "%u", 1 + below(f, 5));
        snprintf(crops, sizeof crops, "%u.%u", below(f, 10), below(f, 10));
        snprintf(loss, sizeof loss, "%u", below(f, 50000));
        struct hz_field fl[] = {
            {"crops_mu", crops}, {"house", grade[below(f, 4)]},
            {"household", hh},   {"loss_yuan", loss},
            {"rooms", rooms},    {"time", t}};
        one(f, "damage", fl, 6, NULL);
        break;
    }
    case 6: {
        char cash[32];
        snprintf(cash, sizeof cash, "%u", 100 * (100 + below(f, 900)));
        struct hz_field fl[] = {{"cash_fen", cash},
                                {"household", hh},
                                {"method", "cash"},
                                {"time", t}};
        one(f, "relief", fl, 4, NULL);
        break;
    }
    default: {
        snprintf(qty, sizeof qty, "%u", 100 + below(f, 5000));
        struct hz_field fl[] = {{"counterpart", "测试捐赠单位"},
                                {"item", item},
                                {"kind", "received"},
                                {"qty", qty},
                                {"site", site},
                                {"time", t}};
        one(f, "stock_moves", fl, 6, NULL);
        break;
    }
    }
    f->events++;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (s[0] == '-' || errno != 0 || end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: hz_bench_sync_fill DIR --households N"
                    " [--persons-per N] [--events-per N] [--per-entry N]"
                    " [--ids FILE]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *ids_path = NULL;
    uint64_t n_hh = 0, per_p = 3, per_e = 5, per_entry = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--households") == 0 && v && !parse_u64(v, &n_hh))
            i++;
        else if (strcmp(a, "--persons-per") == 0 && v && !parse_u64(v, &per_p))
            i++;
        else if (strcmp(a, "--events-per") == 0 && v && !parse_u64(v, &per_e))
            i++;
        else if (strcmp(a, "--per-entry") == 0 && v &&
                 !parse_u64(v, &per_entry))
            i++;
        else if (strcmp(a, "--ids") == 0 && v)
            ids_path = v, i++;
        else if (a[0] != '-' && dir == NULL)
            dir = a;
        else
            usage();
    }
    if (dir == NULL || n_hh == 0 || per_p < 1 || per_p > PERSONS_MAX ||
        per_e > EVENTS_MAX)
        usage();
    if (hz_init() != 0)
        die("init", NULL);
    struct fill f = {.rng = (uint64_t)time(NULL), .per_entry = per_entry};
    struct hz_err err = {0};
    if (hz_node_open(dir, NULL, &f.node, &err) != 0)
        die("open", &err);
    if (sqlite3_exec(f.node->db.conn, "PRAGMA synchronous=OFF", NULL, NULL,
                     NULL) != SQLITE_OK)
        die("PRAGMA synchronous=OFF", NULL);
    FILE *ids = NULL;
    if (ids_path != NULL && (ids = fopen(ids_path, "w")) == NULL) {
        perror(ids_path);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sites_and_items(&f);
    char rows[1 + PERSONS_MAX][HZ_ROW_HEX_LEN + 1];
    for (uint64_t k = 0; k < n_hh; k++) {
        household(&f, k, (unsigned)per_p, rows);
        if (ids != NULL)
            fprintf(ids, "%s\n", rows[0]);
        for (unsigned e = 0; e < per_e; e++)
            event(&f, e, rows[0], rows + 1, (unsigned)per_p);
    }
    flush(&f);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (ids != NULL && fclose(ids) != 0) {
        perror(ids_path);
        return 1;
    }
    hz_node_close(f.node);
    double s = (double)(t1.tv_sec - t0.tv_sec) +
               (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("{\"households\":%" PRIu64 ",\"persons\":%" PRIu64
           ",\"events\":%" PRIu64 ",\"records\":%" PRIu64
           ",\"other_rows\":%" PRIu64 ",\"entries\":%" PRIu64
           ",\"seconds\":%.3f}\n",
           f.households, f.persons, f.events,
           f.households + f.persons + f.events, f.others, f.entries, s);
    return 0;
}
