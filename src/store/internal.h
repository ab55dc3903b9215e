/* internal.h - every private header of the store, for the store's own
 * tests, the simulator, the vector generator and the benchmarks. Nothing
 * in src/ outside src/store includes it (tests/unit/layers.sh). */
#ifndef HZ_STORE_INTERNAL_H
#define HZ_STORE_INTERNAL_H

#include "files/files.h"
#include "log/log.h"
#include "members/members.h"
#include "node/node.h"
#include "state/render.h"
#include "state/state.h"
#include "store.h"

#endif
