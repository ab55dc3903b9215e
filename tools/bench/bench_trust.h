/* bench_trust.h - the per-entry trust check on its own (--network): how
 * long src/store/trust.c's trust_allowed takes for one entry of the
 * import, the check every data entry passes in a network (it loads the
 * author's certificates and cut-off, then asks the pure rule of
 * src/core/trust.c whether one certificate allows every operation). */
#ifndef HZ_BENCH_TRUST_H
#define HZ_BENCH_TRUST_H

#include "bench_raw.h"

#include "huzhu/node.h"

#include <stdint.h>

/* Call trust_allowed on @node's largest data entry, inside a read
 * transaction as during an import, until at least @min_s seconds have
 * passed. *@n_ops is the entry's operation count; @out->n the calls.
 * The entry must be allowed. 0, or -1 after printing why. */
int trust_bench_allowed(hz_node *node, double min_s, uint64_t *n_ops,
                        struct rate *out);

#endif
