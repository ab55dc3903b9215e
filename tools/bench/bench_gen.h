/* bench_gen.h - a deterministic bundle of relief records for the import
 * benchmark (bench_import.c).
 *
 * A source node on an in-memory database, with a fixed key seed, a virtual
 * clock and seeded randomness, is written through the public batch API
 * (hz_batch_put / hz_node_commit) and exported with hz_bundle_export. The
 * same parameters give the same bundle, byte for byte, so a bundle can be
 * cached between runs keyed by them.
 *
 * With gen_params.network the same operations are written inside a real
 * network (proto/trust.md): the benchmark holds the network's root key
 * (gen_network), the source node enters the network and its first entry
 * carries its root-signed coordinator certificate as a trust operation.
 * The data operations, row ids included, are the same as without. The
 * source exports as every networked node does: sealed under the bundle
 * key (src/store/seal.c), so that bundle's bytes are not the same from
 * one generation to the next (the stream's header is random); what it
 * holds is. */
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
    unsigned network; /* 1: inside the network of gen_network(seed) */
};

/* The network of the benchmark's root key, derived from the seed alone
 * (never from the generator's random streams, which stay as they are). */
struct gen_network {
    uint8_t root_seed[32];
    uint8_t root_pk[32];
    uint8_t id[16];     /* the network id: cert_network_id(root_pk) */
    uint8_t secret[32]; /* network.secret, as a member holds it */
};
void gen_network(uint64_t seed, struct gen_network *out);
/* Write @net's network.secret into the node directory @dir (0600), as a
 * member holds it: what sealing and opening bundles read. 0 or -1. */
int gen_network_secret_write(const char *dir, const struct gen_network *net);

/* What the generator wrote; kept beside the bundle in a ".meta" file. */
struct gen_result {
    uint64_t ops;     /* operations: sets + inserts + deletes */
    uint64_t sets;    /* entity field writes (households, persons, ...) */
    uint64_t inserts; /* event rows (stays, stock_moves, warnings) */
    uint64_t deletes; /* tombstones */
    uint64_t updates; /* sets to rows written by an earlier commit */
    uint64_t fields;  /* fields across every set and insert */
    uint64_t commits;
    uint64_t entries; /* with the certificate's entry in a network */
    uint64_t end_ms;  /* the virtual wall clock when the bundle was made */
    double seconds;   /* generation wall time, export included */
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
