// Drives banli's example public page (examples/public-form/) in Debian's headless Chromium.
//
//   node tests/browser/public-form.mjs <base-url> <reply-id> <screenshot-path>
//
// Run by tests/api/browser.rs against a server started with serve_examples on and the
// CAPTCHA test mode (every CAPTCHA accepts "TEST"). Exits non-zero with a message naming
// the failed step; needs `npm ci --prefix tests/browser` (playwright-core only: it downloads
// no browser, it drives the one at /usr/bin/chromium).

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

// axe-core (Deque's accessibility engine) checks the page against WCAG 2.1 A and AA.
const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const [baseUrl, replyId, screenshotPath] = process.argv.slice(2);
if (!baseUrl || !replyId || !screenshotPath) {
  console.error('usage: node public-form.mjs <base-url> <reply-id> <screenshot-path>');
  process.exit(2);
}
const CAPTCHA_ANSWER = 'TEST';
const TIMEOUT_MS = 15_000;

class Failed extends Error {}

function expect(condition, message) {
  if (!condition) throw new Failed(message);
}

/** Runs one named step; a failure says which step and what was expected. */
async function step(name, run) {
  const started = Date.now();
  try {
    await run();
  } catch (e) {
    throw new Failed(`step "${name}" failed: ${e.message}`);
  }
  console.log(`ok  ${name} (${Date.now() - started} ms)`);
}

/** Waits until the element's text matches `pattern`; returns the text. */
async function textOf(page, selector, pattern) {
  const locator = page.locator(selector);
  try {
    await locator.filter({ hasText: pattern }).waitFor({ state: 'visible', timeout: TIMEOUT_MS });
  } catch {
    const actual = (await locator.count()) ? await locator.first().textContent() : '(no such element)';
    throw new Failed(`${selector} should show ${pattern}, shows ${JSON.stringify(actual)}`);
  }
  return (await locator.textContent()).trim();
}

/** The CAPTCHA image's current data: URL, once one is shown. */
async function captchaSrc(page, prefix, other = null) {
  const image = page.locator(`#${prefix}-captcha-image`);
  await page.waitForFunction(
    ([selector, previous]) => {
      const src = document.querySelector(selector).getAttribute('src') || '';
      return src.startsWith('data:image/png;base64,') && src !== previous;
    },
    [`#${prefix}-captcha-image`, other],
    { timeout: TIMEOUT_MS },
  );
  return image.getAttribute('src');
}

/**
 * Runs axe over the page as it is now; fails with each violation, its rule and the
 * elements it found. The script is evaluated through the debugging protocol, which the
 * page's Content-Security-Policy does not govern (the page itself still may not inline).
 */
async function accessible(page, what) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(AXE_SOURCE);
  }
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    WCAG_21_AA,
  );
  expect(result.passes.length >= 10, `${what}: axe ran only ${result.passes.length} rules`);
  const found = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`,
  );
  expect(found.length === 0, `${what}: ${found.length} WCAG 2.1 AA violation(s):\n  ${found.join('\n  ')}`);
}

/** Presses Tab until the element with `id` has the focus (at most `limit` times). */
async function tabTo(page, id, limit = 40) {
  for (let i = 0; i < limit; i += 1) {
    if ((await page.evaluate(() => document.activeElement && document.activeElement.id)) === id) return;
    await page.keyboard.press('Tab');
  }
  throw new Failed(`#${id} is not reached with the Tab key`);
}

/** The computed font size of the first element `selector` finds, in CSS pixels. */
async function fontSize(page, selector) {
  return page.$eval(selector, (e) => parseFloat(getComputedStyle(e).fontSize));
}

const browser = await chromium.launch({
  executablePath: process.env.BANLI_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
let exitCode = 0;
try {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  // Script errors and CSP violations (reported as console errors) fail the test.
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));

  const replyHref = `a[href="#/reply/${encodeURIComponent(replyId)}"]`;
  const replyLink = `#reply-list ${replyHref}`;

  await step('the list shows the published replies', async () => {
    const response = await page.goto(`${baseUrl}/examples/public-form/`);
    expect(response.ok(), `GET /examples/public-form/ answered ${response.status()}`);
    await textOf(page, '#list-status', /共 2 条/);
    await textOf(page, replyLink, /关于省人大十三届五次会议第0255号建议办理情况的答复函/);
    await textOf(page, `#reply-list li:has(${replyHref})`, /淮南市人民政府办公室\s+2026-11-22/);
  });

  await step('the list view has no WCAG 2.1 AA violations', async () => {
    await accessible(page, 'list view');
  });

  await step('a keyword search narrows the list', async () => {
    await page.fill('#keyword', '沪苏浙');
    await page.click('#search-submit');
    await textOf(page, '#list-status', /共 1 条/);
    expect((await page.locator('#reply-list li').count()) === 1, 'one reply listed');
  });

  await step('the reply opens in the layout of a published reply letter', async () => {
    await page.click(replyLink);
    await textOf(page, '#reply-title', /^关于省人大十三届五次会议第0255号建议办理情况的答复函$/);
    await textOf(page, '#reply-published-at', /^2026-11-22 10:00$/);
    await textOf(page, '#reply-source', /^淮南市人民政府办公室$/);
    await textOf(page, '#reply-addressee', /^夏维奇代表：$/);
    await textOf(page, '#reply-text p:first-child', /^您在人大十三届五次会议上提出的第0255号/);
    await textOf(page, '#reply-category', /^A类$/);
    await textOf(page, '#reply-contact-name', /^马友竹$/);
    await textOf(page, '#reply-contact-phone', /^0554-6678417$/);
    await textOf(page, '#reply-date', /^2022年9月16日$/);
    // Markup in the text is shown as text, never run or parsed.
    await textOf(page, '#reply-text p:last-child', /^<script>alert\('只是文字'\)<\/script>$/);
    expect((await page.locator('#reply-text script').count()) === 0, 'no script element in the text');
    expect(page.url().includes('#/reply/'), `the address names the reply: ${page.url()}`);
    // The focus moves to the reply's title, where a screen reader starts reading.
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'reply-title');
    // Body text at least 16 px, sizes in rem.
    expect((await fontSize(page, '#reply-text p')) >= 16, 'body text at least 16 px');
    expect((await page.getAttribute('#fb-consent', 'aria-describedby')) === 'fb-consent-error',
      'the consent checkbox names its error text');
  });

  await step('the reply view and its forms have no WCAG 2.1 AA violations', async () => {
    await captchaSrc(page, 'fb');
    await captchaSrc(page, 'lookup');
    await accessible(page, 'reply view');
  });

  await step('大字 and 高对比 switch the display, and stay switched', async () => {
    const before = await fontSize(page, '#reply-text p');
    await page.click('#opt-large');
    expect((await page.getAttribute('#opt-large', 'aria-pressed')) === 'true', '大字 pressed');
    const larger = await fontSize(page, '#reply-text p');
    expect(larger >= before * 1.2, `大字 enlarges the text: ${before} → ${larger} px`);
    await page.click('#opt-contrast');
    expect(await page.evaluate(() => document.documentElement.classList.contains('contrast')), '高对比 on');
    expect((await page.$eval('#reply-text p', (e) => getComputedStyle(e).color)) === 'rgb(0, 0, 0)',
      '高对比 text is black');
    await accessible(page, 'reply view, 大字 and 高对比');
    // Another visit of the page in the same browser starts in the chosen display.
    const again = await context.newPage();
    await again.goto(page.url());
    await again.locator('#reply-content').waitFor({ state: 'visible' });
    expect((await again.getAttribute('#opt-large', 'aria-pressed')) === 'true', '大字 remembered');
    expect(await again.evaluate(() => document.documentElement.classList.contains('contrast')),
      '高对比 remembered');
    await again.close();
    await page.click('#opt-large');
    await page.click('#opt-contrast');
    expect((await fontSize(page, '#reply-text p')) === before, 'back to the normal size');
  });

  await step('the CAPTCHA row stays intact on a 320 px screen', async () => {
    await page.setViewportSize({ width: 320, height: 800 });
    await captchaSrc(page, 'fb');
    await page.$eval('#fb-captcha-image', (e) => e.decode());
    const image = await page.$eval('#fb-captcha-image', (e) => ({
      width: e.getBoundingClientRect().width,
      height: e.getBoundingClientRect().height,
      ratio: e.naturalWidth / e.naturalHeight,
      right: e.getBoundingClientRect().right,
    }));
    expect(image.width >= 100, `the image keeps its size: ${JSON.stringify(image)}`);
    expect(Math.abs(image.width / image.height - image.ratio) < 0.05 * image.ratio,
      `the image keeps its proportions: ${JSON.stringify(image)}`);
    expect(image.right <= 320, `the image fits the screen: ${JSON.stringify(image)}`);
    for (const id of ['fb-captcha-refresh', 'fb-captcha-audio']) {
      const lines = await page.$eval(`#${id}`, (e) => {
        const range = document.createRange();
        range.selectNodeContents(e);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      });
      expect(lines === 1, `#${id} is on one line, not ${lines}`);
    }
    await page.setViewportSize({ width: 1000, height: 900 });
  });

  await step('the CAPTCHA can be heard', async () => {
    const before = await captchaSrc(page, 'fb');
    await page.click('#fb-captcha-audio');
    await page.locator('#fb-captcha-player').waitFor({ state: 'visible' });
    const src = await page.getAttribute('#fb-captcha-player', 'src');
    expect(src && src.startsWith('data:audio/wav;base64,'), `a WAV to play: ${String(src).slice(0, 40)}`);
    // The image is of the same, new challenge.
    await captchaSrc(page, 'fb', before);
  });

  let lookupCode;
  await step('feedback is sent and the lookup code shown', async () => {
    // The honeypot is in the form but nobody sees it.
    const box = await page.locator('#fb-website').boundingBox();
    expect(!box || box.x + box.width <= 0 || box.width <= 1, `honeypot on screen: ${JSON.stringify(box)}`);
    await captchaSrc(page, 'fb');
    await page.fill('#fb-name', '王先生');
    await page.fill('#fb-contact', '13812345678');
    await page.fill('#fb-content', '希望扩大基层干部赴沪苏浙交流的名额。');
    await page.check('#fb-consent');
    await page.fill('#fb-captcha-answer', CAPTCHA_ANSWER);
    await page.click('#fb-submit');
    lookupCode = await textOf(page, '#feedback-lookup-code', /^[A-Z0-9]{12}$/);
    expect((await page.inputValue('#fb-content')) === '', 'the form is emptied after success');
  });

  await step('a wrong CAPTCHA answer is shown next to the CAPTCHA, with a new CAPTCHA', async () => {
    const before = await captchaSrc(page, 'fb');
    await page.fill('#fb-content', '第二条意见：建议公开交流干部名单。');
    await page.fill('#fb-captcha-answer', 'WRONG');
    await page.click('#fb-submit');
    await textOf(page, '#fb-captcha-answer-error', /验证码/);
    expect(!(await page.isVisible('#feedback-result')), 'no lookup code for a refused submission');
    expect((await page.getAttribute('#fb-captcha-answer', 'aria-invalid')) === 'true', 'CAPTCHA field marked invalid');
    await captchaSrc(page, 'fb', before);
    expect((await page.inputValue('#fb-captcha-answer')) === '', 'the old answer is cleared');
  });

  await step('empty content is shown next to the content field', async () => {
    await page.fill('#fb-content', '');
    await page.fill('#fb-captcha-answer', CAPTCHA_ANSWER);
    await page.click('#fb-submit');
    await textOf(page, '#fb-content-error', /^请填写内容$/);
    expect(!(await page.isVisible('#fb-captcha-answer-error')), 'the CAPTCHA error is gone');
    expect((await page.getAttribute('#fb-content', 'aria-invalid')) === 'true', 'content field marked invalid');
  });

  await step('feedback is sent with the keyboard alone', async () => {
    await captchaSrc(page, 'fb');
    await page.focus('#reply-title');
    await tabTo(page, 'fb-name');
    await page.keyboard.type('李女士');
    await tabTo(page, 'fb-content');
    await page.keyboard.type('建议在县一级也开展交流。');
    await tabTo(page, 'fb-captcha-answer');
    await page.keyboard.type(CAPTCHA_ANSWER);
    await tabTo(page, 'fb-consent');
    await page.keyboard.press('Space');
    expect(await page.isChecked('#fb-consent'), 'Space checks the consent box');
    await tabTo(page, 'fb-submit');
    await page.keyboard.press('Enter');
    await textOf(page, '#feedback-lookup-code', /^[A-Z0-9]{12}$/);
    expect((await page.evaluate(() => document.activeElement.id)) === 'feedback-result',
      'the focus moves to the result');
  });

  await step('the feedback is looked up by its code', async () => {
    await captchaSrc(page, 'lookup');
    await page.fill('#lookup-code', lookupCode.toLowerCase());
    await page.fill('#lookup-captcha-answer', CAPTCHA_ANSWER);
    await page.click('#lookup-submit');
    await textOf(page, '#lookup-status', /^已收到待处理$/);
    await textOf(page, '#lookup-submitted-at', /^2026-11-22 10:00$/);
    await textOf(page, '#lookup-answer', /^暂无答复$/);
  });

  await step('screenshot', async () => {
    // With the fresh CAPTCHAs shown, not their loading state.
    await captchaSrc(page, 'fb');
    await captchaSrc(page, 'lookup');
    await page.screenshot({ path: screenshotPath, fullPage: true });
  });

  await step('back to the list', async () => {
    await page.goBack();
    await page.locator('#list-view').waitFor({ state: 'visible' });
    expect(await page.isHidden('#reply-view'), 'the reply is hidden');
    await textOf(page, '#list-status', /共 1 条/);
  });

  expect(problems.length === 0, `the page reported problems:\n${problems.join('\n')}`);
  console.log('the example public page works in Chromium');
} catch (e) {
  console.error(e instanceof Failed ? e.message : e);
  exitCode = 1;
} finally {
  await browser.close();
}
process.exit(exitCode);
