/* huzhu web interface: one page, no framework, nothing fetched from
 * outside the node. Every text a person reads is in T (Chinese first,
 * English by the switch, remembered in localStorage). Every value shown
 * is set with textContent: nothing from the data is parsed as HTML. */
'use strict';

const T = {
  app: ['互助', 'huzhu'],
  lang: ['English', '中文'],
  logout: ['退出', 'Log out'],
  login: ['登录', 'Log in'],
  account: ['账号', 'Account'],
  password: ['密码', 'Password'],
  nav_find: ['查找', 'Find'],
  nav_register: ['登记', 'Register'],
  nav_shelter: ['安置点', 'Shelter'],
  nav_supplies: ['物资', 'Supplies'],
  nav_village: ['村', 'Village'],
  nav_more: ['更多', 'More'],
  find_title: ['查找住户或人员', 'Find a household or person'],
  find_hint: ['姓名、姓、拼音或首字母、电话、身份证号（或后几位）、村', 'name, surname, pinyin or its initials, phone, ID number (or its last digits), village'],
  persons: ['人员', 'Persons'],
  households: ['住户', 'Households'],
  none: ['没有结果', 'Nothing found'],
  register_title: ['登记住户及成员', 'Register a household and its members'],
  head_name: ['户主姓名', 'Head of household'],
  village: ['村/社区', 'Village'],
  grid: ['网格', 'Grid'],
  address: ['地址', 'Address'],
  phone: ['电话', 'Phone'],
  cadre: ['包保责任人', 'Responsible cadre'],
  status: ['状态', 'Status'],
  notes: ['备注', 'Notes'],
  member: ['成员', 'Member'],
  add_member: ['添加成员', 'Add a member'],
  remove: ['移除', 'Remove'],
  name: ['姓名', 'Name'],
  sex: ['性别', 'Sex'],
  male: ['男', 'male'],
  female: ['女', 'female'],
  birth_year: ['出生年份', 'Year of birth'],
  id_number: ['身份证号', 'ID number'],
  save: ['保存', 'Save'],
  saved: ['已保存', 'Saved'],
  elderly_mobility: ['行动不便老人', 'Elderly, limited mobility'],
  disabled: ['残疾', 'Disabled'],
  no_caretaker: ['无人照料儿童', 'Child without caretaker'],
  left_behind: ['留守', 'Left-behind'],
  pregnant: ['孕妇', 'Pregnant'],
  chronic: ['慢性病', 'Chronic illness'],
  household: ['住户', 'Household'],
  here_now: ['目前在此', 'Here now'],
  nowhere: ['未在安置点', 'not at a site'],
  check_in_sel: ['所选成员入住', 'Check the chosen members in'],
  check_in: ['入住', 'Check in'],
  check_out: ['离开', 'Check out'],
  site: ['安置点', 'Site'],
  choose_site: ['选择安置点', 'Choose a site'],
  occupancy: ['人数/容量', 'Present / capacity'],
  area_pp: ['人均面积', 'Space per person'],
  sphere_warn: ['人均有顶面积低于 3.5 平方米（环球计划最低标准）', 'Covered space below 3.5 m² per person (Sphere minimum)'],
  over_cap: ['超出容量', 'Over capacity'],
  several_sites: ['同时登记在其他安置点', 'also checked in at another site'],
  who_here: ['在此人员', 'Who is here'],
  vulnerable: ['重点人员', 'Vulnerable'],
  stock: ['库存', 'Stock on hand'],
  item: ['物资', 'Item'],
  qty: ['数量', 'Quantity'],
  unit: ['单位', 'Unit'],
  receive: ['入库', 'Receive'],
  from: ['来源', 'From'],
  distribute: ['发放', 'Distribute'],
  to_household: ['发放给住户（先查找）', 'To household (find it first)'],
  received_today: ['该户今天已领取过此物资', 'this household already received this item today'],
  add_item: ['新物资品类', 'New item'],
  category: ['类别', 'Category'],
  received: ['已领取', 'Received'],
  history: ['修改记录', 'History'],
  op_set: ['修改', 'changed'],
  op_del: ['删除', 'deleted'],
  op_ins: ['新增', 'added'],
  by_cli: ['命令行', 'command line'],
  village_title: ['不遗漏一户一人', 'No household, no person missed'],
  villages: ['各村情况', 'Villages'],
  households_of: ['各户情况：', 'Every household of'],
  at_site: ['在安置点', 'At a site'],
  warned_hh: ['已通知户', 'Warned'],
  warned: ['已通知', 'warned'],
  not_warned: ['未通知', 'not warned'],
  status_unknown: ['状态未填', 'status not given'],
  unaccounted: ['尚未掌握情况', 'Not yet accounted for'],
  all_accounted: ['所有住户和人员都已掌握', 'Every household and person is accounted for'],
  warn_record: ['记录预警已通知', 'Record a warning delivered'],
  method: ['方式', 'Method'],
  notice: ['通知内容', 'Notice'],
  conflicts: ['待复核的并发修改', 'Concurrent edits to review'],
  no_conflicts: ['没有待复核的修改', 'Nothing to review'],
  choose: ['采用此值', 'Use this value'],
  delete_vs_edit: ['一台设备删除了此记录，另一台同时修改了它：删除已生效；如需保留，请重新登记',
    'one device deleted this row while another edited it: the delete holds; register it again to keep it'],
  network: ['网络与同步', 'Network and sync'],
  state_hash: ['状态哈希（与其他设备核对）', 'State hash (compare with another screen)'],
  entries: ['条目', 'Entries'],
  pending: ['待前序', 'Pending'],
  rejected: ['已拒绝', 'Rejected'],
  forks: ['分叉', 'Forks'],
  peers: ['对端', 'Peers'],
  live: ['已连接，数据自动更新', 'connected: data updates by itself'],
  offline: ['与节点的连接中断，正在重连…', 'lost the node, reconnecting…'],
  changed: ['数据已更新', 'data updated'],
  print: ['打印', 'Print'],
  fingerprint: ['本节点网页证书指纹（与浏览器显示的核对）', "this node's web certificate (compare with the browser's)"],
  notice_default: ['洪水预警：请立即转移到安置点', 'Flood warning: move to the shelter now'],
  other_moves: ['盘点、调拨、损耗', 'Count, transfer, loss'],
  action: ['操作', 'Action'],
  act_count: ['盘点（填实际数量）', 'count (the number on hand)'],
  act_transfer: ['调拨到其他地点', 'transfer to another site'],
  act_lost: ['损耗', 'loss'],
  to_site: ['调往', 'To'],
  qty_or_counted: ['数量', 'Quantity'],
  add_peer: ['添加对端节点地址', 'Add a peer address'],
  admit: ['接纳设备', 'Admit a device'],
  device_key: ['设备公钥（在该设备上运行 huzhu id）', "device key (run huzhu id on that device)"],
  role: ['角色', 'Role'],
  role_admin: ['管理员', 'admin'],
  role_coordinator: ['协调员', 'coordinator'],
  role_site: ['安置点', 'site'],
  role_viewer: ['只读', 'viewer'],
  token_hint: ['加入令牌：复制到该设备，运行 huzhu join 令牌', 'join token: copy it to the device and run huzhu join TOKEN'],
  token_qr: ['加入令牌的二维码', 'the join token as a QR code'],
  copy: ['复制', 'Copy'],
  members: ['网络成员', 'Members'],
  revoke: ['吊销', 'Revoke'],
  revoke_confirm: ['确定吊销此设备？此后它写的记录都不会被接受：', 'Revoke this device? Nothing it writes from now on will be accepted:'],
  revoked: ['已吊销', 'revoked'],
  connected: ['已连接', 'connected'],
  last_contact: ['最近联系', 'last contact'],
  last_sync: ['最近同步', 'last sync'],
  revoked_devices: ['已吊销的设备（其之后的记录不被采用）', 'Revoked devices (their later entries apply nowhere)'],
  denied: ['被拒绝的记录（设备无权写入）', 'Denied entries (the device may not write them)'],
  sheet_title: ['物资发放签收表', 'Distribution sheet'],
  card_title: ['住户信息卡', 'Household card'],
  card_open: ['打印住户卡', 'Print the household card'],
  card_where: ['现在何处', 'Where now'],
  card_members: ['家庭成员', 'Members of the household'],
  back: ['返回', 'Back'],
  card_flags: ['需要关注', 'Needs'],
  card_warned: ['预警通知', 'Warnings delivered'],
  card_sign: ['登记人 __________　核对人 __________　日期 __________', 'Registered by __________   Checked by __________   Date __________'],
  sheet_hint: ['按户发放，领取人签字', 'one line a household; the recipient signs'],
  signature: ['签字', 'Signature'],
  open_sheet: ['打印发放签收表', 'Print a distribution sheet'],
  maybe_registered: ['可能已经登记过（保存前请核对）：', 'May be registered already (check before saving):'],
  save_anyway: ['确认无误，仍然保存', 'Not the same: save anyway'],
  cancel: ['取消', 'Cancel'],
  why_id_number: ['身份证号相同', 'same ID number'],
  why_phone: ['电话相同', 'same phone'],
  why_name_birth_village: ['姓名、出生年份、村相同', 'same name, birth year and village'],
  household_card: ['住户卡', 'Household card'],
  nav_reports: ['报表', 'Reports'],
  nav_completeness: ['不遗漏', 'Completeness'],
  nav_dups: ['查重', 'Duplicates'],
  nav_import: ['导入花名册', 'Import a roster'],
  dmg_record: ['记录灾损评估', 'Record a damage assessment'],
  fac_record: ['记录公共设施损失', "Record a public facility's damage"],
  dmg_latest: ['最新灾损评估', 'Latest damage assessment'],
  dmg_house: ['房屋损坏', 'House damage'],
  dmg_rooms: ['损坏间数', 'Rooms damaged'],
  dmg_rooms_unit: ['间', 'rooms'],
  dmg_crops: ['农作物受灾面积（亩）', 'Crops damaged (mu)'],
  dmg_mu: ['亩', 'mu'],
  dmg_loss: ['直接经济损失（元）', 'Direct loss (yuan)'],
  yuan: ['元', 'yuan'],
  rel_record: ['记录救助发放', 'Record relief paid'],
  rel_method: ['发放形式', 'Form of payment'],
  rel_cash: ['现金（元）', 'Cash (yuan)'],
  rel_cash_short: ['现金', 'cash'],
  rel_goods: ['实物（品名和数量）', 'Goods (items and quantities)'],
  rel_goods_value: ['实物折价（元）', 'Goods value (yuan)'],
  rel_goods_value_short: ['实物折价', 'goods value'],
  rel_persons: ['救助人数', 'Persons aided'],
  imp_title: ['导入村花名册', "Import a village's household roster"],
  imp_hint: ['Excel 另存的 CSV（UTF-8 或 GB18030）或 XLSX。先“检查”：不写入任何数据，列出无法读取的行和可能重复的人员；再“导入”。同一文件再导入一次不会重复添加，中断后重新导入即可续上。',
    'CSV saved by Excel (UTF-8 or GB18030) or XLSX. "Check" first: nothing is written; it lists the rows it cannot read and the likely duplicates. Then "Import". The same file imported again adds nothing twice; after an interruption, import it again to go on.'],
  imp_file: ['花名册文件', 'Roster file'],
  imp_village: ['村/社区（表中没有村时使用）', 'Village (for rows that name none)'],
  imp_encoding: ['编码（CSV）', 'Encoding (CSV)'],
  imp_auto: ['自动识别', 'detect'],
  imp_sheet: ['工作表（XLSX，默认第一个有表头的）', 'Sheet (XLSX; default: the first with headings)'],
  imp_mapping: ['列映射（表头不常见时：每行“表头 = 字段”）', 'Column mapping (for unusual headings: "heading = field" lines)'],
  imp_check: ['检查（不写入）', 'Check (writes nothing)'],
  imp_run: ['导入', 'Import'],
  imp_run_confirm: ['确认导入此文件？', 'Import this file?'],
  imp_choose: ['请先选择文件', 'Choose a file first'],
  imp_not_allowed: ['只有管理员和协调员能导入花名册', 'Only admin and coordinator accounts import rosters'],
  imp_dry: ['检查结果：未写入任何数据', 'Checked: nothing was written'],
  imp_done: ['已导入', 'Imported'],
  imp_partial: ['导入中止：此前已写入的住户保留，修正后重新导入同一文件即可续上', 'The import stopped: the households written before it stay; fix the file and import it again to go on'],
  imp_layout: ['表头', 'Headings'],
  imp_row_n: ['第 {n} 行', 'row {n}'],
  imp_would_add: ['将新增', 'would add'],
  imp_added: ['新增', 'added'],
  imp_matched: ['已有（只补缺）', 'held (only what they lacked)'],
  imp_seen: ['以前已导入', 'imported before'],
  imp_present: ['已有', 'held'],
  imp_in_file: ['文件内重复', 'repeated in the file'],
  imp_elsewhere: ['已登记在别的户', 'registered in another household'],
  imp_unrecognized: ['未识别的列（已忽略，可用列映射指定）', 'Columns not recognised (ignored; a mapping names them)'],
  imp_refused: ['无法读取的行', 'Rows that cannot be read'],
  imp_row: ['行号', 'Row'],
  imp_column: ['列', 'Column'],
  imp_reason: ['原因', 'Why'],
  imp_dups: ['可能重复', 'Likely duplicates'],
  imp_dup_in_file: ['与第 {n} 行为同一人，未重复登记', 'the same person as row {n}: not registered twice'],
  imp_dup_registered: ['已登记，未重复登记', 'registered already: not registered twice'],
  imp_dup_likely: ['可能与已登记的人员相同', 'may be a person already registered'],
  layout_households: ['每行一户', 'one row per household'],
  layout_persons: ['每行一人', 'one row per person'],
  rep_title: ['自然灾害情况统计表', 'Disaster report'],
  rep_kind: ['报告类型', 'Kind'],
  kind_initial: ['初报', 'initial'],
  kind_daily: ['续报', 'daily'],
  kind_verified: ['核报', 'verified'],
  rep_date: ['报告日期', 'Date'],
  rep_area: ['填报单位', 'Reporting unit'],
  rep_made: ['制表时间', 'Made'],
  rep_explain: ['显示各数字对应的户和人员', 'Show the households and persons behind each figure'],
  rep_explain_close: ['关闭清单', 'Close the list'],
  rep_explain_cut: ['共 {n} 条，只显示前 {m} 条；完整清单请下载 XLSX（“明细”表）', '{n} lines, the first {m} shown; the XLSX download ("明细") has them all'],
  rep_township: ['合计', 'Township'],
  rep_no_village: ['(未填写村/社区)', '(no village)'],
  rep_since: ['较上次上报', 'Since the report of'],
  rep_no_change: ['无变化', 'no change'],
  rep_figure: ['指标', 'Figure'],
  rep_facility: ['设施', 'Facility'],
  rep_value: ['数值', 'Value'],
  rep_facilities: ['公共设施损失', 'Public facilities'],
  rep_files: ['下载', 'Download'],
  dl_xlsx: ['灾情统计表 XLSX', 'Report XLSX'],
  dl_csv: ['CSV', 'CSV'],
  dl_hxl: ['HXL（按村）', 'HXL (villages)'],
  dl_hxl_site: ['HXL（按安置点）', 'HXL (sites)'],
  dl_pfif: ['PFIF 寻人', 'PFIF (person finder)'],
  dl_relief_xlsx: ['救助发放表 XLSX', 'Relief list XLSX'],
  dl_relief_csv: ['救助发放表 CSV', 'Relief list CSV'],
  rep_submit: ['报送此报表', 'Submit this report'],
  rep_submit_hint: ['报送后签名记录，各节点都能核对谁在何时报送了哪些数字', 'submitting records the figures, signed: every node can check who submitted what and when'],
  rep_submit_confirm: ['确认报送', 'Submit'],
  rep_submitted: ['已报送并签名记录', 'Submitted and recorded'],
  rep_submitted_list: ['已报送的报表', 'Reports submitted'],
  rep_none_submitted: ['尚未报送报表', 'No report submitted yet'],
  rep_when: ['报送时间', 'Submitted'],
  rep_by: ['报送人', 'By'],
  c_title: ['不遗漏一户一人：待落实清单', 'Not yet accounted for, village by village'],
  c_all: ['全部村/社区', 'All villages'],
  c_not_contacted: ['从未联系(户)', 'never contacted (hh)'],
  c_unreachable: ['未联系上(户)', 'unreachable (hh)'],
  c_whereabouts: ['下落不明(人)', 'whereabouts unknown'],
  c_vulnerable: ['其中重点人员', 'of them vulnerable'],
  c_missing: ['失踪(人)', 'missing'],
  c_warned_not_found: ['已通知但未找到', 'warned, not found'],
  dups_title: ['查重：可能重复的记录', 'Likely duplicates'],
  dups_hint: ['选择要保留的一条，其余合并到它；合并可以撤销', 'choose the record to keep; the others are merged into it (a merge can be undone)'],
  dups_score: ['相似度', 'score'],
  dups_none: ['没有发现可能重复的记录', 'No likely duplicates'],
  merge_keep: ['保留此条，合并其他', 'Keep this, merge the others'],
  merge_confirm: ['合并到', 'Merge into'],
  merged: ['已合并', 'Merged'],
  merged_list: ['已合并的记录', 'Merged records'],
  unmerge: ['撤销合并', 'Unmerge'],
  unmerged: ['已撤销合并', 'Unmerged'],
  nav_alerts: ['预警到户', 'Warnings'],
  al_title: ['预警信息到户到人', 'Warnings to every household'],
  al_none: ['尚无预警信息', 'No warning notice yet'],
  al_add: ['发布预警信息', 'Add a warning notice'],
  al_villages: ['预警区域: 村/社区(逗号分隔)', 'Area: villages (comma-separated)'],
  al_grids: ['预警区域: 网格(逗号分隔)', 'Area: grids (comma-separated)'],
  al_progress: ['已送达 {r} / 共 {n} 户', '{r} of {n} households reached'],
  al_unreached: ['未送达({n} 户，有弱势人员的在前)', 'Not reached ({n}, the vulnerable first)'],
  al_reached: ['已送达({n} 户)', 'Reached ({n})'],
  al_all_reached: ['全部已送达', 'Every household reached'],
  al_all: ['全部', 'All'],
  al_cap: ['导入 CAP 预警文件', 'Import a CAP alert'],
  al_cap_hint: ['气象台发布的 CAP 1.2 预警(XML)：预警区域中本节点的村/社区自动列入，也可补填', 'A CAP 1.2 alert (XML) from the weather service: the villages of this node its area names are taken, and you may add others'],
  al_cap_file: ['CAP 预警文件', 'CAP alert file'],
  al_cap_run: ['导入', 'Import'],
  al_cap_choose: ['请选择 CAP 预警文件', 'Choose the CAP alert file'],
  al_cap_seen: ['此预警已导入过，未重复写入', 'This alert was imported before; nothing written'],
  al_page: ['第 {a}–{b} 户，共 {n} 户', 'Households {a}–{b} of {n}'],
  al_vulnerable: ['弱势 {n} 人', '{n} vulnerable'],
  al_vulnerable_hh: ['有弱势人员未送达 {n} 户', '{n} with vulnerable persons not yet'],
  al_tries: ['已尝试 {n} 次', 'tried {n} times'],
  al_failed: ['未接通', 'Not reached'],
  al_village: ['村/社区', 'Village'],
  al_cadre: ['包保责任人', 'Cadre'],
  al_households: ['应通知户', 'Households'],
  al_not_yet: ['未送达', 'Not yet'],
  al_csv: ['下载到户清单(CSV)', 'Download the list (CSV)'],
  al_need_area: ['请填写预警区域(村/社区或网格)', 'Give the area (villages or grids)'],
  nav_patrols: ['巡查', 'Patrols'],
  nav_hazards: ['险情', 'Hazards'],
  nav_duty: ['值班', 'Duty'],
  pt_title: ['巡查点', 'Patrol points'],
  pt_none: ['尚无巡查点', 'No patrol point yet'],
  pt_add: ['登记巡查点', 'Add a patrol point'],
  pt_overdue: ['超时未巡', 'Overdue'],
  pt_overdue_n: ['超时未巡 {n} 个', '{n} overdue'],
  pt_last: ['最近巡查', 'Last round'],
  pt_never: ['从未巡查', 'Never patrolled'],
  pt_due: ['应巡', 'Due'],
  pt_every: ['每 {n} 小时', 'every {n} h'],
  pt_round: ['记录巡查', 'Record a round'],
  hz_title: ['险情上报与处置', 'Hazards'],
  hz_report: ['上报险情', 'Report a hazard'],
  hz_open_n: ['未处置险情 {n} 处', '{n} open hazards'],
  hz_none: ['没有未处置的险情', 'No open hazard'],
  hz_at_risk: ['受威胁 {n} 人', '{n} at risk'],
  hz_respond: ['记录处置', 'Record the response'],
  hz_done: ['已处置', 'Responded'],
  hz_need_place: ['请填写村/社区或位置', 'Give the village or the location'],
  du_title: ['值班值守', 'Duty roster'],
  du_now: ['现在值班', 'On duty now'],
  du_nobody: ['无人值班!', 'Nobody on duty!'],
  du_gaps: ['未来 24 小时无人值班的时段', 'Gaps in the next 24 hours'],
  du_no_gaps: ['未来 24 小时都有人值班', 'Covered for the next 24 hours'],
  du_none: ['尚无排班', 'No shift yet'],
  du_add: ['排班', 'Add a shift'],
  du_handover: ['交接班', 'Hand over'],
  du_need_place: ['请选择值守地点或填写村/社区', 'Choose a site or give a village'],
  du_ends_first: ['结束时间须晚于开始时间', 'The shift ends after it starts'],
  nav_recovery: ['一户一策', 'Recovery plans'],
  rc_title: ['一户一策：未完成的恢复措施', 'Recovery plans: open measures'],
  rc_open_n: ['未完成措施 {n} 项', '{n} open measures'],
  rc_none: ['没有未完成的措施', 'No open measure'],
  rc_days: ['已过 {n} 天', '{n} days'],
  rc_plan: ['一户一策', 'Recovery plan'],
  rc_open_plan: ['查看/制定一户一策', 'Recovery plan'],
  rc_damage: ['灾损评估', 'Damage'],
  rc_no_damage: ['尚无灾损评估', 'No damage assessment'],
  rc_needs_aid: ['需紧急生活救助', 'Needs emergency aid'],
  rc_measures: ['恢复措施', 'Measures'],
  rc_no_measures: ['尚无措施', 'No measure yet'],
  rc_add: ['商定一项措施', 'Agree a measure'],
  rc_amount: ['补助金额(元)', 'Subsidy (yuan)'],
  rc_progress: ['记录进展', 'Record progress'],
  rc_percent: ['完成百分比(0-100)', 'Percent done (0-100)'],
  rc_done: ['已完成', 'Done'],
  rc_cancelled: ['已取消', 'Cancelled'],
  rc_cancel: ['取消此措施', 'Cancel this measure'],
  rc_housing: ['恢复重建进度：住房修缮/重建', 'Recovery: housing repair and rebuilding'],
  rc_h_damaged: ['房屋受损户', 'Damaged'],
  rc_h_collapsed: ['倒塌', 'Collapsed'],
  rc_h_severe: ['严重损坏', 'Severe'],
  rc_h_general: ['一般损坏', 'General'],
  rc_h_with_measure: ['已有修缮/重建措施', 'With a measure'],
  rc_h_started: ['已开工', 'Started'],
  rc_h_done: ['已完工', 'Done'],
  dl_recovery_xlsx: ['恢复重建进度 XLSX', 'Recovery XLSX'],
  rc_cancel_confirm: ['确定取消此措施？取消后不再计入未完成清单：', 'Cancel this measure? It leaves the open list:'],
  rc_bad_percent: ['完成百分比须为 0 至 100 的整数', 'The percent is a whole number from 0 to 100'],
  rc_bad_amount: ['金额须为正数，最多两位小数', 'The amount is a positive sum with at most two decimals'],
  nav_care: ['关爱走访', 'Care visits'],
  nav_health: ['健康监测', 'Health'],
  cv_title: ['应走访的弱势人员', 'Vulnerable persons due a visit'],
  cv_due_n: ['超过 {n} 天未走访 {m} 人', '{m} not visited for {n} days'],
  cv_none: ['都已按时走访', 'Everyone visited in time'],
  cv_no_cadre: ['(未指定包保责任人)', '(no responsible cadre)'],
  cv_never: ['从未走访', 'Never visited'],
  cv_last: ['最近走访', 'Last visit'],
  cv_visit: ['已走访', 'Visited'],
  cv_method: ['走访方式', 'How visited'],
  hc_title: ['健康监测', 'Health monitoring'],
  hc_check: ['记录健康检查', 'Record a health check'],
  hc_person: ['人员(输入姓名查找)', 'Person (type a name)'],
  hc_symptoms: ['症状', 'Symptoms'],
  hc_need_person: ['请先选择人员和安置点', 'Pick the person and the site first'],
  ob_title: ['疫情线索', 'Outbreak clues'],
  ob_none: ['暂无疫情线索', 'No outbreak clue'],
  ob_clue: ['{s}: {k} {n} 人', '{s}: {k}, {n} persons'],
  ob_top: ['疫情线索 {n} 条', '{n} outbreak clues'],
  ds_title: ['消毒记录', 'Disinfection'],
  ds_flagged: ['24 小时内未消毒', 'Not disinfected in 24 hours'],
  ds_never: ['从未消毒', 'Never disinfected'],
  ds_add: ['记录消毒', 'Record a round'],
  nav_orgs: ['社会力量', 'Organisations'],
  nav_volunteers: ['志愿者', 'Volunteers'],
  org_title: ['社会力量：组织和企业名录', 'Organisations and firms that can help'],
  org_skill: ['技能/服务', 'Skill or service'],
  org_item: ['物资或装备', 'Item or equipment'],
  org_place: ['村/社区或地点', 'Village or site'],
  org_search: ['查找', 'Search'],
  org_add: ['登记组织或企业', 'Add an organisation or firm'],
  org_stale: ['超过 {n} 天未确认', 'not confirmed in {n} days'],
  org_confirmed: ['最近确认', 'Last confirmed'],
  org_confirm: ['已确认信息', 'Confirmed now'],
  org_none: ['没有符合的组织', 'No organisation matches'],
  org_count: ['共 {n} 个', '{n} in all'],
  vol_title: ['志愿者', 'Volunteers'],
  vol_add: ['登记志愿者', 'Register a volunteer'],
  vol_hours: ['服务时长(小时)', 'Hours served'],
  vol_on_duty: ['正在服务', 'On duty at'],
  vol_none: ['尚无志愿者', 'No volunteer yet'],
  vol_org: ['所属组织', 'Organisation'],
  vol_skills: ['技能', 'Skills'],
  vol_availability: ['可服务时间', 'Availability'],
  vol_id_number: ['身份证号(可选)', 'ID number (optional)'],
  vol_assign: ['分派到地点和任务', 'Assign to a site and task'],
  vol_task: ['任务', 'Task'],
  vol_from: ['开始日期', 'From'],
  vol_to: ['结束日期', 'To'],
  vol_checkin: ['签到', 'Check in'],
  vol_checkout: ['签退', 'Check out'],
  vol_record_hours: ['补录服务时长', 'Record hours served'],
  vol_hours_n: ['时长(小时，如 2.5)', 'Hours (2.5, ...)'],
  vol_began: ['开始时间', 'Began'],
  vol_record: ['志愿服务记录证明', 'Volunteer service record'],
  vol_print: ['打印', 'Print'],
  vol_assignments: ['分派', 'Assignments'],
  vol_total: ['合计', 'Total'],
  vol_by_site: ['按服务地点合计', 'By site'],
  vol_by_task: ['按任务合计', 'By task'],
  vol_periods: ['次数', 'Periods'],
  vol_open: ['未签退', 'not checked out'],
  vol_how_checkin: ['签到签退', 'check-in/out'],
  vol_how_hours: ['补录', 'recorded afterwards'],
  vol_bad_hours: ['时长须为正数小时，最多两位小数，不超过 744', 'hours are a positive number, at most 2 decimals and 744'],
  vol_future: ['时间晚于现在：服务不能记录在将来', 'the time is after now: service is not recorded ahead'],
  vol_already_in: ['此志愿者已签到，请先签退', 'already checked in: check out first'],
  vol_to_before: ['结束日期早于开始日期', 'the end is before the start'],
  vol_made: ['制表时间', 'Made'],
  vol_from_to: ['开始', 'From'],
  vol_until: ['结束', 'To'],
  vol_none_task: ['(未填)', '(none)'],
  vol_how: ['方式', 'Recorded as'],
  dl_vol_csv: ['下载 CSV', 'Download CSV'],
  nav_needs: ['需求与供给', 'Needs and offers'],
  nav_disclosure: ['捐赠公示', 'Donations disclosed'],
  dc_title: ['捐赠公示', 'Donation disclosure'],
  dc_township: ['全乡镇(街道)', 'The township'],
  dc_org: ['受赠组织', 'Received by'],
  dc_totals: ['合计', 'Totals'],
  dc_donations: ['捐赠明细', 'Donations'],
  dc_uses: ['使用明细', 'Uses'],
  dc_villages: ['各村受益', 'Per village'],
  dc_currency: ['币种', 'Currency'],
  dc_count: ['捐赠笔数', 'Donations'],
  dc_received: ['接收', 'Received'],
  dc_committed: ['分配', 'Committed'],
  dc_used: ['使用', 'Used'],
  dc_balance: ['结余', 'Balance'],
  dc_overdrawn: ['超支', 'Overdrawn'],
  dc_donor: ['捐赠方', 'Donor'],
  dc_anonymous: ['匿名', 'anonymous'],
  dc_restriction: ['限定用途', 'Restricted to'],
  dc_kind: ['类型', 'Kind'],
  dc_amount: ['金额', 'Amount'],
  dc_purpose: ['用途', 'Purpose'],
  dc_village: ['村/社区', 'Village'],
  dc_households: ['受助户数', 'Households paid'],
  dc_none_village: ['(未填写)', '(none)'],
  dc_uses_page: ['第 {a}–{b} 条，共 {n} 条；完整清单请下载 CSV 或 XLSX', 'rows {a}–{b} of {n}; the CSV and XLSX downloads have them all'],
  dc_prev: ['上一页', 'Previous'],
  dc_next: ['下一页', 'Next'],
  dl_dis_csv: ['下载 CSV', 'Download CSV'],
  dl_dis_xlsx: ['下载 XLSX', 'Download XLSX'],
  dc_add: ['登记收到的捐赠', 'Record a donation received'],
  dc_use_add: ['登记捐赠的使用', 'Record a use of a donation'],
  dc_amount_yuan: ['金额(元；物资填折价)', 'Amount in yuan (goods: their value)'],
  dc_use_yuan: ['金额(元)', 'Amount in yuan'],
  dc_donor_name: ['捐赠方姓名或名称', 'Donor\'s name'],
  dc_anonymous_ask: ['匿名捐赠(不公示捐赠方)', 'Anonymous (the donor is not disclosed)'],
  dc_to_township: ['(空：全乡镇/街道)', '(empty: the township)'],
  dc_time: ['接收时间', 'Received at'],
  dc_pick: ['选择捐赠', 'Donation'],
  dc_left: ['结余', 'left'],
  dc_bad_amount: ['金额须为正数(元)，最多两位小数，如 1200 或 12.34', 'the amount is a positive sum in yuan with at most two decimals, such as 1200 or 12.34'],
  dc_bad_time: ['请填写接收时间', 'say when it was received'],
  dc_goods_what: ['物资捐赠请填写物资', 'say what goods were given'],
  dc_money_goods: ['资金捐赠不填写物资', 'a money donation names no goods'],
  dc_pick_one: ['请选择捐赠', 'pick a donation'],
  dc_over_left: ['金额 {a} 元超过该捐赠尚可使用的 {l} 元，未写入', '{a} yuan is more than the {l} yuan the donation has left: nothing written'],
  dc_no_personal: ['用途、村/社区和凭证号将公示：请勿填写受助人姓名、身份证号或电话', 'purpose, village and voucher are published: name no recipient, ID number or phone'],
  nd_title: ['需求与供给', 'Needs and offers'],
  nd_needs: ['需求', 'Needs'],
  nd_offers: ['供给', 'Offers'],
  nd_suggest: ['建议对接', 'Suggested matches'],
  nd_matches: ['承诺', 'Matches'],
  nd_none: ['暂无', 'None yet'],
  nd_promised: ['已承诺', 'promised'],
  nd_received: ['已到货', 'received'],
  nd_delivered: ['已送达', 'delivered'],
  nd_over: ['超额承诺', 'over-promised'],
  nd_commit: ['承诺', 'Promise'],
  nd_receive: ['到货入库', 'Receive'],
  nd_cancel: ['取消承诺', 'Cancel'],
  nd_cancelled: ['已取消', 'cancelled'],
  nd_km: ['公里', 'km'],
  nd_bad_qty: ['数量须为正整数', 'the quantity is a positive whole number'],
  nd_add_need: ['发布需求', 'Publish a need'],
  nd_add_offer: ['登记供给', 'Record an offer'],
  nd_need_what: ['请填写物资或服务', 'say what item or service'],
  nd_need_where: ['需求须选地点或填写村/社区', 'a need names a site or a village'],
  nd_states: {
    open: ['待对接', 'open'],
    promised: ['已承诺', 'promised'],
    partly_met: ['部分满足', 'partly met'],
    met: ['已满足', 'met'],
    closed: ['已关闭', 'closed'],
    cancelled: ['已取消', 'cancelled'],
    available: ['可提供', 'available'],
    delivered: ['已送达', 'delivered'],
    withdrawn: ['已撤回', 'withdrawn'],
  },
  reasons: {
    not_contacted: ['尚未联系', 'not contacted'],
    unreachable: ['联系不上', 'unreachable'],
    missing: ['失踪', 'missing'],
    no_place: ['去向不明', 'whereabouts unknown'],
  },
};

const FLAGS = ['elderly_mobility', 'disabled', 'no_caretaker', 'left_behind', 'pregnant', 'chronic'];
let lang = localStorage.getItem('hz_lang') === 'en' ? 1 : 0;
let me = null;
let schema = null;
let refresh = null; /* the current page's reload, for live updates */

function t(key) {
  const v = T[key];
  return v ? v[lang] : key;
}

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

function msg(err) {
  if (!err) return '';
  return lang === 0 ? err.zh : err.en;
}

async function api(method, path, body) {
  const opt = {method, headers: {}, credentials: 'same-origin'};
  if (method !== 'GET') {
    opt.headers['X-CSRF-Token'] = me ? me.csrf : '';
    if (body instanceof Blob) { /* a file, sent as itself */
      opt.headers['Content-Type'] = 'application/octet-stream';
      opt.body = body;
    } else if (body !== undefined) {
      opt.headers['Content-Type'] = 'application/json';
      opt.body = JSON.stringify(body);
    }
  }
  const r = await fetch(path, opt);
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (r.status === 401 && path !== '/api/login') {
    me = null;
    showLogin();
  }
  return {ok: r.ok, status: r.status, data: data || {}};
}

function banner(text, bad) {
  const b = document.getElementById('banner');
  b.textContent = text;
  b.className = bad ? 'bad' : '';
  b.hidden = !text;
  if (text && !bad) setTimeout(() => { if (b.textContent === text) b.hidden = true; }, 3000);
}

function enumLabel(table, col, value) {
  if (!schema || value === null || value === undefined) return value;
  const tb = schema.tables.find((x) => x.name === table);
  const c = tb && tb.columns.find((x) => x.name === col);
  const v = c && c.values && c.values.find((x) => x.name === value);
  return v ? (lang === 0 ? v.zh : v.en) : value;
}

function colLabel(table, col) {
  const tb = schema && schema.tables.find((x) => x.name === table);
  const c = tb && tb.columns.find((x) => x.name === col);
  return c ? (lang === 0 ? c.zh : c.en) : col;
}

/* A row's history: who (account, device) wrote what, and when; newest
 * first. It stays open across live refreshes once opened. */
let historyOpen = false;
function historyCard(table, steps) {
  if (!steps || !steps.length) return null;
  return el('details', {class: 'card', id: 'history', open: historyOpen, ontoggle: (e) => { historyOpen = e.target.open; }},
    el('summary', {text: t('history')}),
    el('ol', {class: 'history'}, steps.slice().reverse().map((s) => el('li', {},
      el('div', {}, el('b', {}, s.account || t('by_cli')), ' · ', s.author_name || s.author.slice(0, 8), ' · ',
        el('span', {class: 'mute'}, new Date(s.time_ms).toLocaleString())),
      el('div', {class: 'mute'}, t('op_' + s.op) + ': ' + Object.entries(s.fields || {}).map(([k, v]) =>
        colLabel(table, k) + '=' + (v === null ? '∅' : typeof v === 'boolean' ? (v ? '✓' : '✗') : enumLabel(table, k, v))).join(', '))))));
}

function enumSelect(table, col, name, blank) {
  const tb = schema.tables.find((x) => x.name === table);
  const c = tb.columns.find((x) => x.name === col);
  const s = el('select', {name});
  if (blank) s.append(el('option', {value: ''}, ''));
  for (const v of c.values) s.append(el('option', {value: v.name}, lang === 0 ? v.zh : v.en));
  return s;
}

function flagTags(p) {
  return FLAGS.filter((f) => p[f]).map((f) => el('span', {class: 'tag red'}, t(f)));
}

function isVulnerable(p) {
  return FLAGS.some((f) => p[f]);
}

/* A field's error under it, named by the API's "field". */
function showErrors(form, err) {
  form.querySelectorAll('.err').forEach((e) => e.remove());
  form.querySelectorAll('.bad').forEach((e) => e.classList.remove('bad'));
  if (!err) return;
  const input = err.field ? form.querySelector(`[name="${CSS.escape(err.field)}"]`) : null;
  const note = el('div', {class: 'err', role: 'alert'}, msg(err));
  if (input) {
    input.classList.add('bad');
    input.after(note);
    input.focus();
  } else {
    form.append(note);
  }
}

/* A warning the server gave instead of saving (a likely duplicate, a
 * second distribution today): the records it matched and a button to
 * save anyway. Resolves true when the person chooses to. */
function confirmAnyway(form, data) {
  return new Promise((resolve) => {
    form.querySelectorAll('.warn.dup').forEach((e) => e.remove());
    const box = el('div', {class: 'warn dup', role: 'alert', id: 'dup-warning'},
      el('div', {}, msg(data.error)),
      el('ul', {}, (data.matches || []).map((m) => el('li', {},
        m.household || m.kind === 'household'
          ? el('a', {href: '#/household/' + (m.kind === 'household' ? m.id : m.household)},
            m.name || m.head_name || m.id, ' ', m.birth_year || '')
          : `${m.qty ?? ''} · ${m.time ? new Date(m.time * 1000).toLocaleString() : ''}`,
        m.why ? el('span', {class: 'mute'}, ' · ', t('why_' + m.why)) : null))),
      el('p', {class: 'row'},
        el('button', {type: 'button', class: 'primary', id: 'save-anyway', text: t('save_anyway'),
          onclick: () => { box.remove(); resolve(true); }}),
        el('button', {type: 'button', text: t('cancel'), onclick: () => { box.remove(); resolve(false); }})));
    form.append(box);
    box.scrollIntoView({block: 'center'});
  });
}

/* ---- login */

function showLogin() {
  document.getElementById('tabs').hidden = true;
  document.getElementById('logout').hidden = true;
  document.getElementById('who').textContent = '';
  const main = document.getElementById('main');
  const form = el('form', {class: 'card', id: 'login'},
    el('h1', {text: t('login')}),
    el('label', {for: 'l-name', text: t('account')}),
    el('input', {id: 'l-name', name: 'name', autocomplete: 'username', required: true}),
    el('label', {for: 'l-pw', text: t('password')}),
    el('input', {id: 'l-pw', name: 'password', type: 'password', autocomplete: 'current-password', required: true}),
    el('p', {}, el('button', {class: 'primary', type: 'submit', text: t('login')})));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await api('POST', '/api/login', {name: form.name.value, password: form.password.value});
    if (!r.ok) { showErrors(form, r.data.error); return; }
    me = r.data;
    start();
  });
  main.replaceChildren(form);
}

/* ---- pages */

const pages = {};

pages.find = async (main) => {
  const input = el('input', {type: 'search', id: 'q', placeholder: t('find_hint'), autocomplete: 'off', 'aria-label': t('find_title')});
  const out = el('div', {id: 'results'});
  main.replaceChildren(el('h1', {text: t('find_title')}), input, out);
  let timer = null;
  let seq = 0;
  const run = async () => {
    const q = input.value.trim();
    if (!q) { out.replaceChildren(); return; }
    const mine = ++seq;
    const r = await api('GET', '/api/search?q=' + encodeURIComponent(q));
    if (mine !== seq) return;
    if (!r.ok) { out.replaceChildren(el('div', {class: 'err'}, msg(r.data.error))); return; }
    const list = el('ul', {class: 'list'});
    for (const p of r.data.persons) {
      const href = p.household ? '#/household/' + p.household : null;
      list.append(el('li', {class: isVulnerable(p) ? 'vuln' : null},
        el('a', {href}, el('b', {}, p.name || '?'), ' ', el('span', {class: 'mute'},
          [p.birth_year, p.phone].filter(Boolean).join(' · ')), ' ', flagTags(p))));
    }
    for (const h of r.data.households) {
      list.append(el('li', {}, el('a', {href: '#/household/' + h.id},
        el('b', {}, h.head_name || '?'), ' ', el('span', {class: 'mute'}, [t('household'), h.village].filter(Boolean).join(' · ')))));
    }
    out.replaceChildren(list.children.length ? list : el('p', {class: 'mute'}, t('none')));
  };
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, 120); });
  input.focus();
  refresh = run;
};

function field(name, label, attrs) {
  return [el('label', {for: 'f-' + name, text: label}), el('input', Object.assign({id: 'f-' + name, name}, attrs || {}))];
}

function memberBlock(i) {
  const box = el('fieldset', {class: 'card member'},
    el('legend', {}, t('member') + ' ' + (i + 1)),
    field(`members.${i}.name`, t('name'), {autocomplete: 'off'}),
    el('div', {class: 'row'},
      el('div', {}, el('label', {text: t('sex')}), el('select', {name: `members.${i}.sex`},
        el('option', {value: ''}, ''), el('option', {value: 'male'}, t('male')), el('option', {value: 'female'}, t('female')))),
      el('div', {}, field(`members.${i}.birth_year`, t('birth_year'), {inputmode: 'numeric', maxlength: 4}))),
    field(`members.${i}.id_number`, t('id_number'), {inputmode: 'text', maxlength: 18, autocomplete: 'off'}),
    field(`members.${i}.phone`, t('phone'), {inputmode: 'tel'}),
    el('div', {class: 'flags'}, FLAGS.map((f) => el('label', {},
      el('input', {type: 'checkbox', name: `members.${i}.flag.${f}`}), t(f)))));
  /* Warned while typing when this person looks registered already (the
   * same ID number; name, birth year and village; phone), not only at
   * saving. The matches open in a new tab, so the form stays. */
  let timer = null;
  let asked = 0;
  const check = async () => {
    const form = box.closest('form');
    const g = (k) => (form.elements[`members.${i}.${k}`].value || '').trim();
    const q = new URLSearchParams();
    const name = g('name'), year = g('birth_year'), idn = g('id_number').toUpperCase(), phone = g('phone');
    if (name && /^\d{4}$/.test(year)) { q.set('name', name); q.set('birth_year', year); }
    if (idn.length >= 15) q.set('id_number', idn);
    if (phone.replace(/\D/g, '').length >= 7) q.set('phone', phone);
    const village = (form.elements.village.value || '').trim();
    if (village) q.set('village', village);
    const mine = ++asked;
    const r = [...q.keys()].some((k) => k !== 'village') ? await api('GET', '/api/duplicates?' + q) : {ok: true, data: {matches: []}};
    if (mine !== asked) return; /* a later keystroke asked again */
    box.querySelectorAll('.dup-live').forEach((e) => e.remove());
    const matches = r.ok ? r.data.matches : [];
    if (!matches.length) return;
    box.append(el('div', {class: 'warn dup-live', role: 'status'}, t('maybe_registered'),
      el('ul', {}, matches.map((m) => el('li', {},
        el('a', {href: '#/household/' + (m.kind === 'household' ? m.id : m.household), target: '_blank', rel: 'noopener'},
          m.name || m.head_name || m.id, ' ', m.birth_year || '', ' ', m.village || ''),
        el('span', {class: 'mute'}, ' · ', t('why_' + m.why)))))));
  };
  box.addEventListener('input', (ev) => {
    if (!/\.(name|birth_year|id_number|phone)$/.test(ev.target.name || '')) return;
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  });
  return box;
}

pages.register = async (main) => {
  const members = el('div', {id: 'members'});
  let count = 0;
  const addMember = () => { members.append(memberBlock(count++)); };
  const form = el('form', {id: 'register', novalidate: true},
    el('h1', {text: t('register_title')}),
    el('div', {class: 'card'},
      field('head_name', t('head_name'), {autocomplete: 'off'}),
      field('village', t('village')),
      field('grid', t('grid')),
      field('address', t('address')),
      field('phone', t('phone'), {inputmode: 'tel'}),
      field('cadre', t('cadre'))),
    members,
    el('p', {class: 'row'},
      el('button', {type: 'button', id: 'add-member', onclick: addMember, text: t('add_member')}),
      el('button', {type: 'submit', class: 'primary', text: t('save')})));
  addMember();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const k of ['head_name', 'village', 'grid', 'address', 'phone', 'cadre']) {
      const v = form.elements[k].value.trim();
      if (v) body[k] = v;
    }
    body.members = [];
    for (let i = 0; i < count; i++) {
      const g = (k) => form.elements[`members.${i}.${k}`];
      const m = {name: g('name').value.trim()};
      if (!m.name) continue;
      for (const k of ['sex', 'birth_year', 'phone']) if (g(k).value.trim()) m[k] = g(k).value.trim();
      const idn = g('id_number').value.trim().toUpperCase();
      if (idn) m.id_number = idn;
      if (m.birth_year) m.birth_year = Number(m.birth_year);
      m.flags = FLAGS.filter((f) => g('flag.' + f).checked);
      body.members.push(m);
    }
    const r = await api('POST', '/api/households', body);
    if (r.status === 409 && await confirmAnyway(form, r.data)) {
      body.confirm = true;
      const again = await api('POST', '/api/households', body);
      if (!again.ok) { showErrors(form, again.data.error); return; }
      r.data = again.data;
    } else if (!r.ok) { showErrors(form, r.data.error); return; }
    banner(t('saved'));
    location.hash = '#/household/' + r.data.id;
  });
  main.replaceChildren(form);
  form.elements.head_name.focus();
  refresh = null; /* a form being filled is never redrawn */
};

async function sitesList() {
  const r = await api('GET', '/api/sites?limit=1000');
  return r.ok ? r.data.rows : [];
}

function siteSelect(sites, chosen) {
  const s = el('select', {name: 'site', id: 'site'});
  for (const x of sites) s.append(el('option', {value: x.id, selected: x.id === chosen ? true : null}, x.name || x.id));
  return s;
}

function rememberSite(id) { localStorage.setItem('hz_site', id); }
function chosenSite(sites) {
  if (me.site) return me.site;
  const s = localStorage.getItem('hz_site');
  return sites.some((x) => x.id === s) ? s : (sites[0] ? sites[0].id : null);
}

/* A public facility's damage (a bridge, a school, a road: by name and
 * village), as huzhu damage --facility records it. */
function facilityForm() {
  const f = el('form', {class: 'card no-print', id: 'facility-form'}, el('h2', {text: t('fac_record')}),
    field('facility', t('rep_facility')), field('village', t('village')),
    el('label', {text: t('dmg_house')}), enumSelect('damage', 'house', 'house', true),
    field('rooms', t('dmg_rooms'), {inputmode: 'numeric'}), field('crops_mu', t('dmg_crops'), {inputmode: 'decimal'}),
    field('loss_yuan', t('dmg_loss'), {inputmode: 'numeric'}), field('note', t('notes')),
    el('p', {}, el('button', {class: 'primary', type: 'submit', text: t('save')})));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const k of ['facility', 'village', 'house', 'note']) if (f.elements[k].value.trim()) body[k] = f.elements[k].value.trim();
    if (!body.facility || !body.village) {
      showErrors(f, {field: body.facility ? 'village' : 'facility', zh: '请填写设施名称和所在村/社区', en: "the facility's name and village, please"});
      return;
    }
    for (const k of ['rooms', 'crops_mu', 'loss_yuan']) {
      const v = f.elements[k].value.trim();
      if (v) body[k] = Number(v);
      if (v && !Number.isFinite(body[k])) { showErrors(f, {field: k, zh: '请填写数字', en: 'a number, please'}); return; }
    }
    const r = await api('POST', '/api/damage', body);
    if (!r.ok) showErrors(f, r.data.error); else { banner(t('saved')); load(); }
  });
  return f;
}

/* Yuan as typed ("500", "12.5", "0.05") in fen, or null. */
function fenOf(text) {
  const m = /^\s*(\d{1,10})(?:\.(\d{1,2}))?\s*$/.exec(text);
  return m ? Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0')) : null;
}

function yuan(fen) {
  return (Number(fen) / 100).toFixed(2);
}

/* The household's damage assessment and relief paid (proto/reports.md):
 * the latest assessment and every payment shown, a form for each. */
function damageReliefCards(id, dmg, rel, canWrite) {
  const latest = dmg.filter((d) => !d.reverses).sort((a, b) => b.time - a.time || (b.id < a.id ? -1 : 1))[0];
  const paid = rel.filter((x) => !x.reverses);
  const dform = el('form', {class: 'card no-print', id: 'damage-form'}, el('h2', {text: t('dmg_record')}),
    el('label', {text: t('dmg_house')}), enumSelect('damage', 'house', 'house', true),
    field('rooms', t('dmg_rooms'), {inputmode: 'numeric'}), field('crops_mu', t('dmg_crops'), {inputmode: 'decimal'}),
    field('loss_yuan', t('dmg_loss'), {inputmode: 'numeric'}), field('note', t('notes')),
    el('p', {}, el('button', {class: 'primary', type: 'submit', text: t('save')})));
  dform.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {household: id};
    for (const k of ['house', 'note']) if (dform.elements[k].value.trim()) body[k] = dform.elements[k].value.trim();
    for (const k of ['rooms', 'crops_mu', 'loss_yuan']) {
      const v = dform.elements[k].value.trim();
      if (v) body[k] = Number(v);
      if (v && !Number.isFinite(body[k])) { showErrors(dform, {field: k, zh: '请填写数字', en: 'a number, please'}); return; }
    }
    const r = await api('POST', '/api/damage', body);
    if (!r.ok) showErrors(dform, r.data.error); else { banner(t('saved')); load(); }
  });
  const rform = el('form', {class: 'card no-print', id: 'relief-form'}, el('h2', {text: t('rel_record')}),
    el('label', {text: t('rel_method')}), enumSelect('relief', 'method', 'method', false),
    field('cash_fen', t('rel_cash'), {inputmode: 'decimal'}), field('goods', t('rel_goods')),
    field('goods_fen', t('rel_goods_value'), {inputmode: 'decimal'}), field('persons', t('rel_persons'), {inputmode: 'numeric'}),
    el('p', {}, el('button', {class: 'primary', type: 'submit', text: t('save')})));
  rform.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {household: id, method: rform.elements.method.value, by: me.name};
    for (const k of ['cash_fen', 'goods_fen']) {
      const v = rform.elements[k].value;
      if (!v.trim()) continue;
      body[k] = fenOf(v);
      if (body[k] === null) { showErrors(rform, {field: k, zh: '金额以元为单位，最多两位小数', en: 'an amount in yuan, at most two decimals'}); return; }
    }
    if (rform.elements.goods.value.trim()) body.goods = rform.elements.goods.value.trim();
    if (rform.elements.persons.value.trim()) body.persons = Number(rform.elements.persons.value.trim());
    const r = await api('POST', '/api/relief', body);
    if (!r.ok) showErrors(rform, r.data.error); else { banner(t('saved')); load(); }
  });
  return [
    latest || paid.length ? el('div', {class: 'card', id: 'damage-relief'},
      latest ? el('p', {id: 'damage-latest'}, el('b', {}, t('dmg_latest') + ': '),
        [latest.house ? enumLabel('damage', 'house', latest.house) : null, latest.rooms ? latest.rooms + ' ' + t('dmg_rooms_unit') : null,
          latest.crops_mu ? latest.crops_mu + ' ' + t('dmg_mu') : null, latest.loss_yuan ? latest.loss_yuan + ' ' + t('yuan') : null]
          .filter(Boolean).join(' · ')) : null,
      paid.length ? el('ul', {class: 'list', id: 'relief-paid'}, paid.map((x) => el('li', {},
        el('b', {}, enumLabel('relief', 'method', x.method)), ' ',
        [x.cash_fen ? t('rel_cash_short') + ' ' + yuan(x.cash_fen) + ' ' + t('yuan') : null, x.goods || null,
          x.goods_fen ? t('rel_goods_value_short') + ' ' + yuan(x.goods_fen) + ' ' + t('yuan') : null,
          new Date(x.time * 1000).toLocaleDateString()].filter(Boolean).join(' · ')))) : null) : null,
    canWrite ? dform : null, canWrite ? rform : null];
}

pages.household = async (main, id) => {
  const [h, persons, pres, sites, rec, hist, dmg, rel] = await Promise.all([
    api('GET', '/api/households/' + id), api('GET', '/api/persons?household=' + id + '&limit=1000'),
    api('GET', '/api/views/presence?household=' + id), sitesList(), api('GET', '/api/views/received?household=' + id),
    api('GET', '/api/history/households/' + id), api('GET', '/api/damage?household=' + id + '&limit=1000'),
    api('GET', '/api/relief?household=' + id + '&limit=1000')]);
  if (!h.ok) { main.replaceChildren(el('div', {class: 'err'}, msg(h.data.error))); return; }
  const where = {};
  for (const p of pres.data || []) where[p.person] = p;
  const mem = persons.ok ? persons.data.rows : [];
  const canWrite = me.role !== 'viewer';
  /* Those not at a site yet are chosen for a check-in; untick to leave one out. */
  const list = el('ul', {class: 'list', id: 'members'}, mem.map((p) => el('li', {class: isVulnerable(p) ? 'vuln' : null},
    canWrite && !where[p.id] ? el('input', {type: 'checkbox', class: 'pick', 'data-person': p.id, checked: true, 'aria-label': p.name}) : null, ' ',
    el('b', {}, p.name), ' ', el('span', {class: 'mute'}, [p.birth_year, enumLabel('persons', 'sex', p.sex)].filter(Boolean).join(' · ')),
    ' ', flagTags(p), el('div', {class: 'mute'}, where[p.id] ? t('here_now') + ': ' + where[p.id].site_name : t('nowhere')))));
  const site = siteSelect(sites, chosenSite(sites));
  const got = (rec.data || []).filter((x) => x.household === id);
  main.replaceChildren(
    el('h1', {}, h.data.head_name || '?', ' ', el('span', {class: 'mute'}, h.data.village || '')),
    el('div', {class: 'card'},
      el('div', {class: 'mute'}, [t('phone') + ': ' + (h.data.phone || '-'), t('cadre') + ': ' + (h.data.cadre || '-'),
        t('status') + ': ' + (enumLabel('households', 'status', h.data.status) || '-')].join(' · ')),
      list),
    canWrite && sites.length ? el('div', {class: 'card no-print'}, el('label', {for: 'site', text: t('choose_site')}), site,
      el('p', {}, el('button', {class: 'primary', id: 'checkin', text: t('check_in_sel'), onclick: async () => {
        const ids = [...list.querySelectorAll('input.pick:checked')].map((x) => x.dataset.person);
        if (!ids.length) return;
        rememberSite(site.value);
        const r = await api('POST', '/api/checkin', {site: site.value, persons: ids});
        if (!r.ok) banner(msg(r.data.error), true); else { banner(t('saved')); load(); }
      }}))) : null,
    got.length ? el('div', {class: 'card'}, el('h2', {text: t('received')}),
      el('ul', {}, got.map((g) => el('li', {}, `${g.item_name}: ${g.received} ${g.unit || ''}`)))) : null,
    ...damageReliefCards(id, dmg.ok ? dmg.data.rows : [], rel.ok ? rel.data.rows : [], canWrite),
    historyCard('households', hist.ok ? hist.data : null),
    el('p', {class: 'no-print'}, el('a', {href: '#/card/' + id, class: 'btn', id: 'open-card'}, t('card_open')), ' ',
      el('a', {href: '#/plan/' + id, class: 'btn', id: 'open-plan'}, t('rc_open_plan'))));
  refresh = load;
};

pages.shelter = async (main) => {
  const sites = await sitesList();
  const sid = chosenSite(sites);
  const only = sid ? '?site=' + sid : '';
  const [occ, pres, vul] = await Promise.all([api('GET', '/api/views/occupancy' + only), api('GET', '/api/views/presence' + only), api('GET', '/api/views/vulnerable' + only)]);
  const o = (occ.data || []).find((x) => x.site === sid) || {};
  const vset = {};
  for (const v of vul.data || []) vset[v.person] = v;
  const here = (pres.data || []).filter((p) => p.site === sid);
  here.sort((a, b) => (vset[b.person] ? 1 : 0) - (vset[a.person] ? 1 : 0));
  const select = siteSelect(sites, sid);
  select.addEventListener('change', () => { rememberSite(select.value); load(); });
  const pp = o.m2_per_person;
  const canWrite = me.role !== 'viewer';
  main.replaceChildren(
    el('h1', {text: t('nav_shelter')}),
    me.site ? null : select,
    el('div', {class: 'stat'},
      el('div', {id: 'occ'}, el('b', {}, `${o.present || 0} / ${o.capacity ?? '-'}`), t('occupancy')),
      el('div', {id: 'area'}, el('b', {}, pp ? pp.toFixed(1) + ' m²' : '-'), t('area_pp'))),
    pp && pp < 3.5 ? el('div', {class: 'alert', id: 'sphere'}, t('sphere_warn')) : null,
    o.over_capacity > 0 ? el('div', {class: 'alert'}, t('over_cap') + ': ' + o.over_capacity) : null,
    el('h2', {text: t('who_here')}),
    el('ul', {class: 'list', id: 'here'}, here.map((p) => el('li', {class: vset[p.person] ? 'vuln' : null},
      el('b', {}, p.name), ' ', vset[p.person] ? flagTags(vset[p.person]) : null,
      p.several_sites ? el('div', {class: 'alert'}, t('several_sites')) : null,
      canWrite ? el('button', {class: 'danger', text: t('check_out'), onclick: async () => {
        const r = await api('POST', '/api/checkout', {persons: [p.person], site: sid});
        if (!r.ok) banner(msg(r.data.error), true); else load();
      }}) : null))));
  refresh = load;
};

function stockRows(rows) {
  return [el('tr', {}, el('th', {text: t('item')}), el('th', {text: t('qty')})),
    ...rows.map((x) => el('tr', {}, el('td', {}, x.item_name), el('td', {}, `${x.on_hand} ${x.unit || ''}`)))];
}

pages.supplies = async (main) => {
  const sites = await sitesList();
  const sid = chosenSite(sites);
  const [stock, items] = await Promise.all([api('GET', '/api/views/stock' + (sid ? '?site=' + sid : '')), api('GET', '/api/items?limit=1000')]);
  const rows = (stock.data || []).filter((x) => x.site === sid);
  const select = siteSelect(sites, sid);
  select.addEventListener('change', () => { rememberSite(select.value); load(); });
  const itemSel = () => el('select', {name: 'item'}, (items.data.rows || []).map((i) => el('option', {value: i.id}, `${i.name} (${i.unit || ''})`)));
  const canWrite = me.role !== 'viewer';
  const recv = el('form', {class: 'card', id: 'receive'}, el('h2', {text: t('receive')}),
    el('label', {text: t('item')}), itemSel(), field('qty', t('qty'), {inputmode: 'numeric'}), field('counterpart', t('from')),
    el('p', {}, el('button', {class: 'primary', type: 'submit', text: t('receive')})));
  recv.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {site: sid, item: recv.item.value, action: 'received', qty: Number(recv.qty.value)};
    if (recv.counterpart.value.trim()) body.counterpart = recv.counterpart.value.trim();
    const r = await api('POST', '/api/stock', body);
    if (!r.ok) showErrors(recv, r.data.error); else { banner(t('saved')); load(); }
  });
  const hhSearch = el('input', {type: 'search', name: 'hh_q', placeholder: t('find_hint'), autocomplete: 'off'});
  const hhPick = el('select', {name: 'household'});
  hhSearch.addEventListener('input', async () => {
    const q = hhSearch.value.trim();
    if (!q) return;
    const r = await api('GET', '/api/search?q=' + encodeURIComponent(q));
    const seen = new Set();
    hhPick.replaceChildren();
    for (const h of r.data.households || []) { seen.add(h.id); hhPick.append(el('option', {value: h.id}, h.head_name)); }
    for (const p of r.data.persons || []) {
      if (p.household && !seen.has(p.household)) { seen.add(p.household); hhPick.append(el('option', {value: p.household}, p.name)); }
    }
  });
  const dist = el('form', {class: 'card', id: 'distribute'}, el('h2', {text: t('distribute')}),
    el('label', {text: t('item')}), itemSel(), field('qty', t('qty'), {inputmode: 'numeric'}),
    el('label', {text: t('to_household')}), hhSearch, hhPick,
    el('p', {}, el('button', {class: 'primary', type: 'submit', text: t('distribute')})));
  dist.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {site: sid, item: dist.item.value, action: 'distributed', qty: Number(dist.qty.value)};
    if (dist.household.value) body.household = dist.household.value;
    let r = await api('POST', '/api/stock', body);
    if (r.status === 409 && await confirmAnyway(dist, r.data)) {
      body.confirm = true;
      r = await api('POST', '/api/stock', body);
    }
    if (!r.ok) showErrors(dist, r.data.error); else if (r.status !== 409) { banner(t('saved')); load(); }
  });
  const toSel = siteSelect(sites.filter((x) => x.id !== sid), null);
  toSel.name = 'to';
  const toBox = el('div', {hidden: true}, el('label', {text: t('to_site')}), toSel);
  const actionSel = el('select', {name: 'action'}, ['count', 'transfer', 'lost'].map((a) => el('option', {value: a}, t('act_' + a))));
  actionSel.addEventListener('change', () => { toBox.hidden = actionSel.value !== 'transfer'; });
  const other = el('form', {class: 'card', id: 'other-move'}, el('h2', {text: t('other_moves')}),
    el('label', {text: t('action')}), actionSel, el('label', {text: t('item')}), itemSel(),
    field('qty', t('qty_or_counted'), {inputmode: 'numeric'}), toBox,
    el('p', {}, el('button', {class: 'primary', type: 'submit', text: t('save')})));
  other.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {site: sid, item: other.item.value, action: actionSel.value, qty: Number(other.qty.value)};
    if (actionSel.value === 'transfer') body.to = toSel.value;
    const r = await api('POST', '/api/stock', body);
    if (!r.ok) showErrors(other, r.data.error); else { banner(t('saved')); load(); }
  });
  const addItem = el('form', {class: 'card', id: 'add-item'}, el('h2', {text: t('add_item')}),
    field('name', t('name')), field('unit', t('unit')), el('label', {text: t('category')}), enumSelect('items', 'category', 'category', false),
    el('p', {}, el('button', {type: 'submit', text: t('save')})));
  addItem.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await api('POST', '/api/items', {name: addItem.elements.name.value.trim(), unit: addItem.unit.value.trim(), category: addItem.category.value});
    if (!r.ok) showErrors(addItem, r.data.error); else { banner(t('saved')); load(); }
  });
  main.replaceChildren(el('h1', {text: t('nav_supplies')}), me.site ? null : select,
    el('p', {class: 'no-print'}, el('a', {href: '#/sheet', class: 'btn', id: 'open-sheet'}, t('open_sheet'))),
    el('h2', {text: t('stock')}),
    el('table', {id: 'stock'}, stockRows(rows)),
    ...(canWrite ? [recv, dist, other, addItem] : []));
  /* Live updates redraw the stock only: a form being filled keeps what
   * was typed. */
  const my = gen;
  refresh = async () => {
    const r = await api('GET', '/api/views/stock' + (sid ? '?site=' + sid : ''));
    const table = document.getElementById('stock');
    if (my !== gen || !table) return;
    table.replaceChildren(...stockRows((r.data || []).filter((x) => x.site === sid)));
  };
};

/* A distribution sheet for the chosen site, for A4 (print from the
 * browser): the households with members here now, with blank columns to
 * fill in by hand and sign. */
pages.sheet = async (main) => {
  const sites = await sitesList();
  const sid = chosenSite(sites);
  const pres = await api('GET', '/api/views/presence' + (sid ? '?site=' + sid : ''));
  const site = sites.find((x) => x.id === sid) || {};
  /* One line per household present: presence rows name each person's
   * household and its head, so no further request is needed. */
  const byHh = new Map();
  for (const p of (pres.data || []).filter((x) => x.site === sid)) {
    const h = p.household || p.person;
    const e = byHh.get(h) || {names: [], head: p.head_name || p.name};
    e.names.push(p.name);
    byHh.set(h, e);
  }
  const list = [...byHh.values()];
  list.sort((a, b) => String(a.head).localeCompare(String(b.head), 'zh'));
  main.replaceChildren(
    el('h1', {}, t('sheet_title'), ' · ', site.name || ''),
    el('p', {class: 'mute'}, new Date().toLocaleDateString(lang === 0 ? 'zh-CN' : 'en'), ' · ', t('sheet_hint')),
    me.site ? null : (() => { const s = siteSelect(sites, sid); s.classList.add('no-print'); s.addEventListener('change', () => { rememberSite(s.value); load(); }); return s; })(),
    el('div', {class: 'scroll'}, el('table', {id: 'sheet'},
      el('tr', {}, ['#', t('head_name'), t('persons'), t('item'), t('qty'), t('signature')].map((h) => el('th', {}, h))),
      list.map((e, i) => el('tr', {}, el('td', {}, i + 1), el('td', {}, e.head), el('td', {}, e.names.length),
        el('td', {}, ''), el('td', {}, ''), el('td', {class: 'sign'}, ''))))),
    el('p', {class: 'no-print'}, el('button', {class: 'primary', text: t('print'), onclick: () => window.print()})));
  refresh = load;
};

/* A household's card, laid out for A4: the household, its members (where
 * each is now), what it received and the warnings delivered, and lines
 * to sign. */
pages.card = async (main, id) => {
  const [h, persons, pres, rec, warned] = await Promise.all([
    api('GET', '/api/households/' + id), api('GET', '/api/persons?household=' + id + '&limit=1000'),
    api('GET', '/api/views/presence?household=' + id), api('GET', '/api/views/received?household=' + id),
    api('GET', '/api/warnings?household=' + id + '&limit=1000')]);
  if (!h.ok) { main.replaceChildren(el('div', {class: 'err'}, msg(h.data.error))); return; }
  const where = {};
  for (const p of pres.data || []) where[p.person] = p.site_name;
  const d = h.data;
  const row = (k, v) => el('tr', {}, el('th', {}, t(k)), el('td', {}, v === null || v === undefined || v === '' ? '—' : String(v)));
  const table = (heads, rows) => el('div', {class: 'scroll'}, el('table', {class: 'card-table'},
    el('tr', {}, heads.map((x) => el('th', {}, x))), rows));
  const members = persons.ok ? persons.data.rows : [];
  main.replaceChildren(el('article', {id: 'card', class: 'a4'},
    el('h1', {}, t('card_title'), ' · ', d.head_name || ''),
    el('p', {class: 'mute'}, me.name, ' · ', new Date().toLocaleString(lang === 0 ? 'zh-CN' : 'en')),
    el('table', {class: 'card-table fields'},
      row('head_name', d.head_name), row('village', d.village), row('grid', d.grid), row('address', d.address),
      row('phone', d.phone), row('cadre', d.cadre), row('status', enumLabel('households', 'status', d.status))),
    el('h2', {text: t('card_members')}),
    table([t('name'), t('sex'), t('birth_year'), t('id_number'), t('card_flags'), t('card_where')],
      members.map((p) => el('tr', {}, el('td', {}, p.name || ''), el('td', {}, enumLabel('persons', 'sex', p.sex) || ''),
        el('td', {}, p.birth_year || ''), el('td', {class: 'idn'}, p.id_number || ''),
        el('td', {}, FLAGS.filter((f) => p[f]).map((f) => t(f)).join('、')), el('td', {}, where[p.id] || t('nowhere'))))),
    (rec.data || []).length ? [el('h2', {text: t('received')}),
      table([t('item'), t('qty')], rec.data.map((g) => el('tr', {}, el('td', {}, g.item_name || ''), el('td', {}, `${g.received} ${g.unit || ''}`))))] : null,
    warned.ok && warned.data.rows.length ? [el('h2', {text: t('card_warned')}),
      el('ul', {}, warned.data.rows.map((w) => el('li', {}, new Date(w.time * 1000).toLocaleString(), ' · ',
        enumLabel('warnings', 'method', w.method), ' · ', w.notice || '')))] : null,
    el('p', {class: 'sign-line'}, t('card_sign')),
    el('p', {class: 'no-print'}, el('button', {class: 'primary', text: t('print'), onclick: () => window.print()}),
      ' ', el('a', {href: '#/household/' + id, class: 'btn'}, t('back')))));
  refresh = load;
};

/* Record that a household was warned: how, and what it was told. */
function warnButton(household) {
  const box = el('div', {});
  const open = el('button', {type: 'button', class: 'warn-open', text: t('warn_record'), onclick: () => {
    const method = enumSelect('warnings', 'method', 'method', false);
    const f = el('form', {class: 'warn-form'}, el('label', {text: t('method')}), method,
      el('label', {text: t('notice')}), el('input', {name: 'notice', value: t('notice_default')}),
      el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('save')})));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const r = await api('POST', '/api/warnings', {household, method: method.value, notice: f.notice.value.trim(), by: me.name});
      if (!r.ok) showErrors(f, r.data.error); else { banner(t('saved')); load(); }
    });
    box.replaceChildren(f);
  }});
  box.append(open);
  return box;
}

pages.village = async (main) => {
  const [r, vs] = await Promise.all([api('GET', '/api/views/unaccounted'), api('GET', '/api/views/villages')]);
  const rows = (r.data.rows || []);
  const tot = r.data.totals || {};
  const villages = vs.ok ? vs.data : [];
  const chosen = localStorage.getItem('hz_village');
  const pick = villages.some((v) => v.village === chosen) ? chosen : (villages[0] ? villages[0].village : null);
  /* Every household of the chosen village: status, cadre, warning, where its members are. */
  const hh = pick !== null ? await api('GET', '/api/views/village?village=' + encodeURIComponent(pick)) : {ok: true, data: []};
  const choose = (v) => { localStorage.setItem('hz_village', v); load(); };
  main.replaceChildren(el('h1', {text: t('village_title')}),
    el('div', {class: 'stat'},
      el('div', {}, el('b', {}, tot.households ?? 0), t('households')),
      el('div', {}, el('b', {}, tot.persons ?? 0), t('persons')),
      el('div', {}, el('b', {}, tot.unaccounted_persons ?? 0), t('unaccounted'))),
    el('h2', {text: t('unaccounted')}),
    rows.length ? el('ul', {class: 'list', id: 'unaccounted'}, rows.map((x) => el('li', {class: x.vulnerable ? 'vuln' : null},
      el('a', {href: x.household ? '#/household/' + x.household : null},
        el('b', {}, x.name || x.head_name || '?'), ' ', el('span', {class: 'mute'}, [x.village, (T.reasons[x.reason] || [x.reason, x.reason])[lang]].filter(Boolean).join(' · ')),
        ' ', flagTags(x)),
      x.household && me.role !== 'viewer' ? warnButton(x.household) : null)))
      : el('div', {class: 'ok'}, t('all_accounted')),
    villages.length ? el('section', {}, el('h2', {text: t('villages')}),
      el('div', {class: 'scroll'}, el('table', {id: 'villages', class: 'card-table'},
        el('tr', {}, [t('village'), t('unaccounted'), t('households'), t('persons'), t('at_site'), t('warned_hh')].map((x) => el('th', {}, x))),
        villages.map((v) => el('tr', {class: v.village === pick ? 'on' : null},
          el('td', {}, el('a', {href: '#/village', onclick: (ev) => { ev.preventDefault(); choose(v.village); }}, v.village ?? '—')),
          el('td', {class: v.unaccounted_persons ? 'bad' : null}, v.unaccounted_persons),
          el('td', {}, v.households), el('td', {}, v.persons), el('td', {}, v.placed), el('td', {}, v.warned)))))) : null,
    pick !== null ? el('section', {}, el('h2', {text: t('households_of') + ' ' + pick}),
      el('ul', {class: 'list', id: 'village-households'}, (hh.data || []).map((x) => el('li', {class: x.reason ? 'vuln' : null},
        el('a', {href: '#/household/' + x.household}, el('b', {}, x.head_name || '?')), ' ',
        el('span', {class: 'mute'}, [enumLabel('households', 'status', x.status) || t('status_unknown'),
          t('cadre') + ': ' + (x.cadre || '—'),
          x.warned_method ? t('warned') + ': ' + enumLabel('warnings', 'method', x.warned_method) + ' ' + new Date(x.warned_time * 1000).toLocaleDateString() : t('not_warned'),
          `${t('at_site')} ${x.placed}/${x.persons}` + (x.sites ? ' (' + x.sites + ')' : '')].join(' · ')))))) : null);
  refresh = load;
};

pages.more = async (main) => {
  const [st, cf, mb] = await Promise.all([api('GET', '/api/status'), api('GET', '/api/conflicts'), api('GET', '/api/members')]);
  const s = st.data || {};
  /* Revoked devices, for every account: their later entries apply nowhere. */
  const revoked = ((mb.ok && mb.data.members) || []).filter((x) => x.revoked_after !== null && x.revoked_after !== undefined);
  const hash = (s.state_hash || '').slice(0, 8);
  const n = (k) => (s.entries && s.entries[k]) ?? 0;
  const conflicts = Array.isArray(cf.data) ? cf.data : [];
  main.replaceChildren(reportNav(null), socialNav(null), careNav(null),
    el('h1', {text: t('network')}),
    el('div', {class: 'card'}, el('div', {class: 'mute'}, t('state_hash')),
      el('div', {class: 'big', id: 'hash8'}, hash.slice(0, 4) + ' ' + hash.slice(4)),
      s.web_fingerprint ? el('div', {class: 'mute', id: 'fingerprint'}, t('fingerprint') + ': ' + s.web_fingerprint) : null),
    el('div', {class: 'stat'},
      el('div', {}, el('b', {}, n('applied') + n('rejected') + n('pending')), t('entries')),
      el('div', {}, el('b', {}, n('pending')), t('pending')),
      el('div', {}, el('b', {}, n('rejected')), t('rejected'))),
    (s.forks || []).length ? el('div', {class: 'alert', id: 'forks'}, t('forks') + ': ' + s.forks.length) : null,
    revoked.length ? el('div', {class: 'alert', id: 'revoked'}, t('revoked_devices') + ': ' + revoked.map((x) => x.name || (x.key || '').slice(0, 8)).join('、')) : null,
    n('denied') ? el('div', {class: 'alert'}, t('denied') + ': ' + n('denied')) : null,
    el('h2', {text: t('peers')}),
    el('ul', {class: 'list', id: 'peers'}, (s.contacts || []).map((c) => el('li', {}, el('b', {}, c.name || (c.key || '').slice(0, 8)), ' ',
      el('span', {class: 'mute'}, [c.address, c.connected ? '● ' + t('connected') : '○',
        c.last_contact_ms ? t('last_contact') + ' ' + new Date(c.last_contact_ms).toLocaleString() : null,
        c.last_sync_ms ? t('last_sync') + ' ' + new Date(c.last_sync_ms).toLocaleString() : null,
        `↑${c.sent || 0} ↓${c.received || 0}`].filter(Boolean).join(' · ')),
      c.last_error ? el('div', {class: 'err'}, c.last_error) : null))),
    me.role === 'admin' || me.role === 'coordinator' ? peerForm() : null,
    el('h2', {text: t('conflicts')}),
    conflicts.length ? el('div', {id: 'conflicts'}, conflicts.map(conflictCard)) : el('p', {class: 'mute'}, t('no_conflicts')),
    me.role === 'admin' ? await adminPart() : null);
  /* A live update redraws the page, except while someone is typing into
   * one of its forms or a join token is shown to be copied or scanned. */
  refresh = () => {
    const typing = [...document.querySelectorAll('#main form input')].some((i) => i.value !== '' || i === document.activeElement);
    if (!typing && !document.querySelector('#token-out *')) load();
  };
};

function peerForm() {
  const f = el('form', {class: 'card', id: 'peer-add'}, el('label', {for: 'f-address', text: t('add_peer')}),
    el('input', {id: 'f-address', name: 'address', placeholder: '192.168.1.20:7420', inputmode: 'url', autocomplete: 'off'}),
    el('p', {}, el('button', {type: 'submit', text: t('save')})));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await api('POST', '/api/peers', {address: f.address.value.trim()});
    if (!r.ok) showErrors(f, r.data.error); else { banner(t('saved')); load(); }
  });
  return f;
}

/* Members, admitting a device (its join token to copy), revoking one. */
async function adminPart() {
  const [m, sites] = await Promise.all([api('GET', '/api/members'), sitesList()]);
  const members = (m.data && m.data.members) || [];
  const form = el('form', {class: 'card', id: 'admit'}, el('h2', {text: t('admit')}),
    field('key', t('device_key'), {autocomplete: 'off', spellcheck: 'false'}),
    field('name', t('name')),
    el('label', {text: t('role')}),
    el('select', {name: 'role'}, ['site', 'coordinator', 'viewer', 'admin'].map((r) => el('option', {value: r}, t('role_' + r)))),
    el('label', {text: t('site')}), siteSelect(sites, null),
    el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('admit')})),
    el('div', {id: 'token-out'}));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {key: form.key.value.trim(), name: form.elements.name.value.trim(), role: form.role.value};
    if (body.role === 'site') body.site = form.site.value;
    const r = await api('POST', '/api/admit', body);
    if (!r.ok) { showErrors(form, r.data.error); return; }
    const box = form.querySelector('#token-out');
    const ta = el('textarea', {id: 'token', readonly: true, rows: 4}, r.data.token);
    /* The QR code when the node has libqrencode: another device's camera reads it. */
    const qr = r.data.qr_svg ? el('img', {id: 'token-qr', class: 'qr', alt: t('token_qr'),
      src: 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(r.data.qr_svg)}) : null;
    box.replaceChildren(el('div', {class: 'ok'}, t('token_hint')), qr, ta,
      el('button', {type: 'button', text: t('copy'), onclick: () => { ta.select(); navigator.clipboard && navigator.clipboard.writeText(ta.value); }}));
  });
  return el('div', {id: 'admin'}, el('h2', {text: t('members')}),
    el('ul', {class: 'list', id: 'member-list'}, members.map((x) => el('li', {},
      el('b', {}, x.name || ''), ' ', el('span', {class: 'mute'}, [t('role_' + x.role), (x.key || '').slice(0, 8), x.revoked_after !== null && x.revoked_after !== undefined ? t('revoked') : ''].filter(Boolean).join(' · ')),
      (x.revoked_after !== null && x.revoked_after !== undefined) || x.key === m.data.this_device ? null : el('button', {class: 'danger', text: t('revoke'), onclick: async () => {
        if (!window.confirm(t('revoke_confirm') + ' ' + (x.name || x.key))) return;
        const r = await api('POST', '/api/revoke', {key: x.key});
        if (!r.ok) banner(msg(r.data.error), true); else { banner(t('saved')); load(); }
      }})))), form);
}

function conflictCard(c) {
  const values = c.heads || [];
  return el('div', {class: 'card conflict'},
    el('div', {}, el('b', {}, `${c.table} · ${c.column}`), ' ', el('span', {class: 'mute'}, c.id)),
    c.kind === 'delete_vs_edit' ? el('div', {class: 'warn'}, t('delete_vs_edit')) : null,
    el('div', {class: 'side'}, values.map((v) => el('div', {class: 'card'},
      el('div', {class: 'big'}, String(v.value ?? '')),
      el('div', {class: 'mute'}, [v.account, v.author_name || (v.author || '').slice(0, 8), v.clock ? new Date(Math.floor(v.clock / 65536)).toLocaleString() : ''].filter(Boolean).join(' · ')),
      me.role === 'viewer' || c.kind !== 'concurrent' ? null : el('button', {class: 'primary', text: t('choose'), onclick: async () => {
        const r = await api('POST', '/api/conflicts/resolve', {table: c.table, row: c.id, column: c.column, value: v.value ?? null});
        if (!r.ok) banner(msg(r.data.error), true); else { banner(t('saved')); load(); }
      }})))));
}

/* ---- reports (proto/reports.md): the disaster report, who is not yet
 * accounted for, likely duplicates. Every figure comes from the API; the
 * files to download are the CLI's own. */

const FIGS = [
  ['affected', '受灾人口', 'affected'], ['dead', '死亡', 'dead'], ['missing', '失踪', 'missing'],
  ['relocated', '紧急转移安置', 'moved to safety'], ['relocated_shelter', '集中安置', 'shelter'],
  ['relocated_relatives', '投亲靠友', 'relatives'], ['relocated_borrowed', '借住', 'borrowed'],
  ['relocated_rented', '租房', 'rented'], ['relocated_tent', '帐篷/简易房', 'tent'],
  ['relocated_other', '安置方式未登记', 'not recorded'], ['needs_aid', '需紧急生活救助', 'needing aid'],
  ['collapsed_hh', '倒塌(户)', 'collapsed (hh)'], ['collapsed_rooms', '倒塌(间)', 'collapsed (rooms)'],
  ['severe_hh', '严重损坏(户)', 'severe (hh)'], ['severe_rooms', '严重损坏(间)', 'severe (rooms)'],
  ['general_hh', '一般损坏(户)', 'general (hh)'], ['general_rooms', '一般损坏(间)', 'general (rooms)'],
  ['crops_mu', '农作物受灾(亩)', 'crops (mu)'], ['loss_yuan', '直接经济损失(元)', 'direct loss (yuan)'],
];
const KINDS = ['initial', 'daily', 'verified'];
/* pick: one figure of one row whose list is shown ({figure, village};
 * village undefined for the township, '' for no village) */
const repOpts = {kind: 'initial', date: '', area: '', explain: false, pick: null};

function figLabel(key) {
  const f = FIGS.find((x) => x[0] === key);
  return f ? f[1 + lang] : key;
}

function figText(key, v) {
  if (v === null || v === undefined) return '';
  return key === 'crops_mu' ? Number(v).toFixed(2) : String(v);
}

function rowVillage(r) {
  if (r.level === 'township') return t('rep_township');
  return r.village === null || r.village === undefined ? t('rep_no_village') : r.village;
}

function reportNav(on) {
  return el('nav', {class: 'subnav row no-print', id: 'report-nav'},
    [['reports', 'nav_reports'], ['completeness', 'nav_completeness'], ['dups', 'nav_dups'], ['import', 'nav_import']].map(([p, k]) =>
      el('a', {href: '#/' + p, class: p === on ? 'btn on' : 'btn'}, t(k))));
}

function reportQuery(withExplain) {
  const q = new URLSearchParams();
  q.set('kind', repOpts.kind);
  if (repOpts.date) q.set('date', repOpts.date);
  if (repOpts.area) q.set('area', repOpts.area);
  if (withExplain && (repOpts.explain || repOpts.pick)) q.set('explain', '1');
  if (withExplain && repOpts.pick) {
    q.set('figure', repOpts.pick.figure);
    if (repOpts.pick.village !== undefined) q.set('village', repOpts.pick.village);
  }
  return q.toString();
}

function download(href, key) {
  return el('a', {class: 'btn', href, download: '', id: 'dl-' + key}, t('dl_' + key));
}

pages.reports = async (main) => {
  const [r, sub] = await Promise.all([api('GET', '/api/reports/disaster?' + reportQuery(true)),
    api('GET', '/api/reports/submitted')]);
  const form = el('form', {class: 'card no-print', id: 'report-form'},
    el('div', {class: 'row'},
      el('div', {}, el('label', {for: 'r-kind', text: t('rep_kind')}),
        el('select', {id: 'r-kind', name: 'kind'}, KINDS.map((k) =>
          el('option', {value: k, selected: k === repOpts.kind}, t('kind_' + k))))),
      el('div', {}, el('label', {for: 'r-date', text: t('rep_date')}),
        el('input', {id: 'r-date', name: 'date', type: 'date', value: repOpts.date || (r.ok ? r.data.date : '')})),
      el('div', {}, el('label', {for: 'r-area', text: t('rep_area')}),
        el('input', {id: 'r-area', name: 'area', value: repOpts.area, autocomplete: 'off'}))),
    el('label', {class: 'check'}, el('input', {type: 'checkbox', id: 'r-explain', name: 'explain', checked: repOpts.explain}), t('rep_explain')));
  form.addEventListener('change', () => {
    repOpts.kind = form.elements.kind.value;
    repOpts.date = form.elements.date.value;
    repOpts.area = form.elements.area.value.trim();
    repOpts.explain = form.elements.explain.checked;
    repOpts.pick = null;
    load();
  });
  form.addEventListener('submit', (ev) => ev.preventDefault());
  if (!r.ok) {
    main.replaceChildren(reportNav('reports'), el('h1', {text: t('rep_title')}), form);
    showErrors(form, r.data.error || {zh: '无法生成报表', en: 'the report could not be made'});
    refresh = null;
    return;
  }
  const rep = r.data;
  const q = reportQuery(false);
  const prev = rep.previous;
  const changes = prev && prev.changes ? prev.changes[prev.changes.length - 1] : null;
  const canSubmit = me.role === 'admin' || me.role === 'coordinator';
  const submitted = sub.ok && Array.isArray(sub.data) ? sub.data : [];
  const submitBtn = canSubmit ? el('button', {type: 'button', class: 'primary', id: 'report-submit', text: t('rep_submit'),
    onclick: async () => {
      if (!confirm(t('rep_submit_confirm') + ' ' + t('kind_' + rep.kind) + ' ' + rep.date)) return;
      const body = {kind: repOpts.kind};
      if (repOpts.date) body.date = repOpts.date;
      if (repOpts.area) body.area = repOpts.area;
      const s = await api('POST', '/api/reports/disaster/submit', body);
      if (!s.ok) { banner(msg(s.data.error), true); return; }
      banner(t('rep_submitted') + ': ' + s.data.submitted);
      load();
    }}) : null;
  main.replaceChildren(reportNav('reports'),
    el('h1', {text: t('rep_title') + '（' + t('kind_' + rep.kind) + '）'}),
    el('p', {class: 'mute', id: 'report-info'}, [rep.area ? t('rep_area') + ': ' + rep.area : null,
      t('rep_date') + ': ' + rep.date, t('rep_made') + ': ' + new Date(rep.made * 1000).toLocaleString()].filter(Boolean).join(' · ')),
    form,
    el('div', {class: 'scroll'}, el('table', {id: 'report-table', class: 'card-table figures'},
      el('tr', {}, el('th', {}, t('village')), FIGS.map((f) => el('th', {}, f[1 + lang]))),
      rep.rows.map((row) => el('tr', {class: row.level === 'township' ? 'total' : null, 'data-level': row.level},
        el('td', {}, rowVillage(row)), FIGS.map((f) => el('td', {'data-fig': f[0]},
          Number(row[f[0]]) > 0 ? el('a', {href: '#/reports', title: t('rep_explain'), onclick: (ev) => {
            ev.preventDefault();
            repOpts.pick = {figure: f[0], village: row.level === 'township' ? undefined : (row.village ?? '')};
            load();
          }}, figText(f[0], row[f[0]])) : figText(f[0], row[f[0]]))))))),
    changes ? el('p', {id: 'report-changes'}, t('rep_since') + ' ' + prev.date + ' ' + t('kind_' + prev.kind) + '：' +
      (FIGS.filter((f) => Number(changes[f[0]]) !== 0).map((f) => figLabel(f[0]) + ' ' +
        (changes[f[0]] > 0 ? '+' : '') + figText(f[0], changes[f[0]])).join('，') || t('rep_no_change'))) : null,
    rep.explain ? el('section', {id: 'report-explain'}, el('h2', {text: repOpts.pick
      ? figLabel(repOpts.pick.figure) + ' · ' + (repOpts.pick.village === undefined ? t('rep_township')
        : repOpts.pick.village || t('rep_no_village')) : t('rep_explain')}),
      repOpts.pick ? el('button', {type: 'button', id: 'report-explain-close', text: t('rep_explain_close'),
        onclick: () => { repOpts.pick = null; load(); }}) : null,
      rep.explain_total > rep.explain.length ? el('p', {class: 'mute', id: 'report-explain-cut'},
        tn('rep_explain_cut', rep.explain_total).replace('{m}', rep.explain.length)) : null,
      el('div', {class: 'scroll'}, el('table', {class: 'card-table'},
        el('tr', {}, [t('rep_figure'), t('village'), t('head_name'), t('name'), t('rep_facility'), t('rep_value')].map((x) => el('th', {}, x))),
        rep.explain.map((x) => el('tr', {},
          el('td', {}, figLabel(x.figure)), el('td', {}, x.village ?? t('rep_no_village')),
          el('td', {}, x.household ? el('a', {href: '#/household/' + x.household}, x.head_name || '?') : ''),
          el('td', {}, x.name || ''), el('td', {}, x.facility || ''),
          el('td', {}, x.value === null || x.value === undefined ? '' : String(x.value))))))) : null,
    (rep.facilities || []).length ? el('section', {}, el('h2', {text: t('rep_facilities')}),
      el('ul', {class: 'list', id: 'report-facilities'}, rep.facilities.map((x) => el('li', {},
        el('b', {}, x.facility), ' ', el('span', {class: 'mute'}, [x.village, x.house ? enumLabel('damage', 'house', x.house) : null,
          figLabel('crops_mu') + ' ' + figText('crops_mu', x.crops_mu), figLabel('loss_yuan') + ' ' + x.loss_yuan].filter(Boolean).join(' · ')))))) : null,
    me.role !== 'viewer' ? facilityForm() : null,
    el('h2', {text: t('rep_files')}),
    el('div', {class: 'row no-print', id: 'report-downloads'},
      download('/api/reports/disaster/xlsx?' + reportQuery(true), 'xlsx'),
      download('/api/reports/disaster/csv?' + q, 'csv'),
      download('/api/reports/hxl/csv', 'hxl'),
      download('/api/reports/hxl/csv?by=site', 'hxl_site'),
      download('/api/reports/pfif/xml', 'pfif'),
      download('/api/reports/relief/xlsx', 'relief_xlsx'),
      download('/api/reports/relief/csv', 'relief_csv')),
    submitBtn ? el('div', {class: 'card no-print'}, el('p', {class: 'mute'}, t('rep_submit_hint')), submitBtn) : null,
    el('h2', {text: t('rep_submitted_list')}),
    submitted.length ? el('div', {class: 'scroll'}, el('table', {id: 'report-submitted', class: 'card-table'},
      el('tr', {}, [t('rep_date'), t('rep_kind'), t('rep_when'), t('rep_area'), t('rep_by')].map((x) => el('th', {}, x))),
      submitted.map((s) => el('tr', {},
        el('td', {}, s.date), el('td', {}, t('kind_' + s.kind)), el('td', {}, new Date(s.time * 1000).toLocaleString()),
        el('td', {}, s.area || ''), el('td', {}, [s.account, s.author_name || (s.author || '').slice(0, 8)].filter(Boolean).join(' · '))))))
      : el('p', {class: 'mute', id: 'report-submitted'}, t('rep_none_submitted')));
  refresh = () => { if (!form.contains(document.activeElement)) load(); };
};

const LINE_KINDS = {
  missing: ['失踪', 'missing'], whereabouts: ['下落不明', 'whereabouts unknown'],
  unreachable: ['未联系上', 'unreachable'], not_contacted: ['从未联系', 'never contacted'],
};
let completenessVillage = '';

pages.completeness = async (main) => {
  const all = await api('GET', '/api/reports/completeness');
  const r = completenessVillage
    ? await api('GET', '/api/reports/completeness?village=' + encodeURIComponent(completenessVillage)) : all;
  if (!r.ok) { main.replaceChildren(reportNav('completeness'), el('div', {class: 'err'}, msg(r.data.error))); return; }
  const tot = r.data.totals || {};
  const names = (all.data.villages || []).map((v) => v.village).filter((v) => v !== null);
  const pick = el('select', {id: 'c-village', name: 'village', 'aria-label': t('village')},
    el('option', {value: ''}, t('c_all')), names.map((v) => el('option', {value: v, selected: v === completenessVillage}, v)));
  pick.addEventListener('change', () => { completenessVillage = pick.value; load(); });
  const line = (l) => el('li', {class: l.vulnerable ? 'vuln' : null},
    el('a', {href: l.household ? '#/household/' + l.household : null}, el('b', {}, l.name || l.head_name || '?')), ' ',
    el('span', {class: 'tag' + (l.kind === 'missing' ? ' red' : '')},
      l.kind === 'unreachable' && l.warned ? t('c_warned_not_found') : (LINE_KINDS[l.kind] || [l.kind, l.kind])[lang]),
    l.vulnerable ? el('span', {class: 'tag red'}, t('vulnerable')) : null, ' ',
    el('span', {class: 'mute'}, [l.name ? t('head_name') + ': ' + (l.head_name || '—') : null,
      t('cadre') + ': ' + (l.cadre || '—'), l.phone ? t('phone') + ': ' + l.phone : null].filter(Boolean).join(' · ')));
  main.replaceChildren(reportNav('completeness'),
    el('h1', {text: t('c_title')}),
    el('div', {class: 'stat', id: 'c-totals'},
      el('div', {}, el('b', {}, tot.not_contacted ?? 0), t('c_not_contacted')),
      el('div', {}, el('b', {}, tot.unreachable ?? 0), t('c_unreachable')),
      el('div', {}, el('b', {}, tot.whereabouts_unknown ?? 0), t('c_whereabouts')),
      el('div', {}, el('b', {}, tot.vulnerable_not_safe ?? 0), t('c_vulnerable')),
      el('div', {}, el('b', {}, tot.missing ?? 0), t('c_missing'))),
    el('div', {class: 'row no-print'}, pick,
      el('a', {class: 'btn', id: 'dl-completeness', download: '',
        href: '/api/reports/completeness/csv' + (completenessVillage ? '?village=' + encodeURIComponent(completenessVillage) : '')}, t('dl_csv'))),
    (r.data.villages || []).length ? el('div', {id: 'completeness'}, r.data.villages.map((v) => el('section', {class: 'card'},
      el('h2', {}, v.village ?? t('rep_no_village')),
      el('p', {class: 'mute'}, [t('c_not_contacted') + ' ' + v.counts.not_contacted, t('c_unreachable') + ' ' + v.counts.unreachable,
        t('c_whereabouts') + ' ' + v.counts.whereabouts_unknown, t('c_missing') + ' ' + v.counts.missing].join(' · ')),
      el('ul', {class: 'list'}, v.lines.map(line)))))
      : el('div', {class: 'ok', id: 'completeness'}, t('all_accounted')));
  refresh = load;
};

const DUP_WHY = {
  id_number: ['身份证号相同', 'same ID number'], name_birth_village: ['姓名、出生年份、村相同', 'same name, birth year and village'],
  name_variant: ['姓名相近（繁简、同音）', 'similar names'], phone: ['电话相同', 'same phone'],
  household_number: ['户编号相同', 'same household number'],
};

pages.dups = async (main) => {
  const canMerge = me.role === 'admin' || me.role === 'coordinator';
  const [r, mp, mh] = await Promise.all([api('GET', '/api/dups'),
    canMerge ? api('GET', '/api/persons?limit=1000') : null, canMerge ? api('GET', '/api/households?limit=1000') : null]);
  if (!r.ok) { main.replaceChildren(reportNav('dups'), el('div', {class: 'err'}, msg(r.data.error))); return; }
  const act = async (path, body) => {
    const s = await api('POST', path, body);
    if (!s.ok) { banner(msg(s.data.error), true); return false; }
    return true;
  };
  const mergeInto = async (table, keep, rows) => {
    for (const x of rows) if (x.id !== keep && !(await act('/api/merge', {table, keep, dup: x.id}))) break;
    banner(t('merged'));
    load();
  };
  const label = (table, x) => table === 'persons'
    ? [x.name, x.birth_year, x.village].filter((v) => v !== null && v !== undefined).join(' · ')
    : [x.head_name, x.village].filter((v) => v !== null && v !== undefined).join(' · ');
  const merged = [];
  for (const [table, res] of [['persons', mp], ['households', mh]]) {
    for (const x of (res && res.ok ? res.data.rows : [])) if (x.merged_into) merged.push([table, x]);
  }
  main.replaceChildren(reportNav('dups'),
    el('h1', {text: t('dups_title')}),
    el('p', {class: 'mute'}, t('dups_hint')),
    r.data.groups.length ? el('div', {id: 'dups'}, r.data.groups.map((g) => {
      const rows = g[g.kind] || [];
      return el('section', {class: 'card dup-group'},
        el('div', {}, el('b', {}, (DUP_WHY[g.why] || [g.why, g.why])[lang]), ' ', el('span', {class: 'mute'}, t('dups_score') + ' ' + g.score),
          ' ', el('span', {class: 'tag'}, t(g.kind))),
        el('ul', {class: 'list'}, rows.map((x) => el('li', {},
          el('a', {href: g.kind === 'households' ? '#/household/' + x.id : (x.household ? '#/household/' + x.household : null)}, label(g.kind, x)), ' ',
          el('span', {class: 'mute'}, x.id.slice(0, 8)),
          canMerge ? el('button', {type: 'button', class: 'merge-keep', text: t('merge_keep'),
            onclick: () => { if (confirm(t('merge_confirm') + ' ' + label(g.kind, x))) mergeInto(g.kind, x.id, rows); }}) : null))));
    })) : el('p', {class: 'ok', id: 'dups'}, t('dups_none')),
    canMerge && merged.length ? el('section', {}, el('h2', {text: t('merged_list')}),
      el('ul', {class: 'list', id: 'merged'}, merged.map(([table, x]) => el('li', {},
        el('b', {}, label(table, x) || x.id.slice(0, 8)), ' ', el('span', {class: 'mute'}, '→ ' + x.merged_into.slice(0, 8)), ' ',
        el('button', {type: 'button', class: 'unmerge', text: t('unmerge'),
          onclick: async () => { if (await act('/api/unmerge', {table, dup: x.id})) { banner(t('unmerged')); load(); } }}))))) : null);
  refresh = load;
};

/* The roster import: the file sent as itself, checked first (a dry
 * run), then imported; what the import says shown row by row. */
function tn(key, n) {
  return t(key).replace('{n}', n);
}

function importResult(j, dry) {
  const hh = j.households, ps = j.persons;
  const add = dry ? t('imp_would_add') : t('imp_added');
  const why = (v) => (DUP_WHY[v] || [v, v])[lang];
  return el('div', {id: 'import-result'},
    el('p', {class: 'mute'}, [j.file, j.kind === 'xlsx' ? j.sheet : j.encoding.toUpperCase(),
      t('imp_layout') + ' ' + tn('imp_row_n', j.header_row), t('layout_' + j.layout)].join(' · ')),
    hh ? el('table', {class: 'report', id: 'import-counts'},
      el('tr', {}, el('th', {}, ''), el('th', {}, add), el('th', {}, t('imp_matched')), el('th', {}, t('imp_seen')),
        el('th', {}, t('imp_in_file')), el('th', {}, t('imp_elsewhere'))),
      el('tr', {}, el('th', {}, t('households')), el('td', {class: 'hh-new'}, String(hh.new)), el('td', {}, String(hh.matched)),
        el('td', {}, String(hh.seen)), el('td', {}, ''), el('td', {}, '')),
      el('tr', {}, el('th', {}, t('persons')), el('td', {class: 'ps-new'}, String(ps.new)),
        el('td', {}, t('imp_present') + ' ' + ps.present), el('td', {}, ''),
        el('td', {}, String(ps.duplicate)), el('td', {}, String(ps.elsewhere)))) : null,
    j.unrecognized.length ? el('p', {}, t('imp_unrecognized') + ': ' + j.unrecognized.join('、')) : null,
    j.refused.length ? el('section', {}, el('h2', {text: t('imp_refused') + ' (' + j.refused.length + ')'}),
      el('table', {class: 'report', id: 'import-refused'},
        el('tr', {}, el('th', {}, t('imp_row')), el('th', {}, t('imp_column')), el('th', {}, t('imp_reason'))),
        j.refused.map((r) => el('tr', {}, el('td', {}, String(r.row)), el('td', {}, r.column),
          el('td', {}, lang === 0 ? r.why_zh : r.why))))) : null,
    (j.duplicates || []).length ? el('section', {}, el('h2', {text: t('imp_dups') + ' (' + j.duplicates.length + ')'}),
      el('ul', {class: 'list', id: 'import-dups'}, j.duplicates.map((d) => el('li', {},
        el('b', {}, tn('imp_row_n', d.row)), ' ',
        d.kind === 'in_file' ? tn('imp_dup_in_file', d.with_row)
          : d.kind === 'registered' ? t('imp_dup_registered') : t('imp_dup_likely'),
        ' (' + why(d.why) + ')', d.with ? el('span', {class: 'mute'}, ' ' + d.with.slice(0, 8)) : null)))) : null);
}

pages.import = async (main) => {
  if (me.role !== 'admin' && me.role !== 'coordinator') {
    main.replaceChildren(reportNav('import'), el('h1', {text: t('imp_title')}), el('p', {class: 'err'}, t('imp_not_allowed')));
    return;
  }
  const file = el('input', {type: 'file', id: 'imp-file', accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'});
  const village = el('input', {id: 'imp-village', autocomplete: 'off'});
  const enc = el('select', {id: 'imp-encoding'}, el('option', {value: ''}, t('imp_auto')),
    el('option', {value: 'utf-8'}, 'UTF-8'), el('option', {value: 'gb18030'}, 'GB18030'));
  const sheet = el('input', {id: 'imp-sheet', autocomplete: 'off'});
  const mapping = el('textarea', {id: 'imp-mapping', rows: 3, placeholder: '户主 = head_name'});
  const out = el('div', {id: 'import-out'});
  const send = async (dry) => {
    const f = file.files[0];
    if (!f) { banner(t('imp_choose'), true); return; }
    if (!dry && !confirm(t('imp_run_confirm') + ' ' + f.name)) return;
    const q = new URLSearchParams({name: f.name});
    if (dry) q.set('dry_run', '1');
    if (village.value.trim()) q.set('village', village.value.trim());
    if (enc.value) q.set('encoding', enc.value);
    if (sheet.value.trim()) q.set('sheet', sheet.value.trim());
    if (mapping.value.trim()) q.set('mapping', mapping.value);
    for (const b of main_buttons) b.disabled = true;
    const r = await api('POST', '/api/import/roster?' + q.toString(), f);
    for (const b of main_buttons) b.disabled = false;
    if (r.ok) {
      banner(dry ? t('imp_dry') : t('imp_done'));
      out.replaceChildren(el('p', {class: dry ? 'mute' : 'ok', id: 'import-status'}, dry ? t('imp_dry') : t('imp_done')), importResult(r.data, dry));
    } else {
      banner(msg(r.data.error), true);
      out.replaceChildren(el('p', {class: 'err', id: 'import-status'}, msg(r.data.error)),
        !dry && r.data.result ? el('p', {}, t('imp_partial')) : null,
        r.data.result ? importResult(r.data.result, dry) : null);
    }
  };
  const check = el('button', {type: 'button', id: 'imp-check', text: t('imp_check'), onclick: () => send(true)});
  const run = el('button', {type: 'button', id: 'imp-run', class: 'primary', text: t('imp_run'), onclick: () => send(false)});
  const main_buttons = [check, run];
  main.replaceChildren(reportNav('import'),
    el('h1', {text: t('imp_title')}),
    el('p', {class: 'mute'}, t('imp_hint')),
    el('form', {class: 'card', onsubmit: (ev) => ev.preventDefault()},
      el('label', {}, t('imp_file'), file),
      el('label', {}, t('imp_village'), village),
      el('label', {}, t('imp_encoding'), enc),
      el('label', {}, t('imp_sheet'), sheet),
      el('details', {}, el('summary', {}, t('imp_mapping')), mapping),
      el('p', {class: 'row'}, check, ' ', run)),
    out);
};

/* ---- warning campaigns (预警信息到户到人; proto/api.md:
 * /api/reports/campaigns, /api/reports/campaign) */

function careNav(on) {
  return el('nav', {class: 'subnav row no-print', id: 'care-nav'},
    [['alerts', 'nav_alerts'], ['patrols', 'nav_patrols'], ['hazards', 'nav_hazards'], ['duty', 'nav_duty'],
      ['care', 'nav_care'], ['health', 'nav_health'], ['recovery', 'nav_recovery']].map(([p, k]) =>
      el('a', {href: '#/' + p, class: p === on ? 'btn on' : 'btn'}, t(k))));
}

function progressText(tot) {
  return t('al_progress').replace('{r}', tot.reached).replace('{n}', tot.households);
}

pages.alerts = async (main) => {
  const r = await api('GET', '/api/reports/campaigns');
  const rows = r.ok ? r.data : [];
  let add = null;
  if (canWriteSocial()) {
    add = el('form', {class: 'card no-print', id: 'alert-add'}, el('h2', {text: t('al_add')}),
      field('event', colLabel('warning_notices', 'event'), {required: true}),
      field('headline', colLabel('warning_notices', 'headline')),
      field('instruction', colLabel('warning_notices', 'instruction')),
      field('villages', t('al_villages')), field('grids', t('al_grids')),
      el('label', {text: colLabel('warning_notices', 'severity')}), enumSelect('warning_notices', 'severity', 'severity', true),
      el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('save')})));
    add.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = formObject(add);
      for (const k of ['villages', 'grids']) {
        if (body[k]) body[k] = body[k].split(/[,，、]/).map((x) => x.trim()).filter(Boolean).join(',');
      }
      if (!body.villages && !body.grids) { banner(t('al_need_area'), true); return; }
      body.sent = Math.floor(Date.now() / 1000);
      const x = await api('POST', '/api/warning_notices', body);
      if (!x.ok) { showErrors(add, x.data.error); return; }
      location.hash = '#/alert/' + x.data.id;
    });
  }
  /* A CAP 1.2 alert from the weather service, as a file: the notice
   * `huzhu alert import` makes of it (POST /api/import/cap). */
  let cap = null;
  if (canWriteSocial()) {
    const file = el('input', {type: 'file', name: 'file', accept: '.xml,application/xml,text/xml', 'aria-label': t('al_cap_file')});
    const villages = el('input', {name: 'villages', placeholder: t('al_villages'), 'aria-label': t('al_villages')});
    cap = el('form', {class: 'card no-print', id: 'cap-import'}, el('h2', {text: t('al_cap')}),
      el('p', {class: 'mute'}, t('al_cap_hint')), file, villages,
      el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('al_cap_run')})));
    cap.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = file.files[0];
      if (!f) { showErrors(cap, {field: 'file', zh: T.al_cap_choose[0], en: T.al_cap_choose[1]}); return; }
      const v = villages.value.split(/[,，、]/).map((x) => x.trim()).filter(Boolean).join(',');
      const x = await api('POST', '/api/import/cap' + (v ? '?villages=' + encodeURIComponent(v) : ''), f);
      if (!x.ok) { showErrors(cap, x.data.error); return; }
      banner(x.data.seen ? t('al_cap_seen') : t('saved'));
      location.hash = '#/alert/' + x.data.id;
    });
  }
  main.replaceChildren(careNav('alerts'), el('h1', {text: t('al_title')}),
    rows.length ? el('ul', {class: 'list', id: 'alerts'}, rows.map((w) => el('li', {},
      el('a', {href: '#/alert/' + w.id}, el('b', {}, w.headline || w.event || '-'), ' ',
        w.severity ? el('span', {class: 'tag red'}, enumLabel('warning_notices', 'severity', w.severity)) : null,
        el('div', {class: 'mute'}, [w.event, when(w.sent), progressText(w.totals)].filter(Boolean).join(' · ')))))) :
      el('p', {class: 'mute'}, t('al_none')), add, cap);
  refresh = load;
};

/* One campaign: #/alert/ID[/OFFSET[/VILLAGE[/CADRE]]]: its sums, and its
 * households (of one village or cadre when picked) AL_PAGE at a time, the
 * unreached vulnerable first (100,000 in a township). */
const AL_PAGE = 100;
pages.alert = async (main, id) => {
  const parts = location.hash.split('/');
  const off = Math.max(0, parseInt(parts[3] || '', 10) || 0);
  const fv = decodeURIComponent(parts[4] || ''), fc = decodeURIComponent(parts[5] || '');
  const at = (o, v, c) => '#/alert/' + id + '/' + o + '/' + encodeURIComponent(v) + '/' + encodeURIComponent(c);
  const r = await api('GET', '/api/reports/campaign?id=' + encodeURIComponent(id || '') + '&limit=' + AL_PAGE +
    '&offset=' + off + '&village=' + encodeURIComponent(fv) + '&cadre=' + encodeURIComponent(fc));
  if (!r.ok) { main.replaceChildren(careNav('alerts'), el('p', {class: 'alert'}, msg(r.data.error))); return; }
  const rep = r.data;
  const w = rep.notice;
  const canWrite = me.role !== 'viewer';
  const unreached = rep.households.filter((h) => !h.reached);
  const reached = rep.households.filter((h) => h.reached);
  const picked = (fc && rep.by_cadre.find((g) => g.cadre === fc)) || (fv && rep.by_village.find((g) => g.village === fv)) ||
    rep.totals;
  const deliver = async (h, method, ok) => {
    const x = await api('POST', '/api/warnings', {campaign: w.id, household: h.household, method,
      notice: w.headline || w.event || '预警', reached: ok, by: me.name, time: Math.floor(Date.now() / 1000)});
    if (!x.ok) banner(msg(x.data.error), true); else { banner(t('saved')); load(); }
  };
  const groups = (rows, key) => el('ul', {class: 'list', id: 'by-' + key}, rows.map((g) => el('li', {},
    g[key] ? el('a', {href: key === 'village' ? at(0, g[key], '') : at(0, '', g[key])}, el('b', {}, g[key])) :
      el('b', {}, '-'), ' ',
    g.unreached_vulnerable ? el('span', {class: 'tag red'}, tf('al_vulnerable_hh', g.unreached_vulnerable)) : null,
    el('div', {class: 'mute'}, [t('al_households') + ' ' + g.households, colLabel('warnings', 'reached') + ' ' + g.reached,
      t('al_not_yet') + ' ' + g.unreached].join(' · ')))));
  main.replaceChildren(careNav('alerts'),
    el('h1', {text: w.headline || w.event || '-'}),
    el('div', {class: 'card'},
      el('div', {}, [w.event, enumLabel('warning_notices', 'severity', w.severity), enumLabel('warning_notices', 'urgency', w.urgency)].filter(Boolean).join(' · ')),
      w.instruction ? el('div', {}, colLabel('warning_notices', 'instruction') + ': ' + w.instruction) : null,
      el('p', {id: 'alert-progress'}, el('b', {}, progressText(rep.totals))),
      el('a', {href: '/api/reports/campaign/csv?id=' + w.id, class: 'btn no-print'}, t('al_csv'))),
    el('h2', {text: t('al_village')}), groups(rep.by_village, 'village'),
    el('h2', {text: t('al_cadre')}), groups(rep.by_cadre, 'cadre'),
    fv || fc ? el('p', {class: 'row no-print', id: 'alert-filter'}, el('b', {}, [fv, fc].filter(Boolean).join(' · ')),
      el('a', {class: 'btn', href: at(0, '', ''), id: 'alert-all'}, t('al_all'))) : null,
    el('h2', {text: t('al_unreached').replace('{n}', picked.unreached)}),
    rep.households_count > rep.households.length ? el('p', {class: 'row no-print', id: 'alert-page'},
      t('al_page').replace('{a}', rep.households.length ? off + 1 : 0).replace('{b}', off + rep.households.length)
        .replace('{n}', rep.households_count),
      off > 0 ? el('a', {class: 'btn', href: at(Math.max(0, off - AL_PAGE), fv, fc), id: 'alert-prev'}, t('dc_prev')) : null,
      off + rep.households.length < rep.households_count ? el('a', {class: 'btn', href: at(off + AL_PAGE, fv, fc),
        id: 'alert-next'}, t('dc_next')) : null) : null,
    unreached.length || picked.unreached ? el('ul', {class: 'list', id: 'unreached'}, unreached.map((h) => el('li', {'data-household': h.household},
      el('b', {}, h.head_name || '-'), ' ', h.vulnerable ? el('span', {class: 'tag red'}, tf('al_vulnerable', h.vulnerable)) : null,
      el('div', {class: 'mute'}, [h.village, h.grid, h.cadre, h.phone, h.tries ? tf('al_tries', h.tries) : null].filter(Boolean).join(' · ')),
      canWrite ? el('p', {class: 'row no-print'}, ['phone', 'door', 'loudspeaker', 'message'].map((m) =>
        el('button', {type: 'button', class: 'deliver', 'data-method': m, text: enumLabel('warnings', 'method', m), onclick: () => deliver(h, m, true)})),
        el('button', {type: 'button', class: 'failed', text: t('al_failed'), onclick: () => deliver(h, 'phone', false)})) : null))) :
      el('p', {class: 'mute', id: 'all-reached'}, t('al_all_reached')),
    el('details', {}, el('summary', {}, t('al_reached').replace('{n}', picked.reached)),
      el('ul', {class: 'list', id: 'reached'}, reached.map((h) => el('li', {'data-household': h.household},
        el('b', {}, h.head_name || '-'), ' ',
        el('span', {class: 'mute'}, [h.village, enumLabel('warnings', 'method', h.method), h.by, when(h.time)].filter(Boolean).join(' · ')))))));
  refresh = load;
};

/* ---- patrols, hazards and duty (巡查, 险情上报, 值班值守; proto/api.md:
 * /api/reports/patrol_points, /api/reports/hazards, /api/reports/duty;
 * writes through the table routes, which the node checks) */

const nowSec = () => Math.floor(Date.now() / 1000);

/* The open hazards at the top of every page, the gravest first. */
async function hazardsTop() {
  const box = document.getElementById('hazards-top');
  if (!box || !me) return;
  const r = await api('GET', '/api/reports/hazards');
  const open = r.ok ? r.data.hazards.filter((h) => h.open) : [];
  box.hidden = open.length === 0;
  box.replaceChildren(...(open.length ? [el('a', {href: '#/hazards', class: 'alert', id: 'open-hazards'},
    el('b', {}, tf('hz_open_n', open.length)), ' ',
    open.slice(0, 3).map((h) => [enumLabel('hazards', 'severity', h.severity), enumLabel('hazards', 'kind', h.kind),
      h.village || h.point_name || h.location].filter(Boolean).join(' ')).join('；'))] : []));
}

pages.patrols = async (main) => {
  const r = await api('GET', '/api/reports/patrol_points');
  if (!r.ok) { main.replaceChildren(careNav('patrols'), el('p', {class: 'alert'}, msg(r.data.error))); return; }
  const canWrite = me.role !== 'viewer';
  const round = async (p, form) => {
    const body = Object.assign({point: p.point, by: me.name, time: nowSec()}, formObject(form));
    const x = await api('POST', '/api/patrols', body);
    if (!x.ok) showErrors(form, x.data.error); else { banner(t('saved')); load(); }
  };
  const item = (p) => {
    const form = canWrite ? el('form', {class: 'row no-print round'},
      el('input', {name: 'seen', placeholder: colLabel('patrols', 'seen'), 'aria-label': colLabel('patrols', 'seen')}),
      enumSelect('patrols', 'finding', 'finding', false),
      el('button', {type: 'submit', class: 'primary', text: t('pt_round')})) : null;
    if (form) form.addEventListener('submit', (ev) => { ev.preventDefault(); round(p, form); });
    return el('li', {'data-point': p.point, class: p.overdue ? 'vuln' : null},
      el('b', {}, p.name || '-'), ' ',
      p.overdue ? el('span', {class: 'tag red'}, t('pt_overdue')) : null, ' ',
      p.open_hazards ? el('span', {class: 'tag red'}, tf('hz_open_n', p.open_hazards)) : null,
      el('div', {class: 'mute'}, [enumLabel('patrol_points', 'kind', p.kind), p.village, p.cadre,
        p.interval_h ? tf('pt_every', p.interval_h) : null,
        p.last ? t('pt_last') + ' ' + when(p.last) + (p.last_finding ? ' ' + enumLabel('patrols', 'finding', p.last_finding) : '') : t('pt_never'),
        p.due ? t('pt_due') + ' ' + when(p.due) : null].filter(Boolean).join(' · ')),
      form);
  };
  let add = null;
  if (canWriteSocial()) {
    add = el('form', {class: 'card no-print', id: 'point-add'}, el('h2', {text: t('pt_add')}),
      field('name', colLabel('patrol_points', 'name'), {required: true}),
      el('label', {text: colLabel('patrol_points', 'kind')}), enumSelect('patrol_points', 'kind', 'kind', true),
      field('village', colLabel('patrol_points', 'village')), field('cadre', colLabel('patrol_points', 'cadre')),
      field('interval_h', colLabel('patrol_points', 'interval_h'), {type: 'number', min: 1, max: 8760}),
      el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('save')})));
    add.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const x = await api('POST', '/api/patrol_points', formObject(add, ['interval_h']));
      if (!x.ok) showErrors(add, x.data.error); else { banner(t('saved')); load(); }
    });
  }
  const pts = r.data.points;
  main.replaceChildren(careNav('patrols'), el('h1', {text: t('pt_title')}),
    el('p', {id: 'overdue-count'}, el('b', {}, tf('pt_overdue_n', r.data.overdue))),
    pts.length ? el('ul', {class: 'list', id: 'points'}, pts.map(item)) : el('p', {class: 'mute'}, t('pt_none')), add);
  refresh = () => { if (!document.querySelector('#main form input:focus')) load(); };
};

pages.hazards = async (main) => {
  const r = await api('GET', '/api/reports/hazards');
  if (!r.ok) { main.replaceChildren(careNav('hazards'), el('p', {class: 'alert'}, msg(r.data.error))); return; }
  const canWrite = me.role !== 'viewer';
  let report = null;
  if (canWrite) {
    report = el('form', {class: 'card no-print', id: 'hazard-report'}, el('h2', {text: t('hz_report')}),
      el('label', {text: colLabel('hazards', 'kind')}), enumSelect('hazards', 'kind', 'kind', false),
      el('label', {text: colLabel('hazards', 'severity')}), enumSelect('hazards', 'severity', 'severity', false),
      field('village', colLabel('hazards', 'village')), field('location', colLabel('hazards', 'location')),
      field('at_risk', colLabel('hazards', 'at_risk'), {type: 'number', min: 0}),
      field('photo', colLabel('hazards', 'photo')), field('note', colLabel('hazards', 'note')),
      el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('save')})));
    report.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = formObject(report, ['at_risk']);
      if (!body.village && !body.location) { banner(t('hz_need_place'), true); return; }
      const x = await api('POST', '/api/hazards', Object.assign(body, {by: me.name, time: nowSec()}));
      if (!x.ok) showErrors(report, x.data.error); else { banner(t('saved')); load(); hazardsTop(); }
    });
  }
  const item = (h) => {
    const form = canWrite && h.open ? el('form', {class: 'row no-print respond'},
      el('input', {name: 'action', required: true, placeholder: colLabel('hazard_responses', 'action'), 'aria-label': colLabel('hazard_responses', 'action')}),
      el('button', {type: 'submit', class: 'primary', text: t('hz_respond')})) : null;
    if (form) {
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const x = await api('POST', '/api/hazard_responses', Object.assign(formObject(form), {hazard: h.hazard, by: me.name, time: nowSec()}));
        if (!x.ok) showErrors(form, x.data.error); else { banner(t('saved')); load(); hazardsTop(); }
      });
    }
    return el('li', {'data-hazard': h.hazard, class: h.open ? 'vuln' : null},
      el('span', {class: h.open ? 'tag red' : 'tag'}, enumLabel('hazards', 'severity', h.severity)), ' ',
      el('b', {}, enumLabel('hazards', 'kind', h.kind)), ' ', h.open ? null : el('span', {class: 'tag'}, t('hz_done')),
      el('div', {class: 'mute'}, [h.village, h.point_name, h.location, h.at_risk ? tf('hz_at_risk', h.at_risk) : null,
        when(h.time), h.by, h.photo].filter(Boolean).join(' · ')),
      h.note ? el('div', {}, h.note) : null,
      h.last_action ? el('div', {class: 'mute'}, colLabel('hazard_responses', 'action') + ': ' + h.last_action) : null,
      form);
  };
  const rows = r.data.hazards;
  main.replaceChildren(careNav('hazards'), el('h1', {text: t('hz_title')}),
    el('p', {id: 'open-count'}, el('b', {}, r.data.open ? tf('hz_open_n', r.data.open) : t('hz_none'))),
    rows.length ? el('ul', {class: 'list', id: 'hazards'}, rows.map(item)) : null, report);
  refresh = () => { if (!document.querySelector('#main form input:focus')) load(); };
};

/* A shift's or a handover's place: a site, or else a village. */
function placeFields(sites, pfx) {
  const pick = el('select', {name: 'site', id: pfx + '-site'}, el('option', {value: ''}, ''),
    sites.map((x) => el('option', {value: x.id}, x.name || x.id)));
  return [el('label', {for: pfx + '-site', text: colLabel('shifts', 'site')}), pick,
    el('label', {for: pfx + '-village', text: colLabel('shifts', 'village')}), el('input', {id: pfx + '-village', name: 'village'})];
}

/* Coordinators add a shift (the node refuses one that does not end after
 * it starts); anyone who writes records a handover. */
function dutyForms(sites) {
  const out = [];
  const send = async (f, table, body) => {
    if (!body.site && !body.village) { banner(t('du_need_place'), true); return; }
    const x = await api('POST', '/api/' + table, body);
    if (!x.ok) { showErrors(f, x.data.error); return; }
    banner(t('saved'));
    load();
  };
  if (canWriteSocial()) {
    const f = el('form', {class: 'card no-print', id: 'shift-add'}, el('h2', {text: t('du_add')}),
      field('who', colLabel('shifts', 'who'), {required: true}), field('phone', colLabel('shifts', 'phone'), {type: 'tel'}),
      field('role', colLabel('shifts', 'role')), placeFields(sites, 'sh'),
      field('starts', colLabel('shifts', 'starts'), {type: 'datetime-local', required: true, value: nowLocal()}),
      field('ends', colLabel('shifts', 'ends'), {type: 'datetime-local', required: true}),
      el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('save')})));
    f.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const body = formObject(f);
      body.starts = secondsOf(f.elements.starts.value);
      body.ends = secondsOf(f.elements.ends.value);
      if (body.ends === null || body.starts === null || body.ends <= body.starts) {
        showErrors(f, {field: 'ends', zh: T.du_ends_first[0], en: T.du_ends_first[1]});
        return;
      }
      send(f, 'shifts', body);
    });
    out.push(f);
  }
  if (me.role !== 'viewer') {
    const f = el('form', {class: 'card no-print', id: 'handover-add'}, el('h2', {text: t('du_handover')}),
      placeFields(sites, 'ho'), field('to', colLabel('handovers', 'to')),
      field('note', colLabel('handovers', 'note'), {required: true}),
      el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('save')})));
    f.addEventListener('submit', (ev) => {
      ev.preventDefault();
      send(f, 'handovers', Object.assign(formObject(f), {by: me.name, time: nowSec()}));
    });
    out.push(f);
  }
  return out;
}

pages.duty = async (main) => {
  const [r, sites] = await Promise.all([api('GET', '/api/reports/duty'), sitesList()]);
  if (!r.ok) { main.replaceChildren(careNav('duty'), el('p', {class: 'alert'}, msg(r.data.error))); return; }
  const places = r.data.places;
  const name = (p) => p.site_name || p.village || '-';
  const gaps = places.flatMap((p) => p.gaps.map((g) => [name(p), g]));
  main.replaceChildren(careNav('duty'), el('h1', {text: t('du_title')}),
    el('h2', {text: t('du_now')}),
    places.length ? el('ul', {class: 'list', id: 'on-duty'}, places.map((p) => el('li', {class: p.on_duty.length ? null : 'vuln'},
      el('b', {}, name(p)), ' ',
      p.on_duty.length ? el('span', {}, p.on_duty.map((s) => [s.who, s.role, s.phone].filter(Boolean).join(' ')).join('、')) :
        el('span', {class: 'tag red'}, t('du_nobody'))))) : el('p', {class: 'mute'}, t('du_none')),
    el('h2', {text: t('du_gaps')}),
    gaps.length ? el('ul', {class: 'list', id: 'gaps'}, gaps.map(([n, g]) => el('li', {}, el('b', {}, n), ' ',
      el('span', {class: 'mute'}, when(g.from) + ' – ' + when(g.to))))) : el('p', {class: 'mute'}, t('du_no_gaps')),
    ...dutyForms(sites));
  refresh = () => { if (!document.querySelector('#main form input:focus')) load(); };
};

/* ---- recovery plans (一户一策; proto/api.md: /api/reports/recovery_open,
 * /api/reports/recovery_plan, /api/reports/recovery; writes through the
 * table routes, which the node checks) */

/* A refusal of the page's own, as the API words one (showErrors). */
const badField = (name, key) => ({field: name, zh: T[key][0], en: T[key][1]});
const daysOf = (age) => (age === null || age === undefined ? '-' : Math.floor(age / 86400));

/* The township's housing figures (proto/reports.md, "The recovery
 * report"): per village and the total, with the CLI's files. */
const HOUSING = ['damaged', 'collapsed', 'severe', 'general', 'with_measure', 'started', 'done'];
const housingTable = (rep) => {
  const head = el('tr', {}, [t('village'), ...HOUSING.map((k) => t('rc_h_' + k))].map((x) => el('th', {}, x)));
  const rows = [...rep.villages, {...rep.total, village: t('vol_total')}].map((v) => el('tr', {},
    el('td', {}, v.village ?? t('rep_no_village')), HOUSING.map((k) => el('td', {}, String(v[k])))));
  return el('section', {class: 'card', id: 'recovery-housing'}, el('h2', {text: t('rc_housing')}),
    el('div', {class: 'scroll'}, el('table', {class: 'card-table'}, head, rows)),
    el('div', {class: 'row no-print'},
      download('/api/reports/recovery/xlsx', 'recovery_xlsx'), download('/api/reports/recovery/csv', 'csv')));
};

pages.recovery = async (main) => {
  const [r, housing] = await Promise.all([api('GET', '/api/reports/recovery_open'), api('GET', '/api/reports/recovery')]);
  if (!r.ok) { main.replaceChildren(careNav('recovery'), el('p', {class: 'alert'}, msg(r.data.error))); return; }
  /* Per village, per household, in the list's order (the oldest first). */
  const villages = [];
  for (const m of r.data.measures) {
    let v = villages[villages.length - 1];
    if (!v || v.village !== m.village) villages.push(v = {village: m.village, households: []});
    let h = v.households[v.households.length - 1];
    if (!h || h.household !== m.household) v.households.push(h = {household: m.household, head_name: m.head_name, measures: []});
    h.measures.push(m);
  }
  main.replaceChildren(careNav('recovery'), el('h1', {text: t('rc_title')}),
    el('p', {id: 'recovery-count'}, el('b', {}, r.data.open ? tf('rc_open_n', r.data.open) : t('rc_none'))),
    villages.length ? el('div', {id: 'recovery-open'}, villages.map((v) => el('section', {class: 'card'},
      el('h2', {text: v.village || '-'}),
      el('ul', {class: 'list'}, v.households.map((h) => el('li', {'data-household': h.household},
        el('a', {href: '#/plan/' + h.household}, el('b', {}, h.head_name || '-')),
        el('ul', {}, h.measures.map((m) => el('li', {'data-measure': m.measure},
          enumLabel('recovery_measures', 'kind', m.kind), ' ', m.what || '', ' ',
          el('span', {class: 'tag'}, (m.progress || 0) + '%'), ' ',
          el('span', {class: 'mute'}, [tf('rc_days', daysOf(m.age)), m.cadre].filter(Boolean).join(' · ')))))))))))
      : null,
    housing.ok ? housingTable(housing.data) : null);
  refresh = load;
};

pages.plan = async (main, id) => {
  const r = await api('GET', '/api/reports/recovery_plan?id=' + encodeURIComponent(id || ''));
  if (!r.ok) { main.replaceChildren(careNav('recovery'), el('p', {class: 'alert'}, msg(r.data.error))); return; }
  const {household: h, damage: d, measures} = r.data;
  const canWrite = me.role !== 'viewer';
  const progress = (m) => {
    const form = el('form', {class: 'row no-print progress'},
      el('input', {name: 'percent', type: 'number', inputmode: 'numeric', placeholder: t('rc_percent'), 'aria-label': t('rc_percent')}),
      el('label', {}, el('input', {type: 'checkbox', name: 'done', value: '1'}), ' ', t('rc_done')),
      el('input', {name: 'note', placeholder: colLabel('recovery_progress', 'note'), 'aria-label': colLabel('recovery_progress', 'note')}),
      el('button', {type: 'submit', class: 'primary', text: t('rc_progress')}));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const o = formObject(form);
      const body = {measure: m.measure, by: me.name, time: nowSec()};
      if (o.percent !== undefined) {
        if (!/^\d{1,3}$/.test(o.percent) || Number(o.percent) > 100) {
          showErrors(form, badField('percent', 'rc_bad_percent'));
          return;
        }
        body.percent = Number(o.percent);
      }
      if (o.done) body.done = true;
      if (o.note) body.note = o.note;
      if (body.percent === undefined && !body.done) { showErrors(form, badField('percent', 'rc_bad_percent')); return; }
      const x = await api('POST', '/api/recovery_progress', body);
      if (!x.ok) showErrors(form, x.data.error); else { banner(t('saved')); load(); }
    });
    return form;
  };
  /* An open measure given up (the household moved away, another
   * measure replaced it): cancelled, kept in the plan (proto/schema.md). */
  const cancel = (m) => {
    const b = el('button', {type: 'button', class: 'cancel-measure', text: t('rc_cancel')});
    b.addEventListener('click', async () => {
      if (!confirm(t('rc_cancel_confirm') + ' ' + enumLabel('recovery_measures', 'kind', m.kind) + ' ' + (m.what || ''))) return;
      b.disabled = true;
      const x = await api('PATCH', '/api/recovery_measures/' + m.measure, {cancelled: true});
      if (!x.ok) { b.disabled = false; banner(msg(x.data.error), true); } else { banner(t('saved')); load(); }
    });
    return el('p', {class: 'no-print'}, b);
  };
  const item = (m) => el('li', {'data-measure': m.measure, class: m.open ? null : 'mute'},
    el('b', {}, enumLabel('recovery_measures', 'kind', m.kind)), ' ', m.what || '', ' ',
    el('span', {class: m.done ? 'tag' : 'tag red'}, m.done ? t('rc_done') : m.cancelled ? t('rc_cancelled') : (m.progress || 0) + '%'),
    el('div', {class: 'mute'}, [m.cadre, m.agreed ? when(m.agreed) : null, m.due ? colLabel('recovery_measures', 'due') + ' ' + when(m.due) : null,
      m.amount_fen ? (m.amount_fen / 100).toFixed(2) + ' 元' : null, m.open ? tf('rc_days', daysOf(m.age)) : null].filter(Boolean).join(' · ')),
    m.history.length ? el('ol', {class: 'history'}, m.history.map((x) => el('li', {class: x.reversed_by ? 'mute' : null},
      when(x.time), ' ', x.percent !== null ? x.percent + '%' : '', ' ', x.done ? t('rc_done') : '', ' ', x.by || '', ' ', x.note || ''))) : null,
    canWrite && m.open ? progress(m) : null, canWrite && m.open ? cancel(m) : null);
  let add = null;
  if (canWrite) {
    add = el('form', {class: 'card no-print', id: 'measure-add'}, el('h2', {text: t('rc_add')}),
      el('label', {text: colLabel('recovery_measures', 'kind')}), enumSelect('recovery_measures', 'kind', 'kind', false),
      field('what', colLabel('recovery_measures', 'what')), field('cadre', colLabel('recovery_measures', 'cadre'), {value: h.cadre || ''}),
      field('amount', t('rc_amount'), {inputmode: 'decimal'}),
      el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('save')})));
    add.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const o = formObject(add);
      const body = {household: h.household, kind: o.kind, agreed: nowSec()};
      if (o.what) body.what = o.what;
      if (o.cadre) body.cadre = o.cadre;
      if (o.amount !== undefined) {
        const m = /^(\d{1,11})(?:\.(\d{1,2}))?$/.exec(o.amount);
        const fen = m ? Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0')) : 0;
        if (!m || fen <= 0) { showErrors(add, badField('amount', 'rc_bad_amount')); return; }
        body.amount_fen = fen;
      }
      const x = await api('POST', '/api/recovery_measures', body);
      if (!x.ok) showErrors(add, x.data.error); else { banner(t('saved')); load(); }
    });
  }
  main.replaceChildren(careNav('recovery'), el('h1', {text: t('rc_plan') + '：' + (h.head_name || '-')}),
    el('p', {class: 'mute'}, [h.village, h.cadre].filter(Boolean).join(' · ')),
    el('div', {class: 'card', id: 'plan-damage'}, el('h2', {text: t('rc_damage')}),
      d ? el('p', {}, [enumLabel('damage', 'house', d.house), d.rooms ? colLabel('damage', 'rooms') + ' ' + d.rooms : null,
        d.loss_yuan ? colLabel('damage', 'loss_yuan') + ' ' + d.loss_yuan : null, when(d.time)].filter(Boolean).join(' · '))
        : el('p', {class: 'mute'}, t('rc_no_damage')),
      h.needs_aid ? el('p', {}, el('span', {class: 'tag red'}, t('rc_needs_aid'))) : null),
    el('h2', {text: t('rc_measures')}),
    measures.length ? el('ul', {class: 'list', id: 'measures'}, measures.map(item)) : el('p', {class: 'mute'}, t('rc_no_measures')),
    add);
  refresh = () => { if (!document.querySelector('#main form input:focus')) load(); };
};

/* ---- care and health (关爱走访, 健康监测, 消毒; proto/api.md:
 * /api/reports/care_due, outbreaks, disinfections, health_checks; writes
 * through the table routes, which the node checks). Health fields and the
 * persons behind a clue come only to a health account. */

/* The symptoms of a health check (proto/schema.md, "Care and health"). */
const SYMPTOMS = [['fever', '发热', 'fever'], ['cough', '咳嗽', 'cough'], ['sore_throat', '咽痛', 'sore throat'],
  ['diarrhoea', '腹泻', 'diarrhoea'], ['vomiting', '呕吐', 'vomiting'], ['rash', '皮疹', 'rash'],
  ['red_eye', '红眼', 'red eye'], ['other', '其他', 'other']];
const symptomLabel = (k) => { const s = SYMPTOMS.find((x) => x[0] === k); return s ? s[1 + lang] : k; };
const canWriteCare = () => me && me.role !== 'viewer';
/* t(@key) with each {name} of @vars replaced. */
const tv = (key, vars) => Object.entries(vars).reduce((x, [k, v]) => x.replace('{' + k + '}', v), t(key));

/* The outbreak clues at the top of every page, beside the open hazards. */
async function outbreaksTop() {
  const box = document.getElementById('outbreaks-top');
  if (!box || !me) return;
  const r = await api('GET', '/api/reports/outbreaks');
  const clues = r.ok ? r.data.clues : [];
  box.hidden = clues.length === 0;
  box.replaceChildren(...(clues.length ? [el('a', {href: '#/health', class: 'alert', id: 'outbreak-clues'},
    el('b', {}, tf('ob_top', clues.length)), ' ',
    clues.slice(0, 3).map((c) => tv('ob_clue', {s: c.site_name || '?', k: symptomLabel(c.kind), n: c.persons})).join('；'))] : []));
}

let careMethod = 'home';
pages.care = async (main) => {
  const r = await api('GET', '/api/reports/care_due');
  if (!r.ok) { main.replaceChildren(careNav('care'), el('p', {class: 'alert'}, msg(r.data.error))); return; }
  /* How the visits of this sitting are made (入户, 电话, 安置点): chosen
   * once, kept across reloads of the list, used by each button. */
  const method = canWriteCare() ? enumSelect('care_visits', 'method', 'method', false) : null;
  if (method) {
    method.id = 'visit-method';
    method.value = careMethod;
    method.addEventListener('change', () => { careMethod = method.value; });
  }
  const visit = async (p, btn) => {
    btn.disabled = true;
    const x = await api('POST', '/api/care_visits', {person: p.person, by: me.name, method: method.value, time: nowSec()});
    if (!x.ok) { btn.disabled = false; banner(msg(x.data.error), true); } else { banner(t('saved')); load(); }
  };
  const item = (p) => {
    const btn = canWriteCare() ? el('button', {type: 'button', class: 'primary visit', text: t('cv_visit')}) : null;
    if (btn) btn.addEventListener('click', () => visit(p, btn));
    return el('li', {'data-person': p.person, class: 'vuln'}, el('b', {}, p.name || '?'), ' ',
      el('span', {class: 'mute'}, [p.village, (p.flags || '').split(',').filter(Boolean).map((f) => colLabel('persons', f)).join('、'),
        p.last_visit ? t('cv_last') + ' ' + when(p.last_visit) : t('cv_never')].filter(Boolean).join(' · ')), ' ', btn);
  };
  const groups = r.data.cadres;
  main.replaceChildren(careNav('care'), el('h1', {text: t('cv_title')}),
    el('p', {id: 'due-count'}, el('b', {}, tv('cv_due_n', {n: r.data.days, m: r.data.due}))),
    method ? el('p', {}, el('label', {for: 'visit-method', text: t('cv_method')}), ' ', method) : null,
    groups.length ? el('div', {id: 'due'}, groups.map((g) => el('section', {class: 'card'},
      el('h2', {}, g.cadre || t('cv_no_cadre')), el('ul', {class: 'list'}, g.persons.map(item)))))
      : el('p', {class: 'mute'}, t('cv_none')));
  refresh = load;
};

pages.health = async (main) => {
  const [ob, ds, sites] = await Promise.all([api('GET', '/api/reports/outbreaks'),
    api('GET', '/api/reports/disinfections'), api('GET', '/api/sites?limit=1000')]);
  if (!ob.ok) { main.replaceChildren(careNav('health'), el('p', {class: 'alert'}, msg(ob.data.error))); return; }
  const siteSel = (name) => el('select', {name}, (sites.ok ? sites.data.rows : []).map((s) =>
    el('option', {value: s.id, selected: me.site === s.id}, s.name || s.id)));
  let check = null;
  if (canWriteCare()) {
    const q = el('input', {type: 'search', name: 'q', placeholder: t('hc_person'), autocomplete: 'off', 'aria-label': t('hc_person')});
    const pick = el('select', {name: 'person'});
    q.addEventListener('input', async () => {
      const text = q.value.trim();
      if (!text) return;
      const x = await api('GET', '/api/search?q=' + encodeURIComponent(text));
      if (x.ok) pick.replaceChildren(...x.data.persons.map((p) => el('option', {value: p.id}, p.name || p.id)));
    });
    check = el('form', {class: 'card no-print', id: 'health-check'}, el('h2', {text: t('hc_check')}),
      q, pick, el('label', {text: colLabel('health_checks', 'site')}), siteSel('site'),
      field('temperature', colLabel('health_checks', 'temperature'), {type: 'number', step: '0.1', min: 34, max: 43, inputmode: 'decimal'}),
      el('fieldset', {class: 'symptoms'}, el('legend', {text: t('hc_symptoms')}),
        SYMPTOMS.map(([k, zh, en]) => el('label', {class: 'check'},
          el('input', {type: 'checkbox', name: 'symptom', value: k}), ' ', lang === 0 ? zh : en))),
      field('chronic_followup', colLabel('health_checks', 'chronic_followup')),
      field('medication', colLabel('health_checks', 'medication')),
      el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('save')})));
    check.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = formObject(check, ['temperature']);
      delete body.q;
      delete body.symptom;
      if (!body.person || !body.site) { banner(t('hc_need_person'), true); return; }
      const sym = [...check.querySelectorAll('input[name=symptom]:checked')].map((x) => x.value);
      if (sym.length) body.symptoms = sym.join(',');
      const x = await api('POST', '/api/health_checks', Object.assign(body, {by: me.name, time: nowSec()}));
      if (!x.ok) showErrors(check, x.data.error); else { banner(t('saved')); check.reset(); load(); outbreaksTop(); }
    });
  }
  const clue = (c) => el('li', {class: 'vuln', 'data-site': c.site, 'data-kind': c.kind},
    el('b', {}, tv('ob_clue', {s: c.site_name || '?', k: symptomLabel(c.kind), n: c.persons})),
    el('div', {class: 'mute'}, when(c.first) + ' – ' + when(c.last)),
    c.list ? el('ul', {class: 'clue-list'}, c.list.map((p) => el('li', {'data-person': p.person}, (p.name || p.person) + ' · ' + when(p.time)))) : null);
  const clues = ob.data.clues;
  let dis = null;
  if (canWriteCare()) {
    dis = el('form', {class: 'card no-print', id: 'disinfect'}, el('h2', {text: t('ds_add')}),
      el('label', {text: colLabel('disinfections', 'site')}), siteSel('site'),
      field('area', colLabel('disinfections', 'area'), {required: true}), field('agent', colLabel('disinfections', 'agent')),
      el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('save')})));
    dis.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const x = await api('POST', '/api/disinfections', Object.assign(formObject(dis), {by: me.name, time: nowSec()}));
      if (!x.ok) showErrors(dis, x.data.error); else { banner(t('saved')); load(); }
    });
  }
  const sitesDis = ds.ok ? ds.data.sites : [];
  main.replaceChildren(careNav('health'), el('h1', {text: t('hc_title')}),
    el('h2', {text: t('ob_title')}),
    clues.length ? el('ul', {class: 'list', id: 'clues'}, clues.map(clue)) : el('p', {class: 'mute', id: 'clues'}, t('ob_none')),
    check, el('h2', {text: t('ds_title')}),
    el('ul', {class: 'list', id: 'disinfections'}, sitesDis.map((s) => el('li', {class: s.flagged ? 'vuln' : null},
      el('b', {}, s.site_name || '?'), ' ', s.flagged ? el('span', {class: 'tag red'}, t('ds_flagged')) : null,
      el('div', {class: 'mute'}, s.areas.length ? s.areas.map((a) => a.area + ' ' + when(a.time)).join(' · ') : t('ds_never'))))),
    dis);
  refresh = () => { if (!document.querySelector('#main form input:focus')) load(); };
};

/* ---- social forces (社会力量): the catalogue and volunteers
 * (proto/api.md: /api/reports/organisations, /api/reports/volunteer) */

function socialNav(on) {
  return el('nav', {class: 'subnav row no-print', id: 'social-nav'},
    [['orgs', 'nav_orgs'], ['volunteers', 'nav_volunteers'], ['needs', 'nav_needs'],
      ['disclosure', 'nav_disclosure']].map(([p, k]) =>
      el('a', {href: '#/' + p, class: p === on ? 'btn on' : 'btn'}, t(k))));
}

function tf(key, n) {
  return t(key).replace('{n}', n);
}

function when(sec) {
  return sec === null || sec === undefined ? '-' : new Date(sec * 1000).toLocaleString();
}

function hoursText(min) {
  return (Math.round((min || 0) * 100 / 60) / 100).toFixed(2);
}

/* A form's non-empty fields as an object (numbers where asked). */
function formObject(form, numbers) {
  const o = {};
  for (const [k, v] of new FormData(form).entries()) {
    const x = String(v).trim();
    if (x !== '') o[k] = (numbers || []).includes(k) ? Number(x) : x;
  }
  return o;
}

const canWriteSocial = () => me.role === 'admin' || me.role === 'coordinator';
const orgQuery = {skill: '', item: '', village: ''};

pages.orgs = async (main) => {
  const q = new URLSearchParams();
  for (const k of Object.keys(orgQuery)) if (orgQuery[k]) q.set(k, orgQuery[k]);
  const r = await api('GET', '/api/reports/organisations?' + q.toString());
  const rep = r.ok ? r.data : {organisations: [], stale_days: 30};
  const search = el('form', {class: 'card no-print', id: 'org-search'},
    el('div', {class: 'row'},
      el('div', {}, field('skill', t('org_skill'), {value: orgQuery.skill})),
      el('div', {}, field('item', t('org_item'), {value: orgQuery.item})),
      el('div', {}, field('village', t('org_place'), {value: orgQuery.village}))),
    el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('org_search')})));
  search.addEventListener('submit', (ev) => {
    ev.preventDefault();
    for (const k of Object.keys(orgQuery)) orgQuery[k] = search.querySelector(`[name="${k}"]`).value.trim();
    load();
  });
  const list = el('ul', {class: 'list', id: 'orgs'}, rep.organisations.map((o) => el('li', {class: o.stale ? 'stale' : null},
    el('b', {}, o.name || '-'), ' ', el('span', {class: 'tag'}, enumLabel('organisations', 'kind', o.kind) || ''),
    o.stale ? el('span', {class: 'tag red'}, tf('org_stale', rep.stale_days)) : null,
    [['services', o.services], ['teams', o.teams], ['stocks', o.stocks], ['equipment', o.equipment],
      ['storage', o.storage], ['production', o.production], ['headcount', o.headcount],
      ['village', [o.village, o.site_name].filter(Boolean).join(' · ')], ['contact', [o.contact, o.phone].filter(Boolean).join(' ')]]
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => el('div', {class: 'mute'}, colLabel('organisations', k) + ': ' + v)),
    el('div', {class: 'mute'}, t('org_confirmed') + ': ' + when(o.confirmed_at)),
    canWriteSocial() ? el('button', {type: 'button', text: t('org_confirm'), onclick: async () => {
      const x = await api('PATCH', '/api/organisations/' + o.id, {confirmed_at: Math.floor(Date.now() / 1000)});
      if (!x.ok) banner(msg(x.data.error), true); else load();
    }}) : null)));
  let add = null;
  if (canWriteSocial()) {
    add = el('form', {class: 'card no-print', id: 'org-add'}, el('h2', {text: t('org_add')}),
      field('name', colLabel('organisations', 'name'), {required: true}),
      el('label', {text: colLabel('organisations', 'kind')}), enumSelect('organisations', 'kind', 'kind', true),
      ['services', 'teams', 'headcount', 'equipment', 'stocks', 'storage', 'production', 'village', 'contact', 'phone']
        .flatMap((k) => field(k, colLabel('organisations', k), k === 'headcount' ? {type: 'number', min: 0} : {})),
      el('label', {text: colLabel('organisations', 'status')}), enumSelect('organisations', 'status', 'status', true),
      el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('save')})));
    add.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = formObject(add, ['headcount']);
      body.confirmed_at = Math.floor(Date.now() / 1000);
      const x = await api('POST', '/api/organisations', body);
      if (!x.ok) { showErrors(add, x.data.error); return; }
      banner(t('saved'));
      load();
    });
  }
  main.replaceChildren(socialNav('orgs'), el('h1', {text: t('org_title')}), search,
    el('p', {class: 'mute'}, tf('org_count', rep.organisations.length)),
    rep.organisations.length ? list : el('p', {class: 'mute'}, t('org_none')), add);
};

pages.volunteers = async (main) => {
  const [vs, hs, os] = await Promise.all([api('GET', '/api/volunteers?limit=1000'), api('GET', '/api/views/volunteer_hours'),
    api('GET', '/api/organisations?limit=1000')]);
  const orgs = os.ok ? os.data.rows : [];
  const orgName = {};
  for (const o of orgs) orgName[o.id] = o.name;
  const sum = {};
  for (const h of hs.ok ? hs.data : []) {
    const x = sum[h.volunteer] || (sum[h.volunteer] = {minutes: 0, at: null});
    x.minutes += h.minutes || 0;
    if (h.open > 0) x.at = h.site_name;
  }
  const rows = vs.ok ? vs.data.rows : [];
  let add = null;
  if (canWriteSocial()) {
    const orgSel = el('select', {name: 'organisation', id: 'f-organisation'}, el('option', {value: ''}, ''),
      orgs.map((o) => el('option', {value: o.id}, o.name || o.id)));
    add = el('form', {class: 'card no-print', id: 'vol-add'}, el('h2', {text: t('vol_add')}),
      field('name', t('name'), {required: true}), field('phone', t('phone'), {type: 'tel'}),
      field('skills', t('vol_skills')), el('label', {for: 'f-organisation', text: t('vol_org')}), orgSel,
      field('availability', t('vol_availability')), field('id_number', t('vol_id_number')),
      el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('save')})));
    add.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const x = await api('POST', '/api/volunteers', formObject(add));
      if (!x.ok) { showErrors(add, x.data.error); return; }
      location.hash = '#/volunteer/' + x.data.id;
    });
  }
  main.replaceChildren(socialNav('volunteers'), el('h1', {text: t('vol_title')}),
    rows.length ? el('ul', {class: 'list', id: 'volunteers'}, rows.map((v) => el('li', {},
      el('a', {href: '#/volunteer/' + v.id}, el('b', {}, v.name || '-'), ' ',
        v.skills ? el('span', {class: 'tag'}, v.skills) : null,
        el('div', {class: 'mute'}, [v.organisation ? orgName[v.organisation] : null,
          t('vol_hours') + ' ' + hoursText((sum[v.id] || {}).minutes),
          (sum[v.id] || {}).at ? t('vol_on_duty') + ' ' + sum[v.id].at : null].filter(Boolean).join(' · '))))))
      : el('p', {class: 'mute'}, t('vol_none')), add);
};

/* Local date and time typed (datetime-local or date) as Unix seconds. */
function secondsOf(value) {
  const d = new Date(value.length === 10 ? value + 'T00:00' : value);
  return isNaN(d.getTime()) ? null : Math.floor(d.getTime() / 1000);
}

function nowLocal() {
  const d = new Date(Date.now() - new Date().getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

pages.volunteer = async (main, id) => {
  const [r, sites] = await Promise.all([api('GET', '/api/reports/volunteer?id=' + encodeURIComponent(id || '')), sitesList()]);
  if (!r.ok) { main.replaceChildren(socialNav('volunteers'), el('p', {class: 'alert'}, msg(r.data.error))); return; }
  const rec = r.data;
  const v = rec.volunteer;
  const open = rec.periods.find((p) => p.open);
  const write = canWriteSocial() || (me.role === 'site' && me.site);
  const post = async (form, body) => {
    const x = await api('POST', '/api/volunteer_service', Object.assign({volunteer: id}, body));
    if (!x.ok) { showErrors(form, x.data.error); return; }
    banner(t('saved'));
    load();
  };
  const siteField = () => siteSelect(sites, chosenSite(sites));
  const taskFor = (site) => {
    const a = rec.assignments.filter((x) => x.site === site && x.task);
    return a.length ? a[a.length - 1].task : '';
  };
  const parts = [];
  if (write && !open) {
    const f = el('form', {class: 'card no-print', id: 'vol-checkin'}, el('h2', {text: t('vol_checkin')}),
      el('label', {text: t('site')}), siteField(), field('task', t('vol_task')),
      el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('vol_checkin')})));
    f.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const site = f.elements.site.value;
      post(f, {kind: 'in', site, task: f.elements.task.value.trim() || taskFor(site) || undefined,
        time: Math.floor(Date.now() / 1000)});
    });
    parts.push(f);
  }
  if (write && open) {
    const f = el('form', {class: 'card no-print', id: 'vol-checkout'},
      el('p', {}, t('vol_on_duty') + ': ', el('b', {}, open.site_name || '-'), ' · ', when(open.starts)),
      el('button', {type: 'submit', class: 'primary', text: t('vol_checkout')}));
    f.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const now = Math.floor(Date.now() / 1000);
      post(f, {kind: 'out', closes: open.service, site: open.site, task: open.task || undefined, time: Math.max(now, open.starts)});
    });
    parts.push(f);
  }
  if (write) {
    const f = el('form', {class: 'card no-print', id: 'vol-hours'}, el('h2', {text: t('vol_record_hours')}),
      el('label', {text: t('site')}), siteField(), field('task', t('vol_task')),
      field('hours', t('vol_hours_n'), {inputmode: 'decimal', required: true}),
      field('began', t('vol_began'), {type: 'datetime-local', value: nowLocal(), required: true}),
      el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('save')})));
    f.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const h = f.elements.hours.value.trim();
      const time = secondsOf(f.elements.began.value);
      if (!/^\d{1,3}(\.\d{1,2})?$/.test(h) || Number(h) <= 0 || Number(h) > 744) {
        showErrors(f, {field: 'hours', zh: T.vol_bad_hours[0], en: T.vol_bad_hours[1]}); return;
      }
      if (time === null || time > Date.now() / 1000 + 600) {
        showErrors(f, {field: 'began', zh: T.vol_future[0], en: T.vol_future[1]}); return;
      }
      const site = f.elements.site.value;
      post(f, {kind: 'hours', site, minutes: Math.round(Number(h) * 60), time,
        task: f.elements.task.value.trim() || taskFor(site) || undefined});
    });
    parts.push(f);
  }
  if (canWriteSocial()) {
    const f = el('form', {class: 'card no-print', id: 'vol-assign'}, el('h2', {text: t('vol_assign')}),
      el('label', {text: t('site')}), siteField(), field('task', t('vol_task'), {required: true}),
      field('starts', t('vol_from'), {type: 'date', required: true}), field('ends', t('vol_to'), {type: 'date'}),
      el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('save')})));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const starts = secondsOf(f.elements.starts.value);
      const ends = f.elements.ends.value ? secondsOf(f.elements.ends.value) : null;
      if (ends !== null && ends < starts) { showErrors(f, {field: 'ends', zh: T.vol_to_before[0], en: T.vol_to_before[1]}); return; }
      const x = await api('POST', '/api/volunteer_assignments', {volunteer: id, site: f.elements.site.value,
        task: f.elements.task.value.trim(), starts, ends: ends === null ? undefined : ends});
      if (!x.ok) { showErrors(f, x.data.error); return; }
      banner(t('saved'));
      load();
    });
    parts.push(f);
  }
  main.replaceChildren(socialNav('volunteers'),
    el('h1', {text: v.name || '-'}),
    el('div', {class: 'card', id: 'vol-card'},
      [['phone', v.phone], ['skills', v.skills], ['availability', v.availability], ['id_number', v.id_number]]
        .filter(([, x]) => x).map(([k, x]) => el('div', {}, colLabel('volunteers', k) + ': ' + x)),
      v.organisation_name ? el('div', {}, t('vol_org') + ': ' + v.organisation_name) : null,
      el('div', {}, el('b', {id: 'vol-total'}, t('vol_hours') + ': ' + hoursText(rec.total_minutes)))),
    rec.assignments.length ? el('div', {class: 'card'}, el('h2', {text: t('vol_assignments')}),
      el('ul', {}, rec.assignments.map((a) => el('li', {}, [a.site_name, a.task, new Date(a.starts * 1000).toLocaleDateString() +
        (a.ends ? ' – ' + new Date(a.ends * 1000).toLocaleDateString() : '')].filter(Boolean).join(' · '))))) : null,
    el('p', {}, el('a', {class: 'btn', id: 'vol-record-link', href: '#/record/' + id}, t('vol_record'))),
    ...parts);
};

/* The service record (志愿服务记录证明) on A4: who, each period, the
 * totals by site and by task; printed by the browser (the print
 * stylesheet leaves the navigation out). */
pages.record = async (main, id) => {
  const r = await api('GET', '/api/reports/volunteer?id=' + encodeURIComponent(id || ''));
  if (!r.ok) { main.replaceChildren(el('p', {class: 'alert'}, msg(r.data.error))); return; }
  const rec = r.data;
  const v = rec.volunteer;
  const totals = (rows, key, head) => el('div', {class: 'scroll'}, el('table', {class: 'card-table'},
    el('tr', {}, el('th', {text: head}), el('th', {text: t('vol_hours')}), el('th', {text: t('vol_periods')})),
    rows.map((x) => el('tr', {}, el('td', {}, x[key] || t('vol_none_task')), el('td', {class: 'num'}, hoursText(x.minutes)),
      el('td', {class: 'num'}, x.periods)))));
  main.replaceChildren(
    el('p', {class: 'row no-print'},
      el('a', {class: 'btn', href: '#/volunteer/' + id}, '← ' + (v.name || '')),
      el('button', {type: 'button', class: 'primary', text: t('vol_print'), onclick: () => window.print()}),
      el('a', {class: 'btn', id: 'dl-vol-csv', download: '', href: '/api/reports/volunteer/csv?id=' + encodeURIComponent(id)}, t('dl_vol_csv'))),
    el('article', {class: 'a4 record', id: 'record'},
      el('h1', {text: t('vol_record')}),
      el('table', {class: 'card-table fields'},
        [[t('name'), v.name], [colLabel('volunteers', 'id_number'), v.id_number], [t('vol_org'), v.organisation_name],
          [t('vol_skills'), v.skills], [t('vol_made'), when(rec.made)]]
          .map(([k, x]) => el('tr', {}, el('th', {text: k}), el('td', {}, x || '')))),
      el('div', {class: 'scroll'}, el('table', {class: 'card-table', id: 'record-periods'},
        el('tr', {}, [t('vol_from_to'), t('vol_until'), t('site'), t('vol_task'), t('vol_how'), t('vol_hours')].map((h) => el('th', {text: h}))),
        rec.periods.map((p) => el('tr', {}, el('td', {}, when(p.starts)), el('td', {}, p.open ? t('vol_open') : when(p.ends)),
          el('td', {}, p.site_name || ''), el('td', {}, p.task || ''),
          el('td', {}, t(p.how === 'hours' ? 'vol_how_hours' : 'vol_how_checkin')),
          el('td', {class: 'num'}, p.open ? '' : hoursText(p.minutes)))))),
      el('h2', {text: t('vol_by_site')}), totals(rec.by_site, 'site_name', t('site')),
      el('h2', {text: t('vol_by_task')}), totals(rec.by_task, 'task', t('vol_task')),
      el('p', {class: 'big-total', id: 'record-total'}, t('vol_total') + ': ' + hoursText(rec.total_minutes) + ' ' +
        (lang === 0 ? '小时' : 'hours')),
      el('p', {class: 'sign-line'}, lang === 0 ? '证明单位（盖章）：＿＿＿＿＿＿　　日期：＿＿＿＿＿＿' : 'Certified by (seal): ______    Date: ______')));
};

/* ---- needs, offers and matching (供需对接; proto/api.md: /api/views/needs,
 * offers, matches and /api/reports/match_suggestions; writes through the
 * table routes, which the node checks as it checks huzhu match) */

const ndState = (x) => (T.nd_states[x] || [x, x])[lang];

/* A quantity typed for a promise or a receipt: a positive whole number,
 * or null with the form's error shown. */
function qtyOf(form) {
  const v = Number(form.querySelector('[name=qty]').value);
  if (Number.isInteger(v) && v > 0) return v;
  showErrors(form, {zh: t('nd_bad_qty'), en: T.nd_bad_qty[1], field: 'qty'});
  return null;
}

/* A small form: a quantity and one button, calling @send(qty). */
function qtyForm(id, value, label, send) {
  const form = el('form', {class: 'row no-print', id, novalidate: true},
    el('input', {name: 'qty', type: 'number', min: 1, step: 1, value: String(value), 'aria-label': t('qty')}),
    el('button', {type: 'submit', class: 'primary', text: label}));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const qty = qtyOf(form);
    if (qty === null) return;
    const x = await send(qty);
    if (!x.ok) { showErrors(form, x.data.error); return; }
    banner(t('saved'));
    load();
  });
  return form;
}

/* The form that publishes a need (@orgs null) or records an offer, for
 * coordinators: written through the table route, judged by the node. */
function needOfferForm(table, sites, orgs) {
  const pre = table + '-';
  const pick = (name, rows) => el('select', {name, id: pre + name}, el('option', {value: ''}, ''),
    rows.map((x) => el('option', {value: x.id}, x.name || x.id)));
  const field = (name, label, attrs) => [el('label', {for: pre + name, text: label}),
    el('input', Object.assign({id: pre + name, name}, attrs || {}))];
  const form = el('form', {class: 'card no-print', id: table === 'needs' ? 'need-add' : 'offer-add', novalidate: true},
    el('h2', {text: t(table === 'needs' ? 'nd_add_need' : 'nd_add_offer')}),
    field('what', colLabel(table, 'what'), {required: true}),
    field('qty', colLabel(table, 'qty'), {type: 'number', min: 1, step: 1}),
    field('unit', colLabel(table, 'unit')),
    el('label', {text: colLabel(table, 'category')}), enumSelect(table, 'category', 'category', true),
    table === 'needs' ? [el('label', {text: colLabel(table, 'urgency')}), enumSelect(table, 'urgency', 'urgency', true)] : null,
    orgs ? [el('label', {text: colLabel(table, 'organisation')}), pick('organisation', orgs)] : null,
    el('label', {text: colLabel(table, 'site')}), pick('site', sites),
    field('village', colLabel(table, 'village')),
    el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('save')})));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = formObject(form, ['qty']);
    if (!body.what) { showErrors(form, {zh: t('nd_need_what'), en: T.nd_need_what[1], field: 'what'}); return; }
    if (qtyOf(form) === null) return;
    if (table === 'needs' && !body.site && !body.village) {
      showErrors(form, {zh: t('nd_need_where'), en: T.nd_need_where[1], field: 'village'});
      return;
    }
    const x = await api('POST', '/api/' + table, body);
    if (!x.ok) { showErrors(form, x.data.error); return; }
    banner(t('saved'));
    load();
  });
  return form;
}

pages.needs = async (main) => {
  const [nr, or, mr, sr] = await Promise.all([api('GET', '/api/views/needs'), api('GET', '/api/views/offers'),
    api('GET', '/api/views/matches'), api('GET', '/api/reports/match_suggestions')]);
  const needs = nr.ok ? nr.data : [];
  const offers = or.ok ? or.data : [];
  const matches = mr.ok ? mr.data : [];
  const sugg = sr.ok ? sr.data.suggestions : [];
  const byNeed = {};
  for (const n of needs) byNeed[n.need] = n;
  const can = canWriteSocial();
  const now = () => Math.floor(Date.now() / 1000);
  const place = (x, v) => [x.site_name, v].filter(Boolean).join(' · ');
  const stateTag = (x) => [el('span', {class: 'tag state', 'data-state': x.state}, ndState(x.state)),
    x.over_promised ? el('span', {class: 'tag red over'}, t('nd_over')) : null];
  const needList = el('ul', {class: 'list', id: 'needs'}, needs.map((n) => el('li', {'data-id': n.need},
    el('b', {}, n.what || '-'), ' ', (n.qty ?? '') + ' ' + (n.unit || ''), ' ',
    n.urgency ? el('span', {class: 'tag'}, enumLabel('needs', 'urgency', n.urgency)) : null, ' ', stateTag(n),
    el('div', {class: 'mute'}, [place(n, n.village), t('nd_promised') + ' ' + n.promised,
      t('nd_received') + ' ' + n.received].filter(Boolean).join(' · ')))));
  const offerList = el('ul', {class: 'list', id: 'offers'}, offers.map((o) => el('li', {'data-id': o.offer},
    el('b', {}, o.what || '-'), ' ', (o.qty ?? '') + ' ' + (o.unit || ''), ' ', stateTag(o),
    el('div', {class: 'mute'}, [o.organisation_name, place(o, o.village), t('nd_promised') + ' ' + o.promised,
      t('nd_delivered') + ' ' + o.delivered].filter(Boolean).join(' · ')))));
  const suggList = el('ul', {class: 'list', id: 'suggestions'}, sugg.map((x, i) => el('li', {},
    el('b', {}, x.need_what || '-'), ' ← ', el('b', {}, x.offer_what || '-'), ' ',
    el('span', {class: 'tag'}, enumLabel('needs', 'urgency', x.urgency) || ''),
    el('div', {class: 'mute'}, [[x.need_site_name, x.need_village].filter(Boolean).join(' · '),
      [x.organisation_name, x.offer_site_name, x.offer_village].filter(Boolean).join(' · '),
      x.distance_km !== null ? x.distance_km + ' ' + t('nd_km') : null].filter(Boolean).join(' ← ')),
    can ? qtyForm('commit-' + i, x.qty ?? '', t('nd_commit'), (qty) =>
      api('POST', '/api/matches', {need: x.need, offer: x.offer, qty, time: now()})) : null)));
  const matchList = el('ul', {class: 'list', id: 'matches'}, matches.map((m) => {
    const n = byNeed[m.need] || {};
    const live = m.cancelled_by === null;
    const canReceive = can || (me.role === 'site' && me.site === m.need_site);
    return el('li', {'data-id': m.match},
      el('b', {}, m.need_what || '-'), ' ', m.qty + ' ' + (m.unit || ''), ' ← ', m.organisation_name || m.offer_what || '',
      live ? null : el('span', {class: 'tag'}, t('nd_cancelled')),
      el('div', {class: 'mute'}, [place({site_name: m.need_site_name}, m.need_village),
        t('nd_received') + ' ' + m.received, when(m.time)].filter(Boolean).join(' · ')),
      live && canReceive && m.need_site && n.item ? qtyForm('receive-' + m.match, Math.max(m.qty - m.received, 1),
        t('nd_receive'), (qty) => api('POST', '/api/stock_moves', {kind: 'received', match: m.match, qty,
          site: m.need_site, item: n.item, time: now()})) : null,
      live && can ? el('button', {type: 'button', class: 'no-print', text: t('nd_cancel'), onclick: async () => {
        const x = await api('POST', '/api/matches', {need: m.need, offer: m.offer, qty: m.qty, reverses: m.match, time: now()});
        if (!x.ok) banner(msg(x.data.error), true); else load();
      }}) : null);
  }));
  const none = () => el('p', {class: 'mute'}, t('nd_none'));
  const [ss, os] = can ? await Promise.all([api('GET', '/api/sites?limit=1000'), api('GET', '/api/organisations?limit=1000')]) : [];
  main.replaceChildren(socialNav('needs'), el('h1', {text: t('nd_title')}),
    el('h2', {text: t('nd_needs')}), needs.length ? needList : none(),
    el('h2', {text: t('nd_suggest')}), sugg.length ? suggList : none(),
    el('h2', {text: t('nd_matches')}), matches.length ? matchList : none(),
    el('h2', {text: t('nd_offers')}), offers.length ? offerList : none(),
    can ? needOfferForm('needs', ss.ok ? ss.data.rows : [], null) : null,
    can ? needOfferForm('offers', ss.ok ? ss.data.rows : [], os.ok ? os.data.rows : []) : null);
  refresh = () => { if (!document.querySelector('#main form input:focus')) load(); };
};

/* ---- 捐赠公示: the donation disclosure of the township or of one
 * organisation (proto/reports.md, "Donation disclosure"; the route
 * /api/reports/disclosure[/csv|/xlsx][?org=ID] gives what huzhu report
 * disclosure gives, the uses a page at a time: #/disclosure/ORG/OFFSET).
 * No personal data of recipients reaches it. */
const DC_PAGE = 100;

function yuanText(fen) {
  const a = Math.abs(fen || 0);
  return (fen < 0 ? '-' : '') + Math.floor(a / 100) + '.' + String(a % 100).padStart(2, '0');
}

/* A form's amount in yuan as fen (fenOf: "12.34" is 1234), or null with
 * the field's error shown: nothing but a positive sum with at most two
 * decimals is sent. */
function amountFen(form, name) {
  const fen = fenOf(form.elements[name].value);
  if (fen !== null && fen > 0) return fen;
  showErrors(form, {zh: T.dc_bad_amount[0], en: T.dc_bad_amount[1], field: name});
  return null;
}

/* A labelled input of a form whose ids begin with @pre. */
function fieldIn(pre, name, label, attrs) {
  return [el('label', {for: pre + name, text: label}), el('input', Object.assign({id: pre + name, name}, attrs || {}))];
}

function orgPick(pre, name, label, orgs, blank, chosen) {
  return [el('label', {for: pre + name, text: label}), el('select', {id: pre + name, name}, el('option', {value: ''}, blank),
    orgs.map((o) => el('option', {value: o.id, selected: o.id === chosen}, o.name || o.id)))];
}

/* The form that records a donation received (a donations row, as huzhu
 * donation add writes it), for coordinators; @org the organisation whose
 * disclosure is shown, picked as the receiver. */
function donationForm(orgs, org) {
  const pre = 'dn-';
  const f = el('form', {class: 'card no-print', id: 'donation-add', novalidate: true},
    el('h2', {text: t('dc_add')}),
    el('label', {for: pre + 'kind', text: colLabel('donations', 'kind')}),
    Object.assign(enumSelect('donations', 'kind', 'kind', false), {id: pre + 'kind'}),
    fieldIn(pre, 'donor', t('dc_donor_name'), {autocomplete: 'off'}),
    el('label', {class: 'check'}, el('input', {type: 'checkbox', name: 'anonymous'}), t('dc_anonymous_ask')),
    orgPick(pre, 'donor_org', colLabel('donations', 'donor_org'), orgs, '', null),
    fieldIn(pre, 'goods', colLabel('donations', 'goods')),
    fieldIn(pre, 'amount', t('dc_amount_yuan'), {inputmode: 'decimal', autocomplete: 'off'}),
    el('label', {for: pre + 'currency', text: colLabel('donations', 'currency')}),
    Object.assign(enumSelect('donations', 'currency', 'currency', false), {id: pre + 'currency'}),
    orgPick(pre, 'organisation', colLabel('donations', 'organisation'), orgs, t('dc_to_township'), org),
    fieldIn(pre, 'restriction', colLabel('donations', 'restriction')),
    fieldIn(pre, 'reference', colLabel('donations', 'reference')),
    fieldIn(pre, 'time', t('dc_time'), {type: 'datetime-local', value: nowLocal(), required: true}),
    el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('save')})));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = formObject(f);
    const no = (k, field) => { showErrors(f, {zh: T[k][0], en: T[k][1], field}); };
    if (body.kind === 'goods' && !body.goods) { no('dc_goods_what', 'goods'); return; }
    if (body.kind === 'money' && body.goods) { no('dc_money_goods', 'goods'); return; }
    body.amount = amountFen(f, 'amount');
    if (body.amount === null) return;
    body.time = secondsOf(f.elements.time.value);
    if (body.time === null) { no('dc_bad_time', 'time'); return; }
    if (f.elements.anonymous.checked) body.anonymous = true; else delete body.anonymous;
    const x = await api('POST', '/api/donations', body);
    if (!x.ok) { showErrors(f, x.data.error); return; }
    banner(t('saved'));
    load();
  });
  return f;
}

/* The form that records a use of a donation (a ledger row, as huzhu
 * ledger commit|disburse|spend writes it) from @donations (the view
 * donations), for coordinators. The node refuses more than is left
 * (schema.md, "Donations and their use"); its refusal is shown under
 * the field it names, the amount with what the page knows is left. */
function ledgerForm(donations, org) {
  const pre = 'lg-';
  const cur = (c) => enumLabel('donations', 'currency', c) || c;
  const live = donations.filter((d) => !d.reversed_by && (!org || d.organisation === org));
  const byId = {};
  for (const d of live) byId[d.donation] = d;
  const f = el('form', {class: 'card no-print', id: 'ledger-add', novalidate: true},
    el('h2', {text: t('dc_use_add')}),
    el('label', {for: pre + 'donation', text: t('dc_pick')}),
    el('select', {id: pre + 'donation', name: 'donation'}, el('option', {value: ''}, ''),
      live.map((d) => el('option', {value: d.donation},
        [d.anonymous ? t('dc_anonymous') : d.donor || d.donor_org_name || '-',
          yuanText(d.received) + ' ' + cur(d.currency), t('dc_left') + ' ' + yuanText(d.balance)].join(' · ')))),
    el('label', {for: pre + 'kind', text: colLabel('ledger', 'kind')}),
    Object.assign(enumSelect('ledger', 'kind', 'kind', false), {id: pre + 'kind'}),
    fieldIn(pre, 'amount', t('dc_use_yuan'), {inputmode: 'decimal', autocomplete: 'off'}),
    fieldIn(pre, 'purpose', colLabel('ledger', 'purpose')),
    fieldIn(pre, 'village', colLabel('ledger', 'village')),
    fieldIn(pre, 'reference', colLabel('ledger', 'reference')),
    el('p', {class: 'mute'}, t('dc_no_personal')),
    el('p', {}, el('button', {type: 'submit', class: 'primary', text: t('save')})));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = formObject(f);
    if (!byId[body.donation]) { showErrors(f, {zh: T.dc_pick_one[0], en: T.dc_pick_one[1], field: 'donation'}); return; }
    body.amount = amountFen(f, 'amount');
    if (body.amount === null) return;
    body.time = nowSec();
    const x = await api('POST', '/api/ledger', body);
    if (!x.ok) {
      const d = byId[body.donation];
      const left = Math.max(0, d.received - (body.kind === 'commitment' ? d.committed : d.used));
      const e = x.data.error || {};
      const over = (k) => T.dc_over_left[k].replace('{a}', yuanText(body.amount)).replace('{l}', yuanText(left));
      showErrors(f, e.field === 'amount' && body.amount > left
        ? Object.assign({}, e, {zh: e.zh + '：' + over(0), en: e.en + ' (' + over(1) + ')'}) : e);
      return;
    }
    banner(t('saved'));
    load();
  });
  return f;
}

pages.disclosure = async (main, arg) => {
  const org = arg && /^[0-9a-f]{32}$/.test(arg) ? arg : '';
  const q = org ? '?org=' + org : '';
  const off = Math.max(0, parseInt((location.hash.split('/')[3] || ''), 10) || 0);
  const page = (o) => '#/disclosure/' + org + '/' + o;
  const can = canWriteSocial();
  const [rr, os, ds] = await Promise.all([api('GET', '/api/reports/disclosure?limit=' + DC_PAGE + '&offset=' + off +
      (org ? '&org=' + org : '')),
    api('GET', '/api/organisations?limit=1000'), can ? api('GET', '/api/views/donations') : null]);
  if (!rr.ok) { main.replaceChildren(socialNav('disclosure'), el('div', {class: 'err'}, msg(rr.data.error))); return; }
  const r = rr.data;
  const cur = (c) => enumLabel('donations', 'currency', c) || c;
  const table = (id, heads, rows) => el('div', {class: 'scroll'}, el('table', {class: 'card-table', id},
    el('tr', {}, heads.map((x) => el('th', {}, t(x)))),
    rows.map((cells) => el('tr', {}, cells.map((c) => el('td', {}, c === null || c === undefined ? '' : String(c)))))));
  const pick = el('select', {id: 'dc-org', 'aria-label': t('dc_org'), onchange: () => { location.hash = '#/disclosure/' + pick.value; }},
    el('option', {value: ''}, t('dc_township')),
    (os.ok ? os.data.rows : []).map((o) => el('option', {value: o.id, selected: o.id === org}, o.name || o.id)));
  main.replaceChildren(socialNav('disclosure'), el('h1', {text: t('dc_title')}),
    el('div', {class: 'row no-print'}, pick,
      el('a', {class: 'btn', href: '/api/reports/disclosure/csv' + q, download: '', id: 'dl-dis-csv'}, t('dl_dis_csv')),
      el('a', {class: 'btn', href: '/api/reports/disclosure/xlsx' + q, download: '', id: 'dl-dis-xlsx'}, t('dl_dis_xlsx'))),
    el('h2', {text: t('dc_totals')}),
    table('dc-totals', ['dc_currency', 'dc_count', 'dc_received', 'dc_committed', 'dc_used', 'dc_balance', 'dc_overdrawn'],
      r.totals.map((x) => [cur(x.currency), x.donations, yuanText(x.received), yuanText(x.committed),
        yuanText(x.used), yuanText(x.balance), x.overdrawn])),
    el('h2', {text: t('dc_donations')}),
    table('dc-donations', ['dc_donor', 'dc_kind', 'dc_currency', 'dc_received', 'dc_restriction', 'dc_committed', 'dc_used',
      'dc_balance'], r.donations.map((x) => [x.anonymous ? t('dc_anonymous') : x.donor,
      enumLabel('donations', 'kind', x.kind), cur(x.currency), yuanText(x.received), x.restriction,
      yuanText(x.committed), yuanText(x.used), yuanText(x.balance) + (x.overdrawn ? ' ' + t('dc_overdrawn') + '!' : '')])),
    el('h2', {text: t('dc_uses')}),
    table('dc-uses', ['dc_kind', 'dc_currency', 'dc_amount', 'dc_purpose', 'dc_village'],
      r.ledger.map((x) => [enumLabel('ledger', 'kind', x.kind), cur(x.currency), yuanText(x.amount), x.purpose,
        x.village || t('dc_none_village')])),
    r.ledger_count > r.ledger.length ? el('p', {class: 'row no-print', id: 'dc-uses-page'},
      t('dc_uses_page').replace('{a}', r.ledger.length ? off + 1 : 0).replace('{b}', off + r.ledger.length)
        .replace('{n}', r.ledger_count),
      off > 0 ? el('a', {class: 'btn', href: page(Math.max(0, off - DC_PAGE)), id: 'dc-prev'}, t('dc_prev')) : null,
      off + r.ledger.length < r.ledger_count ? el('a', {class: 'btn', href: page(off + DC_PAGE), id: 'dc-next'},
        t('dc_next')) : null) : null,
    el('h2', {text: t('dc_villages')}),
    table('dc-villages', ['dc_village', 'dc_currency', 'dc_households', 'dc_used'],
      r.villages.map((x) => [x.village || t('dc_none_village'), cur(x.currency), x.households, yuanText(x.amount)])),
    can ? donationForm(os.ok ? os.data.rows : [], org) : null,
    can ? ledgerForm(ds.ok ? ds.data : [], org) : null);
  /* not while something is being typed into a form */
  refresh = () => { if (!document.querySelector('#main form :is(input, select):focus')) load(); };
};

/* ---- routing and live updates */

/* Every render is numbered: a page that finishes loading after the
 * person moved on (or after a newer refresh) writes nothing. */
let gen = 0;

async function load() {
  const my = ++gen;
  const real = document.getElementById('main');
  /* (a part left out is null, as for el(): never the text "null") */
  const main = {replaceChildren: (...kids) => { if (my === gen) real.replaceChildren(...kids.filter((k) => k !== null && k !== undefined && k !== false)); }};
  const [, page, arg] = (location.hash || '#/find').split('/');
  for (const a of document.querySelectorAll('#tabs a')) a.classList.toggle('on', a.getAttribute('href') === '#/' + page);
  refresh = null; /* each page sets its own once it is drawn */
  const fn = pages[page] || pages.find;
  await fn(main, arg);
  if (my === gen) { hazardsTop(); outbreaksTop(); }
}

let source = null;
function listen() {
  if (source) source.close();
  source = new EventSource('/api/events');
  source.addEventListener('change', () => { if (refresh) refresh(); hazardsTop(); outbreaksTop(); });
  source.addEventListener('hello', () => document.body.classList.remove('offline'));
  source.onerror = () => document.body.classList.add('offline');
}

function applyLang() {
  document.documentElement.lang = lang === 0 ? 'zh-CN' : 'en';
  for (const e of document.querySelectorAll('[data-t]')) e.textContent = t(e.dataset.t);
  document.getElementById('lang').textContent = t('lang');
}

async function start() {
  if (!schema) {
    const s = await api('GET', '/api/schema');
    schema = s.ok ? s.data : {tables: []};
  }
  document.getElementById('tabs').hidden = false;
  document.getElementById('logout').hidden = false;
  document.getElementById('who').textContent = `${me.name} · ${me.role}`;
  listen();
  await load();
}

window.addEventListener('hashchange', () => { if (me) load(); });
window.addEventListener('DOMContentLoaded', async () => {
  applyLang();
  document.getElementById('lang').addEventListener('click', () => {
    lang = 1 - lang;
    localStorage.setItem('hz_lang', lang === 1 ? 'en' : 'zh');
    applyLang();
    if (me) load(); else showLogin();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    await api('POST', '/api/logout');
    me = null;
    if (source) source.close();
    document.getElementById('hazards-top').hidden = true;
    document.getElementById('outbreaks-top').hidden = true;
    showLogin();
  });
  const r = await api('GET', '/api/me');
  if (r.ok) { me = r.data; start(); } else showLogin();
});
