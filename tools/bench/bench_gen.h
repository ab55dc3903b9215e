/* bench_gen.h - a deterministic bundle of relief records for the import
 * benchmark (bench_import.c).
 *
 * A source node on an in-memory database, with a fixed key seed, a virtual
 * clock and seeded randomness, is written through the public batch API
 * (hz_batch_put / hz_node_commit) and exported with hz_bundle_export. The
 * same parameters give the same bundle, byte for byte, so a bundle can be
 * cached between runs keyed by them. */
#ifndef HZ_BENCH_GEN_H
#define HZ_BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>

/* Bump when the generated data changes, so cached bundles are not reused. */
#define BENCH_GEN_VERSION 1u

struct gen_params {
    uint64_t ops;   /* at least this many operations */
    unsigned batch; /* operations per commit (1 .. HZ_OPS_MAX) */
    uint64_t seed;
};

/* What the generator wrote; kept beside the bundle in a ".meta" file. */
struct gen_result {
    uint64_t ops;     /* operations: sets + inserts + deletes */
    uint64_t sets;    /* entity field writes (households, persons, ...) */
    uint64_t inserts; /* event rows (stays, stock_moves, warnings) */
    uint64_t deletes; /* tombstones */
    uint64_t updates; /* sets to rows written by an earlier commit */
    uint64_t fields;  /* fields across every set and insert */
    uint64_t commits;
    uint64_t entries;
    uint64_t end_ms; /* the virtual wall clock when the bundle was made */
    double seconds;  /* generation wall time, export included */
    char state_hash[65];
};

/* Write the bundle for @p to @path (written to a temporary name and
 * renamed). 0, or -1 after printing why to stderr. */
int gen_bundle(const struct gen_params *p, const char *path,
               struct gen_result *out);

/* The ".meta" file beside a cached bundle: 0, or -1 when it is missing or
 * does not parse. */
int gen_meta_write(const char *path, const struct gen_params *p,
                   const struct gen_result *r);
int gen_meta_read(const char *path, const struct gen_params *p,
                  struct gen_result *r);

/* The virtual clock's start: 2024-07-01T00:00:00Z. */
#define GEN_BASE_MS UINT64_C(1719792000000)

#endif
