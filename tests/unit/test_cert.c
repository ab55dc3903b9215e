/* test_cert.c - certificates and the authorization rule (src/core/cert.c,
 * proto/trust.md). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/cert.h"
#include "core/identity.h"
#include "huzhu/huzhu.h"

#include <string.h>

static const uint8_t site_a[HZ_ROW_LEN] = {0xaa, 1, 2, 3};
static const uint8_t site_b[HZ_ROW_LEN] = {0xbb, 1, 2, 3};

struct fixture {
    struct identity root;
    struct identity device;
    struct enc out;
    struct cert c;
};

static void make_cert(struct fixture *f, enum role role, const uint8_t *site)
{
    uint8_t seed[HZ_SEED_LEN];
    memset(seed, 0x11, sizeof seed);
    identity_from_seed(&f->root, seed);
    memset(seed, 0x22, sizeof seed);
    identity_from_seed(&f->device, seed);
    memset(&f->c, 0, sizeof f->c);
    f->c.version = HZ_CERT_VERSION;
    cert_network_id(f->root.pk, f->c.network);
    memcpy(f->c.subject, f->device.pk, HZ_KEY_LEN);
    f->c.name = (struct hz_bytes){(const uint8_t *)"测试安置点", 15};
    f->c.role = role;
    f->c.has_site = site != NULL;
    if (site != NULL)
        memcpy(f->c.site, site, HZ_ROW_LEN);
    f->c.issued_ms = 1790000000000u;
    f->c.valid_days = 90;
    memcpy(f->c.issuer, f->root.pk, HZ_KEY_LEN);
    enc_init(&f->out);
    assert_int_equal(cert_sign(&f->c, f->root.sk, &f->out), 0);
}

static void cert_round_trips_and_verifies(void **state)
{
    (void)state;
    struct fixture f;
    make_cert(&f, ROLE_SITE, site_a);
    struct cert d;
    assert_int_equal(cert_decode(&d, enc_data(&f.out), enc_len(&f.out), NULL),
                     0);
    assert_int_equal(cert_verify(&d, NULL), 0);
    assert_memory_equal(d.id, f.c.id, HZ_HASH_LEN);
    assert_memory_equal(d.subject, f.device.pk, HZ_KEY_LEN);
    assert_int_equal(d.role, ROLE_SITE);
    assert_memory_equal(d.site, site_a, HZ_ROW_LEN);
    assert_true(d.name.len == 15 && memcmp(d.name.p, "测试安置点", 15) == 0);
    enc_close(&f.out);
}

static void flipping_any_bit_of_a_cert_breaks_it(void **state)
{
    (void)state;
    struct fixture f;
    make_cert(&f, ROLE_COORDINATOR, NULL);
    uint8_t buf[512];
    size_t len = enc_len(&f.out);
    assert_true(len <= sizeof buf);
    for (size_t bit = 0; bit < len * 8; bit++) {
        memcpy(buf, enc_data(&f.out), len);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        struct cert d;
        int rv = cert_decode(&d, buf, len, NULL);
        if (rv == 0)
            rv = cert_verify(&d, NULL);
        if (rv == 0)
            fail_msg("bit %zu flipped and the cert still verifies", bit);
    }
    enc_close(&f.out);
}

static void site_role_needs_a_site_and_others_none(void **state)
{
    (void)state;
    struct fixture f;
    make_cert(&f, ROLE_SITE, NULL); /* signed, but malformed */
    struct cert d;
    assert_int_equal(cert_decode(&d, enc_data(&f.out), enc_len(&f.out), NULL),
                     HZ_EMALFORMED);
    enc_close(&f.out);
    make_cert(&f, ROLE_VIEWER, site_a);
    assert_int_equal(cert_decode(&d, enc_data(&f.out), enc_len(&f.out), NULL),
                     HZ_EMALFORMED);
    enc_close(&f.out);
}

static void network_id_is_derived_from_the_root_key(void **state)
{
    (void)state;
    struct fixture f;
    make_cert(&f, ROLE_ADMIN, NULL);
    uint8_t a[HZ_NET_LEN], b[HZ_NET_LEN];
    cert_network_id(f.root.pk, a);
    cert_network_id(f.device.pk, b);
    assert_memory_equal(a, f.c.network, HZ_NET_LEN);
    assert_memory_not_equal(a, b, HZ_NET_LEN);
    enc_close(&f.out);
}

static void validity_is_a_window_from_issue(void **state)
{
    (void)state;
    struct fixture f;
    make_cert(&f, ROLE_ADMIN, NULL);
    uint64_t day = 86400000u;
    assert_false(cert_is_current(&f.c, f.c.issued_ms - 1));
    assert_true(cert_is_current(&f.c, f.c.issued_ms));
    assert_true(cert_is_current(&f.c, f.c.issued_ms + 90 * day));
    assert_false(cert_is_current(&f.c, f.c.issued_ms + 90 * day + 1));
    enc_close(&f.out);
}

/* An op on @table with one id field @col = @val (or no field). */
static struct op make_op(enum op_kind kind, const char *table,
                         const uint8_t *row, const char *col,
                         const uint8_t *val, struct field *fld)
{
    struct op o = {0};
    o.kind = kind;
    o.table = schema_table_c(schema_current(), table);
    assert_non_null(o.table);
    memcpy(o.row, row, HZ_ROW_LEN);
    if (col != NULL) {
        memset(fld, 0, sizeof *fld);
        fld->col = schema_col_c(o.table, col);
        assert_true(fld->col >= 0);
        fld->val.type = VALUE_BIN;
        fld->val.s = (struct hz_bytes){val, HZ_ROW_LEN};
        o.fields = fld;
        o.n_fields = 1;
    }
    return o;
}

static void roles_allow_what_decisions_18_says(void **state)
{
    (void)state;
    static const uint8_t row[HZ_ROW_LEN] = {7};
    struct field fld;
    struct fixture site, coord, viewer, admin;
    make_cert(&site, ROLE_SITE, site_a);
    make_cert(&coord, ROLE_COORDINATOR, NULL);
    make_cert(&viewer, ROLE_VIEWER, NULL);
    make_cert(&admin, ROLE_ADMIN, NULL);

    struct op hh = make_op(OP_SET, "households", row, NULL, NULL, &fld);
    struct op person_del = make_op(OP_DEL, "persons", row, NULL, NULL, &fld);
    struct op own_site = make_op(OP_SET, "sites", site_a, NULL, NULL, &fld);
    struct op other_site = make_op(OP_SET, "sites", site_b, NULL, NULL, &fld);
    struct op item = make_op(OP_SET, "items", row, NULL, NULL, &fld);

    assert_int_equal(cert_allows(&site.c, &hh, NULL), 0);
    assert_int_equal(cert_allows(&site.c, &person_del, NULL), 0);
    assert_int_equal(cert_allows(&site.c, &own_site, NULL), 0);
    assert_int_equal(cert_allows(&site.c, &other_site, NULL), HZ_EPERM);
    assert_int_equal(cert_allows(&site.c, &item, NULL), HZ_EPERM);

    struct field f2;
    struct op own_move =
        make_op(OP_INS, "stock_moves", row, "site", site_a, &f2);
    assert_int_equal(cert_allows(&site.c, &own_move, NULL), 0);
    struct op other_move =
        make_op(OP_INS, "stock_moves", row, "site", site_b, &f2);
    struct hz_err err = {0};
    assert_int_equal(cert_allows(&site.c, &other_move, &err), HZ_EPERM);
    assert_non_null(strstr(err.msg, "stock_moves"));
    struct op warning = make_op(OP_INS, "warnings", row, "household", row, &f2);
    assert_int_equal(cert_allows(&site.c, &warning, NULL), HZ_EPERM);
    /* The account a site's web write names (schema version 2). */
    struct op by = make_op(OP_INS, "recorded_by", row, NULL, NULL, &f2);
    assert_int_equal(cert_allows(&site.c, &by, NULL), 0);

    const struct op *all[] = {&hh,         &person_del, &own_site,
                              &other_site, &item,       &own_move,
                              &other_move, &warning,    &by};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        assert_int_equal(cert_allows(&coord.c, all[i], NULL), 0);
        assert_int_equal(cert_allows(&admin.c, all[i], NULL), 0);
        assert_int_equal(cert_allows(&viewer.c, all[i], NULL), HZ_EPERM);
    }
    enc_close(&site.out);
    enc_close(&coord.out);
    enc_close(&viewer.out);
    enc_close(&admin.out);
}

static void role_names_round_trip(void **state)
{
    (void)state;
    for (int r = ROLE_ADMIN; r <= ROLE_VIEWER; r++) {
        enum role back;
        assert_int_equal(cert_role_parse(cert_role_name((enum role)r), &back),
                         0);
        assert_int_equal(back, r);
    }
    enum role x;
    assert_int_equal(cert_role_parse("root", &x), HZ_EINVAL);
    assert_null(cert_role_name((enum role)9));
}

/* Sign @f's certificate again after the caller changed its fields, and
 * decode the result. */
static int resign_decode(struct fixture *f)
{
    enc_close(&f->out);
    enc_init(&f->out);
    assert_int_equal(cert_sign(&f->c, f->root.sk, &f->out), 0);
    struct cert d;
    return cert_decode(&d, enc_data(&f->out), enc_len(&f->out), NULL);
}

static void admission_is_given_to_coordinators_only(void **state)
{
    (void)state;
    struct fixture f;
    make_cert(&f, ROLE_COORDINATOR, NULL);
    f.c.admits = true;
    assert_int_equal(resign_decode(&f), 0);
    enc_close(&f.out);
    static const struct {
        enum role role;
        const uint8_t *site;
    } others[] = {{ROLE_ADMIN, NULL}, {ROLE_SITE, site_a}, {ROLE_VIEWER, NULL}};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        make_cert(&f, others[i].role, others[i].site);
        f.c.admits = true;
        assert_int_equal(resign_decode(&f), HZ_EMALFORMED);
        enc_close(&f.out);
    }
}

static void a_newer_version_is_refused_as_such(void **state)
{
    (void)state;
    struct fixture f;
    make_cert(&f, ROLE_VIEWER, NULL);
    f.c.version = 2;
    assert_int_equal(resign_decode(&f), HZ_EVERSION);
    enc_close(&f.out);
}

static void values_out_of_range_are_refused(void **state)
{
    (void)state;
    struct fixture f;
    make_cert(&f, ROLE_VIEWER, NULL);
    f.c.valid_days = HZ_VALID_DAYS_MAX;
    assert_int_equal(resign_decode(&f), 0);
    f.c.valid_days = HZ_VALID_DAYS_MAX + 1;
    assert_int_equal(resign_decode(&f), HZ_EMALFORMED);
    f.c.valid_days = 90;
    f.c.issued_ms = (uint64_t)INT64_MAX + 1;
    assert_int_equal(resign_decode(&f), HZ_EMALFORMED);
    f.c.issued_ms = (uint64_t)INT64_MAX;
    assert_int_equal(resign_decode(&f), 0);
    f.c.role = (enum role)4;
    assert_int_equal(resign_decode(&f), HZ_EMALFORMED);
    enc_close(&f.out);
}

static void a_name_over_200_bytes_is_too_big(void **state)
{
    (void)state;
    struct fixture f;
    make_cert(&f, ROLE_VIEWER, NULL);
    uint8_t name[HZ_CERT_NAME_MAX + 1];
    memset(name, 'n', sizeof name);
    f.c.name = (struct hz_bytes){name, HZ_CERT_NAME_MAX};
    assert_int_equal(resign_decode(&f), 0);
    f.c.name = (struct hz_bytes){name, HZ_CERT_NAME_MAX + 1};
    assert_int_equal(resign_decode(&f), HZ_ETOOBIG);
    enc_close(&f.out);
}

static void only_the_networks_root_key_is_root(void **state)
{
    (void)state;
    struct fixture f;
    make_cert(&f, ROLE_ADMIN, NULL);
    assert_true(cert_is_root(f.c.network, f.root.pk));
    assert_false(cert_is_root(f.c.network, f.device.pk));
    uint8_t other[HZ_NET_LEN];
    cert_network_id(f.device.pk, other);
    assert_false(cert_is_root(other, f.root.pk));
    assert_true(cert_is_root(other, f.device.pk));
    enc_close(&f.out);
}

/* A revocation of the fixture's device by its root key. */
static void make_rev(struct fixture *f, uint64_t after_seq, bool has_after_id,
                     struct revocation *r)
{
    make_cert(f, ROLE_VIEWER, NULL);
    memset(r, 0, sizeof *r);
    r->version = HZ_CERT_VERSION;
    memcpy(r->network, f->c.network, HZ_NET_LEN);
    memcpy(r->subject, f->device.pk, HZ_KEY_LEN);
    r->after_seq = after_seq;
    r->has_after_id = has_after_id;
    memset(r->after_id, has_after_id ? 0x5a : 0, HZ_HASH_LEN);
    r->issued_ms = 1790000000000u;
    memcpy(r->issuer, f->root.pk, HZ_KEY_LEN);
    enc_reset(&f->out);
    assert_int_equal(revocation_sign(r, f->root.sk, &f->out), 0);
}

static void revocation_round_trips_and_verifies(void **state)
{
    (void)state;
    for (uint64_t after = 0; after <= 42; after += 42) {
        struct fixture f;
        struct revocation r, d;
        make_rev(&f, after, after > 0, &r);
        assert_int_equal(
            revocation_decode(&d, enc_data(&f.out), enc_len(&f.out), NULL), 0);
        assert_int_equal(revocation_verify(&d, NULL), 0);
        assert_memory_equal(d.id, r.id, HZ_HASH_LEN);
        assert_int_equal(d.after_seq, after);
        assert_int_equal(d.has_after_id, after > 0);
        if (after > 0)
            assert_memory_equal(d.after_id, r.after_id, HZ_HASH_LEN);
        assert_memory_equal(d.subject, f.device.pk, HZ_KEY_LEN);
        struct enc again;
        enc_init(&again);
        assert_int_equal(revocation_encode(&d, &again), 0);
        assert_int_equal(enc_len(&again), enc_len(&f.out));
        assert_memory_equal(enc_data(&again), enc_data(&f.out),
                            enc_len(&f.out));
        enc_close(&again);
        enc_close(&f.out);
    }
}

static void
a_revocation_names_an_after_id_exactly_with_an_after_seq(void **state)
{
    (void)state;
    struct fixture f;
    struct revocation r, d;
    make_rev(&f, 0, true, &r);
    assert_int_equal(
        revocation_decode(&d, enc_data(&f.out), enc_len(&f.out), NULL),
        HZ_EMALFORMED);
    enc_close(&f.out);
    make_rev(&f, 3, false, &r);
    assert_int_equal(
        revocation_decode(&d, enc_data(&f.out), enc_len(&f.out), NULL),
        HZ_EMALFORMED);
    enc_close(&f.out);
}

static void flipping_any_bit_of_a_revocation_breaks_it(void **state)
{
    (void)state;
    struct fixture f;
    struct revocation r;
    make_rev(&f, 7, true, &r);
    uint8_t buf[512];
    size_t len = enc_len(&f.out);
    assert_true(len <= sizeof buf);
    for (size_t bit = 0; bit < len * 8; bit++) {
        memcpy(buf, enc_data(&f.out), len);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        struct revocation d;
        int rv = revocation_decode(&d, buf, len, NULL);
        if (rv == 0)
            rv = revocation_verify(&d, NULL);
        if (rv == 0)
            fail_msg("bit %zu flipped and the revocation still verifies", bit);
    }
    enc_close(&f.out);
}

int main(void)
{
    if (hz_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cert_round_trips_and_verifies),
        cmocka_unit_test(flipping_any_bit_of_a_cert_breaks_it),
        cmocka_unit_test(site_role_needs_a_site_and_others_none),
        cmocka_unit_test(network_id_is_derived_from_the_root_key),
        cmocka_unit_test(validity_is_a_window_from_issue),
        cmocka_unit_test(roles_allow_what_decisions_18_says),
        cmocka_unit_test(role_names_round_trip),
        cmocka_unit_test(admission_is_given_to_coordinators_only),
        cmocka_unit_test(a_newer_version_is_refused_as_such),
        cmocka_unit_test(values_out_of_range_are_refused),
        cmocka_unit_test(a_name_over_200_bytes_is_too_big),
        cmocka_unit_test(only_the_networks_root_key_is_root),
        cmocka_unit_test(revocation_round_trips_and_verifies),
        cmocka_unit_test(
            a_revocation_names_an_after_id_exactly_with_an_after_seq),
        cmocka_unit_test(flipping_any_bit_of_a_revocation_breaks_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
