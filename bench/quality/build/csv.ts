/** Reading the CSV files some sources ship, shared by the build scripts. */

/** Minimal RFC 4180 parser: quoted fields may hold commas, newlines and doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** A CSV source as a table: the header, the data rows, and each column's index by name. */
export interface CsvTable {
  header: string[];
  /** Data rows, blank lines skipped; every one as wide as the header. */
  rows: string[][];
  /** The index of column `name`; throws, naming `where`, when the file has none. */
  col: (name: string) => number;
}

/** Parses a CSV file with a header line; `where` (its path) names it in errors. */
export function readCsvTable(text: string, where: string): CsvTable {
  const [header, ...rows] = parseCsv(text).filter((r) => r.some((f) => f !== ''));
  if (header === undefined) throw new Error(`${where}: empty CSV`);
  rows.forEach((row, i) => {
    if (row.length !== header.length)
      throw new Error(`${where}: row ${i + 1} has ${row.length} fields, expected ${header.length}`);
  });
  return {
    header,
    rows,
    col: (name) => {
      const i = header.indexOf(name);
      if (i < 0) throw new Error(`${where}: no column ${name}`);
      return i;
    },
  };
}
