/* include/huzhu/bundle.h - entries in a file, carried on a USB stick
 * between sites that have no link (proto/bundle.md). */
#ifndef HUZHU_BUNDLE_H
#define HUZHU_BUNDLE_H

#include "huzhu/node.h"

/* What an import did with the entries it read. Every entry of the bundle
 * is counted once, by its state at the end of the import: one that waited
 * for an earlier entry of the same bundle counts as applied, one still
 * waiting as pending. Entries of earlier imports that this one released
 * are counted apart, in `released`. */
struct hz_ingest_stats {
    uint64_t entries;   /* entries in the bundle */
    uint64_t applied;   /* stored and applied */
    uint64_t duplicate; /* already held */
    uint64_t pending;   /* held ahead of a gap */
    uint64_t rejected;  /* stored in the chain, not applied (content) */
    uint64_t held;      /* stored, waiting for a newer schema */
    uint64_t stopped;   /* stored, past their author's fork */
    uint64_t forks;     /* kept as fork evidence */
    uint64_t refused;   /* not kept: the pending area is full */
    uint64_t released;  /* entries of earlier imports that waited for
                           this one and left pending now (not in entries) */
    uint64_t denied;    /* stored, their author may not write them (yet) */
    uint64_t granted;   /* entries held (from any import) that a
                           certificate in this one let apply */
    uint64_t withdrawn; /* applied entries that a revocation in this one
                           took back */
    uint64_t capacity;  /* not kept (capacity): entries of this import
                           whose author has no certificate in effect,
                           over the strangers' caps (DECISIONS 34; fetched
                           again later, never a refusal) */
    uint64_t evicted;   /* entries of earlier imports of such authors that
                           this one's made room for (not in entries) */
};

/* A run of one author's entries, seq from_seq..to_seq. */
struct hz_range {
    uint8_t author[32];
    uint64_t from_seq, to_seq;
};

/* The entries the last import (or relay batch) on @node did not keep
 * for capacity (`capacity` and `evicted` of its stats), as ranges: at
 * most 1,000 are listed, the counts cover all. *@ranges is valid until
 * the next import or hz_node_close. Returns how many are listed. */
HZ_API size_t hz_ingest_not_kept(const hz_node *node,
                                 const struct hz_range **ranges);

/* Write every entry this node holds (and its fork evidence) to @path, or
 * with @vector_json (the output of hz_node_vector on another node) only
 * what that node lacks. Written to a temporary file, fsynced and renamed:
 * @path is complete or absent. *@n_entries (may be NULL) gets the count. */
HZ_API HZ_NODISCARD int hz_bundle_export(hz_node *node, const char *path,
                                         const char *vector_json,
                                         uint64_t *n_entries,
                                         struct hz_err *err);

/* Stage @path into the node directory, verify all of it (header, every
 * entry's transport checks, trailer count and hash) without touching
 * state, then store and apply in batches of whole entries. A refused file
 * (truncated, tampered, foreign, garbage, empty) changes nothing and
 * returns HZ_EMALFORMED, HZ_EBADSIG, HZ_ENETWORK, HZ_EVERSION or
 * HZ_ETOOBIG.
 * Entries that are pending or rejected do not make the import fail: see
 * @stats (may be NULL). An import interrupted after verification keeps
 * its staged copy: call again with @path NULL to finish it from there
 * (HZ_ENOTFOUND when nothing is staged); running the same file again
 * works too, since entries already held are skipped. */
HZ_API HZ_NODISCARD int hz_bundle_import(hz_node *node, const char *path,
                                         struct hz_ingest_stats *stats,
                                         struct hz_err *err);

#endif
