/* include/huzhu/trust.h - networks, membership and revocation (issue 3).
 * Formats and rules: proto/trust.md. */
#ifndef HUZHU_TRUST_H
#define HUZHU_TRUST_H

#include "huzhu/error.h"
#include "huzhu/node.h"

#include <stdint.h>

/* Make this node the first admin of a new network named @name: a network
 * root key pair (kept in the node directory as network.key, 0600), the
 * network id derived from it, and a network secret (network.secret,
 * 0600). Records this node writes from now on belong to the network; its
 * records written before are re-issued into it (DECISIONS 14). A node
 * already in a network is HZ_EEXIST. On success *@network_hex (32 hex
 * digits; free with hz_free_string) names the network. */
HZ_API HZ_NODISCARD int hz_network_create(hz_node *node, const char *name,
                                          char **network_hex,
                                          struct hz_err *err);

/* The network root key's printable recovery code (Crockford base32 of the
 * seed and a checksum, in groups of five; proto/trust.md). Only on the
 * node holding network.key (else HZ_EPERM). Free with hz_free_string. */
HZ_API HZ_NODISCARD int hz_network_recovery_code(hz_node *node, char **code,
                                                 struct hz_err *err);

/* Write the root key to @path sealed with @passphrase (at least 8 bytes;
 * Argon2id and XSalsa20-Poly1305). */
HZ_API HZ_NODISCARD int hz_network_backup_key(hz_node *node, const char *path,
                                              const char *passphrase,
                                              struct hz_err *err);

/* Restore the root key onto this node from a backup file (@path with
 * @passphrase) or a recovery code (@code): the node becomes an admin of
 * that network (entering it if needed; its earlier records re-issued).
 * @name names the network (NULL: the file's name). A wrong passphrase
 * or code changes nothing. */
HZ_API HZ_NODISCARD int hz_network_restore(hz_node *node, const char *path,
                                           const char *code,
                                           const char *passphrase,
                                           const char *name, char **network_hex,
                                           struct hz_err *err);

struct hz_admission {
    const char *key;     /* the device's public key, 64 hex digits */
    const char *name;    /* its name for people, at most 200 bytes */
    const char *role;    /* "admin", "coordinator", "site", "viewer" */
    const char *site;    /* site row id (32 hex digits): site role only */
    unsigned valid_days; /* 1..36500; 0 means 365 */
    int admits;          /* a coordinator that may admit others */
};

/* Admit a device: write its certificate into the log (signed by the
 * network root key when this node holds it, otherwise by this node as an
 * admin, or as a coordinator given admission) and return a join token in
 * *@token (text; free with hz_free_string) that only that device can
 * open. Errors: HZ_EINVAL (bad key, role, site or days), HZ_ENOTFOUND (no
 * such site), HZ_EPERM (this node may not admit), HZ_ENETWORK (not in a
 * network). */
HZ_API HZ_NODISCARD int hz_admit(hz_node *node, const struct hz_admission *a,
                                 char **token, struct hz_err *err);

/* Join the network a token admits this device to: the node takes the
 * network's id and secret, writes its certificate into its log (when the
 * root key signed it), and re-issues the records it wrote before
 * (DECISIONS 14). A token for another device, or a damaged one, is
 * refused and changes nothing. On success *@summary_json (free with
 * hz_free_string) tells the network, role and records re-issued. */
HZ_API HZ_NODISCARD int hz_join(hz_node *node, const char *token,
                                char **summary_json, struct hz_err *err);

/* Revoke a device: its entries after sequence @after (when @has_after;
 * otherwise after the highest entry of its chain this node holds) are
 * never applied anywhere. Only an admin (or the root key's holder)
 * revokes. On success *@summary_json (free with hz_free_string) names
 * the cut-off and the entries it took back here. */
HZ_API HZ_NODISCARD int hz_revoke(hz_node *node, const char *key, int has_after,
                                  uint64_t after, char **summary_json,
                                  struct hz_err *err);

/* The network and its members, as JSON (proto/cli.md, "members"):
 * every certificate in effect with its role, site, validity and issuer,
 * each device's cut-off, last entry seen, entries denied and fork
 * evidence, and devices that wrote entries without a certificate. */
HZ_API HZ_NODISCARD int hz_members(hz_node *node, char **json,
                                   struct hz_err *err);

/* Give this node a new key (a cloned SD card, a forked or revoked key):
 * the old key signs nothing more, its history stays; the node's own
 * entries past its fork point (or its cut-off) are re-issued under the
 * new key, so nothing registered is lost (DECISIONS 16). In a network
 * the new key needs admitting (admit, then join). On success
 * *@summary_json (free with hz_free_string) names both keys and the
 * entries re-issued. */
HZ_API HZ_NODISCARD int hz_node_rekey(hz_node *node, char **summary_json,
                                      struct hz_err *err);

#endif
