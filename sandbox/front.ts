import http from 'node:http';

/**
 * A fixed loopback address for the whole process. The SDK clients in the handler modules resolve
 * `AWS_ENDPOINT_URL` once, when the module is first imported, so every sandbox run in one process must be
 * reachable at the same address: this front forwards each request to the emulator of the run in progress.
 */
let target: string | undefined;
let front: Promise<string> | undefined;
let server: http.Server | undefined;

export function retarget(url: string | undefined): void {
  target = url;
}

export function frontUrl(): Promise<string> {
  front ??= new Promise((resolve, reject) => {
    server = http.createServer((req, res) => {
      if (!target) {
        res.writeHead(503, { 'x-amzn-errortype': 'ServiceUnavailable' });
        res.end('{"__type":"ServiceUnavailable","message":"no sandbox run in progress"}');
        return;
      }
      const upstream = http.request(
        `${target}${req.url ?? '/'}`,
        { method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', (err) => {
        res.writeHead(502);
        res.end(JSON.stringify({ __type: 'InternalFailure', message: err.message }));
      });
      req.pipe(upstream);
    });
    const listening = server;
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
