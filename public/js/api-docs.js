// The API docs page (/api/docs): Swagger UI on the OpenAPI document. swagger-ui-bundle.js, a
// classic script that runs before this module, defines SwaggerUIBundle.
const root = document.getElementById('swagger-ui');

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * "Try it out" as the signed-in editor at this browser: a write made with the session cookie
 * needs the session's CSRF token, asked for at the time (a sign-in meanwhile changes it).
 * A request that brings its own token or an API token is left as it is.
 */
async function withCsrfToken(request) {
  // The document's own request comes without a method.
  const headers = Object.keys(request.headers ?? {}).map((name) => name.toLowerCase());
  if (
    SAFE_METHODS.has((request.method ?? 'GET').toUpperCase()) ||
    headers.includes('x-csrf-token') ||
    headers.includes('authorization')
  ) {
    return request;
  }
  const session = await fetch('/api/auth/me', { headers: { Accept: 'application/json' } })
    .then((response) => (response.ok ? response.json() : null))
    .catch(() => null);
  if (session?.csrfToken) request.headers['X-CSRF-Token'] = session.csrfToken;
  return request;
}

window.SwaggerUIBundle({
  domNode: root,
  url: root.dataset.documentUrl,
  deepLinking: true,
  requestInterceptor: withCsrfToken,
});
