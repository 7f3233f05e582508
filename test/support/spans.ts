import { type Attributes, type Span } from '../../collector/span.ts';

/** The trace every span of {@link testSpan} belongs to. */
export const TRACE = '0af7651916cd43dd8448eb211c80319c';
export const resource = { attributes: { 'service.name': 'shop' } };
export const scope = { name: 'test', version: '' };

/** A decoded span of {@link TRACE} from service `shop`, one second long, status unset. */
export function testSpan(
  spanId: string,
  parentSpanId: string,
  kind: number,
  attributes: Attributes,
  name = 'x',
): Span {
  return {
    traceId: TRACE,
    spanId,
    parentSpanId,
    name,
    kind,
    startTimeMs: 1_760_000_000_000,
    endTimeMs: 1_760_000_001_000,
    attributes,
    events: [],
    status: { code: 0, message: '' },
    resource,
    scope,
  };
}
