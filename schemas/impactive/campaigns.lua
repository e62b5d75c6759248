-- impactive/campaigns: Impactive export DB: campaigns (campaigns_export), the licenses.
-- Facts from /work/shared/reference/formats.md; see docs/schema-format.md.
return {
  name = "impactive/campaigns",
  title = "Impactive export DB: campaigns (campaigns_export), the licenses",
  tool = "impactive",
  direction = "table",
  source = "formats.md 2.5 [D0][S19]",
  key = { "id" },
  columns = {
    { name = "id", type = "id", required = true,
      doc = "primary key of the row (bigint) [S19]" },
    { name = "name", type = "text",
      doc = "campaign name [S19][D0]" },
    { name = "slug", type = "text",
      doc = "campaign slug [S19]" },
    { name = "created_at", type = "datetime", aliases = { "Created At" },
      doc = "when the row was created; naive timestamp (INF: UTC) [S19]" },
    { name = "updated_at", type = "datetime", aliases = { "Updated At" },
      doc = "when the row was last updated; naive timestamp (INF: UTC) [S19]" },
    { name = "exported_at", type = "date", aliases = { "Exported At" },
      doc = "snapshot date of the export [S19]" },
  },
}
