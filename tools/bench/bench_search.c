/* bench_search.c - how fast the web interface finds a person (issue 13):
 * search latency at 100,000 households and 300,000 persons, for names of
 * two and three characters, surnames alone, phone digits, the last six
 * characters of an ID number, and names in pinyin: the whole spelling,
 * the initials, and the initials of the first two characters.
 *
 *   hz_bench_search DIR [--households N] [--persons-per N] [--queries N]
 *
 * Makes a node in DIR (which must not exist), fills it through the public
 * batch API, one entry per household with its persons (what `household
 * add --member` writes), with fictional names drawn like real ones: one of
 * 100 common surnames and one or two given characters from 160. The fill
 * runs with PRAGMA synchronous=OFF (setup, not measured); the node is then
 * closed and opened again as `huzhu serve` opens it. Each query is
 * hz_node_search with limit 50, the call behind GET /api/search, timed
 * with the monotonic clock. The peer measured in the same run: reading
 * every person row (hz_node_ls persons), which is what the first slice's
 * search did. Prints one JSON line: per kind, median, p95 and max in ms,
 * p95 as a ratio of 1 s (the "well under a second") and of the
 * full read. */
#include "huzhu/node.h"

#include "core/pinyin.h"
#include "store/internal.h"

#include "bench_util.h"

#include "bench_idno.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PERSONS_MAX 8u
#define NAMES_KEPT 4096u

static const char *const surnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
    "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋",
    "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁",
    "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
    "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦",
    "邱", "江", "尹", "薛", "闫", "段", "雷", "侯", "龙", "史", "陶", "黎",
    "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴",
    "莫", "孔", "向", "汤"};
static const char given[] =
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国玉兰春梅"
    "海燕文辉志强晓东红霞小红小明金凤国华德明永红俊杰欣怡浩然子涵雨轩"
    "思远宇航嘉怡梓涵一诺佳琪雪梅秋菊冬梅春花桂芳淑珍玉珍丽娟建华建军"
    "志勇志刚德华荣华福林长青水生根生来福大山石头二狗铁柱翠花招娣";

struct names {
    char two[NAMES_KEPT][20], three[NAMES_KEPT][20];
    char phone[NAMES_KEPT][20], idno[NAMES_KEPT][20];
    size_t n_two, n_three, n_phone, n_idno;
};

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint32_t below(uint32_t n)
{
    return bench_below(&rng, n);
}

static void die(const char *what, const struct hz_err *err)
{
    bench_die("hz_bench_search", what, err);
}

/* One given character (3 bytes of UTF-8) into @out. */
static void given_char(char *out)
{
    size_t n = (sizeof given - 1) / 3;
    memcpy(out, given + 3 * below((uint32_t)n), 3);
    out[3] = '\0';
}

/* "%.19s": the names are shorter, but aarch64 gcc 12 at -O2 inlines this
 * into fill() and takes @s for the whole name[8][16] array (128 bytes),
 * so "%s" failed -Werror=format-truncation in tools/aarch64.sh. */
static void keep(char (*arr)[20], size_t *n, const char *s)
{
    if (*n < NAMES_KEPT)
        snprintf(arr[(*n)++], 20, "%.19s", s);
    else
        snprintf(arr[below(NAMES_KEPT)], 20, "%.19s", s);
}

static void fill(hz_node *node, unsigned households, unsigned per,
                 struct names *nm)
{
    struct hz_err err = {0};
    uint64_t k = 0;
    for (unsigned h = 0; h < households; h++) {
        hz_batch *b = NULL;
        if (hz_batch_open(node, &b, &err) != 0)
            die("batch", &err);
        char hid[HZ_ROW_HEX_LEN + 1], village[32], head[16] = "";
        char name[PERSONS_MAX][16], by[PERSONS_MAX][8], phone[16],
            idno[PERSONS_MAX][20], count[8];
        const char *sur = surnames[below(100)];
        for (unsigned j = 0; j < per; j++) {
            char a[4], c[4];
            given_char(a);
            given_char(c);
            bool three = below(100) < 60;
            snprintf(name[j], sizeof name[j], "%s%s%s",
                     j == 1 ? surnames[below(100)] : sur, a, three ? c : "");
            unsigned year = 1935 + below(88);
            snprintf(by[j], sizeof by[j], "%u", year);
            bench_idno(idno[j], ++k, year);
            keep(three ? nm->three : nm->two, three ? &nm->n_three : &nm->n_two,
                 name[j]);
            if (below(10) == 0 && nm->n_idno < NAMES_KEPT)
                snprintf(nm->idno[nm->n_idno++], 20, "%s", idno[j] + 12);
        }
        snprintf(head, sizeof head, "%s", name[0]);
        snprintf(village, sizeof village, "测试%s村", surnames[h % 20]);
        snprintf(phone, sizeof phone, "1%u%09u", 3 + below(7),
                 below(1000000000));
        if (below(10) == 0 && nm->n_phone < NAMES_KEPT)
            snprintf(nm->phone[nm->n_phone++], 20, "%s", phone + 7);
        snprintf(count, sizeof count, "%u", per);
        struct hz_field hf[] = {{"head_name", head},
                                {"village", village},
                                {"phone", phone},
                                {"members", count},
                                {"status", "home"}};
        if (hz_batch_put(b, "households", NULL, 5, hf, hid, &err) != 0)
            die("households", &err);
        for (unsigned j = 0; j < per; j++) {
            struct hz_field pf[] = {{"household", hid},
                                    {"name", name[j]},
                                    {"birth_year", by[j]},
                                    {"id_number", idno[j]},
                                    {"sex", below(2) ? "female" : "male"}};
            if (hz_batch_put(b, "persons", NULL, 5, pf, NULL, &err) != 0)
                die("persons", &err);
        }
        if (hz_node_commit(node, b, NULL, &err) != 0)
            die("commit", &err);
        hz_batch_close(b);
    }
}

struct stat_ms {
    double median, p95, max;
    unsigned found;
};

static struct stat_ms run_kind(hz_node *node, char (*pool)[20], size_t n_pool,
                               unsigned queries, bool surname_only)
{
    double *t = calloc(queries, sizeof *t);
    struct stat_ms s = {0};
    for (unsigned i = 0; i < queries; i++) {
        char q[20];
        if (surname_only)
            snprintf(q, sizeof q, "%s", surnames[below(100)]);
        else
            snprintf(q, sizeof q, "%s", pool[below((uint32_t)n_pool)]);
        char *json = NULL;
        struct hz_err err = {0};
        double t0 = bench_now_ms();
        if (hz_node_search(node, q, 50, &json, &err) != 0)
            die("search", &err);
        t[i] = bench_now_ms() - t0;
        /* every query names something the node holds */
        if (strstr(json, "\"id\"") != NULL)
            s.found++;
        hz_free_string(json);
    }
    qsort(t, queries, sizeof *t, bench_cmp_double);
    s.median = t[queries / 2];
    s.p95 = t[(queries * 95) / 100];
    s.max = t[queries - 1];
    free(t);
    return s;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hz_bench_search DIR [--households N]"
                        " [--persons-per N] [--queries N]\n");
        return 2;
    }
    const char *dir = argv[1];
    unsigned households = 100000, per = 3, queries = 200;
    for (int i = 2; i + 1 < argc; i += 2) {
        unsigned v = (unsigned)strtoul(argv[i + 1], NULL, 10);
        if (strcmp(argv[i], "--households") == 0)
            households = v;
        else if (strcmp(argv[i], "--persons-per") == 0 && v >= 1 &&
                 v <= PERSONS_MAX)
            per = v;
        else if (strcmp(argv[i], "--queries") == 0 && v >= 20)
            queries = v;
        else
            return fprintf(stderr, "bad option %s\n", argv[i]), 2;
    }
    static struct names nm;
    struct hz_err err = {0};
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION};
    hz_node *node = NULL;
    if (hz_init() != 0 || hz_node_create(dir, "测试检索", &opts, &node, &err))
        die("create", &err);
    if (sqlite3_exec(node->db.conn, "PRAGMA synchronous=OFF", NULL, NULL,
                     NULL) != SQLITE_OK)
        die("PRAGMA synchronous=OFF", NULL);
    double t0 = bench_now_ms();
    fill(node, households, per, &nm);
    double fill_s = (bench_now_ms() - t0) / 1e3;
    hz_node_close(node);
    if (hz_node_open(dir, &opts, &node, &err) != 0)
        die("open", &err);
    /* pinyin queries, from the names written: the whole spelling of a
     * three-character name, its initials, and the initials of its first
     * two characters (many names share those: the widest range) */
    static char py_full[NAMES_KEPT][20], py_ini[NAMES_KEPT][20],
        py_two[NAMES_KEPT][20];
    size_t n_py = 0;
    for (size_t i = 0; i < nm.n_three; i++) {
        char full[PINYIN_READINGS][PINYIN_SPELLING_MAX + 1];
        char ini[PINYIN_READINGS][PINYIN_SPELLING_MAX + 1];
        if (pinyin_spell(nm.three[i], full, ini) == 0 || strlen(full[0]) >= 20)
            continue;
        snprintf(py_full[n_py], 20, "%.19s", full[0]);
        snprintf(py_ini[n_py], 20, "%.19s", ini[0]);
        snprintf(py_two[n_py], 20, "%.2s", ini[0]);
        n_py++;
    }
    if (n_py == 0)
        die("no name has a pinyin spelling", NULL);
    /* the peer: every person row, as the first slice's search read them */
    char *all = NULL;
    t0 = bench_now_ms();
    if (hz_node_ls(node, "persons", 0, NULL, &all, &err) != 0)
        die("ls", &err);
    double full_ms = bench_now_ms() - t0;
    hz_free_string(all);
    struct {
        const char *kind;
        struct stat_ms s;
    } k[] = {
        {"name_2", run_kind(node, nm.two, nm.n_two, queries, false)},
        {"name_3", run_kind(node, nm.three, nm.n_three, queries, false)},
        {"surname", run_kind(node, NULL, 0, queries, true)},
        {"phone_4", run_kind(node, nm.phone, nm.n_phone, queries, false)},
        {"id_last_6", run_kind(node, nm.idno, nm.n_idno, queries, false)},
        {"pinyin_full", run_kind(node, py_full, n_py, queries, false)},
        {"pinyin_initials", run_kind(node, py_ini, n_py, queries, false)},
        {"pinyin_2", run_kind(node, py_two, n_py, queries, false)},
    };
    printf("{\"households\":%u,\"persons\":%u,\"fill_s\":%.1f,"
           "\"full_read_ms\":%.1f,\"queries_per_kind\":%u",
           households, households * per, fill_s, full_ms, queries);
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        printf(",\"%s\":{\"median_ms\":%.2f,\"p95_ms\":%.2f,\"max_ms\":%.2f,"
               "\"found\":%u,\"p95_of_1s\":%.4f,\"p95_of_full_read\":%.3f}",
               k[i].kind, k[i].s.median, k[i].s.p95, k[i].s.max, k[i].s.found,
               k[i].s.p95 / 1000.0, k[i].s.p95 / full_ms);
    }
    printf("}\n");
    hz_node_close(node);
    return 0;
}
