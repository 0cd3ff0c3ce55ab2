// Fast Track tool pages' client: one ES module, no build step, no dependencies.
//
//   <script type="module" src="https://API/static/fasttrack-client.js"></script>
//   <form data-ft-tool="woop"> <textarea data-field="wish"></textarea> ... </form>
//
// Every form with data-ft-tool is started when the module loads: it signs in from the SSO
// fragment (or the refresh cookie), loads the tool, its data and the values it reads from
// earlier tools, fills the fields named by data-field, autosaves, and never loses typed text:
// every unsaved change stays in localStorage until the server has confirmed it. Types and the
// full API: fasttrack-client.d.ts beside this file; the README's "Building a tool page".

const DEFAULTS = {
  debounceMs: 1500, // save after a pause in typing this long
  maxWaitMs: 10000, // and at least this often while typing goes on
  retryBaseMs: 1000, // first retry while offline; doubles up to retryMaxMs
  retryMaxMs: 30000,
  signInUrl: null, // where a user whose session ended signs in again (null: a message only)
  exportPollMs: 1000, // a PDF rendered in the background: first poll of its job, then x1.5
  exportPollMaxMs: 5000, // up to this between polls
  exportTimeoutMs: 300000, // and give up waiting after this long
};
const TOKEN_KEY = "fasttrack:access-token"; // sessionStorage: survives a reload of this tab
const TAB_KEY = "fasttrack:tab";
const PENDING_PREFIX = "fasttrack:pending:"; // localStorage: user:slug:tab -> unsaved work
const STATE_TEXT = {
  loading: "Loading…",
  saved: "All changes saved",
  unsaved: "Changes not saved yet",
  saving: "Saving…",
  offline: "Offline: your changes are kept on this device and will be saved",
  conflict: "Saved somewhere else too: choose what to keep",
  "signed-out": "Signed out: sign in again to save (your changes are kept on this device)",
  locked: "This tool is locked",
  submitting: "Submitting…",
  submitted: "Submitted",
  error: "Not saved",
};

/** A failure to reach the service at all (network down, service stopped). */
export class OfflineError extends Error {}
/** The session ended and could not be refreshed: the user must sign in again. */
export class SignedOutError extends Error {}
/** A PDF export was refused or its render failed: `code` is the API's (EXPORT_TIMEOUT,
 * RENDER_FAILED, NOTHING_TO_EXPORT, ...), `job` the background job when there was one. */
export class ExportError extends Error {
  constructor(message, { code, status, job = null } = {}) {
    super(message);
    Object.assign(this, { code, status, job });
  }
}

/** Talks to the API: the access token, one refresh on a 401, the JSON envelope. */
export class FastTrackClient {
  constructor({ apiBase = new URL(import.meta.url).origin } = {}) {
    this.apiBase = String(apiBase).replace(/\/+$/, "");
    this.token = takeTokenFromFragment() ?? sessionStorage.getItem(TOKEN_KEY);
    this.refreshing = null;
  }

  /** The signed-in user's id (the token's `sub`), or null. */
  get userId() {
    try {
      const payload = this.token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(payload)).sub ?? null;
    } catch {
      return null;
    }
  }

  /** A new access token from the refresh cookie; false when the session has ended. */
  refresh() {
    this.refreshing ??= (async () => {
      try {
        const answer = await this.fetch("POST", "/api/auth/refresh", undefined, { auth: false });
        if (!answer.ok) return false;
        this.setToken(answer.body.data.access_token);
        return true;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  setToken(token) {
    this.token = token;
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  }

  /** One API call: {ok, status, body}. A 401 refreshes the token once and tries again;
   * throws SignedOutError when that fails, OfflineError when the service cannot be reached. */
  async request(method, path, body, { keepalive = false } = {}) {
    if (!this.token && !(await this.refresh())) throw new SignedOutError("not signed in");
    let answer = await this.fetch(method, path, body, { keepalive });
    if (answer.status === 401) {
      if (!(await this.refresh())) {
        this.setToken(null);
        throw new SignedOutError("the session has ended");
      }
      answer = await this.fetch(method, path, body, { keepalive });
      if (answer.status === 401) throw new SignedOutError("the session has ended");
    }
    return answer;
  }

  /** GET `path` as a file (a PDF): the raw Response, after one refresh on a 401. */
  async download(path) {
    if (!this.token && !(await this.refresh())) throw new SignedOutError("not signed in");
    const get = async () => {
      try {
        return await fetch(this.apiBase + path, { headers: { Authorization: `Bearer ${this.token}` }, credentials: "omit", cache: "no-store" });
      } catch (error) {
        throw new OfflineError(String(error));
      }
    };
    let response = await get();
    if (response.status === 401) {
      if (!(await this.refresh())) throw new SignedOutError("the session has ended");
      response = await get();
    }
    return response;
  }

  /** A PDF export: answered at once (small tools), or 202 Accepted and rendered by the worker
   * (the program report), its job polled with backoff until done. `onProgress` is told each
   * step: {state: "requested" | "rendering" | "downloading" | "done", job, waitedMs}.
   * Resolves {blob, filename, job}; rejects with ExportError (a refusal, a failed render,
   * no answer within timeoutMs), OfflineError or SignedOutError. */
  async exportPdf(path, { onProgress = () => {}, pollMs = DEFAULTS.exportPollMs, pollMaxMs = DEFAULTS.exportPollMaxMs, timeoutMs = DEFAULTS.exportTimeoutMs } = {}) {
    const started = Date.now();
    const tell = (state, job = null) => onProgress({ state, job, waitedMs: Date.now() - started });
    tell("requested");
    let response = await this.download(path);
    let job = null;
    if (response.status === 202) {
      job = (await response.json()).data;
      let delay = Math.max(pollMs, 1000 * Number(response.headers.get("Retry-After") ?? 0) || 0);
      const location = response.headers.get("Location") ?? `/api/exports/${job.id}`;
      while (job.status === "pending") {
        tell("rendering", job);
        if (Date.now() - started > timeoutMs) {
          throw new ExportError("The PDF is taking too long to prepare; try again later", { code: "EXPORT_POLL_TIMEOUT", job });
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 1.5, pollMaxMs);
        const answer = await this.request("GET", location);
        if (!answer.ok) throw exportError(answer.body, answer.status, job);
        job = answer.body.data;
      }
      if (job.status === "failed") {
        throw new ExportError(job.error?.message ?? "The PDF could not be prepared", { code: job.error?.code, job });
      }
      tell("downloading", job);
      response = await this.download(job.download_url);
    }
    if (!response.ok) {
      let body = null;
      try {
        body = await response.json();
      } catch {
        // not the JSON envelope
      }
      throw exportError(body, response.status, job);
    }
    const blob = await response.blob();
    const filename = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? job?.filename ?? "export.pdf";
    tell("done", job);
    return { blob, filename, job };
  }

  async fetch(method, path, body, { auth = true, keepalive = false } = {}) {
    const headers = {};
    if (auth && this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(this.apiBase + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: path.startsWith("/api/auth/") ? "include" : "omit", // the cookie's path
        keepalive,
        cache: "no-store",
      });
    } catch (error) {
      throw new OfflineError(String(error));
    }
    let parsed = null;
    try {
      parsed = await response.json();
    } catch {
      // a proxy's HTML error page, or a body cut short: no envelope
    }
    return { ok: response.ok, status: response.status, body: parsed };
  }
}

function exportError(body, status, job) {
  const error = body?.error ?? {};
  return new ExportError(error.message ?? `The export failed (HTTP ${status})`, { code: error.code ?? `HTTP_${status}`, status, job });
}

/** Hands a downloaded file to the browser (its download bar or save dialog). */
export function saveFile(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function takeTokenFromFragment() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get("access_token");
  if (!token) return null;
  sessionStorage.setItem(TOKEN_KEY, token);
  history.replaceState(history.state, "", location.pathname + location.search); // out of sight
  return token;
}

// -- answers: paths, fields, equality -------------------------------------------------------

/** "goals.quarterly[2].metric" -> ["goals", "quarterly", 2, "metric"] */
export function parsePath(path) {
  const parts = [];
  for (const piece of String(path).split(".")) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(piece);
    if (!match) return [path];
    if (match[1]) parts.push(match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) parts.push(Number(index[1]));
  }
  return parts;
}

/** ["goals", "quarterly", 2] -> "goals.quarterly[2]" */
function pathOf(parts) {
  return parts.reduce((path, part) => (typeof part === "number" ? `${path}[${part}]` : path ? `${path}.${part}` : part), "");
}

function getPath(data, path) {
  return parsePath(path).reduce((node, key) => (node == null ? undefined : node[key]), data);
}

function setPath(data, path, value) {
  const parts = parsePath(path);
  let node = data;
  parts.slice(0, -1).forEach((key, i) => {
    if (node[key] === null || typeof node[key] !== "object") {
      node[key] = typeof parts[i + 1] === "number" ? [] : {};
    }
    node = node[key];
  });
  const last = parts[parts.length - 1];
  if (value === undefined) {
    if (Array.isArray(node) && typeof last === "number") node[last] = null;
    else delete node[last];
  } else node[last] = value;
}

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The value without empty objects, empty lists and nulls (rows of a table left empty go). */
function prune(value) {
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((item) => item !== undefined);
    return items.length ? items : undefined;
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => [k, prune(v)]).filter(([, v]) => v !== undefined);
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  return value === null ? undefined : value;
}

const same = (a, b) => canonical(a) === canonical(b);
const clone = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/** The value a field holds; undefined when it is empty (an empty answer is no answer). */
function readField(el) {
  if (el.type === "checkbox") return el.checked;
  if (el.tagName === "SELECT" && el.multiple) {
    const chosen = [...el.selectedOptions].map((o) => o.value);
    return chosen.length ? chosen : undefined;
  }
  if (el.dataset.type === "list") {
    const items = el.value.split("\n").map((line) => line.trim()).filter(Boolean);
    return items.length ? items : undefined;
  }
  if (el.type === "number") return el.value === "" ? undefined : Number(el.value);
  return el.value === "" ? undefined : el.value;
}

function writeField(el, value) {
  if (el.type === "checkbox") el.checked = value === true;
  else if (el.tagName === "SELECT" && el.multiple) {
    const chosen = new Set(Array.isArray(value) ? value.map(String) : []);
    for (const option of el.options) option.selected = chosen.has(option.value);
  } else if (Array.isArray(value)) el.value = value.join("\n");
  else if (value === undefined || value === null) el.value = "";
  else el.value = typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** A value as a person reads it: a list one item a line, a table's row its cells. */
function textOf(value) {
  if (value === undefined || value === null) return "(empty)";
  if (Array.isArray(value)) return value.map(textOf).join("\n");
  if (typeof value === "object") return Object.values(value).filter((v) => v !== null && v !== "").map(textOf).join(" · ");
  return String(value);
}

/** "Keep both": both texts, yours first; lists get every item of both. */
function combine(mine, theirs) {
  if (mine === undefined || same(mine, theirs)) return theirs;
  if (theirs === undefined) return mine;
  if (Array.isArray(mine) && Array.isArray(theirs)) {
    return [...mine, ...theirs.filter((item) => !mine.some((m) => same(m, item)))];
  }
  if (typeof mine === "string" && typeof theirs === "string") return `${mine}\n\n${theirs}`;
  return mine;
}

// -- validation from the answer rules' JSON Schema (GET /api/tools/{slug}/schema) ----------

function resolveRef(root, schema) {
  let node = schema;
  for (let hops = 0; node && node.$ref && hops < 20; hops += 1) {
    if (!node.$ref.startsWith("#/")) return node;
    node = node.$ref.slice(2).split("/").reduce((n, k) => n?.[k.replace(/~1/g, "/").replace(/~0/g, "~")], root);
  }
  return node;
}

function schemaAt(root, path) {
  let node = resolveRef(root, root);
  for (const key of parsePath(path)) {
    if (!node) return null;
    node = typeof key === "number" ? (node.prefixItems?.[key] ?? node.items) : node.properties?.[key];
    node = resolveRef(root, node);
  }
  return node ?? null;
}

// Rule names and wording as the server's problems have them, so that one broken rule shows once.
const AT_LEAST = new Set(["min_length", "min_items", "minimum"]); // shown once the field is left

/** The rules of the schema a value breaks (required is the submit's business). */
function checkValue(schema, value, label, deep = true) {
  if (!schema || value === undefined) return [];
  const name = schema.title ?? label;
  const problems = [];
  const add = (rule, message) => problems.push({ rule, message: `${name} ${message}.` });
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (typeof value === "string") {
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength) add("min_length", `must be at least ${plural(schema.minLength, "character")}`);
    if (schema.maxLength !== undefined && length > schema.maxLength) add("max_length", `must be at most ${plural(schema.maxLength, "character")}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) add("pattern", "is not in the expected form");
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) add("minimum", `must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) add("maximum", `must be at most ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    const itemType = schema.items?.type;
    const noun = itemType === "object" || (Array.isArray(itemType) && itemType.includes("object")) ? "row" : "item"; // a table has rows
    if (schema.minItems !== undefined && value.length < schema.minItems) add("min_items", `needs at least ${plural(schema.minItems, noun)}`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) add("max_items", `can have at most ${plural(schema.maxItems, noun)}`);
    if (deep) value.forEach((item) => problems.push(...checkValue(schema.items && { title: name, ...schema.items }, item, name)));
  }
  if (schema.enum && !schema.enum.some((allowed) => same(allowed, value))) add("choices", `must be one of: ${schema.enum.filter((c) => c !== null).join(", ")}`);
  return problems;
}

/** MISSING_REQUIRED_OUTPUTS names fields in `missing`/`missing_labels`; newer answers carry
 * `problems` ({field_id, label, rule, message, path}) for every rule. */
function problemsOf(error) {
  const details = error?.details ?? {};
  if (Array.isArray(details.problems)) return details.problems;
  if (Array.isArray(details.missing)) {
    return details.missing.map((field, i) => {
      const label = details.missing_labels?.[i] ?? field;
      return { field_id: field, path: field, label, rule: "required", message: `${label} is required` };
    });
  }
  return [];
}

// -- locks: which tab owns which unsaved work -----------------------------------------------

const holdForever = () => new Promise(() => {});

function tryLock(name) {
  return new Promise((resolve) => {
    navigator.locks.request(name, { ifAvailable: true }, (lock) => {
      resolve(Boolean(lock));
      return lock ? holdForever() : undefined;
    });
  });
}

/** This tab's id, held as a Web Lock for the tab's life, so that another tab can tell unsaved
 * work left by a closed tab (no lock) from work a live tab is still saving. */
async function claimTab() {
  let id = sessionStorage.getItem(TAB_KEY);
  if (navigator.locks) {
    if (id && !(await tryLock(`fasttrack-tab:${id}`))) id = null; // a duplicated tab
    if (!id) {
      id = crypto.randomUUID();
      await tryLock(`fasttrack-tab:${id}`);
    }
  }
  id ??= crypto.randomUUID();
  sessionStorage.setItem(TAB_KEY, id);
  return id;
}

async function liveTabs() {
  if (!navigator.locks) return null;
  const { held } = await navigator.locks.query();
  return new Set(held.map((lock) => lock.name.replace(/^fasttrack-tab:/, "")));
}

// -- a tool page ------------------------------------------------------------------------------

let serial = 0;

/** One form bound to one tool: loading, autosave, conflicts, problems, submit. */
export class ToolPage extends EventTarget {
  constructor(form, options = {}) {
    super();
    const attributes = form.dataset;
    this.form = form;
    this.slug = options.slug ?? attributes.ftTool;
    this.options = { ...DEFAULTS, ...(globalThis.fastTrackOptions ?? {}), ...options };
    for (const [name, attribute] of [["debounceMs", "ftDebounce"], ["maxWaitMs", "ftMaxWait"]]) {
      if (attributes[attribute] && options[name] === undefined) this.options[name] = Number(attributes[attribute]);
    }
    this.options.signInUrl = options.signInUrl ?? attributes.ftSignIn ?? this.options.signInUrl;
    const apiBase = options.apiBase ?? attributes.ftApi ?? this.options.apiBase;
    this.client = options.client ?? new FastTrackClient(apiBase ? { apiBase } : {});
    this.server = null; // {version, data}: what the server has confirmed
    this.data = {};
    this.state = null;
    this.problems = { schema: new Map(), save: new Map(), submit: new Map() };
    this.timers = {};
    this.retries = 0;
    this.inFlight = null;
    this.again = false;
    this.conflict = null;
    this.schema = null;
    this.savedAt = null;
    this.id = `ft${(serial += 1)}`;
    this.ui = buildUi(form, this.id);
  }

  get fields() {
    return [...this.form.querySelectorAll("[data-field]")];
  }

  get dirty() {
    return this.server !== null && !same(this.data, this.server.data);
  }

  /** Sign in, load the tool and its data, recover unsaved work, start autosaving. */
  async start() {
    this.setState("loading");
    this.tab = await claimTab();
    this.form.addEventListener("input", (event) => this.edited(event.target, true));
    this.form.addEventListener("change", (event) => this.edited(event.target, false));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    for (const button of this.form.querySelectorAll("[data-ft-export]")) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        this.exportPdf().catch(() => {}); // shown on the page and in the "export" event
      });
    }
    addEventListener("pagehide", () => this.flush());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.flush();
    });
    addEventListener("online", () => this.retryNow());
    this.timers.tick = setInterval(() => this.renderAgo(), 1000);
    try {
      await this.load();
    } catch (error) {
      this.failed(error);
    }
    return this;
  }

  async load() {
    const base = `/api/tools/${encodeURIComponent(this.slug)}`;
    // The answer rules' schema is optional: a 404 (or, from another origin, a refused
    // preflight to a route this service does not have) means no checks while typing.
    const noSchema = { ok: false };
    const [tool, data, dependencies, schema] = await Promise.all([
      ...["", "/data", "/dependencies"].map((tail) => this.client.request("GET", base + tail)),
      this.client.request("GET", `${base}/schema`).catch((error) => (error instanceof OfflineError ? noSchema : Promise.reject(error))),
    ]);
    for (const answer of [tool, data, dependencies]) {
      if (!answer.ok) throw Object.assign(new Error(answer.body?.error?.message ?? "not loaded"), { answer });
    }
    this.tool = tool.body.data;
    this.schema = schema.ok ? schema.body?.data ?? null : null; // 404: no rules to check here
    for (const el of this.form.querySelectorAll("[data-ft-tool-name]")) el.textContent = this.tool.name;
    this.showDependencies(dependencies.body.data.values ?? {});
    this.server = { version: data.body.data.version, data: data.body.data.data ?? {} };
    this.retries = 0;
    this.data = clone(this.server.data);
    this.fill(this.data);
    this.dispatch("loaded", { tool: this.tool, submission: data.body.data });
    if (!this.tool.unlocked) {
      this.setFieldsDisabled(true);
      this.setState("locked", lockedText(this.tool));
      return;
    }
    this.setState("saved");
    this.savedAt = null;
    await this.recover();
    this.validateAll();
  }

  /** Unsaved work this tab, or a closed one, left in localStorage. */
  async recover() {
    const prefix = `${PENDING_PREFIX}${this.client.userId}:${this.slug}:`;
    const live = await liveTabs();
    const entries = [];
    for (let i = 0; i < localStorage.length; i += 1) {
      const key = localStorage.key(i);
      if (!key?.startsWith(prefix)) continue;
      const tab = key.slice(prefix.length);
      if (tab !== this.tab && live && live.has(tab)) continue; // another tab is saving it
      try {
        entries.push({ key, ...JSON.parse(localStorage.getItem(key)) });
      } catch {
        // unreadable: leave it for a person to look at
      }
    }
    if (!entries.length) return;
    entries.sort((a, b) => b.at - a.at);
    const [newest, ...older] = entries;
    for (const entry of older) {
      if (same(entry.data, newest.data) || same(entry.data, this.server.data)) localStorage.removeItem(entry.key);
    }
    localStorage.removeItem(newest.key);
    if (same(newest.data, this.server.data)) return; // it was saved after all (a keepalive)
    this.data = newest.data;
    this.fill(this.data);
    this.keepLocally();
    if (newest.baseVersion === this.server.version) {
      this.setState("unsaved");
      this.save();
    } else {
      this.showConflict({ version: this.server.version, data: this.server.data });
    }
  }

  fill(data) {
    for (const el of this.fields) writeField(el, getPath(data, el.dataset.field));
  }

  collect() {
    const data = clone(this.server?.data ?? {});
    const roots = new Set();
    for (const el of this.fields) {
      setPath(data, el.dataset.field, readField(el));
      roots.add(parsePath(el.dataset.field)[0]);
    }
    for (const root of roots) {
      const kept = prune(data[root]); // a table's empty rows and an empty group are no answer
      if (kept === undefined) delete data[root];
      else data[root] = kept;
    }
    return data;
  }

  showDependencies(values) {
    for (const el of this.form.ownerDocument.querySelectorAll("[data-ft-dependency]")) {
      const value = values[el.dataset.ftDependency];
      if (value !== undefined && value !== null) el.textContent = textOf(value);
    }
  }

  setFieldsDisabled(disabled) {
    for (const el of this.form.querySelectorAll("input, textarea, select, button")) el.disabled = disabled;
  }

  edited(el, typing) {
    if (!el?.dataset?.field || this.server === null) return;
    this.data = this.collect();
    for (const source of ["submit", "save"]) this.problems[source].delete(el.dataset.field);
    this.validate(el, typing);
    if (!typing) this.validateGroups();
    this.keepLocally();
    if (this.conflict || this.state === "signed-out") return; // kept; saved once resolved
    if (this.dirty) {
      if (this.state !== "offline") this.setState("unsaved");
      this.schedule();
    }
  }

  /** Unsaved work goes to localStorage at every change, until the server confirms it. */
  keepLocally() {
    if (this.server === null) return; // nothing typed before the tool loaded
    const key = `${PENDING_PREFIX}${this.client.userId}:${this.slug}:${this.tab}`;
    if (!this.dirty) {
      localStorage.removeItem(key);
      return;
    }
    const entry = { data: this.data, baseVersion: this.server.version, at: Date.now() };
    try {
      localStorage.setItem(key, JSON.stringify(entry));
    } catch {
      // storage full or refused: the server copy is then the only one, say so
      this.setState("error", "Your browser refused to keep a copy of your changes on this device");
    }
  }

  schedule() {
    clearTimeout(this.timers.debounce);
    this.timers.debounce = setTimeout(() => this.save(), this.options.debounceMs);
    this.timers.maxWait ??= setTimeout(() => this.save(), this.options.maxWaitMs);
  }

  retryNow() {
    if (this.state === "offline") this.save();
  }

  /** Save the current answers now (one save in flight at a time). */
  async save({ keepalive = false } = {}) {
    clearTimeout(this.timers.debounce);
    clearTimeout(this.timers.maxWait);
    clearTimeout(this.timers.retry);
    this.timers.maxWait = null;
    if (this.conflict || this.server === null || this.state === "signed-out" || this.state === "locked") return;
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    if (!this.dirty) return;
    this.inFlight = this.sendSave(keepalive);
    try {
      await this.inFlight;
    } finally {
      this.inFlight = null;
    }
    if (this.again) {
      this.again = false;
      if (this.dirty && this.state !== "offline") await this.save();
    }
  }

  async sendSave(keepalive) {
    const sent = clone(this.data);
    const version = this.server.version;
    if (this.state !== "offline") this.setState("saving");
    let answer;
    try {
      answer = await this.client.request("POST", `/api/tools/${encodeURIComponent(this.slug)}/data`, { data: sent, version }, { keepalive });
    } catch (error) {
      return this.failed(error);
    }
    const error = answer.body?.error;
    if (answer.ok) {
      this.retries = 0;
      this.server = { version: answer.body.data.version, data: sent };
      // "required" waits for the submit: an answer not written yet is no mistake while typing
      this.setProblems("save", (answer.body.data.problems ?? []).filter((p) => p.rule !== "required"));
      this.keepLocally();
      if (this.dirty) this.schedule();
      else {
        this.savedAt = Date.now();
        this.setState("saved");
        this.dispatch("saved", { version: this.server.version });
      }
    } else if (answer.status === 409 && error?.code === "STALE_VERSION") {
      await this.stale();
    } else if (answer.status === 423) {
      this.setState("locked", error?.message);
    } else if (answer.status === 429 || answer.status >= 500 || !error) {
      this.offline(); // the service is down or busy: keep trying
    } else {
      this.setProblems("save", problemsOf(error));
      this.setState("error", `Not saved: ${error.message}`);
    }
  }

  /** Another tab or device saved first: load its version and let the user choose. */
  async stale() {
    let answer;
    try {
      answer = await this.client.request("GET", `/api/tools/${encodeURIComponent(this.slug)}/data`);
    } catch (error) {
      return this.failed(error);
    }
    if (!answer.ok) return this.offline();
    const theirs = { version: answer.body.data.version, data: answer.body.data.data ?? {} };
    if (same(theirs.data, this.data)) {
      // the same answers were saved already (this tab's own keepalive flush)
      this.server = theirs;
      this.keepLocally();
      this.savedAt = Date.now();
      this.setState("saved");
      return;
    }
    this.showConflict(theirs);
  }

  showConflict(theirs) {
    this.conflict = theirs;
    this.keepLocally();
    const differing = this.fields.filter((el) => !same(getPath(this.data, el.dataset.field), getPath(theirs.data, el.dataset.field)));
    renderConflict(this, differing, theirs);
    this.setState("conflict");
    this.dispatch("conflict", { mine: clone(this.data), theirs: clone(theirs) });
  }

  /** "mine", "theirs" or "both": what to keep of a conflict; the result is saved on top of
   * the other version. Until this is called neither version is discarded. */
  async resolveConflict(choice) {
    const theirs = this.conflict;
    if (!theirs) return;
    const mine = this.data;
    let kept = clone(theirs.data);
    if (choice !== "theirs") {
      for (const el of this.fields) {
        const path = el.dataset.field;
        const value = choice === "both" ? combine(getPath(mine, path), getPath(theirs.data, path)) : getPath(mine, path);
        setPath(kept, path, value);
      }
    }
    this.conflict = null;
    this.ui.conflict.hidden = true;
    this.ui.conflict.replaceChildren();
    this.server = theirs;
    this.fill(kept);
    this.data = this.collect();
    this.keepLocally();
    this.validateAll();
    if (this.dirty) {
      this.setState("unsaved");
      await this.save();
    } else {
      this.savedAt = Date.now();
      this.setState("saved");
    }
    this.fields[0]?.focus();
  }

  offline() {
    this.setState("offline");
    const delay = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** this.retries);
    this.retries += 1;
    clearTimeout(this.timers.retry);
    this.timers.retry = setTimeout(() => this.save(), delay * (0.75 + Math.random() / 2));
  }

  failed(error) {
    if (error instanceof SignedOutError) return this.signedOut();
    const answer = error.answer;
    const transient = error instanceof OfflineError || (answer && (answer.status >= 500 || answer.status === 429 || !answer.body));
    if (!transient) return this.setState("error", String(error.message ?? error));
    if (this.server !== null) return this.offline();
    // not loaded yet: load again, with the same backoff as saves
    this.setState("offline", "Offline: the tool will load when the service answers");
    const delay = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** this.retries);
    this.retries += 1;
    this.timers.retry = setTimeout(() => this.load().catch((e) => this.failed(e)), delay);
  }

  signedOut() {
    this.keepLocally();
    this.setState("signed-out");
    const { signInUrl } = this.options;
    if (!signInUrl) return;
    const target = new URL(signInUrl, location.href);
    target.searchParams.set("return_to", location.href.split("#")[0]);
    this.ui.alert.replaceChildren(
      document.createTextNode("Your session has ended; your changes are kept on this device. "),
      Object.assign(document.createElement("a"), { href: target.href, textContent: "Sign in again" }),
    );
    this.dispatch("signed-out", { signInUrl: target.href });
    if (this.options.redirectToSignIn !== false) location.assign(target.href);
  }

  /** Send unsaved answers now, in a request that outlives the page (tab closed, hidden). */
  flush() {
    if (!this.dirty || this.conflict || this.server === null) return;
    this.keepLocally();
    if (!this.inFlight) {
      this.save({ keepalive: true });
      return;
    }
    // a save is under way with older answers: send these too, fire and forget; if they
    // lose the race (409) they are still in localStorage for the next visit
    const body = { data: this.data, version: this.server.version };
    this.client.fetch("POST", `/api/tools/${encodeURIComponent(this.slug)}/data`, body, { keepalive: true }).catch(() => {});
  }

  /** Save what is pending, then submit; the server's 422 is shown on the fields. */
  async submit() {
    if (this.conflict || this.server === null) return;
    await this.save();
    while (this.inFlight) await this.inFlight;
    if (this.dirty || this.state === "offline" || this.state === "signed-out") {
      this.ui.alert.textContent = "Not submitted: your answers are not saved yet.";
      return;
    }
    this.setState("submitting");
    let answer;
    try {
      answer = await this.client.request("POST", `/api/tools/${encodeURIComponent(this.slug)}/submit`, { version: this.server.version });
    } catch (error) {
      return this.failed(error);
    }
    const error = answer.body?.error;
    if (answer.ok) {
      this.server = { version: answer.body.data.version, data: this.server.data };
      this.setProblems("submit", []);
      this.ui.alert.textContent = "";
      this.setState("submitted");
      this.dispatch("submitted", { unlockedTools: answer.body.data.unlocked_tools ?? [] });
    } else if (answer.status === 409 && error?.code === "STALE_VERSION") {
      await this.stale();
    } else {
      const problems = problemsOf(error);
      this.setProblems("submit", problems);
      this.setState("saved");
      this.ui.alert.textContent = problems.length
        ? `Not submitted: ${problems.length === 1 ? "one answer needs" : `${problems.length} answers need`} attention.`
        : `Not submitted: ${error?.message ?? "the service refused it"}`;
      this.fieldFor(problems[0]?.path ?? problems[0]?.field_id)?.focus();
    }
  }

  // -- problems next to their fields ---------------------------------------------------------

  /** The schema's rules on one field; while typing, "too short" waits until the field is left. */
  validate(el, typing = false) {
    if (!this.schema) return;
    const path = el.dataset.field;
    const found = checkValue(schemaAt(this.schema, path), readField(el), labelOf(el)).filter((p) => !typing || !AT_LEAST.has(p.rule));
    if (found.length) this.problems.schema.set(path, found.map((p) => ({ ...p, path })));
    else this.problems.schema.delete(path);
    this.renderProblems();
  }

  validateAll() {
    for (const el of this.fields) this.validate(el);
    this.validateGroups();
  }

  /** The rules of lists and tables as a whole (their number of rows), once a field is left. */
  validateGroups() {
    if (!this.schema) return;
    const groups = new Set();
    for (const el of this.fields) {
      const parts = parsePath(el.dataset.field);
      parts.forEach((part, i) => {
        if (typeof part === "number" && i > 0) groups.add(pathOf(parts.slice(0, i)));
      });
    }
    for (const group of groups) {
      const schema = schemaAt(this.schema, group);
      const found = schema ? checkValue(schema, getPath(this.data, group), group, false) : [];
      if (found.length) this.problems.schema.set(group, found.map((p) => ({ ...p, path: group })));
      else this.problems.schema.delete(group);
    }
    this.renderProblems();
  }

  setProblems(source, problems) {
    const byPath = new Map();
    for (const problem of problems) {
      const path = problem.path ?? problem.field_id;
      byPath.set(path, [...(byPath.get(path) ?? []), problem]);
    }
    this.problems[source] = byPath;
    this.renderProblems();
  }

  /** The field a problem's path names: the field itself, the nearest one containing it, or
   * for a group (a table's row count) the group's first field. */
  fieldFor(path) {
    if (!path) return null;
    const fields = this.fields;
    const inside = (outer, inner) => inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
    let best = null;
    for (const el of fields) {
      const field = el.dataset.field;
      if (field === path) return el;
      if (inside(field, path) && (!best || field.length > best.dataset.field.length)) best = el;
    }
    return best ?? fields.find((el) => inside(path, el.dataset.field)) ?? null;
  }

  renderProblems() {
    const byField = new Map();
    const unplaced = [];
    for (const source of ["submit", "save", "schema"]) {
      for (const [path, problems] of this.problems[source]) {
        const el = this.fieldFor(path);
        for (const problem of problems) {
          if (!el) unplaced.push(problem);
          // one rule broken at one path shows once, in the server's words when it sent them
          else if (!(byField.get(el) ?? []).some((p) => p.message === problem.message || (p.rule === problem.rule && p.path === path))) {
            byField.set(el, [...(byField.get(el) ?? []), { ...problem, path }]);
          }
        }
      }
    }
    for (const el of this.fields) showFieldProblems(el, byField.get(el) ?? []);
    this.ui.problems.replaceChildren(...unplaced.map((p) => Object.assign(document.createElement("li"), { textContent: p.message })));
    this.ui.problems.hidden = unplaced.length === 0;
  }

  // -- save state --------------------------------------------------------------------------

  setState(state, message) {
    this.state = state;
    this.form.dataset.ftState = state;
    this.form.setAttribute("aria-busy", String(state === "loading"));
    const text = message ?? STATE_TEXT[state];
    if (this.ui.state.textContent !== text) this.ui.state.textContent = text;
    if (["saved", "saving", "unsaved", "submitted"].includes(state) && !this.conflict) this.ui.alert.textContent = "";
    if (state === "signed-out" || state === "error" || state === "locked") this.ui.alert.textContent = text;
    this.renderAgo();
    this.dispatch("state", { state, message: text });
  }

  renderAgo() {
    const showAgo = this.state === "saved" && this.savedAt;
    this.ui.ago.textContent = showAgo ? ago(Date.now() - this.savedAt) : "";
  }

  /** The tool's PDF, saved as a file: the steps go to [data-ft-export-status] and to the
   * "export" event ({state: requested, rendering, downloading, done or failed, job,
   * waitedMs, error}). */
  async exportPdf() {
    const text = {
      requested: "Preparing the PDF…",
      rendering: "Preparing the PDF… (this can take a moment)",
      downloading: "Downloading the PDF…",
      done: "PDF downloaded",
    };
    const show = (message) => {
      for (const el of this.form.querySelectorAll("[data-ft-export-status]")) el.textContent = message;
    };
    const buttons = [...this.form.querySelectorAll("[data-ft-export]")].filter((button) => !button.disabled);
    for (const button of buttons) button.disabled = true; // only these are enabled again
    try {
      const { blob, filename, job } = await this.client.exportPdf(`/api/tools/${encodeURIComponent(this.slug)}/export?format=pdf`, {
        pollMs: this.options.exportPollMs,
        pollMaxMs: this.options.exportPollMaxMs,
        timeoutMs: this.options.exportTimeoutMs,
        onProgress: (progress) => {
          show(text[progress.state]);
          if (progress.state !== "done") this.dispatch("export", progress);
        },
      });
      saveFile(blob, filename);
      this.dispatch("export", { state: "done", job, filename, size: blob.size });
      return { blob, filename, job };
    } catch (error) {
      show(error.message);
      this.dispatch("export", { state: "failed", job: error.job ?? null, error: { code: error.code ?? error.name, message: error.message } });
      throw error;
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  }

  dispatch(name, detail) {
    const event = new CustomEvent(`fasttrack:${name}`, { bubbles: true, detail: { page: this, ...detail } });
    this.dispatchEvent(new CustomEvent(name, { detail }));
    this.form.dispatchEvent(event);
  }
}

function lockedText(tool) {
  const missing = (tool.missing_dependencies ?? []).map((m) => `${m.label ?? m.field_id} (${m.source_tool_name ?? m.source_tool})`);
  return missing.length ? `This tool is locked until you submit: ${missing.join(", ")}` : STATE_TEXT.locked;
}

function ago(ms) {
  const seconds = Math.round(ms / 1000);
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min ago` : `${Math.round(minutes / 60)} h ago`;
}

function labelOf(el) {
  return (el.labels?.[0]?.textContent ?? el.getAttribute("aria-label") ?? el.dataset.field).trim();
}

// -- what the client adds to the page ---------------------------------------------------------

function buildUi(form, id) {
  const make = (tag, attributes) => Object.assign(document.createElement(tag), attributes);
  let status = form.querySelector("[data-ft-status]");
  if (!status) {
    status = make("div", { className: "ft-status" });
    status.dataset.ftStatus = "";
    form.prepend(status);
  }
  const state = make("span", { className: "ft-state", id: `${id}-state` });
  state.setAttribute("role", "status"); // polite live region: "Saving…", "All changes saved"
  const ago = make("span", { className: "ft-ago" });
  ago.setAttribute("aria-hidden", "true"); // ticks every second: seen, not announced
  const alert = make("p", { className: "ft-alert", id: `${id}-alert` });
  alert.setAttribute("role", "alert"); // assertive: signed out, not submitted, refused
  status.replaceChildren(state, document.createTextNode(" "), ago, alert);
  const problems = make("ul", { className: "ft-problems", hidden: true });
  const conflict = make("section", { className: "ft-conflict", hidden: true, id: `${id}-conflict` });
  conflict.dataset.ftConflict = "";
  status.after(conflict, problems);
  return { status, state, ago, alert, problems, conflict };
}

function showFieldProblems(el, problems) {
  const id = `${el.id || el.dataset.field.replace(/[^\w-]/g, "-")}-problems`;
  let box = el.ownerDocument.getElementById(id);
  if (!box) {
    box = Object.assign(document.createElement("p"), { id, className: "ft-field-problems" });
    box.dataset.ftProblemsFor = el.dataset.field;
    el.after(box);
  }
  box.textContent = problems.map((p) => p.message).join(" ");
  box.hidden = problems.length === 0;
  const described = new Set((el.getAttribute("aria-describedby") ?? "").split(/\s+/).filter(Boolean));
  if (problems.length) {
    described.add(id);
    el.setAttribute("aria-invalid", "true");
  } else {
    described.delete(id);
    el.removeAttribute("aria-invalid");
  }
  if (described.size) el.setAttribute("aria-describedby", [...described].join(" "));
  else el.removeAttribute("aria-describedby");
}

function renderConflict(page, differing, theirs) {
  const make = (tag, text, attributes = {}) => Object.assign(document.createElement(tag), { textContent: text, ...attributes });
  const box = page.ui.conflict;
  const heading = make("h2", "These answers were saved somewhere else too", { id: `${page.id}-conflict-title`, tabIndex: -1 });
  const intro = make("p", "Another tab or device saved this tool while you were typing. Both versions are kept until you choose.");
  const rows = differing.map((el) => {
    const path = el.dataset.field;
    const row = make("div", "", { className: "ft-conflict-field" });
    row.dataset.ftConflictField = path;
    row.append(
      make("h3", labelOf(el)),
      make("p", "Yours", { className: "ft-conflict-label" }),
      make("pre", textOf(getPath(page.data, path)), { className: "ft-mine" }),
      make("p", "The other version", { className: "ft-conflict-label" }),
      make("pre", textOf(getPath(theirs.data, path)), { className: "ft-theirs" }),
    );
    return row;
  });
  const actions = make("div", "", { className: "ft-conflict-actions" });
  for (const [choice, text] of [["both", "Keep both"], ["mine", "Keep mine"], ["theirs", "Keep the other version"]]) {
    const button = make("button", text, { type: "button" });
    button.dataset.ftResolve = choice;
    button.addEventListener("click", () => page.resolveConflict(choice));
    actions.append(button);
  }
  box.setAttribute("aria-labelledby", heading.id);
  box.replaceChildren(heading, intro, ...rows, actions);
  box.hidden = false;
  heading.focus();
}

/** Start a ToolPage on `form` (done for every form[data-ft-tool] when the module loads). */
export function attach(form, options = {}) {
  const page = new ToolPage(form, options);
  form.fastTrack = page;
  page.ready = page.start();
  return page;
}

if (typeof document !== "undefined" && globalThis.fastTrackOptions?.autoStart !== false) {
  for (const form of document.querySelectorAll("form[data-ft-tool]")) attach(form);
}
