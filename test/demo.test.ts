// long-running: the whole demo, its baseline and its incident (about 45 s).
// The whole story, as a user runs it: `assay demo --fast` starts every role on embedded
// defaults (chdb, a redis-server child), simulated services export through the real OTel SDK and
// openai SDK to the collector, the worker scores sampled calls from BullMQ, and the alerter
// pages a local webhook receiver when acme starts refusing on /api/refunds, and separately when its
// order agent's tool calls start breaking their schemas on /api/agent — then resolves both.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/assay.mjs', import.meta.url));

function runDemo(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'demo', '--fast'], {
      env: { ...process.env, ASSAY_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('assay demo', () => {
  it(
    'pages once for each broken series (refusals, schema-invalid tool calls), with signed webhooks, then resolves',
    { timeout: 180_000 },
    async () => {
      const { code, out } = await runDemo();
      expect(code, out).toBe(0);

      // The progress line read the stored data while it waited.
      expect(out).toMatch(/\d+ calls stored · \d+ scores/);

      const firing = out.indexOf('━━━ ALERT FIRING ━━━');
      const agentFiring = out.indexOf('━━━ ALERT FIRING ━━━', firing + 1);
      const resolved = out.indexOf('━━━ ALERT RESOLVED ━━━');
      expect(firing, out).toBeGreaterThan(out.indexOf('INCIDENT'));
      expect(agentFiring, out).toBeGreaterThan(firing);
      expect(resolved, out).toBeGreaterThan(out.indexOf('recovered'));
      const firingBlock = out.slice(firing, agentFiring);
      expect(firingBlock).toContain('signature verified ✔');
      expect(firingBlock).toContain('provider=acme route=/api/refunds metric=semantic_failure_rate');
      const rose =
        /semantic failure rate on acme \/api\/refunds rose from ([\d.]+)% to ([\d.]+)% \(n=\d+/.exec(
          firingBlock,
        );
      expect(rose, firingBlock).not.toBeNull();
      // The healthy baseline is healthy: its varied good answers (languages, JSON, long and
      // short) are not failed by the checks.
      expect(Number(rose?.[1])).toBeLessThanOrEqual(2);
      expect(firingBlock).toMatch(/example_trace_ids: [0-9a-f]{32},[0-9a-f]{32},[0-9a-f]{32}/);
      expect(firingBlock).toContain('refusal failed on');
      expect(firingBlock).toContain('acme-large-1 → acme-large-2');
      expect(out.slice(resolved)).toContain('signature verified ✔');

      // The agent's page is its own: its series (route = the agent's name), failed by
      // tool_call_valid, not refusal.
      const agentBlock = out.slice(agentFiring, resolved);
      expect(agentBlock).toContain('signature verified ✔');
      expect(agentBlock).toContain('provider=acme route=order-agent metric=semantic_failure_rate');
      expect(agentBlock).toContain('tool_call_valid failed on');
      expect(agentBlock).not.toContain('refusal failed on');
      const agentRose = /semantic failure rate on acme order-agent rose from ([\d.]+)%/.exec(agentBlock);
      expect(Number(agentRose?.[1]), agentBlock).toBeLessThanOrEqual(2);
      const resolves = out.slice(resolved);
      expect(resolves).toContain('route=/api/refunds');
      expect(resolves).toContain('route=order-agent');

      // No page for the series that stayed healthy, and every notification was signed.
      expect(out).toMatch(/notifications received: \d+ \(0 for other series, 0 unsigned\)/);
    },
  );
});
