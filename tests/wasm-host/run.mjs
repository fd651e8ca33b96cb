// Drives the ftps-proto client machine compiled to wasm32-unknown-unknown through a scripted
// explicit FTPS session, asserting every action it emits. No npm packages: the WebAssembly
// API only. Usage: node run.mjs path/to/ftps_proto_wasm_host.wasm
import { readFileSync } from "node:fs";

const bytes = readFileSync(process.argv[2]);
const module = new WebAssembly.Module(bytes);
let passed = 0;
let failed = 0;

function check(name, ok, detail = "") {
  if (ok) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name} ${detail}`);
  }
}

// The core must not need anything from the host: no `env` imports at all.
const imports = WebAssembly.Module.imports(module);
check(
  "the module imports nothing from env",
  imports.every((i) => i.module !== "env"),
  JSON.stringify(imports),
);
check("the module imports nothing at all", imports.length === 0, JSON.stringify(imports));

const instance = new WebAssembly.Instance(module, {});
const x = instance.exports;
const enc = new TextEncoder();
const dec = new TextDecoder();
const capacity = x.io_capacity();

function put(text) {
  const data = typeof text === "string" ? enc.encode(text) : text;
  if (data.length > capacity) throw new Error("input too large");
  new Uint8Array(x.memory.buffer, x.io_buffer(), data.length).set(data);
  return data.length;
}

let now = 1000n; // virtual time in ms (u64 crosses the ABI as BigInt)
const tick = () => (now += 5n);

// Request numbers come back as i64, i.e. BigInt.
// Drains the client's outputs until `timeout` or `idle` (the contract), returning them.
function drain() {
  const out = [];
  for (let i = 0; i < 100; i++) {
    const len = x.client_poll();
    const line = dec.decode(new Uint8Array(x.memory.buffer, x.io_buffer(), len));
    if (line.startsWith("timeout") || line === "idle") return out;
    out.push(line);
  }
  throw new Error("the client did not settle");
}

function server(lines) {
  x.client_input(put(lines.map((l) => l + "\r\n").join("")), tick());
  return drain();
}

function expect(name, got, want) {
  const ok = JSON.stringify(got) === JSON.stringify(want);
  check(name, ok, `\n     got  ${JSON.stringify(got)}\n     want ${JSON.stringify(want)}`);
}

// ---- the codec on its own
check("codec: 226 decodes", x.decode_reply_code(put("226 Transfer complete\r\n")) === 226);
check(
  "codec: multi-line 211 decodes",
  x.decode_reply_code(put("211-Features:\r\n EPSV\r\n211 End\r\n")) === 211,
);
check("codec: a reply code out of range is rejected", x.decode_reply_code(put("700 no\r\n")) === -1);
check("codec: an incomplete reply is rejected", x.decode_reply_code(put("220 no line end")) === -1);

// ---- a scripted explicit FTPS session
x.client_new(1, now);
expect("new: nothing to do before the greeting", drain(), []);
const login = x.client_login(put("alice\0secret"), tick());
check("login request accepted", login === 1n, `id ${login}`);
expect("login parked until the greeting", drain(), []);

expect("S: 220 -> C: AUTH TLS", server(["220 FTPS ready"]), ["send AUTH TLS"]);
expect("S: 234 -> StartTls(control)", server(["234 Proceed with negotiation."]), [
  "starttls control resume=false",
]);
x.client_tls_ready(0, tick());
expect("TLS ready -> connected, C: USER", drain(), ["connected tls=true", "send USER alice"]);
expect("S: 331 -> C: PASS (redacted here)", server(["331 Password required"]), [
  "send PASS <redacted>",
]);
expect("S: 230 -> C: PBSZ 0", server(["230 Logged in"]), ["send PBSZ 0"]);
expect("S: 200 -> C: PROT P", server(["200 PBSZ=0"]), ["send PROT P"]);
expect("S: 200 -> C: FEAT", server(["200 Protection level set to P"]), ["send FEAT"]);
expect("S: 211 FEAT -> C: TYPE I", server(["211-Features:", " EPSV", " PBSZ", " PROT", "211 End"]), [
  "send TYPE I",
]);
expect("S: 200 -> logged in", server(["200 Switching to Binary mode."]), [
  "completed #1 ok logged-in",
]);

const retr = x.client_retrieve(put("notes.txt"), tick());
check("retrieve request accepted", retr === 2n, `id ${retr}`);
expect("C: EPSV", drain(), ["send EPSV"]);
expect("S: 229 -> OpenData to the control peer", server(["229 Entering Extended Passive Mode (|||40001|)"]), [
  "opendata #2 peer:40001",
]);
x.client_data_connected(tick());
expect("data connected -> C: RETR", drain(), ["send RETR notes.txt"]);
expect("S: 150 -> StartTls(data) resuming the session", server(["150 Opening BINARY mode data connection"]), [
  "starttls data resume=true",
]);
x.client_tls_ready(1, tick());
expect("data TLS ready -> transfer started", drain(), ["transfer-started #2"]);
expect("S: 226 alone is not completion", server(["226 Transfer complete"]), []);
x.client_data_ended(0, tick());
expect("close_notify + 226 -> completed", drain(), ["completed #2 ok transferred 226"]);

const quit = x.client_quit(tick());
check("quit request accepted", quit === 3n, `id ${quit}`);
expect("C: QUIT", drain(), ["send QUIT"]);
const last = server(["221 Goodbye"]);
check("S: 221 -> completed, closed, close", last.length === 3 && last[0].startsWith("completed #3 ok Done(Reply { code: 221") && last[1].startsWith("closed Quit") && last[2] === "close", JSON.stringify(last));

// ---- the same client rejects a truncated download
x.client_new(0, now);
x.client_login(put("alice\0secret"), tick());
drain();
server(["220 plain"]);
server(["331 pw"]);
server(["230 in"]);
server(["211 no features"]);
server(["200 binary"]);
x.client_retrieve(put("f"), tick());
drain();
server(["229 Entering Extended Passive Mode (|||40002|)"]);
x.client_data_connected(tick());
drain();
expect("plain: S: 150 -> transfer started", server(["150 go"]), ["transfer-started #2"]);
x.client_data_ended(2, tick());
expect("a failed data connection + 226 is a failure", server(["226 done"]), [
  "completed #2 err data-connection Failed",
]);

// ---- bytes in clear behind 234 end the session
x.client_new(1, now);
drain();
server(["220 hi"]);
const inj = server(["234 ok", "230 injected"]);
check(
  "plaintext behind 234 closes the session before any handshake",
  inj.some((l) => l.startsWith("closed Protocol")) && !inj.some((l) => l.startsWith("starttls")),
  JSON.stringify(inj),
);

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
