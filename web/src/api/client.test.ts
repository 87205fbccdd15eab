import { describe, expect, it } from 'vitest';
import { ApiError, api, call, setCsrfToken } from './client';
import { answerFetch } from '../test-utils';

describe('ApiError', () => {
  it('reads an RFC 9457 validation problem with per-field messages', () => {
    const error = new ApiError(400, {
      type: 'https://hostedmail.dev/problems/validation',
      title: 'invalid request',
      status: 400,
      detail: 'Some fields are not valid.',
      errors: { Password: ['password is too short: at least 10 characters are required'], quotaBytes: ['quota must be positive'] },
    });
    expect(error.code).toBe('validation');
    expect(error.fieldError('password')).toBe('password is too short: at least 10 characters are required');
    expect(error.fieldError('quotaBytes')).toBe('quota must be positive');
    expect(error.fieldError('address')).toBeUndefined();
  });

  it('keeps the problem\'s extension members, e.g. which plan limit was hit', () => {
    const error = new ApiError(403, { type: 'https://hostedmail.dev/problems/plan-limit', title: 'plan limit reached', status: 403, detail: 'the free plan allows 1 domain(s)', limit: 'domains' });
    expect(error.code).toBe('plan-limit');
    expect(error.extensions).toEqual({ limit: 'domains' });
  });

  it('survives a body that is not a problem', () => {
    const error = new ApiError(502, 'Bad Gateway');
    expect(error.title).toBe('HTTP 502');
    expect(error.code).toBe('');
    expect(error.errors).toEqual({});
  });
});

describe('the API client', () => {
  it('sends the session CSRF token with changes and not with reads', async () => {
    const seen = answerFetch({ 'GET /api/v1/domains': { status: 200, body: { items: [], total: 0 } }, 'POST /api/v1/domains': { status: 201, body: { id: 1 } } });
    setCsrfToken('csrf-123');
    await call(api.GET('/api/v1/domains'));
    await call(api.POST('/api/v1/domains', { body: { name: 'example.com' } }));
    expect(seen[0].headers.get('X-CSRF-Token')).toBeNull();
    expect(seen[1].headers.get('X-CSRF-Token')).toBe('csrf-123');
    setCsrfToken(null);
  });

  it('turns a problem answer into ApiError', async () => {
    answerFetch({ 'POST /api/v1/domains': { status: 409, body: { title: 'conflict', status: 409, detail: 'the domain is taken' } } });
    await expect(call(api.POST('/api/v1/domains', { body: { name: 'x.example' } }))).rejects.toMatchObject({ status: 409, detail: 'the domain is taken' });
  });

});
