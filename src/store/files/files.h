/* files.h - the node's files beside its database: bundles (bundle.c,
 * huzhu/bundle.h), their sealing (seal.c), backups (backup.c) and the
 * secret files of the node directory (secret.c). */
#ifndef HZ_STORE_FILES_H
#define HZ_STORE_FILES_H

#include "../node/node.h"

#include <stdio.h>

/* ---- secret.c */

/* A 32-byte secret file of the node directory: read it (HZ_ENOTFOUND
 * when absent), or write it through a temporary file, fsync, rename and
 * fsync of the directory. */
int secret_read(struct hz_node *n, const char *file, uint8_t *out,
                struct hz_err *err);
int secret_write(struct hz_node *n, const char *file, const uint8_t *val,
                 struct hz_err *err);
/* Write @path through a temporary file (0600), fsync, rename and fsync
 * of its directory: the file is whole or absent. */
int file_write_atomic(const char *path, const uint8_t *p, size_t len,
                      struct hz_err *err);

/* ---- seal.c: sealed bundles (proto/bundle.md, "Sealed bundles") */

/* Does a file starting with @head (len bytes) hold a sealed bundle? */
bool seal_is_sealed(const uint8_t *head, size_t len);
/* The key id of a bundle key (16 bytes). */
void seal_key_id(const uint8_t *key, uint8_t *key_id);
/* The bundle key named @key_id and the epoch it is the key of: epoch 0's
 * (from the network secret), one a join token gave (bkeys), or this
 * node's share of an epoch in the log. HZ_ENOTFOUND when this node holds
 * none. */
int seal_key_by_id(struct hz_node *n, const uint8_t *key_id, uint8_t *key,
                   uint64_t *epoch, struct hz_err *err);
/* Keep a bundle key this node was given (a token, its own new epoch). */
int seal_key_keep(struct hz_node *n, const uint8_t *key, uint64_t epoch,
                  struct hz_err *err);
/* Open a crypto_box_seal addressed to this node's device key (its X25519
 * form) into @out (len - crypto_box_SEALBYTES bytes): 0, or -1. */
int seal_open_to_me(struct hz_node *n, uint8_t *out, const uint8_t *sealed,
                    size_t len);
/* The key to seal with: the newest epoch in effect this node holds. */
int seal_key_current(struct hz_node *n, uint8_t *key, uint8_t *key_id,
                     uint64_t *epoch, struct hz_err *err);
/* Seal a plain bundle onto @out as it is written, under the current
 * bundle key: seal_begin writes the header; seal_write takes plain bytes
 * (0, or an HZ_E code once a write failed); seal_end writes the last
 * chunk and frees the sealer (seal_free alone abandons it). */
struct seal_out;
int seal_begin(struct hz_node *n, FILE *out, struct seal_out **s,
               struct hz_err *err);
int seal_write(struct seal_out *s, const uint8_t *p, size_t len);
int seal_end(struct seal_out *s, struct hz_err *err);
void seal_free(struct seal_out *s);
/* Check and open a sealed bundle from @in (at its start) onto @out. A
 * file that is not complete, not authentic, not in the one form a writer
 * gives (proto/bundle.md, "Sealed bundles": its header, its key's epoch,
 * its chunks), of another network or under a key this node does not hold
 * is refused. */
int unseal_file(struct hz_node *n, FILE *in, FILE *out, struct hz_err *err);

#endif
