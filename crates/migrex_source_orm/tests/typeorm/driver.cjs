// Drives real TypeORM (the npm folder `scripts/orm-env` prints as MIGREX_TYPEORM, reached through
// NODE_PATH) for migrex's tests. TypeScript entities and migrations are compiled by ts-node.
//
//   node driver.cjs COMMAND DIALECT DATABASE PROJECT
//
// DIALECT is sqlite, postgres, mysql or mariadb (TypeORM's driver types of that name, over mysql2);
// DATABASE a file path or a postgres:// / mysql:// URL; PROJECT a folder whose
// `src/entity/**/*.ts` are the entities and `src/migration/*.ts` the migrations (the layout TypeORM's
// starter uses). Commands call what the CLI commands call:
//   sql       the DDL the schema builder runs against this database (migration:generate's queries)
//   sync      synchronize (schema:sync)
//   run       runMigrations (migration:run)
//   revert    undoLastMigration (migration:revert)
//   check     migration:generate --check: exit 1 and print the queries when entities != database
"use strict";
const fs = require("fs");
const path = require("path");
require("reflect-metadata");
// The project's own tsconfig.json decides what decorators reflect (strictNullChecks turns
// `string | null` into Object); without one, TypeScript's defaults (not ts-node's strict ones).
const tsconfig = path.join(process.argv[5] || ".", "tsconfig.json");
require("ts-node").register({
  transpileOnly: true,
  ...(fs.existsSync(tsconfig) ? { project: tsconfig } : { skipProject: true }),
  compilerOptions: {
    module: "commonjs",
    target: "es2021",
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    strictPropertyInitialization: false,
  },
});
const { DataSource } = require("typeorm");

async function main() {
  const [command, dialect, database, project] = process.argv.slice(2);
  const base = {
    entities: [path.join(project, "src/entity/**/*.ts")],
    migrations: [path.join(project, "src/migration/*.ts")],
    logging: false,
  };
  const options =
    dialect === "postgres"
      ? { type: "postgres", url: database, ...base }
      : dialect === "mysql" || dialect === "mariadb"
        ? { type: dialect, url: database, ...base }
        : { type: "better-sqlite3", database, ...base };
  const ds = new DataSource(options);
  await ds.initialize();
  try {
    if (command === "sql" || command === "check") {
      const log = await ds.driver.createSchemaBuilder().log();
      const queries = log.upQueries.map((q) => q.query);
      process.stdout.write(queries.map((q) => q + ";\n").join(""));
      if (command === "check" && queries.length > 0) process.exitCode = 1;
    } else if (command === "sync") {
      await ds.synchronize();
    } else if (command === "run") {
      const done = await ds.runMigrations({ transaction: "each" });
      process.stdout.write(done.map((m) => m.name + "\n").join(""));
    } else if (command === "revert") {
      await ds.undoLastMigration({ transaction: "each" });
    } else {
      throw new Error("unknown command " + command);
    }
  } finally {
    await ds.destroy();
  }
}

main().catch((e) => {
  process.stderr.write((e && e.stack) || String(e));
  process.stderr.write("\n");
  process.exit(2);
});
