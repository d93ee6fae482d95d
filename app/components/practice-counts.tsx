// Leaders see how much classroom practice follows the courses, as counts only: never what a
// teacher wrote (docs/decisions/019-practice-cycles.md).

export interface PracticeCountRow {
  key: string;
  label: string;
  planned: number;
  tried: number;
  followedUp: number;
  withCoach: number;
}

const fmt = (n: number) => n.toLocaleString('en-GB');

function CountsTable({ caption, heading, rows }: { caption: string; heading: string; rows: PracticeCountRow[] }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{heading}</th>
            <th scope="col" className="numeric">
              Planned
            </th>
            <th scope="col" className="numeric">
              Followed up
            </th>
            <th scope="col" className="numeric">
              Tried in class
            </th>
            <th scope="col" className="numeric">
              Discussed with a coach
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.label}</th>
              <td className="numeric">{fmt(row.planned)}</td>
              <td className="numeric">{fmt(row.followedUp)}</td>
              <td className="numeric">{fmt(row.tried)}</td>
              <td className="numeric">{fmt(row.withCoach)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function PracticeCounts({ byCourse, bySchool }: { byCourse: PracticeCountRow[]; bySchool: PracticeCountRow[] }) {
  const total = byCourse.reduce((sum, row) => sum + row.planned, 0);
  return (
    <section aria-labelledby="practice-title">
      <h2 id="practice-title">Classroom practice</h2>
      <p>
        Action steps are what teachers plan to try with a class after a module. {total === 0 ? 'None has been planned yet.' : `${fmt(total)} planned so far.`} “Followed up” means the teacher
        recorded how it went; “tried in class” that they tried it, as planned or adapted. You see counts only: what teachers write stays between them and their coach.
      </p>
      {total > 0 ? <CountsTable caption="Action steps by course" heading="Course" rows={byCourse} /> : null}
      {total > 0 && bySchool.length > 1 ? <CountsTable caption="Action steps by school" heading="School" rows={bySchool} /> : null}
    </section>
  );
}
