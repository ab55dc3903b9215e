#!/usr/bin/python3
"""Patrols, hazards and duty (巡查, 险情上报, 值班值守; `huzhu patrol`,
`huzhu hazard`, `huzhu duty`): a hazard reported on one node is open on
the other after the nodes exchange bundles, and a response recorded there
closes it on both; rounds of one point written on two nodes while apart
both count; a point is overdue when its last round is older than its
interval (as at a time given with --at), never when it has no interval;
who is on duty now at every site or village and the gaps in the next 24
hours; bad input refused writing nothing. Expectations are written out by
hand (proto/schema.md, "Patrols, hazards and duty"; proto/cli.md)."""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("patrols")

ENV = {"TZ": "CST-8"}
D1 = 1717200000  # 2024-06-01 08:00 in UTC+8
H = 3600


def node(td, name):
    return T.Node.create(td, name, env=ENV)


def exchange(td, a, b, tag):
    """Bundles both ways, each with what the other lacks."""
    for x, y, name in ((a, b, tag + "a"), (b, a, tag + "b")):
        p = os.path.join(td, name + ".bundle")
        x.export(p, for_node=y)
        y.import_(p)


@cases.case
def hazard_open_on_both_nodes_until_a_response():
    with T.TempDir("patrol") as td:
        town = node(td, "乡镇")
        village = node(td, "村委会")
        dike = town.js("patrol", "point", "--name", "东堤3号段", "--kind",
                       "dike", "--village", "东村", "--cadre", "王干部",
                       "--interval", "4")["id"]
        exchange(td, town, village, "0")
        # Apart: a round on each node at the same point; the village
        # reports a hazard found on its round.
        town.out("patrol", "round", dike, "--by", "李四", "--seen", "无异常",
                 "--finding", "normal", "--time", str(D1))
        hz = village.js("hazard", "report", "--kind", "seepage",
                        "--severity", "severe", "--point", dike,
                        "--location", "K2+300", "--at-risk", "40",
                        "--photo", "IMG_0042.jpg", "--by", "张三",
                        "--time", str(D1 + H))["id"]
        village.out("patrol", "round", dike, "--by", "张三", "--finding",
                    "hazard", "--hazard", hz, "--seen", "背水坡渗水",
                    "--time", str(D1 + H))
        T.check_eq(town.js("hazard", "ls", "--open")["open"], 0,
                   "the town does not know the hazard before the exchange")
        exchange(td, town, village, "1")
        T.same_state([town, village], "after the first exchange")
        for n in (town, village):
            rep = n.js("hazard", "ls", "--open")
            T.check_eq([(h["hazard"], h["village"], h["at_risk"],
                         h["point_name"], h["open"]) for h in rep["hazards"]],
                       [(hz, "东村", 40, "东堤3号段", True)],
                       "the hazard open, with its point's village")
            pts = n.js("patrol", "ls", "--at", str(D1 + 2 * H))["points"]
            T.check_eq([(p["rounds"], p["last"], p["last_finding"],
                         p["open_hazards"]) for p in pts],
                       [(2, D1 + H, "hazard", 1)],
                       "rounds on two nodes both count; the later is last")
        # A response on the town node closes it on both.
        town.out("hazard", "respond", hz, "--action", "已抢险加固",
                 "--by", "抢险队", "--time", str(D1 + 2 * H))
        exchange(td, town, village, "2")
        T.same_state([town, village], "after the response")
        for n in (town, village):
            rep = n.js("hazard", "ls")
            T.check_eq((rep["open"], rep["hazards"][0]["open"],
                        rep["hazards"][0]["last_action"],
                        rep["hazards"][0]["responses"]),
                       (0, False, "已抢险加固", 1),
                       "the response closes the hazard")
            T.check_eq(n.js("hazard", "ls", "--open")["hazards"], [],
                       "no open hazard left")


@cases.case
def overdue_points_as_at_a_time():
    with T.TempDir("patrol") as td:
        n = node(td, "村委会")
        dike = n.js("patrol", "point", "--name", "东堤", "--kind", "dike",
                    "--village", "东村", "--interval", "4")["id"]
        slope = n.js("patrol", "point", "--name", "后山边坡", "--kind",
                     "slope", "--village", "西村", "--interval", "12")["id"]
        lane = n.js("patrol", "point", "--name", "低洼巷", "--kind", "lane",
                    "--village", "东村")["id"]
        n.out("patrol", "round", dike, "--time", str(D1))
        n.out("patrol", "round", lane, "--time", str(D1))

        def overdue(at, *extra):
            rep = n.js("patrol", "ls", "--at", str(at), *extra)
            return [p["point"] for p in rep["points"] if p["overdue"]]

        T.check_eq(overdue(D1 + 3 * H), [slope],
                   "within 4 h the dike is not overdue; the slope never"
                   " patrolled is")
        T.check_eq(overdue(D1 + 4 * H), [slope],
                   "at exactly its interval the dike is not overdue yet")
        T.check_eq(overdue(D1 + 4 * H + 1), [slope, dike],
                   "past its interval it is, never patrolled first")
        rep = n.js("patrol", "ls", "--at", str(D1 + 5 * H), "--overdue",
                   "--village", "东村")
        T.check_eq([(p["point"], p["due"]) for p in rep["points"]],
                   [(dike, D1 + 4 * H)], "--overdue --village: the dike")
        # A round corrected by mistake no longer counts.
        r = n.js("patrol", "round", dike, "--time", str(D1 + 5 * H))["id"]
        T.check_eq(overdue(D1 + 6 * H), [slope], "a new round")
        n.out("put", "patrols", "point=" + dike, "reverses=" + r,
              "time=%d" % (D1 + 5 * H))
        T.check_eq(overdue(D1 + 6 * H), [slope, dike],
                   "the reversed round does not count")
        T.check_eq([(x["time"], x["reversed_by"] is not None)
                    for x in n.js("patrol", "rounds", dike)],
                   [(D1 + 5 * H, True), (D1, False)],
                   "patrol rounds: newest first, the reversed one marked,"
                   " the correction not listed")
        out = n.out("patrol", "ls", "--at", str(D1 + 6 * H))
        T.check("超时未巡 2 个" in out and "边坡" in out, out)


@cases.case
def duty_now_and_gaps():
    with T.TempDir("patrol") as td:
        n = node(td, "乡镇")
        school = n.out("site", "add", "--name", "中心学校")
        n.out("duty", "add", "--who", "王五", "--phone", "13800000000",
              "--site", school, "--from", str(D1), "--to", str(D1 + 12 * H))
        n.out("duty", "add", "--who", "赵六", "--site", school, "--from",
              str(D1 + 14 * H), "--to", str(D1 + 30 * H))
        n.out("duty", "add", "--who", "钱七", "--village", "东村", "--from",
              str(D1 - 2 * H), "--to", str(D1 + 2 * H))
        now = n.js("duty", "now", "--at", str(D1 + H))
        T.check_eq([(p["site_name"], p["village"],
                     [s["who"] for s in p["on_duty"]])
                    for p in now["places"]],
                   [(None, "东村", ["钱七"]), ("中心学校", None, ["王五"])],
                   "on duty now, per place")
        gaps = n.js("duty", "gaps", "--at", str(D1 + H))["gaps"]
        T.check_eq([(g["site_name"], g["village"], g["from"] - D1,
                     g["to"] - D1) for g in gaps],
                   [(None, "东村", 2 * H, 25 * H),
                    ("中心学校", None, 12 * H, 14 * H)],
                   "the gaps in the next 24 hours")
        out = n.out("duty", "now", "--at", str(D1 + 13 * H))
        T.check("中心学校: 无人值班!" in out, out)
        n.out("duty", "handover", "--site", school, "--by", "王五", "--to",
              "赵六", "--note", "东堤渗水已处置，夜间加密巡查", "--time",
              str(D1 + 12 * H))
        T.check_eq(len(n.js("ls", "handovers")), 1, "the handover written")


@cases.case
def refusals_write_nothing():
    with T.TempDir("patrol") as td:
        n = node(td, "村委会")
        dike = n.js("patrol", "point", "--name", "东堤", "--interval",
                    "4")["id"]
        shift = n.js("duty", "add", "--who", "王五", "--village", "东村",
                     "--from", str(D1), "--to", str(D1 + H))["id"]
        none = "0" * 32
        runs = n.refused_all([
            (["patrol", "round", none], 3, "a round of no point"),
            (["hazard", "respond", none, "--action", "x"], 3,
             "a response to no hazard"),
            (["put", "hazard_responses", "hazard=" + none, "action=x",
              "time=%d" % D1], 3, "put of a response to no hazard"),
            (["duty", "add", "--who", "x", "--village", "东村", "--from",
              str(D1 + H), "--to", str(D1)], 4, "a shift ending first"),
            (["put", "shifts", "who=x", "village=东村", "starts=%d" % D1,
              "ends=%d" % D1], 4, "put of a shift of no length"),
            (["put", "shifts", "who=x", "starts=%d" % D1,
              "ends=%d" % (D1 + H)], 4, "put of a shift of no place"),
            (["put", "shifts", "--id", shift, "ends=%d" % (D1 - H)], 4,
             "an edit that ends the shift before it starts"),
            (["duty", "add", "--who", "x", "--from", str(D1), "--to",
              str(D1 + H)], 2, "a shift of no place"),
            (["hazard", "report", "--kind", "seepage", "--severity",
              "severe"], 2, "a hazard of no place"),
            (["hazard", "report", "--kind", "seepage", "--severity", "huge",
              "--village", "东村"], 4, "not a severity"),
            (["patrol", "point", "--interval", "0", "--name", "x"], 2,
             "an interval of 0 hours"),
            (["patrol", "round", dike, "--time", "2024-02-30"], 2,
             "a day that does not exist"),
        ])
        T.check("没有这个巡查点" in runs[0].err, runs[0].err)
        T.check("没有这个险情" in runs[1].err, runs[1].err)
        T.check("班次的结束时间须晚于开始时间" in runs[3].err, runs[3].err)
        T.check("ends: not after starts" in runs[4].err, runs[4].err)


if __name__ == "__main__":
    cases.main()
