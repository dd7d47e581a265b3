/**
 * Partitions parameter names into groups whose members always occur together: each observed set of
 * names splits every existing group into its part inside and outside the set (Optuna
 * `_GroupDecomposedSearchSpace`). In a conditional space this separates each branch's parameters, so
 * each group can get a joint estimator from exactly the trials that have all of it.
 */
export function decomposeGroups(nameSets: Iterable<readonly string[]>): string[][] {
  let groups: Set<string>[] = [];
  for (const names of nameSets) {
    const rest = new Set(names);
    if (rest.size === 0) continue;
    const next: Set<string>[] = [];
    for (const g of groups) {
      const inside = new Set<string>();
      const outside = new Set<string>();
      for (const n of g) (rest.has(n) ? inside : outside).add(n);
      if (inside.size > 0) next.push(inside);
      if (outside.size > 0) next.push(outside);
      for (const n of inside) rest.delete(n);
    }
    if (rest.size > 0) next.push(rest);
    groups = next;
  }
  return groups.map((g) => [...g]);
}
