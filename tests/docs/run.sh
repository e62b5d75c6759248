#!/usr/bin/env bash
# tests/docs/run.sh: run a document's commands and check what they print,
# so that a walkthrough in docs/ cannot drift from what crosswalk does.
#
# usage: tests/docs/run.sh DOC.md
#
# The document is read from top to bottom, in an empty temp directory:
#   <!-- file: PATH -->   on the line before a fenced code block: the
#                         block is written to PATH (relative to where the
#                         commands so far have cd'd to), as a reader
#                         saves the file the text shows
#   ```console blocks     each line starting with "$ " is a command, run
#                         as written in one bash session (a 'cd' lasts);
#                         the lines after it, up to the next command or
#                         the end of the block, are exactly what it
#                         prints (stdout and stderr together)
#   <!-- shows: PATH -->  on the line before a fenced code block: the
#                         block is exactly the file PATH of the source
#                         tree, as a reference shows an example's files
#   <!-- same-as: PATH DIR -->  at the end, PATH (relative to the temp
#                         directory) must hold exactly the files of DIR
#                         in the source tree, byte for byte
# Other code blocks are only shown.  'crosswalk' is $CROSSWALK, first on
# PATH; CROSSWALK_HOME is the source tree, as the documents tell readers
# to set it.  A command that prints something else fails the test, with
# a diff (expected first).  Exit status: 0 passed, 1 failed, 2 usage.
#
# CW_DOCS_WRITE=1 writes what the commands printed into the document
# instead, as 'crosswalk test --bless' does for cases: read the diff
# before committing it.
#
# Environment: CROSSWALK (the built binary) and CW_SOURCE_DIR (default
# the tree this script is in).
set -euo pipefail

[ "$#" -eq 1 ] && [ -f "$1" ] || {
    echo "usage: tests/docs/run.sh DOC.md" >&2
    exit 2
}
HERE=$(cd "$(dirname "$0")" && pwd)
CW_SOURCE_DIR=$(cd "${CW_SOURCE_DIR:-$HERE/../..}" && pwd)
DOC=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
CROSSWALK=${CROSSWALK:-$CW_SOURCE_DIR/build/crosswalk}
case $CROSSWALK in
/*) ;;
*) CROSSWALK=$(pwd)/$CROSSWALK ;;
esac
if [ ! -x "$CROSSWALK" ]; then
    echo "docs: $CROSSWALK is not an executable; build first" >&2
    exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cw-docs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/bin" "$WORK/root" "$WORK/want" "$WORK/got" "$WORK/cmd"
ln -s "$CROSSWALK" "$WORK/bin/crosswalk"

# The document becomes a bash script: commands with their output
# captured in got/N (the text in cmd/N, the expected output in want/N),
# files written with quoted here-documents, and the same-as checks in
# the file 'same'.
W=$WORK perl -e '
    my ($n, $mode, $file, $shows, $eof) = (0, "", undef, undef, "CW_DOC_EOF_7f3a");
    my ($nshown, $shown) = (0, undef);
    my $w = $ENV{W};
    open(my $sh, ">", "$w/script.sh") or die;
    open(my $same, ">", "$w/same") or die;
    open(my $list, ">", "$w/shows") or die;
    my $want;
    while (my $line = <STDIN>) {
        chomp $line;
        if ($mode eq "") {
            if ($line =~ /^<!-- file: (\S+) -->$/) {
                $file = $1;
            } elsif ($line =~ /^<!-- shows: (\S+) -->$/) {
                $shows = $1;
            } elsif ($line =~ /^<!-- same-as: (\S+) (\S+) -->$/) {
                print $same "$1 $2\n";
            } elsif ($line =~ /^```console\s*$/) {
                $mode = "console";
            } elsif ($line =~ /^```/ && defined $shows) {
                $mode = "shows";
                $nshown++;
                open($shown, ">", "$w/shown.$nshown") or die;
                print $list "$nshown $shows\n";
            } elsif ($line =~ /^```/) {
                $mode = defined $file ? "file" : "shown";
                print $sh "cat >\x27$file\x27 <<\x27$eof\x27 || echo \"cannot write $file\" >>\"\$W/errors\"\n" if defined $file;
            } elsif ($line =~ /\S/) {
                ($file, $shows) = (undef, undef);
            }
        } elsif ($line =~ /^```\s*$/) {
            print $sh "$eof\n" if $mode eq "file";
            close $want if $mode eq "console" && $want;
            close $shown if $mode eq "shows";
            ($mode, $file, $shows, $want) = ("", undef, undef, undef);
        } elsif ($mode eq "shows") {
            print $shown "$line\n";
        } elsif ($mode eq "file") {
            print $sh "$line\n";
        } elsif ($mode eq "console") {
            if ($line =~ /^\$ (.*)$/) {
                $n++;
                close $want if $want;
                open($want, ">", "$w/want/$n") or die;
                open(my $c, ">", "$w/cmd/$n") or die;
                print $c "$1\n";
                close $c;
                print $sh "{ $1\n} >\"\$W/got/$n\" 2>&1 </dev/null\n";
            } elsif ($want) {
                print $want "$line\n";
            } else {
                die "a console block must start with a \$ command: $line\n";
            }
        }
    }
    die "an unclosed code block\n" if $mode ne "";
' <"$DOC"

cd "$WORK/root"
# The script runs with errexit off: a command that fails prints what
# the document must show, and the next commands run as a reader's would.
PATH=$WORK/bin:$PATH CROSSWALK_HOME=$CW_SOURCE_DIR LC_ALL=C W=$WORK \
    bash +e "$WORK/script.sh" 2>>"$WORK/errors" || true

n=$(ls "$WORK/cmd" | wc -l)
if [ "${CW_DOCS_WRITE:-}" = 1 ] && [ ! -s "$WORK/errors" ]; then
    W=$WORK perl -e '
        my ($n, $mode, $skip) = (0, "", 0);
        while (my $line = <STDIN>) {
            if ($mode eq "console" && $line =~ /^```\s*$/) {
                $mode = "";
            } elsif ($mode eq "console" && $line =~ /^\$ /) {
                $n++;
                print $line;
                open(my $g, "<", "$ENV{W}/got/$n") or die;
                print while <$g>;
                close $g;
                next;
            } elsif ($mode eq "console") {
                next;
            } elsif ($line =~ /^```console\s*$/) {
                $mode = "console";
            }
            print $line;
        }
    ' <"$DOC" >"$WORK/doc"
    cp "$WORK/doc" "$DOC"
    echo "docs: wrote the output of $n commands into $DOC"
    exit 0
fi
ok=1
for i in $(seq 1 "$n"); do
    if ! cmp -s "$WORK/want/$i" "$WORK/got/$i"; then
        ok=0
        echo "FAIL \$ $(cat "$WORK/cmd/$i")"
        diff -u --label expected --label actual "$WORK/want/$i" \
            "$WORK/got/$i" | sed 's/^/    /' || true
    fi
done
while read -r i path; do
    if ! cmp -s "$WORK/shown.$i" "$CW_SOURCE_DIR/$path"; then
        ok=0
        echo "FAIL the block shown as $path is not that file:"
        diff -u --label shown --label "$path" "$WORK/shown.$i" \
            "$CW_SOURCE_DIR/$path" | sed 's/^/    /' || true
    fi
done <"$WORK/shows"
while read -r path dir; do
    if ! diff -r "$WORK/root/$path" "$CW_SOURCE_DIR/$dir" >"$WORK/diff" 2>&1; then
        ok=0
        echo "FAIL $path is not the same as $dir:"
        sed 's/^/    /' "$WORK/diff"
    fi
done <"$WORK/same"
if [ "$ok" -eq 1 ]; then
    echo "docs: $(basename "$DOC"): $n commands print what it shows" \
        "($(wc -l <"$WORK/shows") files shown as they are)"
    exit 0
fi
exit 1
