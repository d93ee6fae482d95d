import type { ModuleStatus } from '#app/models/progress.server.ts';

const STATUS_TEXT: Record<ModuleStatus, string> = { completed: 'done', 'in-progress': 'started', 'not-started': 'not started' };

function minutesText(minutes: number): string {
  if (minutes < 60) return `about ${minutes} minutes`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `about ${hours} hour${hours === 1 ? '' : 's'}${rest ? ` ${rest} minutes` : ''}`;
}

/**
 * A course's modules as a row of segments, one per module, with the count and the time left in
 * words: the colours help at a glance, the text carries the meaning (and is what is read out).
 */
export function CourseProgress({ title, modules, minutesLeft }: { title: string; modules: { title: string; status: ModuleStatus }[]; minutesLeft: number }) {
  const done = modules.filter((m) => m.status === 'completed').length;
  return (
    <div className="course-progress">
      <ol className="segments" aria-label={`Modules of ${title}`}>
        {modules.map((m, i) => (
          <li key={i} className={`segment segment--${m.status}`} title={`${m.title}: ${STATUS_TEXT[m.status]}`}>
            <span className="visually-hidden">
              {m.title}: {STATUS_TEXT[m.status]}
            </span>
          </li>
        ))}
      </ol>
      <p className="course-progress__text">
        <strong>
          {done} of {modules.length} modules done
        </strong>
        {done < modules.length ? ` · ${minutesText(minutesLeft)} left` : ''}
      </p>
    </div>
  );
}
