//! One setting changed by name, as `node set KEY VALUE` sends it to the running daemon: the key
//! is a config-file key, the value is written as on the command line (`50`, `30%`, `3m`,
//! `22-07`, `primes,collatz`). The daemon applies the change to its effective config and
//! re-resolves it, so a value is checked exactly as the file's would be.

use anyhow::bail;

use crate::config::FileConfig;

/// Keys the daemon applies while running; when each takes effect is in [`when_applied`].
pub const LIVE_KEYS: &[&str] = &[
    "projects",
    "role",
    "threads",
    "cpu_percent",
    "busy_cpu_percent",
    "when",
    "idle_cpu",
    "busy_after",
    "idle_after",
    "hours",
    "pause_on_battery",
    "max_memory",
    "max_steps",
];

/// Keys only a restart changes: the network is set up once.
pub const RESTART_KEYS: &[&str] = &["bootstrap", "listen"];

/// When a change to `key` reaches the work, for the reply to `node set`.
pub fn when_applied(key: &str) -> &'static str {
    match key {
        "threads" => "from the next shard on (the current worker keeps its threads)",
        "role" | "projects" | "max_steps" => "from the next claim on",
        "max_memory" => "from the next worker on (jobs skipped for memory are reconsidered now)",
        _ => "now",
    }
}

/// Sets `key` in `config` from its command-line text.
pub fn set(config: &mut FileConfig, key: &str, value: &str) -> anyhow::Result<()> {
    let v = value.trim();
    let text = || Some(v.to_string());
    let none_word = matches!(v.to_ascii_lowercase().as_str(), "" | "none" | "all" | "any");
    match key {
        "projects" => {
            config.projects = Some(if none_word { vec![] } else { v.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect() })
        }
        "role" => config.role = text(),
        "threads" => config.threads = Some(v.parse().map_err(|_| anyhow::anyhow!("threads {v:?}: write a whole number, like 2"))?),
        "cpu_percent" => config.cpu_percent = Some(percent(key, v)?),
        "busy_cpu_percent" => config.busy_cpu_percent = Some(percent(key, v)?),
        "when" => config.when = text(),
        "idle_cpu" => config.idle_cpu = text(),
        "busy_after" => config.busy_after = text(),
        "idle_after" => config.idle_after = text(),
        "hours" => config.hours = if none_word { None } else { text() },
        "pause_on_battery" => {
            config.pause_on_battery = Some(match v.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => true,
                "false" | "no" | "off" | "0" => false,
                _ => bail!("pause_on_battery {v:?}: write true or false"),
            })
        }
        "max_memory" => config.max_memory = text(),
        "max_steps" => config.max_steps = Some(v.parse().map_err(|_| anyhow::anyhow!("max_steps {v:?}: write a whole number, like 4194304"))?),
        k if RESTART_KEYS.contains(&k) => {
            bail!("{k} cannot change while the node runs: edit the config file and restart the node (node stop, then node donate)")
        }
        other => bail!("no setting {other:?}; the node can change these while running: {}", LIVE_KEYS.join(", ")),
    }
    Ok(())
}

/// `50` or `50%`.
fn percent(key: &str, v: &str) -> anyhow::Result<f64> {
    v.trim_end_matches('%').trim().parse().map_err(|_| anyhow::anyhow!("{key} {v:?}: write a percentage, like 50"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    #[test]
    fn each_live_key_parses_as_on_the_command_line() {
        let mut c = FileConfig::default();
        for (k, v) in [
            ("projects", "primes, collatz"),
            ("role", "prove"),
            ("threads", "1"),
            ("cpu_percent", "80%"),
            ("busy_cpu_percent", "100"),
            ("when", "always"),
            ("idle_cpu", "30%"),
            ("busy_after", "5s"),
            ("idle_after", "1m"),
            ("hours", "22-07"),
            ("pause_on_battery", "no"),
            ("max_memory", "4G"),
            ("max_steps", "1000"),
        ] {
            set(&mut c, k, v).unwrap_or_else(|e| panic!("{k} {v}: {e}"));
        }
        assert_eq!(LIVE_KEYS.len(), 13);
        let s = Settings::resolve("/d".into(), c.clone()).unwrap();
        assert_eq!(s.projects, vec!["primes", "collatz"]);
        assert_eq!((s.idle_share, s.busy_share, s.max_memory, s.pause_on_battery), (0.8, 0.8, 4 << 30, false));
        set(&mut c, "hours", "none").unwrap();
        set(&mut c, "projects", "all").unwrap();
        assert_eq!((c.hours, c.projects), (None, Some(vec![])));
    }

    #[test]
    fn unknown_and_restart_only_keys_say_what_to_do() {
        let mut c = FileConfig::default();
        assert!(set(&mut c, "thread", "2").unwrap_err().to_string().contains("threads, cpu_percent"));
        assert!(set(&mut c, "listen", "/ip4/0.0.0.0/tcp/1").unwrap_err().to_string().contains("restart"));
        assert!(set(&mut c, "threads", "many").unwrap_err().to_string().contains("whole number"));
    }
}
