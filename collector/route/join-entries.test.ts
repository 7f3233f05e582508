import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeLog, encodeNode } from './join-entries.ts';
import type { SpanNode } from './trace-index.ts';

const node = (over: Partial<SpanNode> = {}): SpanNode => ({
  spanId: 'a000000000000001',
  parentSpanId: '',
  kind: 2,
  name: 'POST /api/refunds',
  service: '',
  startTimeMs: 1_760_000_000_000,
  endTimeMs: 1_760_000_000_120.5,
  endpoint: '/api/refunds',
  label: '',
  inherited: { conversation_id: 'conv-42' },
  ...over,
});

describe('join store entries', () => {
  it('read back as written: span nodes (a root keeps its name) and log-record content', () => {
    expect(decodeEntry(encodeNode(node()))).toEqual({ node: node() });
    // Only a root's name is kept (the index reads names of roots only).
    const child = node({ parentSpanId: 'f000000000000001', label: 'refund-bot', inherited: {} });
    expect(decodeEntry(encodeNode(child))).toEqual({ node: { ...child, name: '' } });
    const parts = { input: [{ role: 'user', content: 'Hi "there"' }], finishReason: 'stop', timeMs: 5 };
    expect(decodeEntry(encodeLog('b000000000000001', parts))).toEqual({
      log: { spanId: 'b000000000000001', key: JSON.stringify(parts), parts },
    });
  });

  it.each([
    ['not JSON', '[0,'],
    ['an unknown tag', '[2,"a"]'],
    ['a node missing fields', '[0,"a","",2]'],
    ['a message without content', '[1,"b","k",{"input":[{"role":"user"}],"timeMs":1}]'],
    ['extra content keys', '[1,"b","k",{"timeMs":1,"evil":true}]'],
  ])('refuses %s', (_, text) => {
    expect(decodeEntry(text)).toBeUndefined();
  });
});
