import type { ModelSource, ModelSummary, SavedModelSource, WorkerEvent } from '../protocol.js';
import { byId, input, showError } from './dom.js';
import type { WorkerClient } from './worker-client.js';

type SourceKind = 'hub' | 'url' | 'local';

const HUB = 'https://huggingface.co';

function chosenKind(): SourceKind {
  return (document.querySelector<HTMLInputElement>('input[name="model-source"]:checked')?.value ?? 'hub') as SourceKind;
}

function fileNames(): string[] {
  return input('model-files').value.split(',').map((name) => name.trim()).filter(Boolean);
}

function hubBaseUrl(): string {
  const repo = input('hub-repo').value.trim();
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new Error(`Hub repo id must look like "owner/name", got ${JSON.stringify(repo)}`);
  const folder = input('hub-folder').value.trim().replace(/^\/+|\/+$/g, '');
  const revision = encodeURIComponent(input('hub-revision').value.trim() || 'main');
  return `${HUB}/${repo}/resolve/${revision}${folder ? `/${folder}` : ''}`;
}

/** Step 1: choose where the model comes from, load it in the worker with download progress. */
export class ModelPanel {
  private droppedFiles: File[] = [];
  private loadedSummary: ModelSummary | null = null;
  private readonly listeners = new Set<(summary: ModelSummary) => void>();

  constructor(private readonly client: WorkerClient) {
    document.querySelectorAll<HTMLInputElement>('input[name="model-source"]').forEach((radio) => radio.addEventListener('change', () => this.showFields()));
    byId('load-model').addEventListener('click', () => void this.load());
    const drop = byId('model-drop');
    drop.addEventListener('dragover', (event) => (event.preventDefault(), drop.classList.add('over')));
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (event) => {
      event.preventDefault();
      drop.classList.remove('over');
      this.droppedFiles = [...(event.dataTransfer?.files ?? [])];
      drop.textContent = `dropped: ${this.droppedFiles.map((f) => f.name).join(', ')}`;
    });
    client.onEvent((event) => this.onProgress(event));
    this.showFields();
  }

  onLoaded(listener: (summary: ModelSummary) => void): void {
    this.listeners.add(listener);
  }

  summary(): ModelSummary | null {
    return this.loadedSummary;
  }

  private showFields(): void {
    const kind = chosenKind();
    byId('hub-fields').hidden = kind !== 'hub';
    byId('url-fields').hidden = kind !== 'url';
    byId('remote-files').hidden = kind === 'local';
    byId('local-fields').hidden = kind !== 'local';
  }

  private async source(): Promise<ModelSource> {
    const name = input('model-name').value.trim() || 'model';
    const kind = chosenKind();
    if (kind === 'local') {
      const picked = [...(input('model-local').files ?? [])];
      const files = picked.length > 0 ? picked : this.droppedFiles;
      if (files.length === 0) throw new Error('choose or drop the checkpoint and tokenizer files');
      return { kind: 'local', name, files: await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() }))) };
    }
    const baseUrl = kind === 'hub' ? hubBaseUrl() : input('model-url').value.trim();
    return { kind: 'url', name, baseUrl, files: fileNames() };
  }

  /** Fills the form from a saved run's source (after a reload). */
  restore(source: SavedModelSource): void {
    input('model-name').value = source.name;
    if (source.kind !== 'url') return;
    const radio = document.querySelector<HTMLInputElement>('input[name="model-source"][value="url"]')!;
    radio.checked = true;
    input('model-url').value = source.baseUrl;
    input('model-files').value = source.files.join(', ');
    this.showFields();
  }

  async load(given?: ModelSource): Promise<ModelSummary | null> {
    const status = byId('model-status');
    const error = byId('model-error');
    const button = byId<HTMLButtonElement>('load-model');
    showError(error, null);
    button.disabled = true;
    status.textContent = 'loading…';
    try {
      const source = given ?? (await this.source());
      const transfer = source.kind === 'local' ? source.files.map((f) => f.bytes) : [];
      const summary = await this.client.call('load-model', { source }, transfer);
      this.loadedSummary = summary;
      status.textContent = `Loaded ${summary.name} (${summary.format}): d_model ${summary.dModel}, vocabulary ${summary.vocabSize}, context ${summary.maxSeqLen}, fingerprint ${summary.fingerprint.slice(0, 19)}…`;
      status.dataset.fingerprint = summary.fingerprint;
      this.listeners.forEach((listener) => listener(summary));
      return summary;
    } catch (caught) {
      status.textContent = '';
      showError(error, caught);
      return null;
    } finally {
      button.disabled = false;
      byId('model-progress').hidden = true;
    }
  }

  private onProgress(event: WorkerEvent): void {
    if (event.kind !== 'download') return;
    const bar = byId<HTMLProgressElement>('model-progress');
    bar.hidden = false;
    bar.max = event.total ?? Math.max(event.loaded, 1);
    bar.value = event.loaded;
    const mb = (bytes: number) => (bytes / 1e6).toFixed(2);
    byId('model-status').textContent = event.cached
      ? `${event.file}: ${mb(event.loaded)} MB from the browser cache`
      : `${event.file}: ${mb(event.loaded)}${event.total ? ` of ${mb(event.total)}` : ''} MB downloaded`;
  }
}
