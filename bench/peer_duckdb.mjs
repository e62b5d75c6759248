// bench/peer_duckdb.mjs: benchmark peer, the bench mapping in DuckDB
// through its Node.js client (@duckdb/node-api, installed by
// bench/setup.sh into bench/node/).
//
// Usage: node bench/peer_duckdb.mjs IN.csv OUT.csv THREADS
//
// Same mapping as bench/peer_python.py: five renames, opted_out to
// lowercase true/false (other values unchanged), the other columns as
// they are, in input order; every column read as text (all_varchar), the
// output with minimal quoting, LF line ends, input order kept
// (preserve_insertion_order, DuckDB's default; the CASE compares with
// '=' one value at a time because DuckDB 1.5 turns an IN list into a join,
// and then, with 2 threads, writes the rows out of order).  The time includes
// starting Node.js and DuckDB (about 0.1 s).
import { DuckDBInstance } from "./node/node_modules/@duckdb/node-api/lib/index.js";

const [inPath, outPath, threads] = process.argv.slice(2);
if (!inPath || !outPath || !threads) {
  console.error("usage: node bench/peer_duckdb.mjs IN.csv OUT.csv THREADS");
  process.exit(2);
}
const q = (s) => "'" + s.replaceAll("'", "''") + "'";
const db = await DuckDBInstance.create(":memory:", { threads: String(threads) });
const c = await db.connect();
await c.run(`
COPY (
  SELECT id AS message_id, campaign_id AS campaign, activity_id,
         activity_title AS effort, message_type, sender_type, receiver_type,
         sender_name, phone AS phone_number, profile_id AS contact_id,
         CASE lower(opted_out)
           WHEN 'true' THEN 'true' WHEN 't' THEN 'true' WHEN 'yes' THEN 'true'
           WHEN 'y' THEN 'true' WHEN '1' THEN 'true'
           WHEN 'false' THEN 'false' WHEN 'f' THEN 'false'
           WHEN 'no' THEN 'false' WHEN 'n' THEN 'false' WHEN '0' THEN 'false'
           ELSE opted_out
         END AS opted_out,
         sent_at, script_type, body
  FROM read_csv(${q(inPath)}, header = true, all_varchar = true,
                delim = ',', quote = '"', escape = '"', auto_detect = true)
) TO ${q(outPath)} (FORMAT csv, HEADER true, DELIMITER ',')`);
