/* dups.c - the persons and households a new household (with its
 * members) may repeat, found through the search index: the same ID
 * number; the same name, birth year and village; the same phone
 * (hz_node_duplicates; the web's forms, huzhu import roster). */
#include "state.h"

#include <jansson.h>
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
