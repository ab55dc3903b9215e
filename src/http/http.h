/* http.h - the web interface of a serving node (issue 13; DECISIONS 37,
 * 38; proto/api.md): libmicrohttpd parses HTTP and speaks TLS (GnuTLS);
 * it runs on a thread of its own with its own libuv loop and its own
 * handle on the node, so nothing the web does (a search, a login's
 * Argon2id) ever stalls live sync. Its writes are ordinary commits of
 * this node, which the serving loop pushes like any CLI write.
 *
 *   http_start  make or load the node's certificate, listen, start the
 *               thread; returns once it listens (or why it cannot)
 *   http_stop   end every request and stream, stop the thread
 *
 * The web layer includes only the store's narrow header (DECISIONS 30). */
#ifndef HZ_HTTP_H
#define HZ_HTTP_H

#include "huzhu/huzhu.h"

#include <stdbool.h>

#define HZ_HTTP_PORT 8080

struct http_opts {
    const char *dir;    /* the node directory */
    const char *listen; /* ADDR:PORT; port 0 picks one */
    bool insecure;      /* --insecure-http: plain HTTP off loopback */
    struct hz_log *log; /* may be NULL */
};

struct http;

/* HZ_EINVAL for an address that does not parse, or plain HTTP asked for
 * on an address other than loopback without @insecure; HZ_EIO when it
 * cannot listen or make its certificate. */
int http_start(const struct http_opts *o, struct http **out,
               struct hz_err *err);
/* The port it listens on, whether it speaks TLS, and the SHA-256
 * fingerprint of its certificate as colon-separated hex ("" without). */
int http_port(const struct http *h);
bool http_tls(const struct http *h);
const char *http_fingerprint(const struct http *h);
void http_stop(struct http *h);
/* The fingerprint of the certificate the node in @dir serves HTTPS with
 * (made at its first serve), for `huzhu status`: 0, or 1 when it has
 * none yet. */
int http_fingerprint_of(const char *dir, char out[96]);

#endif
