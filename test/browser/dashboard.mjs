// Drives Quarry's dashboard in chromium as a user would: sign in (a wrong
// key first), upload an invoice and run an extraction, watch the job
// complete, click the total and see it highlighted on the page image, save
// a configuration and run it on an invoice with line items, filter the jobs
// by status, sign out. At a laptop's width and a phone's, every page must
// fit its window and every column of every table must be in sight.
// browser_test.go starts the server and says where the total is printed.
import assert from 'node:assert/strict';
import path from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.QUARRY_BASE_URL;
const key = process.env.QUARRY_API_KEY;
const invoice = process.env.QUARRY_INVOICE;
const itemized = process.env.QUARRY_ITEMIZED_INVOICE;
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

const itemizedSchema = JSON.stringify({
  type: 'object',
  properties: {
    invoice_number: { type: 'string' },
    invoice_date: { type: 'string', format: 'date' },
    customer: { type: 'string' },
    line_items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          description: { type: 'string' },
          quantity: { type: 'number' },
          unit_price: { type: 'number' },
          amount: { type: 'number' },
        },
      },
    },
    total: { type: 'number' },
  },
}, null, 2);

const laptop = { width: 1280, height: 900 };
const phone = { width: 390, height: 844 };

// What is a card: a bordered box of the page that holds its own content.
const cards = 'main section, .filters, .table-wrap, form.stack';

// layoutProblems lists what does not fit on the page as it is drawn: the
// page wider than the window, a card whose content is wider than the card
// or that overlaps another card, a cell of a table (a column) that can be
// neither seen nor, when scroll is true, scrolled to inside a scroll box
// that is itself in sight inside its card, and text cut short with no title
// giving it whole.
function layoutProblems(page, { scroll }) {
  return page.evaluate(({ cards, scroll }) => {
    const out = [];
    const name = (el) => {
      const text = (el.innerText || '').trim().replace(/\s+/g, ' ').slice(0, 40);
      return el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
        (text ? ` "${text}"` : '');
    };
    const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
    const drawn = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1) {
      // Named: the elements that stick out of the window where their
      // parents do not, leaving aside what a scroll box holds (unless
      // positioned, which can escape it).
      const escapes = (el) => {
        if (el.getBoundingClientRect().right <= doc.clientWidth + 1) return false;
        if (['absolute', 'fixed'].includes(getComputedStyle(el).position)) return true;
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
          if (getComputedStyle(a).overflowX !== 'visible') return false;
        }
        return true;
      };
      const culprits = [...document.body.querySelectorAll('*')]
        .filter((el) => escapes(el) && !escapes(el.parentElement)).map(name).slice(0, 3);
      out.push(`the page is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px window: ${culprits.join(', ')} stick out`);
    }
    const all = [...document.querySelectorAll(cards)].filter(drawn);
    for (const card of all) {
      if (card.scrollWidth > card.clientWidth + 1 && !(scroll && scrolls(card))) {
        out.push(`${name(card)}: its content is ${card.scrollWidth}px wide in ${card.clientWidth}px`);
      }
      const a = card.getBoundingClientRect();
      for (const other of all) {
        if (other === card || card.contains(other) || other.contains(card)) continue;
        const b = other.getBoundingClientRect();
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 1 && h > 1 && all.indexOf(card) < all.indexOf(other)) out.push(`${name(card)} overlaps ${name(other)}`);
      }
    }
    for (const table of document.querySelectorAll('main table')) {
      if (!drawn(table)) continue;
      const card = table.parentElement.closest(cards);
      for (const row of table.rows) {
        for (const cell of row.cells) {
          if (!drawn(cell)) { out.push(`${name(cell)} in ${name(table)} is not drawn`); continue; }
          const r = cell.getBoundingClientRect();
          let left = r.left, right = r.right, what = name(cell);
          for (let el = cell.parentElement; el && el !== doc; el = el.parentElement) {
            const ox = getComputedStyle(el).overflowX;
            const box = el.getBoundingClientRect();
            const inside = () => left >= box.left - 1 && right <= box.left + el.clientWidth + el.clientLeft + 1;
            if (ox === 'auto' || ox === 'scroll') {
              if (!scroll && !inside()) {
                out.push(`${what} is out of sight: it needs scrolling inside ${name(el)}`);
                break;
              }
              // Scrolling reaches the cell; what must be in sight now is
              // the scroll box itself.
              left = box.left; right = box.left + el.clientWidth + el.clientLeft; what = name(el);
            } else if ((ox === 'hidden' || ox === 'clip') && !inside()) {
              out.push(`${what} is cut off by ${name(el)}`);
              break;
            }
            if (el === card) {
              if (!inside()) out.push(`${what} sticks out of its card ${name(card)}`);
              break;
            }
          }
          if (left < -1 || right > doc.clientWidth + 1) out.push(`${what} is outside the window (${Math.round(left)}..${Math.round(right)}px)`);
        }
      }
    }
    for (const el of document.querySelectorAll('main *')) {
      if (getComputedStyle(el).textOverflow !== 'ellipsis' || el.scrollWidth <= el.clientWidth) continue;
      const titled = el.closest('[title]');
      if (!titled || !titled.title.includes(el.textContent.trim())) out.push(`${name(el)} is cut short with no title holding it whole`);
    }
    return [...new Set(out)];
  }, { cards, scroll });
}

// checkLayout asserts that the page at url fits a window of the given size.
async function checkLayout(page, url, size, { scroll, before } = {}) {
  await page.setViewportSize(size);
  if (page.url() !== url) await page.goto(url);
  if (before) await before();
  const problems = await layoutProblems(page, { scroll });
  assert.deepEqual(problems, [], `${url} at ${size.width}x${size.height}px`);
}

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
  const context = await browser.newContext({ viewport: laptop });
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

  step('a configuration is saved');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Configurations' }).click();
  await page.getByRole('link', { name: 'New configuration' }).click();
  await page.getByLabel('Name').fill('Itemized invoices');
  await page.getByLabel('Schema (JSON Schema)').fill(itemizedSchema);
  await page.locator('#schema-status').getByText('The schema is valid.').waitFor();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/\/ui\/configurations\/cfg-[0-9a-f-]+(\?saved=1)?$/);
  const configID = new URL(page.url()).pathname.split('/').pop();

  step('the saved configuration runs on an invoice with line items');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New extraction' }).click();
  await page.getByLabel('Saved configuration').selectOption(configID);
  await page.getByLabel('Files').setInputFiles(itemized);
  await page.getByRole('button', { name: 'Run extraction' }).click();
  await page.waitForURL(/\/ui\/jobs\/ext-[0-9a-f-]+$/);
  const itemizedURL = page.url();
  const itemizedID = itemizedURL.split('/').pop();
  await page.locator('#job-status', { hasText: 'COMPLETED' }).waitFor({ timeout: 90_000 });

  step('the line items are a table inside the result');
  const items = page.locator('.result table.rows');
  await items.waitFor();
  assert.deepEqual(await items.locator('thead th').allInnerTexts(), ['#', 'description', 'quantity', 'unit_price', 'amount']);
  assert.equal(await items.locator('tbody tr').count(), 3);
  assert.match(await items.locator('tbody tr').nth(2).innerText(), /installation and calibration/);
  const amount = page.locator('button.value[data-path="line_items[2].amount"]');
  assert.match(await amount.innerText(), /480/);

  step('the job pages fit a laptop, the page image beside the result');
  const showAmount = async () => {
    await amount.click();
    await page.locator('#page-frame[data-page="1"] .highlight').first().waitFor();
  };
  await checkLayout(page, itemizedURL, laptop, { scroll: false, before: showAmount });
  const result = await page.locator('section.result').boundingBox();
  const viewer = await page.locator('#viewer').boundingBox();
  assert.ok(viewer.x >= result.x + result.width, 'the page image is to the right of the result');
  await page.screenshot({ path: path.join(artifacts, 'job.png') });
  await checkLayout(page, jobURL, laptop, { scroll: false });

  step('the jobs list shows every column on a laptop and filters by status');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
  await page.getByLabel('Status').selectOption('COMPLETED');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/status=COMPLETED/);
  await page.locator(`tr[data-job="${jobID}"]`).waitFor();
  assert.equal(await page.locator(`tr[data-job="${jobID}"] .status`).innerText(), 'COMPLETED');
  assert.match(await page.locator(`tr[data-job="${jobID}"]`).innerText(), /invoice\.pdf/);
  assert.match(await page.locator(`tr[data-job="${itemizedID}"]`).innerText(), /itemized-invoice\.pdf/);
  assert.equal(await page.locator(`tr[data-job="${itemizedID}"] a[href="/ui/configurations/${configID}"]`).count(), 1,
    'the job links to its saved configuration');
  assert.deepEqual(await page.locator('table.jobs thead th').allInnerTexts(),
    ['Status', 'Job', 'File', 'Configuration', 'Created', 'Updated']);
  // A shortened id keeps its last digits and has the whole id in its title.
  const shortened = await page.locator('table.jobs code').evaluateAll((codes) => codes
    .filter((c) => c.textContent.includes('…'))
    .map((c) => ({ text: c.textContent, title: c.closest('[title]')?.title ?? '' })));
  assert.ok(shortened.length >= 3, `ids are shortened: ${JSON.stringify(shortened)}`);
  for (const { text, title } of shortened) {
    const [head, tail] = text.split('…');
    assert.ok(title.includes(head) && title.endsWith(tail) && [jobID, itemizedID, configID].some((id) => title.endsWith(id)),
      `${text} has its whole id in its title, not ${JSON.stringify(title)}`);
  }
  await checkLayout(page, page.url(), laptop, { scroll: false });
  await page.screenshot({ path: path.join(artifacts, 'jobs.png') });
  await page.getByLabel('Status').selectOption('FAILED');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/status=FAILED/);
  assert.equal(await page.locator(`tr[data-job="${jobID}"]`).count(), 0);
  await page.getByText('No jobs match.').waitFor();

  step('the other pages fit a laptop');
  for (const url of [base + '/ui/configurations', base + '/ui/new']) {
    await checkLayout(page, url, laptop, { scroll: false });
  }

  step('pages fit a phone, wide tables scrolling inside their cards');
  for (const url of [base + '/ui/jobs', base + '/ui/configurations', base + '/ui/new', jobURL, itemizedURL]) {
    await checkLayout(page, url, phone, { scroll: true, before: url === itemizedURL ? showAmount : undefined });
  }
  const stacked = { result: await page.locator('section.result').boundingBox(), viewer: await page.locator('#viewer').boundingBox() };
  assert.ok(stacked.viewer.y >= stacked.result.y + stacked.result.height, 'on a phone the page image is below the result');
  await page.setViewportSize(laptop);

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
