/* network.h - what the files of the network family share (network.c,
 * admit.c, rootkey.c, members.c, rekey.c): the secret files, entering a
 * network and re-issuing entries. Internal to src/store. */
#ifndef HZ_NETWORK_H
#define HZ_NETWORK_H

#include "store.h"

#define ROOT_FILE "network.key"      /* the network root key's seed */
#define SECRET_FILE "network.secret" /* the secret every member holds */
#define TOKEN_PREFIX "HZ1"
#define DEFAULT_VALID_DAYS 365u
#define ADMIN_VALID_DAYS 3650u

/* Entry bytes in seq order, owned. */
struct blobs {
    size_t n;
    uint8_t **p;
    size_t *len;
};

/* What re-issuing did. */
struct reissue {
    uint64_t written, denied, archived;
};

/* A 32-byte secret file of the node directory: read it (HZ_ENOTFOUND
 * when absent), or write it through a temporary file, fsync, rename and
 * fsync of the directory. */
int net_secret_read(struct hz_node *n, const char *file, uint8_t *out,
                    struct hz_err *err);
int net_secret_write(struct hz_node *n, const char *file, const uint8_t *val,
                     struct hz_err *err);
/* Write @path through a temporary file (0600), fsync, rename and fsync
 * of its directory: the file is whole or absent. */
int net_write_file(const char *path, const uint8_t *p, size_t len,
                   struct hz_err *err);
/* The root key, when this node holds it (*have = 0 otherwise). */
int net_root_key(struct hz_node *n, struct identity *root, int *have,
                 struct hz_err *err);

void net_blobs_close(struct blobs *b);
/* @author's entries from @from_seq on, in seq order: the applied ones,
 * and with @all also those stopped by a fork or denied. */
int net_load_entries(struct hz_node *n, const uint8_t *author,
                     uint64_t from_seq, bool all, struct blobs *own,
                     struct hz_err *err);
/* Inside a transaction: archive every entry held, clear the state, and
 * make @network the node's; *@own gets its own applied entries. */
int net_enter_network(struct hz_node *n, const uint8_t *network,
                      const char *name, struct blobs *own, struct reissue *r,
                      struct hz_err *err);
/* Write @own again under the node's current key and network, with the
 * writes they superseded pointed at the re-issued copies; other writes
 * are kept (@keep) or dropped. Denied ones are kept, not lost. */
int net_reissue(struct hz_node *n, const struct blobs *own, bool keep,
                struct reissue *r, struct hz_err *err);
/* Roll back a transaction that may have moved the node into a network. */
void net_roll_back(struct hz_node *n);
/* Read-only or cloned nodes write nothing: 0 or the HZ_E code. */
int net_check_writable(struct hz_node *n, struct hz_err *err);
int net_node_name(struct hz_node *n, char **name, struct hz_err *err);
char *net_hex_string(const uint8_t *p, size_t len);
int net_check_network_name(const char *name, struct hz_err *err);
/* Make this node an admin of the network of the root key @seed. */
int net_become_admin(struct hz_node *n, const uint8_t *seed, const char *name,
                     char **network_hex, struct hz_err *err);

#endif
