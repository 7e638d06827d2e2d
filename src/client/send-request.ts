import { ApiError, CORRELATION_HEADER, errorFromResponse, networkError } from './api-error.ts';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  query?: Record<string, string | number | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  accept?: string;
  signal?: AbortSignal;
  /** False for the one route that needs no token (the local session). */
  auth?: boolean;
}

/** Sends one request to the API; resolves with a 2xx response, else rejects with an ApiError. */
export type SendRequest = (path: string, options?: RequestOptions) => Promise<Response>;

export interface SendRequestOptions {
  baseUrl?: string;
  getAccessToken?: () => Promise<string | null>;
  fetch?: typeof fetch;
}

export function createSendRequest(options: SendRequestOptions): SendRequest {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  // Called through a wrapper: a browser's fetch refuses to run with another `this`.
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init));
  return async (path, request = {}) => {
    const headers = new Headers({ accept: request.accept ?? 'application/json' });
    if (request.auth !== false) {
      const token = await accessToken(options.getAccessToken);
      if (token) headers.set('authorization', `Bearer ${token}`);
    }
    if (request.body !== undefined) headers.set('content-type', 'application/json');
    let response: Response;
    try {
      response = await fetchImpl(`${baseUrl}${path}${queryString(request.query)}`, {
        method: request.method ?? 'GET',
        headers,
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      });
    } catch (error) {
      throw networkError(error);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  };
}

/** A success answer's JSON; a body that is not JSON (a proxy's page) is an error too. */
export async function jsonOf<T>(response: Response): Promise<T> {
  try {
    return (await response.json()) as T;
  } catch (error) {
    throw new ApiError({
      status: response.status,
      code: 'unexpected_response',
      message: 'The stridesync server sent an answer the app could not read.',
      hint: 'Reload the page; if it keeps happening, check the server and anything between it and you (a proxy).',
      correlationId: response.headers.get(CORRELATION_HEADER),
      cause: error,
    });
  }
}

async function accessToken(
  getAccessToken: SendRequestOptions['getAccessToken'],
): Promise<string | null> {
  if (!getAccessToken) return null;
  try {
    return await getAccessToken();
  } catch (error) {
    throw new ApiError({
      status: 0,
      code: 'access_token_unavailable',
      message: 'Could not get your sign-in token.',
      hint: 'Sign in again; if it keeps happening, reload the page.',
      cause: error,
    });
  }
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
