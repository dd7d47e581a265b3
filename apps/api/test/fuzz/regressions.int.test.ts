/**
 * Inputs the api fuzzer found answered with 500 (issue 6), each pinned here: they must now be
 * 400s naming the field, and store nothing.
 */
import { describe, expect } from 'vitest';
import { AUTH, apiTest, functionStudyBody } from '../helpers.js';

const json = { ...AUTH, 'content-type': 'application/json' };

describe('fuzzer findings', () => {
  apiTest('a NUL character or lone surrogate in a study name or space key is a 400, not a failed INSERT', async ({ api }) => {
    const base = JSON.stringify(functionStudyBody());
    const cases: [string, string][] = [
      [base.replace('"name":"branin"', '"name":"a\\u0000b"'), 'name'],
      [base.replace('"name":"branin"', '"name":"\\ud800x"'), 'name'],
      [base.replace('"name":"branin"', '"name":"x\\udfff"'), 'name'],
      [base.replace('"x1":', '"x\\u00001":'), 'space.x\\u00001'],
    ];
    for (const [payload, field] of cases) {
      const res = await api.app.inject({ method: 'POST', url: '/studies', headers: json, payload });
      expect(res.statusCode, payload).toBe(400);
      expect(res.json()).toMatchObject({ code: 'JSON_BODY_INVALID', issues: [expect.objectContaining({ field })] });
    }
    expect((await api.app.inject({ method: 'GET', url: '/studies' })).json().items).toEqual([]);
  });

  apiTest('a trial cursor beyond int4 is a 400 naming querystring.after', async ({ api }) => {
    const id = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() })).json().id;
    for (const after of ['99999999999999999999999', String(2 ** 31)]) {
      const res = await api.app.inject({ method: 'GET', url: `/studies/${id}/trials?after=${after}` });
      expect(res.statusCode, after).toBe(400);
      expect(res.json().issues[0].field).toBe('querystring.after');
    }
    expect((await api.app.inject({ method: 'GET', url: `/studies/${id}/trials?after=${2 ** 31 - 1}` })).statusCode).toBe(200);
  });

  apiTest('query and path numbers beyond double range are 400s naming the field, not Infinity reaching Postgres', async ({ api }) => {
    const id = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() })).json().id;
    const cases: [string, string][] = [];
    for (const value of ['1e400', 'Infinity', '-1e400', '-Infinity']) {
      cases.push([`/studies/${id}/trials?limit=${value}`, 'querystring.limit']);
      cases.push([`/studies/${id}/trials?after=${value}`, 'querystring.after']);
      cases.push([`/studies/${id}/leaderboard?limit=${value}`, 'querystring.limit']);
      cases.push([`/studies?limit=${value}`, 'querystring.limit']);
      cases.push([`/trials/00000000-0000-4000-8000-000000000000/checkpoints/${value}`, 'params.epoch']);
    }
    for (const [url, field] of cases) {
      const res = await api.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().issues.map((i: { field: string }) => i.field), url).toContain(field);
    }
    const body = JSON.stringify(functionStudyBody()).replace('"maxTrials":50', '"maxTrials":1e400');
    const created = await api.app.inject({ method: 'POST', url: '/studies', headers: { ...json }, payload: body });
    expect(created.statusCode).toBe(400);
    expect(created.json().issues).toEqual([{ field: 'maxTrials', message: 'must be a finite number' }]);
  });

  apiTest('an object with a non-callable toString where the space wants a scalar is a 400, not a TypeError', async ({ api }) => {
    const evil = { toString: '' };
    const cases: [Record<string, unknown>, string][] = [
      [{ x1: { type: evil, low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } }, 'space.x1'],
      [{ x1: { type: 'float', low: evil, high: 10 }, x2: { type: 'float', low: 0, high: 15 } }, 'space.x1'],
      [{ x1: { type: 'float', low: -5, high: 10, log: [evil] }, x2: { type: 'float', low: 0, high: 15 } }, 'space.x1'],
    ];
    for (const [space, field] of cases) {
      const res = await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody({ space }) });
      expect(res.statusCode, JSON.stringify(space)).toBe(400);
      expect(res.json().issues.map((i: { field: string }) => i.field)).toContain(field);
    }
  });
});
