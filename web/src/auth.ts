import { useEffect, useState } from 'react';
import { fetchLocalSession } from '../../src/client/api-client.ts';
import type { RealtimeSource } from '../../src/client/realtime.ts';
import { apiBaseUrl, supabaseSettings } from './env.ts';

/**
 * Who the dashboard acts for. A build with Supabase settings signs in with Supabase Auth (an
 * email magic link) and follows progress over Supabase Realtime; a local install has one user
 * and hands the dashboard that user's token at `GET /api/local/session`, so there is no sign-in.
 */
export type AuthState =
  | { kind: 'loading' }
  | {
      kind: 'signed-in';
      email: string | null;
      getAccessToken: () => Promise<string | null>;
      realtime?: RealtimeSource;
      signOut?: () => Promise<void>;
    }
  | { kind: 'signed-out'; sendMagicLink: (email: string) => Promise<void> }
  | { kind: 'unavailable'; message: string; hint: string };

/** Fetch a new local token this long before the old one expires. */
const LOCAL_TOKEN_MARGIN_MS = 60_000;

export function useAuth(): AuthState {
  const [state, setState] = useState<AuthState>({ kind: 'loading' });
  useEffect(() => {
    const supabase = supabaseSettings();
    if (supabase) {
      let stop = () => {};
      import('./supabase-auth.ts').then(({ watchSupabaseAuth }) => {
        stop = watchSupabaseAuth(supabase, setState);
      });
      return () => stop();
    }
    localAuth().then(setState);
    return undefined;
  }, []);
  return state;
}

async function localAuth(): Promise<AuthState> {
  let session: Awaited<ReturnType<typeof fetchLocalSession>>;
  try {
    session = await fetchLocalSession({ baseUrl: apiBaseUrl() });
  } catch {
    return {
      kind: 'unavailable',
      message: 'The dashboard cannot reach the stridesync server.',
      hint: 'Check that `npm start` is still running, then reload this page.',
    };
  }
  if (!session) {
    return {
      kind: 'unavailable',
      message: 'This server signs users in with Supabase, but the dashboard was built without it.',
      hint: 'Build the dashboard with VITE_SUPABASE_URL and VITE_SUPABASE_ANON_KEY set (docs/dashboard.md).',
    };
  }
  let current = session;
  return {
    kind: 'signed-in',
    email: current.user.email,
    async getAccessToken() {
      if (Date.parse(current.expiresAt) - Date.now() < LOCAL_TOKEN_MARGIN_MS) {
        current = (await fetchLocalSession({ baseUrl: apiBaseUrl() })) ?? current;
      }
      return current.accessToken;
    },
  };
}
