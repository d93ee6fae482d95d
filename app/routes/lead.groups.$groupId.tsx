import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { requireRole } from '#app/auth/policy.server.ts';
import { addGroupMember, assignmentsOfGroup, deleteGroup, getGroup, groupMembers, removeGroupMember, setGroupCoach } from '#app/models/groups.server.ts';
import { findCourse } from '#app/content/catalogue.server.ts';
import { listMembers } from '#app/models/organisations.server.ts';
import { badRequest, notFound, orNotFound } from '#app/utils/http.server.ts';
import { readForm } from '#app/utils/forms.ts';
import { SelectField } from '#app/components/forms.tsx';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.group.name ?? 'Group'} – Kindred` }];

async function requireGroup(request: Request, rawId: string | undefined) {
  const viewer = await requireRole(request, 'leader');
  const groupId = Number(rawId);
  if (!Number.isSafeInteger(groupId) || groupId <= 0) throw notFound();
  const group = await getGroup(viewer, groupId);
  if (!group) throw notFound();
  return { viewer, group };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { viewer, group } = await requireGroup(request, params.groupId);
  const [members, everyone] = await Promise.all([groupMembers(viewer, group.id), listMembers(viewer, { organisationId: group.organisationId })]);
  const memberIds = new Set(members.map((m) => m.userId));
  const active = everyone.filter((m) => !m.deactivated);
  return {
    group,
    members,
    candidates: active.filter((m) => !memberIds.has(m.userId)).map((m) => ({ userId: m.userId, name: m.name })),
    coaches: active.filter((m) => m.roles.includes('coach')).map((m) => ({ userId: m.userId, name: m.name })),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { viewer, group } = await requireGroup(request, params.groupId);
  const formData = await readForm(request);
  const intent = formData.get('intent');
  const userId = Number(formData.get('userId'));
  if (intent === 'delete') {
    // Asked first, on a page of its own, so it works the same without JavaScript.
    if (formData.get('confirmed') !== 'yes') {
      const courses = (await assignmentsOfGroup(viewer, group.id)).map((slug) => findCourse(slug)?.meta.title ?? slug);
      return { error: null, confirmDelete: { courses, members: group.memberCount } };
    }
    await orNotFound(deleteGroup(viewer, group.id));
    return redirect(`/lead/groups?deleted=${encodeURIComponent(group.name)}`);
  }
  if (!Number.isSafeInteger(userId) || userId <= 0) return data({ error: 'Choose a person.', confirmDelete: null }, { status: 400 });
  // A person from another school (an id edited in the form) is "not found", and nothing changes.
  if (intent === 'add') {
    await orNotFound(addGroupMember(viewer, group.id, userId));
  } else if (intent === 'remove') {
    await orNotFound(removeGroupMember(viewer, group.id, userId));
  } else if (intent === 'coach') {
    await orNotFound(setGroupCoach(viewer, group.id, userId));
  } else {
    throw badRequest('Unknown form.');
  }
  return redirect(`/lead/groups/${group.id}`);
}

export default function Group() {
  const { group, members, candidates, coaches } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <div>
      <p>
        <Link to="/lead/groups">All groups</Link>
      </p>
      <h1>{group.name}</h1>
      {actionData?.confirmDelete ? (
        <section className="alert alert--error" role="alert" aria-labelledby="confirm-delete">
          <h2 id="confirm-delete">Delete {group.name}?</h2>
          <p>
            Its {actionData.confirmDelete.members === 1 ? 'member stays' : `${actionData.confirmDelete.members} members stay`} in the school.{' '}
            {actionData.confirmDelete.courses.length > 0
              ? `These courses assigned to the group are withdrawn from them: ${actionData.confirmDelete.courses.join(', ')}.`
              : 'No course is assigned to this group.'}
          </p>
          <div className="page-actions">
            <Form method="post">
              <input type="hidden" name="intent" value="delete" />
              <input type="hidden" name="confirmed" value="yes" />
              <button type="submit" className="button button--danger">
                Yes, delete {group.name}
              </button>
            </Form>
            <Link to={`/lead/groups/${group.id}`}>No, keep it</Link>
          </div>
        </section>
      ) : null}
      <p>
        {group.organisationName}. Coach: <strong>{group.coachName ?? 'none'}</strong>.
      </p>
      {actionData?.error ? (
        <p className="alert alert--error" role="alert">
          {actionData.error}
        </p>
      ) : null}
      <h2>Members</h2>
      {members.length === 0 ? <p>No members yet.</p> : null}
      <ul>
        {members.map((m) => (
          <li key={m.userId}>
            {m.name} {m.deactivated ? <span className="badge">Deactivated</span> : null}{' '}
            <Form method="post" className="inline-form">
              <input type="hidden" name="intent" value="remove" />
              <input type="hidden" name="userId" value={m.userId} />
              <button type="submit" className="button button--quiet">
                Remove<span className="visually-hidden"> {m.name}</span>
              </button>
            </Form>
          </li>
        ))}
      </ul>
      <h2 id="add-member">Add a member</h2>
      <Form method="post" className="stack" aria-labelledby="add-member">
        <input type="hidden" name="intent" value="add" />
        <SelectField label="Person" name="userId" options={candidates.map((c) => ({ value: c.userId, label: c.name }))} />
        <div>
          <button type="submit" className="button">
            Add to group
          </button>
        </div>
      </Form>
      <h2 id="change-coach">Change the coach</h2>
      <Form method="post" className="stack" aria-labelledby="change-coach">
        <input type="hidden" name="intent" value="coach" />
        <SelectField label="Coach" name="userId" defaultValue={group.coachUserId ?? undefined} options={coaches.map((c) => ({ value: c.userId, label: c.name }))} />
        <div>
          <button type="submit" className="button">
            Set coach
          </button>
        </div>
      </Form>
      <h2>Delete the group</h2>
      <p>Members stay in the school; courses assigned to this group are withdrawn from them.</p>
      <Form method="post">
        <input type="hidden" name="intent" value="delete" />
        <button type="submit" className="button button--danger">
          Delete {group.name}
        </button>
      </Form>
    </div>
  );
}
