# bash completion for topo

# Define shell completion directives
__topo_ShellCompDirectiveError=1
__topo_ShellCompDirectiveNoSpace=2
__topo_ShellCompDirectiveNoFileComp=4
__topo_ShellCompDirectiveFilterFileExt=8
__topo_ShellCompDirectiveFilterDirs=16
__topo_ShellCompDirectiveKeepOrder=32

# Function to debug completion
__topo_debug() {
    if [[ -n ${BASH_COMP_DEBUG_FILE:-} ]]; then
        echo "$*" >> "${BASH_COMP_DEBUG_FILE}"
    fi
}

# The words of the line, an option's --flag=value one word: bash-completion's _get_comp_words_by_ref where
# it is installed, else the same from the words bash split (at = and :) joined again
__topo_words() {
    if declare -F _get_comp_words_by_ref >/dev/null; then
        _get_comp_words_by_ref -n "=:" cur prev words cword
        return
    fi
    words=(); cword=0
    local i w
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]}
        if ((i > 0 && ${#words[@]} > 0)) && [[ $w == [=:] || ${COMP_WORDS[i-1]} == [=:] ]]; then
            words[${#words[@]}-1]+=$w
        else
            words+=("$w")
        fi
        ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
    done
    cur=${words[cword]}
    prev=${words[cword-1]}
}

# Function to handle completions
__topo_complete() {
    local cur prev words cword
    __topo_words

    local requestComp out directive
    
    # Build the command to get completions
    # The words before the cursor as typed (eval reads their quotes), and the word being completed
    # without the quote it was begun with (an unclosed quote would fail the eval) and with its escaped
    # spaces and commas read as the shell will (Closed-Lost\ W is Closed-Lost W)
    local plain=${cur#[\"\']}
    plain=${plain//\\ / }; plain=${plain//\\,/,}
    requestComp="topo complete -- ${words[*]:1:cword-1} $(printf '%q' "$plain")"
    
    # Get completions from the program
    out=$(eval "$requestComp" 2>/dev/null)
    
    # Extract directive if present
    directive=0
    if [[ "$out" == *:* ]]; then
        directive=${out##*:}
        out=${out%:*}
    fi
    
    # Process completions based on directive
    if [[ $((directive & $__topo_ShellCompDirectiveError)) -ne 0 ]]; then
        # Error, no completion
        return
    fi
    
    # Apply directives
    if [[ $((directive & $__topo_ShellCompDirectiveNoSpace)) -ne 0 ]]; then
        compopt -o nospace
    fi
    if [[ $((directive & $__topo_ShellCompDirectiveKeepOrder)) -ne 0 ]]; then
        compopt -o nosort
    fi
    if [[ $((directive & $__topo_ShellCompDirectiveNoFileComp)) -ne 0 ]]; then
        compopt +o default
    fi
    
    # Handle file extension filtering
    if [[ $((directive & $__topo_ShellCompDirectiveFilterFileExt)) -ne 0 ]]; then
        local filter=""
        for ext in $out; do
            filter="$filter|$ext"
        done
        filter="\.($filter)"
        compopt -o filenames
        COMPREPLY=( $(compgen -f -X "!$filter" -- "$cur") )
        return
    fi
    
    # Handle directory filtering
    if [[ $((directive & $__topo_ShellCompDirectiveFilterDirs)) -ne 0 ]]; then
        compopt -o dirnames
        COMPREPLY=( $(compgen -d -- "$cur") )
        return
    fi
    
    # Process completions
    local IFS=$'\n'
    local tab=$(printf '\t')
    
    # Parse completions with descriptions
    local completions=()
    while read -r comp; do
        if [[ "$comp" == *$tab* ]]; then
            # Split completion and description
            local value=${comp%%$tab*}
            local desc=${comp#*$tab}
            completions+=("$value")
        else
            completions+=("$comp")
        fi
    done <<< "$out"
    
    # Return completions
    COMPREPLY=()
    local comp quoted quote="" typed=$plain
    if [[ $cur == [\"\']* ]]; then quote=${cur:0:1}; fi
    # --flag=value: the shell replaces what follows the =, and the values are matched against it
    if [[ $typed == --*=* ]]; then typed=${typed#*=}; fi
    for comp in "${completions[@]}"; do
        [[ -n $comp && $comp == "$typed"* ]] || continue
        # Quoted as the shell reads it back; a comma needs no backslash (--json id,type stays as typed)
        printf -v quoted '%q' "$comp"
        if [[ -n $quote ]]; then COMPREPLY+=("$quote$comp$quote"); else COMPREPLY+=("${quoted//\\,/,}"); fi
    done
}

# Register completion function
complete -o default -F __topo_complete topo

