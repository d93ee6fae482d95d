import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { requirePlatformAdmin } from '#app/auth/policy.server.ts';
import { requireRecentPassword } from '#app/auth/session.server.ts';
import { AdminPeopleTable } from '#app/components/admin-people-table.tsx';
import { Field, FormError, SelectField } from '#app/components/forms.tsx';
import { ADMIN_PEOPLE_PAGE_SIZE, DuplicateOrganisationNameError, getOrganisation, listTrusts, searchOrganisationPeople, updateOrganisation } from '#app/models/organisations.server.ts';
import { redirectWithFlash } from '#app/utils/flash.server.ts';
import { parseForm, readForm, requiredText } from '#app/utils/forms.ts';
import { notFound } from '#app/utils/http.server.ts';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.organisation.name ?? 'Organisation'} – Kindred admin` }];

function organisationId(raw: string | undefined): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw notFound();
  return id;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const admin = await requirePlatformAdmin(request);
  const id = organisationId(params.id);
  const organisation = await getOrganisation(admin, id);
  if (!organisation) throw notFound();
  const url = new URL(request.url);
  const q = (url.searchParams.get('q') ?? '').slice(0, 100);
  const requestedPage = Math.max(1, Math.min(10_000, Number(url.searchParams.get('page')) || 1));
  const [trusts, found] = await Promise.all([listTrusts(), searchOrganisationPeople(admin, id, q, requestedPage)]);
  const pages = Math.max(1, Math.ceil(found.total / ADMIN_PEOPLE_PAGE_SIZE));
  return { organisation, trusts, q, page: Math.min(requestedPage, pages), pages, total: found.total, people: found.people };
}

const editSchema = z.object({
  name: requiredText('the organisation’s name', 160),
  trustId: z
    .string()
    .optional()
    .transform((v) => (v ? Number(v) : null))
    .pipe(z.number().int().positive().nullable()),
});

export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requirePlatformAdmin(request);
  const id = organisationId(params.id);
  const organisation = await getOrganisation(admin, id);
  if (!organisation) throw notFound();
  // Moving a school changes which trust leaders see its staff: ask for the password again.
  requireRecentPassword(request, admin);
  const parsed = parseForm(editSchema, await readForm(request));
  if (!parsed.success) return data({ fieldErrors: parsed.fieldErrors }, { status: 400 });
  const { name, trustId } = parsed.data;
  if (organisation.kind === 'school' && trustId !== null && !(await listTrusts()).some((t) => t.id === trustId)) {
    return data({ fieldErrors: { trustId: 'Choose a trust from the list' } }, { status: 400 });
  }
  try {
    const outcome = await updateOrganisation(admin, id, { name, trustId });
    const trustName = (await listTrusts()).find((t) => t.id === trustId)?.name;
    const where = organisation.kind === 'trust' ? '' : trustName ? `, part of ${trustName}` : ', not part of a trust';
    return redirectWithFlash(`/admin/organisations/${id}`, outcome === 'unchanged' ? 'Nothing to change.' : `Saved: ${name}${where}.`);
  } catch (error) {
    if (error instanceof DuplicateOrganisationNameError) {
      return data({ fieldErrors: { name: 'Another organisation already has this name' } }, { status: 400 });
    }
    throw error;
  }
}

export default function AdminOrganisation() {
  const { organisation, trusts, q, page, pages, total, people } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const errors: Record<string, string | undefined> = actionData?.fieldErrors ?? {};
  const pageLink = (n: number) => `/admin/organisations/${organisation.id}?${new URLSearchParams({ ...(q ? { q } : {}), page: String(n) }).toString()}#people`;
  return (
    <div>
      <p>
        <Link to="/admin">Organisations</Link>
      </p>
      <h1>{organisation.name}</h1>
      <p>
        {organisation.kind === 'trust' ? 'Trust' : 'School'}
        {organisation.trustName ? `, part of ${organisation.trustName}` : ''}. {organisation.memberCount.toLocaleString('en-GB')}{' '}
        {organisation.memberCount === 1 ? 'member' : 'members'}.
      </p>
      {organisation.kind === 'trust' ? (
        <>
          <h2>Schools in this trust</h2>
          {organisation.schools.length ? (
            <ul>
              {organisation.schools.map((s) => (
                <li key={s.id}>
                  <Link to={`/admin/organisations/${s.id}`}>{s.name}</Link>
                </li>
              ))}
            </ul>
          ) : (
            <p>None yet. Open a school and choose this trust to move it in.</p>
          )}
        </>
      ) : null}

      <h2 id="edit">Name{organisation.kind === 'school' ? ' and trust' : ''}</h2>
      <FormError message={Object.keys(errors).length ? 'Check the details below.' : null} />
      <Form method="post" className="stack" noValidate aria-labelledby="edit">
        <Field label="Name" name="name" defaultValue={organisation.name} error={errors.name} />
        {organisation.kind === 'school' ? (
          <SelectField
            label="Part of a trust"
            name="trustId"
            emptyOption="No trust"
            defaultValue={organisation.trustId ?? ''}
            hint="Moving a school into a trust lets that trust’s leaders see its staff and progress at once; moving it out takes that away."
            options={trusts.map((t) => ({ value: t.id, label: t.name }))}
            error={errors.trustId}
          />
        ) : null}
        <div>
          <button type="submit" className="button">
            Save
          </button>
        </div>
      </Form>

      <h2 id="people">People</h2>
      <Form method="get" className="filters" aria-label={`Search the people of ${organisation.name}`}>
        <div className="field">
          <label htmlFor="q">Name or email</label>
          <input id="q" name="q" type="search" defaultValue={q} />
        </div>
        <div>
          <button type="submit" className="button button--quiet">
            Search
          </button>
        </div>
      </Form>
      <p role="status">
        {total.toLocaleString('en-GB')} {total === 1 ? 'person' : 'people'}
        {q ? ` matching “${q}”` : ''}
        {pages > 1 ? `, page ${page} of ${pages}` : ''}.
      </p>
      {people.length ? <AdminPeopleTable people={people} caption={`The people of ${organisation.name}`} showOrganisation={false} /> : null}
      {pages > 1 ? (
        <nav aria-label="Pages" className="page-actions">
          {page > 1 ? <Link to={pageLink(page - 1)}>Previous page</Link> : null}
          {page < pages ? <Link to={pageLink(page + 1)}>Next page</Link> : null}
        </nav>
      ) : null}
      <p className="muted">
        A leader who has not accepted their invitation can be sent a new one from <Link to="/admin#leader-invitations">the organisations page</Link>.
      </p>
    </div>
  );
}
