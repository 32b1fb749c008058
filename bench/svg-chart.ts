/**
 * A small line chart as standalone SVG (no dependency: a few dozen lines of geometry), for the
 * queue-depth pictures under docs/. Series can be lines (model) or dots (measured).
 */

/** One series of the chart. */
export interface Series {
  readonly label: string;
  readonly color: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** `line` (default) or `dots`; `dashed` draws a dashed line. */
  readonly style?: 'line' | 'dashed' | 'dots';
}

/** A chart. */
export interface Chart {
  readonly title: string;
  readonly subtitle?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Draws a shaded band over this x interval (e.g. while the burst lasts). */
  readonly band?: { readonly from: number; readonly to: number; readonly label: string };
  readonly width?: number;
  readonly height?: number;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A "nice" tick step (1, 2 or 5 × 10^k) for `range` over about `count` ticks. */
export function niceStep(range: number, count: number): number {
  if (!(range > 0)) return 1;
  const raw = range / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  return (residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1) * magnitude;
}

const fmt = (n: number) =>
  Math.abs(n) >= 1e6
    ? `${(n / 1e6).toFixed(n % 1e6 === 0 ? 0 : 1)}M`
    : Math.abs(n) >= 1e3
      ? `${(n / 1e3).toFixed(n % 1e3 === 0 ? 0 : 1)}k`
      : String(Number(n.toPrecision(3)));

/** Renders `chart` as an SVG document. */
export function renderSvg(chart: Chart): string {
  const width = chart.width ?? 760;
  const height = chart.height ?? 380;
  const m = { left: 70, right: 170, top: chart.subtitle ? 58 : 40, bottom: 48 };
  const all = chart.series.flatMap((s) => s.points);
  const xMax = Math.max(1e-9, ...all.map(([x]) => x), chart.band?.to ?? 0);
  const yMax = Math.max(1, ...all.map(([, y]) => y)) * 1.05;
  const xStep = niceStep(xMax, 8);
  const yStep = niceStep(yMax, 6);
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const x = (v: number) => m.left + (v / xMax) * plotW;
  const y = (v: number) => m.top + plotH - (v / yMax) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${xml(chart.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${m.left}" y="20" font-size="15" font-weight="bold">${xml(chart.title)}</text>`,
  ];
  if (chart.subtitle) {
    parts.push(`<text x="${m.left}" y="38" fill="#555">${xml(chart.subtitle)}</text>`);
  }
  if (chart.band) {
    parts.push(
      `<rect x="${x(chart.band.from)}" y="${m.top}" width="${x(chart.band.to) - x(chart.band.from)}" height="${plotH}" fill="#f3e6c8"/>`,
      `<text x="${x(chart.band.from) + 4}" y="${m.top + 14}" fill="#8a6d1f">${xml(chart.band.label)}</text>`,
    );
  }
  for (let v = 0; v <= yMax; v += yStep) {
    parts.push(
      `<line x1="${m.left}" x2="${m.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#e4e4e4"/>`,
      `<text x="${m.left - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`,
    );
  }
  for (let v = 0; v <= xMax + 1e-9; v += xStep) {
    parts.push(
      `<line x1="${x(v)}" x2="${x(v)}" y1="${m.top + plotH}" y2="${m.top + plotH + 4}" stroke="#333"/>`,
      `<text x="${x(v)}" y="${m.top + plotH + 18}" text-anchor="middle">${fmt(v)}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.left}" x2="${m.left + plotW}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#333"/>`,
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" stroke="#333"/>`,
    `<text x="${m.left + plotW / 2}" y="${height - 10}" text-anchor="middle">${xml(chart.xLabel)}</text>`,
    `<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${xml(chart.yLabel)}</text>`,
  );
  chart.series.forEach((s, i) => {
    if (s.style === 'dots') {
      for (const [px, py] of s.points) {
        parts.push(`<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="2.2" fill="${s.color}"/>`);
      }
    } else if (s.points.length > 0) {
      const d = s.points
        .map(([px, py], k) => `${k === 0 ? 'M' : 'L'}${x(px).toFixed(1)},${y(py).toFixed(1)}`)
        .join(' ');
      const dash = s.style === 'dashed' ? ' stroke-dasharray="6 4"' : '';
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    }
    const ly = m.top + 8 + i * 20;
    const lx = m.left + plotW + 14;
    parts.push(
      s.style === 'dots'
        ? `<circle cx="${lx + 10}" cy="${ly}" r="3" fill="${s.color}"/>`
        : `<line x1="${lx}" x2="${lx + 20}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.style === 'dashed' ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${lx + 26}" y="${ly + 4}">${xml(s.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
