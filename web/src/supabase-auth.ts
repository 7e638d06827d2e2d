import { createClient } from '@supabase/supabase-js';
import { supabaseRealtimeSource } from '../../src/client/realtime.ts';
import type { AuthState } from './auth.ts';
import type { SupabaseSettings } from './env.ts';

/**
 * Supabase Auth for a hosted dashboard (loaded only when the build has Supabase settings, so a
 * local install never downloads supabase-js): a magic link by email, the session kept by
 * supabase-js, and progress over Realtime with the same access token. Reports every change of
 * session through `onChange`; returns the unsubscribe.
 */
export function watchSupabaseAuth(
  settings: SupabaseSettings,
  onChange: (state: AuthState) => void,
): () => void {
  const supabase = createClient(settings.url, settings.anonKey, {
    auth: {
      // Strava sends the runner back to the dashboard with `?state=…&code=…` or
      // `?state=…&error=access_denied`: that `error` is the dashboard's to hand to the API, not a
      // failed sign-in for supabase-js. Otherwise supabase-js's own rule for a sign-in redirect.
      detectSessionInUrl: (url, params) =>
        !url.searchParams.has('state') &&
        Boolean(
          params.access_token || params.error || params.error_description || params.error_code,
        ),
    },
  });
  const realtime = supabaseRealtimeSource(supabase);
  const signedOut: AuthState = {
    kind: 'signed-out',
    async sendMagicLink(email) {
      const { error } = await supabase.auth.signInWithOtp({
        email,
        options: { emailRedirectTo: window.location.origin },
      });
      if (error) throw error;
    },
  };
  const { data } = supabase.auth.onAuthStateChange((_event, session) => {
    if (!session) {
      onChange(signedOut);
      return;
    }
    onChange({
      kind: 'signed-in',
      email: session.user.email ?? null,
      realtime,
      async getAccessToken() {
        const { data: current } = await supabase.auth.getSession();
        return current.session?.access_token ?? null;
      },
      async signOut() {
        await supabase.auth.signOut();
      },
    });
  });
  return () => data.subscription.unsubscribe();
}
