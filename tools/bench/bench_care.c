/* bench_care.c - warning campaigns at the size of a township after a
 * flood (issue 17): how long one campaign's view takes for 100,000
 * households and 30,000 deliveries, and what a delivery costs to write
 * while they grow.
 *
 *   hz_bench_care fill DIR [--households N] [--persons-per N]
 *                 [--deliveries N] [--checks N] [--notices N]
 *   hz_bench_care time DIR REPORT [--id ID] [--runs N]
 *
 * fill makes a node in DIR (which must not exist) and writes, through the
 * public batch API (signed entries, each local write checked as a typed
 * one is), N households (default 100,000) in 100 villages of 10 grids,
 * each with one of 20 responsible cadres of its village, a head's name
 * and a phone, and N persons per household (default 2), one in ten with a
 * vulnerability flag; one warning notice whose area is every village
 * (and with --notices N, N - 1 more over a part of them each: notice k
 * the villages whose number k % 9 + 2 divides, for the list of
 * campaigns);
 * then N deliveries (default 30,000) to households drawn at random (so
 * some are reached twice, as two staff do), one in ten a failed try, by
 * one of 50 staff with one of the four methods, 50 rows per commit. The
 * fill runs with PRAGMA synchronous=OFF (setup, not measured as such).
 * It prints one JSON line: the counts, the seconds of each part, the
 * median milliseconds of a delivery commit (50 rows) in each tenth of
 * the deliveries, so that a cost growing with them shows, and the
 * notice's id for `time` (bench_util.h; tools/bench/care.sh). Then 200
 * shelters and N health checks (default 10,000) of persons drawn at
 * random at a shelter drawn at random within the 10 days before the time
 * `time` asks at, one in five with a fever (37.3 to 39.5), half with one
 * or two symptoms of the list, committed 50 a time. */
#include "huzhu/node.h"

#include "store/internal.h"

#include "bench_util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "hz_bench_care"
#define VILLAGES 100u
#define GRIDS_PER 10u
#define CADRES_PER 20u
#define STAFF 50u
#define ROWS_PER_COMMIT 50u
#define T0 1717200000 /* 2024-06-01, the fill's clock for event rows */
#define T_CHECKS (T0 + 86400 * 10) /* `time` asks as at this */

static const char *const methods[] = {"phone", "door", "loudspeaker",
                                      "message"};
static const char *const flags[] = {"elderly_mobility", "disabled",
                                    "no_caretaker",     "left_behind",
                                    "pregnant",         "chronic"};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t below(uint32_t n)
{
    return bench_below(&rng, n);
}

typedef char row_id[HZ_ROW_HEX_LEN + 1];

/* The households and their persons; their ids into @hh and @pp. */
static void fill_households(hz_node *node, unsigned households,
                            unsigned persons_per, row_id *hh, row_id *pp)
{
    struct bench_writer w = {PROG, node, NULL, 0, ROWS_PER_COMMIT};
    for (unsigned i = 0; i < households; i++) {
        unsigned v = i % VILLAGES;
        char village[32], grid[32], cadre[48], head[32], phone[16];
        snprintf(village, sizeof village, "测试%02u村", v);
        snprintf(grid, sizeof grid, "测试%02u村%u组", v, below(GRIDS_PER));
        snprintf(cadre, sizeof cadre, "测试%02u村干部%02u", v,
                 below(CADRES_PER));
        snprintf(head, sizeof head, "测试户主%06u", i);
        snprintf(phone, sizeof phone, "139%08u", i);
        struct hz_field f[] = {{"village", village}, {"grid", grid},
                               {"cadre", cadre},     {"head_name", head},
                               {"phone", phone},     {"status", "home"}};
        bench_put(&w, "households", 6, f, hh[i]);
        for (unsigned k = 0; k < persons_per; k++) {
            char name[32];
            snprintf(name, sizeof name, "测试人%06u-%u", i, k);
            struct hz_field p[] = {{"household", hh[i]},
                                   {"name", name},
                                   {"sex", k % 2 ? "female" : "male"},
                                   {flags[below(6)], "true"}};
            bench_put(&w, "persons", below(10) == 0 ? 4 : 3, p,
                      pp[(size_t)i * persons_per + k]);
        }
    }
    bench_flush(&w);
}

/* Notice @k: over every village when 0, else over those whose number
 * k % 9 + 2 divides; its id into @notice. */
static void fill_notice(hz_node *node, unsigned k, char *notice)
{
    char villages[VILLAGES * 16] = "";
    for (unsigned v = 0; v < VILLAGES; v++) {
        if (k > 0 && v % (k % 9 + 2) != 0)
            continue;
        size_t len = strlen(villages);
        snprintf(villages + len, sizeof villages - len, "%s测试%02u村",
                 len ? "," : "", v);
    }
    char sent[16];
    snprintf(sent, sizeof sent, "%u", T0);
    struct bench_writer w = {PROG, node, NULL, 0, 1};
    struct hz_field f[] = {
        {"event", "暴雨"},        {"headline", "暴雨红色预警"},
        {"urgency", "immediate"}, {"severity", "extreme"},
        {"certainty", "likely"},  {"instruction", "立即转移"},
        {"sent", sent},           {"villages", villages}};
    bench_put(&w, "warning_notices", 8, f, notice);
}

/* Deliveries, ROWS_PER_COMMIT a commit, each commit timed into @t. */
static void fill_deliveries(hz_node *node, unsigned households,
                            unsigned deliveries, row_id *hh, const char *notice,
                            double *t)
{
    struct hz_err err = {0};
    for (unsigned c = 0; c * ROWS_PER_COMMIT < deliveries; c++) {
        hz_batch *b = NULL;
        if (hz_batch_open(node, &b, &err) != 0)
            bench_die(PROG, "batch", &err);
        for (unsigned k = 0;
             k < ROWS_PER_COMMIT && c * ROWS_PER_COMMIT + k < deliveries; k++) {
            char when[16], by[32];
            snprintf(when, sizeof when, "%u", T0 + 60 + c);
            snprintf(by, sizeof by, "测试通知人%02u", below(STAFF));
            struct hz_field f[] = {{"campaign", notice},
                                   {"household", hh[below(households)]},
                                   {"method", methods[below(4)]},
                                   {"notice", "暴雨红色预警"},
                                   {"time", when},
                                   {"by", by},
                                   {"reached", below(10) ? "true" : "false"}};
            if (hz_batch_put(b, "warnings", NULL, 7, f, NULL, &err) != 0)
                bench_die(PROG, "warnings", &err);
        }
        double t0 = bench_now_ms();
        if (hz_node_commit(node, b, NULL, &err) != 0)
            bench_die(PROG, "commit deliveries", &err);
        t[c] = bench_now_ms() - t0;
        hz_batch_close(b);
    }
}

/* Health checks at SHELTERS shelters over CHECK_DAYS days before the
 * time `time` asks at, ROWS_PER_COMMIT a commit: persons drawn at
 * random, one in five with a temperature of 37.3 or more, half with one
 * or two symptoms; the commit time of each into @t. */
#define SHELTERS 200u
#define CHECK_DAYS 10u
static const char *const symptoms[] = {"fever",     "cough",    "sore_throat",
                                       "diarrhoea", "vomiting", "rash",
                                       "red_eye",   "other"};

static void fill_checks(hz_node *node, unsigned persons, unsigned checks,
                        row_id *pp, double *t)
{
    static row_id site[SHELTERS];
    struct bench_writer w = {PROG, node, NULL, 0, ROWS_PER_COMMIT};
    for (unsigned i = 0; i < SHELTERS; i++) {
        char name[48];
        snprintf(name, sizeof name, "测试%03u号安置点", i);
        struct hz_field f[] = {{"name", name}, {"kind", "shelter"}};
        bench_put(&w, "sites", 2, f, site[i]);
    }
    bench_flush(&w);
    struct hz_err err = {0};
    for (unsigned c = 0; c * ROWS_PER_COMMIT < checks; c++) {
        hz_batch *b = NULL;
        if (hz_batch_open(node, &b, &err) != 0)
            bench_die(PROG, "batch", &err);
        for (unsigned k = 0;
             k < ROWS_PER_COMMIT && c * ROWS_PER_COMMIT + k < checks; k++) {
            char when[16], temp[16], sym[48];
            snprintf(when, sizeof when, "%u",
                     T_CHECKS - below(CHECK_DAYS * 86400));
            snprintf(temp, sizeof temp, "%.1f",
                     below(5) ? 36.0 + below(13) / 10.0
                              : 37.3 + below(23) / 10.0);
            unsigned s1 = below(8), s2 = below(8);
            bool two = s2 != s1 && below(2);
            snprintf(sym, sizeof sym, "%s%s%s", symptoms[s1], two ? "," : "",
                     two ? symptoms[s2] : "");
            struct hz_field f[] = {{"person", pp[below(persons)]},
                                   {"site", site[below(SHELTERS)]},
                                   {"time", when},
                                   {"temperature", temp},
                                   {"symptoms", sym}};
            if (hz_batch_put(b, "health_checks", NULL, below(2) ? 5 : 4, f,
                             NULL, &err) != 0)
                bench_die(PROG, "health_checks", &err);
        }
        double t0 = bench_now_ms();
        if (hz_node_commit(node, b, NULL, &err) != 0)
            bench_die(PROG, "commit health checks", &err);
        t[c] = bench_now_ms() - t0;
        hz_batch_close(b);
    }
}

static int fill(const char *dir, int argc, char **argv)
{
    unsigned households = bench_opt(argc, argv, "--households", 100000),
             persons_per = bench_opt(argc, argv, "--persons-per", 2),
             deliveries = bench_opt(argc, argv, "--deliveries", 30000),
             checks = bench_opt(argc, argv, "--checks", 10000),
             notices = bench_opt(argc, argv, "--notices", 1);
    if (households == 0 || persons_per == 0 || notices == 0)
        return fprintf(stderr,
                       "households, persons-per, notices: at least 1\n"),
               2;
    row_id *hh = calloc(households, sizeof *hh);
    row_id *pp = calloc((size_t)households * persons_per, sizeof *pp);
    unsigned commits = (deliveries + ROWS_PER_COMMIT - 1) / ROWS_PER_COMMIT,
             c_checks = (checks + ROWS_PER_COMMIT - 1) / ROWS_PER_COMMIT;
    double *t = calloc(commits + 1, sizeof *t),
           *tc = calloc(c_checks + 1, sizeof *tc);
    struct hz_err err = {0};
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION};
    hz_node *node = NULL;
    if (hh == NULL || pp == NULL || t == NULL || tc == NULL)
        return fprintf(stderr, "out of memory\n"), 1;
    if (hz_node_create(dir, "测试预警", &opts, &node, &err) != 0)
        bench_die(PROG, "create", &err);
    if (sqlite3_exec(node->db.conn, "PRAGMA synchronous=OFF", NULL, NULL,
                     NULL) != SQLITE_OK)
        bench_die(PROG, "PRAGMA synchronous=OFF", NULL);
    double t0 = bench_now_ms();
    fill_households(node, households, persons_per, hh, pp);
    double t1 = bench_now_ms();
    char notice[HZ_ROW_HEX_LEN + 1], other[HZ_ROW_HEX_LEN + 1];
    fill_notice(node, 0, notice);
    for (unsigned k = 1; k < notices; k++)
        fill_notice(node, k, other);
    fill_deliveries(node, households, deliveries, hh, notice, t);
    double t2 = bench_now_ms();
    fill_checks(node, households * persons_per, checks, pp, tc);
    double t3 = bench_now_ms();
    printf("{\"households\":%u,\"persons\":%u,\"deliveries\":%u,"
           "\"checks\":%u,\"fill_s\":{\"households\":%.1f,"
           "\"deliveries\":%.1f,\"checks\":%.1f}",
           households, households * persons_per, deliveries, checks,
           (t1 - t0) / 1e3, (t2 - t1) / 1e3, (t3 - t2) / 1e3);
    bench_print_tenths("delivery_commit_ms_by_tenth", t, commits);
    bench_print_tenths("check_commit_ms_by_tenth", tc, c_checks);
    printf(",\"notice\":\"%s\",\"now\":%d}\n", notice, T_CHECKS);
    hz_node_close(node);
    free(hh);
    free(pp);
    free(t);
    free(tc);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || hz_init() != 0) {
        fprintf(stderr, "usage: hz_bench_care fill DIR [options]\n"
                        "       hz_bench_care time DIR REPORT [--id ID]"
                        " [--runs N]\n");
        return 2;
    }
    if (strcmp(argv[1], "fill") == 0)
        return fill(argv[2], argc - 3, argv + 3);
    if (strcmp(argv[1], "time") == 0 && argc >= 4)
        return bench_time_report(PROG, argv[2], argv[3], T_CHECKS, argc - 4,
                                 argv + 4);
    fprintf(stderr, "%s: no command %s\n", PROG, argv[1]);
    return 2;
}
