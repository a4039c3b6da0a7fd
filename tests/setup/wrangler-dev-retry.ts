/**
 * `wrangler dev`'s proxy sometimes loses a non-GET request on its way to the Worker and answers
 * 503 "Your worker restarted mid-request" with `Retry-After: 0` (cloudflare/workers-sdk#14641: a
 * keep-alive race inside workerd; the Worker never saw the request, and deployed Workers have no
 * such proxy). Tests resend such a request, as the CLI's registry client does, so that the race
 * cannot fail a test that is about the Worker. Only loopback requests are touched.
 */
const PROXY_LOST_REQUEST = /^Your worker restarted mid-request/;
const RETRIES = 2;

const originalFetch = globalThis.fetch;

function isLoopback(input: RequestInfo | URL): boolean {
  const url = input instanceof Request ? input.url : String(input);
  return /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url);
}

globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  if (!isLoopback(input) || input instanceof Request) return originalFetch(input, init);
  for (let attempt = 0; ; attempt++) {
    const response = await originalFetch(input, init);
    if (response.status !== 503 || response.headers.get('retry-after') !== '0' || attempt === RETRIES) return response;
    const text = await response.clone().text();
    if (!PROXY_LOST_REQUEST.test(text)) return response;
  }
};
