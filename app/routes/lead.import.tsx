import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { requireRecentPassword } from '#app/auth/session.server.ts';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { requireLeaderOf, requireRole } from '#app/auth/policy.server.ts';
import { ledOrganisations } from '#app/models/organisations.server.ts';
import { applyRoster, previewRoster, type RosterPreview } from '#app/models/roster.server.ts';
import { TextAreaField, SelectField } from '#app/components/forms.tsx';
import { getEnv } from '#app/utils/env.server.ts';
import { badRequest } from '#app/utils/http.server.ts';
import { readForm } from '#app/utils/forms.ts';
import { decodeSpreadsheetText } from '#app/utils/csv.ts';

export const meta: MetaFunction = () => [{ title: 'Import staff list – Kindred' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireRole(request, 'leader');
  const organisations = (await ledOrganisations(viewer)).filter((o) => o.kind === 'school');
  return { organisations };
}

async function readRosterText(formData: FormData): Promise<string> {
  const upload = formData.get('file');
  if (upload instanceof File && upload.size > 0) return decodeSpreadsheetText(new Uint8Array(await upload.arrayBuffer()));
  const pasted = formData.get('csv');
  if (typeof pasted === 'string' && pasted.trim()) return pasted;
  // The confirm step carries the previewed file back, encoded so nothing in it is altered.
  const carried = formData.get('carried');
  if (typeof carried === 'string' && carried) return Buffer.from(carried, 'base64').toString('utf8');
  return '';
}

type ActionData =
  | { step: 'preview'; organisationId: number; preview: RosterPreview; carried: string }
  | { step: 'done'; preview: RosterPreview; invitations: { name: string; email: string; link: string }[] }
  | { step: 'error'; message: string };

export async function action({ request }: ActionFunctionArgs) {
  const viewer = await requireRole(request, 'leader');
  const formData = await readForm(request);
  const organisationId = Number(formData.get('organisationId'));
  if (!Number.isSafeInteger(organisationId) || organisationId <= 0) throw badRequest('Choose a school.');
  await requireLeaderOf(viewer, organisationId);
  const text = await readRosterText(formData);
  if (!text.trim()) return data<ActionData>({ step: 'error', message: 'Choose a CSV file, or paste the list, before previewing.' }, { status: 400 });
  const intent = formData.get('intent');
  if (intent === 'preview') {
    const preview = await previewRoster(viewer, organisationId, text);
    return data<ActionData>({ step: 'preview', organisationId, preview, carried: Buffer.from(text, 'utf8').toString('base64') }, { status: preview.fileError ? 400 : 200 });
  }
  if (intent === 'confirm') {
    requireRecentPassword(request, viewer);
    const applied = await applyRoster(viewer, organisationId, text);
    if (applied.fileError) return data<ActionData>({ step: 'error', message: applied.fileError }, { status: 400 });
    const base = getEnv().PUBLIC_URL;
    // Everyone imported has been emailed: the answer lists only the rows left out, so a 2,000-row
    // import does not render (and hold the server for) a 2,000-row table.
    const leftOut = { ...applied, rows: applied.rows.filter((row) => row.outcome === 'error') };
    return { step: 'done', preview: leftOut, invitations: applied.invitations.map((i) => ({ name: i.name, email: i.email, link: `${base}/invitations/${i.token}` })) } satisfies ActionData;
  }
  throw badRequest('Unknown form.');
}

/** Up to this many new people, the done page lists their links as well as offering the CSV. */
const SHOWN_LINKS = 50;

const OUTCOME_TEXT = { new: 'New', updated: 'Updated', unchanged: 'Unchanged', error: 'Error' } as const;

function PreviewTable({ preview }: { preview: RosterPreview }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>
          {preview.counts.new} new, {preview.counts.updated} updated, {preview.counts.unchanged} unchanged, {preview.counts.error} with errors
        </caption>
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">Outcome</th>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Roles</th>
            <th scope="col">Group</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {preview.rows.map((row) => (
            <tr key={row.line}>
              <td>{row.line}</td>
              <th scope="row" className={row.outcome === 'error' ? 'preview-error' : row.outcome === 'new' ? 'preview-new' : undefined}>
                {OUTCOME_TEXT[row.outcome]}
              </th>
              <td>{row.name}</td>
              <td>{row.email}</td>
              <td>{row.roles.join(', ')}</td>
              <td>{row.group}</td>
              <td>{row.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function countOf(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}

export default function ImportRoster() {
  const { organisations } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as ActionData | undefined;
  return (
    <div>
      <p>
        <Link to="/lead">Staff progress</Link>
      </p>
      <h1>Import a staff list</h1>
      {data?.step === 'done' ? (
        <section aria-labelledby="done-title">
          <h2 id="done-title">Imported</h2>
          <p className="alert alert--success" role="status">
            {countOf(data.preview.counts.new, 'person', 'people')} added and {data.preview.counts.updated.toLocaleString('en-GB')} updated.{data.preview.counts.error ? ' Rows with errors were left out.' : ''}
          </p>
          {data.invitations.length > 0 ? (
            <>
              <h3>Invitation links for the new people</h3>
              <p>Each new person has been emailed their own invitation. The links are here too, in case an email does not arrive; each works once, for 7 days.</p>
              {/* A file download, not a page: the browser must post it itself, with or without JavaScript. */}
              <Form method="post" action="/lead/invitations.csv" reloadDocument>
                {data.invitations.map((i) => (
                  <input key={i.link} type="hidden" name="invitation" value={`${i.name}\t${i.email}\t${i.link}`} />
                ))}
                <button type="submit" className="button">
                  Download the links as CSV
                </button>
              </Form>
              {data.invitations.length <= SHOWN_LINKS ? (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Email</th>
                      <th scope="col">Invitation link</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.invitations.map((i) => (
                      <tr key={i.link}>
                        <th scope="row">{i.name}</th>
                        <td>{i.email}</td>
                        <td className="token-box">{i.link}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p>{data.invitations.length.toLocaleString('en-GB')} invitations are on their way; the CSV above holds every link.</p>
              )}
            </>
          ) : null}
          {data.preview.rows.length > 0 ? (
            <>
              <h3>Rows left out</h3>
              <PreviewTable preview={data.preview} />
            </>
          ) : null}
        </section>
      ) : null}

      {data?.step === 'preview' ? (
        <section aria-labelledby="preview-title">
          <h2 id="preview-title">Check before importing</h2>
          {data.preview.fileError ? (
            <p className="alert alert--error" role="alert">
              {data.preview.fileError}
            </p>
          ) : (
            <>
              <p>Nothing has been saved yet. Rows with errors will be left out; everything else goes in together.</p>
              <PreviewTable preview={data.preview} />
              <Form method="post" className="page-actions">
                <input type="hidden" name="intent" value="confirm" />
                <input type="hidden" name="organisationId" value={data.organisationId} />
                <input type="hidden" name="carried" value={data.carried} />
                <button type="submit" className="button" disabled={data.preview.counts.new + data.preview.counts.updated === 0}>
                  Import {countOf(data.preview.counts.new + data.preview.counts.updated, 'row', 'rows')}
                </button>
                <Link to="/lead/import">Start again</Link>
              </Form>
            </>
          )}
        </section>
      ) : null}

      {data?.step === 'error' ? (
        <p className="alert alert--error" role="alert">
          {data.message}
        </p>
      ) : null}

      <section aria-labelledby="upload-title">
        <h2 id="upload-title">{data ? 'Import another list' : 'Choose the list'}</h2>
        <p>
          A CSV file with a header row: <code>name,email,roles,group</code>. Roles are teacher, coach or leader (several separated by
          semicolons); group is optional and must already exist. You will see what changes before anything is saved.
        </p>
        <Form method="post" encType="multipart/form-data" className="stack">
          <input type="hidden" name="intent" value="preview" />
          <SelectField label="School" name="organisationId" options={organisations.map((o) => ({ value: o.id, label: o.name }))} />
          <div className="field">
            <label htmlFor="file">CSV file</label>
            <input id="file" name="file" type="file" accept=".csv,text/csv" />
          </div>
          <TextAreaField label="Or paste the list" name="csv" rows={6} hint="The same columns, one person per line." />
          <div>
            <button type="submit" className="button">
              Preview
            </button>
          </div>
        </Form>
      </section>
    </div>
  );
}
