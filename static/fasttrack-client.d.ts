// Types of fasttrack-client.js, the tool pages' client (an ES module served at /static/).

/** Waits and retries; each can be set per form (data-ft-debounce, data-ft-max-wait, in ms),
 * in `attach`'s options, or for the whole page in `globalThis.fastTrackOptions` (set before the
 * module loads). */
export interface ToolPageOptions {
  /** The tool's slug; default: the form's data-ft-tool. */
  slug?: string;
  /** The API's origin; default: the form's data-ft-api, else the origin the module came from. */
  apiBase?: string;
  /** Where a user whose session ended signs in again (the form's data-ft-sign-in); the page is
   * sent there with `return_to` set to itself. null: a message only. */
  signInUrl?: string | null;
  /** false: show the sign-in link instead of going there. Default true. */
  redirectToSignIn?: boolean;
  /** Save after a pause in typing this long (ms). Default 1500. */
  debounceMs?: number;
  /** And at least this often while typing goes on (ms). Default 10000. */
  maxWaitMs?: number;
  /** First retry while the service cannot be reached (ms), doubling up to retryMaxMs.
   * Defaults 1000 and 30000. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A PDF rendered in the background (202): the first poll of its job (ms; at least the
   * answer's Retry-After), growing 1.5x per poll up to exportPollMaxMs; given up after
   * exportTimeoutMs. Defaults 1000, 5000 and 300000. */
  exportPollMs?: number;
  exportPollMaxMs?: number;
  exportTimeoutMs?: number;
  /** A client to share between forms; default: one per form. */
  client?: FastTrackClient;
}

export interface GlobalOptions extends ToolPageOptions {
  /** false: do not start every form[data-ft-tool] when the module loads. */
  autoStart?: boolean;
}

declare global {
  // eslint-disable-next-line no-var
  var fastTrackOptions: GlobalOptions | undefined;
  interface HTMLFormElement {
    /** The ToolPage the module started on this form. */
    fastTrack?: ToolPage;
  }
}

/** What the page shows in its status region, also the form's data-ft-state. */
export type SaveState =
  | "loading"
  | "saved"
  | "unsaved"
  | "saving"
  | "offline"
  | "conflict"
  | "signed-out"
  | "locked"
  | "submitting"
  | "submitted"
  | "error";

/** One broken answer rule: from the schema while typing, a save's `problems`, or a refused
 * submit's `error.details.problems` (or `missing`/`missing_labels`). */
export interface Problem {
  field_id?: string;
  label?: string;
  rule: string;
  message: string;
  /** Where in the answers: `goals.quarterly[2].metric`; shown on the field whose data-field
   * is that path or the nearest one containing it. */
  path?: string;
}

export interface ApiAnswer<T = unknown> {
  ok: boolean;
  status: number;
  /** `{data, meta}` or `{error: {code, message, details}}`; null when the body was not JSON. */
  body: { data: T; meta?: Record<string, unknown> } | { error: ApiError } | null;
}

export interface ApiError {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/** The service could not be reached (network down, service stopped, refused by CORS). */
export declare class OfflineError extends Error {}
/** The session ended and the refresh cookie could not renew it. */
export declare class SignedOutError extends Error {}

/** A PDF export refused (NOTHING_TO_EXPORT, ...), failed in the worker (EXPORT_TIMEOUT,
 * RENDER_FAILED, EXPORT_TOO_LARGE, RENDER_ABANDONED) or not ready in time
 * (EXPORT_POLL_TIMEOUT). */
export declare class ExportError extends Error {
  readonly code: string;
  readonly status?: number;
  readonly job: ExportJob | null;
}

/** GET /api/exports/{id}: a PDF the worker renders. */
export interface ExportJob {
  id: string;
  kind: string;
  document: string;
  status: "pending" | "done" | "failed";
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  filename: string | null;
  byte_size: number | null;
  /** When done: GET it with the token for the PDF. */
  download_url: string | null;
  error: { code: string; message: string } | null;
}

/** A step of a PDF export, for a progress display. */
export interface ExportProgress {
  state: "requested" | "rendering" | "downloading" | "done";
  /** The background job (null while none: small PDFs come at once). */
  job: ExportJob | null;
  waitedMs: number;
}

/** The API: the access token (from the SSO redirect's #access_token, kept in memory and
 * sessionStorage), one refresh through POST /api/auth/refresh on a 401, the envelope. */
export declare class FastTrackClient {
  constructor(options?: { apiBase?: string });
  readonly apiBase: string;
  token: string | null;
  /** The signed-in user's id (the token's `sub`). */
  readonly userId: string | null;
  /** A new access token from the refresh cookie; false when the session has ended. */
  refresh(): Promise<boolean>;
  setToken(token: string | null): void;
  /** One call; throws SignedOutError or OfflineError. */
  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options?: { keepalive?: boolean },
  ): Promise<ApiAnswer<T>>;
  /** GET a file (a PDF) with the token: the raw Response. */
  download(path: string): Promise<Response>;
  /** A PDF export (`/api/tools/{slug}/export?format=pdf`, `/api/users/{id}/tools/{slug}/export?format=pdf`):
   * at once, or through its background job (202), polled with backoff. */
  exportPdf(
    path: string,
    options?: {
      onProgress?: (progress: ExportProgress) => void;
      pollMs?: number;
      pollMaxMs?: number;
      timeoutMs?: number;
    },
  ): Promise<{ blob: Blob; filename: string; job: ExportJob | null }>;
}

/** Hand a downloaded file to the browser (its download bar or save dialog). */
export declare function saveFile(blob: Blob, filename: string): void;

export interface ToolPageEvents {
  "fasttrack:loaded": { tool: unknown; submission: unknown };
  "fasttrack:state": { state: SaveState; message: string };
  "fasttrack:saved": { version: number };
  "fasttrack:conflict": { mine: Record<string, unknown>; theirs: { version: number; data: Record<string, unknown> } };
  "fasttrack:submitted": { unlockedTools: { slug: string; name: string; sprint_number: number }[] };
  "fasttrack:signed-out": { signInUrl: string };
  /** A PDF export's steps (ToolPage.exportPdf, or a click on [data-ft-export]). */
  "fasttrack:export":
    | ExportProgress
    | { state: "done"; job: ExportJob | null; filename: string; size: number }
    | { state: "failed"; job: ExportJob | null; error: { code: string; message: string } };
}

/** One form bound to one tool. Events (on the form, bubbling, detail also has `page`):
 * see ToolPageEvents. */
export declare class ToolPage extends EventTarget {
  constructor(form: HTMLFormElement, options?: ToolPageOptions);
  readonly form: HTMLFormElement;
  readonly slug: string;
  readonly client: FastTrackClient;
  readonly state: SaveState | null;
  /** What the server has confirmed. */
  readonly server: { version: number; data: Record<string, unknown> } | null;
  /** The answers as the fields hold them now. */
  readonly data: Record<string, unknown>;
  /** Whether there are answers the server has not confirmed (they are in localStorage). */
  readonly dirty: boolean;
  /** The answer rules' JSON Schema (GET /api/tools/{slug}/schema), null when there is none. */
  readonly schema: Record<string, unknown> | null;
  start(): Promise<this>;
  /** Save now (one save in flight at a time). */
  save(options?: { keepalive?: boolean }): Promise<void>;
  /** Send unsaved answers in a request that outlives the page (done on pagehide). */
  flush(): void;
  /** Save what is pending, then submit; a 422's problems are shown on the fields. */
  submit(): Promise<void>;
  /** After a 409 STALE_VERSION: keep both texts, yours, or the other version; saved on top
   * of the other version. Neither is discarded before this is called. */
  resolveConflict(choice: "both" | "mine" | "theirs"): Promise<void>;
  /** The tool's PDF, saved as a file (a [data-ft-export] button in the form does this); its
   * steps are shown in [data-ft-export-status] and sent as "export" events. */
  exportPdf(): Promise<{ blob: Blob; filename: string; job: ExportJob | null }>;
}

/** Start a ToolPage on a form (done for every form[data-ft-tool] when the module loads);
 * `page.ready` settles once it has loaded. */
export declare function attach(
  form: HTMLFormElement,
  options?: ToolPageOptions,
): ToolPage & { ready: Promise<ToolPage> };

/** "goals.quarterly[2].metric" -> ["goals", "quarterly", 2, "metric"] */
export declare function parsePath(path: string): (string | number)[];
