# tests/db/ledger_cases.sh: the delivery ledger's database cases, sourced
# by tests/db/run.sh (which defines the helpers they use: q, state, cw,
# expect_*, new_server_dir, start_server).  Cases:
#   ledger_pg_weekly       the shipped text recipe twice on the sample
#                          export with a PostgreSQL ledger: 11 rows, then 0
#                          (sent_before 11); after 'ledger confirm' and one
#                          new message, exactly that message's pair; the
#                          ledger's tables checked on the server
#   ledger_pg_source       messages read from PostgreSQL with a SQLite
#                          ledger: past the watermark the server returns
#                          the new row only (its own log's plan: rows=1)
#   ledger_commit_fails    a table that fails at COMMIT after the ledger
#                          recorded the run: the ledger (SQLite, then
#                          PostgreSQL) is as it was
#   ledger_pg_secrets      a password in the ledger's URI is never shown;
#                          a ledger in use is refused at once
ALL_CASES+=(ledger_pg_weekly ledger_pg_source ledger_commit_fails
    ledger_pg_secrets)

# ledger_run OUT MESSAGES LEDGER [ARGS...]: the text recipe on the sample
# export (MESSAGES may be any input spec), into $WORK/OUT.
ledger_run() {
    cw run "$SRC/pipelines/impactive_to_organizer_text" --input "$2" \
        --input "contacts=$SAMPLES/contacts.csv" \
        --input "taggings=$SAMPLES/taggings.csv" \
        --input "profiles=$SAMPLES/profiles.csv" --out-dir "$WORK/$1" \
        --ledger "$3" --summary-json "$WORK/$1.json" "${@:4}"
}

# The new message of week 2: a new effort for Ben, after every other one.
LEDGER_NEW_MESSAGE='9000019,77,5505,GOTV Text 2024-11,TwilioMessage,user,3101,Sam Rivera,contact,7000102,Ben Baker,initial,"Hi Ben, one more reminder: polls open 7am",delivered,,2024-11-04 14:00:01.000000,,2024-11-04 14:00:00.500000'
LEDGER_NEW_PAIR='Profile ID,Effort Name,Date/Time,Service,Replied,Opted Out,Bounced,Message,Sender
100000102,GOTV Text 2024-11,2024-11-04 09:00,Impactive,false,false,false,"Hi Ben, one more reminder: polls open 7am",Sam Rivera'

# expect_file FILE CONTENT: FILE holds exactly CONTENT (and a last newline).
expect_file() {
    if [ ! -f "$1" ]; then
        WHY="$1 is missing"
        return 1
    fi
    expect_eq "$(basename "$1")" "$2" "$(cat "$1")"
}

case_ledger_pg_weekly() {
    local L="postgres:$DB#deliveries"
    ledger_run w1 "$SAMPLES/messages.csv" "$L"
    expect_rc 1 || return 1 # the samples hold one ambiguous phone
    expect_err "read 18 = written 11 + rejected 1 + filtered 1 + merged 5 + sent_before 0" || return 1
    expect_err "wrote $WORK/w1/text_interactions.csv (11 rows)" || return 1
    expect_eq "delivered rows on the server" "11" "$(q "SELECT count(*) FROM deliveries")" || return 1
    ledger_run w1b "$SAMPLES/messages.csv" "$L"
    expect_rc 1 || return 1
    expect_err "read 18 = written 0 + rejected 1 + filtered 1 + merged 5 + sent_before 11" || return 1
    expect_err "W_PENDING: 11 rows are not written: they wait in this file, which run 1 wrote" || return 1
    expect_eq "files of the second run" "rejects.csv" "$(ls "$WORK/w1b")" || return 1
    expect_eq "summary" '"sent_before": 11' "$(grep -o '"sent_before": [0-9]*' "$WORK/w1b.json")" || return 1
    cw ledger confirm "$WORK/w1/text_interactions.csv" --ledger "$L"
    expect_rc 0 || return 1
    cp "$SAMPLES/messages.csv" "$WORK/messages2.csv"
    printf '%s\n' "$LEDGER_NEW_MESSAGE" >>"$WORK/messages2.csv"
    ledger_run w2 "$WORK/messages2.csv" "$L"
    expect_rc 0 || return 1
    expect_err "read 19 = written 1 + rejected 0 + filtered 18 + merged 0 + sent_before 0" || return 1
    expect_err "ledger: messages read past created_at '2024-11-01 13:00:01.000000' (18 rows at or before it filtered)" || return 1
    expect_file "$WORK/w2/text_interactions.csv" "$LEDGER_NEW_PAIR" || return 1
    expect_eq "files on the server" "1|1|confirmed|11
2|3|pending|1" "$(q "SELECT file, run, state, nrows FROM deliveries_files ORDER BY file")" || return 1
    expect_eq "runs on the server" "1|done
2|done
3|done" "$(q "SELECT run, state FROM deliveries_runs ORDER BY run")" || return 1
    expect_eq "the new pair on the server" '["100000102","GOTV Text 2024-11"]' \
        "$(q "SELECT key_text FROM deliveries WHERE file = 2")"
}

# ledger_plan_rows LOG: the rows the last COPY of the messages returned,
# from the plan auto_explain logged for it ("actual ... rows=N" of its
# top node).
ledger_plan_rows() {
    awk '/Query Text: COPY \(SELECT \* FROM/ && /messages/ { want = 1; next }
        want && /actual time=/ { sub(/.*actual time=[^ ]* rows=/, ""); sub(/ .*/, "");
            rows = $0; want = 0 }
        END { print rows }' "$1"
}

case_ledger_pg_source() {
    local pdir pdb L="$WORK/src-ledger.db" before
    new_server_dir
    pdir=$SERVER_DIR
    pdb=$(start_server "$pdir") || {
        WHY="could not start a server of its own with scripts/pg.sh"
        return 1
    }
    # The server logs each statement and, for each, the plan it ran with
    # the rows every node returned.
    "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$pdb" \
        -c "ALTER DATABASE crosswalk_test SET session_preload_libraries = 'auto_explain'" \
        -c "ALTER DATABASE crosswalk_test SET auto_explain.log_min_duration = 0" \
        -c "ALTER DATABASE crosswalk_test SET auto_explain.log_analyze = on" \
        -c "ALTER DATABASE crosswalk_test SET log_statement = 'all'" >"$WORK/pgs.log" 2>&1 &&
        (cd "$SRC" && "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$pdb" \
            -f tests/data/pg/impactive_export.sql) >>"$WORK/pgs.log" 2>&1 || {
        WHY="preparing the server: $(cat "$WORK/pgs.log")"
        return 1
    }
    ledger_run s1 "postgres:$pdb#SELECT * FROM messages ORDER BY id" "$L"
    expect_rc 1 || return 1
    expect_err "read 18 = written 11 + rejected 1 + filtered 1 + merged 5 + sent_before 0" || return 1
    expect_eq "rows the server returned to the first run" 18 "$(ledger_plan_rows "$pdir/server.log")" || return 1
    cw ledger confirm "$WORK/s1/text_interactions.csv" --ledger "$L"
    expect_rc 0 || return 1
    "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$pdb" -c "INSERT INTO messages (id,
        campaign_id, activity_id, activity_title, message_type, sender_type,
        sender_id, sender_name, receiver_type, receiver_id, receiver_name,
        script_type, body, twilio_status, sent_at, created_at) VALUES (9000019,
        77, 5505, 'GOTV Text 2024-11', 'TwilioMessage', 'user', 3101, 'Sam Rivera',
        'contact', 7000102, 'Ben Baker', 'initial',
        'Hi Ben, one more reminder: polls open 7am', 'delivered',
        '2024-11-04 14:00:01', '2024-11-04 14:00:00.5')" >"$WORK/pgs.log" 2>&1 || {
        WHY="adding the new message: $(cat "$WORK/pgs.log")"
        return 1
    }
    before=$(wc -l <"$pdir/server.log")
    ledger_run s2 "postgres:$pdb#SELECT * FROM messages ORDER BY id" "$L"
    expect_rc 0 || return 1
    expect_err "read 1 = written 1 + rejected 0 + filtered 0 + merged 0 + sent_before 0" || return 1
    expect_err "ledger: messages read past created_at '2024-11-01 13:00:01' (the database returned only the rows after it)" || return 1
    expect_file "$WORK/s2/text_interactions.csv" "$LEDGER_NEW_PAIR" || return 1
    tail -n +"$before" "$pdir/server.log" >"$WORK/s2.serverlog"
    expect_eq "rows the server returned past the watermark" 1 "$(ledger_plan_rows "$WORK/s2.serverlog")" || return 1
    if ! grep -q "Rows Removed by Filter: 18" "$WORK/s2.serverlog" ||
        ! grep -q "WHERE \"created_at\" > E'2024-11-01 13:00:01'" "$WORK/s2.serverlog"; then
        WHY="the server's log lacks the condition or the 18 rows it left out: $(grep -A 12 'Query Text: COPY' "$WORK/s2.serverlog" | head -n 30)"
        return 1
    fi
}

# ledger_state LEDGER: what the ledger holds, every table.
ledger_state() {
    local t
    case $1 in
    postgres:*)
        for t in commit_ledger commit_ledger_runs commit_ledger_files \
            commit_ledger_marks commit_ledger_deps; do
            state "$t"
        done
        ;;
    *) sqlite3 "$1" .dump | md5sum ;;
    esac
}

case_ledger_commit_fails() {
    local L before kind=0
    printf 'id,name,n\n1,a,1\n2,b,2\n' >"$WORK/cf1.csv"
    printf 'id,name,n\n1,a,1\n2,b,2\n3,c,3\n' >"$WORK/cf2.csv"
    for L in "$WORK/commit.db" "postgres:$DB#commit_ledger"; do
        kind=$((kind + 1))
        q "DROP TABLE IF EXISTS ledger_tab" || return 1
        cw run "$RECIPES/ledger_file_and_table.lua" --input "$WORK/cf1.csv" \
            --out-dir "$WORK/cf$kind-1" --db "postgres:$DB" --ledger "$L"
        expect_rc 0 || return 1
        cw ledger confirm "$WORK/cf$kind-1/rows.csv" --ledger "$L"
        expect_rc 0 || return 1
        # The table now refuses at COMMIT, after the ledger recorded.
        q "CREATE OR REPLACE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS
           \$\$ BEGIN RAISE EXCEPTION 'refused at commit'; END \$\$" \
            "CREATE CONSTRAINT TRIGGER boom AFTER INSERT ON ledger_tab
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION boom()" || {
            WHY="creating the trigger"
            return 1
        }
        before=$(ledger_state "$L")
        cw run "$RECIPES/ledger_file_and_table.lua" --input "$WORK/cf2.csv" \
            --out-dir "$WORK/cf$kind-2" --db "postgres:$DB" --ledger "$L"
        expect_rc 3 || return 1
        expect_err "refused at commit" || return 1
        expect_err "nothing was committed" || return 1
        expect_eq "the ledger ($L) after the failed run" "$before" "$(ledger_state "$L")" || return 1
        if [ -e "$WORK/cf$kind-2/rows.csv" ]; then
            WHY="the failed run's file is in place"
            return 1
        fi
        # Without the trigger, the next run writes the new row.
        q "DROP TRIGGER boom ON ledger_tab" || return 1
        cw run "$RECIPES/ledger_file_and_table.lua" --input "$WORK/cf2.csv" \
            --out-dir "$WORK/cf$kind-3" --db "postgres:$DB" --ledger "$L"
        expect_rc 0 || return 1
        expect_file "$WORK/cf$kind-3/rows.csv" "id,name,n
3,c,3" || return 1
    done
}

case_ledger_pg_secrets() {
    local v uri f pid i n
    v=$("$BIN/psql" -X -At "$DB" -c '\echo :USER :DBNAME :HOST :PORT')
    read -r -a f <<<"$v"
    uri="postgresql://${f[0]}:s3cr3tpw@/${f[1]}?host=${f[2]}&port=${f[3]}#secret_ledger"
    printf 'id,name,n\n1,a,1\n' >"$WORK/sl.csv"
    cw run "$RECIPES/ledger_file_and_table.lua" --input "$WORK/sl.csv" \
        --out-dir "$WORK/sl" --db "postgres:$DB" --ledger "$uri" --summary-json "$WORK/sl.json"
    expect_rc 0 || return 1
    expect_err "ledger postgresql://${f[0]}:***@/" || return 1
    cat "$WORK/err" >"$WORK/sl.err"
    cw ledger status --ledger "$uri"
    expect_rc 0 || return 1
    cat "$WORK/out" "$WORK/err" >>"$WORK/sl.err"
    cw ledger confirm "$WORK/nowhere.csv" --ledger "$uri"
    expect_rc 2 || return 1
    cat "$WORK/err" >>"$WORK/sl.err"
    if grep -q s3cr3tpw "$WORK/sl.err" "$WORK/sl.json"; then
        WHY="the password was shown: $(grep s3cr3tpw "$WORK/sl.err" "$WORK/sl.json")"
        return 1
    fi
    # Another session holding the ledger's lock: refused at once.
    "$BIN/psql" -X -q "$DB" -c "SELECT pg_advisory_lock(hashtext('crosswalk ledger secret_ledger'))" \
        -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
    pid=$!
    for ((i = 0; i < 100; i++)); do
        n=$(q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
        [ "$n" = 1 ] && break
        sleep 0.1
    done
    cw ledger status --ledger "$uri"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    expect_rc 2 || return 1
    expect_err "the ledger secret_ledger is in use by another crosswalk run or command"
}
