/* bench_seal.h - the network side of the import benchmark (--network):
 * a node entered into the benchmark's network, and what sealing and
 * unsealing a bundle cost on their own (proto/bundle.md, "Sealed
 * bundles"; src/store/seal.c). */
#ifndef HZ_BENCH_SEAL_H
#define HZ_BENCH_SEAL_H

#include "bench_gen.h"
#include "bench_raw.h"

#include "huzhu/node.h"

#include <stdint.h>

/* Move @node (stored in @dir) into @net, as a member: the network entered
 * (network_enter) and network.secret written beside its database, which
 * is what opening a sealed bundle needs. 0, or -1 after printing why. */
int seal_bench_enter(hz_node *node, const char *dir,
                     const struct gen_network *net);

/* What sealing costs, measured on one plain bundle. */
struct seal_costs {
    uint64_t plain_bytes, sealed_bytes;
    struct rate seal;   /* n = bytes of plain bundle sealed */
    struct rate unseal; /* n = bytes of plain bundle opened */
    struct rate copy;   /* n = bytes copied as staging copies a plain
                           bundle (64 KiB stdio reads and writes) */
};

/* With a node of @net made in @dir/sealer (the caller removes it),
 * measure, each repeated until at least @min_s seconds have passed and
 * none with fsync (the import syncs its staged copy either way):
 * opening the sealed bundle @sealed (the last pass leaves the plain
 * bundle in @plain), sealing @plain again as an export does (seal_begin,
 * seal_write in 64 KiB pieces, seal_end) to a scratch file, and a plain
 * copy of @plain. 0, or -1 after printing why. */
int seal_bench_measure(const char *dir, const struct gen_network *net,
                       const char *sealed, const char *plain, double min_s,
                       struct seal_costs *out);

#endif
