import type { CompletionTrend } from '#app/models/reports.server.ts';

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function monthLabel(month: string): string {
  return MONTH_NAMES[Number(month.slice(5, 7)) - 1] ?? month;
}

/**
 * A course's completions through the academic year as bars, drawn on the server as SVG with
 * attributes only (the CSP allows no inline styles). The picture is for sighted readers; the same
 * numbers are in a table beside it for everyone else.
 */
export function CompletionTrendChart({ trend }: { trend: CompletionTrend }) {
  const width = 240;
  const height = 80;
  const slot = width / Math.max(1, trend.months.length);
  const percent = (n: number) => (trend.base ? Math.round((100 * n) / trend.base) : 0);
  const last = trend.months.at(-1);
  return (
    <figure className="trend">
      <svg className="trend__chart" viewBox={`0 0 ${width} ${height + 14}`} aria-hidden="true" focusable="false">
        <line x1="0" y1={height} x2={width} y2={height} className="trend__axis" />
        {trend.months.map((m, i) => {
          const h = (height * percent(m.completed)) / 100;
          return (
            <g key={m.month}>
              <rect x={i * slot + 2} y={height - h} width={Math.max(1, slot - 4)} height={h} className="trend__bar" />
              <text x={i * slot + slot / 2} y={height + 11} textAnchor="middle" className="trend__label">
                {monthLabel(m.month)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        {trend.title}: {last ? `${percent(last.completed)}% of ${trend.base.toLocaleString('en-GB')} staff have completed it` : 'no months yet'}
      </figcaption>
      <details>
        <summary>
          The numbers<span className="visually-hidden"> for {trend.title}</span>
        </summary>
        <table>
          <caption className="visually-hidden">Completions of {trend.title} by the end of each month</caption>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col" className="numeric">
                Completed by then
              </th>
              <th scope="col" className="numeric">
                Share of staff
              </th>
            </tr>
          </thead>
          <tbody>
            {trend.months.map((m) => (
              <tr key={m.month}>
                <th scope="row">
                  {monthLabel(m.month)} {m.month.slice(0, 4)}
                </th>
                <td className="numeric">{m.completed.toLocaleString('en-GB')}</td>
                <td className="numeric">{percent(m.completed)}%</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/** Every course's chart, side by side where there is room. */
export function CompletionTrendCharts({ trends }: { trends: CompletionTrend[] }) {
  return (
    <ul className="trend-list">
      {trends.map((t) => (
        <li key={t.slug}>
          <CompletionTrendChart trend={t} />
        </li>
      ))}
    </ul>
  );
}
