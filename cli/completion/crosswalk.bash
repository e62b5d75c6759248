# bash completion for crosswalk(1): installed as
# share/bash-completion/completions/crosswalk.  The commands and each
# command's options are read from the program's own --help texts, so they
# are always those of the crosswalk being completed; schema names come
# from 'crosswalk schemas'.

# The commands 'crosswalk --help' lists.
_crosswalk_commands()
{
    "$1" --help 2>/dev/null |
        sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\).*/\1/p'
}

# The long options of 'crosswalk COMMAND --help'.
_crosswalk_options()
{
    "$1" "$2" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u
}

_crosswalk()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local cw=${COMP_WORDS[0]} cmd=${COMP_WORDS[1]} words
    COMPREPLY=()

    if [ "$COMP_CWORD" -eq 1 ]; then
        words="$(_crosswalk_commands "$cw") -h --help -V --version"
        COMPREPLY=($(compgen -W "$words" -- "$cur"))
        return 0
    fi
    case $prev in
    --schema)
        words=$("$cw" schemas 2>/dev/null | awk '{ print $1 }')
        [ "$cmd" = load ] && words="$words none"
        COMPREPLY=($(compgen -W "$words" -- "$cur"))
        return 0
        ;;
    --to)
        COMPREPLY=($(compgen -W "csv ndjson" -- "$cur"))
        return 0
        ;;
    --mode)
        COMPREPLY=($(compgen -W "create append replace upsert" -- "$cur"))
        return 0
        ;;
    --stray-quotes)
        COMPREPLY=($(compgen -W "keep reject" -- "$cur"))
        return 0
        ;;
    --out-dir)
        COMPREPLY=($(compgen -d -- "$cur"))
        return 0
        ;;
    --input | --rejects | --summary-json)
        COMPREPLY=($(compgen -f -- "$cur"))
        return 0
        ;;
    --into | --db)
        COMPREPLY=($(compgen -W "sqlite: postgres:" -- "$cur"))
        compopt -o nospace 2>/dev/null
        return 0
        ;;
    --set | --key | --table | --max-instructions | --max-memory | \
        --max-seconds | --workers | --delimiter | --quote | --encoding)
        return 0
        ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_crosswalk_options "$cw" "$cmd")" -- "$cur"))
        return 0
    fi
    case $cmd in
    run | check | test)
        COMPREPLY=($(compgen -f -X '!*.lua' -- "$cur") $(compgen -d -- "$cur"))
        ;;
    schema)
        if [ "$COMP_CWORD" -eq 2 ]; then
            COMPREPLY=($(compgen -W "show" -- "$cur"))
        else
            words=$("$cw" schemas 2>/dev/null | awk '{ print $1 }')
            COMPREPLY=($(compgen -W "$words" -- "$cur"))
        fi
        ;;
    recipe)
        if [ "$COMP_CWORD" -eq 2 ]; then
            COMPREPLY=($(compgen -W "info" -- "$cur"))
        else
            COMPREPLY=($(compgen -f -X '!*.lua' -- "$cur") $(compgen -d -- "$cur"))
        fi
        ;;
    schemas) ;;
    *)
        COMPREPLY=($(compgen -f -- "$cur"))
        ;;
    esac
    return 0
}

complete -F _crosswalk crosswalk
