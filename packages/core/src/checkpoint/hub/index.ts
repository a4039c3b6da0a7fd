export { DEFAULT_HUB_URL, defaultHubCacheDir, downloadHubFiles } from './hub-download.js';
export type {
  HubDownloadOptions,
  HubDownloadResult,
  HubDownloadedFile,
  HubProgressEvent,
} from './hub-download.js';
