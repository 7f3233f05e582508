/**
 * A small typed builder for Grafana's classic dashboard JSON model (schemaVersion 39), enough
 * for ClickHouse SQL panels. Dashboards are generated from TypeScript rather than hand-edited
 * so SQL fragments (filters, counter rates) are written once; `dashboards/json/*.json` is the
 * output that Grafana provisions, and a unit test fails when it drifts from this source.
 */

/** The provisioned data source (`dashboards/provisioning/datasources/clickhouse.yaml`). */
export const DATASOURCE = { type: 'grafana-clickhouse-datasource', uid: 'assay-clickhouse' } as const;

/** Output formats of the plugin's SQL targets: 0 time series (long → wide), 1 table. */
export type Format = 0 | 1;

/** One SQL query of a panel, annotation or variable. */
export interface SqlTarget {
  refId: string;
  datasource: typeof DATASOURCE;
  editorType: 'sql';
  format: Format;
  rawSql: string;
}

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource: typeof DATASOURCE;
  gridPos: GridPos;
  targets: SqlTarget[];
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
  options: Record<string, unknown>;
}

/** What a dashboard definition says about a panel; ids and positions are assigned by `layout`. */
export interface PanelSpec {
  type: 'timeseries' | 'table' | 'stat' | 'barchart' | 'bargauge';
  title: string;
  description?: string;
  /** One SQL statement per target, refIds A, B, … in order. */
  sql: string[];
  /** Default: 0 for timeseries, 1 otherwise. */
  format?: Format;
  /** Width in grid columns (of 24). Default 12. */
  w?: number;
  /** Height in grid rows. Default 8. */
  h?: number;
  /** Grafana unit, e.g. `percentunit`, `ms`, `currencyUSD`, `short`. */
  unit?: string;
  options?: Record<string, unknown>;
  defaults?: Record<string, unknown>;
  overrides?: unknown[];
}

export interface Variable {
  type: 'query';
  name: string;
  label: string;
  datasource: typeof DATASOURCE;
  definition: string;
  query: { editorType: 'sql'; rawSql: string; format: Format; refId: string };
  refresh: 2;
  multi: true;
  includeAll: true;
  current: { text: string[]; value: string[] };
  sort: 1;
  hide: 0;
  options: [];
}

export interface Annotation {
  name: string;
  datasource: typeof DATASOURCE;
  enable: boolean;
  iconColor: string;
  target: SqlTarget;
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  id: null;
  editable: boolean;
  schemaVersion: 39;
  time: { from: string; to: string };
  refresh: string;
  timezone: 'utc';
  graphTooltip: 1;
  links: unknown[];
  templating: { list: Variable[] };
  annotations: { list: unknown[] };
  panels: Panel[];
}

export function target(refId: string, rawSql: string, format: Format): SqlTarget {
  return { refId, datasource: DATASOURCE, editorType: 'sql', format, rawSql };
}

/** A multi-value query variable with "All" (value `$__all`), refreshed on time-range change. */
export function queryVariable(name: string, label: string, rawSql: string): Variable {
  return {
    type: 'query',
    name,
    label,
    datasource: DATASOURCE,
    definition: rawSql,
    query: { editorType: 'sql', rawSql, format: 1, refId: `${name}Variable` },
    refresh: 2,
    multi: true,
    includeAll: true,
    current: { text: ['All'], value: ['$__all'] },
    sort: 1,
    hide: 0,
    options: [],
  };
}

/** An annotation source; the query returns `time`, `timeEnd?`, `title`, `text`, `tags`. */
export function annotation(name: string, iconColor: string, rawSql: string): Annotation {
  return { name, datasource: DATASOURCE, enable: true, iconColor, target: target('Anno', rawSql, 1) };
}

/** The built-in "Annotations & Alerts" entry Grafana adds to every dashboard. */
export const BUILTIN_ANNOTATION = {
  builtIn: 1,
  datasource: { type: 'grafana', uid: '-- Grafana --' },
  enable: true,
  hide: true,
  iconColor: 'rgba(0, 211, 255, 1)',
  name: 'Annotations & Alerts',
  type: 'dashboard',
};

/** Places panels left to right in rows of 24 columns and numbers them from 1. */
export function layout(specs: PanelSpec[]): Panel[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((spec, i) => {
    const w = spec.w ?? 12;
    const h = spec.h ?? 8;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return toPanel(spec, i + 1, gridPos);
  });
}

function toPanel(spec: PanelSpec, id: number, gridPos: GridPos): Panel {
  const format = spec.format ?? (spec.type === 'timeseries' ? 0 : 1);
  const defaults = { ...(spec.unit ? { unit: spec.unit } : {}), ...spec.defaults };
  return {
    id,
    type: spec.type,
    title: spec.title,
    ...(spec.description ? { description: spec.description } : {}),
    datasource: DATASOURCE,
    gridPos,
    targets: spec.sql.map((sql, i) => target(String.fromCharCode(65 + i), sql, format)),
    fieldConfig: { defaults, overrides: spec.overrides ?? [] },
    options: spec.options ?? {},
  };
}

/** Dashboard shell with the common settings; `annotations` are added after the built-in one. */
export function dashboard(
  meta: { uid: string; title: string; description: string; tags?: string[] },
  variables: Variable[],
  annotations: Annotation[],
  panels: PanelSpec[],
): Dashboard {
  return {
    uid: meta.uid,
    title: meta.title,
    description: meta.description,
    tags: ['assay', ...(meta.tags ?? [])],
    id: null,
    editable: true,
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    timezone: 'utc',
    graphTooltip: 1,
    links: [
      {
        title: 'Assay',
        type: 'dashboards',
        tags: ['assay'],
        asDropdown: true,
        includeVars: false,
        keepTime: true,
      },
    ],
    templating: { list: variables },
    annotations: { list: [BUILTIN_ANNOTATION, ...annotations] },
    panels: layout(panels),
  };
}

/** A field override on a table's `route` column linking to the provider × route dashboard for that row. */
export const PROVIDER_ROUTE_LINK = {
  matcher: { id: 'byName', options: 'route' },
  properties: [
    {
      id: 'links',
      value: [
        {
          title: 'Open ${__data.fields.provider} / ${__data.fields.route}',
          url: '/d/assay-provider-route?var-provider=${__data.fields.provider}&var-route=${__data.fields.route}&${__url_time_range}',
        },
      ],
    },
  ],
};
