/**
 * Where the Postgres-backed tests run: `TEST_DATABASE_URL` names a server and a database the
 * user may connect to; test databases are created beside it.
 */
export function adminUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function databaseUrl(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}
