// The web interface in a real headless Chromium (Debian's chromium,
// driven by npm's playwright-core), against `huzhu serve` on loopback.
// What a shelter manager does on a 360x740 phone, end to end: log in,
// register a household of four (a wrong ID number refused first), find
// them by a two-character name and by a surname, check two members in,
// distribute blankets, watch occupancy and stock change, see the Sphere
// warning appear when a CLI write on the node adds a third person (no
// reload), switch to English and back, resolve a conflict, see a hazard
// reported on another node at the top of the page and close it with a
// response, record a patrol round, see an outbreak clue from another
// node at the top (its persons for health staff only), record a care
// visit from the due list, and never scroll sideways at 360 px.
// Screenshots of the main pages at phone and desktop width go to
// $HZ_SHOTS (default build/browser-shots; not committed).
//
//   HUZHU=build/huzhu node --test tests/browser/web.test.js
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const {spawn, execFileSync} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const {chromium} = require('playwright-core');

const HUZHU = path.resolve(process.env.HUZHU || 'build/huzhu');
const SHOTS = path.resolve(process.env.HZ_SHOTS || 'build/browser-shots');
const PW = 'shelter-测试-2026';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'huzhu-browser-'));

function hz(dir, args, input) {
  return execFileSync(HUZHU, ['-d', dir, ...args], {
    input: input === undefined ? '' : input, encoding: 'utf8',
    env: Object.assign({}, process.env, {HUZHU_LANG: 'zh'}),
  }).trim();
}
const hzJson = (dir, args) => JSON.parse(hz(dir, ['--json', ...args]));

// The village office node (A) and a second device (B) of the network.
const A = path.join(work, 'village');
const B = path.join(work, 'second');
let site; let item; let serve; let base; let browser;

async function startServe() {
  serve = spawn(HUZHU, ['-d', A, '--json', 'serve', '--listen', '127.0.0.1:0',
    '--http', '127.0.0.1:0'], {stdio: ['ignore', 'pipe', 'pipe']});
  const lines = readline.createInterface({input: serve.stdout});
  const it = lines[Symbol.asyncIterator]();
  const first = JSON.parse((await it.next()).value);
  assert.ok(first.listening, 'serve listens');
  const web = JSON.parse((await it.next()).value);
  base = web.web[web.web.length - 1].replace(/\/$/, '');
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
}

test.before(async () => {
  hz(A, ['init', '--name', '测试村委会']);
  hzJson(A, ['network', 'create', '--name', '测试网络']);
  site = hz(A, ['site', 'add', '--name', '测试小学安置点', '--kind', 'shelter',
    '--capacity', '2', '--area', '7']);
  item = hz(A, ['item', 'add', '--name', '棉被', '--unit', '床', '--category', 'bedding']);
  hz(A, ['stock', 'receive', site, item, '100', '--from', '县应急管理局']);
  hz(A, ['user', 'add', '王芳', '--role', 'admin'], PW + '\n');
  await startServe();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  fs.mkdirSync(SHOTS, {recursive: true});
});

test.after(async () => {
  if (browser) await browser.close();
  if (serve) {
    serve.kill('SIGTERM');
    await new Promise((r) => serve.once('exit', r));
  }
  fs.rmSync(work, {recursive: true, force: true});
});

async function noSideways(page, what) {
  const [sw, cw] = await page.evaluate(() =>
    [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(sw <= cw, `${what}: no horizontal scrolling at 360 px (${sw} > ${cw})`);
}

// A desktop page logged in as the admin (or the account @who), its
// script errors and server errors collected, every dialog accepted.
async function adminPage(extra, who) {
  const ctx = await browser.newContext(Object.assign({viewport: {width: 1280, height: 900}, locale: 'zh-CN'}, extra));
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('response', (r) => { if (r.status() >= 500) errors.push(`${r.status()} ${r.url()}`); });
  page.on('dialog', (d) => d.accept());
  await page.goto(base + '/');
  await page.fill('#l-name', who || '王芳');
  await page.fill('#l-pw', PW);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#q');
  return {ctx, page, errors};
}

// The disclosure's CSV offered by the page, its 合计 section's first row:
// 币种, 笔数, 接收, 分配, 拨付, 支出, 使用, 结余, 超支.
async function csvTotals(page) {
  const href = await page.getAttribute('#dl-dis-csv', 'href');
  const csv = await page.evaluate(async (h) => (await fetch(h)).text(), href);
  const lines = csv.split('\r\n');
  const i = lines.indexOf('"合计"');
  return lines[i + 2].split(',').map((c) => c.replace(/"/g, ''));
}

// The first row of the page's totals (#dc-totals) as its cells' texts.
async function shownTotals(page) {
  return (await page.$$eval('#dc-totals tr', (rows) =>
    rows.slice(1).map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent))))[0];
}

async function shot(page, name) {
  await page.screenshot({path: path.join(SHOTS, name + '.png'), fullPage: true});
}

test('a shelter manager on a phone, end to end', async () => {
  const ctx = await browser.newContext({viewport: {width: 360, height: 740},
    deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN'});
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // (a refused request, 401 at a wrong password, is the browser's own
  // console line, not a script error)
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('response', (r) => { if (r.status() >= 500) errors.push(`${r.status()} ${r.url()}`); });
  const outside = [];
  page.on('request', (r) => { if (!r.url().startsWith(base)) outside.push(r.url()); });

  // log in: a wrong password first
  await page.goto(base + '/');
  await page.fill('#l-name', '王芳');
  await page.fill('#l-pw', 'wrong-password');
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#login .err');
  assert.match(await page.textContent('#login .err'), /账号或密码错误/);
  await shot(page, 'phone-login');
  await page.fill('#l-pw', PW);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#q');
  assert.match(await page.textContent('#who'), /王芳/);

  // register a household of four, a wrong ID number refused first
  await page.click('a[href="#/register"]');
  await page.fill('[name=head_name]', '张大山');
  await page.fill('[name=village]', '测试河东村');
  await page.fill('[name=phone]', '13800000001');
  const member = async (i, name, sex, year, flags) => {
    if (i > 0) await page.click('#add-member');
    await page.fill(`[name="members.${i}.name"]`, name);
    if (sex) await page.selectOption(`[name="members.${i}.sex"]`, sex);
    if (year) await page.fill(`[name="members.${i}.birth_year"]`, String(year));
    for (const f of flags || []) await page.check(`[name="members.${i}.flag.${f}"]`);
  };
  await member(0, '张大山', 'male', 1949, ['elderly_mobility']);
  await member(1, '王芳', 'female', 1952, ['chronic']);
  await member(2, '张小明', 'male', 2015, ['left_behind']);
  await member(3, '张小红', 'female', 2017);
  await page.fill('[name="members.0.id_number"]', '110105194912310021');
  await noSideways(page, 'register');
  await shot(page, 'phone-register');
  await page.click('#register button[type=submit]');
  await page.waitForSelector('#register .err');
  assert.match(await page.textContent('#register .err'), /校验位/,
    'the wrong check digit is named beside the field');
  assert.equal(await page.getAttribute('[name="members.0.id_number"]', 'class'), 'bad');
  assert.equal(hzJson(A, ['ls', 'households']).length, 0, 'nothing was written');
  await page.fill('[name="members.0.id_number"]', '11010519491231002x');
  await page.click('#register button[type=submit]');
  await page.waitForURL(/#\/household\//);
  await page.waitForSelector('#members li');
  assert.equal(await page.locator('#members li').count(), 4, 'four members');
  const hh = hzJson(A, ['ls', 'households']);
  assert.equal(hh.length, 1);
  assert.equal(hh[0].head_name, '张大山');
  assert.equal(hh[0].members, 4);
  const persons = hzJson(A, ['ls', 'persons']);
  assert.equal(persons.find((p) => p.name === '张大山').id_number, '11010519491231002X');
  assert.equal(persons.find((p) => p.name === '张大山').elderly_mobility, true);

  // find by a two-character name, and by a surname alone
  await page.click('a[href="#/find"]');
  await page.fill('#q', '王芳');
  await page.waitForSelector('#results li');
  assert.match(await page.textContent('#results'), /王芳/);
  await page.fill('#q', '张');
  await page.waitForFunction(() => document.querySelectorAll('#results li').length >= 3);
  const found = await page.textContent('#results');
  for (const n of ['张大山', '张小明', '张小红']) assert.ok(found.includes(n), `surname finds ${n}`);
  // and by pinyin initials, typed on a phone with no Chinese input
  await page.fill('#q', 'zds');
  await page.waitForFunction(() => /张大山/.test(document.querySelector('#results').textContent));
  await page.fill('#q', '张');
  await page.waitForFunction(() => document.querySelectorAll('#results li').length >= 3);
  await noSideways(page, 'find');
  await shot(page, 'phone-find');

  // check two members into the shelter: the two children stay out
  await page.click('#results li a >> nth=0');
  await page.waitForSelector('#checkin');
  const picks = page.locator('#members input.pick');
  assert.equal(await picks.count(), 4);
  await page.uncheck('#members input[aria-label="张小明"]');
  await page.uncheck('#members input[aria-label="张小红"]');
  await page.click('#checkin');
  await page.waitForFunction(() => document.querySelectorAll('#members input.pick').length === 2);
  await shot(page, 'phone-household');

  // the household card: the household, its members and where each is
  // now, laid out for A4 (one page)
  await page.click('#open-card');
  await page.waitForSelector('#card');
  const card = await page.textContent('#card');
  for (const want of ['张大山', '测试河东村', '11010519491231002X', '测试小学安置点', '行动不便老人'])
    assert.ok(card.includes(want), `the card shows ${want}`);
  assert.equal(await page.locator('#card table.card-table:not(.fields) tr').count(), 5,
    'a heading and the four members');
  await noSideways(page, 'card');
  await shot(page, 'phone-card');
  await page.emulateMedia({media: 'print'});
  const cardPdf = path.join(SHOTS, 'household-card.pdf');
  await page.pdf({path: cardPdf, format: 'A4'});
  await page.emulateMedia({media: 'screen'});
  const pages = (fs.readFileSync(cardPdf, 'latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.equal(pages, 1, 'the card is one A4 page');
  await page.goBack();
  await page.waitForSelector('#members li');

  // the household's history names the account that registered it
  await page.click('#history summary');
  const hist = await page.textContent('#history');
  assert.match(hist, /王芳/, 'the account that made the web write');
  assert.match(hist, /张大山/, 'and what it wrote');
  const steps = hzJson(A, ['history', 'households', hh[0].id]);
  assert.equal(steps[0].account, '王芳', 'signed into the entry: the command line shows it too');

  // occupancy: 2 of 2, 3.5 m2 each, no warning yet
  await page.click('a[href="#/shelter"]');
  await page.waitForSelector('#occ');
  assert.match(await page.textContent('#occ'), /2 \/ 2/);
  assert.match(await page.textContent('#area'), /3\.5/);
  assert.equal(await page.locator('#sphere').count(), 0, 'no Sphere warning at 3.5 m2');
  await noSideways(page, 'shelter');

  // a CLI write on the node shows on the open page without a reload:
  // a third person checked in, space falls below 3.5 m2 each
  const third = persons.find((p) => p.name === '张小明').id;
  hz(A, ['checkin', third, site]);
  await page.waitForSelector('#sphere', {timeout: 10000});
  assert.match(await page.textContent('#occ'), /3 \/ 2/);
  assert.match(await page.textContent('#sphere'), /3\.5/);
  assert.equal(await page.locator('#here li').count(), 3);
  await shot(page, 'phone-shelter');

  // distribute blankets to the household; stock goes down
  await page.click('a[href="#/supplies"]');
  await page.waitForSelector('#stock');
  assert.match(await page.textContent('#stock'), /100/);
  await page.fill('#distribute [name=qty]', '2');
  await page.fill('#distribute [name=hh_q]', '张大山');
  await page.waitForFunction(() => document.querySelector('#distribute [name=household]').options.length > 0);
  await page.click('#distribute button[type=submit]');
  await page.waitForFunction(() => /98/.test(document.querySelector('#stock').textContent));
  const received = hzJson(A, ['show', 'received']);
  assert.equal(received.length, 1);
  assert.equal(received[0].received, 2);
  assert.equal(received[0].head_name, '张大山');
  await noSideways(page, 'supplies');
  await shot(page, 'phone-supplies');

  // the distribution sheet lists the household at the site, and prints on A4
  await page.click('#open-sheet');
  await page.waitForSelector('#sheet tr:nth-child(2)');
  assert.equal(await page.locator('#sheet tr').count(), 2, 'a heading and one household');
  assert.match(await page.textContent('#sheet'), /张大山/);
  await page.emulateMedia({media: 'print'});
  await shot(page, 'print-sheet');
  assert.equal(await page.locator('#tabs').isVisible(), false, 'no navigation on paper');
  await page.pdf({path: path.join(SHOTS, 'sheet.pdf'), format: 'A4'});
  await page.emulateMedia({media: 'screen'});
  await page.click('#tabs a[href="#/supplies"]');
  await page.waitForSelector('#stock');

  // English and back, remembered
  await page.click('#lang');
  await page.waitForFunction(() => document.querySelector('#tabs a[href="#/find"]').textContent === 'Find');
  await page.reload();
  await page.waitForSelector('#stock');
  assert.equal(await page.textContent('#tabs a[href="#/shelter"]'), 'Shelter', 'English is remembered');
  await shot(page, 'phone-supplies-en');
  await page.click('#lang');
  await page.waitForFunction(() => document.querySelector('#tabs a[href="#/find"]').textContent === '查找');

  // the village page: who is not accounted for; record a warning delivered
  await page.click('a[href="#/village"]');
  await page.waitForSelector('#unaccounted, .ok');
  await noSideways(page, 'village');
  await shot(page, 'phone-village');
  await page.click('#unaccounted .warn-open >> nth=0');
  await page.click('#unaccounted .warn-form button[type=submit]');
  await page.waitForFunction(() => !document.querySelector('#unaccounted .warn-form'));
  const warned = hzJson(A, ['ls', 'warnings']);
  assert.equal(warned.length, 1, 'one warning recorded');
  assert.equal(warned[0].by, '王芳', 'by the account that recorded it');
  // every household of the village: its status, cadre, the warning just
  // recorded and where its members are
  await page.waitForFunction(() => /测试河东村/.test((document.querySelector('#villages') || {}).textContent || ''));
  await page.waitForFunction(() => {
    const li = [...document.querySelectorAll('#village-households li')].find((x) => x.textContent.includes('张大山'));
    return li && /已通知/.test(li.textContent) && /测试小学安置点/.test(li.textContent);
  });
  await noSideways(page, 'village households');
  await shot(page, 'phone-village-households');

  // a conflict: A and B edit the household's phone without seeing each other
  const key = hzJson(B.replace(/$/, ''), ['init', '--name', '测试第二台']).key;
  const tok = hzJson(A, ['admit', key, '--name', '测试第二台', '--role', 'coordinator']).token;
  hzJson(B, ['join', tok]);
  const bundle = path.join(work, 'a.bundle');
  hz(A, ['bundle', 'export', bundle]);
  hz(B, ['bundle', 'import', bundle]);
  hz(B, ['put', 'households', 'phone=13900000002', '--id', hh[0].id]);
  hz(A, ['put', 'households', 'phone=13700000003', '--id', hh[0].id]);
  const back = path.join(work, 'b.bundle');
  hz(B, ['bundle', 'export', back]);
  hz(A, ['bundle', 'import', back]);
  assert.equal(hzJson(A, ['conflicts']).length, 1, 'one conflict kept for review');
  await page.click('a[href="#/more"]');
  await page.waitForSelector('#conflicts .conflict');
  const side = await page.textContent('#conflicts .conflict');
  assert.ok(side.includes('测试第二台') && side.includes('测试村委会'),
    'each kept value names the device that wrote it');
  const hash8 = (await page.textContent('#hash8')).replace(/\s/g, '');
  assert.equal(hash8, hz(A, ['state-hash']).slice(0, 8), 'the state hash in large type');
  await noSideways(page, 'network');
  await shot(page, 'phone-network');
  await page.click('#conflicts .conflict button >> nth=0');
  await page.waitForSelector('#conflicts', {state: 'detached'});
  assert.equal(hzJson(A, ['conflicts']).length, 0, 'the choice supersedes both');

  assert.deepEqual(outside, [], 'nothing is fetched from outside the node');
  assert.deepEqual(errors, [], 'no script errors');
  await ctx.close();
});

test('desktop width', async () => {
  const ctx = await browser.newContext({viewport: {width: 1280, height: 800}, locale: 'zh-CN'});
  const page = await ctx.newPage();
  await page.goto(base + '/');
  await page.fill('#l-name', '王芳');
  await page.fill('#l-pw', PW);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#q');
  for (const p of ['find', 'register', 'shelter', 'supplies', 'village', 'more']) {
    await page.click(`a[href="#/${p}"]`);
    await page.waitForTimeout(300);
    await shot(page, 'desktop-' + p);
  }

  // registering someone already registered is warned while typing,
  // before anything is saved
  await page.click('a[href="#/register"]');
  await page.fill('[name=head_name]', '张测试');
  await page.fill('[name=village]', '测试河东村');
  await page.fill('[name="members.0.name"]', '张大山');
  await page.fill('[name="members.0.birth_year"]', '1949');
  await page.waitForSelector('#register .member .dup-live');
  assert.match(await page.textContent('#register .member .dup-live'), /张大山/,
    'the registered person is named beside the form');
  await page.fill('[name="members.0.name"]', '张另人');
  await page.waitForSelector('#register .member .dup-live', {state: 'detached'});
  await page.fill('[name="members.0.id_number"]', '11010519491231002X');
  await page.waitForSelector('#register .member .dup-live');
  assert.match(await page.textContent('#register .member .dup-live'), /身份证号/,
    'the same ID number, named as the reason');
  await shot(page, 'desktop-register-duplicate');

  // an admin admits a third device; its join token comes as a QR code
  // that a camera reads back (zbarimg on the rendered image), and the
  // device joins with what was read
  await page.click('a[href="#/more"]');
  await page.waitForSelector('#admit');
  const C = path.join(work, 'third');
  const ckey = hzJson(C, ['init', '--name', '测试第三台']).key;
  await page.fill('#admit [name=key]', ckey);
  await page.fill('#admit [name=name]', '测试第三台');
  await page.selectOption('#admit [name=role]', 'viewer');
  await page.click('#admit button[type=submit]');
  await page.waitForSelector('#token-qr');
  const token = await page.inputValue('#token');
  // a change arriving meanwhile (here a CLI write) does not wipe the token
  hz(A, ['person', 'add', '--name', '测试刷新']);
  await page.waitForTimeout(1500);
  assert.equal(await page.inputValue('#token'), token, 'the token stays while it is being copied');
  const png = path.join(work, 'token-qr.png');
  // the image as the page shows it, alone on a page of its own (the
  // phone layout's fixed tab bar would cover part of it in place)
  const src = await page.getAttribute('#token-qr', 'src');
  const qrPage = await ctx.newPage();
  await qrPage.setContent(`<img id="qr" src="${src}" style="width:320px">`);
  await qrPage.locator('#qr').screenshot({path: png});
  await qrPage.close();
  const read = execFileSync('zbarimg', ['--raw', '-q', png],
    {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
  assert.equal(read, token, 'the QR code reads back as the join token');
  hz(C, ['join', read]);
  assert.equal(hzJson(C, ['status']).networked, true, 'the device joined with the token read from the QR code');
  await shot(page, 'desktop-admit-qr');
  // a revocation shows as an alert on the network page
  hz(A, ['revoke', ckey]);
  await page.click('a[href="#/find"]');
  await page.click('a[href="#/more"]');
  await page.waitForSelector('#revoked');
  assert.match(await page.textContent('#revoked'), /测试第三台/, 'the revoked device is named');
  await ctx.close();
});

test('the reports: the disaster report, who is not accounted for, duplicates', async () => {
  // a facility's damage, so the township row has a figure that is not 0
  hz(A, ['damage', '--facility', '测试桥', '--village', '测试河东村', '--crops', '1.5', '--loss', '5000']);
  const {ctx, page, errors} = await adminPage({acceptDownloads: true});
  await page.click('a[href="#/more"]');
  await page.click('#report-nav a[href="#/reports"]');
  await page.waitForSelector('#report-table tr[data-level=township]');

  // the township row shows the figures huzhu report disaster gives
  const town = hzJson(A, ['report', 'disaster']).rows.find((r) => r.level === 'township');
  const cells = await page.$$eval('#report-table tr[data-level=township] td',
    (tds) => tds.map((td) => [td.dataset.fig || null, td.textContent]));
  assert.equal(cells[0][1], '合计', 'the township row is 合计');
  for (const [fig, text] of cells.slice(1)) {
    const want = fig === 'crops_mu' ? town[fig].toFixed(2) : String(town[fig]);
    assert.equal(text, want, `the township's ${fig}`);
  }
  assert.equal(cells.length, 20, 'the village and 19 figures');
  assert.equal(town.loss_yuan >= 5000, true, 'the facility counts');
  assert.doesNotMatch(await page.textContent('#main'), /null|undefined/, 'no part left out shows as text');
  await shot(page, 'desktop-reports');

  // a public facility's damage, recorded on the report page, counts
  await page.fill('#facility-form [name=facility]', '测试水闸');
  await page.fill('#facility-form [name=village]', '测试河东村');
  await page.fill('#facility-form [name=loss_yuan]', '7000');
  await page.click('#facility-form button[type=submit]');
  await page.waitForSelector('#report-facilities li:has-text("测试水闸")');
  const gate = hzJson(A, ['report', 'disaster']).facilities.find((x) => x.facility === '测试水闸');
  assert.deepEqual([gate.village, gate.loss_yuan], ['测试河东村', 7000], 'the facility as typed');

  // the lists behind the figures, on demand
  await page.check('#r-explain');
  await page.waitForSelector('#report-explain');
  assert.match(await page.textContent('#report-explain'), /测试桥/, 'the facility is behind the loss');

  await page.uncheck('#r-explain');
  await page.waitForSelector('#report-explain', {state: 'detached'});

  // a figure's own list: a tap on the township's 受灾人口 lists exactly
  // that many persons
  await page.click('#report-table tr[data-level=township] td[data-fig=affected] a');
  await page.waitForSelector('#report-explain h2:has-text("受灾人口")');
  const listed = await page.locator('#report-explain tr').count() - 1;
  assert.equal(listed, town.affected, 'the list behind 受灾人口 has as many lines as the figure');
  await page.click('#report-explain-close');
  await page.waitForSelector('#report-explain', {state: 'detached'});

  // the CSV downloaded is the CLI's
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#dl-csv')]);
  const got = fs.readFileSync(await dl.path());
  const today = hzJson(A, ['report', 'disaster']).date;
  assert.match(dl.suggestedFilename(), new RegExp(`自然灾害情况统计表-初报-${today}\\.csv`));
  const csv = path.join(work, 'cli.csv');
  hz(A, ['report', 'disaster', '--format', 'csv', '--out', csv]);
  assert.deepEqual(got, fs.readFileSync(csv), 'the CSV downloaded is the one the CLI writes');

  // submit as 续报; the list shows it with the account
  await page.selectOption('#r-kind', 'daily');
  await page.waitForSelector('h1:has-text("续报")');
  await page.click('#report-submit');
  await page.waitForSelector('#report-submitted td:has-text("王芳")');
  const sub = hzJson(A, ['report', 'submitted']);
  assert.equal(sub[0].kind, 'daily');
  assert.equal(sub[0].account, '王芳', 'the submission names the account');
  await page.waitForSelector('#report-changes');

  // English
  await page.click('#lang');
  await page.waitForSelector('#report-table tr[data-level=township] td:has-text("Township")');
  await page.click('#lang');
  await page.waitForSelector('#report-table tr[data-level=township] td:has-text("合计")');

  // 不遗漏 and 查重
  await page.click('#report-nav a[href="#/completeness"]');
  await page.waitForSelector('#c-totals');
  const totals = hzJson(A, ['report', 'completeness']).totals;
  assert.match(await page.textContent('#c-totals'), new RegExp(String(totals.not_contacted)));
  await shot(page, 'desktop-completeness');
  // two records of one person: merged from the 查重 page, then unmerged
  const d1 = hz(A, ['put', 'persons', 'name=测试重复', 'birth_year=1960']);
  const d2 = hz(A, ['put', 'persons', 'name=测试重复', 'birth_year=1960']);
  await page.click('#report-nav a[href="#/dups"]');
  await page.waitForSelector('#dups .dup-group:has-text("测试重复")');
  await shot(page, 'desktop-dups');
  const group = page.locator('#dups .dup-group', {hasText: '测试重复'});
  const keepFirst = (await group.locator('li').first().textContent()).includes(d1.slice(0, 8));
  await group.locator('button.merge-keep').first().click();
  await page.waitForSelector('#merged li');
  const [keep, dup] = keepFirst ? [d1, d2] : [d2, d1];
  assert.equal(hzJson(A, ['get', 'persons', dup]).merged_into, keep, 'the other record is merged into the one kept');
  assert.equal(await page.locator('#dups .dup-group', {hasText: '测试重复'}).count(), 0, 'no longer a likely duplicate');
  await page.click('#merged button.unmerge');
  await page.waitForSelector('#dups .dup-group:has-text("测试重复")');
  assert.equal(hzJson(A, ['get', 'persons', dup]).merged_into, undefined, 'unmerged');
  assert.deepEqual(errors, [], 'no script errors');
  await ctx.close();

  // on a phone the report page never scrolls sideways (its table does, in its box)
  const phone = await browser.newContext({viewport: {width: 360, height: 740}, deviceScaleFactor: 2,
    isMobile: true, hasTouch: true, locale: 'zh-CN'});
  const p2 = await phone.newPage();
  await p2.goto(base + '/');
  await p2.fill('#l-name', '王芳');
  await p2.fill('#l-pw', PW);
  await p2.click('#login button[type=submit]');
  await p2.waitForSelector('#q');
  for (const p of ['reports', 'completeness', 'dups', 'import']) {
    await p2.goto(base + '/#/' + p);
    await p2.waitForSelector('#report-nav');
    await p2.waitForTimeout(300);
    await noSideways(p2, p);
    await shot(p2, 'phone-' + p);
  }
  await phone.close();
});

test('a village roster imported from the page: checked, imported once, broken rows by number', async () => {
  const rosters = path.join(__dirname, '..', 'roster');
  const {ctx, page, errors} = await adminPage({});
  await page.goto(base + '/#/reports');
  await page.click('#report-nav a[href="#/import"]');
  await page.waitForSelector('#imp-file');

  // the check writes nothing and says what the command line's dry run says
  const gb = path.join(rosters, 'roster-gb18030.csv');
  const before = hzJson(A, ['status']).entries;
  const want = hzJson(A, ['import', 'roster', gb, '--dry-run']);
  await page.setInputFiles('#imp-file', gb);
  await page.click('#imp-check');
  await page.waitForSelector('#import-counts');
  assert.equal(await page.textContent('#import-status'), '检查结果：未写入任何数据');
  assert.equal(await page.textContent('#import-counts .hh-new'), String(want.households.new));
  assert.equal(await page.textContent('#import-counts .ps-new'), String(want.persons.new));
  assert.match(await page.textContent('#import-result'), /GB18030/, 'the encoding found');
  assert.deepEqual(hzJson(A, ['status']).entries, before, 'the check wrote nothing');
  await shot(page, 'desktop-import-check');

  // the import writes the households once; again, it adds nothing
  await page.click('#imp-run');
  await page.waitForSelector('#import-status:has-text("已导入")');
  assert.equal(await page.textContent('#import-counts .hh-new'), '3');
  const numbers = hzJson(A, ['ls', 'households']).map((h) => h.number).filter((x) => x).sort();
  assert.deepEqual(numbers, ['001', '002', '003'], 'the roster households are on the node');
  await page.click('#imp-run');
  await page.waitForSelector('#import-counts .hh-new:text-is("0")');
  assert.match(await page.textContent('#import-counts'), /以前已导入/);

  // the household's damage and relief, recorded on its page
  const hh001 = hzJson(A, ['ls', 'households']).find((h) => h.number === '001').id;
  await page.goto(base + '/#/household/' + hh001);
  await page.waitForSelector('#damage-form');
  await page.selectOption('#damage-form select[name=house]', 'collapsed');
  await page.fill('#damage-form [name=rooms]', '3');
  await page.fill('#damage-form [name=crops_mu]', '1.5');
  await page.fill('#damage-form [name=loss_yuan]', '20000');
  await page.click('#damage-form button[type=submit]');
  await page.waitForSelector('#damage-latest');
  assert.match(await page.textContent('#damage-latest'), /倒塌 · 3 间 · 1.5 亩 · 20000 元/);
  const dmg = hzJson(A, ['ls', 'damage']).filter((d) => d.household === hh001);
  assert.deepEqual(dmg.map((d) => [d.house, d.rooms, d.crops_mu, d.loss_yuan]), [['collapsed', 3, 1.5, 20000]], 'one assessment, as typed');
  const entriesBefore = hzJson(A, ['status']).entries;
  await page.selectOption('#relief-form select[name=method]', 'cash');
  await page.fill('#relief-form [name=cash_fen]', '12.345');
  await page.click('#relief-form button[type=submit]');
  await page.waitForSelector('#relief-form .err');
  assert.match(await page.textContent('#relief-form .err'), /两位小数/);
  assert.deepEqual(hzJson(A, ['status']).entries, entriesBefore, 'a bad amount writes nothing');
  await page.fill('#relief-form [name=cash_fen]', '500.5');
  await page.fill('#relief-form [name=persons]', '2');
  await page.click('#relief-form button[type=submit]');
  await page.waitForSelector('#relief-paid li');
  assert.match(await page.textContent('#relief-paid'), /现金 500.50 元/);
  const paid = hzJson(A, ['ls', 'relief']).filter((x) => x.household === hh001);
  assert.deepEqual(paid.map((x) => [x.method, x.cash_fen, x.persons, x.by]), [['cash', 50050, 2, '王芳']], 'the payment in fen, as typed in yuan');
  const rel = hzJson(A, ['report', 'relief']);
  assert.ok(rel.rows.some((r) => r.household === hh001), 'the household is on the relief list');
  await page.goto(base + '/#/import');
  await page.waitForSelector('#imp-file');

  // broken rows: listed by their line with the reason
  await page.setInputFiles('#imp-file', path.join(rosters, 'roster-broken.csv'));
  await page.click('#imp-check');
  await page.waitForSelector('#import-refused');
  const refusedRows = await page.$$eval('#import-refused tr td:first-child', (tds) => tds.map((td) => Number(td.textContent)));
  const cli = hzJson(A, ['import', 'roster', path.join(rosters, 'roster-broken.csv'), '--dry-run']);
  assert.deepEqual(refusedRows, cli.refused.map((r) => r.row), 'the rows the command line refuses, in order');
  assert.match(await page.textContent('#import-refused'), /校验位不符/, 'the reason in Chinese');

  // a file that is no roster: a clear error, nothing written
  const junk = path.join(work, 'junk.xlsx');
  fs.writeFileSync(junk, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(500, 7)]));
  const mid = hzJson(A, ['status']).entries;
  await page.setInputFiles('#imp-file', junk);
  await page.click('#imp-check');
  await page.waitForSelector('#import-status.err');
  assert.match(await page.textContent('#import-status'), /文件无法读取/);
  assert.deepEqual(hzJson(A, ['status']).entries, mid, 'nothing written');
  assert.deepEqual(errors, [], 'no script errors');
  await ctx.close();
});

test('social forces: an organisation found, a volunteer checked in and out, hours recorded, the service record printed', async () => {
  const {ctx, page, errors} = await adminPage({acceptDownloads: true});
  await page.click('a[href="#/more"]');
  await page.click('#social-nav a[href="#/orgs"]');
  await page.waitForSelector('#org-add');
  await page.fill('#org-add [name=name]', '测试救援队');
  await page.selectOption('#org-add [name=kind]', 'volunteer_team');
  await page.fill('#org-add [name=services]', '水上救援,医疗');
  await page.fill('#org-add [name=stocks]', '矿泉水');
  await page.fill('#org-add [name=village]', '测试河东村');
  await page.click('#org-add button[type=submit]');
  await page.waitForSelector('#orgs li:has-text("测试救援队")');
  // one confirmed long ago, from the command line: marked on the page
  hz(A, ['org', 'add', '--name', '测试粮油公司', '--kind', 'firm', '--stocks', '大米', '--confirmed', '2024-01-01']);
  await page.fill('#org-search [name=item]', '大米');
  await page.click('#org-search button[type=submit]');
  await page.waitForSelector('#orgs li.stale:has-text("测试粮油公司")');
  assert.match(await page.textContent('#orgs'), /超过 30 天未确认/, 'the stale entry is marked');
  assert.doesNotMatch(await page.textContent('#orgs'), /测试救援队/, 'searched by item');
  const org = hzJson(A, ['org', 'ls', '--skill', '水上']).organisations[0];
  assert.equal(org.name, '测试救援队', 'the page wrote what huzhu org ls finds');

  await page.click('#social-nav a[href="#/volunteers"]');
  await page.waitForSelector('#vol-add');
  await page.fill('#vol-add [name=name]', '测试志愿者');
  await page.fill('#vol-add [name=skills]', '医护');
  await page.selectOption('#vol-add [name=organisation]', org.id);
  await page.click('#vol-add button[type=submit]');
  await page.waitForSelector('#vol-checkin');
  await page.fill('#vol-checkin [name=task]', '医疗');
  await page.click('#vol-checkin button[type=submit]');
  await page.waitForSelector('#vol-checkout');
  await page.click('#vol-checkout button[type=submit]');
  await page.waitForSelector('#vol-checkin');
  // hours: a wrong number refused before anything is sent, then 2.5
  await page.fill('#vol-hours [name=hours]', '-3');
  await page.click('#vol-hours button[type=submit]');
  await page.waitForSelector('#vol-hours .err');
  await page.fill('#vol-hours [name=hours]', '2.5');
  await page.fill('#vol-hours [name=task]', '搬运');
  await page.fill('#vol-hours [name=began]', '2024-06-01T08:00');
  await page.click('#vol-hours button[type=submit]');
  await page.waitForSelector('#vol-total:has-text("2.50")');
  const v = hzJson(A, ['volunteer', 'ls']).find((x) => x.name === '测试志愿者');
  const rec = hzJson(A, ['volunteer', 'record', v.id]);
  assert.equal(rec.periods.length, 2, 'a check-in closed and hours recorded');
  assert.equal(rec.by_task.find((x) => x.task === '搬运').minutes, 150, '2.5 hours');

  await page.click('#vol-record-link');
  await page.waitForSelector('#record');
  const total = (rec.total_minutes / 60).toFixed(2);
  assert.match(await page.textContent('#record-total'), new RegExp(total.replace('.', '\\.')),
    'the record shows the total huzhu volunteer record gives');
  assert.match(await page.textContent('#record'), /志愿服务记录证明/);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#dl-vol-csv')]);
  const csv = fs.readFileSync(await dl.path(), 'utf8');
  assert.match(csv, /"合计\(小时\)","/, 'the CSV downloads');
  await page.emulateMedia({media: 'print'});
  assert.equal(await page.isVisible('#social-nav'), false, 'no navigation on paper');
  assert.equal(await page.isVisible('#tabs'), false, 'no tabs on paper');
  const pdf = await page.pdf({format: 'A4', printBackground: true});
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.equal(pages, 1, 'the record prints on one A4 page');
  await shot(page, 'desktop-volunteer-record');
  await page.emulateMedia({media: 'screen'});
  // on a phone: no page scrolls sideways
  await page.setViewportSize({width: 360, height: 740});
  await noSideways(page, 'the service record');
  await page.click('a[href^="#/volunteer/"]');
  await page.waitForSelector('#vol-hours');
  await noSideways(page, 'a volunteer');
  await page.goto(base + '/#/orgs');
  await page.waitForSelector('#orgs');
  await noSideways(page, 'the organisations');
  await shot(page, 'phone-organisations');
  assert.deepEqual(errors, [], 'no script or server errors');
  await ctx.close();
});

test('needs and offers: a coordinator matches an offer to a need across two villages; promised, then met when received', async () => {
  const {ctx, page, errors} = await adminPage();
  // A need at the shelter of one village, an offer from a team at a site
  // of another village, from the command line.
  hz(A, ['site', 'add', '--name', '测试河西村委会', '--kind', 'village_office', '--lat', '30.90', '--lon', '118.00']);
  const west = hzJson(A, ['ls', 'sites']).find((x) => x.name === '测试河西村委会').id;
  const water = hz(A, ['item', 'add', '--name', '测试矿泉水', '--unit', '箱', '--category', 'water']);
  const need = hz(A, ['need', 'add', '--what', '测试矿泉水', '--qty', '50', '--unit', '箱', '--category', 'water',
    '--item', water, '--urgency', 'critical', '--site', site, '--village', '测试河东村']);
  const team = hz(A, ['org', 'add', '--name', '测试西村救援队', '--kind', 'volunteer_team', '--village', '测试河西村']);
  await page.click('a[href="#/more"]');
  await page.click('#social-nav a[href="#/needs"]');
  // the offer recorded on the page: without a quantity refused first
  await page.waitForSelector('#offer-add');
  await page.fill('#offer-add [name=what]', '测试矿泉水');
  await page.click('#offer-add button[type=submit]');
  await page.waitForSelector('#offer-add .err');
  await page.fill('#offer-add [name=qty]', '80');
  await page.fill('#offer-add [name=unit]', '箱');
  await page.selectOption('#offer-add [name=category]', 'water');
  await page.selectOption('#offer-add [name=organisation]', team);
  await page.selectOption('#offer-add [name=site]', west);
  await page.click('#offer-add button[type=submit]');
  await page.waitForSelector('#offers li:has-text("测试西村救援队")');
  const offer = hzJson(A, ['offer', 'ls']).find((x) => x.organisation === team);
  assert.equal(offer.qty, 80, 'the page wrote what huzhu offer ls finds');
  await page.waitForSelector(`#needs li[data-id="${need}"] .state[data-state="open"]`);
  assert.match(await page.textContent(`#needs li[data-id="${need}"]`), /待对接/, 'open, in Chinese');
  const sug = await page.textContent('#suggestions');
  assert.match(sug, /测试西村救援队/, 'the offer of the other village suggested');
  assert.match(sug, /测试河西村/, 'with its village');
  // a wrong quantity is refused before anything is sent
  const before = hzJson(A, ['status']).entries;
  await page.fill('#commit-0 [name=qty]', '0');
  await page.click('#commit-0 button[type=submit]');
  await page.waitForSelector('#commit-0 .err');
  assert.deepEqual(hzJson(A, ['status']).entries, before, 'nothing written');
  await page.fill('#commit-0 [name=qty]', '50');
  await page.click('#commit-0 button[type=submit]');
  await page.waitForSelector(`#needs li[data-id="${need}"] .state[data-state="promised"]`);
  assert.match(await page.textContent(`#needs li[data-id="${need}"]`), /已承诺/, 'promised');
  const m = hzJson(A, ['match', 'ls', '--need', need]);
  assert.equal(m.length, 1, 'one promise written');
  assert.equal(m[0].qty, 50, 'of 50');
  await shot(page, 'desktop-needs');
  // the goods arrive at the shelter: received into stock against the match
  await page.click(`#receive-${m[0].match} button[type=submit]`);
  await page.waitForSelector(`#needs li[data-id="${need}"] .state[data-state="met"]`);
  assert.match(await page.textContent(`#needs li[data-id="${need}"]`), /已满足/, 'met');
  const got = hzJson(A, ['need', 'show', need]);
  assert.equal(got.state, 'met', 'huzhu need show says met');
  assert.equal(got.received, 50, '50 received');
  const stock = hzJson(A, ['show', 'stock']).find((x) => x.item === water);
  assert.equal(stock.on_hand, 50, 'into the shelter\'s stock');
  await page.setViewportSize({width: 360, height: 740});
  await noSideways(page, 'needs and offers');
  await shot(page, 'phone-needs');
  assert.deepEqual(errors, [], 'no script or server errors');
  await ctx.close();
});

test('donations disclosed: the page 捐赠公示 shows the totals of its CSV, for the township and an organisation', async () => {
  const {ctx, page, errors} = await adminPage();
  const org = hz(A, ['org', 'add', '--name', '测试红十字会', '--kind', 'social_org']);
  const d = hz(A, ['donation', 'add', '--kind', 'money', '--amount', '1000', '--donor', '测试企业', '--org', org]);
  hz(A, ['donation', 'add', '--kind', 'money', '--amount', '50', '--anonymous']);
  hz(A, ['ledger', 'spend', d, '--amount', '400.50', '--village', '测试河东村', '--purpose', '测试饮用水']);
  await page.click('a[href="#/more"]');
  await page.click('#social-nav a[href="#/disclosure"]');
  await page.waitForSelector('#dc-totals');
  let csv = await csvTotals(page);
  let row = await shownTotals(page);
  assert.deepEqual([row[0], row[2], row[4], row[5]], [csv[0], csv[2], csv[6], csv[7]],
    'currency, received, used and balance as the CSV says them');
  assert.deepEqual([row[2], row[4], row[5]], ['1050.00', '400.50', '649.50'], 'the township\'s totals');
  assert.match(await page.textContent('#dc-donations'), /匿名/, 'an anonymous donor shown as such');
  assert.match(await page.textContent('#dc-villages'), /测试河东村/, 'what was used per village');
  assert.match(await page.textContent('#dc-uses'), /测试饮用水/, 'the use listed');
  assert.equal(await page.$('#dc-uses-page'), null, 'all the uses on one page: no pager');
  // A page past the first (#/disclosure/ORG/OFFSET): which rows of how many, and the way back.
  await page.evaluate(() => { location.hash = '#/disclosure//1'; });
  await page.waitForSelector('#dc-uses-page');
  assert.match(await page.textContent('#dc-uses-page'), /共 1 条/, 'the page says how many uses there are');
  assert.equal(await page.$('#dc-next'), null, 'no page after the last');
  await page.click('#dc-prev');
  await page.waitForFunction(() => location.hash === '#/disclosure//0');
  await page.waitForSelector('#dc-uses-page', {state: 'detached'});
  assert.match(await page.textContent('#dc-uses'), /测试饮用水/, 'back on the first page');
  await page.selectOption('#dc-org', org);
  await page.waitForFunction((o) => location.hash === '#/disclosure/' + o, org);
  await page.waitForSelector('#dc-donations:not(:has-text("匿名"))');
  csv = await csvTotals(page);
  row = await shownTotals(page);
  assert.deepEqual([row[2], row[4], row[5]], [csv[2], csv[6], csv[7]], 'the organisation\'s, as its CSV');
  assert.deepEqual([row[2], row[4], row[5]], ['1000.00', '400.50', '599.50'], 'its own donation alone');
  await page.setViewportSize({width: 360, height: 740});
  await noSideways(page, 'the disclosure');
  await shot(page, 'phone-disclosure');
  assert.deepEqual(errors, [], 'no script or server errors');
  await ctx.close();
});

test('donations recorded on the page: a donation and its use; an overdraw refused by the node, a wrong amount by the page; a viewer sees no forms', async () => {
  hz(A, ['user', 'add', '测试协调员', '--role', 'coordinator'], PW + '\n');
  hz(A, ['user', 'add', '测试观察员', '--role', 'viewer'], PW + '\n');
  const org = hz(A, ['org', 'add', '--name', '测试慈善总会', '--kind', 'social_org']);
  const {ctx, page, errors} = await adminPage({viewport: {width: 360, height: 740}}, '测试协调员');
  await page.click('a[href="#/more"]');
  await page.click('#social-nav a[href="#/disclosure"]');
  await page.waitForSelector('#dc-org');
  await page.selectOption('#dc-org', org);
  await page.waitForFunction((o) => location.hash === '#/disclosure/' + o, org);
  await page.waitForSelector(`#donation-add [name=organisation] option[value="${org}"][selected]`, {state: 'attached'});
  assert.equal(await page.inputValue('#donation-add [name=organisation]'), org,
    'received by the organisation whose disclosure is shown');
  // amounts that are no sum in yuan are refused on the page, nothing sent
  const entries = () => hzJson(A, ['status']).entries;
  let before = entries();
  await page.fill('#donation-add [name=donor]', '测试爱心企业');
  for (const bad of ['1.234', '-5', 'abc', '0', '']) {
    await page.fill('#donation-add [name=amount]', bad);
    await page.click('#donation-add button[type=submit]');
    await page.waitForSelector('#donation-add [name=amount] + .err');
    assert.match(await page.textContent('#donation-add .err'), /金额须为正数\(元\)，最多两位小数/, `"${bad}" refused`);
  }
  assert.deepEqual(entries(), before, 'nothing written');
  // 100.00 yuan received, written as 10000 fen
  await page.fill('#donation-add [name=amount]', '100.00');
  await page.fill('#donation-add [name=reference]', '测试收据-001');
  await page.fill('#donation-add [name=restriction]', '测试饮用水');
  await page.click('#donation-add button[type=submit]');
  await page.waitForSelector('#dc-donations:has-text("测试爱心企业")');
  const dn = hzJson(A, ['donation', 'ls', '--org', org]);
  assert.equal(dn.length, 1, 'one donation written');
  assert.deepEqual([dn[0].kind, dn[0].amount, dn[0].currency, dn[0].donor, dn[0].reference, dn[0].restriction],
    ['money', 10000, 'CNY', '测试爱心企业', '测试收据-001', '测试饮用水'], 'as huzhu donation add would write it');
  // an expenditure of 30.00 from it
  await page.selectOption('#ledger-add [name=donation]', dn[0].donation);
  assert.match(await page.textContent(`#ledger-add option[value="${dn[0].donation}"]`), /测试爱心企业 · 100\.00 .* · 结余 100\.00/,
    'the donation listed with its donor, amount and balance');
  await page.selectOption('#ledger-add [name=kind]', 'expenditure');
  await page.fill('#ledger-add [name=amount]', '30.00');
  await page.fill('#ledger-add [name=purpose]', '测试购买饮用水');
  await page.fill('#ledger-add [name=village]', '测试河西村');
  await page.click('#ledger-add button[type=submit]');
  await page.waitForSelector('#dc-uses:has-text("测试购买饮用水")');
  const uses = hzJson(A, ['ledger', 'ls', '--donation', dn[0].donation]);
  assert.deepEqual(uses.map((x) => [x.kind, x.amount, x.purpose, x.village]),
    [['expenditure', 3000, '测试购买饮用水', '测试河西村']], 'one expenditure of 3000 fen');
  const csv = await csvTotals(page);
  const row = await shownTotals(page);
  assert.deepEqual([row[2], row[4], row[5]], ['100.00', '30.00', '70.00'], 'received, used, balance');
  assert.deepEqual([row[0], row[2], row[4], row[5]], [csv[0], csv[2], csv[6], csv[7]], 'as the CSV says them');
  // 80.00 more is refused by the node, its message under the amount
  before = entries();
  await page.selectOption('#ledger-add [name=donation]', dn[0].donation);
  await page.selectOption('#ledger-add [name=kind]', 'expenditure');
  await page.fill('#ledger-add [name=amount]', '80.00');
  await page.click('#ledger-add button[type=submit]');
  await page.waitForSelector('#ledger-add [name=amount] + .err');
  const err = await page.textContent('#ledger-add .err');
  assert.match(err, /输入的内容不被接受/, 'the node\'s refusal');
  assert.match(err, /金额 80\.00 元超过该捐赠尚可使用的 70\.00 元，未写入/, 'what was left');
  assert.deepEqual(entries(), before, 'nothing written');
  assert.equal(hzJson(A, ['ledger', 'ls', '--donation', dn[0].donation]).length, 1, 'still one use');
  // the wrong amount on the use form too
  await page.fill('#ledger-add [name=amount]', '1.234');
  await page.click('#ledger-add button[type=submit]');
  await page.waitForFunction(() => /最多两位小数/.test((document.querySelector('#ledger-add .err') || {}).textContent || ''));
  assert.deepEqual(entries(), before, 'nothing written');
  // English on the switch
  await page.click('#lang');
  await page.waitForSelector('#donation-add h2:has-text("Record a donation received")');
  assert.match(await page.textContent('#ledger-add h2'), /Record a use of a donation/);
  await page.click('#lang');
  await page.waitForSelector('#donation-add h2:has-text("登记收到的捐赠")');
  await noSideways(page, 'the donation forms');
  await shot(page, 'phone-donation-forms');
  assert.deepEqual(errors, [], 'no script or server errors');
  await ctx.close();
  // a viewer sees the disclosure, not the forms
  const v = await adminPage({viewport: {width: 360, height: 740}}, '测试观察员');
  await v.page.evaluate((o) => { location.hash = '#/disclosure/' + o; }, org);
  await v.page.waitForSelector('#dc-donations:has-text("测试爱心企业")');
  assert.equal(await v.page.$('#donation-add'), null, 'no donation form for a viewer');
  assert.equal(await v.page.$('#ledger-add'), null, 'no use form for a viewer');
  assert.deepEqual(v.errors, [], 'no script or server errors');
  await v.ctx.close();
});

test('warnings to every household: a cadre on a phone works through the unreached list until it is empty', async () => {
  const {ctx, page, errors} = await adminPage();
  await page.setViewportSize({width: 360, height: 740});
  const hh = (head, village, extra) => hzJson(A, ['household', 'add', '--head', head, '--village', village, '--cadre', '测试干部', ...(extra || [])]).id;
  const weak = hh('测试预警甲', '测试预警村', ['--member', '测试老人,男,1940,残疾']);
  const plain = hh('测试预警乙', '测试预警村');
  hh('测试村外丙', '测试别村');
  const w = hzJson(A, ['alert', 'add', '--event', '暴雨', '--headline', '测试暴雨橙色预警', '--villages', '测试预警村',
    '--severity', 'severe', '--instruction', '立即转移']).id;
  await page.goto(base + '/#/more');
  await page.click('#care-nav a[href="#/alerts"]');
  await page.waitForSelector(`#alerts a[href="#/alert/${w}"]`);
  assert.match(await page.textContent('#alerts'), /已送达 0 \/ 共 2 户/, 'the campaign and how far it got');
  await page.click(`#alerts a[href="#/alert/${w}"]`);
  await page.waitForSelector('#unreached');
  const order = await page.$$eval('#unreached li', (ls) => ls.map((l) => l.dataset.household));
  assert.deepEqual(order, [weak, plain], 'the vulnerable household first, the one outside the area not listed');
  await noSideways(page, 'a campaign');
  await shot(page, 'phone-warning-campaign');
  // one tap: reached at the door
  await page.click(`#unreached li[data-household="${weak}"] button[data-method="door"]`);
  await page.waitForSelector(`#reached li[data-household="${weak}"]`, {state: 'attached'});
  assert.equal(await page.$(`#unreached li[data-household="${weak}"]`), null, 'it left the unreached list');
  assert.match(await page.textContent('#alert-progress'), /已送达 1 \/ 共 2 户/);
  // the other reached by a grid worker on another device, whose entry
  // arrives by bundle: the page follows, the list is empty
  const G = path.join(work, 'grid-worker');
  const key = hzJson(G, ['init', '--name', '测试网格员设备']).key;
  hzJson(G, ['join', hzJson(A, ['admit', key, '--name', '测试网格员设备', '--role', 'coordinator']).token]);
  const toG = path.join(work, 'to-grid-worker.bundle');
  hz(A, ['bundle', 'export', toG]);
  hz(G, ['bundle', 'import', toG]);
  hz(G, ['alert', 'deliver', w, plain, '--method', 'phone', '--by', '测试网格员']);
  assert.equal(await page.$('#all-reached'), null, 'not yet: the delivery is on the other device');
  const fromG = path.join(work, 'from-grid-worker.bundle');
  hz(G, ['bundle', 'export', fromG]);
  hz(A, ['bundle', 'import', fromG]);
  await page.waitForSelector('#all-reached');
  assert.match(await page.textContent('#alert-progress'), /已送达 2 \/ 共 2 户/);
  const rep = hzJson(A, ['alert', 'show', w]);
  assert.deepEqual(rep.totals, {households: 2, reached: 2, unreached: 0, unreached_vulnerable: 0},
    'the page wrote what huzhu alert show counts');
  assert.equal(rep.households.find((x) => x.household === weak).method, 'door', 'by the method tapped');
  // another cadre's household joins the area: the whole list shows it,
  // the first cadre's own list (a tap on the cadre) is done
  const late = hzJson(A, ['household', 'add', '--head', '测试预警丁', '--village', '测试预警村', '--cadre', '测试干部乙']).id;
  await page.waitForSelector(`#unreached li[data-household="${late}"]`);
  const cadreLink = (c) => `#by-cadre a[href$="/${encodeURIComponent(c)}"]`;
  await page.click(cadreLink('测试干部乙'));
  await page.waitForSelector('#alert-filter:has-text("测试干部乙")');
  assert.deepEqual(await page.$$eval('#unreached li', (ls) => ls.map((l) => l.dataset.household)), [late],
    'the cadre\'s own unreached list');
  await page.click('#alert-all');
  await page.waitForSelector('#alert-filter', {state: 'detached'});
  await page.click(cadreLink('测试干部'));
  await page.waitForSelector('#all-reached');
  assert.match(await page.textContent('#alert-filter'), /测试干部/);
  await noSideways(page, 'one cadre\'s list');
  // a CAP alert from the weather service imported on the page: a file
  // that is none refused under the file, the alert itself a campaign
  const capDir = path.join(__dirname, '..', 'integration', 'cap');
  await page.click('#care-nav a[href="#/alerts"]');
  await page.waitForSelector('#cap-import');
  await page.setInputFiles('#cap-import input[type=file]', path.join(capDir, 'not_cap.xml'));
  await page.click('#cap-import button[type=submit]');
  await page.waitForSelector('#cap-import .err');
  assert.match(await page.textContent('#cap-import .err'), /不是可读的 CAP 1.2 预警文件/);
  await page.setInputFiles('#cap-import input[type=file]', path.join(capDir, 'rainstorm.xml'));
  await page.fill('#cap-import input[name=villages]', '测试预警村');
  await page.click('#cap-import button[type=submit]');
  await page.waitForSelector('h1:has-text("某县气象台发布暴雨橙色预警")');
  const imported = hzJson(A, ['alert', 'ls']).find((x) => x.identifier === 'CN-QX-2024-0601-0042');
  assert.equal(imported.villages, '测试预警村', 'the village typed (the alert names none of this node\'s)');
  assert.equal(imported.totals.households, 3, 'its campaign: the households of 测试预警村');
  await noSideways(page, 'a CAP alert imported');
  assert.deepEqual(errors, [], 'no script or server errors');
  await ctx.close();
});

test('patrols and hazards: a hazard reported on another node appears at the top of the township\'s page; a response and a round recorded on a phone', async () => {
  const {ctx, page, errors} = await adminPage();
  await page.setViewportSize({width: 360, height: 740});
  // a patroller's device of the network, which got the point by bundle
  const C = path.join(work, 'patroller');
  const key = hzJson(C, ['init', '--name', '测试巡查员']).key;
  const tok = hzJson(A, ['admit', key, '--name', '测试巡查员', '--role', 'coordinator']).token;
  hzJson(C, ['join', tok]);
  const pt = hzJson(A, ['patrol', 'point', '--name', '测试东堤', '--kind', 'dike', '--village', '测试堤村', '--interval', '4']).id;
  const out = path.join(work, 'to-patroller.bundle');
  hz(A, ['bundle', 'export', out]);
  hz(C, ['bundle', 'import', out]);
  const hzid = hzJson(C, ['hazard', 'report', '--kind', 'seepage', '--severity', 'severe', '--point', pt,
    '--at-risk', '30', '--by', '测试巡查员']).id;
  assert.equal(await page.isHidden('#hazards-top'), true, 'no open hazard yet');
  const back = path.join(work, 'from-patroller.bundle');
  hz(C, ['bundle', 'export', back]);
  hz(A, ['bundle', 'import', back]);
  // the page follows the import: the hazard at the top, without a reload
  await page.waitForSelector('#open-hazards');
  assert.match(await page.textContent('#open-hazards'), /未处置险情 1 处/);
  assert.match(await page.textContent('#open-hazards'), /重大 渗水\/管涌 测试堤村/);
  await noSideways(page, 'an open hazard at the top');
  await shot(page, 'phone-open-hazard');
  // a response recorded on the page closes it
  await page.click('#open-hazards');
  const li = `#hazards li[data-hazard="${hzid}"]`;
  await page.waitForSelector(`${li} form.respond`);
  await noSideways(page, 'hazards');
  await page.fill(`${li} input[name=action]`, '已抢险加固');
  await page.click(`${li} button[type=submit]`);
  await page.waitForSelector('#hazards-top', {state: 'hidden'});
  const rep = hzJson(A, ['hazard', 'ls']);
  assert.equal(rep.open, 0, 'the page wrote the response huzhu hazard ls counts');
  assert.equal(rep.hazards.find((x) => x.hazard === hzid).last_action, '已抢险加固');
  // the point, never patrolled, is overdue until a round is recorded
  await page.click('#care-nav a[href="#/patrols"]');
  const pli = `#points li[data-point="${pt}"]`;
  await page.waitForSelector(pli);
  assert.match(await page.textContent(pli), /超时未巡/);
  await noSideways(page, 'patrol points');
  await shot(page, 'phone-patrol-points');
  await page.fill(`${pli} input[name=seen]`, '背水坡无渗水');
  await page.click(`${pli} button[type=submit]`);
  await page.waitForFunction((sel) => {
    const e = document.querySelector(sel);
    return e && !/超时未巡/.test(e.textContent) && /最近巡查/.test(e.textContent);
  }, pli);
  const p = hzJson(A, ['patrol', 'ls']).points.find((x) => x.point === pt);
  assert.deepEqual([p.rounds, p.last_seen, p.overdue], [1, '背水坡无渗水', false], 'the round as huzhu patrol ls reads it');
  // a shift added on the page 值班: on duty now; one ending first refused
  await page.click('#care-nav a[href="#/duty"]');
  await page.waitForSelector('#shift-add');
  const shifts = () => hzJson(A, ['ls', 'shifts']).length;
  const before = shifts();
  await page.fill('#shift-add #f-who', '测试值班员');
  await page.selectOption('#shift-add #sh-site', site);
  await page.fill('#shift-add #f-ends', '2000-01-01T08:00');
  await page.click('#shift-add button[type=submit]');
  await page.waitForSelector('#shift-add .err');
  assert.match(await page.textContent('#shift-add .err'), /结束时间须晚于开始时间/);
  assert.equal(shifts(), before, 'a shift ending before it starts writes nothing');
  const later = new Date(Date.now() + 8 * 3600 * 1000 - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  await page.fill('#shift-add #f-ends', later);
  await page.click('#shift-add button[type=submit]');
  await page.waitForFunction(() => /测试值班员/.test((document.querySelector('#on-duty') || {}).textContent || ''));
  await noSideways(page, 'duty');
  await shot(page, 'phone-duty');
  const now = hzJson(A, ['duty', 'now']).places.find((x) => x.site === site);
  assert.deepEqual(now.on_duty.map((x) => x.who), ['测试值班员'], 'on duty as huzhu duty now reads it');
  assert.deepEqual(errors, [], 'no script or server errors');
  await ctx.close();
});

test('recovery plans (一户一策): a measure agreed on a phone, progress recorded to done, the household leaves the open list; a bad percent refused by the page; a measure cancelled', async () => {
  const {ctx, page, errors} = await adminPage();
  await page.setViewportSize({width: 360, height: 740});
  const h = hzJson(A, ['household', 'add', '--head', '测试重建户', '--village', '测试恢复村', '--cadre', '测试包保干部']).id;
  hz(A, ['damage', h, '--house', 'severe', '--rooms', '2']);
  // from 更多 to 一户一策: nothing open yet
  await page.goto(base + '/#/more');
  await page.click('#care-nav a[href="#/recovery"]');
  await page.waitForSelector('#recovery-count');
  assert.equal(await page.$(`#recovery-open li[data-household="${h}"]`), null, 'no measure yet');
  // the household's plan: its damage, a measure agreed on the page
  await page.goto(base + '/#/household/' + h);
  await page.click('#open-plan');
  await page.waitForSelector('#measure-add');
  assert.match(await page.textContent('#plan-damage'), /严重损坏/, 'the latest damage assessment');
  await page.selectOption('#measure-add select[name=kind]', 'repair');
  await page.fill('#measure-add #f-what', '测试屋顶修缮');
  await page.click('#measure-add button[type=submit]');
  await page.waitForSelector('#measures li');
  const plan = () => hzJson(A, ['plan', 'show', h]);
  const m = plan().measures[0];
  assert.deepEqual([m.kind, m.what, m.cadre, m.open], ['repair', '测试屋顶修缮', '测试包保干部', true],
    'the page wrote the measure huzhu plan show reads, the household\'s cadre responsible');
  await noSideways(page, 'a household\'s plan');
  // the village view lists it, with its age
  await page.click('#care-nav a[href="#/recovery"]');
  await page.waitForSelector(`#recovery-open li[data-household="${h}"] li[data-measure="${m.measure}"]`);
  assert.match(await page.textContent(`#recovery-open li[data-household="${h}"]`), /住房修缮 测试屋顶修缮 0%\s*已过 0 天/);
  await noSideways(page, 'the open list');
  await shot(page, 'phone-recovery-open');
  // a bad percent refused by the page, writing nothing; then 40 %, then done
  await page.click(`#recovery-open li[data-household="${h}"] a`);
  const li = `#measures li[data-measure="${m.measure}"]`;
  await page.waitForSelector(`${li} form.progress`);
  await page.fill(`${li} input[name=percent]`, '150');
  await page.click(`${li} button[type=submit]`);
  await page.waitForSelector(`${li} .err`);
  assert.match(await page.textContent(`${li} .err`), /完成百分比须为 0 至 100 的整数/);
  assert.equal(plan().measures[0].updates, 0, 'a bad percent writes nothing');
  await page.fill(`${li} input[name=percent]`, '40');
  await page.click(`${li} button[type=submit]`);
  await page.waitForFunction((sel) => /40%/.test((document.querySelector(sel) || {}).textContent || ''), li);
  await noSideways(page, 'progress recorded');
  await shot(page, 'phone-recovery-plan');
  await page.check(`${li} input[name=done]`);
  await page.click(`${li} button[type=submit]`);
  await page.waitForFunction((sel) => {
    const e = document.querySelector(sel);
    return e && /已完成/.test(e.textContent) && !e.querySelector('form');
  }, li);
  const done = plan().measures[0];
  assert.deepEqual([done.progress, done.done, done.open, done.updates], [100, true, false, 2],
    'the page wrote the progress huzhu plan show reads');
  // the household left the open list
  await page.click('#care-nav a[href="#/recovery"]');
  await page.waitForSelector('#recovery-count');
  assert.equal(await page.$(`#recovery-open li[data-household="${h}"]`), null, 'done: the household left the open list');
  assert.equal(hzJson(A, ['plan', 'ls']).measures.filter((x) => x.household === h).length, 0);
  // a second measure agreed, then given up: cancelled, kept in the plan, not open
  await page.goto(base + '/#/household/' + h);
  await page.click('#open-plan');
  await page.waitForSelector('#measure-add');
  await page.selectOption('#measure-add select[name=kind]', 'subsidy');
  await page.fill('#measure-add #f-what', '测试生活补助');
  await page.click('#measure-add button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#measures li[data-measure]').length === 2);
  const m2 = plan().measures.find((x) => x.kind === 'subsidy');
  const li2 = `#measures li[data-measure="${m2.measure}"]`;
  await page.click(`${li2} button.cancel-measure`);
  await page.waitForFunction((sel) => {
    const e = document.querySelector(sel);
    return e && /已取消/.test(e.textContent) && !e.querySelector('button.cancel-measure');
  }, li2);
  const gone = plan().measures.find((x) => x.measure === m2.measure);
  // the township's housing figures on the open list's page, as the command gives them, with the files
  await page.click('#care-nav a[href="#/recovery"]');
  await page.waitForSelector('#recovery-housing');
  const rows = await page.$$eval('#recovery-housing tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  const rep = hzJson(A, ['report', 'recovery']);
  assert.deepEqual(rows.slice(1), [...rep.villages, {...rep.total, village: '合计'}].map((v) =>
    [v.village, ...['damaged', 'collapsed', 'severe', 'general', 'with_measure', 'started', 'done'].map((k) => String(v[k]))]),
    'the figures huzhu report recovery gives');
  assert.ok(rows.some((r) => r[0] === '测试恢复村' && r[1] === '1' && r[3] === '1' && r[6] === '1'), 'the damaged household, its repair done');
  assert.ok(await page.$('#recovery-housing a[href="/api/reports/recovery/xlsx"]'), 'the XLSX to download');
  assert.deepEqual([gone.cancelled, gone.open], [true, false], 'the page cancelled the measure huzhu plan show reads');
  assert.equal(hzJson(A, ['plan', 'ls']).measures.filter((x) => x.household === h).length, 0, 'a cancelled measure is not open');
  assert.deepEqual(errors, [], 'no script or server errors');
  await ctx.close();
});

test('care and health: an outbreak clue from another node at the top of the township\'s page, its persons for health staff only; a visit from the due list', async () => {
  // a health worker's device of the network, which got the persons by bundle
  const D = path.join(work, 'health-worker');
  const key = hzJson(D, ['init', '--name', '测试卫生员设备']).key;
  const tok = hzJson(A, ['admit', key, '--name', '测试卫生员设备', '--role', 'coordinator']).token;
  hzJson(D, ['join', tok]);
  hz(A, ['user', 'add', '测试卫生员', '--role', 'health'], PW + '\n');
  hz(A, ['user', 'add', '测试卫生协调员', '--role', 'coordinator'], PW + '\n');
  const hh = hzJson(A, ['household', 'add', '--head', '测试关爱户', '--village', '测试关爱村', '--cadre', '测试包保干部']).id;
  const ps = ['测试关爱甲', '测试关爱乙', '测试关爱丙'].map((name) =>
    hzJson(A, ['person', 'add', '--household', hh, '--name', name, '--flag', 'elderly_mobility']).id);
  const out = path.join(work, 'to-health-worker.bundle');
  hz(A, ['bundle', 'export', out]);
  hz(D, ['bundle', 'import', out]);
  const coord = await adminPage({}, '测试卫生协调员');
  const health = await adminPage({}, '测试卫生员');
  for (const x of [coord, health]) await x.page.setViewportSize({width: 360, height: 740});
  // two fever checks: one short of the threshold (3), no clue
  for (const p of ps.slice(0, 2)) hz(D, ['health', 'check', p, '--site', site, '--temp', '38.6', '--by', '测试卫生员']);
  let back = path.join(work, 'from-health-worker-1.bundle');
  hz(D, ['bundle', 'export', back]);
  hz(A, ['bundle', 'import', back]);
  await coord.page.waitForTimeout(1500);
  assert.equal(await coord.page.isHidden('#outbreaks-top'), true, 'two persons with fever: no clue yet');
  // the third: the clue appears at the top, following the import
  hz(D, ['health', 'check', ps[2], '--site', site, '--symptoms', '发热,咳嗽', '--by', '测试卫生员']);
  back = path.join(work, 'from-health-worker-2.bundle');
  hz(D, ['bundle', 'export', back]);
  hz(A, ['bundle', 'import', back]);
  for (const x of [coord, health]) {
    await x.page.waitForSelector('#outbreak-clues');
    assert.match(await x.page.textContent('#outbreak-clues'), /疫情线索 1 条 测试小学安置点: 发热 3 人/);
  }
  await noSideways(coord.page, 'an outbreak clue at the top');
  await shot(coord.page, 'phone-outbreak-clue');
  // the list behind it: for the health account only
  for (const x of [coord, health]) {
    await x.page.click('#outbreak-clues');
    await x.page.waitForSelector(`#clues li[data-site="${site}"][data-kind="fever"]`);
  }
  const listed = await health.page.$$eval('#clues li[data-kind="fever"] .clue-list li', (ls) => ls.map((l) => l.dataset.person));
  assert.deepEqual(listed.sort(), [...ps].sort(), 'the health account sees who');
  assert.equal(await coord.page.$('#clues .clue-list'), null, 'a coordinator sees the count only');
  assert.doesNotMatch(await coord.page.textContent('#main'), /测试关爱甲/, 'and no name');
  await noSideways(health.page, 'health monitoring');
  await shot(health.page, 'phone-health');
  // a visit recorded from the due list removes the person from it
  await health.page.click('#care-nav a[href="#/care"]');
  const li = `#due li[data-person="${ps[0]}"]`;
  await health.page.waitForSelector(li);
  await noSideways(health.page, 'care visits due');
  await shot(health.page, 'phone-care-due');
  await health.page.selectOption('#visit-method', 'phone');
  await health.page.click(`${li} button.visit`);
  await health.page.waitForSelector(li, {state: 'detached'});
  assert.ok(await health.page.$(`#due li[data-person="${ps[1]}"]`), 'the others still due');
  assert.equal(await health.page.inputValue('#visit-method'), 'phone', 'the method kept for the next visit');
  const v = hzJson(A, ['care', 'visits', ps[0]]);
  assert.deepEqual(v.map((x) => [x.person, x.by, x.method]), [[ps[0], '测试卫生员', 'phone']],
    'the visit as huzhu care visits reads it, by the method chosen');
  for (const x of [coord, health]) {
    assert.deepEqual(x.errors, [], 'no script or server errors');
    await x.ctx.close();
  }
});
