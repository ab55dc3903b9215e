#!/usr/bin/python3
"""Care visits, health checks and disinfection (关爱走访, 健康监测, 消毒;
`huzhu care`, `huzhu health`, `huzhu disinfect`): the vulnerable persons
due a visit per responsible cadre, counted through merges (a visit to a
duplicate counts for its record), the never visited first; outbreak
clues at exactly K distinct persons at one site within the window and
not at K - 1 (one person checked twice counts once, a check outside the
window not at all); the last disinfection round per site and area and
the sites not disinfected in 24 hours; bad input refused writing
nothing. Expectations are written out by hand (proto/schema.md, "Care
and health"; proto/cli.md)."""
import os
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402
import test_web as W  # noqa: E402  (its Web, Client and accounts)

cases = T.Cases("care")

ENV = {"TZ": "CST-8"}
D1 = 1717200000  # 2024-06-01 08:00 in UTC+8
H = 3600
DAY = 86400


def node(td, name):
    return T.Node.create(td, name, env=ENV)


def person(n, hh, name, *flags):
    args = ["person", "add", "--household", hh, "--name", name]
    for f in flags:
        args += ["--flag", f]
    return n.js(*args)["id"]


@cases.case
def due_per_cadre_through_merges():
    with T.TempDir("care") as td:
        n = node(td, "村委会")
        east = n.js("household", "add", "--head", "赵一", "--village", "东村",
                    "--cadre", "王干部")["id"]
        west = n.js("household", "add", "--head", "钱二", "--village", "西村",
                    "--cadre", "李干部")["id"]
        old = person(n, east, "赵老", "elderly_mobility")
        kid = person(n, east, "赵小", "left_behind")
        person(n, east, "赵壮")  # not vulnerable: never listed
        preg = person(n, west, "钱妻", "pregnant")
        dup = person(n, west, "钱妻(重复)", "pregnant")
        n.out("merge", "persons", preg, dup)
        # A visit to the duplicate counts for its record.
        n.out("care", "visit", dup, "--by", "李干部", "--method", "home",
              "--needs", "产检", "--referral", "medical",
              "--time", str(D1))
        n.out("care", "visit", kid, "--method", "phone",
              "--time", str(D1 - 3 * DAY))

        def due(at, *extra):
            rep = n.js("care", "due", "--at", str(at), *extra)
            return [(g["cadre"], [p["person"] for p in g["persons"]])
                    for g in rep["cadres"]]

        T.check_eq(due(D1 + DAY),
                   [("王干部", [old])],
                   "within 7 days the visited are not due; the duplicate"
                   " is never listed")
        T.check_eq(due(D1 + 4 * DAY + 1),
                   [("王干部", [old, kid])],
                   "past 7 days the child is due, after the never visited")
        T.check_eq(due(D1 + 7 * DAY), [("王干部", [old, kid])],
                   "at exactly 7 days the visit to the duplicate holds")
        T.check_eq(due(D1 + 7 * DAY + 1),
                   [("李干部", [preg]), ("王干部", [old, kid])],
                   "one second past, the record is due (cadres in order)")
        T.check_eq(due(D1 + DAY, "--days", "1", "--village", "西村"),
                   [], "--days 1 --village: the visit a day ago holds")
        rep = n.js("care", "due", "--at", str(D1 + 8 * DAY))
        p = rep["cadres"][0]["persons"][0]
        T.check_eq((rep["due"], p["name"], p["flags"], p["last_visit"],
                    p["visits"]), (3, "钱妻", "pregnant", D1, 1),
                   "a person's row")
        visits = n.js("care", "visits", preg)
        T.check_eq([(v["visit"] is not None, v["referral"], v["needs"])
                    for v in visits], [(True, "medical", "产检")],
                   "care visits of the record hold its duplicate's")
        text = n.out("care", "due", "--at", str(D1 + 8 * DAY))
        T.check("包保责任人: 李干部" in text and "3 人" in text, text)


@cases.case
def outbreak_clue_at_exactly_k():
    with T.TempDir("care") as td:
        n = node(td, "安置点")
        site = n.js("site", "add", "--name", "一小安置点", "--kind",
                    "shelter")["id"]
        other = n.js("site", "add", "--name", "二中安置点", "--kind",
                     "shelter")["id"]
        hh = n.js("household", "add", "--head", "孙一")["id"]
        ps = [person(n, hh, "孙%d" % i) for i in range(5)]
        dup = person(n, hh, "孙0(重复)")
        n.out("merge", "persons", ps[0], dup)

        def check(p, t, *extra, at=site):
            n.out("health", "check", p, "--site", at, "--time", str(t),
                  *extra)

        # Two persons with fever, one of them checked twice and once as
        # its duplicate: two persons.
        check(ps[0], D1, "--temp", "38.2")
        check(ps[0], D1 + H, "--symptoms", "发热,咳嗽")
        check(dup, D1 + 2 * H, "--temp", "37.3")
        check(ps[1], D1 + 3 * H, "--temp", "37.5", "--symptoms", "cough")
        # Outside the window (48 h before D1 + 4 h and more).
        check(ps[2], D1 + 4 * H - 48 * H, "--temp", "39.0")
        # Another site.
        check(ps[3], D1 + 3 * H, "--temp", "39.0", at=other)
        # Not a fever.
        check(ps[4], D1 + 3 * H, "--temp", "37.2")

        def clues(at, *extra):
            rep = n.js("health", "outbreaks", "--at", str(at), *extra)
            return [(c["site"], c["kind"], c["persons"], c["first"],
                     c["last"]) for c in rep["clues"]]

        T.check_eq(clues(D1 + 4 * H), [],
                   "K - 1 = 2 persons with fever: no clue; the check at"
                   " exactly 48 h before is outside the window")
        T.check_eq(clues(D1 + 4 * H - 1),
                   [(site, "fever", 3, D1 + 4 * H - 48 * H, D1 + 3 * H)],
                   "one second earlier it is inside: a fever clue of 3")
        T.check_eq(clues(D1 + 4 * H, "--threshold", "2"),
                   [(site, "cough", 2, D1 + H, D1 + 3 * H),
                    (site, "fever", 2, D1, D1 + 3 * H)],
                   "K = 2: fever and cough, two persons each")
        check(ps[4], D1 + 4 * H, "--symptoms", "fever")
        rep = n.js("health", "outbreaks", "--at", str(D1 + 4 * H))
        T.check_eq([(c["kind"], c["persons"], c["site_name"])
                    for c in rep["clues"]],
                   [("fever", 3, "一小安置点")],
                   "a third person with the symptom fever: a clue at K")
        T.check_eq(sorted(x["person"] for x in rep["clues"][0]["list"]),
                   sorted([ps[0], ps[1], ps[4]]),
                   "the operator sees the persons behind it (the record)")
        T.check_eq(clues(D1 + 4 * H, "--window-hours", "1"), [],
                   "a window of 1 hour holds one check")
        rows = n.js("health", "ls", "--site", site)
        T.check_eq((rows[0]["symptoms"], rows[-1]["temperature"]),
                   ("fever", 39.0), "health ls, newest first")
        T.check_eq([r["symptoms"] for r in rows if r["time"] == D1 + H],
                   ["fever,cough"], "Chinese labels stored as wire names")
        text = n.out("health", "outbreaks", "--at", str(D1 + 4 * H))
        T.check("一小安置点: 发热 3 人" in text, text)
        T.check("同一安置点 3 人及以上，48 小时内" in text,
                "the rule said as it is: 3 persons, 48 hours (%s)"
                % text.strip().splitlines()[-1])
        text = n.out("--lang", "en", "health", "outbreaks", "--at",
                     str(D1 + 4 * H))
        T.check("3 or more persons at one site within 48 hours" in text,
                text.strip().splitlines()[-1])


@cases.case
def disinfection_per_site_and_area():
    with T.TempDir("care") as td:
        n = node(td, "安置点")
        a = n.js("site", "add", "--name", "一小安置点", "--kind",
                 "shelter")["id"]
        b = n.js("site", "add", "--name", "二中安置点", "--kind",
                 "shelter")["id"]
        n.js("site", "add", "--name", "仓库", "--kind", "warehouse")
        n.out("disinfect", "add", a, "--area", "厕所", "--agent", "84消毒液",
              "--time", str(D1))
        n.out("disinfect", "add", a, "--area", "厕所", "--agent", "含氯泡腾片",
              "--time", str(D1 + 6 * H))
        n.out("disinfect", "add", a, "--area", "食堂", "--time",
              str(D1 + H))
        rep = n.js("disinfect", "ls", "--at", str(D1 + 20 * H))
        T.check_eq([(s["site"], s["flagged"],
                     [(x["area"], x["time"], x["agent"]) for x in s["areas"]])
                    for s in rep["sites"]],
                   [(b, True, []),
                    (a, False, [("厕所", D1 + 6 * H, "含氯泡腾片"),
                                ("食堂", D1 + H, None)])],
                   "the shelter never disinfected flagged first; the last"
                   " round per area; no warehouse")
        rep = n.js("disinfect", "ls", "--at", str(D1 + 30 * H - 1))
        T.check_eq(rep["flagged"], 1, "within 24 h of the last round")
        rep = n.js("disinfect", "ls", "--at", str(D1 + 30 * H))
        T.check_eq(rep["flagged"], 2, "24 h after it, flagged")


@cases.case
def refusals_write_nothing():
    with T.TempDir("care") as td:
        n = node(td, "安置点")
        site = n.js("site", "add", "--name", "一小安置点")["id"]
        hh = n.js("household", "add", "--head", "周一")["id"]
        p = person(n, hh, "周一")
        none = "0" * 32
        runs = n.refused_all([
            (["health", "check", p, "--site", site, "--temp", "45"], 4,
             "a temperature of 45"),
            (["health", "check", p, "--site", site, "--temp", "abc"], 4,
             "a temperature that is no number"),
            (["put", "health_checks", "person=" + p, "site=" + site,
              "time=%d" % D1, "temperature=33.9"], 4,
             "put of a temperature of 33.9"),
            (["health", "check", p, "--site", site, "--symptoms",
              "发热,头晕"], 4, "an unknown symptom"),
            (["put", "health_checks", "person=" + p, "site=" + site,
              "time=%d" % D1, "symptoms=fever,fever"], 4,
             "put of a symptom twice"),
            (["put", "health_checks", "person=" + p, "site=" + site,
              "time=%d" % D1, "symptoms=dizzy"], 4,
             "put of an unknown symptom"),
            (["health", "check", p], 2, "a check of no site"),
            (["health", "check", p, "--site", none], 3, "at no site"),
            (["health", "check", none, "--site", site], 3, "of no person"),
            (["care", "visit", none], 3, "a visit to no person"),
            (["care", "visit", p, "--referral", "legal"], 4,
             "not a referral"),
            (["disinfect", "add", site], 2, "a round of no area"),
            (["disinfect", "add", none, "--area", "厕所"], 3,
             "a round at no site"),
            (["health", "outbreaks", "--threshold", "1"], 2,
             "a threshold of 1"),
            (["health", "outbreaks", "--window-hours", "0"], 2,
             "a window of 0 hours"),
            (["care", "due", "--days", "x"], 2, "days that are no number"),
        ])
        T.check("体温须为 34.0 到 43.0" in runs[0].err, runs[0].err)
        T.check("temperature: 34.0 to 43.0" in runs[2].err, runs[2].err)
        T.check("症状只能是" in runs[3].err, runs[3].err)
        T.check("symptoms" in runs[4].err, runs[4].err)
        T.check("没有这个人员" in runs[8].err, runs[8].err)
        T.check("--threshold" in runs[13].err, runs[13].err)
        r = n.run("--lang", "en", "health", "check", p, "--site", site,
                  "--temp", "45")
        T.check(r.rc == 4 and "from 34.0 to 43.0" in r.err, r.err)

# Sentinels in every health field (COL_HEALTH) of a health check: none
# may reach a reader that may not see them.
SENT = {"temperature": 39.875, "symptoms": "rash,red_eye",
        "chronic_followup": "哨兵慢病-7f3a", "medication": "哨兵用药-91bc",
        "note": "哨兵备注-c2d4"}
SENT_TEXT = ["39.875", "rash", "red_eye", "哨兵慢病-7f3a", "哨兵用药-91bc",
             "哨兵备注-c2d4"]


def no_sentinel(text, what):
    text = text.decode() if isinstance(text, bytes) else text
    found = [x for x in SENT_TEXT if x in text]
    T.check(found == [], "%s: no health value (%s)" % (what, found))


@cases.case
def web_health_data_only_for_health_accounts():
    with T.TempDir("care") as work:
        n, s1, s2 = W.setup(work)
        W.user_add(n, "卫生员", "health")
        W.user_add(n, "一小卫生员", "health", s1)
        W.user_add(n, "协调员", "coordinator")
        hh = n.js("household", "add", "--head", "吴一", "--village", "东村",
                  "--cadre", "王干部")["id"]
        ps = [person(n, hh, "吴%d" % i, "chronic") for i in range(3)]
        w = W.Web(n)
        try:
            h, hs, co, vw = W.logged_in(w, "卫生员", "一小卫生员", "协调员",
                                        "viewer1")
            now = int(time.time()) - 60
            st, row, _, _ = h.req("POST", "/api/health_checks",
                                  dict(SENT, person=ps[0], site=s1,
                                       time=now))
            T.check_eq((st, row["temperature"], row["medication"]),
                       (201, 39.875, "哨兵用药-91bc"),
                       "a health account writes a check and reads it back")
            cid = row["id"]
            for p in ps[1:]:
                st, _, _, _ = hs.req("POST", "/api/health_checks",
                                     {"person": p, "site": s1,
                                      "temperature": 38.5, "time": now})
                T.check_eq(st, 201, "a health account of the site writes"
                           " a check there")
            paths = ["/api/health_checks", "/api/health_checks/" + cid,
                     "/api/history/health_checks/" + cid,
                     "/api/reports/health_checks",
                     "/api/reports/health_checks?site=" + s1,
                     "/api/search?q=" + urllib.parse.quote("吴0")]
            for c, who in ((co, "coordinator"), (vw, "viewer")):
                for path in paths:
                    st, js, _, raw = c.req("GET", path)
                    T.check_eq(st, 200, "%s reads %s" % (who, path))
                    no_sentinel(raw, "%s %s" % (who, path))
                st, js, _, raw = c.req("GET", "/api/health_checks/" + cid)
                T.check("temperature" not in js and js["person"] == ps[0],
                        "%s: the row without its health keys" % who)
                st, js, _, _ = c.req("GET", "/api/health_checks?temperature="
                                     "39.875")
                T.check_eq(st, 400, "%s may not filter on a health field"
                           % who)
                st, js, _, _ = c.req("GET", "/api/reports/outbreaks")
                T.check_eq([(k["site"], k["kind"], k["persons"], "list" in k)
                            for k in js["clues"]],
                           [(s1, "fever", 3, False)],
                           "%s sees the clue's count only" % who)
            for path in paths[:4]:
                st, js, _, raw = h.req("GET", path)
                T.check(st == 200 and b"39.875" in raw and
                        "哨兵用药-91bc".encode() in raw,
                        "the health account reads the fields at " + path)
            st, js, _, _ = h.req("GET", "/api/reports/outbreaks")
            T.check_eq(sorted(x["person"] for x in js["clues"][0]["list"]),
                       sorted(ps), "the health account sees who")
            st, js, _, _ = h.req("GET", "/api/reports/outbreaks?threshold=4")
            T.check_eq(js["clues"], [], "threshold 4: no clue")
            for q in ("threshold=1", "window_hours=0", "window_hours=x",
                      "k=3"):
                st, js, _, _ = h.req("GET", "/api/reports/outbreaks?" + q)
                T.check_eq(st, 400, "outbreaks?%s refused" % q)
            for path, status in (
                    ("/api/reports/health_checks?site=" + "0" * 32, 404),
                    ("/api/reports/care_visits?person=" + "0" * 32, 404),
                    ("/api/reports/health_checks?site=zz", 422),
                    ("/api/reports/care_visits?person=" + s1, 404)):
                st, js, _, _ = h.req("GET", path)
                T.check_eq(st, status, "%s: said, not a list of none" % path)
            # HXL, PFIF and the disclosure never hold health data, for
            # any reader.
            for path in ("/api/reports/hxl/csv", "/api/reports/pfif/xml",
                         "/api/reports/disclosure",
                         "/api/reports/care_due"):
                st, _, _, raw = h.req("GET", path)
                T.check_eq(st, 200, path)
                no_sentinel(raw, path)
            # What a health account may not write, writing nothing.
            before = W.entries(n)
            for c, path, body, what in (
                    (h, "/api/households", {"head_name": "x"},
                     "a household"),
                    (hs, "/api/health_checks", {"person": ps[0], "site": s2,
                                                "time": now},
                     "a check at another site"),
                    (vw, "/api/health_checks", {"person": ps[0], "site": s1,
                                                "time": now},
                     "a viewer's check"),
                    (h, "/api/health_checks", {"person": ps[0], "site": s1,
                                               "time": now,
                                               "temperature": 50},
                     "a temperature of 50"),
                    (h, "/api/health_checks", {"person": ps[0], "site": s1,
                                               "time": now,
                                               "symptoms": "dizzy"},
                     "an unknown symptom")):
                st, js, _, _ = c.req("POST", path, body)
                T.check(st in (403, 422), "%s refused (%d)" % (what, st))
            T.check_eq(W.entries(n), before, "the refusals wrote nothing")
            st, js, _, _ = h.req("POST", "/api/care_visits",
                                 {"person": ps[0], "time": now,
                                  "method": "home"})
            T.check_eq(st, 201, "a health account records a care visit")
            st, js, _, _ = co.req("GET", "/api/reports/care_due")
            T.check_eq([p["person"] for g in js["cadres"]
                        for p in g["persons"]], ps[1:],
                       "the visited person leaves the due list")
            st, js, _, _ = h.req("POST", "/api/disinfections",
                                 {"site": s1, "area": "厕所", "time": now})
            T.check_eq(st, 201, "a health account records a disinfection")
            st, js, _, _ = vw.req("GET", "/api/reports/disinfections")
            T.check_eq([(x["site"], x["flagged"]) for x in js["sites"]],
                       [(s1, False)], "the shelter disinfected")
        finally:
            w.stop()
        # The log of the node holds none of it (HUZHU_LOG is not debug
        # here; test_log_privacy.py checks debug).


if __name__ == "__main__":
    cases.main()
