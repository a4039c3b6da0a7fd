#!/usr/bin/env node
/**
 * Load generator of the bench's edge section, run as its own process (so that the client does not
 * share an event loop with anything it measures). Reads a plan (JSON) on stdin, sends HTTP requests
 * to the Worker on 127.0.0.1 only, writes the measurements (JSON) on stdout. Every count and time is
 * bounded by the plan. Phases, in order:
 *   cold       the first request after the Worker started (model from R2, prompt from KV), then the same again
 *   reference  each of the plan's single requests answered alone, one after another
 *   sequential single requests one at a time (unloaded latency)
 *   load       single requests from `concurrency` clients at once (latency under load, requests/s)
 *   mixed      the plan's rows as ONE mixed-task batch vs the same rows as single requests sent at once
 *              (after one untimed batch); again for rows of (nearly) equal length, which need no padding
 * A "wrong" answer differs from the reference answer to the same request (label, or a score by more
 * than the tolerance).
 */

const REQUEST_TIMEOUT_MS = 60_000;
/** The first few failures, as `status: reason`, for the report. */
const failures = [];

function noteFailure(answer, path) {
  if (answer.status !== 200 && failures.length < 10) failures.push(`${path}: ${answer.status} ${answer.error ?? JSON.stringify(answer.json?.error ?? null)}`);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summarize(samples, wallMs) {
  const ok = samples.filter((s) => s.status === 200);
  const sorted = ok.map((s) => s.ms).sort((a, b) => a - b);
  return {
    requests: samples.length,
    errors: samples.length - ok.length,
    wrong: samples.filter((s) => s.wrong).length,
    errorStatuses: [...new Set(samples.filter((s) => s.status !== 200).map((s) => s.status))],
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? null,
    meanMs: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null,
    wallMs,
    requestsPerSecond: wallMs > 0 ? (ok.length * 1000) / wallMs : null,
  };
}

/** One POST; never throws: network errors and timeouts become status 0. */
/**
 * wrangler dev's ProxyWorker loses a request now and then when its pooled connection to the Worker
 * idled about 5 s (kj's client and server idle timeouts race: cloudflare/workers-sdk#14641) and
 * answers 503 with this text; the Worker never sees the request. Such a POST is sent once more and
 * counted in `proxyRetries` instead of `errors` (there is no such proxy in production).
 */
const PROXY_LOST = 'Your worker restarted mid-request';
let proxyRetries = 0;

async function post(url, body) {
  let answer = await postOnce(url, body);
  if (answer.status === -503 && answer.error?.startsWith(PROXY_LOST)) {
    proxyRetries++;
    answer = await postOnce(url, body);
  }
  noteFailure(answer, new URL(url).pathname);
  return answer;
}

async function postOnce(url, body) {
  const start = performance.now();
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await response.text();
    const ms = performance.now() - start;
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // counted as an error below
    }
    const forwards = response.headers.get('x-ptune-forwards') ?? json?.forwards;
    return { ms, status: json ? response.status : -response.status, json, ...(json ? {} : { error: text.slice(0, 200) }), forwards: forwards === undefined || forwards === null ? null : Number(forwards) };
  } catch (error) {
    return { ms: performance.now() - start, status: 0, json: null, error: String(error?.cause?.code ?? error?.name ?? error), forwards: null };
  }
}

/** Largest |score difference| between two predictions, Infinity when the labels differ. */
function difference(actual, expected) {
  if (!actual || !expected || actual.label !== expected.label) return Infinity;
  let max = 0;
  for (const [label, score] of Object.entries(expected.scores)) max = Math.max(max, Math.abs((actual.scores?.[label] ?? Infinity) - score));
  return max;
}

function singleRequest(url, { task, input }) {
  return post(`${url}/v1/tasks/${task}/predict`, { inputs: [input] });
}

/** Each request answered alone, one after another: the reference answers (and their latencies). */
async function answerAlone(url, requests) {
  const answers = [];
  for (const request of requests) answers.push(await singleRequest(url, request));
  return answers;
}

/** Single requests cycling through `requests`, `concurrency` in flight, until a count or time bound. */
async function drive(url, requests, reference, { concurrency, maxRequests, maxTimeMs }, tolerance) {
  const samples = [];
  let next = 0;
  const start = performance.now();
  const client = async () => {
    while (next < maxRequests && performance.now() - start < maxTimeMs) {
      const i = next++ % requests.length;
      const answer = await singleRequest(url, requests[i]);
      samples.push({ ms: answer.ms, status: answer.status, wrong: answer.status === 200 && difference(answer.json.predictions[0], reference[i]) > tolerance });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return summarize(samples, performance.now() - start);
}

/** `requests` as ONE mixed-task batch vs as single requests sent at once, `repeats` times each (after one untimed batch). */
async function compareBatch(url, requests, reference, repeats, tolerance) {
  const rows = requests.map(({ task, input }) => ({ task, input }));
  const batch = [];
  const singles = [];
  // Untimed first batch: the isolate's wasm memory grows to the batch's size once.
  await post(`${url}/v1/predict`, { rows });
  for (let r = 0; r < repeats; r++) {
    const answer = await post(`${url}/v1/predict`, { rows });
    const results = answer.status === 200 ? answer.json.results : [];
    const diffs = reference.map((ref, i) => difference(results[i], ref));
    batch.push({ ms: answer.ms, status: answer.status, forwards: answer.forwards, wrongRows: diffs.filter((d) => d > tolerance.mixed).length, maxScoreDiff: Math.max(0, ...diffs.filter(Number.isFinite)) });

    const start = performance.now();
    const answers = await Promise.all(requests.map((request) => singleRequest(url, request)));
    singles.push({
      ms: performance.now() - start,
      errors: answers.filter((a) => a.status !== 200).length,
      forwards: answers.reduce((sum, a) => sum + (a.forwards ?? NaN), 0),
      wrongRows: answers.filter((a, i) => a.status !== 200 || difference(a.json.predictions[0], reference[i]) > tolerance.single).length,
    });
  }
  return { rows: requests.length, batch, singles };
}

const predictionsOf = (answers) => answers.map((a) => (a.status === 200 ? a.json.predictions[0] : null));

async function main() {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const { url, requests, equalLengthRequests, settings, tolerance } = JSON.parse(input);

  const first = await singleRequest(url, requests[0]);
  const second = await singleRequest(url, requests[0]);
  const cold = { firstMs: first.ms, firstStatus: first.status, secondMs: second.ms, secondStatus: second.status };

  const alone = await answerAlone(url, requests);
  const reference = predictionsOf(alone);
  const firstTaskUse = new Map();
  alone.forEach((a, i) => firstTaskUse.has(requests[i].task) || firstTaskUse.set(requests[i].task, a.ms));
  const equalAlone = await answerAlone(url, equalLengthRequests);
  const referencePhase = {
    requests: alone.length + equalAlone.length,
    errors: [...alone, ...equalAlone].filter((a) => a.status !== 200).length,
    // The first request of each task after the cold one: the model is warm, the prompt comes from KV.
    firstUseOfTaskMs: [...firstTaskUse.entries()].filter(([task]) => task !== requests[0].task).map(([, ms]) => ms),
  };

  const sequential = await drive(url, requests, reference, { concurrency: 1, ...settings.sequential }, tolerance.single);
  const load = await drive(url, requests, reference, settings.load, tolerance.single);
  const mixed = await compareBatch(url, requests, reference, settings.mixed.repeats, tolerance);
  const mixedEqualLength = await compareBatch(url, equalLengthRequests, predictionsOf(equalAlone), settings.mixed.repeats, tolerance);
  process.stdout.write(`${JSON.stringify({ cold, reference: referencePhase, sequential, load, mixed, mixedEqualLength, failures, proxyRetries })}\n`);
}

main().catch((error) => {
  process.stderr.write(`edge-load: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
});
