import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useLocation } from '@remix-run/react';
import { z } from 'zod';
import { newPasswordSchema } from '#app/auth/password.server.ts';
import { endSessionById, listSessions, requireUser } from '#app/auth/session.server.ts';
import { changePassword, updateName } from '#app/models/accounts.server.ts';
import { getPreferences, setPreferences } from '#app/mail/preferences.server.ts';
import { Field } from '#app/components/forms.tsx';
import { parseForm, requiredText, type FieldErrors, readForm } from '#app/utils/forms.ts';
import { redirectWithFlash } from '#app/utils/flash.server.ts';
import { badRequest, clientAddress } from '#app/utils/http.server.ts';
import { formatDateTime } from '#app/utils/dates.ts';
import { recordAudit } from '#app/models/audit.server.ts';

export const meta: MetaFunction = () => [{ title: 'Your account – Kindred' }];

const nameSchema = z.object({ intent: z.literal('name'), name: requiredText('your name', 120) });

const checkbox = z.literal('on').optional().transform((v) => v === 'on');
const emailsSchema = z.object({ intent: z.literal('emails'), assignments: checkbox, reminders: checkbox, coaching: checkbox, leader_digest: checkbox });

const passwordSchema = z
  .object({
    intent: z.literal('password'),
    currentPassword: z.string({ message: 'Enter your current password' }).min(1, 'Enter your current password').max(200),
    newPassword: newPasswordSchema,
    confirmPassword: z.string({ message: 'Enter the new password again' }),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ['confirmPassword'], message: 'The two new passwords do not match' });

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return {
    name: user.name,
    email: user.email,
    emails: await getPreferences(user.id),
    isLeader: user.memberships.some((m) => m.roles.includes('leader')),
    memberships: user.memberships.map((m) => ({ organisation: m.organisationName, roles: m.roles })),
    sessions: (await listSessions(user)).map((s) => ({
      id: s.id,
      current: s.current,
      device: describeDevice(s.userAgent),
      address: s.address,
      startedText: formatDateTime(s.createdAt),
      lastSeenText: formatDateTime(s.lastSeenAt),
    })),
  };
}

/** A few words a person recognises ("Chrome on Windows"), not the whole user-agent string. */
function describeDevice(userAgent: string): string {
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrome\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : null;
  const system = /Windows/.test(userAgent) ? 'Windows' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Android/.test(userAgent) ? 'Android' : /Mac OS X/.test(userAgent) ? 'macOS' : /Linux/.test(userAgent) ? 'Linux' : null;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? 'Unknown browser';
}

type ActionData = { intent: 'name' | 'password' | 'end-session' | 'emails'; fieldErrors: FieldErrors };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await readForm(request);
  const intent = formData.get('intent');
  if (intent === 'name') {
    const parsed = parseForm(nameSchema, formData);
    if (!parsed.success) return data<ActionData>({ intent, fieldErrors: parsed.fieldErrors }, { status: 400 });
    await updateName(user.id, parsed.data.name);
    return redirectWithFlash('/account', 'Your name is saved.');
  }
  if (intent === 'password') {
    const parsed = parseForm(passwordSchema, formData);
    if (!parsed.success) return data<ActionData>({ intent, fieldErrors: parsed.fieldErrors }, { status: 400 });
    const result = await changePassword(user, parsed.data.currentPassword, parsed.data.newPassword, clientAddress(context));
    if (!result.ok) return data<ActionData>({ intent, fieldErrors: { [result.field]: result.message } }, { status: 400 });
    return redirectWithFlash('/account', 'Your password is changed. You have been signed out everywhere else, and we have emailed you to say so.');
  }
  if (intent === 'end-session') {
    const sessionId = String(formData.get('sessionId') ?? '');
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(sessionId) || sessionId === user.sessionId) throw badRequest('Choose one of your other sessions.');
    if (!(await endSessionById(user, sessionId))) throw badRequest('That session has already ended.');
    await recordAudit({ event: 'session_ended', actorUserId: user.id, subjectUserId: user.id, address: clientAddress(context) });
    return redirectWithFlash('/account#sessions', 'That session is ended: whoever used it is signed out.');
  }
  if (intent === 'emails') {
    const parsed = parseForm(emailsSchema, formData);
    if (!parsed.success) return data<ActionData>({ intent, fieldErrors: parsed.fieldErrors }, { status: 400 });
    const { intent: _intent, ...choices } = parsed.data;
    await setPreferences(user.id, choices);
    return redirectWithFlash('/account#emails', 'Your email choices are saved.');
  }
  throw badRequest('Unknown form.');
}

export default function Account() {
  const { name, email, memberships, sessions, emails, isLeader } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const nameErrors = actionData?.intent === 'name' ? actionData.fieldErrors : {};
  const passwordErrors = actionData?.intent === 'password' ? actionData.fieldErrors : {};
  // A new location after each successful post: the password fields start empty again.
  const { key: formKey } = useLocation();
  return (
    <div className="stack">
      <h1>Your account</h1>
      <p>
        Signed in as <strong>{email}</strong>.
      </p>
      {memberships.length > 0 ? (
        <ul>
          {memberships.map((m) => (
            <li key={m.organisation}>
              {m.organisation}: {m.roles.join(', ')}
            </li>
          ))}
        </ul>
      ) : null}

      <h2>Your name</h2>
      <Form method="post" className="stack" noValidate>
        <input type="hidden" name="intent" value="name" />
        <Field label="Name" name="name" defaultValue={name} autoComplete="name" required error={nameErrors.name} />
        <div>
          <button type="submit" className="button">
            Save name
          </button>
        </div>
      </Form>

      <h2 id="emails">Emails</h2>
      <p>Kindred always emails invitations, password reset links and a note when your password changes. Choose the others:</p>
      <Form method="post" className="stack" noValidate aria-labelledby="emails">
        <input type="hidden" name="intent" value="emails" />
        <fieldset className="stack">
          <legend>Email me about</legend>
          <label className="checkbox-row">
            <input type="checkbox" name="assignments" defaultChecked={emails.assignments} /> Courses assigned to me
          </label>
          <label className="checkbox-row">
            <input type="checkbox" name="reminders" defaultChecked={emails.reminders} /> Due dates: a week before, the day before, overdue courses, and “How did it go?” on the day I chose for an action step
          </label>
          <label className="checkbox-row">
            <input type="checkbox" name="coaching" defaultChecked={emails.coaching} /> People I coach sharing reflections and action steps, and writing on them
          </label>
          {isLeader ? (
            <label className="checkbox-row">
              <input type="checkbox" name="leader_digest" defaultChecked={emails.leader_digest} /> A weekly summary of the schools I lead
            </label>
          ) : null}
        </fieldset>
        <div>
          <button type="submit" className="button">
            Save email choices
          </button>
        </div>
      </Form>

      <h2>Change password</h2>
      <Form key={formKey} method="post" className="stack" noValidate>
        <input type="hidden" name="intent" value="password" />
        <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" error={passwordErrors.currentPassword} />
        <Field
          label="New password"
          name="newPassword"
          type="password"
          autoComplete="new-password"
          hint="At least 12 characters. A short sentence you will remember works well."
          error={passwordErrors.newPassword}
        />
        <Field label="New password again" name="confirmPassword" type="password" autoComplete="new-password" error={passwordErrors.confirmPassword} />
        <div>
          <button type="submit" className="button">
            Change password
          </button>
        </div>
      </Form>

      <h2 id="sessions">Where you are signed in</h2>
      <p>If you do not recognise one of these, end it and change your password. A session ends by itself after 12 hours without use.</p>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Your sessions</caption>
          <thead>
            <tr>
              <th scope="col">Browser</th>
              <th scope="col">Address</th>
              <th scope="col">Signed in</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id}>
                <td>{s.device}</td>
                <td>{s.address || 'Unknown'}</td>
                <td>{s.startedText}</td>
                <td>{s.lastSeenText}</td>
                <td>
                  {s.current ? (
                    <strong>This browser</strong>
                  ) : (
                    <Form method="post" className="inline-form">
                      <input type="hidden" name="intent" value="end-session" />
                      <input type="hidden" name="sessionId" value={s.id} />
                      <button type="submit" className="button button--quiet">
                        End<span className="visually-hidden"> the session from {s.device}, last used {s.lastSeenText}</span>
                      </button>
                    </Form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2 id="your-data">Your data</h2>
      <p>
        Download everything Kindred holds about you (your profile, memberships, progress, reflections and their comments, CPD log, certificates,
        emails sent to you and your sessions) as one JSON file. To have your data erased, ask your school: it decides as the data controller.
      </p>
      <p>
        <a className="button" href="/account/export" download>
          Download your data
        </a>
      </p>
    </div>
  );
}
