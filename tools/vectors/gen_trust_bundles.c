/* gen_trust_bundles.c - proto/vectors/trust-bundles.json: bundle key
 * epochs, sealed bundles and the root key's recovery code and backup file
 * (proto/trust.md, "Bundle key epochs" and "Root key backup";
 * proto/bundle.md, "Sealed bundles").
 *
 * Everything here is written by real nodes in node directories under a
 * temporary directory, through the product's own calls: network create
 * (with network.key placed first, so the root key is a fixed seed),
 * admit, join, revoke, bundle export and import, recovery-code and
 * backup-key. Node keys come from fixed seeds (the first draw of each
 * node's env), clocks are fixed, and libsodium's own draws come from
 * det_rng, so every byte is reproducible. This file holds the world and
 * the story; the parts are in gen_trust_bundles_*.c. */
#include "gen_trust_bundles.h"

#include "core/cert.h"
#include "huzhu/trust.h"

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const struct sm_key sm[SM_N] = {
    [SM_ROOT] = {"root", NULL, NULL, 0x30},
    [SM_R] = {"node_r", "测试总部", NULL, 0x31},
    [SM_A] = {"admin_a", "测试管理员", "admin", 0x32},
    [SM_C] = {"coordinator_c", "测试协调员", "coordinator", 0x33},
    [SM_V] = {"viewer_v", "测试查看员甲", "viewer", 0x34},
    [SM_W] = {"viewer_w", "测试查看员乙", "viewer", 0x35},
    [SM_OTHER_ROOT] = {"other_root", NULL, NULL, 0x36},
    [SM_O] = {"node_o", "另一网络的节点", NULL, 0x37},
    [SM_RESTORED] = {"restored", "测试新电脑", NULL, 0x38},
};

static uint64_t dnode_now(void *data)
{
    return ((struct dnode *)data)->g.now_ms;
}

static void dnode_random(void *data, void *buf, size_t len)
{
    struct dnode *d = data;
    if (!d->seed_given) {
        if (len != sizeof d->seed)
            die("node key: a first draw of %zu bytes", len);
        memcpy(buf, d->seed, len);
        d->seed_given = true;
        return;
    }
    genv_random(&d->g, buf, len);
}

void dnode_open(struct dnode *d, const char *base, const char *sub, enum sm who,
                uint64_t now_ms)
{
    memset(d, 0, sizeof *d);
    snprintf(d->dir, sizeof d->dir, "%s/%s", base, sub);
    memset(d->seed, sm[who].seed_byte, sizeof d->seed);
    d->g.now_ms = now_ms;
    d->g.rng = sm[who].seed_byte;
    d->g.env = (struct hz_env){d, dnode_now, dnode_random};
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION,
                                .env = &d->g.env};
    struct hz_err err = {0};
    check(hz_node_create(d->dir, sm[who].device ? sm[who].device : "测试",
                         &opts, &d->n, &err),
          &err, sub);
    struct identity id;
    identity_from_seed(&id, d->seed);
    if (memcmp(id.pk, d->n->id.pk, HZ_KEY_LEN) != 0)
        die("%s: the node key is not its seed's", sub);
    identity_close(&id);
}

void tmp_name(struct sworld *w, const char *what, char *out, size_t len)
{
    snprintf(out, len, "%s/%s%zu", w->base, what, w->n_tmp++);
}

static char *key_hex(const struct sworld *w, enum sm who)
{
    char *s = malloc(2 * HZ_KEY_LEN + 1);
    if (s == NULL)
        die("out of memory");
    hex_encode(w->k[who].pk, HZ_KEY_LEN, s);
    return s;
}

/* R admits @who with its role; the token is kept. */
static void tb_admit(struct sworld *w, struct dnode *r, enum sm who)
{
    char *key = key_hex(w, who);
    struct hz_admission a = {
        .key = key, .name = sm[who].device, .role = sm[who].role};
    struct hz_err err = {0};
    check(hz_admit(r->n, &a, &w->token[who], &err), &err, sm[who].name);
    free(key);
    r->g.now_ms += 60000;
}

/* @d revokes @who (after the last entry it holds of it): the bundle key
 * epoch the revocation writes must be @epoch. */
static void tb_revoke(struct sworld *w, struct dnode *d, enum sm who,
                      json_int_t epoch)
{
    char *key = key_hex(w, who);
    char *summary = NULL;
    struct hz_err err = {0};
    check(hz_revoke(d->n, key, 0, 0, &summary, &err), &err, "revoke");
    json_t *o = parsed(summary);
    if (json_integer_value(json_object_get(o, "bundle_epoch")) != epoch)
        die("revoke %s: bundle epoch %s", sm[who].name, summary);
    json_decref(o);
    hz_free_string(summary);
    free(key);
    d->g.now_ms += 60000;
}

struct blob tb_export(struct sworld *w, struct dnode *d)
{
    char path[600];
    tmp_name(w, "export", path, sizeof path);
    uint64_t count = 0;
    struct hz_err err = {0};
    check(hz_bundle_export(d->n, path, NULL, &count, &err), &err, "export");
    struct blob b = file_blob(path);
    unlink(path);
    return b;
}

/* Enter the network of root key @root on @d, network.key placed first so
 * that network create takes that seed. */
static void tb_create(struct sworld *w, struct dnode *d, enum sm root,
                      const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "%s/network.key", d->dir);
    file_put(path, w->k[root].sk, HZ_SEED_LEN);
    if (chmod(path, 0600) != 0)
        die("chmod");
    char *hex = NULL;
    struct hz_err err = {0};
    check(hz_network_create(d->n, name, &hex, &err), &err, "network create");
    uint8_t net[HZ_NET_LEN];
    cert_network_id(w->k[root].pk, net);
    char want[2 * HZ_NET_LEN + 1];
    hex_encode(net, HZ_NET_LEN, want);
    if (strcmp(hex, want) != 0)
        die("network create: another network");
    hz_free_string(hex);
    d->g.now_ms += 60000;
}

static json_t *tb_members(const struct sworld *w)
{
    json_t *a = json_array();
    for (int i = 0; i < SM_N; i++) {
        json_t *k = json_object();
        json_object_set_new(k, "name", json_string(sm[i].name));
        json_object_set_new(k, "seed", hex_json(w->k[i].sk, HZ_SEED_LEN));
        json_object_set_new(k, "public_key", hex_json(w->k[i].pk, HZ_KEY_LEN));
        json_object_set_new(
            k, "token", w->token[i] ? json_string(w->token[i]) : json_null());
        json_array_append_new(a, k);
    }
    return a;
}

/* The node directories of write_trust_bundles, removed at exit. */
static char tb_tmp[64];

static void tb_cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tb_tmp);
    if (tb_tmp[0] != '\0' && system(cmd) != 0)
        fprintf(stderr, "gen_vectors: could not remove %s\n", tb_tmp);
}

/* @w's keys and network, and its directory (removed at exit). */
static void tb_world_init(struct sworld *w, struct gen *g)
{
    memset(w, 0, sizeof *w);
    w->g = g;
    snprintf(w->base, sizeof w->base, "/tmp/hz_gen_vectors_XXXXXX");
    if (mkdtemp(w->base) == NULL)
        die("mkdtemp");
    /* die() exits: the node directories go all the same. */
    snprintf(tb_tmp, sizeof tb_tmp, "%s", w->base);
    atexit(tb_cleanup);
    for (int i = 0; i < SM_N; i++) {
        uint8_t seed[HZ_SEED_LEN];
        memset(seed, sm[i].seed_byte, sizeof seed);
        /* The root seed's bytes all differ, so that the recovery code
         * pins the order of bytes and bits. */
        for (size_t k = 0; i == SM_ROOT && k < sizeof seed; k++)
            seed[k] = (uint8_t)(sm[i].seed_byte + k);
        identity_from_seed(&w->k[i], seed);
    }
    cert_network_id(w->k[SM_ROOT].pk, w->network);
}

/* The network secret and epoch 0's key of @r's network, as they follow
 * from the root seed (trust.md, "Root key backup"; bundle.md), checked
 * against what @r holds: {key, key_id} of epoch 0. */
static json_t *tb_epoch0(struct sworld *w, struct dnode *r)
{
    struct hz_err err = {0};
    static const char secret_tag[] = "huzhu network secret v1";
    crypto_generichash(w->secret, sizeof w->secret, (const uint8_t *)secret_tag,
                       sizeof secret_tag - 1, w->k[SM_ROOT].sk, HZ_SEED_LEN);
    uint8_t held[HZ_SECRET_LEN];
    check(network_secret(r->n, held, &err), &err, "network.secret");
    if (memcmp(held, w->secret, sizeof held) != 0)
        die("network.secret is not BLAKE2b(key = root seed, tag)");
    static const char key_tag[] = "huzhu bundle key v1";
    uint8_t msg[sizeof key_tag - 1 + 8] = {0}, k0[32], k0_id[16];
    memcpy(msg, key_tag, sizeof key_tag - 1);
    crypto_generichash(k0, sizeof k0, msg, sizeof msg, w->secret,
                       sizeof w->secret);
    tb_key_id(k0, k0_id);
    uint8_t cur[32], cur_id[16];
    uint64_t cur_epoch = 1;
    check(seal_key_current(r->n, cur, cur_id, &cur_epoch, &err), &err, "key");
    if (cur_epoch != 0 || memcmp(cur, k0, 32) != 0 ||
        memcmp(cur_id, k0_id, 16) != 0)
        die("epoch 0's key is not the one bundle.md derives");
    json_t *j0 = json_object();
    json_object_set_new(j0, "key", hex_json(k0, sizeof k0));
    json_object_set_new(j0, "key_id", hex_json(k0_id, sizeof k0_id));
    return j0;
}

/* @a joins with the token R wrote for it and imports @b, applying all. */
static void tb_join_import(struct sworld *w, struct dnode *a,
                           const struct blob *b)
{
    struct hz_err err = {0};
    char *summary = NULL;
    check(hz_join(a->n, w->token[SM_A], &summary, &err), &err, "join");
    hz_free_string(summary);
    char path[600];
    tmp_name(w, "in", path, sizeof path);
    file_put(path, b->p, b->len);
    struct hz_ingest_stats st = {0};
    check(hz_bundle_import(a->n, path, &st, &err), &err, "A imports");
    if (st.applied != st.entries)
        die("A applies %llu of %llu", (unsigned long long)st.applied,
            (unsigned long long)st.entries);
    unlink(path);
}

json_t *gen_trust_bundles(struct gen *g)
{
    det_rng_reset("trust-bundles.json");
    struct sworld w;
    tb_world_init(&w, g);

    /* R creates the network: the network secret and epoch 0's key follow
     * from the root seed (trust.md, "Root key backup"; bundle.md). */
    struct tb_exports x;
    struct dnode r;
    dnode_open(&r, w.base, "node_r", SM_R, T0_MS);
    tb_create(&w, &r, SM_ROOT, TB_NET_NAME);
    json_t *j0 = tb_epoch0(&w, &r);

    /* R admits A (admin), C (coordinator) and V (viewer); its bundles are
     * sealed with epoch 0's key. */
    tb_admit(&w, &r, SM_A);
    tb_admit(&w, &r, SM_C);
    tb_admit(&w, &r, SM_V);
    x.e0 = tb_export(&w, &r);
    /* R revokes V: epoch 1, signed by the root key, shared with R, A and
     * C; its bundles carry the epoch. */
    static const enum sm epoch1_members[] = {SM_R, SM_A, SM_C};
    static const enum sm epoch2_members[] = {SM_R, SM_A, SM_C};
    tb_revoke(&w, &r, SM_V, 1);
    struct blob ep1, ep2;
    json_t *epochs = json_array();
    json_array_append_new(epochs,
                          tb_epoch(&w, &r, "epoch1_by_root", 1, SM_V,
                                   epoch1_members, N(epoch1_members), &ep1));
    x.e1 = tb_export(&w, &r);
    /* W, admitted after, gets epoch 1's key in its token. */
    tb_admit(&w, &r, SM_W);
    x.full = tb_export(&w, &r);

    /* A joins, takes R's log in from a sealed bundle (its share of epoch 1
     * is in the header) and revokes W: epoch 2, signed by A's node key. */
    struct dnode a;
    dnode_open(&a, w.base, "node_a", SM_A, T0_MS + 3600000);
    tb_join_import(&w, &a, &x.full);
    a.g.now_ms += 60000;
    tb_revoke(&w, &a, SM_W, 2);
    json_array_append_new(epochs,
                          tb_epoch(&w, &a, "epoch2_by_admin", 2, SM_W,
                                   epoch2_members, N(epoch2_members), &ep2));
    x.e2 = tb_export(&w, &a);
    tb_long_records(&a);
    x.big = tb_export(&w, &a);

    /* Another network's node. */
    struct dnode o;
    dnode_open(&o, w.base, "node_o", SM_O, T0_MS);
    tb_create(&w, &o, SM_OTHER_ROOT, "另一个测试网络");
    x.other = tb_export(&w, &o);

    json_t *sealed = tb_sealed_cases(&w, &x, &r, &a);

    json_t *doc = file_root(
        "Bundle key epochs (proto/trust.md, \"Bundle key epochs\"), sealed "
        "bundles (proto/bundle.md, \"Sealed bundles\") and the root key's "
        "recovery code and backup file (proto/trust.md, \"Root key "
        "backup\"), all written by real nodes. keys: each from a seed of 32 "
        "equal bytes, but root's (0x30, 0x31, ... 0x4f), the network root "
        "key; node_r the node that "
        "created the network (an admin), admin_a, coordinator_c, viewer_v "
        "and viewer_w admitted by node_r, each with its join token (opened "
        "with its own seed, trust.md \"Join tokens\"); other_root and node_o "
        "another network. network_secret = BLAKE2b-256(key = root seed, "
        "\"huzhu network secret v1\"); epoch0 key = BLAKE2b-256(key = "
        "network_secret, \"huzhu bundle key v1\" || u64be(0)); key_id = "
        "BLAKE2b-128(\"huzhu bundle key id v1\" || key). epochs: node_r "
        "revokes viewer_v (epoch 1, root-signed), then admin_a revokes "
        "viewer_w (epoch 2, signed by admin_a's node key); each with its "
        "object, key, shares (crypto_box_seal of the key to the X25519 form "
        "of each subject's key, opened with crypto_box_seal_open) and the "
        "entry hz_revoke wrote, [[4, revocation], [5, epoch]]. "
        "refused_epochs: epoch objects that fail to decode or verify (kind "
        "epoch) and an entry whose trust content fails (kind entry), with "
        "the code huzhu reports. sealed: "
        "bundles as huzhu export writes them, each read by a fresh node of "
        "`reader` that joined with its token: the opener's keys are epoch "
        "0's, its token's, and its share in the epoch the header carries. "
        "Imported ones give the plain bundle and what the import counts; "
        "refused ones the code. Refused ones whose description says "
        "\"sealed again\" are a plain bundle that imports, sealed again by "
        "hand under a key its reader holds with one rule of bundle.md, "
        "\"Reading a sealed bundle\", broken (the header's form, epoch or "
        "carried object, a chunk's size or tag). recovery: the code for the "
        "root seed and "
        "codes read and refused; backup: the file for the root seed and "
        "passphrase, and files or passphrases refused. libsodium's own "
        "draws (the sealed boxes' ephemeral keys, the secretstream header, "
        "and nothing else) come from a deterministic randombytes "
        "implementation in the generator.");
    json_object_set_new(doc, "network", hex_json(w.network, HZ_NET_LEN));
    json_object_set_new(doc, "network_name", json_string(TB_NET_NAME));
    json_object_set_new(doc, "network_secret",
                        hex_json(w.secret, sizeof w.secret));
    json_object_set_new(doc, "epoch0", j0);
    json_object_set_new(doc, "keys", tb_members(&w));
    json_object_set_new(doc, "epochs", epochs);
    json_object_set_new(doc, "refused_epochs", tb_refused_epochs(&w, &ep1));
    json_object_set_new(doc, "sealed", sealed);
    json_object_set_new(doc, "recovery", tb_recovery(&w, &r));
    json_object_set_new(doc, "backup", tb_backup(&w, &r));
    /* Last: these draw from det_rng, and the bytes above stay as they were. */
    tb_resealed_cases(&w, &x, &r, &a, &ep1, &ep2, sealed);

    hz_node_close(r.n);
    hz_node_close(a.n);
    hz_node_close(o.n);
    struct blob *blobs[] = {&x.e0,   &x.e1,    &x.e2, &x.big,
                            &x.full, &x.other, &ep1,  &ep2};
    for (size_t i = 0; i < N(blobs); i++)
        free(blobs[i]->p);
    for (int i = 0; i < SM_N; i++) {
        hz_free_string(w.token[i]);
        identity_close(&w.k[i]);
    }
    return doc;
}
