#!/bin/sh
# cli/mkman.sh: write the man page crosswalk(1) from the program's own
# --help texts, so that the two never disagree.  The build runs it.
#
# usage: cli/mkman.sh CROSSWALK VERSION OUT
#   CROSSWALK  the built program, VERSION its version, OUT the page to
#   write (roff, for man(1)).
# The commands are those 'crosswalk --help' lists under "commands:"; each
# gets a section holding its 'crosswalk COMMAND --help' verbatim.  The
# paragraphs of 'crosswalk --help' starting "exit codes:" and
# "environment:" become the EXIT STATUS and ENVIRONMENT sections.
set -eu

[ "$#" -eq 3 ] || {
    echo "usage: cli/mkman.sh CROSSWALK VERSION OUT" >&2
    exit 2
}
cw=$1
version=$2
out=$3
tmp=$out.tmp
export LC_ALL=C

# roff: text as man shows it, verbatim: backslashes escaped, hyphens
# made minus signs (so that options copy and paste), and a line starting
# with a dot or a quote protected.
esc() {
    sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^[.']/\\\\\\&&/"
}

# A preformatted block of 'crosswalk ARGS --help' output, without its
# first line when FROM is 2.
block() {
    from=$1
    shift
    echo ".nf"
    "$cw" "$@" --help | sed -n "$from,\$p" | esc
    echo ".fi"
}

help=$("$cw" --help)
commands=$(printf '%s\n' "$help" |
    sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\).*/\1/p')
[ -n "$commands" ] || {
    echo "mkman.sh: '$cw --help' lists no commands" >&2
    exit 1
}

{
    printf '%s\n' '.\" crosswalk(1), made by cli/mkman.sh from the --help texts.'
    echo ".TH CROSSWALK 1 \"\" \"crosswalk $version\" \"User Commands\""
    echo ".SH NAME"
    printf '%s %s\n' 'crosswalk \- stream records through sandboxed Lua' \
        'recipes into validated outputs'
    echo ".SH SYNOPSIS"
    echo ".B crosswalk"
    echo ".I COMMAND"
    echo ".RI [ OPTIONS ]"
    echo ".br"
    echo ".B crosswalk"
    echo ".I COMMAND"
    printf '%s\n' '.B \-\-help'
    echo ".br"
    echo ".B crosswalk"
    printf '%s\n' '.B \-\-version'
    echo ".SH DESCRIPTION"
    echo ".nf"
    printf '%s\n' "$help" | sed -n '3,$p' |
        sed -e '/^exit codes:/,/^$/d' -e '/^environment:/,/^$/d' | esc
    echo ".fi"
    echo ".SH EXIT STATUS"
    printf '%s\n' "$help" | sed -n '/^exit codes:/,/^$/p' |
        sed -e 's/^exit codes: *//' -e '/^$/d' | esc
    echo ".SH ENVIRONMENT"
    printf '%s\n' "$help" | sed -n '/^environment:/,/^$/p' |
        sed -e 's/^environment: *//' -e '/^$/d' | esc
    echo ".SH COMMANDS"
    for c in $commands; do
        echo ".SS \"crosswalk $c\""
        block 1 "$c"
    done
    echo ".SH FILES"
    echo "The data crosswalk reads (schemas/, lua/ and the shipped recipes in"
    echo "pipelines/) is in PREFIX/share/crosswalk of the install, or in"
    printf '%s\n' '\fBCROSSWALK_HOME\fR.'
    echo ".SH SEE ALSO"
    echo "The documentation in the source tree: README.md, docs/recipe-format.md"
    echo "(writing recipes), docs/json.md (the JSON output), docs/embedding.md"
    echo "(the C library and the Lua module)."
} >"$tmp"
mv "$tmp" "$out"
