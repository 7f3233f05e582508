import { describe, expect, it } from 'vitest';
import { runCheck } from '../../test/support/checks.ts';
import type { CheckDeps, RelatedCall, RelatedCalls } from './types.ts';
import { toolLoop } from './tool-loop.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const call = (i: number, name: string, args?: string): RelatedCall => ({
  trace_id: TRACE,
  span_id: i.toString(16).padStart(16, '0'),
  timestamp: 1_760_000_000_000 + i * 1000,
  tool_calls: JSON.stringify([args === undefined ? { name } : { name, arguments: args }]),
});
const related = (
  trace: RelatedCall[],
  conversation: RelatedCall[] = [],
  truncated = false,
): RelatedCalls => ({
  trace,
  conversation,
  truncated,
});
/** The evaluated call is the last of `trace`. */
const run = (trace: RelatedCall[], params = {}, deps: CheckDeps = {}, over = {}) => {
  const self = trace.at(-1) as RelatedCall;
  return runCheck(
    toolLoop,
    {
      trace_id: TRACE,
      span_id: self.span_id,
      tool_calls: self.tool_calls,
      finish_reason: 'tool_call',
      response: '',
      related: related(trace),
      ...over,
    },
    params,
    deps,
  );
};

describe('tool_loop', () => {
  it('fails the third identical call (arguments compared as JSON, key order ignored)', () => {
    const r = run([
      call(1, 'search', '{"q":"refund","page":1}'),
      call(2, 'search', '{"page":1,"q":"refund"}'),
      call(3, 'search', '{ "q": "refund", "page": 1 }'),
    ]);
    expect(r).toMatchObject({ passed: false, confidence: 1, tool: 'search' });
    expect(r?.reason).toBe(
      'search({"page":1,"q":"refund"}) called 3 times with the same arguments in this trace',
    );
  });

  it('passes an agent that pages through results or calls different tools', () => {
    expect(
      run([
        call(1, 'search', '{"q":"a","page":1}'),
        call(2, 'search', '{"q":"a","page":2}'),
        call(3, 'search', '{"q":"a","page":3}'),
      ]),
    ).toMatchObject({ passed: true });
    expect(run([call(1, 'lookup', '{}'), call(2, 'lookup', '{}'), call(3, 'refund', '{}')])).toMatchObject({
      passed: true,
    });
  });

  it('counts only the calls up to the evaluated one, so an early call of a loop passes', () => {
    const trace = [1, 2, 3, 4].map((i) => call(i, 'get', '{"id":1}'));
    const second = trace[1] as RelatedCall;
    const r = runCheck(toolLoop, {
      trace_id: TRACE,
      span_id: second.span_id,
      tool_calls: second.tool_calls,
      related: related(trace),
    });
    expect(r).toMatchObject({ passed: true });
    expect(run(trace)).toMatchObject({ passed: false });
    expect(run(trace)?.reason).toContain('called 4 times');
  });

  it('honours repeats and counts the evaluated call once even when the trace already holds it', () => {
    const trace = [call(1, 'get', '{"id":1}'), call(2, 'get', '{"id":1}')];
    expect(run(trace)).toMatchObject({ passed: true });
    expect(run(trace, { repeats: 2 })).toMatchObject({ passed: false });
  });

  it('does not count repeats of calls whose arguments were not captured', () => {
    const trace = [call(1, 'get'), call(2, 'get'), call(3, 'get')];
    expect(run(trace)).toBeNull();
    expect(run(trace, { max_calls_per_trace: 10 })).toMatchObject({ passed: true });
  });

  it('counts across the conversation with scope: conversation', () => {
    const earlier = [call(1, 'weather', '{"city":"Oslo"}'), call(2, 'weather', '{"city":"Oslo"}')].map(
      (c) => ({
        ...c,
        trace_id: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      }),
    );
    const self = call(3, 'weather', '{"city":"Oslo"}');
    const input = {
      trace_id: TRACE,
      span_id: self.span_id,
      conversation_id: 'conv-1',
      tool_calls: self.tool_calls,
      related: related([self], [...earlier, self]),
    };
    expect(runCheck(toolLoop, input)).toMatchObject({ passed: true });
    const r = runCheck(toolLoop, input, { scope: 'conversation' });
    expect(r).toMatchObject({ passed: false });
    expect(r?.reason).toContain('in this conversation');
  });

  it("fails a trace with more LLM calls than the route's bound, configured or learned", () => {
    const trace = Array.from({ length: 12 }, (_, i) => call(i, 'step', `{"n":${i}}`));
    expect(run(trace, { max_calls_per_trace: 10 })?.reason).toBe(
      'LLM call 12 of its trace, over the bound of 10 (configured)',
    );
    const stats = (n: number): CheckDeps => ({ routeTraceStats: () => ({ p99: 5, n }) });
    expect(run(trace, {}, stats(500))).toMatchObject({ passed: false });
    expect(run(trace, {}, stats(500))?.reason).toContain('over the bound of 10 (learned)');
    expect(run(trace, {}, stats(50))).toMatchObject({ passed: true });
    expect(run(trace.slice(0, 10), {}, stats(500))).toMatchObject({ passed: true });
  });

  it('says when the trace was longer than the worker read', () => {
    const trace = Array.from({ length: 4 }, (_, i) => call(i, 'step', `{"n":${i}}`));
    const self = trace.at(-1) as RelatedCall;
    const r = runCheck(
      toolLoop,
      {
        trace_id: TRACE,
        span_id: self.span_id,
        tool_calls: self.tool_calls,
        related: related(trace, [], true),
      },
      { max_calls_per_trace: 3 },
    );
    expect(r?.reason).toContain('LLM call 4+ of its trace');
  });

  it('is not applicable without the related calls, on a call with no tools, or on a failed call', () => {
    expect(runCheck(toolLoop, { tool_calls: JSON.stringify([{ name: 'a', arguments: '{}' }]) })).toBeNull();
    expect(runCheck(toolLoop, { related: related([]) })).toBeNull();
    expect(run([call(1, 'a', '{}')], {}, {}, { status: 'error' })).toBeNull();
  });
});
