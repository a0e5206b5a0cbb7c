// What the official TypeScript client's types and docs promise about
// extraction results, citations, parse configurations and webhooks, checked
// against the Quarry server that conformance_test.go starts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import LlamaCloud, { NotFoundError, UnprocessableEntityError, toFile } from '@llamaindex/llama-cloud';

const FAST = { pollingInterval: 0.05, maxInterval: 0.2, timeout: 60 };

const client = new LlamaCloud();

async function upload(name, content) {
  return client.files.create({ file: await toFile(Buffer.from(content), name), purpose: 'extract' });
}

describe('webhook configs', () => {
  test('accept every event of the client, parse.* included, and extract.running by name', async () => {
    const shared = await client.webhookConfigs.create({
      webhook_url: 'https://example.com/hooks/llamacloud',
      webhook_events: ['parse.success', 'parse.error', 'extract.success', 'extract.error', 'classify.success', 'unmapped_event'],
    });
    assert.deepEqual([...shared.webhook_events].sort(), [
      'classify.success', 'extract.error', 'extract.success', 'parse.error', 'parse.success', 'unmapped_event',
    ]);
    const updated = await client.webhookConfigs.update(shared.id, { webhook_events: ['extract.running', 'split.processing'] });
    assert.deepEqual([...updated.webhook_events].sort(), ['extract.running', 'split.processing']);
    await assert.rejects(client.webhookConfigs.update(shared.id, { webhook_events: ['extract.done'] }), (err) => {
      assert.ok(err instanceof UnprocessableEntityError, `${err}`);
      assert.match(err.message, /extract\.done/);
      return true;
    });
    await client.webhookConfigs.delete(shared.id);
  });

  test('a job takes inline webhooks with parse.* events', async () => {
    const file = await upload('hooked.txt', 'Customer: Hooked Ltd\n');
    const job = await client.extract.create({
      file_input: file.id,
      configuration: { data_schema: { type: 'object', properties: { customer: { type: 'string' } } } },
      webhook_configurations: [{ webhook_url: 'https://example.com/hook', webhook_events: ['parse.success', 'extract.success'] }],
    });
    const done = await client.extract.waitForCompletion(job.id, undefined, FAST);
    assert.deepEqual(done.extract_result, { customer: 'Hooked Ltd' });
  });
});

const invoiceText = [
  'Invoice Number: INV-7',
  'Customer: Points Ltd',
  'Contact Email: billing@points.example',
  '',
  'Total: $1,234.56',
].join('\n') + '\n';

describe('citations', () => {
  test('boxes are in points, with their page size beside them', async () => {
    const file = await upload('points.txt', invoiceText);
    const job = await client.extract.run({
      file_input: file.id,
      configuration: { data_schema: { type: 'object', properties: { total: { type: 'number' } } }, cite_sources: true },
    }, FAST);
    assert.deepEqual(job.extract_result, { total: 1234.56 });
    const [cite] = job.extract_metadata.field_metadata.document_metadata.total.citation;
    // A character cell of a text page is 7.2 by 12 points; the page is its
    // longest line (37 characters) wide and its 5 lines high.
    assert.deepEqual(cite.page_dimensions, { width: 266.4, height: 60 });
    assert.match(cite.matching_text, /1,234\.56/);
    const [box] = cite.bounding_boxes;
    assert.equal(box.y, 4 * 12, 'the fifth line starts 48 points down');
    assert.equal(box.h, 12);
    assert.ok(box.x >= 50.4 && box.x + box.w <= cite.page_dimensions.width + 0.01, `box ${JSON.stringify(box)} within the page`);
  });

  test('expand=extract_metadata shows neither citations nor confidences a job did not ask for', async () => {
    const file = await upload('plain.txt', invoiceText);
    const schema = { type: 'object', properties: { customer: { type: 'string' }, total: { type: 'number' } } };
    const plain = await client.extract.run({ file_input: file.id, configuration: { data_schema: schema } }, FAST);
    assert.equal(plain.extract_metadata, undefined, 'no metadata without the flags or expand');
    const expanded = await client.extract.get(plain.id, { expand: ['extract_metadata'] });
    const meta = expanded.extract_metadata.field_metadata.document_metadata;
    for (const field of ['customer', 'total']) {
      assert.equal(meta[field].citation, undefined, `${field}: no citation`);
      assert.equal(meta[field].confidence, undefined, `${field}: no confidence`);
    }

    const scored = await client.extract.run({ file_input: file.id, configuration: { data_schema: schema, confidence_scores: true } }, FAST);
    const entry = scored.extract_metadata.field_metadata.document_metadata.total;
    assert.equal(entry.citation, undefined, 'no citation without cite_sources');
    assert.ok(entry.confidence > 0 && entry.confidence <= 1, `confidence ${entry.confidence}`);
  });
});

// pdf returns a one-page US Letter PDF showing lines of 12-point Helvetica,
// one every 18 points from the top margin, with a correct cross-reference
// table.
function pdf(lines) {
  const esc = (s) => s.replace(/[\\()]/g, (c) => '\\' + c);
  const content = lines.map((l, i) => `BT /F1 12 Tf 72 ${720 - 18 * i} Td (${esc(l)}) Tj ET`).join('\n');
  let out = '%PDF-1.4\n';
  const offsets = [];
  const obj = (body) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${offsets.length} 0 obj\n${body}\nendobj\n`;
  };
  obj('<< /Type /Catalog /Pages 2 0 R >>');
  obj('<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  obj('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>');
  obj(`<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`);
  obj('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${offsets.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const pdfLines = ['Invoice Number: INV-9', 'Invoice Date: 2024-03-05', 'Customer: Paper Co', 'Total: $88.20'];

describe('PDF documents', () => {
  test('citations of a PDF are in its points, on a Letter page', async () => {
    const file = await client.files.create({ file: await toFile(pdf(pdfLines), 'paper.pdf'), purpose: 'extract' });
    assert.equal(file.file_type, 'pdf');
    const job = await client.extract.run({
      file_input: file.id,
      configuration: { data_schema: { type: 'object', properties: { total: { type: 'number' } } }, cite_sources: true },
    }, FAST);
    assert.deepEqual(job.extract_result, { total: 88.2 });
    const [cite] = job.extract_metadata.field_metadata.document_metadata.total.citation;
    assert.deepEqual(cite.page_dimensions, { width: 612, height: 792 });
    const [box] = cite.bounding_boxes;
    // The fourth line's baseline is 720 - 54 = 666 points up, 126 down.
    assert.ok(box.x > 72 && box.x + box.w < 300, `box ${JSON.stringify(box)} right of "Total:"`);
    assert.ok(box.y > 110 && box.y + box.h < 130, `box ${JSON.stringify(box)} on the fourth line`);
  });

  test('generateSchema drafts fields from a PDF', async () => {
    const file = await client.files.create({ file: await toFile(pdf(pdfLines), 'paper.pdf'), purpose: 'extract' });
    const draft = await client.extract.generateSchema({ file_id: file.id });
    assert.equal(draft.parameters.product_type, 'extract_v2');
    const props = draft.parameters.data_schema.properties;
    assert.deepEqual(Object.keys(props), ['invoice_number', 'invoice_date', 'customer', 'total']);
    assert.equal(props.total.type, 'number');
    assert.equal(props.invoice_date.format, 'date');
    const job = await client.extract.run({ file_input: file.id, configuration: { data_schema: draft.parameters.data_schema } }, FAST);
    assert.deepEqual(job.extract_result, { invoice_number: 'INV-9', invoice_date: '2024-03-05', customer: 'Paper Co', total: 88.2 });
  });
});

describe('required fields', () => {
  test('a required, non-nullable field not found gets a placeholder marked as not found', async () => {
    const file = await upload('partial.txt', 'Customer: Partial Ltd\n');
    const schema = {
      type: 'object',
      properties: {
        customer: { type: 'string' },
        total: { type: 'number' },
        paid: { type: 'boolean' },
        currency: { type: 'string', enum: ['EUR', 'USD'] },
        note: { type: 'string' },
        reference: { type: ['string', 'null'] },
      },
      required: ['customer', 'total', 'paid', 'currency', 'reference'],
    };
    const job = await client.extract.run({
      file_input: file.id,
      configuration: { data_schema: schema, cite_sources: true, confidence_scores: true },
    }, FAST);
    // note is optional and left out; reference may be null.
    assert.deepEqual(job.extract_result, { customer: 'Partial Ltd', total: 0, paid: false, currency: 'EUR', reference: null });
    const meta = job.extract_metadata.field_metadata.document_metadata;
    for (const field of ['total', 'paid', 'currency']) {
      assert.deepEqual(meta[field].citation, [], `${field}: no citation`);
      assert.equal(meta[field].confidence, 0, `${field}: confidence 0`);
      assert.match(meta[field].reasoning, /not found/, `${field}: reasoning says so`);
    }
    assert.ok(meta.customer.confidence > 0);
  });
});

describe('parse_config_id', () => {
  test('naming no configuration is a NotFoundError, naming an extract one a 422, each saying what to send', async () => {
    const file = await upload('parsecfg.txt', 'Customer: Parse Ltd\n');
    const schema = { type: 'object', properties: { customer: { type: 'string' } } };
    await assert.rejects(
      client.extract.create({ file_input: file.id, configuration: { data_schema: schema, parse_config_id: 'cfg-00000000-0000-0000-0000-000000000000' } }),
      (err) => {
        assert.ok(err instanceof NotFoundError, `${err}`);
        assert.match(err.message, /parse_config_id.*target_pages/);
        return true;
      },
    );
    const extractCfg = await client.configurations.create({
      name: `not-a-parse-config-${Date.now()}`,
      parameters: { product_type: 'extract_v2', data_schema: schema },
    });
    await assert.rejects(
      client.extract.create({ file_input: file.id, configuration: { data_schema: schema, parse_config_id: extractCfg.id } }),
      (err) => {
        assert.ok(err instanceof UnprocessableEntityError, `${err}`);
        assert.match(err.message, /not a parse configuration/);
        return true;
      },
    );
    await client.configurations.delete(extractCfg.id);
  });
});
