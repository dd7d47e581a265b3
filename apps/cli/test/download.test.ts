import { describe, expect, it } from 'vitest';
import { fileNameFromDisposition } from '../src/commands/download.js';

describe('fileNameFromDisposition', () => {
  it.each([
    ['attachment; filename="trial-abc-epoch-3.tar"', 'trial-abc-epoch-3.tar'],
    ['attachment; filename=plain.tar', 'plain.tar'],
    ["attachment; filename*=UTF-8''caf%C3%A9.tar", 'café.tar'],
    // Never a path: a name that tries to leave the working directory keeps only its last part.
    ['attachment; filename="../../etc/passwd"', 'passwd'],
    ['attachment; filename="..\\\\windows\\\\x.tar"', 'x.tar'],
    ['attachment; filename=".."', null],
    ['attachment', null],
    [null, null],
  ])('%s → %s', (header, name) => {
    expect(fileNameFromDisposition(header)).toBe(name);
  });
});
