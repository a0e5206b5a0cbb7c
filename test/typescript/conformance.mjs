// The official LlamaCloud TypeScript client, used exactly as its users use
// it, against the Quarry server that conformance_test.go starts. The client
// reads LLAMA_CLOUD_BASE_URL and LLAMA_CLOUD_API_KEY from the environment.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, describe, test } from 'node:test';

import LlamaCloud, {
  AuthenticationError,
  ConflictError,
  NotFoundError,
  UnprocessableEntityError,
  toFile,
} from '@llamaindex/llama-cloud';
import { PollingError } from '@llamaindex/llama-cloud/core/polling';

// HOLD_PROMPT makes the server's engine wait until the job is cancelled
// (see holdEngine in conformance_test.go).
const HOLD_PROMPT = 'conformance: hold until cancelled';

// Poll often: jobs on the built-in engine finish in milliseconds.
const FAST = { pollingInterval: 0.05, maxInterval: 0.2, timeout: 60 };

const INVOICE = new URL('./testdata/invoice.txt', import.meta.url);

const invoiceSchema = {
  type: 'object',
  properties: {
    invoice_number: { type: 'string' },
    invoice_date: { type: 'string', format: 'date' },
    customer: { type: 'string' },
    paid: { type: 'boolean' },
    total: { type: 'number' },
  },
};

const client = new LlamaCloud();

async function collect(iterable) {
  const out = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function upload(name, content) {
  return client.files.create({ file: await toFile(Buffer.from(content), name), purpose: 'extract' });
}

describe('files', () => {
  let file;

  before(async () => {
    file = await client.files.create({ file: fs.createReadStream(INVOICE), purpose: 'extract' });
  });

  test('create returns the stored file', () => {
    assert.match(file.id, /^dfl-[0-9a-f-]{36}$/);
    assert.equal(file.name, 'invoice.txt');
    assert.equal(file.purpose, 'extract');
    assert.match(file.project_id, /^prj-/);
    assert.ok(file.file_type, 'file_type is set');
  });

  test('retrieve returns the same file', async () => {
    const got = await client.files.retrieve(file.id);
    assert.equal(got.id, file.id);
    assert.equal(got.name, 'invoice.txt');
    assert.equal(got.project_id, file.project_id);
  });

  test('list filters by file_ids and file_name', async () => {
    const other = await upload('other.txt', 'Reference: R-1\n');
    assert.deepEqual((await collect(client.files.list({ file_ids: [file.id] }))).map((f) => f.id), [file.id]);
    const named = await collect(client.files.list({ file_name: 'other.txt' }));
    assert.deepEqual(named.map((f) => f.id), [other.id]);
    const all = (await collect(client.files.list({ page_size: 1 }))).map((f) => f.id);
    assert.ok(all.includes(file.id) && all.includes(other.id), `list sees both files: ${all}`);
    assert.equal(new Set(all).size, all.length, 'no file is listed twice');
  });

  test('content gives a URL that serves the bytes', async () => {
    const link = await client.files.content(file.id);
    assert.ok(Date.parse(link.expires_at) > Date.now(), `expires_at ${link.expires_at} is in the future`);
    const res = await fetch(link.url);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), fs.readFileSync(INVOICE, 'utf8'));
  });

  test('delete removes the file', async () => {
    const doomed = await upload('doomed.txt', 'Reference: R-2\n');
    await client.files.delete(doomed.id);
    await assert.rejects(client.files.retrieve(doomed.id), NotFoundError);
    await assert.rejects(client.files.delete(doomed.id), NotFoundError);
  });
});

// rejects422 checks that promise fails with an UnprocessableEntityError
// whose detail matches pattern.
async function rejects422(promise, pattern) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof UnprocessableEntityError, `${err}`);
    assert.match(err.error?.detail ?? '', pattern);
    return true;
  });
}

describe('files: orders, links and the deprecated query', () => {
  let files; // created in this order: b, a, C
  let ids;

  before(async () => {
    files = [];
    for (const name of ['b-order.txt', 'a-order.txt', 'C-order.txt']) {
      files.push(await upload(name, `Reference: ${name}\n`));
    }
    ids = files.map((f) => f.id);
  });

  test('list orders by name, id and created_at, a page at a time', async () => {
    const [b, a, C] = ids;
    const list = async (order_by) =>
      (await collect(client.files.list({ file_ids: ids, order_by, page_size: 1 }))).map((f) => f.id);
    assert.deepEqual(await list('name'), [C, a, b], 'name: byte order, capitals first');
    assert.deepEqual(await list('id'), [b, a, C], 'id: ascending, which is creation order');
    assert.deepEqual(await list('created_at'), [C, a, b], 'created_at: newest first');
    assert.deepEqual(await list(undefined), [C, a, b], 'default: newest first');
  });

  test('list refuses the orders the client documents as rejected', async () => {
    for (const order_by of ['size desc', 'name desc', 'created_at asc', 'name,id', 'bogus']) {
      await rejects422(client.files.list({ order_by }), /order_by/);
    }
  });

  test('content honours expires_at_seconds, within seven days', async () => {
    const before = Date.now();
    const link = await client.files.content(files[0].id, { expires_at_seconds: 120 });
    const ttl = (Date.parse(link.expires_at) - before) / 1000;
    assert.ok(ttl > 100 && ttl <= 121, `link lives ${ttl}s, asked 120s`);
    const res = await fetch(link.url);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'Reference: b-order.txt\n');

    const week = await client.files.content(files[0].id, { expires_at_seconds: 7 * 24 * 3600 });
    assert.ok(Date.parse(week.expires_at) - before > (7 * 24 * 3600 - 60) * 1000, `a week: ${week.expires_at}`);
    for (const expires_at_seconds of [0, -5, 7 * 24 * 3600 + 1]) {
      await rejects422(client.files.content(files[0].id, { expires_at_seconds }), /expires_at_seconds/);
    }
  });

  test('expand download_url fills a working link on create, retrieve and list', async () => {
    const assertLink = async (file, body) => {
      assert.ok(file.download_url, `download_url on ${file.id}`);
      assert.ok(Date.parse(file.download_url.expires_at) > Date.now());
      const res = await fetch(file.download_url.url);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), body);
    };
    const created = await client.files.create(
      { file: await toFile(Buffer.from('Reference: R-link\n'), 'link.txt'), purpose: 'extract' },
      { query: { expand: ['download_url'] } },
    );
    await assertLink(created, 'Reference: R-link\n');
    await assertLink(await client.files.retrieve(files[1].id, { expand: ['download_url'] }), 'Reference: a-order.txt\n');
    const listed = await collect(client.files.list({ file_ids: ids, expand: ['download_url'], order_by: 'name' }));
    assert.equal(listed.length, 3);
    await assertLink(listed[0], 'Reference: C-order.txt\n');

    assert.equal((await client.files.retrieve(files[1].id)).download_url, undefined, 'no link unless asked');
    assert.equal((await collect(client.files.list({ file_ids: ids })))[0].download_url, undefined);
    await rejects422(client.files.retrieve(files[1].id, { expand: ['bogus'] }), /expand/);
  });

  test('query (deprecated) filters, orders and pages like list', async () => {
    const [b, a, C] = ids;
    const first = await client.files.query({ filter: { file_ids: ids }, order_by: 'name', page_size: 2 });
    assert.deepEqual(first.items.map((f) => f.id), [C, a]);
    assert.ok(first.next_page_token, 'a second page');
    const second = await client.files.query({ filter: { file_ids: ids }, order_by: 'name', page_size: 2, page_token: first.next_page_token });
    assert.deepEqual(second.items.map((f) => f.id), [b]);
    assert.equal(second.next_page_token ?? undefined, undefined);

    const named = await client.files.query({ filter: { file_name: 'a-order.txt', only_manually_uploaded: true } });
    assert.deepEqual(named.items.map((f) => f.id), [a]);
    assert.equal(named.items[0].name, 'a-order.txt');
    const big = await client.files.query({ filter: { file_ids: ids }, page_size: 5000 });
    assert.equal(big.items.length, 3, 'page_size over the maximum is lowered, as documented');
    assert.deepEqual((await client.files.query({ filter: { file_ids: ids, data_source_id: 'dsr-1' } })).items, []);
    await rejects422(client.files.query({ order_by: 'size desc' }), /order_by/);
    await rejects422(client.files.query({ filter: { file_ids: ids }, page_token: 'forged' }), /page_token/);
  });
});

describe('extract', () => {
  let file;

  before(async () => {
    file = await client.files.create({ file: fs.createReadStream(INVOICE), purpose: 'extract' });
  });

  test('create, waitForCompletion and get with expand', async () => {
    const created = await client.extract.create({
      file_input: file.id,
      configuration: { data_schema: invoiceSchema, cite_sources: true, confidence_scores: true },
    });
    assert.match(created.id, /^ext-[0-9a-f-]{36}$/);
    assert.equal(created.file_input, file.id);
    assert.ok(['PENDING', 'THROTTLED', 'RUNNING', 'COMPLETED'].includes(created.status), created.status);
    assert.ok(!Number.isNaN(Date.parse(created.created_at)), `created_at ${created.created_at}`);

    const done = await client.extract.waitForCompletion(created.id, undefined, FAST);
    assert.equal(done.status, 'COMPLETED');
    assert.deepEqual(done.extract_result, {
      invoice_number: 'INV-2024-0042',
      invoice_date: '2024-03-05',
      customer: 'Northwind Traders',
      paid: false,
      total: 1234.56,
    });
    // cite_sources and confidence_scores bring the metadata without expand.
    const total = done.extract_metadata.field_metadata.document_metadata.total;
    assert.equal(total.citation[0].page, 1);
    assert.match(total.citation[0].matching_text, /1,234\.56/);
    assert.ok(total.confidence > 0 && total.confidence <= 1, `confidence ${total.confidence}`);

    const plain = await client.extract.get(created.id);
    assert.equal(plain.configuration, undefined, 'configuration only with expand');
    assert.equal(plain.metadata, undefined, 'metadata only with expand');

    const full = await client.extract.get(created.id, { expand: ['configuration', 'extract_metadata', 'metadata'] });
    assert.deepEqual(full.configuration.data_schema, invoiceSchema);
    assert.equal(full.configuration.cite_sources, true);
    assert.equal(full.configuration.confidence_scores, true);
    assert.equal(full.metadata.usage.num_pages_extracted, 1);
    assert.deepEqual(full.extract_result, done.extract_result);
  });

  test('run creates and waits', async () => {
    const job = await client.extract.run(
      { file_input: file.id, configuration: { data_schema: { type: 'object', properties: { customer: { type: 'string' } } } } },
      FAST,
    );
    assert.equal(job.status, 'COMPLETED');
    assert.deepEqual(job.extract_result, { customer: 'Northwind Traders' });
  });

  test('a job on an unreadable file fails with a reason', async () => {
    const image = await client.files.create({
      file: await toFile(Buffer.from('\x89PNG\r\n\x1a\n\0\0\0\rIHDR', 'latin1'), 'scan.png'),
      purpose: 'extract',
    });
    const job = await client.extract.create({ file_input: image.id, configuration: { data_schema: invoiceSchema } });
    await assert.rejects(client.extract.waitForCompletion(job.id, undefined, FAST), (err) => {
      assert.ok(err instanceof PollingError, `${err}`);
      assert.match(err.message, /FAILED/);
      return true;
    });
    const failed = await client.extract.get(job.id);
    assert.equal(failed.status, 'FAILED');
    assert.ok(failed.error_message, 'error_message says why');
    assert.equal(failed.extract_result, undefined);
  });

  test('create refuses a bad request with the server detail', async () => {
    await assert.rejects(
      client.extract.create({ file_input: file.id, configuration: { data_schema: { type: 'object' }, tier: 'bogus' } }),
      (err) => {
        assert.ok(err instanceof UnprocessableEntityError, `${err}`);
        assert.match(err.message, /tier/);
        return true;
      },
    );
    await assert.rejects(
      client.extract.create({ file_input: 'dfl-00000000-0000-0000-0000-000000000000', configuration: { data_schema: invoiceSchema } }),
      NotFoundError,
    );
  });
});

describe('listing', () => {
  let file;
  const created = []; // oldest first

  before(async () => {
    // A file of its own, so file_input scopes the listing to these jobs.
    file = await upload('paging.txt', 'Customer: Paging Ltd\n');
    for (let i = 0; i < 9; i++) {
      const job = await client.extract.create({
        file_input: file.id,
        configuration: { data_schema: { type: 'object', properties: { customer: { type: 'string' } } } },
      });
      created.push(job.id);
    }
    for (const id of created) await client.extract.waitForCompletion(id, undefined, FAST);
  });

  test('for await pages through every job once, newest first', async () => {
    const seen = [];
    for await (const job of client.extract.list({ file_input: file.id, page_size: 2 })) {
      seen.push(job.id);
    }
    assert.deepEqual(seen, [...created].reverse());
  });

  test('pages are more than three and each ends with a token but the last', async () => {
    const first = await client.extract.list({ file_input: file.id, page_size: 2 });
    const pages = [];
    for await (const page of first.iterPages()) pages.push(page);
    assert.equal(pages.length, 5);
    pages.forEach((page, i) => {
      assert.equal(page.items.length, i < 4 ? 2 : 1, `page ${i + 1} size`);
      assert.equal(page.hasNextPage(), i < 4, `page ${i + 1} hasNextPage`);
    });
  });

  test('document_input_value is the deprecated alias of file_input', async () => {
    const jobs = await collect(client.extract.list({ document_input_value: file.id, page_size: 4 }));
    assert.deepEqual(jobs.map((j) => j.id), [...created].reverse());
  });

  test('job_ids keeps only those jobs', async () => {
    const want = [created[1], created[4], created[7]];
    const jobs = await collect(client.extract.list({ job_ids: want, page_size: 2 }));
    assert.deepEqual(jobs.map((j) => j.id), [...want].reverse());
  });

  test('status filters, alone and with job_ids', async () => {
    const completed = await collect(client.extract.list({ file_input: file.id, status: 'COMPLETED' }));
    assert.equal(completed.length, created.length);
    assert.ok(completed.every((j) => j.status === 'COMPLETED'));
    assert.deepEqual(await collect(client.extract.list({ file_input: file.id, status: 'FAILED' })), []);
    const one = await collect(client.extract.list({ job_ids: [created[0]], status: 'COMPLETED' }));
    assert.deepEqual(one.map((j) => j.id), [created[0]]);
    await assert.rejects(collect(client.extract.list({ status: 'DONE' })), UnprocessableEntityError);
  });

  test('expand brings configuration into listed jobs', async () => {
    const [job] = await collect(client.extract.list({ job_ids: [created[0]], expand: ['configuration'] }));
    assert.deepEqual(job.configuration.data_schema, { type: 'object', properties: { customer: { type: 'string' } } });
    assert.deepEqual(job.extract_result, { customer: 'Paging Ltd' });
  });
});

describe('cancel and delete', () => {
  let file;

  before(async () => {
    file = await upload('cancel.txt', 'Customer: Cancel Ltd\n');
  });

  test('cancel stops a job that has not finished', async () => {
    const job = await client.extract.create({
      file_input: file.id,
      configuration: { data_schema: invoiceSchema, system_prompt: HOLD_PROMPT },
    });
    const cancelled = await client.extract.cancel(job.id);
    assert.equal(cancelled.id, job.id);
    assert.equal(cancelled.status, 'CANCELLED');
    assert.equal((await client.extract.get(job.id)).status, 'CANCELLED');
    await assert.rejects(client.extract.waitForCompletion(job.id, undefined, FAST), PollingError);
    const listed = await collect(client.extract.list({ job_ids: [job.id], status: 'CANCELLED' }));
    assert.deepEqual(listed.map((j) => j.id), [job.id]);
  });

  test('cancelling a finished job is a conflict the client does not retry', async () => {
    let requests = 0;
    const counting = new LlamaCloud({
      fetch: (url, init) => {
        requests++;
        return fetch(url, init);
      },
    });
    const job = await counting.extract.run(
      { file_input: file.id, configuration: { data_schema: { type: 'object', properties: { customer: { type: 'string' } } } } },
      FAST,
    );
    requests = 0;
    await assert.rejects(counting.extract.cancel(job.id), (err) => {
      assert.ok(err instanceof ConflictError, `${err}`);
      assert.match(err.message, /COMPLETED/);
      return true;
    });
    assert.equal(requests, 1, 'a 409 for a finished job is final: the client must not retry it');
  });

  test('delete removes the job', async () => {
    const job = await client.extract.run(
      { file_input: file.id, configuration: { data_schema: { type: 'object', properties: { customer: { type: 'string' } } } } },
      FAST,
    );
    await client.extract.delete(job.id);
    await assert.rejects(client.extract.get(job.id), NotFoundError);
    await assert.rejects(client.extract.delete(job.id), NotFoundError);
    assert.deepEqual(await collect(client.extract.list({ job_ids: [job.id] })), []);
  });
});

describe('schemas', () => {
  test('validateSchema returns a valid schema ready to use', async () => {
    const res = await client.extract.validateSchema({ data_schema: invoiceSchema });
    assert.deepEqual(res.data_schema.properties, invoiceSchema.properties);
    assert.equal(res.data_schema.type, 'object');
  });

  test('validateSchema refuses an invalid schema and says where', async () => {
    await assert.rejects(
      client.extract.validateSchema({
        data_schema: { type: 'object', properties: { total: { type: 'money' } } },
      }),
      (err) => {
        assert.ok(err instanceof UnprocessableEntityError, `${err}`);
        assert.match(err.message, /total/);
        return true;
      },
    );
  });
});

describe('schema generation', () => {
  test('generateSchema drafts a saveable configuration from a file', async () => {
    const file = await client.files.create({ file: fs.createReadStream(INVOICE), purpose: 'extract' });
    const draft = await client.extract.generateSchema({ file_id: file.id });
    assert.equal(draft.name, 'invoice schema');
    assert.equal(draft.parameters.product_type, 'extract_v2');
    const schema = draft.parameters.data_schema;
    assert.match(schema.description, /^Inferred without a language model/);
    assert.deepEqual(Object.keys(schema.properties), [
      'invoice_number', 'invoice_date', 'due_date', 'customer', 'contact_email', 'paid', 'total',
    ]);
    assert.deepEqual(schema.properties.total, { type: 'number', description: 'Total' });
    assert.deepEqual(schema.properties.due_date, { type: 'string', format: 'date', description: 'Due Date' });
    assert.deepEqual(schema.properties.contact_email, { type: 'string', format: 'email', description: 'Contact Email' });

    const saved = await client.configurations.create(draft);
    const job = await client.extract.run({ file_input: file.id, configuration_id: saved.id }, FAST);
    assert.deepEqual(job.extract_result, {
      invoice_number: 'INV-2024-0042',
      invoice_date: '2024-03-05',
      due_date: '2024-04-04',
      customer: 'Northwind Traders',
      contact_email: 'billing@northwind.example',
      paid: false,
      total: 1234.56,
    });
    await client.configurations.delete(saved.id);
  });

  test('generateSchema drafts fields from a prompt', async () => {
    const draft = await client.extract.generateSchema({
      prompt: 'Extract the invoice number, the total amount and due date',
      name: 'from prompt',
    });
    assert.equal(draft.name, 'from prompt');
    assert.deepEqual(draft.parameters.data_schema.properties, {
      invoice_number: { type: 'string', description: 'invoice number' },
      total_amount: { type: 'number', description: 'total amount' },
      due_date: { type: 'string', format: 'date', description: 'due date' },
    });
    assert.match(draft.parameters.data_schema.description, /Inferred.*prompt/);
  });

  test('generateSchema refuses what it cannot read', async () => {
    await assert.rejects(client.extract.generateSchema({}), UnprocessableEntityError);
    const image = await client.files.create({
      file: await toFile(Buffer.from('\x89PNG\r\n\x1a\n\0\0\0\rIHDR', 'latin1'), 'scan.png'),
      purpose: 'extract',
    });
    await assert.rejects(client.extract.generateSchema({ file_id: image.id }), (err) => {
      assert.ok(err instanceof UnprocessableEntityError, `${err}`);
      assert.match(err.message, /cannot be read/);
      return true;
    });
  });
});

describe('extract usage', () => {
  let file;

  before(async () => {
    file = await client.files.create({ file: fs.createReadStream(INVOICE), purpose: 'extract' });
  });

  test('expand usage reports the credits of the tier per page billed', async () => {
    const cases = [
      { tier: undefined, perPage: 5 },
      { tier: 'agentic', perPage: 15 },
    ];
    for (const { tier, perPage } of cases) {
      const job = await client.extract.run({ file_input: file.id, configuration: { data_schema: invoiceSchema, tier } }, FAST);
      assert.equal(job.status, 'COMPLETED');
      const got = await client.extract.get(job.id, { expand: ['usage'] });
      assert.equal(got.metadata.usage.num_pages_extracted, 1);
      assert.equal(got.metadata.usage.num_pages_billed, 1);
      assert.deepEqual(got.usage, { credits: perPage, extract_credits: perPage, parse_credits: 0 }, `tier ${tier}`);
      assert.equal((await client.extract.get(job.id)).usage, undefined, 'usage only with expand');
      const [listed] = await collect(client.extract.list({ job_ids: [job.id], expand: ['usage'] }));
      assert.deepEqual(listed.usage, got.usage, 'listed jobs expand usage too');
    }
  });

  test('credits are null until the job ends, and nothing for a cancelled job', async () => {
    const job = await client.extract.create({
      file_input: file.id,
      configuration: { data_schema: invoiceSchema, system_prompt: HOLD_PROMPT },
    });
    const waiting = await client.extract.get(job.id, { expand: ['usage'] });
    assert.deepEqual(waiting.usage, { credits: null, extract_credits: null, parse_credits: null });
    assert.equal(waiting.metadata.usage.num_pages_billed, null);
    await client.extract.cancel(job.id);
    const cancelled = await client.extract.get(job.id, { expand: ['usage'] });
    assert.deepEqual(cancelled.usage, { credits: 0, extract_credits: 0, parse_credits: 0 });
    assert.equal(cancelled.metadata.usage.num_pages_billed, 0);
  });
});

describe('configurations', () => {
  test('create, retrieve, list, update, use and delete', async () => {
    const name = `invoices-${Date.now()}`;
    const cfg = await client.configurations.create({
      name,
      parameters: { product_type: 'extract_v2', data_schema: invoiceSchema, cite_sources: true },
    });
    assert.match(cfg.id, /^cfg-[0-9a-f-]{36}$/);
    assert.equal(cfg.name, name);
    assert.equal(cfg.product_type, 'extract_v2');
    assert.equal(cfg.parameters.product_type, 'extract_v2');
    assert.deepEqual(cfg.parameters.data_schema, invoiceSchema);
    assert.equal(cfg.parameters.cite_sources, true);
    assert.equal(typeof cfg.version, 'string');

    const got = await client.configurations.retrieve(cfg.id);
    assert.equal(got.id, cfg.id);
    assert.deepEqual(got.parameters, cfg.parameters);

    const listed = await collect(client.configurations.list({ name, page_size: 1 }));
    assert.deepEqual(listed.map((c) => c.id), [cfg.id]);
    const byType = await collect(client.configurations.list({ product_type: ['extract_v2'] }));
    assert.ok(byType.some((c) => c.id === cfg.id));
    assert.deepEqual(await collect(client.configurations.list({ product_type: ['parse_v2'] })), []);

    const renamed = await client.configurations.update(cfg.id, {
      name: `${name}-v2`,
      parameters: { product_type: 'extract_v2', data_schema: { type: 'object', properties: { customer: { type: 'string' } } } },
    });
    assert.equal(renamed.name, `${name}-v2`);
    assert.deepEqual(Object.keys(renamed.parameters.data_schema.properties), ['customer']);
    assert.notEqual(renamed.version, cfg.version);

    const file = await upload('saved.txt', 'Customer: Saved Ltd\n');
    const job = await client.extract.run({ file_input: file.id, configuration_id: cfg.id }, FAST);
    assert.equal(job.configuration_id, cfg.id);
    assert.deepEqual(job.extract_result, { customer: 'Saved Ltd' });

    await client.configurations.delete(cfg.id);
    await assert.rejects(client.configurations.retrieve(cfg.id), NotFoundError);
  });
});

describe('configurations: create is an upsert', () => {
  test('same name and product type updates the one configuration, with a datetime version', async () => {
    const name = `upsert-${Date.now()}`;
    const first = await client.configurations.create({
      name,
      parameters: { product_type: 'extract_v2', data_schema: invoiceSchema },
    });
    assert.ok(!Number.isNaN(Date.parse(first.version)), `version ${first.version} is a datetime`);
    assert.equal(first.version, first.updated_at, 'the version is the time it was saved');

    const customerOnly = { type: 'object', properties: { customer: { type: 'string' } } };
    const second = await client.configurations.create({
      name,
      parameters: { product_type: 'extract_v2', data_schema: customerOnly, tier: 'agentic' },
    });
    assert.equal(second.id, first.id, 'the same configuration');
    assert.equal(second.created_at, first.created_at);
    assert.deepEqual(second.parameters.data_schema, customerOnly);
    assert.equal(second.parameters.tier, 'agentic');
    assert.ok(Date.parse(second.version) > Date.parse(first.version), `version ${second.version} after ${first.version}`);
    assert.equal(second.updated_at, second.version);

    const latest = await collect(client.configurations.list({ name, latest_only: true }));
    assert.deepEqual(latest.map((c) => c.id), [first.id]);
    assert.deepEqual(await collect(client.configurations.list({ name })).then((cs) => cs.map((c) => c.id)), [first.id]);
    assert.deepEqual((await client.configurations.retrieve(first.id)).parameters.data_schema, customerOnly);

    const updated = await client.configurations.update(first.id, { parameters: { product_type: 'extract_v2', data_schema: invoiceSchema } });
    assert.ok(Date.parse(updated.version) > Date.parse(second.version), 'update makes a new version');
    assert.ok(Date.parse(updated.updated_at) > Date.parse(updated.created_at));

    const other = await client.configurations.create({
      name: `${name}-other`,
      parameters: { product_type: 'extract_v2', data_schema: invoiceSchema },
    });
    assert.notEqual(other.id, first.id, 'another name is another configuration');
    await assert.rejects(client.configurations.update(other.id, { name }), (err) => {
      assert.ok(err instanceof ConflictError, `${err}`);
      assert.match(err.error?.detail ?? '', new RegExp(first.id));
      return true;
    }, 'renaming onto a name in use would make create ambiguous');
    assert.equal((await client.configurations.update(other.id, { name: `${name}-other` })).name, `${name}-other`, 'keeping its own name is fine');
    await rejects422(client.configurations.list({ latest_only: 'maybe' }), /latest_only/);
    assert.deepEqual(await collect(client.configurations.list({ name, product_type: ['split_v1', 'parse_v2'] })), []);
    await rejects422(client.configurations.list({ product_type: ['extract_v3'] }), /product_type/);
    await client.configurations.delete(other.id);
    await client.configurations.delete(first.id);
  });
});

describe('auth', () => {
  test('a wrong key is an AuthenticationError', async () => {
    const stranger = new LlamaCloud({ apiKey: 'qry_not-a-key', maxRetries: 0 });
    await assert.rejects(stranger.extract.get('ext-00000000-0000-0000-0000-000000000000'), AuthenticationError);
  });
});
