/* bench_needs.c - needs, offers and donations at the size of a township
 * after a flood (issue 16): how long the match suggestions and the
 * donation disclosure take, and what one local promise or ledger row
 * costs to write while the data grows.
 *
 *   hz_bench_needs fill DIR [--needs N] [--offers N] [--matches N]
 *                  [--donations N] [--transactions N]
 *   hz_bench_needs time DIR REPORT [--id ID] [--runs N]
 *                  [--rows all|stream|page]
 *
 * fill makes a node in DIR (which must not exist) and writes, through the
 * public batch API (signed entries, each local write checked as a typed
 * one is), 100 villages of 2 sites with coordinates in a 60 km square,
 * 40 items in the 9 categories, 1,000 organisations placed in villages,
 * N needs (default 5,000) and N offers (default 20,000): four in five of
 * an item, the rest a service by name, one in ten of those without a
 * quantity; random urgency, half with a date; half of the offers at a
 * site, the rest at their organisation's place. Then N promises (default
 * 2,000; need and offer drawn at random, qty 1) each with a receipt into
 * the need's site, one per commit, and N donations (default 1,000, to the
 * first 20 organisations) with N ledger rows (default 100,000;
 * commitments, disbursements and expenditures of 1 to 10 yuan, within
 * what each donation has left), 50 rows per commit. The fill runs with
 * PRAGMA synchronous=OFF (setup, not measured as such). It prints one
 * JSON line: the counts, the seconds of each part, the median
 * milliseconds of a promise commit in each tenth of the promises, and
 * of a ledger commit (50 rows) in each tenth of the ledger, so that a
 * cost growing with the data shows; and a need id and an organisation
 * id for `time`.
 *
 * time opens DIR as `huzhu serve` does and calls hz_node_report(REPORT)
 * --runs times (default 20) with @id (a need for match_suggestions, an
 * organisation for disclosure); prints the median, p95 and max in ms and
 * the answer's length. A disclosure's ledger rows with --rows: all in
 * the JSON (the default), stream (handed over one by one, as the
 * command line takes them; counted in the length) or page (the web
 * page's 100). Run it under GNU time for the peak RSS
 * (tools/bench/needs.sh). */
#include "huzhu/node.h"

#include "store/internal.h"

#include "bench_util.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define VILLAGES 100u
#define SITES_PER 2u
#define ITEMS 40u
#define SERVICES 30u
#define ORGS 1000u
#define DONEES 20u
#define LEDGER_PER_COMMIT 50u
#define ROWS_PER_COMMIT 50u
#define T0 1717200000 /* 2024-06-01, the fill's clock for event rows */

static const char *const categories[] = {"food",     "water",    "bedding",
                                         "clothing", "medicine", "hygiene",
                                         "shelter",  "tools",    "other"};
static const char *const urgencies[] = {"low", "normal", "high", "critical"};
static const char *const ledger_kinds[] = {"commitment", "disbursement",
                                           "expenditure"};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t below(uint32_t n)
{
    return bench_below(&rng, n);
}

#define PROG "hz_bench_needs"

static void die(const char *what, const struct hz_err *err)
{
    bench_die(PROG, what, err);
}

typedef char row_id[HZ_ROW_HEX_LEN + 1];

/* Commit @b and close it; the commit's milliseconds. */
static double commit_timed(hz_node *node, hz_batch *b, const char *what)
{
    struct hz_err err = {0};
    double t0 = bench_now_ms();
    if (hz_node_commit(node, b, NULL, &err) != 0)
        die(what, &err);
    double ms = bench_now_ms() - t0;
    hz_batch_close(b);
    return ms;
}

struct world {
    row_id site[VILLAGES * SITES_PER], item[ITEMS], org[ORGS];
    row_id *need, *offer;
    unsigned *need_site, *need_item; /* need_item ITEMS: a service */
};

static void coords(char *lat, char *lon, unsigned village)
{
    /* villages on a 10 x 10 grid 6 km apart, sites within 1 km */
    snprintf(lat, 16, "%.4f",
             30.70 + 0.054 * (village / 10) + (double)below(90) / 10000.0);
    snprintf(lon, 16, "%.4f",
             117.60 + 0.062 * (village % 10) + (double)below(100) / 10000.0);
}

static void fill_places(hz_node *node, struct world *wd)
{
    struct bench_writer w = {PROG, node, NULL, 0, ROWS_PER_COMMIT};
    for (unsigned i = 0; i < VILLAGES * SITES_PER; i++) {
        char name[48], lat[16], lon[16];
        snprintf(name, sizeof name, "测试%02u村%s", i / SITES_PER,
                 i % SITES_PER ? "礼堂" : "小学");
        coords(lat, lon, i / SITES_PER);
        struct hz_field f[] = {
            {"name", name}, {"kind", "shelter"}, {"lat", lat}, {"lon", lon}};
        bench_put(&w, "sites", 4, f, wd->site[i]);
    }
    for (unsigned i = 0; i < ITEMS; i++) {
        char name[32];
        snprintf(name, sizeof name, "测试物资%02u", i);
        struct hz_field f[] = {
            {"name", name}, {"unit", "箱"}, {"category", categories[i % 9]}};
        bench_put(&w, "items", 3, f, wd->item[i]);
    }
    for (unsigned i = 0; i < ORGS; i++) {
        char name[48], village[32], lat[16], lon[16];
        unsigned v = below(VILLAGES);
        snprintf(name, sizeof name, "测试组织%04u", i);
        snprintf(village, sizeof village, "测试%02u村", v);
        coords(lat, lon, v);
        struct hz_field f[] = {{"name", name},
                               {"kind", i % 3 ? "firm" : "volunteer_team"},
                               {"village", village},
                               {"lat", lat},
                               {"lon", lon}};
        bench_put(&w, "organisations", 5, f, wd->org[i]);
    }
    bench_flush(&w);
}

/* One need (@need) or offer: an item, or a service by name (one in ten of
 * those without a quantity). */
static void fill_side(struct bench_writer *w, struct world *wd, unsigned i,
                      bool need)
{
    unsigned it = below(5) ? below(ITEMS) : ITEMS;
    char what[32], qty[16], by[16], village[32];
    struct hz_field f[12];
    size_t n = 0;
    if (it < ITEMS) {
        snprintf(what, sizeof what, "测试物资%02u", it);
        f[n++] = (struct hz_field){"item", wd->item[it]};
        f[n++] = (struct hz_field){"category", categories[it % 9]};
    } else {
        snprintf(what, sizeof what, "测试服务%02u", below(SERVICES));
        f[n++] = (struct hz_field){"category", "other"};
    }
    f[n++] = (struct hz_field){"what", what};
    if (it < ITEMS || below(10) != 0) {
        snprintf(qty, sizeof qty, "%u", 10 + below(need ? 990 : 4990));
        f[n++] = (struct hz_field){"qty", qty};
        f[n++] = (struct hz_field){"unit", "箱"};
    }
    unsigned site = below(VILLAGES * SITES_PER);
    snprintf(village, sizeof village, "测试%02u村", site / SITES_PER);
    if (need) {
        f[n++] = (struct hz_field){"site", wd->site[site]};
        f[n++] = (struct hz_field){"village", village};
        f[n++] = (struct hz_field){"urgency", urgencies[below(4)]};
        if (below(2)) {
            snprintf(by, sizeof by, "%u", T0 + below(30 * 86400));
            f[n++] = (struct hz_field){"needed_by", by};
        }
        wd->need_site[i] = site;
        wd->need_item[i] = it;
        bench_put(w, "needs", n, f, wd->need[i]);
        return;
    }
    f[n++] = (struct hz_field){"organisation", wd->org[below(ORGS)]};
    if (below(2)) {
        f[n++] = (struct hz_field){"site", wd->site[site]};
        f[n++] = (struct hz_field){"village", village};
    }
    bench_put(w, "offers", n, f, wd->offer[i]);
}

/* Promises of 1, each with a receipt of 1 into its need's site, one
 * commit each; a promise's commit timed into @t. */
static void fill_matches(hz_node *node, struct world *wd, unsigned needs,
                         unsigned offers, unsigned count, double *t)
{
    struct hz_err err = {0};
    for (unsigned i = 0; i < count; i++) {
        unsigned nd = below(needs);
        char when[16], match[HZ_ROW_HEX_LEN + 1];
        snprintf(when, sizeof when, "%u", T0 + i);
        struct hz_field f[] = {{"need", wd->need[nd]},
                               {"offer", wd->offer[below(offers)]},
                               {"qty", "1"},
                               {"time", when}};
        hz_batch *b = NULL;
        if (hz_batch_open(node, &b, &err) != 0 ||
            hz_batch_put(b, "matches", NULL, 4, f, match, &err) != 0)
            die("matches", &err);
        t[i] = commit_timed(node, b, "commit a promise");
        if (wd->need_item[nd] == ITEMS)
            continue; /* a service: nothing to receive into stock */
        struct hz_field r[] = {{"kind", "received"},
                               {"match", match},
                               {"qty", "1"},
                               {"site", wd->site[wd->need_site[nd]]},
                               {"item", wd->item[wd->need_item[nd]]},
                               {"time", when}};
        if (hz_batch_open(node, &b, &err) != 0 ||
            hz_batch_put(b, "stock_moves", NULL, 6, r, NULL, &err) != 0 ||
            hz_node_commit(node, b, NULL, &err) != 0)
            die("receive", &err);
        hz_batch_close(b);
    }
}

/* Donations of 100,000 yuan and ledger rows of 1 to 10 yuan against
 * them, LEDGER_PER_COMMIT a commit, each commit timed into @t. */
static void fill_donations(hz_node *node, struct world *wd, unsigned count,
                           unsigned transactions, double *t)
{
    row_id *don = calloc(count, sizeof *don);
    struct bench_writer w = {PROG, node, NULL, 0, ROWS_PER_COMMIT};
    for (unsigned i = 0; i < count; i++) {
        char when[16], donor[32];
        snprintf(when, sizeof when, "%u", T0 + i);
        snprintf(donor, sizeof donor, "测试捐赠人%04u", i);
        struct hz_field f[] = {
            {"kind", "money"}, {"amount", "10000000"},
            {"time", when},    {"organisation", wd->org[i % DONEES]},
            {"donor", donor},  {"anonymous", i % 4 ? "false" : "true"}};
        bench_put(&w, "donations", 6, f, don[i]);
    }
    bench_flush(&w);
    struct hz_err err = {0};
    for (unsigned c = 0; c * LEDGER_PER_COMMIT < transactions; c++) {
        hz_batch *b = NULL;
        if (hz_batch_open(node, &b, &err) != 0)
            die("batch", &err);
        for (unsigned k = 0;
             k < LEDGER_PER_COMMIT && c * LEDGER_PER_COMMIT + k < transactions;
             k++) {
            char when[16], amount[16], village[32];
            snprintf(when, sizeof when, "%u", T0 + 86400 + c);
            snprintf(amount, sizeof amount, "%u", 100 * (1 + below(10)));
            snprintf(village, sizeof village, "测试%02u村", below(VILLAGES));
            struct hz_field f[] = {{"donation", don[below(count)]},
                                   {"kind", ledger_kinds[below(3)]},
                                   {"amount", amount},
                                   {"time", when},
                                   {"village", village},
                                   {"purpose", "测试用途"}};
            if (hz_batch_put(b, "ledger", NULL, 6, f, NULL, &err) != 0)
                die("ledger", &err);
        }
        t[c] = commit_timed(node, b, "commit ledger rows");
    }
    free(don);
}

static int fill(const char *dir, int argc, char **argv)
{
    unsigned needs = bench_opt(argc, argv, "--needs", 5000),
             offers = bench_opt(argc, argv, "--offers", 20000),
             matches = bench_opt(argc, argv, "--matches", 2000),
             donations = bench_opt(argc, argv, "--donations", 1000),
             transactions = bench_opt(argc, argv, "--transactions", 100000);
    if (needs == 0 || offers == 0 || donations == 0)
        return fprintf(stderr, "needs, offers and donations: at least 1\n"), 2;
    static struct world wd;
    wd.need = calloc(needs, sizeof *wd.need);
    wd.offer = calloc(offers, sizeof *wd.offer);
    wd.need_site = calloc(needs, sizeof *wd.need_site);
    wd.need_item = calloc(needs, sizeof *wd.need_item);
    double *t_match = calloc(matches + 1, sizeof *t_match),
           *t_ledger =
               calloc(transactions / LEDGER_PER_COMMIT + 1, sizeof *t_ledger);
    struct hz_err err = {0};
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION};
    hz_node *node = NULL;
    if (hz_node_create(dir, "测试对接", &opts, &node, &err) != 0)
        die("create", &err);
    if (sqlite3_exec(node->db.conn, "PRAGMA synchronous=OFF", NULL, NULL,
                     NULL) != SQLITE_OK)
        die("PRAGMA synchronous=OFF", NULL);
    double t0 = bench_now_ms();
    fill_places(node, &wd);
    struct bench_writer w = {PROG, node, NULL, 0, ROWS_PER_COMMIT};
    for (unsigned i = 0; i < needs; i++)
        fill_side(&w, &wd, i, true);
    for (unsigned i = 0; i < offers; i++)
        fill_side(&w, &wd, i, false);
    bench_flush(&w);
    double t1 = bench_now_ms();
    fill_matches(node, &wd, needs, offers, matches, t_match);
    double t2 = bench_now_ms();
    fill_donations(node, &wd, donations, transactions, t_ledger);
    double t3 = bench_now_ms();
    printf("{\"needs\":%u,\"offers\":%u,\"matches\":%u,\"donations\":%u,"
           "\"transactions\":%u,\"fill_s\":{\"needs_offers\":%.1f,"
           "\"matches\":%.1f,\"donations\":%.1f}",
           needs, offers, matches, donations, transactions, (t1 - t0) / 1e3,
           (t2 - t1) / 1e3, (t3 - t2) / 1e3);
    bench_print_tenths("promise_commit_ms_by_tenth", t_match, matches);
    bench_print_tenths("ledger_commit_ms_by_tenth", t_ledger,
                       transactions / LEDGER_PER_COMMIT);
    printf(",\"need\":\"%s\",\"organisation\":\"%s\"}\n", wd.need[0],
           wd.org[0]);
    hz_node_close(node);
    free(t_match);
    free(t_ledger);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || hz_init() != 0) {
        fprintf(stderr, "usage: hz_bench_needs fill DIR [options]\n"
                        "       hz_bench_needs time DIR REPORT [--id ID]"
                        " [--runs N] [--rows all|stream|page]\n");
        return 2;
    }
    if (strcmp(argv[1], "fill") == 0)
        return fill(argv[2], argc - 3, argv + 3);
    if (strcmp(argv[1], "time") == 0 && argc >= 4)
        return bench_time_report(PROG, argv[2], argv[3], T0, argc - 4,
                                 argv + 4);
    fprintf(stderr, "hz_bench_needs: no command %s\n", argv[1]);
    return 2;
}
