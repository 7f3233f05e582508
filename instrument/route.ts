import { context, createContextKey, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * The attribute the collector reads first when it resolves a call's route
 * (`DEFAULT_ROUTE_KEYS` in `collector/config.ts`).
 */
export const ROUTE_ATTRIBUTE = 'assay.route';

const ROUTE_KEY = createContextKey('assay.route');

/** The route set by the innermost enclosing `withRoute`, if any. */
export function currentRoute(ctx: Context = context.active()): string | undefined {
  const value = ctx.getValue(ROUTE_KEY);
  return typeof value === 'string' ? value : undefined;
}

/**
 * Runs `fn` with `name` as its route: every span started inside it (synchronously or across
 * awaits, through the SDK's AsyncLocalStorage context manager) gets `assay.route = name`,
 * including spans made by instrumentation libraries this code does not control.
 */
export function withRoute<R>(name: string, fn: () => R): R {
  return context.with(context.active().setValue(ROUTE_KEY, name), fn);
}

/**
 * Copies the route from the parent context onto each span as it starts. Registered by
 * `startAssayTracing` ahead of the exporting processor, so the attribute is on the span before
 * it is exported. Nothing to flush or shut down.
 */
export class RouteSpanProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    const route = currentRoute(parentContext);
    if (route !== undefined) span.setAttribute(ROUTE_ATTRIBUTE, route);
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
