import type { ActionFunctionArgs } from '@remix-run/node';
import { ledOrganisationIds, requireRole } from '#app/auth/policy.server.ts';
import { pendingInvitationTokens } from '#app/models/accounts.server.ts';
import { csvResponse, toCsv } from '#app/utils/csv.ts';
import { badRequest } from '#app/utils/http.server.ts';
import { readForm } from '#app/utils/forms.ts';

/**
 * The invitation links just shown after an import, as a CSV to send out. Only links that are
 * still pending invitations of the leader's organisations are written: this is no general echo.
 */
export async function action({ request }: ActionFunctionArgs) {
  const viewer = await requireRole(request, 'leader');
  const entries = (await readForm(request, ['invitation']))
    .getAll('invitation')
    .map(String)
    .map((value) => value.split('\t'))
    .filter((parts): parts is [string, string, string] => parts.length === 3);
  if (entries.length === 0) throw badRequest('No invitation links were sent.');
  const tokens = entries.map(([, , link]) => link.split('/invitations/')[1] ?? '');
  const pending = await pendingInvitationTokens(tokens, await ledOrganisationIds(viewer));
  const rows = entries.filter((_, i) => pending.has(tokens[i]!));
  return csvResponse(toCsv([['Name', 'Email', 'Invitation link'], ...rows]), 'kindred-invitations.csv');
}

export async function loader() {
  throw badRequest('Download the links from the import page.');
}
