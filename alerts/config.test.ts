import { describe, expect, it } from 'vitest';
import { parseConfig } from '../cli/config.ts';

describe('alerts config', () => {
  it('defaults: 30s interval, the semantic-failure regression rule by provider and route, judge drift', () => {
    const { alerts } = parseConfig({});
    expect(alerts.interval).toBe(30_000);
    expect(alerts.rules).toHaveLength(2);
    expect(alerts.rules[1]).toMatchObject({
      name: 'judge_drift',
      metric: 'judge_kappa',
      threshold: { op: '<', value: 0.6 },
      min_effect: { absolute: 0.2 },
      for: 1,
      resolve_after: 1,
    });
    expect(alerts.rules[0]).toMatchObject({
      kind: 'regression',
      metric: 'semantic_failure_rate',
      by: ['provider', 'route'],
      window: 900_000,
      baseline: 86_400_000,
      channels: [],
    });
  });

  it('parses the public names with durations as text', () => {
    const { alerts } = parseConfig({
      alerts: {
        interval: '1s',
        channels: [
          { name: 'hook', type: 'webhook', url: 'http://127.0.0.1:1/x', secret: 'whsec_c2VjcmV0' },
          { name: 'pd', type: 'pagerduty', routing_key: 'R0UT1NGKEY' },
        ],
        rules: [
          {
            name: 'refusals',
            kind: 'regression',
            metric: 'pass_rate',
            evaluator: 'refusal',
            by: ['provider', 'route', 'model'],
            window: '10m',
            baseline: '6h',
            min_samples: 50,
            min_effect: { absolute: 0.05, relative: 0.5 },
            for: 3,
            resolve_after: 4,
            severity: 'critical',
            channels: ['hook'],
          },
        ],
      },
    });
    expect(alerts.interval).toBe(1000);
    expect(alerts.rules[0]).toMatchObject({
      window: 600_000,
      baseline: 21_600_000,
      for: 3,
      min_effect: { absolute: 0.05, relative: 0.5 },
    });
    expect(alerts.channels[1]).toMatchObject({ type: 'pagerduty', max_attempts: 5 });
  });

  it.each([
    [{ interval: '500ms' }, 'alerts.interval'],
    [{ rules: [{ name: 'x', metric: 'pass_rate' }] }, 'alerts.rules.0.evaluator'],
    [{ rules: [{ name: 'x', metric: 'error_rate', by: ['evaluator'] }] }, 'alerts.rules.0.evaluator'],
    [{ rules: [{ name: 'x', metric: 'error_rate', kind: 'threshold' }] }, 'alerts.rules.0.threshold'],
    [{ rules: [{ name: 'x', metric: 'error_rate', channels: ['nope'] }] }, 'alerts.rules.0.channels.0'],
    [{ channels: [{ name: 'p', type: 'pagerduty' }] }, 'alerts.channels.0.routing_key'],
    [{ channels: [{ name: 's', type: 'slack' }] }, 'alerts.channels.0.url'],
    [{ rules: [{ name: 'x', metric: 'error_rate', window: '15 minutes' }] }, 'alerts.rules.0.window'],
  ])('rejects %j naming %s', (alerts, path) => {
    expect(() => parseConfig({ alerts })).toThrow(path);
  });

  it('splits by agent and tool where the agent rollups have them, and says where they do not', () => {
    const rule = (r: Record<string, unknown>) => ({ alerts: { rules: [{ name: 'r', ...r }] } });
    expect(
      parseConfig(rule({ metric: 'pass_rate', evaluator: 'tool_call_valid', by: ['agent_name', 'tool'] }))
        .alerts.rules[0]?.by,
    ).toEqual(['agent_name', 'tool']);
    expect(
      parseConfig(rule({ metric: 'semantic_failure_rate', by: ['agent_name'] })).alerts.rules[0]?.by,
    ).toEqual(['agent_name']);
    expect(() => parseConfig(rule({ metric: 'semantic_failure_rate', by: ['tool'] }))).toThrow(
      /semantic_failure_rate cannot be split by tool/,
    );
    expect(() => parseConfig(rule({ metric: 'latency_p95', by: ['agent_name'] }))).toThrow(
      /latency_p95 cannot be split by agent_name/,
    );
  });

  it('reads conversation scores per conversation rubric, by provider, route and agent, never by tool or kind', () => {
    const rule = (r: Record<string, unknown>) => ({ alerts: { rules: [{ name: 'r', ...r }] } });
    expect(
      parseConfig(
        rule({
          metric: 'conversation_pass_rate',
          evaluator: 'conversation_goal_reached',
          by: ['provider', 'route', 'agent_name'],
        }),
      ).alerts.rules[0]?.by,
    ).toEqual(['provider', 'route', 'agent_name']);
    expect(() => parseConfig(rule({ metric: 'conversation_score' }))).toThrow(
      /conversation_score needs an evaluator or by: evaluator/,
    );
    expect(() =>
      parseConfig(
        rule({ metric: 'conversation_pass_rate', evaluator: 'conversation_gave_up', by: ['tool'] }),
      ),
    ).toThrow(/conversation_pass_rate cannot be split by tool/);
    expect(() =>
      parseConfig(
        rule({
          metric: 'conversation_pass_rate',
          evaluator: 'conversation_gave_up',
          evaluator_kind: 'feedback',
        }),
      ),
    ).toThrow(/conversation_pass_rate reads judges only/);
  });
});
