// A TCP port nothing listens on, for a process about to start. It comes from below the kernel's
// ephemeral range, so no outgoing connection can take it before the process binds it (or while a
// killed process is restarted on it), and it is never one already handed out: roles that ask one
// after the other cannot get the same port while neither has bound it yet.
// From a script: node scripts/free-port.mjs [PORT...] prints a port that is none of the PORTs.
import fs from 'node:fs';
import net from 'node:net';
import { pathToFileURL } from 'node:url';

const handedOut = new Set();

function ephemeralLow() {
  try {
    return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32768;
  }
}

const canListen = (port) =>
  new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A free port that is not in `taken` and was not handed out by this process before. */
export async function freePort(taken = []) {
  const low = 10000;
  const high = Math.max(ephemeralLow(), low + 1000);
  for (let tries = 0; tries < 200; tries++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port) || taken.includes(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free TCP port between ${low} and ${high}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await freePort(process.argv.slice(2).map(Number)));
}
