/** Calls to the edge API registry (the only network calls besides the model download). */
import { callRegistry, PtuneError, taskUrl } from '@ptune/core/registry';

export { registryBase, taskUrl } from '@ptune/core/registry';

export interface PublishedVersion {
  readonly task: string;
  readonly version: number;
  readonly sha256: string;
  readonly created: boolean;
}

export interface EdgePrediction {
  readonly label: string;
  readonly text: string;
  readonly scores: Readonly<Record<string, number>>;
}

/** `POST /v1/tasks/{task}/versions` with the artifact bytes: a new version (or the existing one for identical bytes). */
export function publishArtifact(base: string, token: string, task: string, bytes: Uint8Array): Promise<PublishedVersion> {
  return callRegistry<PublishedVersion>(taskUrl(base, task), '/versions', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: new Blob([bytes as Uint8Array<ArrayBuffer>]),
  });
}

/** `POST /v1/tasks/{task}/predict` for one input pinned to `version`. */
export async function predictThroughEdge(base: string, task: string, version: number, fields: Readonly<Record<string, string>>): Promise<EdgePrediction> {
  const body = await callRegistry<{ predictions: EdgePrediction[] }>(taskUrl(base, task), '/predict', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [fields], version }),
  });
  const prediction = body.predictions[0];
  if (!prediction) throw new PtuneError('DOWNLOAD_FAILED', 'the edge API returned no prediction');
  return prediction;
}
