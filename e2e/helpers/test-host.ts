/**
 * A second test host on this machine: a network namespace joined to the root namespace by a veth
 * pair, with its own point-to-point subnet. An app started with `commandPrefix` runs inside it and
 * reaches the root namespace only through `gatewayAddress`; `cutOff()` takes the link down (packets
 * are dropped, connections hang as on a lost network) and `reconnect()` brings it back.
 *
 * Needs root (CAP_NET_ADMIN) and iproute2's `ip`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface TestHost {
  /** The namespace's name (`tf-<hex>`). */
  readonly name: string;
  /** The root namespace's end of the link, as the host sees it: listen here to be reachable from the host. */
  readonly gatewayAddress: string;
  /** The host's own address. */
  readonly address: string;
  /** Prefix for `startApp` that runs a command inside the namespace. */
  readonly commandPrefix: readonly string[];
  cutOff(): Promise<void>;
  reconnect(): Promise<void>;
  /** Deletes the namespace and the link (also after a failed start). */
  destroy(): Promise<void>;
}

async function ip(...args: string[]): Promise<void> {
  try {
    await exec('ip', args);
  } catch (err) {
    throw new Error(`ip ${args.join(' ')} failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`, { cause: err });
  }
}

/** Why test hosts cannot be made here, or undefined when they can. */
export async function testHostsUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'test hosts need root (network namespaces and veth links)';
  try {
    await exec('ip', ['netns', 'list']);
    return undefined;
  } catch (err) {
    return `iproute2's ip cannot list network namespaces: ${(err as Error).message}`;
  }
}

export async function createTestHost(): Promise<TestHost> {
  const id = randomBytes(3).toString('hex');
  const name = `tf-${id}`;
  // Interface names are at most 15 characters; the subnet is one of 10.231.0.0/16's /30s.
  const outside = `tfo${id}`;
  const inside = `tfi${id}`;
  const block = (Number.parseInt(id, 16) % 16_384) * 4;
  const gatewayAddress = `10.231.${Math.floor(block / 256)}.${(block % 256) + 1}`;
  const address = `10.231.${Math.floor(block / 256)}.${(block % 256) + 2}`;
  const destroy = async (): Promise<void> => {
    // Deleting the namespace deletes its end of the pair, and with it the other end.
    await exec('ip', ['netns', 'delete', name]).catch(() => undefined);
    await exec('ip', ['link', 'delete', outside]).catch(() => undefined);
  };
  try {
    await ip('netns', 'add', name);
    await ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
    await ip('link', 'set', inside, 'netns', name);
    await ip('addr', 'add', `${gatewayAddress}/30`, 'dev', outside);
    await ip('link', 'set', outside, 'up');
    await ip('-n', name, 'addr', 'add', `${address}/30`, 'dev', inside);
    await ip('-n', name, 'link', 'set', inside, 'up');
    await ip('-n', name, 'link', 'set', 'lo', 'up');
  } catch (err) {
    await destroy();
    throw err;
  }
  return {
    name,
    gatewayAddress,
    address,
    commandPrefix: ['ip', 'netns', 'exec', name],
    cutOff: () => ip('link', 'set', outside, 'down'),
    reconnect: () => ip('link', 'set', outside, 'up'),
    destroy,
  };
}
