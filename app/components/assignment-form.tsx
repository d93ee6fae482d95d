import { Form, useLocation } from '@remix-run/react';
import type { AssignmentRow } from '#app/models/assignments.server.ts';
import type { PersonSearch, TargetOption } from '#app/actions/assignment.server.ts';

interface Props {
  courses: { slug: string; title: string }[];
  targets: TargetOption[];
  assignments: (Omit<AssignmentRow, 'assignedBy'> & { dueText: string })[];
  today: string;
  errors: Record<string, string | undefined>;
  /** For leaders: people are found by a search when there are many. */
  personSearch?: PersonSearch | null;
}

/** Assign a course, and the list of live assignments with a button to withdraw each. */
export function AssignmentPanel({ courses, targets, assignments, today, errors, personSearch }: Props) {
  const courseTitle = (slug: string) => courses.find((c) => c.slug === slug)?.title ?? slug;
  // After a post redirects back here (a new location), the form starts empty again, with or without JavaScript.
  const { key: formKey } = useLocation();
  return (
    <>
      <section aria-labelledby="assign-title">
        <h2 id="assign-title">Assign a course</h2>
        {personSearch && (personSearch.q || personSearch.shown < personSearch.total) ? (
          <Form method="get" className="filters" aria-label="Find a person to assign to">
            <div className="field">
              <label htmlFor="person">Find a person (name or email)</label>
              <input id="person" name="person" type="search" defaultValue={personSearch.q} aria-describedby="person-hint" />
              <p className="hint" id="person-hint">
                {personSearch.q
                  ? `${personSearch.shown.toLocaleString('en-GB')} found${personSearch.shown === 50 ? ' (the first 50)' : ''}: choose them under “Assign to”.`
                  : `${personSearch.total.toLocaleString('en-GB')} people: search to assign to one person, or choose a group or a role.`}
              </p>
            </div>
            <div>
              <button type="submit" className="button button--quiet">
                Find
              </button>
            </div>
          </Form>
        ) : null}
        <Form key={formKey} method="post" className="stack" noValidate>
          <input type="hidden" name="intent" value="assign" />
          <div className="field">
            <label htmlFor="course">Course</label>
            <select id="course" name="course" aria-invalid={errors.course ? true : undefined}>
              {courses.map((c) => (
                <option key={c.slug} value={c.slug}>
                  {c.title}
                </option>
              ))}
            </select>
            {errors.course ? <p className="field-error">{errors.course}</p> : null}
          </div>
          <div className="field">
            <label htmlFor="target">Assign to</label>
            <select id="target" name="target" defaultValue="" aria-invalid={errors.target ? true : undefined}>
              <option value="">Choose a person, group or role</option>
              {targets.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
            {errors.target ? <p className="field-error">{errors.target}</p> : null}
          </div>
          <div className="field">
            <label htmlFor="dueDate">Due date (optional)</label>
            <input id="dueDate" name="dueDate" type="date" min={today} aria-invalid={errors.dueDate ? true : undefined} aria-describedby={errors.dueDate ? 'dueDate-error' : undefined} />
            {errors.dueDate ? (
              <p className="field-error" id="dueDate-error">
                {errors.dueDate}
              </p>
            ) : null}
          </div>
          <div>
            <button type="submit" className="button">
              Assign
            </button>
          </div>
        </Form>
      </section>
      <section aria-labelledby="assigned-title">
        <h2 id="assigned-title">Assigned courses</h2>
        {assignments.length === 0 ? (
          <p>Nothing assigned yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Course</th>
                <th scope="col">Assigned to</th>
                <th scope="col">Due</th>
                <th scope="col">By</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {assignments.map((a) => (
                <tr key={a.id}>
                  <th scope="row">{courseTitle(a.courseSlug)}</th>
                  <td>{a.targetLabel}</td>
                  <td>{a.dueText}</td>
                  <td>{a.assignedByName}</td>
                  <td>
                    <Form method="post">
                      <input type="hidden" name="intent" value="withdraw" />
                      <input type="hidden" name="assignmentId" value={a.id} />
                      <button type="submit" className="button button--quiet">
                        Withdraw<span className="visually-hidden"> {courseTitle(a.courseSlug)} from {a.targetLabel}</span>
                      </button>
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
