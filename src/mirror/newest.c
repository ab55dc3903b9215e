/* newest.c - which node's view is the newest: the rule that gives a
 * network's county mirror to one node (DECISIONS 43; proto/cli.md, "The
 * newest view"). A view is named by its version vector, per author the
 * highest contiguous seq the node holds (proto/bundle.md, "Vector"); one
 * view holds another when it has every author of the other at a seq at
 * least as high. Pure apart from reading the node's vector. */
#include "newest.h"

#include "../core/error_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

int newest_vector(hz_node *n, char **out, struct hz_err *err)
{
    *out = NULL;
    char *text = NULL;
    int rv = hz_node_vector(n, &text, err);
    json_t *root = rv == 0 ? json_loads(text, 0, NULL) : NULL;
    free(text);
    json_t *vec = json_object();
    if (rv == 0 && (root == NULL || vec == NULL))
        rv = hz_err_set(err, HZ_ENOMEM, "mirror vector");
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(root, "authors"), i, a)
    {
        const char *key = json_string_value(json_object_get(a, "author"));
        if (rv == 0 && key != NULL)
            json_object_set(vec, key, json_object_get(a, "seq"));
    }
    json_decref(root);
    if (rv == 0)
        *out = json_dumps(vec, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(vec);
    if (rv == 0 && *out == NULL)
        rv = hz_err_set(err, HZ_ENOMEM, "mirror vector");
    return rv;
}

bool newest_holds(const char *ours, const char *theirs,
                  struct newest_short *why)
{
    if (theirs == NULL)
        return true;
    json_t *them = json_loads(theirs, 0, NULL);
    json_t *us = ours != NULL ? json_loads(ours, 0, NULL) : NULL;
    bool ok = json_is_object(them) && json_is_object(us);
    const char *key;
    json_t *v;
    json_object_foreach(them, key, v)
    {
        json_int_t have = json_integer_value(json_object_get(us, key));
        if (ok && have < json_integer_value(v)) {
            if (why != NULL) {
                snprintf(why->author8, sizeof why->author8, "%.8s", key);
                why->theirs = (long long)json_integer_value(v);
                why->ours = (long long)have;
            }
            ok = false;
        }
    }
    json_decref(them);
    json_decref(us);
    return ok;
}

bool newest_newer(const char *theirs, const char *ours)
{
    return newest_holds(theirs, ours, NULL) &&
           !newest_holds(ours, theirs, NULL);
}
