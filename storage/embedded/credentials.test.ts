import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD_FILE, clientPassword, embeddedPassword, ensurePasswordFile } from './credentials.ts';

const dir = mkdtempSync(join(tmpdir(), 'assay-credentials-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('generated passwords', () => {
  it('are random, written once with mode 0600 and read back by later calls', () => {
    const path = join(dir, 'a', 'pw');
    const first = ensurePasswordFile(path);
    expect(first).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(ensurePasswordFile(path)).toBe(first);
    expect(readFileSync(path, 'utf8')).toBe(`${first}\n`);
    expect(ensurePasswordFile(join(dir, 'b', 'pw'))).not.toBe(first);
  });

  it('give way to a configured password', () => {
    expect(embeddedPassword('from-config', join(dir, 'c'), ADMIN_PASSWORD_FILE)).toBe('from-config');
  });
});

describe('clientPassword', () => {
  const dataDir = join(dir, 'roles');
  const generated = embeddedPassword('', dataDir, ADMIN_PASSWORD_FILE);

  it('reads the generated password for a server on this machine', () => {
    expect(clientPassword('', 'http://127.0.0.1:8123', dataDir)).toBe(generated);
    expect(clientPassword('', 'http://localhost:8123', dataDir)).toBe(generated);
  });

  it('keeps a configured password, and sends no local secret to another host', () => {
    expect(clientPassword('set', 'http://127.0.0.1:8123', dataDir)).toBe('set');
    expect(clientPassword('', 'https://ch.example.com:8443', dataDir)).toBe('');
    expect(clientPassword('', 'http://127.0.0.1:8123', join(dir, 'none'))).toBe('');
  });
});
