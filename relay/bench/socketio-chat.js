// The seeds' own stack as a peer for relay-bench: a Socket.IO 4 chat server
// with rooms, as a Socket.IO tutorial chat is written. A client names its
// room in the handshake query (?room=R) and joins it; every "msg" event it
// sends is emitted to the whole room, the sender included (io.to(room)),
// which Socket.IO encodes once per broadcast. WebSocket transport only (no
// long-polling upgrade dance), no compression, default heartbeat (ping every
// 25 s). Run: PORT=18100 node socketio-chat.js (needs socket.io on NODE_PATH
// or in node_modules; compare.sh installs it). relay-bench speaks to it with
// -proto socketio.
'use strict';
const http = require('http');
const { Server } = require('socket.io');

const port = Number(process.env.PORT || 18100);
const server = http.createServer();
const io = new Server(server, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  maxHttpBufferSize: 64 * 1024, // the relay's default -max-message
});

io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room || 'lobby');
  socket.join(room);
  socket.on('msg', (data) => {
    io.to(room).emit('msg', data);
  });
});
server.listen(port, '127.0.0.1', () =>
  console.error(`socketio-chat listening on 127.0.0.1:${port}, pid ${process.pid}`));
