/* test_peer.c - who may open a live-sync channel (src/store/members/peer.c;
 * proto/sync.md, "The chain a peer shows"; DECISIONS 18, 29, 32, 33).
 *
 * Root R makes the network and admits D (and, in some tests, F); each
 * joins. E is admitted by R before D and never sees D's certificate: it
 * judges D by the chain D shows alone. */
#include "lib/unit_env.h"

#include "huzhu/trust.h"
#include "store/members/members.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS UINT64_C(86400000)

struct world {
    char *base;
    struct unit_site r, d, e, p;
};

static void world_open(struct world *w)
{
    w->base = unit_tmpdir();
    unit_site_create(w->base, &w->r, "r", 1);
    unit_site_create(w->base, &w->d, "d", 2);
    unit_site_create(w->base, &w->e, "e", 3);
    unit_site_create(w->base, &w->p, "p", 4);
    char *net = NULL;
    struct hz_err err = {0};
    if (hz_network_create(w->r.n, "测试网", &net, &err) != 0)
        fail_msg("network create: %s", err.msg);
    hz_free_string(net);
    unit_admit_join(w->r.n, w->e.n, 0);
    unit_admit_join(w->r.n, w->d.n, 0);
}

static void world_close(struct world *w)
{
    struct unit_site *all[] = {&w->r, &w->d, &w->e, &w->p};
    for (size_t i = 0; i < 4; i++)
        unit_site_close(all[i]);
    unit_rmtree(w->base);
    free(w->base);
}

/* @who's chain as it would show it. */
static struct enc chain_of(hz_node *who)
{
    struct enc c;
    enc_init(&c);
    struct hz_err err = {0};
    if (peer_own_chain(who, &c, &err) != 0)
        fail_msg("own chain: %s", err.msg);
    return c;
}

/* @judge's verdict on @who showing @chain; the reason into @err. */
static int judge(hz_node *judge_n, hz_node *who, const struct enc *chain,
                 struct hz_err *err)
{
    return peer_judge(judge_n, who->id.pk, enc_data(chain), enc_len(chain),
                      err);
}

static void a_member_is_let_in_by_its_chain_even_where_unknown(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct enc cd = chain_of(w.d.n), cr = chain_of(w.r.n);
    struct hz_err err = {0};
    /* R admitted D: it knows D's certificate. */
    assert_int_equal(judge(w.r.n, w.d.n, &cd, &err), 0);
    /* E never saw D's certificate: D's chain alone lets it in, and it
     * stays out of E's trust state (only entries enter it). */
    bool known = true;
    assert_int_equal(roster_knows(w.e.n, w.d.n->id.pk, &known, NULL), 0);
    assert_false(known);
    assert_int_equal(judge(w.e.n, w.d.n, &cd, &err), 0);
    assert_int_equal(roster_knows(w.e.n, w.d.n->id.pk, &known, NULL), 0);
    assert_false(known);
    /* And D lets R in. */
    assert_int_equal(judge(w.d.n, w.r.n, &cr, &err), 0);
    enc_close(&cd);
    enc_close(&cr);
    world_close(&w);
}

static void a_chain_not_of_the_key_or_tampered_is_refused(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct enc cd = chain_of(w.d.n);
    struct hz_err err = {0};
    /* D's chain shown by a key that proved itself as P (no member). */
    assert_int_equal(judge(w.e.n, w.p.n, &cd, &err), HZ_EPERM);
    assert_non_null(strstr(err.msg, "not for the key"));
    /* Every byte of D's chain flipped: refused by E, which has only the
     * chain to go by. */
    uint8_t *copy = malloc(enc_len(&cd));
    assert_non_null(copy);
    for (size_t at = 0; at < enc_len(&cd); at++) {
        memcpy(copy, enc_data(&cd), enc_len(&cd));
        copy[at] ^= 0x04;
        int rv = peer_judge(w.e.n, w.d.n->id.pk, copy, enc_len(&cd), &err);
        if (rv == 0)
            fail_msg("byte %zu flipped: let in", at);
    }
    free(copy);
    /* An empty chain, and garbage. */
    assert_int_equal(
        peer_judge(w.e.n, w.d.n->id.pk, (const uint8_t *)"\x90", 1, &err),
        HZ_EMALFORMED);
    assert_int_equal(
        peer_judge(w.e.n, w.d.n->id.pk, (const uint8_t *)"\xc1", 1, &err),
        HZ_EMALFORMED);
    enc_close(&cd);
    world_close(&w);
}

static void a_revoked_device_and_a_node_in_no_network_are_refused(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct enc cd = chain_of(w.d.n);
    struct hz_err err = {0};
    char key[2 * HZ_KEY_LEN + 1], *summary = NULL;
    hz_node_key_hex(w.d.n, key);
    assert_int_equal(hz_revoke(w.r.n, key, 0, 0, &summary, &err), 0);
    hz_free_string(summary);
    assert_int_equal(judge(w.r.n, w.d.n, &cd, &err), HZ_EREVOKED);
    /* P is in no network: it opens no channel at all (DECISIONS 32). */
    assert_int_equal(judge(w.p.n, w.d.n, &cd, &err), HZ_ENETWORK);
    struct enc none;
    enc_init(&none);
    assert_int_equal(peer_own_chain(w.p.n, &none, &err), HZ_ENOCERT);
    struct store_self self;
    assert_int_equal(store_channel_self(w.p.n, &self, &err), HZ_ENETWORK);
    assert_null(self.chain);
    enc_close(&none);
    enc_close(&cd);
    world_close(&w);
}

/* DECISIONS 29: certificates are judged at the trusted time, the wall
 * clock raised to the newest issue time of the objects in effect. */
static void certificates_are_judged_at_the_trusted_time(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct unit_site f;
    unit_site_create(w.base, &f, "f", 5);
    unit_admit_join(w.r.n, f.n, 1); /* one day */
    struct enc cf = chain_of(f.n), cd = chain_of(w.d.n);
    struct hz_err err = {0};
    assert_int_equal(judge(w.r.n, f.n, &cf, &err), 0);
    /* A Pi booted in 1970: the floor is the newest issue time, so D and F
     * still get in. */
    w.r.env.now_ms = 90000;
    struct peer_time tt;
    assert_int_equal(peer_trusted_time(w.r.n, &tt, NULL), 0);
    assert_true(tt.floor_ms >= UNIT_T0_MS && tt.ms == tt.floor_ms);
    assert_int_equal(judge(w.r.n, w.d.n, &cd, &err), 0);
    assert_int_equal(judge(w.r.n, f.n, &cf, &err), 0);
    /* R's clock three days on: F's day is over by R's clock alone, and
     * the reason names the clock. */
    w.r.env.now_ms = UNIT_T0_MS + 3 * DAY_MS;
    assert_int_equal(judge(w.r.n, f.n, &cf, &err), HZ_EPERM);
    assert_non_null(strstr(err.msg, "clock"));
    assert_int_equal(judge(w.r.n, w.d.n, &cd, &err), 0);
    /* An admission dated then moves the floor past F's end: expired for
     * every honest clock, even one set back. */
    struct unit_site g;
    unit_site_create(w.base, &g, "g", 6);
    unit_admit_join(w.r.n, g.n, 0);
    w.r.env.now_ms = UNIT_T0_MS;
    assert_int_equal(judge(w.r.n, f.n, &cf, &err), HZ_EPERM);
    assert_non_null(strstr(err.msg, "expired"));
    assert_int_equal(peer_trusted_time(w.r.n, &tt, NULL), 0);
    assert_int_equal(tt.ignored, 0);
    uint64_t floor = tt.floor_ms;
    assert_true(floor >= UNIT_T0_MS + 3 * DAY_MS);
    /* An admission dated 60 days on (an admin's clock far ahead) is more
     * than 30 days past all the others: left out of the floor. */
    struct unit_site h;
    unit_site_create(w.base, &h, "h", 7);
    w.r.env.now_ms = UNIT_T0_MS + 60 * DAY_MS;
    unit_admit_join(w.r.n, h.n, 0);
    w.r.env.now_ms = UNIT_T0_MS;
    assert_int_equal(peer_trusted_time(w.r.n, &tt, NULL), 0);
    assert_int_equal(tt.ignored, 1);
    assert_int_equal(tt.floor_ms, floor);
    unit_site_close(&h);
    enc_close(&cf);
    enc_close(&cd);
    unit_site_close(&f);
    unit_site_close(&g);
    world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_member_is_let_in_by_its_chain_even_where_unknown),
        cmocka_unit_test(a_chain_not_of_the_key_or_tampered_is_refused),
        cmocka_unit_test(a_revoked_device_and_a_node_in_no_network_are_refused),
        cmocka_unit_test(certificates_are_judged_at_the_trusted_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
