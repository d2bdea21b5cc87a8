// Sanfu's main journeys in a real browser: Debian's headless Chromium driven by playwright-core.
// Starts the sanfu binary (SANFU_BIN, default target/debug/sanfu) with the demo city on a fresh
// SQLite directory, walks each journey as a user would, asserts what the user sees, and saves
// screenshots of the main pages in e2e/screenshots/. Exits non-zero on the first failure.
import { chromium } from 'playwright-core';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.SANFU_BIN || join(here, '..', 'target', 'debug', 'sanfu');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const port = 18000 + Math.floor(Math.random() * 2000);
const base = `http://127.0.0.1:${port}`;
const shots = join(here, 'screenshots');
mkdirSync(shots, { recursive: true });
const data = mkdtempSync(join(tmpdir(), 'sanfu-e2e-'));
const PASSWORD = 'sanfu2026';

const server = spawn(bin, ['demo', '--data', data, '--listen', `127.0.0.1:${port}`, '--tick-seconds', '5'], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
let serverLog = '';
server.stdout.on('data', (d) => { serverLog += d; });
server.stderr.on('data', (d) => { serverLog += d; });

async function waitHealthy() {
  for (let i = 0; i < 600; i++) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('server did not start:\n' + serverLog);
}

const results = [];
async function journey(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push(`ok   ${name} (${Date.now() - started} ms)`);
    console.log(`ok   ${name}`);
  } catch (e) {
    console.log(`FAIL ${name}\n${e.stack || e}`);
    throw e;
  }
}

let browser;
const desktop = { viewport: { width: 1366, height: 768 }, locale: 'zh-CN' };
const phone = { viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true };

async function newPage(opts = desktop) {
  // A Chinese office's browser: Chinese locale and Beijing time.
  const ctx = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...opts });
  const page = await ctx.newPage();
  // Any script that runs from citizen text would set this flag or open a dialog.
  page.on('dialog', async (d) => { page.__dialogs = (page.__dialogs || 0) + 1; await d.dismiss(); });
  return page;
}

// GBK bytes of `text`, as Excel on Chinese Windows saves a CSV (glibc's iconv does the encoding).
function gbkEncode(text) {
  const r = spawnSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], { input: text });
  if (r.status !== 0) throw new Error('iconv failed: ' + r.stderr);
  return r.stdout;
}

async function login(page, username) {
  await page.goto(`${base}/login`);
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  // Each role's home: the inbox, or a leader's dashboard.
  await Promise.all([page.waitForURL(/\/(desk|dashboard)/), page.click('button[type=submit]')]);
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function flashOk(page) {
  const ok = page.locator('#flash-ok');
  const err = page.locator('#flash-err');
  if (await err.count()) throw new Error('error shown: ' + (await err.textContent()));
  return (await ok.textContent()) || '';
}

async function act(page, formId, fill = async () => {}, button = 'button[type=submit]') {
  const form = page.locator(`#${formId}`);
  await fill(form);
  await Promise.all([page.waitForLoadState('load'), page.waitForURL(/ok=|err=/), form.locator(button).first().click()]);
  return flashOk(page);
}

// A 16×16 PNG: the citizen's photo.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR4nGM4oaFBEmIY1TCqYfhqAAB8MxgQ+Pjr0gAAAABJRU5ErkJggg==';

const XSS = [
  '<script>window.__xss = 1; alert(1)</script>',
  '<img src=x onerror="window.__xss = 1; alert(2)">',
  '"><svg onload="window.__xss=1">',
  "javascript:alert(3)",
];

try {
  await waitHealthy();
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] });
  let citizenNumber, citizenCode;

  await journey('a citizen submits a request on a phone, with script in the text, and follows it', async () => {
    const page = await newPage(phone);
    await page.goto(`${base}/`);
    await shot(page, '01-public-home-phone');
    await page.selectOption('#order_type', 'complaint');
    await page.selectOption('#category', { index: 3 });
    await page.fill('#subject', `夜间施工噪声扰民 ${XSS[0]}`);
    await page.fill('#content', `东湖区湖畔街道幸福小区旁工地每天晚上十一点后仍在施工，噪声很大。${XSS.join(' ')}`);
    await page.fill('#address', '东湖区湖畔街道幸福小区');
    await page.fill('#name', '张先生');
    await page.fill('#phone', '13812345678');
    await page.setInputFiles('#photo', { name: 'site.png', mimeType: 'image/png', buffer: Buffer.from(PNG, 'base64') });
    await Promise.all([page.waitForLoadState('load'), page.click('#submit-form button[type=submit]')]);
    citizenNumber = (await page.textContent('#new-number')).trim();
    citizenCode = (await page.textContent('#new-code')).trim();
    assert.match(citizenNumber, /^\d{14}$/);
    assert.match(citizenCode, /^[A-Za-z0-9]{4,}$/);
    await shot(page, '02-public-submitted-phone');
    await page.goto(`${base}/follow?number=${citizenNumber}&code=${citizenCode}`);
    assert.equal((await page.textContent('#public-state')).trim(), '待派单');
    // The text is shown as text, and nothing in it ran.
    assert.ok((await page.textContent('#follow-result')).includes('<img src=x onerror='));
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal(page.__dialogs || 0, 0);
    await shot(page, '03-public-follow-phone');
    // A wrong query code reads like a wrong number.
    await page.goto(`${base}/follow?number=${citizenNumber}&code=WRONG1`);
    assert.ok((await page.textContent('#follow-error')).length > 0);
    assert.equal(await page.locator('#follow-result').count(), 0);
  });

  await journey('the centre sees the citizen text escaped on the order page', async () => {
    const page = await newPage();
    await login(page, 'dispatcher');
    await page.goto(`${base}/orders/${citizenNumber}`);
    assert.ok((await page.textContent('#order-content')).includes('<script>window.__xss = 1; alert(1)</script>'));
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal(await page.locator('#order-content img, #order-content script, #order-content svg').count(), 0);
    assert.equal(page.__dialogs || 0, 0);
    // The centre sees the full phone number, and the citizen's photo.
    assert.equal((await page.textContent('#citizen-phone')).trim(), '13812345678');
    const size = await page.locator('#photos img').evaluate((img) => img.complete && img.naturalWidth);
    assert.equal(size, 16);
    await shot(page, '18-order-with-photo');
  });

  let phoneOrder;
  await journey('an operator registers a call by phone and dispatches it at once', async () => {
    const page = await newPage();
    await login(page, 'operator');
    await shot(page, '04-desk-inbox-operator');
    await page.goto(`${base}/orders/new`);
    // The caller's earlier orders appear when the number is typed.
    await page.fill('#citizen_phone', '13812345678');
    await page.press('#citizen_phone', 'Tab');
    await page.waitForSelector('#earlier ul li a');
    assert.ok((await page.textContent('#earlier')).includes(citizenNumber));
    await page.fill('#citizen_name', '李女士');
    await page.selectOption('#order_type', 'complaint');
    await page.fill('#category', '0102');
    await page.fill('#subject', '小区电梯长期故障无人维修');
    await page.fill('#content', '西城区和平路锦绣家园3栋电梯已经停了两个星期，物业一直说在等配件，老人上下楼非常困难，请相关部门督促尽快修复。');
    await page.fill('#address', '西城区和平路锦绣家园3栋');
    await page.check('#publish_consent'); // the caller agrees to publication on the reply board
    // 智能派单: a suggestion with its reasons, which 采用建议 puts into the form.
    await page.waitForSelector('#suggest-unit');
    assert.ok((await page.textContent('#suggest')).includes('主要依据'));
    await page.click('#suggest-apply');
    assert.ok((await page.inputValue('#lead_unit')).length > 0);
    await page.fill('#lead_unit', 'zjj');
    await shot(page, '05-register-form');
    await Promise.all([page.waitForURL(/\/orders\/\d{14}/), page.click('#register-submit')]);
    const msg = await flashOk(page);
    assert.ok(msg.includes('已登记') && msg.includes('已派单至市住房和城乡建设局'), msg);
    phoneOrder = page.url().match(/\/orders\/(\d{14})/)[1];
    assert.equal((await page.textContent('#order-state')).trim(), '待签收');
    // Others see the number masked; the centre in full.
    assert.equal((await page.textContent('#citizen-phone')).trim(), '13812345678');
    await shot(page, '06-order-dispatched');
  });

  await journey('a second call about the same lift is recognised and merged into the first', async () => {
    const page = await newPage();
    await login(page, 'operator');
    await page.goto(`${base}/orders/new`);
    await page.fill('#citizen_phone', '13611112222');
    await page.fill('#category', '0102');
    await page.fill('#content', '和平路锦绣家园3栋的电梯停了两个星期了，物业说在等配件，老人上下楼很困难，请督促尽快修好。');
    await page.press('#content', 'Tab');
    await page.waitForSelector('#similar-card:not([hidden]) .similar-item');
    assert.ok((await page.textContent('#similar')).includes(phoneOrder));
    await shot(page, '05b-register-duplicate');
    await page.locator('.similar-item', { hasText: phoneOrder }).locator('.merge-button').click();
    assert.ok((await page.textContent('#merge-note')).includes(phoneOrder));
    await Promise.all([page.waitForURL(new RegExp(`/orders/${phoneOrder}`)), page.click('#register-submit')]);
    const msg = await flashOk(page);
    assert.ok(msg.includes('已作为重复件并入'), msg);
    assert.ok((await page.textContent('#timeline')).includes('重复'));
  });

  await journey('registration refuses bad input with a clear message and keeps what was typed', async () => {
    const page = await newPage();
    await login(page, 'operator');
    await page.goto(`${base}/orders/new`);
    await page.fill('#citizen_phone', '12345');
    await page.fill('#category', '0102');
    await page.fill('#content', '内容保留测试');
    await page.click('#register-submit');
    await page.waitForSelector('#form-error');
    assert.ok((await page.textContent('#form-error')).includes('电话'));
    assert.equal(await page.inputValue('#content'), '内容保留测试');
  });

  await journey('the unit signs and answers; the phone number is masked for it', async () => {
    const page = await newPage();
    await login(page, 'zjj');
    const badge = await page.textContent('#inbox-badge');
    assert.ok(Number(badge) >= 1);
    assert.ok((await page.textContent('table.orders')).includes(phoneOrder));
    await shot(page, '07-unit-inbox');
    await page.click(`a[href="/orders/${phoneOrder}"]`);
    await page.waitForURL(new RegExp(phoneOrder));
    assert.equal((await page.textContent('#citizen-phone')).trim(), '138****5678');
    let msg = await act(page, 'form-sign');
    assert.ok(msg.includes('签收'), msg);
    assert.equal((await page.textContent('#order-state')).trim(), '办理中');
    msg = await act(page, 'form-answer', async (f) => {
      await f.locator('textarea').fill('经核查，锦绣家园3栋电梯主板损坏，已督促物业公司更换配件，电梯已于今日恢复运行，并要求物业加强日常维保。');
    });
    assert.ok(msg.includes('答复'), msg);
    assert.equal((await page.textContent('#order-state')).trim(), '待审核');
    await shot(page, '08-order-answered-unit');
  });

  await journey('the centre reviews the answer, calls back and closes', async () => {
    const page = await newPage();
    await login(page, 'dispatcher');
    await page.goto(`${base}/orders/${phoneOrder}`);
    let msg = await act(page, 'form-review', async () => {}, 'button[value=true]');
    assert.ok(msg.includes('待回访'), msg);
    msg = await act(page, 'form-callback', async (f) => { await f.locator('input[value=satisfied]').check(); await f.locator('#cb-comment').fill('市民表示电梯已修好，满意'); });
    assert.ok(msg.includes('已办结'), msg);
    assert.equal((await page.textContent('#order-state')).trim(), '已办结');
    const tl = await page.textContent('#timeline');
    for (const step of ['受理登记', '派单', '签收', '答复', '答复审核', '回访']) assert.ok(tl.includes(step), step);
    await shot(page, '09-order-closed-timeline');
    // 问政公开: the caller agreed; the centre reviews the masked texts and publishes them.
    assert.ok((await page.inputValue('#pub-subject')).includes('电梯'));
    msg = await act(page, 'form-publish');
    assert.ok(msg.includes('已公开'), msg);
    await shot(page, '09b-order-published');
  });

  await journey('a return is approved and the order re-dispatched to the right unit', async () => {
    const page = await newPage();
    await login(page, 'operator');
    await page.goto(`${base}/orders/new`);
    await page.fill('#citizen_phone', '13900001111');
    await page.fill('#category', '0204');
    await page.fill('#content', '南湖区滨江路桥下路灯连续一周不亮，夜间行人过往很不安全。');
    await page.fill('#lead_unit', 'zjj');
    await Promise.all([page.waitForURL(/\/orders\/\d{14}/), page.click('#register-submit')]);
    const number = page.url().match(/\/orders\/(\d{14})/)[1];

    const unit = await newPage();
    await login(unit, 'zjj');
    await unit.goto(`${base}/orders/${number}`);
    await unit.locator('summary', { hasText: '申请退单' }).click();
    const msg = await act(unit, 'form-return', async (f) => { await f.locator('input[name=reason]').fill('路灯维护属于城市管理局职责，不属于本单位'); });
    assert.ok(msg.includes('退单待审'), msg);

    const disp = await newPage();
    await login(disp, 'dispatcher');
    await disp.goto(`${base}/orders/${number}`);
    let m = await act(disp, 'form-judge-return', async (f) => { await f.locator('input[name=comment]').fill('同意，改派城管局'); }, 'button[value=true]');
    assert.ok(m.includes('已退单待重派'), m);
    m = await act(disp, 'form-dispatch', async (f) => { await f.locator('#lead_unit_id').fill('cgj'); });
    assert.ok(m.includes('待签收'), m);
    assert.ok((await disp.textContent('#timeline')).includes('同意退单'));
    // The new unit finds it in its inbox.
    const cgj = await newPage();
    await login(cgj, 'cgj');
    assert.ok((await cgj.textContent('table.orders')).includes(number));
  });

  await journey('the supervision section shows the unit a yellow card on its order, the unit sees it, and it is revoked', async () => {
    const office = await newPage();
    await login(office, 'duchake');
    await office.goto(`${base}/orders/${phoneOrder}`);
    await office.locator('summary', { hasText: '亮牌警告' }).click();
    const msg = await act(office, 'form-card', async (f) => {
      await f.locator('#card-unit').selectOption({ label: '市住房和城乡建设局' });
      await f.locator('input[value=yellow]').check();
      await f.locator('#card-reason').fill('电梯停运两周未见进展，请立即督促物业维修');
    });
    assert.ok(msg.includes('黄牌警告'), msg);
    assert.ok((await office.textContent('#cards')).includes('电梯停运两周未见进展'));
    assert.ok((await office.textContent('#timeline')).includes('亮牌警告'));
    await shot(office, '10b-order-yellow-card');

    // The unit reads the card on its order, and cannot show or revoke one.
    const unit = await newPage();
    await login(unit, 'zjj');
    await unit.goto(`${base}/orders/${phoneOrder}`);
    const cards = await unit.textContent('#cards');
    assert.ok(cards.includes('黄牌警告') && cards.includes('电梯停运两周未见进展'), cards);
    assert.equal(await unit.locator('#form-card').count(), 0);
    assert.equal(await unit.locator('#cards form').count(), 0);

    // Taken back, with a reason: still on record, marked revoked.
    const row = office.locator('#cards tr.card-yellow');
    await row.locator('input[name=reason]').fill('物业已于当日修复，误发');
    await Promise.all([office.waitForURL(/ok=|err=/), row.locator('button').click()]);
    assert.ok((await flashOk(office)).includes('警告已撤销'));
    assert.ok((await office.textContent('#cards')).includes('已于'));
    assert.ok((await office.textContent('#timeline')).includes('撤销警告'));
  });

  await journey('the supervision section hands out an item; the lead unit signs and reports; the office presses the co-unit', async () => {
    const office = await newPage();
    await login(office, 'duchake');
    // The item waiting to be handed out is in the office's inbox.
    const row = office.locator('table.orders tr', { hasText: '中小学校园周边交通安全' });
    await Promise.all([office.waitForURL(/\/supervision\//), row.locator('a').first().click()]);
    const url = office.url();
    assert.equal((await office.textContent('#item-state')).trim(), '待交办');
    let msg = await act(office, 'form-sv-assign', async (f) => {
      await f.locator('#sv-lead').fill('jtysj');
      await f.locator('#sv-co').fill('jyj');
      await f.locator('#sv-deadline').fill('2027-03-31');
      await f.locator('#sv-cycle').selectOption('每旬');
    });
    assert.ok(msg.includes('待签收'), msg);
    assert.ok((await office.textContent('#dues')).includes('进展反馈'));
    await shot(office, '23-supervision-assigned');

    const unit = await newPage();
    await login(unit, 'jtysj');
    assert.ok((await unit.textContent('table.orders')).includes('中小学校园周边交通安全'));
    await unit.goto(url);
    msg = await act(unit, 'form-sv-sign');
    assert.ok(msg.includes('办理中'), msg);
    msg = await act(unit, 'form-sv-report', async (f) => { await f.locator('#sv-text').fill('已在 12 所学校门口设置护学岗'); });
    assert.ok(msg.includes('反馈进展已完成'), msg);
    assert.equal(await unit.locator('#form-sv-assign').count(), 0);

    await office.goto(url);
    await office.locator('summary', { hasText: '催办' }).click();
    msg = await act(office, 'form-sv-remind', async (f) => {
      await f.locator('#sv-rm-unit').selectOption({ label: '市教育局' });
      await f.locator('#sv-rm-note').fill('请尽快签收并报送配合进展');
    });
    assert.ok(msg.includes('催办已完成'), msg);
    const tl = await office.textContent('#timeline');
    for (const step of ['立项', '交办', '签收', '反馈进展', '催办']) assert.ok(tl.includes(step), step);
  });

  await journey("a leader's instruction is answered by the unit and turned into a supervision item; the ledger, funds and bulletin show the city's supervision work", async () => {
    const leader = await newPage();
    await login(leader, 'vicemayor');
    await leader.goto(`${base}/instructions`);
    await leader.locator('#ins-new summary').click();
    let msg = await act(leader, 'form-ins-new', async (f) => {
      await f.locator('#i-text').fill('请住建局一周内把湖畔街道老旧小区电梯维修方案报我。');
      await f.locator('#i-units').selectOption(['zjj']);
      await f.locator('#i-deadline').fill('2099-01-09');
    });
    assert.ok(msg.includes('批示已送达 1 个单位'), msg);
    const insUrl = leader.url().split('?')[0];
    const insNumber = decodeURIComponent(insUrl.split('/').pop());

    // The unit finds its queue in its inbox beside its orders, and answers.
    const unit = await newPage();
    await login(unit, 'zjj');
    assert.ok((await unit.textContent('main')).includes('批示待反馈'), 'the inbox has the queue');
    await unit.goto(insUrl);
    msg = await act(unit, 'form-ins-answer', async (f) => { await f.locator('#ins-text').fill('维修方案已制定，报送市政府。'); });
    assert.ok(msg.includes('已反馈'), msg);

    // The leader sees where it stands; the office makes it an item, linked back.
    await leader.goto(`${base}/instructions`);
    assert.ok((await leader.textContent('#instructions')).includes('1 / 1'));
    const office = await newPage();
    await login(office, 'duchake');
    await office.goto(insUrl);
    msg = await act(office, 'form-ins-supervise');
    assert.ok(msg.includes('已转为督办事项'), msg);
    assert.equal((await office.textContent('#item-state')).trim(), '待交办');
    assert.ok((await office.content()).includes(insNumber));

    // The ledger: red rows for overdue items and red cards, and the Excel download.
    await office.goto(`${base}/supervision`);
    await office.selectOption('#f-card', 'red');
    await Promise.all([office.waitForURL(/card=red/), office.click('#sv-filter button[type=submit]')]);
    const red = office.locator('#sv-ledger tbody tr.row-red');
    assert.ok((await red.count()) >= 1, 'red rows');
    await shot(office, '24-supervision-ledger');
    const xlsx = await office.request.get(await office.getAttribute('#sv-export', 'href').then((h) => new URL(h, base).href));
    assert.equal(xlsx.status(), 200);
    assert.ok(xlsx.headers()['content-type'].includes('spreadsheetml'));

    // Money sitting unpaid, by unit; the bulletin with its black list, ready to print.
    await office.goto(`${base}/supervision/funds`);
    assert.ok((await office.textContent('#funds-by-unit')).includes('市财政局'));
    assert.ok(Number((await office.textContent('#funds-overdue')).trim()) >= 1);
    await shot(office, '25-supervision-funds');
    await office.goto(`${base}/supervision/assessment`);
    assert.ok((await office.textContent('#bulletin')).includes('督 查 通 报'));
    assert.ok(!(await office.textContent('#black-list')).includes('本期无'), 'the black list names units');
    await shot(office, '26-supervision-bulletin');
  });

  await journey("a unit's topic is consulted, approved and put on a meeting's agenda; the meeting is held and its decision becomes a supervision item", async () => {
    // The unit proposes, with its materials, consulting the finance bureau.
    const unit = await newPage();
    await login(unit, 'zjj');
    await unit.goto(`${base}/topics`);
    await unit.locator('#topic-new summary').click();
    let msg = await act(unit, 'form-topic-new', async (f) => {
      await f.locator('#t-title').fill('关于既有住宅加装电梯财政补助的请示');
      await f.locator('#t-summary').fill('拟对 2000 年前建成的住宅加装电梯每台补助 15 万元，市、区各承担一半。');
      await f.locator('#t-consulted').selectOption(['czj']);
      await f.locator('#t-files').setInputFiles({ name: '汇报材料.txt', mimeType: 'text/plain', buffer: Buffer.from('汇报材料') });
    });
    assert.ok(msg.includes('已报送'), msg);
    const topicUrl = unit.url().split('?')[0];
    const topicNumber = decodeURIComponent(topicUrl.split('/').pop());

    // The consulted unit answers from its inbox; the leaders approve and screen.
    const czj = await newPage();
    await login(czj, 'czj');
    assert.ok((await czj.textContent('main')).includes('议题待会签'), 'the inbox has the queue');
    await czj.goto(topicUrl);
    msg = await act(czj, 'form-topic-opinion', async (f) => {
      await f.locator('#op-stance').selectOption('agree_with_changes');
      await f.locator('#op-text').fill('建议明确区级配套资金拨付时限。');
    });
    assert.ok(msg.includes('征求意见'), msg);
    await unit.goto(topicUrl);
    msg = await act(unit, 'form-topic-submit');
    assert.ok(msg.includes('待分管领导审核'), msg);
    const vice = await newPage();
    await login(vice, 'vicemayor');
    await vice.goto(topicUrl);
    msg = await act(vice, 'form-topic-approve');
    assert.ok(msg.includes('待秘书长审核'), msg);
    const sg = await newPage();
    await login(sg, 'mishuzhang');
    await sg.goto(topicUrl);
    msg = await act(sg, 'form-topic-screen');
    assert.ok(msg.includes('待定上会'), msg);

    // The meeting section plans a meeting within the hour; the mayor puts the topic on it.
    const office = await newPage();
    await login(office, 'huiyike');
    await office.goto(`${base}/meetings`);
    await office.locator('#meeting-new summary').click();
    const soon = new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 16); // an hour from now, China time
    msg = await act(office, 'form-meeting-new', async (f) => {
      await f.locator('#m-at').fill(soon);
      await f.locator('#m-chair').selectOption('mayor');
      await f.locator('#m-members').selectOption(['vicemayor', 'mishuzhang']);
    });
    assert.ok(msg.includes('会议已安排'), msg);
    const meetingUrl = office.url().split('?')[0];
    const meetingNumber = decodeURIComponent(meetingUrl.split('/').pop());
    const mayor = await newPage();
    await login(mayor, 'mayor');
    assert.ok((await mayor.textContent('main')).includes('议题待定上会'));
    await mayor.goto(topicUrl);
    msg = await act(mayor, 'form-topic-schedule', async (f) => { await f.locator('#sch-meeting').selectOption(meetingNumber); });
    assert.ok(msg.includes('已列入') && msg.includes('议程'), msg);

    // The notice goes out; the chair answers and signs in; the section records the others.
    await office.goto(meetingUrl);
    assert.ok((await office.textContent('#agenda')).includes('关于既有住宅加装电梯财政补助的请示'));
    msg = await act(office, 'form-mtg-notify');
    assert.ok(msg.includes('已发通知'), msg);
    await mayor.goto(`${base}/desk`);
    assert.ok((await mayor.textContent('main')).includes('会议通知待回复'));
    await mayor.goto(meetingUrl);
    await act(mayor, 'form-mtg-reply');
    await act(mayor, 'form-mtg-sign-self');
    await office.goto(meetingUrl);
    assert.ok((await office.textContent('#quorum-warning')).includes('未过半数'), 'one of three members: the quorum warning');
    await act(office, 'form-mtg-sign-in', async (f) => { await f.locator('label', { hasText: '周海涛' }).locator('input').check(); });
    assert.ok((await office.textContent('#quorum-ok')).includes('实到 2 人'));
    msg = await act(office, 'form-mtg-convene');
    assert.ok(msg.includes('纪要起草'), msg);

    // Minutes: drafted, reviewed, signed, issued — the decision becomes an item.
    msg = await act(office, 'form-mtg-minutes', async (f) => {
      await f.locator('#o1').selectOption('passed');
      await f.locator('#d1_0_text').fill('市住建局会同市财政局制定加装电梯补助实施细则。');
      await f.locator('#d1_0_lead').selectOption({ label: '市住房和城乡建设局' });
      await f.locator('#d1_0_co').fill('czj');
      await f.locator('#d1_0_due').fill('2099-06-30');
    });
    assert.ok(msg.includes('纪要起草'), msg);
    await act(office, 'form-mtg-submit');
    await sg.goto(meetingUrl);
    await act(sg, 'form-mtg-review');
    await mayor.goto(meetingUrl);
    msg = await act(mayor, 'form-mtg-review');
    assert.ok(msg.includes('纪要待印发'), msg);
    await office.goto(meetingUrl);
    msg = await act(office, 'form-mtg-issue');
    assert.ok(msg.includes('纪要已印发') && msg.includes('人民政府常务会议纪要'), msg);
    await shot(office, '27-meeting-scoreboard');
    const itemLink = office.locator('#agenda a[href^="/supervision/"]').first();
    const itemNumber = (await itemLink.textContent()).trim();
    await Promise.all([office.waitForURL(/\/supervision\//), itemLink.click()]);
    const page = await office.content();
    assert.ok(page.includes('会议议定事项') && page.includes(meetingNumber) && page.includes(topicNumber), 'the item shows its meeting and topic');
    assert.equal((await office.textContent('#item-state')).trim(), '待签收');

    // The unit finds it in its inbox; the ledger lists it.
    await unit.goto(`${base}/desk`);
    assert.ok((await unit.textContent('main')).includes(itemNumber));
    await office.goto(`${base}/meetings/decisions`);
    assert.ok((await office.textContent('#decision-ledger')).includes('加装电梯补助实施细则'));
    await shot(office, '28-decision-ledger');
  });

  await journey("a unit drafts a document in two versions; two units countersign it; the leader signs; the office numbers it and opens the issued PDF", async () => {
    // 发文拟稿: the unit's draft, countersigned by the finance and urban management bureaus.
    const unit = await newPage();
    await login(unit, 'zjj');
    await unit.goto(`${base}/documents?direction=outgoing`);
    await unit.locator('#doc-new-outgoing summary').click();
    let msg = await act(unit, 'form-outgoing-new', async (f) => {
      await f.locator('#out-title').fill('江州市人民政府办公室关于做好今冬明春城镇供热保障工作的通知');
      await f.locator('#out-body').fill('为切实做好今冬明春城镇供热保障工作，经市政府同意，现就有关事项通知如下。\n一、压实保供责任\n各供热企业要落实主体责任，确保11月15日前全面供热。\n二、加强监督检查\n（一）市城市管理局要会同有关部门开展专项检查。');
      await f.locator('#out-counter').selectOption(['czj', 'cgj']);
      await f.locator('#out-signer').selectOption('vicemayor');
    });
    assert.ok(msg.includes('已起草'), msg);
    const docUrl = unit.url().split('?')[0];
    // A second version, compared with the first.
    msg = await act(unit, 'form-doc-save', async (f) => {
      await f.locator('#sv-body').fill((await f.locator('#sv-body').inputValue()).replace('11月15日前', '11月10日前'));
      await f.locator('#sv-note').fill('提前供热时间');
    });
    assert.ok(msg.includes('拟稿'), msg);
    assert.ok((await unit.textContent('#doc-compare ins')).includes('0'), 'the comparison marks what was inserted');
    assert.ok((await unit.textContent('#doc-versions')).includes('第 2 稿'));
    msg = await act(unit, 'form-doc-submit');
    assert.ok(msg.includes('待审核'), msg);
    const head = await newPage();
    await login(head, 'zjj-head');
    await head.goto(docUrl);
    msg = await act(head, 'form-doc-approve');
    assert.ok(msg.includes('会签中'), msg);

    // 会签: the document waits for both units.
    const czj = await newPage();
    await login(czj, 'czj');
    assert.ok((await czj.textContent('main')).includes('发文待会签'), 'the inbox has the queue');
    await czj.goto(docUrl);
    msg = await act(czj, 'form-doc-countersign', async (f) => { await f.locator('#cs-text').fill('同意。'); });
    assert.ok(msg.includes('会签中'), 'still waiting for the other unit: ' + msg);
    assert.ok((await czj.textContent('#doc-missing')).includes('市城市管理局'));
    const cgj = await newPage();
    await login(cgj, 'cgj');
    await cgj.goto(docUrl);
    msg = await act(cgj, 'form-doc-countersign', async (f) => {
      await f.locator('#cs-stance').selectOption('agree_with_changes');
      await f.locator('#cs-text').fill('建议明确供热投诉处理时限。');
    });
    assert.ok(msg.includes('待核稿'), msg);

    // 核稿, 签发, 复核, 编号, 印制, 核发.
    const office = await newPage();
    await login(office, 'wendianke');
    await office.goto(docUrl);
    msg = await act(office, 'form-doc-check');
    assert.ok(msg.includes('待签发'), msg);
    const vice = await newPage();
    await login(vice, 'vicemayor');
    assert.ok((await vice.textContent('main')).includes('发文待签发'));
    await vice.goto(docUrl);
    await shot(vice, '29-document-sign');
    msg = await act(vice, 'form-doc-sign');
    assert.ok(msg.includes('待复核'), msg);
    await office.goto(docUrl);
    msg = await act(office, 'form-doc-recheck');
    msg = await act(office, 'form-doc-number');
    assert.ok(/江政办发〔\d{4}〕\d+号/.test(msg), msg);
    const docNumber = msg.match(/江政办发〔\d{4}〕\d+号/)[0];
    msg = await act(office, 'form-doc-print');
    msg = await act(office, 'form-doc-distribute');
    assert.ok(msg.includes('已核发'), msg);
    assert.ok((await office.textContent('#doc-number')).includes(docNumber));
    await shot(office, '30-document-issued');

    // The issued PDF, as the browser fetches it.
    const href = await office.locator('#doc-pdf').getAttribute('href');
    const pdf = await office.request.get(`${base}${href}`);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    assert.ok((await pdf.body()).subarray(0, 4).toString() === '%PDF');
    // The register lists it under its number.
    await office.goto(`${base}/documents?direction=outgoing`);
    assert.ok((await office.textContent('#doc-register')).includes(docNumber));
  });

  await journey("a unit's information is signed off, adopted into a bulletin, signed, issued to the leaders and instructed on by the mayor", async () => {
    const unit = await newPage();
    await login(unit, 'zjj');
    await unit.goto(`${base}/info`);
    let msg = await act(unit, 'form-info-new', async (f) => {
      await f.locator('#form-info-new-title').fill('我市城镇供热保障工作开局平稳');
      await f.locator('#form-info-new-body').fill('11月10日起全市集中供热全面启动，供热面积3200万平方米，首周受理投诉同比下降21%。');
      await f.locator('#form-info-new-writer_phone').fill('0791-86001234');
    });
    assert.ok(msg.includes('待审签'), msg);
    const infoUrl = unit.url().split('?')[0];
    const head = await newPage();
    await login(head, 'zjj-head');
    assert.ok((await head.textContent('main')).includes('信息待审签'), 'the head has it in the inbox');
    await head.goto(infoUrl);
    msg = await act(head, 'form-info-sign');
    assert.ok(msg.includes('待处理'), msg);

    // The section adopts it with an edited text; both are kept.
    const section = await newPage();
    await login(section, 'xinxike');
    await section.goto(infoUrl);
    msg = await act(section, 'form-info-adopt', async (f) => {
      await f.locator('textarea[name=edited_body]').fill('全市集中供热全面启动，首周投诉同比下降21%。');
    });
    assert.ok(msg.includes('已采用'), msg);
    assert.ok((await section.textContent('#info-edited')).includes('首周投诉同比下降21%'));
    assert.ok((await section.textContent('#info-body')).includes('供热面积3200万平方米'), 'the original stays');
    const infoNumber = (await section.textContent('#work-facts')).match(/信〔\d{4}〕\d+号/)[0];

    // Compiled into an issue of 《江州政务信息》, signed off by the section's head, issued.
    await section.goto(`${base}/info?tab=bulletins`);
    msg = await act(section, 'form-bulletin-new', async (f) => { await f.locator('select[name=series]').selectOption('info'); });
    const bulletinUrl = section.url().split('?')[0];
    msg = await act(section, 'form-bulletin-compose', async (f) => { await f.locator(`input[name=add][value="${infoNumber}"]`).check(); });
    assert.ok((await section.textContent('#bulletin-lines')).includes('我市城镇供热保障工作开局平稳'));
    msg = await act(section, 'form-bulletin-submit');
    assert.ok(msg.includes('待签发'), msg);
    const chief = await newPage();
    await login(chief, 'xinxike-head');
    await chief.goto(bulletinUrl);
    msg = await act(chief, 'form-bulletin-sign');
    assert.ok(msg.includes('待印发'), msg);
    await section.goto(bulletinUrl);
    msg = await act(section, 'form-bulletin-issue');
    assert.ok(/第\d+期/.test(msg), msg);
    assert.ok((await section.textContent('h1')).includes('《江州政务信息》'));
    await shot(section, '31-bulletin-issued');
    const pdf = await section.request.get(`${base}${await section.locator('#bulletin-pdf').getAttribute('href')}`);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');

    // The mayor reads it and instructs on the item; the unit must answer.
    const mayor = await newPage();
    await login(mayor, 'mayor');
    assert.ok((await mayor.textContent('main')).includes('信息刊物待阅'));
    await mayor.goto(bulletinUrl);
    msg = await act(mayor, 'form-bulletin-read');
    await mayor.goto(infoUrl);
    await mayor.locator('#form-instruct-box summary').click();
    msg = await act(mayor, 'form-instruct', async (f) => {
      await f.locator('textarea[name=text]').fill('请住建局总结供热保障经验，做好寒潮期间应急准备。');
      await f.locator('select[name=unit_ids]').selectOption(['zjj']);
    });
    assert.ok(msg.includes('批示已送达'), msg);
    await unit.goto(`${base}/desk`);
    assert.ok((await unit.textContent('main')).includes('批示待反馈'), 'the unit must answer the instruction');
    await section.goto(infoUrl);
    assert.ok((await section.textContent('#work-facts')).includes('领导批示'));
  });

  await journey("a rectification item from the branch's 组织生活会 is reported with evidence and struck off by the secretary", async () => {
    const unit = await newPage();
    await login(unit, 'zjj');
    assert.ok((await unit.textContent('main')).includes('整改事项待完成'));
    await unit.goto(`${base}/party?tab=rectifications`);
    const row = unit.locator('#rect-list tbody tr', { hasText: '市住房和城乡建设局机关党支部' }).filter({ hasText: '整改中' }).first();
    const href = await row.locator('a').first().getAttribute('href');
    await unit.goto(`${base}${href}`);
    let msg = await act(unit, 'form-rect-report', async (f) => {
      await f.locator('textarea[name=text]').fill('已制定个人学习计划，参加业务培训42学时，附培训证明。');
    });
    assert.ok(msg.includes('待销号'), msg);
    const secretary = await newPage();
    await login(secretary, 'zjj-head');
    assert.ok((await secretary.textContent('main')).includes('整改事项待销号'));
    await secretary.goto(`${base}${href}`);
    msg = await act(secretary, 'form-rect-strike');
    assert.ok(msg.includes('已销号'), msg);
    assert.ok((await secretary.textContent('#timeline')).includes('销号'));
    // The meeting's list shows it struck off; the next meeting looks back at it.
    await secretary.locator('#rect-meeting').click();
    await secretary.waitForLoadState('load');
    assert.ok((await secretary.textContent('#pm-rectifications')).includes('已销号'));
    await shot(secretary, '32-party-meeting');
  });

  await journey('a citizen sees the 为民办实事 projects on a phone and rates a finished one', async () => {
    const page = await newPage(phone);
    await page.goto(`${base}/projects`);
    assert.ok((await page.textContent('#public-projects')).includes('老旧小区加装电梯'));
    const form = page.locator('form[id^=form-rate-]').first();
    await form.locator('select[name=stars]').selectOption('5');
    await form.locator('input[name=comment]').fill('家门口的事办得实在');
    await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').click()]);
    assert.ok((await page.textContent('#flash-ok')).includes('感谢您的评价'));
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 400, `no sideways scrolling on a phone: ${width}`);
    await shot(page, '33-public-projects');
  });

  await journey("a unit's user who types another unit's order URL gets a refusal page", async () => {
    const page = await newPage();
    await login(page, 'water');
    const r = await page.goto(`${base}/orders/${phoneOrder}`);
    assert.equal(r.status(), 403);
    assert.ok((await page.textContent('#error')).includes('无权'));
    assert.ok(!(await page.content()).includes('锦绣家园'));
    await shot(page, '10-refusal-page');
  });

  await journey('forms without the CSRF token are refused and change nothing', async () => {
    const page = await newPage();
    await login(page, 'zjj');
    const r = await page.request.post(`${base}/orders/${phoneOrder}/do/note`, { form: { text: '伪造的办理情况' } });
    assert.equal(r.status(), 403);
    const r2 = await page.request.post(`${base}/submit`, { form: { category: 'wy', content: '伪造', phone: '13812345678' } });
    assert.equal(r2.status(), 403);
    const disp = await newPage();
    await login(disp, 'dispatcher');
    await disp.goto(`${base}/orders/${phoneOrder}`);
    assert.ok(!(await disp.textContent('#timeline')).includes('伪造的办理情况'));
  });

  await journey('login is throttled after repeated failures', async () => {
    const page = await newPage();
    for (let i = 0; i < 5; i++) {
      await page.goto(`${base}/login`);
      await page.fill('#username', 'operator2');
      await page.fill('#password', 'wrong-password');
      await page.click('button[type=submit]');
      await page.waitForSelector('#login-error');
    }
    await page.goto(`${base}/login`);
    await page.fill('#username', 'operator2');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('#login-error');
    assert.ok((await page.textContent('#login-error')).length > 0);
    assert.ok(page.url().includes('/login'));
    await shot(page, '11-login-throttled');
  });

  await journey('a leader opens the dashboard, statistics and ranking', async () => {
    const page = await newPage();
    await login(page, 'mayor');
    await page.goto(`${base}/dashboard`);
    const kpis = await page.textContent('#dash-kpis');
    assert.ok(kpis.includes('今日受理') && kpis.includes('超期'));
    assert.ok((await page.locator('#trend svg polyline').count()) === 1);
    assert.ok((await page.locator('#open-by-unit svg rect').count()) > 0);
    assert.ok((await page.locator('#dash-rates tbody tr').count()) > 0);
    // This week's hot topics, each with its count and orders.
    assert.ok((await page.locator('#hot-topics tbody tr a[href^="/orders/"]').count()) > 0);
    await shot(page, '12-dashboard');
    await page.goto(`${base}/stats`);
    assert.ok((await page.textContent('#kpis')).includes('满意率'));
    await shot(page, '13-stats');
    await page.goto(`${base}/ranking`);
    assert.ok((await page.locator('#ranking tbody tr').count()) > 0);
    await shot(page, '14-ranking');
    const xlsx = await page.request.get(`${base}/api/stats/ranking?format=xlsx`);
    assert.equal(xlsx.status(), 200);
    assert.ok((await xlsx.body()).subarray(0, 2).toString() === 'PK');
  });

  await journey('the administrator sees units, users, time limits and the calendar, and adds an account', async () => {
    const page = await newPage();
    await login(page, 'admin');
    await page.goto(`${base}/admin`);
    for (const tab of ['单位', '账号', '诉求分类', '办理时限', '节假日与工作时间', '批量导入', '接口密钥', '智能派单', '城市词典']) {
      assert.ok((await page.textContent('#admin-tabs')).includes(tab), tab);
    }
    await page.goto(`${base}/admin/users`);
    assert.ok((await page.textContent('#users')).includes('dispatcher'));
    const msg = await act(page, 'form-user', async (f) => {
      await f.locator('#u-username').fill('operator9');
      await f.locator('#u-name').fill('孙丽');
      await f.locator('#u-password').fill('Passw0rd-2026');
      await f.locator('#u-unit').selectOption({ label: '12345政务服务便民热线中心' });
      await f.locator('input[value=operator]').check();
    });
    assert.ok(msg.includes('operator9'), msg);
    await page.goto(`${base}/admin/users?q=${encodeURIComponent('孙丽')}`);
    assert.ok((await page.textContent('#users')).includes('operator9'));
    await shot(page, '15-admin');
    // Time limits read in words.
    await page.goto(`${base}/admin/limits`);
    assert.ok((await page.inputValue('#limits input[name=sign] >> nth=0')).includes('个工作小时'));
    // 智能派单 and the city dictionary: a rule, new words.
    await page.goto(`${base}/admin/dispatch`);
    let m = await act(page, 'form-rule', async (f) => {
      await f.locator('#r-keyword').fill('江州大桥');
      await f.locator('#r-unit').selectOption({ label: '市交通运输局' });
    });
    assert.ok(m.includes('江州大桥'), m);
    assert.ok((await page.textContent('#rules')).includes('市交通运输局'));
    await page.goto(`${base}/admin/words`);
    m = await act(page, 'form-words', async (f) => {
      await f.locator('#w-words').fill('翠湖苑，江滨花园');
    });
    assert.ok(m.includes('已加入城市词典 2 个词'), m);
    assert.ok((await page.textContent('#words')).includes('翠湖苑'));
    await page.goto(`${base}/admin/dispatch`);
    assert.ok((await page.textContent('#text-admin')).includes('条工单训练'));
    await page.locator('#text-admin').screenshot({ path: join(shots, '15b-admin-text.png') });
  });

  await journey('the public reply board lists answered orders and searches them', async () => {
    const page = await newPage(phone);
    await page.goto(`${base}/board`);
    assert.ok((await page.locator('.board-item').count()) > 0);
    await shot(page, '16-board-phone');
    // 常见问题: the public knowledge base, searched on a phone.
    await page.goto(`${base}/knowledge?q=${encodeURIComponent('公积金提取')}`);
    assert.ok((await page.locator('.kb-entry').count()) > 0);
    assert.ok((await page.locator('.kb-entry mark').count()) > 0);
    await shot(page, '16b-knowledge-phone');
    await page.goto(`${base}/board`);
    await page.fill('input[name=q]', '电梯');
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    const text = await page.textContent('#board');
    assert.ok(text.includes('锦绣家园'), 'the order answered in this run is on the board');
  });

  await journey('the desk pages fit a 1366×768 office screen without sideways scrolling', async () => {
    const page = await newPage();
    await login(page, 'dispatcher');
    for (const path of ['/desk', '/orders', '/orders/new', `/orders/${phoneOrder}`, '/stats', '/dashboard']) {
      await page.goto(`${base}${path}`);
      const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(over <= 1, `${path} is ${over}px too wide`);
    }
    // Full-text search with the words found marked in each result.
    await page.goto(`${base}/orders`);
    await page.fill('#f-q', '电梯 物业');
    await Promise.all([page.waitForURL(/q=/), page.click('form.card button[type=submit]')]);
    assert.ok((await page.locator('table.orders .snippet mark').count()) > 0);
    assert.ok((await page.textContent('table.orders')).includes(phoneOrder));
    await shot(page, '17-orders-search');
  });
  // ---------------------------------------------------------------- the desk, all day (issue 18)

  // No element of the page is wider than the screen, nothing sits in a single line that wraps,
  // and no text is smaller than 12px.
  async function fits(page, what) {
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(over <= 1, `${what} is ${over}px too wide`);
    const small = await page.evaluate(() => {
      const out = [];
      for (const el of document.querySelectorAll('main *, .pub-main *')) {
        if (el.closest('svg')) continue; // charts scale with their width
        if (!el.childNodes.length || ![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height) continue;
        const size = parseFloat(getComputedStyle(el).fontSize);
        if (size < 12) out.push(`${el.tagName}.${el.className} ${size}px: ${el.textContent.trim().slice(0, 20)}`);
      }
      return out;
    });
    assert.deepEqual(small, [], `${what}: text below 12px`);
  }
  // Badges (states, levels, tags) and the named cells are on one line each.
  async function oneLine(page, selector, what) {
    // The lines its text is laid out on: one rectangle per line box.
    const wrapped = await page.evaluate((sel) => [...document.querySelectorAll(sel)].filter((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.bottom)));
      return tops.size > 1;
    }).map((el) => el.textContent.trim()), selector);
    assert.deepEqual(wrapped, [], `${what}: wrapped`);
  }

  await journey('a dispatcher opens a citizen\'s web order and dispatches it by the suggestion, finding units by name, initials or code', async () => {
    const page = await newPage();
    await login(page, 'dispatcher');
    await page.goto(`${base}/orders/${citizenNumber}`);
    // The help is on the page whatever the channel: the suggestion, and a unit to start from, by name.
    await page.waitForSelector('#order-suggest');
    const prefilled = await page.inputValue('#lead_unit_id');
    assert.match(prefilled, /[\u4e00-\u9fa5]{3,}/, `the form starts from a unit's name, not a code: ${prefilled}`);
    assert.ok((await page.textContent('#order-suggest')).includes('预填'));
    // The picker lists names, and finds a street by its pinyin initials or part of its name.
    assert.equal(await page.locator('#unit-list option[value="东湖区湖畔街道"]').count(), 1);
    const found = await (await page.request.get(`${base}/api/units?q=dhqhp`)).json();
    assert.equal(found.units[0].name, '东湖区湖畔街道');
    await shot(page, '30-dispatch-help');
    const msg = await act(page, 'form-dispatch', async (f) => { await f.locator('#lead_unit_id').fill('湖畔街道'); });
    assert.ok(msg.includes('派单已完成'), msg);
    assert.ok((await page.textContent('main')).includes('东湖区湖畔街道'));
    await oneLine(page, '.state, .lv, .tag', 'the order page at 1366×768');
    await fits(page, 'the order page at 1366×768');

    // The street signs it on a phone: the inbox, the order and its actions fit the screen.
    const street = await newPage(phone);
    await login(street, 'donghu-hp');
    await fits(street, 'the inbox on a phone');
    assert.ok((await street.textContent('table.orders')).includes(citizenNumber));
    await shot(street, '31-inbox-phone');
    await street.goto(`${base}/orders/${citizenNumber}`);
    await fits(street, 'an order on a phone');
    const signed = await act(street, 'form-sign');
    assert.ok(signed.includes('办理中'), signed);
    await shot(street, '32-order-phone');
  });

  await journey('each queue tab lists its own work, and a leader lands on the portfolio\'s dashboard', async () => {
    const page = await newPage();
    await login(page, 'zjj');
    const tab = page.locator('#queues a[href="/desk?queue=work_order.to_sign"]');
    const n = Number((await tab.locator('.n').textContent()).trim());
    await Promise.all([page.waitForURL(/queue=work_order\.to_sign/), tab.click()]);
    assert.ok((await page.getAttribute('#queues a.on', 'href')).includes('to_sign'));
    const rows = await page.locator('table.orders tbody tr').count();
    assert.equal(rows, Math.min(n, 20) || 1, 'the tab lists its own count of items');
    if (n > 0) {
      const queues = await page.locator('table.orders tbody tr td:nth-child(5)').allTextContents();
      assert.ok(queues.every((q) => q.trim() === '待签收'), queues.join(','));
    }
    await shot(page, '33-queue-tab');

    // A vice-mayor's home is the dashboard, and every order it links to opens.
    const leader = await newPage();
    await login(leader, 'vicemayor');
    assert.ok(leader.url().endsWith('/dashboard'), leader.url());
    const links = [...new Set(await leader.locator('main a[href^="/orders/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href'))))];
    assert.ok(links.length > 0);
    for (const href of links) {
      const r = await leader.request.get(`${base}${href}`);
      assert.equal(r.status(), 200, `${href} is refused to the leader whose dashboard links it`);
    }
    await oneLine(leader, '#dash-rates td.unit-name, .state, .lv, .tag', 'the dashboard at 1366×768');
    await fits(leader, 'the dashboard at 1366×768');
    await shot(leader, '34-dashboard-vicemayor');
  });

  await journey('figures of the last complete month, small units ranked apart, and exports that say what they are', async () => {
    const page = await newPage();
    await login(page, 'mayor');
    await page.goto(`${base}/stats`);
    const now = new Date(Date.now() + 8 * 3600e3);
    const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
    assert.ok((await page.textContent('#period')).startsWith(lastMonth), await page.textContent('#period'));
    assert.equal(await page.locator('#so-far').count(), 0);
    const mayorVolume = (await page.locator('#kpis .kpi .v').first().textContent()).trim();
    await shot(page, '35-stats-last-month');
    // The two statistics files differ: the whole workbook, or the categories alone.
    const hrefs = await page.locator('a[href^="/api/stats?"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.equal(new Set(hrefs).size, hrefs.length, hrefs.join(' '));
    const csv = await (await page.request.get(`${base}${hrefs.find((h) => h.includes('format=csv'))}`)).text();
    assert.ok(csv.includes('江州市12345热线统计') && csv.includes(`统计期间：${lastMonth}`) && csv.includes('导出人：李建国'), csv.slice(0, 300));
    await Promise.all([page.waitForURL(/period=current/), page.click('#this-month')]);
    assert.equal(await page.locator('#so-far').count(), 1, 'the month under way is marked 截至今日');
    // The centre reads the same 受理量 for the same month.
    const disp = await newPage();
    await login(disp, 'dispatcher');
    await disp.goto(`${base}/stats`);
    assert.equal((await disp.locator('#kpis .kpi .v').first().textContent()).trim(), mayorVolume);
    // The ranking: last month's, units with too few orders apart, names on one line.
    await page.goto(`${base}/ranking`);
    assert.ok((await page.textContent('h1')).includes(lastMonth.slice(0, 7)));
    await oneLine(page, '#ranking td.unit-name, #ranking-apart td.unit-name', 'the ranking at 1366×768');
    await fits(page, 'the ranking at 1366×768');
    await shot(page, '36-ranking');
    // The order ledger as the centre takes it: heading, masked numbers, on record.
    const ledger = await (await disp.request.get(`${base}/api/orders/export?format=csv&q=${encodeURIComponent('电梯')}`)).text();
    assert.ok(ledger.includes('江州市12345热线工单台账') && ledger.includes('筛选条件：关键词=电梯') && ledger.includes('导出人：陈志强'), ledger.slice(0, 300));
    assert.ok(!/1[3-9]\d{9}/.test(ledger), 'no whole phone number unless asked for');
  });

  await journey('the rules on the page: a two-character answer is refused, the unit head approves answers on a phone, no return after its window', async () => {
    // The administrator asks 住建局's answers to go through its head.
    const admin = await newPage();
    await login(admin, 'admin');
    await admin.goto(`${base}/admin/units?q=${encodeURIComponent('住房和城乡建设局')}`);
    await admin.locator('#units details summary').first().click();
    const form = admin.locator('#units details form').first();
    await form.locator('select[name=answer_review]').selectOption('true');
    await Promise.all([admin.waitForURL(/ok=/), form.locator('button[type=submit]').click()]);
    assert.ok((await admin.textContent('#units')).includes('答复需单位审核'));

    const op = await newPage();
    await login(op, 'operator');
    await op.goto(`${base}/orders/new`);
    await op.fill('#citizen_phone', '13900002222');
    await op.fill('#category', '0102');
    await op.fill('#content', '和平路幸福里小区2栋楼道灯坏了一个月，物业说没有经费不修。');
    await op.fill('#lead_unit', '住房和城乡建设局');
    await Promise.all([op.waitForURL(/\/orders\/\d{14}/), op.click('#register-submit')]);
    const number = op.url().match(/\/orders\/(\d{14})/)[1];

    const unit = await newPage();
    await login(unit, 'zjj');
    await unit.goto(`${base}/orders/${number}`);
    await act(unit, 'form-sign');
    const form2 = unit.locator('#form-answer');
    await form2.locator('textarea').fill('已修');
    await Promise.all([unit.waitForURL(/err=/), form2.locator('button[type=submit]').click()]);
    const err = await unit.textContent('#flash-err');
    assert.ok(err.includes('答复内容过短') && err.includes('至少 10 字'), err);
    await shot(unit, '37-answer-too-short');
    const m = await act(unit, 'form-answer', async (f) => { await f.locator('textarea').fill('经现场核实，楼道灯线路老化，已督促物业更换线路和灯具，今晚恢复照明。'); });
    assert.ok(m.includes('待单位审核'), m);

    const head = await newPage(phone);
    await login(head, 'zjj-head');
    await head.goto(`${base}/desk?queue=work_order.to_approve_answer`);
    assert.ok((await head.textContent('table.orders')).includes(number));
    await head.goto(`${base}/orders/${number}`);
    await fits(head, 'the head\'s order page on a phone');
    await shot(head, '38-unit-review-phone');
    const ok = await act(head, 'form-approve-answer', async () => {}, 'button[value=true]');
    assert.ok(ok.includes('待审核'), ok);

    // An order dispatched to the unit days ago: its return window has closed, 申请退单 is not offered.
    const handling = await (await unit.request.get(`${base}/api/orders?state=dispatched&per_page=50`)).json();
    let late;
    for (const o of handling.items) {
      const full = await (await unit.request.get(`${base}/api/orders/${o.number}`)).json();
      if (!full.order.allowed_actions.includes('request_return') && full.order.allowed_actions.includes('sign')) { late = o.number; break; }
    }
    if (late) {
      await unit.goto(`${base}/orders/${late}`);
      assert.equal(await unit.locator('summary', { hasText: '申请退单' }).count(), 0);
      assert.ok((await unit.textContent('main')).includes('已截止'));
    }
  });

  await journey('the public site: the real time limit, the query code kept, the board in pages, and large text for older citizens', async () => {
    const page = await newPage(phone);
    await page.goto(`${base}/`);
    await page.selectOption('#order_type', 'complaint');
    await page.selectOption('#category', { index: 3 });
    await page.fill('#content', '东湖区青龙小区门口的下水道井盖破损，晚上路过很危险，请尽快更换。');
    await page.fill('#phone', '13900003333');
    await Promise.all([page.waitForLoadState('load'), page.click('#submit-form button[type=submit]')]);
    assert.ok((await page.textContent('#answer-promise')).includes('投诉类诉求在 10个工作日内答复'));
    await Promise.all([page.waitForURL(/\/follow\?number=\d{14}&code=/), page.click('#follow-link')]);
    await page.waitForSelector('#follow-result');
    // 大字模式, remembered on the next page.
    const before = await page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
    await page.click('#text-size');
    await page.goto(`${base}/board`);
    const after = await page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
    assert.ok(after >= before * 1.2, `${before}px → ${after}px`);
    await fits(page, 'the board in large text on a phone');
    await shot(page, '39-board-large-text-phone');
    // The board has pages.
    const desk = await newPage();
    await desk.goto(`${base}/board`);
    assert.equal(await desk.locator('.board-item').count(), 20);
    await Promise.all([desk.waitForURL(/page=2/), desk.click('#board-next')]);
    assert.ok((await desk.locator('.board-item').count()) > 0);
    assert.equal(await desk.locator('#board-prev').count(), 1);
    await fits(desk, 'the board at 1366×768');
    await shot(desk, '40-board-page-2');
  });

  await journey('one word for one thing: 噪声 finds what citizens wrote as 噪音, and topic labels carry no filler words, on a phone and at 1366×768', async () => {
    for (const size of [phone, desktop]) {
      const page = await newPage(size);
      await login(page, 'dispatcher');
      await page.goto(`${base}/orders?q=${encodeURIComponent('噪声')}`);
      const found = await page.locator('table.orders tbody tr').allTextContents();
      assert.ok(found.length > 0 && found.some((t) => t.includes('噪音')), 'orders written with 噪音 are found');
      await fits(page, `the search at ${size.viewport.width}px`);
      const leader = await newPage(size);
      await login(leader, 'mayor');
      const labels = await leader.locator('#hot-topics tbody tr td:first-child strong').allTextContents();
      assert.ok(labels.length > 0);
      for (const filler of ['只是', '特此', '每次', '希望', '及时', '作为']) {
        assert.ok(labels.every((l) => !l.split('、').includes(filler)), `${filler} in ${labels.join(' | ')}`);
      }
      await fits(leader, `the dashboard at ${size.viewport.width}px`);
      await shot(page, `41-search-synonym-${size.viewport.width}`);
      await shot(leader, `42-dashboard-${size.viewport.width}`);
    }
  });

  await journey('a new city starts from an empty database, imports its units and publishes an answer without personal data', async () => {
    // A second server: `sanfu serve` on an empty database, as a real city installs it.
    const cityPort = port + 1;
    const cityBase = `http://127.0.0.1:${cityPort}`;
    const cityData = mkdtempSync(join(tmpdir(), 'sanfu-city-'));
    const city = spawn(bin, ['serve', '--data', cityData, '--listen', `127.0.0.1:${cityPort}`], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 300; i++) {
        try { if ((await fetch(`${cityBase}/healthz`)).ok) break; } catch { /* not yet */ }
        await new Promise((r) => setTimeout(r, 200));
      }
      const page = await newPage();
      // Nobody to log in: the first page creates the administrator.
      await page.goto(`${cityBase}/login`);
      assert.ok(page.url().endsWith('/setup'));
      await page.fill('#city', '海州市');
      await page.fill('#username', 'admin');
      await page.fill('#name', '陈明');
      await page.fill('#password', 'Haizhou#Gov-2026');
      await shot(page, '20-city-setup');
      await Promise.all([page.waitForURL(/\/admin/), page.click('#setup-form button[type=submit]')]);
      assert.ok((await page.textContent('header')).includes('海州市人民政府办公室'));
      // The organisation from the template, saved by Excel on Chinese Windows (GBK).
      await page.goto(`${cityBase}/admin/import`);
      const rows = [
        '类型,编码,名称,上级编码,单位类别,默认承办单位,角色,初始密码,分管单位',
        '单位,hz-zjj,海州市住房和城乡建设局,gov,市直部门,,,,',
        '单位,hz-jd,海州市江东区人民政府,gov,县区,,,,',
        '分类,01,城乡建设,,,,,,',
        '分类,0102,物业管理,01,,hz-zjj,,,',
        '用户,hz-disp,周敏,hotline,,,派单员、话务员,Zm#Paidan-2026,',
      ].join('\r\n');
      const file = join(cityData, 'org.csv');
      writeFileSync(file, Buffer.from(gbkEncode(rows)));
      await page.setInputFiles('#import-file', file);
      await Promise.all([page.waitForLoadState('load'), page.click('#import-check')]);
      assert.ok((await page.textContent('.flash')).includes('检查通过'), await page.textContent('main'));
      await page.setInputFiles('#import-file', file);
      await Promise.all([page.waitForLoadState('load'), page.click('#import-go')]);
      assert.ok((await page.textContent('.flash')).includes('已导入 2 个单位、2 个分类、1 个账号'));
      await shot(page, '21-city-imported');
      // A liaison for the department, created by hand.
      await page.goto(`${cityBase}/admin/users`);
      const made = await act(page, 'form-user', async (f) => {
        await f.locator('#u-username').fill('hz-zjj-ll');
        await f.locator('#u-name').fill('林芳');
        await f.locator('#u-password').fill('Lf#Wuye-2026');
        await f.locator('#u-unit').selectOption({ label: '海州市住房和城乡建设局' });
        await f.locator('input[value=unit_liaison]').check();
      });
      assert.ok(made.includes('hz-zjj-ll'), made);
      // A citizen writes in with a phone number and an ID number in the text, and agrees to publication.
      const citizen = await newPage(phone);
      await citizen.goto(`${cityBase}/`);
      await citizen.selectOption('#order_type', 'complaint');
      await citizen.selectOption('#category', '0102');
      await citizen.fill('#content', '滨湖花园3栋电梯停运一周，物业不管。我的电话 139 0000 1234，身份证号 33010619900101123X，请尽快回复。');
      await citizen.fill('#phone', '13900001234');
      await citizen.check('#publish_consent');
      await Promise.all([citizen.waitForLoadState('load'), citizen.click('#submit-form button[type=submit]')]);
      const number = (await citizen.textContent('#new-number')).trim();
      // The dispatcher dispatches; the liaison signs and answers, seeing the numbers masked.
      const disp = await newPage();
      await disp.goto(`${cityBase}/login`);
      await disp.fill('#username', 'hz-disp');
      await disp.fill('#password', 'Zm#Paidan-2026');
      await Promise.all([disp.waitForURL(/\/desk/), disp.click('button[type=submit]')]);
      await disp.goto(`${cityBase}/orders/${number}`);
      await act(disp, 'form-dispatch', async (f) => { await f.locator('#lead_unit_id').fill('hz-zjj'); });
      const ll = await newPage();
      await ll.goto(`${cityBase}/login`);
      await ll.fill('#username', 'hz-zjj-ll');
      await ll.fill('#password', 'Lf#Wuye-2026');
      await Promise.all([ll.waitForURL(/\/desk/), ll.click('button[type=submit]')]);
      await ll.goto(`${cityBase}/orders/${number}`);
      const seen = await ll.textContent('main');
      assert.ok(!seen.includes('0000 1234') && !seen.includes('33010619900101123X'), 'the unit sees the numbers masked');
      assert.ok(seen.includes('139****1234'));
      await act(ll, 'form-sign');
      await act(ll, 'form-answer', async (f) => { await f.locator('textarea').fill('已约谈物业公司，电梯已于今日修复并恢复运行。'); });
      await disp.goto(`${cityBase}/orders/${number}`);
      await act(disp, 'form-review', async () => {}, 'button[value=true]');
      await act(disp, 'form-callback', async (f) => { await f.locator('input[value=satisfied]').check(); });
      const published = await act(disp, 'form-publish');
      assert.ok(published.includes('已公开'), published);
      // The board shows the answer, and neither number in any form.
      await citizen.goto(`${cityBase}/board`);
      const board = await citizen.textContent('#board');
      assert.ok(board.includes('滨湖花园3栋电梯停运'));
      const digits = board.replace(/[^0-9Xx]/g, '');
      assert.ok(!digits.includes('13900001234') && !digits.includes('33010619900101123'), board);
      await shot(citizen, '22-city-board-phone');
    } finally {
      city.kill('SIGTERM');
      rmSync(cityData, { recursive: true, force: true });
    }
  });
} catch (e) {
  if (!String(e.stack || e).includes('AssertionError')) console.log(`FAIL ${e.stack || e}`);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
  server.kill('SIGTERM');
  rmSync(data, { recursive: true, force: true });
  console.log(results.join('\n'));
  console.log(`screenshots in ${shots}`);
}
