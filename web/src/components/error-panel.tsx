import { useEffect, useRef } from 'react';
import type { Problem } from '../problem.ts';

const ACTION_LABELS = {
  reconnect: 'Reconnect Strava',
  connect: 'Connect Strava',
  retry: 'Retry',
} as const;

/**
 * What went wrong, what to do, and the button that does it. Takes focus when it appears, so a
 * keyboard or screen-reader user lands on the way out rather than hunting for it.
 */
export function ErrorPanel({
  problem,
  busy,
  onAction,
  onDismiss,
}: {
  problem: Problem;
  busy: boolean;
  onAction: (action: Problem['action']) => void;
  onDismiss: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <article className="error-panel" role="alert" aria-labelledby="error-heading">
      <h2 id="error-heading" tabIndex={-1} ref={heading}>
        {problem.title}
      </h2>
      <p>{problem.message}</p>
      {problem.hint && <p className="hint">{problem.hint}</p>}
      <div className="actions">
        {problem.action !== 'none' && (
          <button
            type="button"
            aria-busy={busy}
            disabled={busy}
            onClick={() => onAction(problem.action)}
          >
            {ACTION_LABELS[problem.action]}
          </button>
        )}
        <button type="button" className="secondary outline" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
      {problem.correlationId && (
        <p className="reference">
          <small>Reference for support: {problem.correlationId}</small>
        </p>
      )}
    </article>
  );
}
