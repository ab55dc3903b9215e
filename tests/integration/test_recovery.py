#!/usr/bin/python3
"""Recovery plans (一户一策; `huzhu plan`, `huzhu report recovery`): a
measure agreed with a household, progress recorded on two nodes apart
(the greatest percent counts, done by any row), the household leaving the
open list once done; the open list per village with each measure's age,
the oldest first; the township's housing figures against a hand count;
two records of one household merged counted once; progress on a
cancelled measure refused here but kept from a peer; bad input refused
writing nothing; the web's routes give what the commands give and a
viewer writes nothing. Expectations are written out by hand
(proto/schema.md, "Recovery plans (一户一策)"; proto/reports.md, "The
recovery report"; proto/cli.md)."""
import csv
import io
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("recovery")

ENV = {"TZ": "CST-8"}
D1 = 1717200000  # 2024-06-01 08:00 in UTC+8
DAY = 86400


def node(td, name):
    return T.Node.create(td, name, env=ENV)


def household(n, head, village, house=None, t=D1):
    h = n.js("household", "add", "--head", head, "--village", village)["id"]
    if house is not None:
        n.out("damage", h, "--house", house, "--time", str(t))
    return h


def measure(n, h, kind, agreed, *more):
    return n.js("plan", "add", h, "--kind", kind, "--agreed", str(agreed),
                *more)["id"]


@cases.case
def plan_through_progress_to_done():
    with T.TempDir("recovery") as td:
        town = node(td, "乡镇")
        village = node(td, "村委会")
        h = household(town, "张三", "东村", "severe")
        town.out("damage", h, "--house", "collapsed", "--rooms", "3",
                 "--time", str(D1 + DAY))  # a re-assessment: the latest
        m = measure(town, h, "rebuild", D1, "--what", "原址重建", "--cadre",
                    "王干部", "--due", "2024-10-01")
        sub = measure(town, h, "subsidy", D1, "--amount", "20000.50")
        T.exchange(td, town, village)
        # Apart: 40 % on the town, 70 % then a late 50 % on the village.
        town.out("plan", "progress", m, "--percent", "40", "--by", "李四",
                 "--time", str(D1 + 2 * DAY))
        village.out("plan", "progress", m, "--percent", "70", "--time",
                    str(D1 + 3 * DAY))
        village.out("plan", "progress", m, "--percent", "50", "--note",
                    "补记", "--time", str(D1 + 4 * DAY))
        T.exchange(td, town, village)
        for n in (town, village):
            plan = n.js("plan", "show", h)
            T.check_eq((plan["household"]["head_name"],
                        plan["damage"]["house"], plan["damage"]["rooms"]),
                       ("张三", "collapsed", 3), "the latest assessment")
            got = {x["measure"]: x for x in plan["measures"]}
            T.check_eq((got[m]["progress"], got[m]["done"], got[m]["open"],
                        got[m]["updates"], len(got[m]["history"])),
                       (70, False, True, 3, 3),
                       "the greatest percent, whatever arrived last")
            T.check_eq([x["percent"] for x in got[m]["history"]],
                       [50, 70, 40], "history newest first")
            T.check_eq((got[sub]["amount_fen"], got[sub]["progress"]),
                       (2000050, 0), "the subsidy in fen, no progress")
        # Done on one node, with no percent: done is 100.
        village.out("plan", "progress", m, "--done", "--time",
                    str(D1 + 5 * DAY))
        village.out("plan", "progress", sub, "--percent", "100", "--time",
                    str(D1 + 5 * DAY))
        T.exchange(td, town, village)
        plan = town.js("plan", "show", h)
        T.check_eq([(x["progress"], x["done"], x["open"])
                    for x in plan["measures"]],
                   [(100, True, False), (100, True, False)],
                   "done by a done row and by 100 %")
        T.check_eq(town.js("plan", "ls")["open"], 0,
                   "the household leaves the open list")
        rep = town.js("report", "recovery")
        T.check_eq(rep["total"], {"damaged": 1, "collapsed": 1, "severe": 0,
                                  "general": 0, "with_measure": 1,
                                  "started": 1, "done": 1},
                   "one collapsed house rebuilt")
        text = town.out("plan", "show", h)
        T.check("原址重建" in text and "已完成" in text and "倒塌" in text,
                "plan show for people: " + text)


@cases.case
def open_list_and_ages():
    with T.TempDir("recovery") as td:
        n = node(td, "村委会")
        a = household(n, "赵一", "东村")
        b = household(n, "钱二", "东村")
        c = household(n, "孙三", "西村")
        a1 = measure(n, a, "repair", D1 + 5 * DAY)
        b1 = measure(n, b, "training", D1 + 2 * DAY)
        b2 = measure(n, b, "employment", D1 + 8 * DAY)
        c1 = measure(n, c, "work_relief", D1)
        done = measure(n, a, "subsidy", D1 - DAY)
        n.out("plan", "progress", done, "--done")
        gone = measure(n, c, "training", D1 - 2 * DAY)
        n.out("plan", "cancel", gone)
        # A measure put without agreed has no age, listed last.
        bare = n.put("recovery_measures", "household=" + a, "kind=other")
        at = D1 + 10 * DAY
        rep = n.js("plan", "ls", "--at", str(at))
        T.check_eq([(x["village"], x["measure"], x["age"])
                    for x in rep["measures"]],
                   [("东村", b1, 8 * DAY), ("东村", b2, 2 * DAY),
                    ("东村", a1, 5 * DAY), ("东村", bare, None),
                    ("西村", c1, 10 * DAY)],
                   "per village, the oldest household first, then its"
                   " oldest measure; done and cancelled not listed")
        T.check_eq((rep["open"], rep["households"], rep["now"]), (5, 3, at),
                   "five open measures of three households")
        west = n.js("plan", "ls", "--village", "西村", "--at", str(at))
        T.check_eq([x["measure"] for x in west["measures"]], [c1],
                   "--village")
        text = n.run("--lang", "en", "plan", "ls", "--at", str(at),
                     expect=0).out
        T.check("5 open measures of 3 households" in text, text)
        T.check_eq(n.js("plan", "ls", "--open", "--at", str(at)), rep,
                   "--open is the default list")
        # A household record removed (已移除) has no work left in the list;
        # its plan still shows the measure.
        d = household(n, "李四", "西村")
        d1 = measure(n, d, "repair", D1)
        n.put("households", "status=removed", id=d)
        T.check_eq([x["measure"] for x in n.js("plan", "ls", "--village",
                                               "西村", "--at",
                                               str(at))["measures"]],
                   [c1], "a removed household's measure is not listed")
        T.check_eq([(x["measure"], x["open"])
                    for x in n.js("plan", "show", d)["measures"]],
                   [(d1, True)], "its plan still shows it")


@cases.case
def report_against_a_hand_count():
    with T.TempDir("recovery") as td:
        n = node(td, "乡镇")
        # 东村: collapsed with rebuild done; severe with repair started;
        # general with repair not started; general with only a subsidy;
        # severe with a cancelled repair; not damaged with a repair.
        h1 = household(n, "一", "东村", "collapsed")
        h2 = household(n, "二", "东村", "severe")
        h3 = household(n, "三", "东村", "general")
        h4 = household(n, "四", "东村", "general")
        h5 = household(n, "五", "东村", "severe")
        h6 = household(n, "六", "东村", "none")
        # 西村: severe, repair and rebuild, one done, one at 0 %: not done.
        h7 = household(n, "七", "西村", "severe")
        # Re-assessed as not damaged: no longer counted.
        h8 = household(n, "八", "西村", "general")
        n.out("damage", h8, "--house", "none", "--time", str(D1 + DAY))
        m1 = measure(n, h1, "rebuild", D1)
        n.out("plan", "progress", m1, "--percent", "100")
        m2 = measure(n, h2, "repair", D1)
        n.out("plan", "progress", m2, "--percent", "10")
        measure(n, h3, "repair", D1)
        measure(n, h4, "subsidy", D1, "--amount", "3000")
        n.out("plan", "cancel", measure(n, h5, "repair", D1))
        measure(n, h6, "repair", D1)
        m7a = measure(n, h7, "repair", D1)
        n.out("plan", "progress", m7a, "--done")
        m7b = measure(n, h7, "rebuild", D1)
        n.out("plan", "progress", m7b, "--percent", "0")
        measure(n, h8, "repair", D1)
        rep = n.js("report", "recovery")
        T.check_eq(rep["villages"], [
            {"village": "东村", "damaged": 5, "collapsed": 1, "severe": 2,
             "general": 2, "with_measure": 3, "started": 2, "done": 1},
            {"village": "西村", "damaged": 1, "collapsed": 0, "severe": 1,
             "general": 0, "with_measure": 1, "started": 1, "done": 0}],
            "the figures per village as counted by hand")
        T.check_eq(rep["total"], {"damaged": 6, "collapsed": 1, "severe": 3,
                                  "general": 2, "with_measure": 4,
                                  "started": 3, "done": 1}, "the total")
        T.check_eq(n.js("report", "recovery", "--village", "西村")["total"]
                   ["damaged"], 1, "--village")
        out = n.run("report", "recovery", "--format", "csv", expect=0).out
        T.check(out.startswith("\ufeff"), "the CSV has a byte-order mark")
        rows = list(csv.reader(io.StringIO(out[1:])))
        T.check_eq(rows, [
            ["村/社区", "房屋受损户", "倒塌", "严重损坏", "一般损坏",
             "已有修缮/重建措施", "已开工", "已完工"],
            ["东村", "5", "1", "2", "2", "3", "2", "1"],
            ["西村", "1", "0", "1", "0", "1", "1", "0"],
            ["合计", "6", "1", "3", "2", "4", "3", "1"]], "the CSV")
        out = n.run("--lang", "en", "report", "recovery", "--format", "csv",
                    expect=0).out
        T.check_eq(list(csv.reader(io.StringIO(out[1:])))[::3],
                   [["village", "damaged", "collapsed", "severe", "general",
                     "with measure", "started", "done"],
                    ["total", "6", "1", "3", "2", "4", "3", "1"]],
                   "the CSV in English")
        T.check_eq(n.run("report", "recovery", "--format", "json",
                         expect=0).json(), rep, "--format json")
        path = os.path.join(td, "recovery.xlsx")
        n.out("report", "recovery", "--format", "xlsx", "--out", path)
        import openpyxl  # Debian: python3-openpyxl
        ws = openpyxl.load_workbook(path).worksheets[0]
        cells = [list(r) for r in ws.iter_rows(values_only=True)]
        T.check_eq((ws.title, cells[0][0], cells[1][:3]),
                   ("恢复重建进度", "恢复重建进度(住房修缮/重建)",
                    ["村/社区", "房屋受损户", "倒塌"]),
                   "XLSX: the sheet, its title and headings")
        T.check_eq(cells[2:], [["东村", 5, 1, 2, 2, 3, 2, 1],
                               ["西村", 1, 0, 1, 0, 1, 1, 0],
                               ["合计", 6, 1, 3, 2, 4, 3, 1]],
                   "XLSX: the rows the CSV has, counts as numbers")


@cases.case
def merged_households_count_once():
    with T.TempDir("recovery") as td:
        a = node(td, "乡镇")
        b = node(td, "村委会")
        keep = household(a, "周九", "南村", "severe")
        dup = household(b, "周九", "南村")
        m = measure(b, dup, "repair", D1)
        b.out("plan", "progress", m, "--percent", "60")
        T.exchange(td, a, b)
        before = a.js("report", "recovery")["total"]
        T.check_eq((before["damaged"], before["with_measure"]), (1, 0),
                   "apart: the damaged record has no measure")
        a.out("merge", "households", keep, dup)
        T.exchange(td, a, b)
        for n in (a, b):
            rep = n.js("report", "recovery")
            T.check_eq(rep["total"], {"damaged": 1, "collapsed": 0,
                                      "severe": 1, "general": 0,
                                      "with_measure": 1, "started": 1,
                                      "done": 0},
                       "merged: one household, damaged, with its measure")
            ls = n.js("plan", "ls")
            T.check_eq((ls["households"], ls["measures"][0]["household"]),
                       (1, keep), "the open list names the kept record")
            plan = n.js("plan", "show", dup)
            T.check_eq((plan["household"]["household"],
                        plan["damage"]["house"],
                        [x["measure"] for x in plan["measures"]]),
                       (keep, "severe", [m]),
                       "the duplicate's plan is the kept record's")


@cases.case
def refusals_write_nothing():
    with T.TempDir("recovery") as td:
        n = node(td, "村委会")
        peer = node(td, "乡镇")
        h = household(n, "吴十", "东村", "severe")
        m = measure(n, h, "repair", D1)
        T.exchange(td, n, peer)
        # The peer records progress before it learns of the cancel.
        peer.out("plan", "progress", m, "--percent", "20", "--time",
                 str(D1 + DAY))
        n.out("plan", "cancel", m)
        none = "0" * 32
        runs = n.refused_all([
            (["plan", "add", none, "--kind", "repair"], 3,
             "a measure of no household"),
            (["put", "recovery_measures", "household=" + none,
              "kind=repair"], 3, "put of a measure of no household"),
            (["plan", "progress", none, "--percent", "5"], 3,
             "progress of no measure"),
            (["put", "recovery_progress", "measure=" + none, "percent=5",
              "time=%d" % D1], 3, "put of progress of no measure"),
            (["plan", "progress", m, "--percent", "5"], 4,
             "progress on a cancelled measure"),
            (["put", "recovery_progress", "measure=" + m, "percent=5",
              "time=%d" % D1], 4, "put of progress on a cancelled measure"),
            (["plan", "progress", m], 2, "progress with nothing"),
            (["plan", "show", none], 3, "the plan of no household"),
            (["plan", "cancel", none], 3, "cancel no measure"),
        ])
        T.check("没有这个住户" in runs[0].err, runs[0].err)
        T.check("没有这个措施" in runs[2].err, runs[2].err)
        T.check("该措施已取消，不能再记录进展" in runs[4].err, runs[4].err)
        T.check("measure: cancelled" in runs[5].err, runs[5].err)
        live = measure(n, h, "subsidy", D1)
        n.refused_all([
            (["plan", "progress", live, "--percent", "101"], 2,
             "a percent above 100"),
            (["plan", "progress", live, "--percent", "-1"], 2,
             "a negative percent"),
            (["put", "recovery_progress", "measure=" + live, "percent=101",
              "time=%d" % D1], 4, "put of a percent above 100"),
            (["plan", "add", h, "--kind", "subsidy", "--amount", "abc"], 2,
             "an amount of letters"),
            (["plan", "add", h, "--kind", "subsidy", "--amount", "-5"], 2,
             "a negative amount"),
            (["plan", "add", h, "--kind", "subsidy", "--amount", "1.234"], 2,
             "an amount with three decimals"),
            (["plan", "add", h, "--kind", "subsidy", "--amount", "0"], 2,
             "an amount of nothing"),
            (["plan", "add", h, "--kind", "loan"], 4, "not a kind"),
            (["plan", "add", h, "--kind", "repair", "--agreed",
              "2024-02-30"], 2, "a day that does not exist"),
            (["report", "recovery", "--format", "xlsx"], 2,
             "xlsx without --out"),
            (["report", "recovery", "--format", "pdf"], 2,
             "a format the report has not"),
        ])
        # From a peer the progress is kept, and the measure stays closed.
        T.exchange(td, n, peer)
        got = {x["measure"]: x for x in n.js("plan", "show", h)["measures"]}
        T.check_eq((got[m]["cancelled"], got[m]["open"],
                    [x["percent"] for x in got[m]["history"]]),
                   (True, False, [20]),
                   "the peer's progress on the cancelled measure kept")


@cases.case
def web_routes():
    import test_web as W
    with T.TempDir("recovery") as td:
        n = node(td, "乡镇")
        W.user_add(n, "协调员", "coordinator")
        W.user_add(n, "viewer1", "viewer")
        h = household(n, "郑十一", "东村", "general")
        m = measure(n, h, "repair", D1, "--what", "换瓦")
        w = W.Web(n)
        try:
            co, viewer = W.logged_in(w, "协调员", "viewer1")
            s, rep, _, _ = viewer.req("GET", "/api/reports/recovery_open")
            want = n.js("plan", "ls", "--at", str(rep["now"]))
            T.check_eq((s, rep), (200, want), "the open list as huzhu plan ls")
            T.check_eq([x["measure"] for x in rep["measures"]], [m],
                       "the measure open")
            s, plan, _, _ = viewer.req("GET",
                                       "/api/reports/recovery_plan?id=" + h)
            T.check_eq((s, plan["household"], plan["damage"],
                        [x["measure"] for x in plan["measures"]]),
                       (200, n.js("plan", "show", h)["household"],
                        n.js("plan", "show", h)["damage"], [m]),
                       "a household's plan as huzhu plan show")
            s, rep, _, _ = viewer.req("GET", "/api/reports/recovery")
            T.check_eq((s, rep), (200, n.js("report", "recovery")),
                       "the recovery report as huzhu report recovery")
            s, _, _, _ = viewer.req("GET", "/api/reports/recovery_plan?id="
                                    + "0" * 32)
            T.check_eq(s, 404, "the plan of no household")
            s, _, _, _ = viewer.req("GET", "/api/reports/recovery_open?x=1")
            T.check_eq(s, 400, "an unknown query key")
            before = n.snapshot()
            s, _, _, _ = viewer.req("POST", "/api/recovery_progress",
                                    {"measure": m, "percent": 50,
                                     "time": D1 + DAY})
            T.check_eq(s, 403, "a viewer records no progress")
            s, _, _, _ = viewer.req("POST", "/api/recovery_measures",
                                    {"household": h, "kind": "repair"})
            T.check_eq(s, 403, "a viewer agrees no measure")
            s, _, _, _ = co.req("POST", "/api/recovery_progress",
                                {"measure": m, "percent": 150,
                                 "time": D1 + DAY})
            T.check_eq(s, 422, "a percent above 100")
            T.check_eq(n.snapshot(), before, "the refusals wrote nothing")
            s, _, _, _ = co.req("POST", "/api/recovery_progress",
                                {"measure": m, "done": True,
                                 "time": D1 + DAY})
            T.check_eq(s, 201, "progress to done")
            s, rep, _, _ = viewer.req("GET", "/api/reports/recovery_open")
            T.check_eq(rep["open"], 0, "done: the household leaves the list")
        finally:
            w.stop()


if __name__ == "__main__":
    cases.main()
