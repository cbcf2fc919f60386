//! Conditions the owner has to act on, each said with what to do: the daemon keeps working (or
//! waiting) through all of them, so without a word the owner would see only "waiting for work".
//! Recomputed every second for `node status`; a condition that appears is logged as a warning
//! (an unreachable bootstrap is warned about where it is noticed, in discovery, which repeats the
//! warning while it lasts).

use super::{jobs, Ctx};

/// The prefix of the warning about an unreachable bootstrap, which discovery logs itself.
pub const UNREACHABLE_BOOTSTRAP: &str = "cannot reach the bootstrap peer";

pub fn current(ctx: &Ctx) -> Vec<String> {
    let settings = ctx.settings();
    let mut out = Vec::new();
    let bootstrap = ctx.links.lock().expect("links lock").bootstrap_links();
    if settings.bootstrap.is_empty() {
        out.push("no bootstrap peer is configured: this node hears only of jobs whose orgs reach it; add `bootstrap` to the config file (or --bootstrap)".into());
    } else if bootstrap.iter().all(|b| !b.connected && b.failures > 0) {
        for b in &bootstrap {
            out.push(format!(
                "{UNREACHABLE_BOOTSTRAP} {}: {}; check the address (from `bootstrap`'s output or its --addr-file) and that it runs",
                b.label,
                b.last_error.as_deref().unwrap_or("no answer"),
            ));
        }
    }
    let jobs = ctx.jobs.lock().expect("jobs lock");
    let all = jobs.all();
    for (name, orgs) in jobs.ambiguous(&settings.projects) {
        let named: Vec<String> = orgs.iter().map(|o| format!("{name}@{o}")).collect();
        out.push(format!(
            "project name {name:?} is used by {} orgs, so none of their jobs is taken: choose one as {}",
            orgs.len(),
            named.join(" or ")
        ));
    }
    let chosen: Vec<_> = all.iter().filter(|v| jobs.chosen(&v.ann, &settings.projects) && v.ann.shards_open > 0).collect();
    if !all.is_empty() && chosen.is_empty() && !settings.projects.is_empty() {
        let names: Vec<&str> = all.iter().map(|v| v.ann.name.as_str()).collect();
        out.push(format!(
            "no open job matches projects {:?}; jobs found: {} (node set projects NAME, or all)",
            settings.projects,
            names.join(", ")
        ));
    } else if !chosen.is_empty() {
        let refused: Vec<String> = chosen.iter().filter_map(|v| jobs::why_not(v, &settings).map(|w| format!("{}: {w}", v.ann.name))).collect();
        if refused.len() == chosen.len() {
            out.push(format!(
                "this node's settings refuse every job it found, so it will not work: {}; raise the cap (node set max_memory 4G, node set max_steps N) or choose other projects",
                refused.join("; ")
            ));
        }
    }
    out
}
