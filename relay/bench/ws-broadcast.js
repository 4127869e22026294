// The seed-style Node broadcast server relay-bench compares our relay with:
// every message a client sends goes to every connected client, the sender
// included, in one wss.clients.forEach loop. Run: PORT=18090 node ws-broadcast.js
// (needs the ws package on NODE_PATH or in node_modules; compare.sh installs it).
'use strict';
const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.env.PORT || 18090);
const wss = new WebSocketServer({ host: '127.0.0.1', port });

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    wss.clients.forEach((c) => {
      if (c.readyState === WebSocket.OPEN) c.send(data, { binary: isBinary });
    });
  });
});
wss.on('listening', () => console.error(`ws-broadcast listening on 127.0.0.1:${port}, pid ${process.pid}`));
