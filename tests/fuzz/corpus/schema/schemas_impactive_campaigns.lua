-- impactive/campaigns: Impactive export DB: campaigns (campaigns_export), the licenses.
-- Sources, and what they leave open: docs/formats.md. File format: docs/schema-format.md.
return {
  name = "impactive/campaigns",
  title = "Impactive export DB: campaigns (campaigns_export), the licenses",
  tool = "impactive",
  direction = "table",
  source = "Impactive help article 'Export Database Guide'; column names and types from Community Tech Alliance's public dbt models of the Impactive export tables (github.com/community-tech-alliance/dbt-cta)",
  key = { "id" },
  columns = {
    { name = "id", type = "id", required = true,
      doc = "primary key of the row (bigint)" },
    { name = "name", type = "text",
      doc = "campaign name" },
    { name = "slug", type = "text",
      doc = "campaign slug" },
    { name = "created_at", type = "datetime", aliases = { "Created At" },
      doc = "when the row was created; naive timestamp, read as UTC (the zone is not documented)" },
    { name = "updated_at", type = "datetime", aliases = { "Updated At" },
      doc = "when the row was last updated; naive timestamp, read as UTC (the zone is not documented)" },
    { name = "exported_at", type = "date", aliases = { "Exported At" },
      doc = "snapshot date of the export" },
  },
}
