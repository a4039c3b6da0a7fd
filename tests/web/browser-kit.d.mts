/** Types of browser-kit.mjs: static server, Debian's Chromium via playwright-core, the harness page. */
import type { BrowserContext, Page } from 'playwright-core';

export declare const REPO_ROOT: string;
export declare const CHROMIUM: string;
export declare const CHROMIUM_FLAGS: readonly string[];

export declare function chromiumAvailable(): boolean;

export interface StaticServer {
  readonly url: string;
  /** GET requests answered with a file, per URL path. */
  requests(path: string): number;
  close(): Promise<void>;
}
export declare function startStaticServer(mounts: Readonly<Record<string, string>>): Promise<StaticServer>;

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}
export declare function launchChromium(viewport?: { width: number; height: number }): Promise<Browser>;

export declare function buildHarness(): Promise<string>;
export interface Harness {
  readonly page: Page;
  /** Base URL of the model files (`stories260K.bin`, `tok512.bin`). */
  readonly modelUrl: string;
  close(): Promise<void>;
}
export declare function openHarness(harnessDir: string, modelDir: string): Promise<Harness>;
