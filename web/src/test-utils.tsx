import type { ReactNode } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { render } from '@testing-library/react';
import { vi } from 'vitest';

export function renderWithApp(ui: ReactNode, path = '/') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>{ui}</MemoryRouter>
    </QueryClientProvider>,
  );
}

export type Answer = { status: number; body?: unknown; type?: string };

/** Answers fetch by "METHOD /path"; records every request for assertions. */
export function answerFetch(answers: Record<string, Answer | ((request: Request) => Answer)>) {
  const seen: Request[] = [];
  vi.mocked(fetch).mockImplementation(async (input: RequestInfo | URL) => {
    const request = input instanceof Request ? input : new Request(String(input));
    seen.push(request.clone());
    const key = `${request.method} ${new URL(request.url).pathname}`;
    const found = answers[key];
    const answer = typeof found === 'function' ? found(request) : found ?? { status: 404, body: { title: 'not found', status: 404 } };
    const body = answer.body === undefined ? null : JSON.stringify(answer.body);
    return new Response(body, { status: answer.status, headers: { 'Content-Type': answer.type ?? (answer.status >= 400 ? 'application/problem+json' : 'application/json') } });
  });
  return seen;
}
