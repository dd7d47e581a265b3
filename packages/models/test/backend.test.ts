import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError, parseBackendName, selectBackend } from '../src/backend.js';

describe('selectBackend', () => {
  afterEach(async () => {
    await tf.setBackend('cpu');
  });

  it('falls through the missing native packages to wasm and says why', async () => {
    const messages: { msg: string; data?: object }[] = [];
    const selection = await selectBackend({ log: (msg, data) => messages.push({ msg, data }) });
    expect(selection.name).toBe('wasm');
    expect(selection.tfBackend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(selection.gpu).toBe(false);
    expect(selection.attempts.map((a) => [a.name, a.ok])).toEqual([
      ['tensorflow-gpu', false],
      ['tensorflow', false],
      ['wasm', true],
    ]);
    expect(selection.attempts[0].error).toMatch(/\S/);
    expect(selection.detail).toMatch(/^selected wasm .*unavailable: tensorflow-gpu: .*; tensorflow: /);
    expect(messages.map((m) => m.msg)).toEqual(['backend unavailable', 'backend unavailable', 'backend selected']);
    // The training kernels the wasm backend lacks are installed once it is chosen.
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBeDefined();
  });

  it('honours force: cpu', async () => {
    const selection = await selectBackend({ force: 'cpu' });
    expect(selection).toMatchObject({ name: 'cpu', tfBackend: 'cpu', gpu: false });
    expect(selection.attempts).toEqual([{ name: 'cpu', ok: true }]);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('fails clearly when a forced backend is unavailable, without falling back', async () => {
    const error = await selectBackend({ force: 'tensorflow' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as BackendUnavailableError).code).toBe('BACKEND_UNAVAILABLE');
    expect((error as Error).message).toMatch(/^backend 'tensorflow' was requested but is unavailable: \S/);
    expect((error as BackendUnavailableError).attempts.map((a) => a.name)).toEqual(['tensorflow']);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('rejects an unknown forced name', async () => {
    await expect(selectBackend({ force: 'gpu' as never })).rejects.toThrow(/force must be one of tensorflow-gpu, tensorflow, wasm, cpu; got 'gpu'/);
  });

  it('reports gpu only when TensorFlow says it uses one', async () => {
    // A stand-in for tfjs-node-gpu: registers a 'tensorflow' backend on this tfjs-core.
    const fakeNode = (usesGpu: boolean) => async (specifier: string) => {
      if (specifier !== '@tensorflow/tfjs-node-gpu') throw new Error(`Cannot find package '${specifier}'`);
      const cpu = tf.findBackend('cpu') as object;
      tf.registerBackend('tensorflow', () => Object.assign(Object.create(cpu), { isUsingGpuDevice: usesGpu }) as tf.KernelBackend);
      return {};
    };
    try {
      const withGpu = await selectBackend({ importModule: fakeNode(true) });
      expect(withGpu).toMatchObject({ name: 'tensorflow-gpu', tfBackend: 'tensorflow', gpu: true });
      await tf.setBackend('cpu');
      tf.removeBackend('tensorflow');
      const withoutGpu = await selectBackend({ importModule: fakeNode(false) });
      expect(withoutGpu).toMatchObject({ name: 'tensorflow-gpu', gpu: false });
    } finally {
      await tf.setBackend('cpu');
      tf.removeBackend('tensorflow');
    }
  });

  it('refuses a package that registered its backend on another tfjs-core', async () => {
    const error = await selectBackend({ force: 'tensorflow', importModule: async () => ({}) }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/did not register backend 'tensorflow' with this process's tfjs-core/);
  });
});

describe('parseBackendName', () => {
  it('maps empty to automatic and validates names', () => {
    expect(parseBackendName(undefined)).toBeUndefined();
    expect(parseBackendName(' ')).toBeUndefined();
    expect(parseBackendName('wasm')).toBe('wasm');
    expect(() => parseBackendName('cuda')).toThrow(/TF_BACKEND must be one of tensorflow-gpu, tensorflow, wasm, cpu; got 'cuda'/);
  });
});
