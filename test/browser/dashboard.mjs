// Drives Quarry's dashboard in chromium as a user would: sign in (a wrong
// key first), upload an invoice and run an extraction, watch the job
// complete, click the total and see it highlighted on the page image,
// filter the jobs by status, sign out. browser_test.go starts the server
// and says where the total is printed.
import assert from 'node:assert/strict';
import path from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.QUARRY_BASE_URL;
const key = process.env.QUARRY_API_KEY;
const invoice = process.env.QUARRY_INVOICE;
const region = JSON.parse(process.env.QUARRY_TOTAL_REGION);
const artifacts = process.env.QUARRY_ARTIFACTS;

const schema = JSON.stringify({
  type: 'object',
  properties: {
    invoice_number: { type: 'string' },
    invoice_date: { type: 'string', format: 'date' },
    customer: { type: 'string' },
    total: { type: 'number' },
  },
}, null, 2);

function step(name) {
  console.log('- ' + name);
}

const problems = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // Every request the dashboard makes must go to Quarry itself.
  const foreign = [];
  page.on('request', (req) => {
    if (!req.url().startsWith(base) && !req.url().startsWith('data:')) foreign.push(req.url());
  });
  problems.length = 0;
  // Replies with an error status are checked where they are expected.
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(String(err)));

  step('a page asks to sign in first');
  await page.goto(base + '/ui/jobs');
  assert.match(page.url(), /\/ui\/sign-in/);

  step('a wrong key is refused');
  await page.getByLabel('API key').fill('qry_not-a-key');
  const refused = page.waitForResponse((r) => r.url().endsWith('/ui/sign-in') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.equal((await refused).status(), 401);
  await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
  assert.match(page.url(), /\/ui\/sign-in/);

  step('the right key signs in');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/ui\/jobs$/);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'quarry_session');
  assert.ok(session, 'a session cookie is set');
  assert.ok(session.httpOnly, 'the session cookie is HttpOnly');
  assert.equal(session.sameSite, 'Strict');
  assert.ok(!cookies.some((c) => c.value.includes(key)), 'no cookie holds the key');

  step('a schema with a mistake is shown at its path');
  await page.getByRole('link', { name: 'New extraction' }).click();
  await page.getByLabel('Schema (JSON Schema)').fill('{"type": "object", "properties": {"total": {"type": "numbr"}}}');
  await page.locator('#schema-status').getByText('/properties/total/type').waitFor();

  step('a valid schema and an invoice run an extraction');
  await page.getByLabel('Schema (JSON Schema)').fill(schema);
  await page.locator('#schema-status').getByText('The schema is valid.').waitFor();
  await page.getByLabel('Files').setInputFiles(invoice);
  await page.getByRole('button', { name: 'Run extraction' }).click();
  await page.waitForURL(/\/ui\/jobs\/ext-[0-9a-f-]+$/);
  const jobURL = page.url();
  const jobID = jobURL.split('/').pop();

  step('the job completes (the page reloads itself)');
  await page.locator('#job-status', { hasText: 'COMPLETED' }).waitFor({ timeout: 90_000 });
  const total = page.locator('button.value[data-path="total"]');
  await total.waitFor();
  assert.match(await total.innerText(), /1234\.56/);

  step('clicking the total highlights it on the page image');
  await total.click();
  const highlight = page.locator('#page-frame .highlight').first();
  await highlight.waitFor();
  await page.locator('#page-frame[data-page="1"]').waitFor();
  const img = await page.locator('#page-image').boundingBox();
  const box = await highlight.boundingBox();
  assert.ok(img && img.width > 0 && box && box.width > 0, 'the page image and the highlight are drawn');
  const want = {
    x: img.x + region.x * img.width, y: img.y + region.y * img.height,
    w: region.w * img.width, h: region.h * img.height,
  };
  const overlapW = Math.min(box.x + box.width, want.x + want.w) - Math.max(box.x, want.x);
  const overlapH = Math.min(box.y + box.height, want.y + want.h) - Math.max(box.y, want.y);
  assert.ok(overlapW > 0 && overlapH > 0,
    `the highlight ${JSON.stringify(box)} overlaps the total's line ${JSON.stringify(want)}`);
  const centre = box.y + box.height / 2;
  assert.ok(centre >= want.y && centre <= want.y + want.h,
    `the highlight's centre ${centre} is on the total's line ${want.y}..${want.y + want.h}`);
  await page.screenshot({ path: path.join(artifacts, 'job.png') });

  step('a value is reachable with the keyboard');
  const customer = page.locator('button.value[data-path="customer"]');
  await customer.focus();
  await page.keyboard.press('Enter');
  assert.equal(await customer.getAttribute('aria-pressed'), 'true');

  step('the result downloads as CSV');
  const csv = await page.request.get(base + '/ui/jobs/' + jobID + '/result.csv');
  assert.equal(csv.status(), 200);
  const csvText = await csv.text();
  assert.match(csvText, /^invoice_number,invoice_date,customer,total\r?\n/);
  assert.match(csvText, /INV-2024-0042/);

  step('the jobs list filters by status');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
  await page.getByLabel('Status').selectOption('COMPLETED');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/status=COMPLETED/);
  await page.locator(`tr[data-job="${jobID}"]`).waitFor();
  assert.equal(await page.locator(`tr[data-job="${jobID}"] .status`).innerText(), 'COMPLETED');
  assert.match(await page.locator(`tr[data-job="${jobID}"]`).innerText(), /invoice\.pdf/);
  await page.screenshot({ path: path.join(artifacts, 'jobs.png') });
  await page.getByLabel('Status').selectOption('FAILED');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/status=FAILED/);
  assert.equal(await page.locator(`tr[data-job="${jobID}"]`).count(), 0);
  await page.getByText('No jobs match.').waitFor();

  step('pages fit a phone');
  await page.setViewportSize({ width: 390, height: 844 });
  for (const url of [base + '/ui/jobs', jobURL]) {
    await page.goto(url);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${url} is ${overflow}px wider than a phone`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });

  step('signing out ends the session');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/ui\/sign-in/);
  await page.goto(base + '/ui/jobs');
  assert.match(page.url(), /\/ui\/sign-in/);
  const after = await page.request.get(base + '/ui/jobs/' + jobID + '/result.json', { headers: { Accept: 'application/json' } });
  assert.equal(after.status(), 401);

  assert.deepEqual(foreign, [], 'no request leaves the server');
  assert.deepEqual(problems, [], 'no script errors or policy violations');
  console.log('ok');
} catch (err) {
  // What the page showed, to tell a broken page from a slow one.
  console.log('script errors: ' + JSON.stringify(problems));
  for (const p of browser.contexts().flatMap((c) => c.pages())) {
    console.log('page ' + p.url() + ':\n' + (await p.locator('main').innerText().catch(() => '')));
    await p.screenshot({ path: path.join(artifacts, 'failure.png') }).catch(() => {});
  }
  throw err;
} finally {
  await browser.close();
}
