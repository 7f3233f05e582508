import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/logger.ts';
import { createMemoryJudgeCache } from '../cache.ts';
import { judgesConfigSchema } from '../config.ts';
import { createJudgeRunner } from '../runner.ts';
import { createMemorySpendLedger } from '../spend.ts';

// runner.judgeWith, the calibration path, without a server: what stops it before any request.
const config = judgesConfigSchema.parse({
  // Nothing listens on port 9 of loopback: a request would fail, so every outcome below comes first.
  endpoints: [
    { name: 'default', base_url: 'http://127.0.0.1:9/v1', model: 'm', api_key_env: 'K', max_retries: 0 },
  ],
  budget: { max_tokens_per_hour: 100 },
});
const input = { prompt: 'user: Can you help?', response: 'Sure, here is how.' };

describe('runner.judgeWith', () => {
  it('is held to the hourly spend cap like every judgement', async () => {
    const spend = createMemorySpendLedger();
    await spend.add('default', 150, 0);
    const runner = createJudgeRunner(config, {
      logger: silentLogger,
      spend,
      cache: createMemoryJudgeCache(),
      redact: (t) => t,
      env: { K: 'key' },
    });
    expect(await runner.judgeWith('default', 'judge_confirm_refusal', input)).toEqual({
      kind: 'skipped',
      evaluator: 'judge_confirm_refusal',
      reason: 'spend_cap',
    });
    await runner.shutdown();
  });

  it('names only existing endpoints and rubrics, and lists what calibration can run', async () => {
    const runner = createJudgeRunner(config, {
      logger: silentLogger,
      spend: createMemorySpendLedger(),
      cache: createMemoryJudgeCache(),
      redact: (t) => t,
      env: { K: 'key' },
    });
    expect(runner.endpoints).toEqual([{ name: 'default', model: 'm' }]);
    expect(runner.rubrics.map((r) => r.id)).toContain('confirm_language');
    expect((await runner.judgeWith('nope', 'judge_confirm_refusal', input)).kind).toBe('skipped');
    expect((await runner.judgeWith('default', 'judge_nope', input)).kind).toBe('skipped');
    await runner.shutdown();
  });
});
