-- A recipe that declares a ledger (with a password, which 'recipe info'
-- does not show), a watermark column on its main input and a two-column
-- key on its output.
return {
  name = "sync",
  description = "People synced incrementally",
  inputs = { people = { main = true, since = "updated" } },
  outputs = {
    out = {
      path = "people.csv",
      columns = { "org", "id", "name", "updated" },
      key = { "org", "id" },
    },
  },
  ledger = "postgres:host=db.example.org user=sync password=hunter2 dbname=crm#sync_ledger",
}
