/* assets.h - the web interface's files, embedded in the binary at build
 * time (cmake/embed.cmake writes assets.c from src/http/static): nothing
 * is read from disk or fetched from the internet. */
#ifndef HZ_ASSETS_H
#define HZ_ASSETS_H

#include <stddef.h>

struct asset {
    const char *path; /* "/index.html" */
    const char *type; /* Content-Type */
    const unsigned char *data;
    size_t len;
};

extern const struct asset hz_assets[];
extern const size_t hz_n_assets;

#endif
