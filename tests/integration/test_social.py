#!/usr/bin/python3
"""The social forces (社会力量), first part: the catalogue of organisations
(`huzhu org`) searched by skill, item and place with entries not
confirmed lately flagged, and volunteers (`huzhu volunteer`): assignment,
check-in and check-out, hours recorded afterwards, and the service record
(志愿服务记录证明) with its totals by site and by task, as text, JSON and
CSV. Every refusal (an unknown organisation or site, hours that are no
positive number, a check-out without a check-in or before it, a date that
does not exist or lies ahead) writes nothing. Two nodes that record one
volunteer's service apart, through bundles, reach one state and one
record. Expectations are written out by hand (proto/schema.md, "Volunteer
hours"; proto/cli.md, "org" and "volunteer")."""
import csv
import io
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("social")

# Dates are typed and shown in local time: UTC+8 as a POSIX TZ string.
ENV = {"TZ": "CST-8"}
# 2024-06-01 08:00 in UTC+8.
D1 = 1717200000
HOUR = 3600
# A valid mainland ID number (its check digit holds).
ID_NUMBER = "11010519491231002X"


def node(td, name):
    return T.Node.create(td, name, env=ENV)


def refused(n, args, rc, what):
    return n.refused(args, rc, what)


def org_names(rep):
    return [o["name"] for o in rep["organisations"]]


@cases.case
def catalogue_searched_and_stale_flagged():
    with T.TempDir("social") as td:
        n = node(td, "乡镇")
        site = n.out("site", "add", "--name", "东村小学")
        blue = n.out("org", "add", "--name", "蓝天救援队", "--kind",
                     "volunteer_team", "--services", "水上救援,医疗急救",
                     "--teams", "水上分队", "--headcount", "30",
                     "--equipment", "冲锋舟2艘", "--village", "东村",
                     "--lat", "30.95", "--lon", "117.81", "--contact", "测试甲",
                     "--phone", "13900000001")
        firm = n.out("org", "add", "--name", "粮油公司", "--kind", "firm",
                     "--stocks", "大米500袋,食用油", "--storage", "仓库800平方米",
                     "--site", site, "--confirmed", "2024-01-01")
        red = n.out("org", "add", "--name", "红十字会", "--kind", "social_org",
                    "--services", "心理疏导", "--stocks", "帐篷",
                    "--village", "西村", "--confirmed", "2024-05-01 09:30")
        for i in (blue, firm, red):
            T.check(T.is_hex(i, 32), "org add prints the id")

        everyone = n.js("org", "ls")
        T.check_eq(everyone["stale_days"], 30, "the default stale days")
        T.check_eq(org_names(everyone), ["粮油公司", "红十字会", "蓝天救援队"],
                   "every organisation, by name")
        stale = {o["name"]: o["stale"] for o in everyone["organisations"]}
        T.check_eq(stale, {"蓝天救援队": False, "粮油公司": True,
                           "红十字会": True}, "stale after 30 days")
        by = {o["name"]: o for o in everyone["organisations"]}
        T.check_eq(by["红十字会"]["confirmed_at"], 1714527000,
                   "--confirmed 2024-05-01 09:30 in local time")
        T.check_eq(by["粮油公司"]["site_name"], "东村小学", "the site's name")
        T.check_eq(by["蓝天救援队"]["lat"], 30.95, "latitude")

        T.check_eq(org_names(n.js("org", "ls", "--skill", "医疗")),
                   ["蓝天救援队"], "search by skill")
        T.check_eq(org_names(n.js("org", "ls", "--skill", "水上分队")),
                   ["蓝天救援队"], "a team counts as a skill")
        T.check_eq(org_names(n.js("org", "ls", "--item", "帐篷")),
                   ["红十字会"], "search by item (stocks)")
        T.check_eq(org_names(n.js("org", "ls", "--item", "冲锋舟")),
                   ["蓝天救援队"], "search by item (equipment)")
        T.check_eq(org_names(n.js("org", "ls", "--village", "东村")),
                   ["粮油公司", "蓝天救援队"],
                   "search by place: the village, or the site's name")
        T.check_eq(org_names(n.js("org", "ls", "--skill", "医疗",
                                  "--village", "西村")), [],
                   "conditions hold together")
        T.check_eq(org_names(n.js("org", "ls", "--stale")),
                   ["粮油公司", "红十字会"], "--stale lists the stale only")
        none = n.js("org", "ls", "--stale-days", "36500")
        T.check(not any(o["stale"] for o in none["organisations"]),
                "nothing stale within 100 years")
        text = n.out("org", "ls")
        T.check("超过 30 天未确认" in text, "the text list flags: %s" % text)

        n.out("org", "confirm", firm)
        T.check_eq(org_names(n.js("org", "ls", "--stale")), ["红十字会"],
                   "confirmed, no longer stale")
        shown = n.js("org", "show", blue)
        T.check_eq((shown["name"], shown["kind"], shown["headcount"],
                    shown["stale"]), ("蓝天救援队", "volunteer_team", 30, False),
                   "org show")
        T.check("蓝天救援队" in n.out("org", "show", blue), "org show text")

        n.refused(["org", "show", "0" * 32], 3, "show of no organisation")
        n.refused(["org", "confirm", "0" * 32], 3,
                "confirm of no organisation")
        n.refused(["org", "add", "--name", "x", "--site", "0" * 32], 3,
                "an organisation at no site")
        n.refused(["org", "add", "--name", "x", "--lat", "91", "--lon", "1"],
                2, "a latitude past the pole")
        n.refused(["org", "add", "--name", "x", "--lat", "30"], 2,
                "a latitude without longitude")
        # every place a person types is degrees, by any command or put
        n.refused_all([
            (["site", "add", "--name", "x", "--lat", "3000", "--lon",
              "3000"], 2, "site add at latitude 3000"),
            (["site", "add", "--name", "x", "--lat", "30"], 2,
             "site add with a latitude alone"),
            (["patrol", "point", "--name", "x", "--lat", "30", "--lon",
              "-181"], 2, "a patrol point past the date line"),
            (["hazard", "report", "--kind", "seepage", "--severity", "severe",
              "--village", "东村", "--lat", "-91", "--lon", "117"], 2,
             "a hazard past the south pole"),
            (["put", "sites", "name=x", "lat=90.5", "lon=117"], 4,
             "put sites lat=90.5 (the store's own check)"),
            (["put", "organisations", "name=x", "lat=30", "lon=200"], 4,
             "put organisations lon=200")])
        n.out("site", "add", "--name", "测试极点", "--lat", "-90", "--lon",
              "180")
        n.refused(["org", "add", "--name", "x", "--kind", "gang"], 4,
                "a kind that is none")
        n.refused(["org", "add", "--name", "x", "--confirmed", "2024-02-30"],
                2, "a day that does not exist")
        n.refused(["org", "ls", "--stale-days", "0"], 2, "0 stale days")


def volunteer_setup(n):
    s1 = n.out("site", "add", "--name", "一号安置点")
    s2 = n.out("site", "add", "--name", "二号安置点")
    org = n.out("org", "add", "--name", "蓝天救援队")
    v = n.out("volunteer", "add", "--name", "测试志愿者", "--phone",
              "13800000002", "--skills", "医护,驾驶", "--org", org,
              "--availability", "周末", "--id-number", ID_NUMBER)
    return s1, s2, org, v


def at(t):
    return str(t)


@cases.case
def volunteer_hours_totals_and_record():
    with T.TempDir("social") as td:
        n = node(td, "乡镇")
        s1, s2, org, v = volunteer_setup(n)
        n.refused(["volunteer", "add", "--name", "x", "--org", "1" * 32], 3,
                "a volunteer of no organisation")
        n.refused(["volunteer", "assign", v, "0" * 32, "--task", "搬运"], 3,
                "an assignment to no site")
        n.refused(["volunteer", "assign", "0" * 32, s1, "--task", "搬运"], 3,
                "an assignment of no volunteer")
        n.refused(["volunteer", "assign", v, s1, "--task", "搬运", "--from",
                    "2024-06-02", "--to", "2024-06-01"], 2,
                "an assignment that ends before it starts")
        n.out("volunteer", "assign", v, s1, "--task", "医疗", "--from",
              "2024-06-01", "--to", "2024-06-30")

        n.refused(["volunteer", "checkout", v, "--time", at(D1)], 3,
                "a check-out without a check-in")
        # 08:00 to 12:30 at site 1: the assigned task (医疗).
        n.out("volunteer", "checkin", v, s1, "--time", "2024-06-01 08:00")
        n.refused(["volunteer", "checkin", v, s2, "--time", at(D1 + HOUR)], 4,
                "a second check-in while checked in")
        n.refused(["volunteer", "checkout", v, "--time", "2024-06-01 07:59"],
                4, "a check-out before its check-in")
        n.refused(["volunteer", "checkout", v, "--time", "2024-06-01 25:00"],
                2, "an hour that does not exist")
        n.out("volunteer", "checkout", v, "--time", "2024-06-01 12:30")
        # 13:00 to 15:10 at site 2, unloading.
        n.out("volunteer", "checkin", v, s2, "--task", "搬运", "--time",
              at(D1 + 5 * HOUR))
        n.out("volunteer", "checkout", v, "--time", at(D1 + 7 * HOUR + 600))
        # Recorded afterwards: 2.5 h at site 2, unloading; 0.75 h at site
        # 1 (its assigned task).
        n.out("volunteer", "hours", v, s2, "--hours", "2.5", "--task", "搬运",
              "--time", "2024-06-02")
        n.out("volunteer", "hours", v, s1, "--hours", "0.75", "--time",
              "2024-06-03 09:00")
        for bad in ("-3", "0", "abc", "1.234", "745", "2,5"):
            n.refused(["volunteer", "hours", v, s1, "--hours", bad], 2,
                    "--hours %s" % bad)
        future = time.strftime("%Y-%m-%d", time.gmtime(time.time()
                                                       + 3 * 86400))
        n.refused(["volunteer", "hours", v, s1, "--hours", "1", "--time",
                    future], 4, "hours served in the future")
        n.refused(["volunteer", "hours", v, "0" * 32, "--hours", "1"], 3,
                "hours at no site")
        n.refused(["volunteer", "hours", "0" * 32, s1, "--hours", "1"], 3,
                "hours of no volunteer")
        n.refused(["volunteer", "record", "0" * 32], 3, "no volunteer's record")

        rec = n.js("volunteer", "record", v)
        T.check_eq(rec["volunteer"]["name"], "测试志愿者", "who")
        T.check_eq(rec["volunteer"]["id_number"], "110105********002X",
                   "the ID number masked on the record")
        T.check_eq(rec["volunteer"]["organisation_name"], "蓝天救援队", "org")
        T.check_eq([(p["site_name"], p["task"], p["minutes"], p["how"])
                    for p in rec["periods"]],
                   [("一号安置点", "医疗", 270, "checkin"),
                    ("二号安置点", "搬运", 130, "checkin"),
                    ("二号安置点", "搬运", 150, "hours"),
                    ("一号安置点", "医疗", 45, "hours")], "the periods")
        T.check_eq([(s["site_name"], s["minutes"], s["periods"])
                    for s in rec["by_site"]],
                   [("一号安置点", 315, 2), ("二号安置点", 280, 2)], "by site")
        T.check_eq(sorted((s["task"], s["minutes"]) for s in rec["by_task"]),
                   [("医疗", 315), ("搬运", 280)], "by task")
        T.check_eq((rec["total_minutes"], rec["open"]), (595, 0), "the total")
        T.check_eq(n.js("volunteer", "show", v)["total_minutes"], 595,
                   "show --json is the record")
        T.check_eq(sorted((h["site_name"], h["task"], h["minutes"],
                           h["periods"], h["open"])
                          for h in n.js("show", "volunteer_hours")),
                   [("一号安置点", "医疗", 315, 2, 0),
                    ("二号安置点", "搬运", 280, 2, 0)],
                   "show volunteer_hours")

        text = n.out("volunteer", "record", v)
        for want in ("志愿服务记录证明", "测试志愿者", "110105********002X",
                     "一号安置点: 5.25 小时", "二号安置点: 4.67 小时",
                     "合计 9.92 小时"):
            T.check(want in text, "the record's text holds %s:\n%s"
                    % (want, text))
        T.check(ID_NUMBER not in text, "the full ID number is not printed")

        path = os.path.join(td, "记录.csv")
        r = n.run("volunteer", "record", v, "--csv", path, expect=0)
        T.check_eq(r.out, "", "--csv writes the file, prints nothing")
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        T.check_eq(rows[0], ["志愿服务记录证明", ""], "the CSV title")
        T.check_eq(rows[1], ["姓名", "测试志愿者"], "the CSV's name")
        head = rows.index(["开始", "结束", "服务地点", "任务", "方式",
                           "时长(小时)", "记录编号"])
        T.check_eq([r[0:6] for r in rows[head + 1:head + 5]],
                   [["2024-06-01 08:00", "2024-06-01 12:30", "一号安置点",
                     "医疗", "签到签退", "4.50"],
                    ["2024-06-01 13:00", "2024-06-01 15:10", "二号安置点",
                     "搬运", "签到签退", "2.17"],
                    ["2024-06-02 00:00", "2024-06-02 02:30", "二号安置点",
                     "搬运", "补录", "2.50"],
                    ["2024-06-03 09:00", "2024-06-03 09:45", "一号安置点",
                     "医疗", "补录", "0.75"]], "the CSV's periods")
        by_site = rows.index(["按服务地点合计", ""])
        T.check_eq(rows[by_site + 2:by_site + 4],
                   [["一号安置点", "5.25", "2"], ["二号安置点", "4.67", "2"]],
                   "the CSV's totals by site")
        T.check_eq(rows[-1], ["合计(小时)", "9.92"], "the CSV's total")
        T.check(all(ID_NUMBER not in c for r in rows for c in r),
                "the full ID number is not in the CSV")

        ls = n.js("volunteer", "ls")
        T.check_eq([(x["name"], x["minutes"], x["on_duty_at"]) for x in ls],
                   [("测试志愿者", 595, None)], "volunteer ls")
        T.check_eq(n.js("volunteer", "ls", "--skill", "厨师"), [],
                   "volunteer ls --skill")
        n.out("volunteer", "checkin", v, s2, "--time", at(D1 + 72 * HOUR))
        ls = n.js("volunteer", "ls", "--org", org)
        T.check_eq([(x["minutes"], x["on_duty_at"]) for x in ls],
                   [(595, "二号安置点")], "on duty while checked in")
        n.refused_all([
            (["volunteer", "ls", "--org", "0" * 32], T.EXIT_NOTFOUND,
             "volunteer ls --org of no organisation"),
            (["volunteer", "ls", "--org", "蓝天"], T.EXIT_INPUT,
             "volunteer ls --org with a name")])
        rec = n.js("volunteer", "record", v)
        T.check_eq((rec["total_minutes"], rec["open"]), (595, 1),
                   "an open check-in counts no minutes yet")
        # A check-out for another volunteer naming this one's check-in is
        # refused by the node itself, by put as by the web (were one to
        # arrive from elsewhere, the view joins on the volunteer: it would
        # close nothing).
        other = n.out("volunteer", "add", "--name", "测试乙")
        open_in = [p for p in rec["periods"] if p["open"]][0]["service"]
        before = n.state_hash()
        r = n.run("put", "volunteer_service", "kind=out", "volunteer=" + other,
                  "site=" + s2, "closes=" + open_in,
                  "time=" + at(D1 + 80 * HOUR), expect=4)
        T.check("no check-in of this volunteer" in r.err,
                "another volunteer's check-out refused: " + r.err.strip())
        T.check_eq(n.state_hash(), before, "and nothing written")
        rec = n.js("volunteer", "record", v)
        T.check_eq((rec["total_minutes"], rec["open"]), (595, 1),
                   "the check-in still open")


@cases.case
def two_nodes_converge():
    with T.TempDir("social") as td:
        a = node(td, "甲")
        b = node(td, "乙")
        s1, s2, org, v = volunteer_setup(a)
        a.out("volunteer", "checkin", v, s1, "--task", "巡查", "--time",
              at(D1))
        bundle = os.path.join(td, "a.bundle")
        a.export(bundle)
        b.import_(bundle)
        # Apart: both nodes check the volunteer out (B at 10:00, A at
        # 11:00), and each records hours of its own.
        b.out("volunteer", "checkout", v, "--time", at(D1 + 2 * HOUR))
        a.out("volunteer", "checkout", v, "--time", at(D1 + 3 * HOUR))
        a.out("volunteer", "hours", v, s2, "--hours", "1", "--task", "搬运",
              "--time", at(D1 + 24 * HOUR))
        b.out("volunteer", "hours", v, s2, "--hours", "2", "--task", "搬运",
              "--time", at(D1 + 48 * HOUR))
        b.out("org", "confirm", org, "--time", at(D1))
        for x, y, name in ((a, b, "a2"), (b, a, "b2"), (a, b, "a3")):
            path = os.path.join(td, name + ".bundle")
            x.export(path, for_node=y)
            y.import_(path)
        T.same_state([a, b], "after the exchange")
        ra, rb = a.js("volunteer", "record", v), b.js("volunteer", "record", v)
        ra.pop("made")
        rb.pop("made")
        T.check_eq(ra, rb, "one record on both nodes")
        # The check-in closed once, at the earlier check-out (2 h), plus
        # 1 h and 2 h recorded: 5 h.
        T.check_eq(ra["total_minutes"], 300, "two check-outs close once")
        T.check_eq([(s["task"], s["minutes"]) for s in ra["by_task"]],
                   [("巡查", 120), ("搬运", 180)], "by task on both")
        T.check_eq(a.js("org", "ls")["organisations"][0]["confirmed_at"],
                   D1, "the confirmation reached the other node")


if __name__ == "__main__":
    cases.main()
