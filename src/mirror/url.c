/* url.c - the county mirror's PostgreSQL URL: our own schema=NAME taken
 * out of it, a password refused, sslmode=verify-full unless the host is
 * local or the URL sets one, and the connection (proto/cli.md, "The
 * county mirror"; DECISIONS 43). The URL is never printed: it may name a
 * host, and libpq's messages about it are cut to their first line. */
#include "url.h"

#include "../core/error_int.h"
#include "../dl/dl.h"

#include <stdlib.h>
#include <string.h>

/* The first line of a libpq message, bounded: the detail of our errors. */
void url_first_line(const char *msg, char *out, size_t cap)
{
    size_t len = strcspn(msg != NULL ? msg : "", "\n");
    if (len >= cap)
        len = cap - 1;
    memcpy(out, msg != NULL ? msg : "", len);
    out[len] = '\0';
}

/* Is @name (@len bytes) a name we quote without escaping: lower-case
 * letters, digits and _, not a digit first? */
bool url_name_ok(const char *name, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || c == '_' ||
                  (i > 0 && c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return len > 0;
}

/* Take "schema=NAME" out of the URL's query (libpq knows no such
 * parameter) into @schema; the rest of the URL into @clean. */
int url_take_schema(const char *url, char *clean, char *schema,
                    enum mirror_fault *fault, struct hz_err *err)
{
    *fault = MIRROR_URL;
    if (strncmp(url, "postgresql://", 13) != 0 &&
        strncmp(url, "postgres://", 11) != 0)
        return hz_err_set(err, HZ_EINVAL,
                          "not a postgresql:// or postgres:// URL");
    if (strlen(url) >= MIRROR_URL_LEN_MAX)
        return hz_err_set(err, HZ_ETOOBIG, "URL of more than %u bytes",
                          MIRROR_URL_LEN_MAX - 1);
    strcpy(schema, "public");
    const char *q = strchr(url, '?');
    size_t head = q != NULL ? (size_t)(q - url) : strlen(url);
    memcpy(clean, url, head);
    clean[head] = '\0';
    char sep = '?';
    while (q != NULL) {
        const char *p = q + 1;
        q = strchr(p, '&');
        size_t len = q != NULL ? (size_t)(q - p) : strlen(p);
        if (len > 7 && strncmp(p, "schema=", 7) == 0) {
            size_t n = len - 7;
            if (n > MIRROR_SCHEMA_LEN_MAX)
                return hz_err_set(err, HZ_EINVAL, "schema name too long");
            if (!url_name_ok(p + 7, n))
                return hz_err_set(err, HZ_EINVAL,
                                  "schema name: lower-case letters,"
                                  " digits and _ only");
            memcpy(schema, p + 7, n);
            schema[n] = '\0';
            continue;
        }
        size_t at = strlen(clean);
        clean[at] = sep;
        memcpy(clean + at + 1, p, len);
        clean[at + 1 + len] = '\0';
        sep = '&';
    }
    *fault = MIRROR_OK;
    return 0;
}

/* Is every host of @hosts (libpq's comma-separated list) a Unix socket
 * or loopback? */
static bool hosts_local(const char *hosts)
{
    while (*hosts != '\0') {
        size_t len = strcspn(hosts, ",");
        bool local = hosts[0] == '/' || hosts[0] == '@' ||
                     (len == 9 && strncmp(hosts, "localhost", 9) == 0) ||
                     (len == 9 && strncmp(hosts, "127.0.0.1", 9) == 0) ||
                     (len == 3 && strncmp(hosts, "::1", 3) == 0) ||
                     (len == 5 && strncmp(hosts, "[::1]", 5) == 0);
        if (!local && len > 0)
            return false;
        hosts += len + (hosts[len] == ',');
    }
    return true;
}

/* What the URL says: a password (refused), its hosts, an sslmode. */
static int read_url(const char *url, bool *local, bool *has_sslmode,
                    enum mirror_fault *fault, struct hz_err *err)
{
    int rv = hz_dl_load(&hz_dl_pq, err);
    if (rv != 0) {
        *fault = MIRROR_LIBRARY;
        return rv;
    }
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &msg);
    if (opts == NULL) {
        PQfreemem(msg); /* may quote the URL: never shown */
        *fault = MIRROR_URL;
        return hz_err_set(err, HZ_EINVAL, "the URL does not parse");
    }
    bool password = false, host_given = false;
    *local = true;
    *has_sslmode = false;
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        if (o->val == NULL || o->val[0] == '\0')
            continue;
        if (strcmp(o->keyword, "password") == 0)
            password = true;
        else if (strcmp(o->keyword, "sslmode") == 0)
            *has_sslmode = true;
        else if (strcmp(o->keyword, "host") == 0 ||
                 strcmp(o->keyword, "hostaddr") == 0) {
            host_given = true;
            *local = *local && hosts_local(o->val);
        }
    }
    PQconninfoFree(opts);
    if (!host_given && getenv("PGHOST") != NULL)
        *local = hosts_local(getenv("PGHOST"));
    if (password) {
        *fault = MIRROR_URL_PASSWORD;
        return hz_err_set(err, HZ_EINVAL,
                          "the URL carries a password: use PGPASSFILE or"
                          " PGPASSWORD");
    }
    return 0;
}

static void quiet(void *data, const char *message)
{
    (void)data;
    (void)message;
}

int url_connect(const char *url, PGconn **out, enum mirror_fault *fault,
                struct hz_err *err)
{
    bool local = true, has_sslmode = false;
    int rv = read_url(url, &local, &has_sslmode, fault, err);
    if (rv != 0)
        return rv;
    /* Ours first, so the URL's own connect_timeout or application_name
     * wins; sslmode after it, given only when the URL has none. */
    const char *keys[] = {"application_name", "connect_timeout", "dbname",
                          "sslmode", NULL};
    const char *vals[] = {"huzhu mirror", "10", url, "verify-full", NULL};
    if (local || has_sslmode)
        keys[3] = NULL;
    *out = PQconnectdbParams(keys, vals, 1);
    if (*out == NULL) {
        *fault = MIRROR_UNREACHABLE;
        return hz_err_set(err, HZ_ENOMEM, "libpq");
    }
    if (PQstatus(*out) == CONNECTION_OK) {
        /* the server's notices (a table that exists already) are not
         * ours to print */
        PQsetNoticeProcessor(*out, quiet, NULL);
        return 0;
    }
    const char *msg = PQerrorMessage(*out);
    char detail[MIRROR_DETAIL_LEN_MAX];
    url_first_line(strstr(msg, "FATAL:") != NULL ? strstr(msg, "FATAL:") : msg,
                   detail, sizeof detail);
    bool auth = PQconnectionNeedsPassword(*out) ||
                strstr(msg, "authentication failed") != NULL ||
                strstr(msg, "pg_hba.conf") != NULL ||
                strstr(msg, "no password supplied") != NULL ||
                (strstr(msg, "role \"") != NULL &&
                 strstr(msg, "does not exist") != NULL);
    *fault = auth ? MIRROR_AUTH : MIRROR_UNREACHABLE;
    return hz_err_set(err, auth ? HZ_EPERM : HZ_EIO, "postgresql: %s", detail);
}

int mirror_check_url(const char *url, enum mirror_fault *fault,
                     struct hz_err *err)
{
    *fault = MIRROR_OK;
    char *clean = malloc(MIRROR_URL_LEN_MAX);
    char schema[MIRROR_SCHEMA_LEN_MAX + 1];
    if (clean == NULL)
        return hz_err_set(err, HZ_ENOMEM, "mirror");
    bool local, has_sslmode;
    int rv = url_take_schema(url, clean, schema, fault, err);
    if (rv == 0)
        rv = read_url(clean, &local, &has_sslmode, fault, err);
    free(clean);
    return rv;
}
