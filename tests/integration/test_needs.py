#!/usr/bin/python3
"""Needs, offers and matching (供需对接, issue 16): a site publishes a need
(`huzhu need`), an organisation's offer is recorded (`huzhu offer`),
`huzhu match suggest` ranks offers against needs across villages (same
item before same category, urgency, distance between sites), a
coordinator promises a quantity (`match commit`), goods are received into
stock against the promise (`match receive`), and the need goes from open
to promised, partly met and met. Every refusal (no such need or offer, a
closed need, a promise of more than is left, a cancelled promise)
writes nothing. Two nodes that each promise the same need apart reach
one state through bundles, both promises kept and the need flagged
over-promised on both. Expectations are written out by hand
(proto/schema.md, "Needs, offers and matches"; proto/cli.md, "need",
"offer", "match")."""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("needs")

ENV = {"TZ": "CST-8"}


def node(td, name):
    return T.Node.create(td, name, env=ENV)


def refused(n, args, rc, what):
    return n.refused(args, rc, what)


def setup(n):
    """Two villages' shelters 20 km apart, a firm near the first and a
    team near the second; water needed at the first."""
    east = n.out("site", "add", "--name", "东村小学", "--lat", "30.90",
                 "--lon", "117.80")
    west = n.out("site", "add", "--name", "西村礼堂", "--lat", "30.90",
                 "--lon", "118.00")
    water = n.out("item", "add", "--name", "矿泉水", "--unit", "箱",
                  "--category", "water")
    firm = n.out("org", "add", "--name", "粮油公司", "--kind", "firm",
                 "--village", "东村", "--lat", "30.91", "--lon", "117.81")
    team = n.out("org", "add", "--name", "蓝天救援队", "--kind",
                 "volunteer_team", "--village", "西村", "--lat", "30.90",
                 "--lon", "118.00")
    need = n.out("need", "add", "--what", "矿泉水", "--qty", "100",
                 "--unit", "箱", "--category", "water", "--item", water,
                 "--urgency", "critical", "--site", east, "--village", "东村")
    return east, west, water, firm, team, need


def state_of(n, need):
    return n.js("need", "show", need)["state"]


@cases.case
def need_promised_then_met_with_suggestions():
    with T.TempDir("needs") as td:
        n = node(td, "乡镇")
        east, west, water, firm, team, need = setup(n)
        T.check(T.is_hex(need, 32), "need add prints the id")
        # Offers: the same item far away, the same category nearby, and
        # another category.
        far = n.out("offer", "add", "--what", "矿泉水", "--qty", "60",
                    "--unit", "箱", "--category", "water", "--item", water,
                    "--org", team, "--site", west)
        near = n.out("offer", "add", "--what", "桶装水", "--qty", "500",
                     "--category", "water", "--org", firm)
        n.out("offer", "add", "--what", "帐篷", "--qty", "10",
              "--category", "shelter", "--org", firm)
        T.check_eq(state_of(n, need), "open", "a new need is open")

        sug = n.js("match", "suggest")["suggestions"]
        T.check_eq([(s["offer"], s["same"], s["qty"], s["fits"]) for s in sug],
                   [(far, 3, 60, False), (near, 1, 100, True)],
                   "the same item first, then the same category; tents not")
        T.check_eq(sug[0]["distance_km"], 19.1, "east to west, km")
        T.check_eq(sug[1]["distance_km"], 1.5,
                   "an offer without a site takes its organisation's place")
        out = n.run("match", "suggest").out
        T.check("建议数量" in out and "蓝天救援队" in out, "Chinese first")

        m1 = n.out("match", "commit", need, far, "--qty", "60", "--by",
                   "测试协调员")
        T.check_eq(state_of(n, need), "promised", "promised")
        offer = n.js("offer", "show", far)
        T.check_eq((offer["promised"], offer["state"]), (60, "promised"),
                   "the whole offer promised")
        T.check_eq([s["offer"] for s in
                    n.js("match", "suggest", "--need", need)["suggestions"]],
                   [near], "a fully promised offer is no longer suggested")

        # Refusals write nothing.
        refused(n, ["match", "commit", need, near, "--qty", "41"], 4,
                "more than the need has left")
        refused(n, ["match", "commit", need, "0" * 32, "--qty", "1"], 3,
                "no such offer")
        refused(n, ["match", "commit", "0" * 32, near, "--qty", "1"], 3,
                "no such need")
        refused(n, ["match", "commit", need, near, "--qty", "0"], 2,
                "a quantity of 0")
        refused(n, ["match", "receive", "0" * 32, "--qty", "1"], 3,
                "receipt against no match")

        # The node checks what put (and the web) write, not the CLI alone.
        now = str(1717200000)
        for fields, why in (
                (["need=" + need, "offer=" + near, "qty=41"],
                 "more than the need has left"),
                (["need=" + need, "offer=" + far, "qty=1"],
                 "more than the offer has left"),
                (["need=" + need, "offer=" + far, "qty=1",
                  "reverses=" + m1], "repeats the promise")):
            r = refused(n, ["put", "matches", "time=" + now] + fields, 4,
                        "put: " + why)
            T.check(why in r.err, "the node says: " + r.err.strip())
        n.out("match", "receive", m1, "--qty", "40")
        T.check_eq(state_of(n, need), "partly_met", "40 of 100 arrived")
        stock = n.js("show", "stock")
        T.check_eq([(s["site"], s["item"], s["on_hand"]) for s in stock],
                   [(east, water, 40)], "received into the need's stock")
        m2 = n.out("match", "commit", need, near, "--qty", "40")
        n.out("match", "receive", m2, "--qty", "40", "--item", water)
        n.out("match", "receive", m1, "--qty", "20")
        got = n.js("need", "show", need)
        T.check_eq((got["promised"], got["received"], got["state"]),
                   (100, 100, "met"), "met when received reaches 100")
        T.check("已满足" in n.run("need", "ls").out, "met, in Chinese")
        T.check_eq(n.js("offer", "show", far)["state"], "delivered",
                   "an offer all promised and received is delivered")

        # Cancel: the promise no longer counts, a second cancel is refused.
        n2 = n.out("need", "add", "--what", "帐篷", "--qty", "5",
                   "--category", "shelter", "--village", "西村")
        tent = [s for s in n.js("match", "suggest")["suggestions"]
                if s["need"] == n2][0]["offer"]
        m3 = n.out("match", "commit", n2, tent, "--qty", "5")
        T.check_eq(state_of(n, n2), "promised", "tents promised")
        n.out("match", "cancel", m3)
        T.check_eq(state_of(n, n2), "open", "open again after the cancel")
        refused(n, ["match", "cancel", m3], 4, "a second cancel")
        r = refused(n, ["put", "matches", "need=" + n2, "offer=" + tent,
                        "qty=5", "reverses=" + m3, "time=" + now], 4,
                    "put: a second cancel")
        T.check("cancelled already" in r.err, "the node says: " + r.err.strip())
        r = refused(n, ["put", "stock_moves", "kind=received", "qty=1",
                        "match=" + m3, "site=" + east, "item=" + water,
                        "time=" + now], 4, "put: a receipt against a cancel")
        T.check("was cancelled" in r.err, "the node says: " + r.err.strip())
        refused(n, ["match", "receive", m3, "--qty", "1", "--site", west,
                    "--item", water], 4, "receipt against a cancelled match")
        n.out("need", "close", n2, "--cancel")
        T.check_eq(state_of(n, n2), "cancelled", "cancelled by a coordinator")
        refused(n, ["match", "commit", n2, tent, "--qty", "1"], 4,
                "a promise to a cancelled need")
        T.check_eq(n.js("need", "ls", "--state", "met")[0]["need"], need,
                   "ls by state")


@cases.case
def concurrent_promises_flag_over_promise():
    with T.TempDir("needs") as td:
        a = node(td, "甲")
        b = node(td, "乙")
        east, west, water, firm, team, need = setup(a)
        o1 = a.out("offer", "add", "--what", "矿泉水", "--qty", "80",
                   "--category", "water", "--org", firm)
        o2 = a.out("offer", "add", "--what", "矿泉水", "--qty", "70",
                   "--category", "water", "--org", team)
        path = os.path.join(td, "a.bundle")
        a.export(path)
        b.import_(path)
        # Apart, each node promises what it sees left: 80 + 70 > 100.
        a.out("match", "commit", need, o1, "--qty", "80")
        b.out("match", "commit", need, o2, "--qty", "70")
        T.check_eq(a.js("need", "show", need)["over_promised"], 0,
                   "not over-promised on one node alone")
        T.exchange(td, a, b)
        for n in (a, b):
            got = n.js("need", "show", need)
            T.check_eq((got["promised"], got["over_promised"],
                        len(got["match_list"])), (150, 1, 2),
                       "both promises kept, the need flagged")
            T.check("超额承诺" in n.run("need", "ls").out,
                    "over-promised, in Chinese")
            T.check_eq([x["need"] for x in
                        n.js("need", "ls", "--state", "over_promised")],
                       [need], "listed for a coordinator to resolve")
        refused(a, ["match", "commit", need, o1, "--qty", "1"], 4,
                "nothing left to promise")


@cases.case
def service_without_quantity_takes_promises_without_limit():
    """A need or an offer without a quantity (a service) takes promises
    without limit and is never over-promised (proto/schema.md, "Needs,
    offers and matches"): the command line and the node's own check
    accept them, the views flag nothing, and suggestions keep them."""
    with T.TempDir("needs") as td:
        n = node(td, "乡镇")
        # need add and offer add ask for --qty; put and the web do not.
        need = n.out("put", "needs", "what=心理疏导", "village=东村")
        offer = n.out("put", "offers", "what=心理疏导")
        n.out("match", "commit", need, offer, "--qty", "5")
        n.out("put", "matches", "need=" + need, "offer=" + offer, "qty=7",
              "time=1717200000")
        got = n.js("need", "show", need)
        T.check_eq((got["promised"], got["over_promised"], got["state"]),
                   (12, 0, "promised"), "a service need: promised, not over")
        got = n.js("offer", "show", offer)
        T.check_eq((got["promised"], got["over_promised"], got["state"]),
                   (12, 0, "available"), "a service offer stays available")
        # Suggested still, both sides: an offer without a quantity covers
        # any need (fits) and sets no bound on the quantity; a need
        # without one is covered only by such an offer, and with neither
        # there is no quantity to suggest.
        counted = n.out("put", "offers", "what=心理疏导", "qty=3")
        urgent = n.out("put", "needs", "what=心理疏导", "qty=4",
                       "urgency=high", "village=西村")
        sug = n.js("match", "suggest")["suggestions"]
        T.check_eq([(s["need"], s["offer"], s["qty"], s["fits"])
                    for s in sug],
                   [(urgent, offer, 4, True), (urgent, counted, 3, False),
                    (need, offer, None, True), (need, counted, 3, False)],
                   "services suggested, ranked by urgency, then fits")



@cases.case
def list_filters_take_what_the_lists_show_and_refuse_the_rest():
    """A filter that names nothing is said, not an empty list: a site's
    name where its id goes once listed no needs at all."""
    with T.TempDir("needs") as td:
        n = node(td, "乡镇")
        east, west, water, firm, team, need = setup(n)
        n.out("offer", "add", "--what", "桶装水", "--qty", "500",
              "--category", "water", "--org", firm)
        ids = lambda rows, key: [r[key] for r in rows]  # noqa: E731
        for state in ("open", "待对接"):
            T.check_eq(ids(n.js("need", "ls", "--state", state), "need"),
                       [need], "need ls --state %s" % state)
        T.check_eq(ids(n.js("--lang", "en", "need", "ls", "--state",
                            "partly met"), "need"), [],
                   "need ls --state 'partly met' (the English label)")
        T.check_eq(len(n.js("offer", "ls", "--state", "可提供")), 1,
                   "offer ls --state 可提供 (the label the table shows)")
        T.check_eq(ids(n.js("need", "ls", "--site", east), "need"), [need],
                   "need ls --site SITE")
        n.refused_all([
            (["need", "ls", "--state", "bogus"], T.EXIT_USAGE,
             "need ls --state bogus"),
            (["offer", "ls", "--state", "open"], T.EXIT_USAGE,
             "offer ls --state open (a need's state)"),
            (["need", "ls", "--site", "东村小学"], T.EXIT_INPUT,
             "need ls --site with the site's name"),
            (["offer", "ls", "--site", "0" * 32], T.EXIT_NOTFOUND,
             "offer ls --site of no site"),
            (["match", "ls", "--need", "xyz"], T.EXIT_INPUT,
             "match ls --need xyz"),
            (["match", "ls", "--need", east], T.EXIT_NOTFOUND,
             "match ls --need with a site's id")])


if __name__ == "__main__":
    cases.main()
