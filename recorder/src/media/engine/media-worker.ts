/**
 * Entry point of a media worker thread (started by {@link MediaEngine}): wires `parentPort` to a
 * {@link WorkerHost}. Like `main.ts`, this module does its work when loaded; nothing else imports it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EngineRequest, WorkerInit } from './engine-protocol.js';
import { warmUpDecoders } from '../receiver/codec-warmup.js';
import { WorkerHost } from './worker-host.js';

const port = parentPort;
if (port) {
  const host = new WorkerHost(workerData as WorkerInit, (message) => port.postMessage(message));
  port.on('message', (request: EngineRequest) => host.handle(request));
  warmUpDecoders();
  host.start();
  port.postMessage({ type: 'ready' });
}
