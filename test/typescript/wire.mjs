// What the official TypeScript client's types and docs promise about
// extraction results, citations, parse configurations and webhooks, checked
// against the Quarry server that conformance_test.go starts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import LlamaCloud, { UnprocessableEntityError, toFile } from '@llamaindex/llama-cloud';

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
