import { useMemo } from 'react';
import { createApiClient } from '../../src/client/api-client.ts';
import type { UnitSystem } from '../../src/core/units.ts';
import { type AuthState, useAuth } from './auth.ts';
import { RunPage } from './components/run-page.tsx';
import { RunsView } from './components/runs-view.tsx';
import { SignIn } from './components/sign-in.tsx';
import { Dashboard } from './dashboard.tsx';
import { apiBaseUrl } from './env.ts';
import { inApp, type Route, useRoute } from './route.ts';
import { LearnStravaUnitsProvider, UnitsProvider, useUnitChoice } from './units.tsx';

export function App() {
  const auth = useAuth();
  const route = useRoute();
  const { units, choose, learn } = useUnitChoice();
  return (
    <UnitsProvider value={units}>
      <LearnStravaUnitsProvider value={learn}>
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
                <li>
                  <a
                    href="/"
                    onClick={inApp}
                    aria-current={route.view === 'dashboard' ? 'page' : undefined}
                  >
                    Dashboard
                  </a>
                </li>
                <li>
                  <a
                    href="/runs"
                    onClick={inApp}
                    aria-current={route.view === 'runs' ? 'page' : undefined}
                  >
                    Runs
                  </a>
                </li>
                <li>
                  <UnitToggle units={units} onChange={choose} />
                </li>
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
          <Page auth={auth} route={route} />
        </main>
        <footer className="container">
          <small className="muted">
            Places from <a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0); with
            Nominatim, © <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>{' '}
            contributors.
          </small>
        </footer>
      </LearnStravaUnitsProvider>
    </UnitsProvider>
  );
}

/** Metric or imperial for every figure on every view; the choice is remembered (units.tsx). */
function UnitToggle({
  units,
  onChange,
}: {
  units: UnitSystem;
  onChange: (units: UnitSystem) => void;
}) {
  return (
    <fieldset className="unit-toggle">
      <legend className="visually-hidden">Units</legend>
      {(
        [
          ['metric', 'km', 'Metric: kilometres, °C'],
          ['imperial', 'mi', 'Imperial: miles, °F'],
        ] as const
      ).map(([value, short, name]) => (
        <label key={value} title={name}>
          <input
            type="radio"
            name="units"
            value={value}
            aria-label={name}
            checked={units === value}
            onChange={() => onChange(value)}
          />
          {short}
        </label>
      ))}
    </fieldset>
  );
}

function Page({ auth, route }: { auth: AuthState; route: Route }) {
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
      return <SignedIn auth={auth} route={route} />;
  }
}

function SignedIn({
  auth,
  route,
}: {
  auth: Extract<AuthState, { kind: 'signed-in' }>;
  route: Route;
}) {
  const { getAccessToken, realtime } = auth;
  const client = useMemo(
    () => createApiClient({ baseUrl: apiBaseUrl(), getAccessToken }),
    [getAccessToken],
  );
  switch (route.view) {
    case 'runs':
      return <RunsView client={client} search={route.search} />;
    case 'run':
      return <RunPage key={route.id} client={client} id={route.id} />;
    case 'dashboard':
      return <Dashboard client={client} {...(realtime ? { realtime } : {})} />;
  }
}
