/* bench_gen.c - the benchmark's bundle: households registered with their
 * members, people checked in and out of shelters, relief handed out,
 * warnings delivered, records corrected and duplicates removed.
 *
 * Everything is written through the public batch API, as the CLI and the
 * web UI write, in commits of gen_params.batch operations (one entry per
 * commit while the body stays under HZ_BODY_LEN_MAX). Names, phone and ID
 * numbers are obviously fictional (测试甲, 000..., TEST...). One seeded
 * splitmix64 stream drives the choices, another the node's randomness
 * (row ids), and the clock is virtual: the bundle depends on the
 * parameters alone.
 *
 * In a network (gen_params.network) the source node enters the network
 * of the benchmark's root key before writing, and its first entry carries
 * its certificate (role coordinator, signed by the root key) as a trust
 * operation, [1, [[3, cert]]]. Entering and the certificate draw no
 * random bytes, so the data entries hold the same operations and row ids
 * as without; their envelopes differ (network id, seq one higher, the
 * clock a few readings later). The export is sealed, as every networked
 * node's is; the in-memory source node is lent a directory holding only
 * network.secret for it, since that is where the bundle key comes from. */
#include "bench_gen.h"
#include "bench_idno.h"

#include "huzhu/bundle.h"
#include "huzhu/node.h"

#include "core/cert.h"
#include "core/identity.h"
#include "core/limits.h"
#include "store/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define DAY_S 86400u

struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint32_t rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(rng_next(r) % n);
}

/* The source node's world: a virtual clock that advances 1 ms every 16
 * readings, and seeded random bytes. */
struct venv {
    struct rng r;
    uint64_t reads;
};

static uint64_t venv_now(void *data)
{
    struct venv *v = data;
    return GEN_BASE_MS + v->reads++ / 16;
}

static void venv_random(void *data, void *buf, size_t len)
{
    struct venv *v = data;
    uint8_t *p = buf;
    while (len > 0) {
        uint64_t x = rng_next(&v->r);
        size_t k = len < sizeof x ? len : sizeof x;
        memcpy(p, &x, k);
        p += k;
        len -= k;
    }
}

/* Rows written so far, to refer to and to correct later. */
struct rows {
    char (*id)[HZ_ROW_HEX_LEN + 1];
    uint64_t *mark;  /* 1 + the commit that last touched the row */
    uint8_t *gone;   /* deleted, or (check-ins) already closed */
    uint32_t *aux_a; /* check-ins: the person's index */
    uint32_t *aux_b; /* check-ins: the site's index */
    size_t n, cap;
    size_t committed; /* rows [0, committed) are in the node */
};

struct gen {
    const struct gen_params *p;
    struct gen_result *res;
    hz_node *node;
    hz_batch *b;
    unsigned in_batch;
    uint64_t commit_no;
    struct rng r;
    struct rows households, persons, sites, items, stays;
};

enum op_type { PUT_SET, PUT_INS };

static const char *const given[] = {"测试甲", "测试乙", "测试丙", "测试丁",
                                    "测试戊", "测试己", "测试庚", "测试辛",
                                    "测试壬", "测试癸"};

static void die(const char *what, const struct hz_err *err)
{
    fprintf(stderr, "bench: generate: %s: %s (%s)\n", what,
            err != NULL ? err->msg : "",
            err != NULL ? hz_errname(err->code) : "");
    exit(1);
}

static void *grow(void *p, size_t count, size_t size)
{
    void *q = realloc(p, count * size);
    if (q == NULL)
        die("out of memory", NULL);
    return q;
}

static size_t rows_add(struct rows *rs, const char *id, uint64_t mark)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? 2 * rs->cap : 1024;
        rs->id = grow(rs->id, rs->cap, sizeof rs->id[0]);
        rs->mark = grow(rs->mark, rs->cap, sizeof rs->mark[0]);
        rs->gone = grow(rs->gone, rs->cap, sizeof rs->gone[0]);
        rs->aux_a = grow(rs->aux_a, rs->cap, sizeof rs->aux_a[0]);
        rs->aux_b = grow(rs->aux_b, rs->cap, sizeof rs->aux_b[0]);
    }
    size_t i = rs->n++;
    memcpy(rs->id[i], id, sizeof rs->id[0]);
    rs->mark[i] = mark;
    rs->gone[i] = 0;
    rs->aux_a[i] = rs->aux_b[i] = 0;
    return i;
}

static void rows_free(struct rows *rs)
{
    free(rs->id);
    free(rs->mark);
    free(rs->gone);
    free(rs->aux_a);
    free(rs->aux_b);
}

static void flush(struct gen *g)
{
    if (g->b == NULL)
        return;
    struct hz_err err = {0};
    size_t n_entries = 0;
    if (hz_node_commit(g->node, g->b, &n_entries, &err) != 0)
        die("commit", &err);
    hz_batch_close(g->b);
    g->b = NULL;
    g->in_batch = 0;
    g->res->entries += n_entries;
    g->res->commits++;
    g->commit_no++;
    struct rows *all[] = {&g->households, &g->persons, &g->sites, &g->items,
                          &g->stays};
    for (size_t i = 0; i < N(all); i++)
        all[i]->committed = all[i]->n;
}

/* One operation into the open batch; a full batch is committed. */
static void put(struct gen *g, enum op_type type, const char *table,
                const char *id, const struct hz_field *f, size_t n_fields,
                char *id_out)
{
    struct hz_err err = {0};
    if (g->b == NULL && hz_batch_open(g->node, &g->b, &err) != 0)
        die("batch", &err);
    if (hz_batch_put(g->b, table, id, n_fields, f, id_out, &err) != 0)
        die(table, &err);
    g->res->ops++;
    g->res->fields += n_fields;
    if (type == PUT_SET)
        g->res->sets++;
    else
        g->res->inserts++;
    if (id != NULL)
        g->res->updates++;
    if (++g->in_batch >= g->p->batch)
        flush(g);
}

static uint64_t mark_now(const struct gen *g)
{
    return g->commit_no + 1;
}

/* A row of an earlier commit that this commit has not touched, or -1. */
static long pick(struct gen *g, const struct rows *rs)
{
    for (int tries = 0; rs->committed > 0 && tries < 8; tries++) {
        size_t i = rng_below(&g->r, (uint32_t)rs->committed);
        if (rs->mark[i] != mark_now(g) && !rs->gone[i])
            return (long)i;
    }
    return -1;
}

static void event_time(struct gen *g, char *buf, size_t len)
{
    uint64_t base_s = GEN_BASE_MS / 1000;
    snprintf(buf, len, "%" PRIu64, base_s - rng_below(&g->r, 30 * DAY_S));
}

static void make_sites(struct gen *g)
{
    static const char *const kinds[] = {"shelter", "shelter", "village_office",
                                        "township", "warehouse"};
    size_t count = 20 + (size_t)(g->p->ops / 50000);
    for (size_t i = 0; i < count; i++) {
        char addr[64], area[32], cap[32], name[64], phone[32], id[33];
        snprintf(addr, sizeof addr, "测试县测试镇%zu号", i + 1);
        snprintf(area, sizeof area, "%u.5", 100 + rng_below(&g->r, 2000));
        snprintf(cap, sizeof cap, "%u", 50 + rng_below(&g->r, 950));
        snprintf(name, sizeof name, "测试安置点%02zu", i + 1);
        snprintf(phone, sizeof phone, "000%08zu", i);
        struct hz_field f[] = {
            {"address", addr},
            {"area_m2", area},
            {"capacity", cap},
            {"kind", kinds[i % N(kinds)]},
            {"manager", given[i % N(given)]},
            {"name", name},
            {"open", "yes"},
            {"phone", phone},
        };
        put(g, PUT_SET, "sites", NULL, f, N(f), id);
        rows_add(&g->sites, id, mark_now(g));
    }
}

static void make_items(struct gen *g)
{
    static const char *const cats[] = {"food",     "water",    "bedding",
                                       "clothing", "medicine", "hygiene",
                                       "shelter",  "tools",    "other"};
    static const char *const units[] = {"箱", "瓶", "件", "袋", "套"};
    for (size_t i = 0; i < 40; i++) {
        char name[64], id[33];
        snprintf(name, sizeof name, "测试物资%02zu", i + 1);
        struct hz_field f[] = {
            {"category", cats[i % N(cats)]},
            {"name", name},
            {"unit", units[i % N(units)]},
        };
        put(g, PUT_SET, "items", NULL, f, N(f), id);
        rows_add(&g->items, id, mark_now(g));
    }
}

static const char *household_status(struct gen *g)
{
    static const char *const st[] = {"home",       "evacuated", "evacuated",
                                     "sheltered",  "sheltered", "relocated",
                                     "unreachable"};
    return st[rng_below(&g->r, N(st))];
}

static void make_household(struct gen *g, unsigned members, char *id)
{
    size_t k = g->households.n;
    char addr[96], head[64], grid[32], mem[16], phone[32], village[64];
    snprintf(addr, sizeof addr, "测试县测试镇测试村%zu组%zu号", k % 40 + 1,
             k + 1);
    snprintf(head, sizeof head, "%s%zu", given[k % N(given)], k + 1);
    snprintf(grid, sizeof grid, "网格%02zu", k % 60 + 1);
    snprintf(mem, sizeof mem, "%u", members);
    snprintf(phone, sizeof phone, "000%08zu", k % 100000000);
    snprintf(village, sizeof village, "测试村%02zu", k % 40 + 1);
    struct hz_field f[10] = {
        {"address", addr},
        {"cadre", given[(k / 7) % N(given)]},
        {"grid", grid},
        {"head_name", head},
        {"members", mem},
        {"phone", phone},
        {"status", household_status(g)},
        {"village", village},
    };
    size_t n = 8;
    if (rng_below(&g->r, 100) < 20)
        f[n++] = (struct hz_field){"notes", "测试备注：需要复核"};
    put(g, PUT_SET, "households", NULL, f, n, id);
    rows_add(&g->households, id, mark_now(g));
}

static size_t make_person(struct gen *g, const char *household, unsigned j)
{
    size_t k = g->persons.n;
    unsigned year = 1935 + rng_below(&g->r, 88);
    bool female = rng_below(&g->r, 2) != 0;
    char by[16], name[64], idno[32], phone[32], id[33];
    snprintf(by, sizeof by, "%u", year);
    snprintf(name, sizeof name, "%s%zu", given[(k + j) % N(given)], k + 1);
    bench_idno(idno, k + 1, year);
    snprintf(phone, sizeof phone, "000%08zu", (k * 7) % 100000000);
    unsigned c = rng_below(&g->r, 100);
    struct hz_field f[16] = {
        {"birth_year", by},
        {"condition", c < 90   ? "safe"
                      : c < 98 ? "injured"
                               : "missing"},
        {"household", household},
        {"id_number", idno},
        {"name", name},
        {"sex", female ? "female" : "male"},
    };
    size_t n = 6;
    if (rng_below(&g->r, 100) < 60)
        f[n++] = (struct hz_field){"phone", phone};
    if (year < 1955 && rng_below(&g->r, 2) == 0)
        f[n++] = (struct hz_field){"elderly_mobility", "yes"};
    if (rng_below(&g->r, 100) < 10)
        f[n++] = (struct hz_field){"chronic", "yes"};
    if (rng_below(&g->r, 100) < 3)
        f[n++] = (struct hz_field){"disabled", "yes"};
    if (female && year > 1980 && rng_below(&g->r, 100) < 4)
        f[n++] = (struct hz_field){"pregnant", "yes"};
    if (year > 2008 && rng_below(&g->r, 100) < 5)
        f[n++] = (struct hz_field){"left_behind", "yes"};
    put(g, PUT_SET, "persons", NULL, f, n, id);
    return rows_add(&g->persons, id, mark_now(g));
}

static void check_in(struct gen *g, size_t person)
{
    uint32_t site = rng_below(&g->r, (uint32_t)g->sites.n);
    char t[32], id[33];
    event_time(g, t, sizeof t);
    struct hz_field f[] = {
        {"kind", "in"},
        {"person", g->persons.id[person]},
        {"site", g->sites.id[site]},
        {"time", t},
    };
    put(g, PUT_INS, "stays", NULL, f, N(f), id);
    size_t i = rows_add(&g->stays, id, mark_now(g));
    g->stays.aux_a[i] = (uint32_t)person;
    g->stays.aux_b[i] = site;
}

static void warn(struct gen *g, const char *household)
{
    static const char *const methods[] = {"phone", "door", "loudspeaker",
                                          "message"};
    char t[32];
    event_time(g, t, sizeof t);
    struct hz_field f[] = {
        {"by", given[rng_below(&g->r, N(given))]},
        {"household", household},
        {"method", methods[rng_below(&g->r, N(methods))]},
        {"notice", "测试预警：河水上涨，请立即转移到安置点"},
        {"time", t},
    };
    put(g, PUT_INS, "warnings", NULL, f, N(f), NULL);
}

static void move_stock(struct gen *g, const char *household)
{
    char qty[32], ref[32], t[32];
    event_time(g, t, sizeof t);
    struct hz_field f[8] = {
        {"item", g->items.id[rng_below(&g->r, (uint32_t)g->items.n)]},
        {"site", g->sites.id[rng_below(&g->r, (uint32_t)g->sites.n)]},
        {"time", t},
    };
    size_t n = 3;
    if (household != NULL) {
        snprintf(qty, sizeof qty, "-%u", 1 + rng_below(&g->r, 20));
        f[n++] = (struct hz_field){"household", household};
        f[n++] = (struct hz_field){"kind", "distributed"};
    } else {
        snprintf(qty, sizeof qty, "%u", 100 + rng_below(&g->r, 5000));
        f[n++] = (struct hz_field){"counterpart", "测试捐赠单位"};
        f[n++] = (struct hz_field){"kind", "received"};
    }
    f[n++] = (struct hz_field){"qty", qty};
    if (rng_below(&g->r, 100) < 30) {
        snprintf(ref, sizeof ref, "测试单%06u", rng_below(&g->r, 1000000));
        f[n++] = (struct hz_field){"reference", ref};
    }
    put(g, PUT_INS, "stock_moves", NULL, f, n, NULL);
}

/* A household registered: its members, some checked into a shelter, the
 * warning it was given, perhaps relief handed out. */
static void household_unit(struct gen *g)
{
    static const unsigned sizes[] = {1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5};
    unsigned members = sizes[rng_below(&g->r, N(sizes))];
    char hh[33];
    make_household(g, members, hh);
    for (unsigned j = 0; j < members; j++) {
        size_t p = make_person(g, hh, j);
        if (rng_below(&g->r, 100) < 40)
            check_in(g, p);
    }
    warn(g, hh);
    if (rng_below(&g->r, 100) < 50)
        move_stock(g, hh);
}

static void update_household(struct gen *g)
{
    long i = pick(g, &g->households);
    if (i < 0)
        return;
    struct hz_field f[2] = {{"status", household_status(g)}};
    size_t n = 1;
    if (rng_below(&g->r, 100) < 30)
        f[n++] = (struct hz_field){"notes", "测试备注：已电话确认"};
    g->households.mark[i] = mark_now(g);
    put(g, PUT_SET, "households", g->households.id[i], f, n, NULL);
}

static void update_person(struct gen *g)
{
    long i = pick(g, &g->persons);
    if (i < 0)
        return;
    unsigned c = rng_below(&g->r, 100);
    char phone[32];
    snprintf(phone, sizeof phone, "000%08u", rng_below(&g->r, 100000000));
    struct hz_field f[2] = {{"condition", c < 85   ? "safe"
                                          : c < 97 ? "injured"
                                                   : "missing"}};
    size_t n = 1;
    if (rng_below(&g->r, 100) < 30)
        f[n++] = (struct hz_field){"phone", phone};
    g->persons.mark[i] = mark_now(g);
    put(g, PUT_SET, "persons", g->persons.id[i], f, n, NULL);
}

static void check_out(struct gen *g)
{
    long i = pick(g, &g->stays);
    if (i < 0 || g->persons.gone[g->stays.aux_a[i]])
        return;
    char t[32];
    snprintf(t, sizeof t, "%" PRIu64, GEN_BASE_MS / 1000);
    struct hz_field f[] = {
        {"closes", g->stays.id[i]},
        {"kind", "out"},
        {"person", g->persons.id[g->stays.aux_a[i]]},
        {"site", g->sites.id[g->stays.aux_b[i]]},
        {"time", t},
    };
    g->stays.gone[i] = 1;
    put(g, PUT_INS, "stays", NULL, f, N(f), NULL);
}

/* A duplicate registration removed. */
static void remove_person(struct gen *g)
{
    long i = pick(g, &g->persons);
    if (i < 0)
        return;
    struct hz_err err = {0};
    if (g->b == NULL && hz_batch_open(g->node, &g->b, &err) != 0)
        die("batch", &err);
    if (hz_batch_del(g->b, "persons", g->persons.id[i], &err) != 0)
        die("delete", &err);
    g->persons.gone[i] = 1;
    g->persons.mark[i] = mark_now(g);
    g->res->ops++;
    g->res->deletes++;
    if (++g->in_batch >= g->p->batch)
        flush(g);
}

/* A correction or a later event about rows of earlier commits. */
static void later_step(struct gen *g)
{
    unsigned r = rng_below(&g->r, 100);
    if (r < 40)
        update_household(g);
    else if (r < 70)
        update_person(g);
    else if (r < 85)
        check_out(g);
    else if (r < 97)
        move_stock(g, NULL);
    else
        remove_person(g);
}

void gen_network(uint64_t seed, struct gen_network *out)
{
    /* The root seed: BLAKE2b-256 of a tag and the seed, apart from the
     * streams that drive the data. */
    static const char tag[] = "huzhu bench root key v1";
    uint8_t msg[sizeof tag - 1 + 8];
    memcpy(msg, tag, sizeof tag - 1);
    for (size_t i = 0; i < 8; i++)
        msg[sizeof tag - 1 + i] = (uint8_t)(seed >> (8 * i));
    crypto_generichash(out->root_seed, sizeof out->root_seed, msg, sizeof msg,
                       NULL, 0);
    struct identity root;
    identity_from_seed(&root, out->root_seed);
    memcpy(out->root_pk, root.pk, sizeof out->root_pk);
    identity_close(&root);
    cert_network_id(out->root_pk, out->id);
    /* The network secret follows from the root seed (proto/trust.md,
     * "Root key backup"). */
    static const char secret_tag[] = "huzhu network secret v1";
    crypto_generichash(out->secret, sizeof out->secret,
                       (const uint8_t *)secret_tag, sizeof secret_tag - 1,
                       out->root_seed, sizeof out->root_seed);
}

int gen_network_secret_write(const char *dir, const struct gen_network *net)
{
    char path[4096];
    int len = snprintf(path, sizeof path, "%s/network.secret", dir);
    if (len < 0 || (size_t)len >= sizeof path)
        return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ssize_t w = fd >= 0 ? write(fd, net->secret, sizeof net->secret) : -1;
    if (fd >= 0 && close(fd) != 0)
        w = -1;
    if (w != (ssize_t)sizeof net->secret) {
        fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Enter the network and write the source node's certificate, signed by
 * the root key, as its first entry. */
static void enter_network(struct gen *g, const struct gen_network *net)
{
    struct hz_err err = {0};
    if (network_enter(g->node, net->id, "bench network", &err) != 0)
        die("enter network", &err);
    struct identity root;
    identity_from_seed(&root, net->root_seed);
    static const char name[] = "bench source";
    struct cert c = {.version = HZ_CERT_VERSION,
                     .role = ROLE_COORDINATOR,
                     .name = {(const uint8_t *)name, sizeof name - 1},
                     .issued_ms = GEN_BASE_MS,
                     .valid_days = 365};
    memcpy(c.network, net->id, HZ_NET_LEN);
    memcpy(c.subject, g->node->id.pk, HZ_KEY_LEN);
    memcpy(c.issuer, root.pk, HZ_KEY_LEN);
    struct enc out;
    enc_init(&out);
    int rv = cert_sign(&c, root.sk, &out);
    identity_close(&root);
    if (rv != 0)
        die("sign certificate", NULL);
    rv = txn_begin(g->node, &err);
    if (rv == 0)
        rv = write_trust(g->node, OP_CERT, enc_data(&out), enc_len(&out), &err);
    if (rv == 0)
        rv = txn_commit(g->node, &err);
    if (rv != 0) {
        txn_rollback(g->node);
        die("write certificate", &err);
    }
    enc_close(&out);
    g->res->entries++;
}

/* In a network: lend the in-memory node a directory that holds only
 * network.secret, for the bundle key, while it exports. */
static void lend_dir(struct gen *g, const char *path,
                     const struct gen_network *net)
{
    size_t len = strlen(path) + 8;
    char *dir = malloc(len);
    if (dir == NULL)
        die("out of memory", NULL);
    snprintf(dir, len, "%s.keys", path);
    if ((mkdir(dir, 0700) != 0 && errno != EEXIST) ||
        gen_network_secret_write(dir, net) != 0)
        die("key directory", NULL);
    g->node->dir = dir;
}

static void return_dir(struct gen *g)
{
    char secret[4096];
    snprintf(secret, sizeof secret, "%s/network.secret", g->node->dir);
    remove(secret);
    rmdir(g->node->dir);
    free(g->node->dir);
    g->node->dir = NULL;
}

static int export(struct gen *g, const char *path)
{
    struct hz_err err = {0};
    if (hz_node_state_hash(g->node, g->res->state_hash, &err) != 0)
        die("state hash", &err);
    uint64_t n = 0;
    struct gen_network net;
    if (g->p->network) {
        gen_network(g->p->seed, &net);
        lend_dir(g, path, &net);
        sodium_memzero(&net, sizeof net);
    }
    int rv = hz_bundle_export(g->node, path, NULL, &n, &err);
    if (g->p->network)
        return_dir(g);
    if (rv != 0)
        die("export", &err);
    if (n != g->res->entries) {
        fprintf(stderr,
                "bench: exported %" PRIu64 " entries, wrote %" PRIu64 "\n", n,
                g->res->entries);
        return -1;
    }
    return 0;
}

int gen_bundle(const struct gen_params *p, const char *path,
               struct gen_result *out)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(out, 0, sizeof *out);
    struct rng master = {p->seed};
    uint8_t seed[32];
    for (size_t i = 0; i < sizeof seed; i += 8) {
        uint64_t x = rng_next(&master);
        memcpy(seed + i, &x, 8);
    }
    struct venv ve = {.r = {rng_next(&master)}};
    struct hz_env env = {
        .data = &ve, .now_ms = venv_now, .random = venv_random};
    struct gen g = {.p = p, .res = out, .r = {rng_next(&master)}};
    struct hz_err err = {0};
    if (node_open_memory(seed, schema_current(), &env, &g.node, &err) != 0)
        die("open source node", &err);
    if (p->network) {
        struct gen_network net;
        gen_network(p->seed, &net);
        enter_network(&g, &net);
        sodium_memzero(&net, sizeof net);
    }
    make_sites(&g);
    make_items(&g);
    while (out->ops < p->ops) {
        if (rng_below(&g.r, 100) < 40)
            later_step(&g);
        else
            household_unit(&g);
    }
    flush(&g);
    int rv = export(&g, path);
    out->end_ms = venv_now(&ve);
    hz_node_close(g.node);
    struct rows *all[] = {&g.households, &g.persons, &g.sites, &g.items,
                          &g.stays};
    for (size_t i = 0; i < N(all); i++)
        rows_free(all[i]);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    out->seconds = (double)(t1.tv_sec - t0.tv_sec) +
                   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return rv;
}

int gen_meta_write(const char *path, const struct gen_params *p,
                   const struct gen_result *r)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return -1;
    fprintf(f,
            "gen_version %u\nparam_ops %" PRIu64 "\nparam_batch %u\n"
            "param_seed %" PRIu64 "\nops %" PRIu64 "\nsets %" PRIu64 "\n"
            "inserts %" PRIu64 "\ndeletes %" PRIu64 "\nupdates %" PRIu64
            "\nfields %" PRIu64 "\ncommits %" PRIu64 "\nentries %" PRIu64
            "\nend_ms %" PRIu64 "\nseconds %.3f\nstate_hash %s\n"
            "param_network %u\n",
            BENCH_GEN_VERSION, p->ops, p->batch, p->seed, r->ops, r->sets,
            r->inserts, r->deletes, r->updates, r->fields, r->commits,
            r->entries, r->end_ms, r->seconds, r->state_hash, p->network);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        remove(tmp);
        return -1;
    }
    return 0;
}

int gen_meta_read(const char *path, const struct gen_params *p,
                  struct gen_result *r)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    unsigned version = 0, batch = 0, network = 0;
    uint64_t ops = 0, seed = 0;
    int got =
        fscanf(f,
               "gen_version %u param_ops %" SCNu64 " param_batch %u"
               " param_seed %" SCNu64 " ops %" SCNu64 " sets %" SCNu64
               " inserts %" SCNu64 " deletes %" SCNu64 " updates %" SCNu64
               " fields %" SCNu64 " commits %" SCNu64 " entries %" SCNu64
               " end_ms %" SCNu64 " seconds %lf state_hash %64s",
               &version, &ops, &batch, &seed, &r->ops, &r->sets, &r->inserts,
               &r->deletes, &r->updates, &r->fields, &r->commits, &r->entries,
               &r->end_ms, &r->seconds, r->state_hash);
    /* Written since the network option: a .meta without it is of a
     * placeholder bundle. */
    if (got == 15 && fscanf(f, " param_network %u", &network) != 1)
        network = 0;
    fclose(f);
    if (got != 15 || version != BENCH_GEN_VERSION || ops != p->ops ||
        batch != p->batch || seed != p->seed || network != p->network)
        return -1;
    return 0;
}
