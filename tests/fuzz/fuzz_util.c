/* fuzz_util.c - helpers shared by the libFuzzer targets (fuzz_util.h). */
#include "fuzz_util.h"

#include "core/codec.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* AddressSanitizer's defaults for every target (ASAN_OPTIONS still
 * overrides). A quarantine of 32 MB instead of 256 MB: SQLite allocates
 * ~0.5 MB of page cache per transaction, and recycling it through the
 * full quarantine spends 90% of the time faulting in fresh pages
 * (fuzz_ingest: 10 ms -> 1.5 ms per input). Use-after-free of anything
 * freed within the last 32 MB of allocations is still caught. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=32";
}

void fuzz_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "FUZZ CHECK FAILED: %s (%s:%d)\n", expr, file, line);
    abort();
}

void fuzz_check_code(const char *what, int rv, const struct hz_err *err,
                     const int *allowed, size_t n_allowed)
{
    int ok = 0;
    for (size_t i = 0; i < n_allowed; i++)
        ok |= rv == allowed[i];
    if (ok && err->code == rv && err->msg[0] != '\0')
        return;
    fprintf(stderr,
            "FUZZ CHECK FAILED: %s returned %d (%s), err->code %d, "
            "message \"%s\"; not among the documented codes\n",
            what, rv, hz_errname(rv), err->code, err->msg);
    abort();
}

/* ---- environment */

static uint64_t rng_state;

static uint64_t env_now(void *data)
{
    (void)data;
    return FUZZ_NOW_MS;
}

/* splitmix64: small, fixed, good enough for row ids and key seeds. */
static void seeded_random(void *data, void *buf, size_t len)
{
    (void)data;
    uint8_t *out = buf;
    while (len > 0) {
        uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        size_t n = len < sizeof z ? len : sizeof z;
        memcpy(out, &z, n);
        out += n;
        len -= n;
    }
}

static const struct hz_env env = {
    .data = NULL,
    .now_ms = env_now,
    .random = seeded_random,
};

const struct hz_env *fuzz_env(void)
{
    return &env;
}

void fuzz_env_reset(void)
{
    rng_state = 0x68757a6875ull; /* "huzhu" */
}

/* ---- scratch files */

static char tmp_path[4096];

static void remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *de;
        while (d != NULL && (de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            char child[4096];
            snprintf(child, sizeof child, "%s/%s", path, de->d_name);
            remove_tree(child);
        }
        if (d != NULL)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void remove_tmpdir(void)
{
    if (tmp_path[0] != '\0')
        remove_tree(tmp_path);
}

const char *fuzz_tmpdir(void)
{
    if (tmp_path[0] != '\0')
        return tmp_path;
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    snprintf(tmp_path, sizeof tmp_path, "%s/hzfuzz.XXXXXX", base);
    if (mkdtemp(tmp_path) == NULL) {
        fprintf(stderr, "fuzz: mkdtemp %s: %s\n", tmp_path, strerror(errno));
        abort();
    }
    atexit(remove_tmpdir);
    return tmp_path;
}

void fuzz_write_file(const char *path, const uint8_t *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(len == 0 || fwrite(p, 1, len, f) == len);
    FUZZ_CHECK(fclose(f) == 0);
}

uint8_t *fuzz_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    FUZZ_CHECK(f != NULL);
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    FUZZ_CHECK(buf != NULL);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            FUZZ_CHECK(buf != NULL);
        }
    }
    FUZZ_CHECK(!ferror(f));
    fclose(f);
    *len = n;
    return buf;
}

/* ---- bundle frames */

int fuzz_split_frames(const uint8_t *p, size_t len, struct fuzz_frame *out,
                      size_t max)
{
    if (len < FUZZ_BUNDLE_MAGIC_LEN ||
        memcmp(p, FUZZ_BUNDLE_MAGIC, FUZZ_BUNDLE_MAGIC_LEN) != 0)
        return -1;
    size_t pos = FUZZ_BUNDLE_MAGIC_LEN;
    size_t n = 0;
    while (pos < len) {
        if (n == max || len - pos < 5)
            return -1;
        size_t flen = (size_t)p[pos] << 24 | (size_t)p[pos + 1] << 16 |
                      (size_t)p[pos + 2] << 8 | p[pos + 3];
        if (flen > len - pos - 5)
            return -1;
        out[n].kind = p[pos + 4];
        out[n].p = p + pos + 5;
        out[n].len = flen;
        n++;
        pos += 5 + flen;
    }
    return (int)n;
}

static int collect(void *data, const uint8_t *p, size_t len)
{
    struct enc *all = data;
    uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16),
                      (uint8_t)(len >> 8), (uint8_t)len};
    enc_raw(all, hdr, sizeof hdr);
    enc_raw(all, p, len);
    return 0;
}

size_t fuzz_relay_all(hz_node *from, struct enc *all, const uint8_t **p,
                      size_t *len, size_t max)
{
    struct hz_err err = {0};
    enc_init(all);
    FUZZ_CHECK(store_relay_each(from, collect, all, &err) == 0);
    FUZZ_CHECK(enc_done(all) == 0);
    size_t pos = 0, n = 0;
    while (pos < enc_len(all)) {
        FUZZ_CHECK(n < max && pos + 4 <= enc_len(all));
        const uint8_t *h = enc_data(all) + pos;
        len[n] =
            (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
        p[n] = h + 4;
        pos += 4 + len[n];
        n++;
    }
    FUZZ_CHECK(pos == enc_len(all));
    return n;
}
