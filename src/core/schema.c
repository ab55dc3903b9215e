/* schema.c - the schema registry, version 10, and value checks.
 *
 * A new table is a few lines of data below. Wire names are the contract
 * (proto/schema.md); labels are for people. Tables and columns must stay
 * sorted by wire name (schema_check enforces it). */
#include "schema.h"

#include "huzhu/schema.h"

#include "codec.h"
#include "error_int.h"
#include "limits.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define TEXT(n, zh_, en_, fl)                                                  \
    {                                                                          \
        .name = n, .type = COL_TEXT, .since = 1, .flags = fl, .zh = zh_,       \
        .en = en_                                                              \
    }
#define INT(n, lo, hi, zh_, en_, fl)                                           \
    {                                                                          \
        .name = n, .type = COL_INT, .since = 1, .flags = fl, .min = lo,        \
        .max = hi, .zh = zh_, .en = en_                                        \
    }
#define REAL(n, zh_, en_, fl)                                                  \
    {                                                                          \
        .name = n, .type = COL_REAL, .since = 1, .flags = fl, .zh = zh_,       \
        .en = en_                                                              \
    }
#define BOOL(n, zh_, en_)                                                      \
    {                                                                          \
        .name = n, .type = COL_BOOL, .since = 1, .zh = zh_, .en = en_          \
    }
#define REF(n, t, zh_, en_, fl)                                                \
    {                                                                          \
        .name = n, .type = COL_ID, .since = 1, .flags = fl, .ref_table = t,    \
        .zh = zh_, .en = en_                                                   \
    }
#define ENUM(n, v, zh_, en_, fl)                                               \
    {                                                                          \
        .name = n, .type = COL_ENUM, .since = 1, .flags = fl, .values = v,     \
        .zh = zh_, .en = en_                                                   \
    }

/* The same, for what a later schema version added (since @v). */
#define TEXT_V(v, n, zh_, en_, fl)                                             \
    {                                                                          \
        .name = n, .type = COL_TEXT, .since = v, .flags = fl, .zh = zh_,       \
        .en = en_                                                              \
    }
#define INT_V(v, n, lo, hi, zh_, en_, fl)                                      \
    {                                                                          \
        .name = n, .type = COL_INT, .since = v, .flags = fl, .min = lo,        \
        .max = hi, .zh = zh_, .en = en_                                        \
    }
#define REAL_V(v, n, zh_, en_, fl)                                             \
    {                                                                          \
        .name = n, .type = COL_REAL, .since = v, .flags = fl, .zh = zh_,       \
        .en = en_                                                              \
    }
#define BOOL_V(v, n, zh_, en_)                                                 \
    {                                                                          \
        .name = n, .type = COL_BOOL, .since = v, .zh = zh_, .en = en_          \
    }
#define REF_V(v, n, t, zh_, en_, fl)                                           \
    {                                                                          \
        .name = n, .type = COL_ID, .since = v, .flags = fl, .ref_table = t,    \
        .zh = zh_, .en = en_                                                   \
    }
#define ENUM_V(v, n, vals, zh_, en_, fl)                                       \
    {                                                                          \
        .name = n, .type = COL_ENUM, .since = v, .flags = fl, .values = vals,  \
        .zh = zh_, .en = en_                                                   \
    }

/* Times are Unix seconds (UTC). Plausible range: 2000-01-01 .. 2100-01-01,
 * a pure check; "not in the future" is a local-input check. */
#define T_MIN 946684800
#define T_MAX 4102444800

bool schema_col_is_time(const struct col_def *c)
{
    return c->type == COL_INT && c->min == T_MIN && c->max == T_MAX;
}

static const struct enum_val household_status[] = {
    {"home", 1, "在家", "at home"},
    {"evacuated", 1, "已转移", "evacuated"},
    {"sheltered", 1, "集中安置", "in a shelter"},
    {"relocated", 1, "投亲靠友/异地", "relocated elsewhere"},
    {"unreachable", 1, "未联系上", "unreachable"},
    {"removed", 1, "已移除", "removed"},
    /* Since 4: the placement types of the disaster statistics (DOMAIN.md;
     * proto/reports.md) beside 投亲靠友 (relocated) and 集中安置. */
    {"borrowed", 4, "借住", "in borrowed housing"},
    {"rented", 4, "租房", "in rented housing"},
    {"tent", 4, "帐篷/简易房", "in a tent or simple shelter"},
    {NULL, 0, NULL, NULL},
};

/* Since 4: the household relief list's family type (应急统表10, D03004). */
static const struct enum_val family_type[] = {
    {"general", 4, "一般户", "general"},
    {"subsistence", 4, "低保户", "minimum subsistence"},
    {"destitute", 4, "特困供养户", "destitute, state-supported"},
    {"monitored", 4, "防返贫监测户", "monitored for poverty"},
    {"other", 4, "其他", "other"},
    {NULL, 0, NULL, NULL},
};

/* Since 4: house damage as the statistics system grades it (DOMAIN.md). */
static const struct enum_val house_damage[] = {
    {"collapsed", 4, "倒塌", "collapsed"},
    {"severe", 4, "严重损坏", "severely damaged"},
    {"general", 4, "一般损坏", "generally damaged"},
    {"none", 4, "未损坏", "not damaged"},
    {NULL, 0, NULL, NULL},
};

/* Since 4: how relief was paid (D03010). */
static const struct enum_val relief_method[] = {
    {"cash", 4, "现金", "cash"},
    {"transfer", 4, "转账/一卡通", "bank transfer"},
    {"in_kind", 4, "实物", "in kind"},
    {"mixed", 4, "现金和实物", "cash and in kind"},
    {NULL, 0, NULL, NULL},
};

/* Since 4: the kinds of an official disaster report (DOMAIN.md). */
static const struct enum_val report_kind[] = {
    {"initial", 4, "初报", "initial"},
    {"daily", 4, "续报", "daily"},
    {"verified", 4, "核报", "verified"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val report_level[] = {
    {"village", 4, "村/社区", "village"},
    {"township", 4, "乡镇合计", "township total"},
    {NULL, 0, NULL, NULL},
};

/* Since 5: the kinds of organisation in the catalogue of social forces
 * (社会力量, DOMAIN.md "Social forces"). */
static const struct enum_val org_kind[] = {
    {"social_org", 5, "社会组织", "social organisation"},
    {"firm", 5, "企业", "firm"},
    {"volunteer_team", 5, "志愿者队伍", "volunteer team"},
    {"public_body", 5, "机关事业单位", "public body"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val org_status[] = {
    {"active", 5, "可调用", "available"},
    {"deployed", 5, "已在服务", "deployed"},
    {"inactive", 5, "暂停/撤离", "inactive"},
    {NULL, 0, NULL, NULL},
};

/* Since 5: a volunteer's service is a check-in, a check-out closing one,
 * or hours recorded afterwards (minutes). */
static const struct enum_val service_kind[] = {
    {"in", 5, "签到", "check-in"},
    {"out", 5, "签退", "check-out"},
    {"hours", 5, "补录时长", "hours recorded"},
    {NULL, 0, NULL, NULL},
};

/* Since 6: needs and offers (DOMAIN.md "Social forces"): how urgent a
 * need is, and a need's or an offer's own status as a coordinator sets
 * it. Whether it is promised, partly met or met is derived from matches
 * and receipts (proto/schema.md, "Needs, offers and matches"). */
static const struct enum_val need_urgency[] = {
    {"low", 6, "不急", "low"},   {"normal", 6, "一般", "normal"},
    {"high", 6, "紧急", "high"}, {"critical", 6, "特急", "critical"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val need_status[] = {
    {"open", 6, "有效", "open"},
    {"closed", 6, "已关闭", "closed"},
    {"cancelled", 6, "已取消", "cancelled"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val offer_status[] = {
    {"open", 6, "有效", "open"},
    {"withdrawn", 6, "已撤回", "withdrawn"},
    {NULL, 0, NULL, NULL},
};

/* Since 7: a warning's urgency, severity and certainty as CAP 1.2 names
 * them (lowercased; proto/schema.md, "Warning campaigns"). */
static const struct enum_val cap_urgency[] = {
    {"immediate", 7, "立即", "immediate"},
    {"expected", 7, "预期(1小时内)", "expected"},
    {"future", 7, "将来", "future"},
    {"past", 7, "已过去", "past"},
    {"unknown", 7, "未知", "unknown"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val cap_severity[] = {
    {"extreme", 7, "特别严重", "extreme"}, {"severe", 7, "严重", "severe"},
    {"moderate", 7, "较重", "moderate"},   {"minor", 7, "一般", "minor"},
    {"unknown", 7, "未知", "unknown"},     {NULL, 0, NULL, NULL},
};

static const struct enum_val cap_certainty[] = {
    {"observed", 7, "已发生", "observed"},
    {"likely", 7, "很可能", "likely"},
    {"possible", 7, "可能", "possible"},
    {"unlikely", 7, "不太可能", "unlikely"},
    {"unknown", 7, "未知", "unknown"},
    {NULL, 0, NULL, NULL},
};

/* Since 8: donations and their use (捐赠, DOMAIN.md "Social forces"):
 * what was given, its currency (ISO 4217; absent means CNY), and the
 * IATI transaction kinds of what was done with it. A donation itself is
 * IATI's incoming funds (1); commitment (2), disbursement (3) and
 * expenditure (4) are ledger rows (proto/schema.md, "Donations and their
 * use"). */
static const struct enum_val donation_kind[] = {
    {"money", 8, "资金", "money"},
    {"goods", 8, "物资", "goods"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val currency[] = {
    {"CNY", 8, "人民币", "CNY"}, {"HKD", 8, "港元", "HKD"},
    {"USD", 8, "美元", "USD"},   {"EUR", 8, "欧元", "EUR"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val ledger_kind[] = {
    {"commitment", 8, "分配(承诺)", "commitment"},
    {"disbursement", 8, "拨付", "disbursement"},
    {"expenditure", 8, "支出", "expenditure"},
    {NULL, 0, NULL, NULL},
};

/* Since 9: patrols and hazards (巡查, 险情上报; DOMAIN.md "What the
 * national guidance asks of a village or community"): what a patrol
 * point is, what a round found, what kind of hazard was reported and how
 * grave it is (the four grades of 险情: 一般, 较大, 重大, 特别重大). */
static const struct enum_val point_kind[] = {
    {"dike", 9, "堤段", "dike section"},
    {"slope", 9, "边坡/滑坡隐患点", "slope"},
    {"lane", 9, "低洼街巷", "low-lying lane"},
    {"home", 9, "弱势人员住所", "vulnerable person's home"},
    {"other", 9, "其他", "other"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val patrol_finding[] = {
    {"normal", 9, "正常", "normal"},
    {"watch", 9, "需关注", "needs watching"},
    {"hazard", 9, "发现险情", "hazard found"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val hazard_kind[] = {
    {"seepage", 9, "渗水/管涌", "seepage or piping"},
    {"overtopping", 9, "漫溢", "overtopping"},
    {"breach", 9, "决口/溃堤", "breach"},
    {"landslide", 9, "滑坡/崩塌", "landslide"},
    {"debris_flow", 9, "泥石流", "debris flow"},
    {"waterlogging", 9, "内涝积水", "waterlogging"},
    {"building", 9, "房屋险情", "unsafe building"},
    {"other", 9, "其他", "other"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val hazard_severity[] = {
    {"minor", 9, "一般", "minor"},   {"moderate", 9, "较大", "moderate"},
    {"severe", 9, "重大", "severe"}, {"extreme", 9, "特别重大", "extreme"},
    {NULL, 0, NULL, NULL},
};

/* Since 10: the kinds of a recovery measure (一户一策 恢复重建措施). */
static const struct enum_val recovery_kind[] = {
    {"repair", 10, "住房修缮", "house repair"},
    {"rebuild", 10, "重建", "rebuild"},
    {"work_relief", 10, "以工代赈", "work relief"},
    {"subsidy", 10, "补助", "subsidy"},
    {"training", 10, "技能培训", "training"},
    {"employment", 10, "就业帮扶", "employment"},
    {"other", 10, "其他", "other"},
    {NULL, 0, NULL, NULL},
};

/* Since 10: care visits to vulnerable persons (关爱走访): how the visit
 * was made and what it was referred to. */
static const struct enum_val care_method[] = {
    {"home", 10, "上门", "home visit"},
    {"phone", 10, "电话", "phone"},
    {"shelter", 10, "安置点", "at the shelter"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val care_referral[] = {
    {"none", 10, "无", "none"},
    {"medical", 10, "医疗", "medical"},
    {"psychological", 10, "心理", "psychological"},
    {"material", 10, "物资", "material"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val person_sex[] = {
    {"male", 1, "男", "male"},
    {"female", 1, "女", "female"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val person_condition[] = {
    {"safe", 1, "平安", "safe"},
    {"injured", 1, "受伤", "injured"},
    {"missing", 1, "失踪", "missing"},
    {"deceased", 1, "死亡", "deceased"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val site_kind[] = {
    {"shelter", 1, "安置点", "shelter"},
    {"village_office", 1, "村委会", "village office"},
    {"township", 1, "乡镇", "township"},
    {"warehouse", 1, "仓库", "warehouse"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val item_category[] = {
    {"food", 1, "食品", "food"},
    {"water", 1, "饮用水", "water"},
    {"bedding", 1, "被褥", "bedding"},
    {"clothing", 1, "衣物", "clothing"},
    {"medicine", 1, "药品", "medicine"},
    {"hygiene", 1, "卫生用品", "hygiene"},
    {"shelter", 1, "帐篷/住所", "shelter"},
    {"tools", 1, "工具", "tools"},
    {"other", 1, "其他", "other"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val stay_kind[] = {
    {"in", 1, "入住", "check-in"},
    {"out", 1, "离开", "check-out"},
    {NULL, 0, NULL, NULL},
};

/* The sign of qty each kind requires is checked in schema_check_row. */
static const struct enum_val move_kind[] = {
    {"received", 1, "接收", "received"},
    {"donated", 1, "捐赠", "donated"},
    {"distributed", 1, "发放", "distributed"},
    {"transfer_out", 1, "调出", "transfer out"},
    {"transfer_in", 1, "调入", "transfer in"},
    {"lost", 1, "损耗", "lost"},
    {"counted", 1, "盘点", "counted"},
    {NULL, 0, NULL, NULL},
};

static const struct enum_val warning_method[] = {
    {"phone", 1, "电话", "phone"},
    {"door", 1, "入户", "door-to-door"},
    {"loudspeaker", 1, "广播/喇叭", "loudspeaker"},
    {"message", 1, "短信/微信", "message"},
    {NULL, 0, NULL, NULL},
};

/* Since 4: a damage assessment (灾损评估) of a household's house and
 * crops, or of a public facility (proto/reports.md). A household's damage
 * is its latest effective assessment. */
/* Since 10: a care visit (关爱走访) to a vulnerable person, as an event:
 * who visited, when, how, the needs found and a referral. A shelter node
 * writes visits at its own site (DECISIONS 18). */
static const struct col_def care_visits[] = {
    TEXT_V(10, "by", "走访人", "visited by", COL_PERSONAL),
    ENUM_V(10, "method", care_method, "走访方式", "method", 0),
    TEXT_V(10, "needs", "发现的需求", "needs found", COL_PERSONAL),
    TEXT_V(10, "note", "备注", "note", COL_PERSONAL),
    REF_V(10, "person", "persons", "走访对象", "person", COL_REQUIRED),
    ENUM_V(10, "referral", care_referral, "转介", "referral", 0),
    REF_V(10, "reverses", "care_visits", "更正", "reverses", 0),
    REF_V(10, "site", "sites", "安置点", "site", 0),
    INT_V(10, "time", T_MIN, T_MAX, "走访时间", "time", COL_REQUIRED),
};

static const struct col_def damage[] = {
    REAL_V(4, "crops_mu", "农作物受灾面积(亩)", "crops damaged (mu)",
           COL_NONNEG),
    TEXT_V(4, "facility", "公共设施", "public facility", 0),
    ENUM_V(4, "house", house_damage, "房屋损坏", "house damage", 0),
    REF_V(4, "household", "households", "户", "household", 0),
    INT_V(4, "loss_yuan", 0, 1000000000000, "直接经济损失(元)",
          "direct loss (yuan)", 0),
    TEXT_V(4, "note", "备注", "note", COL_PERSONAL),
    TEXT_V(4, "photo", "照片编号", "photo reference", 0),
    REF_V(4, "reverses", "damage", "更正", "reverses", 0),
    INT_V(4, "rooms", 0, 1000, "损坏间数", "rooms damaged", 0),
    INT_V(4, "time", T_MIN, T_MAX, "时间", "time", COL_REQUIRED),
    TEXT_V(4, "village", "村/社区", "village", 0),
};

/* Since 8: a donation received (捐赠接收; IATI incoming funds): money,
 * or goods with their value, in the minor unit of its currency (fen for
 * CNY) so sums are exact; from a donor (a name, or a catalogued
 * organisation) or anonymous; for an organisation (absent: the township)
 * and a restriction on its use, if any. A mistake is corrected by a
 * donation that reverses it. */
static const struct col_def donations[] = {
    INT_V(8, "amount", 1, 1000000000000000, "金额/折价(分)",
          "amount or value (minor unit)", COL_REQUIRED),
    BOOL_V(8, "anonymous", "匿名", "anonymous"),
    ENUM_V(8, "currency", currency, "币种", "currency", 0),
    TEXT_V(8, "donor", "捐赠方", "donor", COL_PERSONAL),
    REF_V(8, "donor_org", "organisations", "捐赠组织", "donor organisation", 0),
    TEXT_V(8, "goods", "物资", "goods", 0),
    REF_V(8, "item", "items", "物资品类", "item", 0),
    ENUM_V(8, "kind", donation_kind, "类型", "kind", COL_REQUIRED),
    TEXT_V(8, "note", "备注", "note", COL_PERSONAL),
    REF_V(8, "organisation", "organisations", "受赠组织", "received by", 0),
    INT_V(8, "qty", 1, 1000000000000, "物资数量", "quantity of goods", 0),
    TEXT_V(8, "reference", "收据号", "receipt number", 0),
    TEXT_V(8, "restriction", "限定用途", "restricted to", 0),
    REF_V(8, "reverses", "donations", "更正", "reverses", 0),
    REF_V(8, "stock_move", "stock_moves", "入库记录", "stock move", 0),
    INT_V(8, "time", T_MIN, T_MAX, "接收时间", "received", COL_REQUIRED),
};

/* Since 10: a disinfection round (消毒记录) of an area of a site, as an
 * event. */
static const struct col_def disinfections[] = {
    TEXT_V(10, "agent", "消毒剂", "agent", 0),
    TEXT_V(10, "area", "区域", "area", COL_REQUIRED),
    TEXT_V(10, "by", "消毒人", "disinfected by", COL_PERSONAL),
    TEXT_V(10, "note", "备注", "note", COL_PERSONAL),
    REF_V(10, "reverses", "disinfections", "更正", "reverses", 0),
    REF_V(10, "site", "sites", "地点", "site", COL_REQUIRED),
    INT_V(10, "time", T_MIN, T_MAX, "消毒时间", "time", COL_REQUIRED),
};

/* Since 10: a health check (健康监测) of a person at a site, as an event.
 * Its health fields are COL_HEALTH: personal (never logged), and only a
 * web account of the role health sees them (proto/schema.md, "Care and
 * health"). */
static const struct col_def health_checks[] = {
    TEXT_V(10, "by", "检查人", "checked by", COL_PERSONAL),
    TEXT_V(10, "chronic_followup", "慢病随访", "chronic follow-up",
           COL_PERSONAL | COL_HEALTH),
    TEXT_V(10, "medication", "用药需求", "medication needs",
           COL_PERSONAL | COL_HEALTH),
    TEXT_V(10, "note", "备注", "note", COL_PERSONAL | COL_HEALTH),
    REF_V(10, "person", "persons", "人员", "person", COL_REQUIRED),
    REF_V(10, "reverses", "health_checks", "更正", "reverses", 0),
    REF_V(10, "site", "sites", "安置点", "site", COL_REQUIRED),
    TEXT_V(10, "symptoms", "症状", "symptoms", COL_PERSONAL | COL_HEALTH),
    REAL_V(10, "temperature", "体温(°C)", "temperature (°C)",
           COL_PERSONAL | COL_HEALTH),
    INT_V(10, "time", T_MIN, T_MAX, "检查时间", "time", COL_REQUIRED),
};

/* Since 9: duty handover notes (交接班记录), as events: who handed over
 * to whom at a site or village, and what the next shift must know. */
static const struct col_def handovers[] = {
    TEXT_V(9, "by", "交班人", "handed over by", COL_PERSONAL),
    TEXT_V(9, "note", "交接内容", "handover note", COL_REQUIRED | COL_PERSONAL),
    REF_V(9, "reverses", "handovers", "更正", "reverses", 0),
    REF_V(9, "shift", "shifts", "班次", "shift", 0),
    REF_V(9, "site", "sites", "值守地点", "site", 0),
    INT_V(9, "time", T_MIN, T_MAX, "交接时间", "time", COL_REQUIRED),
    TEXT_V(9, "to", "接班人", "handed over to", COL_PERSONAL),
    TEXT_V(9, "village", "村/社区", "village", 0),
};

/* Since 9: what was done about a hazard (险情处置), as events. A hazard
 * with an effective response is no longer open (proto/schema.md,
 * "Patrols, hazards and duty"). */
static const struct col_def hazard_responses[] = {
    TEXT_V(9, "action", "处置措施", "action taken", COL_REQUIRED),
    TEXT_V(9, "by", "处置人", "responded by", COL_PERSONAL),
    REF_V(9, "hazard", "hazards", "险情", "hazard", COL_REQUIRED),
    TEXT_V(9, "note", "备注", "note", COL_PERSONAL),
    REF_V(9, "reverses", "hazard_responses", "更正", "reverses", 0),
    INT_V(9, "time", T_MIN, T_MAX, "处置时间", "time", COL_REQUIRED),
};

/* Since 9: a hazard reported (险情上报), as an event: where (a place, a
 * village, a patrol point, coordinates), what and how grave, a photo's
 * reference, how many people are at risk, when and by whom. */
static const struct col_def hazards[] = {
    INT_V(9, "at_risk", 0, 10000000, "受威胁人数", "people at risk", 0),
    TEXT_V(9, "by", "报告人", "reported by", COL_PERSONAL),
    ENUM_V(9, "kind", hazard_kind, "险情类型", "kind", COL_REQUIRED),
    REAL_V(9, "lat", "纬度", "latitude", 0),
    TEXT_V(9, "location", "位置", "location", 0),
    REAL_V(9, "lon", "经度", "longitude", 0),
    TEXT_V(9, "note", "情况描述", "description", 0),
    TEXT_V(9, "photo", "照片编号", "photo reference", 0),
    REF_V(9, "point", "patrol_points", "巡查点", "patrol point", 0),
    REF_V(9, "reverses", "hazards", "更正", "reverses", 0),
    ENUM_V(9, "severity", hazard_severity, "险情等级", "severity",
           COL_REQUIRED),
    INT_V(9, "time", T_MIN, T_MAX, "发现时间", "time", COL_REQUIRED),
    TEXT_V(9, "village", "村/社区", "village", 0),
};

static const struct col_def households[] = {
    TEXT("address", "地址", "address", COL_PERSONAL),
    TEXT("cadre", "包保责任人", "responsible cadre", 0),
    ENUM_V(4, "family_type", family_type, "家庭类型", "family type", 0),
    TEXT("grid", "网格", "grid", 0),
    TEXT("head_name", "户主", "head of household", COL_PERSONAL),
    INT("members", 0, 100, "人数", "members", 0),
    REF("merged_into", "households", "合并到", "merged into", 0),
    /* Since 4: the household needs emergency living aid (需紧急生活救助):
     * its persons count in the disaster report's figure of that name. */
    BOOL_V(4, "needs_aid", "需紧急生活救助", "needs emergency aid"),
    TEXT("notes", "备注", "notes", COL_PERSONAL),
    /* Since 3: the household's number in its village's roster (户号),
     * which a roster import matches rows by (DECISIONS 41). */
    {.name = "number",
     .type = COL_TEXT,
     .since = 3,
     .zh = "户号",
     .en = "household number"},
    TEXT("phone", "电话", "phone", COL_PERSONAL),
    ENUM("status", household_status, "状态", "status", 0),
    TEXT("village", "村/社区", "village", 0),
};

static const struct col_def items[] = {
    ENUM("category", item_category, "类别", "category", 0),
    TEXT("name", "名称", "name", 0),
    TEXT("unit", "单位", "unit", 0),
};

/* Since 5: the catalogue of organisations and firms that can help
 * (social forces): what they can do and give, where, and when the entry
 * was last confirmed (confirmed_at; a list flags entries not confirmed
 * for some days). Lists are free text, comma-separated. */
static const struct col_def organisations[] = {
    INT_V(5, "confirmed_at", T_MIN, T_MAX, "最近确认时间", "last confirmed", 0),
    TEXT_V(5, "contact", "联系人", "contact person", COL_PERSONAL),
    TEXT_V(5, "equipment", "装备", "equipment", 0),
    INT_V(5, "headcount", 0, 10000000, "人数", "headcount", 0),
    ENUM_V(5, "kind", org_kind, "类型", "kind", 0),
    REAL_V(5, "lat", "纬度", "latitude", 0),
    REAL_V(5, "lon", "经度", "longitude", 0),
    TEXT_V(5, "name", "名称", "name", 0),
    TEXT_V(5, "note", "备注", "note", COL_PERSONAL),
    TEXT_V(5, "phone", "联系电话", "phone", COL_PERSONAL),
    TEXT_V(5, "production", "生产能力", "production capacity", 0),
    TEXT_V(5, "services", "技能/服务", "skills and services", 0),
    REF_V(5, "site", "sites", "所在地点", "site", 0),
    ENUM_V(5, "status", org_status, "状态", "status", 0),
    TEXT_V(5, "stocks", "可提供物资", "stocks they can give", 0),
    TEXT_V(5, "storage", "仓储能力", "storage capacity", 0),
    TEXT_V(5, "teams", "队伍", "teams", 0),
    TEXT_V(5, "village", "村/社区", "village", 0),
};

/* Since 8: what was done with a donation (IATI transactions): an
 * allocation (commitment), funds passed on (disbursement) or spent
 * (expenditure), in the donation's currency, for a purpose and a village,
 * linked where relevant to a relief payment, a stock move or a match.
 * Totals are derived; what is used never exceeds what was received on
 * local input, and concurrent overdraws are flagged (proto/schema.md). */
static const struct col_def ledger[] = {
    INT_V(8, "amount", 1, 1000000000000000, "金额(分)", "amount (minor unit)",
          COL_REQUIRED),
    TEXT_V(8, "by", "经办人", "recorded by", COL_PERSONAL),
    REF_V(8, "donation", "donations", "捐赠", "donation", COL_REQUIRED),
    ENUM_V(8, "kind", ledger_kind, "类型", "kind", COL_REQUIRED),
    REF_V(8, "match", "matches", "对应承诺", "match", 0),
    TEXT_V(8, "note", "备注", "note", COL_PERSONAL),
    REF_V(8, "organisation", "organisations", "接收组织",
          "receiving organisation", 0),
    TEXT_V(8, "purpose", "用途", "purpose", 0),
    TEXT_V(8, "reference", "凭证号", "voucher number", 0),
    REF_V(8, "relief", "relief", "对应救助发放", "relief payment", 0),
    REF_V(8, "reverses", "ledger", "更正", "reverses", 0),
    REF_V(8, "stock_move", "stock_moves", "对应出入库", "stock move", 0),
    INT_V(8, "time", T_MIN, T_MAX, "时间", "time", COL_REQUIRED),
    TEXT_V(8, "village", "受益村/社区", "village", 0),
};

/* Since 6: a coordinator's promise (承诺): @qty of an offer to a need.
 * A promise is cancelled by a match that reverses it (same need, offer
 * and qty); what is promised is derived from the effective matches. */
static const struct col_def matches[] = {
    TEXT_V(6, "by", "承诺人", "promised by", COL_PERSONAL),
    REF_V(6, "need", "needs", "需求", "need", COL_REQUIRED),
    TEXT_V(6, "note", "备注", "note", COL_PERSONAL),
    REF_V(6, "offer", "offers", "供给", "offer", COL_REQUIRED),
    INT_V(6, "qty", 1, 1000000000000, "承诺数量", "quantity promised",
          COL_REQUIRED),
    REF_V(6, "reverses", "matches", "更正/取消", "reverses", 0),
    INT_V(6, "time", T_MIN, T_MAX, "时间", "time", COL_REQUIRED),
};

/* Since 6: a need a site or a village publishes (需求): an item (or a
 * service, described in what), how much, how urgent, by when. */
static const struct col_def needs[] = {
    ENUM_V(6, "category", item_category, "类别", "category", 0),
    REF_V(6, "item", "items", "物资", "item", 0),
    INT_V(6, "needed_by", T_MIN, T_MAX, "需要时间", "needed by", 0),
    TEXT_V(6, "note", "备注", "note", COL_PERSONAL),
    INT_V(6, "qty", 1, 1000000000000, "数量", "quantity", 0),
    REF_V(6, "site", "sites", "地点", "site", 0),
    ENUM_V(6, "status", need_status, "状态", "status", 0),
    TEXT_V(6, "unit", "单位", "unit", 0),
    ENUM_V(6, "urgency", need_urgency, "紧急程度", "urgency", 0),
    TEXT_V(6, "village", "村/社区", "village", 0),
    TEXT_V(6, "what", "物资/服务", "item or service", 0),
};

/* Since 6: what an organisation offers (供给): an item or service, how
 * much, where (a village or a site; coordinates from the site, else the
 * organisation) and when it is available. */
static const struct col_def offers[] = {
    INT_V(6, "available_from", T_MIN, T_MAX, "可提供起始", "available from", 0),
    INT_V(6, "available_until", T_MIN, T_MAX, "可提供截止", "available until",
          0),
    ENUM_V(6, "category", item_category, "类别", "category", 0),
    REF_V(6, "item", "items", "物资", "item", 0),
    TEXT_V(6, "note", "备注", "note", COL_PERSONAL),
    REF_V(6, "organisation", "organisations", "提供组织", "organisation", 0),
    INT_V(6, "qty", 1, 1000000000000, "数量", "quantity", 0),
    REF_V(6, "site", "sites", "所在地点", "site", 0),
    ENUM_V(6, "status", offer_status, "状态", "status", 0),
    TEXT_V(6, "unit", "单位", "unit", 0),
    TEXT_V(6, "village", "村/社区", "village", 0),
    TEXT_V(6, "what", "物资/服务", "item or service", 0),
};

/* Since 9: a patrol point (巡查点): a dike section, a slope, a
 * low-lying lane or a vulnerable person's home, to be patrolled every
 * @interval_h hours by its responsible cadre. */
static const struct col_def patrol_points[] = {
    TEXT_V(9, "cadre", "责任人", "responsible cadre", 0),
    INT_V(9, "interval_h", 1, 8760, "巡查间隔(小时)", "interval (hours)", 0),
    ENUM_V(9, "kind", point_kind, "类型", "kind", 0),
    REAL_V(9, "lat", "纬度", "latitude", 0),
    REAL_V(9, "lon", "经度", "longitude", 0),
    TEXT_V(9, "name", "名称", "name", 0),
    TEXT_V(9, "note", "备注", "note", COL_PERSONAL),
    REF_V(9, "person", "persons", "住所人员", "person living there", 0),
    TEXT_V(9, "village", "村/社区", "village", 0),
};

/* Since 9: a patrol round (巡查记录), as an event: who patrolled which
 * point when, and what was seen. */
static const struct col_def patrols[] = {
    TEXT_V(9, "by", "巡查人", "patrolled by", COL_PERSONAL),
    ENUM_V(9, "finding", patrol_finding, "巡查结果", "finding", 0),
    REF_V(9, "hazard", "hazards", "上报的险情", "hazard reported", 0),
    TEXT_V(9, "note", "备注", "note", COL_PERSONAL),
    REF_V(9, "point", "patrol_points", "巡查点", "patrol point", COL_REQUIRED),
    REF_V(9, "reverses", "patrols", "更正", "reverses", 0),
    TEXT_V(9, "seen", "巡查情况", "what was seen", 0),
    INT_V(9, "time", T_MIN, T_MAX, "巡查时间", "time", COL_REQUIRED),
};

static const struct col_def persons[] = {
    INT("birth_year", 1880, 2200, "出生年份", "birth year", 0),
    BOOL("chronic", "慢性病", "chronic illness"),
    ENUM("condition", person_condition, "情况", "condition", 0),
    BOOL("disabled", "残疾", "disabled"),
    BOOL("elderly_mobility", "行动不便老人", "elderly, limited mobility"),
    REF("household", "households", "户", "household", 0),
    TEXT("id_number", "身份证号", "ID number", COL_PERSONAL),
    BOOL("left_behind", "留守", "left-behind"),
    REF("merged_into", "persons", "合并到", "merged into", 0),
    TEXT("name", "姓名", "name", COL_PERSONAL),
    BOOL("no_caretaker", "无人照料儿童", "child without caretaker"),
    TEXT("notes", "备注", "notes", COL_PERSONAL),
    TEXT("phone", "电话", "phone", COL_PERSONAL),
    BOOL("pregnant", "孕妇", "pregnant"),
    /* Since 3: the relation to the head of household (与户主关系) as a
     * roster writes it (户主, 配偶, 长子, 孙女 ...). */
    {.name = "relation",
     .type = COL_TEXT,
     .since = 3,
     .zh = "与户主关系",
     .en = "relation to head"},
    ENUM("sex", person_sex, "性别", "sex", 0),
};

/* Since 10: a recovery measure agreed with a household (一户一策): what
 * (repair, rebuild, work relief, a subsidy in fen, training,
 * employment), its responsible cadre (责任人, as households.cadre),
 * when it was agreed and is due; cancelled when it was given up. Its
 * progress, done and age are derived from recovery_progress
 * (proto/schema.md, "Recovery plans (一户一策)"). */
static const struct col_def recovery_measures[] = {
    INT_V(10, "agreed", T_MIN, T_MAX, "商定时间", "agreed", 0),
    INT_V(10, "amount_fen", 0, 1000000000000, "金额(分)", "amount (fen)", 0),
    TEXT_V(10, "cadre", "责任人", "responsible cadre", 0),
    BOOL_V(10, "cancelled", "已取消", "cancelled"),
    INT_V(10, "due", T_MIN, T_MAX, "计划完成时间", "due", 0),
    REF_V(10, "household", "households", "户", "household", 0),
    ENUM_V(10, "kind", recovery_kind, "措施类型", "kind", 0),
    TEXT_V(10, "note", "备注", "note", COL_PERSONAL),
    TEXT_V(10, "what", "措施内容", "what", 0),
};

/* Since 10: progress of a recovery measure (进展), as an event: a
 * percent done, or done, at a time, by whom. */
static const struct col_def recovery_progress[] = {
    TEXT_V(10, "by", "记录人", "recorded by", COL_PERSONAL),
    BOOL_V(10, "done", "已完成", "done"),
    REF_V(10, "measure", "recovery_measures", "措施", "measure", COL_REQUIRED),
    TEXT_V(10, "note", "进展情况", "note", COL_PERSONAL),
    INT_V(10, "percent", 0, 100, "完成百分比", "percent done", 0),
    REF_V(10, "reverses", "recovery_progress", "更正", "reverses", 0),
    INT_V(10, "time", T_MIN, T_MAX, "时间", "time", COL_REQUIRED),
};

/* Since 4: relief paid to a household (应急统表10): amounts in fen (分),
 * so sums are exact. */
static const struct col_def relief[] = {
    TEXT_V(4, "by", "发放人", "paid by", COL_PERSONAL),
    INT_V(4, "cash_fen", 0, 1000000000000, "现金(分)", "cash (fen)", 0),
    TEXT_V(4, "goods", "实物", "goods", 0),
    INT_V(4, "goods_fen", 0, 1000000000000, "实物折价(分)", "goods value (fen)",
          0),
    REF_V(4, "household", "households", "户", "household", COL_REQUIRED),
    ENUM_V(4, "method", relief_method, "发放形式", "form of payment",
           COL_REQUIRED),
    INT_V(4, "persons", 0, 100, "救助人数", "persons aided", 0),
    REF_V(4, "reverses", "relief", "更正", "reverses", 0),
    INT_V(4, "time", T_MIN, T_MAX, "时间", "time", COL_REQUIRED),
};

/* Since 4: the figures of a submitted disaster report, one row per
 * village and one for the township (proto/reports.md, "Submitted"). */
#define FIG(n, zh_, en_) INT_V(4, n, 0, 100000000, zh_, en_, COL_REQUIRED)
static const struct col_def report_figures[] = {
    FIG("affected", "受灾人口", "affected persons"),
    FIG("collapsed_hh", "倒塌房屋(户)", "houses collapsed (households)"),
    FIG("collapsed_rooms", "倒塌房屋(间)", "houses collapsed (rooms)"),
    REAL_V(4, "crops_mu", "农作物受灾面积(亩)", "crops damaged (mu)",
           COL_REQUIRED | COL_NONNEG),
    FIG("dead", "因灾死亡人口", "dead"),
    FIG("general_hh", "一般损坏房屋(户)", "houses damaged (households)"),
    FIG("general_rooms", "一般损坏房屋(间)", "houses damaged (rooms)"),
    ENUM_V(4, "level", report_level, "层级", "level", COL_REQUIRED),
    INT_V(4, "loss_yuan", 0, 1000000000000000, "直接经济损失(元)",
          "direct loss (yuan)", COL_REQUIRED),
    FIG("missing", "因灾失踪人口", "missing"),
    FIG("needs_aid", "需紧急生活救助人口", "needing emergency aid"),
    FIG("relocated", "紧急转移安置人口", "moved to safety"),
    FIG("relocated_borrowed", "借住", "in borrowed housing"),
    FIG("relocated_other", "安置方式未登记", "placement not recorded"),
    FIG("relocated_relatives", "投亲靠友", "with relatives or friends"),
    FIG("relocated_rented", "租房", "in rented housing"),
    FIG("relocated_shelter", "集中安置", "in a shelter"),
    FIG("relocated_tent", "帐篷/简易房", "in a tent or simple shelter"),
    REF_V(4, "report", "reports", "报告", "report", COL_REQUIRED),
    REF_V(4, "reverses", "report_figures", "更正", "reverses", 0),
    FIG("severe_hh", "严重损坏房屋(户)",
        "houses severely damaged (households)"),
    FIG("severe_rooms", "严重损坏房屋(间)", "houses severely damaged (rooms)"),
    TEXT_V(4, "village", "村/社区", "village", 0),
};
#undef FIG

/* Since 4: a disaster report as submitted (--submit): what was reported,
 * when, and as what kind; its figures are report_figures rows. */
static const struct col_def reports[] = {
    TEXT_V(4, "area", "填报单位", "reporting unit", 0),
    TEXT_V(4, "date", "报告日期", "report date", COL_REQUIRED),
    ENUM_V(4, "kind", report_kind, "报告类型", "kind", COL_REQUIRED),
    TEXT_V(4, "note", "备注", "note", 0),
    REF_V(4, "reverses", "reports", "更正", "reverses", 0),
    INT_V(4, "time", T_MIN, T_MAX, "报送时间", "time submitted", COL_REQUIRED),
};

/* Since 2: the staff account that made an entry's writes, one row in each
 * entry written through the web (DECISIONS 38; proto/schema.md). */
static const struct col_def recorded_by[] = {
    {.name = "account",
     .type = COL_TEXT,
     .since = 2,
     .flags = COL_REQUIRED | COL_PERSONAL,
     .zh = "账号",
     .en = "account"},
};

/* Since 9: a duty shift (值班班次): who is on duty at a site or a
 * village from @starts to @ends, and how to reach them. */
static const struct col_def shifts[] = {
    INT_V(9, "ends", T_MIN, T_MAX, "结束", "ends", 0),
    TEXT_V(9, "note", "备注", "note", COL_PERSONAL),
    TEXT_V(9, "phone", "电话", "phone", COL_PERSONAL),
    TEXT_V(9, "role", "职责", "role", 0),
    REF_V(9, "site", "sites", "值守地点", "site", 0),
    INT_V(9, "starts", T_MIN, T_MAX, "开始", "starts", 0),
    TEXT_V(9, "village", "村/社区", "village", 0),
    TEXT_V(9, "who", "值班人", "on duty", COL_PERSONAL),
};

static const struct col_def sites[] = {
    TEXT("address", "地址", "address", 0),
    REAL("area_m2", "有顶面积(平方米)", "covered area (m2)", COL_NONNEG),
    INT("capacity", 0, 1000000, "容量(人)", "capacity", 0),
    ENUM("kind", site_kind, "类型", "kind", 0),
    /* Since 6: where the site is (degrees, WGS 84), for the distance
     * between a need and an offer. */
    REAL_V(6, "lat", "纬度", "latitude", 0),
    REAL_V(6, "lon", "经度", "longitude", 0),
    TEXT("manager", "负责人", "manager", COL_PERSONAL),
    TEXT("name", "名称", "name", 0),
    BOOL("open", "开放", "open"),
    TEXT("phone", "电话", "phone", COL_PERSONAL),
};

static const struct col_def stays[] = {
    REF("closes", "stays", "对应入住", "closes check-in", 0),
    ENUM("kind", stay_kind, "类型", "kind", COL_REQUIRED),
    TEXT("note", "备注", "note", COL_PERSONAL),
    REF("person", "persons", "人员", "person", COL_REQUIRED),
    REF("reverses", "stays", "更正", "reverses", 0),
    REF("site", "sites", "安置点", "site", COL_REQUIRED),
    INT("time", T_MIN, T_MAX, "时间", "time", COL_REQUIRED),
};

static const struct col_def stock_moves[] = {
    INT("counted", 0, INT64_MAX, "盘点数", "counted", 0),
    TEXT("counterpart", "对方", "counterpart", 0),
    REF("household", "households", "领取户", "household", 0),
    REF("item", "items", "物资", "item", COL_REQUIRED),
    ENUM("kind", move_kind, "类型", "kind", COL_REQUIRED),
    /* Since 6: goods received against a coordinator's match. */
    REF_V(6, "match", "matches", "对应承诺", "match", 0),
    INT("qty", -1000000000000, 1000000000000, "数量", "quantity", COL_REQUIRED),
    TEXT("reference", "单据号", "reference", 0),
    REF("reverses", "stock_moves", "更正", "reverses", 0),
    REF("site", "sites", "地点", "site", COL_REQUIRED),
    INT("time", T_MIN, T_MAX, "时间", "time", COL_REQUIRED),
};

/* Since 5: a volunteer's assignment to a site and a task, from starts to
 * ends (Unix seconds; ends empty while it runs). */
static const struct col_def volunteer_assignments[] = {
    INT_V(5, "ends", T_MIN, T_MAX, "结束", "ends", 0),
    TEXT_V(5, "note", "备注", "note", COL_PERSONAL),
    REF_V(5, "site", "sites", "服务地点", "site", 0),
    INT_V(5, "starts", T_MIN, T_MAX, "开始", "starts", 0),
    TEXT_V(5, "task", "任务", "task", 0),
    REF_V(5, "volunteer", "volunteers", "志愿者", "volunteer", 0),
};

/* Since 5: hours served, as events (志愿服务记录): a check-in, the
 * check-out that closes it, or minutes recorded afterwards. Totals are
 * derived (the volunteer_hours view), never stored. */
static const struct col_def volunteer_service[] = {
    REF_V(5, "closes", "volunteer_service", "对应签到", "closes check-in", 0),
    ENUM_V(5, "kind", service_kind, "类型", "kind", COL_REQUIRED),
    INT_V(5, "minutes", 1, 44640, "服务时长(分钟)", "minutes served", 0),
    TEXT_V(5, "note", "备注", "note", COL_PERSONAL),
    REF_V(5, "reverses", "volunteer_service", "更正", "reverses", 0),
    REF_V(5, "site", "sites", "服务地点", "site", COL_REQUIRED),
    TEXT_V(5, "task", "任务", "task", 0),
    INT_V(5, "time", T_MIN, T_MAX, "时间", "time", COL_REQUIRED),
    REF_V(5, "volunteer", "volunteers", "志愿者", "volunteer", COL_REQUIRED),
};

/* Since 5: registered volunteers (志愿者). */
static const struct col_def volunteers[] = {
    TEXT_V(5, "availability", "可服务时间", "availability", 0),
    TEXT_V(5, "id_number", "身份证号", "ID number", COL_PERSONAL),
    TEXT_V(5, "name", "姓名", "name", COL_PERSONAL),
    TEXT_V(5, "note", "备注", "note", COL_PERSONAL),
    REF_V(5, "organisation", "organisations", "所属组织", "organisation", 0),
    TEXT_V(5, "phone", "电话", "phone", COL_PERSONAL),
    TEXT_V(5, "skills", "技能", "skills", 0),
};

/* Since 7: a warning notice (预警信息), the fields of a CAP 1.2 alert's
 * info, whose area (villages and grids, comma-separated) makes a
 * campaign: every household there must be reached (warnings rows naming
 * it as their campaign). */
static const struct col_def warning_notices[] = {
    TEXT_V(7, "area_desc", "预警区域(原文)", "area as described", 0),
    ENUM_V(7, "certainty", cap_certainty, "确定性", "certainty", 0),
    TEXT_V(7, "description", "预警内容", "description", 0),
    TEXT_V(7, "event", "灾种", "hazard", 0),
    INT_V(7, "expires", T_MIN, T_MAX, "失效时间", "expires", 0),
    TEXT_V(7, "grids", "网格(逗号分隔)", "grids (comma-separated)", 0),
    TEXT_V(7, "headline", "标题", "headline", 0),
    TEXT_V(7, "identifier", "预警编号", "identifier", 0),
    TEXT_V(7, "instruction", "防御指引", "instruction", 0),
    TEXT_V(7, "sender", "发布者标识", "sender", 0),
    INT_V(7, "sent", T_MIN, T_MAX, "发布时间", "sent", 0),
    ENUM_V(7, "severity", cap_severity, "严重程度", "severity", 0),
    TEXT_V(7, "source", "发布单位", "source", 0),
    ENUM_V(7, "urgency", cap_urgency, "紧急程度", "urgency", 0),
    TEXT_V(7, "villages", "村/社区(逗号分隔)", "villages (comma-separated)", 0),
};

/* A warning delivered (or tried) to a household. Since 7 it may name its
 * campaign and say whether the household was reached (absent: reached,
 * as every row before 7 means). */
static const struct col_def warnings[] = {
    TEXT("by", "通知人", "delivered by", COL_PERSONAL),
    REF_V(7, "campaign", "warning_notices", "预警信息", "warning notice", 0),
    REF("household", "households", "户", "household", COL_REQUIRED),
    ENUM("method", warning_method, "方式", "method", COL_REQUIRED),
    TEXT_V(7, "note", "备注", "note", COL_PERSONAL),
    TEXT("notice", "通知内容", "notice", COL_REQUIRED),
    BOOL_V(7, "reached", "已送达", "reached"),
    REF("reverses", "warnings", "更正", "reverses", 0),
    INT("time", T_MIN, T_MAX, "时间", "time", COL_REQUIRED),
};

static const struct table_def tables_reg[] = {
    {"care_visits", TABLE_EVENT, 10, care_visits, N(care_visits), "关爱走访",
     "care visits", 0},
    {"damage", TABLE_EVENT, 4, damage, N(damage), "灾损评估",
     "damage assessments", 0},
    {"disinfections", TABLE_EVENT, 10, disinfections, N(disinfections),
     "消毒记录", "disinfections", 0},
    {"donations", TABLE_EVENT, 8, donations, N(donations), "捐赠", "donations",
     0},
    {"handovers", TABLE_EVENT, 9, handovers, N(handovers), "交接班记录",
     "handovers", 0},
    {"hazard_responses", TABLE_EVENT, 9, hazard_responses, N(hazard_responses),
     "险情处置", "hazard responses", 0},
    {"hazards", TABLE_EVENT, 9, hazards, N(hazards), "险情上报", "hazards", 0},
    {"health_checks", TABLE_EVENT, 10, health_checks, N(health_checks),
     "健康监测", "health checks", 0},
    {"households", TABLE_ENTITY, 1, households, N(households), "住户",
     "households", 0},
    {"items", TABLE_ENTITY, 1, items, N(items), "物资品类", "items", 0},
    {"ledger", TABLE_EVENT, 8, ledger, N(ledger), "捐赠使用", "donation ledger",
     0},
    {"matches", TABLE_EVENT, 6, matches, N(matches), "供需对接", "matches", 0},
    {"needs", TABLE_ENTITY, 6, needs, N(needs), "需求", "needs", 0},
    {"offers", TABLE_ENTITY, 6, offers, N(offers), "供给", "offers", 0},
    {"organisations", TABLE_ENTITY, 5, organisations, N(organisations),
     "社会力量", "organisations", 0},
    {"patrol_points", TABLE_ENTITY, 9, patrol_points, N(patrol_points),
     "巡查点", "patrol points", 0},
    {"patrols", TABLE_EVENT, 9, patrols, N(patrols), "巡查记录",
     "patrol rounds", 0},
    {"persons", TABLE_ENTITY, 1, persons, N(persons), "人员", "persons", 0},
    {"recorded_by", TABLE_EVENT, 2, recorded_by, N(recorded_by), "录入账号",
     "recorded by", TABLE_BY_NODE},
    {"recovery_measures", TABLE_ENTITY, 10, recovery_measures,
     N(recovery_measures), "恢复重建措施", "recovery measures", 0},
    {"recovery_progress", TABLE_EVENT, 10, recovery_progress,
     N(recovery_progress), "措施进展", "recovery progress", 0},
    {"relief", TABLE_EVENT, 4, relief, N(relief), "救助发放", "relief paid", 0},
    {"report_figures", TABLE_EVENT, 4, report_figures, N(report_figures),
     "上报数字", "reported figures", 0},
    {"reports", TABLE_EVENT, 4, reports, N(reports), "上报记录",
     "submitted reports", 0},
    {"shifts", TABLE_ENTITY, 9, shifts, N(shifts), "值班班次", "duty shifts",
     0},
    {"sites", TABLE_ENTITY, 1, sites, N(sites), "地点", "sites", 0},
    {"stays", TABLE_EVENT, 1, stays, N(stays), "入住记录", "stays", 0},
    {"stock_moves", TABLE_EVENT, 1, stock_moves, N(stock_moves), "物资出入库",
     "stock moves", 0},
    {"volunteer_assignments", TABLE_ENTITY, 5, volunteer_assignments,
     N(volunteer_assignments), "志愿者分派", "volunteer assignments", 0},
    {"volunteer_service", TABLE_EVENT, 5, volunteer_service,
     N(volunteer_service), "志愿服务记录", "volunteer service", 0},
    {"volunteers", TABLE_ENTITY, 5, volunteers, N(volunteers), "志愿者",
     "volunteers", 0},
    {"warning_notices", TABLE_ENTITY, 7, warning_notices, N(warning_notices),
     "预警信息", "warning notices", 0},
    {"warnings", TABLE_EVENT, 1, warnings, N(warnings), "预警通知", "warnings",
     0},
};

static const struct schema schema_reg = {
    .version = HZ_SCHEMA_VERSION,
    .tables = tables_reg,
    .n_tables = N(tables_reg),
};

const struct schema *schema_current(void)
{
    return &schema_reg;
}

static int name_cmp(const uint8_t *a, size_t a_len, const char *b)
{
    size_t b_len = strlen(b);
    size_t n = a_len < b_len ? a_len : b_len;
    /* An empty name read from msgpack may point nowhere (NULL). */
    int c = n > 0 ? memcmp(a, b, n) : 0;
    if (c != 0)
        return c;
    return a_len < b_len ? -1 : a_len > b_len;
}

int schema_check(const struct schema *s)
{
    for (size_t t = 0; t < s->n_tables; t++) {
        const struct table_def *td = &s->tables[t];
        if (t > 0 && strcmp(s->tables[t - 1].name, td->name) >= 0)
            return hz_err_set(NULL, HZ_ECORRUPT, "tables not sorted");
        /* A column is a bit of a 64-bit mask in the store (storage.md). */
        if (td->since > s->version || td->n_cols == 0 ||
            td->n_cols > HZ_FIELDS_MAX)
            return HZ_ECORRUPT;
        for (size_t c = 0; c < td->n_cols; c++) {
            const struct col_def *cd = &td->cols[c];
            if (c > 0 && strcmp(td->cols[c - 1].name, cd->name) >= 0)
                return HZ_ECORRUPT;
            if (cd->since > s->version || cd->since < td->since)
                return HZ_ECORRUPT;
            if (strlen(cd->name) > HZ_NAME_LEN_MAX)
                return HZ_ECORRUPT;
            if (cd->type == COL_ID && schema_table_c(s, cd->ref_table) == NULL)
                return HZ_ECORRUPT;
            if (cd->type == COL_ENUM && cd->values == NULL)
                return HZ_ECORRUPT;
            if ((cd->flags & COL_REQUIRED) && td->kind != TABLE_EVENT)
                return HZ_ECORRUPT;
        }
    }
    return 0;
}

const struct table_def *schema_table(const struct schema *s,
                                     const uint8_t *name, size_t len)
{
    size_t lo = 0, hi = s->n_tables;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(name, len, s->tables[mid].name);
        if (c == 0)
            return &s->tables[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const struct table_def *schema_table_c(const struct schema *s, const char *name)
{
    return schema_table(s, (const uint8_t *)name, strlen(name));
}

int schema_col(const struct table_def *t, const uint8_t *name, size_t len)
{
    size_t lo = 0, hi = t->n_cols;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(name, len, t->cols[mid].name);
        if (c == 0)
            return (int)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

int schema_col_from(const struct table_def *t, const uint8_t *name, size_t len,
                    size_t from)
{
    for (size_t c = from; c < t->n_cols; c++) {
        int r = name_cmp(name, len, t->cols[c].name);
        if (r == 0)
            return (int)c;
        if (r < 0)
            break;
    }
    return schema_col(t, name, len);
}

int schema_col_c(const struct table_def *t, const char *name)
{
    return schema_col(t, (const uint8_t *)name, strlen(name));
}

size_t schema_table_index(const struct schema *s, const struct table_def *t)
{
    HZ_ASSERT(t >= s->tables && t < s->tables + s->n_tables);
    return (size_t)(t - s->tables);
}

const struct enum_val *schema_enum(const struct col_def *c, const uint8_t *name,
                                   size_t len)
{
    for (const struct enum_val *v = c->values; v != NULL && v->name; v++) {
        if (name_cmp(name, len, v->name) == 0)
            return v;
    }
    return NULL;
}

/* A column as people know it, for the Chinese side of a refusal. */
static const char *col_zh(const struct col_def *c)
{
    return c->zh != NULL ? c->zh : c->name;
}

/* What an integer column takes, said in Chinese (after hz_err_set). */
static int want_int(const struct col_def *c, int code, struct hz_err *err)
{
    if (c->min < c->max)
        return hz_err_zh(err, code, "「%s」应为 %lld 到 %lld 之间的整数",
                         col_zh(c), (long long)c->min, (long long)c->max);
    return hz_err_zh(err, code, "「%s」应为整数", col_zh(c));
}

/* What an enum column takes, said in Chinese (after hz_err_set): its
 * values as people know them, as many as the message holds. */
static int want_enum(const struct col_def *c, int code, struct hz_err *err)
{
    char list[160] = "";
    size_t used = 0;
    for (const struct enum_val *v = c->values; v != NULL && v->name; v++) {
        const char *name = v->zh != NULL ? v->zh : v->name;
        size_t len = strlen(name), sep = used > 0 ? strlen("、") : 0;
        if (used + sep + len + strlen("…") >= sizeof list) {
            memcpy(list + used, "…", strlen("…") + 1);
            break;
        }
        memcpy(list + used, "、", sep);
        memcpy(list + used + sep, name, len + 1);
        used += sep + len;
    }
    return hz_err_zh(err, code, "「%s」应为以下之一：%s", col_zh(c), list);
}

static int check_number(const struct col_def *c, double x, struct hz_err *err)
{
    if ((c->flags & COL_POSITIVE) && !(x > 0))
        return hz_err_zh(
            err, hz_err_set(err, HZ_EVALUE, "%s must be positive", c->name),
            "「%s」应大于 0", col_zh(c));
    if ((c->flags & COL_NONNEG) && x < 0)
        return hz_err_zh(
            err, hz_err_set(err, HZ_EVALUE, "%s must not be negative", c->name),
            "「%s」不能为负数", col_zh(c));
    return 0;
}

int schema_check_value(const struct col_def *c, const struct value *v,
                       unsigned *since_needed, struct hz_err *err)
{
    *since_needed = c->since;
    if (v->type == VALUE_NIL)
        return 0;
    switch (c->type) {
    case COL_TEXT:
        if (v->type != VALUE_STR)
            break;
        return 0; /* UTF-8 and length were checked when decoding */
    case COL_INT:
        if (v->type != VALUE_INT)
            break;
        if (c->min < c->max && (v->i < c->min || v->i > c->max))
            return want_int(
                c, hz_err_set(err, HZ_EVALUE, "%s out of range", c->name), err);
        return check_number(c, (double)v->i, err);
    case COL_REAL:
        if (v->type != VALUE_REAL)
            break;
        return check_number(c, v->r, err);
    case COL_BOOL:
        if (v->type != VALUE_BOOL)
            break;
        return 0;
    case COL_ID:
        if (v->type != VALUE_BIN || v->s.len != HZ_ROW_LEN)
            break;
        return 0;
    case COL_ENUM: {
        if (v->type != VALUE_STR)
            break;
        const struct enum_val *ev = schema_enum(c, v->s.p, v->s.len);
        if (ev == NULL)
            return hz_err_zh(
                err, hz_err_set(err, HZ_ESCHEMA, "%s: unknown value", c->name),
                "「%s」不是可选的取值", col_zh(c));
        if (ev->since > *since_needed)
            *since_needed = ev->since;
        return 0;
    }
    }
    return hz_err_zh(err, hz_err_set(err, HZ_EVALUE, "%s: wrong type", c->name),
                     "「%s」的内容类型不对", col_zh(c));
}

static int parse_bool(const char *t, bool *out)
{
    static const char *const yes[] = {"true", "yes", "1", "是", "y"};
    static const char *const no[] = {"false", "no", "0", "否", "n"};
    for (size_t i = 0; i < N(yes); i++) {
        if (strcmp(t, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcmp(t, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return HZ_EVALUE;
}

int schema_parse_value(const struct col_def *c, const char *text,
                       uint8_t *id_buf, struct value *out, struct hz_err *err)
{
    memset(out, 0, sizeof *out);
    size_t len = strlen(text);
    if (len == 0) {
        out->type = VALUE_NIL;
        return 0;
    }
    if (len > HZ_TEXT_LEN_MAX)
        return hz_err_zh(err,
                         hz_err_set(err, HZ_ETOOBIG, "%s: text over %u bytes",
                                    c->name, HZ_TEXT_LEN_MAX),
                         "「%s」超过 %u 字节", col_zh(c), HZ_TEXT_LEN_MAX);
    if (!utf8_valid((const uint8_t *)text, len))
        return hz_err_zh(
            err, hz_err_set(err, HZ_EVALUE, "%s: invalid UTF-8", c->name),
            "「%s」含有无效的文字编码", col_zh(c));
    switch (c->type) {
    case COL_TEXT:
        out->type = VALUE_STR;
        out->s = (struct hz_bytes){(const uint8_t *)text, len};
        break;
    case COL_INT: {
        char *end;
        errno = 0;
        long long x = strtoll(text, &end, 10);
        if (errno != 0 || *end != '\0' || end == text)
            return want_int(
                c, hz_err_set(err, HZ_EVALUE, "%s: not an integer", c->name),
                err);
        out->type = VALUE_INT;
        out->i = x;
        break;
    }
    case COL_REAL: {
        char *end;
        errno = 0;
        double x = strtod(text, &end);
        if (errno != 0 || *end != '\0' || end == text || !isfinite(x))
            return hz_err_zh(
                err, hz_err_set(err, HZ_EVALUE, "%s: not a number", c->name),
                "「%s」应为数字", col_zh(c));
        out->type = VALUE_REAL;
        out->r = x == 0.0 ? 0.0 : x;
        break;
    }
    case COL_BOOL:
        out->type = VALUE_BOOL;
        if (parse_bool(text, &out->b) != 0)
            return hz_err_zh(
                err, hz_err_set(err, HZ_EVALUE, "%s: not yes/no", c->name),
                "「%s」应为“是”或“否”", col_zh(c));
        break;
    case COL_ID:
        if (hex_decode(text, id_buf, HZ_ROW_LEN) != 0)
            return hz_err_zh(err,
                             hz_err_set(err, HZ_EVALUE,
                                        "%s: not a row id (32 lowercase hex)",
                                        c->name),
                             "「%s」不是有效的记录编号", col_zh(c));
        out->type = VALUE_BIN;
        out->s = (struct hz_bytes){id_buf, HZ_ROW_LEN};
        break;
    case COL_ENUM: {
        const struct enum_val *ev = NULL;
        for (const struct enum_val *v = c->values; v->name; v++) {
            if (strcmp(text, v->name) == 0 || strcmp(text, v->zh) == 0 ||
                strcmp(text, v->en) == 0) {
                ev = v;
                break;
            }
        }
        if (ev == NULL)
            return want_enum(
                c, hz_err_set(err, HZ_EVALUE, "%s: unknown value", c->name),
                err);
        out->type = VALUE_STR;
        out->s = (struct hz_bytes){(const uint8_t *)ev->name, strlen(ev->name)};
        break;
    }
    }
    unsigned since;
    return schema_check_value(c, out, &since, err);
}

const char *hz_enum_label(const char *table, const char *column,
                          const char *value, enum hz_lang lang)
{
    const struct table_def *t = schema_table_c(schema_current(), table);
    int c = t != NULL ? schema_col_c(t, column) : -1;
    if (c < 0 || t->cols[c].type != COL_ENUM)
        return NULL;
    const struct enum_val *v =
        schema_enum(&t->cols[c], (const uint8_t *)value, strlen(value));
    if (v == NULL)
        return NULL;
    return lang == HZ_LANG_EN ? v->en : v->zh;
}

const char *hz_column_label(const char *table, const char *column,
                            enum hz_lang lang)
{
    const struct table_def *t = schema_table_c(schema_current(), table);
    if (t == NULL)
        return NULL;
    if (column == NULL)
        return lang == HZ_LANG_EN ? t->en : t->zh;
    int c = schema_col_c(t, column);
    if (c < 0)
        return NULL;
    return lang == HZ_LANG_EN ? t->cols[c].en : t->cols[c].zh;
}

/* ---- resident ID numbers */

static bool date_ok(int y, int m, int d, int this_year)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1880 || (this_year > 0 && y > this_year) || m < 1 || m > 12 ||
        d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

enum id_number_fault schema_id_number_check(const char *s, int this_year)
{
    size_t len = strlen(s);
    if (len != 18 && len != 15)
        return IDN_LENGTH;
    for (size_t i = 0; i < len; i++) {
        bool last = i == 17;
        if (!(s[i] >= '0' && s[i] <= '9') &&
            !(last && (s[i] == 'X' || s[i] == 'x')))
            return IDN_DIGITS;
    }
    if (len == 15)
        return date_ok(1900 + digits(s + 6, 2), digits(s + 8, 2),
                       digits(s + 10, 2), this_year)
                   ? IDN_OK
                   : IDN_DATE;
    if (!date_ok(digits(s + 6, 4), digits(s + 10, 2), digits(s + 12, 2),
                 this_year))
        return IDN_DATE;
    static const int weight[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                   3, 7, 9,  10, 5, 8, 4, 2};
    static const char check[] = "10X98765432";
    int sum = 0;
    for (size_t i = 0; i < 17; i++)
        sum += (s[i] - '0') * weight[i];
    char want = check[sum % 11];
    char got = s[17] == 'x' ? 'X' : s[17];
    return got == want ? IDN_OK : IDN_CHECKSUM;
}

const char *schema_id_number_fault_en(enum id_number_fault f)
{
    switch (f) {
    case IDN_OK:
        return "valid";
    case IDN_LENGTH:
        return "an ID number has 18 characters (old ones 15)";
    case IDN_DIGITS:
        return "an ID number is digits, the last may be X";
    case IDN_DATE:
        return "the birth date in the ID number does not exist";
    case IDN_CHECKSUM:
        return "the ID number's check digit does not match: a digit is"
               " mistyped";
    }
    return "invalid";
}

const char *schema_id_number_fault_zh(enum id_number_fault f)
{
    switch (f) {
    case IDN_OK:
        return "有效";
    case IDN_LENGTH:
        return "身份证号应为 18 位（旧证 15 位）";
    case IDN_DIGITS:
        return "身份证号只能是数字，最后一位可以是 X";
    case IDN_DATE:
        return "身份证号中的出生日期不存在";
    case IDN_CHECKSUM:
        return "身份证号校验位不符，请检查是否输错";
    }
    return "无效";
}
