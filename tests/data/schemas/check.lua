-- check.lua -- lint every schema under schemas/ against docs/schema-format.md
-- and check its header-recognition sample in tests/data/schemas/samples/.
-- Usage: lua5.4 tests/data/schemas/check.lua [repo_root]
-- (repo_root defaults to $CW_SOURCE_DIR, then "."). Exits 1 on any problem.

local root = arg[1] or os.getenv("CW_SOURCE_DIR") or "."
local schema_dir = root .. "/schemas"
local sample_dir = root .. "/tests/data/schemas/samples"

local TYPES = {
  id = true, text = true, integer = true, number = true, boolean = true,
  date = true, datetime = true, phone = true, email = true, enum = true,
  json = true,
}
local TOOLS = { organizer = true, impactive = true, rally = true }
local DIRECTIONS = { import = true, export = true, table = true }
local SCHEMA_FIELDS = {
  name = true, title = true, tool = true, direction = true, source = true,
  key = true, organizer = true, max_bytes = true, distinct = true,
  columns = true, prefixes = true,
}
local COLUMN_FIELDS = {
  name = true, type = true, required = true, nonblank = true, aliases = true,
  values = true, max_length = true, format = true, rules = true, doc = true,
}

-- Return the sorted list of schema files below 'dir'.
local function list_schemas(dir)
  local files = {}
  local p = assert(io.popen("find '" .. dir .. "' -type f -name '*.lua' | sort"))
  for line in p:lines() do
    files[#files + 1] = line
  end
  p:close()
  return files
end

-- Return true when 't' is a non-empty array of non-empty strings.
local function is_strlist(t)
  if type(t) ~= "table" or #t == 0 then
    return false
  end
  for k, v in pairs(t) do
    if math.type(k) ~= "integer" or type(v) ~= "string" or v == "" then
      return false
    end
  end
  return true
end

-- Return true when 'v' is a positive integer.
local function is_posint(v)
  return math.type(v) == "integer" and v > 0
end

-- Split a CSV text (RFC 4180) into rows of fields.
local function parse_csv(s)
  local rows, row, field, i, n = {}, {}, {}, 1, #s
  local quoted = false
  while i <= n do
    local c = s:sub(i, i)
    if quoted then
      if c == '"' then
        if s:sub(i + 1, i + 1) == '"' then
          field[#field + 1] = '"'
          i = i + 1
        else
          quoted = false
        end
      else
        field[#field + 1] = c
      end
    elseif c == '"' then
      quoted = true
    elseif c == "," then
      row[#row + 1] = table.concat(field)
      field = {}
    elseif c == "\n" or c == "\r" then
      if c == "\r" and s:sub(i + 1, i + 1) == "\n" then
        i = i + 1
      end
      row[#row + 1] = table.concat(field)
      rows[#rows + 1] = row
      row, field = {}, {}
    else
      field[#field + 1] = c
    end
    i = i + 1
  end
  if #field > 0 or #row > 0 then
    row[#row + 1] = table.concat(field)
    rows[#rows + 1] = row
  end
  return rows
end

-- Return true when 'v' is a plausible value for column 'c' (a loose check;
-- the engine's rules are the real judges).
local function value_ok(c, v)
  local t = c.type
  if t == "integer" then
    return v:match("^%-?%d+$") ~= nil
  elseif t == "number" then
    return tonumber(v) ~= nil
  elseif t == "boolean" then
    return v == "true" or v == "false"
  elseif t == "enum" then
    for _, x in ipairs(c.values) do
      if x == v then
        return true
      end
    end
    return false
  elseif t == "email" then
    return v:match("^[^@%s]+@[^@%s]+%.[^@%s]+$") ~= nil
  elseif t == "phone" then
    return select(2, v:gsub("%d", "")) >= 10
  elseif t == "date" then
    return v:match("^%d%d%d%d%-%d%d%-%d%d$") ~= nil
        or (c.format == "organizer" and v:match("^%d%d/%d%d/%d%d%d%d$") ~= nil)
  elseif t == "datetime" then
    if c.format == "organizer" then
      return v:match("^%d%d%d%d%-%d%d%-%d%d$") ~= nil
          or v:match("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d$") ~= nil
          or v:match("^%d%d/%d%d/%d%d%d%d$") ~= nil
          or v:match("^%d%d/%d%d/%d%d%d%d %d%d:%d%d$") ~= nil
    end
    local rest = v:match("^%d%d%d%d%-%d%d%-%d%d[T ]%d%d:%d%d:%d%d(.*)$")
    if not rest then
      return false
    end
    rest = rest:gsub("^%.%d+", "")
    return rest == "" or rest == "Z" or rest:match("^[+-]%d%d:%d%d$") ~= nil
  elseif t == "json" then
    return v:match("^%s*[%[{\"%-%dtfn]") ~= nil
  end
  return true
end

-- Check the sample file of schema 's' against it; add problems to 'bad'.
-- Return the number of data rows read, or nil.
local function check_sample(s, bad)
  local fn = sample_dir .. "/" .. s.name:gsub("/", "__") .. ".csv"
  local f = io.open(fn, "rb")
  if not f then
    bad[#bad + 1] = "sample missing: " .. fn
    return nil
  end
  local rows = parse_csv(f:read("a"))
  f:close()
  if #rows < 3 then
    bad[#bad + 1] = "sample has fewer than 2 data rows"
    return nil
  end
  local header = rows[1]
  local lookup = {}
  for _, c in ipairs(s.columns) do
    lookup[c.name:lower()] = c
    for _, a in ipairs(c.aliases or {}) do
      lookup[a:lower()] = c
    end
  end
  local cols, seen, order = {}, {}, {}
  for i, h in ipairs(header) do
    local c = lookup[h:lower()]
    if not c then
      for _, p in ipairs(s.prefixes or {}) do
        if h:sub(1, #p.prefix) == p.prefix then
          c = { name = h, type = p.type }
        end
      end
    end
    if not c then
      bad[#bad + 1] = "sample header '" .. h .. "' matches no column"
    else
      cols[i] = c
      seen[c.name] = true
      if lookup[h:lower()] then
        order[#order + 1] = c.name
      end
    end
  end
  for _, c in ipairs(s.columns) do
    if not seen[c.name] then
      bad[#bad + 1] = "sample lacks column '" .. c.name .. "'"
    end
  end
  local same = #order == #s.columns
  for i = 1, #order do
    same = same and order[i] == s.columns[i].name
  end
  if same then
    bad[#bad + 1] = "sample columns are in schema order"
  end
  for r = 2, #rows do
    local row = rows[r]
    if #row ~= #header then
      bad[#bad + 1] = ("sample row %d has %d fields, header %d"):format(r, #row, #header)
    end
    for i, v in ipairs(row) do
      local c = cols[i]
      if c then
        if v == "" then
          if c.required or c.nonblank or s.organizer then
            bad[#bad + 1] = ("sample row %d: '%s' is blank"):format(r, c.name)
          end
        elseif not value_ok(c, v) then
          bad[#bad + 1] = ("sample row %d: '%s' = '%s' is not a valid %s"):format(
            r, c.name, v, c.type)
        end
      end
    end
  end
  return #rows - 1
end

-- Check one column 'c' (index 'i'); add problems to 'bad'.
local function check_column(c, i, bad)
  if type(c) ~= "table" then
    bad[#bad + 1] = "column " .. i .. " is not a table"
    return
  end
  local label = "column " .. i .. " (" .. tostring(c.name) .. ")"
  for k in pairs(c) do
    if not COLUMN_FIELDS[k] then
      bad[#bad + 1] = label .. ": unknown field '" .. tostring(k) .. "'"
    end
  end
  if type(c.name) ~= "string" or c.name == "" then
    bad[#bad + 1] = label .. ": no name"
  end
  if not TYPES[c.type] then
    bad[#bad + 1] = label .. ": bad type '" .. tostring(c.type) .. "'"
  end
  for _, k in ipairs({ "required", "nonblank" }) do
    if c[k] ~= nil and type(c[k]) ~= "boolean" then
      bad[#bad + 1] = label .. ": " .. k .. " is not a boolean"
    end
  end
  if c.type == "enum" then
    if not is_strlist(c.values) then
      bad[#bad + 1] = label .. ": enum without values"
    else
      local v = {}
      for _, x in ipairs(c.values) do
        if v[x] then
          bad[#bad + 1] = label .. ": duplicate value '" .. x .. "'"
        end
        v[x] = true
      end
    end
  elseif c.values ~= nil then
    bad[#bad + 1] = label .. ": values on a non-enum column"
  end
  if c.format ~= nil and (c.format ~= "organizer"
      or (c.type ~= "date" and c.type ~= "datetime")) then
    bad[#bad + 1] = label .. ": bad format"
  end
  if c.max_length ~= nil and not is_posint(c.max_length) then
    bad[#bad + 1] = label .. ": bad max_length"
  end
  if c.rules ~= nil and not is_strlist(c.rules) then
    bad[#bad + 1] = label .. ": bad rules"
  end
  if c.aliases ~= nil and not is_strlist(c.aliases) then
    bad[#bad + 1] = label .. ": bad aliases"
  end
  if type(c.doc) ~= "string" or c.doc == "" then
    bad[#bad + 1] = label .. ": doc missing"
  end
end

-- Check one schema file 'path'; return its table (or nil) and a problem list.
local function check_schema(path)
  local bad = {}
  local ok, s = pcall(dofile, path)
  if not ok then
    return nil, { "does not load: " .. tostring(s) }
  end
  if type(s) ~= "table" then
    return nil, { "does not return a table" }
  end
  local want = path:sub(#schema_dir + 2):gsub("%.lua$", "")
  if s.name ~= want then
    bad[#bad + 1] = "name '" .. tostring(s.name) .. "' does not match path '" .. want .. "'"
  end
  for k in pairs(s) do
    if not SCHEMA_FIELDS[k] then
      bad[#bad + 1] = "unknown schema field '" .. tostring(k) .. "'"
    end
  end
  for _, k in ipairs({ "title", "source" }) do
    if type(s[k]) ~= "string" or s[k] == "" then
      bad[#bad + 1] = "missing " .. k
    end
  end
  if not TOOLS[s.tool] or want:match("^[^/]+") ~= s.tool then
    bad[#bad + 1] = "bad tool '" .. tostring(s.tool) .. "'"
  end
  if not DIRECTIONS[s.direction] then
    bad[#bad + 1] = "bad direction '" .. tostring(s.direction) .. "'"
  end
  if s.organizer ~= nil and type(s.organizer) ~= "boolean" then
    bad[#bad + 1] = "organizer is not a boolean"
  end
  if s.max_bytes ~= nil and not is_posint(s.max_bytes) then
    bad[#bad + 1] = "bad max_bytes"
  end
  if type(s.columns) ~= "table" or #s.columns == 0 then
    bad[#bad + 1] = "no columns"
    return s, bad
  end
  local names, spellings = {}, {}
  for i, c in ipairs(s.columns) do
    check_column(c, i, bad)
    if type(c) == "table" and type(c.name) == "string" then
      local lc = c.name:lower()
      if names[lc] then
        bad[#bad + 1] = "duplicate column name '" .. c.name .. "' (ignoring case)"
      end
      names[lc] = c.name
    end
  end
  for _, c in ipairs(s.columns) do
    if type(c) == "table" and is_strlist(c.aliases) then
      for _, a in ipairs(c.aliases) do
        local la = a:lower()
        if names[la] then
          bad[#bad + 1] = "alias '" .. a .. "' of '" .. c.name .. "' equals column '"
              .. names[la] .. "' (ignoring case)"
        elseif spellings[la] then
          bad[#bad + 1] = "alias '" .. a .. "' appears twice (" .. spellings[la]
              .. ", " .. c.name .. ")"
        end
        spellings[la] = c.name
      end
    end
  end
  if s.key ~= nil then
    if not is_strlist(s.key) then
      bad[#bad + 1] = "bad key"
    else
      for _, k in ipairs(s.key) do
        if names[k:lower()] ~= k then
          bad[#bad + 1] = "key column '" .. k .. "' is not a column"
        end
      end
    end
  end
  if s.distinct ~= nil then
    local d = s.distinct
    if type(d) ~= "table" or type(d.column) ~= "string" or names[d.column:lower()] ~= d.column
        or not is_posint(d.max) then
      bad[#bad + 1] = "bad distinct"
    end
  end
  if s.prefixes ~= nil then
    if type(s.prefixes) ~= "table" or #s.prefixes == 0 then
      bad[#bad + 1] = "bad prefixes"
    else
      for _, p in ipairs(s.prefixes) do
        if type(p) ~= "table" or type(p.prefix) ~= "string" or p.prefix == ""
            or not TYPES[p.type] then
          bad[#bad + 1] = "bad prefix entry"
        end
      end
    end
  end
  return s, bad
end

local files = list_schemas(schema_dir)
local failed, total = 0, 0
for _, path in ipairs(files) do
  total = total + 1
  local s, bad = check_schema(path)
  local nrows
  if s and type(s.columns) == "table" and #bad == 0 then
    nrows = check_sample(s, bad)
  end
  local name = s and tostring(s.name) or path
  if #bad == 0 then
    local req = 0
    for _, c in ipairs(s.columns) do
      if c.required then
        req = req + 1
      end
    end
    print(("ok   %-44s %3d columns %2d required  key=%s  sample rows=%d"):format(
      name, #s.columns, req, s.key and table.concat(s.key, "+") or "-", nrows))
  else
    failed = failed + 1
    print(("FAIL %s"):format(name))
    for _, b in ipairs(bad) do
      print("     - " .. b)
    end
  end
end
if total == 0 then
  print("no schema files under " .. schema_dir)
  os.exit(1)
end
print(("%d schemas, %d failed"):format(total, failed))
os.exit(failed == 0 and 0 or 1)
