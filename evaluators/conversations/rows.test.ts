import { describe, expect, it } from 'vitest';
import { CONVERSATION_RUBRICS } from '../judges/conversation-rubrics.ts';
import type { JudgeOutcome } from '../judges/types.ts';
import type { ClosedConversation } from './queries.ts';
import { rowsOf } from './rows.ts';

const turn = (trace: string, ts: number) => ({
  trace_id: trace,
  ts,
  prompt: 'user: hi',
  response: 'hello',
  status: 'ok',
  error_type: '',
  tool_calls: '',
});

const conversation: ClosedConversation = {
  conversationId: 'c-1',
  dims: { service: 'shop', provider: 'openai', model: 'gpt-4o-mini', route: '/api/chat' },
  agentName: 'support-bot',
  lastTs: 3000,
  calls: [turn('t1', 1000), turn('t1', 2000), turn('t2', 3000)],
  callWeight: 4,
  done: [],
};

const rubrics = ['goal_reached', 'user_frustration', 'gave_up'].map((id) => CONVERSATION_RUBRICS.get(id)!);

describe('rowsOf', () => {
  it('writes one row per rubric: the verdict, the judge failure or why it does not apply', () => {
    const outcomes: JudgeOutcome[] = [
      {
        kind: 'scored',
        cached: false,
        score: {
          evaluator: 'conversation_goal_reached',
          version: rubrics[0]!.version,
          score: 0.2,
          passed: false,
          reason: 'still locked',
          judge_model: 'judge-mini',
          input_tokens: 300,
          output_tokens: 20,
          cost_usd: 0.001,
        },
      },
      { kind: 'failed', evaluator: 'conversation_user_frustration', reason: 'malformed_output' },
      { kind: 'skipped', evaluator: 'conversation_gave_up', reason: 'not_applicable' },
    ];
    const rows = rowsOf(conversation, rubrics, outcomes, true, 0.5, 9000);
    expect(rows.map((r) => [r.evaluator, r.outcome, r.score, r.passed, r.reason])).toEqual([
      ['conversation_goal_reached', 'fail', 0.2, 0, 'still locked'],
      ['conversation_user_frustration', 'error', 0, 0, 'judge failed: malformed_output'],
      [
        'conversation_gave_up',
        'not_applicable',
        0,
        0,
        'no judge rule or endpoint applies, or the transcript is empty',
      ],
    ]);
    // The calls' 1/p (4) over the conversation sample rate (0.5); distinct traces in order, the last one first to open.
    expect(rows[0]).toMatchObject({
      sample_weight: 8,
      trace_id: 't2',
      trace_ids: ['t1', 't2'],
      turns: 3,
      truncated: 1,
      started_at: 1000,
      timestamp: 3000,
      agent_name: 'support-bot',
      evaluator_version: rubrics[0]!.version,
    });
  });
});
