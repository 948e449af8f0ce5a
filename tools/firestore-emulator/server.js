// Runs the in-memory Firestore emulator of @firestore-emulator/server on a
// loopback address, for the firestore store's tests when Google's emulator is
// not installed (scripts/services/70-firestore.sh decides).
//
//   node server.js [host:port]   # default 127.0.0.1:8686
//
// Nothing is kept on disk: the data lives until the process ends.
"use strict";

const { ServerCredentials } = require("@grpc/grpc-js");
const { FirestoreServer } = require("@firestore-emulator/server");
const { version } = require("@firestore-emulator/server/package.json");

const addr = process.argv[2] || "127.0.0.1:8686";
const emulator = new FirestoreServer();

// FirestoreServer.start binds 0.0.0.0; bind its gRPC server to the given
// address instead, so the emulator is reachable from this machine only.
emulator.server.bindAsync(addr, ServerCredentials.createInsecure(), (err) => {
  if (err) {
    console.error(`firestore emulator: cannot listen on ${addr}: ${err.message}`);
    process.exit(1);
  }
  console.log(`firestore emulator (@firestore-emulator/server ${version}) listening on ${addr}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    emulator.stop();
    process.exit(0);
  });
}
