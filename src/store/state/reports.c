/* reports.c - the township's reports from the merged state
 * (proto/reports.md): the disaster report's figures per village with the
 * lists behind each figure, the household relief list, and the reports
 * submitted before. Everything is read from the materialized e_ and v_
 * tables through the same words as "who is not accounted for" (records,
 * scope, effective events, open check-ins; viewsql.h), so two replicas
 * holding the same entries report the same. */
#include "render.h"
#include "state.h"
#include "viewsql.h"

#include "../store.h"

#include "../../core/alloc.h"
#include "../../core/codec.h"
#include "../../core/error_int.h"

#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* clang-format off */

/* Households in scope (records, not removed) with their latest effective
 * damage, in village order (none last), then head of household, then
 * id. */
#define REPORT_HOUSEHOLDS                                                      \
    "WITH RECURSIVE " MERGE_ENDS("h", "e_households") ", "                     \
    "dmg AS (SELECT d.*, row_number() OVER (PARTITION BY he.rep"               \
    " ORDER BY d.time DESC, d.id DESC) AS rn, he.rep AS hid FROM ("            \
    EFFECTIVE("v_damage") ") d JOIN h_end he ON he.start = d.household) "      \
    "SELECT h.id, h.head_name, h.village, h.status, coalesce(h.needs_aid, 0),"  \
    " g.house, coalesce(g.rooms, 0), coalesce(g.crops_mu, 0.0),"               \
    " coalesce(g.loss_yuan, 0) FROM e_households h"                            \
    " JOIN h_end he ON he.start = h.id AND he.rep = h.id"                      \
    " LEFT JOIN dmg g ON g.hid = h.id AND g.rn = 1"                            \
    " WHERE h.status IS NOT 'removed'"                                         \
    " ORDER BY h.village IS NULL, h.village, h.head_name, h.id"

/* Persons in scope (records whose household, if any, is not removed):
 * the household they stand in (a record, or NULL), their condition and
 * whether they have an open check-in. */
#define REPORT_PERSONS                                                         \
    "WITH RECURSIVE " MERGE_ENDS("h", "e_households") ", "                     \
    MERGE_ENDS("p", "e_persons") ", " PLACED " "                               \
    "SELECT p.id, p.name, p.hrep, p.condition,"                                \
    " p.id IN (SELECT person FROM placed), p.sex, p.birth_year"                \
    " FROM (SELECT x.*, " LIVE_REP("h", "e_households", "x.household")         \
    " AS hrep FROM e_persons x WHERE " STANDS("p", "x") ") p"                  \
    " WHERE NOT EXISTS (SELECT 1 FROM e_households r WHERE r.id = p.hrep"      \
    " AND r.status = 'removed') ORDER BY p.id"

/* Public facilities: the latest effective assessment of each (village,
 * facility). */
#define REPORT_FACILITIES                                                      \
    "WITH fac AS (SELECT d.*, row_number() OVER (PARTITION BY d.village,"      \
    " d.facility ORDER BY d.time DESC, d.id DESC) AS rn FROM ("                \
    EFFECTIVE("v_damage") ") d WHERE d.facility IS NOT NULL) "                 \
    "SELECT village, facility, house, coalesce(rooms, 0),"                     \
    " coalesce(crops_mu, 0.0), coalesce(loss_yuan, 0), time, id FROM fac"      \
    " WHERE rn = 1 ORDER BY village IS NULL, village, facility"

/* The household relief list (应急统表10): per household record with
 * relief, through duplicates; a payment to a household since deleted
 * keeps its row (no payment leaves the list). */
#define REPORT_RELIEF                                                          \
    "WITH RECURSIVE " MERGE_ENDS("h", "e_households") ", "                     \
    MERGE_ENDS("p", "e_persons") ", "                                          \
    "rel AS (SELECT coalesce(he.rep, r.household) AS hid, r.* FROM ("          \
    EFFECTIVE("v_relief") ") r LEFT JOIN h_end he"                             \
    " ON he.start = r.household), "                                            \
    "paid AS (SELECT DISTINCT hid FROM rel), "                                 \
    "pin AS (SELECT p.id, p.name, p.relation, p.id_number, he.rep AS hid"      \
    " FROM e_persons p JOIN p_end pe ON pe.start = p.id AND pe.rep = p.id"     \
    " JOIN h_end he ON he.start = p.household"                                 \
    " WHERE he.rep IN (SELECT hid FROM paid)), "                               \
    "size AS (SELECT hid, count(*) AS n FROM pin GROUP BY hid), "              \
    "head AS (SELECT hid, id_number FROM (SELECT pin.hid, pin.id_number,"      \
    " row_number() OVER (PARTITION BY pin.hid ORDER BY"                        \
    " pin.relation IS NOT '户主', pin.id) AS rn FROM pin JOIN e_households h"  \
    " ON h.id = pin.hid WHERE pin.relation = '户主' OR pin.name = h.head_name)" \
    " WHERE rn = 1) "                                                          \
    "SELECT rel.hid AS household, h.village, h.head_name, h.phone,"            \
    " h.family_type, h.address, h.members,"                                    \
    " coalesce(size.n, 0) AS persons, head.id_number AS head_id_number,"       \
    " " ISUM("rel.cash_fen") " AS cash_fen,"                                   \
    " " ISUM("rel.goods_fen") " AS goods_fen,"                                 \
    " max(rel.persons) AS aided, max(rel.method = 'cash') AS m_cash,"          \
    " max(rel.method = 'transfer') AS m_transfer,"                             \
    " max(rel.method = 'in_kind') AS m_in_kind,"                               \
    " max(rel.method = 'mixed') AS m_mixed, count(*) AS payments"              \
    " FROM rel LEFT JOIN e_households h ON h.id = rel.hid"                     \
    " LEFT JOIN size ON size.hid = rel.hid LEFT JOIN head"                     \
    " ON head.hid = rel.hid GROUP BY rel.hid"                                  \
    " ORDER BY h.village IS NULL, h.village, h.head_name, rel.hid"

#define REPORTS_SUBMITTED                                                      \
    "SELECT r.id, r.kind, r.date, r.time, r.area, r.note, r.eid FROM ("        \
    EFFECTIVE("v_reports") ") r WHERE ?1 IS NULL OR r.id = ?1"                 \
    " ORDER BY r.time DESC, r.id DESC"

#define REPORT_FIGURES_OF                                                      \
    "SELECT f.* FROM (" EFFECTIVE("v_report_figures") ") f"                    \
    " WHERE f.report = ?1 ORDER BY f.level = 'township', f.village IS NULL,"   \
    " f.village"

/* clang-format on */

/* The figures, in the order of proto/reports.md's table. */
enum fig {
    F_AFFECTED,
    F_DEAD,
    F_MISSING,
    F_RELOCATED,
    F_SHELTER,
    F_RELATIVES,
    F_BORROWED,
    F_RENTED,
    F_TENT,
    F_OTHER,
    F_NEEDS_AID,
    F_COLLAPSED_HH,
    F_COLLAPSED_ROOMS,
    F_SEVERE_HH,
    F_SEVERE_ROOMS,
    F_GENERAL_HH,
    F_GENERAL_ROOMS,
    F_CROPS,
    F_LOSS,
    F_COUNT
};

static const char *const fig_names[F_COUNT] = {"affected",
                                               "dead",
                                               "missing",
                                               "relocated",
                                               "relocated_shelter",
                                               "relocated_relatives",
                                               "relocated_borrowed",
                                               "relocated_rented",
                                               "relocated_tent",
                                               "relocated_other",
                                               "needs_aid",
                                               "collapsed_hh",
                                               "collapsed_rooms",
                                               "severe_hh",
                                               "severe_rooms",
                                               "general_hh",
                                               "general_rooms",
                                               "crops_mu",
                                               "loss_yuan"};

/* Placements (proto/reports.md, "Words"), by the figure they count in. */
enum place { P_NONE = -1 };

enum house { H_NONE, H_COLLAPSED, H_SEVERE, H_GENERAL };

struct rhh {
    uint8_t id[HZ_ROW_LEN];
    char *head, *village, *status;
    bool needs_aid, affected;
    enum house house;
    int64_t rooms, loss;
    double crops;
    size_t vi; /* its row */
};

struct rperson {
    uint8_t id[HZ_ROW_LEN];
    char *name;
    int sex;      /* 0 unknown, 1 female, 2 male */
    int64_t born; /* birth year, or 0 */
    long hh;      /* index into the households, or -1 */
    int place;    /* a figure F_SHELTER .. F_OTHER, or P_NONE */
    bool dead, missing, own, affected, needs_aid;
    size_t vi;
};

struct rfac {
    char *village, *facility, *house;
    int64_t rooms, loss, time;
    double crops;
    uint8_t id[HZ_ROW_LEN];
    size_t vi;
};

struct hh_at {
    uint8_t id[HZ_ROW_LEN];
    size_t i;
};

struct rrow {
    const char *village; /* NULL: no village */
    int64_t f[F_COUNT];
    double crops;
};

struct rep {
    struct rhh *hh;
    size_t n_hh, cap_hh;
    struct hh_at *by_id; /* the households' ids, sorted, with their index */
    struct rperson *p;
    size_t n_p, cap_p;
    struct rfac *fac;
    size_t n_fac, cap_fac;
    char **villages; /* sorted, unique */
    size_t n_villages;
    struct rrow *rows; /* n_villages, then no village, then township */
};

/* A copy of text column @i, or NULL for none; *@oom set when a copy
 * could not be made. */
static char *col_text(sqlite3_stmt *st, int i, bool *oom)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    if (t == NULL)
        return NULL;
    char *c = strdup((const char *)t);
    *oom = *oom || c == NULL;
    return c;
}

static void col_id(sqlite3_stmt *st, int i, uint8_t out[HZ_ROW_LEN])
{
    memset(out, 0, HZ_ROW_LEN);
    if (sqlite3_column_bytes(st, i) == HZ_ROW_LEN)
        memcpy(out, sqlite3_column_blob(st, i), HZ_ROW_LEN);
}

static bool col_is(sqlite3_stmt *st, int i, const char *s)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t != NULL && strcmp((const char *)t, s) == 0;
}

/* Room for one more element of @arr, or return HZ_ENOMEM. */
#define GROW(arr, n, cap, err)                                                 \
    do {                                                                       \
        void *grown_ = hz_grow((arr), &(cap), (n), sizeof *(arr));             \
        if (grown_ == NULL)                                                    \
            return hz_err_set((err), HZ_ENOMEM, "report");                     \
        (arr) = grown_;                                                        \
    } while (0)

static int hh_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct rep *r = data;
    GROW(r->hh, r->n_hh, r->cap_hh, err);
    struct rhh *h = &r->hh[r->n_hh++];
    memset(h, 0, sizeof *h);
    col_id(st, 0, h->id);
    bool oom = false;
    h->head = col_text(st, 1, &oom);
    h->village = col_text(st, 2, &oom);
    h->status = col_text(st, 3, &oom);
    h->needs_aid = sqlite3_column_int(st, 4) != 0;
    h->house = col_is(st, 5, "collapsed") ? H_COLLAPSED
               : col_is(st, 5, "severe")  ? H_SEVERE
               : col_is(st, 5, "general") ? H_GENERAL
                                          : H_NONE;
    h->rooms = sqlite3_column_int64(st, 6);
    h->crops = sqlite3_column_double(st, 7);
    h->loss = sqlite3_column_int64(st, 8);
    return oom ? hz_err_set(err, HZ_ENOMEM, "report") : 0;
}

static int cmp_hh_id(const void *a, const void *b)
{
    return memcmp(a, b, HZ_ROW_LEN);
}

static long find_hh(const struct rep *r, const uint8_t *id)
{
    size_t lo = 0, hi = r->n_hh;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(r->by_id[mid].id, id, HZ_ROW_LEN);
        if (c == 0)
            return (long)r->by_id[mid].i;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int person_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct rep *r = data;
    GROW(r->p, r->n_p, r->cap_p, err);
    struct rperson *p = &r->p[r->n_p++];
    memset(p, 0, sizeof *p);
    col_id(st, 0, p->id);
    bool oom = false;
    p->name = col_text(st, 1, &oom);
    p->hh = -1;
    if (sqlite3_column_type(st, 2) == SQLITE_BLOB) {
        uint8_t hid[HZ_ROW_LEN];
        col_id(st, 2, hid);
        p->hh = find_hh(r, hid);
    }
    p->sex = col_is(st, 5, "female") ? 1 : col_is(st, 5, "male") ? 2 : 0;
    p->born = sqlite3_column_int64(st, 6);
    p->dead = col_is(st, 3, "deceased");
    p->missing = col_is(st, 3, "missing");
    bool injured = col_is(st, 3, "injured");
    bool placed = sqlite3_column_int(st, 4) != 0;
    const struct rhh *h = p->hh >= 0 ? &r->hh[p->hh] : NULL;
    const char *status = h != NULL && h->status != NULL ? h->status : "";
    p->place = P_NONE;
    if (!p->dead && !p->missing) {
        static const struct {
            const char *status;
            int fig;
        } by_status[] = {{"relocated", F_RELATIVES}, {"borrowed", F_BORROWED},
                         {"rented", F_RENTED},       {"tent", F_TENT},
                         {"evacuated", F_OTHER},     {"sheltered", F_OTHER}};
        if (placed)
            p->place = F_SHELTER;
        for (size_t i = 0;
             p->place == P_NONE && i < sizeof by_status / sizeof by_status[0];
             i++)
            if (strcmp(status, by_status[i].status) == 0)
                p->place = by_status[i].fig;
        p->needs_aid = h != NULL && h->needs_aid;
    }
    p->own = injured || p->dead || p->missing || p->place != P_NONE;
    return oom ? hz_err_set(err, HZ_ENOMEM, "report") : 0;
}

static int fac_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct rep *r = data;
    GROW(r->fac, r->n_fac, r->cap_fac, err);
    struct rfac *f = &r->fac[r->n_fac++];
    memset(f, 0, sizeof *f);
    bool oom = false;
    f->village = col_text(st, 0, &oom);
    f->facility = col_text(st, 1, &oom);
    f->house = col_text(st, 2, &oom);
    f->rooms = sqlite3_column_int64(st, 3);
    f->crops = sqlite3_column_double(st, 4);
    f->loss = sqlite3_column_int64(st, 5);
    f->time = sqlite3_column_int64(st, 6);
    col_id(st, 7, f->id);
    return oom ? hz_err_set(err, HZ_ENOMEM, "report") : 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The row of @village: its index among the villages, or the no-village
 * row after them. */
static size_t row_of(const struct rep *r, const char *village)
{
    if (village == NULL)
        return r->n_villages;
    char **at = bsearch(&village, r->villages, r->n_villages,
                        sizeof *r->villages, cmp_str);
    HZ_ASSERT(at != NULL);
    return (size_t)(at - r->villages);
}

static int collect_villages(struct rep *r, struct hz_err *err)
{
    r->villages = hz_calloc(r->n_hh + r->n_fac + 1, sizeof *r->villages);
    r->rows = hz_calloc(r->n_hh + r->n_fac + 2, sizeof *r->rows);
    if (r->villages == NULL || r->rows == NULL)
        return hz_err_set(err, HZ_ENOMEM, "report");
    size_t n = 0;
    for (size_t i = 0; i < r->n_hh; i++)
        if (r->hh[i].village != NULL)
            r->villages[n++] = r->hh[i].village;
    for (size_t i = 0; i < r->n_fac; i++)
        if (r->fac[i].village != NULL)
            r->villages[n++] = r->fac[i].village;
    if (n > 0)
        qsort(r->villages, n, sizeof *r->villages, cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || strcmp(r->villages[u - 1], r->villages[i]) != 0)
            r->villages[u++] = r->villages[i];
    r->n_villages = u;
    return 0;
}

/* Affected households and persons, then each figure in its row. */
static void count(struct rep *r)
{
    for (size_t i = 0; i < r->n_hh; i++) {
        struct rhh *h = &r->hh[i];
        const char *s = h->status != NULL ? h->status : "";
        h->affected =
            h->house != H_NONE || h->crops > 0 || h->loss > 0 || h->needs_aid ||
            strcmp(s, "evacuated") == 0 || strcmp(s, "sheltered") == 0 ||
            strcmp(s, "relocated") == 0 || strcmp(s, "borrowed") == 0 ||
            strcmp(s, "rented") == 0 || strcmp(s, "tent") == 0;
        h->vi = row_of(r, h->village);
    }
    for (size_t i = 0; i < r->n_p; i++)
        if (r->p[i].own && r->p[i].hh >= 0)
            r->hh[r->p[i].hh].affected = true;
    for (size_t v = 0; v < r->n_villages; v++)
        r->rows[v].village = r->villages[v];
    for (size_t i = 0; i < r->n_p; i++) {
        struct rperson *p = &r->p[i];
        const struct rhh *h = p->hh >= 0 ? &r->hh[p->hh] : NULL;
        p->affected = p->own || (h != NULL && h->affected);
        p->vi = h != NULL ? h->vi : r->n_villages;
        int64_t *f = r->rows[p->vi].f;
        f[F_AFFECTED] += p->affected;
        f[F_DEAD] += p->dead;
        f[F_MISSING] += p->missing;
        f[F_NEEDS_AID] += p->needs_aid;
        if (p->place != P_NONE) {
            f[F_RELOCATED]++;
            f[p->place]++;
        }
    }
    for (size_t i = 0; i < r->n_hh; i++) {
        const struct rhh *h = &r->hh[i];
        struct rrow *row = &r->rows[h->vi];
        if (h->house != H_NONE) {
            int k = h->house == H_COLLAPSED ? F_COLLAPSED_HH
                    : h->house == H_SEVERE  ? F_SEVERE_HH
                                            : F_GENERAL_HH;
            row->f[k]++;
            row->f[k + 1] += h->rooms;
        }
        row->crops += h->crops;
        row->f[F_LOSS] += h->loss;
    }
    for (size_t i = 0; i < r->n_fac; i++) {
        struct rfac *fa = &r->fac[i];
        fa->vi = row_of(r, fa->village);
        r->rows[fa->vi].crops += fa->crops;
        r->rows[fa->vi].f[F_LOSS] += fa->loss;
    }
    struct rrow *total = &r->rows[r->n_villages + 1];
    for (size_t v = 0; v <= r->n_villages; v++) {
        for (int k = 0; k < F_COUNT; k++)
            total->f[k] += r->rows[v].f[k];
        total->crops += r->rows[v].crops;
    }
}

static double round2(double x)
{
    return round(x * 100.0) / 100.0;
}

/* Whether row @v has anything to show: a village row always (a village
 * is listed when something in it is); the no-village row when a
 * household or person in scope has no village. */
static bool no_village_used(const struct rep *r)
{
    for (size_t i = 0; i < r->n_hh; i++)
        if (r->hh[i].village == NULL)
            return true;
    for (size_t i = 0; i < r->n_p; i++)
        if (r->p[i].vi == r->n_villages)
            return true;
    for (size_t i = 0; i < r->n_fac; i++)
        if (r->fac[i].village == NULL)
            return true;
    return false;
}

static json_t *row_json(const struct rrow *row, bool township)
{
    json_t *o = json_object();
    json_object_set_new(o, "level",
                        json_string(township ? "township" : "village"));
    json_object_set_new(o, "village",
                        row->village != NULL ? json_string(row->village)
                                             : json_null());
    for (int k = 0; k < F_COUNT; k++)
        json_object_set_new(o, fig_names[k],
                            k == F_CROPS ? json_real(round2(row->crops))
                                         : json_integer(row->f[k]));
    return o;
}

static json_t *opt_text(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

/* ---- the lists behind the figures */

struct ex {
    int fig;
    size_t vi;
    const char *head, *name, *facility;
    const uint8_t *hh, *person;
    bool has_value, real; /* rooms, crops, loss */
    int64_t i;
    double r;
};

static int cmp_opt(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_optid(const uint8_t *a, const uint8_t *b)
{
    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    return memcmp(a, b, HZ_ROW_LEN);
}

static int cmp_ex(const void *pa, const void *pb)
{
    const struct ex *a = pa, *b = pb;
    int c = (a->fig > b->fig) - (a->fig < b->fig);
    if (c == 0)
        c = (a->vi > b->vi) - (a->vi < b->vi);
    if (c == 0)
        c = cmp_opt(a->head, b->head);
    if (c == 0)
        c = cmp_optid(a->hh, b->hh);
    if (c == 0)
        c = cmp_opt(a->name, b->name);
    if (c == 0)
        c = cmp_optid(a->person, b->person);
    if (c == 0)
        c = cmp_opt(a->facility, b->facility);
    return c;
}

struct exlist {
    struct ex *e;
    size_t n, cap;
    bool oom;
};

static int ex_add(struct exlist *l, struct ex e)
{
    void *grown = hz_grow(l->e, &l->cap, l->n, sizeof *l->e);
    if (grown == NULL) {
        l->oom = true;
        return -1;
    }
    l->e = grown;
    l->e[l->n++] = e;
    return 0;
}

static bool person_counts(const struct rperson *p, int fig)
{
    switch (fig) {
    case F_AFFECTED:
        return p->affected;
    case F_DEAD:
        return p->dead;
    case F_MISSING:
        return p->missing;
    case F_RELOCATED:
        return p->place != P_NONE;
    case F_NEEDS_AID:
        return p->needs_aid;
    default:
        return p->place == fig;
    }
}

/* The lists behind the figures (proto/reports.md), in order, line by
 * line to @fn. */
static int explain_lines(const struct rep *r,
                         int (*fn)(void *data, const struct hz_explain_line *l,
                                   struct hz_err *err),
                         void *data, struct hz_err *err)
{
    struct exlist l = {0};
    for (int fig = F_AFFECTED; fig <= F_NEEDS_AID; fig++)
        for (size_t i = 0; i < r->n_p; i++) {
            const struct rperson *p = &r->p[i];
            if (!person_counts(p, fig))
                continue;
            const struct rhh *h = p->hh >= 0 ? &r->hh[p->hh] : NULL;
            (void)ex_add(&l, (struct ex){.fig = fig,
                                         .vi = p->vi,
                                         .head = h ? h->head : NULL,
                                         .name = p->name,
                                         .hh = h ? h->id : NULL,
                                         .person = p->id});
        }
    for (size_t i = 0; i < r->n_hh; i++) {
        const struct rhh *h = &r->hh[i];
        struct ex e = {.vi = h->vi, .head = h->head, .hh = h->id};
        if (h->house != H_NONE) {
            e.fig = h->house == H_COLLAPSED ? F_COLLAPSED_HH
                    : h->house == H_SEVERE  ? F_SEVERE_HH
                                            : F_GENERAL_HH;
            (void)ex_add(&l, e);
            e.fig++;
            e.has_value = true;
            e.i = h->rooms;
            (void)ex_add(&l, e);
        }
        if (h->crops > 0) {
            e.fig = F_CROPS;
            e.has_value = e.real = true;
            e.r = h->crops;
            (void)ex_add(&l, e);
        }
        if (h->loss > 0) {
            e.fig = F_LOSS;
            e.has_value = true;
            e.real = false;
            e.i = h->loss;
            (void)ex_add(&l, e);
        }
    }
    for (size_t i = 0; i < r->n_fac; i++) {
        const struct rfac *f = &r->fac[i];
        struct ex e = {.fig = F_CROPS, .vi = f->vi, .facility = f->facility};
        if (f->crops > 0) {
            e.has_value = e.real = true;
            e.r = f->crops;
            (void)ex_add(&l, e);
        }
        if (f->loss > 0) {
            e.fig = F_LOSS;
            e.has_value = true;
            e.real = false;
            e.i = f->loss;
            (void)ex_add(&l, e);
        }
    }
    if (l.oom) {
        free(l.e);
        return hz_err_set(err, HZ_ENOMEM, "report");
    }
    if (l.n > 0)
        qsort(l.e, l.n, sizeof *l.e, cmp_ex);
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < l.n; i++) {
        const struct ex *e = &l.e[i];
        char hh[HZ_ROW_HEX_LEN + 1], person[HZ_ROW_HEX_LEN + 1];
        if (e->hh != NULL)
            sodium_bin2hex(hh, sizeof hh, e->hh, HZ_ROW_LEN);
        if (e->person != NULL)
            sodium_bin2hex(person, sizeof person, e->person, HZ_ROW_LEN);
        struct hz_explain_line line = {
            .figure = fig_names[e->fig],
            .village = e->vi < r->n_villages ? r->villages[e->vi] : NULL,
            .kind = e->facility != NULL ? "facility"
                    : e->person != NULL ? "person"
                                        : "household",
            .household = e->hh != NULL ? hh : NULL,
            .head_name = e->head,
            .person = e->person != NULL ? person : NULL,
            .name = e->name,
            .facility = e->facility,
            .has_value = e->has_value,
            .real = e->real,
            .i = e->i,
            .r = e->r,
        };
        rv = fn(data, &line, err);
    }
    free(l.e);
    return rv;
}

/* A line as the JSON's "explain" array holds it, or NULL. */
static json_t *line_json(const struct hz_explain_line *l)
{
    json_t *o = json_object();
    json_object_set_new(o, "figure", json_string(l->figure));
    json_object_set_new(o, "village", opt_text(l->village));
    json_object_set_new(o, "kind", json_string(l->kind));
    json_object_set_new(o, "household", opt_text(l->household));
    json_object_set_new(o, "head_name", opt_text(l->head_name));
    json_object_set_new(o, "person", opt_text(l->person));
    json_object_set_new(o, "name", opt_text(l->name));
    json_object_set_new(o, "facility", opt_text(l->facility));
    json_object_set_new(o, "value",
                        !l->has_value ? json_null()
                        : l->real     ? json_real(l->r)
                                      : json_integer(l->i));
    return o;
}

/* The lines into the JSON's "explain" array (@data). */
static int explain_append(void *data, const struct hz_explain_line *l,
                          struct hz_err *err)
{
    json_t *o = line_json(l);
    if (o == NULL || json_array_append_new(data, o) != 0)
        return hz_err_set(err, HZ_ENOMEM, "report");
    return 0;
}

/* The lines to the caller's function (@data), each with its JSON text. */
struct explain_to {
    int (*fn)(void *data, const struct hz_explain_line *l, struct hz_err *err);
    void *data;
};

static int explain_text(void *data, const struct hz_explain_line *l,
                        struct hz_err *err)
{
    const struct explain_to *to = data;
    json_t *o = line_json(l);
    char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (text == NULL)
        return hz_err_set(err, HZ_ENOMEM, "report");
    struct hz_explain_line with = *l;
    with.json = text;
    int rv = to->fn(to->data, &with, err);
    free(text);
    return rv;
}

static void rep_free(struct rep *r)
{
    for (size_t i = 0; i < r->n_hh; i++) {
        free(r->hh[i].head);
        free(r->hh[i].village);
        free(r->hh[i].status);
    }
    for (size_t i = 0; i < r->n_p; i++)
        free(r->p[i].name);
    for (size_t i = 0; i < r->n_fac; i++) {
        free(r->fac[i].village);
        free(r->fac[i].facility);
        free(r->fac[i].house);
    }
    free(r->hh);
    free(r->by_id);
    free(r->p);
    free(r->fac);
    free(r->villages);
    free(r->rows);
}

/* ---- submitted reports */

static int submitted_json(hz_node *n, const uint8_t *id, bool figures,
                          json_t *out, struct hz_err *err)
{
    sqlite3_stmt *st = NULL;
    int rv = db_query(&n->db, REPORTS_SUBMITTED,
                      DB_ARGS(id != NULL ? DB_ROW(id) : DB_NULL), &st, err);
    int rc = SQLITE_DONE;
    while (rv == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint8_t rid[HZ_ROW_LEN], eid[HZ_HASH_LEN];
        col_id(st, 0, rid);
        memset(eid, 0, sizeof eid);
        if (sqlite3_column_bytes(st, 6) == HZ_HASH_LEN)
            memcpy(eid, sqlite3_column_blob(st, 6), HZ_HASH_LEN);
        json_t *o = json_object();
        json_object_set_new(o, "report", render_hex(rid, HZ_ROW_LEN));
        json_object_set_new(o, "kind",
                            opt_text((const char *)sqlite3_column_text(st, 1)));
        json_object_set_new(o, "date",
                            opt_text((const char *)sqlite3_column_text(st, 2)));
        json_object_set_new(o, "time",
                            json_integer(sqlite3_column_int64(st, 3)));
        json_object_set_new(o, "area",
                            opt_text((const char *)sqlite3_column_text(st, 4)));
        json_object_set_new(o, "note",
                            opt_text((const char *)sqlite3_column_text(st, 5)));
        json_object_set_new(o, "entry", render_hex(eid, HZ_HASH_LEN));
        json_array_append_new(out, o);
    }
    if (rv == 0 && rc != SQLITE_DONE)
        rv = db_err(&n->db, rc, "reports", err);
    if (st != NULL)
        sqlite3_reset(st);
    size_t i;
    json_t *o;
    json_array_foreach(out, i, o)
    {
        if (rv != 0)
            break;
        uint8_t eid[HZ_HASH_LEN], rid[HZ_ROW_LEN];
        hex_decode(json_string_value(json_object_get(o, "entry")), eid,
                   HZ_HASH_LEN);
        hex_decode(json_string_value(json_object_get(o, "report")), rid,
                   HZ_ROW_LEN);
        rv = store_entry_who(n, eid, o, err);
        if (rv == 0 && figures) {
            json_t *rows = json_array();
            rv = db_rows_json(&n->db, REPORT_FIGURES_OF, DB_ARGS(DB_ROW(rid)),
                              rows, err);
            size_t k;
            json_t *f;
            json_array_foreach(rows, k, f)
            {
                json_object_del(f, "eid");
                json_object_del(f, "report");
                json_object_del(f, "reverses");
                if (json_object_get(f, "village") == NULL)
                    json_object_set_new(f, "village", json_null());
            }
            json_object_set_new(o, "rows", rows);
        }
    }
    return rv;
}

/* changes: each row of @rows minus the same row (level and village) of
 * @then, a row absent then counting as zeros. */
static json_t *changes_of(json_t *rows, json_t *then)
{
    json_t *out = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        json_t *old = NULL, *c;
        size_t k;
        json_array_foreach(then, k, c)
        {
            if (json_equal(json_object_get(c, "level"),
                           json_object_get(row, "level")) &&
                json_equal(json_object_get(c, "village"),
                           json_object_get(row, "village")))
                old = c;
        }
        json_t *d = json_object();
        json_object_set(d, "level", json_object_get(row, "level"));
        json_object_set(d, "village", json_object_get(row, "village"));
        for (int f = 0; f < F_COUNT; f++) {
            json_t *now = json_object_get(row, fig_names[f]);
            json_t *was =
                old != NULL ? json_object_get(old, fig_names[f]) : NULL;
            if (f == F_CROPS)
                json_object_set_new(
                    d, fig_names[f],
                    json_real(
                        round2(json_number_value(now) -
                               (was != NULL ? json_number_value(was) : 0.0))));
            else
                json_object_set_new(
                    d, fig_names[f],
                    json_integer(json_integer_value(now) -
                                 (was != NULL ? json_integer_value(was) : 0)));
        }
        json_array_append_new(out, d);
    }
    return out;
}

/* Households, persons and facilities read and counted into @r (free it
 * with rep_free whatever this returns). */
static int rep_load(hz_node *n, struct rep *rp, struct hz_err *err)
{
    struct rep r = {0};
    int rv = db_each(&n->db, REPORT_HOUSEHOLDS, DB_NO_ARGS, hh_row, &r, err);
    if (rv == 0) {
        r.by_id = hz_calloc(r.n_hh + 1, sizeof *r.by_id);
        if (r.by_id == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "report");
    }
    if (rv == 0) {
        for (size_t i = 0; i < r.n_hh; i++) {
            memcpy(r.by_id[i].id, r.hh[i].id, HZ_ROW_LEN);
            r.by_id[i].i = i;
        }
        if (r.n_hh > 0)
            qsort(r.by_id, r.n_hh, sizeof *r.by_id, cmp_hh_id);
        rv = db_each(&n->db, REPORT_PERSONS, DB_NO_ARGS, person_row, &r, err);
    }
    if (rv == 0)
        rv = db_each(&n->db, REPORT_FACILITIES, DB_NO_ARGS, fac_row, &r, err);
    if (rv == 0)
        rv = collect_villages(&r, err);
    if (rv == 0)
        count(&r);
    *rp = r;
    return rv;
}

static int disaster(hz_node *n, const struct hz_report_opts *o, json_t **out,
                    struct hz_err *err)
{
    struct rep r = {0};
    int rv = rep_load(n, &r, err);
    if (rv != 0) {
        rep_free(&r);
        return rv;
    }
    json_t *root = json_object();
    json_object_set_new(root, "report", json_string("disaster"));
    json_object_set_new(root, "kind", opt_text(o->kind));
    json_object_set_new(root, "date", opt_text(o->date));
    json_object_set_new(root, "area", opt_text(o->area));
    json_object_set_new(root, "made", json_integer(o->now));
    json_t *rows = json_array();
    for (size_t v = 0; v < r.n_villages; v++)
        json_array_append_new(rows, row_json(&r.rows[v], false));
    if (no_village_used(&r))
        json_array_append_new(rows, row_json(&r.rows[r.n_villages], false));
    json_array_append_new(rows, row_json(&r.rows[r.n_villages + 1], true));
    json_object_set_new(root, "rows", rows);
    json_t *fac = json_array();
    for (size_t i = 0; i < r.n_fac; i++) {
        const struct rfac *f = &r.fac[i];
        json_t *fo = json_object();
        json_object_set_new(fo, "village", opt_text(f->village));
        json_object_set_new(fo, "facility", opt_text(f->facility));
        json_object_set_new(fo, "house", opt_text(f->house));
        json_object_set_new(fo, "rooms", json_integer(f->rooms));
        json_object_set_new(fo, "crops_mu", json_real(f->crops));
        json_object_set_new(fo, "loss_yuan", json_integer(f->loss));
        json_object_set_new(fo, "time", json_integer(f->time));
        json_object_set_new(fo, "damage", render_hex(f->id, HZ_ROW_LEN));
        json_array_append_new(fac, fo);
    }
    json_object_set_new(root, "facilities", fac);
    if (o->explain && o->explain_fn != NULL) {
        struct explain_to to = {o->explain_fn, o->explain_data};
        rv = explain_lines(&r, explain_text, &to, err);
    } else if (o->explain) {
        json_t *ex = json_array();
        json_object_set_new(root, "explain", ex);
        rv = ex != NULL ? explain_lines(&r, explain_append, ex, err)
                        : hz_err_set(err, HZ_ENOMEM, "report");
    }
    rep_free(&r);
    if (rv != 0) {
        json_decref(root);
        return rv;
    }

    json_t *sub = json_array();
    rv = submitted_json(n, NULL, false, sub, err);
    json_t *prev = json_array_get(sub, 0);
    if (rv == 0 && prev != NULL) {
        json_t *one = json_array();
        uint8_t rid[HZ_ROW_LEN];
        hex_decode(json_string_value(json_object_get(prev, "report")), rid,
                   HZ_ROW_LEN);
        rv = submitted_json(n, rid, true, one, err);
        json_t *p = json_array_get(one, 0);
        if (rv == 0 && p != NULL) {
            json_object_set_new(p, "changes",
                                changes_of(rows, json_object_get(p, "rows")));
            json_object_del(p, "rows");
            json_object_set(root, "previous", p);
        }
        json_decref(one);
    }
    json_decref(sub);
    if (rv == 0 && json_object_get(root, "previous") == NULL)
        json_object_set_new(root, "previous", json_null());
    if (rv != 0) {
        json_decref(root);
        return rv;
    }
    *out = root;
    return 0;
}

static const char *const method_zh[] = {"现金", "转账/一卡通", "实物",
                                        "现金和实物"};

static json_t *yuan_text(json_int_t fen)
{
    char b[40];
    snprintf(b, sizeof b, "%lld.%02lld", (long long)(fen / 100),
             (long long)(fen % 100));
    return json_string(b);
}

static const char *family_zh(const char *t)
{
    static const char *const pairs[][2] = {{"general", "一般户"},
                                           {"subsistence", "低保户"},
                                           {"destitute", "特困供养户"},
                                           {"monitored", "防返贫监测户"},
                                           {"other", "其他"}};
    for (size_t i = 0; t != NULL && i < sizeof pairs / sizeof pairs[0]; i++)
        if (strcmp(t, pairs[i][0]) == 0)
            return pairs[i][1];
    return "";
}

/* A text field of the relief list: its text, or "" for none. */
static json_t *text_or_empty(json_t *v)
{
    return json_string(json_is_string(v) ? json_string_value(v) : "");
}

/* The relief list's rows, built one result row at a time. */
struct relief_acc {
    json_t *rows;
    json_int_t size, aided, cash, goods;
};

static int relief_row(void *data, json_t *x, struct hz_err *err)
{
    struct relief_acc *a = data;
#define G(k) json_object_get(x, k)
    json_int_t size = json_integer_value(G("persons"));
    if (size == 0)
        size = json_integer_value(G("members"));
    json_int_t aided =
        json_is_integer(G("aided")) ? json_integer_value(G("aided")) : size;
    json_int_t cash = json_integer_value(G("cash_fen"));
    json_int_t goods = json_integer_value(G("goods_fen"));
    char methods[128] = "";
    static const char *const mk[] = {"m_cash", "m_transfer", "m_in_kind",
                                     "m_mixed"};
    for (size_t k = 0; k < 4; k++)
        if (json_integer_value(G(mk[k])) != 0) {
            if (methods[0] != '\0')
                strcat(methods, "、");
            strcat(methods, method_zh[k]);
        }
    json_t *o = json_object();
    json_object_set(o, "household", G("household"));
    json_object_set(o, "village", G("village"));
    json_object_set_new(o, "D03001", text_or_empty(G("head_name")));
    json_object_set_new(o, "D03002", text_or_empty(G("head_id_number")));
    json_object_set_new(o, "D03003", text_or_empty(G("phone")));
    json_object_set_new(
        o, "D03004",
        json_string(family_zh(json_string_value(G("family_type")))));
    json_object_set_new(o, "D03005", json_integer(size));
    json_object_set_new(o, "D03006", text_or_empty(G("address")));
    json_object_set_new(o, "D03007", json_integer(aided));
    json_object_set_new(o, "D03008", yuan_text(cash));
    json_object_set_new(o, "D03009", yuan_text(goods));
    json_object_set_new(o, "D03010", json_string(methods));
    json_object_set_new(o, "cash_fen", json_integer(cash));
    json_object_set_new(o, "goods_fen", json_integer(goods));
    json_object_set(o, "payments", G("payments"));
#undef G
    if (o == NULL || json_array_append_new(a->rows, o) != 0)
        return hz_err_set(err, HZ_ENOMEM, "report");
    a->size += size;
    a->aided += aided;
    a->cash += cash;
    a->goods += goods;
    return 0;
}

static int relief(hz_node *n, json_t **out, struct hz_err *err)
{
    struct relief_acc a = {.rows = json_array()};
    int rv = a.rows != NULL ? db_each_json(&n->db, REPORT_RELIEF, DB_NO_ARGS,
                                           relief_row, &a, err)
                            : hz_err_set(err, HZ_ENOMEM, "report");
    if (rv != 0) {
        json_decref(a.rows);
        return rv;
    }
    json_t *rows = a.rows;
    json_int_t t_size = a.size, t_aided = a.aided, t_cash = a.cash,
               t_goods = a.goods;
    json_t *root = json_object();
    json_object_set_new(root, "report", json_string("relief"));
    json_object_set_new(root, "rows", rows);
    json_t *total = json_object();
    json_object_set_new(total, "households",
                        json_integer((json_int_t)json_array_size(rows)));
    json_object_set_new(total, "D03005", json_integer(t_size));
    json_object_set_new(total, "D03007", json_integer(t_aided));
    json_object_set_new(total, "D03008", yuan_text(t_cash));
    json_object_set_new(total, "D03009", yuan_text(t_goods));
    json_object_set_new(total, "cash_fen", json_integer(t_cash));
    json_object_set_new(total, "goods_fen", json_integer(t_goods));
    json_object_set_new(root, "total", total);
    *out = root;
    return 0;
}

/* ---- HXL: population figures per village and per site
 * (proto/reports.md, "HXL") */

struct hxl_col {
    const char *heading, *tag;
};

static const struct hxl_col hxl_village[] = {
    {"村/社区", "#adm4+name"},
    {"户数", "#population+hh"},
    {"人数", "#population+ind"},
    {"女", "#population+f+ind"},
    {"男", "#population+m+ind"},
    {"儿童(0-17岁)", "#population+children+ind"},
    {"成年(18-59岁)", "#population+adults+ind"},
    {"老人(60岁及以上)", "#population+elderly+ind"},
    {"受灾户数", "#affected+hh"},
    {"受灾人口", "#affected+ind"},
    {"受灾女", "#affected+f+ind"},
    {"受灾男", "#affected+m+ind"},
    {"因灾死亡", "#affected+killed+ind"},
    {"因灾失踪", "#affected+missing+ind"},
    {"紧急转移安置", "#affected+displaced+ind"},
    {"需紧急生活救助", "#inneed+ind"},
    {"已落实户数", "#reached+hh"},
    {"已落实人数", "#reached+ind"},
};
#define HXL_V (sizeof hxl_village / sizeof hxl_village[0])

static const struct hxl_col hxl_site[] = {
    {"安置点", "#loc+name"},
    {"编号", "#loc+code"},
    {"类型", "#loc+type"},
    {"容量(人)", "#capacity+ind"},
    {"在住人数", "#population+ind"},
    {"女", "#population+f+ind"},
    {"男", "#population+m+ind"},
    {"儿童(0-17岁)", "#population+children+ind"},
    {"成年(18-59岁)", "#population+adults+ind"},
    {"老人(60岁及以上)", "#population+elderly+ind"},
};
#define HXL_S (sizeof hxl_site / sizeof hxl_site[0])

/* The age group of a person born in @born, in @year: 5 children, 6
 * adults, 7 elderly (the columns above), or -1 when unknown. */
static int age_col(int64_t born, int64_t year)
{
    if (born <= 0 || born > year)
        return -1;
    int64_t age = year - born;
    return age < 18 ? 5 : age < 60 ? 6 : 7;
}

static json_t *hxl_columns(const struct hxl_col *c, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "heading",
                                           c[i].heading, "tag", c[i].tag));
    return a;
}

/* The persons (records, in scope) not accounted for, and the households
 * (records) not accounted for, each a sorted array of ids, from the one
 * query (DECISIONS 39). */
static int unaccounted_ids(hz_node *n, json_t **persons, json_t **households,
                           struct hz_err *err)
{
    json_t *u = NULL, *v = NULL;
    int rv = store_view_json(n, "unaccounted", NULL, &u, err);
    if (rv == 0)
        rv = store_view_json(n, "unaccounted_households", NULL, &v, err);
    *persons = json_object();
    *households = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(rv == 0 ? json_object_get(u, "rows") : NULL, i, r)
    {
        const char *p = json_string_value(json_object_get(r, "person"));
        if (p != NULL)
            json_object_set_new(*persons, p, json_true());
    }
    json_array_foreach(rv == 0 ? v : NULL, i, r)
    {
        if (json_is_string(json_object_get(r, "reason")))
            json_object_set_new(
                *households, json_string_value(json_object_get(r, "household")),
                json_true());
    }
    json_decref(u);
    json_decref(v);
    return rv;
}

static int hxl_villages(hz_node *n, struct rep *r, int64_t year, json_t *rows,
                        struct hz_err *err)
{
    json_t *up = NULL, *uh = NULL;
    int rv = unaccounted_ids(n, &up, &uh, err);
    size_t nv = r->n_villages + 1;
    int64_t(*c)[HXL_V] = calloc(nv, sizeof *c);
    if (rv == 0 && c == NULL)
        rv = hz_err_set(err, HZ_ENOMEM, "report");
    for (size_t i = 0; rv == 0 && i < r->n_hh; i++) {
        const struct rhh *h = &r->hh[i];
        char hex[2 * HZ_ROW_LEN + 1];
        hex_encode(h->id, HZ_ROW_LEN, hex);
        c[h->vi][1]++;
        c[h->vi][8] += h->affected;
        c[h->vi][16] += json_object_get(uh, hex) == NULL;
    }
    for (size_t i = 0; rv == 0 && i < r->n_p; i++) {
        const struct rperson *p = &r->p[i];
        int64_t *v = c[p->vi];
        char hex[2 * HZ_ROW_LEN + 1];
        hex_encode(p->id, HZ_ROW_LEN, hex);
        v[2]++;
        if (p->sex != 0)
            v[p->sex == 1 ? 3 : 4]++;
        int a = age_col(p->born, year);
        if (a >= 0)
            v[a]++;
        if (p->affected) {
            v[9]++;
            if (p->sex != 0)
                v[p->sex == 1 ? 10 : 11]++;
        }
        v[12] += p->dead;
        v[13] += p->missing;
        v[14] += p->place != P_NONE;
        v[15] += p->needs_aid;
        v[17] += json_object_get(up, hex) == NULL;
    }
    /* Villages known only from a facility have no population: left out. */
    for (size_t vi = 0; rv == 0 && vi < nv; vi++) {
        if (c[vi][1] == 0 && c[vi][2] == 0)
            continue;
        json_t *row = json_array();
        json_array_append_new(
            row, json_string(vi < r->n_villages ? r->villages[vi] : ""));
        for (size_t k = 1; k < HXL_V; k++)
            json_array_append_new(row, json_integer(c[vi][k]));
        json_array_append_new(rows, row);
    }
    free(c);
    json_decref(up);
    json_decref(uh);
    return rv;
}

/* Persons at each live site (an open check-in, through duplicates), each
 * once per site, with what the site columns need. */
#define HXL_SITES                                                              \
    OPEN_STAYS_MERGED                                                          \
    ", here AS (SELECT DISTINCT site, who FROM open) "                         \
    "SELECT s.id, s.name, s.kind, s.capacity, p.sex, p.birth_year,"            \
    " p.id IS NOT NULL FROM e_sites s LEFT JOIN here ON here.site = s.id"      \
    " LEFT JOIN e_persons p ON p.id = here.who WHERE s.deleted = 0"            \
    " ORDER BY s.name, s.id"

struct hxl_sites {
    json_t *rows, *cur;
    uint8_t last[HZ_ROW_LEN];
    int64_t year;
};

static void hxl_add(json_t *row, size_t col)
{
    json_t *v = json_array_get(row, col);
    json_integer_set(v, json_integer_value(v) + 1);
}

static int hxl_site_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    (void)err;
    struct hxl_sites *h = data;
    uint8_t id[HZ_ROW_LEN];
    col_id(st, 0, id);
    if (h->cur == NULL || memcmp(id, h->last, HZ_ROW_LEN) != 0) {
        memcpy(h->last, id, HZ_ROW_LEN);
        const unsigned char *name = sqlite3_column_text(st, 1);
        const unsigned char *kind = sqlite3_column_text(st, 2);
        h->cur = json_array();
        json_array_append_new(h->cur,
                              json_string(name ? (const char *)name : ""));
        json_array_append_new(h->cur, render_hex(id, HZ_ROW_LEN));
        json_array_append_new(h->cur,
                              json_string(kind ? (const char *)kind : ""));
        json_array_append_new(h->cur,
                              sqlite3_column_type(st, 3) == SQLITE_NULL
                                  ? json_null()
                                  : json_integer(sqlite3_column_int64(st, 3)));
        for (size_t k = 4; k < HXL_S; k++)
            json_array_append_new(h->cur, json_integer(0));
        json_array_append_new(h->rows, h->cur);
    }
    if (sqlite3_column_int(st, 6) == 0)
        return 0; /* nobody there */
    hxl_add(h->cur, 4);
    if (col_is(st, 4, "female"))
        hxl_add(h->cur, 5);
    else if (col_is(st, 4, "male"))
        hxl_add(h->cur, 6);
    int a = age_col(sqlite3_column_int64(st, 5), h->year);
    if (a >= 0)
        hxl_add(h->cur, (size_t)a + 2);
    return 0;
}

/* The year of Unix seconds @t, local time. */
static int64_t year_of(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    return localtime_r(&tt, &tm) != NULL ? (int64_t)tm.tm_year + 1900 : 1970;
}

static int hxl(hz_node *n, const struct hz_report_opts *o, json_t **out,
               struct hz_err *err)
{
    bool sites = o->by != NULL && strcmp(o->by, "site") == 0;
    if (o->by != NULL && !sites && strcmp(o->by, "village") != 0)
        return hz_err_set(err, HZ_EINVAL, "HXL is by village or by site");
    int64_t year = year_of(o->now);
    json_t *rows = json_array();
    int rv = 0;
    if (sites) {
        struct hxl_sites h = {.rows = rows, .year = year};
        rv = db_each(&n->db, HXL_SITES, DB_NO_ARGS, hxl_site_row, &h, err);
    } else {
        struct rep r = {0};
        rv = rep_load(n, &r, err);
        if (rv == 0)
            rv = hxl_villages(n, &r, year, rows, err);
        rep_free(&r);
    }
    if (rv != 0) {
        json_decref(rows);
        return rv;
    }
    *out = json_pack(
        "{s:s, s:s, s:I, s:o, s:o}", "report", "hxl", "by",
        sites ? "site" : "village", "year", (json_int_t)year, "columns",
        sites ? hxl_columns(hxl_site, HXL_S) : hxl_columns(hxl_village, HXL_V),
        "rows", rows);
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "report");
}

/* ---- PFIF 1.4: person records with their status (proto/reports.md,
 * "PFIF"). Names, sex, birth year and village only: never an ID number,
 * a phone, an address or a health flag. */

/* Each open check-in's person (the record it stands for) and site name,
 * oldest first. */
#define PFIF_SITES                                                             \
    OPEN_STAYS_MERGED                                                          \
    "SELECT o.who AS person, s.name AS site_name FROM open o"                  \
    " LEFT JOIN e_sites s ON s.id = o.site ORDER BY o.time, o.id"

static int pfif(hz_node *n, json_t **out, struct hz_err *err)
{
    struct rep r = {0};
    json_t *up = NULL, *uh = NULL, *presence = NULL;
    int rv = rep_load(n, &r, err);
    if (rv == 0)
        rv = unaccounted_ids(n, &up, &uh, err);
    if (rv == 0)
        rv = db_rows_json(&n->db, PFIF_SITES, DB_NO_ARGS,
                          presence = json_array(), err);
    /* The site of each person's latest open check-in (rows come oldest
     * first, so the last one stays). */
    json_t *site_of = json_object();
    size_t i;
    json_t *x;
    json_array_foreach(rv == 0 ? presence : NULL, i, x)
    {
        json_object_set(site_of,
                        json_string_value(json_object_get(x, "person")), x);
    }
    json_t *persons = json_array();
    for (i = 0; rv == 0 && i < r.n_p; i++) {
        const struct rperson *p = &r.p[i];
        char hex[2 * HZ_ROW_LEN + 1];
        hex_encode(p->id, HZ_ROW_LEN, hex);
        const char *status = p->dead      ? "believed_dead"
                             : p->missing ? "believed_missing"
                             : json_object_get(up, hex) != NULL
                                 ? "information_sought"
                                 : "believed_alive";
        json_t *at = json_object_get(site_of, hex);
        const struct rhh *h = p->hh >= 0 ? &r.hh[p->hh] : NULL;
        json_array_append_new(
            persons,
            json_pack(
                "{s:s, s:s?, s:s?, s:o, s:s?, s:s, s:O}", "person", hex, "name",
                p->name, "sex",
                p->sex == 1   ? "female"
                : p->sex == 2 ? "male"
                              : NULL,
                "birth_year", p->born > 0 ? json_integer(p->born) : json_null(),
                "village", h != NULL ? h->village : NULL, "status", status,
                "site",
                at != NULL ? json_object_get(at, "site_name") : json_null()));
    }
    json_decref(site_of);
    json_decref(presence);
    json_decref(up);
    json_decref(uh);
    rep_free(&r);
    if (rv != 0) {
        json_decref(persons);
        return rv;
    }
    *out = json_pack("{s:s, s:o}", "report", "pfif", "persons", persons);
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "report");
}

/* ---- completeness (不遗漏一户一人): the households and persons not
 * accounted for, from the one query of DECISIONS 39 (the "village" and
 * "unaccounted" views), per village, with the cadre and a phone. */

static const char *const line_kinds[] = {"missing", "whereabouts",
                                         "unreachable", "not_contacted"};

static int line_rank(json_t *l)
{
    const char *k = json_string_value(json_object_get(l, "kind"));
    for (int i = 0; i < 4; i++)
        if (k != NULL && strcmp(k, line_kinds[i]) == 0)
            return i;
    return 4;
}

static int cmp_json_text(json_t *a, json_t *b)
{
    return cmp_opt(json_string_value(a), json_string_value(b));
}

/* Village (none last), vulnerable first, kind, head of household, name,
 * household, person. */
static int cmp_line(const void *pa, const void *pb)
{
    json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    json_t *va = json_object_get(a, "village"),
           *vb = json_object_get(b, "village");
    int c = json_is_null(va) - json_is_null(vb);
    if (c == 0)
        c = cmp_json_text(va, vb);
    if (c == 0)
        c = (int)json_integer_value(json_object_get(b, "vulnerable")) -
            (int)json_integer_value(json_object_get(a, "vulnerable"));
    if (c == 0)
        c = line_rank(a) - line_rank(b);
    static const char *const keys[] = {"head_name", "name", "household",
                                       "person"};
    for (size_t k = 0; c == 0 && k < 4; k++)
        c = cmp_json_text(json_object_get(a, keys[k]),
                          json_object_get(b, keys[k]));
    return c;
}

/* The rows of @sql (its first column "id") as {id: row}. */
static int rows_by_id(hz_node *n, const char *sql, json_t **out,
                      struct hz_err *err)
{
    json_t *rows = json_array();
    int rv = db_rows_json(&n->db, sql, DB_NO_ARGS, rows, err);
    *out = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_object_set(*out, json_string_value(json_object_get(r, "id")), r);
    }
    json_decref(rows);
    return rv;
}

static void count_add(json_t *counts, const char *key)
{
    json_object_set_new(
        counts, key,
        json_integer(json_integer_value(json_object_get(counts, key)) + 1));
}

static json_t *zero_counts(void)
{
    return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "not_contacted", 0,
                     "unreachable", 0, "unreachable_warned", 0,
                     "whereabouts_unknown", 0, "vulnerable_not_safe", 0,
                     "missing", 0);
}

static void count_line(json_t *counts, json_t *l)
{
    const char *k = json_string_value(json_object_get(l, "kind"));
    if (strcmp(k, "whereabouts") == 0) {
        count_add(counts, "whereabouts_unknown");
        if (json_integer_value(json_object_get(l, "vulnerable")) != 0)
            count_add(counts, "vulnerable_not_safe");
    } else {
        count_add(counts, k);
        if (strcmp(k, "unreachable") == 0 &&
            json_integer_value(json_object_get(l, "warned")) != 0)
            count_add(counts, "unreachable_warned");
    }
}

static int completeness(hz_node *n, const char *only, json_t **out,
                        struct hz_err *err)
{
    json_t *village = NULL, *unacc = NULL, *by_hh = NULL, *pph = NULL;
    int rv = store_view_json(n, "unaccounted_households", NULL, &village, err);
    if (rv == 0)
        rv = store_view_json(n, "unaccounted", NULL, &unacc, err);
    if (rv == 0)
        rv = rows_by_id(n,
                        "SELECT id, cadre, phone FROM e_households"
                        " WHERE deleted = 0",
                        &by_hh, err);
    if (rv == 0)
        rv = rows_by_id(n,
                        "SELECT id, phone FROM e_persons WHERE deleted = 0"
                        " AND phone IS NOT NULL",
                        &pph, err);
    json_t *lines = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rv == 0 ? village : NULL, i, r)
    {
        const char *reason = json_string_value(json_object_get(r, "reason"));
        json_t *l = json_object();
        json_object_set_new(l, "kind", json_string(reason));
        json_object_set(l, "village", json_object_get(r, "village"));
        json_object_set_new(l, "vulnerable", json_integer(0));
        json_object_set(l, "household", json_object_get(r, "household"));
        json_object_set(l, "head_name", json_object_get(r, "head_name"));
        json_object_set_new(l, "person", json_null());
        json_object_set_new(l, "name", json_null());
        json_object_set(l, "cadre", json_object_get(r, "cadre"));
        json_object_set(l, "phone", json_object_get(r, "phone"));
        json_object_set(l, "warned", json_object_get(r, "warned"));
        json_object_set_new(l, "reason", json_string(reason));
        json_array_append_new(lines, l);
    }
    json_array_foreach(rv == 0 ? json_object_get(unacc, "rows") : NULL, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "kind")), "person") !=
            0)
            continue;
        const char *reason = json_string_value(json_object_get(r, "reason"));
        const char *hid = json_string_value(json_object_get(r, "household"));
        json_t *h = hid != NULL ? json_object_get(by_hh, hid) : NULL;
        json_t *l = json_object();
        json_object_set_new(l, "kind",
                            json_string(strcmp(reason, "missing") == 0
                                            ? "missing"
                                            : "whereabouts"));
        json_object_set(l, "village", json_object_get(r, "village"));
        json_object_set(l, "vulnerable", json_object_get(r, "vulnerable"));
        json_object_set(l, "household", json_object_get(r, "household"));
        json_object_set(l, "head_name", json_object_get(r, "head_name"));
        json_object_set(l, "person", json_object_get(r, "person"));
        json_object_set(l, "name", json_object_get(r, "name"));
        json_t *cadre = h != NULL ? json_object_get(h, "cadre") : NULL;
        json_object_set(l, "cadre", cadre != NULL ? cadre : json_null());
        json_t *ph = json_object_get(
            json_object_get(pph,
                            json_string_value(json_object_get(r, "person"))),
            "phone");
        if (ph == NULL && h != NULL)
            ph = json_object_get(h, "phone");
        json_object_set(l, "phone", ph != NULL ? ph : json_null());
        json_object_set(l, "warned", json_object_get(r, "warned"));
        json_object_set(l, "reason", json_object_get(r, "reason"));
        json_array_append_new(lines, l);
    }
    json_decref(village);
    json_decref(unacc);
    json_decref(pph);
    json_decref(by_hh);
    if (rv != 0) {
        json_decref(lines);
        return rv;
    }
    /* Sorted, grouped by village, filtered by @only. */
    size_t nl = json_array_size(lines);
    json_t **sorted = calloc(nl + 1, sizeof *sorted);
    if (sorted == NULL) {
        json_decref(lines);
        return hz_err_set(err, HZ_ENOMEM, "report");
    }
    for (i = 0; i < nl; i++)
        sorted[i] = json_array_get(lines, i);
    if (nl > 0)
        qsort(sorted, nl, sizeof *sorted, cmp_line);
    json_t *villages = json_array(), *totals = zero_counts(), *cur = NULL;
    for (i = 0; i < nl; i++) {
        json_t *l = sorted[i], *v = json_object_get(l, "village");
        if (only != NULL &&
            (!json_is_string(v) || strcmp(json_string_value(v), only) != 0))
            continue;
        if (cur == NULL || !json_equal(json_object_get(cur, "village"), v)) {
            cur = json_pack("{s:O, s:o, s:[]}", "village", v, "counts",
                            zero_counts(), "lines");
            json_array_append_new(villages, cur);
        }
        count_line(json_object_get(cur, "counts"), l);
        count_line(totals, l);
        json_array_append(json_object_get(cur, "lines"), l);
    }
    free(sorted);
    json_decref(lines);
    *out = json_pack("{s:s, s:s?, s:o, s:o}", "report", "completeness",
                     "village", only, "villages", villages, "totals", totals);
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "report");
}

int store_village_known(hz_node *n, const char *village, struct hz_err *err)
{
    if (village == NULL)
        return 0;
    int64_t any = 0;
    int rv = db_int(&n->db,
                    "SELECT EXISTS(SELECT 1 FROM e_households"
                    " WHERE village = ?1 AND deleted = 0)",
                    DB_ARGS(DB_TEXT(village)), &any, NULL, err);
    if (rv != 0 || any)
        return rv;
    return hz_err_zh(
        err,
        hz_err_set(err, HZ_ENOTFOUND, "no household in village %s", village),
        "没有哪户的村/社区是「%s」", village);
}

int hz_node_report(hz_node *n, const char *report,
                   const struct hz_report_opts *o, char **json,
                   struct hz_err *err)
{
    *json = NULL;
    json_t *root = NULL;
    int rv;
    if (strcmp(report, "disaster") == 0) {
        rv = disaster(n, o, &root, err);
    } else if (strcmp(report, "relief") == 0) {
        rv = relief(n, &root, err);
    } else if (strcmp(report, "pfif") == 0) {
        rv = pfif(n, &root, err);
    } else if (strcmp(report, "hxl") == 0) {
        rv = hxl(n, o, &root, err);
    } else if (strcmp(report, "completeness") == 0) {
        rv = store_village_known(n, o->village, err);
        if (rv == 0)
            rv = completeness(n, o->village, &root, err);
    } else if (strcmp(report, "organisations") == 0) {
        rv = social_organisations(n, o, &root, err);
    } else if (strcmp(report, "disclosure") == 0) {
        rv = donations_disclosure(n, o, &root, err);
    } else if (strcmp(report, "match_suggestions") == 0) {
        rv = needs_suggest(n, o, &root, err);
    } else if (strcmp(report, "volunteer") == 0) {
        rv = social_volunteer(n, o, &root, err);
    } else if (strcmp(report, "campaigns") == 0) {
        rv = warn_campaigns(n, o, &root, err);
    } else if (strcmp(report, "campaign") == 0) {
        rv = warn_campaign(n, o, &root, err);
    } else if (strcmp(report, "patrol_points") == 0) {
        rv = patrol_points(n, o, &root, err);
    } else if (strcmp(report, "patrol_rounds") == 0) {
        rv = patrol_rounds(n, o, &root, err);
    } else if (strcmp(report, "hazards") == 0) {
        rv = patrol_hazards(n, o, &root, err);
    } else if (strcmp(report, "duty") == 0) {
        rv = patrol_duty(n, o, &root, err);
    } else if (strcmp(report, "recovery_open") == 0) {
        rv = recovery_open(n, o, &root, err);
    } else if (strcmp(report, "recovery_plan") == 0) {
        rv = recovery_plan(n, o, &root, err);
    } else if (strcmp(report, "recovery") == 0) {
        rv = recovery_report(n, o, &root, err);
    } else if (strcmp(report, "care_due") == 0) {
        rv = care_due(n, o, &root, err);
    } else if (strcmp(report, "care_visits") == 0) {
        rv = care_visit_list(n, o, &root, err);
    } else if (strcmp(report, "health_checks") == 0) {
        rv = care_health_checks(n, o, &root, err);
    } else if (strcmp(report, "outbreaks") == 0) {
        rv = care_outbreaks(n, o, &root, err);
    } else if (strcmp(report, "disinfections") == 0) {
        rv = care_disinfections(n, o, &root, err);
    } else if (strcmp(report, "submitted") == 0) {
        uint8_t id[HZ_ROW_LEN];
        if (o->id != NULL && (strlen(o->id) != 2 * HZ_ROW_LEN ||
                              hex_decode(o->id, id, HZ_ROW_LEN) != 0))
            return hz_err_set(err, HZ_EINVAL, "a report id is 32 hex digits");
        root = json_array();
        rv = submitted_json(n, o->id != NULL ? id : NULL, o->id != NULL, root,
                            err);
        if (rv == 0 && o->id != NULL && json_array_size(root) == 0)
            rv = hz_err_set(err, HZ_ENOTFOUND, "no submitted report %s", o->id);
    } else {
        return hz_err_set(err, HZ_EINVAL, "no report %s", report);
    }
    return rv != 0 ? (json_decref(root), rv) : render_dump(root, json, err);
}
