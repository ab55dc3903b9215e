/* gen_trust_bundles_rootkey.c - trust-bundles.json's "recovery" and
 * "backup": the root key's recovery code and backup file (proto/trust.md,
 * "Root key backup").
 *
 * R prints its recovery code and writes its backup file; a fresh node
 * restores the root key from each, from the code written loosely (lower
 * case, no dashes, letters for digits), and refuses codes and files
 * changed in one place, leaving itself outside any network. */
#include "gen_trust_bundles.h"

#include "core/cert.h"
#include "huzhu/trust.h"

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh node restores the root key from @path with @pass, or from
 * @code: 0 (the node is then the network's admin, network.key holds the
 * root seed) or the refusal, which leaves the node outside any network
 * and without network.key. */
static int tb_restore(struct sworld *w, const char *path, const char *pass,
                      const char *code, struct hz_err *err)
{
    char sub[32], file[600];
    snprintf(sub, sizeof sub, "restore%zu", w->n_tmp++);
    struct dnode d;
    dnode_open(&d, w->base, sub, SM_RESTORED, T0_MS + 2 * 86400000);
    char *hex = NULL;
    int rv = hz_network_restore(d.n, path, code, pass, NULL, &hex, err);
    snprintf(file, sizeof file, "%s/network.key", d.dir);
    if (rv == 0) {
        struct blob seed = file_blob(file);
        char want[2 * HZ_NET_LEN + 1];
        hex_encode(w->network, HZ_NET_LEN, want);
        if (seed.len != HZ_SEED_LEN ||
            memcmp(seed.p, w->k[SM_ROOT].sk, HZ_SEED_LEN) != 0 || hex == NULL ||
            strcmp(hex, want) != 0 || !d.n->networked)
            die("restore: not the root key");
        free(seed.p);
    } else if (d.n->networked || access(file, F_OK) == 0) {
        die("a refused restore changed the node");
    }
    hz_free_string(hex);
    hz_node_close(d.n);
    return rv;
}

static void tb_code_case(struct sworld *w, json_t *a, const char *name,
                         const char *code, const char *want, const char *reason)
{
    struct hz_err err = {0};
    int rv = tb_restore(w, NULL, NULL, code, &err);
    if (want == NULL && rv != 0)
        die("%s: %s", name, err.msg);
    if (want != NULL)
        expect_refused(name, rv, want, &err);
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "code", json_string(code));
    if (want != NULL)
        json_object_set_new(o, "error", json_string(want));
    json_object_set_new(o, "reason", json_string(reason));
    json_array_append_new(a, o);
}

json_t *tb_recovery(struct sworld *w, struct dnode *r)
{
    char *code = NULL;
    struct hz_err err = {0};
    check(hz_network_recovery_code(r->n, &code, &err), &err, "code");
    if (strlen(code) != 55 + 10)
        die("recovery code of %zu characters", strlen(code));
    static const char tag[] = "huzhu recovery code v1";
    uint8_t in[sizeof tag - 1 + HZ_SEED_LEN], check16[16];
    memcpy(in, tag, sizeof tag - 1);
    memcpy(in + sizeof tag - 1, w->k[SM_ROOT].sk, HZ_SEED_LEN);
    crypto_generichash(check16, sizeof check16, in, sizeof in, NULL, 0);
    json_t *o = json_object();
    json_object_set_new(o, "seed", hex_json(w->k[SM_ROOT].sk, HZ_SEED_LEN));
    json_object_set_new(o, "check", hex_json(check16, 2));
    json_object_set_new(o, "code", json_string(code));
    json_t *ok = json_array(), *bad = json_array();
    tb_code_case(w, ok, "as_printed", code, NULL, "the code as printed");
    /* Lower case, no dashes, and the letters read as digits. */
    char loose[80];
    size_t n = 0;
    for (const char *p = code; *p; p++) {
        char c = *p;
        if (c == '-')
            continue;
        c = c == '0' ? 'o' : c == '1' ? (n % 2 ? 'i' : 'l') : c;
        loose[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    loose[n] = '\0';
    if (strpbrk(code, "01") == NULL)
        die("the code has no 0 or 1 to write as a letter");
    tb_code_case(w, ok, "lowercase_no_dashes_o_i_l", loose, NULL,
                 "lower case without dashes, 0 written o and 1 written i "
                 "or l");
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    char v[80];
    snprintf(v, sizeof v, "%s", code);
    v[0] = alphabet[(strchr(alphabet, v[0]) - alphabet + 1) % 32];
    tb_code_case(w, bad, "one_wrong_letter", v, "HZ_EINVAL",
                 "the first letter changed: the check does not match");
    snprintf(v, sizeof v, "%.*s", 59, code);
    tb_code_case(w, bad, "short", v, "HZ_EINVAL",
                 "the last group left out: 50 letters");
    snprintf(v, sizeof v, "%s0", code);
    tb_code_case(w, bad, "one_letter_too_many", v, "HZ_EINVAL", "56 letters");
    snprintf(v, sizeof v, "%s", code);
    v[2] = 'U';
    tb_code_case(w, bad, "letter_outside_alphabet", v, "HZ_EINVAL",
                 "a U, which the alphabet leaves out");
    snprintf(v, sizeof v, "%s", code);
    size_t last = strlen(v) - 1;
    v[last] = alphabet[(strchr(alphabet, v[last]) - alphabet) | 1];
    if (v[last] == code[last])
        die("the last letter has its lowest bit set already");
    tb_code_case(w, bad, "padding_bit_set", v, "HZ_EINVAL",
                 "the last letter's lowest bit, past the 272 bits, set");
    json_object_set_new(o, "accepted", ok);
    json_object_set_new(o, "refused", bad);
    hz_free_string(code);
    return o;
}

static void tb_backup_case(struct sworld *w, json_t *a, const char *name,
                           const struct blob *file, const char *pass,
                           const char *want, const char *reason)
{
    char path[600];
    tmp_name(w, "backup", path, sizeof path);
    file_put(path, file->p, file->len);
    struct hz_err err = {0};
    int rv = tb_restore(w, path, pass, NULL, &err);
    expect_refused(name, rv, want, &err);
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "file", hex_json(file->p, file->len));
    json_object_set_new(o, "passphrase", json_string(pass));
    json_object_set_new(o, "error", json_string(want));
    json_object_set_new(o, "reason", json_string(reason));
    json_array_append_new(a, o);
    unlink(path);
}

json_t *tb_backup(struct sworld *w, struct dnode *r)
{
    char path[600];
    tmp_name(w, "backup", path, sizeof path);
    struct hz_err err = {0};
    check(hz_network_backup_key(r->n, path, TB_PASS, &err), &err, "backup");
    struct blob file = file_blob(path);
    struct hz_err rerr = {0};
    check(tb_restore(w, path, TB_PASS, NULL, &rerr), &rerr, "restore");
    /* "HZROOT01" 98 01 c4 10 <network> a? <name> c4 10 <salt> ... */
    static const uint8_t head[] = {'H', 'Z', 'R',  'O',  'O',  'T',
                                   '0', '1', 0x98, 0x01, 0xc4, 0x10};
    if (file.len < sizeof head + HZ_NET_LEN ||
        memcmp(file.p, head, sizeof head) != 0 ||
        memcmp(file.p + sizeof head, w->network, HZ_NET_LEN) != 0)
        die("backup: not the layout expected");
    json_t *o = json_object();
    json_object_set_new(o, "passphrase", json_string(TB_PASS));
    json_object_set_new(o, "file", hex_json(file.p, file.len));
    json_object_set_new(o, "opslimit",
                        json_integer(crypto_pwhash_OPSLIMIT_MODERATE));
    json_object_set_new(o, "memlimit",
                        json_integer(crypto_pwhash_MEMLIMIT_MODERATE));
    json_t *bad = json_array();
    tb_backup_case(w, bad, "wrong_passphrase", &file, TB_WRONG_PASS,
                   "HZ_EBADSIG",
                   "the last character of the passphrase "
                   "changed: the box does not open");
    struct blob other = blob_dup(&file);
    cert_network_id(w->k[SM_OTHER_ROOT].pk, other.p + sizeof head);
    tb_backup_case(w, bad, "names_another_network", &other, TB_PASS,
                   "HZ_ECORRUPT",
                   "the network field changed to another network's id: the "
                   "seed opens, but its network id differs");
    free(other.p);
    json_object_set_new(o, "refused", bad);
    free(file.p);
    unlink(path);
    return o;
}
