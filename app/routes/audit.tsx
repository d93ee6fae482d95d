import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';

import { Form, Link, useLoaderData } from '@remix-run/react';
import { requireAuditReader } from '#app/auth/policy.server.ts';
import { AUDIT_EVENT_LABELS, AUDIT_PAGE_SIZE, describeAuditDetail, readAuditTrail } from '#app/models/audit.server.ts';
import { readAuditQuery } from '#app/models/audit-query.ts';
import { Field, SelectField } from '#app/components/forms.tsx';
import { formatDateTime } from '#app/utils/dates.ts';
import { orNotFound } from '#app/utils/http.server.ts';

export const meta: MetaFunction = () => [{ title: 'Audit trail – Kindred' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireAuditReader(request);
  const url = new URL(request.url);
  const query = readAuditQuery(url, Object.keys(AUDIT_EVENT_LABELS));
  const { rows, total } = await orNotFound(readAuditTrail(viewer, query));
  const page = query.page ?? 1;
  const filters = new URLSearchParams(Object.entries({ event: query.event, q: query.q, from: query.from, to: query.to }).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return {
    isAdmin: viewer.isPlatformAdmin,
    query,
    total,
    page,
    pages: Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE)),
    filterQueryString: filters.toString(),
    events: Object.entries(AUDIT_EVENT_LABELS).map(([value, label]) => ({ value, label })),
    rows: rows.map((r) => ({
      id: r.id,
      atText: formatDateTime(r.at),
      event: AUDIT_EVENT_LABELS[r.event] ?? r.event,
      actor: r.actorName ?? '—',
      subject: r.subjectName ?? '—',
      organisation: r.organisationName ?? '—',
      address: r.address,
      detail: describeAuditDetail(r.detail),
    })),
  };
}

export default function AuditTrail() {
  const data = useLoaderData<typeof loader>();
  const csvHref = `/audit.csv${data.filterQueryString ? `?${data.filterQueryString}` : ''}`;
  return (
    <div className="stack">
      <h1>Audit trail</h1>
      <p>
        {data.isAdmin ? 'Everything Kindred recorded, across every organisation.' : 'Who did what, and when, in the schools you lead.'} Newest first.
      </p>
      <Form method="get" className="filters" aria-label="Filter the audit trail">
        <SelectField label="What happened" name="event" emptyOption="Anything" defaultValue={data.query.event ?? ''} options={data.events} />
        <Field label="Name or email" name="q" type="search" defaultValue={data.query.q ?? ''} />
        <Field label="From (date)" name="from" type="date" defaultValue={data.query.from ?? ''} />
        <Field label="To (date)" name="to" type="date" defaultValue={data.query.to ?? ''} />
        <div>
          <button type="submit" className="button">
            Show
          </button>
        </div>
      </Form>
      <p>
        {data.total.toLocaleString('en-GB')} {data.total === 1 ? 'entry' : 'entries'}. <a href={csvHref}>Download these as CSV</a>
      </p>
      {/* Wide at any size: the scroller takes keyboard focus so its columns can be reached without a mouse. */}
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Audit trail entries">
        <table>
          <caption className="visually-hidden">Audit trail entries</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Who</th>
              <th scope="col">About whom</th>
              <th scope="col">Organisation</th>
              {data.isAdmin ? <th scope="col">Address</th> : null}
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.map((r) => (
              <tr key={r.id}>
                <td>{r.atText}</td>
                <th scope="row">{r.event}</th>
                <td>{r.actor}</td>
                <td>{r.subject}</td>
                <td>{r.organisation}</td>
                {data.isAdmin ? <td>{r.address ?? '—'}</td> : null}
                <td>{r.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data.pages > 1 ? (
        <nav aria-label="Pages" className="page-actions">
          <span>
            Page {data.page} of {data.pages}
          </span>
          {data.page > 1 ? <Link to={`/audit?${data.filterQueryString}&page=${data.page - 1}`}>Previous page</Link> : null}
          {data.page < data.pages ? <Link to={`/audit?${data.filterQueryString}&page=${data.page + 1}`}>Next page</Link> : null}
        </nav>
      ) : null}
    </div>
  );
}
