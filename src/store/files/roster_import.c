/* roster_import.c - a roster's households written into the node (huzhu import
 * roster; proto/roster.md; DECISIONS 41), so that a re-run adds nothing
 * twice and an interrupted run resumes where it stopped.
 *
 * Each household the roster gives is, in this order:
 *   seen      written (or found) by an earlier import of a roster that
 *             said exactly the same of it: the node's ledger roster_seen
 *             holds the digest of what the roster said; nothing is done;
 *   matched   a household the node holds with the same 户号 in the same
 *             village, or (a roster without 户号) the household of a
 *             person with one of its ID numbers: what it lacks is added (its
 * members not there, by ID number or else by name; fields it has empty),
 * nothing it has is changed; new       written whole: the household and its
 * members. Households are written in batches of ROSTER_CHUNK, each one
 * transaction holding its entries and its ledger rows (write_commit_within): a
 * batch is in the node whole, ledger and all, or not at all, so a run stopped
 * anywhere resumes by running it again. Within a run, households and ID
 * numbers planned but not yet committed are matched from memory (the
 * whole run, in a dry run, which commits nothing). A person whose ID
 * number an earlier row of the same run gave to another household is not
 * written (a duplicate within the file). */
#include "../store.h"

#include "../../core/limits.h"
#include "../log/log.h"
#include "../state/state.h"
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What became of a household (new, matched, seen) and of each of its
 * persons (new, present, duplicate, elsewhere). */
enum store_roster_how {
    STORE_ROSTER_NEW,       /* written */
    STORE_ROSTER_MATCHED,   /* a household the node holds: what it lacked */
    STORE_ROSTER_SEEN,      /* an earlier import wrote exactly this */
    STORE_ROSTER_SKIPPED,   /* none of its persons new or held: not written */
    STORE_ROSTER_PRESENT,   /* a person the household holds */
    STORE_ROSTER_DUPLICATE, /* a person an earlier row of the run gave */
    STORE_ROSTER_ELSEWHERE, /* a person the node holds elsewhere (another
                               household, or none), by ID number */
};

struct store_roster_done {
    enum store_roster_how how;
    char household[HZ_ROW_HEX_LEN + 1];
    size_t persons_new;
    enum store_roster_how person[ROSTER_PERSONS_MAX];
    uint32_t dup_row[ROSTER_PERSONS_MAX]; /* DUPLICATE: that row */
    char elsewhere[ROSTER_PERSONS_MAX][HZ_ROW_HEX_LEN + 1]; /* that person */
    /* NEW: a person the node holds it may be ("" for none), and why
     * ("name_birth_village", "phone"): listed, never merged */
    char likely[ROSTER_PERSONS_MAX][HZ_ROW_HEX_LEN + 1];
    const char *likely_why[ROSTER_PERSONS_MAX];
};

struct store_roster_totals {
    uint64_t households_new, households_matched, households_seen,
        households_filled;
    uint64_t persons_new, persons_present, persons_filled, persons_duplicate,
        persons_elsewhere;
};

/* Households a transaction writes: a few entries of up to 1,000
 * operations, one fsync for them all (BENCHMARKS.md, "Roster import").
 * Tests set fewer with HUZHU_TEST_ROSTER_BATCH. */
#define ROSTER_CHUNK 500u
#define DIGEST_LEN 16u

/* ---- the run's memory: for each 户号 (in its village) and ID number
 * the run gave, the first row that gave it, and while its batch is not
 * committed the household it went to (every batch of a dry run's).
 * Batches are generations: a committed batch's households are found in
 * the node from then on. */

struct plan_slot {
    uint8_t k[DIGEST_LEN];
    uint32_t row; /* the first row that gave it */
    uint32_t hh;  /* its household: hh[] of generation gen */
    uint32_t gen;
    bool used;
};

struct plan {
    struct plan_slot *v;
    size_t n, cap; /* cap a power of two, n <= cap / 2 */
    uint8_t key[crypto_shorthash_KEYBYTES];
    uint32_t gen;
    char (*hh)[HZ_ROW_HEX_LEN + 1]; /* this generation's households */
    size_t n_hh, cap_hh;
};

static struct plan_slot *plan_slot(const struct plan *p, const uint8_t *k)
{
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, k, DIGEST_LEN, p->key);
    uint64_t i;
    memcpy(&i, h, sizeof i);
    for (;; i++) { /* at most half the slots are used: it ends */
        struct plan_slot *s = &p->v[i & (p->cap - 1)];
        if (!s->used || memcmp(s->k, k, DIGEST_LEN) == 0)
            return s;
    }
}

/* The household @k went to in this generation, or NULL. */
static const char *plan_household(const struct plan *p, const uint8_t *k)
{
    if (p->cap == 0)
        return NULL;
    const struct plan_slot *s = plan_slot(p, k);
    return s->used && s->gen == p->gen ? p->hh[s->hh] : NULL;
}

/* The first row that gave @k in this run, or 0. */
static uint32_t plan_row(const struct plan *p, const uint8_t *k)
{
    if (p->cap == 0)
        return 0;
    const struct plan_slot *s = plan_slot(p, k);
    return s->used ? s->row : 0;
}

static int plan_put(struct plan *p, const uint8_t *k, const char *household,
                    uint32_t row, struct hz_err *err)
{
    if (2 * (p->n + 1) > p->cap) {
        struct plan bigger = *p;
        bigger.cap = p->cap ? 2 * p->cap : 1024;
        bigger.v = calloc(bigger.cap, sizeof *bigger.v);
        if (bigger.v == NULL)
            return hz_err_set(err, HZ_ENOMEM, "roster");
        for (size_t i = 0; i < p->cap; i++)
            if (p->v[i].used)
                *plan_slot(&bigger, p->v[i].k) = p->v[i];
        free(p->v);
        *p = bigger;
    }
    if (p->n_hh == 0 || strcmp(p->hh[p->n_hh - 1], household) != 0) {
        if (p->n_hh == p->cap_hh) {
            size_t cap = p->cap_hh ? 2 * p->cap_hh : 64;
            char(*v)[HZ_ROW_HEX_LEN + 1] = realloc(p->hh, cap * sizeof *v);
            if (v == NULL)
                return hz_err_set(err, HZ_ENOMEM, "roster");
            p->hh = v;
            p->cap_hh = cap;
        }
        snprintf(p->hh[p->n_hh++], sizeof p->hh[0], "%s", household);
    }
    struct plan_slot *s = plan_slot(p, k);
    if (!s->used) {
        p->n++;
        memcpy(s->k, k, DIGEST_LEN);
        s->row = row;
        s->used = true;
    }
    s->hh = (uint32_t)(p->n_hh - 1);
    s->gen = p->gen;
    return 0;
}

/* A batch committed: its households are the node's to find now. */
static void plan_next_generation(struct plan *p)
{
    p->gen++;
    p->n_hh = 0;
}

/* Digests of what is matched by: "n" village and number, "i" an ID
 * number. */
static void digest_of(char kind, const char *a, const char *b, uint8_t *out)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, DIGEST_LEN);
    crypto_generichash_update(&st, (const uint8_t *)&kind, 1);
    crypto_generichash_update(&st, (const uint8_t *)(a ? a : ""),
                              strlen(a ? a : "") + 1);
    crypto_generichash_update(&st, (const uint8_t *)(b ? b : ""),
                              strlen(b ? b : "") + 1);
    crypto_generichash_final(&st, out, DIGEST_LEN);
}

static void hash_text(crypto_generichash_state *st, const char *s)
{
    crypto_generichash_update(st, (const uint8_t *)(s ? s : ""),
                              strlen(s ? s : "") + 1);
}

/* The ledger's key: the digest of what the roster said of a household. */
static void ledger_key(const struct roster_household *h, uint8_t *out)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, DIGEST_LEN);
    hash_text(&st, "huzhu roster household v1");
    const char *fields[] = {h->number,  h->head_name, h->village, h->grid,
                            h->address, h->phone,     h->notes};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        hash_text(&st, fields[i]);
    char num[16];
    snprintf(num, sizeof num, "%d", h->members);
    hash_text(&st, num);
    for (size_t i = 0; i < h->n_persons; i++) {
        const struct roster_person *p = &h->persons[i];
        const char *pf[] = {p->name,  p->relation, p->id_number,
                            p->phone, p->notes,    p->sex};
        for (size_t j = 0; j < sizeof pf / sizeof pf[0]; j++)
            hash_text(&st, pf[j]);
        snprintf(num, sizeof num, "%d %u", p->birth_year, p->flags);
        hash_text(&st, num);
    }
    crypto_generichash_final(&st, out, DIGEST_LEN);
}

/* ---- a run */

struct store_roster {
    hz_node *n;
    bool dry_run;
    struct plan plan;
    hz_batch *b;
    size_t pending; /* households in b */
    size_t chunk;   /* households a transaction writes */
    uint8_t (*ledger)[DIGEST_LEN];
    char (*ledger_hh)[HZ_ROW_HEX_LEN + 1];
    size_t n_ledger;
    struct store_roster_totals t;    /* committed (a dry run: all judged) */
    struct store_roster_totals bt;   /* the batch's writes until it commits */
    json_t *dups;                    /* the result's "duplicates" */
    char by[HZ_ACCOUNT_LEN_MAX + 1]; /* the web account, or "" */
    bool wrote;                      /* a batch of entries committed */
};

int store_roster_open(hz_node *n, bool dry_run, struct store_roster **out,
                      struct hz_err *err)
{
    struct store_roster *r = calloc(1, sizeof *r);
    if (r == NULL)
        return hz_err_set(err, HZ_ENOMEM, "roster");
    r->n = n;
    r->dry_run = dry_run;
    r->chunk = ROSTER_CHUNK;
    const char *test = getenv("HUZHU_TEST_ROSTER_BATCH");
    if (test != NULL && strtoul(test, NULL, 10) >= 1 &&
        strtoul(test, NULL, 10) <= ROSTER_CHUNK)
        r->chunk = (size_t)strtoul(test, NULL, 10);
    r->dups = json_array();
    r->ledger = calloc(ROSTER_CHUNK, sizeof *r->ledger);
    r->ledger_hh = calloc(ROSTER_CHUNK, sizeof *r->ledger_hh);
    if (r->ledger == NULL || r->ledger_hh == NULL) {
        store_roster_free(r);
        return hz_err_set(err, HZ_ENOMEM, "roster");
    }
    randombytes_buf(r->plan.key, sizeof r->plan.key);
    *out = r;
    return 0;
}

void store_roster_free(struct store_roster *r)
{
    if (r == NULL)
        return;
    hz_batch_close(r->b);
    free(r->plan.v);
    free(r->plan.hh);
    free(r->ledger);
    free(r->ledger_hh);
    json_decref(r->dups);
    free(r);
}

static int ledger_rows(hz_node *n, void *data, struct hz_err *err)
{
    struct store_roster *r = data;
    int rv = 0;
    uint8_t row[HZ_ROW_LEN];
    for (size_t i = 0; rv == 0 && i < r->n_ledger; i++) {
        if (sodium_hex2bin(row, sizeof row, r->ledger_hh[i], HZ_ROW_HEX_LEN,
                           NULL, NULL, NULL) != 0)
            return hz_err_set(err, HZ_EINVAL, "roster household id");
        rv = db_run(&n->db,
                    "INSERT OR REPLACE INTO roster_seen(k, household, at)"
                    " VALUES(?1, ?2, ?3)",
                    DB_ARGS(DB_BLOB(r->ledger[i], DIGEST_LEN), DB_ROW(row),
                            DB_INT(env_now_ms(n))),
                    err);
    }
    return rv;
}

/* Write the batch and its ledger rows in one transaction (the ledger
 * alone when every household had all the roster says). */
static void totals_add(struct store_roster_totals *t,
                       const struct store_roster_totals *b)
{
    t->households_new += b->households_new;
    t->households_matched += b->households_matched;
    t->households_seen += b->households_seen;
    t->households_filled += b->households_filled;
    t->persons_new += b->persons_new;
    t->persons_present += b->persons_present;
    t->persons_filled += b->persons_filled;
    t->persons_duplicate += b->persons_duplicate;
    t->persons_elsewhere += b->persons_elsewhere;
}

/* The batch's counts join the run's once it is written (a dry run's at
 * once: it writes nothing); a batch that failed is not counted, so the
 * summary says what the node holds. */
static int flush(struct store_roster *r, struct hz_err *err)
{
    if (r->dry_run || r->pending == 0) {
        totals_add(&r->t, &r->bt);
        r->bt = (struct store_roster_totals){0};
        return 0;
    }
    int rv;
    if (r->b != NULL) {
        rv = write_commit_within(r->n, r->b, NULL, ledger_rows, r, err);
        r->wrote = r->wrote || rv == 0;
    } else {
        rv = txn_begin(r->n, err);
        if (rv == 0)
            rv = ledger_rows(r->n, r, err);
        if (rv == 0)
            rv = txn_commit(r->n, err);
        if (rv != 0)
            txn_rollback(r->n);
    }
    if (rv == 0)
        totals_add(&r->t, &r->bt);
    r->bt = (struct store_roster_totals){0};
    hz_batch_close(r->b);
    r->b = NULL;
    r->pending = 0;
    r->n_ledger = 0;
    /* What was planned is in the node now, where matching finds it. */
    plan_next_generation(&r->plan);
    return rv;
}

int store_roster_close(struct store_roster *r, struct hz_err *err)
{
    return flush(r, err);
}

/* ---- matching */

static int hex_row(const uint8_t *row, char *out)
{
    sodium_bin2hex(out, HZ_ROW_HEX_LEN + 1, row, HZ_ROW_LEN);
    return 0;
}

static int column_hex(sqlite3_stmt *st, int col, char *out)
{
    if (sqlite3_column_bytes(st, col) != (int)HZ_ROW_LEN)
        return HZ_ECORRUPT;
    return hex_row(sqlite3_column_blob(st, col), out);
}

/* The household with @number in @village, or "" . */
/* The first row of @sql: its column 0 (a row id) as hex into @out, and
 * its column 1, when asked for (@second) and not NULL, into @second;
 * both "" when there is no row. */
static int first_ids(hz_node *n, const char *sql, const struct db_arg *args,
                     size_t n_args, char *out, char *second, struct hz_err *err)
{
    out[0] = '\0';
    if (second != NULL)
        second[0] = '\0';
    sqlite3_stmt *st;
    bool found = false;
    int rv = db_first(&n->db, sql, args, n_args, &st, &found, err);
    if (rv == 1) {
        rv = column_hex(st, 0, out) != 0 ||
                     (second != NULL &&
                      sqlite3_column_type(st, 1) != SQLITE_NULL &&
                      column_hex(st, 1, second) != 0)
                 ? hz_err_set(err, HZ_ECORRUPT, "row id")
                 : 0;
        sqlite3_reset(st);
    }
    return rv;
}

/* The household with @number in @village, or "". */
static int household_by_number(hz_node *n, const char *village,
                               const char *number, char *out,
                               struct hz_err *err)
{
    return first_ids(n,
                     "SELECT id FROM e_households WHERE number = ?1 AND"
                     " village IS ?2 AND deleted = 0 ORDER BY id LIMIT 1",
                     DB_ARGS(DB_TEXT(number), DB_TEXT(village)), out, NULL,
                     err);
}

/* The person with ID number @idn (through the search index) into
 * @person, and its household into @out; "" for none (also for a
 * household since deleted: nothing may be written into it). */
static int person_by_id(hz_node *n, const char *idn, char *person, char *out,
                        struct hz_err *err)
{
    char key[48];
    person[0] = out[0] = '\0';
    if (!search_number_match(idn, key, sizeof key))
        return 0;
    return first_ids(n,
                     "SELECT p.id, h.id FROM e_persons AS p LEFT JOIN"
                     " e_households h ON h.id = p.household AND h.deleted ="
                     " 0 WHERE p.n IN (SELECT rowid FROM sx_p WHERE sx_p"
                     " MATCH ?1) AND upper(p.id_number) = ?2 AND"
                     " p.deleted = 0"
                     " ORDER BY h.id IS NULL, p.id LIMIT 1",
                     DB_ARGS(DB_TEXT(key), DB_TEXT(idn)), person, out, err);
}

/* A person the node holds that @p may be (a likely duplicate, listed and
 * never merged): the same name and birth year in the same village (the
 * index e_persons_name), else the same phone in another household (the
 * search index). Its id into @out and why into *@why; "" when none. */
static int likely_person(hz_node *n, const struct roster_person *p,
                         const char *village, const char *hh, char *out,
                         const char **why, struct hz_err *err)
{
    out[0] = '\0';
    int rv = 0;
    if (p->name != NULL && p->birth_year > 0) {
        rv = first_ids(
            n,
            "SELECT p.id FROM e_persons AS p LEFT JOIN"
            " e_households AS h ON h.id = p.household AND"
            " h.deleted = 0 WHERE p.name = ?1 AND p.birth_year ="
            " ?2 AND p.deleted = 0 AND h.village IS ?3 ORDER BY"
            " p.id LIMIT 1",
            DB_ARGS(DB_TEXT(p->name), DB_INT(p->birth_year), DB_TEXT(village)),
            out, NULL, err);
        if (rv != 0 || out[0] != '\0') {
            *why = "name_birth_village";
            return rv;
        }
    }
    char key[48];
    if (p->phone == NULL || strlen(p->phone) < 7 ||
        !search_number_match(p->phone, key, sizeof key))
        return 0;
    uint8_t row[HZ_ROW_LEN];
    bool has_hh = strlen(hh) == HZ_ROW_HEX_LEN &&
                  sodium_hex2bin(row, sizeof row, hh, HZ_ROW_HEX_LEN, NULL,
                                 NULL, NULL) == 0;
    rv = first_ids(n,
                   "SELECT p.id FROM e_persons AS p WHERE p.n IN (SELECT"
                   " rowid FROM sx_p WHERE sx_p MATCH ?1) AND p.phone = ?2"
                   " AND p.deleted = 0 AND"
                   " (?3 IS NULL OR p.household IS NOT ?3) ORDER BY p.id"
                   " LIMIT 1",
                   DB_ARGS(DB_TEXT(key), DB_TEXT(p->phone),
                           has_hh ? DB_ROW(row) : DB_NULL),
                   out, NULL, err);
    *why = "phone";
    return rv;
}

/* A person the node holds in the matched household. */
struct held {
    char id[HZ_ROW_HEX_LEN + 1];
    char *name, *idn;
    bool has_sex, has_birth, has_phone, has_relation;
};

struct helds {
    struct held v[ROSTER_PERSONS_MAX * 2];
    size_t n;
};

static char *dup_col(sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    return t != NULL ? strdup(t) : NULL;
}

static int held_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct helds *hs = data;
    if (hs->n == sizeof hs->v / sizeof hs->v[0])
        return 0; /* a household of more: the rest are not compared */
    struct held *h = &hs->v[hs->n];
    if (column_hex(st, 0, h->id) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "person id");
    h->name = dup_col(st, 1);
    h->idn = dup_col(st, 2);
    h->has_sex = sqlite3_column_type(st, 3) != SQLITE_NULL;
    h->has_birth = sqlite3_column_type(st, 4) != SQLITE_NULL;
    h->has_phone = sqlite3_column_type(st, 5) != SQLITE_NULL;
    h->has_relation = sqlite3_column_type(st, 6) != SQLITE_NULL;
    hs->n++;
    return 0;
}

static void helds_free(struct helds *hs)
{
    for (size_t i = 0; i < hs->n; i++) {
        free(hs->v[i].name);
        free(hs->v[i].idn);
    }
    hs->n = 0;
}

/* ---- writing */

static int put(struct store_roster *r, const char *table, const char *id,
               const struct hz_field *f, size_t n, char *id_out,
               struct hz_err *err)
{
    if (n == 0 || r->dry_run) {
        if (id_out != NULL && id == NULL) /* a dry run's id: its own */
            for (size_t i = 0; i < HZ_ROW_HEX_LEN; i++)
                id_out[i] = "0123456789abcdef"[randombytes_uniform(16)];
        if (id_out != NULL && id == NULL)
            id_out[HZ_ROW_HEX_LEN] = '\0';
        return 0;
    }
    if (r->b == NULL) {
        int rv = hz_batch_open(r->n, &r->b, err);
        if (rv == 0 && r->by[0] != '\0')
            rv = hz_batch_by(r->b, r->by, err);
        if (rv != 0)
            return rv;
    }
    return hz_batch_put(r->b, table, id, n, f, id_out, err);
}

static const char *flag_cols[ROSTER_FLAGS] = {
    "disabled", "left_behind",      "pregnant",
    "chronic",  "elderly_mobility", "no_caretaker"};

/* The fields of @p to write: all of a new person (@h NULL), or those a
 * held person @h has empty. */
static size_t person_fields(const struct roster_person *p, const char *hh,
                            const struct held *h, char *year,
                            struct hz_field *f)
{
    size_t n = 0;
    if (h == NULL) {
        f[n++] = (struct hz_field){"household", hh};
        f[n++] = (struct hz_field){"name", p->name};
        for (size_t i = 0; i < ROSTER_FLAGS; i++)
            if (p->flags & (1u << i))
                f[n++] = (struct hz_field){flag_cols[i], "true"};
        if (p->notes != NULL)
            f[n++] = (struct hz_field){"notes", p->notes};
    }
    if (p->id_number != NULL && (h == NULL || h->idn == NULL))
        f[n++] = (struct hz_field){"id_number", p->id_number};
    if (p->sex != NULL && (h == NULL || !h->has_sex))
        f[n++] = (struct hz_field){"sex", p->sex};
    if (p->birth_year > 0 && (h == NULL || !h->has_birth)) {
        snprintf(year, 16, "%d", p->birth_year);
        f[n++] = (struct hz_field){"birth_year", year};
    }
    if (p->phone != NULL && (h == NULL || !h->has_phone))
        f[n++] = (struct hz_field){"phone", p->phone};
    if (p->relation != NULL && (h == NULL || !h->has_relation))
        f[n++] = (struct hz_field){"relation", p->relation};
    return n;
}

/* Household fields the node's row lacks (all of them for a new one). */
struct hh_held {
    bool number, head_name, village, grid, address, phone, members, notes;
};

static int hh_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    (void)err;
    struct hh_held *h = data;
    bool *has[] = {&h->number,  &h->head_name, &h->village, &h->grid,
                   &h->address, &h->phone,     &h->members, &h->notes};
    for (int i = 0; i < 8; i++)
        *has[i] = sqlite3_column_type(st, i) != SQLITE_NULL;
    return 0;
}

static size_t household_fields(const struct roster_household *h,
                               const struct hh_held *held, char *members,
                               struct hz_field *f)
{
    size_t n = 0;
#define ADD(field)                                                             \
    if (h->field != NULL && !held->field)                                      \
        f[n++] = (struct hz_field){#field, h->field};
    ADD(number)
    ADD(head_name)
    ADD(village)
    ADD(grid)
    ADD(address)
    ADD(phone)
    ADD(notes)
#undef ADD
    if (h->members >= 0 && !held->members) {
        snprintf(members, 16, "%d", h->members);
        f[n++] = (struct hz_field){"members", members};
    }
    return n;
}

static int add(struct store_roster *r, const struct roster_household *h,
               struct store_roster_done *done, struct hz_err *err)
{
    memset(done, 0, sizeof *done);
    hz_node *n = r->n;
    uint8_t lk[DIGEST_LEN];
    ledger_key(h, lk);
    uint8_t row[HZ_ROW_LEN];
    bool found = false;
    int rv =
        db_blob(&n->db, "SELECT household FROM roster_seen WHERE k = ?1",
                DB_ARGS(DB_BLOB(lk, DIGEST_LEN)), row, sizeof row, &found, err);
    if (rv != 0)
        return rv;
    if (found) {
        done->how = STORE_ROSTER_SEEN;
        hex_row(row, done->household);
        for (size_t i = 0; i < h->n_persons; i++)
            done->person[i] = STORE_ROSTER_PRESENT;
        r->t.households_seen++;
        r->t.persons_present += h->n_persons;
        return 0;
    }
    /* A household or ID number planned in this run and not committed:
     * commit first (a real run), so that matching below sees it. */
    uint8_t k[DIGEST_LEN];
    bool planned = false;
    if (h->number != NULL) {
        digest_of('n', h->village, h->number, k);
        planned = plan_household(&r->plan, k) != NULL;
    }
    for (size_t i = 0; !planned && i < h->n_persons; i++) {
        if (h->persons[i].id_number == NULL)
            continue;
        digest_of('i', h->persons[i].id_number, NULL, k);
        planned = plan_household(&r->plan, k) != NULL;
    }
    if (planned && !r->dry_run && (rv = flush(r, err)) != 0)
        return rv;
    /* Matched by number, else by a member's ID number: in the run's plan
     * (a dry run's), else in the node. */
    char hh[HZ_ROW_HEX_LEN + 1] = "", person[HZ_ROW_HEX_LEN + 1];
    const char *planned_hh = NULL;
    if (h->number != NULL) {
        digest_of('n', h->village, h->number, k);
        planned_hh = plan_household(&r->plan, k);
        if (planned_hh != NULL)
            snprintf(hh, sizeof hh, "%s", planned_hh);
        else
            rv = household_by_number(n, h->village, h->number, hh, err);
    }
    /* A household with a number is that number's: its members' ID
     * numbers match it only when the roster gives none. */
    for (size_t i = 0;
         rv == 0 && h->number == NULL && hh[0] == '\0' && i < h->n_persons;
         i++) {
        const char *idn = h->persons[i].id_number;
        if (idn == NULL)
            continue;
        digest_of('i', idn, NULL, k);
        planned_hh = plan_household(&r->plan, k);
        if (planned_hh != NULL)
            snprintf(hh, sizeof hh, "%s", planned_hh);
        else
            rv = person_by_id(n, idn, person, hh, err);
    }
    if (rv != 0)
        return rv;
    bool matched = hh[0] != '\0';
    /* A household this batch wrote already (two of the roster's
     * households matching one the node holds): commit first, so that
     * this one fills what that one left, in an action of its own (one
     * action writes a row once). */
    for (size_t i = 0; matched && !r->dry_run && i < r->n_ledger; i++)
        if (strcmp(r->ledger_hh[i], hh) == 0) {
            if ((rv = flush(r, err)) != 0)
                return rv;
            break;
        }
    done->how = matched ? STORE_ROSTER_MATCHED : STORE_ROSTER_NEW;
    /* The household: what it lacks, or all of it. */
    struct hh_held held = {0};
    struct helds *ps = calloc(1, sizeof *ps);
    if (ps == NULL)
        return hz_err_set(err, HZ_ENOMEM, "roster");
    if (matched && hh[0] != '\0' && strlen(hh) == HZ_ROW_HEX_LEN) {
        uint8_t id[HZ_ROW_LEN];
        sodium_hex2bin(id, sizeof id, hh, HZ_ROW_HEX_LEN, NULL, NULL, NULL);
        rv = db_each(&n->db,
                     "SELECT number, head_name, village, grid, address, phone,"
                     " members, notes FROM e_households WHERE id = ?1",
                     DB_ARGS(DB_ROW(id)), hh_row, &held, err);
        if (rv == 0)
            rv = db_each(&n->db,
                         "SELECT id, name, upper(id_number), sex, birth_year,"
                         " phone, relation FROM e_persons WHERE household ="
                         " ?1 AND deleted = 0 ORDER BY id",
                         DB_ARGS(DB_ROW(id)), held_row, ps, err);
    }
    /* Each person first: held in this household (by ID number, else by
     * name), given to another household earlier in the run or earlier
     * in this household (a duplicate), held in another household, or
     * new. */
    int same[ROSTER_PERSONS_MAX];
    size_t n_new = 0;
    for (size_t i = 0; rv == 0 && i < h->n_persons; i++) {
        const struct roster_person *p = &h->persons[i];
        same[i] = -1;
        done->person[i] = STORE_ROSTER_NEW;
        for (size_t j = 0; j < ps->n && same[i] < 0; j++) {
            const struct held *x = &ps->v[j];
            if (p->id_number != NULL && x->idn != NULL
                    ? strcmp(x->idn, p->id_number) == 0
                    : x->name != NULL && strcmp(x->name, p->name) == 0)
                same[i] = (int)j;
        }
        if (same[i] >= 0) {
            /* Two rows of the household naming one held person (the same
             * name, no ID number): the person once, the second a
             * duplicate of the first. */
            done->person[i] = STORE_ROSTER_PRESENT;
            for (size_t e = 0; e < i; e++)
                if (done->person[e] == STORE_ROSTER_PRESENT &&
                    same[e] == same[i]) {
                    done->person[i] = STORE_ROSTER_DUPLICATE;
                    done->dup_row[i] = h->persons[e].row;
                    break;
                }
            continue;
        }
        /* An ID number an earlier row of the run gave (and not to a
         * person of this household held above): the same person twice. */
        if (p->id_number != NULL) {
            digest_of('i', p->id_number, NULL, k);
            uint32_t first = plan_row(&r->plan, k);
            if (first != 0) {
                done->person[i] = STORE_ROSTER_DUPLICATE;
                done->dup_row[i] = first;
                continue;
            }
        }
        for (size_t j = 0; j < i && done->person[i] == STORE_ROSTER_NEW; j++)
            if (done->person[j] == STORE_ROSTER_NEW &&
                (p->id_number != NULL
                     ? h->persons[j].id_number != NULL &&
                           strcmp(h->persons[j].id_number, p->id_number) == 0
                     : h->persons[j].id_number == NULL &&
                           strcmp(h->persons[j].name, p->name) == 0)) {
                done->person[i] = STORE_ROSTER_DUPLICATE;
                done->dup_row[i] = h->persons[j].row;
            }
        /* A person the node holds elsewhere (another household, or
         * none) with this ID number: registered already, not again. */
        if (done->person[i] == STORE_ROSTER_NEW && p->id_number != NULL) {
            char other[HZ_ROW_HEX_LEN + 1];
            rv = person_by_id(n, p->id_number, person, other, err);
            if (rv == 0 && person[0] != '\0') {
                done->person[i] = STORE_ROSTER_ELSEWHERE;
                snprintf(done->elsewhere[i], sizeof done->elsewhere[i], "%s",
                         person);
            }
        }
        if (rv == 0 && done->person[i] == STORE_ROSTER_NEW)
            rv = likely_person(n, p, h->village, hh, done->likely[i],
                               &done->likely_why[i], err);
        n_new += done->person[i] == STORE_ROSTER_NEW;
    }
    /* A household none of whose persons is new or held is not written
     * (all its rows were others' people): nothing of it, no ledger row. */
    bool write = rv == 0 && (matched || n_new > 0);
    struct hz_field f[HZ_FIELDS_MAX];
    char members[16], year[16];
    size_t nf = write ? household_fields(h, &held, members, f) : 0;
    /* A new household of which the roster says nothing of its own (no
     * number, head or address readable): named by its head, else its
     * first person, so that the row its persons point to exists (an
     * entity row is written with at least one field). */
    if (write && !matched && nf == 0) {
        const char *head = h->persons[0].name;
        for (size_t i = 0; i < h->n_persons; i++)
            if (h->persons[i].head) {
                head = h->persons[i].name;
                break;
            }
        f[nf++] = (struct hz_field){"head_name", head};
    }
    if (write)
        rv = put(r, "households", matched ? hh : NULL, f, nf,
                 matched ? NULL : hh, err);
    if (rv == 0 && nf > 0 && matched)
        r->bt.households_filled++;
    for (size_t i = 0; rv == 0 && i < h->n_persons; i++) {
        const struct roster_person *p = &h->persons[i];
        switch (done->person[i]) {
        case STORE_ROSTER_DUPLICATE:
            r->bt.persons_duplicate++;
            continue;
        case STORE_ROSTER_ELSEWHERE:
            r->bt.persons_elsewhere++;
            continue;
        case STORE_ROSTER_PRESENT:
            r->bt.persons_present++;
            nf = person_fields(p, hh, &ps->v[same[i]], year, f);
            if (nf > 0) {
                r->bt.persons_filled++;
                rv = put(r, "persons", ps->v[same[i]].id, f, nf, NULL, err);
            }
            break;
        default:
            r->bt.persons_new++;
            done->persons_new++;
            nf = person_fields(p, hh, NULL, year, f);
            rv = put(r, "persons", NULL, f, nf, NULL, err);
            break;
        }
        if (rv == 0 && p->id_number != NULL) {
            digest_of('i', p->id_number, NULL, k);
            rv = plan_put(&r->plan, k, hh, p->row, err);
        }
    }
    helds_free(ps);
    free(ps);
    if (rv == 0 && write && h->number != NULL) {
        digest_of('n', h->village, h->number, k);
        rv = plan_put(&r->plan, k, hh, h->row, err);
    }
    snprintf(done->household, sizeof done->household, "%s", hh);
    if (rv != 0 || !write) {
        done->how = STORE_ROSTER_SKIPPED;
        return rv;
    }
    if (matched)
        r->bt.households_matched++;
    else
        r->bt.households_new++;
    if (!r->dry_run) {
        memcpy(r->ledger[r->n_ledger], lk, DIGEST_LEN);
        snprintf(r->ledger_hh[r->n_ledger], sizeof r->ledger_hh[0], "%s", hh);
        r->n_ledger++;
        if (++r->pending == r->chunk)
            rv = flush(r, err);
    }
    return rv;
}

/* ---- what the run did, for the caller to show */

static void add_dup(struct store_roster *r, uint32_t row, const char *kind,
                    const char *why, const char *with_id, uint32_t with_row)
{
    json_t *d = json_pack("{s:I, s:s, s:s}", "row", (json_int_t)row, "kind",
                          kind, "why", why);
    if (with_id != NULL)
        json_object_set_new(d, "with", json_string(with_id));
    if (with_row != 0)
        json_object_set_new(d, "with_row", json_integer(with_row));
    json_array_append_new(r->dups, d);
}

int store_roster_household(void *data, const struct roster_household *h,
                           struct hz_err *err)
{
    struct store_roster *r = data;
    struct store_roster_done *done = malloc(sizeof *done);
    if (done == NULL || r->dups == NULL) {
        free(done);
        return hz_err_set(err, HZ_ENOMEM, "roster");
    }
    int rv = add(r, h, done, err);
    for (size_t i = 0; rv == 0 && i < h->n_persons; i++) {
        if (done->person[i] == STORE_ROSTER_DUPLICATE)
            add_dup(r, h->persons[i].row, "in_file", "id_number", NULL,
                    done->dup_row[i]);
        else if (done->person[i] == STORE_ROSTER_ELSEWHERE)
            add_dup(r, h->persons[i].row, "registered", "id_number",
                    done->elsewhere[i], 0);
        else if (done->person[i] == STORE_ROSTER_NEW &&
                 done->likely[i][0] != '\0')
            add_dup(r, h->persons[i].row, "likely", done->likely_why[i],
                    done->likely[i], 0);
    }
    free(done);
    return rv;
}

/* Uploads left behind by a process that died while reading one: the web
 * reads one upload at a time, and one serve runs on a node, so any
 * found when a new one begins is such a leftover. */
static void remove_stale_uploads(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    char path[4200];
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, ".upload-", 8) != 0)
            continue;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) <
            sizeof path)
            unlink(path);
    }
    closedir(d);
}

int store_upload_file(hz_node *n, const void *data, size_t len, char *path,
                      size_t cap, struct hz_err *err)
{
    /* A node in memory (tests) has no directory: the temporary one. */
    const char *dir = n->dir;
    if (dir == NULL) {
        dir = getenv("TMPDIR");
        if (dir == NULL || dir[0] == '\0')
            dir = "/tmp";
    } else {
        remove_stale_uploads(dir);
    }
    int w = snprintf(path, cap, "%s/.upload-XXXXXX", dir);
    if (w < 0 || (size_t)w >= cap)
        return hz_err_set(err, HZ_EINVAL, "node directory path too long");
    int fd = mkstemp(path); /* 0600 */
    if (fd < 0)
        return hz_err_set(err, errno == ENOSPC ? HZ_ENOSPC : HZ_EIO,
                          "upload: %s", strerror(errno));
    const unsigned char *p = data;
    size_t done = 0;
    while (done < len) {
        ssize_t k = write(fd, p + done, len - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            int e = k < 0 ? errno : EIO;
            close(fd);
            unlink(path);
            return hz_err_set(err, e == ENOSPC ? HZ_ENOSPC : HZ_EIO,
                              "upload: %s", strerror(e));
        }
        done += (size_t)k;
    }
    if (close(fd) != 0) {
        unlink(path);
        return hz_err_set(err, HZ_EIO, "upload: %s", strerror(errno));
    }
    return 0;
}

int store_roster_by(struct store_roster *r, const char *account,
                    struct hz_err *err)
{
    size_t len = strlen(account);
    if (len == 0 || len > HZ_ACCOUNT_LEN_MAX)
        return hz_err_set(err, HZ_EINVAL, "an account name of 1 to %d bytes",
                          HZ_ACCOUNT_LEN_MAX);
    memcpy(r->by, account, len + 1);
    return 0;
}

bool store_roster_wrote(const struct store_roster *r)
{
    return r->wrote;
}

json_t *store_roster_result(const struct store_roster *r)
{
    const struct store_roster_totals *t = &r->t;
    return json_pack(
        "{s:b, s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I, s:I}, s:O}",
        "dry_run", r->dry_run, "households", "new",
        (json_int_t)t->households_new, "matched",
        (json_int_t)t->households_matched, "seen",
        (json_int_t)t->households_seen, "filled",
        (json_int_t)t->households_filled, "persons", "new",
        (json_int_t)t->persons_new, "present", (json_int_t)t->persons_present,
        "filled", (json_int_t)t->persons_filled, "duplicate",
        (json_int_t)t->persons_duplicate, "elsewhere",
        (json_int_t)t->persons_elsewhere, "duplicates", r->dups);
}
