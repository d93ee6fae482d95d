import { Link } from '@remix-run/react';
import type { MemberRow } from '#app/models/organisations.server.ts';

/** People as a platform admin finds them: on /admin across organisations, or on one organisation's page. */
export function AdminPeopleTable({ people, caption, showOrganisation }: { people: MemberRow[]; caption: string; showOrganisation: boolean }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            {showOrganisation ? <th scope="col">Organisation</th> : null}
            <th scope="col">Roles</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {people.map((p) => (
            <tr key={`${p.userId}-${p.organisationId}`}>
              <th scope="row">{p.name}</th>
              <td>{p.email}</td>
              {showOrganisation ? (
                <td>
                  <Link to={`/admin/organisations/${p.organisationId}`}>{p.organisationName}</Link>
                </td>
              ) : null}
              <td>{p.roles.join(', ')}</td>
              <td>{p.deactivated ? 'Deactivated' : p.invitationPending ? 'Invitation not accepted yet' : 'Active'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
