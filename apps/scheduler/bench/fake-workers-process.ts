/**
 * The dispatch benchmark's workers in a process of their own, so the benchmark process's CPU time
 * is the scheduler's alone: `tsx bench/fake-workers-process.ts <redisUrl> <namespace> <workers>`
 * starts the in-process fake workers (test/helpers/fake-worker.ts, no checkpoints), prints `ready`
 * and runs until its stdin closes; then it prints its own CPU time in ms and exits.
 */
import { startFakeWorkers } from '../test/helpers/fake-worker.js';

const [redisUrl, namespace, count] = process.argv.slice(2);
const workers = await startFakeWorkers({ redisUrl, namespace, workers: Number(count), checkpoints: false });
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => {
  void workers.close().then(() => {
    const cpu = process.cpuUsage();
    process.stdout.write(`cpu ${(cpu.user + cpu.system) / 1000}\n`);
    process.exit(0);
  });
});
