import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';

import { Link, useLoaderData } from '@remix-run/react';
import { listOutboxFiles } from '#app/mail/dev-outbox.server.ts';
import { formatDateTime } from '#app/utils/dates.ts';

export const meta: MetaFunction = () => [{ title: 'Local outbox – Kindred' }];

// Outside production, with no SMTP_URL, every email lands here instead of in an inbox. Open to any
// visitor then, so a signed-out person trying the password reset can follow their link
// (docs/decisions/012-email-outbox.md).
export async function loader(_args: LoaderFunctionArgs) {
  const files = await listOutboxFiles();
  return { files: files.map((f) => ({ ...f, when: f.date ? formatDateTime(f.date) : '' })) };
}

export default function DevOutbox() {
  const { files } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <h1>Local outbox</h1>
      <p>
        There is no SMTP server set (<code>SMTP_URL</code>), so Kindred writes each email as an <code>.eml</code> file instead of sending it. The
        newest are first. This page does not exist in production.
      </p>
      {files.length === 0 ? (
        <p>No emails yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Emails written to the local outbox</caption>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">To</th>
                <th scope="col">Written</th>
              </tr>
            </thead>
            <tbody>
              {files.map((f) => (
                <tr key={f.id}>
                  <th scope="row">
                    <Link to={`/dev/outbox/${f.id}`}>{f.subject || '(no subject)'}</Link>
                  </th>
                  <td>{f.to}</td>
                  <td>{f.when}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
