import { useMemo } from 'react';
import { createApiClient } from '../../src/client/api-client.ts';
import { type AuthState, useAuth } from './auth.ts';
import { SignIn } from './components/sign-in.tsx';
import { Dashboard } from './dashboard.tsx';
import { apiBaseUrl } from './env.ts';

export function App() {
  const auth = useAuth();
  return (
    <>
      <header className="container">
        <nav aria-label="Account">
          <ul>
            <li>
              <strong className="brand">
                stride<span>sync</span>
              </strong>
            </li>
          </ul>
          {auth.kind === 'signed-in' && (
            <ul>
              {auth.email && (
                <li>
                  <small className="muted">{auth.email}</small>
                </li>
              )}
              {auth.signOut && (
                <li>
                  <button type="button" className="secondary outline" onClick={auth.signOut}>
                    Sign out
                  </button>
                </li>
              )}
            </ul>
          )}
        </nav>
      </header>
      <main className="container">
        <Page auth={auth} />
      </main>
      <footer className="container">
        <small className="muted">
          Places from <a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0); with Nominatim,
          © <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors.
        </small>
      </footer>
    </>
  );
}

function Page({ auth }: { auth: AuthState }) {
  switch (auth.kind) {
    case 'loading':
      return <p aria-busy="true">Loading your dashboard…</p>;
    case 'unavailable':
      return (
        <article className="error-panel" role="alert">
          <h2>The dashboard cannot start</h2>
          <p>{auth.message}</p>
          <p className="hint">{auth.hint}</p>
        </article>
      );
    case 'signed-out':
      return <SignIn sendMagicLink={auth.sendMagicLink} />;
    case 'signed-in':
      return <SignedIn auth={auth} />;
  }
}

function SignedIn({ auth }: { auth: Extract<AuthState, { kind: 'signed-in' }> }) {
  const { getAccessToken, realtime } = auth;
  const client = useMemo(
    () => createApiClient({ baseUrl: apiBaseUrl(), getAccessToken }),
    [getAccessToken],
  );
  return <Dashboard client={client} {...(realtime ? { realtime } : {})} />;
}
