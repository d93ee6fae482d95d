import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { requireRecentPassword } from '#app/auth/session.server.ts';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { ledOrganisationIds, requireRole } from '#app/auth/policy.server.ts';
import { getCourseIndex } from '#app/content/catalogue.server.ts';
import { listCertificatesOf } from '#app/models/certificates.server.ts';
import { cellText } from '#app/models/dashboard.server.ts';
import { renewInvitation } from '#app/models/accounts.server.ts';
import { pendingInvitations } from '#app/models/invitation-status.server.ts';
import { sendPasswordResetFor } from '#app/models/password-resets.server.ts';
import { listMembers, setMembershipActive } from '#app/models/organisations.server.ts';
import { redirectWithFlash } from '#app/utils/flash.server.ts';
import { getEnv } from '#app/utils/env.server.ts';
import { staffProgress } from '#app/models/reports.server.ts';
import { ukDate } from '#app/utils/academic-year.ts';
import { nowIso } from '#app/utils/db.server.ts';
import { formatDate } from '#app/utils/dates.ts';
import { badRequest, notFound, orNotFound } from '#app/utils/http.server.ts';
import { readForm } from '#app/utils/forms.ts';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.name ?? 'Person'} – Kindred` }];

function personId(raw: string | undefined): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw notFound();
  return id;
}

// A person as their leaders see them: memberships, progress and certificates. Never reflections.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const viewer = await requireRole(request, 'leader');
  const userId = personId(params.userId);
  const organisationIds = await ledOrganisationIds(viewer);
  const memberships = await listMembers(viewer, { userId });
  const first = memberships[0];
  if (!first) throw notFound();
  const { courses } = getCourseIndex();
  const [rows, certificates, pending] = await Promise.all([
    staffProgress({ organisationIds }, courses, ukDate(nowIso()), { userId, includeDeactivated: true }),
    listCertificatesOf(userId),
    pendingInvitations(organisationIds, { userId }),
  ]);
  const row = rows[0];
  return {
    userId,
    name: first.name,
    email: first.email,
    memberships,
    progress: courses.map((c) => ({ slug: c.slug, title: c.meta.title, text: row ? cellText(row.cells[c.slug]!) : 'Not started', state: row?.cells[c.slug]?.overdue ? 'overdue' : (row?.cells[c.slug]?.state ?? 'not-started') })),
    certificates: certificates.map((c) => ({ code: c.code, courseTitle: c.courseTitle, completedAtText: formatDate(c.completedAt), revoked: c.revokedAt !== null })),
    isSelf: userId === viewer.id,
    invitationExpiresText: pending[0] ? formatDate(pending[0].expiresAt) : null,
    hasPassword: memberships.some((m) => !m.invitationPending),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const viewer = await requireRole(request, 'leader');
  const userId = personId(params.userId);
  const formData = await readForm(request);
  const intent = formData.get('intent');
  const organisationId = Number(formData.get('organisationId'));
  const organisationIds = await ledOrganisationIds(viewer);
  if (!organisationIds.includes(organisationId)) throw notFound();
  if (intent === 'invite') {
    const token = await orNotFound(renewInvitation(viewer, userId, organisationId));
    if (!token) throw badRequest('This person has already set a password; they can sign in.');
    return redirectWithFlash(`/lead/people/${userId}`, {
      message: 'A new invitation is on its way; the old link no longer works. If it does not arrive, give them this link; it works once, for 7 days:',
      link: `${getEnv().PUBLIC_URL}/invitations/${token}`,
    });
  }
  if (intent === 'reset') {
    if ((await listMembers(viewer, { userId, organisationId })).length === 0) throw notFound();
    const outcome = await orNotFound(sendPasswordResetFor(viewer, userId));
    if (outcome === 'not-found') throw badRequest('This person cannot sign in, so a reset link would not help.');
    return redirectWithFlash(`/lead/people/${userId}`, outcome === 'sent' ? 'A password reset link is on its way to them. It works once, for one hour.' : 'Three reset links have been sent in the last hour. Wait a while before sending another.');
  }
  if (intent !== 'deactivate' && intent !== 'reactivate') throw badRequest('Unknown form.');
  if (userId === viewer.id) throw badRequest('You cannot deactivate yourself: ask another leader or a platform admin.');
  requireRecentPassword(request, viewer);
  if (!(await orNotFound(setMembershipActive(viewer, organisationId, userId, intent === 'reactivate')))) throw notFound();
  return redirect(`/lead/people/${userId}`);
}

export default function Person() {
  const { name, email, memberships, progress, certificates, isSelf, invitationExpiresText, hasPassword } = useLoaderData<typeof loader>();
  return (
    <div>
      <p>
        <Link to="/lead">Staff progress</Link> · <Link to="/lead/people">All people</Link>
      </p>
      <h1>{name}</h1>
      <p>{email}</p>
      <h2>Progress</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Course</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {progress.map((p) => (
            <tr key={p.slug}>
              <th scope="row">{p.title}</th>
              <td className={`cell cell--${p.state}`}>{p.text}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Certificates</h2>
      {certificates.length === 0 ? (
        <p>No certificates yet.</p>
      ) : (
        <ul>
          {certificates.map((c) => (
            <li key={c.code}>
              {c.courseTitle}, {c.completedAtText}
              {c.revoked ? ' (revoked)' : ''}: <Link to={`/certificates/${c.code}`}>verification page</Link> ·{' '}
              <a href={`/certificates/${c.code}/pdf`} download>
                PDF
              </a>
            </li>
          ))}
        </ul>
      )}
      <h2>Schools and roles</h2>
      <ul>
        {memberships.map((m) => (
          <li key={m.organisationId}>
            {m.organisationName}: {m.roles.join(', ')}
            {m.deactivated ? ' (deactivated)' : ''}
            {m.invitationPending ? (invitationExpiresText ? ` (invited; the link expires ${invitationExpiresText})` : ' (invitation expired)') : ''}
            {m.invitationPending && !m.deactivated ? (
              <Form method="post" className="inline-form">
                <input type="hidden" name="organisationId" value={m.organisationId} />
                <input type="hidden" name="intent" value="invite" />{' '}
                <button type="submit" className="button button--quiet">
                  Email a new invitation
                </button>
              </Form>
            ) : null}
            {!isSelf ? (
              <Form method="post" className="inline-form">
                <input type="hidden" name="organisationId" value={m.organisationId} />
                <input type="hidden" name="intent" value={m.deactivated ? 'reactivate' : 'deactivate'} />{' '}
                <button type="submit" className={m.deactivated ? 'button button--quiet' : 'button button--danger'}>
                  {m.deactivated ? 'Reactivate' : 'Deactivate'}
                  <span className="visually-hidden"> at {m.organisationName}</span>
                </button>
              </Form>
            ) : null}
          </li>
        ))}
      </ul>
      {hasPassword && !isSelf ? (
        <>
          <h2>Password</h2>
          <p>If {name} has forgotten their password, email them a link to choose a new one.</p>
          <Form method="post">
            <input type="hidden" name="organisationId" value={memberships[0]!.organisationId} />
            <input type="hidden" name="intent" value="reset" />
            <button type="submit" className="button button--quiet">
              Email a password reset link
            </button>
          </Form>
        </>
      ) : null}
      <p className="muted">Deactivated people cannot sign in and drop out of the dashboard’s counts; their certificates stay valid.</p>
    </div>
  );
}
