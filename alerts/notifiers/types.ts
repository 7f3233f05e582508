import type { z } from 'zod';
import type { AlertNotice } from '../notices/notice.ts';

/** An HTTP request a notifier wants sent; the delivery loop sends, retries and records it. */
export interface HttpRequestSpec {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Per-attempt facts a payload may depend on (Standard Webhooks signs the attempt's timestamp). */
export interface BuildContext {
  /** Attempt time, ms. */
  now: number;
}

/**
 * A notification channel: one definition per type, registered in `notifiers/index.ts`, with its
 * own config schema (`alerts.channels[]` entries of its `type`). `build` is pure, so payloads
 * are tested against their documented formats without a server.
 */
export interface NotifierDefinition<S extends z.ZodType<{ type: string; name: string }>> {
  id: z.output<S>['type'];
  /** Bumped when the payload changes shape. */
  version: string;
  schema: S;
  build(notice: AlertNotice, channel: z.output<S>, ctx: BuildContext): HttpRequestSpec;
}

/** Cuts `text` to at most `max` characters (code points), marking the cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

export const JSON_HEADERS = { 'content-type': 'application/json' } as const;
