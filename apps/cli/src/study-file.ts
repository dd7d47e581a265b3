/**
 * Study files: YAML or JSON (JSON is YAML, so one parser reads both), and the way back from an
 * issue's JSON path (`space.learning_rate.low`) to the line and column in the file it came from.
 */
import { type Document, LineCounter, type Node, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';

export interface SourcePosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
}

export interface ParsedStudyFile {
  readonly body: unknown;
  /** Where the node at a JSON path starts; for a path that is not in the file, its nearest ancestor. */
  locate(path: string): SourcePosition;
}

export interface SyntaxProblem extends SourcePosition {
  readonly message: string;
}

/** A file that is not YAML or JSON at all. */
export class StudyFileSyntaxError extends Error {
  constructor(readonly problems: readonly SyntaxProblem[]) {
    super(`not valid YAML or JSON: ${problems.map((p) => `${p.line}:${p.col} ${p.message}`).join('; ')}`);
    this.name = 'StudyFileSyntaxError';
  }
}

/** `space.kernel.choices[1]` → ['space', 'kernel', 'choices', 1]; `body` (the whole submission) → []. */
export function pathSegments(path: string): (string | number)[] {
  if (path === '' || path === 'body') return [];
  const segments: (string | number)[] = [];
  for (const part of path.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) {
      segments.push(part);
      continue;
    }
    if (match[1] !== '') segments.push(match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

export function parseStudyFile(text: string): ParsedStudyFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new StudyFileSyntaxError(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { line: pos.line, col: pos.col, message: e.message.split('\n')[0] };
      }),
    );
  }
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  return {
    body: doc.toJS({ maxAliasCount: 100 }),
    locate: (path) => at(locateOffset(doc, pathSegments(path))),
  };
}

/**
 * The offset to show for a path: a scalar value itself (`low: 5e-1` → the `5e-1`), a key whose
 * value is a map or list (an error about the whole `pruner:`), and when the path leaves the file
 * (a missing property) the key of the deepest part that exists.
 */
function locateOffset(doc: Document, segments: readonly (string | number)[]): number {
  let node: unknown = doc.contents;
  let anchor = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment));
      if (!pair) return anchor;
      const keyStart = (pair.key as Node | null)?.range?.[0];
      const value = pair.value as Node | null;
      anchor = isScalar(value) && value.range ? value.range[0] : (keyStart ?? anchor);
      node = value;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      const item = node.items[segment] as Node | null;
      if (item?.range) anchor = item.range[0];
      node = item;
    } else return anchor;
  }
  return anchor;
}
