/** The trainer page: wires the six steps to the training worker. */
import { BACKEND_CHOICES, type BackendChoice, type BackendStatus, type RunSpec, type RunSummary } from './protocol.js';
import { ConfigPanel } from './page/config-panel.js';
import { DataPanel } from './page/data-panel.js';
import { byId, showError } from './page/dom.js';
import { EvaluatePanel } from './page/evaluate-panel.js';
import { ModelPanel } from './page/model-panel.js';
import { PublishPanel } from './page/publish-panel.js';
import { TrainPanel } from './page/train-panel.js';
import { WorkerClient } from './page/worker-client.js';

const client = new WorkerClient();
const models = new ModelPanel(client);
const config = new ConfigPanel(() => models.summary());
const data = new DataPanel(client, () => config.promptLength(), () => models.summary() !== null);
const evaluation = new EvaluatePanel(client);
const publishing = new PublishPanel(client, () => evaluation.values());
let saved: RunSummary | null = null;

/** Before resuming a saved run, load its model (from the browser cache when it was downloaded). */
async function prepareResume(): Promise<boolean> {
  const fingerprint = models.summary()?.fingerprint;
  if (!saved || fingerprint === saved.fingerprint) return true;
  if (saved.source.kind === 'local') {
    showError(byId('train-error'), new Error(`load the same model files (${saved.source.names.join(', ')}) in step 1, then resume`));
    return false;
  }
  const summary = await models.load(saved.source);
  return summary !== null && summary.fingerprint === saved.fingerprint;
}

const training = new TrainPanel(client, (): RunSpec => ({ data: data.spec(), ...config.read() }), prepareResume);

function describeBackend(status: BackendStatus): string {
  const adapter = status.adapter ? ` on ${status.adapter}` : '';
  const software = status.software ? ' (a software GPU: correct but slow)' : '';
  const fallback = status.skipped.length > 0 ? ` Fell back: ${status.skipped.join('; ')}.` : '';
  return `${status.name}${adapter}${software}.${fallback}`;
}

/** The person's backend choice is kept on this device, so a resumed run trains where it started. */
const BACKEND_KEY = 'ptune.backend';

async function chooseBackend(choice: BackendChoice): Promise<void> {
  localStorage.setItem(BACKEND_KEY, choice);
  const output = byId('backend-status');
  output.textContent = `starting ${choice}…`;
  try {
    const status = await client.call('backend', { choice });
    output.textContent = describeBackend(status);
    output.dataset.backend = status.name;
    showError(byId('app-error'), null);
  } catch (caught) {
    output.textContent = 'no backend';
    showError(byId('app-error'), caught);
  }
}

function showSavedRun(summary: RunSummary): void {
  saved = summary;
  training.show(summary);
  const resumable = summary.step < summary.steps && (summary.status === 'running' || summary.status === 'paused');
  const banner = byId('resume-banner');
  banner.hidden = false;
  byId('resume-text').textContent = resumable
    ? `Task "${summary.spec.data.task.id}" stopped at step ${summary.step} of ${summary.steps} (checkpoint kept in this browser). Resume to continue from there.`
    : `Task "${summary.spec.data.task.id}" finished (${summary.status}) at step ${summary.step}: load its model to evaluate, export or publish it, or discard it.`;
  byId<HTMLButtonElement>('resume-saved').hidden = !resumable;
}

async function start(): Promise<void> {
  config.fill(await client.call('defaults', {}));
  const select = byId<HTMLSelectElement>('backend-choice');
  const remembered = localStorage.getItem(BACKEND_KEY);
  if (remembered && BACKEND_CHOICES.includes(remembered as BackendChoice)) select.value = remembered;
  await chooseBackend(select.value as BackendChoice);
  const summary = await client.call('saved-run', {});
  if (!summary) return;
  models.restore(summary.source);
  config.restore(summary.spec);
  await data.restore(summary.spec.data);
  publishing.setTask(summary.spec.data.task.id);
  showSavedRun(summary);
}

byId('backend-choice').addEventListener('change', (event) => void chooseBackend((event.target as HTMLSelectElement).value as BackendChoice));
data.onFieldsChanged((fields) => evaluation.setFields(fields));
training.onFinished((summary) => {
  saved = summary;
  byId('resume-banner').hidden = true;
  publishing.setTask(summary.spec.data.task.id);
});
byId('resume-saved').addEventListener('click', () => {
  byId('resume-banner').hidden = true;
  void training.resume();
});
byId('discard-saved').addEventListener('click', () => {
  void client.call('discard-run', {}).then(() => {
    saved = null;
    byId('resume-banner').hidden = true;
  });
});
start().catch((caught: unknown) => showError(byId('app-error'), caught));
