/** Types of local-edge.mjs: the edge API Worker under `wrangler dev`, for scripts and tests. */

export declare const REPO_ROOT: string;
export declare const EDGE_DIR: string;
export declare const MODEL_BUCKET: string;
export declare const MODEL_PREFIX: string;
export declare const MODEL_FILES: readonly string[];

export declare function wranglerEnv(): NodeJS.ProcessEnv;
export declare function killAllWranglers(): void;
export declare function runWrangler(args: readonly string[], timeoutMs?: number): Promise<string>;
export declare function seedModel(persistDir: string, modelDir: string): Promise<void>;
export declare function freePort(): Promise<number>;
export declare function isPortFree(port: number): Promise<boolean>;

export interface LocalEdgeOptions {
  /** Where local KV, R2 and Durable Objects live (kept across restarts). */
  readonly persistDir: string;
  /** Worker vars, e.g. `{ ADMIN_TOKEN: '...' }`. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Default: a free port. */
  readonly port?: number;
  /** Default 60 s. */
  readonly startupMs?: number;
  /** Also append everything wrangler prints to this file. */
  readonly logFile?: string;
}

export interface LocalEdge {
  readonly url: string;
  readonly port: number;
  /** Everything wrangler and the Worker printed so far (the Worker's log lines included). */
  output(): string;
  /** Ends wrangler and workerd (SIGTERM, SIGKILL after 10 s); resolves once they are gone. */
  stop(): Promise<void>;
  /** Settles when wrangler exits, for whatever reason. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export declare function startLocalEdge(options: LocalEdgeOptions): Promise<LocalEdge>;
