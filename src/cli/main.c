/* main.c - the huzhu command: global options, then one row of the command
 * table. The table is data (issue 19): each row names its subcommands or
 * its handler, whether the node is opened before the handler runs
 * (read-only, read-write or not at all), and its parameters, from which
 * one parser (form_parse, cli.c) fills a bounded struct form and text.c
 * writes usage and help. main.c dispatches; the handlers live in cmd_*.c.
 * proto/cli.md is the contract. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The common shapes of a parameter: a positional, an optional one, an
 * option given at most once, a required one, a repeatable one, one
 * without a value, a path. The rest are written out. */
#define POS(n, c, z, e)                                                        \
    {                                                                          \
        .name = n, .col = c, .min = 1, .max = 1, .zh = z, .en = e              \
    }
#define POS_OPTIONAL(n, k, z, e)                                               \
    {                                                                          \
        .name = n, .kind = k, .max = 1, .zh = z, .en = e                       \
    }
#define OPT(n, a, c, z, e)                                                     \
    {                                                                          \
        .name = n, .arg = a, .col = c, .max = 1, .zh = z, .en = e              \
    }
#define REQ(n, a, c, z, e)                                                     \
    {                                                                          \
        .name = n, .arg = a, .col = c, .min = 1, .max = 1, .zh = z, .en = e    \
    }
#define MANY(n, a, m, z, e)                                                    \
    {                                                                          \
        .name = n, .arg = a, .max = m, .zh = z, .en = e                        \
    }
#define FLAG(n, z, e)                                                          \
    {                                                                          \
        .name = n, .max = 1, .zh = z, .en = e                                  \
    }
#define PATH_POS(n, z, e)                                                      \
    {                                                                          \
        .name = n, .kind = KIND_PATH, .min = 1, .max = 1, .zh = z, .en = e     \
    }
#define PATH_OPT(n, a, z, e)                                                   \
    {                                                                          \
        .name = n, .arg = a, .kind = KIND_PATH, .max = 1, .zh = z, .en = e     \
    }
#define ID_OPT(z, e) OPT("--id", "ID", NULL, z, e)
#define EVENT_ID_OPT                                                           \
    ID_OPT("事件编号(重试时给同一编号)", "event id (the same on a retry)")
#define TIME_OPT                                                               \
    OPT("--time", "UNIX", "time", "时间(Unix 秒，默认现在)",                   \
        "time (Unix seconds, default now)")
#define PASSPHRASE_OPT                                                         \
    PATH_OPT("--passphrase-file", "F", "从该文件首行读取口令",                 \
             "read the passphrase from the first line of F")
#define END                                                                    \
    {                                                                          \
        .name = NULL                                                           \
    }

static const struct cli_param init_params[] = {
    REQ("--name", "NAME", NULL, "节点名称", "the node's name"),
    END,
};

static const struct cli_param put_params[] = {
    POS("TABLE", NULL, "表", "table"),
    {.name = "COL=VALUE",
     .kind = KIND_FIELD,
     .min = 1,
     .max = CLI_FIELDS_MAX,
     .zh = "字段及其取值(空值清除该字段)",
     .en = "a column and its value (empty clears it)"},
    ID_OPT("行编号: 修改该行，或以此编号插入事件",
           "row id: edit that row, or insert an event with this id"),
    END,
};

static const struct cli_param row_params[] = {
    POS("TABLE", NULL, "表", "table"),
    POS("ID", NULL, "行编号(32位十六进制)", "row id (32 hex digits)"),
    END,
};

static const struct cli_param ls_params[] = {
    POS("TABLE", NULL, "表", "table"),
    {.name = "--where",
     .arg = "COL=VALUE",
     .kind = KIND_FIELD,
     .max = CLI_FIELDS_MAX,
     .zh = "条件(多个条件同时满足; COL= 匹配无值的行)",
     .en = "a condition (all must hold; COL= matches no value)"},
    END,
};

static const struct cli_param export_params[] = {
    PATH_POS("FILE", "数据包文件", "bundle file"),
    PATH_OPT("--for", "VECTOR_FILE", "只导出该向量的节点缺少的条目",
             "only what the node whose vector this is lacks"),
    END,
};

static const struct cli_param import_params[] = {
    POS_OPTIONAL("FILE", KIND_PATH, "数据包文件", "bundle file"),
    FLAG("--resume", "完成被中断的导入", "finish an interrupted import"),
    END,
};

static const struct cli_param roster_params[] = {
    PATH_POS("FILE", "花名册文件(CSV 或 XLSX)", "roster file (CSV or XLSX)"),
    OPT("--village", "V", NULL, "没有村列时所属的村/社区",
        "the village of rows that name none"),
    PATH_OPT("--mapping", "MAP", "表头映射文件(每行“表头 = 字段”)",
             "a headings file (\"heading = field\" lines)"),
    OPT("--encoding", "E", NULL, "CSV 编码 utf-8 或 gb18030(默认自动识别)",
        "CSV encoding, utf-8 or gb18030 (default: detected)"),
    OPT("--sheet", "S", NULL, "XLSX 工作表(名称或序号，默认第一个可识别的)",
        "XLSX sheet, by name or number (default: the first recognised)"),
    FLAG("--dry-run", "只检查并列出将写入的内容，不写入",
         "check and list what would be written; write nothing"),
    END,
};

static const struct cli_param household_params[] = {
    REQ("--head", "NAME", "head_name", "户主姓名", "head of household"),
    OPT("--village", "V", "village", "村/社区", "village"),
    OPT("--grid", "G", "grid", "网格", "grid"),
    OPT("--address", "A", "address", "地址", "address"),
    OPT("--phone", "P", "phone", "电话", "phone"),
    OPT("--status", "S", "status", "状态(如 集中安置)",
        "status (sheltered, ...)"),
    OPT("--cadre", "C", "cadre", "包保责任人", "responsible cadre"),
    OPT("--notes", "N", "notes", "备注", "notes"),
    OPT("--members", "N", "members", "人数(有 --member 时自动计算)",
        "number of members (counted when --member is given)"),
    ID_OPT("住户编号", "household id"),
    MANY("--member", "NAME,SEX,YEAR[,FLAG...]", CLI_MEMBERS_MAX,
         "成员: 姓名,性别,出生年份[,标记...](性别、年份可空)",
         "a member: name,sex,year[,flag...] (sex, year may be empty)"),
    END,
};

static const struct cli_param person_params[] = {
    OPT("--household", "ID", "household", "所属住户", "household"),
    REQ("--name", "NAME", "name", "姓名", "name"),
    OPT("--sex", "S", "sex", "性别", "sex"),
    OPT("--born", "YEAR", "birth_year", "出生年份", "year of birth"),
    OPT("--phone", "P", "phone", "电话", "phone"),
    OPT("--id-number", "N", "id_number", "身份证号", "ID number"),
    OPT("--condition", "C", "condition", "情况", "condition"),
    OPT("--notes", "N", "notes", "备注", "notes"),
    ID_OPT("人员编号", "person id"),
    MANY("--flag", "FLAG", CLI_FLAGS_MAX, "脆弱性标记(如 留守、孕妇)",
         "a vulnerability flag (left_behind, pregnant, ...)"),
    END,
};

static const struct cli_param site_params[] = {
    REQ("--name", "NAME", "name", "名称", "name"),
    OPT("--kind", "K", "kind", "类型(如 安置点、warehouse)",
        "kind (shelter, warehouse, ...)"),
    OPT("--capacity", "N", "capacity", "容量(人)", "capacity (people)"),
    OPT("--area", "M2", "area_m2", "有顶面积(平方米)", "covered area (m2)"),
    OPT("--address", "A", "address", "地址", "address"),
    OPT("--manager", "M", "manager", "负责人", "manager"),
    OPT("--phone", "P", "phone", "电话", "phone"),
    OPT("--open", "yes|no", "open", "是否开放", "open or not"),
    OPT("--lat", "DEG", "lat", "纬度", "latitude"),
    OPT("--lon", "DEG", "lon", "经度", "longitude"),
    ID_OPT("地点编号", "site id"),
    END,
};

static const struct cli_param item_params[] = {
    REQ("--name", "NAME", "name", "名称", "name"),
    OPT("--unit", "UNIT", "unit", "单位(如 箱、床)", "unit (box, ...)"),
    OPT("--category", "C", "category", "类别(如 食品、bedding)",
        "category (food, bedding, ...)"),
    ID_OPT("品类编号", "item id"),
    END,
};

static const struct cli_param checkin_params[] = {
    POS("PERSON", "person", "人员编号", "person id"),
    POS("SITE", "site", "安置点编号", "site id"),
    EVENT_ID_OPT,
    TIME_OPT,
    END,
};

static const struct cli_param checkout_params[] = {
    POS("PERSON", NULL, "人员编号", "person id"),
    OPT("--site", "SITE", NULL, "离开哪个安置点(在多处入住时必填)",
        "the site left (needed when checked in at several)"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param stock_params[] = {
    POS("SITE", "site", "地点编号", "site id"),
    POS("ITEM", "item", "物资品类编号", "item id"),
    {.name = "QTY",
     .kind = KIND_UINT,
     .min = 1,
     .max = 1,
     .zh = "数量(按品类单位; 盘点时为盘点数)",
     .en = "quantity in the item's unit (count: the counted number)",
     .lo = 0,
     .hi = CLI_QTY_MAX},
    OPT("--household", "H", "household", "领取户(仅发放)",
        "receiving household (distribute only)"),
    OPT("--from", "WHO", "counterpart", "来源", "where it came from"),
    OPT("--to", "WHO", "counterpart", "去向", "where it went"),
    OPT("--ref", "R", "reference", "单据号", "reference"),
    EVENT_ID_OPT,
    TIME_OPT,
    END,
};

static const struct cli_param warn_params[] = {
    POS("HOUSEHOLD", "household", "住户编号", "household id"),
    REQ("--method", "phone|door|loudspeaker|message", "method", "通知方式",
        "how it was delivered"),
    REQ("--notice", "TEXT", "notice", "通知内容", "the notice"),
    OPT("--by", "NAME", "by", "通知人", "delivered by"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param damage_params[] = {
    {.name = "HOUSEHOLD",
     .col = "household",
     .max = 1,
     .zh = "住户编号(评估住户的房屋和农作物)",
     .en = "household id (its house and crops)"},
    OPT("--facility", "NAME", "facility", "公共设施名称(代替住户)",
        "a public facility (instead of a household)"),
    OPT("--village", "V", "village", "设施所在村/社区",
        "the facility's village"),
    OPT("--house", "collapsed|severe|general|none", "house",
        "房屋损坏: 倒塌、严重损坏、一般损坏、未损坏",
        "house damage: collapsed, severe, general, none"),
    OPT("--rooms", "N", "rooms", "损坏间数", "rooms damaged"),
    OPT("--crops", "MU", "crops_mu", "农作物受灾面积(亩)",
        "crops damaged (mu)"),
    OPT("--loss", "YUAN", "loss_yuan", "直接经济损失(元)",
        "direct loss (yuan)"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    OPT("--photo", "REF", "photo", "照片编号", "photo reference"),
    TIME_OPT,
    EVENT_ID_OPT,
    END,
};

static const struct cli_param relief_params[] = {
    POS("HOUSEHOLD", "household", "住户编号", "household id"),
    REQ("--method", "cash|transfer|in_kind|mixed", "method",
        "发放形式: 现金、转账/一卡通、实物、现金和实物",
        "form of payment: cash, transfer, in kind, mixed"),
    OPT("--cash", "YUAN", NULL, "现金(元，可到分)", "cash (yuan, to the fen)"),
    OPT("--goods", "TEXT", "goods", "实物(如 大米50斤)",
        "goods (rice 25 kg, ...)"),
    OPT("--goods-value", "YUAN", NULL, "实物折价(元)",
        "value of the goods (yuan)"),
    OPT("--persons", "N", "persons", "救助人数", "persons aided"),
    OPT("--by", "NAME", "by", "发放人", "paid by"),
    TIME_OPT,
    EVENT_ID_OPT,
    END,
};

static const struct cli_param org_params[] = {
    REQ("--name", "NAME", "name", "名称", "name"),
    OPT("--kind", "social_org|firm|volunteer_team|public_body", "kind",
        "类型: 社会组织、企业、志愿者队伍、机关事业单位",
        "kind: social organisation, firm, volunteer team, public body"),
    OPT("--services", "LIST", "services", "技能/服务(逗号分隔)",
        "skills and services (comma-separated)"),
    OPT("--teams", "LIST", "teams", "队伍", "teams"),
    OPT("--headcount", "N", "headcount", "人数", "headcount"),
    OPT("--equipment", "LIST", "equipment", "装备(如 冲锋舟2艘)",
        "equipment (2 rescue boats, ...)"),
    OPT("--stocks", "LIST", "stocks", "可提供物资(如 矿泉水500箱)",
        "stocks they can give (500 boxes of water, ...)"),
    OPT("--storage", "TEXT", "storage", "仓储能力", "storage capacity"),
    OPT("--production", "TEXT", "production", "生产能力",
        "production capacity"),
    OPT("--village", "V", "village", "村/社区", "village"),
    OPT("--site", "SITE", "site", "所在地点(编号)", "its site (id)"),
    OPT("--lat", "DEG", "lat", "纬度", "latitude"),
    OPT("--lon", "DEG", "lon", "经度", "longitude"),
    OPT("--contact", "NAME", "contact", "联系人", "contact person"),
    OPT("--phone", "P", "phone", "联系电话", "phone"),
    OPT("--status", "active|deployed|inactive", "status",
        "状态: 可调用、已在服务、暂停/撤离",
        "status: available, deployed, inactive"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    OPT("--confirmed", "WHEN", NULL, "最近确认时间(默认现在)",
        "when last confirmed (default now)"),
    ID_OPT("组织编号(修改该条目)", "organisation id (edits that entry)"),
    END,
};

#define QTY_OPT(c_, z, e)                                                      \
    {                                                                          \
        .name = "--qty", .arg = "N", .col = c_, .kind = KIND_UINT, .min = 1,   \
        .max = 1, .zh = z, .en = e, .lo = 1, .hi = CLI_QTY_MAX                 \
    }
#define CATEGORY_OPT                                                           \
    OPT("--category", "C", "category", "类别(如 食品、water)",                 \
        "category (food, water, ...)")

static const struct cli_param need_params[] = {
    REQ("--what", "TEXT", "what", "物资或服务(如 饮用水、消毒)",
        "item or service (drinking water, disinfection, ...)"),
    QTY_OPT("qty", "数量(按单位)", "quantity in the unit"),
    OPT("--unit", "UNIT", "unit", "单位(如 箱)", "unit (box, ...)"),
    CATEGORY_OPT,
    OPT("--item", "ITEM", "item", "物资品类(编号，到货入库用)",
        "item (id, for receiving into stock)"),
    OPT("--urgency", "low|normal|high|critical", "urgency",
        "紧急程度: 不急、一般、紧急、特急",
        "urgency: low, normal, high, critical"),
    OPT("--needed-by", "WHEN", NULL, "最迟需要时间", "needed by"),
    OPT("--site", "SITE", "site", "需求地点(编号)", "site (id)"),
    OPT("--village", "V", "village", "村/社区", "village"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    ID_OPT("需求编号(修改该需求)", "need id (edits it)"),
    END,
};

static const struct cli_param need_ls_params[] = {
    OPT("--site", "SITE", NULL, "只列该地点的", "only this site's"),
    OPT("--state", "S", NULL,
        "只列此状态的: open、promised、partly_met、met、closed、cancelled、"
        "over_promised",
        "only this state: open, promised, partly_met, met, closed,"
        " cancelled, over_promised"),
    END,
};

static const struct cli_param need_id_params[] = {
    POS("NEED", NULL, "需求编号", "need id"),
    END,
};

static const struct cli_param need_close_params[] = {
    POS("NEED", NULL, "需求编号", "need id"),
    FLAG("--cancel", "记为已取消(默认: 已关闭)",
         "record it cancelled (default: closed)"),
    END,
};

static const struct cli_param offer_params[] = {
    REQ("--what", "TEXT", "what", "物资或服务", "item or service"),
    QTY_OPT("qty", "数量(按单位)", "quantity in the unit"),
    OPT("--unit", "UNIT", "unit", "单位(如 箱)", "unit (box, ...)"),
    CATEGORY_OPT,
    OPT("--item", "ITEM", "item", "物资品类(编号)", "item (id)"),
    OPT("--org", "ORG", "organisation", "提供组织(编号)", "organisation (id)"),
    OPT("--site", "SITE", "site", "所在地点(编号)", "site (id)"),
    OPT("--village", "V", "village", "村/社区", "village"),
    OPT("--from", "WHEN", NULL, "可提供起始", "available from"),
    OPT("--until", "WHEN", NULL, "可提供截止", "available until"),
    OPT("--status", "open|withdrawn", "status", "状态: 有效、已撤回",
        "status: open, withdrawn"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    ID_OPT("供给编号(修改该供给)", "offer id (edits it)"),
    END,
};

static const struct cli_param offer_ls_params[] = {
    OPT("--site", "SITE", NULL, "只列该地点的", "only this site's"),
    OPT("--state", "S", NULL,
        "只列此状态的: available、promised、delivered、withdrawn、"
        "over_promised",
        "only this state: available, promised, delivered, withdrawn,"
        " over_promised"),
    END,
};

static const struct cli_param offer_id_params[] = {
    POS("OFFER", NULL, "供给编号", "offer id"),
    END,
};

static const struct cli_param match_suggest_params[] = {
    OPT("--need", "NEED", NULL, "只为该需求建议", "only for this need"),
    END,
};

static const struct cli_param match_commit_params[] = {
    POS("NEED", "need", "需求编号", "need id"),
    POS("OFFER", "offer", "供给编号", "offer id"),
    QTY_OPT("qty", "承诺数量", "quantity promised"),
    OPT("--by", "NAME", "by", "承诺人", "promised by"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param match_ls_params[] = {
    OPT("--need", "NEED", NULL, "只列该需求的", "only this need's"),
    END,
};

static const struct cli_param match_cancel_params[] = {
    POS("MATCH", NULL, "承诺编号", "match id"),
    OPT("--note", "TEXT", "note", "取消原因", "why"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param match_receive_params[] = {
    POS("MATCH", NULL, "承诺编号", "match id"),
    QTY_OPT(NULL, "到货数量", "quantity received"),
    OPT("--site", "SITE", NULL, "入库地点(默认: 需求地点)",
        "site (default: the need's)"),
    OPT("--item", "ITEM", NULL, "物资品类(默认: 需求或供给的)",
        "item (default: the need's or the offer's)"),
    OPT("--from", "WHO", "counterpart", "来源", "where it came from"),
    OPT("--time", "WHEN", NULL, "到货时间(默认现在)",
        "when it arrived (default now)"),
    EVENT_ID_OPT,
    END,
};

#define AMOUNT_OPT(z, e) REQ("--amount", "YUAN", NULL, z, e)
#define WHEN_OPT(z, e) OPT("--time", "WHEN", NULL, z, e)

static const struct cli_param donation_params[] = {
    REQ("--kind", "money|goods", "kind", "类型: 资金(money)或物资(goods)",
        "kind: money or goods"),
    AMOUNT_OPT("金额或物资折价(元，最多两位小数)",
               "amount, or the goods' value (yuan, two decimals at most)"),
    OPT("--currency", "CNY|HKD|USD|EUR", "currency", "币种(默认人民币)",
        "currency (default CNY)"),
    OPT("--donor", "NAME", "donor", "捐赠方(公示时显示，除非匿名)",
        "donor (shown in the disclosure unless anonymous)"),
    OPT("--donor-org", "ORG", "donor_org", "捐赠组织(编号)",
        "donor organisation (id)"),
    FLAG("--anonymous", "匿名: 公示时不显示捐赠方",
         "anonymous: the disclosure shows no donor"),
    OPT("--org", "ORG", "organisation", "受赠组织(编号；默认乡镇)",
        "organisation that received it (id; default the township)"),
    OPT("--goods", "TEXT", "goods", "物资(品名、规格)", "goods (what)"),
    {.name = "--qty",
     .arg = "N",
     .col = "qty",
     .kind = KIND_UINT,
     .max = 1,
     .zh = "物资数量",
     .en = "quantity of goods",
     .lo = 1,
     .hi = CLI_QTY_MAX},
    OPT("--item", "ITEM", "item", "物资品类(编号)", "item (id)"),
    OPT("--stock-move", "ID", "stock_move", "入库记录(编号)",
        "the stock move that received the goods (id)"),
    OPT("--restriction", "TEXT", "restriction", "限定用途",
        "restricted to (a use)"),
    OPT("--reference", "R", "reference", "收据号", "receipt number"),
    WHEN_OPT("接收时间(默认现在)", "when received (default now)"),
    OPT("--note", "TEXT", "note", "备注(不公示)", "note (not disclosed)"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param donation_ls_params[] = {
    OPT("--org", "ORG", NULL, "只列该组织受赠的", "only this organisation's"),
    FLAG("--overdrawn", "只列超支的", "only the overdrawn"),
    END,
};

static const struct cli_param donation_id_params[] = {
    POS("DONATION", NULL, "捐赠编号", "donation id"),
    END,
};

static const struct cli_param donation_reverse_params[] = {
    POS("DONATION", NULL, "捐赠编号", "donation id"),
    OPT("--note", "TEXT", "note", "更正原因", "why"),
    WHEN_OPT("时间(默认现在)", "time (default now)"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param ledger_params[] = {
    POS("DONATION", "donation", "捐赠编号", "donation id"),
    AMOUNT_OPT("金额(元，最多两位小数)", "amount (yuan, two decimals at most)"),
    OPT("--purpose", "TEXT", "purpose", "用途(公示，勿写受助人姓名)",
        "purpose (disclosed: name no recipient)"),
    OPT("--village", "V", "village", "受益村/社区", "village"),
    OPT("--org", "ORG", "organisation", "接收组织(编号)",
        "receiving organisation (id)"),
    OPT("--relief", "ID", "relief", "对应救助发放(编号)",
        "the relief payment (id)"),
    OPT("--stock-move", "ID", "stock_move", "对应出入库(编号)",
        "the stock move (id)"),
    OPT("--match", "ID", "match", "对应承诺(编号)", "the match (id)"),
    OPT("--reference", "R", "reference", "凭证号", "voucher number"),
    OPT("--by", "NAME", "by", "经办人(不公示)", "recorded by (not disclosed)"),
    WHEN_OPT("时间(默认现在)", "time (default now)"),
    OPT("--note", "TEXT", "note", "备注(不公示)", "note (not disclosed)"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param ledger_ls_params[] = {
    OPT("--donation", "DONATION", NULL, "只列该捐赠的", "only this donation's"),
    END,
};

static const struct cli_param ledger_reverse_params[] = {
    POS("TX", NULL, "使用记录编号", "ledger row id"),
    OPT("--note", "TEXT", "note", "更正原因", "why"),
    WHEN_OPT("时间(默认现在)", "time (default now)"),
    EVENT_ID_OPT,
    END,
};

#define STALE_DAYS_OPT                                                         \
    {                                                                          \
        .name = "--stale-days", .arg = "N", .kind = KIND_UINT, .max = 1,       \
        .zh = "超过 N 天未确认的标出(默认 30)",                                \
        .en = "flag entries not confirmed in N days (default 30)", .lo = 1,    \
        .hi = 36500                                                            \
    }

static const struct cli_param org_ls_params[] = {
    OPT("--skill", "TEXT", NULL, "技能/服务或队伍含此词",
        "services or teams hold this word"),
    OPT("--item", "TEXT", NULL, "可提供物资或装备含此词",
        "stocks or equipment hold this word"),
    OPT("--village", "TEXT", NULL, "村/社区或所在地点含此词",
        "the village or site holds this word"),
    STALE_DAYS_OPT,
    FLAG("--stale", "只列出超期未确认的", "only those not confirmed lately"),
    END,
};

static const struct cli_param org_show_params[] = {
    POS("ORG", NULL, "组织编号", "organisation id"),
    STALE_DAYS_OPT,
    END,
};

static const struct cli_param org_confirm_params[] = {
    POS("ORG", NULL, "组织编号", "organisation id"),
    OPT("--time", "WHEN", NULL, "确认时间(默认现在)",
        "when confirmed (default now)"),
    END,
};

static const struct cli_param volunteer_params[] = {
    REQ("--name", "NAME", "name", "姓名", "name"),
    OPT("--phone", "P", "phone", "电话", "phone"),
    OPT("--skills", "LIST", "skills", "技能(如 医护、驾驶)",
        "skills (nursing, driving, ...)"),
    OPT("--org", "ORG", "organisation", "所属组织(编号)", "organisation (id)"),
    OPT("--availability", "TEXT", "availability", "可服务时间(如 周末)",
        "availability (weekends, ...)"),
    OPT("--id-number", "N", "id_number", "身份证号(可选)",
        "ID number (optional)"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    ID_OPT("志愿者编号(修改该志愿者)", "volunteer id (edits them)"),
    END,
};

static const struct cli_param volunteer_ls_params[] = {
    OPT("--org", "ORG", NULL, "只列该组织的", "only this organisation's"),
    OPT("--skill", "TEXT", NULL, "技能含此词", "skills hold this word"),
    END,
};

static const struct cli_param volunteer_id_params[] = {
    POS("VOLUNTEER", NULL, "志愿者编号", "volunteer id"),
    END,
};

static const struct cli_param volunteer_record_params[] = {
    POS("VOLUNTEER", NULL, "志愿者编号", "volunteer id"),
    PATH_OPT("--csv", "FILE", "另存为 CSV 文件",
             "also write it as CSV to FILE"),
    END,
};

#define WHEN_OPT(z, e) OPT("--time", "WHEN", NULL, z, e)

static const struct cli_param volunteer_assign_params[] = {
    POS("VOLUNTEER", "volunteer", "志愿者编号", "volunteer id"),
    POS("SITE", "site", "服务地点编号", "site id"),
    REQ("--task", "TEXT", "task", "任务(如 物资搬运)", "task (unloading, ...)"),
    OPT("--from", "WHEN", NULL, "开始(默认现在)", "from (default now)"),
    OPT("--to", "WHEN", NULL, "结束", "to"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    ID_OPT("分派编号(修改该分派)", "assignment id (edits it)"),
    END,
};

static const struct cli_param volunteer_checkin_params[] = {
    POS("VOLUNTEER", "volunteer", "志愿者编号", "volunteer id"),
    POS("SITE", "site", "服务地点编号", "site id"),
    OPT("--task", "TEXT", NULL, "任务(默认: 在该地点的分派任务)",
        "task (default: the volunteer's assigned task there)"),
    WHEN_OPT("签到时间(默认现在)", "time (default now)"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param volunteer_checkout_params[] = {
    POS("VOLUNTEER", NULL, "志愿者编号", "volunteer id"),
    WHEN_OPT("签退时间(默认现在)", "time (default now)"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param volunteer_hours_params[] = {
    POS("VOLUNTEER", "volunteer", "志愿者编号", "volunteer id"),
    POS("SITE", "site", "服务地点编号", "site id"),
    REQ("--hours", "H", NULL, "服务时长(小时，如 3 或 2.5)",
        "hours served (3 or 2.5)"),
    OPT("--task", "TEXT", NULL, "任务(默认: 在该地点的分派任务)",
        "task (default: the volunteer's assigned task there)"),
    WHEN_OPT("服务开始时间(默认现在)", "when the service began (default now)"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    EVENT_ID_OPT,
    END,
};

#define AT_OPT                                                                 \
    OPT("--at", "WHEN", NULL, "按此时间计算(默认现在)",                        \
        "as at WHEN (default now)")

static const struct cli_param patrol_point_params[] = {
    OPT("--name", "TEXT", "name", "名称(如 东堤3号段)",
        "name (the east dike, section 3, ...)"),
    OPT("--kind", "dike|slope|lane|home|other", "kind",
        "类型: 堤段、边坡、低洼街巷、弱势人员住所、其他",
        "kind: dike, slope, low-lying lane, vulnerable person's home, other"),
    OPT("--village", "V", "village", "村/社区", "village"),
    OPT("--cadre", "NAME", "cadre", "责任人", "responsible cadre"),
    {.name = "--interval",
     .arg = "HOURS",
     .col = "interval_h",
     .kind = KIND_UINT,
     .max = 1,
     .zh = "巡查间隔(小时)",
     .en = "interval (hours)",
     .lo = 1,
     .hi = 8760},
    OPT("--person", "PERSON", "person", "住在此处的弱势人员(编号)",
        "the vulnerable person living there (id)"),
    OPT("--lat", "DEG", "lat", "纬度", "latitude"),
    OPT("--lon", "DEG", "lon", "经度", "longitude"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    ID_OPT("巡查点编号(修改该点)", "patrol point id (edits it)"),
    END,
};

static const struct cli_param patrol_ls_params[] = {
    OPT("--village", "V", NULL, "只列该村/社区的", "only this village's"),
    FLAG("--overdue", "只列超时未巡的", "only the overdue"),
    AT_OPT,
    END,
};

static const struct cli_param patrol_round_params[] = {
    POS("POINT", "point", "巡查点编号", "patrol point id"),
    OPT("--by", "NAME", "by", "巡查人", "patrolled by"),
    OPT("--seen", "TEXT", "seen", "巡查情况(看到什么)", "what was seen"),
    OPT("--finding", "normal|watch|hazard", "finding",
        "结果: 正常、需关注、发现险情", "finding: normal, watch, hazard"),
    OPT("--hazard", "HAZARD", "hazard", "同时上报的险情(编号)",
        "the hazard reported (id)"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    OPT("--time", "WHEN", NULL, "巡查时间(默认现在)", "time (default now)"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param patrol_rounds_params[] = {
    POS_OPTIONAL("POINT", KIND_TEXT, "巡查点编号(默认全部)",
                 "patrol point id (default all)"),
    END,
};

static const struct cli_param hazard_report_params[] = {
    REQ("--kind",
        "seepage|overtopping|breach|landslide|debris_flow|waterlogging|"
        "building|other",
        "kind", "险情类型", "kind"),
    REQ("--severity", "minor|moderate|severe|extreme", "severity",
        "险情等级: 一般、较大、重大、特别重大",
        "severity: minor, moderate, severe, extreme"),
    OPT("--village", "V", "village", "村/社区", "village"),
    OPT("--location", "TEXT", "location", "位置(如 东堤3号段桩号K2+300)",
        "location in words"),
    OPT("--point", "POINT", "point", "巡查点(编号)", "patrol point (id)"),
    {.name = "--at-risk",
     .arg = "N",
     .col = "at_risk",
     .kind = KIND_UINT,
     .max = 1,
     .zh = "受威胁人数",
     .en = "people at risk",
     .lo = 0,
     .hi = 10000000},
    OPT("--photo", "REF", "photo", "照片编号(如手机里的文件名)",
        "photo reference (a file name on the phone, ...)"),
    OPT("--lat", "DEG", "lat", "纬度", "latitude"),
    OPT("--lon", "DEG", "lon", "经度", "longitude"),
    OPT("--by", "NAME", "by", "报告人", "reported by"),
    OPT("--note", "TEXT", "note", "情况描述", "description"),
    OPT("--time", "WHEN", NULL, "发现时间(默认现在)", "found (default now)"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param hazard_respond_params[] = {
    POS("HAZARD", "hazard", "险情编号", "hazard id"),
    REQ("--action", "TEXT", "action", "处置措施(如 已转移群众、已加固)",
        "action taken"),
    OPT("--by", "NAME", "by", "处置人", "responded by"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    OPT("--time", "WHEN", NULL, "处置时间(默认现在)", "time (default now)"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param hazard_ls_params[] = {
    FLAG("--open", "只列未处置的", "only the open ones"),
    OPT("--village", "V", NULL, "只列该村/社区的", "only this village's"),
    END,
};

static const struct cli_param duty_add_params[] = {
    REQ("--who", "NAME", "who", "值班人", "who is on duty"),
    REQ("--from", "WHEN", NULL, "开始时间", "starts"),
    REQ("--to", "WHEN", NULL, "结束时间", "ends"),
    OPT("--site", "SITE", "site", "值守地点(编号)", "site (id)"),
    OPT("--village", "V", "village", "值守的村/社区", "village"),
    OPT("--phone", "PHONE", "phone", "电话", "phone"),
    OPT("--role", "TEXT", "role", "职责(如 带班领导、值班员)",
        "role (leader on duty, ...)"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    ID_OPT("班次编号(修改该班次)", "shift id (edits it)"),
    END,
};

static const struct cli_param duty_at_params[] = {
    AT_OPT,
    END,
};

static const struct cli_param duty_handover_params[] = {
    REQ("--note", "TEXT", "note", "交接内容", "handover note"),
    OPT("--site", "SITE", "site", "值守地点(编号)", "site (id)"),
    OPT("--village", "V", "village", "值守的村/社区", "village"),
    OPT("--by", "NAME", "by", "交班人", "handed over by"),
    OPT("--to", "NAME", "to", "接班人", "handed over to"),
    OPT("--shift", "SHIFT", "shift", "班次(编号)", "shift (id)"),
    OPT("--time", "WHEN", NULL, "交接时间(默认现在)", "time (default now)"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param plan_add_params[] = {
    POS("HOUSEHOLD", "household", "住户编号", "household id"),
    REQ("--kind",
        "repair|rebuild|work_relief|subsidy|training|employment|other", "kind",
        "措施: 住房修缮、重建、以工代赈、补助、技能培训、就业帮扶、其他",
        "measure: repair, rebuild, work relief, subsidy, training,"
        " employment, other"),
    OPT("--what", "TEXT", "what", "措施内容(如 屋顶修缮)",
        "what (repair the roof, ...)"),
    OPT("--cadre", "NAME", "cadre", "责任人", "responsible cadre"),
    OPT("--agreed", "WHEN", NULL, "商定时间(默认现在)", "agreed (default now)"),
    OPT("--due", "WHEN", NULL, "计划完成时间", "due"),
    OPT("--amount", "YUAN", NULL, "补助金额(元，最多两位小数)",
        "subsidy (yuan, two decimals at most)"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    ID_OPT("措施编号(修改该措施)", "measure id (edits it)"),
    END,
};

static const struct cli_param plan_progress_params[] = {
    POS("MEASURE", "measure", "措施编号", "measure id"),
    {.name = "--percent",
     .arg = "N",
     .col = "percent",
     .kind = KIND_UINT,
     .max = 1,
     .zh = "完成百分比(0-100)",
     .en = "percent done (0-100)",
     .lo = 0,
     .hi = 100},
    FLAG("--done", "已完成", "done"),
    OPT("--note", "TEXT", "note", "进展情况", "note"),
    OPT("--by", "NAME", "by", "记录人", "recorded by"),
    OPT("--time", "WHEN", NULL, "时间(默认现在)", "time (default now)"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param care_visit_params[] = {
    POS("PERSON", "person", "走访对象(人员编号)", "person visited (id)"),
    OPT("--by", "NAME", "by", "走访人", "visited by"),
    OPT("--method", "home|phone|shelter", "method", "方式: 上门、电话、安置点",
        "method: home, phone, at the shelter"),
    OPT("--needs", "TEXT", "needs", "发现的需求", "needs found"),
    OPT("--referral", "none|medical|psychological|material", "referral",
        "转介: 无、医疗、心理、物资",
        "referral: none, medical, psychological, material"),
    OPT("--site", "SITE", "site", "安置点(编号)", "site (id)"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    OPT("--time", "WHEN", NULL, "走访时间(默认现在)", "time (default now)"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param plan_cancel_params[] = {
    POS("MEASURE", NULL, "措施编号", "measure id"),
    END,
};

static const struct cli_param plan_show_params[] = {
    POS("HOUSEHOLD", NULL, "住户编号", "household id"),
    END,
};

static const struct cli_param plan_ls_params[] = {
    OPT("--village", "V", NULL, "只列该村/社区的", "only this village's"),
    FLAG("--open", "只列未完成的措施(默认即如此)",
         "only the open measures (the default)"),
    AT_OPT,
    END,
};

static const struct cli_param care_due_params[] = {
    OPT("--days", "N", NULL, "超过 N 天未走访(默认 7)",
        "not visited for N days (default 7)"),
    OPT("--village", "V", NULL, "只列该村/社区的", "only this village's"),
    AT_OPT,
    END,
};

static const struct cli_param report_recovery_params[] = {
    OPT("--village", "V", NULL, "只统计该村/社区", "only this village"),
    OPT("--format", "F", NULL, "table、json、csv 或 xlsx",
        "table, json, csv or xlsx"),
    PATH_OPT("--out", "FILE", "写入该文件(xlsx 必须)",
             "write to FILE (required for xlsx)"),
    END,
};

static const struct cli_param care_visits_params[] = {
    POS_OPTIONAL("PERSON", KIND_TEXT, "人员编号(默认全部)",
                 "person id (default all)"),
    END,
};

static const struct cli_param health_check_params[] = {
    POS("PERSON", "person", "人员编号", "person id"),
    REQ("--site", "SITE", "site", "安置点(编号)", "site (id)"),
    OPT("--temp", "C", "temperature", "体温(°C, 34.0 到 43.0)",
        "temperature (°C, 34.0 to 43.0)"),
    OPT("--symptoms", "LIST", NULL,
        "症状(逗号分隔): 发热 咳嗽 咽痛 腹泻 呕吐 皮疹 红眼 其他",
        "symptoms (comma-separated): fever cough sore_throat diarrhoea "
        "vomiting rash red_eye other"),
    OPT("--chronic", "TEXT", "chronic_followup", "慢病随访",
        "chronic condition follow-up"),
    OPT("--medication", "TEXT", "medication", "用药需求", "medication needs"),
    OPT("--by", "NAME", "by", "检查人", "checked by"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    OPT("--time", "WHEN", NULL, "检查时间(默认现在)", "time (default now)"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param health_ls_params[] = {
    OPT("--site", "SITE", NULL, "只列该安置点的", "only this site's"),
    END,
};

static const struct cli_param health_outbreaks_params[] = {
    OPT("--threshold", "K", NULL, "同一安置点达到 K 人(默认 3)",
        "K persons at one site (default 3)"),
    OPT("--window-hours", "W", NULL, "W 小时内(默认 48)",
        "within W hours (default 48)"),
    AT_OPT,
    END,
};

static const struct cli_param disinfect_add_params[] = {
    POS("SITE", "site", "地点(编号)", "site (id)"),
    REQ("--area", "TEXT", "area", "区域(如 厕所、食堂、住宿区)",
        "area (toilets, canteen, sleeping area, ...)"),
    OPT("--agent", "TEXT", "agent", "消毒剂", "agent"),
    OPT("--by", "NAME", "by", "消毒人", "disinfected by"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    OPT("--time", "WHEN", NULL, "消毒时间(默认现在)", "time (default now)"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param disinfect_ls_params[] = {
    AT_OPT,
    END,
};

static const struct cli_param alert_params[] = {
    REQ("--event", "TEXT", "event", "灾种(如 暴雨、山洪)",
        "hazard (rainstorm, flash flood, ...)"),
    OPT("--headline", "TEXT", "headline", "标题", "headline"),
    OPT("--description", "TEXT", "description", "预警内容", "description"),
    OPT("--instruction", "TEXT", "instruction", "防御指引(告知群众做什么)",
        "instruction (what people should do)"),
    OPT("--villages", "LIST", NULL, "预警区域: 村/社区(逗号分隔)",
        "area: villages (comma-separated)"),
    OPT("--grids", "LIST", NULL, "预警区域: 网格(逗号分隔)",
        "area: grids (comma-separated)"),
    OPT("--urgency", "immediate|expected|future|past|unknown", "urgency",
        "紧急程度", "urgency"),
    OPT("--severity", "extreme|severe|moderate|minor|unknown", "severity",
        "严重程度", "severity"),
    OPT("--certainty", "observed|likely|possible|unlikely|unknown", "certainty",
        "确定性", "certainty"),
    OPT("--source", "NAME", "source", "发布单位(如 县气象台)",
        "source (the county weather office, ...)"),
    OPT("--sender", "ID", "sender", "发布者标识", "sender"),
    OPT("--identifier", "ID", "identifier", "预警编号", "identifier"),
    OPT("--sent", "WHEN", NULL, "发布时间(默认现在)", "sent (default now)"),
    OPT("--expires", "WHEN", NULL, "失效时间", "expires"),
    ID_OPT("预警信息编号(修改该条)", "warning notice id (edits it)"),
    END,
};

static const struct cli_param alert_show_params[] = {
    POS("CAMPAIGN", NULL, "预警信息编号", "warning notice id"),
    PATH_OPT("--csv", "FILE", "另存到户清单为 CSV 文件",
             "also write the household list as CSV to FILE"),
    PATH_OPT("--xlsx", "FILE", "另存到户清单为 XLSX 文件",
             "also write the household list as XLSX to FILE"),
    END,
};

static const struct cli_param alert_unreached_params[] = {
    POS("CAMPAIGN", NULL, "预警信息编号", "warning notice id"),
    OPT("--village", "V", NULL, "只列该村/社区的", "only this village's"),
    PATH_OPT("--csv", "FILE", "另存未送达清单为 CSV 文件",
             "also write the list as CSV to FILE"),
    PATH_OPT("--xlsx", "FILE", "另存未送达清单为 XLSX 文件",
             "also write the list as XLSX to FILE"),
    END,
};

static const struct cli_param alert_deliver_params[] = {
    POS("CAMPAIGN", "campaign", "预警信息编号", "warning notice id"),
    POS("HOUSEHOLD", "household", "住户编号", "household id"),
    REQ("--method", "phone|door|loudspeaker|message", "method",
        "通知方式: 电话、入户、广播/喇叭、短信/微信",
        "how: phone, door-to-door, loudspeaker, message"),
    OPT("--by", "NAME", "by", "通知人", "delivered by"),
    FLAG("--not-reached", "未能送达(如电话无人接)",
         "not reached (no one answered, ...)"),
    OPT("--note", "TEXT", "note", "备注", "note"),
    OPT("--time", "WHEN", NULL, "时间(默认现在)", "time (default now)"),
    EVENT_ID_OPT,
    END,
};

static const struct cli_param alert_import_params[] = {
    PATH_POS("FILE", "CAP 1.2 预警文件(XML)", "a CAP 1.2 alert (XML)"),
    OPT("--villages", "LIST", NULL, "另加的预警区域村/社区(逗号分隔)",
        "more villages of the area (comma-separated)"),
    OPT("--grids", "LIST", NULL, "预警区域网格(逗号分隔)",
        "grids of the area (comma-separated)"),
    END,
};

static const struct cli_param file_params[] = {
    PATH_POS("FILE", "备份文件", "backup file"),
    END,
};

static const struct cli_param restore_params[] = {
    PATH_POS("FILE", "备份文件", "backup file"),
    REQ("--name", "NAME", NULL, "新节点名称", "the new node's name"),
    END,
};

static const struct cli_param network_create_params[] = {
    REQ("--name", "NAME", NULL, "网络名称", "the network's name"),
    END,
};

static const struct cli_param backup_key_params[] = {
    PATH_POS("FILE", "加密备份文件", "encrypted backup file"),
    PASSPHRASE_OPT,
    END,
};

static const struct cli_param network_restore_params[] = {
    PATH_OPT("--file", "FILE", "加密备份文件(需要口令)",
             "encrypted backup file (needs the passphrase)"),
    OPT("--code", "CODE", NULL, "恢复码", "recovery code"),
    PASSPHRASE_OPT,
    OPT("--name", "NAME", NULL, "网络名称", "the network's name"),
    END,
};

static const struct cli_param admit_params[] = {
    POS("KEY", NULL, "设备公钥(huzhu id)", "the device's key (huzhu id)"),
    REQ("--name", "NAME", NULL, "设备名称", "the device's name"),
    REQ("--role", "admin|coordinator|site|viewer", NULL, "角色", "role"),
    OPT("--site", "SITE", NULL, "安置点(仅 site 角色)",
        "its site (site role only)"),
    {.name = "--valid-days",
     .arg = "N",
     .kind = KIND_UINT,
     .max = 1,
     .zh = "有效天数(默认 365)",
     .en = "days valid (default 365)",
     .lo = 1,
     .hi = 36500},
    FLAG("--admits", "可接纳其他设备(仅 coordinator)",
         "may admit devices (coordinator only)"),
    END,
};

static const struct cli_param join_params[] = {
    POS_OPTIONAL("TOKEN", KIND_TOKEN, "加入令牌(HZ1...)",
                 "join token (HZ1...)"),
    PATH_OPT("--file", "FILE", "从文件读取令牌(- 为标准输入)",
             "read the token from FILE (- for stdin)"),
    END,
};

static const struct cli_param revoke_params[] = {
    POS("KEY", NULL, "设备公钥", "the device's key"),
    {.name = "--after",
     .arg = "SEQ",
     .kind = KIND_UINT,
     .max = 1,
     .zh = "保留其截至该序号的条目(默认: 本节点已有的最后一条)",
     .en = "keep its entries up to SEQ (default: the last held here)",
     .lo = 0,
     .hi = INT64_MAX},
    END,
};

static const struct cli_param help_params[] = {
    POS_OPTIONAL("COMMAND", KIND_TEXT, "说明该命令的参数",
                 "explain this command's parameters"),
    POS_OPTIONAL("SUB", KIND_TEXT, "只说明该子命令", "only this subcommand"),
    END,
};

/* Rows of the table: a command that runs a handler, one whose handler
 * needs exactly one of two parameters, one with subcommands. */
#define RUN(n, node, run, params, z, e)                                        \
    {                                                                          \
        n, z, e, node, run, params, {NULL, NULL}, NULL                         \
    }
#define RUN_ONE_OF(n, node, run, params, a, b, z, e)                           \
    {                                                                          \
        n, z, e, node, run, params, {a, b}, NULL                               \
    }
#define SUBS(n, subs, z, e)                                                    \
    {                                                                          \
        n, z, e, NODE_NONE, NULL, NULL, {NULL, NULL}, subs                     \
    }

static const struct cli_cmd bundle_subs[] = {
    RUN("export", NODE_READ, cmd_bundle_export, export_params, "导出数据包",
        "export a bundle"),
    RUN_ONE_OF("import", NODE_WRITE, cmd_bundle_import, import_params, "FILE",
               "--resume", "导入数据包", "import a bundle"),
    END,
};

static const struct cli_param merge_params[] = {
    POS("TABLE", NULL, "persons 或 households", "persons or households"),
    POS("KEEP", NULL, "保留的记录", "the record kept"),
    POS("DUP", NULL, "重复的记录(并入 KEEP)",
        "the duplicate (merged into KEEP)"),
    END,
};

static const struct cli_param unmerge_params[] = {
    POS("TABLE", NULL, "persons 或 households", "persons or households"),
    POS("DUP", NULL, "已合并的记录", "the merged record"),
    END,
};

static const struct cli_cmd import_subs[] = {
    RUN("roster", NODE_WRITE, cmd_import_roster, roster_params,
        "导入村花名册(CSV/XLSX)", "import a village's household roster"),
    END,
};

static const struct cli_param report_disaster_params[] = {
    OPT("--kind", "K", NULL,
        "报告类型: initial(初报)、daily(续报)、verified(核报)",
        "kind: initial, daily or verified"),
    OPT("--date", "YYYY-MM-DD", NULL, "报告日期(默认今天)",
        "the day reported (default today)"),
    OPT("--area", "NAME", NULL, "填报单位(乡镇)", "reporting unit (township)"),
    OPT("--format", "F", NULL, "table、json、csv 或 xlsx",
        "table, json, csv or xlsx"),
    PATH_OPT("--out", "FILE", "写入该文件(xlsx 必须)",
             "write to FILE (required for xlsx)"),
    FLAG("--explain", "列出每个数字对应的户和人员",
         "list the households and persons behind every figure"),
    FLAG("--submit", "作为已报送记录签名保存(可在其他节点核对)",
         "record it as submitted, signed (verifiable on other nodes)"),
    END,
};

static const struct cli_param report_relief_params[] = {
    OPT("--format", "F", NULL, "table、json、csv 或 xlsx",
        "table, json, csv or xlsx"),
    PATH_OPT("--out", "FILE", "写入该文件(xlsx 必须)",
             "write to FILE (required for xlsx)"),
    END,
};

static const struct cli_param report_completeness_params[] = {
    OPT("--village", "V", NULL, "只列该村/社区", "only this village"),
    OPT("--format", "F", NULL, "table、json 或 csv", "table, json or csv"),
    PATH_OPT("--out", "FILE", "写入该文件", "write to FILE"),
    END,
};

static const struct cli_param report_hxl_params[] = {
    OPT("--by", "village|site", NULL, "按村/社区(默认)或按安置点",
        "per village (default) or per site"),
    PATH_OPT("--out", "FILE", "写入该文件", "write to FILE"),
    END,
};

static const struct cli_param report_pfif_params[] = {
    PATH_OPT("--out", "FILE", "写入该文件", "write to FILE"),
    OPT("--domain", "D", NULL, "记录编号所用的域名(默认 huzhu.invalid)",
        "the domain of the record ids (default huzhu.invalid)"),
    END,
};

static const struct cli_param report_show_params[] = {
    POS("ID", NULL, "已报送报告的编号", "a submitted report's id"),
    END,
};

static const struct cli_param report_disclosure_params[] = {
    OPT("--org", "ORG", NULL, "只公示该组织受赠的(默认全乡镇)",
        "only this organisation's donations (default the township)"),
    OPT("--format", "F", NULL, "table、json、csv 或 xlsx",
        "table, json, csv or xlsx"),
    PATH_OPT("--out", "FILE", "写入该文件(xlsx 必须)",
             "write to FILE (required for xlsx)"),
    END,
};

static const struct cli_cmd report_subs[] = {
    RUN("disaster", NODE_WRITE, cmd_report_disaster, report_disaster_params,
        "自然灾害情况统计表(初报/续报/核报)",
        "the disaster report (initial, daily, verified)"),
    RUN("relief", NODE_READ, cmd_report_relief, report_relief_params,
        "因灾救助家庭情况表(应急统表10)", "the household relief list"),
    RUN("completeness", NODE_READ, cmd_report_completeness,
        report_completeness_params,
        "不遗漏一户一人: 各村未联系、下落不明、失踪的户和人(重点人员在前)",
        "who is not yet accounted for, per village, vulnerable first"),
    RUN("hxl", NODE_READ, cmd_report_hxl, report_hxl_params,
        "HXL 标签的 CSV: 各村或各安置点的人口数字(按性别、年龄组)",
        "HXL-tagged CSV: population figures per village or site"),
    RUN("pfif", NODE_READ, cmd_report_pfif, report_pfif_params,
        "PFIF 1.4 XML: 人员及其下落(寻人系统交换格式)",
        "PFIF 1.4 XML: persons and their status (person finders)"),
    RUN("disclosure", NODE_READ, cmd_report_disclosure,
        report_disclosure_params,
        "捐赠公示: 接收、分配、使用、结余及明细(不含受助人个人信息)",
        "donation disclosure: received, committed, used, balance and the"
        " lists (no personal data of recipients)"),
    RUN("recovery", NODE_READ, cmd_report_recovery, report_recovery_params,
        "恢复重建进度: 各村住房受损户的修缮/重建措施、开工、完工",
        "recovery: per village, damaged houses with a repair or rebuild"
        " measure, started, done"),
    RUN("submitted", NODE_READ, cmd_report_submitted, NULL, "已报送的报告",
        "reports submitted"),
    RUN("show", NODE_READ, cmd_report_submitted, report_show_params,
        "一份已报送报告的数字", "the figures of a submitted report"),
    END,
};

static const struct cli_cmd log_subs[] = {
    RUN("verify", NODE_WRITE, cmd_log_verify, NULL, "校验全部日志",
        "re-verify the whole log"),
    END,
};

/* household, person, site and item have one subcommand: add. */
#define ADD_ONLY(run, params, z, e)                                            \
    {                                                                          \
        RUN("add", NODE_WRITE, run, params, z, e), END                         \
    }
static const struct cli_cmd household_subs[] =
    ADD_ONLY(cmd_household_add, household_params, "登记住户及成员",
             "register a household");
static const struct cli_cmd person_subs[] =
    ADD_ONLY(cmd_person_add, person_params, "登记人员", "register a person");
static const struct cli_cmd site_subs[] =
    ADD_ONLY(cmd_site_add, site_params, "登记地点", "register a site");
static const struct cli_cmd item_subs[] =
    ADD_ONLY(cmd_item_add, item_params, "登记物资品类", "register an item");

static const struct cli_cmd org_subs[] = {
    RUN("add", NODE_WRITE, cmd_org_add, org_params, "登记组织或企业(社会力量)",
        "add an organisation or firm"),
    RUN("ls", NODE_READ, cmd_org_ls, org_ls_params,
        "按技能、物资、地点查找，标出超期未确认的",
        "search by skill, item and place; flag entries not confirmed"
        " lately"),
    RUN("show", NODE_READ, cmd_org_show, org_show_params,
        "一个组织的全部信息及其志愿者", "one organisation and its volunteers"),
    RUN("confirm", NODE_WRITE, cmd_org_confirm, org_confirm_params,
        "记录已与该组织确认信息", "record that the entry was confirmed"),
    END,
};

static const struct cli_cmd donation_subs[] = {
    RUN("add", NODE_WRITE, cmd_donation_add, donation_params, "登记捐赠接收",
        "record a donation received"),
    RUN("ls", NODE_READ, cmd_donation_ls, donation_ls_params,
        "捐赠及其接收、分配、使用、结余(超支标出)",
        "donations: received, committed, used, balance (overdrawn marked)"),
    RUN("show", NODE_READ, cmd_donation_show, donation_id_params,
        "一笔捐赠及其使用记录", "one donation and its ledger"),
    RUN("reverse", NODE_WRITE, cmd_donation_reverse, donation_reverse_params,
        "更正(撤销)一笔捐赠记录", "reverse a donation recorded by mistake"),
    END,
};

static const struct cli_cmd ledger_subs[] = {
    RUN("commit", NODE_WRITE, cmd_ledger_commit, ledger_params,
        "从捐赠中分配(承诺)一笔金额", "commit an amount of a donation"),
    RUN("disburse", NODE_WRITE, cmd_ledger_disburse, ledger_params,
        "从捐赠中拨付(转给其他单位或村)", "disburse an amount of a donation"),
    RUN("spend", NODE_WRITE, cmd_ledger_spend, ledger_params,
        "从捐赠中支出(购买物资、服务或发放)", "spend an amount of a donation"),
    RUN("ls", NODE_READ, cmd_ledger_ls, ledger_ls_params, "捐赠使用记录",
        "the ledger"),
    RUN("reverse", NODE_WRITE, cmd_ledger_reverse, ledger_reverse_params,
        "更正(撤销)一条使用记录", "reverse a ledger row recorded by mistake"),
    END,
};

static const struct cli_cmd need_subs[] = {
    RUN("add", NODE_WRITE, cmd_need_add, need_params, "发布需求",
        "publish a need"),
    RUN("ls", NODE_READ, cmd_need_ls, need_ls_params,
        "需求及其状态(待对接/已承诺/部分满足/已满足，超额承诺标出)",
        "needs and their state (open/promised/partly met/met;"
        " over-promised marked)"),
    RUN("show", NODE_READ, cmd_need_show, need_id_params, "一个需求及其承诺",
        "one need and its matches"),
    RUN("close", NODE_WRITE, cmd_need_close, need_close_params,
        "关闭或取消需求", "close or cancel a need"),
    END,
};

static const struct cli_cmd offer_subs[] = {
    RUN("add", NODE_WRITE, cmd_offer_add, offer_params, "登记供给",
        "record an offer"),
    RUN("ls", NODE_READ, cmd_offer_ls, offer_ls_params,
        "供给及其状态(可提供/已承诺/已送达)",
        "offers and their state (available/promised/delivered)"),
    RUN("show", NODE_READ, cmd_offer_show, offer_id_params, "一个供给及其承诺",
        "one offer and its matches"),
    END,
};

static const struct cli_cmd match_subs[] = {
    RUN("suggest", NODE_READ, cmd_match_suggest, match_suggest_params,
        "建议对接(同物资或类别、数量、紧急程度、距离)",
        "suggested matches (same item or category, quantity, urgency,"
        " distance)"),
    RUN("commit", NODE_WRITE, cmd_match_commit, match_commit_params,
        "承诺: 把供给的一部分对接给需求",
        "promise a quantity of an offer to a need"),
    RUN("ls", NODE_READ, cmd_match_ls, match_ls_params, "全部承诺",
        "every match"),
    RUN("cancel", NODE_WRITE, cmd_match_cancel, match_cancel_params, "取消承诺",
        "cancel a match"),
    RUN("receive", NODE_WRITE, cmd_match_receive, match_receive_params,
        "按承诺到货入库", "receive goods into stock against a match"),
    END,
};

static const struct cli_cmd patrol_subs[] = {
    RUN("point", NODE_WRITE, cmd_patrol_point, patrol_point_params,
        "登记或修改巡查点", "add or edit a patrol point"),
    RUN("ls", NODE_READ, cmd_patrol_ls, patrol_ls_params,
        "巡查点及最近巡查，超时未巡的在前",
        "patrol points and their last round, the overdue first"),
    RUN("round", NODE_WRITE, cmd_patrol_round, patrol_round_params,
        "记录一次巡查", "record a patrol round"),
    RUN("rounds", NODE_READ, cmd_patrol_rounds, patrol_rounds_params,
        "巡查记录", "patrol rounds"),
    END,
};

static const struct cli_cmd hazard_subs[] = {
    RUN("report", NODE_WRITE, cmd_hazard_report, hazard_report_params,
        "上报险情", "report a hazard"),
    RUN("respond", NODE_WRITE, cmd_hazard_respond, hazard_respond_params,
        "记录险情处置", "record a response to a hazard"),
    RUN("ls", NODE_READ, cmd_hazard_ls, hazard_ls_params, "险情，未处置的在前",
        "hazards, the open ones first"),
    END,
};

static const struct cli_cmd duty_subs[] = {
    RUN_ONE_OF("add", NODE_WRITE, cmd_duty_add, duty_add_params, "--site",
               "--village", "排一个值班班次", "add a duty shift"),
    RUN("now", NODE_READ, cmd_duty_now, duty_at_params,
        "各值守地点现在谁在值班", "who is on duty now at every site"),
    RUN("gaps", NODE_READ, cmd_duty_gaps, duty_at_params,
        "未来 24 小时无人值班的时段", "gaps in the next 24 hours"),
    RUN_ONE_OF("handover", NODE_WRITE, cmd_duty_handover, duty_handover_params,
               "--site", "--village", "记录交接班", "record a handover"),
    END,
};

static const struct cli_cmd plan_subs[] = {
    RUN("add", NODE_WRITE, cmd_plan_add, plan_add_params,
        "为一户商定一项恢复措施", "agree a recovery measure with a household"),
    RUN("progress", NODE_WRITE, cmd_plan_progress, plan_progress_params,
        "记录措施进展", "record a measure's progress"),
    RUN("cancel", NODE_WRITE, cmd_plan_cancel, plan_cancel_params,
        "取消一项措施", "cancel a measure"),
    RUN("show", NODE_READ, cmd_plan_show, plan_show_params,
        "一户的灾损、措施及进展",
        "a household's damage, measures and progress"),
    RUN("ls", NODE_READ, cmd_plan_ls, plan_ls_params,
        "各村有未完成措施的户，最久的在前",
        "households with open measures per village, the oldest first"),
    END,
};

static const struct cli_cmd care_subs[] = {
    RUN("visit", NODE_WRITE, cmd_care_visit, care_visit_params,
        "记录一次关爱走访", "record a care visit"),
    RUN("due", NODE_READ, cmd_care_due, care_due_params,
        "应走访的弱势人员(按包保责任人，从未走访的在前)",
        "vulnerable persons due a visit, per cadre, the never visited first"),
    RUN("visits", NODE_READ, cmd_care_visits, care_visits_params, "走访记录",
        "care visits"),
    END,
};

static const struct cli_cmd health_subs[] = {
    RUN("check", NODE_WRITE, cmd_health_check, health_check_params,
        "记录一次健康检查(体温、症状、慢病、用药)",
        "record a health check (temperature, symptoms, chronic, medication)"),
    RUN("ls", NODE_READ, cmd_health_ls, health_ls_params, "健康检查记录",
        "health checks"),
    RUN("outbreaks", NODE_READ, cmd_health_outbreaks, health_outbreaks_params,
        "疫情线索: 同一安置点多人发热或同一症状",
        "outbreak clues: several persons with fever or one symptom at a site"),
    END,
};

static const struct cli_cmd disinfect_subs[] = {
    RUN("add", NODE_WRITE, cmd_disinfect_add, disinfect_add_params,
        "记录一次消毒", "record a disinfection round"),
    RUN("ls", NODE_READ, cmd_disinfect_ls, disinfect_ls_params,
        "各地点各区域最近消毒，24 小时内未消毒的在前",
        "the last round per site and area, sites not disinfected in 24 hours "
        "first"),
    END,
};

static const struct cli_cmd alert_subs[] = {
    RUN("add", NODE_WRITE, cmd_alert_add, alert_params,
        "发布预警信息(其区域内每户都须通知到)",
        "add a warning notice (every household of its area must be"
        " reached)"),
    RUN("import", NODE_WRITE, cmd_alert_import, alert_import_params,
        "导入 CAP 1.2 预警文件", "import a CAP 1.2 alert"),
    RUN("ls", NODE_READ, cmd_alert_ls, NULL, "预警信息及送达进度",
        "warning notices and how far each got"),
    RUN("show", NODE_READ, cmd_alert_show, alert_show_params,
        "一条预警: 按村、按包保责任人的送达情况",
        "one warning: reached per village and per cadre"),
    RUN("deliver", NODE_WRITE, cmd_alert_deliver, alert_deliver_params,
        "记录一户已通知(或未能送达)", "record a household reached (or not)"),
    RUN("unreached", NODE_READ, cmd_alert_unreached, alert_unreached_params,
        "未送达的户，有弱势人员的在前",
        "households not reached, the vulnerable first"),
    END,
};

static const struct cli_cmd volunteer_subs[] = {
    RUN("add", NODE_WRITE, cmd_volunteer_add, volunteer_params, "登记志愿者",
        "register a volunteer"),
    RUN("ls", NODE_READ, cmd_volunteer_ls, volunteer_ls_params,
        "志愿者及其服务时长", "volunteers and their hours"),
    RUN("show", NODE_READ, cmd_volunteer_show, volunteer_id_params,
        "一个志愿者的信息、分派和时长",
        "one volunteer: details, assignments,"
        " hours"),
    RUN("assign", NODE_WRITE, cmd_volunteer_assign, volunteer_assign_params,
        "分派到服务地点和任务", "assign to a site and a task"),
    RUN("checkin", NODE_WRITE, cmd_volunteer_checkin, volunteer_checkin_params,
        "签到开始服务", "check in to serve"),
    RUN("checkout", NODE_WRITE, cmd_volunteer_checkout,
        volunteer_checkout_params, "签退", "check out"),
    RUN("hours", NODE_WRITE, cmd_volunteer_hours, volunteer_hours_params,
        "补录服务时长", "record hours served afterwards"),
    RUN("record", NODE_READ, cmd_volunteer_record, volunteer_record_params,
        "志愿服务记录证明(按地点和任务合计；可存 CSV)",
        "service record, totals by site and task (CSV too)"),
    END,
};

/* The verbs share one handler, which maps each to its kind (cmd_stock). */
static const struct cli_cmd stock_subs[] = {
    RUN("receive", NODE_WRITE, cmd_stock, stock_params, "接收", "received"),
    RUN("donate", NODE_WRITE, cmd_stock, stock_params, "受赠", "donated"),
    RUN("transfer-in", NODE_WRITE, cmd_stock, stock_params, "调入",
        "transferred in"),
    RUN("distribute", NODE_WRITE, cmd_stock, stock_params, "发放",
        "distributed"),
    RUN("lose", NODE_WRITE, cmd_stock, stock_params, "损耗", "lost"),
    RUN("transfer-out", NODE_WRITE, cmd_stock, stock_params, "调出",
        "transferred out"),
    RUN("count", NODE_WRITE, cmd_stock, stock_params, "盘点", "counted"),
    END,
};

/* One view each; cmd_show finds its columns by the name. */
static const struct cli_cmd show_subs[] = {
    RUN("occupancy", NODE_READ, cmd_show, NULL, "各安置点入住情况",
        "occupancy of each site"),
    RUN("presence", NODE_READ, cmd_show, NULL, "谁在哪里", "who is where"),
    RUN("stock", NODE_READ, cmd_show, NULL, "库存", "stock on hand"),
    RUN("received", NODE_READ, cmd_show, NULL, "各户领取",
        "what each household received"),
    RUN("vulnerable", NODE_READ, cmd_show, NULL, "脆弱人群及所在地",
        "vulnerable persons and where"),
    RUN("unaccounted", NODE_READ, cmd_show, NULL,
        "未落实的户和人，重点人员在前",
        "who is not accounted for, vulnerable first"),
    RUN("village", NODE_READ, cmd_show, NULL,
        "每户：状态、包保责任人、预警通知、成员去向",
        "every household: status, cadre, warning, where its members are"),
    RUN("villages", NODE_READ, cmd_show, NULL, "各村汇总：户数、人数、未落实",
        "per village: households, persons, not accounted for"),
    RUN("volunteer_hours", NODE_READ, cmd_show, NULL,
        "志愿服务时长(按志愿者、地点、任务)",
        "volunteer hours by volunteer, site and task"),
    END,
};

static const struct cli_cmd network_subs[] = {
    RUN("create", NODE_WRITE, cmd_network_create, network_create_params,
        "创建网络(本节点成为管理员)",
        "create a network (this node is its admin)"),
    RUN("recovery-code", NODE_WRITE, cmd_network_recovery_code, NULL,
        "显示根密钥恢复码", "print the root key's recovery code"),
    RUN("backup-key", NODE_WRITE, cmd_network_backup_key, backup_key_params,
        "加密备份根密钥", "back up the root key, encrypted"),
    RUN_ONE_OF("restore", NODE_WRITE, cmd_network_restore,
               network_restore_params, "--file", "--code",
               "在新设备上恢复根密钥", "restore the root key on new hardware"),
    END,
};

static const struct cli_param serve_params[] = {
    OPT("--listen", "ADDR:PORT", NULL, "监听地址(默认 0.0.0.0:7420，所有网卡)",
        "address to listen on (default 0.0.0.0:7420, every interface)"),
    FLAG("--no-discovery",
         "不在局域网发现成员：不广播本节点 (UDP 7421)，也不连接听到的成员",
         "no LAN discovery: do not announce this node (UDP 7421) nor dial"
         " the members heard"),
    OPT("--http", "ADDR:PORT", NULL,
        "网页界面地址(默认 0.0.0.0:8080，所有网卡；off 关闭)",
        "web interface address (default 0.0.0.0:8080, every interface; off"
        " turns it off)"),
    FLAG("--insecure-http",
         "在非本机地址上用明文 HTTP(不加密，仅在无法使用 HTTPS 时)",
         "plain HTTP on an address other than loopback (unencrypted; only"
         " where HTTPS cannot be used)"),
    OPT("--mirror", "URL", NULL,
        "同时把本节点的数据镜像到县级 PostgreSQL(同 huzhu mirror 的地址；"
        "数据库不可用时自动重试，同步照常)",
        "also mirror this node's records into a county PostgreSQL database"
        " (the URL as huzhu mirror takes it; retried while the database is"
        " down, sync unaffected)"),
    OPT("--mirror-reader", "ROLE", NULL,
        "镜像的只读角色(同 huzhu mirror --reader；每次连接时授权)",
        "the mirror's read-only role (as huzhu mirror --reader; granted at"
        " every connection)"),
    END,
};

static const struct cli_param sync_params[] = {
    POS("ADDR:PORT", NULL, "正在服务的节点地址", "address of a serving node"),
    END,
};

static const struct cli_param mirror_params[] = {
    POS("URL", NULL,
        "PostgreSQL 地址 postgresql://用户@主机/库[?schema=模式]"
        "(不得含密码：用 PGPASSFILE 或 PGPASSWORD)",
        "PostgreSQL URL postgresql://USER@HOST/DB[?schema=SCHEMA] (never a"
        " password: use PGPASSFILE or PGPASSWORD)"),
    FLAG("--once", "复制一遍后退出(默认一直跟随变更，每秒检查)",
         "copy once and exit (default: keep following changes, every"
         " second)"),
    {.name = "--batch",
     .arg = "N",
     .kind = KIND_UINT,
     .max = 1,
     .zh = "每个 PostgreSQL 事务复制的行数(默认 1000)",
     .en = "rows per PostgreSQL transaction (default 1000)",
     .lo = 1,
     .hi = 10000},
    OPT("--reader", "ROLE", NULL,
        "授予该角色只读权限(看板用：模式、各表和视图的 SELECT)",
        "grant this role read-only access (for dashboards: the schema, SELECT"
        " on the tables and views)"),
    END,
};

static const struct cli_param peer_addr_params[] = {
    POS("ADDR:PORT", NULL, "对端节点地址(IPv4，或方括号中的 IPv6)",
        "a peer's address (IPv4, or IPv6 in brackets)"),
    END,
};

static const struct cli_cmd peer_subs[] = {
    RUN("add", NODE_WRITE, cmd_peer_add, peer_addr_params,
        "添加对端: 运行中的 serve 会自动连接并保持同步",
        "add a peer: a running serve dials it and keeps it in sync"),
    RUN("rm", NODE_WRITE, cmd_peer_rm, peer_addr_params, "删除对端",
        "remove a peer"),
    RUN("ls", NODE_READ, cmd_peer_ls, NULL, "列出对端及其同步情况",
        "list peers and how their sync goes"),
    END,
};

static const struct cli_param user_add_params[] = {
    POS("NAME", NULL, "账号名(1 到 64 字节)", "account name (1 to 64 bytes)"),
    REQ("--role", "ROLE", NULL,
        "角色: admin、coordinator、site、viewer 或 health(卫生人员)",
        "role: admin, coordinator, site, viewer or health"),
    OPT("--site", "SITE", NULL, "site 账号所属安置点(编号; health 账号可选)",
        "the site of a site account (its id; optional for health)"),
    END,
};

static const struct cli_param user_name_params[] = {
    POS("NAME", NULL, "账号名", "account name"),
    END,
};

static const struct cli_cmd user_subs[] = {
    RUN("add", NODE_WRITE, cmd_user_add, user_add_params,
        "添加网页账号(密码从终端输入两次，或取标准输入首行)",
        "add a web account (password typed twice, or stdin's first line)"),
    RUN("ls", NODE_READ, cmd_user_ls, NULL, "列出网页账号",
        "list web accounts"),
    RUN("rm", NODE_WRITE, cmd_user_rm, user_name_params,
        "删除网页账号(其会话随即结束)",
        "remove a web account (its sessions end)"),
    RUN("passwd", NODE_WRITE, cmd_user_passwd, user_name_params,
        "更改网页账号的密码(其会话随即结束)",
        "change a web account's password (its sessions end)"),
    END,
};

static int cmd_help(struct cli *c, struct form *f);

/* The command table, in the order of huzhu --help. Its node column is what
 * each handler opened before the table existed: read-only for id, get,
 * ls, bundle export, members and show; the rest that need the node open
 * it read-write, which falls back to read-only on a card that turned
 * read-only (cli_open), so their reads still work there. */
static const struct cli_cmd cmds[] = {
    RUN("init", NODE_NONE, cmd_init, init_params, "创建节点", "create a node"),
    RUN("id", NODE_READ, cmd_id, NULL, "显示本节点公钥",
        "print this node's public key"),
    RUN("status", NODE_WRITE, cmd_status, NULL, "节点状态", "node status"),
    RUN("put", NODE_WRITE, cmd_put, put_params, "写入字段或事件",
        "set fields or insert an event"),
    RUN("del", NODE_WRITE, cmd_del, row_params, "删除(墓碑)",
        "delete (tombstone)"),
    RUN("get", NODE_READ, cmd_get, row_params, "读取一行(JSON)",
        "one row (JSON)"),
    RUN("ls", NODE_READ, cmd_ls, ls_params, "列出(JSON)", "list rows (JSON)"),
    RUN("history", NODE_READ, cmd_history, row_params,
        "一行的修改历史(谁、何时、写了什么)",
        "a row's history (who wrote what, when)"),
    RUN("state-hash", NODE_WRITE, cmd_state_hash, NULL, "状态哈希",
        "hash of the materialized state"),
    RUN("vector", NODE_WRITE, cmd_vector, NULL, "本节点已有的条目(JSON)",
        "what this node holds (JSON)"),
    SUBS("bundle", bundle_subs, "导出/导入数据包", "export or import a bundle"),
    SUBS("log", log_subs, "校验全部日志", "re-verify the whole log"),
    SUBS("import", import_subs, "导入花名册", "import a roster"),
    RUN("merge", NODE_WRITE, cmd_merge, merge_params,
        "把重复登记的记录合并到保留的记录(可撤销)",
        "merge a duplicate record into the one kept (undoable)"),
    RUN("unmerge", NODE_WRITE, cmd_unmerge, unmerge_params, "撤销合并",
        "undo a merge"),
    RUN("dups", NODE_READ, cmd_dups, NULL, "全库查找可能重复登记的人员和住户",
        "likely duplicate persons and households in the whole replica"),
    SUBS("report", report_subs, "乡镇报表: 灾情统计、救助发放、已报送记录",
         "township reports: disaster figures, relief paid, submitted"),
    RUN("conflicts", NODE_WRITE, cmd_conflicts, NULL, "待复核的并发修改",
        "concurrent writes to review"),
    SUBS("household", household_subs, "登记住户及成员",
         "register a household and its members"),
    SUBS("person", person_subs, "登记人员", "register a person"),
    SUBS("site", site_subs, "登记安置点/地点", "register a site"),
    SUBS("item", item_subs, "登记物资品类", "register a supply item"),
    RUN("checkin", NODE_WRITE, cmd_checkin, checkin_params, "入住安置点",
        "check a person into a site"),
    RUN("checkout", NODE_WRITE, cmd_checkout, checkout_params, "离开安置点",
        "check a person out"),
    SUBS("stock", stock_subs, "物资出入库", "record a stock movement"),
    RUN("warn", NODE_WRITE, cmd_warn, warn_params, "记录预警通知到户",
        "record a warning delivered to a household"),
    RUN_ONE_OF("damage", NODE_WRITE, cmd_damage, damage_params, "HOUSEHOLD",
               "--facility", "记录灾损评估(住户房屋、农作物，或公共设施)",
               "record a damage assessment (a household's house and crops,"
               " or a public facility)"),
    RUN("relief", NODE_WRITE, cmd_relief, relief_params,
        "记录向住户发放的救助(现金、实物)",
        "record relief paid to a household (cash, goods)"),
    RUN("backup", NODE_WRITE, cmd_backup, file_params, "备份(不含密钥)",
        "back up the database (never the key)"),
    RUN("restore", NODE_NONE, cmd_restore, restore_params,
        "从备份恢复为新节点(新密钥)",
        "restore a backup as a new node (new key)"),
    SUBS("network", network_subs,
         "创建网络(本节点成为管理员)、备份与恢复根密钥",
         "create a network (this node is its admin); back up, restore its key"),
    RUN("admit", NODE_WRITE, cmd_admit, admit_params, "接纳设备并给出加入令牌",
        "admit a device and print its join token"),
    RUN_ONE_OF("join", NODE_WRITE, cmd_join, join_params, "TOKEN", "--file",
               "用令牌加入网络", "join a network with a token"),
    RUN("revoke", NODE_WRITE, cmd_revoke, revoke_params, "吊销设备",
        "revoke a device"),
    RUN("members", NODE_READ, cmd_members, NULL, "网络成员及其状态",
        "network members and their standing"),
    RUN("serve", NODE_WRITE, cmd_serve, serve_params,
        "运行节点: 接受其他节点的实时同步",
        "run the node: answer live sync from other nodes"),
    RUN("sync", NODE_WRITE, cmd_sync, sync_params,
        "与一个正在服务的节点同步一次", "sync once with a serving node"),
    RUN("mirror", NODE_WRITE, cmd_mirror, mirror_params,
        "把本节点的数据镜像到县级 PostgreSQL 数据库",
        "mirror this node's records into a county PostgreSQL database"),
    SUBS("peer", peer_subs, "配置实时同步的对端节点",
         "configure the peers live sync dials"),
    SUBS("user", user_subs, "网页界面的工作人员账号",
         "staff accounts of the web interface"),
    RUN("rekey", NODE_WRITE, cmd_rekey, NULL,
        "更换本节点密钥(复制的SD卡、分叉)",
        "give this node a new key (cloned card, fork)"),
    SUBS("org", org_subs, "社会力量: 组织和企业名录",
         "social forces: the catalogue of organisations and firms"),
    SUBS("volunteer", volunteer_subs,
         "志愿者: 登记、分派、签到签退、时长、服务记录",
         "volunteers: registration, assignment, hours, service record"),
    SUBS("need", need_subs, "需求: 发布、查看、关闭",
         "needs: publish, list, close"),
    SUBS("offer", offer_subs, "供给: 登记、查看", "offers: record, list"),
    SUBS("match", match_subs, "供需对接: 建议、承诺、取消、到货",
         "matching: suggest, promise, cancel, receive"),
    SUBS("donation", donation_subs, "捐赠接收: 登记、查看、更正",
         "donations received: record, list, reverse"),
    SUBS("ledger", ledger_subs, "捐赠使用: 分配、拨付、支出、查看、更正",
         "donation ledger: commit, disburse, spend, list, reverse"),
    SUBS("alert", alert_subs, "预警信息到户到人: 发布、导入、送达、未送达清单",
         "warning campaigns: notices, CAP import, deliveries, who is not"
         " reached"),
    SUBS("patrol", patrol_subs, "巡查: 巡查点、巡查记录、超时未巡",
         "patrols: points, rounds, the overdue"),
    SUBS("hazard", hazard_subs, "险情: 上报、处置、未处置清单",
         "hazards: report, respond, the open ones"),
    SUBS("duty", duty_subs, "值班值守: 排班、现在谁在值班、空档、交接班",
         "duty roster: shifts, who is on duty, gaps, handovers"),
    SUBS("plan", plan_subs, "一户一策: 恢复措施、进展、未完成清单",
         "recovery plans: measures, progress, the open list"),
    SUBS("care", care_subs, "关爱走访: 记录走访、应走访的弱势人员",
         "care visits: record a visit, the vulnerable persons due one"),
    SUBS("health", health_subs, "健康监测: 检查、记录、疫情线索",
         "health monitoring: checks, their list, outbreak clues"),
    SUBS("disinfect", disinfect_subs, "消毒: 记录、各安置点最近消毒",
         "disinfection: record a round, the last rounds per site"),
    SUBS("show", show_subs, "查看安置、物资等汇总",
         "show occupancy, stock and other views"),
    RUN("help", NODE_NONE, cmd_help, help_params,
        "命令说明(--json: 整张命令表)",
        "explain a command (--json: the whole command table)"),
    END,
};

/* The row of @rows called @name, or NULL. */
static const struct cli_cmd *row_named(const struct cli_cmd *rows,
                                       const char *name)
{
    for (; rows->name != NULL; rows++) {
        if (strcmp(rows->name, name) == 0)
            return rows;
    }
    return NULL;
}

static int cmd_help(struct cli *c, struct form *f)
{
    const char *name = form_get(f, "COMMAND");
    const char *sub_name = form_get(f, "SUB");
    const struct cli_cmd *cmd = name != NULL ? row_named(cmds, name) : NULL;
    const struct cli_cmd *sub = NULL;
    if (cmd != NULL && sub_name != NULL)
        sub = cmd->subs != NULL ? row_named(cmd->subs, sub_name) : NULL;
    if (name != NULL && (cmd == NULL || (sub_name != NULL && sub == NULL)))
        return cli_usage(c, f,
                         cli_tr(c, "没有这个命令", "there is no such command"));
    if (c->json)
        return text_help_json(c, cmds);
    if (name == NULL) {
        text_help(c, stdout, cmds);
        return EXIT_OK;
    }
    text_help_cmd(c, stdout, cmd, sub);
    return EXIT_OK;
}

/* Pick the row of @cmd the words name, parse the rest into @f, open the
 * node as the row says and run its handler. */
static int dispatch(struct cli *c, const struct cli_cmd *cmd, int argc,
                    char **argv)
{
    struct form f = {.cmd = cmd};
    if (cmd->subs != NULL) {
        f.sub = argc > 0 ? row_named(cmd->subs, argv[0]) : NULL;
        if (f.sub == NULL)
            return cli_usage(
                c, &f,
                argc > 0 ? cli_tr(c, "未知的子命令", "unknown subcommand")
                         : cli_tr(c, "缺少子命令", "missing a subcommand"));
        argc--;
        argv++;
    }
    int rv = form_parse(c, &f, argc, argv);
    if (rv != EXIT_OK || f.help)
        return rv;
    const struct cli_cmd *row = form_row(&f);
    if (row->node != NODE_NONE)
        rv = cli_open(c, row->node == NODE_READ ? HZ_OPEN_READONLY : 0);
    return rv == EXIT_OK ? row->run(c, &f) : rv;
}

int main(int argc, char **argv)
{
    struct cli c = {0};
    const char *lang = getenv("HUZHU_LANG");
    c.lang = lang != NULL && strncmp(lang, "en", 2) == 0 ? LANG_EN : LANG_ZH;
    /* --json and --lang (--lang L or --lang=L, zh or en) may stand
     * anywhere on the line; another language, or none, is a usage error
     * (said in the language chosen so far), not Chinese in silence. */
    int kept = 1;
    bool lang_bad = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            c.json = true;
        } else if (strcmp(argv[i], "--lang") == 0 ||
                   strncmp(argv[i], "--lang=", 7) == 0) {
            const char *v = argv[i][6] == '=' ? argv[i] + 7
                            : i + 1 < argc    ? argv[++i]
                                              : "";
            if (strcmp(v, "zh") == 0)
                c.lang = LANG_ZH;
            else if (strcmp(v, "en") == 0)
                c.lang = LANG_EN;
            else
                lang_bad = true;
        } else {
            argv[kept++] = argv[i];
        }
    }
    if (lang_bad) {
        fprintf(stderr, "huzhu: %s\n",
                cli_tr(&c, "--lang 只能是 zh 或 en", "--lang is zh or en"));
        return EXIT_USAGE;
    }
    argc = kept;
    argv[argc] = NULL;

    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "+d:hV", opts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            c.dir = optarg;
            break;
        case 'h':
            text_help(&c, stdout, cmds);
            return cli_stdout_done(&c, EXIT_OK);
        case 'V':
            printf("huzhu %s\n", HZ_VERSION_STRING);
            return cli_stdout_done(&c, EXIT_OK);
        default:
            text_help(&c, stderr, cmds);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        text_help(&c, stderr, cmds);
        return EXIT_USAGE;
    }
    if (hz_init() != 0) {
        fprintf(stderr, "huzhu: libsodium failed to initialise\n");
        return EXIT_FAIL;
    }
    const char *name = argv[optind];
    const struct cli_cmd *cmd = row_named(cmds, name);
    if (cmd == NULL) {
        fprintf(stderr, "huzhu: %s: %s\n",
                cli_tr(&c, "未知命令", "unknown command"), name);
        text_help(&c, stderr, cmds);
        return EXIT_USAGE;
    }
    int rv = dispatch(&c, cmd, argc - optind - 1, argv + optind + 1);
    hz_node_close(c.node);
    return cli_stdout_done(&c, rv);
}
