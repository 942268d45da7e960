/**
 * A small SVG bar chart (grouped bars, one colour per series) for report figures. The numbers
 * are in the table next to it; the chart is a picture of them with a text summary for screen
 * readers. Masked counts (＊ in publication mode) are drawn as empty bars.
 */
import { useId } from 'react';

export interface ChartSeries {
  label: string;
  /** One value per category; a string (＊) is a masked count. */
  values: (number | string)[];
}

const COLOURS = ['#2e6b4f', '#8a4b2a', '#3c6e9f', '#b38b1d', '#7b4b94', '#5f7f2a'];

export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const pow = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * pow >= max) return step * pow;
  }
  return 10 * pow;
}

export default function BarChart({ title, categories, series, height = 220 }: { title: string; categories: string[]; series: ChartSeries[]; height?: number }) {
  const id = useId();
  const numbers = series.flatMap((s) => s.values.map((v) => (typeof v === 'number' ? v : 0)));
  const top = niceMax(Math.max(0, ...numbers));
  const left = 40;
  const bottom = 40;
  const groupWidth = Math.max(28, Math.min(72, 720 / Math.max(1, categories.length)));
  const width = left + groupWidth * categories.length + 16;
  const plot = height - bottom - 10;
  const barWidth = Math.max(4, (groupWidth - 8) / Math.max(1, series.length));
  const ticks = [0, top / 2, top];
  const maxChars = Math.max(2, Math.floor(groupWidth / 11));
  const short = (c: string) => (c.length > maxChars ? `${c.slice(0, maxChars - 1)}…` : c);
  const y = (v: number) => 10 + plot - (v / top) * plot;
  const summary = series
    .map((s) => `${s.label}: ${categories.map((c, i) => `${c} ${s.values[i] ?? 0}`).join('、')}`)
    .join('。');
  return (
    <figure style={{ margin: 0 }}>
      <svg role="img" aria-labelledby={`${id}-t`} aria-describedby={`${id}-d`} width={width} height={height} viewBox={`0 0 ${width} ${height}`} style={{ maxWidth: '100%', height: 'auto', fontSize: 11 }}>
        <title id={`${id}-t`}>{title}</title>
        <desc id={`${id}-d`}>{summary}</desc>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={left} x2={width - 8} y1={y(t)} y2={y(t)} stroke="#ddd" />
            <text x={left - 6} y={y(t) + 4} textAnchor="end" fill="#555">
              {Number.isInteger(t) ? t : t.toFixed(1)}
            </text>
          </g>
        ))}
        {categories.map((c, ci) => (
          <g key={c + ci}>
            {series.map((s, si) => {
              const raw = s.values[ci];
              const v = typeof raw === 'number' ? raw : 0;
              const x = left + ci * groupWidth + 4 + si * barWidth;
              const masked = typeof raw === 'string';
              return (
                <rect
                  key={si}
                  x={x}
                  y={y(v)}
                  width={barWidth - 1}
                  height={Math.max(0, y(0) - y(v))}
                  fill={masked ? 'none' : COLOURS[si % COLOURS.length]}
                  stroke={masked ? COLOURS[si % COLOURS.length] : undefined}
                  strokeDasharray={masked ? '2 2' : undefined}
                >
                  <title>{`${c} ${s.label}: ${raw ?? 0}`}</title>
                </rect>
              );
            })}
            <text x={left + ci * groupWidth + groupWidth / 2} y={height - bottom + 16} textAnchor="middle" fill="#333">
              {short(c)}
            </text>
          </g>
        ))}
        <line x1={left} x2={width - 8} y1={y(0)} y2={y(0)} stroke="#888" />
      </svg>
      {series.length > 1 && (
        <figcaption style={{ display: 'flex', gap: 12, flexWrap: 'wrap', fontSize: 12 }}>
          {series.map((s, si) => (
            <span key={s.label} style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }}>
              <span aria-hidden style={{ width: 10, height: 10, background: COLOURS[si % COLOURS.length], display: 'inline-block' }} />
              {s.label}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}
