/* sim_world.c - the simulator's world: a seeded PRNG, nodes with virtual
 * wall clocks, a registry of every entry seen, and delivery of entries in
 * batches the test chooses, with the ingest counts predicted and checked.
 *
 * What each node holds is tracked here from what was delivered, never
 * read back from the node: store_relay_each's output and store_relay_ingest's
 * counts are checked against it. */
#include "sim.h"

#include "core/entry.h"
#include "core/limits.h"
#include "store/internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash_form.h"

/* ---- PRNG */

uint64_t sim_rnd(struct sim_rng *r)
{
    uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

uint64_t sim_below(struct sim_rng *r, uint64_t n)
{
    return sim_rnd(r) % n;
}

bool sim_chance(struct sim_rng *r, unsigned percent)
{
    return sim_below(r, 100) < percent;
}

/* ---- failures and tracing */

uint64_t sim_first_seed(void)
{
    const char *s = getenv("HUZHU_SIM_SEED_FIRST");
    return s != NULL && s[0] != '\0' ? strtoull(s, NULL, 10) : 1;
}

bool sim_shard_args(int argc, char **argv, unsigned *shard, unsigned *shards)
{
    if (argc == 3) {
        *shard = (unsigned)strtoul(argv[1], NULL, 10);
        *shards = (unsigned)strtoul(argv[2], NULL, 10);
    }
    if (*shards == 0 || *shard >= *shards) {
        fprintf(stderr, "usage: %s [shard shards]\n", argv[0]);
        return false;
    }
    return true;
}

void sim_failv(const char *name, const char *pattern, uint64_t seed, long step,
               jmp_buf *jb, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: seed=%" PRIu64 " step=%ld: ", name, seed, step);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr,
            "\n%s: replay: HUZHU_SIM_SEED=%" PRIu64
            " ctest -R '%s' --output-on-failure"
            " (HUZHU_SIM_VERBOSE=1 traces every step)\n",
            name, seed, pattern);
    fflush(stderr);
    if (jb != NULL)
        longjmp(*jb, 1);
    abort();
}

void sim_fail(struct sim_world *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_failv("sim", "^sim\\.", w->seed, w->step, w->fail_jmp, fmt, ap);
}

void sim_trace(struct sim_world *w, const char *fmt, ...)
{
    if (!w->verbose)
        return;
    va_list ap;
    fprintf(stderr, "[%ld] ", w->step);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- clocks and the environment each node sees */

static uint64_t env_now(void *data)
{
    return ((const struct sim_node *)data)->wall_ms;
}

static void seeded_random(void *data, void *buf, size_t len)
{
    struct sim_node *n = data;
    uint8_t *p = buf;
    while (len > 0) {
        uint64_t x = sim_rnd(&n->rng);
        size_t k = len < 8 ? len : 8;
        memcpy(p, &x, k);
        p += k;
        len -= k;
    }
}

static const char *clock_name(enum sim_clock c)
{
    static const char *const names[] = {"correct", "1970", "2038", "drift"};
    return names[c];
}

void sim_set_clock(struct sim_world *w, int i, enum sim_clock clock)
{
    struct sim_node *n = &w->nodes[i];
    n->clock = clock;
    n->rate_permille = 1000;
    switch (clock) {
    case SIM_CLOCK_CORRECT:
        n->wall_ms = SIM_MS_2024 + w->virt_ms;
        break;
    case SIM_CLOCK_1970: /* seconds to an hour after boot */
        n->wall_ms = sim_below(&w->rng, 3600000);
        break;
    case SIM_CLOCK_2038:
        n->wall_ms = SIM_MS_2038 + sim_below(&w->rng, 86400000);
        break;
    case SIM_CLOCK_DRIFT:
        n->wall_ms =
            SIM_MS_2024 + w->virt_ms - 1800000 + sim_below(&w->rng, 3600000);
        n->rate_permille = 500 + (unsigned)sim_below(&w->rng, 1501);
        break;
    }
    sim_trace(w, "node %d clock %s wall=%" PRIu64 " rate=%u", i,
              clock_name(clock), n->wall_ms, n->rate_permille);
}

void sim_advance(struct sim_world *w, uint64_t ms)
{
    w->virt_ms += ms;
    for (int i = 0; i < w->n_nodes; i++)
        w->nodes[i].wall_ms += ms * w->nodes[i].rate_permille / 1000;
}

/* ---- the world */

static void node_open(struct sim_world *w, int i, enum sim_clock c)
{
    struct sim_node *n = &w->nodes[i];
    memset(n, 0, sizeof *n);
    sim_set_clock(w, i, c);
    n->rng.s = sim_rnd(&w->rng);
    n->env =
        (struct hz_env){.data = n, .now_ms = env_now, .random = seeded_random};
    uint8_t key_seed[32];
    for (size_t k = 0; k < sizeof key_seed; k += 8) {
        uint64_t x = sim_rnd(&w->rng);
        memcpy(key_seed + k, &x, 8);
    }
    struct hz_err err = {0};
    SIM_OK(
        w,
        node_open_memory(key_seed, schema_current(), &n->env, &n->node, &err),
        &err);
    memcpy(n->pk, n->node->id.pk, HZ_KEY_LEN);
    hz_node_key_hex(n->node, n->key_hex);
}

static void node_close(struct sim_node *n)
{
    hz_node_close(n->node);
    for (int a = 0; a < SIM_NODES_MAX; a++) {
        free(n->seqs[a].held);
        free(n->seqs[a].applied_wall);
    }
    memset(n, 0, sizeof *n);
}

struct sim_world *sim_world_new(uint64_t seed, int n_nodes,
                                const enum sim_clock *clocks)
{
    struct sim_world *w = calloc(1, sizeof *w);
    if (w == NULL)
        abort();
    w->seed = seed;
    w->rng.s = seed;
    const char *v = getenv("HUZHU_SIM_VERBOSE");
    w->verbose = v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
    w->model = model_new();
    w->n_nodes = n_nodes;
    for (int i = 0; i < n_nodes; i++) {
        enum sim_clock c = SIM_CLOCK_CORRECT;
        if (clocks != NULL) {
            c = clocks[i];
        } else {
            uint64_t r = sim_below(&w->rng, 100);
            c = r < 45   ? SIM_CLOCK_CORRECT
                : r < 62 ? SIM_CLOCK_1970
                : r < 79 ? SIM_CLOCK_2038
                         : SIM_CLOCK_DRIFT;
        }
        node_open(w, i, c);
    }
    return w;
}

int sim_add_node(struct sim_world *w, enum sim_clock clock)
{
    SIM_CHECK(w, w->n_nodes < SIM_NODES_MAX, "no room for another node");
    int i = w->n_nodes++;
    node_open(w, i, clock);
    return i;
}

void sim_drop_node(struct sim_world *w)
{
    int i = w->n_nodes - 1;
    SIM_CHECK(w, w->n_written[i] == 0, "node %d wrote: it cannot go", i);
    node_close(&w->nodes[i]);
    w->n_nodes--;
}

void sim_world_free(struct sim_world *w)
{
    if (w == NULL)
        return;
    for (int i = 0; i < w->n_nodes; i++)
        node_close(&w->nodes[i]);
    for (size_t i = 0; i < w->n_reg; i++)
        free(w->reg[i].bytes);
    free(w->reg);
    free(w->reg_index);
    for (int a = 0; a < SIM_NODES_MAX; a++)
        free(w->written[a]);
    for (size_t i = 0; i < w->n_bags; i++)
        free(w->bags[i].idx);
    model_free(w->model);
    free(w);
}

uint64_t sim_env_seeds(uint64_t dflt)
{
    const char *s = getenv("HUZHU_SIM_SEEDS");
    if (s == NULL || s[0] == '\0')
        return dflt;
    char *end;
    unsigned long long n = strtoull(s, &end, 10);
    return *end == '\0' && n > 0 ? (uint64_t)n : dflt;
}

bool sim_env_seed(uint64_t *seed)
{
    const char *s = getenv("HUZHU_SIM_SEED");
    if (s == NULL || s[0] == '\0')
        return false;
    char *end;
    unsigned long long n = strtoull(s, &end, 10);
    if (*end != '\0')
        return false;
    *seed = (uint64_t)n;
    return true;
}

json_t *sim_json(struct sim_world *w, const char *what, int rv, char *text,
                 const struct hz_err *err)
{
    if (rv != 0) {
        hz_free_string(text);
        sim_fail(w, "%s: %s (%s)", what, hz_errname(rv), err->msg);
    }
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (j == NULL)
        sim_fail(w, "%s: bad JSON (%s): %.200s", what, je.text, text);
    hz_free_string(text);
    return j;
}

void sim_state_hash(struct sim_world *w, int node, char *out)
{
    struct hz_err err = {0};
    memset(out, 0, HZ_TEST_HASH_HEX + 1);
    SIM_OK(w, hz_node_state_hash(w->nodes[node].node, out, &err), &err);
    SIM_CHECK(w, hz_test_hash_form_ok(out),
              "node %d state hash \"%.64s\" is not 64 lowercase hex digits",
              node, out);
}

/* ---- what each node holds */

static void seqs_reserve(struct sim_world *w, struct sim_seqs *s, uint64_t seq)
{
    if (seq < s->cap)
        return;
    size_t cap = s->cap ? s->cap : 64;
    while (cap <= seq)
        cap *= 2;
    uint8_t *h = realloc(s->held, cap);
    uint64_t *aw = realloc(s->applied_wall, cap * sizeof *aw);
    if (h == NULL || aw == NULL)
        sim_fail(w, "out of memory");
    memset(h + s->cap, 0, cap - s->cap);
    memset(aw + s->cap, 0, (cap - s->cap) * sizeof *aw);
    s->held = h;
    s->applied_wall = aw;
    s->cap = cap;
}

bool sim_holds(const struct sim_world *w, int node, int a, uint64_t seq)
{
    const struct sim_seqs *s = &w->nodes[node].seqs[a];
    return seq < s->cap && s->held[seq];
}

uint64_t sim_next_seq(const struct sim_world *w, int node)
{
    return w->nodes[node].view.top[node] + 1;
}

uint64_t sim_wrote(struct sim_world *w, int node)
{
    struct sim_node *n = &w->nodes[node];
    uint64_t seq = n->view.top[node] + 1;
    SIM_CHECK(w, seq == w->n_written[node] + 1,
              "node %d: seq %" PRIu64 " after %zu written", node, seq,
              w->n_written[node]);
    if (w->n_written[node] == w->written_cap[node]) {
        size_t cap = w->written_cap[node] ? 2 * w->written_cap[node] : 64;
        struct sim_written *v = realloc(w->written[node], cap * sizeof *v);
        if (v == NULL)
            sim_fail(w, "out of memory");
        w->written[node] = v;
        w->written_cap[node] = cap;
    }
    w->written[node][w->n_written[node]++] = (struct sim_written){
        .reg = SIZE_MAX, .wall_ms = n->wall_ms, .view = n->view};
    seqs_reserve(w, &n->seqs[node], seq);
    n->seqs[node].held[seq] = 1;
    n->seqs[node].applied_wall[seq] = n->wall_ms;
    n->view.top[node] = seq;
    return seq;
}

/* ---- the registry */

static uint64_t sig_key(const uint8_t *p, size_t len)
{
    uint64_t k = 0;
    memcpy(&k, p + len - 8, 8);
    return k;
}

static void index_put(struct sim_world *w, size_t idx)
{
    size_t mask = w->reg_index_cap - 1;
    const struct sim_entry *e = &w->reg[idx];
    size_t pos = (size_t)sig_key(e->bytes, e->len) & mask;
    while (w->reg_index[pos] != 0)
        pos = (pos + 1) & mask;
    w->reg_index[pos] = idx + 1;
}

static void index_grow(struct sim_world *w)
{
    size_t cap = w->reg_index_cap ? 2 * w->reg_index_cap : 1024;
    free(w->reg_index);
    w->reg_index = calloc(cap, sizeof *w->reg_index);
    if (w->reg_index == NULL)
        sim_fail(w, "out of memory");
    w->reg_index_cap = cap;
    for (size_t i = 0; i < w->n_reg; i++)
        index_put(w, i);
}

static int author_of(const struct sim_world *w, const uint8_t *pk)
{
    for (int i = 0; i < w->n_nodes; i++) {
        if (memcmp(w->nodes[i].pk, pk, HZ_KEY_LEN) == 0)
            return i;
    }
    return -1;
}

/* A new entry must be one the simulator saw being written, and its
 * clock must keep the promise of clock.h: never below the writer's wall
 * time, never beyond it plus HZ_CLOCK_SKEW_MS_MAX. */
static void check_new_entry(struct sim_world *w, const struct sim_entry *e)
{
    SIM_CHECK(w, e->author >= 0, "entry by an unknown author");
    SIM_CHECK(w, e->seq >= 1 && e->seq <= w->n_written[e->author],
              "entry %d#%" PRIu64 " was never written", e->author, e->seq);
    struct sim_written *wr = &w->written[e->author][e->seq - 1];
    SIM_CHECK(w, wr->reg == SIZE_MAX,
              "two entries at %d#%" PRIu64 " (a fork nobody made)", e->author,
              e->seq);
    uint64_t ms = e->clock >> 16;
    SIM_CHECK(w, ms >= wr->wall_ms && ms <= wr->wall_ms + HZ_CLOCK_SKEW_MS_MAX,
              "entry %d#%" PRIu64 " clock %" PRIu64
              " ms is outside the writer's wall %" PRIu64 " ms + skew limit",
              e->author, e->seq, ms, wr->wall_ms);
}

size_t sim_register(struct sim_world *w, const uint8_t *p, size_t len)
{
    SIM_CHECK(w, len >= 8, "entry of %zu bytes", len);
    if (w->reg_index_cap == 0)
        index_grow(w);
    size_t mask = w->reg_index_cap - 1;
    size_t pos = (size_t)sig_key(p, len) & mask;
    while (w->reg_index[pos] != 0) {
        const struct sim_entry *e = &w->reg[w->reg_index[pos] - 1];
        if (e->len == len && memcmp(e->bytes, p, len) == 0)
            return w->reg_index[pos] - 1;
        pos = (pos + 1) & mask;
    }
    struct entry d;
    struct hz_err err = {0};
    SIM_OK(w, entry_decode(&d, p, len, &err), &err);
    struct sim_entry e = {.len = len, .seq = d.seq, .clock = d.clock};
    e.author = author_of(w, d.author);
    memcpy(e.id, d.id, HZ_HASH_LEN);
    check_new_entry(w, &e);
    e.bytes = malloc(len);
    if (e.bytes == NULL)
        sim_fail(w, "out of memory");
    memcpy(e.bytes, p, len);
    if (w->n_reg == w->reg_cap) {
        size_t cap = w->reg_cap ? 2 * w->reg_cap : 256;
        struct sim_entry *v = realloc(w->reg, cap * sizeof *v);
        if (v == NULL)
            sim_fail(w, "out of memory");
        w->reg = v;
        w->reg_cap = cap;
    }
    size_t idx = w->n_reg++;
    w->reg[idx] = e;
    w->written[e.author][e.seq - 1].reg = idx;
    if (2 * w->n_reg >= w->reg_index_cap)
        index_grow(w);
    else
        index_put(w, idx);
    return idx;
}

const struct sim_entry *sim_entry(const struct sim_world *w, size_t idx)
{
    return &w->reg[idx];
}

struct relay_acc {
    struct sim_world *w;
    size_t *v;
    size_t n, cap;
};

static int relay_cb(void *data, const uint8_t *p, size_t len)
{
    struct relay_acc *acc = data;
    if (acc->n == acc->cap) {
        size_t cap = acc->cap ? 2 * acc->cap : 256;
        size_t *v = realloc(acc->v, cap * sizeof *v);
        if (v == NULL)
            return HZ_ENOMEM;
        acc->v = v;
        acc->cap = cap;
    }
    acc->v[acc->n++] = sim_register(acc->w, p, len);
    return 0;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

size_t sim_relay(struct sim_world *w, int node, size_t **out)
{
    struct relay_acc acc = {.w = w};
    struct hz_err err = {0};
    SIM_OK(w, store_relay_each(w->nodes[node].node, relay_cb, &acc, &err),
           &err);
    /* Exactly what the node was given: each held entry once. */
    size_t held = 0;
    for (int a = 0; a < w->n_nodes; a++) {
        const struct sim_seqs *s = &w->nodes[node].seqs[a];
        for (size_t q = 0; q < s->cap; q++)
            held += s->held[q];
    }
    SIM_CHECK(w, acc.n == held, "node %d relays %zu entries, holds %zu", node,
              acc.n, held);
    size_t *sorted = malloc((acc.n ? acc.n : 1) * sizeof *sorted);
    if (sorted == NULL)
        sim_fail(w, "out of memory");
    if (acc.n > 0) {
        memcpy(sorted, acc.v, acc.n * sizeof *sorted);
        qsort(sorted, acc.n, sizeof *sorted, cmp_size);
    }
    for (size_t i = 0; i < acc.n; i++) {
        const struct sim_entry *e = &w->reg[sorted[i]];
        SIM_CHECK(w, i == 0 || sorted[i] != sorted[i - 1],
                  "node %d relays %d#%" PRIu64 " twice", node, e->author,
                  e->seq);
        SIM_CHECK(w, sim_holds(w, node, e->author, e->seq),
                  "node %d relays %d#%" PRIu64 " it was never given", node,
                  e->author, e->seq);
    }
    free(sorted);
    *out = acc.v;
    return acc.n;
}

size_t sim_entry_of(struct sim_world *w, int a, uint64_t seq)
{
    SIM_CHECK(w, seq >= 1 && seq <= w->n_written[a], "no entry %d#%" PRIu64, a,
              seq);
    if (w->written[a][seq - 1].reg == SIZE_MAX) {
        size_t *all;
        sim_relay(w, a, &all);
        free(all);
    }
    SIM_CHECK(w, w->written[a][seq - 1].reg != SIZE_MAX,
              "author %d does not relay its own entry %" PRIu64, a, seq);
    return w->written[a][seq - 1].reg;
}

/* ---- delivery */

/* What a batch should do, entry by entry. */
struct prediction {
    uint64_t duplicate;
    uint64_t applied;   /* applied on arrival */
    uint64_t drained;   /* applied because the gap before them closed */
    uint64_t pending;   /* went pending on arrival */
    uint64_t remaining; /* of those, still pending after the batch */
};

/* Note entry (a, seq) as given to @node and predict what ingest does with
 * it: a duplicate, applied (then draining what waited for it) or pending.
 * @mine marks the seqs that went pending in this batch. */
static void predict(struct sim_world *w, int node, int a, uint64_t seq,
                    struct prediction *p, uint8_t *mine)
{
    struct sim_node *n = &w->nodes[node];
    struct sim_seqs *s = &n->seqs[a];
    seqs_reserve(w, s, seq + 1);
    if (seq <= n->view.top[a]) {
        p->duplicate++;
        return;
    }
    if (seq > n->view.top[a] + 1) {
        p->pending++;
        if (!mine[seq]) {
            mine[seq] = 1;
            p->remaining++;
        }
        if (!s->held[seq])
            n->n_pending++;
        s->held[seq] = 1;
        w->stats.pending_seen++;
        return;
    }
    p->applied++;
    s->held[seq] = 1;
    s->applied_wall[seq] = n->wall_ms;
    n->view.top[a] = seq;
    while (n->view.top[a] + 1 < s->cap && s->held[n->view.top[a] + 1]) {
        uint64_t q = ++n->view.top[a];
        s->applied_wall[q] = n->wall_ms;
        n->n_pending--;
        p->drained++;
        if (mine[q]) {
            mine[q] = 0;
            p->remaining--;
        }
    }
}

/* The counts store_relay_ingest reports. Entries released from pending during
 * the batch may be counted where they first went (pending) or where they
 * ended (applied); either way an entry of the batch still pending at the
 * end must be counted as pending, and nothing may be rejected, held,
 * stopped, forked or refused. */
static void check_counts(struct sim_world *w, int node, size_t n,
                         const struct prediction *p,
                         const struct hz_ingest_stats *got)
{
    SIM_CHECK(w,
              got->entries == n && got->duplicate == p->duplicate &&
                  got->applied >= p->applied &&
                  got->applied <= p->applied + p->drained &&
                  got->pending >= p->remaining && got->pending <= p->pending &&
                  got->rejected == 0 && got->held == 0 && got->stopped == 0 &&
                  got->forks == 0 && got->refused == 0,
              "node %d ingest counts: entries %" PRIu64
              "/%zu, duplicate %" PRIu64 "/%" PRIu64 ", applied %" PRIu64
              " (%" PRIu64 " on arrival, %" PRIu64
              " released), pending %" PRIu64 " (%" PRIu64
              " went pending, %" PRIu64 " still are),"
              " rejected %" PRIu64 " held %" PRIu64 " stopped %" PRIu64
              " forks %" PRIu64 " refused %" PRIu64,
              node, got->entries, n, got->duplicate, p->duplicate, got->applied,
              p->applied, p->drained, got->pending, p->pending, p->remaining,
              got->rejected, got->held, got->stopped, got->forks, got->refused);
}

void sim_deliver(struct sim_world *w, int node, const size_t *idx, size_t n)
{
    if (n == 0)
        return;
    const uint8_t **p = malloc(n * sizeof *p);
    size_t *len = malloc(n * sizeof *len);
    uint8_t *mine[SIM_NODES_MAX] = {0};
    if (p == NULL || len == NULL)
        sim_fail(w, "out of memory");
    struct prediction want = {0};
    for (size_t i = 0; i < n; i++) {
        const struct sim_entry *e = &w->reg[idx[i]];
        p[i] = e->bytes;
        len[i] = e->len;
        if (mine[e->author] == NULL)
            mine[e->author] = calloc(w->n_written[e->author] + 2, 1);
        if (mine[e->author] == NULL)
            sim_fail(w, "out of memory");
        predict(w, node, e->author, e->seq, &want, mine[e->author]);
    }
    for (int a = 0; a < SIM_NODES_MAX; a++)
        free(mine[a]);
    struct hz_ingest_stats got = {0};
    struct hz_err err = {0};
    int rv = store_relay_ingest(w->nodes[node].node, n, p, len, &got, &err);
    free(p);
    free(len);
    SIM_CHECK(w, rv == 0, "store_relay_ingest into node %d: %s (%s)", node,
              hz_errname(rv), err.msg);
    check_counts(w, node, n, &want, &got);
    w->stats.delivered += n;
    w->stats.batches++;
}

void sim_sync(struct sim_world *w, int src, int dst)
{
    size_t *all;
    size_t n = sim_relay(w, src, &all);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sim_entry *e = &w->reg[all[i]];
        if (!sim_holds(w, dst, e->author, e->seq))
            all[k++] = all[i];
    }
    sim_deliver(w, dst, all, k);
    free(all);
    w->stats.syncs++;
}

bool sim_quiescent(const struct sim_world *w)
{
    for (int i = 0; i < w->n_nodes; i++) {
        if (w->nodes[i].n_pending != 0)
            return false;
        for (int a = 0; a < w->n_nodes; a++) {
            if (w->nodes[i].view.top[a] != w->n_written[a])
                return false;
        }
    }
    return true;
}

void sim_deliver_all_shuffled(struct sim_world *w)
{
    size_t n = 0;
    for (int a = 0; a < w->n_nodes; a++)
        n += w->n_written[a];
    size_t *all = malloc(n * sizeof *all);
    SIM_CHECK(w, all != NULL, "out of memory");
    for (int node = 0; node < w->n_nodes; node++) {
        size_t k = 0;
        for (int a = 0; a < w->n_nodes; a++)
            for (uint64_t s = 1; s <= w->n_written[a]; s++)
                all[k++] = sim_entry_of(w, a, s);
        for (size_t i = n; i > 1; i--) {
            size_t j = sim_below(&w->rng, i), tmp = all[i - 1];
            all[i - 1] = all[j];
            all[j] = tmp;
        }
        for (size_t i = 0; i < n;) {
            size_t len = 1 + sim_below(&w->rng, n - i);
            sim_deliver(w, node, all + i, len);
            i += len;
        }
    }
    free(all);
}

void sim_put(struct sim_world *w, int node, const char *table,
             const char *row_id, size_t n, const struct hz_field *f, char *id)
{
    hz_batch *b = NULL;
    struct hz_err err = {0};
    char row[2 * HZ_ROW_LEN + 1];
    SIM_OK(w, hz_batch_open(w->nodes[node].node, &b, &err), &err);
    int rv = hz_batch_put(b, table, row_id, n, f, row, &err);
    if (rv == 0)
        rv = hz_node_commit(w->nodes[node].node, b, NULL, &err);
    hz_batch_close(b);
    SIM_CHECK(w, rv == 0, "%s on node %d refused: %s (%s)", table, node,
              hz_errname(rv), err.msg);
    sim_wrote(w, node);
    if (id != NULL)
        memcpy(id, row, sizeof row);
}

const char *sim_str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

int64_t sim_num(json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

int sim_index_of(const char (*ids)[2 * HZ_ROW_LEN + 1], int n, const char *id)
{
    for (int i = 0; i < n && id != NULL; i++)
        if (strcmp(ids[i], id) == 0)
            return i;
    return -1;
}

long sim_run_tenths(uint64_t seeds_default, int n_nodes,
                    const enum sim_clock *clocks,
                    void (*run)(struct sim_world *w, void *data), void *data)
{
    uint64_t first = sim_first_seed();
    uint64_t count = sim_env_seeds(seeds_default * 10) / 10;
    if (count == 0)
        count = 1;
    if (sim_env_seed(&first))
        count = 1;
    long seeds = 0;
    for (uint64_t seed = first; seed < first + count; seed++) {
        struct sim_world *w = sim_world_new(seed, n_nodes, clocks);
        jmp_buf jb;
        w->fail_jmp = &jb;
        if (setjmp(jb) != 0) {
            sim_world_free(w);
            return -1;
        }
        run(w, data);
        sim_world_free(w);
        seeds++;
    }
    return seeds;
}

void sim_quiesce(struct sim_world *w)
{
    for (int round = 0; !sim_quiescent(w); round++) {
        SIM_CHECK(w, round < 3, "not quiescent after %d rounds", round);
        for (int dst = 0; dst < w->n_nodes; dst++) {
            for (int src = 0; src < w->n_nodes; src++) {
                if (src != dst)
                    sim_sync(w, src, dst);
            }
        }
    }
}
