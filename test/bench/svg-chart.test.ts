import { describe, expect, it } from 'vitest';
import { niceStep, renderSvg } from '../../bench/svg-chart.ts';

describe('svg chart', () => {
  it('picks 1, 2 or 5 × 10^k tick steps', () => {
    expect(niceStep(100, 10)).toBe(10);
    expect(niceStep(600_000, 6)).toBe(100_000);
    expect(niceStep(65, 8)).toBe(10);
    expect(niceStep(3.3, 8)).toBe(0.5);
    expect(niceStep(0, 8)).toBe(1);
  });

  it('draws lines as paths, measured series as dots, with a title and escaped text', () => {
    const svg = renderSvg({
      title: 'depth <per> service & time',
      xLabel: 's',
      yLabel: 'messages',
      series: [
        {
          label: 'model',
          color: '#111',
          points: [
            [0, 0],
            [10, 100],
            [20, 0],
          ],
        },
        {
          label: 'measured',
          color: '#222',
          style: 'dots',
          points: [
            [0, 0],
            [10, 90],
          ],
        },
      ],
      band: { from: 0, to: 10, label: 'burst' },
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('<title>depth &lt;per&gt; service &amp; time</title>');
    expect(svg.match(/<path /g)).toHaveLength(1);
    // Two data dots plus the legend's dot.
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });
});
