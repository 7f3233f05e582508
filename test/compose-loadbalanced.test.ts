import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// docker-compose.yml's `loadbalanced` profile: three `assay collector`s behind the OpenTelemetry
// Collector's trace-aware load balancer (deploy/otel/), validated by `docker-compose config`, and
// the balancer's and relays' configs checked against the services they name.

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Service {
  image?: string;
  command?: string[];
  profiles?: string[];
  ports?: unknown[];
  volumes?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}

const { services } = parse(
  execFileSync(
    'docker-compose',
    ['--env-file', '.env.example', '-f', 'docker-compose.yml', '--profile', 'loadbalanced', 'config'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '' },
    },
  ),
) as { services: Record<string, Service> };

type Pipeline = { receivers: string[]; exporters: string[] };
const otel = (name: string) =>
  parse(readFileSync(join(ROOT, 'deploy/otel', name), 'utf8')) as {
    extensions: Record<string, { token?: string }>;
    receivers: {
      otlp: { protocols: Record<string, { endpoint: string; auth?: { authenticator: string } }> };
    };
    exporters: Record<string, Record<string, unknown>>;
    service: { extensions: string[]; pipelines: Record<string, Pipeline> };
  };

describe('the loadbalanced profile', () => {
  const collectors = ['collector', 'collector-2', 'collector-3'];
  const relays = ['collector-relay-1', 'collector-relay-2', 'collector-relay-3'];

  it('runs three Assay collectors, each with its own write-ahead log volume, one relay each', () => {
    const data = collectors.map((c) => {
      expect(services[c]?.command, c).toEqual(['collector']);
      expect(services[c]?.image, c).toBe('assay:local');
      return services[c]?.volumes?.find((v) => v.endsWith(':/var/lib/assay:rw'));
    });
    expect(new Set(data).size).toBe(3);
    const targets = relays.map((r) => {
      const s = services[r];
      expect(s?.image, r).toMatch(/^otel\/opentelemetry-collector-contrib:\d+\.\d+\.\d+$/);
      expect(s?.profiles, r).toEqual(['loadbalanced']);
      expect(s?.environment?.['ASSAY_API_KEY'], r).toBe('change-me-api-key');
      const host = new URL(s?.environment?.['ASSAY_COLLECTOR_URL'] ?? '').hostname;
      expect(s?.depends_on?.[host]?.condition, r).toBe('service_healthy');
      return host;
    });
    expect(targets).toEqual(collectors);
  });

  it('routes by trace id, traces and logs alike, to every relay', () => {
    const lb = otel('loadbalancer.yaml');
    const exporter = lb.exporters['loadbalancing'] as {
      routing_key: string;
      protocol: { otlp: { headers: Record<string, string> } };
      resolver: { static: { hostnames: string[] } };
    };
    expect(exporter.routing_key).toBe('traceID');
    expect(exporter.resolver.static.hostnames).toEqual(relays.map((r) => `${r}:4317`));
    // Log records must follow their spans: both pipelines go through the balancer.
    for (const signal of ['traces', 'logs'])
      expect(lb.service.pipelines[signal]?.exporters, signal).toEqual(['loadbalancing']);
    expect(exporter.protocol.otlp.headers['authorization']).toBe('Bearer ${env:ASSAY_API_KEY}');
    const relay = otel('relay.yaml');
    expect(relay.exporters['otlphttp']?.['endpoint']).toBe('${env:ASSAY_COLLECTOR_URL}');
    for (const signal of ['traces', 'logs'])
      expect(relay.service.pipelines[signal]?.exporters, signal).toEqual(['otlphttp']);
  });

  it('authenticates every OTLP receiver with the collectors’ bearer token, and publishes on loopback', () => {
    for (const cfg of [otel('loadbalancer.yaml'), otel('relay.yaml')]) {
      expect(cfg.extensions['bearertokenauth']?.token).toBe('${env:ASSAY_API_KEY}');
      expect(cfg.service.extensions).toContain('bearertokenauth');
      for (const [name, p] of Object.entries(cfg.receivers.otlp.protocols))
        expect(p.auth?.authenticator, name).toBe('bearertokenauth');
    }
    expect(services['otel-lb']?.environment?.['ASSAY_API_KEY']).toBe('change-me-api-key');
    const ports = (services['otel-lb']?.ports ?? []).map((p) => JSON.stringify(p));
    expect(ports).toEqual(['"127.0.0.1:4317:4317/tcp"', '"127.0.0.1:14318:4318/tcp"']);
    for (const r of relays) expect(services[r]?.ports, r).toBeUndefined();
  });
});
