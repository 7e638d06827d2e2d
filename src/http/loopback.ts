/** Names a browser on this computer uses for it; anything else reached us through DNS. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether a request was addressed to this computer by name. The local server binds 127.0.0.1, so
 * only this computer reaches it; a page that rebinds its own domain to 127.0.0.1 (DNS rebinding)
 * still sends its domain as `Host`, and a deployment is reached by its public name.
 */
export function isLoopbackRequest(url: string): boolean {
  const host = new URL(url).hostname;
  return LOOPBACK_HOSTS.has(host) || host.endsWith('.localhost');
}
