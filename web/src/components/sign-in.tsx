import { type FormEvent, useState } from 'react';

/** Supabase deployments only: a magic link by email (a local install has no sign-in). */
export function SignIn({ sendMagicLink }: { sendMagicLink: (email: string) => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [state, setState] = useState<'idle' | 'sending' | 'sent' | 'failed'>('idle');

  async function submit(event: FormEvent) {
    event.preventDefault();
    setState('sending');
    try {
      await sendMagicLink(email);
      setState('sent');
    } catch {
      setState('failed');
    }
  }

  return (
    <article aria-labelledby="sign-in-heading" className="sign-in">
      <h2 id="sign-in-heading">Sign in</h2>
      {state === 'sent' ? (
        <p role="status">Check {email} for a sign-in link, then open it in this browser.</p>
      ) : (
        <form onSubmit={submit}>
          <label>
            Email
            <input
              type="email"
              name="email"
              autoComplete="email"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              aria-invalid={state === 'failed' ? true : undefined}
              aria-describedby={state === 'failed' ? 'sign-in-error' : undefined}
            />
          </label>
          {state === 'failed' && (
            <small id="sign-in-error">
              The sign-in link could not be sent. Check the address and try again.
            </small>
          )}
          <button type="submit" aria-busy={state === 'sending'} disabled={state === 'sending'}>
            Email me a sign-in link
          </button>
        </form>
      )}
    </article>
  );
}
