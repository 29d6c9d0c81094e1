
use builtin;
use str;

set edit:completion:arg-completer[srec] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'srec'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'srec'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Add a streamer to monitor'
            cand list 'List monitored streamers'
            cand remove 'Remove a streamer (recorded files are kept)'
            cand enable 'Enable a disabled streamer'
            cand disable 'Disable a streamer (it is no longer checked or recorded)'
            cand probe 'Show what a live check sees now: platform, live, streams, the pick'
            cand status 'Show the daemon, streamer states and active recordings'
            cand config 'Inspect and check the configuration'
            cand jobs 'Post-processing jobs: list, show, logs, retry, cancel'
            cand completions 'Print a shell completion script'
            cand man 'Print or write the manual pages'
            cand notify 'Test notification channels and manage dead letters'
            cand run 'Run the recorder (dashboard, or headless with --no-tui)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'srec;add'= {
            cand --name 'Display name [default: derived from the URL]'
            cand --priority 'Scheduling priority; high may use reserved download slots'
            cand --template 'Apply a `[templates.NAME]` section from the config'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand --disabled 'Add without monitoring it yet'
            cand --json 'Print the created streamer as JSON'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;list'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand --json 'Print JSON instead of a table'
            cand --show-secrets 'Print cookies, tokens and credential headers in overrides as stored'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;remove'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;enable'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;disable'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;probe'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand --json 'Print the result as JSON'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;status'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand --json 'Print JSON instead of text'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;config'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand path 'Print the config file path'
            cand show 'Print the config file as loaded (keys it leaves unset take their defaults; see --effective)'
            cand check 'Validate the config file and report problems'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'srec;config;path'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;config;show'= {
            cand --effective 'Print the effective recording config of this streamer (id, URL or name)'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand --show-secrets 'Print cookies, tokens, proxy passwords and credential headers as stored'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;config;check'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;config;help'= {
            cand path 'Print the config file path'
            cand show 'Print the config file as loaded (keys it leaves unset take their defaults; see --effective)'
            cand check 'Validate the config file and report problems'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'srec;config;help;path'= {
        }
        &'srec;config;help;show'= {
        }
        &'srec;config;help;check'= {
        }
        &'srec;config;help;help'= {
        }
        &'srec;jobs'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List pipeline runs, newest first'
            cand show 'Show one run: steps, inputs, outputs, attempts, log tail'
            cand logs 'Print a run''s log (-f follows it until the run ends)'
            cand retry 'Run a failed or cancelled run again from its failed steps'
            cand cancel 'Cancel a run (running processes get SIGTERM, then a kill)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'srec;jobs;list'= {
            cand --state 'Only runs in this state'
            cand --streamer 'Only runs of this streamer (id, URL or name)'
            cand --limit 'At most this many runs'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand --json 'Print JSON instead of a table'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;jobs;show'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand --json 'Print JSON'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;jobs;logs'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand -f 'Keep printing new lines until the run ends'
            cand --follow 'Keep printing new lines until the run ends'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;jobs;retry'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand --json 'Print JSON'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;jobs;cancel'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand --json 'Print JSON'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;jobs;help'= {
            cand list 'List pipeline runs, newest first'
            cand show 'Show one run: steps, inputs, outputs, attempts, log tail'
            cand logs 'Print a run''s log (-f follows it until the run ends)'
            cand retry 'Run a failed or cancelled run again from its failed steps'
            cand cancel 'Cancel a run (running processes get SIGTERM, then a kill)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'srec;jobs;help;list'= {
        }
        &'srec;jobs;help;show'= {
        }
        &'srec;jobs;help;logs'= {
        }
        &'srec;jobs;help;retry'= {
        }
        &'srec;jobs;help;cancel'= {
        }
        &'srec;jobs;help;help'= {
        }
        &'srec;completions'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;man'= {
            cand --out-dir 'Write srec.1 and one page per subcommand into this folder'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;notify'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand test 'Send a test event to a channel and print the receiver''s answer'
            cand dead-letters 'List notifications that were given up on after max_attempts'
            cand retry 'Send dead letters again (the daemon delivers them)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'srec;notify;test'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;notify;dead-letters'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand --json 'Print JSON instead of a table'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;notify;retry'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand --all 'Retry every dead letter'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;notify;help'= {
            cand test 'Send a test event to a channel and print the receiver''s answer'
            cand dead-letters 'List notifications that were given up on after max_attempts'
            cand retry 'Send dead letters again (the daemon delivers them)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'srec;notify;help;test'= {
        }
        &'srec;notify;help;dead-letters'= {
        }
        &'srec;notify;help;retry'= {
        }
        &'srec;notify;help;help'= {
        }
        &'srec;run'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/srec/config.toml]'
            cand --data-dir 'Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]'
            cand --no-tui 'Run headless (no dashboard): logs to stderr and the log files'
            cand -v 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand --verbose 'More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides'
            cand -q 'Less log output (-q errors only, -qq nothing)'
            cand --quiet 'Less log output (-q errors only, -qq nothing)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'srec;help'= {
            cand add 'Add a streamer to monitor'
            cand list 'List monitored streamers'
            cand remove 'Remove a streamer (recorded files are kept)'
            cand enable 'Enable a disabled streamer'
            cand disable 'Disable a streamer (it is no longer checked or recorded)'
            cand probe 'Show what a live check sees now: platform, live, streams, the pick'
            cand status 'Show the daemon, streamer states and active recordings'
            cand config 'Inspect and check the configuration'
            cand jobs 'Post-processing jobs: list, show, logs, retry, cancel'
            cand completions 'Print a shell completion script'
            cand man 'Print or write the manual pages'
            cand notify 'Test notification channels and manage dead letters'
            cand run 'Run the recorder (dashboard, or headless with --no-tui)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'srec;help;add'= {
        }
        &'srec;help;list'= {
        }
        &'srec;help;remove'= {
        }
        &'srec;help;enable'= {
        }
        &'srec;help;disable'= {
        }
        &'srec;help;probe'= {
        }
        &'srec;help;status'= {
        }
        &'srec;help;config'= {
            cand path 'Print the config file path'
            cand show 'Print the config file as loaded (keys it leaves unset take their defaults; see --effective)'
            cand check 'Validate the config file and report problems'
        }
        &'srec;help;config;path'= {
        }
        &'srec;help;config;show'= {
        }
        &'srec;help;config;check'= {
        }
        &'srec;help;jobs'= {
            cand list 'List pipeline runs, newest first'
            cand show 'Show one run: steps, inputs, outputs, attempts, log tail'
            cand logs 'Print a run''s log (-f follows it until the run ends)'
            cand retry 'Run a failed or cancelled run again from its failed steps'
            cand cancel 'Cancel a run (running processes get SIGTERM, then a kill)'
        }
        &'srec;help;jobs;list'= {
        }
        &'srec;help;jobs;show'= {
        }
        &'srec;help;jobs;logs'= {
        }
        &'srec;help;jobs;retry'= {
        }
        &'srec;help;jobs;cancel'= {
        }
        &'srec;help;completions'= {
        }
        &'srec;help;man'= {
        }
        &'srec;help;notify'= {
            cand test 'Send a test event to a channel and print the receiver''s answer'
            cand dead-letters 'List notifications that were given up on after max_attempts'
            cand retry 'Send dead letters again (the daemon delivers them)'
        }
        &'srec;help;notify;test'= {
        }
        &'srec;help;notify;dead-letters'= {
        }
        &'srec;help;notify;retry'= {
        }
        &'srec;help;run'= {
        }
        &'srec;help;help'= {
        }
    ]
    $completions[$command]
}
