// Runs Knex's own migrator on a database: the proof that migrex reads and writes Knex
// migrations as Knex runs them.
//   node run.cjs latest|rollback|rollback-all|status CLIENT CONNECTION MIGRATIONS_DIR
// CLIENT is better-sqlite3 (CONNECTION a file name), pg or mysql2 (a URL). `knex` and the drivers are
// found through NODE_PATH (the npm folder scripts/orm-env prints as MIGREX_KNEX).
const knexLib = require('knex');

async function main() {
  const [cmd, client, connection, directory] = process.argv.slice(2);
  const knex = knexLib({
    client,
    connection: client === 'better-sqlite3' ? { filename: connection } : connection,
    useNullAsDefault: true,
    migrations: { directory, loadExtensions: ['.js', '.cjs'] },
  });
  try {
    if (cmd === 'latest') {
      const [batch, log] = await knex.migrate.latest();
      console.log(JSON.stringify({ batch, log }));
    } else if (cmd === 'rollback') {
      const [batch, log] = await knex.migrate.rollback();
      console.log(JSON.stringify({ batch, log }));
    } else if (cmd === 'rollback-all') {
      const [batch, log] = await knex.migrate.rollback(undefined, true);
      console.log(JSON.stringify({ batch, log }));
    } else {
      throw new Error(`unknown command ${cmd}`);
    }
  } finally {
    await knex.destroy();
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
