//! The bootstrap node: the network's well-known meeting point. It listens, prints its full
//! `/p2p/` address, serves Kademlia, relays the jobs topic and keeps the directory of open jobs
//! until Ctrl-C or SIGTERM. It holds no results and has no authority.

mod cli;
mod directory;
mod server;

use std::path::Path;

use anyhow::Context;
use clap::Parser;
use proofgrid_protocol::{identity, multiaddr_with_peer, NetworkConfig, PeerKind};
use tokio::signal::unix::{signal, SignalKind};
use tracing::info;
use tracing_subscriber::EnvFilter;

use crate::cli::Args;
use crate::directory::Directory;
use crate::server::Server;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        // kad warns "no known peers" whenever a bootstrap node with no DHT peers of its own
        // starts listening: the normal state of a bootstrap, so quiet by default.
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,libp2p_kad=error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    // Installed before the address is published: whoever reads it may signal us at once.
    let mut sigterm = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut sigint = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;

    let key = identity::load_or_create(&args.data_dir)?;
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
    info!(addr = %full, ttl = ?args.ttl, "bootstrap running");

    tokio::select! {
        _ = sigint.recv() => {}
        _ = sigterm.recv() => {}
    }
    info!("shutting down");
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
