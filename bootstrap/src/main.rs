//! The bootstrap node: the network's well-known meeting point. It listens, prints its full
//! `/p2p/` address, serves Kademlia, relays the jobs topic and keeps the directory of open jobs
//! until Ctrl-C or SIGTERM (SIGHUP only reopens the log file). It holds no results and has no
//! authority.

mod cli;
mod directory;
mod server;

use std::path::Path;

use anyhow::Context;
use clap::Parser;
use proofgrid_daemon::dirs::{self, Role};
use proofgrid_daemon::notify;
use proofgrid_daemon::signals::{Received, Signals};
use proofgrid_protocol::{identity, multiaddr_with_peer, NetworkConfig, PeerKind};
use tracing::{info, warn};

use crate::cli::Args;
use crate::directory::Directory;
use crate::server::Server;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let log = match proofgrid_daemon::logging::init(&args.log, env!("CARGO_CRATE_NAME")) {
        Ok(log) => log,
        Err(e) => {
            eprintln!("error: {e:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match run(args, log).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", proofgrid_daemon::errors::describe(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args, log: proofgrid_daemon::logging::LogHandle) -> anyhow::Result<()> {
    // Installed before the address is published: whoever reads it may signal us at once.
    let mut signals = Signals::install()?;
    let data_dir = dirs::data_dir(Role::Bootstrap, args.data_dir.as_deref())?;
    let key = identity::load_or_create(&data_dir)
        .with_context(|| format!("cannot load or create the identity key in {}", data_dir.display()))?;
    let (client, events, event_loop) =
        proofgrid_protocol::new(NetworkConfig::new(key, PeerKind::Bootstrap))?;
    let network = tokio::spawn(event_loop.run());
    let server = tokio::spawn(Server::new(Directory::new(args.ttl)).run(events));

    let listening = client
        .listen_on(args.listen.clone())
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let full = multiaddr_with_peer(&listening, client.local_peer_id());
    // The file first: whoever reads stdout may go straight for the file.
    if let Some(file) = &args.addr_file {
        write_atomically(file, &format!("{full}\n"))
            .with_context(|| format!("cannot write the address file {}", file.display()))?;
    }
    println!("{full}");
    for addr in client.listen_addrs().await? {
        if addr != listening {
            println!("{}", multiaddr_with_peer(&addr, client.local_peer_id()));
        }
    }
    info!(addr = %full, ttl = ?args.ttl, data_dir = %data_dir.display(), "bootstrap running");
    notify::ready();

    loop {
        match signals.recv().await {
            Received::Hangup => match log.reopen() {
                Ok(()) => info!("SIGHUP: log file reopened (the bootstrap has no config file to reload)"),
                Err(e) => warn!("SIGHUP: {e:#}"),
            },
            other => {
                info!("{}: shutting down", other.name());
                break;
            }
        }
    }
    notify::stopping();
    if let Some(file) = &args.addr_file {
        // A stale address file would send peers to a node that is gone.
        let _ = std::fs::remove_file(file);
    }
    client.shutdown().await;
    drop(client);
    let _ = network.await;
    server.abort();
    Ok(())
}

fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, path)
}
