import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useLocation } from '@remix-run/react';
import { z } from 'zod';
import { requireRecentPassword } from '#app/auth/session.server.ts';
import { requirePlatformAdmin } from '#app/auth/policy.server.ts';
import { DuplicateEmailError, renewInvitation } from '#app/models/accounts.server.ts';
import { pendingLeaderInvitations } from '#app/models/invitation-status.server.ts';
import { findUserIdByEmail, sendPasswordResetFor } from '#app/models/password-resets.server.ts';
import { redirectWithFlash } from '#app/utils/flash.server.ts';
import { formatDate } from '#app/utils/dates.ts';
import { badRequest, notFound, orNotFound } from '#app/utils/http.server.ts';
import { createOrganisationWithLeader, DuplicateOrganisationNameError, listOrganisations, listTrusts, searchOrganisationPeople } from '#app/models/organisations.server.ts';
import { AdminPeopleTable } from '#app/components/admin-people-table.tsx';
import { Field, FormError } from '#app/components/forms.tsx';
import { emailField, parseForm, requiredText, readForm } from '#app/utils/forms.ts';
import { getEnv } from '#app/utils/env.server.ts';
import { configuredProviders } from '#app/auth/sso.server.ts';
import { DomainTakenError, listSsoSettings, saveSsoSettings } from '#app/models/sso.server.ts';

export const meta: MetaFunction = () => [{ title: 'Organisations – Kindred admin' }];

const createSchema = z.object({
  name: requiredText('the organisation’s name', 160),
  kind: z.enum(['school', 'trust'], { message: 'Choose school or trust' }),
  trustId: z
    .string()
    .optional()
    .transform((v) => (v ? Number(v) : null))
    .pipe(z.number().int().positive().nullable()),
  leaderName: requiredText('the leader’s name', 120),
  leaderEmail: emailField,
});

const resetSchema = z.object({ intent: z.literal('reset'), email: emailField });

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const ssoSchema = z.object({
  intent: z.literal('sso'),
  organisationId: z.coerce.number().int().positive(),
  domains: z
    .string()
    .max(2000, 'At most 2,000 characters of domains')
    .optional()
    .transform((v) => [...new Set((v ?? '').toLowerCase().split(/[\s,]+/).filter(Boolean))])
    .pipe(z.array(z.string().regex(DOMAIN, 'Write domains like oakfield.sch.uk, separated by spaces or commas')).max(20, 'At most 20 domains')),
  microsoftTenantId: z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((v) => v || null)
    .pipe(z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'A tenant id looks like 72f988bf-86f1-41af-91ab-2d7cd011db47').nullable()),
  ssoOnly: z.literal('on').optional().transform((v) => v === 'on'),
});

const resendSchema = z.object({ intent: z.literal('resend'), userId: z.coerce.number().int().positive(), organisationId: z.coerce.number().int().positive() });

export async function loader({ request }: LoaderFunctionArgs) {
  const admin = await requirePlatformAdmin(request);
  const personQuery = (new URL(request.url).searchParams.get('person') ?? '').trim().slice(0, 100);
  const [organisations, trusts, invitations, ssoSettings, found] = await Promise.all([
    listOrganisations(admin),
    listTrusts(),
    pendingLeaderInvitations(),
    listSsoSettings(admin),
    personQuery ? searchOrganisationPeople(admin, null, personQuery, 1) : null,
  ]);
  return {
    personSearch: found ? { q: personQuery, total: found.total, people: found.people } : null,
    organisations: organisations.map((o) => ({ ...o, sso: ssoSettings.find((s) => s.organisationId === o.id) ?? null })),
    trusts,
    invitations: invitations.map((i) => ({ ...i, expiresText: i.expiresAt ? formatDate(i.expiresAt) : null })),
    ssoProviders: configuredProviders().map((p) => p.label),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePlatformAdmin(request);
  const formData = await readForm(request);
  if (formData.get('intent') === 'reset') {
    const parsedReset = parseForm(resetSchema, formData);
    if (!parsedReset.success) return data({ fieldErrors: parsedReset.fieldErrors, form: 'reset' as const }, { status: 400 });
    const userId = await findUserIdByEmail(parsedReset.data.email);
    const outcome = userId === null ? 'not-found' : await sendPasswordResetFor(admin, userId);
    if (outcome === 'not-found') return data({ fieldErrors: { email: 'No one who can sign in has that email address' }, form: 'reset' as const }, { status: 400 });
    return redirectWithFlash('/admin#reset-link', outcome === 'sent' ? `A reset link is on its way to ${parsedReset.data.email}. It works once, for one hour.` : 'Three reset links went to that address in the last hour. Wait a while before sending another.');
  }
  if (formData.get('intent') === 'sso') {
    // Who may skip passwords, and who is created where: as sensitive as creating an organisation.
    requireRecentPassword(request, admin);
    const parsedSso = parseForm(ssoSchema, formData);
    if (!parsedSso.success) {
      return data({ fieldErrors: parsedSso.fieldErrors, form: 'sso' as const, ssoFor: Number(formData.get('organisationId')) || null }, { status: 400 });
    }
    const { organisationId, ...settings } = parsedSso.data;
    try {
      if (!(await saveSsoSettings(admin, organisationId, settings))) throw notFound();
    } catch (error) {
      if (!(error instanceof DomainTakenError)) throw error;
      return data({ fieldErrors: { domains: `${error.domain} is already verified for another organisation` }, form: 'sso' as const, ssoFor: organisationId }, { status: 400 });
    }
    const organisationName = (await listOrganisations(admin)).find((o) => o.id === organisationId)?.name ?? 'the organisation';
    return redirectWithFlash('/admin#single-sign-on', `Single sign-on for ${organisationName} is saved.`);
  }
  if (formData.get('intent') === 'resend') {
    const parsedResend = parseForm(resendSchema, formData);
    if (!parsedResend.success) throw badRequest('Choose an invitation to send again.');
    const pending = (await pendingLeaderInvitations()).find((i) => i.userId === parsedResend.data.userId && i.organisationId === parsedResend.data.organisationId);
    if (!pending) throw notFound();
    const token = await orNotFound(renewInvitation(admin, pending.userId, pending.organisationId));
    if (!token) throw badRequest('This leader has already set a password; they can sign in.');
    return redirectWithFlash('/admin#leader-invitations', {
      message: `A new invitation is on its way to ${pending.name}; the old link no longer works. If it does not arrive, give them this link; it works once, for 7 days:`,
      link: `${getEnv().PUBLIC_URL}/invitations/${token}`,
    });
  }
  requireRecentPassword(request, admin);
  const parsed = parseForm(createSchema, formData);
  if (!parsed.success) return data({ fieldErrors: parsed.fieldErrors, form: 'create' as const }, { status: 400 });
  const { name, kind, trustId, leaderName, leaderEmail } = parsed.data;
  if (kind === 'trust' && trustId !== null) {
    return data({ fieldErrors: { trustId: 'A trust cannot belong to another trust' }, form: 'create' as const }, { status: 400 });
  }
  if (trustId !== null && !(await listTrusts()).some((t) => t.id === trustId)) {
    return data({ fieldErrors: { trustId: 'Choose a trust from the list' }, form: 'create' as const }, { status: 400 });
  }
  try {
    const { token } = await createOrganisationWithLeader({ name, kind, trustId }, { name: leaderName, email: leaderEmail }, admin);
    return redirectWithFlash('/admin', {
      message: `${name} is ready, and an invitation is on its way to ${leaderName}. If it does not arrive, give them this link to set their password; it works once, for 7 days:`,
      link: `${getEnv().PUBLIC_URL}/invitations/${token}`,
    });
  } catch (error) {
    if (error instanceof DuplicateOrganisationNameError) {
      return data({ fieldErrors: { name: 'There is already an organisation with this name: open it from the list above, or add something to tell them apart (a town, say)' }, form: 'create' as const }, { status: 400 });
    }
    if (error instanceof DuplicateEmailError) {
      return data({ fieldErrors: { leaderEmail: 'Someone already has an account with that email address' }, form: 'create' as const }, { status: 400 });
    }
    throw error;
  }
}

export default function Admin() {
  const { organisations, trusts, invitations, ssoProviders, personSearch } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as { fieldErrors: Record<string, string>; form: 'reset' | 'create' | 'sso'; ssoFor?: number | null } | undefined;
  const errors: Record<string, string | undefined> = actionData?.fieldErrors ?? {};
  const resetAnswered = actionData?.form === 'reset';
  // Each successful post redirects here again (a new location): the forms start empty.
  const { key: formKey } = useLocation();
  const createErrors: Record<string, string | undefined> = actionData?.form === 'create' ? errors : {};
  return (
    <div>
      <h1>Organisations</h1>
      <p>
        <a href="/admin/data">Personal data: retention periods and erasure</a>
      </p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Trust</th>
              <th scope="col">Members</th>
              <th scope="col">Verified domains</th>
              <th scope="col">Passwords</th>
            </tr>
          </thead>
          <tbody>
            {organisations.map((o) => (
              <tr key={o.id}>
                <th scope="row">
                  <Link to={`/admin/organisations/${o.id}`}>{o.name}</Link>
                </th>
                <td>{o.kind}</td>
                <td>{o.trustName ?? '—'}</td>
                <td>{o.memberCount}</td>
                <td>{o.sso?.domains.join(', ') || '—'}</td>
                <td>{o.sso?.ssoOnly ? 'Off: single sign-on only' : 'Allowed'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2 id="find-person">Find a person</h2>
      <Form method="get" action="/admin#find-person" className="filters" aria-labelledby="find-person">
        <div className="field">
          <label htmlFor="person">Name or email</label>
          <input id="person" name="person" type="search" defaultValue={personSearch?.q ?? ''} />
        </div>
        <div>
          <button type="submit" className="button button--quiet">
            Find
          </button>
        </div>
      </Form>
      {personSearch ? (
        <>
          <p role="status">
            {personSearch.total.toLocaleString('en-GB')} {personSearch.total === 1 ? 'membership' : 'memberships'} matching “{personSearch.q}”
            {personSearch.total > personSearch.people.length ? `; the first ${personSearch.people.length} are listed` : ''}.
          </p>
          {personSearch.people.length ? <AdminPeopleTable people={personSearch.people} caption={`People matching “${personSearch.q}”`} showOrganisation /> : null}
        </>
      ) : null}
      <h2 id="single-sign-on">Single sign-on</h2>
      <p>
        {ssoProviders.length > 0 ? `Configured: ${ssoProviders.join(', ')}.` : 'No provider is configured on this server (see the README).'} People whose verified email
        is in an organisation’s domains join it as teachers the first time they sign in; Microsoft sign-ins count only from the organisation’s tenant.
      </p>
      {organisations.map((o) => {
        const mine = actionData?.form === 'sso' && actionData.ssoFor === o.id;
        return (
          <details key={o.id} open={mine || undefined}>
            <summary>Single sign-on for {o.name}</summary>
            <Form method="post" className="stack" noValidate aria-label={`Single sign-on for ${o.name}`}>
              <input type="hidden" name="intent" value="sso" />
              <input type="hidden" name="organisationId" value={o.id} />
              <Field
                label="Verified email domains"
                name="domains"
                id={`domains-${o.id}`}
                hint="Separated by spaces or commas, e.g. oakfield.sch.uk"
                defaultValue={o.sso?.domains.join(' ') ?? ''}
                error={mine ? errors.domains : undefined}
              />
              <Field label="Microsoft tenant id" name="microsoftTenantId" id={`tenant-${o.id}`} defaultValue={o.sso?.microsoftTenantId ?? ''} error={mine ? errors.microsoftTenantId : undefined} />
              <label className="checkbox-row">
                <input type="checkbox" name="ssoOnly" defaultChecked={o.sso?.ssoOnly ?? false} /> Single sign-on only: members cannot use passwords
              </label>
              <div>
                <button type="submit" className="button">
                  Save single sign-on<span className="visually-hidden"> for {o.name}</span>
                </button>
              </div>
            </Form>
          </details>
        );
      })}
      <h2 id="leader-invitations">Leaders who have not yet accepted their invitation</h2>
      {invitations.length === 0 ? (
        <p>None: every leader has set a password.</p>
      ) : (
        <ul>
          {invitations.map((i) => (
            <li key={`${i.organisationId}-${i.userId}`}>
              {i.name} ({i.email}), {i.organisationName}: {i.expiresText ? `link expires ${i.expiresText}` : 'link expired'}
              <Form method="post" className="inline-form">
                <input type="hidden" name="intent" value="resend" />
                <input type="hidden" name="userId" value={i.userId} />
                <input type="hidden" name="organisationId" value={i.organisationId} />{' '}
                <button type="submit" className="button button--quiet">
                  Email a new invitation<span className="visually-hidden"> to {i.name}</span>
                </button>
              </Form>
            </li>
          ))}
        </ul>
      )}
      <h2 id="reset-link">Send someone a password reset link</h2>
      <Form key={`reset-${formKey}`} method="post" className="stack" noValidate aria-labelledby="reset-link">
        <input type="hidden" name="intent" value="reset" />
        <Field label="Their email address" name="email" type="email" autoComplete="off" error={resetAnswered ? errors.email : undefined} />
        <div>
          <button type="submit" className="button">
            Email them a reset link
          </button>
        </div>
      </Form>
      <h2 id="new-organisation">Add an organisation</h2>
      <FormError message={Object.keys(createErrors).length ? 'Check the details below.' : null} />
      <Form key={`create-${formKey}`} method="post" className="stack" noValidate aria-labelledby="new-organisation">
        <Field label="Name" name="name" error={createErrors.name} />
        <div className="field">
          <label htmlFor="kind">Kind</label>
          <select id="kind" name="kind" defaultValue="school">
            <option value="school">School</option>
            <option value="trust">Trust</option>
          </select>
          {createErrors.kind ? <p className="field-error">{createErrors.kind}</p> : null}
        </div>
        <div className="field">
          <label htmlFor="trustId">Part of a trust (schools only)</label>
          <select id="trustId" name="trustId" defaultValue="" aria-invalid={createErrors.trustId ? true : undefined}>
            <option value="">No trust</option>
            {trusts.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
          {createErrors.trustId ? <p className="field-error">{createErrors.trustId}</p> : null}
        </div>
        <Field label="First leader’s name" name="leaderName" error={createErrors.leaderName} />
        <Field label="First leader’s email address" name="leaderEmail" type="email" error={createErrors.leaderEmail} />
        <div>
          <button type="submit" className="button">
            Create organisation and invitation
          </button>
        </div>
      </Form>
    </div>
  );
}
