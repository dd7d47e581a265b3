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
});
