#!/usr/bin/python3
"""`huzhu show unaccounted`: who is not accounted for (DECISIONS 39;
proto/schema.md, "Who is not accounted for").

One node holds a small roster made to hit every clause of the definition:
households unreachable, never contacted, reached by a warning, by their
status or through a merged duplicate; persons missing, safe, deceased,
checked in, checked out, in a deleted or a removed household, merged
into another (one pair merged into each other), and tombstoned. The rows,
their order (vulnerable first) and the totals are compared with
expectations written out by hand below, never with another query."""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("unaccounted")


def roster(n):
    """Write the roster; return the ids by name."""
    ids = {}

    def hh(key, *fields):
        ids[key] = n.put("households", *fields)

    def person(key, *fields, id=None):
        ids[key] = n.put("persons", *fields, id=id)

    s = n.out("site", "add", "--name", "测试安置点", "--kind", "shelter")
    hh("H1", "head_name=测试甲户", "village=甲村", "status=sheltered")
    hh("H2", "head_name=测试乙户", "village=乙村", "status=unreachable")
    hh("H3", "head_name=测试丙户", "village=甲村", "status=home")
    hh("H4", "head_name=测试丁户", "village=乙村", "status=home")
    hh("H5", "head_name=测试戊户", "village=乙村", "status=relocated")
    hh("H7", "head_name=测试庚户", "village=丙村", "status=unreachable")
    # In a tent (schema version 4's placement types): reached, and where
    # its persons are is known, as for relocated.
    hh("H11", "head_name=测试癸户", "village=丙村", "status=tent")
    # H3's duplicate, unreachable, merged into H3: neither listed nor
    # counted. A deleted household and a removed one.
    hh("H8", "head_name=测试丙户重复", "status=unreachable")
    n.put("households", "merged_into=" + ids["H3"], id=ids["H8"])
    hh("H9", "head_name=测试辛户", "village=丙村", "status=unreachable")
    hh("H10", "head_name=测试壬户", "village=丙村", "status=removed")
    n.out("warn", ids["H2"], "--method", "phone", "--notice", "测试预警")
    n.out("warn", ids["H4"], "--method", "door", "--notice", "测试预警")

    h = lambda k: "household=" + ids[k]  # noqa: E731
    person("P1", "name=测试甲一", h("H1"), "elderly_mobility=true")
    person("P2", "name=测试甲二", h("H1"))
    person("P3", "name=测试乙一", h("H2"), "left_behind=true")
    person("P4", "name=测试乙二", h("H2"), "condition=safe")
    person("P5", "name=测试丙一", h("H3"), "pregnant=true")
    person("P6", "name=测试丁一", h("H4"))
    person("P7", "name=测试戊一", h("H5"))
    person("P18", "name=测试癸一", h("H11"), "disabled=true")
    person("P9", "name=测试甲三", h("H1"))
    # P9 registered again at the shelter, checked in there, then merged.
    person("P10", "name=测试甲三重复")
    person("P11", "name=测试乙三", h("H2"), "disabled=true")
    person("P12", "name=测试辛一", h("H9"))
    person("P13", "name=测试丁二", h("H4"), "condition=missing")
    person("P14", "name=测试乙四", h("H2"), "condition=deceased")
    person("P15", "name=测试壬一", h("H10"), "chronic=true")
    # Merged into each other: the lower id stands for both.
    person("P16", "name=测试丙二", h("H3"),
           id="0000000000000000000000000000000a")
    person("P17", "name=测试丙二重复", h("H3"),
           id="0000000000000000000000000000000b")
    n.put("persons", "merged_into=" + ids["P17"], id=ids["P16"])
    n.put("persons", "merged_into=" + ids["P16"], id=ids["P17"])

    n.out("checkin", ids["P1"], s)
    n.out("checkin", ids["P2"], s)
    n.out("checkout", ids["P2"])
    n.out("checkin", ids["P10"], s)
    n.put("persons", "merged_into=" + ids["P9"], id=ids["P10"])
    n.run("del", "persons", ids["P11"], expect=0)
    n.run("del", "households", ids["H9"], expect=0)
    return ids


@cases.case
def rows_order_and_totals_are_as_written_by_hand():
    with T.TempDir("unaccounted") as work:
        n = T.Node.create(work, "测试村委会", "village")
        ids = roster(n)
        view = n.js("show", "unaccounted")
        T.check_eq(sorted(view), ["rows", "totals"], "an object: rows, totals")
        got = [(r["kind"], r["reason"], r["person"], r["household"],
                r["name"] if r["kind"] == "person" else r["head_name"],
                r["vulnerable"]) for r in view["rows"]]
        p, hid = ids.get, ids.get
        want = [
            # Vulnerable first: the left-behind elder of an unreachable
            # household, then a pregnant woman whose household (status
            # home) nobody warned.
            ("person", "unreachable", p("P3"), hid("H2"), "测试乙一", 1),
            ("person", "not_contacted", p("P5"), hid("H3"), "测试丙一", 1),
            # Then by reason: missing (though at home and warned) ...
            ("person", "missing", p("P13"), hid("H4"), "测试丁二", 0),
            # ... an unreachable household with nobody registered ...
            ("household", "unreachable", None, hid("H7"), "测试庚户", 0),
            # ... the lower id of two persons merged into each other ...
            ("person", "not_contacted", p("P16"), hid("H3"), "测试丙二", 0),
            # ... and no known place: a person whose household was deleted
            # (no village sorts first), and one who checked out.
            ("person", "no_place", p("P12"), None, "测试辛一", 0),
            ("person", "no_place", p("P2"), hid("H1"), "测试甲二", 0),
        ]
        T.check_eq(got, want, "rows and their order")
        T.check_eq(view["totals"], {
            # H1 H2 H3 H4 H5 H7 H11; not H8 (merged), H9 (deleted), H10
            # (removed).
            "households": 7,
            # P1-P7, P9, P12, P13, P14, P16, P18; not P10, P17 (merged),
            # P11 (deleted), P15 (in a removed household).
            "persons": 13,
            # P1, and P9 through P10's check-in; P2 checked out.
            "sheltered": 2,
            "unreachable": 2,  # H2, H7
            "unaccounted_households": 3,  # H2, H3, H7
            "unaccounted_persons": 6,
        }, "totals")
        row = view["rows"][0]
        T.check_eq((row["left_behind"], row["household_status"],
                    row["warned"], row["village"], row["condition"]),
                   (1, "unreachable", 1, "乙村", None),
                   "the first row carries the flags, status and warning")

        text = n.out("show", "unaccounted").splitlines()
        T.check(text[1].split()[:2] == ["户未联系上", "测试乙一"],
                "the table for people starts with the left-behind elder")
        T.check_eq(text[-1], "共 7 户 13 人；在安置点 2 人；未联系上 2 户；"
                   "未落实 3 户、6 人", "the totals line")
        T.check_eq(len(text), 1 + len(want) + 1,
                   "a heading, one line a row, the totals")
        en = n.out("--lang", "en", "show", "unaccounted").splitlines()
        T.check(en[1].split()[:3] == ["household", "unreachable", "测试乙一"],
                "English: the same first row")


@cases.case
def the_village_view_counts_each_households_persons_as_written_by_hand():
    with T.TempDir("unaccounted") as work:
        n = T.Node.create(work, "测试村委会", "village")
        ids = roster(n)
        got = {r["household"]: (r["persons"], r["placed"],
                                r["unaccounted_persons"], r["sites"])
               for r in n.js("show", "village")}
        hid = ids.get
        T.check_eq(got, {
            # P1 at the shelter, P9 through P10's check-in, P2 checked out
            hid("H1"): (3, 2, 1, "测试安置点"),
            # P3 unreachable; P4 safe, P14 deceased; P11 deleted
            hid("H2"): (3, 0, 1, None),
            # P5 and P16 (P17 merged into it), nobody warned
            hid("H3"): (2, 0, 2, None),
            # P13 missing; P6 at home, warned
            hid("H4"): (2, 0, 1, None),
            hid("H5"): (1, 0, 0, None),
            hid("H7"): (0, 0, 0, None),
            hid("H11"): (1, 0, 0, None),
        }, "persons, placed, not accounted for and sites of each household")
        # the table for people, its rows kept in a temporary file as they
        # come: a heading, then each household in the view's order
        text = n.out("show", "village").splitlines()
        rows = n.js("show", "village")
        T.check_eq(len(text), 1 + len(rows), "a heading and a line a row")
        T.check_eq(text[0].split()[:3], ["村/社区", "户主", "户状态"],
                   "the heading")
        T.check_eq([line.split()[1] for line in text[1:]],
                   [r["head_name"] for r in rows], "every head, in order")
        T.check("测试安置点" in text[1 + [r["household"] for r in rows]
                                  .index(hid("H1"))],
                "H1's line names the site its persons are at")


@cases.case
def an_empty_node_has_no_rows_and_zero_totals():
    with T.TempDir("unaccounted") as work:
        n = T.Node.create(work, "测试空节点", "empty")
        T.check_eq(n.js("show", "unaccounted"), {
            "rows": [],
            "totals": {"households": 0, "persons": 0, "sheltered": 0,
                       "unreachable": 0, "unaccounted_households": 0,
                       "unaccounted_persons": 0}}, "no rows, zero totals")


if __name__ == "__main__":
    cases.main()
