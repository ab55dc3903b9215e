/* api.h - the JSON API of the web interface (proto/api.md), apart from
 * sockets, sessions and streams (server.c): a request's method, path,
 * query and body, and the account it comes from, in; a status and a JSON
 * body out. Pure of HTTP, so the fuzz pass and the unit tests call it
 * directly. Every write is one batch of this node, limited to what the
 * account's role allows (DECISIONS 18, 38); every failure writes
 * nothing. */
#ifndef HZ_API_H
#define HZ_API_H

#include "huzhu/huzhu.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define API_QUERY_MAX 16
#define API_BODY_MAX (64u * 1024u)
/* A roster file uploaded (POST /api/import/roster): a township's roster
 * of 100,000 persons as CSV is about 12 MiB. */
#define API_UPLOAD_MAX (32u << 20)

struct api_user {
    char name[65];
    char role[16];
    char site[33];
};

struct api_req {
    const char *method; /* GET, POST, PATCH, DELETE */
    const char *path;   /* the whole path: "/api/households" */
    size_t n_query;
    const char *qk[API_QUERY_MAX], *qv[API_QUERY_MAX];
    const char *body; /* may be NULL when len is 0 */
    size_t len;
    const struct api_user *user; /* who is logged in */
    const char *fingerprint;     /* of the web's certificate; "" or NULL */
};

struct api_res {
    int status;
    json_t *body; /* owned; json_decref */
    bool wrote;   /* a commit changed the node */
    /* A file to download when not -1 (status 200; GET
     * /api/reports/.../FORMAT): the body is {"type", "disposition"}, and
     * the server sends the @size bytes of @fd (an unlinked temporary
     * file, from its start) with that Content-Type and
     * Content-Disposition, then closes @fd. The file is never held in
     * memory. */
    int fd;
    uint64_t size;
};

/* Answer @r on @n into @out. Never fails itself: a refusal is a status
 * and an error body ({"error": {"code", "field"?, "zh", "en"}}). */
void api_handle(hz_node *n, const struct api_req *r, struct api_res *out);

/* The largest body @method on @path may send: API_UPLOAD_MAX for the
 * roster upload, SHEET_CAP_LEN_MAX for a CAP alert (files,
 * application/octet-stream), API_BODY_MAX (JSON) for the rest. */
size_t api_body_max(const char *method, const char *path);
/* Does @path take a file's bytes as its body (the roster and CAP
 * uploads), rather than JSON? */
bool api_upload_path(const char *path);

/* An error body. */
json_t *api_error_body(const char *code, const char *field, const char *zh,
                       const char *en);

#endif
