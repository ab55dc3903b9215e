/* test_sim_trust.c - admissions, role limits and revocations on three to
 * six in-process nodes of one network, exchanged in random subsets,
 * orders, batches and multiplicities across partitions that heal, end in
 * the verdicts of an independent reading of proto/trust.md (issue 3;
 * DECISIONS 4, 5, 15, 18, 19).
 *
 * The test holds the network's root key. Random steps admit devices
 * (root-signed certificates carried by any node; certificates signed by
 * admins and by coordinators given admission, in their issuer's chain or
 * detached in another device's; some of them not allowed), write domain
 * rows by every node, allowed or not (keep_denied), revoke with random
 * cut-offs (root and admins, admins revoking each other before they
 * sync, revocations ahead of the certificates they concern), and leave
 * some devices never admitted. Some nodes wrote before entering the
 * network, so network_enter re-issues their entries.
 *
 * The oracle below re-reads "Authorization" and "Resolution" from the
 * text of proto/trust.md, from the set of trust objects alone; it never
 * calls trust_resolve, trust_entry_allowed or cert_allows. Checked: mid-
 * run, each node's verdicts against the oracle over the entries it holds
 * (arrival-order independence); at the end, equal state hashes and
 * verdicts everywhere, every verdict and reason as the oracle says, and
 * the state equal to a reference node that materialized exactly the data
 * entries the oracle authorizes. And the county mirror (issue 18): a
 * model of each node's mirror, copying only the rows the node numbered
 * since its last pass (store_changes_since; passes at random mid-run
 * checks), holds at the end exactly what the node's tables hold, though
 * certificates let denied entries in, revocations take applied ones
 * back and entering the network clears the state.
 *
 * HUZHU_SIM_SEEDS sets the number of seeds (default below),
 * HUZHU_SIM_SEED_FIRST where they start, HUZHU_SIM_SEED=<n> replays one
 * seed and HUZHU_SIM_VERBOSE=1 traces it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim.h"

#include "core/body.h"
#include "core/cert.h"
#include "core/entry.h"
#include "core/identity.h"
#include "store/internal.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Seeds in a plain run (the sanitizer pass sets HUZHU_SIM_SEEDS=200).
 * Measured on an idle core: about 0.07 s a seed (RelWithDebInfo), so
 * about 20 s, and 0.35 s under the address and undefined sanitizers. */
#define SEEDS_DEFAULT 300
/* At most this many seeds after a short run's own, to make every case. */
#define EXTRA_SEEDS_MAX 200

#define WRITERS_MAX 6
#define NODES_MAX (WRITERS_MAX + 1) /* the writers and one late joiner */
#define N_SITES 3
#define N_ITEMS 2
#define ROWS_MAX 48
#define CANDS_MAX 8
#define REASON_MAX 96
#define NO_CUT UINT64_MAX
#define NO_RANK UINT32_MAX

/* What the test means a device to become; the log decides what it is. */
enum plan {
    PLAN_NONE, /* never admitted */
    PLAN_ADMIN_ROOT,
    PLAN_ADMIN_NODE, /* an admin admitted by another admin */
    PLAN_COORD_ADMITS,
    PLAN_COORD,
    PLAN_SITE,
    PLAN_VIEWER,
};

struct tnode {
    hz_node *h;
    struct hz_env env;
    uint64_t wall_ms;
    struct sim_rng rng;
    uint8_t pk[HZ_KEY_LEN];
    int group;                /* partition: syncs stay within a group */
    uint8_t *held[NODES_MAX]; /* held[a][seq]: given (in the log or pending) */
    size_t cap[NODES_MAX];
    uint64_t top[NODES_MAX]; /* the contiguous prefix: what its log holds */
    enum plan plan;
    int site;
    bool admitted;
    /* A county mirror of this node (issue 18) as a model: "table/id" ->
     * the row, built only from the changes the node numbered
     * (store_changes_since) after @mirrored, as src/mirror copies them */
    json_t *mirror;
    int64_t mirrored;
};

/* One trust object, decoded (views into its entry's bytes). */
struct tobj {
    size_t ent; /* registry index of the carrying entry */
    uint32_t idx;
    bool rev, root;
    struct cert c;
    struct revocation r;
    int subject; /* node index */
    int issuer;  /* node index, -1 for the root key */
};

/* One entry of the network, decoded once. */
struct ent {
    uint8_t *bytes;
    size_t len;
    int author;
    uint64_t seq;
    uint8_t id[HZ_HASH_LEN];
    struct body b;
    size_t obj0, n_obj;
};

/* Counts over all seeds: the verdicts, and the cases that were made. */
struct tally {
    unsigned long seeds, entries, steps, checks, delivered, batches, noops;
    unsigned long reissued, rev_before_cert;
    unsigned long applied_data, applied_trust;
    unsigned long no_cert_data, no_cert_trust, revoked_data, revoked_trust;
    unsigned long role_viewer, role_site;
    unsigned long admit_members;   /* needs 1, holds 0 */
    unsigned long admins_delegate; /* needs 2, holds 1: a coordinator */
    unsigned long admins_other;    /* needs 2, holds 0 */
    unsigned long delegated_applied, node_admin_applied, node_admin_denied;
    unsigned long root_revs, node_revs_applied, sticky, mutual;
    unsigned long root_in_denied, detached_in_effect, detached_not;
    unsigned long mirror_passes, mirror_rows;
};

struct tw {
    uint64_t seed;
    struct sim_rng rng;
    long step;
    bool verbose;
    jmp_buf *jb;
    struct tally *t;
    struct identity root;
    uint8_t net[HZ_NET_LEN];
    int n_writers, n; /* n: nodes open */
    struct tnode nodes[NODES_MAX];
    uint64_t virt_ms;
    struct ent *reg;
    size_t n_reg, reg_cap;
    size_t *seqs[NODES_MAX]; /* registry index of author a's seq s at s-1 */
    size_t n_written[NODES_MAX], seqs_cap[NODES_MAX];
    struct tobj *objs;
    size_t n_objs, objs_cap;
    size_t *trust_ents; /* registry indexes of trust entries */
    size_t n_trust, trust_cap;
    char sites[N_SITES][2 * HZ_ROW_LEN + 1];
    uint8_t site_bin[N_SITES][HZ_ROW_LEN];
    char items[N_ITEMS][2 * HZ_ROW_LEN + 1];
    char households[ROWS_MAX][2 * HZ_ROW_LEN + 1];
    char persons[ROWS_MAX][2 * HZ_ROW_LEN + 1];
    size_t n_households, n_persons;
};

static _Noreturn void tw_fail(struct tw *w, const char *fmt, ...)
    HZ_PRINTF(2, 3);

static void tw_fail(struct tw *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_failv("sim.trust", "^sim\\.trust$", w->seed, w->step, w->jb, fmt, ap);
}

#define TW_CHECK(w, cond, ...) SIM_CHECK_BY(tw_fail, w, cond, __VA_ARGS__)
#define TW_OK(w, call, err) SIM_OK_BY(tw_fail, w, call, err)

static void trace(struct tw *w, const char *fmt, ...) HZ_PRINTF(2, 3);

static void trace(struct tw *w, const char *fmt, ...)
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

static void *grow(struct tw *w, void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    uint8_t *q = realloc(p, c * size);
    TW_CHECK(w, q != NULL, "out of memory");
    memset(q + *cap * size, 0, (c - *cap) * size);
    *cap = c;
    return q;
}

static void draw(struct sim_rng *r, uint8_t *out, size_t len)
{
    for (size_t k = 0; k < len; k++)
        out[k] = (uint8_t)sim_rnd(r);
}

static void hex(const uint8_t *p, size_t len, char *out)
{
    for (size_t k = 0; k < len; k++)
        snprintf(out + 2 * k, 3, "%02x", p[k]);
}

/* ====================================================================
 * The oracle: proto/trust.md, "Authorization" and "Resolution" */

enum why { WHY_OK, WHY_REVOKED, WHY_NO_CERT, WHY_ADMIT, WHY_ADMINS, WHY_ROLE };

struct verdict {
    enum why why;
    uint64_t cut;
    int need, level; /* trust entries */
    size_t n_cands;  /* role denials: "<role> may not write <table>" */
    const char *cand_role[CANDS_MAX], *cand_table[CANDS_MAX];
};

struct oracle {
    const struct tw *w;
    const bool *in; /* by registry index: the entry is held */
    bool *eff;      /* by object: in effect */
    bool *applied;  /* by object: a revocation that has taken effect */
    uint64_t cut[NODES_MAX];
    uint32_t rank[NODES_MAX];
};

static const char *const role_names[] = {"admin", "coordinator", "site",
                                         "viewer"};

/* The level a certificate gives: 2 admin, 1 a coordinator with admits. */
static int level_of(const struct cert *c)
{
    if (c->role == ROLE_ADMIN)
        return 2;
    return c->role == ROLE_COORDINATOR && c->admits ? 1 : 0;
}

/* A certificate signed by a node key and carried by another device. */
static bool is_detached(const struct tw *w, const struct tobj *o)
{
    return !o->root && !o->rev && o->issuer != w->reg[o->ent].author;
}

/* The level a node-signed object asks of its issuer. */
static int issuer_need(const struct tobj *o)
{
    if (o->rev)
        return 2;
    return o->c.role == ROLE_ADMIN || o->c.admits ? 2 : 1;
}

/* The level an object needs from the entry that carries it: none for
 * root-signed objects and detached certificates (they count by their
 * issuer's standing), else its issuer's need, the issuer carrying it. */
static int need_of(const struct tw *w, const struct tobj *o)
{
    return o->root || is_detached(w, o) ? 0 : issuer_need(o);
}

static const struct value *field_of(const struct op *o, const char *col)
{
    for (size_t k = 0; k < o->n_fields; k++) {
        if (strcmp(o->table->cols[o->fields[k].col].name, col) == 0)
            return &o->fields[k].val;
    }
    return NULL;
}

/* The table of "Authorization": what one certificate lets its holder do
 * with one data operation. */
static bool role_allows(const struct cert *c, const struct op *o)
{
    const char *t = o->table->name;
    if (c->role == ROLE_ADMIN || c->role == ROLE_COORDINATOR)
        return true;
    if (c->role != ROLE_SITE)
        return false;
    if (strcmp(t, "households") == 0 || strcmp(t, "persons") == 0)
        return true;
    if (strcmp(t, "sites") == 0)
        return memcmp(o->row, c->site, HZ_ROW_LEN) == 0;
    if (strcmp(t, "stays") != 0 && strcmp(t, "stock_moves") != 0)
        return false;
    const struct value *v = field_of(o, "site");
    return v != NULL && v->type == VALUE_BIN && v->s.len == HZ_ROW_LEN &&
           memcmp(v->s.p, c->site, HZ_ROW_LEN) == 0;
}

/* Is entry @e authorized by the certificates in effect and the cut-offs
 * of @o? Conditions 1, 2 and 3 of "Authorization", in that order. */
static void judge(const struct oracle *o, size_t e, struct verdict *v)
{
    const struct tw *w = o->w;
    const struct ent *x = &w->reg[e];
    memset(v, 0, sizeof *v);
    uint64_t cut = o->cut[x->author];
    if (cut != NO_CUT && x->seq > cut) {
        v->why = WHY_REVOKED;
        v->cut = cut;
        return;
    }
    bool any = false, ok = false;
    for (size_t k = 0; k < w->n_objs; k++) {
        const struct tobj *c = &w->objs[k];
        if (!o->eff[k] || c->rev || c->subject != x->author)
            continue;
        any = true;
        v->level = level_of(&c->c) > v->level ? level_of(&c->c) : v->level;
        if (x->b.trust)
            continue;
        size_t bad = 0;
        while (bad < x->b.n_ops && role_allows(&c->c, &x->b.ops[bad]))
            bad++;
        if (bad == x->b.n_ops)
            ok = true;
        else if (v->n_cands < CANDS_MAX) {
            v->cand_role[v->n_cands] = role_names[c->c.role];
            v->cand_table[v->n_cands++] = x->b.ops[bad].table->name;
        }
    }
    if (!any) {
        v->why = WHY_NO_CERT;
        return;
    }
    if (x->b.trust) {
        for (size_t k = x->obj0; k < x->obj0 + x->n_obj; k++)
            v->need = need_of(w, &w->objs[k]) > v->need
                          ? need_of(w, &w->objs[k])
                          : v->need;
        if (v->level < v->need)
            v->why = v->need == 1 ? WHY_ADMIT : WHY_ADMINS;
        return;
    }
    if (!ok)
        v->why = WHY_ROLE;
}

static bool held_obj(const struct oracle *o, size_t k)
{
    return o->in[o->w->objs[k].ent];
}

/* The highest level device @d's certificates in effect give; -1 when it
 * holds none. */
static int level_held(const struct oracle *o, int d)
{
    int level = -1;
    for (size_t k = 0; k < o->w->n_objs; k++) {
        const struct tobj *c = &o->w->objs[k];
        if (o->eff[k] && !c->rev && c->subject == d && level_of(&c->c) > level)
            level = level_of(&c->c);
    }
    return level;
}

/* Step 2: with the cut-offs fixed, grant from the root to a fixpoint:
 * detached certificates by their issuer's standing (no cut-off at all,
 * and the level the certificate needs), every other object by its
 * entry's authorization. */
static void grant(struct oracle *o)
{
    const struct tw *w = o->w;
    for (size_t k = 0; k < w->n_objs; k++)
        o->eff[k] = held_obj(o, k) && (w->objs[k].root || o->applied[k]);
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t k = 0; k < w->n_objs; k++) {
            const struct tobj *c = &w->objs[k];
            if (o->eff[k] || !held_obj(o, k) || !is_detached(w, c) ||
                o->cut[c->issuer] != NO_CUT ||
                level_held(o, c->issuer) < issuer_need(c))
                continue;
            o->eff[k] = true;
            changed = true;
        }
        for (size_t t = 0; t < w->n_trust; t++) {
            const struct ent *x = &w->reg[w->trust_ents[t]];
            bool all = true;
            for (size_t k = x->obj0; k < x->obj0 + x->n_obj; k++)
                all = all && (o->eff[k] || is_detached(w, &w->objs[k]));
            if (all || !o->in[w->trust_ents[t]])
                continue;
            struct verdict v;
            judge(o, w->trust_ents[t], &v);
            if (v.why != WHY_OK)
                continue;
            for (size_t k = x->obj0; k < x->obj0 + x->n_obj; k++)
                o->eff[k] = o->eff[k] || !is_detached(w, &w->objs[k]);
            changed = true;
        }
    }
}

/* Step 3: admin ranks, the shortest distance from the root. */
static void ranks(struct oracle *o)
{
    const struct tw *w = o->w;
    for (int a = 0; a < NODES_MAX; a++)
        o->rank[a] = NO_RANK;
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t k = 0; k < w->n_objs; k++) {
            const struct tobj *c = &w->objs[k];
            if (!o->eff[k] || c->rev || c->c.role != ROLE_ADMIN)
                continue;
            uint32_t r = c->root ? 1
                         : o->rank[c->issuer] == NO_RANK
                             ? NO_RANK
                             : o->rank[c->issuer] + 1;
            if (r < o->rank[c->subject]) {
                o->rank[c->subject] = r;
                changed = true;
            }
        }
    }
}

/* Step 4's order: (author's rank, author key, seq, op index). */
static bool goes_first(const struct oracle *o, size_t a, size_t b)
{
    const struct tw *w = o->w;
    const struct ent *x = &w->reg[w->objs[a].ent], *y = &w->reg[w->objs[b].ent];
    if (o->rank[x->author] != o->rank[y->author])
        return o->rank[x->author] < o->rank[y->author];
    int c = memcmp(w->nodes[x->author].pk, w->nodes[y->author].pk, HZ_KEY_LEN);
    if (c != 0)
        return c < 0;
    if (x->seq != y->seq)
        return x->seq < y->seq;
    return w->objs[a].idx < w->objs[b].idx;
}

static void cut_to(struct oracle *o, const struct tobj *r)
{
    if (r->r.after_seq < o->cut[r->subject])
        o->cut[r->subject] = r->r.after_seq;
}

static void resolve(struct oracle *o)
{
    const struct tw *w = o->w;
    for (int a = 0; a < NODES_MAX; a++)
        o->cut[a] = NO_CUT;
    /* Step 1: the root's objects hold, its revocations are applied. */
    for (size_t k = 0; k < w->n_objs; k++) {
        o->applied[k] = held_obj(o, k) && w->objs[k].rev && w->objs[k].root;
        if (o->applied[k])
            cut_to(o, &w->objs[k]);
    }
    for (;;) {
        grant(o);
        ranks(o);
        size_t next = SIZE_MAX;
        for (size_t k = 0; k < w->n_objs; k++) {
            const struct tobj *r = &w->objs[k];
            if (!r->rev || r->root || !o->eff[k] || o->applied[k])
                continue;
            if (next == SIZE_MAX || goes_first(o, k, next))
                next = k;
        }
        if (next == SIZE_MAX)
            break;
        o->applied[next] = true; /* and stays applied */
        cut_to(o, &w->objs[next]);
    }
}

static void oracle_run(struct oracle *o, const struct tw *w, const bool *in)
{
    memset(o, 0, sizeof *o);
    o->w = w;
    o->in = in;
    o->eff = calloc(w->n_objs + 1, sizeof *o->eff);
    o->applied = calloc(w->n_objs + 1, sizeof *o->applied);
    if (o->eff == NULL || o->applied == NULL)
        abort();
    resolve(o);
}

static void oracle_close(struct oracle *o)
{
    free(o->eff);
    free(o->applied);
}

/* Does the node's reason say what the oracle's verdict says? A stored
 * reason is proto/trust.md's text followed by its code's: HZ_EREVOKED,
 * HZ_ENOCERT or, for a role, HZ_EPERM. */
static bool reason_is(const char *reason, int code, const char *text)
{
    char want[2 * REASON_MAX];
    snprintf(want, sizeof want, "%s: %s", text, hz_strerror(code));
    return reason != NULL && strcmp(want, reason) == 0;
}

static bool reason_fits(const struct verdict *v, const char *reason)
{
    char text[REASON_MAX];
    switch (v->why) {
    case WHY_OK:
        return reason == NULL;
    case WHY_REVOKED:
        snprintf(text, sizeof text, "author revoked after seq %" PRIu64,
                 v->cut);
        return reason_is(reason, HZ_EREVOKED, text);
    case WHY_NO_CERT:
        return reason_is(reason, HZ_ENOCERT, "no certificate for the author");
    case WHY_ADMIT:
        return reason_is(reason, HZ_EPERM,
                         "the author's role may not admit members");
    case WHY_ADMINS:
        return reason_is(reason, HZ_EPERM,
                         "the author's role may not revoke or admit admins");
    case WHY_ROLE:
        /* proto/trust.md names one failing (role, table); with several
         * certificates any of them may be the one named. */
        for (size_t k = 0; k < v->n_cands; k++) {
            snprintf(text, sizeof text, "%s may not write %s", v->cand_role[k],
                     v->cand_table[k]);
            if (reason_is(reason, HZ_EPERM, text))
                return true;
        }
        return false;
    }
    return false;
}

/* ====================================================================
 * Nodes, the registry of entries, delivery */

static uint64_t env_now(void *data)
{
    return ((const struct tnode *)data)->wall_ms;
}

static void seeded_random(void *data, void *buf, size_t len)
{
    draw(&((struct tnode *)data)->rng, buf, len);
}

static void node_open(struct tw *w, int i)
{
    struct tnode *n = &w->nodes[i];
    memset(n, 0, sizeof *n);
    n->wall_ms = SIM_MS_2024 + w->virt_ms;
    n->rng.s = sim_rnd(&w->rng);
    n->env =
        (struct hz_env){.data = n, .now_ms = env_now, .random = seeded_random};
    uint8_t seed[HZ_SEED_LEN];
    draw(&w->rng, seed, sizeof seed);
    struct hz_err err = {0};
    TW_OK(w, node_open_memory(seed, schema_current(), &n->env, &n->h, &err),
          &err);
    memcpy(n->pk, n->h->id.pk, HZ_KEY_LEN);
}

static int node_of(const struct tw *w, const uint8_t *pk)
{
    for (int i = 0; i < w->n; i++) {
        if (memcmp(w->nodes[i].pk, pk, HZ_KEY_LEN) == 0)
            return i;
    }
    return -1;
}

static void set_held(struct tw *w, int i, int a, uint64_t seq)
{
    struct tnode *n = &w->nodes[i];
    n->held[a] = grow(w, n->held[a], &n->cap[a], seq + 2, 1);
    n->held[a][seq] = 1;
}

static bool holds(const struct tw *w, int i, int a, uint64_t seq)
{
    const struct tnode *n = &w->nodes[i];
    return seq < n->cap[a] && n->held[a][seq];
}

static void decode_objs(struct tw *w, struct ent *x, size_t e)
{
    x->obj0 = w->n_objs;
    x->n_obj = x->b.n_ops;
    w->objs =
        grow(w, w->objs, &w->objs_cap, w->n_objs + x->n_obj, sizeof *w->objs);
    for (size_t k = 0; k < x->b.n_ops; k++) {
        struct tobj *o = &w->objs[w->n_objs++];
        const struct op *op = &x->b.ops[k];
        struct hz_err err = {0};
        o->ent = e;
        o->idx = (uint32_t)k;
        TW_CHECK(w, op->kind == OP_CERT || op->kind == OP_REVOKE,
                 "trust op of kind %d", (int)op->kind);
        o->rev = op->kind == OP_REVOKE;
        const uint8_t *subject, *issuer;
        if (o->rev) {
            TW_OK(w,
                  revocation_decode(&o->r, op->object.p, op->object.len, &err),
                  &err);
            subject = o->r.subject;
            issuer = o->r.issuer;
        } else {
            TW_OK(w, cert_decode(&o->c, op->object.p, op->object.len, &err),
                  &err);
            subject = o->c.subject;
            issuer = o->c.issuer;
        }
        o->root = memcmp(issuer, w->root.pk, HZ_KEY_LEN) == 0;
        o->subject = node_of(w, subject);
        o->issuer = o->root ? -1 : node_of(w, issuer);
        TW_CHECK(w, o->subject >= 0 && (o->root || o->issuer >= 0),
                 "trust object of an unknown key");
        TW_CHECK(w, o->root || !o->rev || o->issuer == x->author,
                 "node-signed revocation carried by another node");
    }
}

/* Add the entry @p[0..len) of node @a's chain (the next one) to the
 * registry. */
static void register_entry(struct tw *w, int a, const uint8_t *p, size_t len)
{
    struct entry d;
    struct hz_err err = {0};
    TW_OK(w, entry_decode(&d, p, len, &err), &err);
    TW_CHECK(w, node_of(w, d.author) == a, "entry by another author");
    TW_CHECK(w, d.seq == w->n_written[a] + 1,
             "node %d wrote seq %" PRIu64 " after %zu", a, d.seq,
             w->n_written[a]);
    w->reg = grow(w, w->reg, &w->reg_cap, w->n_reg + 1, sizeof *w->reg);
    size_t e = w->n_reg++;
    struct ent *x = &w->reg[e];
    x->bytes = malloc(len);
    TW_CHECK(w, x->bytes != NULL, "out of memory");
    memcpy(x->bytes, p, len);
    x->len = len;
    x->author = a;
    x->seq = d.seq;
    memcpy(x->id, d.id, HZ_HASH_LEN);
    TW_OK(w, entry_decode(&d, x->bytes, len, &err), &err);
    TW_OK(w, body_decode(&x->b, schema_current(), d.body.p, d.body.len, &err),
          &err);
    if (x->b.trust) {
        decode_objs(w, x, e);
        w->trust_ents = grow(w, w->trust_ents, &w->trust_cap, w->n_trust + 1,
                             sizeof *w->trust_ents);
        w->trust_ents[w->n_trust++] = e;
    }
    w->seqs[a] = grow(w, w->seqs[a], &w->seqs_cap[a], d.seq, sizeof(size_t));
    w->seqs[a][d.seq - 1] = e;
    w->n_written[a] = d.seq;
}

/* Register what node @i wrote since the last call: its new entries are
 * in its log. */
static void collect_own(struct tw *w, int i)
{
    struct tnode *n = &w->nodes[i];
    sqlite3_stmt *st;
    struct hz_err err = {0};
    TW_OK(w,
          db_prep(&n->h->db,
                  "SELECT bytes FROM log WHERE author = (SELECT k FROM names"
                  " WHERE name = ?1) AND seq > ?2"
                  " ORDER BY seq",
                  &st, &err),
          &err);
    sqlite3_bind_blob(st, 1, n->pk, HZ_KEY_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)w->n_written[i]);
    while (sqlite3_step(st) == SQLITE_ROW) {
        register_entry(w, i, sqlite3_column_blob(st, 0),
                       (size_t)sqlite3_column_bytes(st, 0));
        set_held(w, i, i, w->n_written[i]);
        n->top[i] = w->n_written[i];
    }
    sqlite3_reset(st);
}

/* Give registry entries idx[0..count) to node @dst in one batch, and
 * check store_relay_ingest's counts against what the node held before. */
static void deliver(struct tw *w, int dst, const size_t *idx, size_t count)
{
    if (count == 0)
        return;
    const uint8_t **p = malloc(count * sizeof *p);
    size_t *len = malloc(count * sizeof *len);
    uint8_t *mine = calloc(w->n_reg, 1); /* went pending in this batch */
    TW_CHECK(w, p != NULL && len != NULL && mine != NULL, "out of memory");
    struct tnode *n = &w->nodes[dst];
    uint64_t dup = 0, linked = 0, drained = 0, pend = 0, left = 0;
    for (size_t k = 0; k < count; k++) {
        const struct ent *x = &w->reg[idx[k]];
        p[k] = x->bytes;
        len[k] = x->len;
        int a = x->author;
        if (x->seq <= n->top[a]) {
            dup++;
            continue;
        }
        set_held(w, dst, a, x->seq);
        if (x->seq > n->top[a] + 1) {
            pend++;
            left += !mine[idx[k]];
            mine[idx[k]] = 1;
            continue;
        }
        linked++;
        n->top[a] = x->seq;
        while (holds(w, dst, a, n->top[a] + 1)) {
            size_t q = w->seqs[a][n->top[a]++];
            drained++;
            left -= mine[q];
            mine[q] = 0;
        }
    }
    struct hz_ingest_stats got = {0};
    struct hz_err err = {0};
    int rv = store_relay_ingest(n->h, count, p, len, &got, &err);
    free(p);
    free(len);
    free(mine);
    TW_CHECK(w, rv == 0, "store_relay_ingest into node %d: %s (%s)", dst,
             hz_errname(rv), err.msg);
    uint64_t stored = got.applied + got.denied;
    TW_CHECK(w,
             got.entries == count && got.duplicate == dup && stored >= linked &&
                 stored <= linked + drained && got.pending >= left &&
                 got.pending <= pend && got.rejected == 0 && got.held == 0 &&
                 got.stopped == 0 && got.forks == 0 && got.refused == 0,
             "node %d ingest counts: entries %" PRIu64
             "/%zu, duplicate %" PRIu64 "/%" PRIu64 ", applied %" PRIu64
             " + denied %" PRIu64 " for %" PRIu64 " linked and %" PRIu64
             " released, pending %" PRIu64 " (%" PRIu64 " went, %" PRIu64
             " still are), rejected %" PRIu64 " held %" PRIu64
             " stopped %" PRIu64 " forks %" PRIu64 " refused %" PRIu64,
             dst, got.entries, count, got.duplicate, dup, got.applied,
             got.denied, linked, drained, got.pending, pend, left, got.rejected,
             got.held, got.stopped, got.forks, got.refused);
    w->t->delivered += count;
    w->t->batches++;
}

static void shuffle(struct tw *w, size_t *v, size_t n)
{
    for (size_t k = n; k > 1; k--) {
        size_t j = (size_t)sim_below(&w->rng, k);
        size_t t = v[k - 1];
        v[k - 1] = v[j];
        v[j] = t;
    }
}

/* Entries @src holds and @dst lacks (a courier takes some of them, and
 * some @dst holds already), in a random order and random batches. */
static void carry_over(struct tw *w, int src, int dst, bool courier)
{
    size_t *v = malloc((w->n_reg + 1) * sizeof *v), n = 0;
    TW_CHECK(w, v != NULL, "out of memory");
    for (size_t e = 0; e < w->n_reg; e++) {
        const struct ent *x = &w->reg[e];
        if (!holds(w, src, x->author, x->seq))
            continue;
        bool lacks = !holds(w, dst, x->author, x->seq);
        if (courier
                ? (lacks ? sim_chance(&w->rng, 60) : sim_chance(&w->rng, 10))
                : lacks)
            v[n++] = e;
    }
    uint64_t order = sim_below(&w->rng, 4);
    if (order == 1) {
        for (size_t k = 0; k < n / 2; k++) {
            size_t t = v[k];
            v[k] = v[n - 1 - k];
            v[n - 1 - k] = t;
        }
    } else if (order >= 2) {
        shuffle(w, v, n);
    }
    trace(w, "%s %d -> %d: %zu entries", courier ? "courier" : "sync", src, dst,
          n);
    for (size_t k = 0; k < n;) {
        size_t take = 1 + (size_t)sim_below(&w->rng, n - k);
        deliver(w, dst, v + k, take);
        k += take;
    }
    free(v);
}

/* ====================================================================
 * Trust objects, signed by the root key or a node key, carried by a node */

static void write_objs(struct tw *w, int carrier, struct enc *objs,
                       const enum op_kind *kinds, size_t count)
{
    hz_node *h = w->nodes[carrier].h;
    struct op ops[2];
    for (size_t k = 0; k < count; k++)
        ops[k] = (struct op){.kind = kinds[k],
                             .object = {enc_data(&objs[k]), enc_len(&objs[k])}};
    struct body b = {
        .schema_version = 1, .n_ops = count, .ops = ops, .trust = 1};
    struct hz_err err = {0};
    TW_OK(w, txn_begin(h, &err), &err);
    int rv = count == 1 ? write_trust(h, kinds[0], enc_data(&objs[0]),
                                      enc_len(&objs[0]), &err)
                        : write_entry(h, &b, &err);
    if (rv == 0)
        rv = txn_commit(h, &err);
    if (rv != 0) {
        txn_rollback(h);
        tw_fail(w, "node %d carrying %zu trust objects: %s (%s)", carrier,
                count, hz_errname(rv), err.msg);
    }
    collect_own(w, carrier);
}

static const uint8_t *sk_of(struct tw *w, int issuer)
{
    return issuer < 0 ? w->root.sk : w->nodes[issuer].h->id.sk;
}

static const uint8_t *pk_of(struct tw *w, int issuer)
{
    return issuer < 0 ? w->root.pk : w->nodes[issuer].pk;
}

/* A certificate: validity windows are random, some long past or far
 * ahead, since they never decide a log entry's verdict. */
static void make_cert(struct tw *w, int issuer, int subject, enum role role,
                      int site, bool admits, struct enc *out)
{
    struct cert c = {
        .version = HZ_CERT_VERSION, .role = role, .admits = admits};
    memcpy(c.network, w->net, HZ_NET_LEN);
    memcpy(c.subject, w->nodes[subject].pk, HZ_KEY_LEN);
    c.name = (struct hz_bytes){(const uint8_t *)"救灾点设备", 15};
    c.has_site = role == ROLE_SITE;
    if (c.has_site)
        memcpy(c.site, w->site_bin[site], HZ_ROW_LEN);
    c.issued_ms = sim_chance(&w->rng, 20) ? sim_below(&w->rng, SIM_MS_2038)
                                          : SIM_MS_2024 + w->virt_ms;
    c.valid_days = 1 + sim_below(&w->rng, 3650);
    memcpy(c.issuer, pk_of(w, issuer), HZ_KEY_LEN);
    enc_init(out);
    TW_CHECK(w, cert_sign(&c, sk_of(w, issuer), out) == 0, "cert_sign");
    trace(w, "cert by %d for %d: %s%s site %d", issuer, subject,
          role_names[role], admits ? "+admits" : "", site);
}

static bool has_cert_written(const struct tw *w, int subject)
{
    for (size_t k = 0; k < w->n_objs; k++) {
        if (!w->objs[k].rev && w->objs[k].subject == subject)
            return true;
    }
    return false;
}

static void make_rev(struct tw *w, int issuer, int subject, uint64_t after,
                     struct enc *out)
{
    struct revocation r = {.version = HZ_CERT_VERSION, .after_seq = after};
    memcpy(r.network, w->net, HZ_NET_LEN);
    memcpy(r.subject, w->nodes[subject].pk, HZ_KEY_LEN);
    r.has_after_id = after > 0;
    /* Verdicts use after_seq only: the id is the entry's when the test
     * has it, and anything otherwise (a chain the issuer never saw). */
    if (after > 0 && after <= w->n_written[subject])
        memcpy(r.after_id, w->reg[w->seqs[subject][after - 1]].id, HZ_HASH_LEN);
    else if (after > 0)
        draw(&w->rng, r.after_id, HZ_HASH_LEN);
    r.issued_ms = SIM_MS_2024 + w->virt_ms;
    memcpy(r.issuer, pk_of(w, issuer), HZ_KEY_LEN);
    enc_init(out);
    TW_CHECK(w, revocation_sign(&r, sk_of(w, issuer), out) == 0,
             "revocation_sign");
    w->t->rev_before_cert += !has_cert_written(w, subject);
    trace(w, "revocation by %d of %d after %" PRIu64, issuer, subject, after);
}

static void carry_one(struct tw *w, int carrier, struct enc *obj,
                      enum op_kind kind)
{
    write_objs(w, carrier, obj, &kind, 1);
    enc_close(obj);
}

static int pick_writer(struct tw *w)
{
    return (int)sim_below(&w->rng, (uint64_t)w->n_writers);
}

/* A writer planned as @a or @b, other than @other; -1 when none. */
static int pick_planned(struct tw *w, enum plan a, enum plan b, int other)
{
    int v[WRITERS_MAX], n = 0;
    for (int i = 0; i < w->n_writers; i++) {
        if (i != other && (w->nodes[i].plan == a || w->nodes[i].plan == b))
            v[n++] = i;
    }
    return n == 0 ? -1 : v[sim_below(&w->rng, (uint64_t)n)];
}

static enum role random_role(struct tw *w, bool *admits)
{
    enum role r = (enum role)sim_below(&w->rng, 4);
    *admits = r == ROLE_COORDINATOR && sim_chance(&w->rng, 40);
    return r;
}

/* Any node signs a certificate for anyone, or the root does: most of
 * these are not allowed and must be denied. */
static void act_stray_cert(struct tw *w)
{
    int issuer = sim_chance(&w->rng, 20) ? -1 : pick_writer(w);
    bool admits;
    enum role role = random_role(w, &admits);
    struct enc out;
    make_cert(w, issuer, pick_writer(w), role, (int)sim_below(&w->rng, N_SITES),
              admits, &out);
    carry_one(w,
              issuer >= 0 && sim_chance(&w->rng, 60) ? issuer : pick_writer(w),
              &out, OP_CERT);
}

/* Admit a device as planned, by the root, an admin or a coordinator
 * given admission (whose own standing the log decides). */
static void act_admit(struct tw *w)
{
    int v[WRITERS_MAX], n = 0;
    for (int i = 0; i < w->n_writers; i++) {
        if (w->nodes[i].plan != PLAN_NONE && !w->nodes[i].admitted)
            v[n++] = i;
    }
    if (n == 0) {
        act_stray_cert(w);
        return;
    }
    int d = v[sim_below(&w->rng, (uint64_t)n)];
    struct tnode *s = &w->nodes[d];
    s->admitted = true;
    static const enum role role_of[] = {
        [PLAN_ADMIN_ROOT] = ROLE_ADMIN,
        [PLAN_ADMIN_NODE] = ROLE_ADMIN,
        [PLAN_COORD_ADMITS] = ROLE_COORDINATOR,
        [PLAN_COORD] = ROLE_COORDINATOR,
        [PLAN_SITE] = ROLE_SITE,
        [PLAN_VIEWER] = ROLE_VIEWER,
    };
    int issuer = -1;
    uint64_t r = sim_below(&w->rng, 100);
    if (s->plan == PLAN_ADMIN_NODE)
        issuer = pick_planned(w, PLAN_ADMIN_ROOT, PLAN_ADMIN_NODE, d);
    else if (s->plan == PLAN_COORD_ADMITS && r >= 40)
        issuer = pick_planned(w, PLAN_ADMIN_ROOT, PLAN_ADMIN_NODE, d);
    else if (s->plan != PLAN_ADMIN_ROOT && r >= 35 && r < 70)
        issuer = pick_planned(w, PLAN_ADMIN_ROOT, PLAN_ADMIN_NODE, d);
    else if (s->plan != PLAN_ADMIN_ROOT && r >= 70)
        issuer = pick_planned(w, PLAN_COORD_ADMITS, PLAN_COORD_ADMITS, d);
    struct enc out;
    make_cert(w, issuer, d, role_of[s->plan], s->site,
              s->plan == PLAN_COORD_ADMITS, &out);
    /* A node-signed certificate goes in its issuer's chain (issued) or,
     * as after a join, in its subject's or anyone's (detached). */
    uint64_t c = sim_below(&w->rng, 100);
    int carrier = issuer >= 0 && c < 50 ? issuer : c < 85 ? d : pick_writer(w);
    carry_one(w, carrier, &out, OP_CERT);
}

/* A cut-off anywhere from none accepted to past the subject's chain,
 * most often near its end. */
static uint64_t random_cut(struct tw *w, int subject)
{
    uint64_t top = w->n_written[subject];
    if (sim_chance(&w->rng, 40))
        return sim_below(&w->rng, top + 4);
    uint64_t back = sim_below(&w->rng, (top < 6 ? top : 6) + 1);
    return top - back + sim_below(&w->rng, 3);
}

static void act_revoke(struct tw *w)
{
    int issuer = -1;
    if (!sim_chance(&w->rng, 35)) {
        issuer = sim_chance(&w->rng, 70)
                     ? pick_planned(w, PLAN_ADMIN_ROOT, PLAN_ADMIN_NODE, -1)
                     : pick_writer(w);
        if (issuer < 0)
            issuer = pick_writer(w);
    }
    int subject = pick_writer(w);
    if (subject == issuer)
        subject = (subject + 1) % w->n_writers;
    struct enc out;
    make_rev(w, issuer, subject, random_cut(w, subject), &out);
    carry_one(w, issuer >= 0 ? issuer : pick_writer(w), &out, OP_REVOKE);
}

/* Two admins (as planned, or any two nodes) revoke each other before
 * they sync, each cutting the other below the other's revocation. */
static void act_mutual(struct tw *w)
{
    int a = pick_planned(w, PLAN_ADMIN_ROOT, PLAN_ADMIN_NODE, -1);
    int b = a < 0 ? -1 : pick_planned(w, PLAN_ADMIN_ROOT, PLAN_ADMIN_NODE, a);
    if (b < 0 || sim_chance(&w->rng, 20)) {
        a = pick_writer(w);
        b = (a + 1 + (int)sim_below(&w->rng, (uint64_t)w->n_writers - 1)) %
            w->n_writers;
    }
    uint64_t cut_b = sim_below(&w->rng, w->n_written[b] + 1);
    uint64_t cut_a = sim_below(&w->rng, w->n_written[a] + 1);
    struct enc ra, rb;
    make_rev(w, a, b, cut_b, &ra);
    make_rev(w, b, a, cut_a, &rb);
    carry_one(w, a, &ra, OP_REVOKE);
    carry_one(w, b, &rb, OP_REVOKE);
}

/* One entry carrying two objects (root-signed, issued by the carrier, or
 * a detached certificate of another node): it needs the higher of their
 * needs. */
static void act_pair(struct tw *w)
{
    int carrier = pick_writer(w);
    struct enc objs[2];
    enum op_kind kinds[2];
    for (int k = 0; k < 2; k++) {
        uint64_t r = sim_below(&w->rng, 100);
        int issuer = r < 40 ? -1 : r < 80 ? carrier : pick_writer(w);
        int subject = pick_writer(w);
        if (issuer == carrier && sim_chance(&w->rng, 30) &&
            subject != carrier) {
            kinds[k] = OP_REVOKE;
            make_rev(w, issuer, subject, random_cut(w, subject), &objs[k]);
        } else {
            bool admits;
            enum role role = random_role(w, &admits);
            kinds[k] = OP_CERT;
            make_cert(w, issuer, subject, role,
                      (int)sim_below(&w->rng, N_SITES), admits, &objs[k]);
        }
    }
    write_objs(w, carrier, objs, kinds, 2);
    enc_close(&objs[0]);
    enc_close(&objs[1]);
}

/* ====================================================================
 * Domain writes, allowed or not */

/* 0, HZ_ENOTFOUND or HZ_EDELETED: how node @i holds a row. */
static int row_status(struct tw *w, int i, const char *table, const char *id)
{
    char *json = NULL;
    struct hz_err err = {0};
    int rv = hz_node_get(w->nodes[i].h, table, id, &json, &err);
    hz_free_string(json);
    TW_CHECK(w, rv == 0 || rv == HZ_ENOTFOUND || rv == HZ_EDELETED,
             "get %s: %s (%s)", table, hz_errname(rv), err.msg);
    return rv;
}

static void put(struct tw *w, hz_batch *b, const char *table, const char *id,
                const struct hz_field *f, size_t n_f, char *id_out)
{
    struct hz_err err = {0};
    TW_OK(w, hz_batch_put(b, table, id, n_f, f, id_out, &err), &err);
}

static const char *name_col(const char *table)
{
    return strcmp(table, "households") == 0 ? "village" : "name";
}

/* A referenced row the writer does not hold goes into the same batch (a
 * site node writing an items row is then denied). False when the writer
 * holds it deleted. */
static bool ensure(struct tw *w, int i, hz_batch *b, const char *table,
                   const char *id)
{
    int st = row_status(w, i, table, id);
    if (st == HZ_ENOTFOUND) {
        struct hz_field f = {name_col(table), "补录"};
        put(w, b, table, id, &f, 1, NULL);
    }
    return st != HZ_EDELETED;
}

static void remember(char (*ids)[2 * HZ_ROW_LEN + 1], size_t *n, const char *id)
{
    for (size_t k = 0; k < *n; k++) {
        if (strcmp(ids[k], id) == 0)
            return;
    }
    if (*n < ROWS_MAX)
        memcpy(ids[(*n)++], id, 2 * HZ_ROW_LEN + 1);
}

/* An existing row of @ids (half the time, when there is one), else a
 * new one put into the batch. */
static const char *row_for(struct tw *w, int i, hz_batch *b, const char *table,
                           char (*ids)[2 * HZ_ROW_LEN + 1], size_t *n,
                           char *fresh)
{
    if (*n > 0 && sim_chance(&w->rng, 50)) {
        const char *id = ids[sim_below(&w->rng, *n)];
        return ensure(w, i, b, table, id) ? id : NULL;
    }
    struct hz_field f = {name_col(table), "新登记"};
    put(w, b, table, NULL, &f, 1, fresh);
    remember(ids, n, fresh);
    return fresh;
}

static void time_text(struct tw *w, char *out)
{
    snprintf(out, 24, "%" PRId64,
             SIM_EVENT_TIME_BASE + (int64_t)sim_below(&w->rng, 10000000));
}

static bool fill_event(struct tw *w, int i, hz_batch *b, int site, unsigned r)
{
    char when[24], fresh[2 * HZ_ROW_LEN + 1];
    time_text(w, when);
    const char *s = w->sites[site];
    if (r < 72) {
        const char *item = w->items[sim_below(&w->rng, N_ITEMS)];
        if (!ensure(w, i, b, "sites", s) || !ensure(w, i, b, "items", item))
            return false;
        struct hz_field f[] = {{"item", item},
                               {"kind", "received"},
                               {"qty", "5"},
                               {"site", s},
                               {"time", when}};
        put(w, b, "stock_moves", NULL, f, 5, NULL);
        return true;
    }
    if (r < 84) {
        const char *p =
            row_for(w, i, b, "persons", w->persons, &w->n_persons, fresh);
        if (p == NULL || !ensure(w, i, b, "sites", s))
            return false;
        struct hz_field f[] = {
            {"kind", "in"}, {"person", p}, {"site", s}, {"time", when}};
        put(w, b, "stays", NULL, f, 4, NULL);
        return true;
    }
    const char *h =
        row_for(w, i, b, "households", w->households, &w->n_households, fresh);
    if (h == NULL)
        return false;
    struct hz_field f[] = {{"household", h},
                           {"method", "phone"},
                           {"notice", "转移通知"},
                           {"time", when}};
    put(w, b, "warnings", NULL, f, 4, NULL);
    return true;
}

static bool fill_batch(struct tw *w, int i, hz_batch *b)
{
    const struct tnode *n = &w->nodes[i];
    int site = n->plan == PLAN_SITE && sim_chance(&w->rng, 60)
                   ? n->site
                   : (int)sim_below(&w->rng, N_SITES);
    unsigned r = (unsigned)sim_below(&w->rng, 100);
    char v[24], id[2 * HZ_ROW_LEN + 1];
    snprintf(v, sizeof v, "%u", 1 + (unsigned)sim_below(&w->rng, 90));
    if (r < 35) {
        bool hh = r < 20;
        const char *table = hh ? "households" : "persons";
        char(*ids)[2 * HZ_ROW_LEN + 1] = hh ? w->households : w->persons;
        size_t *n_ids = hh ? &w->n_households : &w->n_persons;
        bool old = *n_ids > 0 && sim_chance(&w->rng, 50);
        struct hz_field f = {hh ? "members" : "birth_year", v};
        if (!hh)
            snprintf(v, sizeof v, "%u",
                     1930 + (unsigned)sim_below(&w->rng, 90));
        put(w, b, table, old ? ids[sim_below(&w->rng, *n_ids)] : NULL, &f, 1,
            id);
        remember(ids, n_ids, id);
        return true;
    }
    if (r < 45) {
        struct hz_field f = {"capacity", v};
        put(w, b, "sites", w->sites[site], &f, 1, NULL);
        return true;
    }
    if (r < 52) {
        struct hz_field f = {"unit", sim_chance(&w->rng, 50) ? "箱" : "件"};
        put(w, b, "items", w->items[sim_below(&w->rng, N_ITEMS)], &f, 1, NULL);
        return true;
    }
    if (r < 92)
        return fill_event(w, i, b, site, r);
    bool hh = sim_chance(&w->rng, 50);
    size_t n_ids = hh ? w->n_households : w->n_persons;
    if (n_ids == 0)
        return false;
    const char *table = hh ? "households" : "persons";
    const char *row =
        (hh ? w->households : w->persons)[sim_below(&w->rng, n_ids)];
    struct hz_err err = {0};
    if (row_status(w, i, table, row) != 0)
        return false;
    TW_OK(w, hz_batch_del(b, table, row, &err), &err);
    return true;
}

/* Node @i writes one batch, whatever its role allows: entries it may not
 * write are kept denied (keep_denied), so others can be shown to deny
 * them too. */
static void act_write(struct tw *w, int i)
{
    hz_node *h = w->nodes[i].h;
    hz_batch *b = NULL;
    struct hz_err err = {0};
    TW_OK(w, hz_batch_open(h, &b, &err), &err);
    bool filled = fill_batch(w, i, b);
    int rv = filled ? hz_node_commit(h, b, NULL, &err) : 0;
    hz_batch_close(b);
    if (!filled || rv == HZ_ENOTFOUND || rv == HZ_EDELETED) {
        w->t->noops++;
        return;
    }
    TW_CHECK(w, rv == 0, "node %d commit: %s (%s)", i, hz_errname(rv), err.msg);
    collect_own(w, i);
}

/* ====================================================================
 * Checks */

/* Node @i's log, by registry index: the state (-1 when absent) and the
 * reason (NULL when none). *reasons is one buffer of REASON_MAX each. */
static void read_log(struct tw *w, int i, int *state, char *reasons,
                     bool *has_reason)
{
    for (size_t e = 0; e < w->n_reg; e++) {
        state[e] = -1;
        has_reason[e] = false;
    }
    hz_node *h = w->nodes[i].h;
    sqlite3_stmt *st;
    struct hz_err err = {0};
    TW_OK(w,
          db_prep(&h->db,
                  "SELECT (SELECT name FROM names WHERE k = log.author), seq,"
                  " id, state, reason FROM log",
                  &st, &err),
          &err);
    size_t rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int a = node_of(w, sqlite3_column_blob(st, 0));
        uint64_t seq = (uint64_t)sqlite3_column_int64(st, 1);
        TW_CHECK(w, a >= 0 && seq >= 1 && seq <= w->n_written[a],
                 "node %d logs an entry never written", i);
        size_t e = w->seqs[a][seq - 1];
        TW_CHECK(
            w,
            memcmp(sqlite3_column_blob(st, 2), w->reg[e].id, HZ_HASH_LEN) == 0,
            "node %d logs another entry at %d#%" PRIu64, i, a, seq);
        state[e] = sqlite3_column_int(st, 3);
        const unsigned char *why = sqlite3_column_text(st, 4);
        if (why != NULL) {
            TW_CHECK(w, strlen((const char *)why) < REASON_MAX,
                     "reason too long");
            strcpy(reasons + e * REASON_MAX, (const char *)why);
            has_reason[e] = true;
        }
        rows++;
    }
    sqlite3_reset(st);
    size_t want = 0;
    for (int a = 0; a < w->n_writers; a++)
        want += w->nodes[i].top[a];
    TW_CHECK(w, rows == want, "node %d logs %zu entries, holds %zu linked", i,
             rows, want);
}

struct logview {
    int *state;
    char *reasons;
    bool *has_reason;
};

static void logview_read(struct tw *w, int i, struct logview *l)
{
    l->state = malloc((w->n_reg + 1) * sizeof *l->state);
    l->reasons = malloc((w->n_reg + 1) * REASON_MAX);
    l->has_reason = malloc((w->n_reg + 1) * sizeof *l->has_reason);
    TW_CHECK(w, l->state && l->reasons && l->has_reason, "out of memory");
    read_log(w, i, l->state, l->reasons, l->has_reason);
}

static void logview_close(struct logview *l)
{
    free(l->state);
    free(l->reasons);
    free(l->has_reason);
}

static const char *reason_of(const struct logview *l, size_t e)
{
    return l->has_reason[e] ? l->reasons + e * REASON_MAX : NULL;
}

static const char *why_text(enum why y)
{
    static const char *const t[] = {"applied",
                                    "revoked",
                                    "no certificate",
                                    "may not admit",
                                    "may not admit admins",
                                    "role"};
    return t[y];
}

/* On a failure: the trust objects the oracle saw, and what it made of
 * them. */
static void dump_oracle(const struct tw *w, const struct oracle *o)
{
    for (size_t k = 0; k < w->n_objs; k++) {
        const struct tobj *c = &w->objs[k];
        const struct ent *x = &w->reg[c->ent];
        if (!o->in[c->ent])
            continue;
        if (c->rev)
            fprintf(stderr,
                    "  %d#%" PRIu64 ".%u revoke %d after %" PRIu64
                    " by %s%s%s\n",
                    x->author, x->seq, c->idx, c->subject, c->r.after_seq,
                    c->root ? "root" : "node", o->eff[k] ? " effective" : "",
                    o->applied[k] ? " applied" : "");
        else
            fprintf(stderr, "  %d#%" PRIu64 ".%u cert %d %s%s by %s%s\n",
                    x->author, x->seq, c->idx, c->subject,
                    role_names[c->c.role], c->c.admits ? "+admits" : "",
                    c->root ? "root" : "node", o->eff[k] ? " effective" : "");
    }
    for (int a = 0; a < w->n; a++)
        fprintf(stderr, "  node %d: rank %" PRIu32 ", cut %" PRIu64 "\n", a,
                o->rank[a], o->cut[a]);
}

/* Node @i's verdict on every entry in its log equals the oracle's over
 * the trust objects that node holds, whatever order they came in. */
static void check_node(struct tw *w, int i)
{
    struct logview l;
    bool *in = calloc(w->n_reg + 1, sizeof *in);
    TW_CHECK(w, in != NULL, "out of memory");
    logview_read(w, i, &l);
    for (size_t e = 0; e < w->n_reg; e++)
        in[e] = w->reg[e].seq <= w->nodes[i].top[w->reg[e].author];
    struct oracle o;
    oracle_run(&o, w, in);
    for (size_t e = 0; e < w->n_reg; e++) {
        if (!in[e])
            continue;
        struct verdict v;
        judge(&o, e, &v);
        int want = v.why == WHY_OK ? ENTRY_APPLIED : ENTRY_DENIED;
        const char *why = reason_of(&l, e);
        if (l.state[e] != want || !reason_fits(&v, why))
            dump_oracle(w, &o);
        TW_CHECK(w, l.state[e] == want && reason_fits(&v, why),
                 "node %d: entry %d#%" PRIu64 " (%s) is state %d (%s); the"
                 " oracle says %s%s%" PRIu64,
                 i, w->reg[e].author, w->reg[e].seq,
                 w->reg[e].b.trust ? "trust" : "data", l.state[e],
                 why ? why : "no reason", why_text(v.why),
                 v.why == WHY_REVOKED ? " after " : " ",
                 v.why == WHY_REVOKED ? v.cut : 0);
    }
    oracle_close(&o);
    logview_close(&l);
    free(in);
    w->t->checks++;
}

/* ---- the county mirror's view of a node (DECISIONS 43)
 *
 * A mirror follows changes, not entries: whatever changes a
 * materialized row - an entry applied, a denied one let in by a
 * certificate arriving, a revocation taking applied ones back, the
 * state cleared on entering a network - must number it. A pass copies
 * the rows numbered since the last pass; at the end the copy must hold
 * exactly what the node's tables hold. */

static void mirror_pass(struct tw *w, int i)
{
    struct tnode *t = &w->nodes[i];
    if (t->mirror == NULL)
        t->mirror = json_object();
    TW_CHECK(w, t->mirror != NULL, "out of memory");
    for (;;) {
        json_t *arr = NULL;
        int64_t last = 0;
        struct hz_err err = {0};
        TW_OK(w,
              store_changes_since(t->h, t->mirrored, INT64_MAX, 64, &arr, &last,
                                  &err),
              &err);
        size_t count = json_array_size(arr);
        for (size_t k = 0; k < count; k++) {
            json_t *c = json_array_get(arr, k),
                   *row = json_object_get(c, "row");
            char key[128];
            snprintf(key, sizeof key, "%s/%s",
                     json_string_value(json_object_get(c, "table")),
                     json_string_value(json_object_get(c, "id")));
            if (row == NULL || json_is_null(row))
                json_object_del(t->mirror, key);
            else
                json_object_set(t->mirror, key, row);
        }
        json_decref(arr);
        TW_CHECK(w, last >= t->mirrored, "node %d: the counter went back", i);
        t->mirrored = last;
        if (count == 0)
            break;
    }
    w->t->mirror_passes++;
}

/* The mirror's copy after a last pass equals every table as hz_node_ls
 * lists it (tombstones: their id, deleted, in the copy only). */
static void mirror_check(struct tw *w, int i)
{
    mirror_pass(w, i);
    struct tnode *t = &w->nodes[i];
    size_t listed = 0, live = 0;
    const struct schema *sc = t->h->schema;
    for (size_t k = 0; k < sc->n_tables; k++) {
        const char *name = sc->tables[k].name;
        char *text = NULL;
        struct hz_err err = {0};
        TW_OK(w, hz_node_ls(t->h, name, 0, NULL, &text, &err), &err);
        json_t *rows = json_loads(text, 0, NULL);
        hz_free_string(text);
        TW_CHECK(w, json_is_array(rows), "ls %s: not an array", name);
        for (size_t r = 0; r < json_array_size(rows); r++) {
            json_t *row = json_array_get(rows, r);
            char key[128];
            snprintf(key, sizeof key, "%s/%s", name,
                     json_string_value(json_object_get(row, "id")));
            json_t *copy = json_object_get(t->mirror, key);
            if (copy == NULL || !json_equal(copy, row)) {
                char *a = json_dumps(row, JSON_COMPACT),
                     *b = copy != NULL ? json_dumps(copy, JSON_COMPACT) : NULL;
                fprintf(stderr, "node %d %s: ls %s, mirror %s\n", i, key, a,
                        b != NULL ? b : "none");
                free(a);
                free(b);
                json_decref(rows);
                TW_CHECK(w, false, "node %d: the mirror's %s differs from ls",
                         i, key);
            }
            listed++;
        }
        json_decref(rows);
    }
    const char *key;
    json_t *copy;
    json_object_foreach(t->mirror, key, copy)
    {
        live += !json_is_true(json_object_get(copy, "deleted"));
    }
    TW_CHECK(w, live == listed,
             "node %d: the mirror holds %zu live rows, ls %zu", i, live,
             listed);
    w->t->mirror_rows += listed;
}

/* Entries of chain_w in chain order: author, then seq. */
static const struct tw *chain_w;

static int by_chain(const void *a, const void *b)
{
    const struct tw *w = chain_w;
    const struct ent *x = &w->reg[*(const size_t *)a];
    const struct ent *y = &w->reg[*(const size_t *)b];
    if (x->author != y->author)
        return x->author < y->author ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Store @x in the log of @h as applied, as its next entry. */
static int log_in(hz_node *h, const struct ent *x, struct hz_err *err)
{
    struct entry d;
    int64_t author = 0; /* names.k (storage.md, format 11) */
    int rv = entry_decode(&d, x->bytes, x->len, err);
    if (rv == 0)
        rv = db_intern_key(&h->db, d.author, &author, err);
    sqlite3_stmt *st;
    if (rv == 0 &&
        sqlite3_prepare_v2(h->db.conn,
                           "INSERT INTO log(author, seq, id, clock, state,"
                           " bytes) VALUES(?1, ?2, ?3, ?4, 0, ?5)",
                           -1, &st, NULL) != SQLITE_OK)
        return hz_err_set(err, HZ_EIO, "%s", sqlite3_errmsg(h->db.conn));
    if (rv != 0)
        return rv;
    sqlite3_bind_int64(st, 1, author);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)d.seq);
    sqlite3_bind_blob(st, 3, d.id, HZ_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)d.clock);
    sqlite3_bind_blob(st, 5, x->bytes, (int)x->len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE
               ? 0
               : hz_err_set(err, HZ_EIO, "%s", sqlite3_errmsg(h->db.conn));
}

/* A fresh node of the network that materializes exactly the data entries
 * the oracle authorizes, and nothing else (apply.c, below the trust
 * layer): ingest cannot be used, since a denied entry in the middle of a
 * chain would keep every later one of its author pending. */
static void reference_hash(struct tw *w, const struct oracle *o, char *out)
{
    struct tnode ref;
    memset(&ref, 0, sizeof ref);
    ref.wall_ms = SIM_MS_2024 + w->virt_ms;
    ref.rng.s = sim_rnd(&w->rng);
    ref.env = (struct hz_env){
        .data = &ref, .now_ms = env_now, .random = seeded_random};
    uint8_t seed[HZ_SEED_LEN];
    draw(&w->rng, seed, sizeof seed);
    struct hz_err err = {0};
    TW_OK(w, node_open_memory(seed, schema_current(), &ref.env, &ref.h, &err),
          &err);
    int rv = network_enter(ref.h, w->net, "参照", &err);
    size_t *v = malloc((w->n_reg + 1) * sizeof *v), n = 0;
    for (size_t e = 0; v != NULL && e < w->n_reg; e++) {
        struct verdict d;
        judge(o, e, &d);
        if (!w->reg[e].b.trust && d.why == WHY_OK)
            v[n++] = e;
    }
    if (rv == 0)
        rv = txn_begin(ref.h, &err);
    /* The facts name an applied entry by its place in the log, where an
     * author's entries stand in seq order (proto/storage.md): the log
     * holds them so, and they are applied in a shuffled order. */
    chain_w = w;
    if (v != NULL)
        qsort(v, n, sizeof *v, by_chain);
    for (size_t k = 0; rv == 0 && v != NULL && k < n; k++)
        rv = log_in(ref.h, &w->reg[v[k]], &err);
    if (v != NULL)
        shuffle(w, v, n);
    for (size_t k = 0; rv == 0 && v != NULL && k < n; k++) {
        struct entry d;
        const struct ent *x = &w->reg[v[k]];
        rv = entry_decode(&d, x->bytes, x->len, &err);
        if (rv == 0)
            rv = apply_body(ref.h, &d, 0, &x->b, APPLY_ANY, &err);
    }
    if (rv == 0)
        rv = txn_commit(ref.h, &err);
    if (rv == 0)
        rv = hz_node_state_hash(ref.h, out, &err);
    free(v);
    hz_node_close(ref.h);
    TW_CHECK(w, rv == 0, "reference node: %s (%s)", hz_errname(rv), err.msg);
}

static void count_status(struct tw *w, int i, uint64_t applied, uint64_t denied)
{
    char *text = NULL;
    struct hz_err err = {0};
    TW_OK(w, hz_node_status(w->nodes[i].h, &text, &err), &err);
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    hz_free_string(text);
    TW_CHECK(w, j != NULL, "status: bad JSON");
    json_t *c = json_object_get(j, "entries");
    json_int_t a = json_integer_value(json_object_get(c, "applied"));
    json_int_t d = json_integer_value(json_object_get(c, "denied"));
    size_t listed = json_array_size(json_object_get(j, "denied"));
    json_decref(j);
    TW_CHECK(w,
             (uint64_t)a == applied && (uint64_t)d == denied &&
                 listed == (denied < 1000 ? denied : 1000),
             "node %d status: applied %lld denied %lld (%zu listed); the"
             " oracle says %" PRIu64 " and %" PRIu64,
             i, (long long)a, (long long)d, listed, applied, denied);
}

/* Count the final verdicts, by the cases proto/trust.md names. */
static void tally(struct tw *w, const struct oracle *o)
{
    struct tally *t = w->t;
    for (size_t e = 0; e < w->n_reg; e++) {
        const struct ent *x = &w->reg[e];
        struct verdict v;
        judge(o, e, &v);
        bool node_admin = false, node_cert = false, root = false;
        for (size_t k = x->obj0; x->b.trust && k < x->obj0 + x->n_obj; k++) {
            const struct tobj *c = &w->objs[k];
            root |= c->root;
            node_cert |= !c->root && !c->rev;
            node_admin |= !c->root && !c->rev && c->c.role == ROLE_ADMIN;
        }
        if (node_admin && v.why == WHY_OK)
            t->node_admin_applied++;
        else if (node_admin)
            t->node_admin_denied++;
        if (v.why != WHY_OK && root)
            t->root_in_denied++;
        switch (v.why) {
        case WHY_OK:
            if (x->b.trust)
                t->applied_trust++;
            else
                t->applied_data++;
            t->delegated_applied += node_cert && v.level == 1;
            break;
        case WHY_REVOKED:
            if (x->b.trust)
                t->revoked_trust++;
            else
                t->revoked_data++;
            break;
        case WHY_NO_CERT:
            if (x->b.trust)
                t->no_cert_trust++;
            else
                t->no_cert_data++;
            break;
        case WHY_ADMIT:
            t->admit_members++;
            break;
        case WHY_ADMINS:
            if (v.level == 1)
                t->admins_delegate++;
            else
                t->admins_other++;
            break;
        case WHY_ROLE:
            if (strcmp(v.cand_role[0], "viewer") == 0)
                t->role_viewer++;
            else
                t->role_site++;
            break;
        }
    }
    for (size_t k = 0; k < w->n_objs; k++) {
        const struct tobj *r = &w->objs[k];
        if (!r->rev || !o->applied[k])
            continue;
        if (r->root) {
            t->root_revs++;
            continue;
        }
        t->node_revs_applied++;
        struct verdict v;
        judge(o, r->ent, &v);
        t->sticky += v.why != WHY_OK; /* applied, though now past a cut */
    }
    /* The losing side of a mutual revocation: a revocation of an admin
     * whose revocation of its author was applied, itself never applied,
     * its entry past its author's cut-off. */
    for (size_t k = 0; k < w->n_objs; k++) {
        const struct tobj *s = &w->objs[k];
        int a = w->reg[s->ent].author;
        struct verdict v;
        if (is_detached(w, s) && o->eff[k])
            t->detached_in_effect++;
        else if (is_detached(w, s))
            t->detached_not++;
        if (!s->rev || s->root || o->applied[k])
            continue;
        judge(o, s->ent, &v);
        bool lost = false;
        for (size_t q = 0; v.why == WHY_REVOKED && q < w->n_objs; q++) {
            const struct tobj *r = &w->objs[q];
            lost |= r->rev && !r->root && o->applied[q] && r->subject == a &&
                    w->reg[r->ent].author == s->subject;
        }
        t->mutual += lost;
    }
}

/* Everyone holds everything: equal hashes and verdicts, the oracle's
 * verdicts, and the reference state. */
static void check_end(struct tw *w)
{
    bool *in = malloc((w->n_reg + 1) * sizeof *in);
    TW_CHECK(w, in != NULL, "out of memory");
    for (size_t e = 0; e < w->n_reg; e++)
        in[e] = true;
    struct oracle o;
    oracle_run(&o, w, in);
    uint64_t applied = 0, denied = 0;
    for (size_t e = 0; e < w->n_reg; e++) {
        struct verdict v;
        judge(&o, e, &v);
        applied += v.why == WHY_OK;
        denied += v.why != WHY_OK;
    }
    char first[65], hash[65], ref[65];
    struct hz_err err = {0};
    struct logview l0;
    logview_read(w, 0, &l0);
    for (int i = 0; i < w->n; i++) {
        check_node(w, i);
        mirror_check(w, i);
        count_status(w, i, applied, denied);
        TW_OK(w, hz_node_state_hash(w->nodes[i].h, hash, &err), &err);
        if (i == 0)
            memcpy(first, hash, sizeof first);
        TW_CHECK(w, strcmp(hash, first) == 0,
                 "node %d state hash %.8s, node 0 %.8s", i, hash, first);
        struct logview l;
        logview_read(w, i, &l);
        for (size_t e = 0; e < w->n_reg; e++) {
            const char *a = reason_of(&l0, e), *b = reason_of(&l, e);
            TW_CHECK(w,
                     l.state[e] == l0.state[e] && (a == NULL) == (b == NULL) &&
                         (a == NULL || strcmp(a, b) == 0),
                     "entry %d#%" PRIu64 ": node 0 says %d (%s), node %d"
                     " %d (%s)",
                     w->reg[e].author, w->reg[e].seq, l0.state[e], a ? a : "-",
                     i, l.state[e], b ? b : "-");
        }
        logview_close(&l);
    }
    logview_close(&l0);
    reference_hash(w, &o, ref);
    TW_CHECK(w, strcmp(ref, first) == 0,
             "state hash %.8s, but applying exactly the authorized entries"
             " gives %.8s",
             first, ref);
    tally(w, &o);
    oracle_close(&o);
    free(in);
}

/* ====================================================================
 * The run */

static enum plan random_plan(struct tw *w)
{
    uint64_t r = sim_below(&w->rng, 100);
    return r < 10   ? PLAN_ADMIN_ROOT
           : r < 25 ? PLAN_ADMIN_NODE
           : r < 40 ? PLAN_COORD_ADMITS
           : r < 50 ? PLAN_COORD
           : r < 75 ? PLAN_SITE
           : r < 85 ? PLAN_VIEWER
                    : PLAN_NONE;
}

/* A writer that wrote before its network existed: network_enter issues
 * its entries again, in the network, denied until it is admitted. */
static void write_before(struct tw *w, int i)
{
    hz_batch *b = NULL;
    struct hz_err err = {0};
    char id[2 * HZ_ROW_LEN + 1];
    TW_OK(w, hz_batch_open(w->nodes[i].h, &b, &err), &err);
    struct hz_field f = {"village", "网络前"};
    put(w, b, "households", NULL, &f, 1, id);
    TW_OK(w, hz_node_commit(w->nodes[i].h, b, NULL, &err), &err);
    hz_batch_close(b);
    remember(w->households, &w->n_households, id);
}

static void enter(struct tw *w, int i)
{
    struct hz_err err = {0};
    TW_OK(w, network_enter(w->nodes[i].h, w->net, "抗灾网络", &err), &err);
    w->nodes[i].h->keep_denied = true;
    collect_own(w, i);
    w->t->reissued += w->n_written[i];
}

static void world_init(struct tw *w)
{
    uint8_t seed[HZ_SEED_LEN];
    draw(&w->rng, seed, sizeof seed);
    identity_from_seed(&w->root, seed);
    cert_network_id(w->root.pk, w->net);
    for (int k = 0; k < N_SITES; k++) {
        draw(&w->rng, w->site_bin[k], HZ_ROW_LEN);
        hex(w->site_bin[k], HZ_ROW_LEN, w->sites[k]);
    }
    for (int k = 0; k < N_ITEMS; k++) {
        uint8_t id[HZ_ROW_LEN];
        draw(&w->rng, id, HZ_ROW_LEN);
        hex(id, HZ_ROW_LEN, w->items[k]);
    }
    w->n_writers = 3 + (int)sim_below(&w->rng, WRITERS_MAX - 2);
    w->n = w->n_writers;
    for (int i = 0; i < w->n_writers; i++) {
        node_open(w, i);
        struct tnode *n = &w->nodes[i];
        n->plan = i == 0 ? PLAN_ADMIN_ROOT : random_plan(w);
        n->site = (int)sim_below(&w->rng, N_SITES);
        for (uint64_t k = sim_chance(&w->rng, 30) ? 1 + sim_below(&w->rng, 2)
                                                  : 0;
             k > 0; k--)
            write_before(w, i);
        enter(w, i);
    }
}

static void world_free(struct tw *w)
{
    for (int i = 0; i < w->n; i++) {
        hz_node_close(w->nodes[i].h);
        json_decref(w->nodes[i].mirror);
        for (int a = 0; a < NODES_MAX; a++)
            free(w->nodes[i].held[a]);
    }
    for (size_t e = 0; e < w->n_reg; e++) {
        body_close(&w->reg[e].b);
        free(w->reg[e].bytes);
    }
    free(w->reg);
    for (int a = 0; a < NODES_MAX; a++)
        free(w->seqs[a]);
    free(w->objs);
    free(w->trust_ents);
    identity_close(&w->root);
}

static void advance(struct tw *w, uint64_t ms)
{
    w->virt_ms += ms;
    for (int i = 0; i < w->n; i++)
        w->nodes[i].wall_ms += ms;
}

static void step(struct tw *w)
{
    uint64_t r = sim_below(&w->rng, 1000);
    int a = pick_writer(w), b = pick_writer(w);
    if (r < 330)
        act_write(w, a);
    else if (r < 400)
        act_admit(w);
    else if (r < 430)
        act_stray_cert(w);
    else if (r < 450)
        act_revoke(w);
    else if (r < 458)
        act_mutual(w);
    else if (r < 475)
        act_pair(w);
    else if (r < 720) {
        if (a != b && w->nodes[a].group == w->nodes[b].group)
            carry_over(w, a, b, false);
    } else if (r < 830) {
        if (a != b)
            carry_over(w, a, b, true);
    } else if (r < 860) {
        bool heal = sim_chance(&w->rng, 40);
        for (int i = 0; i < w->n_writers; i++)
            w->nodes[i].group = heal ? 0 : (int)sim_below(&w->rng, 2);
        trace(w, heal ? "heal" : "partition");
    } else if (r < 900) {
        check_node(w, a);
        mirror_pass(w, a);
    } else {
        advance(w, sim_below(&w->rng, 600000));
    }
}

/* Heal, give everyone everything (a late joiner too), check. */
static void finish(struct tw *w)
{
    int late = w->n++;
    node_open(w, late);
    enter(w, late);
    for (int dst = 0; dst < w->n; dst++) {
        size_t *v = malloc((w->n_reg + 1) * sizeof *v), n = 0;
        TW_CHECK(w, v != NULL, "out of memory");
        for (size_t e = 0; e < w->n_reg; e++) {
            if (!holds(w, dst, w->reg[e].author, w->reg[e].seq) ||
                sim_chance(&w->rng, 5))
                v[n++] = e;
        }
        shuffle(w, v, n);
        for (size_t k = 0; k < n;) {
            size_t take = 1 + (size_t)sim_below(&w->rng, n - k);
            deliver(w, dst, v + k, take);
            k += take;
        }
        free(v);
        for (int a = 0; a < w->n_writers; a++)
            TW_CHECK(w, w->nodes[dst].top[a] == w->n_written[a],
                     "node %d holds %" PRIu64 " of %d's %zu entries", dst,
                     w->nodes[dst].top[a], a, w->n_written[a]);
    }
    check_end(w);
}

static bool run_seed(uint64_t seed, struct tally *t)
{
    struct tw *w = calloc(1, sizeof *w);
    if (w == NULL)
        return false;
    w->seed = seed;
    w->rng.s = seed ^ UINT64_C(0x7275737421);
    w->t = t;
    const char *v = getenv("HUZHU_SIM_VERBOSE");
    w->verbose = v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
    jmp_buf jb;
    w->jb = &jb;
    if (setjmp(jb) != 0) {
        world_free(w);
        free(w);
        return false;
    }
    world_init(w);
    long steps = 60 + (long)sim_below(&w->rng, 141);
    for (w->step = 0; w->step < steps; w->step++)
        step(w);
    finish(w);
    t->seeds++;
    t->steps += (unsigned long)steps;
    t->entries += w->n_reg;
    world_free(w);
    free(w);
    return true;
}

static void print_tally(const struct tally *t)
{
    printf("sim.trust: %lu seeds, %lu steps, %lu entries (%lu re-issued at"
           " entering), %lu deliveries in %lu batches, %lu mid-run checks,"
           " %lu writes that were no-ops\n",
           t->seeds, t->steps, t->entries, t->reissued, t->delivered,
           t->batches, t->checks, t->noops);
    printf("sim.trust: applied: %lu data, %lu trust (%lu admissions by a"
           " coordinator given admission, %lu admin certificates signed by"
           " an admin)\n",
           t->applied_data, t->applied_trust, t->delegated_applied,
           t->node_admin_applied);
    printf("sim.trust: denied: no certificate %lu data + %lu trust; revoked"
           " %lu data + %lu trust; role: viewer %lu, site %lu; may not admit"
           " members %lu; may not revoke or admit admins %lu by a"
           " coordinator given admission + %lu by others; node-signed admin"
           " certificates denied %lu\n",
           t->no_cert_data, t->no_cert_trust, t->revoked_data, t->revoked_trust,
           t->role_viewer, t->role_site, t->admit_members, t->admins_delegate,
           t->admins_other, t->node_admin_denied);
    printf("sim.trust: revocations applied: %lu root, %lu by admins (%lu"
           " stay applied past their author's later cut-off); %lu mutual"
           " revocations lost; %lu revocations written before any"
           " certificate of their subject; %lu denied entries whose root"
           " objects hold; detached certificates: %lu in effect, %lu not\n",
           t->root_revs, t->node_revs_applied, t->sticky, t->mutual,
           t->rev_before_cert, t->root_in_denied, t->detached_in_effect,
           t->detached_not);
    printf("sim.trust: county mirror models: %lu passes; at the end %lu rows"
           " equal to ls\n",
           t->mirror_passes, t->mirror_rows);
}

/* Every case the generator is meant to make was made at least once. */
static bool every_case_made(const struct tally *t)
{
    return t->applied_data > 0 && t->applied_trust > 0 && t->no_cert_data > 0 &&
           t->no_cert_trust > 0 && t->revoked_data > 0 &&
           t->revoked_trust > 0 && t->role_viewer > 0 && t->role_site > 0 &&
           t->admit_members > 0 && t->admins_delegate > 0 &&
           t->delegated_applied > 0 && t->node_admin_applied > 0 &&
           t->node_admin_denied > 0 && t->root_revs > 0 &&
           t->node_revs_applied > 0 && t->mutual > 0 && t->sticky > 0 &&
           t->rev_before_cert > 0 && t->reissued > 0 &&
           t->detached_in_effect > 0 && t->detached_not > 0 && t->checks > 0;
}

static void verdicts_follow_the_independent_oracle(void **state)
{
    (void)state;
    uint64_t first = sim_first_seed(), count = sim_env_seeds(SEEDS_DEFAULT);
    bool replay = sim_env_seed(&first);
    if (replay)
        count = 1;
    struct tally t = {0};
    for (uint64_t seed = first; seed < first + count; seed++) {
        if (!run_seed(seed, &t))
            fail_msg("seed %" PRIu64 " failed (see above)", seed);
    }
    /* A generator that stopped making a case would pass vacuously, so a
     * run of 25 seeds or more must make every case. Some cases are rare
     * (a revocation that stays applied past its author's later cut-off
     * first comes at seed 42): a short run (HUZHU_SIM_SEEDS=40 under
     * qemu) asks for the seeds after its own until every case was made,
     * at most EXTRA_SEEDS_MAX of them. */
    uint64_t extra = 0;
    while (!replay && count >= 25 && !every_case_made(&t) &&
           extra < EXTRA_SEEDS_MAX) {
        uint64_t seed = first + count + extra++;
        if (!run_seed(seed, &t))
            fail_msg("seed %" PRIu64 " failed (see above)", seed);
    }
    if (extra > 0)
        printf("sim.trust: %" PRIu64 " seeds after the first %" PRIu64
               " were run until every case was made\n",
               extra, count);
    print_tally(&t);
    if (t.seeds >= 25) {
        assert_true(t.applied_data > 0 && t.applied_trust > 0);
        assert_true(t.no_cert_data > 0 && t.no_cert_trust > 0);
        assert_true(t.revoked_data > 0 && t.revoked_trust > 0);
        assert_true(t.role_viewer > 0 && t.role_site > 0);
        assert_true(t.admit_members > 0 && t.admins_delegate > 0);
        assert_true(t.delegated_applied > 0);
        assert_true(t.node_admin_applied > 0 && t.node_admin_denied > 0);
        assert_true(t.root_revs > 0 && t.node_revs_applied > 0);
        assert_true(t.mutual > 0 && t.sticky > 0);
        assert_true(t.rev_before_cert > 0 && t.reissued > 0);
        assert_true(t.detached_in_effect > 0 && t.detached_not > 0);
        assert_true(t.checks > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verdicts_follow_the_independent_oracle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
