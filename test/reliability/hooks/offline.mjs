// Test hook, loaded with `node --import`: any attempt to reach the network fails loudly, so a test
// run proves the trainer needs nothing from outside the machine.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { syncBuiltinESMExports } from 'node:module';

function refuse(what) {
  return () => {
    process.stderr.write(`NETWORK ACCESS ATTEMPTED: ${what}\n`);
    throw new Error(`network access attempted: ${what}`);
  };
}
globalThis.fetch = refuse('fetch');
net.Socket.prototype.connect = refuse('net.Socket.connect');
net.connect = net.createConnection = refuse('net.connect');
http.request = http.get = refuse('http.request');
https.request = https.get = refuse('https.request');
dns.lookup = dns.resolve = refuse('dns');
dns.promises.lookup = dns.promises.resolve = refuse('dns.promises');
syncBuiltinESMExports();
