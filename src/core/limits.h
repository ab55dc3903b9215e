/* limits.h - every limit on input, queue and nesting, defined once.
 *
 * A length read from outside is checked against its limit here before
 * anything is allocated. proto/limits.md states the same numbers for other
 * implementations; change both together. */
#ifndef HZ_LIMITS_H
#define HZ_LIMITS_H

/* One signed entry, envelope included (proto/entry.md, "Limits"). */
#define HZ_ENTRY_LEN_MAX (256u * 1024u)
/* The body inside it. */
#define HZ_BODY_LEN_MAX (HZ_ENTRY_LEN_MAX - 256u)
/* Operations in one entry: one user action, or one slice of an import. */
#define HZ_OPS_MAX 1000u
/* Fields set in one operation. */
#define HZ_FIELDS_MAX 64u
/* Heads a field write may name as superseded, and writes a tombstone may
 * name as seen. */
#define HZ_HEADS_MAX 64u
#define HZ_SEEN_MAX 1024u
/* A text value, in bytes of UTF-8. */
#define HZ_TEXT_LEN_MAX 4096u
/* A table or column wire name. */
#define HZ_NAME_LEN_MAX 64u
/* msgpack nesting: envelope(1) > body(1) > ops(2) > op(3) > fields(4)
 * > field(5) > heads(6). */
#define HZ_DEPTH_MAX 8u

/* Entries held ahead of a gap, per author and in total (DECISIONS 7). */
#define HZ_PENDING_PER_AUTHOR_MAX 100000u
#define HZ_PENDING_TOTAL_MAX 1000000u

/* Entries kept of authors with no certificate in effect (DECISIONS 34):
 * in all, and from one source (a bundle import, a sync session), in
 * entries and in entry bytes. Over a cap, such entries are not kept,
 * highest seq first (log/capacity.c). */
#define HZ_STRANGER_MAX 50000u
#define HZ_STRANGER_BYTES_MAX (32u * 1024u * 1024u)
#define HZ_STRANGER_SOURCE_MAX 10000u
#define HZ_STRANGER_SOURCE_BYTES_MAX (8u * 1024u * 1024u)
/* Ranges of entries not kept that one import lists (all are counted). */
#define HZ_NOT_KEPT_LISTED 1000u

/* Rows whose search documents a transaction owes before it writes them
 * all, one statement a table (state/search.c): a power of two. */
#define HZ_SEARCH_OWED_MAX 4096u

/* A bundle frame holds one entry or a header or trailer. */
#define HZ_FRAME_HDR_LEN 5u
#define HZ_FRAME_LEN_MAX (HZ_ENTRY_LEN_MAX + 64u)
/* Entries applied per transaction during a bundle import, and the entry
 * bytes after which a transaction commits early (bounds the WAL). Each
 * commit writes every page the batch dirtied, and the random-order
 * indexes (entry ids, search keys) dirty most of theirs in any batch: at
 * 4,096 entries a 100,000-entry import wrote 1.26 GB for a 93 MB
 * database, at 32,768 (with HZ_IMPORT_CACHE_KIB) 0.41 GB (BENCHMARKS.md,
 * "Bigger batches"). */
#define HZ_IMPORT_BATCH 32768u
#define HZ_IMPORT_BATCH_BYTES (32u * 1024u * 1024u)
/* ... and the time after which it commits early, so that a local write
 * (its busy timeout is 10 s) waits at most about this long on a slow
 * board. */
#define HZ_IMPORT_BATCH_MS 2000u
/* SQLite's page cache while an import applies (the node's is 16 MiB):
 * the pages a batch dirties stay in memory until its commit instead of
 * spilling to the WAL and being written again. */
#define HZ_IMPORT_CACHE_KIB 32768u

/* The clock never runs ahead of our own wall time by more than this, and
 * an entry whose clock is further than this from our wall time flags its
 * author as skewed (proto/entry.md, "Clock"). */
#define HZ_CLOCK_SKEW_MS_MAX (10ull * 60ull * 1000ull)

/* Fork evidence kept per author: enough to prove and locate the fork. */
#define HZ_FORK_EVIDENCE_MAX 64u
/* Bytes of one certificate or revocation (proto/trust.md). */
#define HZ_TRUST_OBJ_MAX 1024u
/* Bytes of one bundle key epoch (a sealed key per member) and members it
 * names (proto/trust.md, "Bundle key epochs"). */
#define HZ_EPOCH_OBJ_MAX (128u * 1024u)
#define HZ_EPOCH_MEMBERS_MAX 1000u
/* A sealed bundle (proto/bundle.md, "Sealed bundles"): its header, which
 * carries at most one epoch object, and the plain bytes of one chunk
 * (every chunk but the last holds exactly this many). */
#define HZ_SEALED_HEADER_MAX (HZ_EPOCH_OBJ_MAX + 256u)
#define HZ_SEALED_CHUNK_LEN (64u * 1024u)

/* Rows a single ls or view returns. */
#define HZ_QUERY_ROWS_MAX 1000000u
/* A search (hz_node_search): at most this many bytes of text, and at most
 * this many rows of each table listed. */
#define HZ_SEARCH_LEN_MAX 64u
#define HZ_SEARCH_ROWS_MAX 100u
/* Entries one status report lists as rejected, and as denied; its
 * "entries" counts them all (proto/cli.md, "status"). */
#define HZ_STATUS_LIST_MAX 1000u

_Static_assert(HZ_FRAME_LEN_MAX >= HZ_ENTRY_LEN_MAX + HZ_FRAME_HDR_LEN,
               "a frame must hold the largest entry");
_Static_assert(HZ_SEALED_HEADER_MAX <= HZ_ENTRY_LEN_MAX,
               "a sealed header passes the pre-scan's one-bin limit");
_Static_assert(HZ_BODY_LEN_MAX < HZ_ENTRY_LEN_MAX,
               "the envelope must fit around the largest body");

#endif
