import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server.ts';
import { deleteExternalCpd, getExternalCpd, updateExternalCpd } from '#app/models/cpd.server.ts';
import { externalCpdSchema } from '#app/models/external-cpd-form.ts';
import { ExternalCpdFields } from '#app/components/external-cpd-fields.tsx';
import { FormError } from '#app/components/forms.tsx';
import { ukDate } from '#app/utils/academic-year.ts';
import { nowIso } from '#app/utils/db.server.ts';
import { parseForm, readForm } from '#app/utils/forms.ts';
import { badRequest, notFound } from '#app/utils/http.server.ts';

export const meta: MetaFunction = () => [{ title: 'Edit CPD – Kindred' }];

function entryId(raw: string | undefined): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw notFound();
  return id;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const entry = await getExternalCpd(user.id, entryId(params.id));
  if (!entry) throw notFound();
  return { entry, today: ukDate(nowIso()) };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = entryId(params.id);
  const formData = await readForm(request);
  const intent = formData.get('intent');
  if (intent === 'delete') {
    if (!(await deleteExternalCpd(user.id, id))) throw notFound();
    return redirect('/learn/cpd#log');
  }
  if (intent !== 'save') throw badRequest('Unknown form.');
  const parsed = parseForm(externalCpdSchema(ukDate(nowIso())), formData);
  if (!parsed.success) return data({ fieldErrors: parsed.fieldErrors }, { status: 400 });
  const updated = await updateExternalCpd(user.id, id, parsed.data);
  if (updated === 'not-found') throw notFound();
  if (updated === 'duplicate') return data({ fieldErrors: { title: 'Your CPD log already has this activity on that date with those hours' } }, { status: 400 });
  return redirect('/learn/cpd#log');
}

export default function EditCpd() {
  const { entry, today } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <div>
      <p>
        <Link to="/learn/cpd">Back to my CPD log</Link>
      </p>
      <h1>Edit “{entry.title}”</h1>
      <FormError message={actionData ? 'Check the details below: nothing was saved.' : null} />
      <Form method="post" className="stack" noValidate>
        <input type="hidden" name="intent" value="save" />
        <ExternalCpdFields today={today} errors={actionData?.fieldErrors} defaults={{ ...entry, date: entry.activity_date }} />
        <div>
          <button type="submit" className="button">
            Save changes
          </button>
        </div>
      </Form>
      <h2>Delete this entry</h2>
      <Form method="post">
        <input type="hidden" name="intent" value="delete" />
        <button type="submit" className="button button--danger">
          Delete “{entry.title}”
        </button>
      </Form>
    </div>
  );
}
