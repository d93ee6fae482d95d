import { Link } from '@remix-run/react';
import type { CpdYear } from '#app/models/cpd.server.ts';
import { formatDate } from '#app/utils/dates.ts';

/** The CPD log, one table per academic year (1 September to 31 August) with its total. */
export function CpdLogTables({ log, editable = false }: { log: CpdYear[]; editable?: boolean }) {
  if (log.length === 0) return <p>Nothing in your CPD log yet. Completed courses appear here, and you can add other CPD.</p>;
  return (
    <>
      {log.map((year) => (
        <div className="table-wrap" key={year.year}>
          <table className="table-stack">
            <caption>
              <strong>Academic year {year.year}</strong>: {year.totalHours} hours
            </caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Activity</th>
                <th scope="col">Provider</th>
                <th scope="col" className="numeric">
                  Hours
                </th>
                <th scope="col">Notes</th>
              </tr>
            </thead>
            <tbody>
              {year.entries.map((entry) => (
                <tr key={`${entry.kind}-${entry.id ?? entry.certificateCode}`}>
                  <td data-label="Date">
                    <time dateTime={entry.date}>{formatDate(`${entry.date}T12:00:00Z`)}</time>
                  </td>
                  <th scope="row">
                    {entry.link ? <a href={entry.link}>{entry.title}</a> : entry.title}
                    {editable && entry.kind === 'external' ? (
                      <>
                        {' '}
                        <Link to={`/learn/cpd/${entry.id}`}>
                          Edit<span className="visually-hidden"> {entry.title}</span>
                        </Link>
                      </>
                    ) : null}
                  </th>
                  <td data-label="Provider">{entry.provider}</td>
                  <td className="numeric" data-label="Hours">
                    {entry.hours}
                  </td>
                  <td data-label="Notes">
                    {entry.certificateCode ? <Link to={`/certificates/${entry.certificateCode}`}>Certificate</Link> : null} {entry.note}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </>
  );
}
