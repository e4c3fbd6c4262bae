// Drives banli's embedded GraphiQL in Debian's headless Chromium.
//
//   node tests/browser/graphiql.mjs <base-url> <screenshot-path>
//
// Run by tests/api/browser.rs against a server in production mode: GraphiQL loads from the
// binary alone, opens on a public query that runs as it is, and shows the sign-in form.
// Exits non-zero with a message naming the failed step.

import { chromium } from 'playwright-core';

const [baseUrl, screenshotPath] = process.argv.slice(2);
if (!baseUrl || !screenshotPath) {
  console.error('usage: node graphiql.mjs <base-url> <screenshot-path>');
  process.exit(2);
}
const TIMEOUT_MS = 20_000;

async function step(name, run) {
  const started = Date.now();
  try {
    await run();
  } catch (e) {
    throw new Error(`step "${name}" failed: ${e.message}`);
  }
  console.log(`ok  ${name} (${Date.now() - started} ms)`);
}

/** Runs the editor's document and waits for a result that contains `text`. */
async function runAndSee(page, text) {
  await page.locator('.graphiql-execute-button').click();
  await page.locator('.result-window').filter({ hasText: text }).waitFor({ timeout: TIMEOUT_MS });
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  const failedRequests = [];
  page.on('requestfailed', (r) => failedRequests.push(r.url()));
  await step('GraphiQL opens on a public query that runs anonymously', async () => {
    await page.goto(`${baseUrl}/graphql`);
    await page.locator('.graphiql-query-editor').filter({ hasText: 'PublishedReplies' }).waitFor();
    await runAndSee(page, '"publishedReplies"');
  });
  await step('the sign-in form is there, signed out', async () => {
    await page.locator('#signin-state').filter({ hasText: '未登录' }).waitFor();
    await page.locator('#signin-user').waitFor();
    await page.locator('#signin-password').waitFor();
  });
  await page.screenshot({ path: screenshotPath, fullPage: true });
  if (failedRequests.length) throw new Error(`requests failed: ${failedRequests.join(', ')}`);
} catch (e) {
  console.error(e.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}
