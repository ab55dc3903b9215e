/* dups.c - the persons and households a new household (with its
 * members) may repeat, found through the search index: the same ID
 * number; the same name, birth year and village; the same phone
 * (hz_node_duplicates; the web's forms, huzhu import roster). */
#include "state.h"

#include "../../core/roster.h"
#include "../../dl/dl.h"
#include "render.h"

#include <jansson.h>
#include <opencc.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Append to @matches each row of @rows (search results) for which @same
 * holds, once per id, with why it matched. */
static void add_matches(json_t *matches, json_t *rows, const char *kind,
                        const char *why,
                        bool (*same)(json_t *row, const void *arg),
                        const void *arg)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (!same(row, arg))
            continue;
        const char *id = json_string_value(json_object_get(row, "id"));
        bool seen = false;
        size_t k;
        json_t *m;
        json_array_foreach(matches, k, m)
        {
            seen = seen ||
                   strcmp(json_string_value(json_object_get(m, "id")), id) == 0;
        }
        if (seen)
            continue;
        json_t *copy =
            json_pack("{s:s, s:s, s:s}", "kind", kind, "id", id, "why", why);
        static const char *const keep[] = {"name", "head_name", "household",
                                           "birth_year", "village"};
        for (size_t c = 0; c < sizeof keep / sizeof keep[0]; c++) {
            json_t *v = json_object_get(row, keep[c]);
            if (v != NULL)
                json_object_set(copy, keep[c], v);
        }
        json_array_append_new(matches, copy);
    }
}

static bool same_text(json_t *row, const char *col, const char *want)
{
    const char *v = json_string_value(json_object_get(row, col));
    return v != NULL && want != NULL && strcasecmp(v, want) == 0;
}

static bool same_idn(json_t *row, const void *arg)
{
    return same_text(row, "id_number", arg);
}

static bool same_phone(json_t *row, const void *arg)
{
    return same_text(row, "phone", arg);
}

struct name_year {
    hz_node *n;
    const char *name, *village;
    json_int_t year;
};

/* Same name and birth year, and (when both are known) the same village:
 * the person's household's. */
static bool same_name_year(json_t *row, const void *arg)
{
    const struct name_year *ny = arg;
    if (!same_text(row, "name", ny->name) ||
        json_integer_value(json_object_get(row, "birth_year")) != ny->year)
        return false;
    const char *hh = json_string_value(json_object_get(row, "household"));
    if (ny->village == NULL || hh == NULL)
        return true;
    char *json = NULL;
    struct hz_err err = {0};
    bool same = true;
    if (hz_node_get(ny->n, "households", hh, &json, &err) == 0) {
        json_t *h = json_loads(json, 0, NULL);
        const char *v = json_string_value(json_object_get(h, "village"));
        same = v == NULL || strcmp(v, ny->village) == 0;
        json_decref(h);
    }
    hz_free_string(json);
    return same;
}

/* Search @q and keep in @matches the rows @same picks from persons (and
 * households when @households). */
static void find_dups(hz_node *n, const char *q, json_t *matches,
                      const char *why, bool households,
                      bool (*same)(json_t *row, const void *arg),
                      const void *arg)
{
    if (q == NULL || q[0] == '\0')
        return;
    char *json = NULL;
    struct hz_err err = {0};
    if (hz_node_search(n, q, 100, &json, &err) != 0) {
        hz_free_string(json);
        return;
    }
    json_t *found = json_loads(json, 0, NULL);
    hz_free_string(json);
    add_matches(matches, json_object_get(found, "persons"), "person", why, same,
                arg);
    if (households)
        add_matches(matches, json_object_get(found, "households"), "household",
                    why, same, arg);
    json_decref(found);
}

/* The persons and households a new household @o (with its members) may
 * repeat: the same ID number; the same name, birth year and village; the
 * same phone. */
static json_t *duplicates_of(hz_node *n, json_t *o)
{
    json_t *matches = json_array();
    const char *village = json_string_value(json_object_get(o, "village"));
    find_dups(n, json_string_value(json_object_get(o, "phone")), matches,
              "phone", true, same_phone,
              json_string_value(json_object_get(o, "phone")));
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(o, "members"), i, m)
    {
        const char *idn = json_string_value(json_object_get(m, "id_number"));
        const char *phone = json_string_value(json_object_get(m, "phone"));
        find_dups(n, idn, matches, "id_number", false, same_idn, idn);
        find_dups(n, phone, matches, "phone", true, same_phone, phone);
        struct name_year ny = {
            n, json_string_value(json_object_get(m, "name")), village,
            json_integer_value(json_object_get(m, "birth_year"))};
        if (ny.name != NULL && ny.year != 0)
            find_dups(n, ny.name, matches, "name_birth_village", false,
                      same_name_year, &ny);
    }
    return matches;
}

int hz_node_duplicates(hz_node *n, const char *household, char **json,
                       struct hz_err *err)
{
    *json = NULL;
    json_error_t je;
    json_t *o = json_loads(household, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(o)) {
        json_decref(o);
        return hz_err_set(err, HZ_EINVAL, "a household as a JSON object");
    }
    json_t *m = duplicates_of(n, o);
    json_decref(o);
    *json = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    return *json != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "duplicates");
}

/* ---- the whole replica: hz_node_dups (huzhu dups)
 *
 * Every live person standing for itself (merged_into empty) gets keys:
 * its ID number; its name, birth year and village; its name as compared
 * (traditional characters made simplified by OpenCC, then
 * roster_name_key: width, case, spaces, dots), birth year and village;
 * its phone's digits (seven or more). Persons sharing a key are a group,
 * listed with why and a score (proto/roster.md, "Likely duplicates"):
 * the same ID number 100, the same name, birth year and village 80, a
 * name that differs only in form 70, the same phone in different
 * households 40 (a phone that five or more persons share is an office's,
 * and no sign). Households sharing a 户号 in one village: 90. The keys
 * are sorted, so the cost is N log N in the persons. */

enum dup_why { DUP_ID, DUP_NAME, DUP_VARIANT, DUP_PHONE, DUP_NUMBER };
static const struct {
    const char *why;
    int score;
} dup_kinds[] = {{"id_number", 100},
                 {"name_birth_village", 80},
                 {"name_variant", 70},
                 {"phone", 40},
                 {"household_number", 90}};

#define DUP_PHONE_SHARED 5

struct dup_row {
    char *id, *name, *village, *household;
    json_int_t birth;
};

struct dup_key {
    char *k;
    size_t row;
    enum dup_why why;
};

struct dup_scan {
    hz_node *n;
    opencc_t cc; /* (opencc_t)-1 without OpenCC's data */
    struct dup_row *rows;
    size_t n_rows, cap_rows;
    struct dup_key *keys;
    size_t n_keys, cap_keys;
    bool households; /* scanning households */
};

static int dup_key_add(struct dup_scan *s, enum dup_why why, const char *a,
                       const char *b, const char *c, struct hz_err *err)
{
    if (s->n_keys == s->cap_keys) {
        size_t cap = s->cap_keys ? 2 * s->cap_keys : 1024;
        struct dup_key *v = realloc(s->keys, cap * sizeof *v);
        if (v == NULL)
            return hz_err_set(err, HZ_ENOMEM, "dups");
        s->keys = v;
        s->cap_keys = cap;
    }
    size_t len = strlen(a) + strlen(b) + strlen(c) + 8;
    char *k = malloc(len);
    if (k == NULL)
        return hz_err_set(err, HZ_ENOMEM, "dups");
    snprintf(k, len, "%d\x1f%s\x1f%s\x1f%s", (int)why, a, b, c);
    s->keys[s->n_keys++] = (struct dup_key){k, s->n_rows - 1, why};
    return 0;
}

static char *col_dup(sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    return t != NULL ? strdup(t) : NULL;
}

static int dup_row_of(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct dup_scan *s = data;
    if (s->n_rows == s->cap_rows) {
        size_t cap = s->cap_rows ? 2 * s->cap_rows : 1024;
        struct dup_row *v = realloc(s->rows, cap * sizeof *v);
        if (v == NULL)
            return hz_err_set(err, HZ_ENOMEM, "dups");
        s->rows = v;
        s->cap_rows = cap;
    }
    struct dup_row *r = &s->rows[s->n_rows++];
    memset(r, 0, sizeof *r);
    r->id = render_hex_string(sqlite3_column_blob(st, 0), HZ_ROW_LEN);
    r->name = col_dup(st, 1);
    r->birth = sqlite3_column_int64(st, 2);
    r->village = col_dup(st, 5);
    if (sqlite3_column_type(st, 6) == SQLITE_BLOB &&
        sqlite3_column_bytes(st, 6) == (int)HZ_ROW_LEN)
        r->household =
            render_hex_string(sqlite3_column_blob(st, 6), HZ_ROW_LEN);
    if (r->id == NULL)
        return hz_err_set(err, HZ_ENOMEM, "dups");
    const char *village = r->village != NULL ? r->village : "";
    if (s->households) {
        const char *number = (const char *)sqlite3_column_text(st, 3);
        return number != NULL && number[0] != '\0'
                   ? dup_key_add(s, DUP_NUMBER, number, village, "", err)
                   : 0;
    }
    int rv = 0;
    const char *idn = (const char *)sqlite3_column_text(st, 3);
    if (idn != NULL && idn[0] != '\0')
        rv = dup_key_add(s, DUP_ID, idn, "", "", err);
    char year[24];
    snprintf(year, sizeof year, "%lld", (long long)r->birth);
    if (rv == 0 && r->name != NULL && r->birth > 0) {
        rv = dup_key_add(s, DUP_NAME, r->name, year, village, err);
        /* The name as compared: simplified, then folded. */
        char *simple =
            s->cc != (opencc_t)-1
                ? opencc_convert_utf8(s->cc, r->name, strlen(r->name))
                : NULL;
        char key[512];
        roster_name_key(simple != NULL ? simple : r->name, key, sizeof key);
        if (simple != NULL)
            opencc_convert_utf8_free(simple);
        if (rv == 0)
            rv = dup_key_add(s, DUP_VARIANT, key, year, village, err);
    }
    const char *phone = (const char *)sqlite3_column_text(st, 4);
    if (rv == 0 && phone != NULL) {
        char digits[64];
        size_t d = 0;
        for (const char *p = phone; *p != '\0' && d + 1 < sizeof digits; p++)
            if (*p >= '0' && *p <= '9')
                digits[d++] = *p;
        digits[d] = '\0';
        if (d >= 7)
            rv = dup_key_add(s, DUP_PHONE, digits, "", "", err);
    }
    return rv;
}

static int cmp_dup_key(const void *a, const void *b)
{
    const struct dup_key *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c != 0 ? c : (x->row > y->row) - (x->row < y->row);
}

static bool same_str(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Is the group keys[from .. to) worth listing? */
static bool dup_group_counts(const struct dup_scan *s, size_t from, size_t to)
{
    enum dup_why why = s->keys[from].why;
    if (why == DUP_VARIANT) {
        /* Only when the names differ: the same name is DUP_NAME's. */
        for (size_t i = from + 1; i < to; i++)
            if (!same_str(s->rows[s->keys[i].row].name,
                          s->rows[s->keys[from].row].name))
                return true;
        return false;
    }
    if (why == DUP_PHONE) {
        if (to - from >= DUP_PHONE_SHARED)
            return false;
        /* A family shares its phone: only across households. */
        for (size_t i = from + 1; i < to; i++) {
            const char *a = s->rows[s->keys[from].row].household;
            const char *b = s->rows[s->keys[i].row].household;
            if (a == NULL || b == NULL || strcmp(a, b) != 0)
                return true;
        }
        return false;
    }
    return true;
}

static json_t *dup_group_json(const struct dup_scan *s, size_t from, size_t to)
{
    enum dup_why why = s->keys[from].why;
    json_t *rows = json_array();
    for (size_t i = from; i < to; i++) {
        const struct dup_row *r = &s->rows[s->keys[i].row];
        json_t *o = json_pack("{s:s}", "id", r->id);
        json_object_set_new(o, s->households ? "head_name" : "name",
                            r->name ? json_string(r->name) : json_null());
        if (!s->households)
            json_object_set_new(o, "birth_year",
                                r->birth > 0 ? json_integer(r->birth)
                                             : json_null());
        json_object_set_new(o, "village",
                            r->village ? json_string(r->village) : json_null());
        if (!s->households)
            json_object_set_new(o, "household",
                                r->household ? json_string(r->household)
                                             : json_null());
        json_array_append_new(rows, o);
    }
    return json_pack("{s:s, s:s, s:i, s:o}", "kind",
                     s->households ? "households" : "persons", "why",
                     dup_kinds[why].why, "score", dup_kinds[why].score,
                     s->households ? "households" : "persons", rows);
}

static void dup_scan_reset(struct dup_scan *s)
{
    for (size_t i = 0; i < s->n_rows; i++) {
        free(s->rows[i].id);
        free(s->rows[i].name);
        free(s->rows[i].village);
        free(s->rows[i].household);
    }
    for (size_t i = 0; i < s->n_keys; i++)
        free(s->keys[i].k);
    s->n_rows = s->n_keys = 0;
}

static int dup_scan_run(struct dup_scan *s, const char *sql, json_t *groups,
                        struct hz_err *err)
{
    int rv = db_each(&s->n->db, sql, DB_NO_ARGS, dup_row_of, s, err);
    if (rv == 0 && s->n_keys > 0)
        qsort(s->keys, s->n_keys, sizeof *s->keys, cmp_dup_key);
    for (size_t i = 0; rv == 0 && i < s->n_keys;) {
        size_t j = i + 1;
        while (j < s->n_keys && strcmp(s->keys[j].k, s->keys[i].k) == 0)
            j++;
        if (j - i >= 2 && dup_group_counts(s, i, j))
            json_array_append_new(groups, dup_group_json(s, i, j));
        i = j;
    }
    dup_scan_reset(s);
    return rv;
}

int hz_node_dups(hz_node *n, char **json, struct hz_err *err)
{
    *json = NULL;
    /* Without OpenCC (library or data) names compare as written. */
    struct dup_scan s = {.n = n,
                         .cc = hz_dl_load(&hz_dl_opencc, NULL) == 0
                                   ? opencc_open("t2s.json")
                                   : (opencc_t)-1};
    json_t *groups = json_array();
    int rv = txn_begin_read(n, err);
    if (rv == 0)
        rv = dup_scan_run(
            &s,
            "SELECT p.id, p.name, p.birth_year, upper(p.id_number), p.phone,"
            " h.village, p.household FROM e_persons AS p LEFT JOIN"
            " e_households AS h ON h.id = p.household AND h.deleted = 0"
            " WHERE p.deleted = 0 AND p.merged_into IS NULL",
            groups, err);
    s.households = true;
    if (rv == 0)
        rv = dup_scan_run(&s,
                          "SELECT id, head_name, NULL, number, NULL, village,"
                          " NULL FROM e_households WHERE deleted = 0 AND"
                          " merged_into IS NULL",
                          groups, err);
    txn_rollback(n);
    /* Strongest first, in key order among equals. */
    json_t *sorted = json_array();
    static const int scores[] = {100, 90, 80, 70, 40};
    for (size_t k = 0; k < sizeof scores / sizeof scores[0]; k++) {
        size_t i;
        json_t *g;
        json_array_foreach(groups, i, g)
        {
            if (json_integer_value(json_object_get(g, "score")) == scores[k])
                json_array_append(sorted, g);
        }
    }
    json_t *out =
        json_pack("{s:o, s:b}", "groups", sorted, "t2s", s.cc != (opencc_t)-1);
    json_decref(groups);
    if (s.cc != (opencc_t)-1)
        opencc_close(s.cc);
    free(s.rows);
    free(s.keys);
    if (rv == 0)
        *json = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return rv != 0         ? rv
           : *json != NULL ? 0
                           : hz_err_set(err, HZ_ENOMEM, "dups");
}
