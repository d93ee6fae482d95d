import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server.ts';
import { addExternalCpd, cpdLog } from '#app/models/cpd.server.ts';
import { externalCpdSchema } from '#app/models/external-cpd-form.ts';
import { CpdLogTables } from '#app/components/cpd-log.tsx';
import { ExternalCpdFields } from '#app/components/external-cpd-fields.tsx';
import { FormError } from '#app/components/forms.tsx';
import { ukDate } from '#app/utils/academic-year.ts';
import { nowIso } from '#app/utils/db.server.ts';
import { parseForm, readForm } from '#app/utils/forms.ts';

export const meta: MetaFunction = () => [{ title: 'My CPD log – Kindred' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return { log: await cpdLog(user.id), today: ukDate(nowIso()) };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await readForm(request);
  const parsed = parseForm(externalCpdSchema(ukDate(nowIso())), formData);
  if (!parsed.success) return data({ fieldErrors: parsed.fieldErrors, values: Object.fromEntries([...formData].map(([k, v]) => [k, String(v)])) }, { status: 400 });
  await addExternalCpd(user.id, parsed.data);
  return redirect('/learn/cpd#log');
}

export default function CpdPage() {
  const { log, today } = useLoaderData<typeof loader>();
  // A new key after each entry is added gives an empty form; a refused form keeps what was typed.
  const entryCount = log.reduce((sum, year) => sum + year.entries.length, 0);
  const actionData = useActionData<typeof action>();
  return (
    <div>
      <p>
        <Link to="/learn">Back to my learning</Link>
      </p>
      <h1>My CPD log</h1>
      <p className="page-actions">
        <a href="/learn/cpd.csv" download>
          Download the log as a spreadsheet (CSV)
        </a>
      </p>
      <section aria-labelledby="add-title">
        <h2 id="add-title">Add other CPD</h2>
        <FormError message={actionData ? 'Check the details below: nothing was saved.' : null} />
        <Form method="post" className="stack" noValidate key={entryCount}>
          <ExternalCpdFields today={today} errors={actionData?.fieldErrors} defaults={actionData?.values} />
          <div>
            <button type="submit" className="button">
              Add to my log
            </button>
          </div>
        </Form>
      </section>
      <section aria-labelledby="log-title" id="log">
        <h2 id="log-title">The log</h2>
        <CpdLogTables log={log} editable />
      </section>
    </div>
  );
}
