import { closeFront } from '../sandbox/front.ts';
import { processIo } from './io.ts';
import { main } from './main.ts';

// `caretaker … | head -2`: the reader is gone, so is our reason to go on. Quietly, like any Unix tool.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });

process.exitCode = await main(process.argv.slice(2), processIo);
// The sandbox's loopback front and the SDK's kept-alive connections to it would hold the process open.
closeFront();
