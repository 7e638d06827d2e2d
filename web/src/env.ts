/**
 * Build-time settings (Vite inlines `import.meta.env.VITE_*`). Unset, the dashboard is a local
 * install's: same-origin API, no Supabase.
 */
export interface SupabaseSettings {
  url: string;
  anonKey: string;
}

export function supabaseSettings(): SupabaseSettings | null {
  const url = import.meta.env.VITE_SUPABASE_URL;
  const anonKey = import.meta.env.VITE_SUPABASE_ANON_KEY;
  return url && anonKey ? { url, anonKey } : null;
}

/** The API's origin when it is not this page's (VITE_API_URL); same-origin otherwise. */
export function apiBaseUrl(): string | undefined {
  return import.meta.env.VITE_API_URL || undefined;
}
