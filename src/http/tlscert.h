/* tlscert.h - the web interface's certificate (tlscert.c). */
#ifndef HZ_TLSCERT_H
#define HZ_TLSCERT_H

#include "huzhu/huzhu.h"

#include <stdbool.h>

struct tlscert {
    char *key_pem, *crt_pem; /* NUL-terminated PEM */
    char fingerprint[96];    /* SHA-256, "AB:CD:..." */
    bool made;               /* made now (the first serve) */
};

/* Load the node's certificate from @dir, or make one for @name (the
 * node's name) the first time. HZ_EIO when they cannot be read or
 * written. Release with tlscert_close. */
int tlscert_load(const char *dir, const char *name, struct tlscert *out,
                 struct hz_err *err);
void tlscert_close(struct tlscert *c);
/* The SHA-256 fingerprint of the certificate kept in @dir into @out
 * ("AB:CD:..."): 0, or 1 when the node has none yet (its first serve
 * makes it) or it cannot be read. */
int tlscert_fingerprint(const char *dir, char out[96]);

#endif
