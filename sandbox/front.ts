import http from 'node:http';

/**
 * A fixed loopback address for the whole process. The SDK clients in the handler modules resolve
 * `AWS_ENDPOINT_URL` once, when the module is first imported, so every sandbox run in one process must be
 * reachable at the same address: this front hands each request to the emulator of the run in progress,
 * in-process (no second HTTP hop).
 */
let target: http.RequestListener | undefined;
let front: Promise<string> | undefined;
let server: http.Server | undefined;

export function retarget(handler: http.RequestListener | undefined): void {
  target = handler;
}

export function frontUrl(): Promise<string> {
  front ??= new Promise((resolve, reject) => {
    const listening = http.createServer((req, res) => {
      if (target) return target(req, res);
      res.writeHead(503, { 'x-amzn-errortype': 'ServiceUnavailable' });
      res.end('{"__type":"ServiceUnavailable","message":"no sandbox run in progress"}');
    });
    server = listening;
    listening.keepAliveTimeout = 60_000;
    listening.on('error', reject);
    listening.listen(0, '127.0.0.1', () => {
      listening.unref();
      resolve(`http://127.0.0.1:${(listening.address() as { port: number }).port}`);
    });
  });
  return front;
}

/** Closes the front and the SDK's kept-alive connections to it, so a command can exit at once. */
export function closeFront(): void {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
  front = undefined;
}
