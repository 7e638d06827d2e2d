import { useRef, useState } from 'react';
import type { ConnectionView } from '../../../src/api/contract.ts';

/**
 * Whether Strava is connected, and the button that changes it. Disconnecting asks first, in a
 * modal dialog (focus is trapped and Escape closes it), and offers to delete the synced runs.
 */
export function ConnectionCard({
  connection,
  busy,
  offerReconnect,
  onConnect,
  onDisconnect,
}: {
  connection: ConnectionView | null;
  busy: boolean;
  /** False while the error panel already offers "Reconnect Strava": one button, one place. */
  offerReconnect: boolean;
  onConnect: () => void;
  onDisconnect: (purge: boolean) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [purge, setPurge] = useState(false);
  const status = connection?.status ?? 'not_connected';
  const athlete = connection?.athlete;
  const name = athlete ? [athlete.firstName, athlete.lastName].filter(Boolean).join(' ') : '';

  return (
    <article aria-labelledby="strava-heading" aria-busy={connection === null}>
      <h2 id="strava-heading">Strava</h2>
      {status === 'connected' && (
        <>
          <p>
            <span className="badge ok">Connected</span> {name ? `as ${name}` : ''}
          </p>
          {connection?.missingScopes.includes('activity:read_all') && (
            <p className="hint">
              Private runs are not included: reconnect and allow “View data about your private
              activities” to sync them.
            </p>
          )}
          <button
            type="button"
            className="secondary outline"
            disabled={busy}
            onClick={() => {
              setPurge(false);
              dialog.current?.showModal();
            }}
          >
            Disconnect Strava
          </button>
        </>
      )}
      {status === 'revoked' && (
        <>
          <p>
            <span className="badge warn">Access revoked</span> Strava no longer lets stridesync read
            your runs. Your stored runs are kept.
          </p>
          {offerReconnect && (
            <button type="button" aria-busy={busy} disabled={busy} onClick={onConnect}>
              Reconnect Strava
            </button>
          )}
        </>
      )}
      {status === 'not_connected' && connection && (
        <>
          <p>Connect your Strava account to bring in your runs with their weather and place.</p>
          <button type="button" aria-busy={busy} disabled={busy} onClick={onConnect}>
            Connect Strava
          </button>
        </>
      )}
      <dialog ref={dialog} aria-labelledby="disconnect-heading">
        <article>
          <h3 id="disconnect-heading">Disconnect Strava?</h3>
          <p>stridesync stops syncing and tells Strava to revoke its access.</p>
          <label>
            <input
              type="checkbox"
              checked={purge}
              onChange={(event) => setPurge(event.target.checked)}
            />
            Also delete my synced runs from stridesync
          </label>
          <footer>
            <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
              Keep connected
            </button>
            <button
              type="button"
              onClick={() => {
                dialog.current?.close();
                onDisconnect(purge);
              }}
            >
              Disconnect
            </button>
          </footer>
        </article>
      </dialog>
    </article>
  );
}
