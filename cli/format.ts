/** Plain-text tables for the CLI's human output (`--json` prints the data instead). */

/** A table cell: shown as text; undefined and null as `–`. */
export type Cell = string | number | boolean | undefined | null;

function text(cell: Cell): string {
  if (cell === undefined || cell === null || cell === '') return '–';
  return String(cell);
}

/** Left-aligned columns separated by two spaces; numbers right-aligned; long cells cut at `maxWidth`. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[], maxWidth = 60): string {
  const cells = rows.map((row) => row.map((c) => truncate(text(c), maxWidth)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function truncate(value: string, max: number): string {
  const flat = value.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
