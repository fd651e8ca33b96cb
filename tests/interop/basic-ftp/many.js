// Node's basic-ftp as an FTPS client for run-server-matrix.sh: ONE control session, a listing
// (MLSD when the server announces MLST), then every transfer of a plan file (lines `put LOCAL
// REMOTE` / `get REMOTE LOCAL`, see ../many.sh) in order. TLS version forced on control and
// data; basic-ftp resumes the control connection's TLS session on every data connection.
//
// Usage: node many.js MODULE_DIR explicit|implicit 1.2|1.3 HOST PORT USER PASS CAFILE PLAN
//   MODULE_DIR: the node_modules directory holding basic-ftp (installed by the matrix script
//   into a scratch directory; nothing is installed here).
// Output: one summary line on stdout; basic-ftp's protocol log on stderr. Exit 1 at the first
// failure, naming the step and the server's reply.
"use strict";
const fs = require("fs");
const path = require("path");

async function main(argv) {
    if (argv.length !== 9) {
        console.error("usage: many.js MODULE_DIR explicit|implicit 1.2|1.3 HOST PORT USER PASS CAFILE PLAN");
        return 2;
    }
    const [moduleDir, mode, tls, host, port, user, password, cafile, plan] = argv;
    const ftp = require(path.join(moduleDir, "basic-ftp"));
    const version = { "1.2": "TLSv1.2", "1.3": "TLSv1.3" }[tls];
    const steps = fs.readFileSync(plan, "utf8").split("\n").filter(l => l.trim()).map(l => l.split(" "));
    const client = new ftp.Client(60000);
    // The protocol log goes to stderr (basic-ftp logs with console.log).
    console.log = (...m) => process.stderr.write(m.join(" ") + "\n");
    client.ftp.verbose = true;
    let done = 0;
    try {
        await client.access({
            host, port: Number(port), user, password,
            secure: mode === "implicit" ? "implicit" : true,
            secureOptions: { ca: [fs.readFileSync(cafile)], minVersion: version, maxVersion: version },
        });
        const negotiated = client.ftp.socket.getProtocol();
        if (negotiated !== version) throw new Error(`negotiated ${negotiated}, wanted ${version}`);
        const listing = await client.list();
        if (!listing.some(f => f.name === "hello.txt")) {
            throw new Error(`listing lacks hello.txt: ${JSON.stringify(listing.map(f => f.name).slice(0, 10))}`);
        }
        for (const [i, [verb, a, b]] of steps.entries()) {
            try {
                if (verb === "put") await client.uploadFrom(a, b);
                else if (verb === "get") await client.downloadTo(b, a);
                else throw new Error(`unknown plan verb ${verb}`);
            } catch (e) {
                console.info(`transfer ${i + 1}/${steps.length} (${verb} ${a}) failed after ${done} done: ${e.message || e}`);
                return 1;
            }
            done += 1;
        }
        console.info(`list + ${done} transfers in one session, control ${negotiated}, ${listing.length} entries listed`);
        return 0;
    } catch (e) {
        console.info(`session failed after ${done} transfers: ${e.message || e}`);
        return 1;
    } finally {
        client.close();
    }
}

main(process.argv.slice(2)).then(code => { process.exitCode = code; });
