// Drives Prisma's own engines (the WASM builds from npm; the CLI needs a native engine that cannot
// be downloaded here) for migrex's tests. Run from the folder scripts/orm-env installs them in:
//   node --experimental-wasm-modules engine.mjs COMMAND ARGS...
// Commands (schema files are the .prisma files of one schema; DB is a SQLite file path or a
// postgres:// URL; the WASM engine has no MySQL connector: "Unsupported adapter provider"):
//   validate FILE...                 validates with prisma-schema-wasm; errors on stderr, exit 1
//   format FILE                      prints the file as `prisma format` writes it
//   diff-empty DB FILE...            prints the SQL Prisma's migrate would write for the schema
//   apply DB MIGRATIONS_DIR FILE...  applies the migrations folder (records _prisma_migrations)
//   drift DB FILE...                 the migrated database against the schema: exit 0 when equal,
//                                    2 with the SQL that would be needed otherwise
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(path.join(process.cwd(), "package.json"));
const [command, ...args] = process.argv.slice(2);

function readFiles(paths) {
  return paths.map((p) => ({ path: p, content: fs.readFileSync(p, "utf8") }));
}

async function engine(db, files) {
  const { SchemaEngine } = await import(require.resolve("@prisma/schema-engine-wasm"));
  const { bindMigrationAwareSqlAdapterFactory } = await import(
    require.resolve("@prisma/driver-adapter-utils")
  );
  let factory;
  if (/^postgres(ql)?:/.test(db)) {
    const { PrismaPg } = await import(require.resolve("@prisma/adapter-pg"));
    // adapter-pg 7.10.0 rejects PostgreSQL's internal `"char"` type (OID 18), which the
    // engine's catalog queries return (pg_constraint.contype...) when it introspects for the
    // drift check ("Column type 'char' could not be deserialized"). Its values are one-letter
    // strings: report the column as text (OID 25), whose parser returns the string as is.
    const pg = (await import(require.resolve("pg"))).default;
    const describe = pg.Query.prototype.handleRowDescription;
    pg.Query.prototype.handleRowDescription = function (msg) {
      for (const f of msg.fields) if (f.dataTypeID === 18) f.dataTypeID = 25;
      return describe.call(this, msg);
    };
    factory = new PrismaPg({ connectionString: db });
  } else {
    const { PrismaBetterSqlite3 } = await import(require.resolve("@prisma/adapter-better-sqlite3"));
    factory = new PrismaBetterSqlite3({ url: "file:" + db });
  }
  const datamodels = files.map((f) => [f.path, f.content]);
  return SchemaEngine.new({ datamodels }, () => {}, bindMigrationAwareSqlAdapterFactory(factory));
}

const filters = { externalTables: [], externalEnums: [] };

// The WASM engine reports a Rust panic through this registry; without it the panic surfaces as
// an unrelated TypeError.
globalThis.PRISMA_WASM_PANIC_REGISTRY = {
  set_message(message) {
    process.stderr.write(`schema engine panicked: ${message}\n`);
  },
};

async function main() {
  if (command === "validate") {
    const wasm = require("@prisma/prisma-schema-wasm");
    const files = readFiles(args).map((f) => [f.path, f.content]);
    wasm.validate(JSON.stringify({ prismaSchema: files, noColor: true }));
    return 0;
  }
  if (command === "format") {
    const wasm = require("@prisma/prisma-schema-wasm");
    const [file] = args;
    const params = JSON.stringify({ textDocument: { uri: "file:/" + file },
      options: { tabSize: 2, insertSpaces: true } });
    process.stdout.write(wasm.format(fs.readFileSync(file, "utf8"), params));
    return 0;
  }
  if (command === "diff-empty") {
    const [db, ...paths] = args;
    const files = readFiles(paths);
    const e = await engine(db, files);
    const out = await e.diff({ from: { tag: "empty" }, to: { tag: "schemaDatamodel", files },
      script: true, exitCode: null, filters });
    process.stdout.write(out.stdout);
    return 0;
  }
  if (command === "apply") {
    const [db, dir, ...paths] = args;
    const files = readFiles(paths);
    const e = await engine(db, files);
    const lockPath = path.join(dir, "migration_lock.toml");
    const names = fs.readdirSync(dir).filter((n) => fs.statSync(path.join(dir, n)).isDirectory()).sort();
    const migrationsList = {
      baseDir: dir,
      lockfile: { path: lockPath, content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, "utf8") : null },
      shadowDbInitScript: "",
      migrationDirectories: names.map((n) => ({ path: n, migrationFile: { path: "migration.sql",
        content: { tag: "ok", value: fs.readFileSync(path.join(dir, n, "migration.sql"), "utf8") } } })),
    };
    const out = await e.applyMigrations({ migrationsList, filters });
    process.stdout.write(JSON.stringify(out.appliedMigrationNames) + "\n");
    return 0;
  }
  if (command === "drift") {
    const [db, ...paths] = args;
    const files = readFiles(paths);
    const e = await engine(db, files);
    const out = await e.diff({ from: { tag: "schemaDatasource", files, configDir: path.dirname(paths[0]) },
      to: { tag: "schemaDatamodel", files }, script: true, exitCode: true, filters });
    process.stdout.write(out.stdout);
    return out.exitCode;
  }
  throw new Error(`unknown command ${command}`);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write((err && (err.message || JSON.stringify(err))) + "\n");
    process.exit(1);
  },
);
