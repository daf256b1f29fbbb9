// Validates SARIF logs against the SARIF 2.1.0 JSON schema Microsoft's SARIF SDK ships
// (@microsoft/jest-sarif), with the ajv release and options that SDK uses (draft-04 schema).
//   node validate.cjs NODE_DIR FILE...
// Prints each schema error with its JSON path; exits 1 when a file is invalid.
const path = require('path');
const fs = require('fs');
const [nodeDir, ...files] = process.argv.slice(2);
const modules = path.join(nodeDir, 'node_modules');
const Ajv = require(path.join(modules, 'ajv'));
const ajv = new Ajv({ schemaId: 'auto', validateSchema: false, allErrors: true });
ajv.addMetaSchema(require(path.join(modules, 'ajv/lib/refs/json-schema-draft-04.json')));
const schema = require(path.join(modules, '@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'));
const validate = ajv.compile(schema);
let failed = false;
for (const f of files) {
  const log = JSON.parse(fs.readFileSync(f, 'utf8'));
  if (!validate(log)) {
    failed = true;
    for (const e of validate.errors) console.log(`${f}: ${e.dataPath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  } else {
    console.log(`${f}: valid SARIF 2.1.0 (${log.runs.reduce((n, r) => n + (r.results || []).length, 0)} results)`);
  }
}
process.exit(failed ? 1 : 0);
