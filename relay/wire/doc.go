// Package wire holds the chat.v1 frames exchanged between a chat client and
// the relay, and the rules for the names that appear in them.
//
// Use it from both sides of the connection: it imports nothing but the
// standard library's encoding packages, so the WebAssembly client can link it
// without pulling in any server code. relay/PROTOCOL.md is the prose version
// of this package; the two must agree.
package wire
