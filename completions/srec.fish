# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_srec_global_optspecs
    string join \n config= data-dir= v/verbose q/quiet h/help V/version
end

function __fish_srec_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_srec_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_srec_using_subcommand
    set -l cmd (__fish_srec_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c srec -n "__fish_srec_needs_command" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_needs_command" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_needs_command" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_needs_command" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_needs_command" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_needs_command" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_needs_command" -f -a "add" -d 'Add a streamer to monitor'
complete -c srec -n "__fish_srec_needs_command" -f -a "list" -d 'List monitored streamers'
complete -c srec -n "__fish_srec_needs_command" -f -a "remove" -d 'Remove a streamer (recorded files are kept)'
complete -c srec -n "__fish_srec_needs_command" -f -a "enable" -d 'Enable a disabled streamer'
complete -c srec -n "__fish_srec_needs_command" -f -a "disable" -d 'Disable a streamer (it is no longer checked or recorded)'
complete -c srec -n "__fish_srec_needs_command" -f -a "probe" -d 'Show what a live check sees now: platform, live, streams, the pick'
complete -c srec -n "__fish_srec_needs_command" -f -a "status" -d 'Show the daemon, streamer states and active recordings'
complete -c srec -n "__fish_srec_needs_command" -f -a "config" -d 'Inspect and check the configuration'
complete -c srec -n "__fish_srec_needs_command" -f -a "jobs" -d 'Post-processing jobs: list, show, logs, retry, cancel'
complete -c srec -n "__fish_srec_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c srec -n "__fish_srec_needs_command" -f -a "man" -d 'Print or write the manual pages'
complete -c srec -n "__fish_srec_needs_command" -f -a "notify" -d 'Test notification channels and manage dead letters'
complete -c srec -n "__fish_srec_needs_command" -f -a "run" -d 'Run the recorder (dashboard, or headless with --no-tui)'
complete -c srec -n "__fish_srec_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c srec -n "__fish_srec_using_subcommand add" -l name -d 'Display name [default: derived from the URL]' -r
complete -c srec -n "__fish_srec_using_subcommand add" -l priority -d 'Scheduling priority; high may use reserved download slots' -r -f -a "high\t''
normal\t''
low\t''"
complete -c srec -n "__fish_srec_using_subcommand add" -l template -d 'Apply a `[templates.NAME]` section from the config' -r
complete -c srec -n "__fish_srec_using_subcommand add" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand add" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand add" -l disabled -d 'Add without monitoring it yet'
complete -c srec -n "__fish_srec_using_subcommand add" -l json -d 'Print the created streamer as JSON'
complete -c srec -n "__fish_srec_using_subcommand add" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand add" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand add" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand add" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand list" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand list" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand list" -l json -d 'Print JSON instead of a table'
complete -c srec -n "__fish_srec_using_subcommand list" -l show-secrets -d 'Print cookies, tokens and credential headers in overrides as stored'
complete -c srec -n "__fish_srec_using_subcommand list" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand list" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand list" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand list" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand remove" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand remove" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand remove" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand remove" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand remove" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand remove" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand enable" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand enable" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand enable" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand enable" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand enable" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand enable" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand disable" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand disable" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand disable" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand disable" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand disable" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand disable" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand probe" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand probe" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand probe" -l json -d 'Print the result as JSON'
complete -c srec -n "__fish_srec_using_subcommand probe" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand probe" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand probe" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand probe" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand status" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand status" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand status" -l json -d 'Print JSON instead of text'
complete -c srec -n "__fish_srec_using_subcommand status" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand status" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand status" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand status" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -f -a "path" -d 'Print the config file path'
complete -c srec -n "__fish_srec_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -f -a "show" -d 'Print the config file as loaded (keys it leaves unset take their defaults; see --effective)'
complete -c srec -n "__fish_srec_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -f -a "check" -d 'Validate the config file and report problems'
complete -c srec -n "__fish_srec_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from path" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from path" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from path" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from path" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from path" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from show" -l effective -d 'Print the effective recording config of this streamer (id, URL or name)' -r
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from show" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from show" -l show-secrets -d 'Print cookies, tokens, proxy passwords and credential headers as stored'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from check" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from check" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the config file path'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the config file as loaded (keys it leaves unset take their defaults; see --effective)'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Validate the config file and report problems'
complete -c srec -n "__fish_srec_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c srec -n "__fish_srec_using_subcommand jobs; and not __fish_seen_subcommand_from list show logs retry cancel help" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand jobs; and not __fish_seen_subcommand_from list show logs retry cancel help" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand jobs; and not __fish_seen_subcommand_from list show logs retry cancel help" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand jobs; and not __fish_seen_subcommand_from list show logs retry cancel help" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand jobs; and not __fish_seen_subcommand_from list show logs retry cancel help" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand jobs; and not __fish_seen_subcommand_from list show logs retry cancel help" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand jobs; and not __fish_seen_subcommand_from list show logs retry cancel help" -f -a "list" -d 'List pipeline runs, newest first'
complete -c srec -n "__fish_srec_using_subcommand jobs; and not __fish_seen_subcommand_from list show logs retry cancel help" -f -a "show" -d 'Show one run: steps, inputs, outputs, attempts, log tail'
complete -c srec -n "__fish_srec_using_subcommand jobs; and not __fish_seen_subcommand_from list show logs retry cancel help" -f -a "logs" -d 'Print a run\'s log (-f follows it until the run ends)'
complete -c srec -n "__fish_srec_using_subcommand jobs; and not __fish_seen_subcommand_from list show logs retry cancel help" -f -a "retry" -d 'Run a failed or cancelled run again from its failed steps'
complete -c srec -n "__fish_srec_using_subcommand jobs; and not __fish_seen_subcommand_from list show logs retry cancel help" -f -a "cancel" -d 'Cancel a run (running processes get SIGTERM, then a kill)'
complete -c srec -n "__fish_srec_using_subcommand jobs; and not __fish_seen_subcommand_from list show logs retry cancel help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from list" -l state -d 'Only runs in this state' -r -f -a "waiting\t''
running\t''
succeeded\t''
failed\t''
cancelled\t''"
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from list" -l streamer -d 'Only runs of this streamer (id, URL or name)' -r
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from list" -l limit -d 'At most this many runs' -r
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from list" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from list" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from list" -l json -d 'Print JSON instead of a table'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from show" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from show" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from show" -l json -d 'Print JSON'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from logs" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from logs" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from logs" -s f -l follow -d 'Keep printing new lines until the run ends'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from logs" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from logs" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from logs" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from retry" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from retry" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from retry" -l json -d 'Print JSON'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from retry" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from retry" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from retry" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from retry" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l json -d 'Print JSON'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "list" -d 'List pipeline runs, newest first'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one run: steps, inputs, outputs, attempts, log tail'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "logs" -d 'Print a run\'s log (-f follows it until the run ends)'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "retry" -d 'Run a failed or cancelled run again from its failed steps'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "cancel" -d 'Cancel a run (running processes get SIGTERM, then a kill)'
complete -c srec -n "__fish_srec_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c srec -n "__fish_srec_using_subcommand completions" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand completions" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand completions" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand completions" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand completions" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand completions" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand man" -l out-dir -d 'Write srec.1 and one page per subcommand into this folder' -r -F
complete -c srec -n "__fish_srec_using_subcommand man" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand man" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand man" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand man" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand man" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand man" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand notify; and not __fish_seen_subcommand_from test dead-letters retry help" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand notify; and not __fish_seen_subcommand_from test dead-letters retry help" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand notify; and not __fish_seen_subcommand_from test dead-letters retry help" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand notify; and not __fish_seen_subcommand_from test dead-letters retry help" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand notify; and not __fish_seen_subcommand_from test dead-letters retry help" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand notify; and not __fish_seen_subcommand_from test dead-letters retry help" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand notify; and not __fish_seen_subcommand_from test dead-letters retry help" -f -a "test" -d 'Send a test event to a channel and print the receiver\'s answer'
complete -c srec -n "__fish_srec_using_subcommand notify; and not __fish_seen_subcommand_from test dead-letters retry help" -f -a "dead-letters" -d 'List notifications that were given up on after max_attempts'
complete -c srec -n "__fish_srec_using_subcommand notify; and not __fish_seen_subcommand_from test dead-letters retry help" -f -a "retry" -d 'Send dead letters again (the daemon delivers them)'
complete -c srec -n "__fish_srec_using_subcommand notify; and not __fish_seen_subcommand_from test dead-letters retry help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from test" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from test" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from test" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from test" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from test" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from test" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from dead-letters" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from dead-letters" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from dead-letters" -l json -d 'Print JSON instead of a table'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from dead-letters" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from dead-letters" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from dead-letters" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from dead-letters" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from retry" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from retry" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from retry" -l all -d 'Retry every dead letter'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from retry" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from retry" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from retry" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from retry" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from help" -f -a "test" -d 'Send a test event to a channel and print the receiver\'s answer'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from help" -f -a "dead-letters" -d 'List notifications that were given up on after max_attempts'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from help" -f -a "retry" -d 'Send dead letters again (the daemon delivers them)'
complete -c srec -n "__fish_srec_using_subcommand notify; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c srec -n "__fish_srec_using_subcommand run" -l config -d 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]' -r -F
complete -c srec -n "__fish_srec_using_subcommand run" -l data-dir -d 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]' -r -F
complete -c srec -n "__fish_srec_using_subcommand run" -l no-tui -d 'Run headless (no dashboard): logs to stderr and the log files'
complete -c srec -n "__fish_srec_using_subcommand run" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
complete -c srec -n "__fish_srec_using_subcommand run" -s q -l quiet -d 'Less log output (-q errors only, -qq nothing)'
complete -c srec -n "__fish_srec_using_subcommand run" -s h -l help -d 'Print help'
complete -c srec -n "__fish_srec_using_subcommand run" -s V -l version -d 'Print version'
complete -c srec -n "__fish_srec_using_subcommand help; and not __fish_seen_subcommand_from add list remove enable disable probe status config jobs completions man notify run help" -f -a "add" -d 'Add a streamer to monitor'
complete -c srec -n "__fish_srec_using_subcommand help; and not __fish_seen_subcommand_from add list remove enable disable probe status config jobs completions man notify run help" -f -a "list" -d 'List monitored streamers'
complete -c srec -n "__fish_srec_using_subcommand help; and not __fish_seen_subcommand_from add list remove enable disable probe status config jobs completions man notify run help" -f -a "remove" -d 'Remove a streamer (recorded files are kept)'
complete -c srec -n "__fish_srec_using_subcommand help; and not __fish_seen_subcommand_from add list remove enable disable probe status config jobs completions man notify run help" -f -a "enable" -d 'Enable a disabled streamer'
complete -c srec -n "__fish_srec_using_subcommand help; and not __fish_seen_subcommand_from add list remove enable disable probe status config jobs completions man notify run help" -f -a "disable" -d 'Disable a streamer (it is no longer checked or recorded)'
complete -c srec -n "__fish_srec_using_subcommand help; and not __fish_seen_subcommand_from add list remove enable disable probe status config jobs completions man notify run help" -f -a "probe" -d 'Show what a live check sees now: platform, live, streams, the pick'
complete -c srec -n "__fish_srec_using_subcommand help; and not __fish_seen_subcommand_from add list remove enable disable probe status config jobs completions man notify run help" -f -a "status" -d 'Show the daemon, streamer states and active recordings'
complete -c srec -n "__fish_srec_using_subcommand help; and not __fish_seen_subcommand_from add list remove enable disable probe status config jobs completions man notify run help" -f -a "config" -d 'Inspect and check the configuration'
complete -c srec -n "__fish_srec_using_subcommand help; and not __fish_seen_subcommand_from add list remove enable disable probe status config jobs completions man notify run help" -f -a "jobs" -d 'Post-processing jobs: list, show, logs, retry, cancel'
complete -c srec -n "__fish_srec_using_subcommand help; and not __fish_seen_subcommand_from add list remove enable disable probe status config jobs completions man notify run help" -f -a "completions" -d 'Print a shell completion script'
complete -c srec -n "__fish_srec_using_subcommand help; and not __fish_seen_subcommand_from add list remove enable disable probe status config jobs completions man notify run help" -f -a "man" -d 'Print or write the manual pages'
complete -c srec -n "__fish_srec_using_subcommand help; and not __fish_seen_subcommand_from add list remove enable disable probe status config jobs completions man notify run help" -f -a "notify" -d 'Test notification channels and manage dead letters'
complete -c srec -n "__fish_srec_using_subcommand help; and not __fish_seen_subcommand_from add list remove enable disable probe status config jobs completions man notify run help" -f -a "run" -d 'Run the recorder (dashboard, or headless with --no-tui)'
complete -c srec -n "__fish_srec_using_subcommand help; and not __fish_seen_subcommand_from add list remove enable disable probe status config jobs completions man notify run help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c srec -n "__fish_srec_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the config file path'
complete -c srec -n "__fish_srec_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the config file as loaded (keys it leaves unset take their defaults; see --effective)'
complete -c srec -n "__fish_srec_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Validate the config file and report problems'
complete -c srec -n "__fish_srec_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "list" -d 'List pipeline runs, newest first'
complete -c srec -n "__fish_srec_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "show" -d 'Show one run: steps, inputs, outputs, attempts, log tail'
complete -c srec -n "__fish_srec_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "logs" -d 'Print a run\'s log (-f follows it until the run ends)'
complete -c srec -n "__fish_srec_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "retry" -d 'Run a failed or cancelled run again from its failed steps'
complete -c srec -n "__fish_srec_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "cancel" -d 'Cancel a run (running processes get SIGTERM, then a kill)'
complete -c srec -n "__fish_srec_using_subcommand help; and __fish_seen_subcommand_from notify" -f -a "test" -d 'Send a test event to a channel and print the receiver\'s answer'
complete -c srec -n "__fish_srec_using_subcommand help; and __fish_seen_subcommand_from notify" -f -a "dead-letters" -d 'List notifications that were given up on after max_attempts'
complete -c srec -n "__fish_srec_using_subcommand help; and __fish_seen_subcommand_from notify" -f -a "retry" -d 'Send dead letters again (the daemon delivers them)'
