import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';

import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { requireRole } from '#app/auth/policy.server.ts';
import { assignmentFormOptions, handleAssignmentAction } from '#app/actions/assignment.server.ts';
import { AssignmentPanel } from '#app/components/assignment-form.tsx';
import { readForm } from '#app/utils/forms.ts';

export const meta: MetaFunction = () => [{ title: 'Assign courses – Kindred' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireRole(request, 'leader');
  const person = (new URL(request.url).searchParams.get('person') ?? '').slice(0, 100);
  return await assignmentFormOptions(viewer, 'leader', person);
}

export async function action({ request }: ActionFunctionArgs) {
  const viewer = await requireRole(request, 'leader');
  return handleAssignmentAction(viewer, 'leader', await readForm(request), '/lead/assignments');
}

export default function LeadAssignments() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <div>
      <p>
        <Link to="/lead">Staff progress</Link>
      </p>
      <h1>Assign courses</h1>
      <p>Assign to a person, a coaching group (people who join it later are included) or everyone with a role.</p>
      <AssignmentPanel {...data} errors={actionData && 'fieldErrors' in actionData ? actionData.fieldErrors : {}} />
    </div>
  );
}
