// Initiates the MongoDB replica set rs0 of docker-compose.yml, once, then waits for a primary.
// Run by the one-shot `mongo-init` service against mongo1 (direct connection); running it again on an
// initiated set changes nothing, so `docker compose up` may run it at every start.
// Keep the member list in step with the mongo services and ICAFE_MONGO_URL (tests/unit/test_deploy.py).
const config = {
  _id: "rs0",
  members: [
    { _id: 0, host: "mongo1:27017", priority: 2 },
    { _id: 1, host: "mongo2:27017", priority: 1 },
    { _id: 2, host: "mongo3:27017", priority: 1 },
  ],
};

try {
  const status = rs.status();
  print(`replica set ${status.set} already initiated (${status.members.length} members)`);
} catch (error) {
  if (error.codeName !== "NotYetInitialized") {
    throw error;
  }
  rs.initiate(config);
  print("replica set rs0 initiated");
}

// The hub connects once a primary exists; fail (and so hold the hub back) if none is elected in time.
for (let attempt = 0; attempt < 120; attempt++) {
  const hello = db.adminCommand({ hello: 1 });
  if (hello.primary) {
    print(`primary: ${hello.primary}`);
    quit(0);
  }
  sleep(1000);
}
print("no primary was elected within 120 s: check `docker compose logs mongo1 mongo2 mongo3`");
quit(1);
