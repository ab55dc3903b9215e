/* fuzz_util.h - what the libFuzzer targets share: a check that stops the
 * process (libFuzzer turns the abort into a crash artifact), error-code
 * contracts, a reproducible environment for in-memory nodes, scratch
 * files, and a reader for the bundle frame layout (proto/bundle.md).
 *
 * Every target must be reproducible from its input alone: nothing here
 * reads the real clock or draws real randomness. */
#ifndef HZ_FUZZ_UTIL_H
#define HZ_FUZZ_UTIL_H

#include "huzhu/huzhu.h"

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry points each target defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Stop with a message naming the broken property. Used for properties
 * the code under test promises; a failure is a bug in src/, not in the
 * input. */
#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            fuzz_fail(#cond, __FILE__, __LINE__);                              \
    } while (0)

_Noreturn void fuzz_fail(const char *expr, const char *file, int line);

/* Check that a failed call returned one of @allowed (n_allowed codes) and
 * that @err carries the same code and a message. Aborts otherwise,
 * printing @what, the code and the message. */
void fuzz_check_code(const char *what, int rv, const struct hz_err *err,
                     const int *allowed, size_t n_allowed);
#define FUZZ_CODES(what, rv, err, ...)                                         \
    do {                                                                       \
        static const int codes_[] = {__VA_ARGS__};                             \
        fuzz_check_code(what, rv, err, codes_,                                 \
                        sizeof codes_ / sizeof codes_[0]);                     \
    } while (0)

/* The virtual wall time every fuzzed node sees (2023-11-14, ms). */
#define FUZZ_NOW_MS 1700000000000ull

/* An environment with the clock fixed at FUZZ_NOW_MS and randomness from
 * a counter-seeded generator; fuzz_env_reset() restarts the sequence so
 * each input sees the same "random" bytes. */
const struct hz_env *fuzz_env(void);
void fuzz_env_reset(void);

/* A fresh directory under $TMPDIR (default /tmp), removed with its
 * contents at exit. Returns a static path; aborts on failure. */
const char *fuzz_tmpdir(void);

/* Write @len bytes to @path (created or truncated). Aborts on failure. */
void fuzz_write_file(const char *path, const uint8_t *p, size_t len);

/* Read all of @path into a malloc'd buffer. Aborts on failure. */
uint8_t *fuzz_read_file(const char *path, size_t *len);

/* ---- bundle frames: "HZBUNDLE", then frames of
 * length (u32 big-endian) | kind (u8) | payload. */

#define FUZZ_BUNDLE_MAGIC "HZBUNDLE"
#define FUZZ_BUNDLE_MAGIC_LEN 8u
#define FUZZ_FRAME_HEADER 1u
#define FUZZ_FRAME_ENTRY 2u
#define FUZZ_FRAME_TRAILER 3u

struct fuzz_frame {
    uint8_t kind;
    const uint8_t *p; /* borrowed from the bundle bytes */
    size_t len;
};

/* Split @p into frames, at most @max. Returns the number of frames, or
 * -1 when the bytes do not start with the magic or a frame is cut short.
 * Checks nothing else (kinds and payloads are the importer's job). */
int fuzz_split_frames(const uint8_t *p, size_t len, struct fuzz_frame *out,
                      size_t max);

/* Every entry @from holds (store_relay_each, in its order) copied into
 * @all and split: the bytes of entry i at p[i], len[i] bytes. At most
 * @max; returns the count (aborts when there are more). Release @all with
 * enc_close. */
struct enc;
size_t fuzz_relay_all(hz_node *from, struct enc *all, const uint8_t **p,
                      size_t *len, size_t max);

#endif
