/**
 * A stacked bar of completed / in progress / not started, drawn in SVG with attributes (our CSP
 * allows no inline styles). It is decoration: the numbers beside it say the same in text.
 */
export function CompletionBar(props: { completed: number; inProgress: number; total: number }) {
  const total = Math.max(1, props.total);
  const completed = (100 * props.completed) / total;
  const inProgress = (100 * props.inProgress) / total;
  return (
    <svg className="completion-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
      <rect x="0" y="0" width="100" height="10" className="bar-not-started" />
      <rect x="0" y="0" width={completed} height="10" className="bar-completed" />
      <rect x={completed} y="0" width={inProgress} height="10" className="bar-in-progress" />
    </svg>
  );
}
