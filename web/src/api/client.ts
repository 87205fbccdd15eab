// The one way the app talks to the node: openapi-fetch over the generated paths, the CSRF
// header on changes, and RFC 9457 problem details turned into ApiError.
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

let csrfToken: string | null = null;

/** The session's synchronizer token (from login or GET /auth/session), echoed as X-CSRF-Token. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (csrfToken && request.method !== 'GET' && request.method !== 'HEAD') {
      request.headers.set('X-CSRF-Token', csrfToken);
    }
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? 'http://localhost', credentials: 'same-origin' });
api.use(csrf);

/** An RFC 9457 problem: status, title, detail, and per-field messages for invalid input. */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | null;
  readonly type: string;
  readonly errors: Record<string, string[]>;
  /** The problem's extension members, e.g. `limit` of a plan-limit problem. */
  readonly extensions: Record<string, unknown>;

  constructor(status: number, body: unknown) {
    const problem = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const title = typeof problem.title === 'string' ? problem.title : `HTTP ${status}`;
    super(typeof problem.detail === 'string' ? problem.detail : title);
    this.status = status;
    this.title = title;
    this.detail = typeof problem.detail === 'string' ? problem.detail : null;
    this.type = typeof problem.type === 'string' ? problem.type : 'about:blank';
    this.errors = {};
    const standard = ['type', 'title', 'status', 'detail', 'instance', 'errors'];
    this.extensions = Object.fromEntries(Object.entries(problem).filter(([k]) => !standard.includes(k)));
    if (typeof problem.errors === 'object' && problem.errors !== null) {
      for (const [field, messages] of Object.entries(problem.errors as Record<string, unknown>)) {
        // ASP.NET Core writes the keys as given; the app's fields are camelCase.
        const key = field.charAt(0).toLowerCase() + field.slice(1);
        this.errors[key] = Array.isArray(messages) ? messages.map(String) : [String(messages)];
      }
    }
  }

  /** The last segment of a hostedmail problem type: two-factor-required, plan-limit, ... */
  get code(): string {
    const at = this.type.lastIndexOf('/');
    return this.type.startsWith('https://hostedmail.dev/problems/') ? this.type.slice(at + 1) : '';
  }

  fieldError(field: string): string | undefined {
    return this.errors[field]?.join(' ');
  }
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/**
 * Awaits an openapi-fetch call, returning the body or throwing ApiError. The body's type is the
 * endpoint's declared answer (schema.d.ts); a type given as `call<T>` must be one the answer fits,
 * so the compiler catches a page reading another endpoint's shape.
 */
export async function call<T>(request: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await request;
  if (!response.ok) {
    throw new ApiError(response.status, error);
  }
  return data as T;
}
