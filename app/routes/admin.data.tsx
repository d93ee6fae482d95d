import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { requirePlatformAdmin } from '#app/auth/policy.server.ts';
import { requireRecentPassword } from '#app/auth/session.server.ts';
import { Field, SelectField } from '#app/components/forms.tsx';
import { erasePerson, findPersonToErase, listRetention, RETENTION_CHOICES, setRetention } from '#app/models/personal-data.server.ts';
import { formatDate } from '#app/utils/dates.ts';
import { emailField, parseForm, readForm } from '#app/utils/forms.ts';
import { badRequest, orNotFound } from '#app/utils/http.server.ts';

export const meta: MetaFunction = () => [{ title: 'Personal data – Kindred admin' }];

// Data protection for platform admins: how long each organisation keeps people after they leave,
// and erasing a person at their school's request (docs/decisions/015-credentials-and-data-rights.md).

const findSchema = z.object({ email: emailField });
const eraseSchema = z.object({
  intent: z.literal('erase'),
  userId: z.coerce.number().int().positive(),
  confirm: z.literal('yes', { message: "Confirm that the school asked for this person's data to be erased" }),
});
const retentionSchema = z.object({
  intent: z.literal('retention'),
  organisationId: z.coerce.number().int().positive(),
  months: z.union([z.literal(''), z.enum(RETENTION_CHOICES.map(String) as [string, ...string[]])], { message: 'Choose a period from the list' }),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const admin = await requirePlatformAdmin(request);
  const url = new URL(request.url);
  const organisations = await listRetention(admin);
  const retentionOptions = RETENTION_CHOICES.map((months) => ({ value: String(months), label: months % 12 === 0 ? `${months / 12} year${months === 12 ? '' : 's'}` : `${months} months` }));
  const erased = url.searchParams.get('erased') === '1';
  if (!url.searchParams.has('email')) return { organisations, retentionOptions, erased, search: null };
  const form = new FormData();
  form.set('email', url.searchParams.get('email') ?? '');
  const parsed = parseForm(findSchema, form);
  if (!parsed.success) return { organisations, retentionOptions, erased, search: { email: url.searchParams.get('email') ?? '', error: parsed.fieldErrors.email ?? 'Enter an email address', person: null } };
  const person = await findPersonToErase(admin, parsed.data.email);
  return {
    organisations,
    retentionOptions,
    erased,
    search: {
      email: parsed.data.email,
      error: person ? null : 'No one who may be erased has that email address (platform admins and you cannot be).',
      person: person ? { ...person, erasedAtText: person.erasedAt ? formatDate(person.erasedAt) : null } : null,
    },
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePlatformAdmin(request);
  const formData = await readForm(request);
  requireRecentPassword(request, admin);
  if (formData.get('intent') === 'retention') {
    const parsed = parseForm(retentionSchema, formData);
    if (!parsed.success) {
      const row = parseForm(retentionSchema.pick({ organisationId: true }), formData);
      return data({ fieldErrors: parsed.fieldErrors, saved: null, organisationId: row.success ? row.data.organisationId : null }, { status: 400 });
    }
    await orNotFound(setRetention(admin, parsed.data.organisationId, parsed.data.months === '' ? null : Number(parsed.data.months)));
    return { fieldErrors: {}, saved: parsed.data.organisationId, organisationId: parsed.data.organisationId };
  }
  if (formData.get('intent') !== 'erase') throw badRequest('Choose what to do.');
  const parsed = parseForm(eraseSchema, formData);
  if (!parsed.success) return data({ fieldErrors: parsed.fieldErrors, saved: null, organisationId: null }, { status: 400 });
  await orNotFound(erasePerson(admin, parsed.data.userId));
  return redirect('/admin/data?erased=1');
}

export default function PersonalData() {
  const { organisations, retentionOptions, erased, search } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const errors: Record<string, string | undefined> = actionData?.fieldErrors ?? {};
  return (
    <div className="stack">
      <h1>Personal data</h1>
      {erased ? (
        <p className="alert alert--success" role="status">
          The person was erased. Their certificates still verify, with their name withheld.
        </p>
      ) : null}

      <h2 id="erase-title">Erase a person at their school&rsquo;s request</h2>
      <p>
        Erasing removes the person&rsquo;s name, email and password, deletes their reflections, comments, external CPD, sessions and emails, and
        keeps only anonymous progress and the ids in the audit trail. It cannot be undone.
      </p>
      <Form method="get" className="stack" aria-labelledby="erase-title">
        <Field label="Their email address" name="email" type="email" defaultValue={search?.email ?? ''} error={search?.error ?? undefined} autoComplete="off" />
        <div>
          <button type="submit" className="button">
            Find the person
          </button>
        </div>
      </Form>
      {search?.person ? (
        search.person.erasedAtText ? (
          <p>This person was erased on {search.person.erasedAtText}.</p>
        ) : (
          <section aria-labelledby="confirm-title" className="stack">
            <h3 id="confirm-title">Erase {search.person.name}?</h3>
            <p>
              {search.person.email}
              {search.person.organisations.length > 0 ? `, ${search.person.organisations.join(', ')}` : ''}
            </p>
            <Form method="post" className="stack">
              <input type="hidden" name="intent" value="erase" />
              <input type="hidden" name="userId" value={search.person.id} />
              <div className="field">
                <label>
                  <input type="checkbox" name="confirm" value="yes" aria-invalid={errors.confirm ? true : undefined} aria-describedby={errors.confirm ? 'confirm-error' : undefined} /> The school
                  asked in writing for this person&rsquo;s data to be erased
                </label>
                {errors.confirm ? (
                  <p id="confirm-error" className="field-error">
                    {errors.confirm}
                  </p>
                ) : null}
              </div>
              <div>
                <button type="submit" className="button button--danger">
                  Erase {search.person.name}
                </button>
              </div>
            </Form>
          </section>
        )
      ) : null}

      <h2 id="retention-title">How long people are kept after they leave</h2>
      <p>People whose every membership has been deactivated for longer than their organisation&rsquo;s period are erased automatically.</p>
      <div className="table-wrap">
        <table aria-labelledby="retention-title">
          <thead>
            <tr>
              <th scope="col">Organisation</th>
              <th scope="col">Keep deactivated people for</th>
            </tr>
          </thead>
          <tbody>
            {organisations.map((o) => (
              <tr key={o.id}>
                <th scope="row">{o.name}</th>
                <td>
                  <Form method="post" className="inline-form">
                    <input type="hidden" name="intent" value="retention" />
                    <input type="hidden" name="organisationId" value={o.id} />
                    <SelectField
                      label={`Retention for ${o.name}`}
                      name="months"
                      id={`months-${o.id}`}
                      options={retentionOptions}
                      emptyOption="Until the school asks"
                      defaultValue={o.retentionMonths === null ? '' : String(o.retentionMonths)}
                      error={actionData?.saved === null && actionData.organisationId === o.id ? errors.months : undefined}
                    />{' '}
                    <button type="submit" className="button button--quiet">
                      Save<span className="visually-hidden"> the retention period for {o.name}</span>
                    </button>
                    {actionData?.saved === o.id ? <span role="status"> Saved.</span> : null}
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
