import type { ExportedArtifact } from '../protocol.js';
import { byId, el, formatNumber, input, showError, table } from './dom.js';
import { predictThroughEdge, publishArtifact, registryBase, taskUrl, type PublishedVersion } from './registry-client.js';
import type { WorkerClient } from './worker-client.js';

const SETTINGS_KEY = 'ptune.registry';

interface RegistrySettings {
  readonly url: string;
  readonly token: string;
}

/** Registry URL and token: this tab only (sessionStorage) unless the person ticks "remember" (localStorage). */
function loadSettings(): { settings: RegistrySettings | null; remembered: boolean } {
  const parse = (raw: string | null) => (raw ? (JSON.parse(raw) as RegistrySettings) : null);
  const remembered = parse(localStorage.getItem(SETTINGS_KEY));
  return { settings: remembered ?? parse(sessionStorage.getItem(SETTINGS_KEY)), remembered: remembered !== null };
}

function saveSettings(settings: RegistrySettings, remember: boolean): void {
  sessionStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  if (remember) localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  else localStorage.removeItem(SETTINGS_KEY);
}

/** Step 6: download the artifact, publish it to the edge registry, try it through the edge API. */
export class PublishPanel {
  private published: { base: string; version: PublishedVersion } | null = null;

  constructor(private readonly client: WorkerClient, private readonly tryItValues: () => Record<string, string>) {
    const { settings, remembered } = loadSettings();
    if (settings) {
      input('registry-url').value = settings.url;
      input('registry-token').value = settings.token;
    }
    input('remember-registry').checked = remembered;
    byId('download-artifact').addEventListener('click', () => void this.guard(() => this.download()));
    byId('publish').addEventListener('click', () => void this.guard(() => this.publish()));
    byId('edge-predict').addEventListener('click', () => void this.guard(() => this.edgePredict()));
  }

  setTask(task: string): void {
    if (!input('publish-task').value) input('publish-task').value = task;
  }

  private async guard(work: () => Promise<void>): Promise<void> {
    showError(byId('publish-error'), null);
    try {
      await work();
    } catch (caught) {
      showError(byId('publish-error'), caught);
    }
  }

  private artifact(): Promise<ExportedArtifact> {
    return this.client.call('export', { dtype: byId<HTMLSelectElement>('export-dtype').value as 'float32' | 'float16' });
  }

  private async download(): Promise<void> {
    const artifact = await this.artifact();
    const url = URL.createObjectURL(new Blob([artifact.bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    const link = el('a', { href: url, download: artifact.fileName });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  private async publish(): Promise<void> {
    const base = registryBase(input('registry-url').value);
    const token = input('registry-token').value.trim();
    if (!token) throw new Error('enter the publish token');
    saveSettings({ url: base, token }, input('remember-registry').checked);
    const artifact = await this.artifact();
    const task = input('publish-task').value.trim() || artifact.taskId;
    const version = await publishArtifact(base, token, task, artifact.bytes);
    this.published = { base, version };
    const output = byId('publish-result');
    output.replaceChildren(
      `${version.created ? 'Published' : 'Already published as'} ${version.task} version ${version.version} (sha256 ${version.sha256.slice(0, 12)}…). `,
      el('a', { href: taskUrl(base, version.task), target: '_blank', rel: 'noopener', text: 'Task in the registry' }),
      '. Try it: ',
      el('code', { text: `curl -X POST ${taskUrl(base, version.task)}/predict -H 'content-type: application/json' -d '{"inputs": ["…"]}'` }),
    );
    output.dataset.version = String(version.version);
    byId('edge-predict').hidden = false;
  }

  private async edgePredict(): Promise<void> {
    if (!this.published) throw new Error('publish first');
    const { base, version } = this.published;
    const prediction = await predictThroughEdge(base, version.task, version.version, this.tryItValues());
    const target = byId('edge-result');
    target.replaceChildren(
      table(
        ['', `edge API, version ${version.version}`],
        [['prediction', prediction.label], ...Object.entries(prediction.scores).map(([label, score]) => [`log-likelihood of "${label}"`, formatNumber(score, 4)])],
        'Prediction through the edge API',
      ),
    );
    target.dataset.label = prediction.label;
    target.dataset.scores = JSON.stringify(prediction.scores);
  }
}
