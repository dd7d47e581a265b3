/**
 * Where a deployment's Redis is, as every process reads it from REDIS_URL: a standalone server
 * (`redis://…`, `rediss://…`, as ioredis takes them) or a Redis Cluster, named by some of its nodes
 * (`redis-cluster://[user:password@]host:port,host:port/`, or `rediss-cluster://` for TLS). The
 * cluster form needs a hash-tag namespace (QUEUE_PREFIX such as `{tunefleet}`).
 */
export type RedisTarget =
  | { readonly kind: 'standalone'; readonly url: string }
  | {
      readonly kind: 'cluster';
      readonly nodes: readonly { readonly host: string; readonly port: number }[];
      /** Options every node connection takes (ioredis' `redisOptions` of a Cluster). */
      readonly nodeOptions: { readonly username?: string; readonly password?: string; readonly tls?: Record<string, never> };
    };

const CLUSTER = /^(rediss?)-cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)\/?$/;

export function parseRedisUrl(url: string): RedisTarget {
  if (!/^[a-z][a-z0-9+.-]*-cluster:/.test(url)) return { kind: 'standalone', url };
  const match = CLUSTER.exec(url);
  if (match === null) throw new RangeError('REDIS_URL: a cluster URL reads redis-cluster://[user:password@]host:port[,host:port…]');
  const [, scheme, username, password, hostList] = match;
  const nodes = hostList!.split(',').map((node) => {
    const parsed = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(node);
    const port = Number(parsed?.[2]);
    if (parsed === null || port < 1 || port > 65_535) throw new RangeError(`REDIS_URL: cluster node ${JSON.stringify(node)} is not host:port`);
    return { host: parsed[1]!.replace(/^\[|\]$/g, ''), port };
  });
  return {
    kind: 'cluster',
    nodes,
    nodeOptions: {
      ...(username !== undefined && username !== '' && { username: decodeURIComponent(username) }),
      ...(password !== undefined && { password: decodeURIComponent(password) }),
      ...(scheme === 'rediss' && { tls: {} }),
    },
  };
}
