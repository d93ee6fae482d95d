import type { CourseStatus, ModuleStatus } from '#app/models/progress.server.ts';

const MODULE_LABELS: Record<ModuleStatus, string> = { 'not-started': 'Not started', 'in-progress': 'In progress', completed: 'Completed' };

/** A status as text and colour together: colour alone would say nothing to some readers. */
export function ModuleStatusBadge({ status }: { status: ModuleStatus }) {
  return <span className={`badge badge--${status}`}>{MODULE_LABELS[status]}</span>;
}

export function CourseStatusBadge({ status }: { status: CourseStatus }) {
  if (status.state === 'completed') return <span className="badge badge--completed">Completed</span>;
  if (status.state === 'in-progress') return <span className="badge badge--in-progress">In progress, {status.percent}%</span>;
  return <span className="badge badge--not-started">Not started</span>;
}
