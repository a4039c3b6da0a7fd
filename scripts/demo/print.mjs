/** What the demo prints: the predictions table and the "where to look next" block. */

const SAMPLE_TEXT = 'a gripping, beautifully acted film';

function shorten(text, max) {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The example's input as one line: its field values joined (template order). */
export function inputText(fields) {
  return Object.values(fields).join(' | ');
}

/** One row per prediction: gold vs predicted label (verbalized), the per-label scores, the input. */
export function predictionTable(rows, verbalizer) {
  const name = (label) => (verbalizer[label] ?? label).trim();
  const width = Math.max(11, ...Object.keys(verbalizer).map((l) => name(l).length + 2));
  const scores = rows.map((row) => Object.entries(row.scores).map(([label, score]) => `${name(label)} ${score.toFixed(2)}`).join(', '));
  const scoresWidth = Math.max(15, ...scores.map((s) => s.length)) + 2;
  const header = `${'gold'.padEnd(width)}${'predicted'.padEnd(width)}  ${'log-likelihoods'.padEnd(scoresWidth)}input`;
  const lines = rows.map((row, i) => {
    const mark = row.label === row.gold ? ' ' : '✗';
    return `${name(row.gold).padEnd(width)}${row.text.padEnd(width)}${mark} ${scores[i].padEnd(scoresWidth)}${JSON.stringify(shorten(inputText(row.input), 70))}`;
  });
  return [header, ...lines].join('\n');
}

/** Commands and paths to try next, for a running (or restartable) edge API. */
export function nextSteps({ url, port, task, artifact, logFile, stateDir, adminToken, singleField, serving }) {
  const body = singleField ? `{"inputs":["${SAMPLE_TEXT}"]}` : '{"inputs":[{"field": "...", "...": "..."}]}';
  return [
    'Where to look next',
    `  curl ${url}/v1/tasks                  # the registry: tasks and their latest version`,
    `  curl ${url}/v1/tasks/${task}               # the registry entry: versions, latest, manifest with dev metrics`,
    `  curl -X POST ${url}/v1/tasks/${task}/predict -H 'content-type: application/json' -d '${body}'`,
    ...(singleField
      ? [
          `  npx ptune remote-predict --registry ${url} --task ${task} "${SAMPLE_TEXT}"`,
          `  npx ptune predict --soft-prompt ${artifact} "${SAMPLE_TEXT}"   # the same answer, locally`,
        ]
      : []),
    `  npx ptune neighbors --soft-prompt ${artifact} --k 5   # nearest vocabulary tokens of each prompt vector`,
    `  artifact     ${artifact}`,
    `  admin token  ${adminToken}   (publish, promote/rollback, delete: Authorization: Bearer ...)`,
    `  Worker log   ${logFile}   (one JSON line per request)`,
    `  local state  ${stateDir}   (KV, R2, Durable Objects)`,
    serving
      ? 'The edge API keeps running: press Ctrl-C to stop it.'
      : 'The edge API has been stopped. To serve this registry again (Ctrl-C stops it):\n' +
        `  npm run dev -w @ptune/edge-api -- --ip 127.0.0.1 --port ${port} --persist-to ${stateDir} --var ADMIN_TOKEN:${adminToken}`,
  ].join('\n');
}
